"""Graphs printed by torch.jit (the oracle) for the IR text tests: scripted and traced."""

from __future__ import annotations

import functools
import sys
import warnings
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.corpus.script_programs import CASES  # noqa: E402
from tests.corpus.trace_programs import TRACE_CASES  # noqa: E402


class Pair(NamedTuple):
    a: int
    b: str


def _strings(s: str) -> str:
    t = "tab\there \"quoted\" back\\slash 'single' é ✓ \x01\x7f"
    return s + t


def _floats(x: float) -> List[float]:
    return [x, 0.1, 1e-10, 1e20, -0.0, 2.0, 3.0000000001, 1e16, 2.5e-7, float("inf"), -1.5]


def _containers(d: Dict[str, List[int]], o: Optional[Tuple[int, str]]) -> Pair:
    if o is not None:
        return Pair(o[0] + len(d), o[1])
    return Pair(len(d), "none")


def _nested_loops(n: int, x: torch.Tensor) -> torch.Tensor:
    for i in range(n):
        j = 0
        while j < i:
            if j % 2 == 0:
                x = x + j
            else:
                x = x * 2
            j += 1
    return x


def _complex_and_device(z: complex, x: torch.Tensor) -> Tuple[complex, torch.device, int]:
    return z * (1 - 2j), x.device, x.dtype


class _Inner(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 2)
        self.scale = 2.5

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x) * self.scale


class _Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = _Inner()
        self.names: List[str] = ["a", "b"]

    def forward(self, x: torch.Tensor, flag: bool) -> torch.Tensor:
        y = self.inner(x)
        if flag:
            y = torch.relu(y)
        return y + len(self.names)


EXTRA_FUNCTIONS = [_strings, _floats, _containers, _nested_loops, _complex_and_device]


def _trace_extras() -> list[tuple[str, torch.jit.ScriptModule]]:
    def consts(x: torch.Tensor) -> torch.Tensor:
        return x + torch.tensor([1.5, -2.25, 3.0]) + torch.tensor([[1, 2, 3], [4, 5, 6]]) * 0.1

    captured = torch.arange(12.0).reshape(3, 4)

    def big(x: torch.Tensor) -> torch.Tensor:
        return x + captured  # a captured tensor of 12 elements prints as `<Tensor>`

    x = torch.ones(3, 4)
    return [
        ("trace_consts", torch.jit.trace(consts, (torch.ones(2, 3),))),
        ("trace_big_const", torch.jit.trace(big, (x,))),
        ("trace_module", torch.jit.trace(_Inner(), (torch.ones(4, 3),))),
    ]


@functools.cache
def scripted() -> list[tuple[str, torch._C.Graph]]:
    """(name, graph) for every corpus function torch.jit scripts, plus a few extras."""
    out = []
    fns = [c.fn for c in CASES if c.torchscript_ok] + EXTRA_FUNCTIONS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn in fns:
            try:
                out.append((fn.__name__, torch.jit.script(fn).graph))
            except Exception:  # noqa: BLE001 - the corpus marks some as torch.jit-compatible loosely
                continue
        module = torch.jit.script(_Outer())
        out.append(("module_outer", module.graph))
        out.append(("module_inner", module.inner.graph))
    return out


def _has_forward(m: torch.jit.ScriptModule) -> bool:
    return m._c._has_method("forward")


@functools.cache
def traced() -> list[tuple[str, torch._C.Graph]]:
    """(name, graph) for every trace corpus case, its submodules, and a few extras."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traces = [(c.name, torch.jit.trace(c.make(), c.example, check_trace=False))
                  for c in TRACE_CASES]  # fmt: skip
        for name, t in traces + _trace_extras():
            out.append((name, t.graph))
            if isinstance(t, torch.jit.ScriptModule):
                subs = [(f"{name}.{n}", m) for n, m in t.named_modules() if n]
                out.extend((n, m.graph) for n, m in subs if _has_forward(m))
    return out


@functools.cache
def propagated() -> list[tuple[str, torch._C.Graph]]:
    """Scripted graphs after torch's constant propagation: list, tuple, dict, enum constants."""
    out = []
    for name, graph in scripted():
        g = graph.copy()
        torch._C._jit_pass_constant_propagation(g)
        if str(g) != str(graph):
            out.append((f"{name}.propagated", g))
    return out


def texts(print_source_ranges: bool = True) -> list[tuple[str, str]]:
    """Every oracle graph as text."""
    graphs = scripted() + traced() + propagated()
    return [(n, g.str(print_source_ranges)) for n, g in graphs]
