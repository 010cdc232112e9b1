"""`*args`, `**kwargs` and calls with `*seq` / `**mapping` (TorchScript has none of them).

Typing (graph inputs, in signature order: positional, `*args`, keyword-only, `**kwargs`):

- a function compiled on its own (`hybridjit.script(f)`): `*args: T` is the variable-length
  tuple `Tuple[T, ...]` (`(T, ...)` in graphs), `**kwargs: T` is `Dict[str, T]`; unannotated,
  `T` is Tensor (TorchScript's default for parameters);
- a helper called from script code: annotated, the same; unannotated, it is compiled once per
  shape of call: `*args` is the tuple of the call's extra positional arguments
  (`Tuple[int, str]` for `log(1, "a")`), `**kwargs` a `Dict[str, V]` of the extra keywords
  (V their join, else their Union).  A `*xs` of a list whose length is only known at run
  time fills `*args` as a `Tuple[T, ...]`.

At a call, `*seq` expands a tuple, a list literal not mutated since (`f(*[a, b])`) or a
sequence that ends in the callee's `*args`; `**mapping` expands a dict literal with constant
str keys not mutated since (`f(**{"k": v})`, `f(**dict(k=v))`), or hands a `Dict[str, V]`
of run-time keys to the callee's `**kwargs` (a copy) when no named parameter could take one
of them.
"""

from __future__ import annotations

import ast
import inspect
import types
from typing import TYPE_CHECKING, Any

from hybridjit.frontend.script.sugared import SimpleValue, SugaredValue
from hybridjit.ir import types as T
from hybridjit.ops.effects import effects_of

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value

P = inspect.Parameter
_POSITIONAL = (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)
# Users of a list or dict that cannot have changed it or let it escape (its length is known).
_CONSTRUCTS = ("prim::ListConstruct", "prim::TupleConstruct", "prim::DictConstruct",
               "prim::SetConstruct", "prim::unchecked_cast")  # fmt: skip


def parameters(args: ast.arguments) -> list[tuple[ast.arg, Any]]:
    """The parameters of a def in signature order, with their `inspect.Parameter` kinds."""
    out = [(a, P.POSITIONAL_ONLY) for a in args.posonlyargs]
    out += [(a, P.POSITIONAL_OR_KEYWORD) for a in args.args]
    out += [(args.vararg, P.VAR_POSITIONAL)] if args.vararg else []
    out += [(a, P.KEYWORD_ONLY) for a in args.kwonlyargs]
    return out + ([(args.kwarg, P.VAR_KEYWORD)] if args.kwarg else [])


def packed_type(c: C, a: ast.arg, kind: Any) -> T.Type:
    """The type of the `*args` / `**kwargs` parameter `a` (see the module docstring)."""
    elem = c.annotation(a.annotation, a) if a.annotation is not None else None
    shape = (getattr(c, "packed", None) or {}).get(a.arg)
    if kind == P.VAR_KEYWORD:
        return T.DictType(T.StrType, elem or _join(shape or [T.TENSOR]))
    if elem is not None or shape is None or isinstance(shape, T.VarTupleType):
        return T.VarTupleType(elem or (shape.elem if shape is not None else T.TENSOR))
    return T.TupleType(tuple(shape))


def _join(types_: list[T.Type]) -> T.Type:
    joined = T.unify_all(types_)
    return T.unrefined(joined) if joined is not None else T.make_union(types_)


# -- calls -----------------------------------------------------------------------------------


class StarredRest(SugaredValue):
    """`*xs` of a sequence whose length is known only at run time: only a callee's `*args`
    can take it."""

    def __init__(self, v: Value) -> None:
        self.v = v

    def describe(self) -> str:
        return f"*{self.v.type} (its length is only known at run time)"

    def value(self, c: C) -> Value:
        c.fail("expected a tuple, or a list literal not changed since, to expand with * here; "
               f"found {self.describe()}; pass the sequence itself, or its elements by index "
               "(a scripted function's *args takes it as it is)")  # fmt: skip


def expand_starred(c: C, sv: SugaredValue) -> list[SugaredValue] | None:
    """The items of `*sv` when their number is known at compile time; else a `StarredRest`
    for a list or variable-length tuple; None for anything else."""
    v = sv.value(c)
    if isinstance(v.type, T.TupleType):
        return [SimpleValue(x) for x in c.unpack_tuple(v)]
    items = static_list(v)
    if items is not None:
        return [SimpleValue(x) for x in items]
    if isinstance(v.type, (T.ListType, T.VarTupleType)):
        return [StarredRest(v)]
    return None


def static_list(v: Value) -> list[Value] | None:
    """The elements of a list literal that nothing can have changed since it was built."""
    if v.node.kind != "prim::ListConstruct" or not _untouched(v):
        return None
    return list(v.node.inputs)


REST_KEY = "**"  # the keyword under which a `MappingRest` travels (no identifier clashes)


class MappingRest(SugaredValue):
    """`**d` of a `Dict[str, V]` whose keys are known only at run time: only a callee's
    `**kwargs` can take it (a copy, as Python makes), when no named parameter could."""

    def __init__(self, v: Value) -> None:
        self.v = v

    def describe(self) -> str:
        return f"**{self.v.type} (its keys are only known at run time)"

    def value(self, c: C) -> Value:
        c.fail("expected a dict literal with constant str keys to expand with ** here, found "
               f"{self.describe()}; pass the keywords by name")  # fmt: skip


def expand_mapping(c: C, sv: SugaredValue) -> dict[str, SugaredValue]:
    """`**mapping` of a dict literal with constant str keys, not changed since; else a
    `MappingRest` for a `Dict[str, V]` (a callee's `**kwargs` takes it)."""
    v = sv.value(c)
    node = v.node
    keys = node.inputs[::2]
    static = node.kind == "prim::DictConstruct" and _untouched(v) and \
        all(k.node.kind == "prim::Constant" and k.type == T.StrType for k in keys)  # fmt: skip
    if not static and isinstance(v.type, T.DictType) and v.type.key == T.StrType:
        return {REST_KEY: MappingRest(v)}
    if not static:
        c.fail("expected a dict literal with constant str keys to expand with ** (its keys "
               f"must be known at compile time), found {sv.describe()}; pass the keywords "
               "by name")  # fmt: skip
    return {k.node["value"]: SimpleValue(x) for k, x in zip(keys, node.inputs[1::2])}


def _untouched(v: Value) -> bool:
    for use in v.uses:
        user = use.user
        if user.blocks or user.kind in _CONSTRUCTS or user.kind.startswith("prim::Call"):
            return False
        if effects_of(user).changes_state:  # (reading an element is fine: the length stays)
            return False
    return True


def specialized(c: C, fn: Any, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> Any:
    """`fn` itself, or for a def with `*args`/`**kwargs` its copy compiled for this call's
    shape (the types of the arguments `*args` and `**kwargs` receive)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return fn
    if not any(p.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD) for p in params):
        return fn
    shape: dict[str, Any] = {}
    named = {p.name for p in params if p.kind in (P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY)}
    n_positional = sum(p.kind in _POSITIONAL for p in params)
    for p in params:
        if p.annotation is not P.empty:
            continue  # `*args: T` is `Tuple[T, ...]` for every call
        if p.kind == P.VAR_POSITIONAL:
            shape[p.name] = _rest_shape(c, args[n_positional:])
        elif p.kind == P.VAR_KEYWORD:
            rest = [sv for k, sv in kwargs.items() if k not in named]
            shape[p.name] = tuple(T.unrefined(_value_type(c, sv)) for sv in rest)
    return _copy_with(fn, tuple(sorted(shape.items(), key=lambda kv: kv[0])))


def _value_type(c: C, sv: SugaredValue) -> T.Type:
    return sv.v.type.value if isinstance(sv, MappingRest) else sv.value(c).type  # type: ignore[attr-defined]


def _rest_shape(c: C, rest: list[SugaredValue]) -> Any:
    if rest and isinstance(rest[-1], StarredRest):
        if len(rest) > 1:
            c.fail("expected *seq of unknown length to be the last positional argument")
        t = rest[-1].v.type
        return T.VarTupleType(t.elem)  # type: ignore[attr-defined]
    return tuple(T.unrefined(sv.value(c).type) for sv in rest)


_COPIES: dict[tuple[Any, Any], Any] = {}


def _copy_with(fn: Any, shape: tuple[tuple[str, Any], ...]) -> Any:
    key = (fn, shape)
    if key not in _COPIES:
        copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                                  fn.__closure__)  # fmt: skip
        copy.__kwdefaults__ = fn.__kwdefaults__
        copy.__annotations__ = dict(fn.__annotations__)
        copy.__qualname__ = fn.__qualname__
        copy.__module__ = fn.__module__
        copy.__hj_packed__ = dict(shape)  # type: ignore[attr-defined]
        _COPIES[key] = copy
    return _COPIES[key]


def packs(sig: inspect.Signature | None) -> bool:
    return sig is not None and any(
        p.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD) for p in sig.parameters.values()
    )


def bind(c: C, name: str, sig: inspect.Signature, formals: list[Value],
         args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> list[Value]:  # fmt: skip
    """Python's binding of a call to a def with `*args`/`**kwargs`: one value per graph input."""
    positional, keywords = list(args), dict(kwargs)
    out: list[Value] = []
    for p, formal in zip(sig.parameters.values(), formals):
        want = T.unrefined(formal.type)
        if p.kind == P.VAR_POSITIONAL:
            out.append(_pack_tuple(c, positional, want, name))
            positional = []
        elif p.kind == P.VAR_KEYWORD:
            out.append(_pack_dict(c, keywords, want))
            keywords = {}
        else:
            sv = _take(c, name, p, positional, keywords, formal.type)
            out.append(c.convert_to(sv.value(c), want, f"argument '{p.name}' of {name}()"))
    if positional:
        c.fail(f"expected at most {len(args) - len(positional)} positional arguments to "
               f"{name}(), found {len(args)}")  # fmt: skip
    if REST_KEY in keywords:
        keywords[REST_KEY].value(c)  # (fails: only **kwargs takes run-time keys)
    if keywords:
        c.fail(f"expected keyword arguments of {name}(), found unknown '{next(iter(keywords))}'")
    return out


def _take(c: C, name: str, p: inspect.Parameter, positional: list[SugaredValue],
          keywords: dict[str, SugaredValue], t: T.Type) -> SugaredValue:  # fmt: skip
    if p.kind in _POSITIONAL and positional:
        if p.name in keywords and p.kind == P.POSITIONAL_OR_KEYWORD:
            c.fail(f"expected one value for argument '{p.name}' of {name}(), found two")
        return positional.pop(0)
    if p.kind != P.POSITIONAL_ONLY and p.name in keywords:
        return keywords.pop(p.name)
    if REST_KEY in keywords and p.kind != P.POSITIONAL_ONLY:
        c.fail(f"expected '{p.name}' of {name}() by position or by name: the **mapping's "
               "keys are only known at run time")  # fmt: skip
    if p.default is not P.empty:
        return c.python_default(p.default, t)
    c.fail(f"expected argument '{p.name}' in the call to {name}(), found none")


def _pack_tuple(c: C, items: list[SugaredValue], want: T.Type, name: str) -> Value:
    if items and isinstance(items[-1], StarredRest):
        v = items[-1].v
        if isinstance(v.type, T.ListType):
            v = c.emit("prim::list_to_tuple", [v], [T.VarTupleType(v.type.elem)]).output
        return c.convert_to(v, want, f"*args of {name}()")
    elems = want.elems if isinstance(want, T.TupleType) else [want.elem] * len(items)  # type: ignore[attr-defined]
    vals = [c.convert_to(sv.value(c), e, f"*args of {name}()") for sv, e in zip(items, elems)]
    t = T.TupleType(tuple(v.type for v in vals))
    return c.emit("prim::TupleConstruct", vals, [t]).output


def _pack_dict(c: C, items: dict[str, SugaredValue], want: T.Type) -> Value:
    vt = want.value  # type: ignore[attr-defined]
    rest = items.get(REST_KEY)
    if isinstance(rest, MappingRest):
        if len(items) > 1:
            c.fail("expected **mapping of run-time keys alone, found other keywords with it; "
                   "merge them into the dict first")  # fmt: skip
        copy = c.call_builtin_values("aten::dict", [rest.v], {})
        return c.convert_to(copy, want, "the **mapping")
    inputs = [x for k, sv in items.items()
              for x in (c.const(k), c.convert_to(sv.value(c), vt, f"keyword '{k}'"))]  # fmt: skip
    return c.emit("prim::DictConstruct", inputs, [want]).output
