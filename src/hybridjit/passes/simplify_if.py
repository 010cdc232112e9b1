"""Simplify `prim::If` outputs that the lowering of `break`/`continue`/`return` leaves behind.

An output that is `True` in the then-branch and `False` in the else-branch is the condition
itself; an output that is the same outer value in both branches is that value::

    %f : bool = prim::If(%c)                  (uses of %f now use %c;
      block0():                                the dead output is then removed by DCE)
        -> (%true)
      block1():
        -> (%false)
"""

from __future__ import annotations

from hybridjit.ir.graph import Graph, Node, Value


def _const_bool(v: Value) -> bool | None:
    node = v.node
    if node.kind == "prim::Constant" and isinstance(node.attributes.get("value"), bool):
        return bool(node.attributes["value"])
    return None


def _replacement(node: Node, i: int) -> Value | None:
    then_v, else_v = node.blocks[0].outputs[i], node.blocks[1].outputs[i]
    if then_v is else_v and then_v.node.owning_block not in node.blocks:
        return then_v
    if _const_bool(then_v) is True and _const_bool(else_v) is False:
        return node.inputs[0]
    return None


def simplify_if_outputs(graph: Graph) -> bool:
    """Forward trivially-known If outputs to their uses; True if anything changed."""
    changed = False
    # Inner Ifs first (reversed pre-order): simplifying one can make its enclosing If's
    # branches yield the same value, which this same sweep then sees.
    for node in reversed(list(graph.all_nodes())):
        if node.kind != "prim::If" or len(node.blocks) != 2:
            continue
        for i, out in enumerate(node.outputs):
            new = _replacement(node, i)
            if new is not None and out.uses and new.type == out.type:
                out.replace_all_uses_with(new)
                changed = True
    return changed
