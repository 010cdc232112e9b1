"""Which passes run, and when: the one place that orders them.

Frontends build graphs; this module decides what happens to a graph next:

- `cleanup`: what every frontend graph gets before users see `.graph` (TorchScript's own
  cleanup: one-sided If outputs simplified, dead code removed, constants pooled);
- `for_codegen`: speed passes whose result only the code generator sees (a copy; `.graph`
  stays as the user's program reads);
- `inlined`: calls of compiled functions and methods replaced by their bodies
  (`.inlined_graph`);
- `for_export`: what the ONNX exporter lowers (inlined, with the cleanup passes).

A pass is `(graph) -> bool`: whether it changed anything. `VERIFY_AFTER_EACH_PASS` (the test
suite sets it) checks the IR invariants after every pass that changed the graph.
"""

from __future__ import annotations

from typing import Callable, Sequence

from hybridjit.ir.graph import Graph
from hybridjit.ir.verifier import verify
from hybridjit.passes.cache_loop_invariants import cache_loop_invariants
from hybridjit.passes.constant_pooling import constant_pooling
from hybridjit.passes.dce import eliminate_dead_code
from hybridjit.passes.inline import inline_calls
from hybridjit.passes.simplify_if import simplify_if_outputs

Pass = Callable[[Graph], bool]

CLEANUP: tuple[Pass, ...] = (simplify_if_outputs, eliminate_dead_code, constant_pooling)
CODEGEN: tuple[Pass, ...] = (cache_loop_invariants,)
VERIFY_AFTER_EACH_PASS = False


def run_passes(graph: Graph, passes: Sequence[Pass]) -> bool:
    """Run `passes` in order on `graph`; True if any changed it."""
    changed = False
    for run in passes:
        if run(graph):
            changed = True
            if VERIFY_AFTER_EACH_PASS:
                verify(graph)
    return changed


def cleanup(graph: Graph) -> Graph:
    """The graph as a frontend hands it to users (rewritten in place)."""
    run_passes(graph, CLEANUP)
    return graph


def for_codegen(graph: Graph) -> Graph:
    """`graph`, or a rewritten copy where a speed pass applies (`graph` is left alone)."""
    if not any(n.kind == "prim::Loop" for n in graph.all_nodes()):
        return graph  # every speed pass so far rewrites loops only: spare the copy
    copy = graph.copy()
    return copy if run_passes(copy, CODEGEN) else graph


def inlined(graph: Graph) -> Graph:
    """A copy of `graph` with every call of compiled code inlined."""
    copy = graph.copy()
    run_passes(copy, (inline_calls,))
    return copy


EXPORT: tuple[Pass, ...] = (inline_calls, *CLEANUP)


def for_export(graph: Graph) -> Graph:
    """A copy of `graph` as the exporter lowers it: one frame, no calls, no dead code."""
    copy = graph.copy()
    run_passes(copy, EXPORT)
    return copy
