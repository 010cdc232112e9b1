"""Python values <-> graph values while tracing.

`arg_type` is the IR type a Python argument has for overload resolution.  `materialize` turns
a Python argument into a `Value` of the type a schema argument wants: a traced tensor's
Value, a `prim::Constant` for Python numbers (a tensor constant `{2}` where the schema wants a
Tensor, as torch.jit records `2 * x`), `aten::Int`/`aten::Float`/`aten::ScalarImplicit` for a
traced 0-dim tensor passed where a number is expected, `prim::ListConstruct` for lists.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from hybridjit.frontend.tracer.state import TracingState
from hybridjit.ir import types as T
from hybridjit.ir.graph import Value
from hybridjit.ops.numbering import ENUM_NUMBERS  # torch enums are ints in graphs
from hybridjit.ops.prims.values import wrapped_number_constant

_PY_TYPES: tuple[tuple[type, T.Type], ...] = (
    (bool, T.BoolType), (int, T.IntType), (float, T.FloatType), (complex, T.ComplexType),
    (str, T.StrType), (torch.device, T.DeviceType), (torch.dtype, T.IntType),
    (torch.layout, T.IntType), (torch.memory_format, T.IntType),
    (torch.Generator, T.GeneratorType),
)  # fmt: skip

# A 0-dim tensor passed where a number is expected: its dtype decides the number type.
_SCALAR_OF_DTYPE = {True: T.FloatType, False: T.IntType}

# How a traced 0-dim tensor becomes a number of the type a schema argument wants.
_TENSOR_TO_NUMBER: dict[T.Type, str] = {
    T.IntType: "aten::Int", T.FloatType: "aten::Float", T.BoolType: "aten::Bool",
    T.NumberType: "aten::ScalarImplicit", T.ComplexType: "aten::Complex",
    T.ScalarTypeType: "aten::Int", T.LayoutType: "aten::Int", T.MemoryFormatType: "aten::Int",
}  # fmt: skip


# Python values converted to the type a schema argument wants (bool -> int, int -> float,
# "cpu" -> Device), as the implicit conversions of overload resolution allow.
_COERCIONS: dict[T.Type, tuple[type | tuple[type, ...], Callable[[Any], Any]]] = {
    T.IntType: (bool, int), T.FloatType: ((bool, int), float), T.DeviceType: (str, torch.device),
}  # fmt: skip


def scalar_type_of(t: torch.Tensor) -> T.Type:
    if t.dtype == torch.bool:
        return T.BoolType
    if t.is_complex():
        return T.ComplexType
    return _SCALAR_OF_DTYPE[t.is_floating_point()]


def is_number(v: Any) -> bool:
    return isinstance(v, (bool, int, float, complex))


def arg_type(v: Any, *, wrap_numbers: bool = False, scalarize: bool = False) -> T.Type:
    """The type of a Python argument for overload resolution.

    `wrap_numbers`: Python numbers count as tensors (torch's arg parser does so for `add`,
    `mul`, ...).  `scalarize`: 0-dim tensors count as numbers (the arg parser accepts them for
    int and Scalar parameters, which is how `x.view(x.size(0), -1)` works while tracing).
    """
    if isinstance(v, torch.Tensor):
        return scalar_type_of(v) if scalarize and v.dim() == 0 else T.TENSOR
    if wrap_numbers and is_number(v):
        return T.TENSOR
    if v is None:
        return T.NoneType
    if isinstance(v, (list, tuple)):
        return _list_type(v, scalarize)
    for py, ir in _PY_TYPES:
        if isinstance(v, py):
            return ir
    return T.AnyType


def _list_type(v: list[Any] | tuple[Any, ...], scalarize: bool) -> T.Type:
    if not v:
        return T.ListType(T.IntType)
    elem = T.unify_all(arg_type(e, scalarize=scalarize) for e in v)
    return T.ListType(T.unrefined(elem)) if elem is not None else T.ListType(T.AnyType)


def _strip_optional(t: T.Type) -> T.Type:
    return t.elem if isinstance(t, T.OptionalType) else t


def contains_tensor(v: Any) -> bool:
    """Whether `v` is a tensor or a (nested) list, tuple or dict holding one."""
    if isinstance(v, torch.Tensor):
        return True
    if isinstance(v, (list, tuple)):
        return any(contains_tensor(e) for e in v)
    if isinstance(v, dict):
        return any(contains_tensor(e) for e in v.values())
    return False


def _is_tensor_type(t: T.Type) -> bool:
    return isinstance(t, (T.TensorType, T.VarType)) or t == T.AnyType


class Materializer:
    """Turns Python arguments into Values of one frame's graph, at its insertion point."""

    def __init__(self, state: TracingState, value_of: Callable[[torch.Tensor], Value]) -> None:
        self.state = state
        self.value_of = value_of

    @property
    def graph(self) -> Any:
        return self.state.frame.graph

    def constant(self, value: Any, type: T.Type) -> Value:
        return self.graph.constant(value, type, self.state.source_range())

    def tensor_constant(self, t: torch.Tensor) -> Value:
        return self.constant(t, T.TensorType.of(t))

    def __call__(self, v: Any, want: T.Type) -> Value:
        """`v` as a Value of type `want` (a schema argument's type)."""
        if v is None:
            return self.constant(None, T.NoneType)
        want = _strip_optional(want)
        if isinstance(v, torch.Tensor):
            return self._tensor(v, want)
        if isinstance(v, (list, tuple)) and isinstance(want, T.ListType):
            return self.list(v, want.elem)
        if isinstance(v, (list, tuple)) and isinstance(want, T.TupleType):
            elems = [self(e, t) for e, t in zip(v, want.elems)]
            return self.graph.insert_node("prim::TupleConstruct", elems,
                                          [T.TupleType(tuple(e.type for e in elems))]).output  # fmt: skip
        if isinstance(v, dict) and isinstance(want, T.DictType) and contains_tensor(v):
            return self.dict(v, want)
        if isinstance(want, T.ListType):  # `int[1] dim` given one int
            return self.list([v], want.elem)
        if is_number(v) and _is_tensor_type(want):
            return self.constant(*wrapped_number_constant(v))
        return self.scalar(v, want)

    def scalar(self, v: Any, want: T.Type) -> Value:
        if type(v) in ENUM_NUMBERS:
            return self.constant(ENUM_NUMBERS[type(v)][v], T.IntType)
        coerce = _COERCIONS.get(want)
        if coerce is not None and isinstance(v, coerce[0]):
            v = coerce[1](v)
        return self.constant(v, T.type_of_value(v))

    def list(self, items: list[Any] | tuple[Any, ...], elem: T.Type) -> Value:
        values = [self(e, elem) for e in items]
        if isinstance(elem, T.VarType):
            elem = T.unify_all(v.type for v in values) or T.TENSOR
        list_type = T.ListType(T.unrefined(elem))
        return self.graph.insert_node("prim::ListConstruct", values, [list_type]).output

    def dict(self, items: dict[Any, Any], want: T.DictType) -> Value:
        """A dict of traced tensors as `prim::DictConstruct` (a constant would freeze them)."""
        flat = [x for k, e in items.items() for x in (self(k, want.key), self(e, want.value))]
        dict_type = T.DictType(want.key, T.unrefined(want.value))
        return self.graph.insert_node("prim::DictConstruct", flat, [dict_type]).output

    def _tensor(self, t: torch.Tensor, want: T.Type) -> Value:
        value = self.value_of(t)
        op = _TENSOR_TO_NUMBER.get(want)
        if op is None:
            return value
        out = T.IntType if want in T.INT_LIKE else want
        return self.graph.insert_node(op, [value], [out],
                                      source_range=self.state.source_range()).output  # fmt: skip
