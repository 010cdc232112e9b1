"""Constant propagation: ops whose inputs are all constants run once, at compile time.

    %a : int = prim::Constant[value=2]()
    %b : int = aten::mul(%a, %a)              ==>   %b : int = prim::Constant[value=4]()
    %y : Tensor = prim::If(%false)            ==>   the else block's nodes, in place of the If

Only pure, deterministic ops on Python values fold (`ops/effects.py` decides); ops producing
tensors stay ops, so no storage is duplicated and no alias is lost. An op that raises on its
constants stays as it is: the program must still raise at run time. `freeze` runs this once
module attributes have become constants, which is what lets the `training` checks of `nn`
modules disappear.
"""

from __future__ import annotations

from hybridjit.ir import types as T
from hybridjit.ir.graph import Block, Graph, Node, Value
from hybridjit.ops.effects import effects_of
from hybridjit.ops.kernels import kernel_for
from hybridjit.ops.prims.values import constant_value

# Values that may become a `prim::Constant`: immutable Python values (a list stays an op:
# a constant list would be one object shared by every call).
_FOLDABLE = (T.IntType, T.FloatType, T.BoolType, T.StrType, T.NoneType, T.DeviceType)


def propagate_constants(graph: Graph) -> bool:
    """Fold constant ops and constant-condition `prim::If`s everywhere; True if changed."""
    changed = False
    for node in list(graph.all_nodes()):
        if node.owning_block is None:
            continue  # removed with an If branch that was not taken
        if node.kind == "prim::If":
            changed |= _fold_if(graph, node)
        elif _foldable(node):
            changed |= _fold_op(graph, node)
    return changed


def is_constant(value: Value) -> bool:
    return value.node.kind == "prim::Constant"


def _foldable(node: Node) -> bool:
    if node.schema is None or node.blocks or not node.outputs:
        return False
    effects = effects_of(node)
    if not effects.removable or effects.nondeterministic or effects.observes_identity:
        return False
    return all(map(is_constant, node.inputs)) and all(_scalar(o.type) for o in node.outputs)


def _scalar(t: T.Type) -> bool:
    if isinstance(t, T.OptionalType):
        return _scalar(t.elem)
    if isinstance(t, T.TupleType):
        return all(map(_scalar, t.elems))
    return t in _FOLDABLE


def _fold_op(graph: Graph, node: Node) -> bool:
    try:
        result = kernel_for(node.schema)(*[constant_value(v.node) for v in node.inputs])
    except Exception:  # noqa: BLE001 - it raises at run time too; leave it there
        return False
    results = (result,) if len(node.outputs) == 1 else tuple(result)
    if any(isinstance(r, (tuple, list)) for r in results):
        return False  # tuples print as tuple constructs, not constants
    with graph.inserting_into(node.owning_block, node):  # type: ignore[arg-type]
        for out, value in zip(node.outputs, results):
            const = graph.constant(value, out.type, node.source_range)
            if out.has_debug_name:
                const.set_debug_name(out.debug_name)
            out.replace_all_uses_with(const)
    node.destroy()
    return True


def _fold_if(graph: Graph, node: Node) -> bool:
    condition = node.inputs[0]
    if not is_constant(condition) or not isinstance(constant_value(condition.node), bool):
        return False
    taken = node.blocks[0 if constant_value(condition.node) else 1]
    _splice(taken, node)
    for out, value in zip(node.outputs, taken.outputs):
        out.replace_all_uses_with(value)
    node.destroy()
    return True


def _splice(block: Block, before: Node) -> None:
    """Move `block`'s nodes in front of `before` (the node that owns the block)."""
    for inner in list(block.nodes):
        inner.move_before(before)
