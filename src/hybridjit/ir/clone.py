"""Copying nodes between graphs: `clone_graph` and `clone_node_into` (used by inlining)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # graph.py imports this module for Graph.copy
    from hybridjit.ir.graph import Block, Graph, Node, Value

ValueMap = Callable[["Value"], "Value"]


def clone_graph(graph: Graph) -> Graph:
    """A deep copy with the same value names, types, attributes and source ranges."""
    new = type(graph)()
    new._verbatim_names = True
    new.reserve_ids_above(_max_numeric_name(graph))
    env: dict[Value, Value] = {}
    for v in graph.inputs:
        env[v] = _copy_name(v, new.add_input(v.type))
    _clone_block_body(graph.block, new.block, env)
    new._verbatim_names = False
    return new


def _max_numeric_name(graph: Graph) -> int:
    names = [v.debug_name for n in graph.all_nodes() for v in n.outputs]
    names += [v.debug_name for v in graph.inputs]
    return max((int(n) for n in names if n.isdigit()), default=0)


def clone_node_into(graph: Graph, node: Node, value_map: ValueMap) -> Node:
    """Insert a copy of `node` (with its blocks) at `graph`'s insertion point."""
    copy = graph.create(node.kind, [value_map(v) for v in node.inputs],
                        [o.type for o in node.outputs], attributes=dict(node.attributes),
                        source_range=node.source_range, schema=node.schema)  # fmt: skip
    copy.scope = node.scope
    for old, new in zip(node.outputs, copy.outputs):
        _copy_name(old, new)
    graph.insert(copy)
    env: dict[Value, Value] = {}

    def lookup(v: Value) -> Value:
        return env[v] if v in env else value_map(v)

    for block in node.blocks:
        new_block = copy.add_block()
        for v in block.inputs:
            env[v] = _copy_name(v, new_block.add_input(v.type))
        _clone_block_body(block, new_block, env, lookup)
    return copy


def _clone_block_body(src: Block, dst: Block, env: dict[Value, Value],
                      outer: ValueMap | None = None) -> None:  # fmt: skip
    def lookup(v: Value) -> Value:
        if v in env:
            return env[v]
        if outer is None:
            raise KeyError(v)
        return outer(v)

    with dst.graph.inserting_into(dst):
        for node in src.nodes:
            copy = clone_node_into(dst.graph, node, lookup)
            env.update(zip(node.outputs, copy.outputs))
    for v in src.outputs:
        dst.register_output(lookup(v))


def _copy_name(old: Value, new: Value) -> Value:
    """Same graph shape: keep every name.  Into another graph: keep only real names (a number
    would clash with the target's unnamed values), letting the allocator add `.N` suffixes."""
    if not old.has_debug_name():
        return new
    if new.graph._verbatim_names:
        new.graph._names.assign_verbatim(new, old.debug_name)
    elif not old.debug_name.isdigit():
        new.set_debug_name(old.debug_name)
    return new
