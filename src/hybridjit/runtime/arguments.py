"""Checking (and converting) Python arguments against a graph's input types, as torch.jit does.

Every call checks each argument's outer Python class (`python_class`, one `isinstance`
each).  That is the whole check for tensors, strings, bools, None and the types not checked
at all (classes, Any, ...).  For the other parameters, and for every parameter once an
`isinstance` fails, `converter(t)` builds a function that looks deeper and converts the way
torch.jit's argument conversion does:

- `int` must lie in the int64 range (also inside containers);
- `float` accepts an int (and converts it: `5` becomes `5.0`), `complex` an int or a float;
- `List[T]` accepts a list or a tuple (a tuple becomes a list), and checks every element;
- `Tuple[...]` accepts a tuple or a list of the right length (a list becomes a tuple; a
  NamedTuple keeps its class), and checks every element;
- `Tuple[T, ...]` (a variable-length tuple, e.g. `*args: T`) accepts a tuple or a list of any
  length (a list becomes a tuple), and checks every element;
- `Set[T]` accepts a set (or a frozenset, which becomes a set) and checks every element;
- `Dict[K, V]` checks every key and value (a list or tuple of pairs becomes a dict);
  `Optional[T]` is None or a `T`;
- `Union[...]` is matched strictly, by the value's own type (as torch.jit does it: no
  tuple-for-list, no int-for-float).

A list or dict whose elements need no conversion is passed through unchanged (the program
sees the caller's object, as in eager mode); one that needs conversion is copied.  A value
that does not fit raises an `ArgumentError` naming the parameter, the expected type and what
was passed (for a container, which element).
"""

from __future__ import annotations

from itertools import repeat
from typing import Any, Callable, Sequence

import torch

from hybridjit.errors import ArgumentError
from hybridjit.ir import types as T
from hybridjit.ops.numbering import ENUM_NUMBERS

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_SCALARS: dict[T.Type, tuple[type, ...]] = {
    T.IntType: (int,),
    T.FloatType: (float, int),
    T.BoolType: (bool,),
    T.StrType: (str,),
    T.ComplexType: (complex, float, int),
    T.NumberType: (int, float, complex),
    T.DeviceType: (torch.device, str),
}


def _in_int64(v: Any) -> bool:
    return INT64_MIN <= v <= INT64_MAX


def _list_matches(value: Any, t: T.ListType) -> bool:
    return isinstance(value, list) and all(matches(v, t.elem) for v in value)


def _tuple_matches(value: Any, t: T.TupleType) -> bool:
    return (isinstance(value, tuple) and len(value) == len(t.elems)
            and all(map(matches, value, t.elems)))  # fmt: skip


def _var_tuple_matches(value: Any, t: T.VarTupleType) -> bool:
    return isinstance(value, tuple) and all(matches(v, t.elem) for v in value)


def _set_matches(value: Any, t: T.SetType) -> bool:
    return isinstance(value, set) and all(matches(v, t.elem) for v in value)


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
    T.VarTupleType: _var_tuple_matches,
    T.SetType: _set_matches,
}


def matches(value: Any, t: T.Type) -> bool:
    """Whether a Python value is already a value of IR type `t` (no conversion needed)."""
    if t in _SCALARS:
        if t == T.IntType:
            return isinstance(value, int) and _in_int64(value)
        return isinstance(value, _SCALARS[t])
    if t == T.NoneType:
        return value is None
    check = _CONTAINERS.get(type(t))
    return True if check is None else check(value, t)  # classes, Any, ...: not checked


def is_value_of(value: Any, t: T.Type) -> bool:
    """Whether `value` is a `t` by its own Python types, elements included (`1` is not a
    float): the check `torch.jit.isinstance` makes."""
    return _strict(value, t)


def _strict(value: Any, t: T.Type) -> bool:
    """`matches`, but by the value's own type (how torch.jit matches a Union member)."""
    if t == T.FloatType:
        return isinstance(value, float)
    if t == T.ComplexType:
        return isinstance(value, complex)
    if isinstance(t, T.ListType):
        return isinstance(value, list) and all(_strict(v, t.elem) for v in value)
    if isinstance(t, T.TupleType):
        return (isinstance(value, tuple) and len(value) == len(t.elems)
                and all(map(_strict, value, t.elems)))  # fmt: skip
    if isinstance(t, T.DictType):
        return isinstance(value, dict) and all(
            _strict(k, t.key) and _strict(v, t.value) for k, v in value.items()
        )
    if isinstance(t, (T.VarTupleType, T.SetType)):
        outer = tuple if isinstance(t, T.VarTupleType) else set
        return isinstance(value, outer) and all(_strict(v, t.elem) for v in value)
    if isinstance(t, T.OptionalType):
        return value is None or _strict(value, t.elem)
    if isinstance(t, T.UnionType):
        return any(_strict(value, m) for m in t.members)
    return matches(value, t)


_OUTER: dict[type, tuple[type, ...]] = {
    T.TensorType: (torch.Tensor,),
    T.ListType: (list,),
    T.TupleType: (tuple,),
    T.DictType: (dict,),
    T.VarTupleType: (tuple,),
    T.SetType: (set,),
}


def python_class(t: T.Type) -> tuple[type, ...] | type:
    """The classes a value of IR type `t` may have (`object` where not checked cheaply).

    `float` and `complex` list only themselves: an int passed for one takes the slow path,
    which converts it.
    """
    if t == T.FloatType:
        return (float,)
    if t == T.ComplexType:
        return (complex,)
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


# ---------------------------------------------------------------------------------------------
# converters


class Mismatch(Exception):
    """A value does not fit; `found` says what it was (and where, inside a container)."""

    def __init__(self, found: str) -> None:
        super().__init__(found)
        self.found = found


def _found(v: Any) -> str:
    return type(v).__name__


Converter = Callable[[Any], Any]


def _isinstance_converter(classes: tuple[type, ...] | type) -> Converter:
    def convert(v: Any) -> Any:
        if isinstance(v, classes):
            return v
        raise Mismatch(_found(v))

    return convert


def _convert_int(v: Any) -> Any:
    if isinstance(v, int):
        if INT64_MIN <= v <= INT64_MAX:
            return v
        raise Mismatch("int out of the int64 range")
    if type(v) in ENUM_NUMBERS:  # torch.float16 for `dtype: torch.dtype` (an int), as torch.jit
        return ENUM_NUMBERS[type(v)][v]
    raise Mismatch(_found(v))


def _convert_float(v: Any) -> Any:
    if isinstance(v, float):
        return v
    if isinstance(v, int):
        return float(v)
    raise Mismatch(_found(v))


def _convert_complex(v: Any) -> Any:
    if isinstance(v, complex):
        return v
    if isinstance(v, (int, float)):
        return complex(v)
    raise Mismatch(_found(v))


def _convert_none(v: Any) -> Any:
    if v is None:
        return v
    raise Mismatch(_found(v))


def _identity(v: Any) -> Any:
    return v


def _element(what: str, i: Any, e: Mismatch) -> Mismatch:
    return Mismatch(f"{what} whose {i} is {e.found}")


def _list_converter(t: T.ListType) -> Converter:
    elem = full_converter(t.elem)
    cls = python_class(t.elem)
    plain = converter(t.elem) is None and cls is not object  # isinstance is the whole check
    unchecked = elem is _identity
    ints = t.elem == T.IntType

    def convert(v: Any) -> Any:
        if not isinstance(v, (list, tuple)):
            raise Mismatch(_found(v))
        if unchecked or plain and all(map(isinstance, v, repeat(cls))):  # cheap cases, in C
            return v if isinstance(v, list) else list(v)
        if ints and all(map(isinstance, v, repeat(int))):
            if v and not (_in_int64(min(v)) and _in_int64(max(v))):
                bad = next(i for i, x in enumerate(v) if not _in_int64(x))
                raise Mismatch(f"{_found(v)} whose element {bad} is an int out of the int64 range")
            return v if isinstance(v, list) else list(v)
        out = []
        for i, x in enumerate(v):
            try:
                out.append(elem(x))
            except Mismatch as e:
                raise _element(_found(v), f"element {i}", e) from None
        if isinstance(v, list) and all(map(_same, out, v)):
            return v  # nothing converted: the caller's list itself
        return out

    return convert


def _same(a: Any, b: Any) -> bool:
    return a is b


def _tuple_converter(t: T.TupleType) -> Converter:
    elems = [full_converter(e) for e in t.elems]
    n = len(elems)

    def convert(v: Any) -> Any:
        if not isinstance(v, (tuple, list)):
            raise Mismatch(_found(v))
        if len(v) != n:
            raise Mismatch(f"{_found(v)} of {len(v)} elements (expected {n})")
        out = []
        for i, (c, x) in enumerate(zip(elems, v)):
            try:
                out.append(c(x))
            except Mismatch as e:
                raise _element(_found(v), f"element {i}", e) from None
        if isinstance(v, tuple):
            if all(map(_same, out, v)):
                return v
            if hasattr(v, "_fields"):  # a NamedTuple keeps its class
                return type(v)(*out)
        return tuple(out)

    return convert


def _elements_converter(t: T.VarTupleType | T.SetType) -> Converter:
    """`Tuple[T, ...]` from a tuple or list of any length; `Set[T]` from a set or frozenset."""
    elem = full_converter(t.elem)
    outer, accepted = (tuple, (tuple, list)) if isinstance(t, T.VarTupleType) else \
        (set, (set, frozenset))  # fmt: skip

    def convert(v: Any) -> Any:
        if not isinstance(v, accepted):
            raise Mismatch(_found(v))
        out = []
        for i, x in enumerate(v):
            try:
                out.append(elem(x))
            except Mismatch as e:
                raise _element(_found(v), f"element {i}", e) from None
        if type(v) is outer and all(map(_same, out, v)):
            return v
        return outer(out)

    return convert


def _dict_converter(t: T.DictType) -> Converter:
    key, value = full_converter(t.key), full_converter(t.value)

    def convert(v: Any) -> Any:
        changed = False
        if not isinstance(v, dict):
            if not isinstance(v, (list, tuple)):
                raise Mismatch(_found(v))
            try:  # torch.jit takes what dict() takes: a sequence of pairs
                v, changed = dict(v), True
            except (TypeError, ValueError):
                raise Mismatch(f"{_found(v)} that is not a sequence of pairs") from None
        out = {}
        for k, x in v.items():
            try:
                k2 = key(k)
            except Mismatch as e:
                raise _element("dict", "key", e) from None
            try:
                x2 = value(x)
            except Mismatch as e:
                raise _element("dict", f"value at {k!r:.40}", e) from None
            changed = changed or k2 is not k or x2 is not x
            out[k2] = x2
        return out if changed else v

    return convert


def _optional_converter(t: T.OptionalType) -> Converter:
    elem = full_converter(t.elem)

    def convert(v: Any) -> Any:
        return v if v is None else elem(v)

    return convert


def _union_converter(t: T.UnionType) -> Converter:
    def convert(v: Any) -> Any:
        if any(_strict(v, m) for m in t.members):
            return v
        raise Mismatch(_found(v))

    return convert


_CONVERTERS: dict[type, Callable[[Any], Converter]] = {
    T.ListType: _list_converter,
    T.TupleType: _tuple_converter,
    T.DictType: _dict_converter,
    T.UnionType: _union_converter,
    T.VarTupleType: _elements_converter,
    T.SetType: _elements_converter,
}


def converter(t: T.Type) -> Converter | None:
    """What checks (and converts) a value for type `t` beyond `isinstance(v, python_class(t))`.

    None where that `isinstance` is the whole check (tensors, str, bool, None, unchecked
    types, and Optionals of those); otherwise a function that returns the value converted
    (or itself) and raises `Mismatch`.  Called on every call for the parameters that have one.
    """
    if t == T.IntType:
        return _convert_int
    if isinstance(t, T.OptionalType):
        inner = converter(t.elem)
        return None if inner is None else _optional_converter(t)
    make = _CONVERTERS.get(type(t))
    return None if make is None else make(t)


def full_converter(t: T.Type) -> Converter:
    """A converter for `t` that also does the `isinstance` check (used on the slow path)."""
    if t == T.FloatType:
        return _convert_float
    if t == T.ComplexType:
        return _convert_complex
    if t == T.NoneType:
        return _convert_none
    if isinstance(t, T.OptionalType):
        return _optional_converter(t)
    deep = converter(t)
    if deep is not None:
        return deep
    cls = python_class(t)
    return _identity if cls is object else _isinstance_converter(cls)


def _int_list_exact(v: list[Any]) -> bool:
    return all(map(isinstance, v, repeat(int))) and (
        not v or (INT64_MIN <= min(v) and max(v) <= INT64_MAX)
    )


def _int_exact(v: int) -> bool:
    return INT64_MIN <= v <= INT64_MAX


def _optional_int_exact(v: int | None) -> bool:
    return v is None or INT64_MIN <= v <= INT64_MAX


def _exact_predicate(t: T.Type) -> Callable[[Any], bool]:
    """Whether a value that passed `isinstance(v, python_class(t))` needs no conversion."""
    if t == T.IntType:
        return _int_exact
    if t == T.OptionalType(T.IntType):
        return _optional_int_exact
    if isinstance(t, T.ListType) and t.elem == T.IntType:
        return _int_list_exact
    if isinstance(t, T.ListType) and converter(t.elem) is None:
        cls = python_class(t.elem)
        if cls is not object:
            return lambda v: all(map(isinstance, v, repeat(cls)))
    return lambda v: _strict(v, t)


def exact_check(types: Sequence[T.Type]) -> Callable[[Sequence[Any]], bool] | None:
    """A function telling whether arguments that passed the `isinstance` check need no
    conversion either (the deep check of ints and containers); None where none is needed.

    The common cases (an int in range, a list of tensors) cost one or two calls and a
    C-level loop.  (No generated source: loading an archive must not compile code.)
    """
    preds = [(i, _exact_predicate(t)) for i, t in enumerate(types) if converter(t) is not None]
    if not preds:
        return None
    if len(preds) == 1:
        (i, pred), = preds  # fmt: skip
        if pred is _int_exact:

            def exact(a: Sequence[Any]) -> bool:
                return INT64_MIN <= a[i] <= INT64_MAX

            return exact
        return lambda a: pred(a[i])
    return lambda a: all([p(a[i]) for i, p in preds])


def convert_arguments(name: str, params: Sequence[str], types: Sequence[T.Type],
                      converters: Sequence[Converter], args: Sequence[Any]) -> tuple[Any, ...]:  # fmt: skip
    """`args` checked and converted by `converters` (from `full_converter`), or ArgumentError."""
    out = []
    for param, t, convert, value in zip(params, types, converters, args):
        try:
            out.append(convert(value))
        except Mismatch as e:
            raise ArgumentError(
                f"{name}() expected argument '{param}' to be {t.python_str()}, found {e.found}"
            ) from None
    return tuple(out)


def check_arguments(name: str, params: Sequence[str], types: Sequence[T.Type],
                    args: Sequence[Any]) -> None:  # fmt: skip
    """Raise ArgumentError for the first argument whose value does not fit its type."""
    convert_arguments(name, params, types, [full_converter(t) for t in types], args)
