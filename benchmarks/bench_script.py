"""Scripting benchmarks: compile time and steady-state call time, hybridjit vs torch.jit.

Run as `python benchmarks/bench_script.py [rounds]`.

- First compile: each (program, compiler) pair is compiled once in a fresh Python process,
  after `import torch` and `import hybridjit`, several processes per pair, interleaved; the
  median is reported. hybridjit loads its script frontend on first use of `hybridjit.script`
  (torch loads torch.jit inside `import torch`), so that import is timed in its own column.
  The child processes may write bytecode (to a temporary `PYTHONPYCACHEPREFIX`, warmed by
  one throw-away process) as an installed package would have it.
- Recompiles and call times: one process; contenders interleaved round by round; medians
  and ratios (lower is better for hybridjit).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from typing import Any, Callable, List

import torch
from torch import nn

import hybridjit
from hybridjit.frontend.script.compiler import _FUNCTIONS

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import bench  # noqa: E402

warnings.filterwarnings("ignore")
torch.manual_seed(0)


def script_fn(x):
    z = torch.ones([1], dtype=torch.int64)
    for i in range(int(x)):
        z = z * (i + 1)
    return z


def lstm_loop(xs: torch.Tensor, h: torch.Tensor, c: torch.Tensor, w_ih: torch.Tensor,
              w_hh: torch.Tensor, b: torch.Tensor) -> torch.Tensor:  # fmt: skip
    """An LSTM cell unrolled over time by a data-dependent loop."""
    for t in range(xs.size(0)):
        gates = xs[t] @ w_ih.t() + h @ w_hh.t() + b
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    return h


def greedy_decode(h: torch.Tensor, w: torch.Tensor, max_len: int) -> List[int]:
    """Greedy decoding: a `while` loop that stops on a data-dependent token."""
    tokens: List[int] = []
    while len(tokens) < max_len:
        logits = torch.tanh(h @ w)
        tok = int(torch.argmax(logits))
        tokens.append(tok)
        if tok == 0:
            break
        h = logits
    return tokens


def _fresh_class(cls: type) -> type:
    """A new subclass, so neither compiler can reuse a type compiled in an earlier round."""
    return type(cls.__name__, (cls,), {"__module__": cls.__module__})


def _fresh_function(fn: Any) -> Any:
    import types

    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__)
    copy.__module__ = fn.__module__
    copy.__qualname__ = fn.__qualname__
    return copy


# One cold compile in a fresh process; prints {"import": s, "compile": s} as JSON.
_CHILD = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import torch
who, name = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if who == "torch.jit":
    compile_ = torch.jit.script
else:
    import hybridjit
    compile_ = hybridjit.script
t1 = time.perf_counter()
sys.path.insert(0, {bench_dir!r})
import bench_script as b
obj = b.SUBJECTS[name]()
t2 = time.perf_counter()
compile_(obj)
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "compile": t3 - t2}}))
"""

SUBJECTS: dict[str, Callable[[], Any]] = {
    "script_fn": lambda: script_fn,
    "nn.LSTM(64, 64)": lambda: nn.LSTM(64, 64),
    "nn.TransformerEncoderLayer": lambda: nn.TransformerEncoderLayer(64, 4),
}


def _child_env(pycache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": pycache, "OMP_NUM_THREADS": "1"}


def _cold_compile(who: str, name: str, env: dict[str, str]) -> dict[str, float]:
    code = _CHILD.format(bench_dir=os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code, who, name], env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def first_compile_times(processes: int) -> None:
    """Median over `processes` fresh processes per (program, compiler) of the first compile."""
    print(f"## First compile in a fresh process (ms, median of {processes} processes)")
    print(f"{'program':28} {'torch.jit':>10} {'hj import':>10} {'hybridjit':>10} "
          f"{'hj/jit':>7} {'(hj+import)/jit':>16}")  # fmt: skip
    with tempfile.TemporaryDirectory() as pycache:
        env = _child_env(pycache)
        _cold_compile("hybridjit", "script_fn", env)  # writes the bytecode cache
        for name in SUBJECTS:
            samples: dict[str, list[dict[str, float]]] = {"torch.jit": [], "hybridjit": []}
            for _ in range(processes):
                for who in samples:
                    samples[who].append(_cold_compile(who, name, env))
            jit = statistics.median(s["compile"] for s in samples["torch.jit"]) * 1e3
            hj = statistics.median(s["compile"] for s in samples["hybridjit"]) * 1e3
            imp = statistics.median(s["import"] for s in samples["hybridjit"]) * 1e3
            print(f"{name:28} {jit:10.2f} {imp:10.2f} {hj:10.2f} {hj / jit:7.2f} "
                  f"{(hj + imp) / jit:16.2f}")  # fmt: skip


def compile_times(rounds: int) -> None:
    """First compile in this process (cold), then the median over fresh subclasses / function
    objects, where both compilers may reuse what they compiled for the submodules before
    (torch.jit's concrete-type store, hybridjit's module-type cache)."""
    print(f"\n## Compile time in one process (ms): first, and median of {rounds} recompiles")
    print(f"{'program':28} {'jit first':>10} {'hj first':>10} {'jit':>8} {'hj':>8} {'ratio':>7}")
    subjects: dict[str, Callable[[], Any]] = {
        "script_fn": lambda: _fresh_function(script_fn),
        "nn.LSTM(64, 64)": lambda: _fresh_class(nn.LSTM)(64, 64),
        "nn.TransformerEncoderLayer": lambda: _fresh_class(nn.TransformerEncoderLayer)(64, 4),
    }
    for name, make in subjects.items():
        times: dict[str, list[float]] = {"torch.jit": [], "hybridjit": []}
        for _ in range(rounds + 1):
            for who, compile_ in (("torch.jit", torch.jit.script), ("hybridjit", hybridjit.script)):
                obj = make()
                if who == "hybridjit":
                    _FUNCTIONS.clear()  # functions are cached by code object, not by object
                t0 = time.perf_counter()
                compile_(obj)
                times[who].append(time.perf_counter() - t0)
        tj0, hj0 = times["torch.jit"][0] * 1e3, times["hybridjit"][0] * 1e3
        tj, hj = (statistics.median(times[k][1:]) * 1e3 for k in ("torch.jit", "hybridjit"))
        print(f"{name:28} {tj0:10.2f} {hj0:10.2f} {tj:8.2f} {hj:8.2f} {hj / tj:7.2f}")


def call_times(rounds: int) -> None:
    print(f"\n## Steady-state call time (us per call, median of {rounds} rounds)")
    print(f"{'program':28} {'eager':>10} {'torch.jit':>10} {'hybridjit':>10} "
          f"{'hj/eager':>9} {'hj/jit':>7}")  # fmt: skip
    lstm = nn.LSTM(64, 64).eval()
    layer = nn.TransformerEncoderLayer(64, 4).eval()
    seq, x = torch.randn(10, 4, 64), torch.tensor(5.0)
    xs, h, c = torch.randn(20, 4, 32), torch.zeros(4, 32), torch.zeros(4, 32)
    w_ih, w_hh, b = torch.randn(128, 32), torch.randn(128, 32), torch.randn(128)
    hd, wd = torch.randn(1, 16), torch.randn(16, 16)
    cases: dict[str, tuple[Any, tuple[Any, ...]]] = {
        "script_fn": (script_fn, (x,)),
        "nn.LSTM(64, 64)": (lstm, (seq,)),
        "nn.TransformerEncoderLayer": (layer, (seq,)),
        "lstm-style loop": (lstm_loop, (xs, h, c, w_ih, w_hh, b)),
        "greedy decoding (while)": (greedy_decode, (hd, wd, 30)),
    }
    with torch.no_grad():
        for name, (obj, args) in cases.items():
            tj = torch.jit.script(obj)
            contenders = {"eager": obj, "torch.jit": tj, "hybridjit": hybridjit.script(obj)}
            try:
                tj(*args)
            except Exception:  # noqa: BLE001 - torch.jit 2.13 cannot call a scripted nn.LSTM
                del contenders["torch.jit"]
            result = bench(contenders, args, rounds)
            e, m = result["eager"] * 1e6, result["hybridjit"] * 1e6
            t = result.get("torch.jit", float("nan")) * 1e6
            print(f"{name:28} {e:10.1f} {t:10.1f} {m:10.1f} {m / e:9.2f} {m / t:7.2f}")


def main(argv: list[str]) -> None:
    rounds = int(argv[1]) if len(argv) > 1 else 7
    torch.set_num_threads(1)
    first_compile_times(max(3, rounds // 2))
    compile_times(rounds)  # first, so the first compiles are cold for both compilers
    call_times(rounds)


if __name__ == "__main__":
    main(sys.argv)
