"""The `TorchFunctionMode` that sees every torch call at the level the user wrote it.

`torch.add`, `x.add`, `x + y`, `F.relu` all arrive here with their Python arguments.  Each is
handled by the first of:

1. a special handler (`special.HANDLERS`: sizes, indexing, casts, hazards);
2. its builtin operator name (`ops.builtins.builtin_name`, the table script uses too),
   resolved to a schema and recorded as one node;
3. for a Python-level function (`F.normalize`, `Tensor.__rdiv__`): its body, traced call by
   call (`redispatch_function` with the mode re-entered);
4. otherwise it runs untraced: what it returns is a Python value, or a tensor that the graph
   will hold as a constant (with a TracerWarning saying so).
"""

from __future__ import annotations

import operator
import types
from typing import Any

import torch
from torch.overrides import TorchFunctionMode, redispatch_function

from hybridjit.frontend.tracer import hazards, special
from hybridjit.frontend.tracer.record import NOT_RECORDED, record
from hybridjit.frontend.tracer.state import TracingState
from hybridjit.ops.builtins import builtin_name, tensor_attribute_name


class TraceMode(TorchFunctionMode):
    """Records the torch calls of the code running under it into `state`'s current frame."""

    def __init__(self, state: TracingState) -> None:
        super().__init__()
        self.state = state

    def __torch_function__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:  # fmt: skip
        kwargs = kwargs or {}
        state = self.state
        if state.paused or not state.frames:
            return func(*args, **kwargs)
        call = special.Call(state, func, args, kwargs, self._generic, types_)
        with state.at_site():
            handler = special.handler_for(func)
            return handler(call) if handler is not None else self._generic(call)

    def _generic(self, call: special.Call) -> Any:
        name = _builtin_name(call.func)
        if name is not None:
            result = record(call.state, name, call.args, call.kwargs, call.run)
            if result is not NOT_RECORDED:
                return result
        if _is_python(call.func):
            with self:
                return redispatch_function(call.func, call.types, call.args, call.kwargs)
        result = call.run()
        if _has_tensor(result):
            hazards.warn_at(hazards.unrecorded_message(call.func), call.state.site)
        return result


def _builtin_name(func: Any) -> str | None:
    try:
        return builtin_name(func) or _operator_method_name(func) or _property_name(func)
    except TypeError:
        return None


def _property_name(func: Any) -> str | None:
    """`x.T` arrives as the `__get__` of a getset descriptor: its op is the attribute's."""

    if getattr(func, "__name__", None) != "__get__":
        return None
    name = tensor_attribute_name(getattr(func.__self__, "__name__", ""))
    return name if name is not None and name.startswith("aten::") else None


def _has_tensor(v: Any) -> bool:
    if isinstance(v, torch.Tensor):
        return True
    return isinstance(v, (list, tuple)) and any(_has_tensor(e) for e in v)


# Reflected methods that keep `(self, other)` order: the op is commutative, and torch.jit
# records `2 * x` as `aten::mul(%x, %2)`.  Other reflected ops are Python functions in torch
# (`Tensor.__rsub__` calls `torch.rsub`) and are traced through.
_COMMUTATIVE = frozenset({"add", "mul", "and", "or", "xor"})


def _operator_method_name(func: Any) -> str | None:
    """A Tensor operator method (`__eq__`, `__radd__`, `__iadd__`, `__idiv__`) means the op of
    the Tensor method or `operator` function of the same name (in place: its `_` variant)."""
    dunder = getattr(func, "__name__", "")
    if not (dunder.startswith("__") and dunder.endswith("__")):
        return None
    base = dunder[2:-2]
    readings = [("", base)] + ([(base[0], base[1:])] if base[:1] in ("r", "i") else [])
    for prefix, op in readings:
        if prefix == "r" and op not in _COMMUTATIVE:
            continue
        name = _first_builtin(getattr(torch.Tensor, op, None), getattr(operator, op, None),
                              getattr(operator, op + "_", None))  # fmt: skip
        if name is not None:
            return _in_place(name) if prefix == "i" else name
    return None


def _first_builtin(*objs: Any) -> str | None:
    return next((n for n in map(builtin_name, objs) if n is not None), None)


def _in_place(name: str) -> str:
    """`aten::add` -> `aten::add_`; `aten::__and__` -> `aten::__iand__`."""
    return name.replace("::__", "::__i", 1) if name.endswith("__") else name + "_"


def _is_python(func: Any) -> bool:
    if isinstance(func, types.MethodType):
        func = func.__func__
    return isinstance(func, types.FunctionType)
