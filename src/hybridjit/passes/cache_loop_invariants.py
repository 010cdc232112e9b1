"""Compute loop-invariant tensor ops once per loop run, in the first iteration.

A tensor op in a loop body whose inputs all come from outside the loop gives the same value
in every iteration, provided nothing in the loop mutates anything and the value neither
escapes the iteration nor has its identity observed.  Rather than hoisting it out of the loop
(which would run it, and maybe raise, even when the loop runs zero times, and before the
side effects that precede it in the first iteration), the pass keeps it in place under
`i == 0` and carries its value to the later iterations::

    %h : Tensor = prim::Loop(%n, %true, %h.1)       %u : Tensor = prim::Uninitialized()
      block0(%i : int, %h.2 : Tensor):              %h : Tensor, %4 : Tensor = prim::Loop(%n, %true, %h.1, %u)
        %wt : Tensor = aten::t(%w)                    block0(%i : int, %h.2 : Tensor, %c : Tensor):
        %h.3 : Tensor = aten::mm(%h.2, %wt)    ==>      %first : bool = aten::eq(%i, %zero)
        -> (%true, %h.3)                                %wt.1 : Tensor = prim::If(%first)
                                                          block0():
                                                            %wt : Tensor = aten::t(%w)
                                                            -> (%wt)
                                                          block1():
                                                            -> (%c)
                                                        %h.3 : Tensor = aten::mm(%h.2, %wt.1)
                                                        -> (%true, %h.3, %wt.1)

Only tensor ops are cached: a Python scalar op costs about what the `i == 0` test costs.
The interpreter runs the rewritten graph the same way, so this is a pure speed pass for codegen.
"""

from __future__ import annotations

from hybridjit.ir import types as T
from hybridjit.ir.graph import Block, Graph, Node, Value
from hybridjit.ops.effects import effects_of, mentions_generator
from hybridjit.ops.resolution import match_node
from hybridjit.ops.tensor_ops import is_tensor_op


def cache_loop_invariants(graph: Graph) -> bool:
    """Run loop-invariant tensor ops only in their loop's first iteration; True if changed."""
    changed = False
    for loop in [n for n in graph.all_nodes() if n.kind == "prim::Loop"]:
        changed |= _cache_in(loop)
    return changed


def _cache_in(loop: Node) -> bool:
    body = loop.blocks[0]
    if not _loop_is_pure(body):
        return False
    candidates = [n for n in body.nodes if _cacheable(n, loop)]
    for node in candidates:
        _cache(loop, node)
    return bool(candidates)


def _loop_is_pure(block: Block) -> bool:
    """Nothing in the loop changes state or looks at object identity (see `ops.effects`)."""
    for node in block.all_nodes():
        effects = effects_of(node)
        if effects.changes_state or effects.observes_identity:
            return False
    return True


def _cacheable(node: Node, loop: Node) -> bool:
    schema = node.schema
    if schema is None or node.blocks or len(node.outputs) != 1 or not node.outputs[0].uses:
        return False
    if not is_tensor_op(schema) or effects_of(node).nondeterministic:
        return False
    if mentions_generator(schema) or any(_inside(v, loop) for v in node.inputs):
        return False
    return not _escapes(node.outputs[0], loop.blocks[0])


def _inside(value: Value, loop: Node) -> bool:
    """Whether `value` is defined in `loop` (a body parameter or a node nested in it)."""
    block: Block | None = value.node.owning_block
    while block is not None:
        if block.owning_node is loop:
            return True
        block = block.owning_node.owning_block if block.owning_node else None
    return False


def _escapes(value: Value, body: Block) -> bool:
    """Whether `value`, or anything that may alias or contain it, leaves the iteration.

    A tensor op returning a fresh (un-annotated) tensor stops the alias chain; any other
    user, containers and control flow included, passes it on.
    """
    reach, todo = {value}, [value]
    while todo:
        for use in todo.pop().uses:
            user = use.user
            if user is body.return_node:
                return True
            owner = _top(user, body)
            if owner is None:
                return True
            for out in _aliasing_outputs(user if owner is user else owner):
                if out not in reach:
                    reach.add(out)
                    todo.append(out)
    return False


def _top(node: Node, body: Block) -> Node | None:
    """The node of `body` that is or contains `node` (None if `node` is not in the body)."""
    while node.owning_block is not body:
        owner = node.owning_block.owning_node if node.owning_block else None
        if owner is None:
            return None
        node = owner
    return node


def _aliasing_outputs(node: Node) -> list[Value]:
    schema = node.schema
    if schema is not None and not node.blocks and _fresh_tensor_results(schema):
        return []
    return list(node.outputs)


def _fresh_tensor_results(schema: object) -> bool:
    returns = schema.returns  # type: ignore[attr-defined]
    return bool(returns) and all(
        isinstance(r.type, T.TensorType) and r.alias is None for r in returns
    )


def _cache(loop: Node, node: Node) -> None:
    graph, body = loop.graph, loop.blocks[0]
    out = node.output
    with graph.inserting_into(loop.owning_block, before=loop):
        init = graph.insert_node("prim::Uninitialized", (), (out.type,)).output
        zero = graph.constant(0, T.IntType)
    loop.add_input(init)
    carried = body.add_input(out.type)
    loop.add_output(out.type)
    with graph.inserting_into(body, before=node):
        first = graph.insert_node("aten::eq", (body.inputs[0], zero), (T.BoolType,),
                                  schema=_int_eq_schema()).output  # fmt: skip
        branch = graph.insert_node("prim::If", (first,), (out.type,),
                                   source_range=node.source_range)  # fmt: skip
    compute, reuse = branch.add_block(), branch.add_block()
    out.replace_all_uses_with(branch.output)
    node._unlink()
    compute.append(node)
    compute.register_output(out)
    reuse.register_output(carried)
    body.register_output(branch.output)


def _int_eq_schema() -> object:
    return match_node("aten::eq", [T.IntType, T.IntType], 1)
