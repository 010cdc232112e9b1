"""The block's linked node chain and order labels against a plain Python list model."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybridjit.ir import graph as graph_module
from hybridjit.ir.graph import Block, Graph, Node
from hybridjit.ir.types import IntType

# One step: (operation, index of the node acted on, index of the anchor node).
OPS = ("append", "prepend", "insert_before", "insert_after", "move_before", "move_after",
       "destroy")  # fmt: skip
steps = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 10**6), st.integers(0, 10**6)),
                 max_size=200)  # fmt: skip


def _apply(g: Graph, model: list[Node], op: str, i: int, j: int) -> None:
    """Do `op` on the graph block and on `model`, the reference list of its nodes."""
    block = g.block
    if op in ("append", "prepend") or not model:
        node = g.create("prim::Constant", (), (IntType,), attributes={"value": len(model)})
        at_end = op != "prepend"
        (block.append if at_end else block.prepend)(node)
        model.insert(len(model) if at_end else 0, node)
        return
    node, anchor = model[i % len(model)], model[j % len(model)]
    if op == "destroy":
        node.destroy()
        model.remove(node)
    elif op.startswith("insert"):
        new = g.create("prim::Constant", (), (IntType,), attributes={"value": 0})
        getattr(new, op)(anchor)
        model.insert(model.index(anchor) + (op == "insert_after"), new)
    elif node is not anchor:
        getattr(node, op)(anchor)
        model.remove(node)
        model.insert(model.index(anchor) + (op == "move_after"), node)


def _check(block: Block, model: list[Node]) -> None:
    assert list(block.nodes) == model
    assert list(reversed(block.nodes)) == model[::-1]
    assert len(block.nodes) == len(model)
    labels = [n._label for n in model]
    assert labels == sorted(set(labels)), "labels must increase strictly along the block"
    assert all(0 < label < block.return_node._label for label in labels)
    for k, node in enumerate(model):
        assert node.index() == k and block.nodes[k] is node
        assert node.prev is (model[k - 1] if k else block.param_node)
        assert node.next is (model[k + 1] if k + 1 < len(model) else block.return_node)


@given(steps)
def test_random_edits_match_a_list_model(ops: list[tuple[str, int, int]]) -> None:
    g = Graph()
    model: list[Node] = []
    for op, i, j in ops:
        _apply(g, model, op, i, j)
    _check(g.block, model)
    for a in model[:20]:
        for b in model[:20]:
            assert a.is_before(b) == (model.index(a) < model.index(b))


@settings(max_examples=20)
@given(st.integers(1, 3000), st.integers(0, 1))
def test_hot_spot_inserts_relabel_and_stay_ordered(n: int, after: int) -> None:
    """Inserting again and again at one spot exhausts the label gap there many times."""
    g = Graph()
    first = g.block.append(g.create("prim::Constant", (), (IntType,)))
    last = g.block.append(g.create("prim::Constant", (), (IntType,)))
    model = [first, last]
    for _ in range(n):
        new = g.create("prim::Constant", (), (IntType,))
        if after:
            new.insert_after(first)
            model.insert(1, new)
        else:
            new.insert_before(last)
            model.insert(len(model) - 1, new)
    _check(g.block, model)


def _chain(g: Graph, n: int) -> list[Node]:
    return [g.block.append(g.create("prim::Constant", (), (IntType,))) for _ in range(n)]


def test_iteration_survives_destroying_the_current_node() -> None:
    g = Graph()
    nodes = _chain(g, 6)
    seen = []
    for node in g.block.nodes:
        seen.append(node)
        if nodes.index(node) % 2 == 0:
            node.destroy()
    assert seen == nodes and list(g.block.nodes) == nodes[1::2]


def test_iteration_survives_destroying_the_current_and_the_next_node() -> None:
    g = Graph()
    nodes = _chain(g, 5)
    seen = []
    for node in g.block.nodes:
        seen.append(node)
        if node is nodes[1]:
            nodes[2].destroy()
            node.destroy()
    assert seen == [nodes[0], nodes[1], nodes[3], nodes[4]]


def test_iteration_survives_moving_the_current_node_to_the_front() -> None:
    g = Graph()
    nodes = _chain(g, 4)
    seen = []
    for node in g.block.nodes:
        seen.append(node)
        node.move_after(g.block.param_node)
    assert seen == nodes and list(g.block.nodes) == nodes[::-1]


def test_is_before_across_nested_blocks() -> None:
    g = Graph()
    a, loop, b = _chain(g, 3)
    body = loop.add_block()
    inner = body.append(g.create("prim::Constant", (), (IntType,)))
    other = loop.add_block().append(g.create("prim::Constant", (), (IntType,)))
    assert a.is_before(inner) and inner.is_before(b) and inner.is_before(other)
    assert not b.is_before(inner) and not other.is_before(inner)
    assert loop.is_before(inner)


def test_graph_insert_point_before_a_node() -> None:
    g = Graph()
    a, b = _chain(g, 2)
    with g.inserting_into(g.block, b):
        c = g.insert_node("prim::Constant", (), (IntType,))
        d = g.insert_node("prim::Constant", (), (IntType,))
        assert g.insert_point() == (g.block, 3)
    e = g.insert_node("prim::Constant", (), (IntType,))
    assert list(g.block.nodes) == [a, c, d, b, e]
    assert g.block.nodes[1:3] == [c, d] and g.block.nodes[-1] is e


def test_append_of_a_placed_node_is_refused() -> None:
    g = Graph()
    (a,) = _chain(g, 1)
    try:
        g.block.append(a)
    except ValueError:
        return
    raise AssertionError("appending a node that is already in a block must fail")


def test_replace_all_uses_with_many_uses_of_one_value() -> None:
    g = Graph()
    x, y = g.add_input(IntType, "x"), g.add_input(IntType, "y")
    wide = g.insert_node("prim::ListConstruct", [x, y, x] * 1000, [IntType])
    x.replace_all_uses_with(y)
    assert wide.inputs == (y,) * 3000 and not x.uses
    assert sorted(u.offset for u in y.uses) == list(range(3000))


def test_a_full_label_space_grows(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a tiny label space, dense inserts must widen it and keep every label ordered."""
    monkeypatch.setattr(graph_module, "_LABEL_BITS", 6)
    monkeypatch.setattr(graph_module, "_APPEND_GAP", 2)
    g = Graph()
    model = _chain(g, 50)
    for k in range(200):
        new = g.create("prim::Constant", (), (IntType,))
        new.insert_after(model[k % 7])
        model.insert(k % 7 + 1, new)
    assert g.block._bits > 6
    _check(g.block, model)
