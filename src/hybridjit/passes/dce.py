"""Dead code elimination: drop nodes whose outputs are unused and that have no side effects.

Unused outputs of `prim::If` and `prim::Loop` are removed too (with the block outputs and,
for loops, the carried inputs feeding them), as TorchScript's DCE does (`prim::Try` outputs
likewise; inside a `prim::Try` body, where an exception is caught and so observable, only
nodes that cannot raise are dropped: `ops.effects.may_raise`)::

    %a : int, %b : int = prim::If(%c)        %a : int = prim::If(%c)
      block0():                                 block0():
        -> (%x, %y)                  ==>          -> (%x)
    return (%a)                               return (%a)
"""

from __future__ import annotations

from hybridjit.ir.graph import Block, Graph, Node
from hybridjit.ops.effects import effects_of, may_raise


def has_side_effects(node: Node) -> bool:
    """Whether `node` must stay although nothing uses its outputs (see `ops.effects`)."""
    return not effects_of(node).removable


def eliminate_dead_code(graph: Graph) -> bool:
    """Remove dead nodes and unused control-flow outputs; True if anything changed."""
    changed = False
    while _sweep_block(graph.block):
        changed = True
    return changed


def _sweep_block(block: Block, guarded: bool = False) -> bool:
    """`guarded`: the block runs inside a `prim::Try` body (its exceptions are caught)."""
    changed = False
    for node in reversed(list(block.nodes)):
        if node.kind in ("prim::If", "prim::Try"):
            changed |= _prune_if_outputs(node)
        elif node.kind == "prim::Loop":
            changed |= _prune_loop_outputs(node)
        for i, sub in enumerate(node.blocks):
            changed |= _sweep_block(sub, guarded or (node.kind == "prim::Try" and i == 0))
        if guarded and may_raise(node):
            continue
        if not node.has_uses() and not has_side_effects(node):
            node.destroy()
            changed = True
    return changed


def _prune_if_outputs(node: Node) -> bool:
    changed = False
    for i in reversed(range(len(node.outputs))):
        if not node.outputs[i].uses:
            for b in node.blocks:
                b.erase_output(i)
            node.erase_output(i)
            changed = True
    return changed


def _prune_loop_outputs(node: Node) -> bool:
    """A carried value is dead when the loop output is unused and the body only uses it to
    compute itself."""
    changed = False
    body = node.blocks[0]
    for i in reversed(range(len(node.outputs))):
        out = node.outputs[i]
        param = body.inputs[i + 1]
        self_only = all(u.user is body.return_node and u.offset == i + 2 for u in param.uses)
        if out.uses or not (not param.uses or self_only):
            continue
        body.erase_output(i + 1)
        node.erase_output(i)
        node.remove_input(i + 2)
        if not param.uses:
            body.erase_input(i + 1)
        changed = True
    return changed
