"""Traced models: hybridjit.trace vs torch.jit.trace vs eager, batch 1.

Run as `python benchmarks/bench_trace.py [--quick]`.  One process; every round calls each
contender once per model (round-robin, so drift in machine load hits all alike); the table
shows the median time per call and its ratio to eager.

Models: the tutorial's Net (traced top level calling a traced function, a scripted function,
a traced module and a scripted module), and a 3-layer MLP module (8 -> 64 -> 64 -> 3).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import runpy
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

import hybridjit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import bench, print_header, print_row  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "seed_tutorial.py"


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(8, 64), nn.Linear(64, 64), nn.Linear(64, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def _product(x: torch.Tensor) -> torch.Tensor:
    z = torch.ones([1], dtype=torch.int64)
    for i in range(int(x)):
        z = z * (i + 1)
    return z


def _halve_even(x: torch.Tensor) -> torch.Tensor:
    r = -x
    if int(torch.fmod(x, 2.0)) == 0.0:
        r = x / 2.0
    return r


class EagerNet(nn.Module):
    """The tutorial's Net in plain eager PyTorch."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _product(torch.abs(2 * x)).type(torch.float32)
        return _halve_even(torch.floor(torch.sqrt(x) / 5.0))


class TorchNet(nn.Module):
    """The tutorial's Net built from torch.jit pieces (the contender hybridjit replaces)."""

    def __init__(self) -> None:
        super().__init__()

        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.abs(2 * x)

        @torch.jit.script
        def script_fn(x: torch.Tensor) -> torch.Tensor:
            z = torch.ones([1], dtype=torch.int64)
            for i in range(int(x)):
                z = z * (i + 1)
            return z

        class Floor(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                x = x.type(torch.float32)
                return torch.floor(torch.sqrt(x) / 5.0)

        class Branch(torch.jit.ScriptModule):
            @torch.jit.script_method
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                r = -x
                if int(torch.fmod(x, 2.0)) == 0.0:
                    r = x / 2.0
                return r

        self.fn = torch.jit.trace(fn, torch.rand(()))
        self.script_fn = script_fn
        self.traced_module = torch.jit.trace(Floor(), torch.rand(()))
        self.script_module = Branch()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fn(x)
        x = self.script_fn(x)
        return self.script_module(self.traced_module(x))


def tutorial_contenders() -> dict[str, Callable[..., Any]]:
    with contextlib.redirect_stdout(io.StringIO()):
        tutorial = runpy.run_path(str(EXAMPLE), run_name="seed_tutorial")
    x = torch.tensor([5])
    return {
        "eager": EagerNet(),
        "torch.jit": torch.jit.trace(TorchNet(), x),
        "hybridjit": tutorial["n_traced"],
    }


def scripted_tutorial_contenders() -> dict[str, Callable[..., Any]]:
    with contextlib.redirect_stdout(io.StringIO()):
        tutorial = runpy.run_path(str(EXAMPLE), run_name="seed_tutorial")
    return {
        "eager": EagerNet(),
        "torch.jit": torch.jit.script(TorchNet()),
        "hybridjit": hybridjit.script(tutorial["n"]),
    }


def scripted_mlp_contenders() -> dict[str, Callable[..., Any]]:
    model = MLP().eval()
    return {
        "eager": model,
        "torch.jit": torch.jit.script(model),
        "hybridjit": hybridjit.script(model),
    }


def mlp_contenders() -> dict[str, Callable[..., Any]]:
    model, x = MLP().eval(), torch.randn(1, 8)
    return {
        "eager": model,
        "torch.jit": torch.jit.trace(model, x),
        "hybridjit": hybridjit.trace(model, x),
    }


MODELS: list[tuple[str, Callable[[], dict[str, Callable[..., Any]]], tuple[Any, ...]]] = [
    ("traced Net (x=5)", tutorial_contenders, (torch.tensor([5]),)),
    ("scripted Net (x=5)", scripted_tutorial_contenders, (torch.tensor([5]),)),
    ("traced MLP, b=1", mlp_contenders, (torch.randn(1, 8),)),
    ("scripted MLP, b=1", scripted_mlp_contenders, (torch.randn(1, 8),)),
]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    rounds = 15 if parser.parse_args(argv).quick else 61
    names = ["eager", "torch.jit", "hybridjit"]
    print_header("model", names, "hj/jit")
    for title, make, args in MODELS:
        print_row(title, bench(make(), args, rounds), names, ("hybridjit", "torch.jit"))
    print("(each cell: median time per call, and in parentheses its ratio to eager)")


if __name__ == "__main__":
    main(sys.argv[1:])
