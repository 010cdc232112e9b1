"""The effects table (`ops.effects`) and the passes that must agree with it.

For every operator the corpora use, a graph is built around it and the passes are run for
real: dead code elimination drops the unused node exactly when the table says it may,
loop-invariant caching rewrites a loop holding it exactly when the table says the loop
changes no state, and trace checking flags it exactly when the table calls it random.
"""

from __future__ import annotations

import functools
import warnings

import pytest
import torch
from tests.corpus import script_programs, trace_programs
from tests.passes.test_cache_loop_invariants import LOOP

import hybridjit
from hybridjit.frontend.tracer.check import is_nondeterministic
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph, Node
from hybridjit.ops.effects import IO, PRIM_EFFECTS, STATE, effects_of, schema_effects
from hybridjit.ops.registry import lookup
from hybridjit.passes.cache_loop_invariants import cache_loop_invariants
from hybridjit.passes.dce import eliminate_dead_code


@functools.lru_cache(maxsize=1)
def corpus_nodes() -> tuple[Node, ...]:
    """Every node of the scripted and traced corpus programs (compiled once per session)."""
    graphs: list[Graph] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's warnings about the programs it reads
        graphs += _script_graphs() + _trace_graphs()
    return tuple(n for g in graphs for n in g.all_nodes())


def _script_graphs() -> list[Graph]:
    graphs = []
    for case in script_programs.CASES:
        try:
            graphs.append(hybridjit.script(case.fn).graph)
        except hybridjit.Error:
            continue
    return graphs


def _trace_graphs() -> list[Graph]:
    graphs = []
    for case in trace_programs.TRACE_CASES:
        try:
            traced = hybridjit.trace(case.make(), case.example, check_trace=False)
        except Exception:  # noqa: BLE001 - a program the tracer refuses has no graph to read
            continue
        graphs.append(traced.graph)
    return graphs


def corpus_schemas() -> list[object]:
    seen: dict[str, object] = {}
    for node in corpus_nodes():
        schema = node.schema
        if schema is not None and not schema.is_vararg and not node.blocks:
            seen.setdefault(str(schema), schema)
    return list(seen.values())


def _concrete(t: T.Type) -> T.Type:
    return T.AnyType if _has_var(t) else t


def _has_var(t: T.Type) -> bool:
    return isinstance(t, T.VarType) or any(map(_has_var, t.contained()))


def _lone_node(graph: Graph, schema: object) -> Node:
    """`schema`'s op applied to fresh graph inputs, its outputs unused."""
    args = [graph.add_input(_concrete(a.type)) for a in schema.arguments]  # type: ignore[attr-defined]
    outs = [_concrete(r.type) for r in schema.returns]  # type: ignore[attr-defined]
    return graph.insert_node(schema.name, args, outs, schema=schema)  # type: ignore[attr-defined]


def test_the_corpora_use_many_ops() -> None:
    assert len(corpus_schemas()) > 150


def test_dce_drops_a_dead_node_exactly_when_the_table_allows() -> None:
    disagree = []
    for schema in corpus_schemas():
        graph = Graph()
        node = _lone_node(graph, schema)
        removable = effects_of(node).removable
        eliminate_dead_code(graph)
        if (len(list(graph.nodes())) == 0) != removable:
            disagree.append(str(schema))
    assert disagree == []


def _loop_holding(schema: object) -> Graph:
    """LOOP, with `schema`'s op (on fresh graph inputs) in the loop body."""
    graph = hybridjit.parse_ir(LOOP)
    body = next(n for n in graph.nodes() if n.kind == "prim::Loop").blocks[0]
    args = [graph.add_input(_concrete(a.type)) for a in schema.arguments]  # type: ignore[attr-defined]
    outs = [_concrete(r.type) for r in schema.returns]  # type: ignore[attr-defined]
    with graph.inserting_into(body, before=body.nodes[0]):
        graph.insert_node(schema.name, args, outs, schema=schema)  # type: ignore[attr-defined]
    return graph


def test_loop_invariant_caching_runs_exactly_when_the_loop_changes_no_state() -> None:
    disagree = []
    for schema in corpus_schemas():
        graph = _loop_holding(schema)
        loop = next(n for n in graph.nodes() if n.kind == "prim::Loop")
        effects = effects_of(loop)
        pure = not (effects.changes_state or effects.observes_identity)
        if cache_loop_invariants(graph) != pure:
            disagree.append(str(schema))
    assert disagree == []


def test_trace_checking_flags_exactly_the_random_nodes() -> None:
    disagree = [
        n for n in corpus_nodes() if is_nondeterministic(n) != effects_of(n).nondeterministic
    ]
    assert disagree == []


@pytest.mark.parametrize(
    ("overload", "removable", "changes_state", "random"),
    [
        ("aten::add.Tensor", True, False, False),
        ("aten::add_.Tensor", False, True, False),
        ("aten::append.t", False, True, False),
        ("aten::rand", True, False, True),
        ("aten::bernoulli_.float", False, True, True),
        ("aten::warn", False, False, False),
        ("aten::manual_seed", False, True, False),
        ("aten::lstm.input", True, False, True),
    ],
)
def test_schema_effects_come_from_annotations_and_tags(
    overload: str, removable: bool, changes_state: bool, random: bool
) -> None:
    effects = schema_effects(lookup(overload))
    assert (effects.removable, effects.changes_state, effects.nondeterministic) == (
        removable, changes_state, random,
    )  # fmt: skip


def test_prints_and_raises_stay_but_do_not_block_caching() -> None:
    assert PRIM_EFFECTS["prim::Print"] is IO and not IO.removable and not IO.changes_state
    assert PRIM_EFFECTS["prim::SetAttr"] is STATE and STATE.changes_state


def test_dropout_is_random_only_while_training() -> None:
    def f(x: torch.Tensor, train: bool) -> torch.Tensor:
        return torch.dropout(x, 0.5, train)

    def g(x: torch.Tensor) -> torch.Tensor:
        return torch.dropout(x, 0.5, False)

    def dropout_node(fn: object) -> Node:
        graph = hybridjit.script(fn).graph
        return next(n for n in graph.all_nodes() if n.kind == "aten::dropout")

    assert effects_of(dropout_node(f)).nondeterministic
    assert not effects_of(dropout_node(g)).nondeterministic


def test_control_flow_has_the_effects_of_its_blocks() -> None:
    def f(x: torch.Tensor, n: int) -> torch.Tensor:
        for _ in range(n):
            x.add_(1)
        return x

    loop = next(n for n in hybridjit.script(f).graph.all_nodes() if n.kind == "prim::Loop")
    assert effects_of(loop).changes_state and not effects_of(loop).removable
