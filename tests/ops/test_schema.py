"""Schemas: TorchScript's schema strings reproduced exactly, and parsed back."""

from __future__ import annotations

import pytest
import torch

from hybridjit.errors import SchemaError
from hybridjit.ir import types as T
from hybridjit.ops.schema import (
    NO_DEFAULT,
    Argument,
    Schema,
    parse_schema,
    parse_schema_type,
    schema_from_torch,
)

# TorchScript-only overloads (not dispatcher ops) that scripting relies on.
_JIT_OPS = ["add", "len", "format", "__getitem__", "append", "eq", "__is__", "dict", "Int",
            "Float", "str", "list", "keys", "values", "items", "__contains__", "floordiv",
            "divmod", "sorted", "insert", "pop", "setdefault", "get", "update", "split",
            "join", "warn", "_set_item", "percentFormat", "__interpolate", "tensor"]  # fmt: skip
_PRIM_OPS = ["min", "max", "abs", "dtype", "device", "NumToTensor", "RaiseException", "Print",
             "TupleIndex", "TupleUnpack", "unchecked_cast", "EnumValue"]  # fmt: skip


def _torch_schemas() -> list[torch._C.FunctionSchema]:
    names = sorted({n.split("::")[1].split(".")[0] for n in torch._C._dispatch_get_all_op_names()
                    if n.startswith("aten::")})  # fmt: skip
    out = []
    for ns, ops in (("aten", names[::4] + _JIT_OPS), ("prim", _PRIM_OPS)):
        for op in ops:
            packet = getattr(getattr(torch.ops, ns), op)
            out += [getattr(packet, ov)._schema for ov in packet.overloads()]
    return out


TORCH_SCHEMAS = _torch_schemas()


def test_round_trip_covers_hundreds_of_overloads() -> None:
    assert len(TORCH_SCHEMAS) > 1000


def test_str_reproduces_torchscript_schema_strings() -> None:
    mismatches = [(str(s), str(schema_from_torch(s))) for s in TORCH_SCHEMAS
                  if str(schema_from_torch(s)) != str(s)]  # fmt: skip
    assert mismatches == []


def test_parse_of_str_is_identity() -> None:
    schemas = [schema_from_torch(s) for s in TORCH_SCHEMAS]
    assert [s for s in schemas if parse_schema(str(s)) != s] == []


def test_conversion_matches_torch_argument_metadata() -> None:
    for fs in TORCH_SCHEMAS[:300]:
        ours = schema_from_torch(fs)
        assert [a.name for a in ours.arguments] == [a.name for a in fs.arguments]
        assert [a.kwarg_only for a in ours.arguments] == [a.kwarg_only for a in fs.arguments]
        assert [a.N for a in ours.arguments] == [a.N for a in fs.arguments]
        assert [a.has_default for a in ours.arguments] == [
            a.has_default_value() for a in fs.arguments
        ]


def test_add_tensor_fields() -> None:
    s = schema_from_torch(torch.ops.aten.add.Tensor._schema)
    assert (s.name, s.overload_name, s.qualified_overload) == (
        "aten::add",
        "Tensor",
        "aten::add.Tensor",
    )
    assert s.arguments == (
        Argument("self", T.TENSOR),
        Argument("other", T.TENSOR),
        Argument("alpha", T.NumberType, default=1, kwarg_only=True),
    )
    assert s.returns == (Argument("", T.TENSOR),)
    assert str(s) == "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"


def test_alias_annotations() -> None:
    s = parse_schema(
        "aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)"
    )
    assert s.arguments[0].alias == "a!" and s.arguments[0].is_write and s.is_mutable
    split = schema_from_torch(torch.ops.aten.split.Tensor._schema)
    assert (
        str(split)
        == "aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]"
    )
    assert split.arguments[0].alias == "a -> *"
    assert split.returns[0].elem_alias == "a" and split.returns[0].alias is None
    getitem = schema_from_torch(torch.ops.aten.__getitem__.t._schema)
    assert getitem.arguments[0].alias == "a" and getitem.arguments[0].type == T.ListType(
        T.VarType("t")
    )


def test_types_map_onto_the_ir_lattice() -> None:
    conv = schema_from_torch(torch.ops.aten.conv2d.default._schema)
    stride = conv.argument("stride")
    assert stride is not None
    assert (stride.type, stride.N, stride.spelling, stride.default) == (
        T.ListType(T.IntType),
        2,
        "SymInt",
        (1, 1),
    )
    to = schema_from_torch(torch.ops.aten.to.dtype_layout._schema)
    assert to.argument("dtype").type == T.OptionalType(T.ScalarTypeType)  # type: ignore[union-attr]
    assert to.argument("layout").type == T.OptionalType(T.LayoutType)  # type: ignore[union-attr]
    assert to.argument("memory_format").type == T.OptionalType(T.MemoryFormatType)  # type: ignore[union-attr]
    assert to.argument("device").type == T.OptionalType(T.DeviceType)  # type: ignore[union-attr]
    items = schema_from_torch(torch.ops.aten.items.str._schema)
    assert items.returns[0].type == T.ListType(T.TupleType((T.StrType, T.VarType("t"))))
    assert str(items) == "aten::items.str(Dict(str, t) self) -> ((str, t)[])"
    index = schema_from_torch(torch.ops.aten.index.Tensor._schema)
    assert index.arguments[1].type == T.ListType(T.OptionalType(T.TENSOR))
    fmt = schema_from_torch(torch.ops.aten.format.default._schema)
    assert fmt.is_vararg and str(fmt) == "aten::format(str self, ...) -> str"
    unpack = schema_from_torch(torch.ops.prim.TupleUnpack.default._schema)
    assert unpack.is_varret and unpack.returns == ()


@pytest.mark.parametrize(
    "text, value",
    [
        ("float eps=1.0000000000000001e-05", 1e-05),
        ("float p=2.", 2.0),
        ("float p=0.", 0.0),
        ("Scalar s=0.33333333333333331", 1 / 3),
        ('str mode="nearest"', "nearest"),
        ('str chars=" \\n\\t\\f\\v"', " \n\t\f\v"),
        ('str a="\\"\\\'\\\\"', "\"'\\"),
        ("int[2] padding=0", (0, 0)),
        ("int[2] stride=[1, 2]", (1, 2)),
        ("SymInt[2] stride=[1, 1]", (1, 1)),
        ("int[1] dim=[0]", (0,)),
        ("ScalarType? dtype=None", None),
        ("bool keepdim=False", False),
        ("int dim=-1", -1),
        ("float? nan=None", None),
    ],
)
def test_defaults_print_and_parse(text: str, value: object) -> None:
    s = parse_schema(f"aten::f({text}) -> ()")
    assert s.arguments[0].default == value
    assert type(s.arguments[0].default) is type(value)
    assert str(s) == f"aten::f({text}) -> ()"


def test_returns_spelling() -> None:
    for text in [
        "aten::f(Tensor self) -> (Tensor values, Tensor indices)",
        "aten::f(Tensor self) -> ()",
        "prim::f(...) -> ...",
        "aten::f(Tensor self) -> (Tensor, ...)",
        "aten::f(Tensor self) -> ((int, int))",
        "aten::f(t(a)? optional) -> t(a)",
        "aten::f(Dict(str, t)(a!) self, str(b -> *) key) -> t(*)?",
    ]:
        assert str(parse_schema(text)) == text


def test_hand_built_schema_prints() -> None:
    s = Schema(
        "prim::Foo",
        "",
        (Argument("x", T.OptionalType(T.IntType), default=None),),
        (Argument("", T.IntType),),
    )
    assert str(s) == "prim::Foo(int? x=None) -> int"
    assert s.qualified_overload == "prim::Foo"
    assert Argument("x", T.IntType).default is NO_DEFAULT


def test_parse_schema_type() -> None:
    assert parse_schema_type("Dict(str, Tensor?[])") == T.DictType(
        T.StrType, T.ListType(T.OptionalType(T.TENSOR))
    )
    assert parse_schema_type("(int, float)?") == T.OptionalType(
        T.TupleType((T.IntType, T.FloatType))
    )
    assert parse_schema_type("__torch__.Foo") == T.ClassType("__torch__.Foo")


@pytest.mark.parametrize(
    "text",
    ["add(int a) -> int", "aten::add(int a -> int", "aten::add(Blob a) -> int",
     "aten::add(int a) -> int extra more", "aten::add(int a=@) -> int", "aten::f(int a)"],
)  # fmt: skip
def test_malformed_schema_text_raises_schema_error(text: str) -> None:
    with pytest.raises(SchemaError):
        parse_schema(text)
