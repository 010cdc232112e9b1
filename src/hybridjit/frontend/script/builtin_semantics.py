"""Python builtins with Python's meaning where TorchScript bends it.

TorchScript's `round(2.5)` is the float `2.0`, `pow(2, 3)` is `8.0`, `print` ignores `sep` and
`end`, `sum` takes no start, `min`/`max` no `default=`, `int(s, 16)` and `float.is_integer`
do not exist.  These handlers (entries of `special_forms.FORMS`) lower each to what Python
computes, with ops that exist (`aten::round` then `aten::Int`) or hybridjit's own prims
(`ops.prims.python`)::

    round(x)        float -> int     aten::round.float, aten::Int.float
    round(x, n)     float / int      prim::round_digits
    pow(a, b, m)    int              prim::pow_mod
    sum(xs, start)                   start + sum(xs) for ints, else prim::sum_start
    min(xs, default=d)               prim::If on len(xs)
    sorted(xs, reverse=True)         aten::list, then aten::sort (Python's stable sort)
    print(a, b, sep="-", end="")     prim::Print[sep="-", end=""]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from hybridjit.frontend.script.sugared import SimpleValue, SugaredValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value

Handler = Callable[["C", list[SugaredValue], dict[str, SugaredValue]], SugaredValue]
_NUMBERS = (T.IntType, T.FloatType, T.BoolType)


def _argument(c: C, name: str, args: list[SugaredValue], kwargs: dict[str, SugaredValue],
              i: int, keyword: str) -> Value | None:  # fmt: skip
    """Positional argument `i` or keyword `keyword` (None: not given, or given as None)."""
    sv = args[i] if i < len(args) else kwargs.get(keyword)
    if i < len(args) and keyword in kwargs:
        c.fail(f"expected {name}() to get '{keyword}' once, found it twice")
    v = sv.value(c) if sv is not None else None
    return None if v is None or v.type == T.NoneType else v


def _check_keywords(c: C, name: str, kwargs: dict[str, SugaredValue], allowed: set[str]) -> None:
    extra = set(kwargs) - allowed
    if extra:
        c.fail(f"expected {name}() keywords {sorted(allowed) or 'none'}, found "
               f"'{sorted(extra)[0]}'")  # fmt: skip


# -- round -----------------------------------------------------------------------------------


def round_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`round(x)` is an int for a number (a tensor for a tensor); `round(x, n)` keeps x's type."""
    _check_keywords(c, "round", kwargs, {"ndigits"})
    if not args or len(args) > 2:
        c.fail(f"expected round(number) or round(number, ndigits), found {len(args)} arguments")
    x = args[0].value(c)
    ndigits = _argument(c, "round", args, kwargs, 1, "ndigits")
    if isinstance(x.type, T.TensorType):
        extra = {"decimals": ndigits} if ndigits is not None else {}
        return SimpleValue(c.call_builtin_values("aten::round", [x], extra))
    if x.type == T.NumberType:  # `round(t.item())`: the Python number, as a float
        x = c.call_builtin_values("aten::Float", [x], {})
    if x.type not in _NUMBERS:
        c.fail(f"expected round() of a number or a tensor, found a value of type '{x.type}'")
    if ndigits is not None:
        ndigits = c.convert_to(ndigits, T.IntType, "round()'s ndigits")
        out = T.FloatType if x.type == T.FloatType else T.IntType
        return SimpleValue(c.emit("prim::round_digits", [x, ndigits], [out]).output)
    if x.type != T.FloatType:
        return SimpleValue(c.call_builtin_values("aten::Int", [x], {}) if x.type == T.BoolType
                           else x)  # fmt: skip
    rounded = c.call_builtin_values("aten::round", [x], {})  # half to even, a float
    return SimpleValue(c.call_builtin_values("aten::Int", [rounded], {}))


# -- pow, sum --------------------------------------------------------------------------------


def pow_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`pow(a, b)` is `a ** b` (an int for ints); `pow(a, b, m)` modular, of ints."""
    _check_keywords(c, "pow", kwargs, {"base", "exp", "mod"})
    base = _argument(c, "pow", args, kwargs, 0, "base")
    exp = _argument(c, "pow", args, kwargs, 1, "exp")
    mod = _argument(c, "pow", args, kwargs, 2, "mod")
    if base is None or exp is None:
        c.fail("expected pow(base, exp) or pow(base, exp, mod)")
    if mod is None:
        if base.type == T.IntType and exp.type == T.IntType:
            return SimpleValue(c.int_pow(base, exp))
        return SimpleValue(c.binary("aten::pow", base, exp))
    if not all(v.type in (T.IntType, T.BoolType) for v in (base, exp, mod)):
        c.fail("expected pow(base, exp, mod) of ints (Python's rule), found "
               f"({base.type}, {exp.type}, {mod.type})")  # fmt: skip
    return SimpleValue(c.emit("prim::pow_mod", [base, exp, mod], [T.IntType]).output)


def sum_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`sum(xs)` and `sum(xs, start)`, left to right from start as Python adds."""
    _check_keywords(c, "sum", kwargs, {"start"})
    if not args or len(args) > 2:
        c.fail(f"expected sum(iterable) or sum(iterable, start), found {len(args)} arguments")
    xs = _as_value_list(c, args[0])
    start = _argument(c, "sum", args, kwargs, 1, "start")
    if start is None:
        return SimpleValue(c.call_builtin_values("aten::sum", [xs], {}))
    total_of = c.call_builtin_values("aten::sum", [xs], {}) if _int_list(xs) else None
    if total_of is not None and start.type in (T.IntType, T.BoolType):
        return SimpleValue(c.call_builtin_values("aten::add", [start, total_of], {}))  # exact
    elem = xs.type.elem if isinstance(xs.type, T.ListType) else None  # type: ignore[attr-defined]
    out = _sum_type(elem, start.type)
    if out is None:
        c.fail(f"expected sum() of numbers from a number, found '{xs.type}' from '{start.type}'")
    return SimpleValue(c.emit("prim::sum_start", [xs, start], [out]).output)


def _sum_type(elem: T.Type | None, start: T.Type) -> T.Type | None:
    """What Python's `+` of numbers gives: complex over float over int (bools add as ints)."""
    order = (T.BoolType, T.IntType, T.FloatType, T.ComplexType)
    if elem not in order or start not in order:
        return None
    return order[max(order.index(elem), order.index(start), 1)]


def _int_list(xs: Value) -> bool:
    return isinstance(xs.type, T.ListType) and xs.type.elem in (T.IntType, T.BoolType)


def _as_value_list(c: C, sv: SugaredValue) -> Value:
    """An iterable argument as a value (a set or tuple as a list, `range` materialized)."""
    v = sv.value(c) if isinstance(sv, SimpleValue) else c.materialize_iterable(sv)
    if isinstance(v.type, (T.SetType, T.VarTupleType)):
        # deferred: containers.py is imported by calls.py, which imports special forms
        from hybridjit.frontend.script.containers import as_list

        return as_list(c, v)
    if isinstance(v.type, T.TupleType):
        return c.make_list(c.unpack_tuple(v), None)
    return v


def sorted_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`sorted(iterable, reverse=r)`: a copy sorted in place by Python's stable sort (`key=` is
    `higher_order`'s, which wraps this handler)."""
    _check_keywords(c, "sorted", kwargs, {"reverse"})
    if len(args) != 1:
        c.fail(f"expected sorted() of one iterable, found {len(args)} positional arguments")
    xs = _as_value_list(c, args[0])
    reverse = _argument(c, "sorted", args, kwargs, 1, "reverse")
    if reverse is None:
        return SimpleValue(c.call_builtin_values("aten::sorted", [xs], {}))
    copy = c.call_builtin_values("aten::list", [xs], {})
    c.call_builtin_values("aten::sort", [copy], {"reverse": c.to_bool(reverse)})
    return SimpleValue(copy)


# -- min / max -------------------------------------------------------------------------------


def min_max(name: str, plain: Handler) -> Handler:
    """`min(xs, default=d)`: d when xs is empty; sets and tuples as their elements.  (`key=`
    is `higher_order`'s, which wraps this handler.)"""

    def handler(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        _check_keywords(c, name, kwargs, {"default"})
        if len(args) == 1 and _iterable(args[0]):
            args = [SimpleValue(_as_value_list(c, args[0]))]
        if "default" not in kwargs:
            return plain(c, args, {})
        if len(args) != 1:
            c.fail(f"expected {name}(iterable, default=...) of one iterable, found {len(args)} "
                   "positional arguments (Python raises TypeError)")  # fmt: skip
        return _with_default(c, name, plain, args[0].value(c), kwargs["default"].value(c))

    return handler


def _iterable(sv: SugaredValue) -> bool:
    if not isinstance(sv, SimpleValue):
        return True  # range, zip, enumerate, a tuple known at compile time
    return isinstance(sv.v.type, (T.SetType, T.VarTupleType, T.TupleType))


def _with_default(c: C, name: str, plain: Handler, xs: Value, default: Value) -> SugaredValue:
    """`min(xs) if len(xs) else default` (of both types: their join, else their Union)."""
    n = c.call_builtin_values("aten::len", [xs], {})
    cond = c.call_builtin_values("aten::gt", [n, c.const(0)], {})
    results: list[Value] = []
    node = c.emit_if(cond, lambda: results.append(plain(c, [SimpleValue(xs)], {}).value(c)),
                     lambda: results.append(default))  # fmt: skip
    types = [v.type for v in results]
    joined = T.unify(*types)
    for block, v in zip(node.blocks, results):
        block.register_output(v)
    return SimpleValue(node.add_output(T.unrefined(joined) if joined else T.make_union(types)))


# -- int(s, base), print ---------------------------------------------------------------------


def int_form(plain: Handler) -> Handler:
    """`int(s, base)` of a str (`prim::int_base`); every other `int(...)` as before."""

    def handler(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        _check_keywords(c, "int", kwargs, {"base"})
        base = _argument(c, "int", args, kwargs, 1, "base")
        if base is None:
            return plain(c, args[:1], {})
        s = args[0].value(c)
        if s.type != T.StrType:
            c.fail(f"expected int(str, base) of a str, found '{s.type}' (Python raises "
                   "TypeError)")  # fmt: skip
        base = c.convert_to(base, T.IntType, "int()'s base")
        return SimpleValue(c.emit("prim::int_base", [s, base], [T.IntType]).output)

    return handler


def print_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`print(*args, sep=" ", end="\\n", flush=False)`; `sep`/`end` must be constant strings."""
    _check_keywords(c, "print", kwargs, {"sep", "end", "flush"})
    attrs = {}
    for key, default in (("sep", " "), ("end", "\n")):
        text = _constant_str(c, kwargs.get(key), key)
        if text is not None and text != default:
            attrs[key] = text
    c.emit("prim::Print", [a.value(c) for a in args], [], attrs or None)
    return SimpleValue(c.const(None))


def _constant_str(c: C, sv: SugaredValue | None, key: str) -> str | None:
    if sv is None:
        return None
    v = sv.value(c)
    if v.type == T.NoneType:
        return None
    if v.type != T.StrType or v.node.kind != "prim::Constant":
        c.fail(f"expected a constant string as print()'s {key}=, found a value of type "
               f"'{v.type}' computed at run time; build the line with str.join and print it")  # fmt: skip
    return v.node["value"]


# -- methods of numbers ----------------------------------------------------------------------


def number_method(c: C, obj: Value, name: str, args: list[SugaredValue],
                  kwargs: dict[str, SugaredValue]) -> SugaredValue | None:  # fmt: skip
    """`x.is_integer()` of a float (None for the methods that are operators)."""
    if obj.type == T.FloatType and name == "is_integer":
        if args or kwargs:
            c.fail("expected float.is_integer() without arguments")
        return SimpleValue(c.emit("prim::is_integer", [obj], [T.BoolType]).output)
    return None
