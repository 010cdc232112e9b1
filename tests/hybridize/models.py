"""Eager models with data-dependent control flow, written for `hybridize`'s tests.

Nothing here is decorated: `hybridize` must find what to trace and what to script.  Each
entry of `CASES` gives the model, one example input, inputs that change its control flow,
and the parts the report must name as scripted.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, List

import torch
from tests.hybridize import helpers
from torch import nn

# --- the tutorial's Net, in plain eager PyTorch --------------------------------------------


def fn(x):
    return torch.abs(2 * x)


def script_fn(x):
    z = torch.ones([1], dtype=torch.int64)
    for i in range(int(x)):
        z = z * (i + 1)
    return z


class TracedModule(nn.Module):
    def forward(self, x):
        x = x.type(torch.float32)
        return torch.floor(torch.sqrt(x) / 5.0)


class ScriptModule(nn.Module):  # the tutorial's name; a plain nn.Module here
    def forward(self, x):
        r = -x
        if int(torch.fmod(x, 2.0)) == 0.0:
            r = x / 2.0
        return r


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.traced_module = TracedModule()
        self.script_module = ScriptModule()

    def forward(self, x):
        x = fn(x)
        x = script_fn(x)
        x = self.traced_module(x)
        x = self.script_module(x)
        return x


# --- early exit ------------------------------------------------------------------------------


class EarlyExit(nn.Module):
    """Stop after the first layer whose output is confident enough (a data-dependent exit;
    a flag, as a loop over a ModuleList is unrolled when scripted and cannot `break`)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(4)])

    def forward(self, x):
        done = False
        for layer in self.layers:
            if not done:
                x = torch.tanh(layer(x))
                if x.abs().max() > 0.9:
                    done = True
        return x


class EarlyExitBreak(EarlyExit):
    """The same with `break` (which torch.jit refuses in a loop over a ModuleList)."""

    def forward(self, x):
        for layer in self.layers:
            x = torch.tanh(layer(x))
            if x.abs().max() > 0.9:
                break
        return x


class EarlyExitReturn(EarlyExit):
    """The same with a `return` inside the loop: scripting it fails, and the report says so."""

    def forward(self, x):
        for layer in self.layers:
            x = torch.tanh(layer(x))
            if x.abs().max() > 0.9:
                return x
        return x


# --- greedy decoding -------------------------------------------------------------------------


class Position(nn.Module):
    """Called with a Python int step: a trace would bake it."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.linspace(-1.0, 1.0, 32).reshape(8, 4))

    def forward(self, h, step: int):
        return h + self.table[step]


class GreedyDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.cell = nn.Linear(4, 4)
        self.out = nn.Linear(4, 5)
        self.pos = Position()

    def forward(self, h):
        tokens: List[int] = []
        for step in range(8):
            h = torch.tanh(self.cell(self.pos(h, step)))
            tok = int(self.out(h).argmax())
            if tok == 0:  # end of sequence
                break
            tokens.append(tok)
        return torch.tensor(tokens, dtype=torch.int64), h


# --- beam search -----------------------------------------------------------------------------


class BeamStep(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(2)
        self.proj = nn.Linear(3, 3)

    def forward(self, state):
        return torch.log_softmax(self.proj(state), dim=-1)


class BeamSearch(nn.Module):
    """Width-2 beam search over 3 tokens; stops when the best beam ends with token 0."""

    def __init__(self):
        super().__init__()
        self.step = BeamStep()

    def forward(self, start):
        beams: List[List[int]] = [[], []]
        scores = torch.zeros(2)
        state = torch.stack([start, -start])
        for _ in range(6):
            logp = self.step(state)  # [2, 3]
            total = (scores.unsqueeze(1) + logp).flatten()
            best, idx = torch.topk(total, 2)
            new_beams: List[List[int]] = []
            rows: List[torch.Tensor] = []
            for j in range(2):
                b = int(idx[j]) // 3
                t = int(idx[j]) % 3
                new_beams.append(beams[b] + [t])
                rows.append(state[b] + logp[b])
            beams = new_beams
            scores = best
            state = torch.stack(rows)
            if beams[0][-1] == 0:
                break
        return torch.tensor(beams[0], dtype=torch.int64), scores


# --- variable-length loops -------------------------------------------------------------------


class CountLoop(nn.Module):
    """The number of iterations is the input's value."""

    def forward(self, n, x):
        for _ in range(int(n)):
            x = x * 0.5 + 1.0
        return x


class Converge(nn.Module):
    """Halve until every entry is at most 1 (a while loop on tensor data), in a submodule
    beside a plainly traceable projection."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.proj = nn.Linear(3, 3)
        self.squash = Squash()

    def forward(self, x):
        return self.squash(self.proj(x))


class Squash(nn.Module):
    def forward(self, x):
        steps = 0
        while bool((x.abs() > 1.0).any()) and steps < 20:
            x = x / 2.0
            steps += 1
        return x


# --- shape-dependent branches and loops --------------------------------------------------------


class ShapeBranch(nn.Module):
    """Big batches take one path, small ones another (`x.size(0) > 2` is a traced size)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(4)
        self.big = nn.Linear(4, 2)
        self.small = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        if x.size(0) > 2:
            return self.big(x)
        return self.small(x)


class SequenceRNN(nn.Module):
    """Loop over the sequence length: `range(x.size(1))` warns about nothing, but the trace
    unrolls it; only a check on another length shows it."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(5)
        self.cell = nn.Linear(3, 3)

    def forward(self, x):
        h = torch.zeros(x.size(0), 3)
        for i in range(x.size(1)):
            h = torch.tanh(self.cell(x[:, i]) + h)
        return h


# --- Python-side number conversions ----------------------------------------------------------


class Normalized(nn.Module):
    """A helper function (reached as `helpers.normalize`) converts a tensor to a float; the
    rest traces.  Only the helper needs scripting."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(6)
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return helpers.normalize(self.fc(x)) * 2.0


def keep_positive_topk(x):
    """The number of results is data-dependent: `int((x > 0).sum())`."""
    k = int((x > 0).sum())
    values, _ = torch.topk(x, k)
    return values


def count_positive(x):
    """Returns a Python int: scripting only this would still bake the count into the trace."""
    return int((x > 0).sum())


class RepeatPositive(nn.Module):
    """`count_positive` returns a number, so the module that loops on it is scripted."""

    def forward(self, x):
        y = x
        for _ in range(count_positive(x)):
            y = torch.cat([y, x])
        return y


class TopK(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor([1.0, -2.0, 3.0, -4.0, 5.0]))

    def forward(self, x):
        return keep_positive_topk(x * self.scale)


# --- a conv stack beside a data-dependent head ------------------------------------------------


class ThresholdHead(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(7)
        self.fc = nn.Linear(32, 2)

    def forward(self, x):
        x = x.flatten(1)
        if x.mean() > 0:
            return self.fc(x)
        return -x[:, :2]


class ConvWithHead(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(8)
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(2, 2, 3, padding=1))  # fmt: skip
        self.head = ThresholdHead()

    def forward(self, x):
        return self.head(self.features(x))


# --- a plain function ------------------------------------------------------------------------


def collatz_steps(n):
    """Steps of the Collatz sequence from each n (a while loop on tensor values)."""
    steps = torch.zeros_like(n)
    for i in range(n.size(0)):
        v = int(n[i])
        count = 0
        while v > 1:
            v = v // 2 if v % 2 == 0 else 3 * v + 1
            count += 1
        steps[i] = count
    return steps


class Gated(nn.Module):
    """The data-dependent branch is in a method other than forward: the module is scripted,
    its Linear stays traced."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(10)
        self.fc = nn.Linear(3, 3)

    def gate(self, x):
        if x.sum() > 0:
            return x
        return -x

    def forward(self, x):
        return self.gate(self.fc(x))


def relu_then_normalize(x):
    """A plain function that traces, calling one that must be scripted."""
    return helpers.normalize(torch.relu(x)) + 1.0


class Rows(nn.Module):
    """Iterating over a tensor: the trace unrolls it for the example's number of rows."""

    def forward(self, x):
        out = []
        for row in x:
            out.append(row * row.sum())
        return torch.stack(out)


class Doubling(nn.Module):
    """A Python int argument: the whole module is scripted, `n` stays an input."""

    def forward(self, x, n: int):
        for _ in range(n):
            x = x * 2.0
        return x


# --- models that need no scripting -----------------------------------------------------------


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(9)
        self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))

    def forward(self, x):
        return torch.softmax(self.net(x), dim=-1)


# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    name: str
    make: Callable[[], Any]
    example: tuple[Any, ...]
    inputs: list[tuple[Any, ...]]  # inputs that change the control flow
    scripted: list[str]  # part names the report must give as scripted
    traced: list[str] = dataclasses.field(default_factory=list)


def _f(*v: float) -> torch.Tensor:
    return torch.tensor(v)


CASES = [
    Case("tutorial", Net, (torch.tensor([5]),), [(torch.tensor([x]),) for x in range(1, 8)],
         ["Net.script_module", "script_fn()"], ["Net", "Net.traced_module"]),
    Case("early_exit", EarlyExit, (_f(0.1, 0.2, -0.3, 0.4),),
         [(_f(0.0, 0.0, 0.0, 0.0),), (_f(5.0, -5.0, 5.0, 5.0),), (_f(0.3, -0.1, 0.2, 0.0),),
          (torch.full((2, 4), 0.05),)],
         ["EarlyExit"], ["EarlyExit.layers.0", "EarlyExit.layers.1"]),
    Case("greedy_decoding", GreedyDecoder, (_f(0.5, -0.5, 0.25, 1.0),),
         [(_f(0.0, 0.0, 0.0, 0.0),), (_f(3.0, -1.0, 2.0, -2.0),), (_f(-1.0, 1.0, -1.0, 1.0),),
          (_f(0.1, 0.9, -0.4, 0.3),)],
         ["GreedyDecoder", "GreedyDecoder.pos"], ["GreedyDecoder.cell", "GreedyDecoder.out"]),
    Case("beam_search", BeamSearch, (_f(0.2, -0.1, 0.4),),
         [(_f(0.0, 0.0, 0.0),), (_f(5.0, -5.0, 0.0),), (_f(-3.0, 2.0, 1.0),),
          (_f(0.0, 0.0, 9.0),)],
         ["BeamSearch"], ["BeamSearch.step"]),
    Case("count_loop", CountLoop, (torch.tensor(3), _f(1.0, 2.0)),
         [(torch.tensor(0), _f(1.0, 2.0)), (torch.tensor(7), _f(-1.0, 4.0)),
          (torch.tensor(1), _f(3.0, 3.0, 3.0))], ["CountLoop"]),
    Case("converge", Converge, (_f(1.0, 2.0, 3.0),),
         [(_f(0.0, 0.0, 0.0),), (_f(50.0, -80.0, 10.0),), (torch.full((2, 3), 0.1),)],
         ["Converge.squash"], ["Converge", "Converge.proj"]),
    Case("shape_branch", ShapeBranch, (torch.ones(2, 4),),
         [(torch.ones(1, 4),), (torch.randn(3, 4),), (torch.randn(5, 4),)],
         ["ShapeBranch"], ["ShapeBranch.big", "ShapeBranch.small"]),
    Case("sequence_rnn", SequenceRNN, (torch.ones(2, 3, 3) * 0.1,),
         [(torch.randn(2, 1, 3),), (torch.randn(1, 5, 3),), (torch.randn(3, 0, 3),)],
         ["SequenceRNN"], ["SequenceRNN.cell"]),
    Case("normalized", Normalized, (_f(0.1, 0.2, 0.3),),
         [(_f(10.0, -20.0, 30.0),), (_f(0.0, 0.0, 0.0),), (torch.randn(4, 3) * 5,)],
         ["normalize()"], ["Normalized", "Normalized.fc"]),
    Case("topk", TopK, (_f(1.0, 1.0, 1.0, 1.0, 1.0),),
         [(_f(-1.0, -1.0, -1.0, -1.0, -1.0),), (_f(1.0, -1.0, 1.0, 1.0, -1.0),),
          (_f(0.0, 0.0, 0.0, 0.0, 2.0),)], ["keep_positive_topk()"], ["TopK"]),
    Case("helper_returns_int", RepeatPositive, (_f(1.0, -1.0, 2.0),),
         [(_f(-1.0, -1.0, -1.0),), (_f(1.0, 1.0, 1.0),), (_f(3.0, 0.0),)], ["RepeatPositive"]),
    Case("gated", Gated, (_f(1.0, 2.0, 3.0),),
         [(_f(-1.0, -2.0, -3.0),), (_f(5.0, -5.0, 0.0),), (torch.randn(4, 3) * 3,)],
         ["Gated"], ["Gated.fc"]),
    Case("function_calling_function", lambda: relu_then_normalize, (_f(0.1, 0.2, 0.3),),
         [(_f(10.0, -20.0, 30.0),), (_f(-1.0, -1.0),), (_f(0.5, 3.0, 0.5, 0.5),)],
         ["normalize()"], ["relu_then_normalize()"]),
    Case("rows", Rows, (torch.ones(2, 3),),
         [(torch.ones(1, 3),), (torch.randn(5, 3),), (torch.randn(3, 2),)], ["Rows"]),
    Case("python_int_argument", Doubling, (_f(1.0, 2.0), 3),
         [(_f(1.0, 2.0), 0), (_f(1.0, 2.0), 5), (_f(-1.0), 1)], ["Doubling"]),
    Case("conv_with_head", ConvWithHead, (torch.ones(1, 1, 4, 4),),
         [(torch.full((1, 1, 4, 4), 10.0),), (torch.full((2, 1, 4, 4), -10.0),),
          (torch.randn(3, 1, 4, 4),), (torch.zeros(2, 1, 4, 4),)],
         ["ConvWithHead.head"], ["ConvWithHead", "ConvWithHead.features"]),
    Case("collatz", lambda: collatz_steps, (torch.tensor([6, 7]),),
         [(torch.tensor([1]),), (torch.tensor([27, 3, 8]),), (torch.tensor([2, 2, 2, 2]),)],
         ["collatz_steps()"]),
]  # fmt: skip
