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
- a node with a resolved schema is typed by it (TorchScript's subtyping; shapes and other
  tensor refinements aside, as traces refine them): as many inputs as the schema has
  arguments (at least as many, for `...`), each input a subtype of its argument's type
  (type variables bound by the first use), as many outputs as it returns, each output of
  the returned type (or a refinement of it);
- with `schemas=True` (how archives are loaded): a node of an operator that has schemas
  must have one that fits — an aten op given an int where every overload wants a Tensor,
  or `prim::Print()` given an output, is refused here instead of failing at its first run.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, NoReturn

from hybridjit.errors import VerificationError
from hybridjit.ir.graph import PARAM, RETURN, Block, Graph, Node, Value
from hybridjit.ir.printer import node_line
from hybridjit.ops import registry
from hybridjit.ops.prims import PRIMS
from hybridjit.ops.prims.base import VARIADIC, compatible
from hybridjit.ops.resolution import match_type_variables, normalize_int_like, substitute


def verify(graph: Graph, *, schemas: bool = False) -> None:
    """Raise `VerificationError` if `graph` breaks an IR invariant; return None otherwise.

    `schemas=True` also refuses operator nodes that no schema of their kind fits (see the
    module docstring); loading an archive asks for it.
    """
    _Verifier(graph, schemas).run()


def fail(node: Node, problem: str) -> NoReturn:
    raise VerificationError(f"{node_line(node)}: {problem}")


class _Verifier:
    def __init__(self, graph: Graph, schemas: bool = False) -> None:
        self.graph = graph
        self.schemas = schemas
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
        _check_kind(node)
        _check_schema(node, self.schemas)
        _check_declared(node)

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
        # Every use-list entry, counted once (a scan of `v.uses` per input is quadratic when
        # one value has many users).
        listed = Counter((id(u.user), u.offset, id(v)) for v in self.defined for u in v.uses)
        for node in users:
            for i, v in enumerate(node.inputs):
                if listed[(id(node), i, id(v))] != 1:
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
# per-kind rules: each prim's `verify` rule (`ops/prims`), and every schema's arity


def _check_kind(node: Node) -> None:
    prim = PRIMS.get(node.kind)
    if prim is not None and prim.verify is not None:
        prim.verify(node, fail)


def _check_declared(node: Node) -> None:
    """The counts and attributes every prim declares (its emitters and kernels rely on them);
    after the prim's own rule and the schema check, whose messages say more."""
    prim = PRIMS.get(node.kind)
    if prim is None:
        return
    for what, n, found in (("inputs", prim.n_inputs, len(node.inputs)),
                           ("outputs", prim.n_outputs, len(node.outputs)),
                           ("blocks", prim.blocks, len(node.blocks))):  # fmt: skip
        if n != VARIADIC and n != found:
            fail(node, f"{node.kind} has {n} {what}, found {found}")
    for name in prim.attributes:
        if name not in node.attributes and (node.kind, name) not in _OPTIONAL_ATTRIBUTES:
            fail(node, f"{node.kind} needs the attribute '{name}'")


_OPTIONAL_ATTRIBUTES = {("prim::Constant", "value")}  # absent: None


def _check_schema(node: Node, required: bool) -> None:
    schema = node.schema
    if schema is None:
        if required and registry.has_op(node.kind):
            ins = ", ".join(str(v.type) for v in node.inputs)
            outs = ", ".join(str(v.type) for v in node.outputs)
            fail(node, f"no schema of {node.kind} takes ({ins}) and returns ({outs})")
        return
    arguments = getattr(schema, "arguments", None)
    if arguments is None:  # not an ops.schema.Schema: nothing to check against
        return
    vararg = getattr(schema, "is_vararg", False)
    if len(node.inputs) < len(arguments) or (len(node.inputs) > len(arguments) and not vararg):
        fail(node, f"its schema {schema} takes {len(arguments)} arguments, found "
             f"{len(node.inputs)} inputs")  # fmt: skip
    env: dict[str, Any] = {}
    for i, (arg, v) in enumerate(zip(arguments, node.inputs)):
        formal, actual = normalize_int_like(arg.type), normalize_int_like(v.type)
        concrete = None if match_type_variables(formal, actual, env) else substitute(formal, env)
        if concrete is None or not compatible(actual, concrete):
            fail(node, f"input {i} (%{v.debug_name}) has type {v.type}, but its schema "
                 f"{schema} wants {arg.type} for '{arg.name}'")  # fmt: skip
    if getattr(schema, "is_varret", False):
        return
    returns = schema.returns
    if len(node.outputs) != len(returns):
        fail(node, f"its schema {schema} returns {len(returns)} values, found "
             f"{len(node.outputs)} outputs")  # fmt: skip
    for i, (ret, v) in enumerate(zip(returns, node.outputs)):
        produced = substitute(normalize_int_like(ret.type), env)
        if produced is None:
            continue  # a type variable only the output binds
        declared = normalize_int_like(v.type)
        if not (compatible(produced, declared) or compatible(declared, produced)):
            fail(node, f"output {i} (%{v.debug_name}) has type {v.type}, but its schema "
                 f"{schema} returns {ret.type}")  # fmt: skip


__all__ = ["verify"]
