"""`ExportContext`: the only interface the per-op export rules use.

Rules (each prim's `export` in `ops/prims`, `ops.aten_export.ATEN_EXPORT`) are functions `rule(ctx, node)`
that read bindings with `ctx.value` / `ctx.static` / `ctx.binding`, emit ONNX nodes with
`ctx.op`, and bind the node's outputs with `ctx.bind`.  They never import onnx or onnx_ir;
everything ONNX-specific lives here and in `exporter.py`.

Errors raised by the program (`prim::RaiseException`) are lowered to an *error code*: each
scope carries `ctx.err`, an int64 0-d value (0: no error, k: the k-th entry of
`ctx.errors`).  After any node that may set it, the rest of the block runs inside an ONNX
`If(err == 0)` whose other branch passes the error through with placeholder outputs, so
nothing after a failed check is computed.  Loops that may raise carry the code and stop.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import onnx_ir as ir
import torch

from hybridjit.backends.onnx.infer import infer_node
from hybridjit.backends.onnx.torchlib_rules import export_with_torchlib
from hybridjit.backends.onnx.values import (
    Const,
    Entries,
    Items,
    Opaque,
    Unset,
    onnx_to_torch_dtype,
    torch_to_onnx_dtype,
)
from hybridjit.errors import ExportError
from hybridjit.ir import types as T
from hybridjit.ops.aten_export import is_list_mutator, list_alias_class

INT64_MAX = 9223372036854775807


@dataclasses.dataclass
class Scope:
    graph: ir.Graph
    err: ir.Value | None = None
    raised: bool = False
    cache: dict[Any, ir.Value] = dataclasses.field(default_factory=dict)  # see `invariant`
    # `err` when every failure it records was computed on clamped operands (`checked` with
    # `safe=`): the rest of the block may run on them, so it needs no `If(err == 0)` guard
    safe_err: ir.Value | None = None
    # a loop body: checks on values from outside the loop (`checked` with `safe=`, before any
    # other failure in the body) are `(ok, code)` here; the loop then does not start unless
    # they hold, and reports the first failing one when it would have run (see prim::Loop)
    is_loop: bool = False
    pre_checks: list[tuple[ir.Value, int]] = dataclasses.field(default_factory=list)

    def err_is_safe(self) -> bool:
        return self.err is None or self.err is self.safe_err or _is_zero(self.err)


@dataclasses.dataclass
class Branch:
    """A block lowered into its own ONNX graph (an If branch or a guard)."""

    scope: Scope
    outputs: list[Any] | None  # bindings; None when the block always raises
    graph: ir.Graph | None = None
    placeholders: int = 0  # the first outputs are placeholders (a failed guard)


class ExportContext:
    def __init__(self, opset: int, lower_node: Callable[[ExportContext, Any], None]) -> None:
        self.opset = opset
        self._lower_node = lower_node
        self.env: dict[Any, Any] = {}
        self.scopes: list[Scope] = []
        self.initializers: dict[int, ir.Value] = {}
        self.functions: dict[Any, Any] = {}
        self.errors: list[dict[str, Any]] = []
        self.node: Any = None  # the hybridjit node being lowered
        self._ids = itertools.count()
        self.top: ir.Graph | None = None
        self.identity_sensitive = False  # see `Exported.identity_sensitive`

    # -- bindings ------------------------------------------------------------------------
    def bind(self, v: Any, x: Any) -> None:
        """Bind hybridjit value `v` to an ONNX value, a `Const` or an `Items` (or a Python value)."""
        if not isinstance(x, (ir.Value, Const, Items, Entries, Opaque, Unset)):
            x = Const(x)
        if isinstance(x, (Items, Entries)) and x.owner is None:
            x.owner = self.scope
        self.env[v] = x

    def bind_list(self, v: Any, x: Any) -> None:
        """Bind list `v` and every value that is `v` again (a mutator's returned self)."""
        for w in list_alias_class(v):
            self.bind(w, x)

    def bind_items(
        self, v: Any, bindings: list[Any], kind: str = "list", elem: str = "any"
    ) -> None:
        """Bind `v` to a list or tuple of known length whose elements are `bindings`."""
        self.bind(v, Items(bindings, kind, elem))

    def bind_unset(self, v: Any, message: str, hint: str) -> None:
        """Bind `v` to no value: reading it is an ExportError with `message` (see `Unset`)."""
        self.bind(v, Unset(message, hint))

    def bind_unknown(self, v: Any, what: str) -> None:
        """Bind `v` to a run-time value ONNX cannot hold (`what` names it in errors)."""
        self.bind(v, Opaque(what))

    def known_list(self, v: Any) -> Items | None:
        """The binding of a list of known length (mutable by rules), else None."""
        b = self.binding(v)
        return b if isinstance(b, Items) else None

    def owns(self, items: Items | Entries) -> bool:
        """Whether `items` was built in the current scope (so it may be mutated here)."""
        return items.owner is self.scope

    def bind_entries(self, v: Any, mapping: dict[Any, Any]) -> None:
        """Bind dict `v` to `mapping` (keys known at export, values bindings)."""
        self.bind(v, Entries(list(mapping), list(mapping.values())))

    def dict_item(self, d: Any, key: Any) -> Any:
        """The binding of `d[key]`; eager's KeyError (on every input) for a missing key."""
        e, k = self.entries(d), self.static(key, "a dict key")
        if k in e.keys:
            return e.values[e.keys.index(k)]
        self.raise_here("builtins.KeyError", repr(k))
        return None

    def same_input(self, a: Any, b: Any) -> bool | None:
        """`a is b` for two tensor arguments of the exported function (arguments that are
        one object share one input: the export is specialized on it), else None."""
        ba, bb = self.binding(a), self.binding(b)
        if not all(isinstance(x, ir.Value) and x.is_graph_input() and x.graph is self.top
                   for x in (ba, bb)):  # fmt: skip
            return None
        self.identity_sensitive = True
        return ba is bb

    def entry_pairs(self, e: Entries) -> list[Items]:
        """`d.items()`: (key, value) tuples."""
        return [Items([Const(k), v], "tuple") for k, v in zip(e.keys, e.values)]

    def entries(self, v: Any) -> Entries:
        """The binding of dict `v`, whose keys must be known at export."""
        b = self.binding(v)
        if isinstance(b, Entries):
            return b
        if isinstance(b, Const) and isinstance(b.value, dict):
            return Entries(list(b.value), [Const(x) for x in b.value.values()], owner=False)
        raise self.error("a dict whose keys are only known at run time (ONNX has no dict)",
                         hint="build the dict with constant keys")  # fmt: skip

    def binding(self, v: Any) -> Any:
        try:
            return self.env[v]
        except KeyError:
            raise self.error(f"internal: value %{v.debug_name} has no binding") from None

    def is_static(self, v: Any) -> bool:
        return _is_static(self.binding(v))

    def static(self, v: Any, what: str = "this value") -> Any:
        """The export-time Python value of `v`; ExportError when it is only known at run time."""
        b = self.binding(v)
        if not _is_static(b):
            raise self.error(f"{what} (%{v.debug_name}) must be known at export time, but it "
                             "is computed at run time", hint="make it a constant or a module "
                             "attribute")  # fmt: skip
        return _static_value(b)

    def static_binding(self, b: Any) -> tuple[Any] | None:
        """`(python_value,)` when the binding `b` is known at export time, else None."""
        return (_static_value(b),) if _is_static(b) else None

    def items(self, v: Any) -> list[Any] | None:
        """The element bindings of a list/tuple of known length, else None."""
        b = self.binding(v)
        if isinstance(b, Items):
            return b.items
        if isinstance(b, Const) and isinstance(b.value, (list, tuple)):
            return [Const(x) for x in b.value]
        return None

    def value(self, v: Any, dtype: Any = None) -> ir.Value:
        """The ONNX value of `v` (constants and known-length lists are materialized)."""
        return self.materialize(self.binding(v), dtype)

    def materialize(self, b: Any, dtype: Any = None) -> ir.Value:
        if isinstance(b, ir.Value):
            return b
        if isinstance(b, Items):
            return self._materialize_items(b)
        if isinstance(b, Opaque):
            raise self.error(f"{b.what} computed at run time has no ONNX form",
                             hint="use it only in exception messages")  # fmt: skip
        if isinstance(b, Unset):
            raise self.error(b.message, hint=b.hint)
        if isinstance(b, Entries):
            raise self.error("a dict here (ONNX has no dict value: only a dict the program "
                             "returns, or reads with constant keys, can be exported)",
                             hint="return the dict, or pass its values separately")  # fmt: skip
        return self.const(b.value if isinstance(b, Const) else b, dtype)

    def _materialize_items(self, b: Items) -> ir.Value:
        if b.kind == "tuple":
            raise self.error("a tuple cannot be passed around as one ONNX value here",
                             hint="unpack the tuple first")  # fmt: skip
        if b.elem in ("int", "float", "bool"):
            dt = self.scalar_dtype(b.elem)
            if _is_static(b):
                return self.const(_static_value(b), dt)
            parts = [self.op("Reshape", [self.cast(self.materialize(x), dt), self.const([1])])[0]
                     for x in b.items]  # fmt: skip
            return self.op("Concat", parts, {"axis": 0})[0] if len(parts) > 1 else parts[0]
        if not b.items:
            raise self.error("an empty list whose element type is unknown cannot be exported",
                             hint="build the list from tensors")  # fmt: skip
        return self.op("SequenceConstruct", [self.materialize(x) for x in b.items])[0]

    def list_value(self, bindings: list[Any], elem: str) -> ir.Value:
        """Element bindings as one run-time list value (numbers: 1-D tensor; tensors: sequence)."""
        return self._materialize_items(Items(list(bindings), "list", elem))

    def const(self, value: Any, dtype: Any = None) -> ir.Value:
        """An ONNX constant; Python int -> int64, float -> double, bool -> bool (0-d)."""
        if isinstance(value, torch.Tensor):
            t = value.detach()
            if dtype is not None:
                t = t.to(onnx_to_torch_dtype(dtype))
            if t.numel() > 64:
                return self.initializer(t)
            tensor = ir.tensor(t.contiguous().numpy(force=True) if t.dtype != torch.bfloat16 else t.float().numpy(),
                               dtype=torch_to_onnx_dtype(t.dtype))  # fmt: skip
        elif value is None:
            raise self.error("None cannot be used as a value here")
        elif isinstance(value, (bool, int, float)) or (
            isinstance(value, (list, tuple))
            and all(isinstance(x, (bool, int, float)) for x in value)
        ):
            if dtype is None:
                dtype = _py_dtype(value)

            tensor = ir.tensor(np.array(value, dtype=onnx_to_torch_dtype_np(dtype)), dtype=dtype)
        else:
            raise self.error(f"the value {value!r} ({type(value).__name__}) has no ONNX form")
        out = self.op("Constant", [], {"value": tensor})[0]
        out.const_value = tensor
        return out

    def initializer(self, t: torch.Tensor, name: str | None = None) -> ir.Value:
        key = id(t)
        hit = self.initializers.get(key)
        if hit is not None and hit.meta.get("hj_tensor") is t:
            return hit
        t = t.detach()
        arr = t.contiguous().numpy(force=True) if t.dtype != torch.bfloat16 else t.float().numpy()
        tensor = ir.tensor(arr, dtype=torch_to_onnx_dtype(t.dtype))
        v = ir.Value(name=self.fresh(name or "param"), shape=ir.Shape(list(t.shape)),
                     type=ir.TensorType(torch_to_onnx_dtype(t.dtype)), const_value=tensor)  # fmt: skip
        v.meta["hj_tensor"] = t
        assert self.top is not None
        self.top.register_initializer(v)
        self.initializers[key] = v
        return v

    # -- emitting ------------------------------------------------------------------------
    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    @property
    def graph(self) -> ir.Graph:
        return self.scope.graph

    def fresh(self, base: str = "v") -> str:
        return f"{base}_{next(self._ids)}"

    def op(self, op_type: str, inputs: Sequence[ir.Value | None], attrs: dict[str, Any] | None = None,
           n: int = 1, domain: str = "") -> list[ir.Value]:  # fmt: skip
        """Append an ONNX node to the current graph; its outputs get inferred types."""
        if (op_type == "Where" and not domain and len(inputs) == 3 and inputs[1] is not None
                and self.dtype(inputs[1]) == ir.DataType.BOOL):  # fmt: skip
            # onnxruntime has no bool Where: (c and a) or (not c and b)
            c, a, b = inputs
            left = self.op("And", [c, a])[0]
            right = self.op("And", [self.op("Not", [c])[0], b])[0]
            return self.op("Or", [left, right])
        attributes = [ir.Attr(k, ir.AttributeType.GRAPH, v) if isinstance(v, ir.Graph) else
                      _attr(k, v) for k, v in (attrs or {}).items()]  # fmt: skip
        node = ir.Node(domain, op_type, list(inputs), attributes, num_outputs=n)
        self.append(node)
        return list(node.outputs)

    def append(self, node: ir.Node) -> None:
        for out in node.outputs:
            if not out.name:
                out.name = self.fresh(node.op_type.lower())
        if self.node is not None and self.node.source_range is not None:
            sr = self.node.source_range
            line = sr.source_line()
            node.doc_string = f"{sr}: {line.strip()}" if line else str(sr)
            node.metadata_props["hybridjit.node"] = self.node.kind
        self.graph.append(node)
        if node.op_type not in ("If", "Loop") or node.domain:
            infer_node(node, self.opset)
        if not node.domain and node.op_type in _SEQUENCE_OPS:
            _track_elem_rank(node)

    def cast(self, v: ir.Value, dtype: Any) -> ir.Value:
        if self.dtype(v) == dtype:
            return v
        return self.op("Cast", [v], {"to": dtype})[0]

    def cast_like_torch(self, v: ir.Value, dtype: torch.dtype) -> ir.Value:
        return self.cast(v, torch_to_onnx_dtype(dtype))

    def dtype(self, v: ir.Value) -> Any:
        t = v.type
        if isinstance(t, ir.TensorType):
            return t.dtype
        return None

    def torch_dtype(self, v: ir.Value) -> torch.dtype | None:
        d = self.dtype(v)
        try:
            return None if d is None else onnx_to_torch_dtype(d)
        except KeyError:
            return None

    def is_sequence(self, v: ir.Value) -> bool:
        return isinstance(v.type, ir.SequenceType)

    def rank(self, v: ir.Value) -> int | None:
        return None if v.shape is None else len(v.shape)

    def sizes(self, v: ir.Value) -> list[int | None] | None:
        """`v`'s dims: an int where export knows it, None where it is only known at run time."""
        if v.shape is None:
            return None
        return [d if isinstance(d, int) else None for d in v.shape]

    def set_type(self, v: ir.Value, like: ir.Value | None = None, dtype: Any = None,
                 rank: int | None = None) -> None:  # fmt: skip
        if like is not None:
            v.type = like.type
            if like.shape is not None:
                v.shape = ir.Shape([None] * len(like.shape))
        if dtype is not None:
            v.type = ir.TensorType(dtype)
        if rank is not None:
            v.shape = ir.Shape([None] * rank)

    def with_dim(self, v: ir.Value, axis: int, size: int) -> ir.Value:
        """`v` (unchanged) as a new value whose dim `axis` is known to be `size`."""
        out = self.op("Identity", [v])[0]
        if v.shape is not None:
            dims = list(v.shape)
            dims[axis] = size
            out.shape = ir.Shape(dims)
        return out

    def dim_size(self, x: ir.Value, d: int, depth: int = 0) -> ir.Value:
        """`x.size(d)` as a 0-d int64, emitted in the outermost scope that can compute it.

        A size known at export time is a constant.  For a value computed in a loop body or
        branch by a shape-preserving, broadcasting, MatMul or Gather node, the size is
        derived from the node's inputs' sizes (so `gates = xs[t] @ w + h @ u + b` inside a
        loop has loop-invariant sizes: they come from w, u and b), else it is Shape(x)."""
        rank = self.rank(x)
        if rank is not None:
            if not -rank <= d < rank:  # eager raises IndexError (its message is re-derived)
                self.raise_here("builtins.IndexError", None)
                return self.const(0)
            d %= rank
            dim = x.shape[d]
            if isinstance(dim, int):
                return self.const(dim)
        node = x.producer()
        if (rank is not None and depth < 8 and node is not None and not node.domain
                and x.graph is not self.top):  # fmt: skip
            got = self._derived_size(node, x, d, rank, depth)
            if got is not None:
                return got
        attrs = {"start": d} if d == -1 else {"start": d, "end": d + 1}

        def build() -> ir.Value:
            sh = self.op("Shape", [x], attrs)[0]
            return self.op("Reshape", [sh, self.const([], ir.DataType.INT64)])[0]

        return self.invariant(("dim", d), [x], build)

    def _derived_size(self, node: ir.Node, x: ir.Value, d: int, rank: int, depth: int
                      ) -> ir.Value | None:  # fmt: skip
        op, ins = node.op_type, list(node.inputs)
        if op in _SAME_SHAPE and ins and ins[0] is not None:
            return self.dim_size(ins[0], d, depth + 1) if self.rank(ins[0]) == rank else None
        if op in _BROADCASTING and all(v is not None and self.rank(v) is not None for v in ins):
            parts = []
            for v in ins:
                k = d - (rank - self.rank(v))
                if k < 0 or v.shape[k] == 1:
                    continue  # broadcast: contributes nothing
                parts.append(self.dim_size(v, k, depth + 1))
            if not parts:
                return self.const(1)
            out = parts[0]
            for p in parts[1:]:

                def bcast(a: ir.Value = out, p: ir.Value = p) -> ir.Value:
                    one = self.op("Equal", [a, self.const(1)])[0]
                    return self.op("Where", [one, p, a])[0]

                out = self.invariant(("bcast",), [out, p], bcast)
            return out
        if op == "MatMul" and len(ins) == 2 and all(self.rank(v) is not None and self.rank(v) >= 2
                                                    for v in ins):  # fmt: skip
            if d == rank - 1:
                return self.dim_size(ins[1], -1, depth + 1)
            if d == rank - 2:
                return self.dim_size(ins[0], -2, depth + 1)
            return None
        if op == "Gather" and len(ins) == 2 and self.rank(ins[1]) == 0:
            axis = node.attributes.get("axis")
            axis = 0 if axis is None else axis.value
            data_rank = self.rank(ins[0])
            if data_rank is None:
                return None
            axis %= data_rank
            return self.dim_size(ins[0], d if d < axis else d + 1, depth + 1)
        return None

    def row_matmul(self, a: ir.Value, b: ir.Value) -> ir.Value | None:
        """`xs[t] @ w` in a loop body whose counter is t, with xs and w from outside the loop:
        `(xs @ w)[t]`, the MatMul of every row done once before the loop (one large GEMM
        instead of one small one per iteration), else None."""
        node = a.producer()
        if (not self.scope.is_loop or node is None or node.op_type != "Gather" or node.domain
                or node.graph is not self.graph or self.rank(a) != 2 or self.rank(b) != 2):  # fmt: skip
            return None
        axis = node.attributes.get("axis")
        xs, idx = node.inputs
        counter = self.graph.inputs[0] if self.graph.inputs else None
        outer = [sc.graph for sc in self.scopes[:-1]]
        if ((axis is not None and axis.value != 0) or idx is not counter or self.rank(xs) != 3
                or not any(xs.graph is g for g in outer) or not any(b.graph is g for g in outer)
                or self.dtype(xs) != self.dtype(b)
                or self.dtype(b) not in (ir.DataType.FLOAT, ir.DataType.DOUBLE)):  # fmt: skip
            return None
        rows = self.invariant(("row_matmul",), [xs, b], lambda: self.op("MatMul", [xs, b])[0])
        return self.op("Gather", [rows, counter], {"axis": 0})[0]

    def vectorized_loop(self, body: ir.Graph, m: ir.Value | None, c0: ir.Value,
                        init: list[ir.Value]) -> list[ir.Value] | None:
        """A `for` loop whose every carried integer is `z = z * g(i)` or `z = z + g(i)`, g
        made of exact integer scalar ops of the counter and loop-invariant scalars (e.g.
        `for i in range(n): z = z * (i + 1)`), without a Loop: z * prod(g(range(n))).
        onnxruntime pays about 2 us per Loop iteration; an If keeps the Loop for more than
        2**16 trips and for products that leave double's exact range.  None when the loop
        is not of that form."""
        if m is None or len(body.inputs) != 2 + len(init) or not init:
            return None
        outs = list(body.outputs)
        cond = outs[0].const_value if outs else None
        if cond is None or not bool(cond.numpy()):
            return None
        counter = body.inputs[0]
        plans = []
        for k, z in enumerate(body.inputs[2:]):
            y = outs[k + 1]
            node = y.producer()
            if (node is None or node.graph is not body or node.domain or node.op_type not in ("Mul", "Add")
                    or self.dtype(z) not in (ir.DataType.INT64, ir.DataType.INT32)
                    or len(z.uses()) != 1 or z not in node.inputs):  # fmt: skip
                return None
            g = node.inputs[1] if node.inputs[0] is z else node.inputs[0]
            chain = _scalar_chain(g, counter, body, set(body.inputs[2:]))
            if chain is None or self.dtype(g) != self.dtype(z):
                return None
            plans.append((node.op_type, g, chain))
        cap = 1 << 16
        # computed for at most `cap` trips (bounded memory); sums are exact and wrap as the
        # loop does (`int_sum`), products only where no partial product can pass 2**52
        # (onnxruntime's ReduceProd multiplies int64 in double and saturates); `z * prod`
        # then wraps exactly as the loop's products do.  Factors known at export (g of the
        # counter and constants only) give that limit now; others are checked at run time.
        limit = cap
        for op, g, chain in plans:
            if op != "Mul":
                continue
            known = _known_factors(g, chain, counter, cap)
            if known is None:
                return self._vectorized_if(body, m, c0, init, plans, cap)
            limit = min(limit, _exact_prefix(known))
        with self.new_scope("vectorized") as s_vec:
            idx = self.op("Range", [self.const(0), m, self.const(1)])[0]
            results, _ = self._reductions(plans, counter, idx, c0, init)
            s_vec.graph.outputs.extend(results)
        return self._loop_unless(self.op("LessOrEqual", [m, self.const(limit)])[0], s_vec,
                                 body, m, c0, init)  # fmt: skip

    def _vectorized_if(self, body: ir.Graph, m: ir.Value, c0: ir.Value, init: list[ir.Value],
                       plans: list[Any], cap: int) -> list[ir.Value]:  # fmt: skip
        """The reductions computed before an If whose condition checks them at run time."""
        counter = body.inputs[0]
        idx = self.op("Range", [self.const(0), self.op("Min", [m, self.const(cap)])[0],
                                self.const(1)])[0]  # fmt: skip
        results, exact = self._reductions(plans, counter, idx, c0, init)
        fits = self.op("LessOrEqual", [m, self.const(cap)])[0]
        for ok in exact:
            fits = self.op("And", [fits, ok])[0]
        with self.new_scope("vectorized") as s_vec:
            s_vec.graph.outputs.extend(self.op("Identity", [r])[0] for r in results)
        return self._loop_unless(fits, s_vec, body, m, c0, init)

    def _reductions(self, plans: list[Any], counter: ir.Value, idx: ir.Value, c0: ir.Value,
                    init: list[ir.Value]) -> tuple[list[ir.Value], list[ir.Value]]:  # fmt: skip
        """Each carried value after the loop, from the factors / terms over `idx`; and the
        run-time exactness checks of the products."""
        results, exact = [], []
        for (op, g, chain), z0 in zip(plans, init):
            env = {counter: idx}
            for n in chain:
                attrs = {a.name: a.value for a in n.attributes.values()}
                env[n.outputs[0]] = self.op(n.op_type, [env.get(v, v) for v in n.inputs], attrs)[0]
            gv = env.get(g, g)
            if self.rank(gv) == 0:  # g does not depend on the counter
                gv = self.op("Expand", [gv, self.op("Shape", [idx])[0]])[0]
            if op == "Add":
                red = self.int_sum(gv)
            else:
                red = self.op("ReduceProd", [gv, self.const([0])], {"keepdims": 0})[0]
                exact.append(self._product_is_exact(gv))
            res = self.op(op, [z0, red])[0]
            results.append(res if _is_true(c0) else self.op("Where", [c0, res, z0])[0])
        return results, exact

    def _loop_unless(self, fits: ir.Value, s_vec: Scope, body: ir.Graph, m: ir.Value,
                     c0: ir.Value, init: list[ir.Value]) -> list[ir.Value]:  # fmt: skip
        """If(fits) the vectorized branch, else the Loop itself."""
        with self.new_scope("looped") as s_loop:
            loop = self.op("Loop", [m, c0, *init], {"body": body}, n=len(init))
            for r, z0 in zip(loop, init):
                self.set_type(r, like=z0)
            s_loop.graph.outputs.extend(loop)
        res = self.op("If", [fits], {"then_branch": s_vec.graph, "else_branch": s_loop.graph},
                      n=len(init))  # fmt: skip
        for r, x in zip(res, s_vec.graph.outputs):
            self.set_type(r, like=x)
        return res

    def _product_is_exact(self, factors: ir.Value) -> ir.Value:
        """Whether every partial product of the integer `factors` (any order) stays within
        2**52 in magnitude, where double, hence onnxruntime's ReduceProd, is exact."""
        mag = self.op("Abs", [self.cast(factors, ir.DataType.DOUBLE)])[0]
        bound = self.op("ReduceProd", [self.op("Max", [mag, self.const(1.0)])[0], self.const([0])],
                        {"keepdims": 0})[0]  # fmt: skip
        return self.op("Less", [bound, self.const(float(1 << 52))])[0]

    def int_sum(self, x: ir.Value, axes: Sequence[int] | None = None, keepdims: bool = False
                ) -> ir.Value:  # fmt: skip
        """The sum of integer tensor `x` over `axes` (None: all), exact and wrapping around as
        torch's: onnxruntime's ReduceSum adds int64 in double (wrong past 2**53, saturating
        past 2**63); its CumSum adds in int64.  Per axis: a leading 0 (the sum of an empty
        dim), CumSum, the last element."""
        rank = self.rank(x)
        if rank is None:
            raise self.error("an integer sum over a tensor of unknown rank")
        if axes is None or rank == 0:
            flat = self.op("Reshape", [x, self.const([-1])])[0]
            total = self._cumulative_last(flat, 0, 1)
            return self.op("Reshape", [total, self.const([1] * rank if keepdims else [])])[0]
        out = x
        for a in sorted({a % rank for a in axes}):
            out = self._cumulative_last(out, a, rank)
        if not keepdims:
            out = self.op("Squeeze", [out, self.const(sorted({a % rank for a in axes}))])[0]
        return out

    def int_prod(self, x: ir.Value, axis: int | None = None, keepdims: bool = False) -> ir.Value:
        """The product of integer tensor `x` over `axis` (None: all), exact and wrapping
        around as torch's (onnxruntime's ReduceProd multiplies int64 in double and
        saturates): pairs multiplied in a Loop, halving the axis per trip (log2 trips)."""
        rank = self.rank(x)
        if rank is None:
            raise self.error("an integer product over a tensor of unknown rank")
        if axis is None or rank == 0:
            rows, perm = self.op("Reshape", [x, self.const([-1])])[0], None
        else:
            axis %= rank
            perm = [d for d in range(rank) if d != axis] + [axis]
            rows = self.op("Transpose", [x], {"perm": perm})[0]
        width = self.rank(rows) or 1
        one = self.const(1, self.dtype(x))
        pad_front = [0] * (2 * width)
        pad_front[width - 1] = 1  # a leading 1: the product of an empty axis
        rows = self.op("Pad", [rows, self.const(pad_front), one])[0]
        with self.new_scope("pairwise_product") as scope:
            self.graph_input(dtype=ir.DataType.INT64, rank=0, name="i")
            self.graph_input(dtype=ir.DataType.BOOL, rank=0, name="c")
            v = self.graph_input(like=rows, name="rows")
            n = self.op("Shape", [v], {"start": -1})[0]
            odd = self.op("Mod", [n, self.const([2])], {"fmod": 0})[0]
            pads = self.op("Concat", [self.const([0] * (2 * width - 1)), odd], {"axis": 0})[0]
            even = self.op("Pad", [v, pads, one])[0]
            half = self.op("Div", [self.op("Add", [n, odd])[0], self.const([2])])[0]
            pairs = self.op("Concat", [self.op("Shape", [v], {"end": -1})[0], half, self.const([2])],
                            {"axis": 0})[0]  # fmt: skip
            paired = self.op("Reshape", [even, pairs])[0]
            left, right = (self.op("Gather", [paired, self.const(k)], {"axis": -1})[0] for k in (0, 1))
            halved = self.op("Mul", [left, right])[0]
            self.set_type(halved, like=rows)
            more = self.op("Greater", [self.op("Shape", [halved], {"start": -1})[0], self.const([1])])[0]
            scope.graph.outputs.extend([self.op("Squeeze", [more, self.const([0])])[0], halved])
        longer = self.op("Greater", [self.op("Shape", [rows], {"start": -1})[0], self.const([1])])[0]
        go = self.op("Squeeze", [longer, self.const([0])])[0]
        prod = self.op("Loop", [None, go, rows], {"body": scope.graph})[0]
        self.set_type(prod, like=rows)
        if perm is None:
            return self.op("Reshape", [prod, self.const([1] * rank if keepdims else [])])[0]
        if keepdims:
            return self.op("Transpose", [prod], {"perm": [perm.index(d) for d in range(rank)]})[0]
        return self.op("Squeeze", [prod, self.const([rank - 1])])[0]

    def _cumulative_last(self, x: ir.Value, axis: int, rank: int) -> ir.Value:
        pads = [0] * (2 * rank)
        pads[axis] = 1
        padded = self.op("Pad", [x, self.const(pads), self.const(0, self.dtype(x))])[0]
        sums = self.op("CumSum", [padded, self.const(axis)])[0]
        return self.op("Slice", [sums, self.const([-1]), self.const([1 << 62]), self.const([axis])])[0]

    def invariant(self, key: Any, inputs: Sequence[ir.Value], build: Callable[[], ir.Value]
                  ) -> ir.Value:  # fmt: skip
        """`build()` emitted in the innermost scope where all `inputs` are defined (so a
        loop body does not recompute what only depends on values from outside the loop),
        once per `key` there.  `build` must not fail or set the error code."""
        depth = 0
        for v in inputs:
            for i in range(len(self.scopes) - 1, depth - 1, -1):
                if v.graph is self.scopes[i].graph:
                    depth = i
                    break
        full = [id(v) for v in inputs]
        for i in range(len(self.scopes) - 1, depth - 1, -1):
            hit = self.scopes[i].cache.get((key, *full))
            if hit is not None:
                return hit
        saved = self.scopes
        self.scopes = saved[: depth + 1]
        try:
            out = build()
        finally:
            self.scopes = saved
        saved[depth].cache[(key, *full)] = out
        return out

    # -- lists mutated inside control flow ---------------------------------------------------
    def mutated_lists(self, nodes: Sequence[Any]) -> list[Any]:
        """The lists defined outside `nodes` (and their blocks) that they mutate: inside an
        ONNX If/Loop these become extra outputs / loop-carried values (ONNX has no aliasing)."""
        defined: set[Any] = set()
        found: list[Any] = []
        todo = list(nodes)
        every = []
        while todo:
            n = todo.pop(0)
            every.append(n)
            defined.update(n.outputs)
            for b in n.blocks:
                defined.update(b.inputs)
                todo.extend(b.nodes)
        seen: set[Any] = set()
        for n in every:
            v = n.inputs[0] if is_list_mutator(n) else None
            if v is not None and v not in defined and v not in seen:
                found.append(v)
                seen.update(list_alias_class(v))
        return found

    def is_run_time(self, b: Any) -> bool:
        return isinstance(b, ir.Value)

    def sequence_elem(self, seq: ir.Value) -> ir.Value:
        """A stand-in value of the element type of sequence `seq` (for dtype checks)."""
        v = ir.Value(name="elem")
        v.type = seq.type.elem_type if isinstance(seq.type, ir.SequenceType) else None
        return v

    def retype_empty_sequence(self, seq: ir.Value, dtype: Any) -> bool:
        """Give an empty list's guessed `SequenceEmpty` dtype `dtype` (before any use)."""
        chain = []
        v: ir.Value | None = seq
        while v is not None and v.meta.get("hj_guessed_dtype"):
            if any(u.node.op_type != "SequenceLength" for u in v.uses()):
                return False
            chain.append(v)
            v = v.meta.get("hj_init")  # a loop body's input: its initial value
        if not chain or chain[-1].producer() is None:
            return False
        node = chain[-1].producer()
        if node.op_type != "SequenceEmpty":
            return False
        node.attributes["dtype"] = ir.AttrInt64("dtype", int(dtype))
        for v in chain:
            v.type = ir.SequenceType(ir.TensorType(dtype))
            v.meta["hj_guessed_dtype"] = False
        return True

    def carried_list(self, v: Any, elem: str) -> ir.Value:
        """The run-time form of list `v` (elements `elem`) to carry through an If/Loop: an
        ONNX sequence of tensors, or a 1-D tensor of numbers; its binding becomes that value."""
        b = self.binding(v)
        if isinstance(b, ir.Value):
            out = b
        elif isinstance(b, Items) or (isinstance(b, Const) and isinstance(b.value, list)):
            items = b.items if isinstance(b, Items) else [Const(x) for x in b.value]
            if elem in ("int", "float", "bool"):
                dt = self.scalar_dtype(elem)
                if not items:
                    tensor = ir.tensor(np.zeros([0], onnx_to_torch_dtype_np(dt)), dtype=dt)
                    out = self.op("Constant", [], {"value": tensor})[0]
                else:
                    out = self._materialize_items(Items(items, "list", elem))
            elif elem == "tensor":
                if not items:
                    out = self.op("SequenceEmpty", [], {"dtype": ir.DataType.FLOAT})[0]
                    out.meta["hj_guessed_dtype"] = True
                else:
                    out = self.op("SequenceConstruct", [self.materialize(x) for x in items])[0]
            else:
                raise self.error(f"appending, inside an `if` or loop, to a list of {elem} "
                                 "(only lists of tensors, int, float or bool)")  # fmt: skip
        else:
            raise self.error("appending, inside an `if` or loop, to this list")
        self.bind_list(v, out)
        return out

    def err_flag(self, err: ir.Value) -> tuple[ir.Value, int] | None:
        """`(ok, code)` when the error code `err` is `Where(ok, 0, code)` of this scope (one
        check): a loop can then carry the bool `ok` and compute the code once after it."""
        node = err.producer()
        if node is None or node.op_type != "Where" or node.graph is not self.graph:
            return None
        ok, zero, code = node.inputs
        if zero is None or code is None or not _is_zero(zero) or code.const_value is None:
            return None
        return ok, int(code.const_value.numpy())

    def torchlib(self, node: Any, schema: Any = None, bindings: list[Any] | None = None) -> None:
        """Translate `node` with onnxscript's torchlib (what happens when no rule is listed);
        with `schema` and `bindings`: as that op applied to those argument bindings (its
        results bind `node`'s outputs)."""
        if schema is None:
            export_with_torchlib(self, node)
            return
        shim = _Shim(node, schema, [])
        for a, b in zip(schema.arguments, bindings or []):
            v = _ShimValue(a.type, a.name)
            self.bind(v, b)
            shim.inputs.append(v)
        export_with_torchlib(self, shim)

    # -- scalars --------------------------------------------------------------------------
    def scalar_dtype(self, kind: str) -> Any:
        return {"int": ir.DataType.INT64, "float": ir.DataType.DOUBLE,
                "bool": ir.DataType.BOOL}[kind]  # fmt: skip

    def onnx_dtype(self, dtype: torch.dtype) -> Any:
        return torch_to_onnx_dtype(dtype)

    # -- errors ---------------------------------------------------------------------------
    def error(self, message: str, hint: str | None = None, node: Any = None) -> ExportError:
        node = node or self.node
        where = ""
        if node is not None:
            where = f"\n  in {node.kind}"
            sr = node.source_range
            if sr is not None:
                where += f" at {sr}"
                hl = sr.highlight()
                if hl:
                    where += "\n" + "\n".join("    " + ln for ln in hl.splitlines())
        return ExportError(f"cannot export to ONNX: {message}{where}"
                           + (f"\n  instead: {hint}" if hint else ""))  # fmt: skip

    def raise_here(self, cls: str | None, message: str | None) -> None:
        """Lower `raise`: set this scope's error code; the rest of the block is not run."""
        where = (
            str(self.node.source_range) if self.node is not None and self.node.source_range else ""
        )
        self.errors.append({"class": cls, "message": message, "where": where})
        self.merge_err(self.const(len(self.errors)), safe=False)
        self.scope.raised = True

    def checked(self, ok: ir.Value, cls: str, message: str | None,
                compute: Callable[[], list[ir.Value]],
                safe: Callable[[], list[ir.Value]] | None = None) -> list[ir.Value]:  # fmt: skip
        """`compute()` where the bool `ok` holds, else raise `cls(message)` (None: re-derived).

        With `safe` (a computation that cannot fail on any input: a clamped index, a divisor
        replaced by 1): the error code becomes `Where(ok, err, code)` and `safe()` gives the
        result, which is only observed when `ok` holds; no ONNX `If` is emitted and the rest
        of the block runs unguarded (a loop stops through its condition).  Without it, the
        computation runs inside `If(ok)`, so an op that would fail on bad input never runs;
        the rest of the block is skipped through the error code as after a `raise`.
        """
        if ok.const_value is not None and bool(ok.const_value.numpy()):
            return compute()
        where = (
            str(self.node.source_range) if self.node is not None and self.node.source_range else ""
        )
        self.errors.append({"class": cls, "message": message, "where": where})
        code = len(self.errors)
        prev = self.scope.err
        ok = self.cast(ok, ir.DataType.BOOL)
        if (safe is not None and self.scope.is_loop and not self.scope.raised
                and any(ok.graph is sc.graph for sc in self.scopes[:-1])
                and (prev is None or _is_zero(prev))):  # fmt: skip
            # loop-invariant: checked once before the loop, not in every iteration
            self.scope.pre_checks.append((ok, code))
            return safe()
        if safe is not None:
            was_safe = self.scope.err_is_safe()
            if prev is None or _is_zero(prev):
                err = self.op("Where", [ok, self.const(0), self.const(code)])[0]
            else:  # the first failure wins
                first = self.op("Equal", [prev, self.const(0)])[0]
                bad = self.op("And", [first, self.op("Not", [ok])[0]])[0]
                err = self.op("Where", [bad, self.const(code), prev])[0]
            self.scope.err = err
            if was_safe:
                self.scope.safe_err = err
            return safe()
        with self.new_scope("check_ok") as s_ok:
            outs = compute()
        with self.new_scope("check_failed") as s_bad:
            s_bad.err = self.const(code)
        n = len(outs)
        return self.emit_if(ok, [Branch(s_ok, list(outs)), Branch(s_bad, None)], n)

    def merge_err(self, new: ir.Value, safe: bool) -> None:
        """Record the error code `new` after this scope's current one (the first one wins)."""
        prev = self.scope.err
        was_safe = self.scope.err_is_safe()
        if prev is not None and not _is_zero(prev):
            first = self.op("Equal", [prev, self.const(0)])[0]
            new = self.op("Where", [first, new, prev])[0]
        self.scope.err = new
        if safe and was_safe:
            self.scope.safe_err = new

    def may_fail(self) -> bool:
        """Whether the current scope's error code may be non-zero at run time."""
        return self.scope.err is not None and not _is_zero(self.scope.err)

    def err_is_safe(self) -> bool:
        """Whether the current scope's failures (if any) left only plausible values behind."""
        return self.scope.err_is_safe()

    def mark_err_safe(self) -> None:
        self.scope.safe_err = self.scope.err

    @property
    def err(self) -> ir.Value | None:
        return self.scope.err

    @err.setter
    def err(self, v: ir.Value | None) -> None:
        self.scope.err = v

    # -- blocks and subgraphs --------------------------------------------------------------
    @contextlib.contextmanager
    def new_scope(self, name: str) -> Iterator[Scope]:
        graph = ir.Graph([], [], nodes=[], name=self.fresh(name), opset_imports={"": self.opset})
        scope = Scope(graph)
        self.scopes.append(scope)
        try:
            yield scope
        finally:
            self.scopes.pop()

    def graph_input(self, like: ir.Value | None = None, dtype: Any = None, rank: int | None = None,
                    name: str = "in") -> ir.Value:  # fmt: skip
        v = ir.Value(name=self.fresh(name))
        self.set_type(v, like=like, dtype=dtype, rank=rank)
        if like is not None and like.meta.get("hj_guessed_dtype"):
            v.meta["hj_guessed_dtype"] = True
            v.meta["hj_init"] = like
        self.graph.inputs.append(v)
        return v

    def lower_block(self, block: Any) -> list[Any] | None:
        """Lower `block`'s nodes into the current scope; its output bindings (None: raised)."""
        return self.lower_nodes(list(block.nodes), list(block.outputs))

    def lower_nodes(self, nodes: list[Any], outputs: list[Any]) -> list[Any] | None:
        for i, node in enumerate(nodes):
            saved, self.node = self.node, node
            try:
                self._lower_node(self, node)
            finally:
                self.node = saved
            if self.scope.raised:
                return None
            if (
                i + 1 < len(nodes)
                and self.may_fail()
                and (not self.scope.err_is_safe() or _has_loop(nodes[i + 1 :]))
            ):
                return self._guard_rest(nodes[i + 1 :], outputs)
        return [self.binding(v) for v in outputs]

    def _guard_rest(self, rest: list[Any], outputs: list[Any]) -> list[Any]:
        """`If(err == 0) {rest} else {pass the error on}` — nothing after a failure runs."""
        err = self.scope.err
        assert err is not None
        ok = self.op("Equal", [err, self.const(0)])[0]
        lists = self.mutated_lists(rest)
        before = [self.carried_list(v, _elem_of(v)) for v in lists]
        with self.new_scope("then_ok") as s_ok:
            outs = self.lower_nodes(rest, outputs)
            if outs is not None:
                outs = outs + [self.binding(v) for v in lists]
        b_ok = Branch(s_ok, outs)
        with self.new_scope("else_failed") as s_bad:
            s_bad.err = self.op("Identity", [err])[0]
        b_bad = Branch(s_bad, None if outs is None else
                       [None] * len(outputs) + before)  # fmt: skip
        b_bad.placeholders = len(outputs)
        res = self.emit_if(ok, [b_ok, b_bad], len(outputs) + len(lists), replace_err=True)
        for v, r in zip(lists, res[len(outputs) :]):
            self.bind_list(v, r)
        return res[: len(outputs)]

    def branch(self, block: Any, name: str = "branch") -> Branch:
        with self.new_scope(name) as s:
            outs = self.lower_block(block)
        return Branch(s, outs)

    # -- tuples through If / Loop: one ONNX value per element --------------------------------
    def tuple_struct(self, b: Any) -> Any:
        """The tuple shape of binding `b` (a leaf for anything but a tuple)."""
        return _struct(b)

    def tuple_size(self, st: Any) -> int:
        return _n_leaves(st)

    def tuple_leaves(self, b: Any, st: Any) -> list[Any]:
        return _leaves(b, st)

    def tuple_regroup(self, structs: list[Any], flat: list[Any]) -> list[Any]:
        out, k = [], 0
        for st in structs:
            v, k = _regroup(st, flat, k)
            out.append(v)
        return out

    def emit_if(self, cond: ir.Value, branches: list[Branch], n_outputs: int,
                replace_err: bool = False) -> list[Any]:  # fmt: skip
        """An ONNX If from two lowered branches; sets this scope's error code when needed
        (after the current one; `replace_err`: the branches already pass the current one on).
        A tuple output is one ONNX output per element (the result binds `Items` again)."""
        structs: list[Any] = []
        for i in range(n_outputs):
            st = None
            for b in branches:
                if b.outputs is not None and i >= b.placeholders:
                    here = _struct(b.outputs[i])
                    if st is None:
                        st = here
                    elif here != st:
                        raise self.error("the branches of this `if` give tuples of different "
                                         "lengths", hint="give both branches one tuple shape")  # fmt: skip
            structs.append(st or _LEAF)
        if all(st == _LEAF for st in structs):
            return self._emit_if_flat(cond, branches, n_outputs, replace_err)
        for b in branches:
            if b.outputs is None:
                continue
            new: list[Any] = []
            held = 0
            for i, (x, st) in enumerate(zip(b.outputs, structs)):
                if i < b.placeholders:
                    new += [None] * _n_leaves(st)
                    held += _n_leaves(st)
                else:
                    new += _leaves(x, st)
            b.outputs, b.placeholders = new, held
        flat = self._emit_if_flat(cond, branches, sum(map(_n_leaves, structs)), replace_err)
        out, k = [], 0
        for st in structs:
            v, k = _regroup(st, flat, k)
            out.append(v)
        return out

    def _emit_if_flat(self, cond: ir.Value, branches: list[Branch], n_outputs: int,
                      replace_err: bool = False) -> list[Any]:  # fmt: skip
        """The If of `emit_if` without tuples.  An output every branch that runs gives as
        one Python constant (None: MHA's weights without need_weights) is that constant,
        not an ONNX output."""
        fixed = _same_constant_outputs(branches, n_outputs)
        if not fixed:
            return self._emit_onnx_if(cond, branches, n_outputs, replace_err)
        keep = [i for i in range(n_outputs) if i not in fixed]
        for b in branches:
            if b.outputs is not None:
                b.placeholders = sum(1 for i in keep if i < b.placeholders)
                b.outputs = [b.outputs[i] for i in keep]
        if not keep and all(b.scope.err is None for b in branches):
            return [fixed[i] for i in range(n_outputs)]  # nothing left for an If to give
        rest = iter(self._emit_onnx_if(cond, branches, len(keep), replace_err))
        return [fixed[i] if i in fixed else next(rest) for i in range(n_outputs)]

    def _emit_onnx_if(self, cond: ir.Value, branches: list[Branch], n_outputs: int,
                      replace_err: bool = False) -> list[ir.Value]:  # fmt: skip
        live = [b for b in branches if b.outputs is not None and not b.placeholders]
        with_err = any(b.scope.err is not None for b in branches)
        outs_by_branch: list[list[ir.Value]] = []
        for b in branches:
            self.scopes.append(b.scope)
            try:
                if b.outputs is not None:
                    vals = [self._placeholder_like(i, live) if i < b.placeholders or isinstance(x, Unset)
                            else self._own(self.materialize(x)) for i, x in enumerate(b.outputs)]  # fmt: skip
                else:
                    vals = [self._placeholder_like(i, live) for i in range(n_outputs)]
                if with_err:
                    vals.append(
                        self._own(b.scope.err) if b.scope.err is not None else self.const(0)
                    )
            finally:
                self.scopes.pop()
            b.scope.graph.outputs.extend(vals)
            outs_by_branch.append(vals)
        self._check_branch_types(outs_by_branch)
        n = n_outputs + (1 if with_err else 0)
        res = self.op("If", [cond], {"then_branch": branches[0].scope.graph,
                                     "else_branch": branches[1].scope.graph}, n=n)  # fmt: skip
        for i, out in enumerate(res):
            ref = (
                outs_by_branch[0][i]
                if branches[0].outputs is not None or i == n_outputs
                else outs_by_branch[1][i]
            )
            self.set_type(out, like=ref)
            ranks = {self.rank(vals[i]) for vals in outs_by_branch}
            if len(ranks) > 1:
                out.shape = None
            elems = {vals[i].meta.get(ELEM_RANK) for vals in outs_by_branch}
            elems.discard(ANY_RANK)
            if len(elems) == 1 and isinstance(next(iter(elems)), int):
                out.meta[ELEM_RANK] = next(iter(elems))
        if with_err:
            safe = len(live) == len(branches) and all(b.scope.err_is_safe() for b in branches)
            if replace_err:
                self.scope.err = res[-1]
                self.scope.safe_err = res[-1] if safe else None
            else:
                self.merge_err(res[-1], safe)
            res = res[:-1]
        if not live:
            self.scope.raised = True
        return res

    def _check_branch_types(self, outs: list[list[ir.Value]]) -> None:
        for a, b in zip(*outs):
            if a.type != b.type:
                raise self.error(f"the branches of this `if` give values of different types "
                                 f"({a.type} vs {b.type}); ONNX If needs one type",
                                 hint="make both branches produce the same dtype")  # fmt: skip

    def _own(self, v: ir.Value) -> ir.Value:
        """`v` as a value produced in the current graph (subgraph outputs must be)."""
        if v.graph is self.graph and not v.is_graph_input():
            return v
        out = self.op("Identity", [v])[0]
        return out

    def _placeholder_like(self, i: int, live: list[Branch]) -> ir.Value:
        """A stand-in output for a branch that raised (never observed by the caller)."""
        if not live:
            return self.const(0)
        for b in live:  # the first branch with a value there (an `Unset` one has none)
            if b.scope.graph.outputs:
                return self.placeholder(b.scope.graph.outputs[i])
            if not isinstance(b.outputs[i], Unset):
                return self.placeholder(self.materialize(b.outputs[i]))
        return self.materialize(live[0].outputs[i])  # every branch leaves it unset: the error

    def placeholder(self, ref: ir.Value) -> ir.Value:
        t = ref.type
        if isinstance(t, ir.SequenceType):
            elem = t.elem_type
            return self.op("SequenceEmpty", [], {"dtype": elem.dtype})[0]
        if isinstance(t, ir.TensorType):
            rank = self.rank(ref) or 0
            arr = np.zeros([1] * rank, dtype=onnx_to_torch_dtype_np(t.dtype))
            tensor = ir.tensor(arr, dtype=t.dtype)
            return self.op("Constant", [], {"value": tensor})[0]
        raise self.error(f"cannot make a placeholder of type {t}")


_SAME_SHAPE = {"Sigmoid", "Tanh", "Relu", "Neg", "Abs", "Exp", "Log", "Sqrt", "Cast", "Identity",
               "Not", "Erf", "Softplus", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu",
               "Clip", "Softmax", "LogSoftmax", "Sin", "Cos", "Floor", "Ceil", "Round", "Sign",
               "Reciprocal", "Gelu", "IsNaN", "IsInf"}  # fmt: skip
_BROADCASTING = {"Add", "Sub", "Mul", "Div", "Pow", "Where", "And", "Or", "Xor", "Equal", "Less",
                 "Greater", "LessOrEqual", "GreaterOrEqual", "Max", "Min", "Mod", "PRelu"}  # fmt: skip

# The rank every element of a sequence has, where export knows it: `v.meta[ELEM_RANK]` is an
# int, or ANY_RANK for a sequence that is empty here (SequenceEmpty).  `SequenceAt` then gets
# a result of that rank (onnx_ir sequence types carry no element shape).
ELEM_RANK = "hj_elem_rank"
ANY_RANK = "any"
_SEQUENCE_OPS = {"SequenceEmpty", "SequenceConstruct", "SequenceInsert", "SequenceErase",
                 "SplitToSequence", "SequenceAt", "Identity"}  # fmt: skip


def _rank_of(v: ir.Value | None) -> int | None:
    return None if v is None or v.shape is None else len(v.shape)


def _track_elem_rank(node: ir.Node) -> None:
    op, ins, out = node.op_type, list(node.inputs), node.outputs[0]
    seq_rank = ins[0].meta.get(ELEM_RANK) if ins and ins[0] is not None else None
    rank: Any = None
    if op == "SequenceEmpty":
        rank = ANY_RANK
    elif op == "SequenceConstruct":
        ranks = {_rank_of(v) for v in ins}
        rank = ranks.pop() if len(ranks) == 1 else None
    elif op == "SequenceInsert":
        r = _rank_of(ins[1])
        rank = r if seq_rank in (ANY_RANK, r) else None
    elif op in ("SequenceErase", "Identity"):
        rank = seq_rank
    elif op == "SplitToSequence":
        keep = node.attributes.get("keepdims")
        drops = len(ins) < 2 and keep is not None and keep.value == 0
        r = _rank_of(ins[0])
        rank = None if r is None else r - drops
    elif op == "SequenceAt":
        if isinstance(seq_rank, int) and out.shape is None:
            out.shape = ir.Shape([None] * seq_rank)
        return
    if rank is not None:
        out.meta[ELEM_RANK] = rank


class _ShimValue:
    """A stand-in hybridjit value for an argument a rule makes up (`ExportContext.torchlib`)."""

    def __init__(self, type: Any, name: str) -> None:
        self.type = type
        self.debug_name = name
        self.uses: list[Any] = []


@dataclasses.dataclass
class _Shim:
    node: Any
    schema: Any
    inputs: list[Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.node, name)


_EXACT_INT_OPS = {"Add", "Sub", "Mul", "Neg", "Abs", "Identity", "Constant"}


def _scalar_chain(g: ir.Value, counter: ir.Value, body: ir.Graph, carried: set[Any]
                  ) -> list[ir.Node] | None:  # fmt: skip
    """The body nodes computing 0-d integer `g` from the counter and outer 0-d values only
    (exact integer ops), in order; None when g needs anything else."""
    order: list[ir.Node] = []
    seen: set[int] = set()

    def visit(v: ir.Value) -> bool:
        if v is counter:
            return True
        if v in carried or v.shape is None or len(v.shape) != 0:
            return False
        if v.type is None or v.type.dtype not in (ir.DataType.INT64, ir.DataType.INT32):
            return False
        node = v.producer()
        if node is None or node.graph is not body:
            return v.graph is not body  # an outer value (or initializer)
        if node.domain or node.op_type not in _EXACT_INT_OPS:
            return False
        if id(node) in seen:
            return True
        if not all(x is not None and visit(x) for x in node.inputs):
            return False
        seen.add(id(node))
        order.append(node)
        return True

    return order if visit(g) else None


def _known_factors(g: ir.Value, chain: list[ir.Node], counter: ir.Value, n: int) -> np.ndarray | None:
    """`g` for counter values 0 .. n-1, computed now (numpy's int64 wraps as ONNX's does),
    when the chain's only input known at run time is the counter; else None."""
    env: dict[Any, np.ndarray] = {counter: np.arange(n, dtype=np.int64)}

    def value(v: ir.Value) -> np.ndarray | None:
        if v in env:
            return env[v]
        return None if v.const_value is None else np.asarray(v.const_value.numpy())

    for node in chain:
        args = [value(v) for v in node.inputs]
        if node.op_type == "Constant":
            out = np.asarray(node.outputs[0].const_value.numpy()) if node.outputs[0].const_value else None
        elif any(a is None for a in args):
            return None
        else:
            out = _NUMPY_INT_OPS[node.op_type](*args)
        if out is None:
            return None
        env[node.outputs[0]] = out
    known = value(g)
    return None if known is None else np.broadcast_to(known, (n,))


_NUMPY_INT_OPS: dict[str, Callable[..., np.ndarray]] = {
    "Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Neg": np.negative,
    "Abs": np.abs, "Identity": np.asarray}  # fmt: skip


def _exact_prefix(factors: np.ndarray) -> int:
    """How many leading `factors` multiply without any partial product reaching 2**52 in
    magnitude (zeros counted as 1: what comes before a zero is still computed)."""
    with np.errstate(over="ignore"):  # past 2**1024 the product is inf: past the limit too
        grow = np.cumprod(np.maximum(np.abs(factors.astype(np.float64)), 1.0))
    return int(np.searchsorted(grow, float(1 << 52)))


_LEAF = "leaf"


def _struct(b: Any) -> Any:
    """A binding's tuple structure: `_LEAF`, or `("tuple", (element structures...))`."""
    if isinstance(b, Items) and b.kind == "tuple":
        return ("tuple", tuple(_struct(x) for x in b.items))
    if isinstance(b, Const) and isinstance(b.value, tuple):
        return ("tuple", tuple(_struct(Const(x)) for x in b.value))
    return _LEAF


def _n_leaves(st: Any) -> int:
    return 1 if st == _LEAF else sum(_n_leaves(e) for e in st[1])


def _leaves(b: Any, st: Any) -> list[Any]:
    if st == _LEAF:
        return [b]
    items = b.items if isinstance(b, Items) else [Const(x) for x in b.value]
    return [leaf for x, e in zip(items, st[1]) for leaf in _leaves(x, e)]


def _regroup(st: Any, flat: list[Any], k: int) -> tuple[Any, int]:
    if st == _LEAF:
        return flat[k], k + 1
    items = []
    for e in st[1]:
        v, k = _regroup(e, flat, k)
        items.append(v)
    return Items(items, "tuple"), k


def _same_constant_outputs(branches: list[Any], n: int) -> dict[int, Const]:
    """Output index -> the constant (None, a Python number, bool or str) that every branch
    giving that output gives."""
    fixed: dict[int, Const] = {}
    for i in range(n):
        given = [b.outputs[i] for b in branches
                 if b.outputs is not None and i >= b.placeholders and not isinstance(b.outputs[i], Unset)]  # fmt: skip
        if not given or not all(isinstance(x, Const) for x in given):
            continue
        values = [x.value for x in given]
        first = values[0]
        if (first is None or type(first) in (bool, int, float, str)) and all(
                type(v) is type(first) and v == first for v in values):  # fmt: skip
            fixed[i] = given[0]
    return fixed


def _attr(name: str, value: Any) -> ir.Attr:
    if isinstance(value, ir.DataType):
        return ir.AttrInt64(name, int(value))
    return ir.convenience.convert_attribute(name, value)


def _is_static(b: Any) -> bool:
    if isinstance(b, Const):
        return True
    if isinstance(b, Items):
        return all(_is_static(x) for x in b.items)
    return False


def _static_value(b: Any) -> Any:
    if isinstance(b, Const):
        return b.value
    vals = [_static_value(x) for x in b.items]
    return tuple(vals) if b.kind == "tuple" else vals


def _elem_of(v: Any) -> str:
    e = v.type.elem if isinstance(v.type, T.ListType) else None
    if isinstance(e, T.TensorType):
        return "tensor"
    return {T.IntType: "int", T.FloatType: "float", T.BoolType: "bool"}.get(e, "any")


def _has_loop(nodes: list[Any]) -> bool:
    """Whether `nodes` hold a loop (whose trip count must not come from clamped values)."""
    return any(n.kind == "prim::Loop" or any(m.kind == "prim::Loop" for b in n.blocks
                                             for m in b.all_nodes()) for n in nodes)  # fmt: skip


def _is_true(v: ir.Value) -> bool:
    c = v.const_value
    return c is not None and bool(c.numpy())


def _is_zero(v: ir.Value) -> bool:
    c = v.const_value
    return c is not None and int(c.numpy()) == 0


def _py_dtype(value: Any) -> Any:
    items = value if isinstance(value, (list, tuple)) else [value]
    if items and all(isinstance(x, bool) for x in items):
        return ir.DataType.BOOL
    if any(isinstance(x, float) for x in items):
        return ir.DataType.DOUBLE
    return ir.DataType.INT64


def onnx_to_torch_dtype_np(dtype: Any) -> Any:
    return {ir.DataType.FLOAT: np.float32, ir.DataType.DOUBLE: np.float64,
            ir.DataType.INT64: np.int64, ir.DataType.INT32: np.int32, ir.DataType.BOOL: np.bool_,
            ir.DataType.INT8: np.int8, ir.DataType.UINT8: np.uint8, ir.DataType.INT16: np.int16,
            ir.DataType.FLOAT16: np.float16}[dtype]  # fmt: skip
