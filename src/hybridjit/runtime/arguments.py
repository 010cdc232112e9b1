"""Checking Python arguments against a graph's input types.

Every call checks each argument's outer Python class (`python_classes`, one `isinstance`
each); when that fails, or the program itself raises, `check_arguments` looks deeper
(container elements) and raises an `ArgumentError` naming the parameter, the expected type
and what was passed, instead of whatever the first op to touch the value happened to raise.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

from hybridjit.errors import ArgumentError
from hybridjit.ir import types as T

_SCALARS: dict[T.Type, tuple[type, ...]] = {
    T.IntType: (int,),
    T.FloatType: (float, int),
    T.BoolType: (bool,),
    T.StrType: (str,),
    T.ComplexType: (complex, float, int),
    T.NumberType: (int, float, complex),
    T.DeviceType: (torch.device, str),
}


def _list_matches(value: Any, t: T.ListType) -> bool:
    return isinstance(value, list) and all(matches(v, t.elem) for v in value)


def _tuple_matches(value: Any, t: T.TupleType) -> bool:
    return (isinstance(value, tuple) and len(value) == len(t.elems)
            and all(map(matches, value, t.elems)))  # fmt: skip


def _dict_matches(value: Any, t: T.DictType) -> bool:
    return isinstance(value, dict) and all(
        matches(k, t.key) and matches(v, t.value) for k, v in value.items()
    )


_CONTAINERS: dict[type, Callable[[Any, Any], bool]] = {
    T.TensorType: lambda v, t: isinstance(v, torch.Tensor),
    T.OptionalType: lambda v, t: v is None or matches(v, t.elem),
    T.UnionType: lambda v, t: any(matches(v, m) for m in t.members),
    T.ListType: _list_matches,
    T.TupleType: _tuple_matches,
    T.DictType: _dict_matches,
}


def matches(value: Any, t: T.Type) -> bool:
    """Whether a Python value can be passed where the graph expects type `t`."""
    if t in _SCALARS:
        return isinstance(value, _SCALARS[t])
    if t == T.NoneType:
        return value is None
    check = _CONTAINERS.get(type(t))
    return True if check is None else check(value, t)  # classes, Any, ...: not checked


_OUTER: dict[type, tuple[type, ...]] = {
    T.TensorType: (torch.Tensor,),
    T.ListType: (list,),
    T.TupleType: (tuple,),
    T.DictType: (dict,),
}


def python_class(t: T.Type) -> tuple[type, ...] | type:
    """The classes a value of IR type `t` may have (`object` where not checked cheaply)."""
    if t in _SCALARS:
        return _SCALARS[t]
    if t == T.NoneType:
        return type(None)
    if isinstance(t, (T.OptionalType, T.UnionType)):
        members = (t.elem, T.NoneType) if isinstance(t, T.OptionalType) else t.members
        parts = [python_class(m) for m in members]
        if object in parts:
            return object
        return tuple(c for p in parts for c in (p if isinstance(p, tuple) else (p,)))
    return _OUTER.get(type(t), object)


def check_arguments(name: str, params: Sequence[str], types: Sequence[T.Type],
                    args: Sequence[Any]) -> None:  # fmt: skip
    """Raise ArgumentError for the first argument whose value does not fit its type."""
    for param, t, value in zip(params, types, args):
        if not matches(value, t):
            raise ArgumentError(
                f"{name}() expected argument '{param}' to be {t.python_str()}, "
                f"found {type(value).__name__}"
            )
