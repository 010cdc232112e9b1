"""Graph, Block, Node and Value: the SSA IR with TorchScript's structured control flow.

Only the methods here change the IR; they keep use-lists right.  A `Block` holds an ordered
list of nodes between a `prim::Param` node (whose outputs are the block's inputs) and a
`prim::Return` node (whose inputs are the block's outputs), exactly as TorchScript does, so
that block outputs are ordinary uses.

Control flow, with its semantics written as Python::

    %y : T = prim::If(%cond)            y = block0() if cond else block1()
    %c : T = prim::Loop(%max, %go, %c0)   c, i = c0, 0
      block0(%i : int, %c.1 : T):         while i < max and go:
        ...                                   go, c = body(i, c)
        -> (%go.1, %c.2)                      i += 1

A `while` loop has `max = 9223372036854775807`; a `for i in range(n)` loop has `go = True`.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Any, Iterator, Sequence

from hybridjit.ir.types import Type

PARAM = "prim::Param"
RETURN = "prim::Return"

_NAME_SUFFIX = re.compile(r"^(.*)\.(\d+)$")


@dataclasses.dataclass(frozen=True)
class SourceRange:
    """Where a node came from: printed as `# file:line:col`; `source` is the full text."""

    filename: str
    line: int
    col: int
    source: str | None = dataclasses.field(default=None, compare=False, repr=False)
    end_col: int | None = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col}"

    def source_line(self) -> str | None:
        if self.source is None:
            return None
        lines = self.source.splitlines()
        return lines[self.line - 1] if 0 < self.line <= len(lines) else None

    def highlight(self) -> str:
        """The source line with `~~~` under the culprit, as compile errors show it."""
        text = self.source_line()
        if text is None:
            return ""
        end = self.end_col if self.end_col and self.end_col > self.col else len(text.rstrip())
        width = max(1, end - self.col)
        return f"{text}\n{' ' * self.col}{'~' * width} <--- HERE"


@dataclasses.dataclass(eq=False)
class Use:
    user: Node
    offset: int


class Value:
    """An SSA value: the output of a node or the input of a block."""

    def __init__(self, node: Node, offset: int, type: Type) -> None:
        self.node = node
        self.offset = offset
        self.type = type
        self.uses: list[Use] = []
        self.unique = next(node.graph._ids)
        self._name: str | None = None

    @property
    def graph(self) -> Graph:
        return self.node.graph

    @property
    def debug_name(self) -> str:
        return self._name if self._name is not None else str(self.unique)

    def has_debug_name(self) -> bool:
        return self._name is not None

    def set_debug_name(self, name: str | None) -> Value:
        """Name the value; an earlier holder of `name` becomes `name.N`, as in TorchScript."""
        self.graph._names.assign(self, name)
        return self

    def replace_all_uses_with(self, other: Value) -> None:
        for use in list(self.uses):
            use.user.replace_input(use.offset, other)

    def users(self) -> list[Node]:
        return [u.user for u in self.uses]

    def __repr__(self) -> str:
        return f"%{self.debug_name}"


class _Names:
    """The graph's one name allocator: debug names are unique within a graph."""

    def __init__(self) -> None:
        self.by_name: dict[str, Value] = {}
        self.next_suffix: dict[str, int] = {}

    def assign(self, value: Value, name: str | None) -> None:
        if value._name is not None:
            self.by_name.pop(value._name, None)
        value._name = name
        if name is None:
            return
        holder = self.by_name.get(name)
        if holder is not None and holder is not value:
            self.assign(holder, self._fresh(name))
        self.by_name[name] = value

    def assign_verbatim(self, value: Value, name: str) -> None:
        """Keep `name` exactly (the parser needs this to print text back unchanged)."""
        value._name = name
        self.by_name[name] = value

    def forget(self, value: Value) -> None:
        if value._name is not None and self.by_name.get(value._name) is value:
            del self.by_name[value._name]

    def _fresh(self, name: str) -> str:
        m = _NAME_SUFFIX.match(name)
        base = m.group(1) if m and not m.group(1).isdigit() else name
        n = self.next_suffix.get(base, 1)
        while f"{base}.{n}" in self.by_name:
            n += 1
        self.next_suffix[base] = n + 1
        return f"{base}.{n}"


class Node:
    """An operation: `kind` (e.g. `aten::add`), inputs, outputs, attributes, nested blocks."""

    def __init__(self, graph: Graph, kind: str) -> None:
        self.graph = graph
        self.kind = kind
        self.inputs: tuple[Value, ...] = ()
        self.outputs: list[Value] = []
        self.blocks: list[Block] = []
        self.attributes: dict[str, Any] = {}
        self.owning_block: Block | None = None
        self.source_range: SourceRange | None = None
        # The tracer's module scope, printed as `, scope: __module.fc` (None: not printed).
        self.scope: str | None = None
        # The resolved operator schema (an `ops.schema.Schema`), set by whoever creates the node.
        self.schema: Any = None

    # -- inputs ------------------------------------------------------------------------------
    def add_input(self, value: Value) -> Value:
        value.uses.append(Use(self, len(self.inputs)))
        self.inputs = (*self.inputs, value)
        return value

    def replace_input(self, offset: int, value: Value) -> None:
        old = self.inputs[offset]
        old.uses = [u for u in old.uses if not (u.user is self and u.offset == offset)]
        value.uses.append(Use(self, offset))
        self.inputs = (*self.inputs[:offset], value, *self.inputs[offset + 1 :])

    def replace_input_with(self, old: Value, new: Value) -> None:
        for i, v in enumerate(self.inputs):
            if v is old:
                self.replace_input(i, new)

    def remove_input(self, offset: int) -> None:
        self._drop_uses()
        kept = self.inputs[:offset] + self.inputs[offset + 1 :]
        self.inputs = ()
        for v in kept:
            self.add_input(v)

    def remove_all_inputs(self) -> None:
        self._drop_uses()
        self.inputs = ()

    def _drop_uses(self) -> None:
        for v in set(self.inputs):
            v.uses = [u for u in v.uses if u.user is not self]

    # -- outputs -----------------------------------------------------------------------------
    def add_output(self, type: Type, name: str | None = None) -> Value:
        v = Value(self, len(self.outputs), type)
        self.outputs.append(v)
        if name is not None:
            v.set_debug_name(name)
        return v

    def erase_output(self, offset: int) -> None:
        v = self.outputs[offset]
        if v.uses:
            raise ValueError(f"cannot erase output {v!r} of {self.kind}: it still has uses")
        self.graph._names.forget(v)
        del self.outputs[offset]
        for i, out in enumerate(self.outputs):
            out.offset = i

    @property
    def output(self) -> Value:
        if len(self.outputs) != 1:
            raise ValueError(f"{self.kind} has {len(self.outputs)} outputs, expected 1")
        return self.outputs[0]

    # -- blocks and attributes ---------------------------------------------------------------
    def add_block(self) -> Block:
        block = Block(self.graph, self)
        self.blocks.append(block)
        return block

    def __getitem__(self, attr: str) -> Any:
        return self.attributes[attr]

    def __setitem__(self, attr: str, value: Any) -> None:
        self.attributes[attr] = value

    def has_uses(self) -> bool:
        return any(o.uses for o in self.outputs)

    # -- placement ---------------------------------------------------------------------------
    def insert_before(self, other: Node) -> Node:
        return self._insert(other.owning_block, other.index(), other)

    def insert_after(self, other: Node) -> Node:
        return self._insert(other.owning_block, other.index() + 1, other)

    def move_before(self, other: Node) -> Node:
        self._unlink()
        return self.insert_before(other)

    def move_after(self, other: Node) -> Node:
        self._unlink()
        return self.insert_after(other)

    def _insert(self, block: Block | None, index: int, anchor: Node) -> Node:
        if block is None or self.owning_block is not None:
            raise ValueError(f"cannot insert {self.kind} next to {anchor.kind}")
        block.nodes.insert(index, self)
        self.owning_block = block
        return self

    def _unlink(self) -> None:
        if self.owning_block is not None:
            self.owning_block.nodes.remove(self)
            self.owning_block = None

    def index(self) -> int:
        if self.owning_block is None:
            raise ValueError(f"{self.kind} is not in a block")
        return next(i for i, n in enumerate(self.owning_block.nodes) if n is self)

    def destroy(self) -> None:
        """Remove the node; its outputs must have no uses left."""
        for block in self.blocks:
            block.destroy()
        for i in reversed(range(len(self.outputs))):
            self.erase_output(i)
        self.remove_all_inputs()
        self._unlink()

    def is_before(self, other: Node) -> bool:
        """True when `self` executes before `other` (both reachable from the graph block)."""
        a, b = self._path(), other._path()
        return a < b

    def _path(self) -> list[int]:
        path: list[int] = []
        node: Node | None = self
        while node is not None and node.owning_block is not None:
            path.insert(0, node.index())
            block = node.owning_block
            owner = block.owning_node
            if owner is not None:
                path.insert(0, owner.blocks.index(block))
            node = owner
        return path

    def __repr__(self) -> str:
        outs = ", ".join(map(repr, self.outputs))
        ins = ", ".join(map(repr, self.inputs))
        return f"{outs} = {self.kind}({ins})"


class Block:
    """An ordered list of nodes with inputs (parameters) and outputs (`-> (...)`)."""

    def __init__(self, graph: Graph, owning_node: Node | None) -> None:
        self.graph = graph
        self.owning_node = owning_node
        self.nodes: list[Node] = []
        self.param_node = Node(graph, PARAM)
        self.return_node = Node(graph, RETURN)
        self.param_node.owning_block = self
        self.return_node.owning_block = self

    @property
    def inputs(self) -> list[Value]:
        return self.param_node.outputs

    @property
    def outputs(self) -> tuple[Value, ...]:
        return self.return_node.inputs

    def add_input(self, type: Type, name: str | None = None) -> Value:
        return self.param_node.add_output(type, name)

    def insert_input(self, offset: int, type: Type, name: str | None = None) -> Value:
        v = self.add_input(type, name)
        outs = self.param_node.outputs
        outs.insert(offset, outs.pop())
        for i, out in enumerate(outs):
            out.offset = i
        return v

    def erase_input(self, offset: int) -> None:
        self.param_node.erase_output(offset)

    def register_output(self, value: Value) -> int:
        self.return_node.add_input(value)
        return len(self.outputs) - 1

    def erase_output(self, offset: int) -> None:
        self.return_node.remove_input(offset)

    def append(self, node: Node) -> Node:
        node.owning_block = self
        self.nodes.append(node)
        return node

    def prepend(self, node: Node) -> Node:
        node.owning_block = self
        self.nodes.insert(0, node)
        return node

    def destroy(self) -> None:
        for node in reversed(list(self.nodes)):
            for o in node.outputs:
                o.uses.clear()
            node.destroy()
        self.return_node.remove_all_inputs()

    def all_nodes(self) -> Iterator[Node]:
        """Every node in this block and, depth first, in the blocks nested in it."""
        for node in self.nodes:
            yield node
            for block in node.blocks:
                yield from block.all_nodes()


class Graph:
    """A function body: one top-level block whose inputs are the arguments."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._names = _Names()
        self._verbatim_names = False  # set while cloning: copy names exactly
        self.block = Block(self, None)
        self._insert_block: Block = self.block
        self._insert_index: int | None = None  # None: append at the end of the block

    # -- the top-level block -----------------------------------------------------------------
    @property
    def inputs(self) -> list[Value]:
        return self.block.inputs

    @property
    def outputs(self) -> tuple[Value, ...]:
        return self.block.outputs

    @property
    def return_node(self) -> Node:
        return self.block.return_node

    def add_input(self, type: Type, name: str | None = None) -> Value:
        return self.block.add_input(type, name)

    def register_output(self, value: Value) -> int:
        return self.block.register_output(value)

    def nodes(self) -> list[Node]:
        return list(self.block.nodes)

    def all_nodes(self) -> Iterator[Node]:
        return self.block.all_nodes()

    def value_by_name(self, name: str) -> Value | None:
        return self._names.by_name.get(name)

    # -- creating nodes ----------------------------------------------------------------------
    def create(
        self,
        kind: str,
        inputs: Sequence[Value] = (),
        output_types: Sequence[Type] = (),
        *,
        attributes: dict[str, Any] | None = None,
        source_range: SourceRange | None = None,
        schema: Any = None,
    ) -> Node:
        """A new node, not yet in any block (see `insert`)."""
        node = Node(self, kind)
        for v in inputs:
            node.add_input(v)
        for t in output_types:
            node.add_output(t)
        node.attributes.update(attributes or {})
        node.source_range = source_range
        node.schema = schema
        return node

    def insert(self, node: Node) -> Node:
        """Place `node` at the insertion point (by default, the end of the graph block)."""
        block = self._insert_block
        node.owning_block = block
        if self._insert_index is None:
            block.nodes.append(node)
        else:
            block.nodes.insert(self._insert_index, node)
            self._insert_index += 1
        return node

    def insert_node(self, kind: str, inputs: Sequence[Value] = (), output_types: Sequence[Type] = (),
                    **kwargs: Any) -> Node:  # fmt: skip
        return self.insert(self.create(kind, inputs, output_types, **kwargs))

    def insert_point(self) -> tuple[Block, int | None]:
        return self._insert_block, self._insert_index

    def set_insert_point(self, block: Block, before: Node | None = None) -> None:
        """Insert subsequent nodes at the end of `block`, or before `before` in it."""
        self._insert_block = block
        self._insert_index = None if before is None else before.index()

    def inserting_into(self, block: Block, before: Node | None = None) -> _InsertGuard:
        return _InsertGuard(self, block, before)

    def constant(self, value: Any, type: Type, source_range: SourceRange | None = None) -> Value:
        """A `prim::Constant` at the insertion point (`None` has no `value` attribute)."""
        attrs = {} if value is None else {"value": value}
        node = self.insert_node("prim::Constant", (), (type,), attributes=attrs,
                                source_range=source_range)  # fmt: skip
        return node.output

    def reserve_ids_above(self, n: int) -> None:
        """Make fresh unnamed values print as numbers greater than `n`."""
        current = next(self._ids)
        self._ids = itertools.count(max(current, n + 1))

    def __str__(self) -> str:
        from hybridjit.ir.printer import print_graph

        return print_graph(self)

    def str(self, print_source_ranges: bool = True) -> str:
        from hybridjit.ir.printer import print_graph

        return print_graph(self, print_source_ranges=print_source_ranges)

    def copy(self) -> Graph:
        from hybridjit.ir.clone import clone_graph

        return clone_graph(self)


class _InsertGuard:
    def __init__(self, graph: Graph, block: Block, before: Node | None) -> None:
        self.graph, self.block, self.before = graph, block, before

    def __enter__(self) -> Graph:
        self.saved = (self.graph._insert_block, self.graph._insert_index)
        self.graph.set_insert_point(self.block, self.before)
        return self.graph

    def __exit__(self, *exc: object) -> None:
        self.graph._insert_block, self.graph._insert_index = self.saved
