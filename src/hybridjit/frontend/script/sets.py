"""Python sets in script code: literals, comprehensions, `set(...)` and the methods of sets.

A set literal is one `prim::SetConstruct`; a comprehension is a loop that adds (like list
comprehensions, `comprehensions.py`); `set(xs)` is `prim::set_of`.  Operators, `in`, `len`,
iteration and the builtins reach the set prims through `containers.adapt`.  Elements must be
hashable: numbers, strings, tensors (by identity, as Python), tuples of those, None.
"""

from __future__ import annotations

import ast
import builtins
import itertools
from typing import TYPE_CHECKING, Callable

from hybridjit.frontend.script import containers, special_forms
from hybridjit.frontend.script.comprehensions import _lower
from hybridjit.frontend.script.sugared import SimpleValue, SugaredValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value

_COUNTER = itertools.count(1)
_UNHASHABLE = (T.ListType, T.DictType, T.SetType)


class SetsMixin:
    """`{a, b}` and `{x for x in xs}`; expects the FunctionCompiler attributes."""

    def build_Set(self: C, node: ast.Set, hint: T.Type | None = None) -> SugaredValue:
        elem = hint.elem if isinstance(hint, T.SetType) else None
        plain = [e for e in node.elts if not isinstance(e, ast.Starred)]
        s = make_set(self, [self.emit_value(e, elem) for e in plain], elem)
        for e in node.elts:
            if isinstance(e, ast.Starred):  # `{*xs, y}`: the elements of xs too
                with self.at(e):
                    update(self, "set_update", s, [self.emit_value(e.value)])
        return SimpleValue(s)

    def build_SetComp(self: C, node: ast.SetComp, hint: T.Type | None = None) -> SugaredValue:
        acc = SetAccumulator(self, hint if isinstance(hint, T.SetType) else None)
        name = f"$set{next(_COUNTER)}"
        self.env.set(name, acc)
        self.emit_statements([_lower(node, name)])  # type: ignore[arg-type]
        if not acc.known:
            acc.out.type = T.SetType(T.TENSOR)
        return SimpleValue(acc.out)


class SetAccumulator(SugaredValue):
    """The set a comprehension fills; its element type is fixed by the first item."""

    def __init__(self, c: C, hint: T.Type | None) -> None:
        self.out = c.emit("prim::SetConstruct", [], [hint or T.SetType(T.AnyType)]).output
        self.known = hint is not None

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        value = args[0].value(c)
        if not self.known:
            self.out.type = T.SetType(element_type(c, [value.type]))
            self.known = True
        add(c, self.out, value)
        return SimpleValue(c.const(None))


def make_set(c: C, values: list[Value], elem: T.Type | None) -> Value:
    """`{*values}` as a `Set(elem)` (the elements' joined type when `elem` is None)."""
    elem = elem or (element_type(c, [v.type for v in values]) if values else T.TENSOR)
    values = [c.convert_to(v, elem, "a set element") for v in values]
    return c.emit("prim::SetConstruct", values, [T.SetType(elem)]).output


def element_type(c: C, types: list[T.Type]) -> T.Type:
    """The element type of a set of values of `types` (joined, else their Union)."""
    joined = T.unify_all(types)
    elem = T.unrefined(joined) if joined is not None else T.make_union(types)
    _check_hashable(c, elem)
    return elem


def _check_hashable(c: C, t: T.Type) -> None:
    if isinstance(t, _UNHASHABLE) or any(isinstance(m, _UNHASHABLE) for m in t.contained()):
        c.fail(f"expected hashable set elements, found '{t}' (Python raises TypeError); "
               "use a tuple instead of a list")  # fmt: skip


def add(c: C, s: Value, x: Value) -> None:
    elem = s.type.elem  # type: ignore[attr-defined]
    if elem == T.TENSOR and not T.is_subtype(x.type, elem):
        c.fail(f"expected a tensor added to a Set[Tensor], found '{x.type}'; an empty set() "
               f"holds tensors unless annotated: s: Set[{x.type.python_str()}] = set()")  # fmt: skip
    c.emit("prim::set_add", [s, c.convert_to(x, elem, "the added element")], [])


def as_set(c: C, v: Value) -> Value:
    """`v` if it is a set, else `set(v)` of a list, tuple, str or dict (its keys)."""
    t = v.type
    if isinstance(t, T.SetType):
        return v
    if isinstance(t, (T.ListType, T.VarTupleType)):
        elem = t.elem
    elif isinstance(t, T.TupleType):
        elem = element_type(c, list(t.elems)) if t.elems else T.TENSOR
    elif t == T.StrType:
        elem = T.StrType
    elif isinstance(t, T.DictType):
        elem = t.key
    else:
        c.fail(f"expected an iterable to make a set of, found a value of type '{t}'")
    _check_hashable(c, elem)
    return c.emit("prim::set_of", [v], [T.SetType(elem)]).output


def update(c: C, kind: str, s: Value, others: list[Value]) -> None:
    """`s.update(*others)` and the other in-place forms (`|=`, `&=`, `-=`, `^=`)."""
    for other in others:
        other = as_set(c, other)
        if kind in ("set_update", "set_symmetric_difference_update"):
            other = c.convert_to(other, s.type, "the elements added to the set")
        c.emit(f"prim::{kind}", [s, other], [])


def _fold(kind: str) -> Callable[[C, Value, list[Value]], Value]:
    """`s.union(*others)`: the operator applied left to right (no others: a copy)."""

    def method(c: C, s: Value, others: list[Value]) -> Value:
        out = c.emit("prim::set_copy", [s], [s.type]).output
        for other in others:
            out = containers.binary(c, kind, out, as_set(c, other))
        return out

    return method


def _one_other(kind: str) -> Callable[[C, Value, list[Value]], Value]:
    def method(c: C, s: Value, others: list[Value]) -> Value:
        if len(others) != 1:
            c.fail(f"expected one argument, found {len(others)}")
        return containers.binary(c, kind, s, as_set(c, others[0]))

    return method


def _element_method(kind: str, returns: bool = False) -> Callable[[C, Value, list[Value]], Value]:
    def method(c: C, s: Value, args: list[Value]) -> Value:
        if len(args) != 1:
            c.fail(f"expected one element, found {len(args)} arguments")
        c.emit(f"prim::{kind}", [s, c.convert_to(args[0], s.type.elem, "the element")], [])  # type: ignore[attr-defined]
        return c.const(None)

    return method


def _add_method(c: C, s: Value, args: list[Value]) -> Value:
    if len(args) != 1:
        c.fail(f"expected one element, found {len(args)} arguments")
    add(c, s, args[0])
    return c.const(None)


def _no_args(kind: str, out: Callable[[T.Type], T.Type | None]) -> Callable[..., Value]:
    def method(c: C, s: Value, args: list[Value]) -> Value:
        if args:
            c.fail(f"expected no arguments, found {len(args)}")
        t = out(s.type)
        node = c.emit(f"prim::{kind}", [s], [t] if t is not None else [])
        return node.output if t is not None else c.const(None)

    return method


def _in_place(kind: str) -> Callable[[C, Value, list[Value]], Value]:
    def method(c: C, s: Value, others: list[Value]) -> Value:
        update(c, kind, s, others)
        return c.const(None)

    return method


SET_METHODS: dict[str, Callable[[C, Value, list[Value]], Value]] = {
    "add": _add_method,
    "discard": _element_method("set_discard"),
    "remove": _element_method("set_remove"),
    "clear": _no_args("set_clear", lambda t: None),
    "pop": _no_args("set_pop", lambda t: t.elem),  # type: ignore[attr-defined]
    "copy": _no_args("set_copy", lambda t: t),
    "union": _fold("set_union"),
    "intersection": _fold("set_intersection"),
    "difference": _fold("set_difference"),
    "symmetric_difference": _one_other("set_symmetric_difference"),
    "issubset": _one_other("set_le"),
    "issuperset": _one_other("set_ge"),
    "isdisjoint": _one_other("set_isdisjoint"),
    "update": _in_place("set_update"),
    "intersection_update": _in_place("set_intersection_update"),
    "difference_update": _in_place("set_difference_update"),
    "symmetric_difference_update": _in_place("set_symmetric_difference_update"),
}


def set_method(c: C, name: str, s: Value, args: list[Value]) -> Value:
    method = SET_METHODS.get(name)
    if method is None:
        c.fail(f"expected a method of sets ({', '.join(SET_METHODS)}), found '{name}'")
    return method(c, s, args)


def _set_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`set()` (a `Set[Tensor]` unless annotated, like `[]`) and `set(iterable)`."""
    if kwargs or len(args) > 1:
        c.fail(f"expected set() of at most one iterable, found {len(args) + len(kwargs)} "
               "arguments")  # fmt: skip
    if not args:
        return SimpleValue(make_set(c, [], None))
    sv = args[0]
    v = sv.value(c) if isinstance(sv, SimpleValue) else c.materialize_iterable(sv)
    if isinstance(v.type, T.SetType):
        return SimpleValue(c.emit("prim::set_copy", [v], [v.type]).output)
    return SimpleValue(as_set(c, v))


special_forms.register(builtins.set, _set_form)
