"""Overload resolution: which schema a call binds to, following TorchScript's matching rules.

The rules mirror `torch/csrc/jit/frontend/schema_matching.cpp`:

- `match_call` tries every overload in registry order *without* implicit conversions, then
  all again *with* them; the first overload that matches wins. An operator with a single
  overload is matched with conversions straight away.
- Arguments bind positionally, then by keyword (for aten ops `input=` also names `self`),
  then from defaults. Keyword-only arguments never bind positionally.
- Always allowed: a tuple whose elements fit a list's element type becomes that list; a
  single int (float) fills a sized list `int[2]` (`float[3]`); `None` or `T` fit `T?`;
  an empty list literal (`EMPTY_LIST`) fits any list type.
- Only with conversions: a Tensor becomes int/float/complex/Scalar (`aten::IntImplicit`,
  `aten::FloatImplicit`, `aten::ComplexImplicit`, `aten::ScalarImplicit`); a Scalar becomes
  int/float/complex (`aten::Int`, `aten::Float`, `aten::Complex`); a bool becomes float
  (`aten::Float`) or int/Scalar (`aten::Int`); a str becomes a Device (`aten::device`);
  trailing positional arguments pack into the last positional list argument
  (`x.view(2, 3)` calls `aten::view(Tensor self, SymInt[] size)`). int never becomes float.
- Type variables (`t` in `aten::len.t(t[] a) -> int`) bind on first use and must unify on
  later uses; return types have them substituted.

`ScalarType`, `Layout` and `MemoryFormat` arguments accept ints (graphs carry dtypes as ints).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Iterable, Iterator, Sequence

from hybridjit.errors import SchemaError
from hybridjit.ir import types as T
from hybridjit.ops import registry
from hybridjit.ops.builtins import BuiltinFunction, builtin_functions_for
from hybridjit.ops.schema import NO_DEFAULT, Argument, Schema

# The type of an unannotated `[]` literal: it fits any list argument.
EMPTY_LIST = T.ListType(T.VarType("<empty list>"))

# Overloads TorchScript never picks: `x.view(1)` must not read 1 as a dtype, and the
# `unary_out` variants collide with `aten::max.other`.
_BLOCKED = {"aten::view.dtype", "aten::max.unary_out", "aten::min.unary_out"}

# Implicit conversions allowed only in the second matching round: (actual, formal) -> op.
_IMPLICIT: dict[tuple[str, T.Type], str] = {
    ("tensor", T.FloatType): "aten::FloatImplicit",
    ("tensor", T.ComplexType): "aten::ComplexImplicit",
    ("tensor", T.IntType): "aten::IntImplicit",
    ("tensor", T.NumberType): "aten::ScalarImplicit",
    ("number", T.FloatType): "aten::Float",
    ("number", T.ComplexType): "aten::Complex",
    ("number", T.IntType): "aten::Int",
    ("bool", T.FloatType): "aten::Float",
    ("bool", T.IntType): "aten::Int",
    ("bool", T.NumberType): "aten::Int",
    ("str", T.DeviceType): "aten::device",
}
_CONVERTED_TYPE = {
    "aten::FloatImplicit": T.FloatType, "aten::ComplexImplicit": T.ComplexType,
    "aten::IntImplicit": T.IntType, "aten::ScalarImplicit": T.NumberType,
    "aten::Float": T.FloatType, "aten::Complex": T.ComplexType, "aten::Int": T.IntType,
    "aten::device": T.DeviceType,
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class ArgSource:
    """Where the value of one schema argument comes from, and how it is adapted.

    `kind` is `"positional"` (`index`), `"kwarg"` (`name`), `"self"` (the method receiver),
    `"default"` (`default`), or `"varargs"` (positional `indices` packed into one list).
    `convert` names the adaptation to apply first: an op (`aten::IntImplicit`, `aten::Int`,
    `aten::Float`, `aten::device`, ...) or a list construction: `"repeat"` (a scalar filling
    `int[N]`, N times), `"tuple_to_list"`, `"empty_list"`, or for varargs `"list"` with
    per-element `elem_converts`. `type` is the formal type with type variables substituted.
    """

    kind: str
    type: T.Type
    index: int = -1
    name: str = ""
    default: Any = NO_DEFAULT
    indices: tuple[int, ...] = ()
    convert: str | None = None
    elem_converts: tuple[str | None, ...] = ()
    repeat: int = 0


@dataclasses.dataclass(frozen=True)
class Match:
    """A call bound to one overload.

    `inputs` has one `ArgSource` per schema argument, in schema order; `extra` lists the
    positional indices passed on through the schema's `...`; `return_types` has type
    variables substituted. `function` is set when the call bound to a script-defined
    builtin function: emit its body's operator calls instead of one node.
    """

    schema: Schema
    inputs: tuple[ArgSource, ...]
    return_types: tuple[T.Type, ...]
    extra: tuple[int, ...] = ()
    function: BuiltinFunction | None = None
    env: dict[str, T.Type] = dataclasses.field(default_factory=dict, compare=False)

    @property
    def return_field_names(self) -> tuple[str, ...] | None:
        """The names of the returns when all are named (`values`, `indices`), else None."""
        names = tuple(r.name for r in self.schema.returns)
        return names if names and all(names) else None


class _NoMatch(Exception):
    """One overload does not fit; the message says why."""


# ---------------------------------------------------------------------------------------------
# public entry points


def match_call(
    name: str,
    args: Sequence[T.Type],
    kwargs: dict[str, T.Type] | None = None,
    self_type: T.Type | None = None,
) -> Match:
    """Resolve a call of operator `name` with argument types `args`/`kwargs` to an overload.

    `self_type` is the receiver of a method call (`x.add(y)`: `self_type` Tensor, `args`
    `[Tensor]`); it binds to the argument named `self`. The candidates are the registry's
    overloads, then TorchScript's script-defined builtin functions of that name (`1 + x`
    matches `aten::add(int a, Tensor b)`, whose `Match.function` says to emit
    `aten::add(x, 1)`).

    >>> str(match_call("aten::add", [T.IntType, T.IntType]).schema)
    'aten::add.int(int a, int b) -> int'

    Raises SchemaError naming each candidate overload and why it failed.
    """
    functions = builtin_functions_for(name)
    candidates = _LazyCandidates(
        itertools.chain(registry.iter_schemas(name), functions),
        registry.n_call_overloads(name) + len(functions),
    )
    if not len(candidates):
        raise SchemaError(f"unknown operator {name}")
    try:
        return _resolve(candidates, args, kwargs or {}, self_type, name)
    except SchemaError:
        # `torch.div(a, b, out=c)`: the out variants (left out of the registry's call
        # overloads) are candidates only when a keyword argument names their output.
        outs = _out_variants_taking(name, kwargs or {})
        if not outs:
            raise
    return _resolve(outs, args, kwargs or {}, self_type, name)


def _out_variants_taking(name: str, kwargs: dict[str, T.Type]) -> list[Schema]:
    return [s for s in registry.all_schemas_for(name) if registry.is_out_variant(s)
            and any(a.is_write and a.kwarg_only and a.name in kwargs for a in s.arguments)]  # fmt: skip


def match_schemas(
    schemas: Sequence[Schema],
    args: Sequence[T.Type],
    kwargs: dict[str, T.Type],
    self_type: T.Type | None = None,
) -> Match:
    """`match_call` over an explicit list of candidate schemas (TorchScript's matchSchemas)."""
    return _resolve(list(schemas), args, kwargs, self_type, schemas[0].name if schemas else "")


def _resolve(
    candidates: Sequence[Schema | BuiltinFunction],
    args: Sequence[T.Type],
    kwargs: dict[str, T.Type],
    self_type: T.Type | None,
    name: str,
) -> Match:
    # With one candidate TorchScript skips the conversion-free round.
    rounds = (True,) if len(candidates) == 1 else (False, True)
    failures: list[str] = []
    for allow_conversions in rounds:
        failures = []
        for candidate in candidates:
            fn = candidate if isinstance(candidate, BuiltinFunction) else None
            schema = fn.schema if fn else candidate
            try:
                match = _match_schema(schema, args, kwargs, self_type, allow_conversions)  # type: ignore[arg-type]
            except _NoMatch as why:
                failures.append(f"  {_label(schema)}: {why}")  # type: ignore[arg-type]
                continue
            return dataclasses.replace(match, function=fn) if fn else match
    raise SchemaError(_failure_message(name, args, kwargs, self_type, failures))


class _LazyCandidates(Sequence["Schema | BuiltinFunction"]):
    """The candidates of one call, converted from torch's schemas only when first tried."""

    def __init__(self, source: Iterator[Schema | BuiltinFunction], n: int) -> None:
        self._source, self._seen, self._n = source, [], n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        self._seen.extend(self._source)
        return self._seen[i]

    def __iter__(self) -> Iterator[Schema | BuiltinFunction]:
        yield from self._seen
        for candidate in self._source:
            self._seen.append(candidate)
            yield candidate


def _label(schema: Schema) -> str:
    return schema.qualified_overload if schema.overload_name else str(schema)


def match_node(
    kind: str,
    input_types: Sequence[T.Type],
    n_outputs: int | None = None,
    output_types: Sequence[T.Type] | None = None,
) -> Schema | None:
    """The overload of `kind` that a graph node with these (all positional) inputs calls.

    Graph nodes carry every argument explicitly and already converted, so this matches
    exactly: same arity (at least, for `...` schemas), each input a subtype of its formal,
    and `n_outputs` returns (None: don't check).  Overloads that differ only in their return
    type (`prim::EnumValue.int` / `.str`) are told apart by `output_types` when given.
    """
    candidates = registry.iter_schemas(kind) if registry.has_op(kind) else _out_variants(kind)
    first = _first_fitting(candidates, input_types, n_outputs, output_types)
    if first is None and registry.has_op(kind):
        # a call of an out variant (`aten::div.out(a, b, out)`), after the call overloads
        outs = [s for s in _out_variants(kind) if registry.is_out_variant(s)]
        first = _first_fitting(outs, input_types, n_outputs, output_types)
    return first


def _first_fitting(candidates: Any, input_types: Sequence[T.Type], n_outputs: int | None,
                   output_types: Sequence[T.Type] | None) -> Schema | None:  # fmt: skip
    first = None
    for schema in candidates:
        if not _node_fits(schema, input_types, n_outputs):
            continue
        if output_types is None or _returns_fit(schema, output_types):
            return schema
        first = first or schema
    return first


def _returns_fit(schema: Schema, output_types: Sequence[T.Type]) -> bool:
    def fits(out: T.Type, formal: T.Type) -> bool:
        return isinstance(formal, T.VarType) or T.is_subtype(T.unrefined(out), T.unrefined(formal))

    return schema.is_varret or all(map(fits, output_types, (r.type for r in schema.returns)))


def attach_schemas(graph: Any) -> None:
    """Set `node.schema` on every operator node (nested blocks included) that has one."""
    for node in graph.all_nodes():
        ns = node.kind.split("::", 1)[0]
        if node.schema is None and (ns in registry.NAMESPACES or registry.has_op(node.kind)):
            types = [v.type for v in node.inputs]
            outs = [v.type for v in node.outputs]
            node.schema = match_node(node.kind, types, len(node.outputs), outs)


def _out_variants(kind: str) -> list[Schema]:
    return registry.all_schemas_for(kind)


# ---------------------------------------------------------------------------------------------
# matching one schema


def _match_schema(
    schema: Schema,
    args: Sequence[T.Type],
    kwargs: dict[str, T.Type],
    self_type: T.Type | None,
    allow_conversions: bool,
) -> Match:
    if schema.qualified_overload in _BLOCKED:
        raise _NoMatch("never chosen by overload resolution")
    state = _State(schema, args, kwargs, self_type, allow_conversions)
    inputs = tuple(state.bind(i, arg) for i, arg in enumerate(schema.arguments))
    extra = state.finish()
    returns = tuple(_returned_type(r, state.env) for r in schema.returns)
    return Match(schema, inputs, returns, extra, env=state.env)


def _returned_type(ret: Argument, env: dict[str, T.Type]) -> T.Type:
    t = substitute(ret.type, env)
    if t is None:
        raise _NoMatch(f"could not infer the type variables of return type {ret.type}")
    return t


class _State:
    """The bookkeeping of binding one call to one schema."""

    def __init__(
        self,
        schema: Schema,
        args: Sequence[T.Type],
        kwargs: dict[str, T.Type],
        self_type: T.Type | None,
        allow_conversions: bool,
    ) -> None:
        self.schema = schema
        self.args = list(args)
        self.kwargs = kwargs
        self.self_type = self_type
        self.allow = allow_conversions
        self.used_args = 0
        self.used_kwargs: set[str] = set()
        self.env: dict[str, T.Type] = {}
        self.is_aten = schema.namespace == "aten"

    def bind(self, i: int, arg: Argument) -> ArgSource:
        if arg.name == "self" and self.self_type is not None:
            actual, self.self_type = self.self_type, None
            return self.check(arg, actual, ArgSource("self", arg.type))
        if not arg.kwarg_only and self.used_args < len(self.args):
            packed = self.try_pack_varargs(i, arg)
            if packed is not None:
                return packed
            self.used_args += 1
            source = ArgSource("positional", arg.type, index=self.used_args - 1)
            return self.check(arg, self.args[self.used_args - 1], source)
        key = self.find_kwarg(arg.name)
        if key is not None:
            self.used_kwargs.add(key)
            return self.check(arg, self.kwargs[key], ArgSource("kwarg", arg.type, name=key))
        if arg.has_default:
            return ArgSource("default", self.default_type(arg), default=arg.default)
        raise _NoMatch(f"argument '{arg.name}' not provided")

    def default_type(self, arg: Argument) -> T.Type:
        return substitute(arg.type, self.env) or arg.type

    def find_kwarg(self, name: str) -> str | None:
        if name in self.kwargs and name not in self.used_kwargs:
            return name
        if self.is_aten and name == "self" and "input" in self.kwargs:
            return "input" if "input" not in self.used_kwargs else None
        return None

    def check(self, arg: Argument, actual: T.Type, source: ArgSource) -> ArgSource:
        formal, convert, actual, repeat = _fit(arg, actual, self.env, self.allow)
        return dataclasses.replace(source, type=formal, convert=convert, repeat=repeat)

    def try_pack_varargs(self, i: int, arg: Argument) -> ArgSource | None:
        if not (self.allow and _varargs_can_be_list(self.schema, i, arg)):
            return None
        first = self.args[self.used_args]
        list_type = _unwrap_optional(normalize_int_like(arg.type))
        if isinstance(first, T.ListType) or _convertible_to_list(first, list_type):
            return None
        if list_type.elem == T.AnyType and len(self.args) - self.used_args == 1:  # type: ignore[attr-defined]
            return None  # `len(u)` of a Union is not the length of `[u]` (torch.jit gives 1)
        elem_arg = Argument("<varargs>", list_type.elem)  # type: ignore[attr-defined]
        indices = tuple(range(self.used_args, len(self.args)))
        converts = tuple(_fit(elem_arg, self.args[j], self.env, True)[1] for j in indices)
        self.used_args = len(self.args)
        formal = substitute(arg.type, self.env) or arg.type
        return ArgSource("varargs", formal, indices=indices, convert="list", elem_converts=converts)

    def finish(self) -> tuple[int, ...]:
        if self.self_type is not None:
            raise _NoMatch("the method receiver has no 'self' argument to bind to")
        extra: tuple[int, ...] = ()
        if self.schema.is_vararg:
            extra = tuple(range(self.used_args, len(self.args)))
            self.used_args = len(self.args)
        if self.used_args < len(self.args):
            raise _NoMatch(
                f"expected at most {self.used_args} positional arguments but found {len(self.args)}"
            )
        for key in self.kwargs:
            if key not in self.used_kwargs:
                known = self.schema.argument(key) is not None
                raise _NoMatch(f"keyword argument '{key}' {'given twice' if known else 'unknown'}")
        return extra


def _varargs_can_be_list(schema: Schema, i: int, arg: Argument) -> bool:
    """`zeros(2, 3)` for `zeros(int[] size)`: the last positional formal is an unsized list."""
    nxt = schema.arguments[i + 1] if i + 1 < len(schema.arguments) else None
    is_last = nxt is None or nxt.kwarg_only
    t = normalize_int_like(arg.type)
    return (
        is_last
        and isinstance(t, T.ListType)
        and not isinstance(t.elem, T.VarType)
        and arg.N is None
    )


# ---------------------------------------------------------------------------------------------
# one argument


def _fit(
    arg: Argument, actual: T.Type, env: dict[str, T.Type], allow: bool
) -> tuple[T.Type, str | None, T.Type, int]:
    """Check `actual` against `arg`; returns (concrete formal, conversion, converted, repeat)."""
    formal = normalize_int_like(arg.type)
    actual = normalize_int_like(actual)
    repeat = 0
    convert: str | None = None
    if _int_or_float_used_as_list(actual, arg, formal):
        actual, convert, repeat = T.ListType(actual), "repeat", arg.N or 0
    why = match_type_variables(formal, actual, env)
    if why is not None:
        raise _NoMatch(f"argument '{arg.name}': {why}")
    concrete = substitute(formal, env)
    if concrete is None:
        raise _NoMatch(
            f"argument '{arg.name}': type variables in {formal} could not be inferred from "
            f"{_type_str(actual)}"
        )
    converted, step = _try_convert(concrete, actual, allow)
    convert = step or convert
    if not T.is_subtype(converted, concrete):
        raise _NoMatch(
            f"argument '{arg.name}' expected {arg.type_str()} but found {_type_str(actual)}"
        )
    return concrete, convert, converted, repeat


def _type_str(t: T.Type) -> str:
    return "[] (an empty list)" if t == EMPTY_LIST else str(t)


def _int_or_float_used_as_list(actual: T.Type, arg: Argument, formal: T.Type) -> bool:
    inner = _unwrap_optional(formal)
    return (
        actual in (T.IntType, T.FloatType)
        and arg.N is not None
        and isinstance(inner, T.ListType)
        and inner.elem == actual
    )


def _try_convert(formal: T.Type, actual: T.Type, allow: bool) -> tuple[T.Type, str | None]:
    """TorchScript's tryConvertToType on types: the converted type and the step taken."""
    if isinstance(formal, T.OptionalType) and not isinstance(actual, T.OptionalType):
        if actual != T.NoneType:
            return _try_convert(formal.elem, actual, allow)
    if actual == EMPTY_LIST and isinstance(formal, T.ListType):
        return formal, "empty_list"
    if isinstance(actual, T.TupleType) and _convertible_to_list(actual, formal):
        return T.ListType(formal.elem), "tuple_to_list"  # type: ignore[attr-defined]
    if allow:
        op = _IMPLICIT.get((_kind_of(actual), formal))
        if op is not None:
            return _CONVERTED_TYPE[op], op
    return actual, None


def _kind_of(actual: T.Type) -> str:
    if isinstance(actual, T.TensorType):
        return "tensor"
    names = {T.NumberType: "number", T.BoolType: "bool", T.StrType: "str"}
    return names.get(actual, "")


def _convertible_to_list(actual: T.Type, formal: T.Type) -> bool:
    if not isinstance(formal, T.ListType):
        return False
    if T.is_subtype(actual, formal):
        return True
    if isinstance(actual, T.TupleType):
        return all(T.is_subtype(e, formal.elem) for e in actual.elems)
    return False


def _unwrap_optional(t: T.Type) -> T.Type:
    return t.elem if isinstance(t, T.OptionalType) else t


def normalize_int_like(t: T.Type) -> T.Type:
    """Read ScalarType/Layout/MemoryFormat as int, everywhere inside `t` (as TorchScript
    passes them; the verifier reads schemas the same way)."""
    if t in T.INT_LIKE:
        return T.IntType
    if isinstance(t, T.ListType):
        return T.ListType(normalize_int_like(t.elem))
    if isinstance(t, T.OptionalType):
        return T.OptionalType(normalize_int_like(t.elem))
    return t


# ---------------------------------------------------------------------------------------------
# type variables


def match_type_variables(formal: T.Type, actual: T.Type, env: dict[str, T.Type]) -> str | None:
    """Bind the type variables of `formal` to parts of `actual` in `env`.

    Returns None on success, else the reason they cannot bind. A variable keeps its first
    binding; later uses must unify with it.
    """
    if not has_free_variables(formal):
        return None
    if isinstance(formal, T.VarType):
        return _bind_var(formal.name, actual, env)
    rule = _VAR_RULES.get(type(formal))
    if rule is None:
        return f"cannot match {formal} to {_type_str(actual)}"
    return rule(formal, actual, env)


def _bind_var(name: str, actual: T.Type, env: dict[str, T.Type]) -> str | None:
    if actual == EMPTY_LIST:
        return f"cannot infer type variable '{name}' from an empty list"
    if name not in env:
        env[name] = actual
        return None
    if T.unify(env[name], actual) is not None:
        return None
    return (
        f"type variable '{name}' previously matched to type {env[name]} "
        f"is matched to type {_type_str(actual)}"
    )


def _vars_in_list(formal: T.ListType, actual: T.Type, env: dict[str, T.Type]) -> str | None:
    if actual == EMPTY_LIST:
        return f"cannot infer the element type of {formal} from an empty list"
    if isinstance(actual, T.ListType):
        return match_type_variables(formal.elem, actual.elem, env)
    if isinstance(actual, T.TupleType):
        elem = T.unify_all(actual.elems)
        if elem is not None:
            return match_type_variables(formal.elem, elem, env)
    return f"cannot match {formal} to {_type_str(actual)}"


def _vars_in_tuple(formal: T.TupleType, actual: T.Type, env: dict[str, T.Type]) -> str | None:
    if not isinstance(actual, T.TupleType):
        return f"cannot match a tuple to {_type_str(actual)}"
    if len(actual.elems) != len(formal.elems):
        return "cannot match tuples of mismatched size"
    return _first_error(match_type_variables(f, a, env) for f, a in zip(formal.elems, actual.elems))


def _vars_in_optional(formal: T.OptionalType, actual: T.Type, env: dict[str, T.Type]) -> str | None:
    if isinstance(actual, T.OptionalType):
        return match_type_variables(formal.elem, actual.elem, env)
    if actual != T.NoneType:
        return match_type_variables(formal.elem, actual, env)
    return None  # None fits T?; an unbound T is reported when it is needed.


def _vars_in_dict(formal: T.DictType, actual: T.Type, env: dict[str, T.Type]) -> str | None:
    if not isinstance(actual, T.DictType):
        return f"cannot match a dict to {_type_str(actual)}"
    return _first_error(
        match_type_variables(f, a, env)
        for f, a in ((formal.key, actual.key), (formal.value, actual.value))
    )


def _vars_in_future(formal: T.FutureType, actual: T.Type, env: dict[str, T.Type]) -> str | None:
    if not isinstance(actual, T.FutureType):
        return f"cannot match a future to {_type_str(actual)}"
    return match_type_variables(formal.elem, actual.elem, env)


def _first_error(errors: Iterable[str | None]) -> str | None:
    return next((e for e in errors if e is not None), None)


_VAR_RULES: dict[type, Any] = {
    T.ListType: _vars_in_list,
    T.TupleType: _vars_in_tuple,
    T.OptionalType: _vars_in_optional,
    T.DictType: _vars_in_dict,
    T.FutureType: _vars_in_future,
}


def has_free_variables(t: T.Type) -> bool:
    return isinstance(t, T.VarType) or any(has_free_variables(c) for c in t.contained())


def substitute(t: T.Type, env: dict[str, T.Type]) -> T.Type | None:
    """`t` with its type variables replaced from `env`; None when one is unbound."""
    if isinstance(t, T.VarType):
        return env.get(t.name)
    if not has_free_variables(t):
        return t
    parts = [substitute(c, env) for c in t.contained()]
    if any(p is None for p in parts):
        return None
    return _with_contained(t, parts)  # type: ignore[arg-type]


def _with_contained(t: T.Type, parts: list[T.Type]) -> T.Type:
    if isinstance(t, T.TupleType):
        return dataclasses.replace(t, elems=tuple(parts))
    if isinstance(t, T.DictType):
        return T.DictType(parts[0], parts[1])
    if isinstance(t, T.UnionType):
        return T.make_union(parts)
    return type(t)(parts[0])  # type: ignore[call-arg]


# ---------------------------------------------------------------------------------------------
# graph nodes


def _node_fits(schema: Schema, input_types: Sequence[T.Type], n_outputs: int | None) -> bool:
    n_formals = len(schema.arguments)
    if len(input_types) < n_formals or (len(input_types) > n_formals and not schema.is_vararg):
        return False
    if n_outputs is not None and not schema.is_varret and n_outputs != len(schema.returns):
        return False
    env: dict[str, T.Type] = {}
    for arg, actual in zip(schema.arguments, input_types):
        formal, actual = normalize_int_like(arg.type), normalize_int_like(actual)
        if match_type_variables(formal, actual, env) is not None:
            return False
        concrete = substitute(formal, env)
        if concrete is None or not T.is_subtype(actual, concrete):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# errors


def _failure_message(
    name: str,
    args: Sequence[T.Type],
    kwargs: dict[str, T.Type],
    self_type: T.Type | None,
    failures: list[str],
) -> str:
    shown = [_type_str(a) for a in args] + [f"{k}={_type_str(v)}" for k, v in kwargs.items()]
    receiver = f" on {_type_str(self_type)}" if self_type is not None else ""
    head = f"no overload of {name}{receiver} accepts ({', '.join(shown)}); the candidates are:"
    return "\n".join([head, *failures])
