"""`x[index]` and `x[index] = v`, decomposed as TorchScript decomposes them.

Basic indexing becomes a chain of views, one node per index element; tensor (advanced)
indices are gathered into one `aten::index` / `aten::index_put_` at the end::

    x[:, 1:3]      %a = aten::slice(%x, 0, 0, 9223372036854775807, 1)
                   %b = aten::slice(%a, 1, 1, 3, 1)
    x[0, None]     %a = aten::select(%x, 0, 0);  %b = aten::unsqueeze(%a, 0)
    x[i]           %l : Tensor?[] = prim::ListConstruct(%i);  %b = aten::index(%x, %l)
    y[0] = 3       %s = aten::select(%y, 0, 0);  aten::fill_(%s, {3})
"""

from __future__ import annotations

from typing import Any

import torch

from hybridjit.frontend.tracer.record import call_op
from hybridjit.frontend.tracer.state import TracingState

INT64_MAX = 9223372036854775807


def _consumed(item: Any) -> int:
    """How many dimensions of the indexed tensor one index element uses up."""
    if item is None or item is Ellipsis:
        return 0
    if isinstance(item, torch.Tensor) and item.dtype in (torch.bool, torch.uint8):
        return max(item.dim(), 1)
    return 1


def _as_index_tensor(item: Any) -> Any:
    if isinstance(item, (list, tuple)):
        return torch.tensor(item)
    return item


def _is_int(item: Any) -> bool:
    return isinstance(item, int) and not isinstance(item, bool)


def apply_basic(state: TracingState, x: torch.Tensor, index: Any
                ) -> tuple[torch.Tensor, dict[int, Any]]:  # fmt: skip
    """Apply the view-making part of `index`; return the view and the tensor indices by dim."""
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(_as_index_tensor(i) for i in items)
    dims_left = x.dim() - sum(_consumed(i) for i in items)
    result, dim, advanced = x, 0, {}
    for item in items:
        if item is None:
            result = call_op(state, "aten::unsqueeze", result, dim)
            dim += 1
        elif item is Ellipsis:
            dim += dims_left
        elif isinstance(item, slice):
            result = _slice(state, result, dim, item)
            dim += 1
        elif _is_int(item):
            result = call_op(state, "aten::select", result, dim, item)
        elif isinstance(item, torch.Tensor):
            advanced[dim] = item
            dim += _consumed(item)
        else:
            raise TypeError(f"tracer: unsupported index element {item!r}")
    return result, advanced


def _slice(state: TracingState, x: torch.Tensor, dim: int, s: slice) -> torch.Tensor:
    start = 0 if s.start is None else s.start
    stop = INT64_MAX if s.stop is None else s.stop
    step = 1 if s.step is None else s.step
    return call_op(state, "aten::slice", x, dim, start, stop, step)


def _index_list(advanced: dict[int, Any]) -> list[Any]:
    return [advanced.get(d) for d in range(max(advanced) + 1)]


def getitem(state: TracingState, x: torch.Tensor, index: Any) -> torch.Tensor:
    """`x[index]`, recorded."""
    result, advanced = apply_basic(state, x, index)
    if advanced:
        result = call_op(state, "aten::index", result, _index_list(advanced))
    return result


def setitem(state: TracingState, x: torch.Tensor, index: Any, value: Any) -> None:
    """`x[index] = value`, recorded as an in-place op on the indexed view."""
    view, advanced = apply_basic(state, x, index)
    if not isinstance(value, torch.Tensor):
        value = torch.tensor(value, dtype=view.dtype)
        if not advanced:
            call_op(state, "aten::fill_", view, value)
            return
    if advanced:
        if value.dtype != view.dtype:
            value = call_op(state, "aten::to", value, view.dtype)
        call_op(state, "aten::index_put_", view, _index_list(advanced), value)
    else:
        call_op(state, "aten::copy_", view, value)
