"""Inlining: replace `prim::CallFunction` / `prim::CallMethod` of compiled code by its body.

    %f : Function = prim::Constant[name="helper"]()
    %y : int = prim::CallFunction(%f, %x)        ==>   %y : int = aten::mul(%x, %2)

Calls of Python callables (`@ignore`d functions) stay calls.  `.inlined_graph` runs this.
"""

from __future__ import annotations

from typing import Any

from hybridjit.ir.clone import clone_node_into
from hybridjit.ir.graph import Graph, Node, Value
from hybridjit.passes.dce import eliminate_dead_code


def _callee_graph(node: Node) -> Graph | None:
    if node.kind == "prim::CallFunction":
        callee = getattr(node.inputs[0].type, "callee", None)
        return getattr(callee, "graph", None) if _is_graph_fn(callee) else None
    if node.kind == "prim::CallMethod":
        cls = node.inputs[0].type
        method = getattr(cls, "methods", {}).get(node["name"])
        return getattr(method, "graph", None) if _is_graph_fn(method) else None
    return None


def _is_graph_fn(obj: Any) -> bool:
    """A compiled function (it has a graph); `@ignore`d Python callables have none."""
    return isinstance(getattr(obj, "graph", None), Graph)


def inline_calls(graph: Graph) -> bool:
    """Inline every call of a compiled function or method, recursively; True if changed."""
    changed = False
    for node in list(graph.all_nodes()):
        if node.owning_block is None:
            continue
        callee = _callee_graph(node)
        if callee is None:
            continue
        args = list(node.inputs[1:]) if node.kind == "prim::CallFunction" else list(node.inputs)
        outputs = _inline_one(graph, node, callee, args)
        for old, new in zip(node.outputs, outputs):
            old.replace_all_uses_with(new)
        node.destroy()
        changed = True
    if changed:
        eliminate_dead_code(graph)
    return changed


def _inline_one(graph: Graph, node: Node, callee: Graph, args: list[Value]) -> list[Value]:
    body = callee.copy()
    inline_calls(body)
    env: dict[Value, Value] = dict(zip(body.inputs, args))
    with graph.inserting_into(node.owning_block, node):  # type: ignore[arg-type]
        for inner in body.nodes():
            copy = clone_node_into(graph, inner, lambda v: env[v])
            env.update(zip(inner.outputs, copy.outputs))
    return [env[v] for v in body.outputs]
