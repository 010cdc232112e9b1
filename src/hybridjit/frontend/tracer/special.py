"""Calls a trace handles itself rather than by schema, in one table keyed by the callable.

* sizes stay dynamic: `x.size(i)`, `x.shape`, `x.numel()` return 0-dim tensors recorded as
  `aten::size` / `aten::numel` + `prim::NumToTensor`, exactly as torch.jit does, so
  `x.view(x.size(0), -1)` generalizes to other shapes;
* indexing decomposes into views (see `indexing`);
* `x.float()` & co. and `x.type(dtype)` are `aten::to`;
* conversions to Python values are hazards: they run eagerly and warn.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any, Callable

import torch

from hybridjit.frontend.tracer import hazards, indexing
from hybridjit.frontend.tracer.record import NOT_RECORDED, call_op, record, value_of
from hybridjit.frontend.tracer.state import TracingState
from hybridjit.ir import types as T
from hybridjit.ops.builtins import TENSOR_CAST_METHODS

Tensor = torch.Tensor


@dataclasses.dataclass
class Call:
    """One intercepted call, as `__torch_function__` received it."""

    state: TracingState
    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    fallback: Callable[[Call], Any]  # the generic path (resolve by builtin name, or descend)
    types: Any = ()  # the `types` argument of `__torch_function__`

    def run(self) -> Any:
        return self.state.run_paused(lambda: self.func(*self.args, **self.kwargs))


Handler = Callable[[Call], Any]


# ---------------------------------------------------------------------------------------------
# sizes


def _size_tensor(state: TracingState, kind: str, inputs: list[Any], n: int) -> Tensor:
    """Record `%n : int = <kind>(inputs)` + `prim::NumToTensor(%n)`; return the 0-dim tensor."""
    graph, where = state.frame.graph, state.source_range()
    values = [value_of(state, inputs[0])]
    values += [graph.constant(v, T.IntType, where) for v in inputs[1:]]
    size = graph.insert_node(kind, values, [T.IntType], source_range=where)
    out_type = T.TensorType(torch.int64, (), (), torch.device("cpu"), None)
    num = graph.insert_node("prim::NumToTensor", [size.output], [out_type], source_range=where)
    result = torch.tensor(n)
    state.bind(result, num.output)
    return result


def _size(call: Call) -> Any:
    x = call.args[0]
    dim = call.args[1] if len(call.args) > 1 else call.kwargs.get("dim")
    if dim is None:
        return _shape_of(call.state, x)
    return _size_tensor(call.state, "aten::size", [x, dim], x.size(dim))


def _shape_of(state: TracingState, x: Tensor) -> tuple[Tensor, ...]:
    return tuple(_size_tensor(state, "aten::size", [x, i], n) for i, n in enumerate(x.shape))


def _shape(call: Call) -> Any:
    return _shape_of(call.state, call.args[0])


def _numel(call: Call) -> Any:
    x = call.args[0]
    return _size_tensor(call.state, "aten::numel", [x], x.numel())


# ---------------------------------------------------------------------------------------------
# indexing, casts


def _getitem(call: Call) -> Any:
    return indexing.getitem(call.state, call.args[0], call.args[1])


def _setitem(call: Call) -> Any:
    return indexing.setitem(call.state, *call.args[:3])


def _cast(dtype: torch.dtype) -> Handler:
    def handler(call: Call) -> Any:
        return _record_or_run(call, "aten::to", [call.args[0], dtype])

    return handler


def _type(call: Call) -> Any:
    """`x.type(torch.float32)` is `aten::to(x, x.device, dtype, False, False, None)`."""
    x = call.args[0]
    dtype = call.args[1] if len(call.args) > 1 else call.kwargs.get("dtype")
    if not isinstance(dtype, torch.dtype):
        return call.run()
    return _record_or_run(call, "aten::to", [x, x.device, dtype])


def _record_or_run(call: Call, name: str, args: list[Any]) -> Any:
    result = record(call.state, name, args, {}, call.run)
    return call.run() if result is NOT_RECORDED else result


# ---------------------------------------------------------------------------------------------
# hazards


def _conversion(method: str) -> Handler:
    def handler(call: Call) -> Any:
        hazards.warn_at(hazards.conversion_message(method), call.state.site)
        return call.run()

    return handler


def _len(call: Call) -> Any:
    hazards.warn_at(hazards.LEN, call.state.site)
    return call.run()


def _unbind(call: Call) -> Any:
    if _called_from(Tensor.__iter__.__code__):
        hazards.warn_at(hazards.ITERATION, call.state.site)
    return call.fallback(call)


def _called_from(code: Any, depth: int = 8) -> bool:
    frame = sys._getframe(1)
    for _ in range(depth):
        if frame is None:
            return False
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


def _tensor_factory(call: Call) -> Any:
    """`torch.tensor(data)`: a constant (warned), unless `data` is a traced tensor — then the
    copy is recorded (`detach`, `to(copy=True)`, `detach`) and the data flow survives."""
    hazards.warn_at(hazards.TENSOR_CONSTANT, call.state.site)
    result = call.run()
    data = call.args[0] if call.args else call.kwargs.get("data")
    if not (isinstance(data, Tensor) and id(data) in call.state.frame.values):
        return result
    state = call.state
    detached = call_op(state, "aten::detach", data)
    copied = call_op(state, "aten::to", detached, result.device, result.dtype, False, True)
    return call_op(state, "aten::detach", copied)


def _passthrough(call: Call) -> Any:
    return call.run()


HANDLERS: dict[Any, Handler] = {
    Tensor.size: _size,
    Tensor.shape.__get__: _shape,  # type: ignore[attr-defined]
    Tensor.numel: _numel,
    Tensor.__getitem__: _getitem,
    Tensor.__setitem__: _setitem,
    Tensor.type: _type,
    Tensor.__len__: _len,
    Tensor.unbind: _unbind,
    Tensor.__index__: _passthrough,
    Tensor.__format__: _passthrough,
    Tensor.__repr__: _passthrough,
    torch.tensor: _tensor_factory,
    **{getattr(Tensor, name): _cast(dtype) for name, dtype in TENSOR_CAST_METHODS.items()},
    **{getattr(Tensor, name): _conversion(name) for name in hazards.CONVERSIONS},
}


def handler_for(func: Any) -> Handler | None:
    try:
        return HANDLERS.get(func)
    except TypeError:  # unhashable callables
        return None
