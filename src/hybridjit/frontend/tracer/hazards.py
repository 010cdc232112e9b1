"""Where a trace bakes a value in: the TracerWarnings, worded as torch.jit words them.

Each warning points at the user's file and line (the innermost frame that is not plumbing).
`recording()` also collects each warning as a `Hazard`: where it was issued and which modules'
methods and which Python functions were running, so that a caller (`hybridjit.hybridize`) can
tell which submodule or function baked the value.
"""

from __future__ import annotations

import contextlib
import dataclasses
import linecache
import threading
import types
import warnings
from typing import Any, Iterator

from hybridjit.errors import TracerWarning
from hybridjit.frontend.tracer.state import current, is_plumbing

_GENERALIZE = (
    " might cause the trace to be incorrect. We can't record the data flow of Python values, "
    "so this value will be treated as a constant in the future. This means that the trace "
    "might not generalize to other inputs!"
)

# Tensor method name -> what the tensor becomes.
CONVERSIONS: dict[str, str] = {
    "__bool__": "a Python boolean",
    "__int__": "a Python integer",
    "__float__": "a Python float",
    "__complex__": "a Python complex",
    "item": "a Python number",
    "tolist": "a Python list",
    "numpy": "a NumPy array",
    "__array__": "a NumPy array",
}

LEN = (
    "Using len to get tensor shape might cause the trace to be incorrect. Recommended usage "
    "would be tensor.shape[0]. Passing a tensor of different shape might lead to errors or "
    "silently give incorrect results."
)
ITERATION = (
    "Iterating over a tensor might cause the trace to be incorrect. Passing a tensor of "
    "different shape won't change the number of iterations executed (and might lead to errors "
    "or silently give incorrect results)."
)
TENSOR_CONSTANT = (
    "torch.tensor results are registered as constants in the trace. You can safely ignore this "
    "warning if you use this function to create tensors out of constant variables that would "
    "be the same every time you call this function. In any other case, this might cause the "
    "trace to be incorrect."
)
NONDETERMINISTIC = (
    "Trace had nondeterministic nodes. Did you forget call .eval() on your model? Nodes:\n{nodes}"
    "\nThis may cause errors in trace checking. To disable trace checking, pass "
    "check_trace=False to hybridjit.trace()"
)


def unrecorded_message(func: object) -> str:
    name = getattr(func, "__qualname__", None) or repr(func)
    return (
        f"hybridjit could not record the call of {name}: its result is a constant in the "
        "trace, which might not generalize to other inputs."
    )


def conversion_message(method: str) -> str:
    return f"Converting a tensor to {CONVERSIONS[method]}{_GENERALIZE}"


@dataclasses.dataclass(frozen=True)
class StackEntry:
    """One user frame that was running when a hazard was issued."""

    code: types.CodeType
    globals: dict[str, Any]
    self: Any  # the frame's `self` local, or None


@dataclasses.dataclass(frozen=True)
class Hazard:
    """One TracerWarning as it was issued.

    `modules`: the modules whose methods were being traced (outermost first; empty when a
    function was traced).  `stack`: the user's frames from the warning's site outwards.
    """

    message: str
    filename: str | None
    lineno: int | None
    modules: tuple[Any, ...]
    stack: tuple[StackEntry, ...]

    @property
    def line(self) -> str:
        """The source line the warning points at (stripped; "" when unknown)."""
        if self.filename is None or self.lineno is None:
            return ""
        return linecache.getline(self.filename, self.lineno).strip()


class _Recorders(threading.local):
    def __init__(self) -> None:
        self.lists: list[list[Hazard]] = []


_RECORDERS = _Recorders()
_MAX_STACK = 64


@contextlib.contextmanager
def recording() -> Iterator[list[Hazard]]:
    """Collect every TracerWarning issued on this thread while the block runs (the warnings
    are still issued; filter them with `warnings` as usual)."""
    found: list[Hazard] = []
    _RECORDERS.lists.append(found)
    try:
        yield found
    finally:
        _RECORDERS.lists.remove(found)


def _hazard(message: str, site: types.FrameType | None) -> Hazard:
    state = current()
    modules = tuple(f.module for f in state.frames if f.module is not None) if state else ()
    stack: list[StackEntry] = []
    frame = site
    while frame is not None and len(stack) < _MAX_STACK:
        if frame is site or not is_plumbing(frame.f_code.co_filename):
            stack.append(StackEntry(frame.f_code, frame.f_globals, frame.f_locals.get("self")))
        frame = frame.f_back
    return Hazard(message, site.f_code.co_filename if site else None,
                  site.f_lineno if site else None, modules, tuple(stack))  # fmt: skip


def warn_at(message: str, site: types.FrameType | None) -> None:
    """Issue a TracerWarning attributed to `site` (the user's frame), not to hybridjit."""
    for found in _RECORDERS.lists:
        found.append(_hazard(message, site))
    if site is None:
        warnings.warn(message, TracerWarning, stacklevel=2)
        return
    module_globals = site.f_globals
    warnings.warn_explicit(
        message, TracerWarning, site.f_code.co_filename, site.f_lineno,
        module=module_globals.get("__name__", "<unknown>"),
        registry=module_globals.setdefault("__warningregistry__", {}),
        # Without a file (`python -c`) the loader cannot give the source line: skip it.
        module_globals=module_globals if "__file__" in module_globals else None,
    )  # fmt: skip
