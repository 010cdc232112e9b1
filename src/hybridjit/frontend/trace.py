"""`hybridjit.trace` and `hybridjit.trace_module`: record what eager code does as a graph.

    >>> def fn(x):
    ...     return torch.abs(2 * x)
    >>> traced = hybridjit.trace(fn, torch.rand(()))
    >>> print(traced.graph)
    graph(%x : Float(requires_grad=0, device=cpu)):
      %1 : Long(requires_grad=0, device=cpu) = prim::Constant[value={2}]()
      %2 : Float(requires_grad=0, device=cpu) = aten::mul(%x, %1)
      %3 : Float(requires_grad=0, device=cpu) = aten::abs(%2)
      return (%3)

The code runs once on the example inputs; every torch call is recorded at the level it was
written (see `tracer.mode`), module parameters are read through `prim::GetAttr` on `%self`,
and calls of submodules, scripted functions and traced functions stay calls.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from typing import Any, Callable, Iterator

import torch

from hybridjit.errors import FrontendError
from hybridjit.frontend.tracer import calls, check, modules
from hybridjit.frontend.tracer.mode import TraceMode
from hybridjit.frontend.tracer.state import TracingState
from hybridjit.ir.graph import Graph
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule


@contextlib.contextmanager
def _tracing(state: TracingState) -> Iterator[TracingState]:
    with state.active(), calls.intercepting(), TraceMode(state):
        yield state


def trace(func: Callable[..., Any] | torch.nn.Module, example_inputs: Any = None,
          check_trace: bool = True, check_inputs: list[Any] | None = None,
          check_tolerance: float = 1e-5, strict: bool = True,
          example_kwarg_inputs: dict[str, Any] | None = None) -> Any:  # fmt: skip
    """Trace a function or module on example inputs; return a ScriptFunction / ScriptModule.

    `example_inputs` is a tuple of positional arguments (a single tensor is wrapped);
    `example_kwarg_inputs` gives them by name instead.  With `check_trace`, the example
    inputs and each of `check_inputs` are traced again and must give the same graph and the
    eager outputs (within `check_tolerance`), or `TracingCheckError` shows the graph diff.
    `strict=False` allows list and dict outputs.
    """
    if isinstance(func, (ScriptModule, ScriptFunction)):
        warnings.warn("The input to trace is already compiled; tracing it is a no-op. "
                      "Returning the object as is.", stacklevel=2)  # fmt: skip
        return func
    if isinstance(func, torch.nn.Module):
        method_inputs = {"forward": _example_args(func.forward, example_inputs,
                                                  example_kwarg_inputs)}  # fmt: skip
        checks = None if check_inputs is None else [{"forward": c} for c in check_inputs]
        return trace_module(func, method_inputs, check_trace, checks, check_tolerance, strict)
    if inspect.ismethod(func) and isinstance(func.__self__, torch.nn.Module):
        args = _example_args(func, example_inputs, example_kwarg_inputs)
        checks = None if check_inputs is None else [{func.__name__: c} for c in check_inputs]
        traced = trace_module(func.__self__, {func.__name__: args}, check_trace, checks,
                              check_tolerance, strict)  # fmt: skip
        return getattr(traced, func.__name__)
    args = _example_args(func, example_inputs, example_kwarg_inputs)
    traced_fn = _trace_function(func, args, strict)
    if check_trace:
        _check_function(func, traced_fn, [args, *map(_as_tuple, check_inputs or [])],
                        check_tolerance, strict)  # fmt: skip
    return traced_fn


def trace_module(module: torch.nn.Module, inputs: dict[str, Any], check_trace: bool = True,
                 check_inputs: list[dict[str, Any]] | None = None,
                 check_tolerance: float = 1e-5, strict: bool = True) -> ScriptModule:  # fmt: skip
    """Trace several methods of `module`: `inputs` maps method name -> example inputs."""
    if not isinstance(module, torch.nn.Module):
        raise FrontendError(f"trace_module expects a torch.nn.Module, got {type(module).__name__}")
    inputs = {name: _as_tuple(args) for name, args in inputs.items()}
    state = _trace_methods(module, inputs, strict)
    traced = modules.build(state, module)
    if check_trace:
        for method_inputs in [inputs, *(check_inputs or [])]:
            _check_module(module, traced, state, method_inputs, check_tolerance, strict)
    return traced  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------


def _as_tuple(example: Any) -> tuple[Any, ...]:
    return example if isinstance(example, tuple) else (example,)


def _example_args(fn: Callable[..., Any], example_inputs: Any,
                  example_kwarg_inputs: dict[str, Any] | None) -> tuple[Any, ...]:  # fmt: skip
    if example_kwarg_inputs is None:
        if example_inputs is None:
            raise FrontendError("trace() needs example_inputs or example_kwarg_inputs")
        return _as_tuple(example_inputs)
    try:
        bound = inspect.signature(fn).bind(**example_kwarg_inputs)
    except TypeError as e:
        raise FrontendError(f"example_kwarg_inputs do not fit {fn.__name__}: {e}") from None
    return tuple(bound.args)


def _parameter_names(fn: Callable[..., Any], n: int) -> list[str]:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var = next((p.name for p in params if p.kind == p.VAR_POSITIONAL), "input")
    return (names + [f"{var}{i}" for i in range(n)])[:n] if len(names) < n else names[:n]


def distinct_tensors(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """`args` with every repeat of a tensor object replaced by an alias of it.

    The tracer tells inputs apart by tensor identity: `trace(f, (x, x))` must record two
    graph inputs, each used where its parameter is (torch.jit does the same). An alias
    (`t.view_as(t)`) shares the storage, so in-place updates still reach both names.
    """
    seen: set[int] = set()

    def fresh(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            if id(v) in seen:
                return v.view_as(v)
            seen.add(id(v))
            return v
        if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
            return type(v)(fresh(e) for e in v)
        if isinstance(v, dict):
            return {k: fresh(e) for k, e in v.items()}
        return v

    return tuple(fresh(a) for a in args)


def _trace_function(func: Callable[..., Any], args: tuple[Any, ...], strict: bool
                    ) -> ScriptFunction:  # fmt: skip
    names = _parameter_names(func, len(args))
    args = distinct_tensors(args)
    state = TracingState()
    with _tracing(state):
        graph, _ = calls.trace_frame(state, None, list(zip(names, args)),
                                     lambda: func(*args), strict)  # fmt: skip
    name = getattr(func, "__name__", "traced").replace("<lambda>", "lambda")
    signature = inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                   for n in names])  # fmt: skip
    return ScriptFunction(name, graph, qualified_name=f"__torch__.{name}", signature=signature)


def _trace_methods(module: torch.nn.Module, inputs: dict[str, tuple[Any, ...]], strict: bool
                   ) -> TracingState:  # fmt: skip
    state = TracingState()
    with _tracing(state):
        for method_name, args in inputs.items():
            args = distinct_tensors(args)
            method = getattr(module, method_name)
            named = list(zip(_parameter_names(method, len(args)), args))
            graph, _ = calls.trace_frame(
                state, module, named, lambda m=method, a=args: m(*a), strict
            )
            text = graph.str(print_source_ranges=False)
            state.methods.setdefault(id(module), {})[method_name] = (graph, text)
    return state


def _method_graphs(state: TracingState) -> list[Graph]:
    return [graph for methods in state.methods.values() for graph, _ in methods.values()]


def _check_function(func: Callable[..., Any], traced: ScriptFunction,
                    all_inputs: list[tuple[Any, ...]], tolerance: float, strict: bool) -> None:  # fmt: skip
    for args in all_inputs:
        again = _trace_function(func, check.clone(args), strict)
        check.compare_graphs([traced.graph], [again.graph])
        random = check.nondeterministic_nodes([again.graph])
        if random:
            check.warn_nondeterministic(random)
            return
        check.compare_outputs(traced, func, args, tolerance)


def _check_module(module: torch.nn.Module, traced: ScriptModule, first: TracingState,
                  inputs: dict[str, Any], tolerance: float, strict: bool) -> None:  # fmt: skip
    inputs = {name: _as_tuple(args) for name, args in inputs.items()}
    again = _trace_methods(module, {n: check.clone(a) for n, a in inputs.items()}, strict)
    check.compare_graphs(_method_graphs(first), _method_graphs(again))
    random = check.nondeterministic_nodes(_method_graphs(again))
    if random:
        check.warn_nondeterministic(random)
        return
    for name, args in inputs.items():
        check.compare_outputs(getattr(traced, name), getattr(module, name), args, tolerance)
