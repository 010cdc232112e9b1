"""The tracing state: frames being recorded, the tensor -> Value maps, where user code is.

One `TracingState` lives while `hybridjit.trace` runs user code.  It holds a stack of `Frame`s:
the function or module method being recorded, plus one per submodule call in progress (each
submodule call is traced into its own method graph, as torch.jit does).  A frame maps Python
objects (by identity) to the `Value` that holds them in its graph.
"""

from __future__ import annotations

import bisect
import contextlib
import linecache
import os
import sys
import threading
import types
from typing import Any, Callable, Iterator

import torch

from hybridjit.ir.graph import Graph, SourceRange, Value


class _Stacks(threading.local):
    """The traces active on each thread: a trace records only the thread that runs it."""

    def __init__(self) -> None:
        self.stack: list[TracingState] = []


_STACKS = _Stacks()

# Frames in these files are plumbing, not the user's code: source ranges and warnings skip them.
_HYBRIDJIT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__))
_PLUMBING_FILES = {
    contextlib.__file__,
    *(os.path.join(_TORCH_DIR, *p)
    for p in (("overrides.py",), ("_tensor.py",), ("nn", "modules", "module.py"),
              ("utils", "_contextlib.py"), ("_jit_internal.py",))),
}  # fmt: skip


def current() -> TracingState | None:
    """The innermost active trace, or None when nothing is being traced."""
    stack = _STACKS.stack
    return stack[-1] if stack else None


def is_tracing() -> bool:
    """True while `hybridjit.trace` is running user code (and not inside a called graph)."""
    state = current()
    return state is not None and not state.paused


def is_plumbing(filename: str) -> bool:
    """Whether a frame of `filename` is hybridjit's or torch's plumbing, not user code."""
    return filename.startswith(_HYBRIDJIT_DIR) or filename in _PLUMBING_FILES


def user_frame() -> types.FrameType | None:
    """The innermost Python frame that belongs to the code being traced."""
    frame = sys._getframe(1)
    while frame is not None and is_plumbing(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


# Per code object: the start offsets of its line-table ranges, and each range's line.
_LINE_TABLES: dict[types.CodeType, tuple[list[int], list[int | None]]] = {}


def line_number(frame: types.FrameType) -> int:
    """`frame.f_lineno`, in time logarithmic in the function's length.

    CPython 3.11 computes `f_lineno` by scanning the code's line table from its start, which
    made tracing an n-statement function take time quadratic in n; the table is read once
    per code object here and searched by the frame's instruction offset.
    """
    code = frame.f_code
    table = _LINE_TABLES.get(code)
    if table is None:
        ranges = [(start, line) for start, end, line in code.co_lines() if end > start]
        table = _LINE_TABLES[code] = ([r[0] for r in ranges], [r[1] for r in ranges])
        if len(_LINE_TABLES) > 256:  # a bounded cache: drop the oldest tables
            _LINE_TABLES.pop(next(iter(_LINE_TABLES), None), None)
    starts, lines = table
    i = bisect.bisect_right(starts, frame.f_lasti) - 1
    line = lines[i] if i >= 0 and frame.f_trace is None else None
    return line if line is not None else frame.f_lineno


class Frame:
    """One graph being recorded: a traced function, or one method of one module."""

    def __init__(self, graph: Graph, module: torch.nn.Module | None = None) -> None:
        self.graph = graph
        self.module = module
        self.self_value: Value | None = None
        self.values: dict[int, Value] = {}
        # GetAttr chains from %self, by attribute path, e.g. ("fc1", "weight").
        self.attrs: dict[tuple[str, ...], Value] = {}

    def bind(self, obj: Any, value: Value) -> Value:
        self.values[id(obj)] = value
        return value


class TracingState:
    """Everything one `trace` call needs while user code runs."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.paused = 0
        self._pinned: list[Any] = []  # objects whose id() is a key in some frame's map
        self._sources: dict[str, str | None] = {}
        self._site: types.FrameType | None = None
        # Module bookkeeping (see `modules`): types, attribute paths, traced methods by module.
        self.module_types: dict[int, Any] = {}
        self.instances_named: dict[str, int] = {}  # class name -> module types given it
        self.attr_paths: dict[int, dict[int, tuple[str, ...]]] = {}
        self.methods: dict[int, dict[str, tuple[Graph, str]]] = {}

    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    def pin(self, obj: Any) -> None:
        self._pinned.append(obj)

    def bind(self, obj: Any, value: Value) -> Value:
        self.pin(obj)
        return self.frame.bind(obj, value)

    # -- activation --------------------------------------------------------------------------
    @contextlib.contextmanager
    def active(self) -> Iterator[TracingState]:
        _STACKS.stack.append(self)
        try:
            yield self
        finally:
            _STACKS.stack.remove(self)

    @contextlib.contextmanager
    def pushed(self, frame: Frame) -> Iterator[Frame]:
        self.frames.append(frame)
        try:
            yield frame
        finally:
            self.frames.pop()

    @contextlib.contextmanager
    def pause(self) -> Iterator[None]:
        """Run eager code (a called graph, our own bookkeeping) without recording it."""
        self.paused += 1
        try:
            yield
        finally:
            self.paused -= 1

    def run_paused(self, fn: Callable[[], Any]) -> Any:
        with self.pause():
            return fn()

    # -- where in user code ------------------------------------------------------------------
    @contextlib.contextmanager
    def at_site(self) -> Iterator[None]:
        """Remember the user frame of the call being recorded (for names, ranges, warnings)."""
        saved = self._site
        self._site = user_frame()
        try:
            yield
        finally:
            self._site = saved

    @property
    def site(self) -> types.FrameType | None:
        return self._site if self._site is not None else user_frame()

    def source_range(self) -> SourceRange | None:
        site = self.site
        if site is None:
            return None
        filename = site.f_code.co_filename
        if filename not in self._sources:
            lines = linecache.getlines(filename, site.f_globals)
            self._sources[filename] = "".join(lines) if lines else None
        return SourceRange(filename, line_number(site), 0, source=self._sources[filename])

    def local_name_of(self, obj: Any) -> str | None:
        """The name of a local variable of the user frame that holds `obj`, as torch.jit names
        traced values (`x = x.type(...)` makes the result `%x` and the input `%x.1`)."""
        site = self.site
        if site is None:
            return None
        for name, value in site.f_locals.items():
            if value is obj and name.isidentifier() and name != "self":
                return name
        return None
