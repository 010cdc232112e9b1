"""Starred assignment targets, slice assignment and deletion on lists, and `tuple(...)`.

    a, *rest = xs          a = xs[0]; rest = xs[1:]        (after a length check: ValueError)
    *init, last = xs       init = xs[:n - 1]; last = xs[n - 1]
    xs[1:3] = ys           prim::list_set_slice (Python's rules: any length for step 1,
    del xs[::2]            prim::list_del_slice   exactly as many elements for another step)
    tuple(xs)              the elements as a tuple: a fixed-length tuple when the list is a
                           literal not changed since, else `Tuple[T, ...]` (prim::list_to_tuple)

A starred target always receives a list, as in Python; with a tuple or list literal on the
right the split happens at compile time.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from hybridjit.frontend.script import containers
from hybridjit.frontend.script.sugared import SimpleValue, SugaredTuple, SugaredValue
from hybridjit.frontend.script.varargs import static_list
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value


# -- a, *rest = xs ---------------------------------------------------------------------------


def unpack_starred(c: C, targets: list[ast.expr], value: SugaredValue) -> None:
    """Assign `value` to targets of which one is starred."""
    starred = [i for i, t in enumerate(targets) if isinstance(t, ast.Starred)]
    if len(starred) != 1:
        c.fail(f"expected one starred target in the assignment, found {len(starred)}")
    k = starred[0]
    after = len(targets) - k - 1
    items = _static_items(c, value)
    if items is not None:
        _split_static(c, targets, k, after, items)
        return
    _split_run_time(c, targets, k, after, value.value(c))


def _static_items(c: C, value: SugaredValue) -> list[SugaredValue] | None:
    items = value.static_items()
    if items is not None:
        return items
    v = value.value(c)
    if isinstance(v.type, T.TupleType):
        return [SimpleValue(x) for x in c.unpack_tuple(v)]
    found = static_list(v)
    return None if found is None else [SimpleValue(x) for x in found]


def _split_static(c: C, targets: list[ast.expr], k: int, after: int,
                  items: list[SugaredValue]) -> None:  # fmt: skip
    if len(items) < len(targets) - 1:
        c.fail(f"expected at least {len(targets) - 1} values to unpack, found {len(items)}")
    values = [i.value(c) for i in items]
    middle = values[k : len(values) - after]
    elem = _join([v.type for v in values]) if values else None
    rest = c.make_list(middle, elem)
    for t, item in zip(targets[:k], items[:k]):
        c.assign_to(t, item)
    c.assign_to(targets[k].value, SimpleValue(rest))  # type: ignore[attr-defined]
    for t, item in zip(targets[k + 1 :], items[len(items) - after :]):
        c.assign_to(t, item)


def _join(types: list[T.Type]) -> T.Type:
    joined = T.unify_all(types)
    return T.unrefined(joined) if joined is not None else T.make_union(types)


def _split_run_time(c: C, targets: list[ast.expr], k: int, after: int, v: Value) -> None:
    view = _as_list(c, v)
    n = c.call_builtin_values("aten::len", [view], {})
    need = len(targets) - 1
    short = c.call_builtin_values("aten::lt", [n, c.const(need)], {})
    message = c.const(f"not enough values to unpack (expected at least {need})")
    c.emit_if(short, lambda: c.raise_with(ValueError, message), lambda: None)
    end = c.call_builtin_values("aten::sub", [n, c.const(after)], {})
    for i, t in enumerate(targets[:k]):
        c.assign_to(t, SimpleValue(_item(c, view, c.const(i))))
    rest = c.call_builtin_values("aten::slice", [view, c.const(k), end, c.const(1)], {})
    if isinstance(v.type, T.VarTupleType):
        rest = c.call_builtin_values("aten::list", [rest], {})  # a tuple's slice: a tuple
    c.assign_to(targets[k].value, SimpleValue(rest))  # type: ignore[attr-defined]
    for j, t in enumerate(targets[k + 1 :]):
        index = c.call_builtin_values("aten::add", [end, c.const(j)], {})
        c.assign_to(t, SimpleValue(_item(c, view, index)))


def _as_list(c: C, v: Value) -> Value:
    if isinstance(v.type, T.ListType):
        return v
    if v.type == T.StrType:
        return c.call_builtin_values("aten::list", [v], {})
    if containers.is_special(v.type):
        return containers.as_list(c, v)
    c.fail(f"expected a list, tuple or str to unpack into a starred target, found '{v.type}'")


def _item(c: C, view: Value, i: Value) -> Value:
    return c.call_builtin_values("aten::__getitem__", [view, i], {})


# -- xs[a:b] = ys, del xs[a:b] ---------------------------------------------------------------


def slice_bound(c: C, node: ast.expr | None) -> Value:
    """A bound of `a:b:c`: absent (None), an int, or an `Optional[int]` that may be None at
    run time (swin's `x[:, :pad]`); the ops take `int?`."""
    if node is None:
        return c.const(None)
    v = c.emit_value(node)
    if v.type in (T.OptionalType(T.IntType), T.NoneType):
        return v
    return c.convert_to(v, T.IntType, "a slice bound")


def _bounds(c: C, s: ast.Slice) -> list[Value]:
    return [slice_bound(c, s.lower), slice_bound(c, s.upper), slice_bound(c, s.step)]


def set_slice(c: C, xs: Value, s: ast.Slice, value: Value) -> None:
    """`xs[a:b:c] = value` of a list (value: a list, tuple or str of the list's elements)."""
    elem = xs.type.elem  # type: ignore[attr-defined]
    if isinstance(value.type, T.TupleType):
        value = c.make_list(c.unpack_tuple(value), elem)
    elif isinstance(value.type, (T.VarTupleType, T.SetType)):
        value = containers.as_list(c, value)
    elif value.type == T.StrType and elem == T.StrType:
        value = c.call_builtin_values("aten::list", [value], {})
    value = c.convert_to(value, xs.type, "the assigned elements")
    c.emit("prim::list_set_slice", [xs, *_bounds(c, s), value], [])


def del_slice(c: C, xs: Value, s: ast.Slice) -> None:
    if not isinstance(xs.type, T.ListType):
        c.fail(f"expected a list to delete a slice of, found '{xs.type}'")
    c.emit("prim::list_del_slice", [xs, *_bounds(c, s)], [])


# -- tuple(...) ------------------------------------------------------------------------------


def tuple_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`tuple()`, `tuple(iterable)`: a fixed tuple when the length is known at compile time."""
    if kwargs or len(args) > 1:
        c.fail(f"expected tuple() of at most one iterable, found {len(args) + len(kwargs)} "
               "arguments")  # fmt: skip
    if not args:
        return SugaredTuple([])
    items = _static_items(c, args[0]) if isinstance(args[0], SimpleValue) else \
        args[0].static_items()  # fmt: skip
    if items is not None:
        return SugaredTuple(items)
    sv = args[0]
    v = sv.value(c) if isinstance(sv, SimpleValue) else c.materialize_iterable(sv)
    if isinstance(v.type, T.VarTupleType):
        return SimpleValue(v)
    if v.type == T.StrType:
        v = c.call_builtin_values("aten::list", [v], {})  # its characters
    elif isinstance(v.type, T.DictType):
        v = c.call_builtin_values("aten::keys", [v], {})
    elif isinstance(v.type, T.SetType):
        v = containers.as_list(c, v)
    if not isinstance(v.type, T.ListType):
        c.fail(f"expected tuple() of an iterable, found a value of type '{v.type}'")
    return SimpleValue(c.emit("prim::list_to_tuple", [v], [T.VarTupleType(v.type.elem)]).output)
