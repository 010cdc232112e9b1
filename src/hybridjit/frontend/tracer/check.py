"""`check_trace`: trace again, compare graphs and outputs, report divergence readably.

The example inputs (and each of `check_inputs`) are traced afresh; the graphs, printed without
source ranges and with tensor shapes erased, must equal the first trace's.  Then the traced
function must reproduce the eager outputs within `check_tolerance`.  A graph with
nondeterministic nodes (random ops, dropout in training) skips the output comparison with a
TracerWarning instead of reporting a false divergence.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any, Callable, Sequence

import torch

from hybridjit.errors import TracingCheckError
from hybridjit.frontend.tracer import hazards
from hybridjit.frontend.tracer.state import user_frame
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph, Node
from hybridjit.ops.effects import effects_of


def is_nondeterministic(node: Node) -> bool:
    """Random ops (torch's `nondeterministic_seeded` tag), dropout-like ones only in training."""
    return effects_of(node).nondeterministic


def nondeterministic_nodes(graphs: Sequence[Graph]) -> list[Node]:
    return [n for g in graphs for n in g.all_nodes() if is_nondeterministic(n)]


def canonical_text(graph: Graph, source_ranges: bool = False) -> str:
    """The graph as printed, with tensor types reduced to `Tensor` (shapes may differ)."""
    g = graph.copy()
    for node in [g.block.param_node, *g.all_nodes()]:
        for v in node.outputs:
            v.type = T.unrefined(v.type)
    return g.str(print_source_ranges=source_ranges)


def compare_graphs(first: list[Graph], again: list[Graph]) -> None:
    """Raise TracingCheckError with a graph diff when the traces differ."""
    a = "\n".join(canonical_text(g) for g in first)
    b = "\n".join(canonical_text(g) for g in again)
    if a == b:
        return
    diff = difflib.unified_diff(a.splitlines(), b.splitlines(), "first trace", "re-trace",
                                lineterm="", n=2)  # fmt: skip
    where = _first_divergence(first, again)
    raise TracingCheckError(
        "Tracing failed sanity checks!\nERROR: Graphs differed across invocations!\n"
        "\tGraph diff:\n" + "\n".join("\t\t" + line for line in diff) + where
    )


def _first_divergence(first: list[Graph], again: list[Graph]) -> str:
    """Where the first trace's first differing node came from (file:line)."""
    for a, b in zip(first, again):
        plain_a, plain_b = canonical_text(a).splitlines(), canonical_text(b).splitlines()
        ranged = canonical_text(a, source_ranges=True).splitlines()
        for i, (la, lb) in enumerate(zip(plain_a, plain_b)):
            if la != lb and i < len(ranged) and " # " in ranged[i]:
                return f"\n\tFirst diverging operator, traced at: {ranged[i].split(' # ')[-1]}"
    return ""


def compare_outputs(traced: Callable[..., Any], eager: Callable[..., Any], args: tuple[Any, ...],
                    tolerance: float) -> None:  # fmt: skip
    """Raise TracingCheckError when the traced function's outputs differ from eager ones."""
    got = _flatten(traced(*clone(args)))
    want = _flatten(eager(*clone(args)))
    if len(got) != len(want):
        raise TracingCheckError(
            "Tracing failed sanity checks!\nERROR: Traced function outputs do not match the "
            f"Python function outputs: {len(got)} tensors vs {len(want)}"
        )
    for i, (g, w) in enumerate(zip(got, want)):
        try:
            torch.testing.assert_close(g, w, rtol=tolerance, atol=tolerance, equal_nan=True)
        except AssertionError as e:
            raise TracingCheckError(
                "Tracing failed sanity checks!\nERROR: Traced function outputs do not match "
                f"the Python function outputs.\nOutput nr {i + 1}. of the traced function does "
                f"not match the corresponding output of the Python function. Detailed error:\n{e}"
            ) from None


def warn_nondeterministic(nodes: list[Node]) -> None:
    listing = "\n".join(f"\t{n!r}" + (f" # {n.source_range}" if n.source_range else "")
                        for n in nodes)  # fmt: skip
    hazards.warn_at(hazards.NONDETERMINISTIC.format(nodes=listing), user_frame())


def _flatten(v: Any) -> list[torch.Tensor]:
    if isinstance(v, torch.Tensor):
        return [v]
    if isinstance(v, (list, tuple)):
        return [t for e in v for t in _flatten(e)]
    if isinstance(v, dict):
        return [t for e in v.values() for t in _flatten(e)]
    return []


def clone(v: Any) -> Any:
    """A copy of example inputs, so that in-place ops in one run do not leak into the next."""
    if isinstance(v, torch.Tensor):
        return v.detach().clone().requires_grad_(v.requires_grad)
    if isinstance(v, tuple):
        return tuple(clone(e) for e in v)
    if isinstance(v, list):
        return [clone(e) for e in v]
    if isinstance(v, dict):
        return {k: clone(e) for k, e in v.items()}
    return copy.copy(v)
