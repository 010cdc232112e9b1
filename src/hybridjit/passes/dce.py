"""Dead code elimination: drop nodes whose outputs are unused and that have no side effects.

Unused outputs of `prim::If` and `prim::Loop` are removed too (with the block outputs and,
for loops, the carried inputs feeding them), as TorchScript's DCE does::

    %a : int, %b : int = prim::If(%c)        %a : int = prim::If(%c)
      block0():                                 block0():
        -> (%x, %y)                  ==>          -> (%x)
    return (%a)                               return (%a)
"""

from __future__ import annotations

from hybridjit.ir.graph import Block, Graph, Node

# Ops that must stay even when their outputs are unused.
SIDE_EFFECT_PREFIXES = ("prim::RaiseException", "prim::Print", "prim::SetAttr",
                        "prim::CallFunction", "prim::CallMethod", "aten::_set_item",
                        "prim::Enter", "prim::Exit", "aten::warn", "prim::AddStatValue",
                        "aten::Delete", "aten::set_grad_enabled", "aten::manual_seed")  # fmt: skip


def has_side_effects(node: Node) -> bool:
    if node.kind.startswith(SIDE_EFFECT_PREFIXES):
        return True
    if node.kind in ("prim::If", "prim::Loop"):
        return any(has_side_effects(n) for b in node.blocks for n in b.nodes)
    schema = node.schema
    if schema is not None and getattr(schema, "is_mutable", None):
        return True
    if schema is not None:
        if any(getattr(a, "is_write", False) for a in schema.arguments):
            return True
        if not schema.returns:  # an op that returns nothing runs for its effect
            return True
    elif node.kind.endswith("_") and not node.kind.endswith("__"):
        return True
    return node.kind in _MUTATING


_MUTATING = {"aten::append", "aten::extend", "aten::insert", "aten::pop", "aten::remove",
             "aten::clear", "aten::reverse", "aten::sort", "aten::update", "aten::setdefault",
             "aten::popitem", "aten::_set_item", "aten::Delete", "aten::__setitem__"}  # fmt: skip


def eliminate_dead_code(graph: Graph) -> bool:
    """Remove dead nodes and unused control-flow outputs; True if anything changed."""
    changed = False
    while _sweep_block(graph.block):
        changed = True
    return changed


def _sweep_block(block: Block) -> bool:
    changed = False
    for node in reversed(list(block.nodes)):
        if node.kind == "prim::If":
            changed |= _prune_if_outputs(node)
        elif node.kind == "prim::Loop":
            changed |= _prune_loop_outputs(node)
        for sub in node.blocks:
            changed |= _sweep_block(sub)
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
        ret = body.outputs[i + 1]
        self_only = all(u.user is body.return_node and u.offset == i + 2 for u in param.uses)
        if out.uses or not (not param.uses or self_only):
            continue
        if ret is not param and _used_outside_chain(ret, body):
            pass
        body.erase_output(i + 1)
        node.erase_output(i)
        node.remove_input(i + 2)
        if not param.uses:
            body.erase_input(i + 1)
        changed = True
    return changed


def _used_outside_chain(value: object, body: Block) -> bool:
    return False
