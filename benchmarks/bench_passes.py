"""Scaling benchmarks for the IR: constant pooling, the printer and the parser.

Run as `python benchmarks/bench_passes.py [--quick] [--max N]`.

Each row times one operation on a graph of `n` nodes (or inputs) in one process, as CPU time
(`time.process_time`), the median of a few rounds; building the graph is not timed.  The
`per-n` column is the time per node relative to the smallest size of the same case: 1.00
means linear growth, a quadratic operation doubles it with every doubling of `n`.

- `constant_pooling`: `n` int constants interleaved with the adds that use them (half of
  them duplicates), so pooling must hoist every constant past other nodes and merge half.
- `print wide` / `parse wide`: one `prim::ListConstruct` with `n` inputs (issue 12 measured
  a 100,000-argument op).
- `print consts` / `parse consts`: `n` unused `prim::Constant`s (issue 12: 200,000 of them).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Callable

from hybridjit.ir.graph import Graph
from hybridjit.ir.parser import parse_ir
from hybridjit.ir.types import IntType, ListType
from hybridjit.passes.constant_pooling import constant_pooling

POOLING_SIZES = (1000, 2000, 4000, 8000)
TEXT_SIZES = (1000, 2000, 4000, 8000, 100_000)

# A case builds its input (untimed) and returns the operation to time on it.
Case = Callable[[int], Callable[[], object]]


def pooling_graph(n: int) -> Graph:
    """`y = y + c_i` for `n` constants `c_i`, each placed right before its use."""
    g = Graph()
    y = g.add_input(IntType, "x")
    for i in range(n):
        c = g.constant(i % max(1, n // 2), IntType)
        y = g.insert_node("aten::add", [y, c], [IntType]).output
    g.register_output(y)
    return g


def wide_graph(n: int) -> Graph:
    """One node with `n` inputs."""
    g = Graph()
    x = g.add_input(IntType, "x")
    g.register_output(g.insert_node("prim::ListConstruct", [x] * n, [ListType(IntType)]).output)
    return g


def constants_graph(n: int) -> Graph:
    """`n` constants that nothing uses."""
    g = Graph()
    g.register_output(g.add_input(IntType, "x"))
    for i in range(n):
        g.constant(i, IntType)
    return g


def pooling_case(n: int) -> Callable[[], object]:
    g = pooling_graph(n)
    return lambda: constant_pooling(g)


def print_case(build: Callable[[int], Graph]) -> Case:
    return lambda n: build(n).__str__


def parse_case(build: Callable[[int], Graph]) -> Case:
    def make(n: int) -> Callable[[], object]:
        text = str(build(n))
        return lambda: parse_ir(text)

    return make


CASES: list[tuple[str, Case, tuple[int, ...]]] = [
    ("constant_pooling", pooling_case, POOLING_SIZES),
    ("print wide", print_case(wide_graph), TEXT_SIZES),
    ("parse wide", parse_case(wide_graph), TEXT_SIZES),
    ("print consts", print_case(constants_graph), TEXT_SIZES),
    ("parse consts", parse_case(constants_graph), TEXT_SIZES),
]


def cpu_time(case: Case, n: int, rounds: int) -> float:
    """Median CPU seconds of the operation, each round on a freshly built input."""
    samples = []
    for _ in range(rounds):
        op = case(n)
        start = time.process_time()
        op()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one round per row")
    parser.add_argument("--max", type=int, default=None, help="skip sizes above this")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else 3
    parse_ir(str(pooling_graph(10)))  # warm up: the first parse loads the operator registry
    print(f"{'case':20}{'n':>9}{'CPU time':>14}{'per-n':>9}")
    for title, case, sizes in CASES:
        base: float | None = None
        for n in sizes:
            if args.max is not None and n > args.max:
                continue
            t = cpu_time(case, n, rounds)
            base = t / n if base is None else base
            print(f"{title:20}{n:>9}{t * 1e3:>12.1f}ms{t / n / base:>9.2f}", flush=True)
    print("(per-n: time per node relative to the smallest size; 1.00 is linear)")


if __name__ == "__main__":
    main(sys.argv[1:])
