"""Constant pooling: hoist every constant to the top of the graph and merge duplicates.

    graph(%x):                                  graph(%x):
      %a = aten::add(%x, %1)                      %1 : int = prim::Constant[value=1]()
      %1 : int = prim::Constant[value=1]()   ==>  %a = aten::add(%x, %1)
      %2 : int = prim::Constant[value=1]()        %b = aten::mul(%a, %1)
      %b = aten::mul(%a, %2)

`prim::Uninitialized` placeholders are pooled the same way, as TorchScript does.
"""

from __future__ import annotations

from typing import Any

from hybridjit.ir.graph import Graph, Node
from hybridjit.utils import is_hashable

POOLED = ("prim::Constant", "prim::Uninitialized")


def _key(node: Node) -> Any:
    attrs = []
    for name, value in sorted(node.attributes.items()):
        if isinstance(value, float):
            value = ("float", repr(value))
        elif isinstance(value, (list, dict)) or not is_hashable(value):
            value = ("id", id(value))
        else:
            value = (type(value).__name__, value)
        attrs.append((name, value))
    out = node.outputs[0].type
    callee = getattr(out, "callee", None)
    return (node.kind, str(out), out, tuple(attrs), id(callee) if callee is not None else None)


def constant_pooling(graph: Graph) -> bool:
    """Hoist and deduplicate constants; True if the graph changed."""
    changed = False
    seen: dict[Any, Node] = {}
    anchor: Node | None = None
    for node in list(graph.all_nodes()):
        if node.kind not in POOLED or len(node.outputs) != 1:
            continue
        key = _key(node)
        if key in seen:
            node.outputs[0].replace_all_uses_with(seen[key].outputs[0])
            node.destroy()
            changed = True
            continue
        seen[key] = node
        changed |= _hoist(graph, node, anchor)
        anchor = node
    return changed


def _hoist(graph: Graph, node: Node, anchor: Node | None) -> bool:
    """Place `node` right after `anchor` (the previous pooled constant), or first in the graph.

    Only O(1) queries (`prev`) are used, so the pass is linear in the graph's size."""
    block = graph.block
    target = block.param_node if anchor is None else anchor
    if node.owning_block is block and node.prev is target:
        return False
    node.move_after(target)
    return True
