"""Calls that stay calls in a trace: submodules, scripted and traced functions.

While a trace runs, `torch.nn.Module.__call__` and `ScriptFunction.__call__` are routed here
(torch.fx's symbolic tracer patches `Module.__call__` the same way):

* a plain submodule is traced into a method graph of its own and recorded as
  `prim::CallMethod[name="forward"](%sub, ...)` on a `prim::GetAttr` chain from `%self`;
* a scripted or traced module (a `hybridjit.ScriptModule`) is recorded as a CallMethod and
  run as compiled — its loops and branches survive;
* a scripted or traced function is recorded as
  `%f : Function = prim::Constant[name="script_fn"]()` + `prim::CallFunction(%f, ...)`.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any, Iterator

import torch

from hybridjit.errors import FrontendError
from hybridjit.frontend.tracer import modules
from hybridjit.frontend.tracer.io import add_input, input_type, output_value
from hybridjit.frontend.tracer.record import bind_result, materializer
from hybridjit.frontend.tracer.state import Frame, TracingState, current
from hybridjit.frontend.tracer.values import contains_tensor
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph, Value
from hybridjit.ops.resolution import attach_schemas
from hybridjit.passes.dce import eliminate_dead_code
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule

_MODULE_CALL = torch.nn.Module.__call__
_FUNCTION_CALL = ScriptFunction.__call__


@contextlib.contextmanager
def intercepting() -> Iterator[None]:
    """Route module and ScriptFunction calls through the tracer while the block runs."""
    saved = torch.nn.Module.__call__, ScriptFunction.__call__
    torch.nn.Module.__call__ = _module_call  # type: ignore[method-assign]
    ScriptFunction.__call__ = _function_call  # type: ignore[method-assign]
    try:
        yield
    finally:
        torch.nn.Module.__call__, ScriptFunction.__call__ = saved  # type: ignore[method-assign]


def _tracing() -> TracingState | None:
    state = current()
    return state if state is not None and not state.paused and state.frames else None


# ---------------------------------------------------------------------------------------------
# modules


def _module_call(module: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
    state = _tracing()
    if state is None or isinstance(module, ScriptModule):
        return _MODULE_CALL(module, *args, **kwargs)
    with state.pause():
        target = modules.attribute_value(state, module)
    if target is None or target is state.frame.self_value:
        return _MODULE_CALL(module, *args, **kwargs)  # not a submodule: record its ops inline
    return trace_method_call(state, module, target, args, kwargs)


def traced_arguments(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
                     ) -> list[tuple[str, Any]]:  # fmt: skip
    """(name, value) of the arguments that hold tensors: those become graph inputs; the others
    are baked into the method, as torch.jit bakes them."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        named = list(bound.arguments.items())
    except (TypeError, ValueError):
        named = [(f"input{i}", a) for i, a in enumerate(args)] + list(kwargs.items())
    flat: list[tuple[str, Any]] = []
    for name, v in named:
        param = inspect.Parameter.VAR_POSITIONAL
        if isinstance(v, tuple) and _is_var(fn, name, param):
            flat += [(f"{name}{i}", e) for i, e in enumerate(v)]
        else:
            flat.append((name, v))
    return [(n, v) for n, v in flat if contains_tensor(v)]


def _is_var(fn: Any, name: str, kind: Any) -> bool:
    try:
        return inspect.signature(fn).parameters[name].kind == kind
    except (TypeError, ValueError, KeyError):
        return False


def trace_method_call(state: TracingState, module: torch.nn.Module, target: Value,
                      args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:  # fmt: skip
    """Trace `module(*args, **kwargs)` into its own method graph; record a CallMethod."""
    with state.pause(), state.at_site():
        named = traced_arguments(module.forward, args, kwargs)
        make = materializer(state)
        inputs = [make(v, T.unrefined(input_type(v))) for _, v in named]
    graph, result = trace_frame(state, module, named, lambda: _MODULE_CALL(module, *args, **kwargs))
    with state.pause(), state.at_site():
        name = modules.define_method(state, module, "forward", graph)
        _record_call(state, "prim::CallMethod", [target, *inputs], graph, result, {"name": name})
    return result


def trace_frame(state: TracingState, module: torch.nn.Module | None,
                named: list[tuple[str, Any]], run: Any, strict: bool = False
                ) -> tuple[Graph, Any]:  # fmt: skip
    """Run `run()` recording into a fresh graph whose inputs are `named` (plus `%self`)."""
    frame = Frame(Graph(), module)
    with state.pushed(frame):
        with state.pause():
            if module is not None:
                self_type = modules.module_type(state, module)
                frame.self_value = frame.graph.add_input(self_type, "self")
            for name, v in named:
                add_input(state, name, v)
        result = run()
        with state.pause():
            frame.graph.register_output(_result_value(state, module, result, strict))
            finish(frame)
    return frame.graph, result


def _result_value(state: TracingState, module: torch.nn.Module | None, result: Any,
                  strict: bool) -> Value:  # fmt: skip
    try:
        return output_value(state, result, strict)
    except TypeError as e:  # a value the IR has no type for (a user object)
        who = f"{type(module).__name__}.forward" if module is not None else "the traced function"
        raise FrontendError(
            f"expected {who} to return tensors, numbers, or tuples, lists and dicts of them "
            f"to trace, found {type(result).__name__} ({e}); trace the module that uses the "
            "object instead, or script the one that makes it") from None  # fmt: skip


def finish(frame: Frame) -> None:
    """Attach schemas to the nodes made without one; drop dead code (as torch.jit does: a
    Python-level `if x.size() != y.size()` leaves comparisons nothing uses)."""

    attach_schemas(frame.graph)
    eliminate_dead_code(frame.graph)


def _record_call(state: TracingState, kind: str, inputs: list[Value], callee: Graph,
                 result: Any, attributes: dict[str, Any]) -> None:  # fmt: skip
    out_type = T.unrefined(callee.outputs[0].type) if callee.outputs else T.NoneType
    graph = state.frame.graph
    node = graph.insert_node(kind, inputs, [out_type], attributes=attributes,
                             source_range=state.source_range())  # fmt: skip
    bind_result(state, node.output, result)


# ---------------------------------------------------------------------------------------------
# compiled functions and methods


def _function_call(fn: ScriptFunction, *args: Any, **kwargs: Any) -> Any:
    state = _tracing()
    if state is None:
        return _FUNCTION_CALL(fn, *args, **kwargs)
    if kwargs or (fn.signature is not None and len(args) < len(fn.graph.inputs)):
        args = fn._bind(args, kwargs)
    with state.pause(), state.at_site():
        return _record_compiled_call(state, fn, args)


def _record_compiled_call(state: TracingState, fn: ScriptFunction, args: tuple[Any, ...]) -> Any:
    module = args[0] if args and isinstance(args[0], ScriptModule) else None
    method = _method_name(module, fn) if module is not None else None
    if method is not None:
        target = modules.attribute_value(state, module)
        if target is None:
            return _FUNCTION_CALL(fn, *args)
        head, rest, kind, attrs = [target], args[1:], "prim::CallMethod", {"name": method}
    else:
        graph = state.frame.graph
        f = graph.constant(None, T.FunctionType(callee=fn), state.source_range())
        f.node["name"] = fn.name
        head, rest, kind, attrs = [f], args, "prim::CallFunction", {}
    want = [v.type for v in fn.graph.inputs[len(fn.graph.inputs) - len(rest) :]]
    make = materializer(state)
    inputs = head + [make(a, t) for a, t in zip(rest, want)]
    result = _FUNCTION_CALL(fn, *args)
    _record_call(state, kind, inputs, fn.graph, result, attrs)
    return result


def _method_name(module: ScriptModule, fn: ScriptFunction) -> str | None:
    methods = module.__dict__.get("_hj_methods", {})
    return next((name for name, m in methods.items() if m is fn), None)
