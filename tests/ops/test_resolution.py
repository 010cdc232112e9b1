"""Overload resolution agrees with TorchScript (torch.jit is the oracle)."""

from __future__ import annotations

import math
import re
from typing import Any, Dict, List, Optional, Tuple

import pytest
import torch
import torch.nn.functional as F

from hybridjit.errors import SchemaError
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph
from hybridjit.ops.resolution import EMPTY_LIST, attach_schemas, match_call, match_node
from hybridjit.ops.schema import NO_DEFAULT

from .jit_oracle import jit_type, node_schema, script_graph, walk

TEN, INT, FLT, BOOL, STR = T.TENSOR, T.IntType, T.FloatType, T.BoolType, T.StrType
INTS, TENS = T.ListType(INT), T.ListType(TEN)
DSI = T.DictType(STR, INT)


# Each oracle function makes one call of interest; CALLS says how hybridjit sees that call:
# (function, op kind, positional types, keyword types, receiver type for method calls).
def f_add_tensors(x: torch.Tensor, y: torch.Tensor):
    return x + y


def f_add_tensor_int(x: torch.Tensor):
    return x + 1


def f_add_alpha(x: torch.Tensor, y: torch.Tensor):
    return torch.add(x, y, alpha=2)


def f_add_ints(a: int, b: int):
    return a + b


def f_add_float_int(a: float, b: int):
    return a + b


def f_add_strs(a: str, b: str):
    return a + b


def f_add_lists(a: List[int], b: List[int]):
    return a + b


def f_div_ints(a: int, b: int):
    return a / b


def f_mod_ints(a: int, b: int):
    return a % b


def f_floordiv_floats(a: float, b: float):
    return a // b


def f_pow_int_float(a: int, b: float):
    return a**b


def f_sum_dim(x: torch.Tensor):
    return x.sum(1, keepdim=True)


def f_sum_all(x: torch.Tensor):
    return torch.sum(x)


def f_view_varargs(x: torch.Tensor):
    return x.view(2, -1)


def f_view_list(x: torch.Tensor, s: List[int]):
    return x.view(s)


def f_zeros_varargs():
    return torch.zeros(2, 3)


def f_zeros_dtype():
    return torch.zeros([2, 3], dtype=torch.float64)


def f_permute(x: torch.Tensor):
    return x.permute(1, 0)


def f_conv_scalar_stride(x: torch.Tensor, w: torch.Tensor):
    return F.conv2d(x, w, stride=2)


def f_int_of_tensor(x: torch.Tensor):
    return int(x)


def f_float_of_int(a: int):
    return float(a)


def f_len_list(xs: List[int]):
    return len(xs)


def f_len_dict(d: Dict[str, int]):
    return len(d)


def f_getitem_list(xs: List[torch.Tensor]):
    return xs[0]


def f_getitem_dict(d: Dict[str, int]):
    return d["a"]


def f_append(xs: List[int]):
    xs.append(1)
    return xs


def f_contains_list(xs: List[int]):
    return 1 in xs


def f_contains_dict(d: Dict[str, int]):
    return "a" in d


def f_eq_tensor_int(x: torch.Tensor):
    return x == 1


def f_lt_ints(a: int, b: int):
    return a < b


def f_eq_strs(a: str, b: str):
    return a == b


def f_max_ints(a: int, b: int):
    return max(a, b)


def f_min_list(xs: List[int]):
    return min(xs)


def f_abs_float(a: float):
    return abs(a)


def f_round_float(a: float):
    return round(a)


def f_to_dtype(x: torch.Tensor):
    return x.to(torch.float64)


def f_tensor_literal():
    return torch.tensor([1, 2])


def f_size_dim(x: torch.Tensor):
    return x.size(0)


def f_format(a: int, x: torch.Tensor):
    return f"{a} and {x}"


def f_cat_tuple(x: torch.Tensor, y: torch.Tensor):
    return torch.cat((x, y), 1)


def f_cat_list(x: torch.Tensor, y: torch.Tensor):
    return torch.cat([x, y])


def f_clamp_kw(x: torch.Tensor):
    return x.clamp(min=0)


def f_clamp_floats(x: torch.Tensor):
    return torch.clamp(x, 0.0, 1.0)


def f_sqrt_float(a: float):
    return math.sqrt(a)


def f_sqrt_int(a: int):
    return math.sqrt(a)


def f_item(x: torch.Tensor):
    return x.item()


def f_mul_int_tensor_scalar(x: torch.Tensor, a: int):
    return x * a


def f_neg_int(a: int):
    return -a


def f_not(a: bool):
    return not a


def f_matmul(x: torch.Tensor, y: torch.Tensor):
    return x @ y


def f_str_of_int(a: int):
    return str(a)


def f_list_index_tensor(xs: List[int], i: torch.Tensor):
    return xs[i]


def f_full(a: float):
    return torch.full([2], a)


def f_softmax(x: torch.Tensor):
    return torch.softmax(x, -1)


def f_linear(x: torch.Tensor, w: torch.Tensor):
    return F.linear(x, w)


def f_is_none(a: Optional[int]):
    return a is None


def f_optional_arg(x: torch.Tensor, d: Optional[int]):
    return torch.sum(x, d)


def f_eq_lists(a: List[int], b: List[int]):
    return a == b


def f_dict_keys(d: Dict[str, int]):
    return d.keys()


def f_randn_like(x: torch.Tensor):
    return torch.randn_like(x)


def f_arange(n: int):
    return torch.arange(n)


def f_arange_float(a: float):
    return torch.arange(0, a, 0.5)


def f_index_select(x: torch.Tensor, i: torch.Tensor):
    return x.index_select(0, i)


def f_tuple_getitem(t: Tuple[int, int]):
    return t[0] + t[1]


def f_transpose(x: torch.Tensor):
    return x.transpose(0, 1)


def f_max_dim(x: torch.Tensor):
    return torch.max(x, 1)


def f_max_tensors(x: torch.Tensor, y: torch.Tensor):
    return torch.max(x, y)


def f_bool_int(a: int):
    return bool(a)


def f_divmod(a: int, b: int):
    return divmod(a, b)


def f_where(c: torch.Tensor, x: torch.Tensor):
    return torch.where(c, x, 0.0)


def f_pow_tensor(x: torch.Tensor):
    return x**2


def f_rsub(x: torch.Tensor):
    return x - 1.5


ORACLE_CALLS: list[tuple[Any, str, list[T.Type], dict[str, T.Type], T.Type | None]] = [
    (f_add_tensors, "aten::add", [TEN, TEN], {}, None),
    (f_add_tensor_int, "aten::add", [TEN, INT], {}, None),
    (f_add_alpha, "aten::add", [TEN, TEN], {"alpha": INT}, None),
    (f_add_ints, "aten::add", [INT, INT], {}, None),
    (f_add_float_int, "aten::add", [FLT, INT], {}, None),
    (f_add_strs, "aten::add", [STR, STR], {}, None),
    (f_add_lists, "aten::add", [INTS, INTS], {}, None),
    (f_div_ints, "aten::div", [INT, INT], {}, None),
    (f_mod_ints, "aten::remainder", [INT, INT], {}, None),
    (f_floordiv_floats, "aten::floordiv", [FLT, FLT], {}, None),
    (f_pow_int_float, "aten::pow", [INT, FLT], {}, None),
    (f_sum_dim, "aten::sum", [INT], {"keepdim": BOOL}, TEN),
    (f_sum_all, "aten::sum", [TEN], {}, None),
    (f_view_varargs, "aten::view", [INT, INT], {}, TEN),
    (f_view_list, "aten::view", [INTS], {}, TEN),
    (f_zeros_varargs, "aten::zeros", [INT, INT], {}, None),
    (f_zeros_dtype, "aten::zeros", [INTS], {"dtype": INT}, None),
    (f_permute, "aten::permute", [INT, INT], {}, TEN),
    (f_conv_scalar_stride, "aten::conv2d", [TEN, TEN], {"stride": INT}, None),
    (f_int_of_tensor, "aten::Int", [TEN], {}, None),
    (f_float_of_int, "aten::Float", [INT], {}, None),
    (f_len_list, "aten::len", [INTS], {}, None),
    (f_len_dict, "aten::len", [DSI], {}, None),
    (f_getitem_list, "aten::__getitem__", [TENS, INT], {}, None),
    (f_getitem_dict, "aten::__getitem__", [DSI, STR], {}, None),
    (f_append, "aten::append", [INT], {}, INTS),
    (f_contains_list, "aten::__contains__", [INTS, INT], {}, None),
    (f_contains_dict, "aten::__contains__", [DSI, STR], {}, None),
    (f_eq_tensor_int, "aten::eq", [TEN, INT], {}, None),
    (f_lt_ints, "aten::lt", [INT, INT], {}, None),
    (f_eq_strs, "aten::eq", [STR, STR], {}, None),
    (f_max_ints, "prim::max", [INT, INT], {}, None),
    (f_min_list, "prim::min", [INTS], {}, None),
    (f_abs_float, "prim::abs", [FLT], {}, None),
    (f_round_float, "aten::round", [FLT], {}, None),
    (f_to_dtype, "aten::to", [INT], {}, TEN),
    (f_tensor_literal, "aten::tensor", [INTS], {}, None),
    (f_size_dim, "aten::size", [INT], {}, TEN),
    (f_format, "aten::format", [STR, INT, TEN], {}, None),
    (f_cat_tuple, "aten::cat", [T.TupleType((TEN, TEN)), INT], {}, None),
    (f_cat_list, "aten::cat", [TENS], {}, None),
    (f_clamp_kw, "aten::clamp", [], {"min": INT}, TEN),
    (f_clamp_floats, "aten::clamp", [TEN, FLT, FLT], {}, None),
    (f_sqrt_float, "aten::sqrt", [FLT], {}, None),
    (f_sqrt_int, "aten::sqrt", [INT], {}, None),
    (f_item, "aten::item", [], {}, TEN),
    (f_mul_int_tensor_scalar, "aten::mul", [TEN, INT], {}, None),
    (f_neg_int, "aten::neg", [INT], {}, None),
    (f_not, "aten::__not__", [BOOL], {}, None),
    (f_matmul, "aten::matmul", [TEN, TEN], {}, None),
    (f_str_of_int, "aten::str", [INT], {}, None),
    (f_list_index_tensor, "aten::__getitem__", [INTS, TEN], {}, None),
    (f_full, "aten::full", [INTS, FLT], {}, None),
    (f_softmax, "aten::softmax", [TEN, INT], {}, None),
    (f_linear, "aten::linear", [TEN, TEN], {}, None),
    (f_is_none, "aten::__is__", [T.OptionalType(INT), T.NoneType], {}, None),
    (f_eq_lists, "aten::eq", [INTS, INTS], {}, None),
    (f_dict_keys, "aten::keys", [], {}, DSI),
    (f_randn_like, "aten::randn_like", [TEN], {}, None),
    (f_arange, "aten::arange", [INT], {}, None),
    (f_arange_float, "aten::arange", [INT, FLT, FLT], {}, None),
    (f_index_select, "aten::index_select", [INT, TEN], {}, TEN),
    (f_transpose, "aten::transpose", [INT, INT], {}, TEN),
    (f_max_dim, "aten::max", [TEN, INT], {}, None),
    (f_max_tensors, "aten::max", [TEN, TEN], {}, None),
    (f_bool_int, "aten::Bool", [INT], {}, None),
    (f_divmod, "aten::divmod", [INT, INT], {}, None),
    (f_where, "aten::where", [TEN, TEN, FLT], {}, None),
    (f_pow_tensor, "aten::pow", [TEN, INT], {}, None),
    (f_rsub, "aten::sub", [TEN, FLT], {}, None),
]


def _oracle_schema(fn: Any, kind: str) -> str:
    schemas = [node_schema(n) for n in walk(script_graph(fn)) if n.kind() == kind]
    assert schemas, f"torch.jit emitted no {kind} for {fn.__name__}"
    return schemas[-1] if kind == "aten::Int" else schemas[0]


@pytest.mark.parametrize("fn, kind, args, kwargs, self_type", ORACLE_CALLS,
                         ids=[c[0].__name__ for c in ORACLE_CALLS])  # fmt: skip
def test_match_call_agrees_with_torchscript(fn, kind, args, kwargs, self_type) -> None:
    match = match_call(kind, args, kwargs, self_type=self_type)
    assert str(match.schema) == _oracle_schema(fn, kind)


# -- script-defined builtin functions: `1 + x` is `aten::add(x, 1)` ----------------------------
def f_radd(x: torch.Tensor):
    return 1 + x


def f_rsub_float(x: torch.Tensor):
    return 2.5 - x


def f_rdiv(x: torch.Tensor):
    return 3 / x


def f_tensor_floordiv(x: torch.Tensor):
    return x // 2


BUILTIN_FUNCTION_CALLS = [
    (f_radd, "aten::add", [INT, TEN]),
    (f_rsub_float, "aten::sub", [FLT, TEN]),
    (f_rdiv, "aten::div", [INT, TEN]),
    (f_tensor_floordiv, "aten::floordiv", [TEN, INT]),
]


@pytest.mark.parametrize("fn, kind, args", BUILTIN_FUNCTION_CALLS,
                         ids=[c[0].__name__ for c in BUILTIN_FUNCTION_CALLS])  # fmt: skip
def test_builtin_functions_expand_like_torchscript(fn, kind, args) -> None:
    match = match_call(kind, args)
    assert match.function is not None
    emitted = [n for n in walk(script_graph(fn)) if n.kind() != "prim::Constant"]
    assert [op for op, _ in match.function.body] == [n.kind() for n in emitted]


# -- where each argument comes from ----------------------------------------------------------
def test_sources_positional_kwarg_default() -> None:
    match = match_call("aten::add", [TEN], {"other": TEN})
    assert (
        str(match.schema)
        == "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"
    )
    kinds = [(s.kind, s.index, s.name, s.default) for s in match.inputs]
    assert kinds == [("positional", 0, "", NO_DEFAULT), ("kwarg", -1, "other", NO_DEFAULT),
                     ("default", -1, "", 1)]  # fmt: skip
    assert match.return_types == (TEN,)


def test_input_keyword_names_self_for_aten_ops() -> None:
    match = match_call("aten::relu", [], {"input": TEN})
    assert match.inputs[0].kind == "kwarg" and match.inputs[0].name == "input"


def test_receiver_binds_self() -> None:
    match = match_call("aten::append", [INT], self_type=INTS)
    assert [s.kind for s in match.inputs] == ["self", "positional"]
    with pytest.raises(SchemaError, match="the method receiver has no 'self' argument"):
        match_schemas_one("prim::min.int", [INT, INT], self_type=INT)


def test_type_variables_substitute_into_returns() -> None:
    assert match_call("aten::__getitem__", [TENS, INT]).return_types == (TEN,)
    pairs = match_call("aten::items", [T.DictType(STR, FLT)])
    assert pairs.return_types == (T.ListType(T.TupleType((STR, FLT))),)
    assert pairs.env == {"t": FLT}


def test_type_variable_must_bind_consistently() -> None:
    with pytest.raises(
        SchemaError,
        match=re.escape("type variable 't' previously matched to type int is matched to type str"),
    ):  # noqa: E501
        match_call("aten::append", [STR], self_type=INTS)


def test_sized_list_accepts_a_single_int() -> None:
    match = match_call("aten::conv2d", [TEN, TEN], {"padding": INT})
    padding = match.inputs[4]
    assert (padding.kind, padding.convert, padding.repeat, padding.type) == (
        "kwarg",
        "repeat",
        2,
        INTS,
    )


def test_varargs_pack_into_the_list_argument() -> None:
    match = match_call("aten::view", [INT, INT, INT], self_type=TEN)
    size = match.inputs[1]
    assert (size.kind, size.indices, size.convert) == ("varargs", (0, 1, 2), "list")


def test_tuple_becomes_list() -> None:
    match = match_call("aten::cat", [T.TupleType((TEN, TEN))])
    assert match.inputs[0].convert == "tuple_to_list" and match.inputs[0].type == TENS


def test_empty_list_literal_fits_any_list() -> None:
    match = match_call("aten::zeros", [EMPTY_LIST])
    assert match.inputs[0].convert == "empty_list" and match.inputs[0].type == INTS


def test_implicit_conversions_only_in_second_round() -> None:
    # Tensor -> int only when no overload fits without conversions.
    match = match_call("aten::__getitem__", [INTS, TEN])
    assert match.inputs[1].convert == "aten::IntImplicit"
    assert match_call("aten::add", [T.NumberType, INT]).schema.qualified_overload == "aten::add"
    # bool -> Scalar goes through aten::Int
    match = match_call("aten::add", [TEN, BOOL])
    assert (str(match.schema.qualified_overload), match.inputs[1].convert) == (
        "aten::add.Scalar",
        "aten::Int",
    )


def f_to_str_device(x: torch.Tensor):
    return x.to("cpu")


def test_str_converts_to_device() -> None:
    match = match_call("aten::to", [STR], self_type=TEN)
    assert str(match.schema) == _oracle_schema(f_to_str_device, "aten::to")
    assert match.inputs[1].convert == "aten::device"


def test_int_never_becomes_float() -> None:
    with pytest.raises(SchemaError, match=re.escape("argument 'b' expected float but found int")):
        match_schemas_one("aten::add.float", [FLT, INT])


def match_schemas_one(qualified: str, args: list[T.Type], self_type: T.Type | None = None):
    from hybridjit.ops import registry
    from hybridjit.ops.resolution import match_schemas

    schema = registry.lookup(qualified)
    assert schema is not None
    return match_schemas([schema], args, {}, self_type)


def test_scalar_type_arguments_accept_ints() -> None:
    match = match_call("aten::to", [INT], self_type=TEN)
    assert match.schema.qualified_overload == "aten::to.dtype"


def test_blocked_overloads() -> None:
    # TorchScript never reads `x.view(1)`'s int as a dtype.
    assert match_call("aten::view", [INT], self_type=TEN).schema.qualified_overload == "aten::view"


def test_vararg_schema_passes_extra_positionals() -> None:
    match = match_call("aten::format", [STR, INT, FLT])
    assert match.extra == (1, 2)


def test_named_returns() -> None:
    assert match_call("aten::max", [TEN, INT]).return_field_names == ("values", "indices")
    assert match_call("aten::relu", [TEN]).return_field_names is None


# -- errors -----------------------------------------------------------------------------------
def test_error_lists_every_candidate_and_why() -> None:
    with pytest.raises(SchemaError) as info:
        match_call("aten::add", [INT, STR])
    text = str(info.value)
    assert text.startswith("no overload of aten::add accepts (int, str); the candidates are:")
    assert "aten::add.int: argument 'b' expected int but found str" in text
    assert "aten::add.Tensor: argument 'self' expected Tensor but found int" in text


def test_error_unknown_keyword_and_missing_argument() -> None:
    with pytest.raises(SchemaError, match="keyword argument 'bogus' unknown"):
        match_call("aten::relu", [TEN], {"bogus": INT})
    with pytest.raises(SchemaError, match="argument 'other' not provided"):
        match_call("aten::add", [TEN])
    with pytest.raises(
        SchemaError, match=re.escape("expected at most 1 positional arguments but found 2")
    ):  # noqa: E501
        match_call("aten::relu", [TEN, TEN])


def test_error_unknown_operator() -> None:
    with pytest.raises(SchemaError, match="unknown operator aten::no_such_op"):
        match_call("aten::no_such_op", [])


def test_error_for_optional_int_where_list_expected_agrees_with_torchscript() -> None:
    def f_optional_arg(x: torch.Tensor, d: Optional[int]):
        return torch.sum(x, d)

    with pytest.raises(SchemaError, match=re.escape("expected int[1]? but found int?")):
        match_call("aten::sum", [TEN, T.OptionalType(INT)])


# -- graph nodes --------------------------------------------------------------------------------
def test_match_node_agrees_with_torchscript_on_the_corpus() -> None:
    from tests.corpus import script_programs as corpus

    checked, wrong = 0, []
    for case in corpus.CASES:
        if not case.torchscript_ok:
            continue
        try:
            graph = script_graph(case.fn)
        except Exception:  # noqa: BLE001 - a corpus case the oracle rejects is not ours to test
            continue
        for node in walk(graph):
            expected = node_schema(node)
            if expected is None:
                continue
            got = match_node(node.kind(), [jit_type(v.type()) for v in node.inputs()],
                             len(list(node.outputs())))  # fmt: skip
            checked += 1
            if str(got) != expected:
                wrong.append((case.name, expected, str(got)))
    assert checked > 500
    assert wrong == []


def test_match_node_needs_exact_arity_and_types() -> None:
    assert str(match_node("aten::add", [TEN, TEN, T.NumberType], 1)) == (
        "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"
    )
    assert str(match_node("aten::add", [TEN, INT, INT], 1)).startswith("aten::add.Scalar")
    assert match_node("aten::add", [TEN, TEN], 1) is None  # graphs spell out defaults
    assert match_node("aten::add", [INT, INT], 2) is None
    assert match_node("aten::no_such_op", [], 1) is None


def test_attach_schemas_walks_nested_blocks() -> None:
    g = Graph()
    x = g.add_input(TEN, "x")
    cond = g.add_input(BOOL, "c")
    node_if = g.insert_node("prim::If", [cond], [TEN])
    block = node_if.add_block()
    with g.inserting_into(block):
        one = g.constant(1, INT)
        add = g.insert_node("aten::add", [x, one, one], [TEN])
    block.register_output(add.output)
    attach_schemas(g)
    assert (
        str(add.schema) == "aten::add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor"
    )
    assert node_if.schema is None and one.node.schema is None
