"""Operators and builtins on sets and variable-length tuples, which no TorchScript op takes.

Overload resolution only knows TorchScript's types, so `call_builtin_values` asks `adapt`
first: a call with a `Set(T)` or `(T, ...)` operand is rewritten here, or left alone (None).

- A set operator or builtin becomes its prim (`ops.prims.sets`): `a | b` is
  `prim::set_union`, `x in s` `prim::set_contains`, `len(s)` `prim::set_len`,
  `s.add(x)` `prim::set_add`; builtins that only iterate (`sorted`, `sum`, `min`, `list`,
  `str.join`...) take `list(s)` (`prim::set_list`, the set's own iteration order).
- A variable-length tuple is a tuple at run time; read-only list ops run on it unchanged, so
  it is passed as a list view (`prim::tuple_as_list`, no copy).  Ops that build a new
  sequence from it (`+`, `*`, slicing) give a tuple again, retyped `(T, ...)`
  (`prim::list_as_tuple`); a list method that mutates is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value

# Python operators and builtins on two sets, by the operator overload resolution is asked for.
SET_BINARY = {"aten::__or__": "set_union", "aten::__and__": "set_intersection",
              "aten::sub": "set_difference", "aten::__xor__": "set_symmetric_difference",
              "aten::eq": "set_eq", "aten::le": "set_le", "aten::lt": "set_lt",
              "aten::ge": "set_ge", "aten::gt": "set_gt"}  # fmt: skip
# In-place forms (`s |= t`): Python mutates the set the name is bound to.
SET_INPLACE = {"aten::__or__": "set_update", "aten::__and__": "set_intersection_update",
               "aten::sub": "set_difference_update",
               "aten::__xor__": "set_symmetric_difference_update"}  # fmt: skip
# Builtins that only iterate their argument: a set is passed as `list(s)`.
ITERATING = frozenset({"aten::sum", "aten::any", "aten::all", "aten::sorted", "aten::list",
                       "aten::join", "prim::min", "prim::max", "aten::min", "aten::max"})  # fmt: skip
# Ops whose result, from a tuple, is a new tuple (typed as the list op returns it).
BUILDS_SEQUENCE = frozenset({"aten::add", "aten::mul", "aten::slice"})
TUPLE_METHODS = frozenset({"count", "index"})
# Ops of any value (`t`): sets and tuples take them as they are.
GENERIC = frozenset({"aten::__is__", "aten::__isnot__", "aten::str", "aten::format",
                     "aten::percentFormat", "aten::warn", "prim::id", "aten::hash"})  # fmt: skip


def is_special(t: T.Type) -> bool:
    return isinstance(t, (T.SetType, T.VarTupleType))


def adapt(c: C, name: str, args: list[Value], kwargs: dict[str, Value],
          self_value: Value | None) -> Value | None:  # fmt: skip
    """The value of `name(*args, **kwargs)` when a set or variable-length tuple takes part,
    else None (the call is an ordinary one)."""
    if name in GENERIC:
        return None
    if self_value is not None and is_special(self_value.type):
        return _method(c, name.split("::")[-1], self_value, args, kwargs)
    if not any(is_special(a.type) for a in (*args, *kwargs.values())):
        return None
    if any(isinstance(a.type, T.SetType) for a in args):
        return _set_call(c, name, args, kwargs)
    return _tuple_call(c, name, args, kwargs)


def as_list(c: C, v: Value) -> Value:
    """A set's elements in iteration order, or a tuple viewed as a list (not copied)."""
    if isinstance(v.type, T.SetType):
        return c.emit("prim::set_list", [v], [T.ListType(v.type.elem)]).output
    elem = _tuple_elem(c, [v])
    return c.emit("prim::tuple_as_list", [v], [T.ListType(elem)]).output


def length(c: C, v: Value) -> Value:
    if isinstance(v.type, T.SetType):
        return c.emit("prim::set_len", [v], [T.IntType]).output
    return c.call_builtin_values("aten::len", [as_list(c, v)], {})


def truth(c: C, v: Value) -> Value:
    """`bool(s)`: non-empty."""
    return c.call_builtin_values("aten::ne", [length(c, v), c.const(0)], {})


# -- sets ------------------------------------------------------------------------------------


def _set_call(c: C, name: str, args: list[Value], kwargs: dict[str, Value]) -> Value:
    if name == "aten::len" and len(args) == 1:
        return length(c, args[0])
    if name == "aten::Bool" and len(args) == 1:
        return truth(c, args[0])
    if name == "aten::__contains__" and len(args) == 2:
        return contains(c, args[0], args[1])
    if name in ITERATING:
        vals = [as_list(c, a) if isinstance(a.type, T.SetType) else a for a in args]
        return c.call_builtin_values(name, vals, kwargs)
    if name in ("aten::eq", "aten::ne") and len(args) == 2:
        return _set_equality(c, name, *args)
    if name in SET_BINARY and len(args) == 2:
        return binary(c, SET_BINARY[name], *args)
    c.fail(f"expected an operation sets support, found {_what(name)} of "
           f"({', '.join(str(a.type) for a in args)})")  # fmt: skip


def _set_equality(c: C, name: str, a: Value, b: Value) -> Value:
    if not (isinstance(a.type, T.SetType) and isinstance(b.type, T.SetType)):
        return c.const(name == "aten::ne")  # a set never equals a list, tuple, ...
    eq = binary(c, "set_eq", a, b)
    return eq if name == "aten::eq" else c.call_builtin_values("aten::__not__", [eq], {})


def binary(c: C, kind: str, a: Value, b: Value) -> Value:
    """`a | b`, `a <= b`...: both must be sets (Python raises TypeError otherwise)."""
    if not (isinstance(a.type, T.SetType) and isinstance(b.type, T.SetType)):
        c.fail(f"expected sets on both sides of a set operator, found '{a.type}' and "
               f"'{b.type}'; convert the other side with set(...)")  # fmt: skip
    if kind in ("set_eq", "set_le", "set_lt", "set_ge", "set_gt", "set_isdisjoint"):
        return c.emit(f"prim::{kind}", [a, b], [T.BoolType]).output
    return c.emit(f"prim::{kind}", [a, b], [join_sets(c, a.type, b.type)]).output


def join_sets(c: C, a: T.Type, b: T.Type) -> T.Type:
    elem = T.unify(a.elem, b.elem)  # type: ignore[attr-defined]
    return T.SetType(T.unrefined(elem) if elem is not None else T.make_union([a.elem, b.elem]))  # type: ignore[attr-defined]


def contains(c: C, s: Value, x: Value) -> Value:
    return c.emit("prim::set_contains", [s, x], [T.BoolType]).output


def _method(c: C, name: str, obj: Value, args: list[Value], kwargs: dict[str, Value]) -> Value:
    if kwargs:
        c.fail(f"expected positional arguments to {obj.type.python_str()}.{name}(), found "
               f"keyword '{next(iter(kwargs))}'")  # fmt: skip
    if isinstance(obj.type, T.SetType):
        # deferred: sets.py imports this module
        from hybridjit.frontend.script.sets import set_method

        return set_method(c, name, obj, args)
    if name not in TUPLE_METHODS:
        c.fail(f"expected a method tuples have (count, index), found '{name}' of "
               f"'{obj.type}'")  # fmt: skip
    return c.call_builtin_values(f"aten::{name}", args, {}, self_value=as_list(c, obj))


# -- variable-length tuples ------------------------------------------------------------------


def _tuple_call(c: C, name: str, args: list[Value], kwargs: dict[str, Value]) -> Value:
    if name == "aten::Bool" and len(args) == 1:
        return truth(c, args[0])
    if name in ("aten::eq", "aten::ne") and len(args) == 2 and \
            not all(_is_tuple(a.type) for a in args):  # fmt: skip
        return c.const(name == "aten::ne")  # a tuple never equals a list
    views = _views(c, args)
    out = c.call_builtin_values(name, views, kwargs)
    if name in BUILDS_SEQUENCE and isinstance(out.type, T.ListType):
        return c.emit("prim::list_as_tuple", [out], [T.VarTupleType(out.type.elem)]).output
    return out


def _views(c: C, args: list[Value]) -> list[Value]:
    """Every tuple among `args` as a list view with one element type (a fixed tuple too)."""
    tuples = [a for a in args if _is_tuple(a.type)]
    elem = _tuple_elem(c, tuples)
    return [c.emit("prim::tuple_as_list", [a], [T.ListType(elem)]).output if _is_tuple(a.type)
            else a for a in args]  # fmt: skip


def _is_tuple(t: T.Type) -> bool:
    return isinstance(t, T.VarTupleType) or (isinstance(t, T.TupleType) and t.name is None)


def _tuple_elem(c: C, values: list[Value]) -> T.Type:
    elems = [e for v in values for e in (v.type.contained() if v.type.contained() else ())]
    if not elems:
        return T.TENSOR
    elem = T.unify_all(elems)
    if elem is None:
        c.fail(
            f"expected tuples of one element type, found {', '.join(str(v.type) for v in values)}"
        )
    return T.unrefined(elem)


def _what(name: str) -> str:
    return name.split("::")[-1]
