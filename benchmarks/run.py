"""Executor benchmarks: hybridjit codegen and interpreter vs torch.jit.script vs eager.

Run as `python benchmarks/run.py [--quick]`.  One process; each round calls every contender
once per program (round-robin, so drift in machine load hits all alike); the table shows the
median time per call and its ratio to eager.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor

import hybridjit
from hybridjit.runtime.function import function_from_graph

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import bench, print_header, print_row  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)
torch.set_num_threads(1)


def script_fn(x: Tensor) -> Tensor:
    z = torch.ones([1], dtype=torch.int64)
    for i in range(int(x)):
        z = z * (i + 1)
    return z


def int_loop(n: int) -> int:
    acc = 0
    for i in range(n):
        acc = (acc + i * 3) % 1000003
        if i % 7 == 0:
            acc = acc - i // 7
    return acc


def lstm_loop(xs: Tensor, h: Tensor, c: Tensor, w_ih: Tensor, w_hh: Tensor, b: Tensor) -> Tensor:
    for t in range(xs.size(0)):
        gates = torch.mm(xs[t], w_ih.t()) + torch.mm(h, w_hh.t()) + b
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    return h


def mlp(
    x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, w3: Tensor, b3: Tensor
) -> Tensor:
    x = F.relu(F.linear(x, w1, b1))
    x = F.relu(F.linear(x, w2, b2))
    return F.linear(x, w3, b3)


def _lstm_inputs() -> tuple[Tensor, ...]:
    hidden = 128
    return (torch.randn(64, 1, hidden), torch.zeros(1, hidden), torch.zeros(1, hidden),
            torch.randn(4 * hidden, hidden) * 0.1, torch.randn(4 * hidden, hidden) * 0.1,
            torch.zeros(4 * hidden))  # fmt: skip


def _mlp_inputs() -> tuple[Tensor, ...]:
    sizes = [256, 512, 512, 10]
    args: list[Tensor] = [torch.randn(1, sizes[0])]
    for a, b in zip(sizes, sizes[1:]):
        args += [torch.randn(b, a) * 0.05, torch.zeros(b)]
    return tuple(args)


PROGRAMS: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
    ("script_fn(x=5)", script_fn, (torch.tensor([5]),)),
    ("script_fn(x=20)", script_fn, (torch.tensor([20]),)),
    ("int loop (1000)", int_loop, (1000,)),
    ("LSTM cell x64", lstm_loop, _lstm_inputs()),
    ("MLP 3 layers", mlp, _mlp_inputs()),
]


def contenders(fn: Callable[..., Any]) -> dict[str, Callable[..., Any]]:
    scripted = hybridjit.script(fn)
    return {
        "eager": fn,
        "torch.jit": torch.jit.script(fn),
        "hj codegen": scripted,
        "hj interp": function_from_graph(scripted.graph, "interpreter"),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    rounds = 15 if parser.parse_args(argv).quick else 61
    names = ["eager", "torch.jit", "hj codegen", "hj interp"]
    print_header("program", names, "codegen/jit")
    for title, fn, args in PROGRAMS:
        medians = bench(contenders(fn), args, rounds)
        print_row(title, medians, names, ("hj codegen", "torch.jit"))
    print("(each cell: median time per call, and in parentheses its ratio to eager)")


if __name__ == "__main__":
    main(sys.argv[1:])
