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

The source is registered with `linecache` under `<hybridjit-codegen-N:name>`, so tracebacks,
`inspect.getsource` and debuggers show it; each line ends with the original source location.
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import linecache
import math
import re
from typing import Any, Callable, Iterable, Sequence

import torch

from hybridjit.ir.graph import Block, Graph, Node, Value
from hybridjit.ops import kernels
from hybridjit.ops.kernels import Operand
from hybridjit.passes.cache_loop_invariants import cache_loop_invariants
from hybridjit.runtime import module
from hybridjit.runtime.function import ScriptFunction

_COUNTER = itertools.count()
_RESERVED = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
_NOT_IDENT = re.compile(r"\W", re.ASCII)
_INDENT = "    "


def compile_graph(graph: Graph, name: str = "forward") -> Callable[..., Any]:
    """Compile `graph` to a Python function (positional arguments, one per graph input).

    The code is generated from an optimized copy of `graph` (see `optimize_for_codegen`);
    `fn.graph` is `graph` itself.
    """
    gen = _Codegen(optimize_for_codegen(graph))
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
    return _Codegen(optimize_for_codegen(graph)).function_source(name)


# Speed passes for generated code, each `(graph) -> changed`, run on a copy of the graph.
CODEGEN_PASSES: tuple[Callable[[Graph], bool], ...] = (cache_loop_invariants,)


def optimize_for_codegen(graph: Graph) -> Graph:
    """`graph`, or a copy rewritten by `CODEGEN_PASSES` where one of them applies."""
    if not any(n.kind == "prim::Loop" for n in graph.all_nodes()):
        return graph  # every pass so far rewrites loops only: spare the copy
    copy = graph.copy()
    changed = [run(copy) for run in CODEGEN_PASSES]
    return copy if any(changed) else graph


class _Codegen:
    """Writes one function; `bind` and the naming helpers are what emitters use."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.lines: list[str] = []
        self.globals: dict[str, Any] = {}
        self._bound: dict[int, str] = {}
        self._taken: set[str] = set()
        self._src: dict[Value, str] = {}
        self._const: dict[Value, Any] = {}
        self.function_name = ""
        # Nodes whose expression is nested into their single user instead of getting a local.
        self.inlined: set[Node] = set()
        self._prev: dict[Node, Node | None] = {}

    # -- names -------------------------------------------------------------------------------
    def _fresh(self, base: str, is_global: bool = False) -> str:
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
            self._src[value] = self._fresh(value.debug_name if value.has_debug_name() else
                                           f"v{value.debug_name}")  # fmt: skip
        return self._src[value]

    def src(self, value: Value) -> str:
        return self._src[value] if value in self._src else self.local(value)

    def operand(self, value: Value) -> Operand:
        if value in self._const:
            return Operand(self.src(value), self._const[value])
        node = value.node
        if node.kind == "prim::ListConstruct" and node in self.inlined:
            return Operand(self.src(value), elements=tuple(self.src(v) for v in node.inputs))
        return Operand(self.src(value))

    def bind(self, obj: Any, hint: str) -> str:
        """A global name for `obj` in the generated module."""
        name = self._bound.get(id(obj))
        if name is None:
            name = self._bound[id(obj)] = self._fresh(f"_hj_{hint}", is_global=True)
            self.globals[name] = obj
        return name

    def get_attr(self, node: Node) -> str:
        """`prim::GetAttr` as an expression (a fast helper; `.code` shows `obj.name`)."""
        fetch = self.bind(module.get_attr, "get_attr")
        return f"{fetch}({self.src(node.inputs[0])}, {node['name']!r})"

    def call_method(self, node: Node) -> str:
        """`prim::CallMethod` as an expression (compiled methods are called directly)."""
        args = [self.src(node.inputs[0]), repr(node["name"])]
        args += [self.src(v) for v in node.inputs[1:]]
        return f"{self.bind(module.call_method, 'call_method')}({', '.join(args)})"

    def callee(self, node: Node) -> str:
        """The name a `prim::CallFunction` node calls."""
        callee = kernels.callee_of(node)
        name = getattr(callee, "__name__", "fn")
        if isinstance(callee, ScriptFunction):
            # The caller's graph was type-checked: skip the callee's argument check.
            return self.bind(callee.compiled(), name)
        return self.bind(callee, name)

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
        self.function_name = self._fresh(name)
        params = [self.local(v) for v in self.graph.inputs]
        return f"def {self.function_name}({', '.join(params)}):"

    def function_source(self, name: str) -> str:
        self.lines = [self.header(name)]
        _Inliner(self).block(self.graph.block)
        self.nodes(self.graph.block, 1)  # the return follows: no `pass` needed
        outs = [self.src(v) for v in self.graph.outputs]
        result = outs[0] if len(outs) == 1 else f"({', '.join(outs)}{',' if outs else ''})"
        self.line(1, f"return {result}")
        return "\n".join(self.lines) + "\n"

    def block(self, block: Block, depth: int, outputs: Sequence[str] = ()) -> None:
        """The block's nodes, then `outputs = <block outputs>` (or `pass` if empty)."""
        start = len(self.lines)
        self.nodes(block, depth)
        self.assign(depth, outputs, block.outputs)
        self.close_body(depth, start)

    def nodes(self, block: Block, depth: int) -> None:
        for node in block.nodes:
            EMITTERS.get(node.kind, _emit_op)(self, node, depth)

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
    order as the statements would, so no side effect or exception moves.
    """

    def __init__(self, gen: _Codegen) -> None:
        self.gen = gen
        self.prev: dict[Node, Node | None] = {}

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
        if node in self.gen.inlined:
            return
        for b in node.blocks:
            self.block(b, skip_first_output=node.kind == "prim::Loop")
        if node.kind in _INLINE_INTO or (node.kind not in EMITTERS and _in_order(node)):
            self.operands(node, node.inputs)

    def operands(self, user: Node, inputs: Sequence[Value]) -> Node:
        point = user
        for v in reversed(inputs):
            point = self.value(point, v)
        return point

    def value(self, point: Node, v: Value) -> Node:
        node = v.node
        if node is not self.prev.get(point) or not _inlinable(v):
            return point
        self.gen.inlined.add(node)
        return self.operands(node, node.inputs) if _in_order(node) else node


_INLINE_INTO = frozenset({"prim::If", "prim::CallFunction", "prim::CallMethod"})


def _in_order(node: Node) -> bool:
    try:
        return kernels.impl_for_node(node).in_order
    except Exception:  # noqa: BLE001 - an op we cannot run: reported when emitting it
        return False


def _inlinable(v: Value) -> bool:
    node = v.node
    if len(v.uses) != 1 or len(node.outputs) != 1 or node.kind in EMITTERS:
        return False
    if node.kind in kernels.UNPACKING or node.blocks:
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
    elif len(outs) == 1 and node.kind not in kernels.UNPACKING:
        gen.line(depth, f"{gen.local(outs[0])} = {text}", node)
    else:
        gen.line(depth, f"{gen.targets(node)}, = {text}", node)


def _only_unpacked(node: Node) -> bool:
    uses = node.outputs[0].uses if len(node.outputs) == 1 else ()
    return bool(uses) and all(u.user.kind in kernels.UNPACKING for u in uses)


def _emit_uninitialized(gen: _Codegen, node: Node, depth: int) -> None:
    gen._const[node.output] = None
    gen.alias(node.output, "None")


def _emit_constant(gen: _Codegen, node: Node, depth: int) -> None:
    value = kernels.constant_value(node)
    gen._const[node.output] = value
    gen.alias(node.output, _literal(value) or gen.bind(value, _const_hint(value)))


def _literal(value: Any) -> str | None:
    """Python source for a constant, or None when it must be bound as a global."""
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, (int, float, complex)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        text = repr(value)
        return f"({text})" if text.startswith("-") else text
    if isinstance(value, (list, tuple)):
        items = [_literal(v) for v in value]
        if None in items:
            return None
        inner = ", ".join(items)  # type: ignore[arg-type]
        return (
            f"[{inner}]"
            if isinstance(value, list)
            else f"({inner}{',' if len(items) == 1 else ''})"
        )
    return None


def _const_hint(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return "tensor"
    return type(value).__name__.lower()


def _emit_if(gen: _Codegen, node: Node, depth: int) -> None:
    outs = [gen.local(v) for v in node.outputs]
    gen.line(depth, f"if {gen.src(node.inputs[0])}:", node)
    for keyword_, block in zip(("", "else:"), node.blocks):
        start = len(gen.lines)
        if keyword_:
            gen.line(depth, keyword_)
        gen.coalesce(
            block, block.outputs, outs, lambda k, n: True
        )  # the If's outputs are fresh names
        gen.block(block, depth + 1, outs)
        if keyword_ and gen.lines[start + 1 :] == [f"{_INDENT * (depth + 1)}pass"]:
            del gen.lines[start:]  # an empty else


def _emit_loop(gen: _Codegen, node: Node, depth: int) -> None:
    """`for i in range(max): body; carried = outs; if not go: break` (under `if go0:`)."""
    max_trip, go0, *init = node.inputs
    body = node.blocks[0]
    carried = [gen.local(v) for v in node.outputs]
    for param, name in zip(body.inputs[1:], carried):
        gen.alias(param, name)
    gen.assign(depth, carried, init)
    if not _is_const(gen, go0, True):
        gen.line(depth, f"if {gen.src(go0)}:")
        depth += 1
    counter = body.inputs[0]
    index = gen.local(counter) if counter.uses else "_"
    gen.line(depth, f"for {index} in range({gen.src(max_trip)}):", node)
    start = len(gen.lines)
    gen.coalesce(body, body.outputs[1:], carried, _carried_free(body))
    gen.nodes(body, depth + 1)
    go, *outs = body.outputs
    go_src = gen.src(go)
    if not _is_const(gen, go, True) and go_src in carried:
        fresh = gen._fresh("go")
        gen.line(depth + 1, f"{fresh} = {go_src}")
        go_src = fresh
    gen.assign(depth + 1, carried, outs)
    if _is_const(gen, go, False):
        gen.line(depth + 1, "break")
    elif not _is_const(gen, go, True):
        gen.line(depth + 1, f"if not {go_src}:")
        gen.line(depth + 2, "break")
    gen.close_body(depth + 1, start)


def _carried_free(body: Block) -> Callable[[int, Node], bool]:
    """Whether carried value k may be written by `node`: no later read of its parameter."""
    index = {n: i for i, n in enumerate(body.nodes)}

    def top(user: Node) -> int:
        while user.owning_block is not body:
            owner = user.owning_block.owning_node if user.owning_block else None
            if owner is None:
                return len(body.nodes)
            user = owner
        return index.get(user, len(body.nodes))  # the return node reads last

    def free(k: int, node: Node) -> bool:
        param = body.inputs[k + 1]
        at = index[node]
        for use in param.uses:
            where = top(use.user)
            if where > at or (where == at and node.kind == "prim::Loop"):
                return False
        return True

    return free


def _is_const(gen: _Codegen, value: Value, expected: Any) -> bool:
    return value in gen._const and gen._const[value] is expected


def _attr(obj: str, name: str) -> str:
    if name.isidentifier() and not keyword.iskeyword(name):
        return f"{obj}.{name}"
    return f"getattr({obj}, {name!r})"


def _emit_get_attr(gen: _Codegen, node: Node, depth: int) -> None:
    gen.line(depth, f"{gen.local(node.output)} = {gen.get_attr(node)}", node)


def _emit_set_attr(gen: _Codegen, node: Node, depth: int) -> None:
    obj, value = (gen.src(v) for v in node.inputs)
    name = node["name"]
    if name.isidentifier() and not keyword.iskeyword(name):
        gen.line(depth, f"{obj}.{name} = {value}", node)
    else:
        gen.line(depth, f"setattr({obj}, {name!r}, {value})", node)


def _emit_call(gen: _Codegen, node: Node, depth: int, fn: str, args: Iterable[Value]) -> None:
    _emit_call_src(gen, node, depth, f"{fn}({', '.join(gen.src(v) for v in args)})")


def _emit_call_src(gen: _Codegen, node: Node, depth: int, call: str) -> None:
    outs = node.outputs
    if not outs:
        gen.line(depth, call, node)
    elif len(outs) == 1:
        gen.line(depth, f"{gen.local(outs[0])} = {call}", node)
    else:
        gen.line(depth, f"{gen.targets(node)}, = {call}", node)


def _emit_call_function(gen: _Codegen, node: Node, depth: int) -> None:
    _emit_call(gen, node, depth, gen.callee(node), node.inputs[1:])


def _emit_call_method(gen: _Codegen, node: Node, depth: int) -> None:
    _emit_call_src(gen, node, depth, gen.call_method(node))


def _emit_tuple_slice(gen: _Codegen, node: Node, depth: int) -> None:
    beg, end = int(node["beg"]), int(node["end"])
    gen.line(depth, f"{gen.local(node.output)} = {gen.src(node.inputs[0])}[{beg}:{end}]", node)


def _emit_isinstance(gen: _Codegen, node: Node, depth: int) -> None:
    check = gen.bind(kernels.isinstance_of, "isinstance_of")
    types = gen.bind(tuple(node["types"]), "types")
    gen.line(depth, f"{gen.local(node.output)} = {check}({gen.src(node.inputs[0])}, {types})",
             node)  # fmt: skip


EMITTERS: dict[str, Callable[[_Codegen, Node, int], None]] = {
    "prim::Constant": _emit_constant,
    "prim::Uninitialized": _emit_uninitialized,
    "prim::If": _emit_if,
    "prim::Loop": _emit_loop,
    "prim::GetAttr": _emit_get_attr,
    "prim::SetAttr": _emit_set_attr,
    "prim::CallFunction": _emit_call_function,
    "prim::CallMethod": _emit_call_method,
    "prim::TupleSlice": _emit_tuple_slice,
    "prim::isinstance": _emit_isinstance,
}
