"""Test helpers reading torch.jit's graphs (the oracle) into hybridjit's types."""

from __future__ import annotations

from typing import Any, Iterator

import torch

from hybridjit.ir import types as T

_SIMPLE = {
    "IntType": T.IntType, "FloatType": T.FloatType, "BoolType": T.BoolType,
    "StringType": T.StrType, "ComplexType": T.ComplexType, "NoneType": T.NoneType,
    "DeviceObjType": T.DeviceType, "NumberType": T.NumberType, "AnyType": T.AnyType,
    "GeneratorType": T.GeneratorType, "AnyListType": T.AnyListType,
    "AnyTupleType": T.AnyTupleType, "AnyEnumType": T.AnyEnumType,
    "ScalarTypeType": T.ScalarTypeType, "LayoutType": T.LayoutType,
    "MemoryFormatType": T.MemoryFormatType, "StorageType": T.StorageType,
}  # fmt: skip


def jit_type(t: Any) -> T.Type:
    """hybridjit's type for a `torch._C.Type` (structurally, not by spelling)."""
    kind = t.kind()
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    parts = [jit_type(c) for c in t.containedTypes()]
    if kind == "TensorType":
        return T.TENSOR
    if kind == "ListType":
        return T.ListType(parts[0])
    if kind == "OptionalType":
        return T.OptionalType(parts[0])
    if kind == "DictType":
        return T.DictType(parts[0], parts[1])
    if kind == "TupleType":
        return T.TupleType(tuple(parts))
    if kind == "EnumType":
        return T.EnumType(t.qualified_name() if hasattr(t, "qualified_name") else str(t))
    if kind == "ClassType":
        return T.ClassType(t.qualified_name())
    if kind == "UnionType":
        return T.UnionType(tuple(parts))
    if kind == "FunctionType":
        return T.FunctionType()
    raise NotImplementedError(kind)


def walk(block: Any) -> Iterator[Any]:
    """Every node of a torch.jit graph or block, nested blocks included."""
    for node in block.nodes():
        yield node
        for inner in node.blocks():
            yield from walk(inner)


def node_schema(node: Any) -> str | None:
    """torch.jit's schema string for a node, or None when it has none."""
    try:
        text = str(node.schema())
    except RuntimeError:
        return None
    return None if text == "(no schema)" else text


def script_graph(fn: Any) -> Any:
    return torch.jit.script(fn).graph
