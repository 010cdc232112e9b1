"""The one timing harness every benchmark uses.

Contenders are interleaved round-robin (each round calls every contender once, so drift in
machine load hits all alike); the result is the median time per call.  No timing assertion
lives in the tests: the numbers are read from these tables.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Sequence

import torch

Runner = Callable[..., Any]


def time_per_call(fn: Runner, args: tuple[Any, ...], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn(*args)
    return (time.perf_counter() - start) / number


def bench(runners: dict[str, Runner], args: tuple[Any, ...], rounds: int,
          warmup: int = 5) -> dict[str, float]:  # fmt: skip
    """Median seconds per call of each runner on `args`."""
    for run in runners.values():  # warm up (torch.jit profiles its first calls)
        for _ in range(warmup):
            run(*args)
    first = next(iter(runners.values()))
    number = max(1, int(2e-3 / max(time_per_call(first, args, 1), 1e-7)))
    samples: dict[str, list[float]] = {name: [] for name in runners}
    with torch.no_grad():
        for _ in range(rounds):
            for name, run in runners.items():
                samples[name].append(time_per_call(run, args, number))
    return {name: statistics.median(s) for name, s in samples.items()}


def print_header(title: str, names: Sequence[str], ratio_title: str) -> None:
    print(f"{title:20}" + "".join(f"{n:>20}" for n in names) + f"{ratio_title:>14}")


def print_row(title: str, medians: dict[str, float], names: Sequence[str],
              ratio: tuple[str, str]) -> None:  # fmt: skip
    """One table row: each cell is `time (ratio to the first contender)`."""
    base = medians[names[0]]
    cells = "".join(f"{medians[n] * 1e6:10.1f}µs ({medians[n] / base:5.2f})" for n in names)
    print(f"{title:20}{cells}{medians[ratio[0]] / medians[ratio[1]]:14.2f}")
