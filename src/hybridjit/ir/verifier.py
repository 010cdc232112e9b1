"""The IR verifier: the invariants every frontend and every pass must leave intact.

`verify(graph)` raises `VerificationError` naming the offending node (its printed line) and
what was expected versus found:

- a value is used only where it is visible: defined earlier in the same block or in an
  enclosing block, never in a sibling or nested block, nor later;
- use-lists agree with node inputs, in both directions; debug names are unique;
- `prim::If(%cond)` has one bool input and two blocks without inputs whose outputs match the
  node's outputs (each a subtype);
- `prim::Loop(%max_trips, %cond, %carried...)` has one block taking `(int, carried...)` and
  returning `(bool, carried...)`; the node outputs the carried values;
- `prim::Constant` has no inputs and one output; `prim::ListConstruct` elements are subtypes
  of the list's element type; `prim::TupleConstruct` arity matches its tuple type;
- a node with a resolved schema has as many inputs as the schema has arguments.
"""

from __future__ import annotations

from typing import Callable, NoReturn

from hybridjit.errors import VerificationError
from hybridjit.ir.graph import PARAM, RETURN, Block, Graph, Node, Value
from hybridjit.ir.printer import node_line
from hybridjit.ir.types import (
    BoolType,
    IntType,
    ListType,
    TupleType,
    Type,
    is_subtype,
    unrefined,
)


def verify(graph: Graph) -> None:
    """Raise `VerificationError` if `graph` breaks an IR invariant; return None otherwise."""
    _Verifier(graph).run()


def fail(node: Node, problem: str) -> NoReturn:
    raise VerificationError(f"{node_line(node)}: {problem}")


class _Verifier:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.scopes: list[set[Value]] = []
        self.defined: dict[Value, Node] = {}  # every value seen so far -> the node defining it
        self.names: dict[str, Value] = {}
        self.nodes: set[Node] = set()

    def run(self) -> None:
        if self.graph.block.owning_node is not None:
            raise VerificationError("the graph's top-level block must not belong to a node")
        self.check_block(self.graph.block, self.graph.return_node)
        self.check_use_lists()

    # -- scoping -----------------------------------------------------------------------------
    def check_block(self, block: Block, context: Node) -> None:
        if block.graph is not self.graph:
            fail(context, "a block belongs to another graph")
        self.scopes.append(set())
        for v in block.inputs:
            self.define(v, block.param_node)
        for node in block.nodes:
            self.check_node(node, block)
        self.check_inputs(block.return_node)
        self.scopes.pop()

    def check_node(self, node: Node, block: Block) -> None:
        if node.owning_block is not block:
            fail(node, "the node's owning_block is not the block that lists it")
        if node.graph is not self.graph:
            fail(node, "the node belongs to another graph")
        if node.kind in (PARAM, RETURN):
            fail(node, f"{node.kind} may only be a block's parameter or return node")
        if node in self.nodes:
            fail(node, "the node appears twice in the graph")
        self.nodes.add(node)
        self.check_inputs(node)
        for b in node.blocks:
            if b.owning_node is not node:
                fail(node, "one of its blocks has another owning node")
            self.check_block(b, node)
        for v in node.outputs:
            self.define(v, node)
        _KIND_CHECKS.get(node.kind, _no_check)(node)
        _check_schema_arity(node)

    def define(self, value: Value, node: Node) -> None:
        offset_ok = 0 <= value.offset < len(node.outputs)
        if value.node is not node or not offset_ok or node.outputs[value.offset] is not value:
            fail(node, f"output %{value.debug_name} does not point back to its node and offset")
        other = self.names.get(value.debug_name)
        if other is not None and other is not value:
            fail(node, f"the name %{value.debug_name} is already used by another value")
        self.names[value.debug_name] = value
        self.defined[value] = node
        self.scopes[-1].add(value)

    def check_inputs(self, node: Node) -> None:
        for v in node.inputs:
            if not any(v in scope for scope in self.scopes):
                where = ("is defined in a block that does not enclose this use"
                         if v in self.defined else "is used before it is defined")  # fmt: skip
                fail(_culprit(node), f"{_role(node)} %{v.debug_name} {where}")

    # -- use-lists ---------------------------------------------------------------------------
    def check_use_lists(self) -> None:
        users = [*self.nodes, *(n.return_node for n in self._blocks())]
        expected = {(id(n), i): n.inputs[i] for n in users for i in range(len(n.inputs))}
        for node in users:
            for i, v in enumerate(node.inputs):
                if sum(1 for u in v.uses if u.user is node and u.offset == i) != 1:
                    fail(_culprit(node), f"%{v.debug_name} is input {i} but its use-list has "
                         f"{_count_uses(v, node, i)} entries for that use")  # fmt: skip
        for v, definer in self.defined.items():
            for use in v.uses:
                if expected.get((id(use.user), use.offset)) is not v:
                    fail(definer, f"%{v.debug_name} lists a use by {use.user.kind} at input "
                         f"{use.offset} that does not exist")  # fmt: skip

    def _blocks(self) -> list[Block]:
        return [self.graph.block, *(b for n in self.nodes for b in n.blocks)]


def _role(node: Node) -> str:
    """How a use by `node` is named in messages: `an input`, `block1 output`, `graph output`."""
    if node.kind != RETURN or node.owning_block is None:
        return "an input"
    owner = node.owning_block.owning_node
    if owner is None:
        return "graph output"
    return f"block{owner.blocks.index(node.owning_block)} output"


def _count_uses(v: Value, node: Node, offset: int) -> int:
    return sum(1 for u in v.uses if u.user is node and u.offset == offset)


def _culprit(node: Node) -> Node:
    """A return node prints as nothing useful; name the node that owns its block instead."""
    if node.kind == RETURN and node.owning_block is not None:
        owner = node.owning_block.owning_node
        if owner is not None:
            return owner
    return node


# ---------------------------------------------------------------------------------------------
# per-kind rules


def _no_check(node: Node) -> None:
    pass


def _types(values: tuple[Value, ...] | list[Value]) -> str:
    return "(" + ", ".join(str(v.type) for v in values) + ")"


def _expect_subtypes(node: Node, what: str, found: list[Value] | tuple[Value, ...],
                     expected: list[Type]) -> None:  # fmt: skip
    if len(found) != len(expected):
        fail(node, f"{what}: expected {len(expected)} values, found {len(found)}")
    for i, (v, t) in enumerate(zip(found, expected)):
        if not _compatible(v.type, t):
            fail(node, f"{what}: value {i} (%{v.debug_name}) has type {v.type}, "
                 f"expected a subtype of {t}")  # fmt: skip


def _compatible(a: Type, b: Type) -> bool:
    # Traces refine tensor types (`Float(2, strides=[1], ...)`) where calls return plain
    # `Tensor`; TorchScript accepts either way, so shapes are not part of the check.
    return is_subtype(a, b) or is_subtype(unrefined(a), unrefined(b))


def _check_if(node: Node) -> None:
    """`y = block0() if cond else block1()`."""
    if len(node.inputs) != 1 or not _compatible(node.inputs[0].type, BoolType):
        fail(node, f"prim::If expects one bool input, found {_types(node.inputs)}")
    if len(node.blocks) != 2:
        fail(node, f"prim::If expects 2 blocks, found {len(node.blocks)}")
    out_types = [o.type for o in node.outputs]
    for i, block in enumerate(node.blocks):
        if block.inputs:
            fail(node, f"prim::If block{i} expects no inputs, found {len(block.inputs)}")
        _expect_subtypes(node, f"outputs of block{i}", block.outputs, out_types)


def _check_loop(node: Node) -> None:
    """`i, c = 0, c0; while i < max_trips and cond: cond, c = body(i, c); i += 1`."""
    if len(node.inputs) < 2:
        fail(
            node, f"prim::Loop expects (int, bool, carried...) inputs, found {_types(node.inputs)}"
        )
    _expect_subtypes(node, "prim::Loop inputs", node.inputs[:2], [IntType, BoolType])
    if len(node.blocks) != 1:
        fail(node, f"prim::Loop expects 1 block, found {len(node.blocks)}")
    body = node.blocks[0]
    carried = node.inputs[2:]
    body_types = [v.type for v in body.inputs]
    if len(body.inputs) != len(carried) + 1:
        fail(node, f"the loop body expects {len(carried) + 1} inputs (iteration, carried...), "
             f"found {len(body.inputs)}")  # fmt: skip
    _expect_subtypes(node, "the loop body's iteration input", body.inputs[:1], [IntType])
    _expect_subtypes(node, "prim::Loop carried inputs", carried, body_types[1:])
    _expect_subtypes(node, "the loop body's outputs (condition, carried...)", body.outputs,
                     [BoolType, *body_types[1:]])  # fmt: skip
    if len(node.outputs) != len(carried):
        fail(node, f"prim::Loop expects {len(carried)} outputs (one per carried value), "
             f"found {len(node.outputs)}")  # fmt: skip
    _expect_subtypes(node, "the loop body's carried outputs", body.outputs[1:],
                     [o.type for o in node.outputs])  # fmt: skip


def _check_constant(node: Node) -> None:
    if node.inputs or len(node.outputs) != 1 or node.blocks:
        fail(node, "prim::Constant expects no inputs, no blocks and 1 output, found "
             f"{len(node.inputs)} inputs, {len(node.blocks)} blocks and "
             f"{len(node.outputs)} outputs")  # fmt: skip


def _check_list_construct(node: Node) -> None:
    if len(node.outputs) != 1 or not isinstance(node.outputs[0].type, ListType):
        fail(node, f"prim::ListConstruct expects 1 list output, found {_types(node.outputs)}")
    elem = node.outputs[0].type.elem  # type: ignore[attr-defined]
    _expect_subtypes(node, "list elements", node.inputs, [elem] * len(node.inputs))


def _check_tuple_construct(node: Node) -> None:
    if len(node.outputs) != 1 or not isinstance(node.outputs[0].type, TupleType):
        fail(node, f"prim::TupleConstruct expects 1 tuple output, found {_types(node.outputs)}")
    elems = list(node.outputs[0].type.elems)  # type: ignore[attr-defined]
    _expect_subtypes(node, "tuple elements", node.inputs, elems)


def _check_tuple_unpack(node: Node) -> None:
    if len(node.inputs) != 1 or not isinstance(node.inputs[0].type, TupleType):
        fail(node, f"prim::TupleUnpack expects 1 tuple input, found {_types(node.inputs)}")
    elems = node.inputs[0].type.elems  # type: ignore[attr-defined]
    if len(elems) != len(node.outputs):
        fail(node, f"prim::TupleUnpack of a {len(elems)}-tuple expects {len(elems)} outputs, "
             f"found {len(node.outputs)}")  # fmt: skip


def _check_schema_arity(node: Node) -> None:
    schema = node.schema
    if schema is None or getattr(schema, "is_vararg", False):
        return
    expected = len(getattr(schema, "arguments", ()))
    if len(node.inputs) != expected:
        fail(node, f"its schema {schema} takes {expected} arguments, found {len(node.inputs)} "
             "inputs")  # fmt: skip


_KIND_CHECKS: dict[str, Callable[[Node], None]] = {
    "prim::If": _check_if,
    "prim::Loop": _check_loop,
    "prim::Constant": _check_constant,
    "prim::ListConstruct": _check_list_construct,
    "prim::TupleConstruct": _check_tuple_construct,
    "prim::TupleUnpack": _check_tuple_unpack,
}

__all__ = ["verify"]
