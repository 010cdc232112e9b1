"""Issue 11's sets, variable-length tuples, `*args`/`**kwargs` and Python semantics beyond the
corpus (`tests/corpus/python/{arguments,containers,semantics}.py`): the IR text and archive
forms of the new types, the argument checker, ONNX export, clean rejections, and where
hybridjit deliberately differs from torch.jit."""

from __future__ import annotations

import io
import warnings
from typing import List, Optional, Set, Tuple

import pytest
import torch

import hybridjit
from hybridjit.ir import types as T
from hybridjit.ir.parser import parse_ir, parse_type
from hybridjit.ir.printer import print_graph
from hybridjit.serialization.values import decode, encode


def _round_trip(fn):
    buf = io.BytesIO()
    hybridjit.save(fn, buf)
    buf.seek(0)
    return hybridjit.load(buf)


# -- types -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "python"), [
    ("Set(int)", "Set[int]"), ("(int, ...)", "Tuple[int, ...]"),
    ("Set((str, ...))[]", "List[Set[Tuple[str, ...]]]"), ("(Set(float), ...)?", "Optional[Tuple[Set[float], ...]]"),
])  # fmt: skip
def test_new_types_print_and_parse(text: str, python: str) -> None:
    t = parse_type(text)
    assert str(t) == text and t.python_str() == python


def test_variable_length_tuple_subtyping_and_join() -> None:
    ints = T.VarTupleType(T.IntType)
    assert T.is_subtype(T.TupleType((T.IntType, T.IntType)), ints)
    assert T.is_subtype(T.TupleType(()), ints)
    assert not T.is_subtype(T.TupleType((T.StrType,)), ints)
    assert T.is_subtype(ints, T.AnyTupleType)
    # tuples of other lengths join as Tuple[T, ...] (an if-branch, a loop that appends)
    assert T.unify(T.TupleType((T.IntType,)), T.TupleType((T.IntType, T.IntType))) == ints
    assert T.unify(T.SetType(T.IntType), T.SetType(T.IntType)) == T.SetType(T.IntType)
    assert T.type_of_value({1, 2}) == T.SetType(T.IntType)


def test_set_constant_prints_parses_and_keeps_its_order() -> None:
    words = {"pear", "fig", "apple", "kiwi"}

    def f(w: str) -> bool:
        return w in words

    graph = hybridjit.script(f).graph
    text = print_graph(graph)
    assert "Set(str) = prim::Constant[value={" in text
    again = parse_ir(text)
    assert print_graph(again) == text
    const = next(n for n in again.all_nodes() if str(n.output.type) == "Set(str)")
    assert list(const["value"]) == list(words)


def test_set_and_var_tuple_values_in_archives() -> None:
    for value, t in (({3, 1, 2}, T.SetType(T.IntType)), ((1, 2, 3), T.VarTupleType(T.IntType)),
                     (set(), T.SetType(T.StrType))):  # fmt: skip
        data = encode(value, t, lambda x: 0)
        assert decode(data, t, lambda i: None, "test") == value


# -- the argument checker (top-level *args / **kwargs) ---------------------------------------


def _varargs(x: int, *args: int, scale: int = 1, **kw: float):
    return x, args, scale, kw


def test_varargs_signature_binds_like_python() -> None:
    f = hybridjit.script(_varargs)
    assert str(f.graph.inputs[1].type) == "(int, ...)"
    assert str(f.graph.inputs[3].type) == "Dict(str, float)"
    for run in (f, f.using("interpreter"), _round_trip(f)):
        assert run(1) == (1, (), 1, {})
        assert run(1, 2, 3, scale=2, a=1.5) == (1, (2, 3), 2, {"a": 1.5})
        assert run(1, b=2) == (1, (), 1, {"b": 2.0})  # an int converts to float, as torch.jit
        with pytest.raises(hybridjit.ArgumentError, match="args"):
            run(1, 2, "x")
        with pytest.raises(TypeError):
            run()


def test_set_and_var_tuple_parameters_are_checked() -> None:
    def f(s: Set[int], t: Tuple[int, ...]) -> int:
        return len(s) + len(t)

    g = hybridjit.script(f)
    assert g({1, 2}, (3,)) == 3
    assert g(frozenset({1}), [4, 5]) == 3  # a frozenset and a list convert
    with pytest.raises(hybridjit.ArgumentError, match="Set\\[int\\]"):
        g([1], (3,))
    with pytest.raises(hybridjit.ArgumentError, match="Tuple\\[int, ...\\]"):
        g({1}, ("a",))


# -- rejections name the construct, the line and a spelling that works -----------------------


def _helper(a: int, b: int = 0) -> int:
    return a + b


def _runtime_sep(sep: str) -> None:
    print(1, 2, sep=sep)


def _runtime_mapping(d: dict[str, int]) -> int:
    return _helper(**d)


def _starred_set_of_list() -> int:
    a, *_rest = {1}
    s = {[1]}
    return a + len(s)


@pytest.mark.parametrize(("fn", "message"), [
    (_runtime_sep, "constant string as print\\(\\)'s sep=.*str.join"),
    (_runtime_mapping, "dict literal with constant str keys to expand with \\*\\*.*by name"),
    (_starred_set_of_list, "hashable set elements.*tuple instead of a list"),
])  # fmt: skip
def test_rejections_are_frontend_errors_with_a_line(fn, message: str) -> None:
    with pytest.raises(hybridjit.FrontendError, match=message) as info:
        hybridjit.script(fn)
    assert "line" in str(info.value)


def test_set_operator_with_a_list_is_refused() -> None:
    def f(xs: List[int]) -> int:
        return len({1} | xs)  # TypeError in Python

    with pytest.raises(hybridjit.FrontendError, match="sets on both sides"):
        hybridjit.script(f)


def test_mutated_list_literal_is_not_expanded_statically() -> None:
    def f(x: int) -> int:
        xs = [x, 1]
        xs.append(2)  # the length changed: *xs fills *args of unknown length only
        return _helper(*xs)

    with pytest.raises(hybridjit.FrontendError, match="expand with \\*"):
        hybridjit.script(f)


# -- ONNX ------------------------------------------------------------------------------------


def _onnx():
    pytest.importorskip("onnxruntime")
    import hybridjit.onnx

    return hybridjit.onnx


def test_onnx_export_of_a_set_names_it() -> None:
    onnx = _onnx()

    def f(x: torch.Tensor, n: int) -> torch.Tensor:
        s = {n, 2}
        return x * len(s)

    with pytest.raises(hybridjit.ExportError, match="Python set \\(prim::SetConstruct\\)"):
        onnx.export(hybridjit.script(f), io.BytesIO(), (torch.ones(2), 3))


def test_onnx_export_of_python_semantics() -> None:
    _onnx()

    def f(x: torch.Tensor, a: int, b: int, y: float) -> torch.Tensor:
        return x * (a or b) + round(y) + a**2

    compiled = hybridjit.compile(hybridjit.script(f), backend="onnxruntime")
    for args in ((torch.ones(2), 0, 3, 2.5), (torch.ones(2), 2, 3, 3.5)):
        assert torch.equal(compiled(*args), f(*args))


def test_onnx_export_of_variable_length_tuple_input() -> None:
    _onnx()

    def f(x: torch.Tensor, *scales: int) -> torch.Tensor:
        for s in scales:
            x = x * s
        return x + len(scales)

    compiled = hybridjit.compile(hybridjit.script(f), backend="onnxruntime")
    assert torch.equal(compiled(torch.ones(2), 2, 3), f(torch.ones(2), 2, 3))


# -- deliberate differences from torch.jit ---------------------------------------------------


def _or_value(a: int, b: int):
    return a or b


def _round_value(x: float):
    return round(x)


def _optional_or(x: Optional[int]) -> int:
    return x or 5


def test_python_semantics_where_torch_jit_differs() -> None:
    """torch.jit makes `0 or 3` the bool True and `round(2.5)` the float 2.0 (half away from
    zero would even give 3.0 for C's round); hybridjit gives Python's 3 and 2."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jit_or = torch.jit.script(_or_value)
        jit_round = torch.jit.script(_round_value)
    assert jit_or(0, 3) is True
    assert isinstance(jit_round(2.5), float)
    assert hybridjit.script(_or_value)(0, 3) == 3
    assert (
        hybridjit.script(_round_value)(2.5) == 2
        and type(hybridjit.script(_round_value)(2.5)) is int
    )
    assert [hybridjit.script(_optional_or)(v) for v in (None, 0, 4)] == [5, 5, 4]


def _unannotated_empty_set(xs: List[int]) -> int:
    s = set()
    for x in xs:
        s.add(x)
    return len(s)


def _print_runtime_star(xs: List[int]) -> None:
    print(*xs)


@pytest.mark.parametrize(("fn", "message"), [
    (_unannotated_empty_set, "s: Set\\[int\\] = set\\(\\)"),
    (_print_runtime_star, "pass the sequence itself"),
])  # fmt: skip
def test_rejections_say_what_to_write_instead(fn, message: str) -> None:
    with pytest.raises(hybridjit.FrontendError, match=message):
        hybridjit.script(fn)
