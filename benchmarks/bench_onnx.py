"""onnxruntime backend vs hybridjit codegen vs eager: CPU time per call, interleaved.

Run as `python benchmarks/bench_onnx.py [rounds] [--torchvision] [--only PROGRAM]`
(`--torchvision`: three torchvision models instead of the programs below; `--only`, repeatable:
just these programs).  One process; 1 thread everywhere (`torch.set_num_threads(1)`,
onnxruntime intra-op 1); contenders interleaved round by round;
median CPU time (`time.process_time`, all threads of the process) per call; ratios are
eager / contender (higher is faster).  Also reports, per program and apart from the
per-call times, the one-off cost of the first call's ONNX export and of creating the
onnxruntime session (wall time, ms).

Each of the LSTM, greedy and MLP programs runs twice: as a function given its weights as
arguments, and as an `nn.Module` holding them as parameters (how models are written), which
the export turns into initializers.

The `bare ort` column is the ceiling of any onnxruntime backend on this machine: the same
session run through IO binding with its inputs bound once, outside the timing, with nothing
of hybridjit's per-call work (argument checks, torch <-> onnxruntime tensors, error output).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import torch

import hybridjit

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
torch.manual_seed(0)


def lstm_loop(xs, h, c, w_ih, w_hh, b):
    for t in range(xs.size(0)):
        gates = torch.mm(xs[t], w_ih) + torch.mm(h, w_hh) + b
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    return h


def greedy(h, w, emb, max_len: int):
    tok = 0
    n = 0
    while n < max_len:
        logits = torch.mm(h, w)
        tok = int(logits.argmax())
        h = torch.tanh(h + emb[tok].unsqueeze(0))
        n += 1
        if tok == 3:
            break
    return h, n


def mlp(x, w1, b1, w2, b2, w3, b3):
    x = torch.relu(torch.nn.functional.linear(x, w1, b1))
    x = torch.relu(torch.nn.functional.linear(x, w2, b2))
    return torch.nn.functional.linear(x, w3, b3)


def chain(x):
    return ((((x * 2.0 + 1.0).relu() - 0.5).abs() * 3.0).sigmoid() + x).tanh() * 0.5


def script_fn(x):
    z = torch.ones([1], dtype=torch.int64)
    for i in range(int(x)):
        z = z * (i + 1)
    return z


H = 128


class LSTMLoop(torch.nn.Module):
    """`lstm_loop` with its weights as parameters: exported as initializers, which
    onnxruntime pre-packs for its matrix products."""

    def __init__(self) -> None:
        super().__init__()
        self.w_ih = torch.nn.Parameter(torch.randn(H, 4 * H) * 0.1)
        self.w_hh = torch.nn.Parameter(torch.randn(H, 4 * H) * 0.1)
        self.b = torch.nn.Parameter(torch.zeros(4 * H))

    def forward(self, xs, h, c):
        return lstm_loop(xs, h, c, self.w_ih, self.w_hh, self.b)


class Greedy(torch.nn.Module):
    """`greedy` with its projection and embedding as parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(H, 64) * 0.1)
        self.emb = torch.nn.Parameter(torch.randn(64, H) * 0.1)

    def forward(self, h, max_len: int):
        return greedy(h, self.w, self.emb, max_len)


def mlp_module() -> torch.nn.Module:
    layers = [torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
              torch.nn.Linear(256, 256)]  # fmt: skip
    return torch.nn.Sequential(*layers).eval()


PROGRAMS: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
    "lstm 64x128": (lstm_loop, (torch.randn(64, 1, H), torch.zeros(1, H), torch.zeros(1, H),
                                torch.randn(H, 4 * H) * 0.1, torch.randn(H, 4 * H) * 0.1,
                                torch.zeros(4 * H))),
    "greedy decode": (greedy, (torch.randn(1, H), torch.randn(H, 64) * 0.1,
                               torch.randn(64, H) * 0.1, 48)),
    "lstm module": (LSTMLoop(), (torch.randn(64, 1, H), torch.zeros(1, H), torch.zeros(1, H))),
    "greedy module": (Greedy(), (torch.randn(1, H), 48)),
    "mlp module b1": (mlp_module(), (torch.randn(1, 256),)),
    "mlp 3x256 b1": (mlp, (torch.randn(1, 256), *(t for _ in range(3) for t in
                                                 (torch.randn(256, 256) * 0.05, torch.zeros(256))))),
    "mlp 3x256 b64": (mlp, (torch.randn(64, 256), *(t for _ in range(3) for t in
                                                  (torch.randn(256, 256) * 0.05, torch.zeros(256))))),
    "chain 1e7": (chain, (torch.randn(10_000_000),)),
    "chain 1e5": (chain, (torch.randn(100_000),)),
    "script_fn(5)": (script_fn, (torch.tensor(5.0),)),
}  # fmt: skip


def cpu_per_call(fn: Callable[..., Any], args: tuple[Any, ...], number: int) -> float:
    start = time.process_time()
    for _ in range(number):
        fn(*args)
    return (time.process_time() - start) / number


def bench(
    runners: dict[str, Callable[..., Any]], args: tuple[Any, ...], rounds: int
) -> dict[str, float]:
    for run in runners.values():
        for _ in range(3):
            run(*args)
    t0 = time.perf_counter()
    runners["eager"](*args)
    one = max(time.perf_counter() - t0, 1e-7)
    number = max(5, int(0.02 / one))  # at least 5: the first call after another contender is cold
    samples: dict[str, list[float]] = {n: [] for n in runners}
    contenders = list(runners.items())
    with torch.no_grad():
        for r in range(rounds):  # each round starts with the next contender: none always
            k = r % len(contenders)  # follows the same one (a big model leaves cold caches)
            for name, run in contenders[k:] + contenders[:k]:
                samples[name].append(cpu_per_call(run, args, number))
    return {n: statistics.median(s) for n, s in samples.items()}


def setup_times(ort: Any, args: tuple[Any, ...]) -> tuple[float, float]:
    """Seconds spent exporting `ort`'s program for `args`, and creating its session."""
    from hybridjit.backends.onnx import backend

    real = backend._Session.__init__
    spent = [0.0]

    def timed(self: Any, *a: Any, **k: Any) -> None:
        t = time.perf_counter()
        real(self, *a, **k)
        spent[0] += time.perf_counter() - t

    backend._Session.__init__ = timed  # type: ignore[method-assign]
    try:
        t0 = time.perf_counter()
        ort.session_for(args)
        total = time.perf_counter() - t0
    finally:
        backend._Session.__init__ = real  # type: ignore[method-assign]
    return total - spent[0], spent[0]


def bare_session(ort: Any, args: tuple[Any, ...]) -> Callable[..., Any]:
    """onnxruntime alone on the session `ort` uses for `args`: inputs bound once (IO
    binding), outputs bound afresh per run as the runner does, nothing converted."""
    from hybridjit.backends.onnx.exporter import feeds as make_feeds

    session = ort.session_for(args)
    binding = session.session.io_binding()
    for name, value in make_feeds(session.in_spec, args).items():
        binding.bind_cpu_input(name, value)
    names, run = session.output_names, session._sess.run_with_iobinding
    options = session.run_options

    def bare(*_: Any) -> None:
        for name in names:
            binding.bind_output(name)
        run(binding._iobinding, options)

    return bare


def torchvision_programs() -> dict[str, tuple[Callable[..., Any], tuple[Any, ...]]]:
    """torchvision's resnet18, mobilenet_v3_small and efficientnet_b0 (random weights, eval)
    on one 224 x 224 image, through the test suite's shim (see tests/zoo)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.zoo.torchvision_shim import import_torchvision

    models = import_torchvision().models
    image = (torch.randn(1, 3, 224, 224),)
    return {name: (getattr(models, name)().eval(), image)
            for name in ("resnet18", "mobilenet_v3_small", "efficientnet_b0")}  # fmt: skip


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=15)
    parser.add_argument(
        "--torchvision",
        action="store_true",
        help="three torchvision models instead of the programs",
    )
    parser.add_argument(
        "--only", action="append", metavar="PROGRAM", help="run only this program (repeatable)"
    )
    opts = parser.parse_args(argv)
    programs = torchvision_programs() if opts.torchvision else PROGRAMS
    if opts.only:
        unknown = sorted(set(opts.only) - set(programs))
        if unknown:
            parser.error(f"unknown program(s) {unknown}; choose from {sorted(programs)}")
        programs = {name: programs[name] for name in opts.only}
    rounds = opts.rounds
    names = ["eager", "codegen", "onnxruntime", "bare ort"]
    print(f"{'program':16}" + "".join(f"{n:>22}" for n in names) + f"{'export':>10}{'session':>10}")
    for title, (fn, args) in programs.items():
        scripted = hybridjit.script(fn)
        ort = hybridjit.compile(scripted, backend="onnxruntime", threads=1)
        export_s, session_s = setup_times(ort, args)
        for a, b in zip(_flat(ort(*args)), _flat(fn(*args))):
            assert torch.allclose(
                torch.as_tensor(a).double(), torch.as_tensor(b).double(), atol=1e-4
            ), title
        runners = {
            "eager": fn,
            "codegen": scripted,
            "onnxruntime": ort,
            "bare ort": bare_session(ort, args),
        }
        med = bench(runners, args, rounds)
        cells = "".join(f"{med[n] * 1e6:12.1f}µs ({med['eager'] / med[n]:5.2f}x)" for n in names)
        print(f"{title:16}{cells}{export_s * 1e3:8.0f}ms{session_s * 1e3:8.0f}ms", flush=True)


def _flat(x: Any) -> list[Any]:
    return [y for z in x for y in _flat(z)] if isinstance(x, (tuple, list)) else [x]


if __name__ == "__main__":
    main(sys.argv[1:])
