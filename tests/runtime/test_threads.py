"""Compiles, calls, traces and save/load from 8 threads at once stay correct.

Every test starts its 8 workers together on a `threading.Barrier`, so the compile caches
(`compiler._FUNCTIONS` and friends), the tracer's state stack and the executors are hit
concurrently; each worker checks its own result against eager.
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import torch

import hybridjit

THREADS = 8


def in_threads(work: Callable[[int], Any], n: int = THREADS) -> list[Any]:
    """`work(i)` for i in range(n), on n threads released together; results in order."""
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return [f.result(timeout=60) for f in [pool.submit(run, i) for i in range(n)]]


def make_function(k: int) -> Callable[[torch.Tensor, int], torch.Tensor]:
    """A distinct function object per k (same code, its own closure cell)."""

    def f(x: torch.Tensor, n: int) -> torch.Tensor:
        y = x
        for i in range(n):
            if i % 2 == 0:
                y = y * k + i
            else:
                y = torch.relu(y - k)
        return y

    return f


def shared(x: torch.Tensor, n: int) -> torch.Tensor:
    total = x * 0.0
    for i in range(n):
        total = total + x * float(i)
    return total + _shared_helper(x, n)


def _shared_helper(x: torch.Tensor, n: int) -> torch.Tensor:
    if n > 2:
        return x - float(n)
    return x + 1.0


def test_scripting_distinct_and_shared_functions_concurrently() -> None:
    fns = [make_function(k) for k in range(THREADS)]

    def work(i: int) -> tuple[Any, Any]:
        own = hybridjit.script(fns[i])
        same = hybridjit.script(shared)
        x = torch.arange(4.0) - 1.5
        for n in range(5):
            assert torch.equal(own(x, n), fns[i](x, n)), (i, n)
            assert torch.equal(same(x, n), shared(x, n)), (i, n)
        return own, same

    for _ in range(3):  # fresh caches each round, so the compiles really race
        from hybridjit.frontend.script import compiler

        compiler.clear_caches()
        results = in_threads(work)
        owns = [r[0] for r in results]
        assert len({id(s) for s in owns}) == THREADS  # no closure handed to another thread
        x = torch.ones(3)
        for k, sf in enumerate(owns):
            assert torch.equal(sf(x, 1), x * k)


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(4, 3)

    def forward(self, x: torch.Tensor, n: int) -> torch.Tensor:
        y = self.lin(x)
        for _ in range(n):
            y = torch.tanh(y) * 2.0
        return y


def test_calling_one_function_and_module_from_threads() -> None:
    torch.manual_seed(0)
    net = Net().eval()
    scripted_net = hybridjit.script(net)
    fn = hybridjit.script(shared)
    callables = {
        "codegen": fn,
        "interpreter": fn.using("interpreter"),
    }
    inputs = [(torch.randn(2, 4) + i, i % 5) for i in range(THREADS)]

    def work(i: int) -> None:
        x, n = inputs[i]
        with torch.no_grad():
            expected_net = net(x, n)
        for _ in range(20):
            for name, f in callables.items():
                assert torch.equal(f(x, n), shared(x, n)), (name, i)
            with torch.no_grad():
                assert torch.allclose(scripted_net(x, n), expected_net), i

    in_threads(work)


def test_tracing_in_threads_records_only_its_own_ops() -> None:
    seen: dict[int, list[bool]] = {}
    ops = ["aten::sin", "aten::cos", "aten::exp", "aten::tanh",
           "aten::sigmoid", "aten::neg", "aten::abs", "aten::relu"]  # fmt: skip

    def make(i: int) -> Callable[[torch.Tensor], torch.Tensor]:
        op = getattr(torch, ops[i].split("::")[1])

        def f(x: torch.Tensor) -> torch.Tensor:
            seen.setdefault(i, []).append(hybridjit.is_tracing())
            y = x
            for _ in range(30):
                y = op(y) * 0.5
            return y

        return f

    fns = [make(i) for i in range(THREADS)]

    def work(i: int) -> None:
        x = torch.randn(3)
        if i % 2:  # half the threads only call eager code while the others trace
            for _ in range(30):
                assert not hybridjit.is_tracing()
                fns[i](x)
            return
        traced = hybridjit.trace(fns[i], (x,), check_trace=False)
        kinds = {n.kind for n in traced.graph.nodes()}
        assert ops[i] in kinds, (i, kinds)
        assert not (kinds & (set(ops) - {ops[i]})), (i, kinds)
        x2 = torch.randn(3)
        assert torch.allclose(traced(x2), fns[i](x2))
        assert not hybridjit.is_tracing()

    in_threads(work)
    for i, flags in seen.items():
        if i % 2:
            assert not any(flags), i  # another thread's trace is not this thread's
        else:
            assert flags[0] is True and not any(flags[1:]), (i, flags)


def test_save_and_load_in_threads() -> None:
    fns = [make_function(k) for k in range(THREADS)]
    scripted = [hybridjit.script(f) for f in fns]

    def work(i: int) -> None:
        for _ in range(3):
            buffer = io.BytesIO()
            hybridjit.save(scripted[i], buffer)
            loaded = hybridjit.load(io.BytesIO(buffer.getvalue()))
            x = torch.arange(3.0)
            for n in range(4):
                assert torch.equal(loaded(x, n), fns[i](x, n)), (i, n)

    in_threads(work)
