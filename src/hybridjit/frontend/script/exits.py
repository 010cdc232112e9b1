"""The shape TorchScript gives early exits, applied to the graph the lowering emits.

The lowering conditionalizes everything after a `return`/`break`/`continue` that may have
run: the rest of the block goes into the else branch of an `if <exit flag>`. Like
TorchScript's exit transform (`torch/csrc/jit/frontend/exit_transforms.cpp`) and its
`CanonicalizeModifiedLoops`, two rewrites then give the graph TorchScript's shape:

- `inline_consecutive_ifs`: an If on a flag that the If just before it sets to a different
  constant in each branch is folded into that If. `if c: return a` + `return b`::

      %r : T, %f : bool = prim::If(%c)           %r : T = prim::If(%c)
        block0():  -> (%a, %true)                  block0():  -> (%a)
        block1():  -> (%u, %false)       ==>       block1():  -> (%b)
      %s : T = prim::If(%f)
        block0():  -> (%r)
        block1():  -> (%b)

- `canonicalize_modified_loops`: a counted loop whose continue condition is not always true
  (a `for` with `break`/`return`) becomes a `while`-style loop with an explicit counter::

      prim::Loop(%n, %true, ...)                 %go = aten::gt(%n, 0)
        block0(%i, ...):                         prim::Loop(INT_MAX, %go, ..., 0)
          ...                            ==>       block0(%_, ..., %i):
          -> (%cond, ...)                            ...; %j = aten::add(%i, 1)
                                                     -> (%cond & (%j < %n), ..., %j)

- `fold_constant_if_outputs`: an If output that is the same constant in both branches (the
  continue condition of a `for` after `continue`) reads that constant, as TorchScript's
  constant propagation leaves it.
"""

from __future__ import annotations

from hybridjit.ir import types as T
from hybridjit.ir.graph import Block, Graph, Node, Value
from hybridjit.ops.resolution import match_node

INT_MAX = 9223372036854775807


def transform_exits(graph: Graph) -> None:
    """The three rewrites, in TorchScript's order."""
    inline_consecutive_ifs(graph.block)
    canonicalize_modified_loops(graph.block)
    fold_constant_if_outputs(graph)


def fold_constant_if_outputs(graph: Graph) -> None:
    """An If output that is the same constant in both branches becomes that constant."""
    for node in list(graph.all_nodes()):
        if node.kind != "prim::If":
            continue
        for out in node.outputs:
            a, b = (blk.outputs[out.offset].node for blk in node.blocks)
            if out.uses and _same_constant(a, b) and a.outputs[0].type == out.type:
                with graph.inserting_into(node.owning_block, before=node):  # type: ignore[arg-type]
                    copy = graph.insert_node("prim::Constant", (), (out.type,),
                                             attributes=dict(a.attributes))  # fmt: skip
                out.replace_all_uses_with(copy.output)


def _same_constant(a: Node, b: Node) -> bool:
    if a.kind != "prim::Constant" or b.kind != "prim::Constant" or "value" not in a.attributes:
        return False
    x, y = a.attributes["value"], b.attributes.get("value")
    return type(x) is type(y) and isinstance(x, (bool, int, float, str)) and x == y


# -- consecutive ifs -------------------------------------------------------------------------
def inline_consecutive_ifs(block: Block) -> None:
    """Fold each If into the If before it when its condition is that If's constant output."""
    i = 0
    while i < len(block.nodes):
        for sub in block.nodes[i].blocks:
            inline_consecutive_ifs(sub)
        if not _inline_next_if(block, i):
            i += 1


def _inline_next_if(block: Block, i: int) -> bool:
    first = block.nodes[i]
    second = block.nodes[i + 1] if i + 1 < len(block.nodes) else None
    if first.kind != "prim::If" or second is None or second.kind != "prim::If":
        return False
    cond = second.inputs[0]
    if cond.node is not first:
        return False
    values = [_const_bool(b.outputs[cond.offset]) for b in first.blocks]
    if None in values or values[0] == values[1]:
        return False  # equal constants: the second If folds away by itself
    for target, taken in zip(first.blocks, values):
        _move_block_into(second.blocks[0 if taken else 1], target, first)
    for out in list(second.outputs):
        new = first.add_output(out.type)
        if out.has_debug_name():
            name = out.debug_name
            out.set_debug_name(None)
            new.set_debug_name(name)
        out.replace_all_uses_with(new)
    second.destroy()
    return True


def _move_block_into(src: Block, dst: Block, first: Node) -> None:
    """Append `src`'s nodes and outputs to `dst`, reading `first`'s outputs from `dst`."""

    def local(v: Value) -> Value:
        return dst.outputs[v.offset] if v.node is first else v

    for node in list(src.nodes):
        node._unlink()
        dst.append(node)
        for inner in [node, *node_tree(node)]:
            for k, v in enumerate(inner.inputs):
                if v.node is first:
                    inner.replace_input(k, local(v))
    outputs = [local(v) for v in src.outputs]
    for k in reversed(range(len(src.outputs))):
        src.erase_output(k)
    for v in outputs:
        dst.register_output(v)


def node_tree(node: Node) -> list[Node]:
    """The nodes nested in `node`'s blocks at any depth, each block's return node included."""
    out: list[Node] = []
    for block in node.blocks:
        for inner in block.nodes:
            out += [inner, *node_tree(inner)]
        out.append(block.return_node)
    return out


def _const_bool(v: Value) -> bool | None:
    node = v.node
    if node.kind == "prim::Constant" and isinstance(node.attributes.get("value"), bool):
        return bool(node.attributes["value"])
    return None


# -- modified loops --------------------------------------------------------------------------
def canonicalize_modified_loops(block: Block) -> None:
    """Rewrite every counted loop whose condition may turn false as a while-style loop."""
    for node in list(block.all_nodes()):
        if node.kind == "prim::Loop" and _is_modified(node):
            _canonicalize(node)


def _is_modified(loop: Node) -> bool:
    body = loop.blocks[0]
    always = _const_bool(loop.inputs[1]) is True and _const_bool(body.outputs[0]) is True
    trip = loop.inputs[0]
    counted = not (
        trip.node.kind == "prim::Constant" and trip.node.attributes.get("value") == INT_MAX
    )
    return counted and not always


def _canonicalize(loop: Node) -> None:
    graph, body = loop.graph, loop.blocks[0]
    trip, first_cond = loop.inputs[0], loop.inputs[1]
    with graph.inserting_into(loop.owning_block, before=loop):  # type: ignore[arg-type]
        zero = graph.constant(0, T.IntType)
        one = graph.constant(1, T.IntType)
        go = _op(graph, "aten::gt", [trip, zero], T.BoolType)
        if _const_bool(first_cond) is not True:
            go = _op(graph, "aten::__and__", [go, first_cond], T.BoolType)
        max_trip = graph.constant(INT_MAX, T.IntType)
    loop.replace_input(0, max_trip)
    loop.replace_input(1, go)
    loop.add_input(zero)
    loop.add_output(T.IntType)
    counter = body.add_input(T.IntType)
    old = body.inputs[0]
    old.set_debug_name(None)
    old.replace_all_uses_with(counter)
    with graph.inserting_into(body):
        nxt = _op(graph, "aten::add", [counter, one], T.IntType)
        more = _op(graph, "aten::lt", [nxt, trip], T.BoolType)
        cond = _op(graph, "aten::__and__", [more, body.outputs[0]], T.BoolType)
    outputs = [cond, *body.outputs[1:], nxt]
    for k in reversed(range(len(body.outputs))):
        body.erase_output(k)
    for v in outputs:
        body.register_output(v)


def _op(graph: Graph, kind: str, inputs: list[Value], out: T.Type) -> Value:
    schema = match_node(kind, [v.type for v in inputs], 1)
    node = graph.insert_node(kind, inputs, (out,), schema=schema)
    return node.output
