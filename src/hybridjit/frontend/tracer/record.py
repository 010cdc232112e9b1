"""Recording one call: resolve it to a schema, run it eagerly, insert the node.

A call is resolved exactly as the script frontend resolves it (`ops.resolution.match_call`),
after the adjustments torch's Python argument parser makes and a trace must mirror:

* numbers count as tensors for the ops the parser wraps them for (`2 * x` is
  `aten::mul(%x, %c)` with `%c = prim::Constant[value={2}]`);
* trailing positional ints pack into one `int[]` (`x.view(2, -1)`, `torch.zeros(n, 3)`);
* 0-dim tensors stand for numbers (`x.view(x.size(0), -1)`: sizes are traced 0-dim tensors),
  becoming `aten::Int(%t)` / `aten::ScalarImplicit(%t)` in the graph.

Every schema argument becomes a node input, defaults included, as torch.jit's traces show.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import torch

from hybridjit.errors import SchemaError
from hybridjit.frontend.tracer import modules
from hybridjit.frontend.tracer.state import TracingState
from hybridjit.frontend.tracer.values import Materializer, arg_type, contains_tensor
from hybridjit.ir import types as T
from hybridjit.ir.graph import Node, Value
from hybridjit.ops.registry import op_overload
from hybridjit.ops.resolution import match_call

NOT_RECORDED: Any = object()

# torch's arg parser turns Python numbers into tensors for these ops only
# (`should_allow_numbers_as_tensors` in torch/csrc/utils/python_arg_parser.cpp).
WRAPS_NUMBERS = frozenset(
    f"aten::{op}{suffix}"
    for op in ("add", "sub", "mul", "div", "divide", "multiply", "subtract", "true_divide",
               "floor_divide")
    for suffix in ("", "_")
) | {"aten::copy_", "aten::to"}  # fmt: skip

# (scalarize 0-dim tensors from this argument index on; None: not at all)
_SCALARIZE_FROM: tuple[int | None, ...] = (None, 1, 0)


@dataclasses.dataclass
class Resolved:
    """A call matched to a schema, with the Python values the match refers to."""

    schema: Any
    sources: list[Any]  # per schema argument: the Python value, or _DEFAULT
    return_types: Sequence[T.Type]


_DEFAULT: Any = object()


# ---------------------------------------------------------------------------------------------
# resolution


def resolve(name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> Resolved | None:
    """Match a call against `name`'s overloads the way torch's arg parser would accept it."""

    wraps = (True, False) if name in WRAPS_NUMBERS else (False,)
    for scalarize_from in _SCALARIZE_FROM:
        for layout in _layouts(args):
            for wrap in wraps:
                types = [_type(a, i, wrap, scalarize_from) for i, a in enumerate(layout)]
                kw_types = {k: _type(v, 1, wrap, scalarize_from) for k, v in kwargs.items()}
                try:
                    match = match_call(name, types, kw_types)
                except SchemaError:
                    continue
                if match.function is not None:  # a script-defined builtin: not one node
                    continue
                return Resolved(match.schema, _sources(match, layout, kwargs),
                                match.return_types)  # fmt: skip
    return None


def _type(v: Any, index: int, wrap: bool, scalarize_from: int | None) -> T.Type:
    scalarize = scalarize_from is not None and index >= scalarize_from
    return arg_type(v, wrap_numbers=wrap and index > 0, scalarize=scalarize)


def _layouts(args: Sequence[Any]) -> list[list[Any]]:
    """The argument lists to try: as given, then trailing positionals packed into one list
    (`x.permute(2, 0, 1)` -> `permute(x, [2, 0, 1])`, `torch.ones(2, 3)` -> `ones([2, 3])`)."""
    layouts = [list(args)]
    for start in (1, 0):
        tail = args[start:]
        if tail and all(_is_int_like(a) for a in tail):
            layouts.append([*args[:start], list(tail)])
    return layouts


def _is_int_like(a: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return a.dim() == 0 and not a.is_floating_point()
    return isinstance(a, int)


def _sources(match: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> list[Any]:
    """Per schema argument, the Python value the match binds to it (`_DEFAULT` if none)."""
    return [_source_value(src, args, kwargs) for src in match.inputs]


def _source_value(src: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    if src.kind == "positional":
        value = args[src.index]
    elif src.kind == "kwarg":
        value = kwargs[src.name]
    elif src.kind == "varargs":
        value = [args[i] for i in src.indices]
    else:
        return _DEFAULT
    return [value] * src.repeat if src.convert == "repeat" else value


def python_args(resolved: Resolved) -> list[Any]:
    """The call's values in schema order, defaults filled in (to run its OpOverload)."""
    return [
        arg.default if v is _DEFAULT else v
        for arg, v in zip(resolved.schema.arguments, resolved.sources)
    ]


# ---------------------------------------------------------------------------------------------
# values of tensors


def value_of(state: TracingState, t: Any) -> Value:
    """The Value holding tensor (or module) `t` in the current frame.

    Tensors the trace did not produce are module attributes (a `prim::GetAttr` chain from
    `%self`) or else constants baked into the graph.
    """
    frame = state.frame
    value = frame.values.get(id(t))
    if value is None:
        value = modules.attribute_value(state, t)
        if value is None:
            value = Materializer(state, lambda x: value_of(state, x)).tensor_constant(t)
        return state.bind(t, value)
    if not value.has_debug_name():
        name = state.local_name_of(t)
        if name is not None:
            value.set_debug_name(name)
    return value


def materializer(state: TracingState) -> Materializer:
    return Materializer(state, lambda t: value_of(state, t))


# ---------------------------------------------------------------------------------------------
# recording


def record(state: TracingState, name: str, args: Sequence[Any], kwargs: dict[str, Any],
           run: Callable[[], Any]) -> Any:  # fmt: skip
    """Resolve, run `run()` eagerly, and record the node; NOT_RECORDED if it does not resolve
    or returns no tensor (`x.dim()` is a plain int in a trace, as in torch.jit)."""
    resolved = resolve(name, args, kwargs)
    if resolved is None or not _returns_tensors(resolved.schema):
        return NOT_RECORDED
    inputs = _inputs(state, resolved)
    result = state.run_paused(run)
    emit(state, resolved, inputs, result)
    return result


def call_op(state: TracingState, name: str, *args: Any, **kwargs: Any) -> Any:
    """Run aten op `name` on `args` through its OpOverload and record it (indexing uses it)."""

    resolved = resolve(name, args, kwargs)
    if resolved is None:
        raise SchemaError(f"tracer: no overload of {name} accepts {args!r}")
    inputs = _inputs(state, resolved)
    values = python_args(resolved)
    result = state.run_paused(lambda: op_overload(resolved.schema)(*values))
    emit(state, resolved, inputs, result)
    return result


def _returns_tensors(schema: Any) -> bool:
    return any(_has_tensor(r.type) for r in schema.returns)


def _has_tensor(t: T.Type) -> bool:
    return isinstance(t, T.TensorType) or any(_has_tensor(c) for c in t.contained())


def _inputs(state: TracingState, resolved: Resolved) -> list[Value]:
    make = materializer(state)
    out = []
    for arg, v in zip(resolved.schema.arguments, resolved.sources):
        out.append(make(arg.default if v is _DEFAULT else v, arg.type))
    return out


def emit(state: TracingState, resolved: Resolved, inputs: list[Value], result: Any) -> Node:
    """Insert the node for a resolved call whose eager `result` is known; bind its outputs."""
    schema = resolved.schema
    results = [result] if len(schema.returns) == 1 else list(result)
    types = [_output_type(r.type, v) for r, v in zip(schema.returns, results)]
    node = state.frame.graph.insert_node(schema.name, inputs, types, schema=schema,
                                         source_range=state.source_range())  # fmt: skip
    for out, v in zip(node.outputs, results):
        bind_result(state, out, v)
    return node


def _output_type(declared: T.Type, v: Any) -> T.Type:
    if isinstance(v, torch.Tensor):
        return T.TensorType.of(v)
    if isinstance(declared, T.ListType):
        elem = declared.elem
        return T.ListType(T.TENSOR if isinstance(elem, T.VarType) else T.unrefined(elem))
    if isinstance(declared, T.VarType) or declared == T.AnyType:
        return T.unrefined(type_of(v))
    return declared


def type_of(v: Any) -> T.Type:
    """The refined type of a traced Python value (tensor types carry what was observed)."""
    if isinstance(v, torch.Tensor):
        return T.TensorType.of(v)
    if isinstance(v, tuple):
        return T.TupleType(tuple(type_of(e) for e in v))
    try:
        return T.type_of_value(v)
    except TypeError:
        return T.AnyType


def bind_result(state: TracingState, value: Value, v: Any) -> None:
    """Bind `v` to `value`; unpack lists, tuples and dicts of tensors so each element is
    traced (a dict's by `aten::__getitem__`, as torch.jit's tracer does)."""
    if isinstance(v, torch.Tensor):
        state.bind(v, value)
    elif isinstance(v, dict):
        graph, make = state.frame.graph, materializer(state)
        for key, item in v.items():
            k = make(key, T.type_of_value(key))
            out = graph.insert_node("aten::__getitem__", [value, k], [type_of(item)])
            bind_result(state, out.output, item)
    elif isinstance(v, (list, tuple)) and contains_tensor(v):
        kind = "prim::TupleUnpack" if isinstance(value.type, T.TupleType) else "prim::ListUnpack"
        node = state.frame.graph.insert_node(kind, [value], [type_of(e) for e in v])
        for out, e in zip(node.outputs, v):
            bind_result(state, out, e)
