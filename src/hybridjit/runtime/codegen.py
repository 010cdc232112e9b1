"""The default executor: IR → Python source → function.

Every value becomes a Python local (debug names sanitized: `x.1` → `x_1`), constants are
inlined as literals (or bound as globals: tensors, devices, non-finite floats), each op is bound
to its fastest callable or inlined as a Python operator (see `ops/kernels.py`), and control flow
becomes real `if` / `for` statements.  For example::

    graph(%x.1 : Tensor, %n.1 : int):           def forward(x_1, n_1):
      %2 : bool = prim::Constant[value=1]()         z = x_1
      %z : Tensor = prim::Loop(%n.1, %2, %x.1)      for i in range(n_1):
        block0(%i : int, %z.3 : Tensor):                z_1 = z.mul(i)  # f.py:3:8
          %z.5 : Tensor = aten::mul(%z.3, %i)           z = z_1
          -> (%2, %z.5)                             return z
      return (%z)

Generated code stays within CPython's limits at any size: a single-use value nests into its
user's expression only `MAX_EXPRESSION_DEPTH` deep, and control flow nested past
`MAX_BLOCK_DEPTH` levels becomes a helper function called from the outer one (`region`).

The source is registered with `linecache` under `<hybridjit-codegen-N:name>`, so tracebacks,
`inspect.getsource` and debuggers show it; each line ends with the original source location.
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import linecache
import re
from typing import Any, Callable, Sequence

from hybridjit.ir.graph import Block, Graph, Node, Value
from hybridjit.ops import kernels
from hybridjit.ops.impl import Operand
from hybridjit.ops.prims import PRIMS
from hybridjit.ops.prims.objects import callee_of
from hybridjit.pipeline import for_codegen
from hybridjit.runtime import objects
from hybridjit.runtime.executors import register_executor

_COUNTER = itertools.count()
_RESERVED = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
_NOT_IDENT = re.compile(r"\W", re.ASCII)
_INDENT = "    "


def compile_graph(graph: Graph, name: str = "forward") -> Callable[..., Any]:
    """Compile `graph` to a Python function (positional arguments, one per graph input).

    The code is generated from an optimized copy of `graph` (see `pipeline.for_codegen`);
    `fn.graph` is `graph` itself.
    """
    gen = _Codegen(for_codegen(graph))
    source = gen.function_source(name)
    filename = f"<hybridjit-codegen-{next(_COUNTER)}:{_NOT_IDENT.sub('_', name)}>"
    code = compile(source, filename, "exec")
    namespace: dict[str, Any] = {"__builtins__": builtins, **gen.globals}
    exec(code, namespace)  # noqa: S102 - our own generated source
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    fn = namespace[gen.function_name]
    fn.__hybridjit_source__ = source
    fn.graph = graph
    return fn


def generate_source(graph: Graph, name: str = "forward") -> str:
    """The Python source codegen writes for `graph` (for reading and tests)."""
    return _Codegen(for_codegen(graph)).function_source(name)


class _Codegen:
    """Writes one function; `bind` and the naming helpers are what emitters use."""

    indent = _INDENT

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.lines: list[str] = []
        self.globals: dict[str, Any] = {}
        self._bound: dict[int, str] = {}
        self._taken: set[str] = set()
        self._src: dict[Value, str] = {}
        self.constants: dict[Value, Any] = {}
        self.function_name = ""
        # Nodes whose expression is nested into their single user instead of getting a local.
        self.inlined: set[Node] = set()
        # Top-level helper functions for regions nested too deep (see `region`).
        self.helpers: list[list[str]] = []

    # -- names -------------------------------------------------------------------------------
    def fresh(self, base: str, is_global: bool = False) -> str:
        base = _NOT_IDENT.sub("_", base) or "v"
        if base[0].isdigit():
            base = f"v{base}"
        if (base.startswith("_hj") and not is_global) or base in _RESERVED:
            base = f"{base}_"
        name, n = base, 0
        while name in self._taken:
            n += 1
            name = f"{base}_{n}"
        self._taken.add(name)
        return name

    def local(self, value: Value) -> str:
        """The identifier of `value` (allocated on first use)."""
        if value not in self._src:
            self._src[value] = self.fresh(value.debug_name if value.has_debug_name() else
                                           f"v{value.debug_name}")  # fmt: skip
        return self._src[value]

    def src(self, value: Value) -> str:
        return self._src[value] if value in self._src else self.local(value)

    def operand(self, value: Value) -> Operand:
        if value in self.constants:
            return Operand(self.src(value), self.constants[value])
        node = value.node
        if node.kind == "prim::ListConstruct" and node in self.inlined:
            return Operand(self.src(value), elements=tuple(self.src(v) for v in node.inputs))
        return Operand(self.src(value))

    def bind(self, obj: Any, hint: str) -> str:
        """A global name for `obj` in the generated module."""
        name = self._bound.get(id(obj))
        if name is None:
            name = self._bound[id(obj)] = self.fresh(f"_hj_{hint}", is_global=True)
            self.globals[name] = obj
        return name

    def get_attr(self, node: Node) -> str:
        """`prim::GetAttr` as an expression (a fast helper; `.code` shows `obj.name`)."""
        fetch = self.bind(objects.get_attr, "get_attr")
        return f"{fetch}({self.src(node.inputs[0])}, {node['name']!r})"

    def set_field(self, obj: str, name: str, value: str) -> str:
        """A script object's field set as a statement (`object.__setattr__`: frozen dataclasses
        are built this way; `.code` shows `obj.name = value`)."""
        return f"{self.bind(object.__setattr__, 'set_field')}({obj}, {name!r}, {value})"

    def call_method(self, node: Node) -> str:
        """`prim::CallMethod` as an expression (compiled methods are called directly)."""
        args = [self.src(node.inputs[0]), repr(node["name"])]
        args += [self.src(v) for v in node.inputs[1:]]
        return f"{self.bind(objects.call_method, 'call_method')}({', '.join(args)})"

    def callee(self, node: Node) -> str:
        """The name a `prim::CallFunction` node calls."""
        callee = callee_of(node)
        name = getattr(callee, "__name__", "fn")
        compiled = getattr(callee, "compiled", None)
        if compiled is not None:
            # The caller's graph was type-checked: skip the callee's argument check.
            return self.bind(compiled(), name)
        return self.bind(callee, name)

    def is_constant(self, value: Value, expected: Any) -> bool:
        """Whether `value` is a constant equal to (and of the same identity as) `expected`."""
        return value in self.constants and self.constants[value] is expected

    def alias(self, value: Value, src: str) -> None:
        """Make `value` read as `src` (an existing local) without an assignment."""
        self._src[value] = src

    # -- writing -----------------------------------------------------------------------------
    def line(self, depth: int, text: str, node: Node | None = None) -> None:
        comment = _comment(node) if node is not None else ""
        self.lines.append(f"{_INDENT * depth}{text}{comment}")

    def assign(self, depth: int, targets: Sequence[str], values: Sequence[Value]) -> None:
        """Parallel assignment `a, b = x, y` (skipping `a = a`)."""
        pairs = [(t, self.src(v), v) for t, v in zip(targets, values) if t != self.src(v)]
        if pairs:
            lhs, rhs, vals = zip(*pairs)
            origin = next((v.node for v in vals if v.node in self.inlined), None)
            self.line(depth, f"{', '.join(lhs)} = {', '.join(rhs)}", origin)

    def header(self, name: str) -> str:
        self.function_name = self.fresh(name)
        params = [self.local(v) for v in self.graph.inputs]
        return f"def {self.function_name}({', '.join(params)}):"

    def function_source(self, name: str) -> str:
        self.lines = [self.header(name)]
        _Inliner(self).block(self.graph.block)
        self.nodes(self.graph.block, 1)  # the return follows: no `pass` needed
        outs = [self.src(v) for v in self.graph.outputs]
        result = outs[0] if len(outs) == 1 else f"({', '.join(outs)}{',' if outs else ''})"
        self.line(1, f"return {result}")
        return "\n".join(itertools.chain(self.lines, *self.helpers)) + "\n"

    def block(self, block: Block, depth: int, outputs: Sequence[str] = ()) -> None:
        """The block's nodes, then `outputs = <block outputs>` (or `pass` if empty)."""
        start = len(self.lines)
        self.nodes(block, depth)
        self.assign(depth, outputs, block.outputs)
        self.close_body(depth, start)

    def nodes(self, block: Block, depth: int) -> None:
        for node in block.nodes:
            if node.blocks and depth >= MAX_BLOCK_DEPTH:
                self.region(node, depth)
            else:
                (_emitter(node.kind) or _emit_op)(self, node, depth)

    def region(self, node: Node, depth: int) -> None:
        """Emit `node` (control flow nested too deep) as a helper function called here.

        CPython refuses more than 20 nested loops in one function ("too many statically
        nested blocks") and 100 indentation levels, so past `MAX_BLOCK_DEPTH` the node moves
        to its own top-level def, which takes the values the node reads from outside and
        returns its outputs; a loop and its `break` stay together inside the helper::

            for i in range(n):                      for i in range(n):
                ...18 levels...                         ...18 levels...
                    if c:                                   x_3 = _hj_region(c, x_1)
                        x_3 = x_1 + 1           def _hj_region(c, x_1):
                    else:                           if c: ...
                        x_3 = x_1                   return x_3
        """
        free = _free_values(node, self.constants)
        args = [self.src(v) for v in free]
        saved = {v: self._src[v] for v in free}
        params = [a if a.isidentifier() and not keyword.iskeyword(a) else self.fresh("arg")
                  for a in args]  # fmt: skip
        self._src.update(zip(free, params))
        name = self.fresh("_hj_region", is_global=True)
        outer, self.lines = self.lines, [f"def {name}({', '.join(params)}):"]
        (_emitter(node.kind) or _emit_op)(self, node, 1)
        outs = [self.local(v) for v in node.outputs]
        if outs:
            self.line(1, f"return {', '.join(outs)}")
        self.helpers.append(["", *self.lines])
        self.lines = outer
        self._src.update(saved)
        call = f"{name}({', '.join(args)})"
        self.line(depth, f"{', '.join(outs)} = {call}" if outs else call, node)

    def close_body(self, depth: int, start: int) -> None:
        if len(self.lines) == start:
            self.line(depth, "pass")

    def coalesce(self, block: Block, outputs: Sequence[Value], targets: Sequence[str],
                 free: Callable[[int, Node], bool]) -> None:  # fmt: skip
        """Let block outputs computed by the block's own nodes write straight into `targets`.

        Output k may take `targets[k]` when `free(k, node)` says nothing reads that name
        after `node` (the node computing it) in the block.
        """
        taken: set[Value] = set()
        for k, (v, name) in enumerate(zip(outputs, targets)):
            node = v.node
            if (node.owning_block is not block or node.kind in ("prim::Constant", "prim::Param")
                    or node in self.inlined or v in self._src or v in taken
                    or not free(k, node)):  # fmt: skip
                continue
            taken.add(v)
            self._src[v] = name

    def targets(self, node: Node) -> str:
        return ", ".join(self.local(v) for v in node.outputs)


class _Inliner:
    """Chooses the nodes whose expression nests into their user, as TorchScript's printer does.

    A single-use value is inlined when its node comes right before its user (constants aside),
    scanning the user's operands right to left: then nesting evaluates everything in the same
    order as the statements would, so no side effect or exception moves.  Nodes are visited
    in order, so an operand's own nesting is already known: `start[n]` is the first node of
    n's expression and `height[n]` how deep it nests.  An operand already `MAX_EXPRESSION_DEPTH`
    deep keeps its local: CPython's compiler recurses per level and gives up near 200.
    """

    def __init__(self, gen: _Codegen) -> None:
        self.gen = gen
        self.prev: dict[Node, Node | None] = {}
        self.start: dict[Node, Node] = {}
        self.height: dict[Node, int] = {}

    def block(self, block: Block, skip_first_output: bool = False) -> None:
        last: Node | None = None
        for node in block.nodes:
            if node.kind != "prim::Constant":
                self.prev[node], last = last, node
        self.prev[block.return_node] = last
        for node in block.nodes:
            self.node(node)
        outputs = block.outputs[1:] if skip_first_output else block.outputs
        self.operands(block.return_node, outputs)

    def node(self, node: Node) -> None:
        for b in node.blocks:
            self.block(b, skip_first_output=node.kind == "prim::Loop")
        if node.kind in _INLINE_INTO or (_emitter(node.kind) is None and _in_order(node)):
            self.operands(node, node.inputs)

    def operands(self, user: Node, inputs: Sequence[Value]) -> None:
        point, height = user, 0
        for v in reversed(inputs):
            node = v.node
            if node is not self.prev.get(point) or not _inlinable(v):
                continue
            below = self.height.get(node, 0)
            if below >= MAX_EXPRESSION_DEPTH:
                continue
            self.gen.inlined.add(node)
            height = max(height, below + 1)
            point = self.start.get(node, node) if _in_order(node) else node
        self.start[user], self.height[user] = point, height


def _free_values(node: Node, constants: dict[Value, Any]) -> list[Value]:
    """The values `node` and its nested blocks read but do not define, constants aside."""
    inner: set[Value] = set()
    free: dict[Value, None] = {}
    pending = [node]
    while pending:
        n = pending.pop()
        inner.update(n.outputs)
        free.update((v, None) for v in n.inputs)
        for b in n.blocks:
            inner.update(b.inputs)
            free.update((v, None) for v in b.outputs)
            pending.extend(reversed(list(b.nodes)))
    return [v for v in free if v not in inner and v not in constants]


# Control flow nested deeper than this (in indentation levels) moves to a helper function.
MAX_BLOCK_DEPTH = 18
# An operand nests into its user only while its own expression is less deep than this.
MAX_EXPRESSION_DEPTH = 50

_INLINE_INTO = frozenset({"prim::If", "prim::CallFunction", "prim::CallMethod"})


def _in_order(node: Node) -> bool:
    try:
        return kernels.impl_for_node(node).in_order
    except Exception:  # noqa: BLE001 - an op we cannot run: reported when emitting it
        return False


def _inlinable(v: Value) -> bool:
    node = v.node
    if len(v.uses) != 1 or len(node.outputs) != 1 or _emitter(node.kind) is not None:
        return False
    if kernels.unpacks(node) or node.blocks:
        return False
    try:
        return not kernels.impl_for_node(node).stmt
    except Exception:  # noqa: BLE001
        return False


def _comment(node: Node) -> str:
    if node.source_range is None:
        return ""
    text = "".join(c if c.isprintable() else "?" for c in str(node.source_range))
    return f"  # {text}"


# ---------------------------------------------------------------------------------------------
# emitters


def _emit_op(gen: _Codegen, node: Node, depth: int) -> None:
    impl = kernels.impl_for_node(node)
    ops = [gen.operand(v) for v in node.inputs]
    emit = impl.iter_emit if impl.iter_emit and _only_unpacked(node) else impl.emit
    text = emit(ops, gen)
    outs = node.outputs
    if node in gen.inlined:
        gen.alias(outs[0], text)
    elif impl.stmt:
        gen.line(depth, text, node)
        if outs:
            gen.alias(outs[0], ops[0].src)
    elif not outs:
        gen.line(depth, text, node)
    elif len(outs) == 1 and not kernels.unpacks(node):
        gen.line(depth, f"{gen.local(outs[0])} = {text}", node)
    else:
        gen.line(depth, f"{gen.targets(node)}, = {text}", node)


def _only_unpacked(node: Node) -> bool:
    uses = node.outputs[0].uses if len(node.outputs) == 1 else ()
    return bool(uses) and all(kernels.unpacks(u.user) for u in uses)


def _emitter(kind: str) -> Callable[[_Codegen, Node, int], None] | None:
    """The node-level emit rule of a prim (control flow, attributes, calls), if it has one."""
    prim = PRIMS.get(kind)
    return prim.emit if prim is not None else None


register_executor("codegen", compile_graph)
