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
import math
import re
from typing import Any, Iterator, Sequence

from hybridjit.ir.clone import clone_graph
from hybridjit.ir.printer import print_graph
from hybridjit.ir.types import Type

PARAM = "prim::Param"
RETURN = "prim::Return"

_UNSPELLABLE = re.compile(r"[^\w.$]")
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
        """Name the value; an earlier holder of `name` becomes `name.N`, as in TorchScript.
        Characters the IR text cannot spell (a submodule called `block1-0`) become `_`."""
        if name is not None:
            name = _UNSPELLABLE.sub("_", name)
        self.graph._names.assign(self, name)
        return self

    def replace_all_uses_with(self, other: Value) -> None:
        """Rewrite every use at once: each user's inputs are rebuilt once, not once per use."""
        if other is self:
            return
        uses, self.uses = self.uses, []
        offsets: dict[Node, list[int]] = {}
        for use in uses:
            offsets.setdefault(use.user, []).append(use.offset)
        for user, at in offsets.items():
            inputs = list(user.inputs)
            for i in at:
                inputs[i] = other
            user.inputs = tuple(inputs)
        other.uses.extend(uses)

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
        # Placement: neighbours in `owning_block` (its param and return nodes end the chain)
        # and an order label that grows along the block (see `Block` for the scheme).
        self._prev: Node | None = None
        self._next: Node | None = None
        self._label = 0
        self._rank = 0  # the index, valid while the block's snapshot is

    # -- inputs ------------------------------------------------------------------------------
    def add_input(self, value: Value) -> Value:
        value.uses.append(Use(self, len(self.inputs)))
        self.inputs = (*self.inputs, value)
        return value

    def add_inputs(self, values: Sequence[Value]) -> None:
        """Append many inputs in time linear in their number (`add_input` copies the tuple)."""
        values = tuple(values)
        start = len(self.inputs)
        for i, v in enumerate(values):
            v.uses.append(Use(self, start + i))
        self.inputs = (*self.inputs, *values)

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
        self.add_inputs(kept)

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
    @property
    def next(self) -> Node | None:
        """The following node; the block's return node after the last one (as in torch)."""
        return self._next if self.owning_block is not None else None

    @property
    def prev(self) -> Node | None:
        """The preceding node; the block's param node before the first one (as in torch)."""
        return self._prev if self.owning_block is not None else None

    def insert_before(self, other: Node) -> Node:
        if other._prev is None or other.owning_block is None:
            raise ValueError(f"cannot insert {self.kind} before {other.kind}")
        return self._insert_after(other._prev, other)

    def insert_after(self, other: Node) -> Node:
        if other._next is None or other.owning_block is None:
            raise ValueError(f"cannot insert {self.kind} after {other.kind}")
        return self._insert_after(other, other)

    def move_before(self, other: Node) -> Node:
        self._unlink()
        return self.insert_before(other)

    def move_after(self, other: Node) -> Node:
        self._unlink()
        return self.insert_after(other)

    def _insert_after(self, prev: Node, anchor: Node) -> Node:
        block = prev.owning_block
        if block is None or self.owning_block is not None or self is anchor:
            raise ValueError(f"cannot insert {self.kind} next to {anchor.kind}")
        block._link_after(self, prev)
        return self

    def _unlink(self) -> None:
        """Take the node out of its block.  Its own links stay (stale) so that an iteration
        whose current node this is can still find its way to the nodes that followed it."""
        block = self.owning_block
        if block is None:
            return
        if self._prev is None or self._next is None:
            raise ValueError(f"cannot unlink a block's {self.kind} node")
        block._unlink(self)

    def index(self) -> int:
        """The position in the block: O(1) while the block is unchanged, else one O(n) pass
        (prefer `is_before`, `next`, `prev`, which are O(1) always)."""
        block = self.owning_block
        if block is None or self._prev is None or self._next is None:
            raise ValueError(f"{self.kind} is not in a block")
        block._snapshot()
        return self._rank

    def destroy(self) -> None:
        """Remove the node; its outputs must have no uses left."""
        for block in self.blocks:
            block.destroy()
        for i in reversed(range(len(self.outputs))):
            self.erase_output(i)
        self.remove_all_inputs()
        self._unlink()

    def is_before(self, other: Node) -> bool:
        """True when `self` executes before `other` (both reachable from the graph block).

        O(nesting depth): order labels compare nodes of one block in O(1)."""
        return self._path() < other._path()

    def _path(self) -> list[float]:
        path: list[float] = []
        node: Node | None = self
        while node is not None and node.owning_block is not None:
            block = node.owning_block
            path.append(node._order())
            owner = block.owning_node
            if owner is not None:
                path.append(owner.blocks.index(block))
            node = owner
        path.reverse()
        return path

    def _order(self) -> float:
        if self._prev is None:  # a param node precedes its block's nodes
            return -math.inf
        return math.inf if self._next is None else self._label

    def __repr__(self) -> str:
        outs = ", ".join(map(repr, self.outputs))
        ins = ", ".join(map(repr, self.inputs))
        return f"{outs} = {self.kind}({ins})"


class Block:
    """An ordered list of nodes with inputs (parameters) and outputs (`-> (...)`).

    The nodes form a doubly linked chain from `param_node` to `return_node`, so inserting,
    moving and destroying a node are O(1).  Each node also carries an integer order label,
    increasing along the chain, so that `is_before` is O(1): a new node takes the midpoint of
    its neighbours' labels, and when they are adjacent integers a small range around them is
    relabelled (the list-labelling scheme of Bender et al., "Two simplified algorithms for
    maintaining order in a list", 2002: O(log n) amortized, O(1) for appends and prepends).
    """

    def __init__(self, graph: Graph, owning_node: Node | None) -> None:
        self.graph = graph
        self.owning_node = owning_node
        self.param_node = Node(graph, PARAM)
        self.return_node = Node(graph, RETURN)
        self.param_node.owning_block = self
        self.return_node.owning_block = self
        self.param_node._next = self.return_node
        self.return_node._prev = self.param_node
        self._bits = _LABEL_BITS
        self.return_node._label = 1 << self._bits
        self._count = 0
        self._array: list[Node] | None = None  # the nodes as a list, while unchanged

    @property
    def nodes(self) -> NodeList:
        """The nodes in order: a live view (iterate, `len`, `[i]`; see `NodeList`)."""
        return NodeList(self)

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
        last = self.return_node._prev
        assert last is not None
        return node._insert_after(last, self.return_node)

    def prepend(self, node: Node) -> Node:
        return node._insert_after(self.param_node, self.param_node)

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

    # -- the chain and its labels ------------------------------------------------------------
    def _link_after(self, node: Node, prev: Node) -> None:
        nxt = prev._next
        assert nxt is not None
        node._label = self._label_between(prev, nxt)
        node._prev, node._next = prev, nxt
        prev._next = nxt._prev = node
        node.owning_block = self
        self._count += 1
        self._array = None

    def _unlink(self, node: Node) -> None:
        prev, nxt = node._prev, node._next
        assert prev is not None and nxt is not None
        prev._next, nxt._prev = nxt, prev
        node.owning_block = None
        self._count -= 1
        self._array = None

    def _label_between(self, prev: Node, nxt: Node) -> int:
        """A label strictly between the two neighbours' (relabelling around them if needed)."""
        while True:
            low, high = prev._label, nxt._label
            if nxt is self.return_node and low + _APPEND_GAP < high:
                return low + _APPEND_GAP if prev is not self.param_node else high // 2
            if prev is self.param_node and high - _APPEND_GAP > low:
                return high - _APPEND_GAP
            if high - low >= 2:
                return (low + high) // 2
            self._relabel_around(prev if prev is not self.param_node else nxt)

    def _relabel_around(self, pivot: Node) -> None:
        """Spread out the labels of the smallest aligned range around `pivot` that is sparse
        enough (at most (2/T)^i nodes in a range of 2^i labels, T = 1.5); a new label then
        fits between any two neighbours in it.  If even the whole label space is too dense,
        it grows by `_LABEL_BITS` bits."""
        first = last = pivot
        count = 1
        for i in range(1, self._bits + 1):
            low = (pivot._label >> i) << i
            high = low + (1 << i)
            while (before := first._prev) is not self.param_node and before._label >= low:
                first, count = before, count + 1
            while (after := last._next) is not self.return_node and after._label < high:
                last, count = after, count + 1
            if (count + 1) * 3**i <= 4**i and (1 << i) // (count + 1) >= 2:
                self._spread(first, count, low, high)
                return
        self._bits += _LABEL_BITS
        self.return_node._label = 1 << self._bits
        first_node = self.param_node._next
        assert first_node is not None
        self._spread(first_node, self._count, 0, 1 << self._bits)

    def _spread(self, first: Node, count: int, low: int, high: int) -> None:
        """Give `count` nodes from `first` labels `step` apart strictly inside (low, high)."""
        step = (high - low) // (count + 1)
        node = first
        for k in range(1, count + 1):
            node._label = low + step * k
            node = node._next  # type: ignore[assignment]

    def _snapshot(self) -> list[Node]:
        """The nodes as a list (each node's `_rank` set), rebuilt only after a change."""
        if self._array is None:
            array = list(NodeList(self))
            for i, node in enumerate(array):
                node._rank = i
            self._array = array
        return self._array


_LABEL_BITS = 64
_APPEND_GAP = 1 << 20


class NodeList:
    """A block's nodes, in order: a live view of the block's chain.

    Iterating is safe while the body destroys or moves the current node (as torch's IR
    allows): iteration continues with the node that followed the current one when it was
    reached, or, if that one was removed too, with the first node after it still in the block.
    Nodes inserted during iteration directly after the current node are not visited.
    `len` is O(1); `[i]` is O(1) while the block is unchanged (one O(n) pass after a change).
    """

    __slots__ = ("block",)

    def __init__(self, block: Block) -> None:
        self.block = block

    def __iter__(self) -> Iterator[Node]:
        return self._walk(forward=True)

    def __reversed__(self) -> Iterator[Node]:
        return self._walk(forward=False)

    def _walk(self, forward: bool) -> Iterator[Node]:
        block = self.block
        end = block.return_node if forward else block.param_node
        node = block.param_node._next if forward else block.return_node._prev
        while node is not end:
            following = node._next if forward else node._prev
            yield node  # type: ignore[misc]
            node = _resume(block, following, forward)  # type: ignore[arg-type]
            if node is None:
                return

    def __len__(self) -> int:
        return self.block._count

    def __bool__(self) -> bool:
        return self.block._count > 0

    def __contains__(self, node: object) -> bool:
        return (
            isinstance(node, Node)
            and node.owning_block is self.block
            and (node._prev is not None and node._next is not None)
        )

    def __getitem__(self, index: int | slice) -> Any:
        if index == 0 and self.block._count:
            return self.block.param_node._next
        if index == -1 and self.block._count:
            return self.block.return_node._prev
        return self.block._snapshot()[index]

    def index(self, node: Node) -> int:
        if node not in self:
            raise ValueError(f"{node.kind} is not in this block")
        return node.index()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NodeList):
            return list(self) == list(other)
        return isinstance(other, list) and list(self) == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NodeList({list(self)!r})"


def _resume(block: Block, node: Node, forward: bool) -> Node | None:
    """The first node from `node` on that is still in `block`, following the stale links of
    removed nodes (each leads to a node removed later, or to one still in place)."""
    while node.owning_block is not block:
        if node.owning_block is not None:
            return None  # moved to another block: the walk cannot tell where it would go on
        node = node._next if forward else node._prev  # type: ignore[assignment]
    return node


class Graph:
    """A function body: one top-level block whose inputs are the arguments."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._names = _Names()
        self._verbatim_names = False  # set while cloning: copy names exactly
        self.block = Block(self, None)
        self._insert_block: Block = self.block
        self._insert_before: Node | None = None  # None: append at the end of the block

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
        node.add_inputs(inputs)
        for t in output_types:
            node.add_output(t)
        node.attributes.update(attributes or {})
        node.source_range = source_range
        node.schema = schema
        return node

    def insert(self, node: Node) -> Node:
        """Place `node` at the insertion point (by default, the end of the graph block)."""
        if self._insert_before is None:
            return self._insert_block.append(node)
        return node.insert_before(self._insert_before)

    def insert_node(self, kind: str, inputs: Sequence[Value] = (), output_types: Sequence[Type] = (),
                    **kwargs: Any) -> Node:  # fmt: skip
        return self.insert(self.create(kind, inputs, output_types, **kwargs))

    def insert_point(self) -> tuple[Block, int | None]:
        """The insertion block and the index nodes go to (None: the end)."""
        before = self._insert_before
        return self._insert_block, None if before is None else before.index()

    def set_insert_point(self, block: Block, before: Node | None = None) -> None:
        """Insert subsequent nodes at the end of `block`, or before `before` in it."""
        self._insert_block = block
        if before is not None and before.owning_block is not block:
            raise ValueError(f"{before.kind} is not in the insertion block")
        self._insert_before = before

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
        return print_graph(self)

    def str(self, print_source_ranges: bool = True) -> str:
        return print_graph(self, print_source_ranges=print_source_ranges)

    def copy(self) -> Graph:
        return clone_graph(self)


class _InsertGuard:
    def __init__(self, graph: Graph, block: Block, before: Node | None) -> None:
        self.graph, self.block, self.before = graph, block, before

    def __enter__(self) -> Graph:
        self.saved = (self.graph._insert_block, self.graph._insert_before)
        self.graph.set_insert_point(self.block, self.before)
        return self.graph

    def __exit__(self, *exc: object) -> None:
        self.graph._insert_block, self.graph._insert_before = self.saved
