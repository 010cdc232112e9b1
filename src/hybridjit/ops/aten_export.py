"""The ONNX export rules of aten overloads, keyed by overload: `ATEN_EXPORT["aten::add.int"]`.

A rule is `rule(ctx, node)`: it binds the node's outputs through the exporter's context
(`backends/onnx/context.py`), never importing onnx itself. Tensor ops not listed here are
translated by onnxscript's torchlib (`backends/onnx/torchlib_rules.py`).
Listed are TorchScript's Python-number ops (`aten::add.int`, `aten::eq.int_float`, …), the
tensor <-> number conversions, sizes, list ops and dtype conversions.  Rules use only
`ExportContext` methods.

Python numbers are 0-d tensors: int -> int64, float -> double, bool -> bool; int/float
mixes compute in double, as Python does.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from hybridjit.ir import types as T
from hybridjit.ops import registry
from hybridjit.ops.kernels import kernel_for
from hybridjit.ops.numbering import to_dtype

Rule = Callable[[Any, Any], None]
ATEN_EXPORT: dict[str, Rule] = {}


def _num_kind(ctx: Any, v: Any) -> str:
    if v.type == T.FloatType:
        return "float"
    if v.type == T.BoolType:
        return "bool"
    if v.type == T.IntType:
        return "int"
    d = ctx.dtype(ctx.value(v))
    if d == ctx.scalar_dtype("float") or d == ctx.onnx_dtype(torch.float32):
        return "float"
    if d == ctx.scalar_dtype("bool"):
        return "bool"
    return "int"


def _operands(ctx: Any, node: Any, force_float: bool = False) -> tuple[Any, Any, str]:
    a, b = node.inputs[:2]
    kinds = {_num_kind(ctx, a), _num_kind(ctx, b)}
    kind = "float" if force_float or "float" in kinds else "int"
    dt = ctx.scalar_dtype(kind)
    return ctx.cast(ctx.value(a), dt), ctx.cast(ctx.value(b), dt), kind


def _binary(onnx_op: str, force_float: bool = False) -> Rule:
    def rule(ctx: Any, node: Any) -> None:
        x, y, _ = _operands(ctx, node, force_float)
        ctx.bind(node.output, ctx.op(onnx_op, [x, y])[0])

    return rule


def _logical(bool_op: str, int_op: str) -> Rule:
    """`a & b` / `a | b` / `a ^ b` on Python bools (logical) or ints (bitwise)."""

    def rule(ctx: Any, node: Any) -> None:
        a, b = (ctx.value(v) for v in node.inputs[:2])
        if ctx.dtype(a) == ctx.scalar_dtype("bool") and ctx.dtype(b) == ctx.scalar_dtype("bool"):
            ctx.bind(node.output, ctx.op(bool_op, [a, b])[0])
            return
        i64 = ctx.scalar_dtype("int")
        ctx.bind(node.output, ctx.op(int_op, [ctx.cast(a, i64), ctx.cast(b, i64)])[0])

    return rule


def _compare(onnx_op: str, negate: bool = False) -> Rule:
    def rule(ctx: Any, node: Any) -> None:
        x, y, _ = _operands(ctx, node)
        out = ctx.op(onnx_op, [x, y])[0]
        ctx.bind(node.output, ctx.op("Not", [out])[0] if negate else out)

    return rule


def _nonzero_divisor(ctx: Any, node: Any, y: Any, compute: Callable[[], Any]) -> Any:
    """`compute()` guarded like Python: a zero divisor raises ZeroDivisionError."""
    if ctx.is_static(node.inputs[1]) and ctx.static(node.inputs[1]) != 0:
        return compute(None)
    zero = ctx.op("Equal", [y, ctx.const(0, ctx.dtype(y))])[0]
    ok = ctx.op("Not", [zero])[0]
    return ctx.checked(ok, "builtins.ZeroDivisionError", None, lambda: [compute(None)],
                       safe=lambda: [compute(zero)])[0]  # fmt: skip


def _safe_divisor(ctx: Any, y: Any, zero: Any) -> Any:
    """`y` with 0 replaced by 1 (`zero`: y == 0), so an integer division cannot trap."""
    return y if zero is None else ctx.op("Where", [zero, ctx.const(1, ctx.dtype(y)), y])[0]


def export_div(ctx: Any, node: Any) -> None:
    x, y, _ = _operands(ctx, node, force_float=True)
    ctx.bind(node.output, _nonzero_divisor(ctx, node, y, lambda z: ctx.op("Div", [x, y])[0]))


def export_floordiv(ctx: Any, node: Any) -> None:
    x, y, _ = _operands(ctx, node)
    ctx.bind(node.output, _nonzero_divisor(ctx, node, y, lambda z: _floordiv(ctx, node, z)))


def export_remainder(ctx: Any, node: Any) -> None:
    x, y, _ = _operands(ctx, node)
    ctx.bind(node.output, _nonzero_divisor(ctx, node, y, lambda z: _remainder(ctx, node, z)))


def export_divmod(ctx: Any, node: Any) -> None:
    x, y, _ = _operands(ctx, node)
    q = _nonzero_divisor(ctx, node, y, lambda z: _floordiv(ctx, node, z))
    ctx.bind(node.outputs[0], q)
    ctx.bind(node.outputs[1], _remainder(ctx, node, safe=True))


def _floordiv(ctx: Any, node: Any, zero: Any = None) -> Any:
    x, y, kind = _operands(ctx, node)
    if kind != "float":
        y = _safe_divisor(ctx, y, zero)
    if kind == "float":
        out = ctx.op("Floor", [ctx.op("Div", [x, y])[0]])[0]
    else:  # x = y*q + r with r of y's sign (Python's %), so q = (x - r) / y exactly
        r = ctx.op("Mod", [x, y], {"fmod": 0})[0]
        out = ctx.op("Div", [ctx.op("Sub", [x, r])[0], y])[0]
    return out


def _remainder(ctx: Any, node: Any, zero: Any = None, safe: bool = False) -> Any:
    x, y, kind = _operands(ctx, node)
    if kind != "float":
        y = _safe_divisor(ctx, y, zero)
    if safe:  # the divisor was checked already: keep Mod from failing on the skipped path
        one = ctx.const(1, ctx.dtype(y))
        y = ctx.op("Where", [ctx.op("Equal", [y, ctx.const(0, ctx.dtype(y))])[0], one, y])[0]
    if kind == "float":
        q = ctx.op("Floor", [ctx.op("Div", [x, y])[0]])[0]
        out = ctx.op("Sub", [x, ctx.op("Mul", [q, y])[0]])[0]
    else:
        out = ctx.op("Mod", [x, y], {"fmod": 0})[0]
    return out


def export_pow(ctx: Any, node: Any) -> None:
    """Python `a ** b` on numbers: double (int ** int with `int_to_int`: int64)."""
    x, y, kind = _operands(ctx, node, force_float=node.schema.overload_name != "int_to_int")
    ctx.bind(node.output, ctx.op("Pow", [x, y])[0])


def export_round(ctx: Any, node: Any) -> None:
    """Python's round(): half to even, as ONNX Round."""
    x = ctx.cast(ctx.value(node.inputs[0]), ctx.scalar_dtype("float"))
    ctx.bind(node.output, ctx.op("Round", [x])[0])


def export_range_length(ctx: Any, node: Any) -> None:
    """len(range(lo, hi, step)) = max(0, ceil((hi - lo) / step)) in integers."""
    lo, hi, step = (ctx.cast(ctx.value(v), ctx.scalar_dtype("int")) for v in node.inputs)
    span = ctx.op("Sub", [hi, lo])[0]
    if ctx.is_static(node.inputs[2]) and ctx.static(node.inputs[2]) != 0:
        st = ctx.static(node.inputs[2])
        adj = ctx.op("Add", [span, ctx.const(st - 1 if st > 0 else st + 1)])[0]
        ok = None
    else:  # a run-time step: step - sign(step), and step == 0 raises as in Python
        zero = ctx.op("Equal", [step, ctx.const(0)])[0]
        ok = ctx.op("Not", [zero])[0]
        step = ctx.op("Where", [zero, ctx.const(1), step])[0]
        adj = ctx.op("Add", [span, ctx.op("Sub", [step, ctx.op("Sign", [step])[0]])[0]])[0]
    # floor division by the (non-zero) step: q = (a - a mod st) / st
    r = ctx.op("Mod", [adj, step], {"fmod": 0})[0]
    q = ctx.op("Div", [ctx.op("Sub", [adj, r])[0], step])[0]
    n = ctx.op("Max", [q, ctx.const(0)])[0]
    if ok is not None:
        n = ctx.checked(ok, "builtins.ValueError", "range() arg 3 must not be zero",
                        lambda: [n], safe=lambda: [n])[0]  # fmt: skip
    ctx.bind(node.output, n)


def _shift(left: bool) -> Rule:
    def rule(ctx: Any, node: Any) -> None:
        x, y, _ = _operands(ctx, node)
        p = ctx.op("Pow", [ctx.const(2), y])[0]
        if left:
            out = ctx.op("Mul", [x, p])[0]
        else:  # floor division by a power of two
            r = ctx.op("Mod", [x, p], {"fmod": 0})[0]
            out = ctx.op("Div", [ctx.op("Sub", [x, r])[0], p])[0]
        ok = ctx.op("GreaterOrEqual", [y, ctx.const(0)])[0]
        ctx.bind(node.output, ctx.checked(ok, "builtins.ValueError", "negative shift count",
                                          lambda: [out])[0])  # fmt: skip

    return rule


def _number_list(ctx: Any, v: Any) -> Any:
    x = ctx.value(v)
    if ctx.is_sequence(x):
        raise ctx.error("this operation on a list of tensors")
    return x


def _reduce_list(onnx_op: str, empty_raises: bool) -> Rule:
    """min(xs) / max(xs) / sum(xs) / any(xs) / all(xs) of a list of numbers."""

    def rule(ctx: Any, node: Any) -> None:
        x = _number_list(ctx, node.inputs[0])
        kind = _kind_of_elem(node.inputs[0].type)
        want = ctx.scalar_dtype("int" if kind == "bool" and onnx_op == "ReduceSum" else
                                kind if onnx_op != "any_all" else "bool")  # fmt: skip
        xs = ctx.cast(x, ctx.scalar_dtype("int") if kind == "bool" else ctx.dtype(x))

        def compute() -> list[Any]:
            if onnx_op in ("any", "all"):
                nz = ctx.cast(ctx.op("Not", [ctx.op("Equal", [xs, ctx.const(0, ctx.dtype(xs))])[0]])[0],
                              ctx.scalar_dtype("int"))  # fmt: skip
                if onnx_op == "any":
                    s = ctx.op("ReduceSum", [nz, ctx.const([0])], {"keepdims": 0})[0]
                    return [ctx.op("Greater", [s, ctx.const(0)])[0]]
                n = ctx.op("Size", [nz])[0]
                s = ctx.op("ReduceSum", [nz, ctx.const([0])], {"keepdims": 0})[0]
                return [ctx.op("Equal", [s, n])[0]]
            if onnx_op == "ReduceSum" and kind == "int":
                return [ctx.int_sum(xs)]  # ReduceSum would add the int64s in double
            axes = [ctx.const([0])] if onnx_op == "ReduceSum" else []
            attrs = {"keepdims": 0} if onnx_op == "ReduceSum" else {"keepdims": 0, "axes": [0]}
            if onnx_op != "ReduceSum" and ctx.opset >= 18:
                axes, attrs = [ctx.const([0])], {"keepdims": 0}
            out = ctx.op(onnx_op, [xs, *axes], attrs)[0]
            return [ctx.cast(out, want)]

        if empty_raises:
            n = ctx.op("Size", [xs])[0]
            ok = ctx.op("Greater", [n, ctx.const(0)])[0]
            name = "min" if "Min" in onnx_op else "max"
            res = ctx.checked(ok, "builtins.ValueError", f"{name}() arg is an empty sequence",
                              compute)[0]  # fmt: skip
        else:
            res = compute()[0]
        ctx.bind(node.output, res)

    return rule


def _kind_of_elem(t: Any) -> str:
    e = t.elem if isinstance(t, T.ListType) else None
    return {T.IntType: "int", T.FloatType: "float", T.BoolType: "bool"}.get(e, "int")


def export_contains(ctx: Any, node: Any) -> None:
    x = _number_list(ctx, node.inputs[0])
    item = ctx.cast(ctx.value(node.inputs[1]), ctx.dtype(x))
    hits = ctx.cast(ctx.op("Equal", [x, item])[0], ctx.scalar_dtype("int"))
    s = ctx.op("ReduceSum", [hits, ctx.const([0])], {"keepdims": 0})[0]
    ctx.bind(node.output, ctx.op("Greater", [s, ctx.const(0)])[0])


def export_list_slice(ctx: Any, node: Any) -> None:
    """`xs[a:b:c]` of a list of numbers: ONNX Slice clamps like Python."""
    lst, start, end, step = node.inputs
    items = ctx.items(lst)
    if items is not None and all(ctx.is_static(v) for v in (start, end, step)):
        ctx.bind_items(node.output, items[slice(ctx.static(start), ctx.static(end),
                                                ctx.static(step))], "list",
                       _kind_of_elem(lst.type))  # fmt: skip
        return
    x = ctx.value(lst)
    st = ctx.static(step, "the slice step")
    big = 9223372036854775807

    def bound(v: Any, default: int) -> Any:
        if ctx.is_static(v) and ctx.static(v) is None:
            return ctx.const([default])
        return ctx.op("Reshape", [ctx.cast(ctx.value(v), ctx.scalar_dtype("int")),
                                  ctx.const([1])])[0]  # fmt: skip

    a = bound(start, 0 if st > 0 else big)
    b = bound(end, big if st > 0 else -big - 1)
    if ctx.is_sequence(x):
        raise ctx.error("slicing a list of tensors with bounds computed at run time",
                        hint="use constant bounds")  # fmt: skip
    ctx.bind(node.output, ctx.op("Slice", [x, a, b, ctx.const([0]), ctx.const([st])])[0])


def export_list_eq(ctx: Any, node: Any) -> None:
    """`xs == ys` of number lists: same length and all elements equal."""
    a, b = (_number_list(ctx, v) for v in node.inputs)
    dt = ctx.scalar_dtype("float") if ctx.scalar_dtype("float") in (ctx.dtype(a), ctx.dtype(b)) \
        else ctx.dtype(a)  # fmt: skip
    a, b = ctx.cast(a, dt), ctx.cast(b, dt)
    na, nb = ctx.op("Size", [a])[0], ctx.op("Size", [b])[0]
    same_len = ctx.op("Equal", [na, nb])[0]
    # compare the common prefix (Slice never fails), then require equal lengths
    n = ctx.op("Reshape", [ctx.op("Min", [na, nb])[0], ctx.const([1])])[0]
    pa = ctx.op("Slice", [a, ctx.const([0]), n])[0]
    pb = ctx.op("Slice", [b, ctx.const([0]), n])[0]
    diff = ctx.cast(ctx.op("Not", [ctx.op("Equal", [pa, pb])[0]])[0], ctx.scalar_dtype("int"))
    s = ctx.op("ReduceSum", [diff, ctx.const([0])], {"keepdims": 0})[0]
    out = ctx.op("And", [same_len, ctx.op("Equal", [s, ctx.const(0)])[0]])[0]
    if node.kind == "aten::ne":
        out = ctx.op("Not", [out])[0]
    ctx.bind(node.output, out)


def _unary(onnx_op: str) -> Rule:
    def rule(ctx: Any, node: Any) -> None:
        ctx.bind(node.output, ctx.op(onnx_op, [ctx.value(node.inputs[0])])[0])

    return rule


def _to_number(kind: str) -> Rule:
    def rule(ctx: Any, node: Any) -> None:
        x = ctx.value(node.inputs[0])
        if ctx.is_sequence(x):
            raise ctx.error(f"{node.kind} of a list")
        if ctx.rank(x) != 0:
            x = _one_element(ctx, x, "builtins.ValueError")
        ctx.bind(node.output, ctx.cast(x, ctx.scalar_dtype(kind)))

    return rule


def export_item(ctx: Any, node: Any) -> None:
    x = ctx.value(node.inputs[0])
    x = _one_element(ctx, x, "builtins.RuntimeError") if ctx.rank(x) != 0 else x
    td = ctx.torch_dtype(x)
    kind = "bool" if td is not None and td.is_floating_point is False and str(td) == "torch.bool" \
        else "float" if td is not None and td.is_floating_point else "int"  # fmt: skip
    ctx.bind(node.output, ctx.cast(x, ctx.scalar_dtype(kind)))


def _one_element(ctx: Any, x: Any, cls: str) -> Any:
    """The only element of `x` as a 0-d value; `cls` is raised when `x` has another count."""
    ok = ctx.op("Equal", [ctx.op("Size", [x])[0], ctx.const(1)])[0]

    def safe() -> list[Any]:  # the first element of `x` padded with a zero: never fails
        flat = ctx.op("Reshape", [x, ctx.const([-1])])[0]
        pad = ctx.op("ConstantOfShape", [ctx.const([1])])[0]
        padded = ctx.op("Concat", [flat, ctx.cast(pad, ctx.dtype(x))], {"axis": 0})[0]
        return [ctx.op("Gather", [padded, ctx.const(0)], {"axis": 0})[0]]

    return ctx.checked(ok, cls, None, lambda: [ctx.op("Reshape", [x, ctx.const(
        [], ctx.scalar_dtype("int"))])[0]], safe=safe)[0]  # fmt: skip


def export_size_int(ctx: Any, node: Any) -> None:
    x = ctx.value(node.inputs[0])
    dim = ctx.static(node.inputs[1], "the dimension")
    rank = ctx.rank(x)
    if rank is not None and dim < 0:
        dim += rank
    ctx.bind(node.output, _dim(ctx, x, dim))


def _dim(ctx: Any, x: Any, dim: int) -> Any:
    """x.size(dim) as a 0-d int64, computed once where it can be (hoisted out of loops)."""
    return ctx.dim_size(x, dim)


def export_size(ctx: Any, node: Any) -> None:
    x = ctx.value(node.inputs[0])
    rank = ctx.rank(x)
    if rank is None:
        ctx.bind(node.output, ctx.op("Shape", [x])[0])
        return
    ctx.bind_items(node.output, [_dim(ctx, x, i) for i in range(rank)], "list", "int")


def export_dim(ctx: Any, node: Any) -> None:
    x = ctx.value(node.inputs[0])
    rank = ctx.rank(x)
    if rank is None:
        raise ctx.error("the rank of this tensor is not known at export time")
    ctx.bind(node.output, rank)


def export_numel(ctx: Any, node: Any) -> None:
    s = ctx.op("Size", [ctx.value(node.inputs[0])])[0]
    ctx.bind(node.output, s)


def export_len(ctx: Any, node: Any) -> None:
    items = ctx.items(node.inputs[0])
    if items is not None:
        ctx.bind(node.output, len(items))
        return
    x = ctx.value(node.inputs[0])
    if ctx.is_sequence(x):
        ctx.bind(node.output, ctx.op("SequenceLength", [x])[0])
    else:
        ctx.bind(node.output, _dim(ctx, x, 0))


def export_getitem(ctx: Any, node: Any) -> None:
    lst, idx = node.inputs[:2]
    items = ctx.items(lst)
    if items is not None and ctx.is_static(idx):
        i = ctx.static(idx)
        if not -len(items) <= i < len(items):
            raise ctx.error(f"list index {i} out of range (length {len(items)})")
        ctx.bind(node.output, items[i])
        return
    if items is not None:
        # a known-length list or tuple indexed at run time (`for a in args`): its elements
        # as one list value
        if isinstance(lst.type, T.TupleType):
            kinds = {_elem_kind_of(T.ListType(e)) for e in lst.type.elems}
        else:
            kinds = {_elem_kind_of(lst)}
        if len(kinds) != 1 or "any" in kinds:
            raise ctx.error(f"indexing a {lst.type} with an index computed at run time",
                            hint="use a constant index, or a list of tensors or numbers")  # fmt: skip
        x = ctx.list_value(items, kinds.pop())
    else:
        x = ctx.value(lst)
    i = ctx.cast(ctx.value(idx), ctx.scalar_dtype("int"))
    seq = ctx.is_sequence(x)
    n = ctx.op("SequenceLength", [x])[0] if seq else _dim(ctx, x, 0)
    op, attrs = ("SequenceAt", {}) if seq else ("Gather", {"axis": 0})
    if _counts_along(ctx, idx, lst, 0):
        ctx.bind(node.output, ctx.op(op, [x, i], attrs)[0])
        return
    ok, j = _clamped(ctx, i, n)
    out = ctx.checked(ok, "builtins.IndexError", "list index out of range",
                      lambda: [ctx.op(op, [x, i], attrs)[0]],
                      safe=lambda: [ctx.op(op, [x, j], attrs)[0]])[0]  # fmt: skip
    ctx.bind(node.output, out)


def _in_range(ctx: Any, i: Any, n: Any) -> Any:
    """-n <= i < n"""
    lo = ctx.op("GreaterOrEqual", [i, ctx.invariant("neg", [n], lambda: ctx.op("Neg", [n])[0])])[0]
    return ctx.op("And", [lo, ctx.op("Less", [i, n])[0]])[0]


def _clamped(ctx: Any, i: Any, n: Any) -> tuple[Any, Any]:
    """`(ok, j)`: whether -n <= i < n, and `i` clipped into that range, so the op reading
    `j` cannot fail (except on an empty dimension, n == 0: onnxruntime then reports the
    failed Gather and the runner re-derives eager's exception).  Two ops, as loop bodies
    pay per op."""
    lo = ctx.invariant("neg", [n], lambda: ctx.op("Neg", [n])[0])
    hi = ctx.invariant("minus1", [n], lambda: ctx.op("Sub", [n, ctx.const(1)])[0])
    j = ctx.op("Clip", [i, lo, hi])[0]
    return ctx.op("Equal", [j, i])[0], j


def _counts_along(ctx: Any, idx: Any, x: Any, dim: int, rank: int | None = None) -> bool:
    """Whether `idx` is provably in range for dim `dim` of `x` (a tensor or list nothing
    mutates): it is the counter of a loop whose max trip count is `x.size(dim)` (or `len(x)`
    for dim 0), so 0 <= idx < size."""
    if any(u.user.schema is not None and u.user.schema.is_mutable for u in x.uses):
        return False
    param = idx.node
    if param.kind != "prim::Param" or idx.offset != 0:
        return False
    block = param.owning_block
    loop = block.owning_node if block is not None else None
    if loop is None or loop.kind != "prim::Loop":
        return False
    trips = loop.inputs[0].node
    if trips.kind == "aten::len" and len(trips.inputs) == 1:
        return trips.inputs[0] is x and dim == 0
    if trips.kind == "aten::size" and len(trips.inputs) == 2 and trips.inputs[0] is x:
        d = trips.inputs[1]
        if not ctx.is_static(d) or not isinstance(ctx.static(d), int):
            return False
        d = ctx.static(d)
        return d == dim or (rank is not None and d < 0 and d + rank == dim)
    return False


def export_append(ctx: Any, node: Any) -> None:
    lst = node.inputs[0]
    _check_unaliased(ctx, lst)
    cur = ctx.binding(lst)
    if ctx.is_run_time(cur):
        # a list carried through an If/Loop (or computed): SequenceInsert / Concat
        x, item = ctx.value(lst), ctx.value(node.inputs[1])
        if ctx.is_sequence(x):
            if ctx.dtype(ctx.sequence_elem(x)) != ctx.dtype(item):
                if not ctx.retype_empty_sequence(x, ctx.dtype(item)):
                    raise ctx.error("appending a tensor of another dtype to this list (an ONNX "
                                    "sequence holds one dtype)",
                                    hint="convert the tensors to one dtype")  # fmt: skip
            new = ctx.op("SequenceInsert", [x, item])[0]
        else:
            item = ctx.op("Reshape", [ctx.cast(item, ctx.dtype(x)), ctx.const([1])])[0]
            new = ctx.op("Concat", [x, item], {"axis": 0})[0]
        ctx.bind_list(lst, new)
        return
    b = ctx.known_list(lst)
    if b is None or not ctx.owns(b):
        raise ctx.error("appending to a list created outside this `if`/loop (list mutation "
                        "inside control flow)", hint="collect the values with a loop-carried "
                        "tensor and torch.cat, or build the list outside the loop")  # fmt: skip
    b.items.append(ctx.binding(node.inputs[1]))
    ctx.bind_list(lst, b)


def export_list(ctx: Any, node: Any) -> None:
    b = ctx.known_list(node.inputs[0])
    if b is not None:
        ctx.bind_items(node.output, list(b.items), "list", b.elem)
    else:
        ctx.bind(node.output, ctx.binding(node.inputs[0]))


def _list_elem_dtype(ctx: Any, t: Any) -> Any:
    kind = {T.IntType: "int", T.FloatType: "float", T.BoolType: "bool"}.get(
        getattr(t, "elem", None)
    )
    return None if kind is None else ctx.scalar_dtype(kind)


def export_list_add(ctx: Any, node: Any) -> None:
    """`a + b` of lists: a known-length list when both are; for number lists otherwise, a
    Concat of their 1-D tensors."""
    a, b = (ctx.known_list(v) for v in node.inputs[:2])
    if a is not None and b is not None:
        elem = a.elem if a.elem == b.elem else "any"
        ctx.bind_items(node.output, list(a.items) + list(b.items), "list", elem)
        return
    dt = _list_elem_dtype(ctx, node.output.type)
    if dt is None:
        raise ctx.error("`+` of lists of tensors whose length is only known at run time")
    x, y = (ctx.value(v, dt) for v in node.inputs[:2])
    ctx.bind(node.output, ctx.op("Concat", [x, y], {"axis": 0})[0])


def export_list_mul(ctx: Any, node: Any) -> None:
    """`xs * n` of a list (n <= 0: empty)."""
    xs, n = node.inputs[:2]
    known = ctx.known_list(xs)
    if known is not None and ctx.is_static(n):
        ctx.bind_items(node.output, list(known.items) * ctx.static(n), "list", known.elem)
        return
    dt = _list_elem_dtype(ctx, node.output.type)
    if dt is None:
        raise ctx.error("`*` of a list of tensors by a count known only at run time")
    x = ctx.value(xs, dt)
    reps = ctx.op("Max", [ctx.op("Reshape", [ctx.cast(ctx.value(n), ctx.scalar_dtype("int")),
                                             ctx.const([1])])[0], ctx.const([0])])[0]  # fmt: skip
    ctx.bind(node.output, ctx.op("Tile", [x, reps])[0])


def export_derive_index(ctx: Any, node: Any) -> None:
    """`__derive_index(i, start, step)` (a `range(start, stop, step)` loop's value): start + i * step."""
    i, start, step = (ctx.value(v) for v in node.inputs[:3])
    ctx.bind(node.output, ctx.op("Add", [start, ctx.op("Mul", [i, step])[0]])[0])


def export_identity(ctx: Any, node: Any) -> None:
    ctx.bind(node.output, ctx.binding(node.inputs[0]))


def export_dropout(ctx: Any, node: Any) -> None:
    if ctx.static(node.inputs[2], "dropout's `train` flag"):
        raise ctx.error("dropout in training mode", hint="export the module in eval() mode")
    ctx.bind(node.output, ctx.binding(node.inputs[0]))


def export_to(ctx: Any, node: Any) -> None:
    """`aten::to` (every overload): a Cast to the `dtype` argument (or `other`'s dtype)."""
    names = [a.name for a in node.schema.arguments]
    x = ctx.value(node.inputs[0])
    if "other" in names:
        target = ctx.dtype(ctx.value(node.inputs[names.index("other")]))
    elif "dtype" in names:
        d = ctx.static(node.inputs[names.index("dtype")], "the dtype")
        if d is None:
            ctx.bind(node.output, x)
            return
        target = ctx.onnx_dtype(to_dtype(d))
    else:
        ctx.bind(node.output, x)
        return
    ctx.bind(
        node.output, ctx.cast(x, target) if ctx.dtype(x) != target else ctx.op("Identity", [x])[0]
    )


def export_type_as(ctx: Any, node: Any) -> None:
    x, other = ctx.value(node.inputs[0]), ctx.value(node.inputs[1])
    ctx.bind(node.output, ctx.cast(x, ctx.dtype(other)))


def export_warn(ctx: Any, node: Any) -> None:
    pass


def export_format(ctx: Any, node: Any) -> None:
    if all(ctx.is_static(v) for v in node.inputs):
        ctx.bind(node.output, kernel_for(node.schema)(*[ctx.static(v) for v in node.inputs]))
        return
    # a string computed at run time can only feed an error message: keep it unknown
    ctx.bind_unknown(node.output, "a string")


def export_batch_norm(ctx: Any, node: Any) -> None:
    """`aten::batch_norm` in inference mode -> ONNX BatchNormalization."""
    x, w, b, mean, var, training, momentum, eps = node.inputs[:8]
    if ctx.static(training, "batch_norm's `training` flag"):
        raise ctx.error("batch_norm in training mode", hint="export the module in eval() mode")
    if any(ctx.is_static(v) and ctx.static(v) is None for v in (w, b, mean, var)):
        raise ctx.error("batch_norm without affine weights or running statistics",
                        hint="use affine=True, track_running_stats=True")  # fmt: skip
    xs = ctx.value(x)
    args = [ctx.cast(ctx.value(v), ctx.dtype(xs)) for v in (w, b, mean, var)]
    out = ctx.op("BatchNormalization", [xs, *args], {"epsilon": float(ctx.static(eps, "eps"))})[0]
    ctx.bind(node.output, out)


def export_select(ctx: Any, node: Any) -> None:
    """`x.select(dim, i)` / `x[i]` -> Gather with a 0-d index (drops `dim`; index may be run-time)."""
    x = ctx.value(node.inputs[0])
    dim = ctx.static(node.inputs[1], "the dimension")
    i = ctx.cast(ctx.value(node.inputs[2]), ctx.scalar_dtype("int"))
    rank = ctx.rank(x)
    if rank is not None and dim < 0:
        dim += rank
    if ctx.is_static(node.inputs[2]) and rank is not None and x.shape is not None \
            and isinstance(x.shape[dim], int) and -x.shape[dim] <= ctx.static(node.inputs[2]) < x.shape[dim]:  # fmt: skip
        ctx.bind(node.output, ctx.op("Gather", [x, i], {"axis": dim})[0])
        return
    # Gather takes negative indices as Python does and refuses out-of-range ones itself:
    # onnxruntime then fails the run, and the hybridjit runner re-derives eager's IndexError
    # (as for shape mismatches); no check of ours, which a loop body would pay per step
    ctx.bind(node.output, ctx.op("Gather", [x, i], {"axis": dim})[0])


def _math(
    onnx_op: str,
    check: Callable[[Any, Any, Any], Any] | None = None,
    cls: str = "builtins.ValueError",
    message: str = "math domain error",
    to_int: bool = False,
) -> Rule:
    """`math.sqrt(x)` etc. on a Python number: the ONNX op on a 0-d double.  `check(ctx, x,
    y)` gives the bool under which Python does not raise `cls(message)` (ONNX returns a NaN
    or an inf there instead; the result is never observed when it fails)."""

    def rule(ctx: Any, node: Any) -> None:
        x = ctx.cast(ctx.value(node.inputs[0]), ctx.scalar_dtype("float"))
        if onnx_op == "Tan":  # onnxruntime has no double Tan
            y = ctx.op("Div", [ctx.op("Sin", [x])[0], ctx.op("Cos", [x])[0]])[0]
        else:
            y = ctx.op(onnx_op, [x])[0]
        if check is not None:
            ok = check(ctx, x, y)
            y = ctx.checked(ok, cls, message, lambda: [y], safe=lambda: [y])[0]
        if to_int:
            inf = ctx.op("IsInf", [x])[0]
            y = ctx.checked(ctx.op("Not", [inf])[0], "builtins.OverflowError",
                            "cannot convert float infinity to integer", lambda: [y],
                            safe=lambda: [y])[0]  # fmt: skip
            nan = ctx.op("IsNaN", [x])[0]
            y = ctx.checked(ctx.op("Not", [nan])[0], "builtins.ValueError",
                            "cannot convert float NaN to integer", lambda: [y],
                            safe=lambda: [y])[0]  # fmt: skip
            y = ctx.cast(y, ctx.scalar_dtype("int"))
        ctx.bind(node.output, y)

    return rule


def _not(ctx: Any, b: Any) -> Any:
    return ctx.op("Not", [b])[0]


def _math_checks() -> dict[str, Rule]:
    zero = lambda ctx: ctx.const(0.0)  # noqa: E731
    finite_in = lambda ctx, x, y: _not(ctx, ctx.op("IsInf", [x])[0])  # noqa: E731
    return {
        "sqrt": _math("Sqrt", lambda ctx, x, y: _not(ctx, ctx.op("Less", [x, zero(ctx)])[0])),
        "log": _math(
            "Log", lambda ctx, x, y: _not(ctx, ctx.op("LessOrEqual", [x, zero(ctx)])[0])
        ),  # fmt: skip
        # exp overflows (OverflowError) where the result is inf but x is not
        "exp": _math(
            "Exp",
            lambda ctx, x, y: ctx.op(
                "Or", [_not(ctx, ctx.op("IsInf", [y])[0]), ctx.op("IsInf", [x])[0]]
            )[0],
            "builtins.OverflowError",
            "math range error",
        ),  # fmt: skip
        "sin": _math("Sin", finite_in),
        "cos": _math("Cos", finite_in),
        "tan": _math("Tan", finite_in),
        "fabs": _math("Abs"),
    }


def export_fmod(ctx: Any, node: Any) -> None:
    """math.fmod(x, y): C fmod (sign of x); ValueError for y == 0 or an infinite x."""
    f = ctx.scalar_dtype("float")
    x = ctx.cast(ctx.value(node.inputs[0]), f)
    y = ctx.cast(ctx.value(node.inputs[1]), f)
    bad = ctx.op("Or", [ctx.op("Equal", [y, ctx.const(0.0)])[0], ctx.op("IsInf", [x])[0]])[0]
    nan = ctx.op("Or", [ctx.op("IsNaN", [x])[0], ctx.op("IsNaN", [y])[0]])[0]
    bad = ctx.op("And", [bad, _not(ctx, nan)])[0]  # a NaN operand gives NaN, not an error
    safe_y = ctx.op("Where", [bad, ctx.const(1.0), y])[0]
    r = ctx.op("Mod", [x, safe_y], {"fmod": 1})[0]
    # fmod(x, inf) is x for a finite x (Mod's x - trunc(x/inf)*inf would be nan)
    r = ctx.op("Where", [ctx.op("IsInf", [safe_y])[0], x, r])[0]
    ctx.bind(node.output, ctx.checked(_not(ctx, bad), "builtins.ValueError", "math domain error",
                                      lambda: [r], safe=lambda: [r])[0])  # fmt: skip


def _arg(node: Any, name: str) -> Any:
    for a, v in zip(node.schema.arguments, node.inputs):
        if a.name == name:
            return v
    return None


def export_tensor(ctx: Any, node: Any) -> None:
    """`torch.tensor(data)` of data known at export time: a constant built by torch itself
    (so the dtype is eager's)."""
    data = node.inputs[0]
    if not ctx.is_static(data):
        raise ctx.error("torch.tensor() of values computed at run time",
                        hint="build it with torch.stack / torch.cat of tensors")  # fmt: skip
    dv = _arg(node, "dtype")
    dtype = to_dtype(ctx.static(dv)) if dv is not None else None
    try:
        t = torch.tensor(ctx.static(data), dtype=dtype)
    except Exception as e:  # the program raises here on every input
        ctx.raise_here(f"builtins.{type(e).__name__}", str(e))
        return
    ctx.bind(node.output, ctx.const(t))


def export_eye(ctx: Any, node: Any) -> None:
    """`torch.eye(n)` / `torch.eye(n, m)` -> EyeLike of a zero (n, m) tensor (sizes may be
    run-time ints; a negative one raises RuntimeError as in eager)."""
    i64 = ctx.scalar_dtype("int")
    n = ctx.cast(ctx.value(node.inputs[0]), i64)
    mv = _arg(node, "m")
    m = ctx.cast(ctx.value(mv), i64) if mv is not None else n
    dv = _arg(node, "dtype")
    d = ctx.static(dv) if dv is not None else None
    dtype = to_dtype(d) if d is not None else torch.get_default_dtype()
    ok = ctx.op("And", [ctx.op("GreaterOrEqual", [n, ctx.const(0)])[0],
                        ctx.op("GreaterOrEqual", [m, ctx.const(0)])[0]])[0]  # fmt: skip

    def build() -> list[Any]:
        shape = ctx.op(
            "Concat",
            [ctx.op("Reshape", [n, ctx.const([1])])[0], ctx.op("Reshape", [m, ctx.const([1])])[0]],
            {"axis": 0},
        )[0]
        zeros = ctx.op("ConstantOfShape", [ctx.op("Max", [shape, ctx.const([0])])[0]])[0]
        eye = ctx.op("EyeLike", [zeros], {"dtype": ctx.onnx_dtype(torch.float32)})[0]
        return [ctx.cast(eye, ctx.onnx_dtype(dtype))]

    out = ctx.checked(ok, "builtins.RuntimeError", "n must be greater or equal to 0", build,
                      safe=build)[0]  # fmt: skip
    ctx.set_type(out, dtype=ctx.onnx_dtype(dtype), rank=2)
    ctx.bind(node.output, out)


def export_pow_tensor_scalar(ctx: Any, node: Any) -> None:
    """`x ** e` (tensor ** number) through torchlib; an integer tensor to a negative integer
    power raises RuntimeError in eager (ONNX Pow would give 0s)."""
    x = ctx.value(node.inputs[0])
    td = ctx.torch_dtype(x)
    integral = td is not None and not td.is_floating_point and not td.is_complex
    if integral:
        if not ctx.is_static(node.inputs[1]):
            raise ctx.error("an integer tensor to a power computed at run time",
                            hint="convert the tensor to float first")  # fmt: skip
        e = ctx.static(node.inputs[1])
        if isinstance(e, int) and not isinstance(e, bool) and e < 0:
            ctx.raise_here(
                "builtins.RuntimeError", "Integers to negative integer powers are not allowed."
            )
            return
    ctx.torchlib(node)


def export_squeeze(ctx: Any, node: Any) -> None:
    """`x.squeeze()` / `x.squeeze(dim)` / `x.squeeze(dims)`: drops the named dims of size 1.

    Whether a dim goes changes the result's rank, so each dim's size must be known at
    export time (ONNX values have one rank; torchlib's Squeeze would drop a dim that eager
    keeps, or leave the rank unknown)."""
    x = ctx.value(node.inputs[0])
    sizes = ctx.sizes(x)
    if sizes is None:
        raise ctx.error("squeeze() of a tensor of unknown rank")
    rank = len(sizes)
    if len(node.inputs) == 1:
        dims = list(range(rank))
    else:
        d = ctx.static(node.inputs[1], "squeeze's dim")
        dims = [d] if isinstance(d, int) else list(d)
        if rank == 0:  # squeeze(0) / squeeze(-1) of a 0-d tensor: itself
            if any(e not in (0, -1) for e in dims):
                raise ctx.error("squeeze() of a 0-d tensor with a dim other than 0 or -1")
            ctx.bind(node.output, x)
            return
        if any(not -rank <= e < rank for e in dims):
            raise ctx.error(f"squeeze(): dim out of range for a tensor of rank {rank}")
        dims = sorted({e % rank for e in dims})
    drop = []
    for d in dims:
        if sizes[d] is None:
            if len(node.inputs) == 1:
                raise ctx.error("squeeze() of a tensor whose sizes are only known at run time; "
                                "pass the dim", hint="x.squeeze(dim) on a dim of known size, "
                                "or index/reshape explicitly")  # fmt: skip
            raise ctx.error(f"squeeze({d}) of a dim whose size is only known at run time (the "
                            "result's rank would depend on it)", hint="if that dim is always "
                            "1, index it away (x[0]) or reshape; otherwise drop the squeeze")  # fmt: skip
        if sizes[d] == 1:
            drop.append(d)
    if not drop:
        ctx.bind(node.output, x)
        return
    ctx.bind(node.output, ctx.op("Squeeze", [x, ctx.const(drop)])[0])


def export_chunk(ctx: Any, node: Any) -> None:
    """`x.chunk(k, dim)` with torch's chunk count: pieces of ceil(n / k), so there can be
    fewer than k of them (n = 4, k = 3: two), and k empty ones when n == 0.  A dim of
    known size splits into a known-length list; otherwise the sizes are computed at run
    time and the result is an ONNX sequence (ONNX Split's num_outputs always gives k)."""
    x = ctx.value(node.inputs[0])
    k = ctx.static(node.inputs[1], "chunk's count")
    dim = ctx.static(node.inputs[2], "chunk's dim") if len(node.inputs) > 2 else 0
    sizes = ctx.sizes(x)
    if sizes is None or not sizes:
        raise ctx.error("chunk() of a tensor of unknown rank or a 0-d tensor")
    if not isinstance(k, int) or k <= 0:
        raise ctx.error("chunk() with a count that is not a positive int")
    rank = len(sizes)
    if not -rank <= dim < rank:
        raise ctx.error(f"chunk(): dim {dim} out of range for a tensor of rank {rank}")
    dim %= rank
    n = sizes[dim]
    if n is not None:
        cs = (n + k - 1) // k
        if n == 0:
            split = [0] * k
        else:
            num = (n + cs - 1) // cs
            split = [cs] * (num - 1) + [n - cs * (num - 1)]
        if len(split) == 1:
            ctx.bind_items(node.output, [x], "list", "tensor")
            return
        outs = ctx.op("Split", [x, ctx.const(split)], {"axis": dim}, n=len(split))
        ctx.bind_items(node.output, list(outs), "list", "tensor")
        return
    i64 = ctx.scalar_dtype("int")
    nv = _dim(ctx, x, dim)
    uses = list(node.output.uses)
    if uses and all(u.user.kind == "prim::ListUnpack" and len(u.user.outputs) == k
                    for u in uses):  # fmt: skip
        # `a, b, c = x.chunk(3)`: eager gives k pieces or the unpack raises ValueError.
        # The k pieces at [j*cs, (j+1)*cs) clipped to n always split x (a safe Split), and
        # there are k real chunks when n == 0 or ceil(n / cs) == k.  All of it depends on
        # n alone: computed where n is (outside a loop whose tensors keep their sizes).
        def plan() -> tuple[Any, Any]:
            pos = ctx.op("Greater", [nv, ctx.const(0)])[0]
            cs = ctx.op("Div", [ctx.op("Add", [nv, ctx.const(k - 1)])[0], ctx.const(k)])[0]
            starts = ctx.op("Mul", [ctx.const(list(range(k))), cs])[0]
            lo = ctx.op("Min", [starts, nv])[0]
            hi = ctx.op("Min", [ctx.op("Add", [starts, cs])[0], nv])[0]
            lens = ctx.op("Sub", [hi, lo])[0]
            cs1 = ctx.op("Max", [cs, ctx.const(1)])[0]
            count = ctx.op("Div", [ctx.op("Sub", [ctx.op("Add", [nv, cs1])[0], ctx.const(1)])[0],
                                   cs1])[0]  # fmt: skip
            ok = ctx.op("Or", [ctx.op("Not", [pos])[0],
                               ctx.op("Equal", [count, ctx.const(k)])[0]])[0]  # fmt: skip
            return ok, lens

        ok, lens = ctx.invariant(("chunk", k), [nv], plan)

        def pieces() -> list[Any]:
            return ctx.op("Split", [x, lens], {"axis": dim}, n=k)

        outs = ctx.checked(ok, "builtins.ValueError", None, pieces, safe=pieces)
        ctx.bind_items(node.output, list(outs), "list", "tensor")
        return
    pos = ctx.op("Greater", [nv, ctx.const(0)])[0]
    cs = ctx.op("Div", [ctx.op("Add", [nv, ctx.const(k - 1)])[0], ctx.const(k)])[0]
    n_eff = ctx.op("Where", [pos, nv, ctx.const(k)])[0]
    cs_eff = ctx.op("Where", [pos, cs, ctx.const(1)])[0]
    starts = ctx.op("Range", [ctx.const(0), n_eff, cs_eff])[0]
    ends = ctx.op("Min", [ctx.op("Add", [starts, cs_eff])[0], n_eff])[0]
    lens = ctx.op("Mul", [ctx.op("Sub", [ends, starts])[0], ctx.cast(pos, i64)])[0]
    ctx.bind(node.output, ctx.op("SplitToSequence", [x, lens], {"axis": dim})[0])


def export_unflatten(ctx: Any, node: Any) -> None:
    """`x.unflatten(dim, sizes)` -> Reshape to shape[:dim] + sizes + shape[dim+1:] (sizes may
    be computed at run time; the result's rank is always known)."""
    x = ctx.value(node.inputs[0])
    rank = ctx.rank(x)
    items = ctx.items(node.inputs[2])
    if rank is None or rank == 0 or items is None:
        raise ctx.error("unflatten() of a tensor of unknown rank, or with sizes of unknown length")
    dim = ctx.static(node.inputs[1], "unflatten's dim")
    if not -rank <= dim < rank:
        raise ctx.error(f"unflatten(): dim {dim} out of range for a tensor of rank {rank}")
    dim %= rank
    i64 = ctx.scalar_dtype("int")
    parts = []
    if dim > 0:
        parts.append(ctx.op("Shape", [x], {"start": 0, "end": dim})[0])
    sz = ctx.op("Reshape", [ctx.value(node.inputs[2], i64), ctx.const([-1])])[0]
    # a -1 is resolved here (Reshape with allowzero cannot take -1 next to a 0 size)
    neg = ctx.op("Less", [sz, ctx.const(0)])[0]
    known = ctx.op("ReduceProd", [ctx.op("Where", [neg, ctx.const(1), sz])[0]],
                   {"keepdims": 1})[0]  # fmt: skip
    fill = ctx.op("Div", [ctx.op("Shape", [x], {"start": dim, "end": dim + 1})[0],
                          ctx.op("Max", [known, ctx.const([1])])[0]])[0]  # fmt: skip
    parts.append(ctx.op("Where", [neg, fill, sz])[0])
    if dim < rank - 1:
        parts.append(ctx.op("Shape", [x], {"start": dim + 1})[0])
    shape = parts[0] if len(parts) == 1 else ctx.op("Concat", parts, {"axis": 0})[0]
    out = ctx.op("Reshape", [x, shape], {"allowzero": 1})[0]  # a 0 is a size, not "copy"
    if ctx.rank(out) is None:
        ctx.set_type(out, dtype=ctx.dtype(x), rank=rank + len(items) - 1)
    ctx.bind(node.output, out)


def export_rnn(ctx: Any, node: Any) -> None:
    """`aten::lstm.input` / `aten::gru.input` through torchlib, with the hidden size made static.

    torchlib reads the hidden size (an ONNX attribute) from the initial state's last dim;
    a traced zero state has a run-time shape, but the module's `weight_hh_l0`
    ([gates * hidden, hidden]) fixes it.
    """
    names = [a.name for a in node.schema.arguments]
    params = ctx.items(node.inputs[names.index("params")])
    hx_v = node.inputs[names.index("hx")]
    if params is None or len(params) < 2 or not ctx.is_static(node.inputs[names.index("params")]):
        raise ctx.error(f"{node.kind} with weights computed at run time",
                        hint="use the nn module's own parameters")  # fmt: skip
    w_hh = ctx.static(node.inputs[names.index("params")])[1]
    hidden = int(w_hh.shape[-1])
    if node.kind == "aten::lstm":
        hx = ctx.items(hx_v)
        if hx is None:
            raise ctx.error("aten::lstm with a state list of unknown length")
        ctx.bind_items(hx_v, [ctx.with_dim(ctx.materialize(h), -1, hidden) for h in hx],
                       "list", "tensor")  # fmt: skip
    else:
        ctx.bind(hx_v, ctx.with_dim(ctx.value(hx_v), -1, hidden))
    ctx.torchlib(node)


def export_adaptive_avg_pool(ctx: Any, node: Any) -> None:
    """`adaptive_avg_pool{1,2}d(x, size)`: GlobalAveragePool for size 1 (resnet/mobilenet
    heads); AveragePool where every input size is known and divisible by its output size;
    else, as the input size is only known at run time (vgg's and alexnet's 7 x 7 / 6 x 6),
    averaging matrices made from it: out = P_h @ x @ P_w^T, row i of P averaging the input
    rows torch's adaptive pooling gives cell i, [floor(i n / o), ceil((i + 1) n / o))."""
    size = ctx.static(node.inputs[1], "the output size")
    x = ctx.value(node.inputs[0])
    rank = ctx.rank(x)
    sizes = [size] * (rank - 2 if rank else 1) if isinstance(size, int) else list(size)
    if rank != len(sizes) + 2:
        raise ctx.error(f"{node.kind} of a rank-{rank} input (only batched inputs are exported)",
                        hint="add the batch dimension")  # fmt: skip
    if all(s == 1 for s in sizes):
        ctx.bind(node.output, ctx.op("GlobalAveragePool", [x])[0])
        return
    dims = (ctx.sizes(x) or [None] * rank)[2:]
    if all(isinstance(n, int) and n % o == 0 for n, o in zip(dims, sizes)):
        kernel = [n // o for n, o in zip(dims, sizes)]
        ctx.bind(node.output, ctx.op("AveragePool", [x], {"kernel_shape": kernel, "strides": kernel})[0])
        return
    if len(sizes) > 2 or any(s is None or s < 1 for s in sizes):
        raise ctx.error(f"{node.kind} to output size {size} of an input whose size is only "
                        "known at run time", hint="use a 1-d or 2-d pooling, or output size 1")  # fmt: skip
    out = x
    if len(sizes) == 2:
        out = ctx.op("MatMul", [_averaging(ctx, x, rank - 2, sizes[0]), out])[0]
    p_last = _averaging(ctx, x, rank - 1, sizes[-1])
    out = ctx.op("MatMul", [out, ctx.op("Transpose", [p_last], {"perm": [1, 0]})[0]])[0]
    ctx.set_type(out, like=x)
    ctx.bind(node.output, out)


def _averaging(ctx: Any, x: Any, axis: int, o: int) -> Any:
    """The (o, n) matrix averaging dim `axis` (size n, known at run time) into o cells."""
    n = _dim(ctx, x, axis)
    i = ctx.const(list(range(o)))
    start = ctx.op("Div", [ctx.op("Mul", [i, n])[0], ctx.const(o)])[0]
    end_num = ctx.op("Add", [ctx.op("Mul", [ctx.const(list(range(1, o + 1))), n])[0], ctx.const(o - 1)])[0]
    end = ctx.op("Div", [end_num, ctx.const(o)])[0]
    h = ctx.op("Unsqueeze", [ctx.op("Range", [ctx.const(0), n, ctx.const(1)])[0], ctx.const([0])])[0]
    lo = ctx.op("Unsqueeze", [start, ctx.const([1])])[0]  # (o, 1) against h's (1, n)
    hi = ctx.op("Unsqueeze", [end, ctx.const([1])])[0]
    inside = ctx.op("And", [ctx.op("GreaterOrEqual", [h, lo])[0], ctx.op("Less", [h, hi])[0]])[0]
    count = ctx.op("Cast", [ctx.op("Sub", [hi, lo])[0]], {"to": ctx.dtype(x)})[0]
    weights = ctx.op("Div", [ctx.op("Cast", [inside], {"to": ctx.dtype(x)})[0], count])[0]
    ctx.set_type(weights, dtype=ctx.dtype(x), rank=2)
    return weights


def export_conv(ctx: Any, node: Any) -> None:
    """A batched, non-transposed convolution without a bias -> one two-input Conv.

    torchlib gives a missing bias as a zero `Expand`ed to a size computed at run time, which
    keeps onnxruntime from fusing the Conv with a following BatchNormalization or ReLU
    (torchvision's resnet18: all 20 BatchNormalizations left unfused).  Anything else goes to
    torchlib (`conv2d.padding`, with padding="same", is another overload: torchlib's too).
    Arguments: `conv{n}d(x, w, bias, stride, padding, dilation, groups)` and
    `_convolution` / `convolution(x, w, bias, stride, padding, dilation, transposed, ...)`.
    """
    x, w, bias = ctx.value(node.inputs[0]), ctx.value(node.inputs[1]), node.inputs[2]
    rank, w_rank = ctx.rank(x), ctx.rank(w)
    spatial = w_rank - 2 if w_rank is not None else None
    plain = node.schema.name.endswith("d")
    groups_at = 6 if plain else 8
    if (not ctx.is_static(bias) or ctx.static(bias) is not None or spatial is None
            or rank != spatial + 2
            or not all(ctx.is_static(v) for v in node.inputs[3:groups_at + 1])
            or (not plain and ctx.static(node.inputs[6]))):  # fmt: skip
        ctx.torchlib(node)
        return
    stride, padding, dilation = (_per_dim(ctx.static(v), spatial) for v in node.inputs[3:6])
    attrs = {"strides": stride, "pads": padding + padding, "dilations": dilation,
             "group": ctx.static(node.inputs[groups_at])}  # fmt: skip
    out = ctx.op("Conv", [x, w], attrs)[0]
    if out.shape is None:  # onnx infers no shape from a weight of unknown sizes
        ctx.set_type(out, like=x)
    ctx.bind(node.output, out)


def export_dropout_inplace(ctx: Any, node: Any) -> None:
    """`dropout_(x, p, train=False)` (`nn.Dropout(inplace=True)` in eval mode) changes
    nothing: its result is `x`.  In training mode it draws random numbers: not exported."""
    train = node.inputs[2]
    if not ctx.is_static(train) or ctx.static(train):
        raise ctx.error(f"{node.kind} in training mode (random, in place)",
                        hint="call .eval() on the model before exporting")  # fmt: skip
    ctx.bind(node.output, ctx.binding(node.inputs[0]))


def _per_dim(value: Any, n: int) -> list[int]:
    values = [value] if isinstance(value, int) else list(value)
    return values * n if len(values) == 1 else values


_SCALAR_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "min": "Min", "max": "Max"}
_SCALAR_COMPARE = {"eq": ("Equal", False), "ne": ("Equal", True), "lt": ("Less", False),
                   "gt": ("Greater", False), "le": ("LessOrEqual", False),
                   "ge": ("GreaterOrEqual", False)}  # fmt: skip
_NUM_OVERLOADS = ("int", "float", "int_float", "float_int", "", "Scalar_Scalar", "bool")


def _key(name: str, overload: str) -> str:
    return f"aten::{name}.{overload}" if overload else f"aten::{name}"


for _ov in _NUM_OVERLOADS:
    for _name, _op in _SCALAR_BINARY.items():
        if _ov == "" and _name in ("min", "max"):
            continue  # bare aten::min / aten::max are the tensor reductions (torchlib's)
        ATEN_EXPORT[_key(_name, _ov)] = _binary(_op)
    for _name, (_op, _neg) in _SCALAR_COMPARE.items():
        ATEN_EXPORT[_key(_name, _ov)] = _compare(_op, _neg)
    ATEN_EXPORT[_key("div", _ov)] = export_div
    ATEN_EXPORT[_key("divmod", _ov)] = export_divmod
    ATEN_EXPORT[_key("pow", _ov)] = export_pow
    ATEN_EXPORT[_key("__xor__", _ov)] = _logical("Xor", "BitwiseXor")
    for _name, _op in (("min", "Min"), ("max", "Max")):
        ATEN_EXPORT[f"prim::{_name}.{_ov}" if _ov else f"prim::{_name}"] = _binary(_op)
    ATEN_EXPORT[_key("floordiv", _ov)] = export_floordiv
    ATEN_EXPORT[_key("remainder", _ov)] = export_remainder
    ATEN_EXPORT[_key("__and__", _ov)] = _logical("And", "BitwiseAnd")
    ATEN_EXPORT[_key("__or__", _ov)] = _logical("Or", "BitwiseOr")
for _ov in ("int", "float", "Scalar", ""):
    ATEN_EXPORT[_key("neg", _ov)] = _unary("Neg")
    ATEN_EXPORT[_key("abs", _ov)] = _unary("Abs")
    ATEN_EXPORT[f"prim::abs.{_ov}" if _ov else "prim::abs"] = _unary("Abs")
ATEN_EXPORT["aten::pow.int_to_int"] = export_pow
ATEN_EXPORT["aten::lstm.input"] = export_rnn
ATEN_EXPORT["aten::chunk"] = export_chunk
ATEN_EXPORT["aten::pow.Tensor_Scalar"] = export_pow_tensor_scalar
ATEN_EXPORT["aten::add.t"] = export_list_add
ATEN_EXPORT["aten::__derive_index"] = export_derive_index
ATEN_EXPORT["aten::mul.left_t"] = export_list_mul
ATEN_EXPORT["aten::tensor"] = export_tensor
ATEN_EXPORT["aten::eye"] = export_eye
ATEN_EXPORT["aten::eye.m"] = export_eye
for _name, _rule in _math_checks().items():
    for _ov in ("float", "int", "Scalar"):
        ATEN_EXPORT[f"aten::{_name}.{_ov}"] = _rule
ATEN_EXPORT["aten::floor.float"] = _math("Floor", to_int=True)
ATEN_EXPORT["aten::ceil.float"] = _math("Ceil", to_int=True)
for _ov in ("float", "int", "int_float", "float_int"):  # (fmod.Scalar is the tensor op)
    ATEN_EXPORT[f"aten::fmod.{_ov}"] = export_fmod
ATEN_EXPORT["aten::unflatten.int"] = export_unflatten
ATEN_EXPORT["aten::unsafe_chunk"] = export_chunk
for _k in ("aten::squeeze", "aten::squeeze.dim", "aten::squeeze.dims"):
    ATEN_EXPORT[_k] = export_squeeze
ATEN_EXPORT["aten::gru.input"] = export_rnn
for _k in ("conv1d", "conv2d", "conv3d", "_convolution", "convolution"):
    ATEN_EXPORT[f"aten::{_k}"] = export_conv
for _k in ("dropout_", "feature_dropout_", "alpha_dropout_", "feature_alpha_dropout_"):
    ATEN_EXPORT[f"aten::{_k}"] = export_dropout_inplace
for _d in (1, 2, 3):
    ATEN_EXPORT[f"aten::adaptive_avg_pool{_d}d"] = export_adaptive_avg_pool
for _k in ("int", "float", "bool"):
    ATEN_EXPORT[f"prim::min.self_{_k}"] = _reduce_list("ReduceMin", True)
    ATEN_EXPORT[f"prim::max.self_{_k}"] = _reduce_list("ReduceMax", True)
    ATEN_EXPORT[f"aten::sum.{_k}"] = _reduce_list("ReduceSum", False)
    ATEN_EXPORT[f"aten::any.{_k}"] = _reduce_list("any", False)
    ATEN_EXPORT[f"aten::all.{_k}"] = _reduce_list("all", False)
    ATEN_EXPORT[f"aten::eq.{_k}_list"] = export_list_eq
    ATEN_EXPORT[f"aten::ne.{_k}_list"] = export_list_eq
ATEN_EXPORT["aten::__contains__.int_list"] = export_contains
ATEN_EXPORT["aten::__contains__.float_list"] = export_contains
ATEN_EXPORT["aten::slice.t"] = export_list_slice
ATEN_EXPORT["aten::__range_length"] = export_range_length
ATEN_EXPORT["aten::__lshift__.int"] = _shift(True)
ATEN_EXPORT["aten::__rshift__.int"] = _shift(False)
for _ov in ("float", "int", "Scalar"):
    ATEN_EXPORT[f"aten::round.{_ov}"] = export_round
ATEN_EXPORT.update({
    "aten::__not__": _unary("Not"),
    "aten::Int.Tensor": _to_number("int"), "aten::Int.float": _to_number("int"),
    "aten::Int.bool": _to_number("int"), "aten::Int.Scalar": _to_number("int"),
    "aten::Float.Tensor": _to_number("float"), "aten::Float.int": _to_number("float"),
    "aten::Float.bool": _to_number("float"), "aten::Float.Scalar": _to_number("float"),
    "aten::Bool.Tensor": _to_number("bool"), "aten::Bool.int": _to_number("bool"),
    "aten::Bool.float": _to_number("bool"),
    "aten::item": export_item, "aten::ScalarImplicit": export_item,
    "aten::size.int": export_size_int, "aten::size": export_size, "aten::dim": export_dim,
    "aten::numel": export_numel,
    "aten::len.t": export_len, "aten::len.Tensor": export_len,
    "aten::__getitem__.t": export_getitem, "aten::append.t": export_append,
    "aten::list.t": export_list,
    "aten::contiguous": export_identity, "aten::detach": export_identity,
    "aten::clone": export_identity, "aten::dropout": export_dropout,
    "aten::type_as": export_type_as, "aten::select.int": export_select, "aten::batch_norm": export_batch_norm, "aten::warn": export_warn,
    "aten::format": export_format, "aten::str": export_format, "aten::add.str": export_format,
})  # fmt: skip
# every overload of aten::to is a cast
for _ov in ("dtype", "device", "other", "dtype_layout", "prim_Device", "prim_dtype", "prim_other"):
    ATEN_EXPORT[_key("to", _ov)] = export_to


# -- list mutation ----------------------------------------------------------------------------
#
# A list is bound to `Items` (length known at export time) or to one run-time ONNX value (a
# 1-D tensor of numbers, or a sequence of tensors).  ONNX has no aliasing, so a mutation
# rebinds the list's hybridjit value to the new ONNX value (lists mutated inside an `if` or
# loop are carried through it: `ExportContext.mutated_lists`).  That is only faithful when
# no *other* hybridjit value names the same list object: `_check_unaliased` proves it from
# the IR (or the export fails).  A mutated top-level input comes back as one more model
# output that the onnxruntime runner writes back into the caller's list (`writeback`).

_FRESH_LIST_PRODUCERS = {"prim::ListConstruct", "prim::Constant", "aten::list", "aten::copy",
                         "aten::slice", "aten::add", "aten::mul", "aten::sorted", "aten::size",
                         "prim::shape", "prim::tolist", "aten::tolist", "prim::Uninitialized"}  # fmt: skip
_ALIAS_OF_INPUT0 = {"prim::unchecked_cast"}


def is_list_mutator(node: Any) -> bool:
    """An op that changes its first argument, a list, in place (append, _set_item, pop, ...)."""
    s = node.schema
    if s is None or not s.arguments:
        return False
    a = s.arguments[0]
    return a.is_write and isinstance(a.type, T.ListType)


def _returns_self(node: Any) -> bool:
    return is_list_mutator(node) and len(node.outputs) == 1 and isinstance(node.output.type, T.ListType) \
        and node.schema.name != "aten::pop"  # fmt: skip


def _holds_list(t: Any) -> bool:
    if isinstance(t, T.ListType):
        return True
    for attr in ("elem", "elems"):
        sub = getattr(t, attr, None)
        if isinstance(sub, (list, tuple)):
            if any(_holds_list(e) for e in sub):
                return True
        elif sub is not None and _holds_list(sub):
            return True
    return False


def list_alias_problem(v: Any) -> str | None:
    """None when list value `v` is the only hybridjit value that names its list object while
    it is mutated, else what else names it.  Other names that do not count: `v` re-returned
    by a mutator or an unchecked cast (`list_alias_class`), and a container / block output /
    loop input that takes `v` after its last mutation (and not inside a loop that would
    mutate `v` again)."""
    members = list_alias_class(v)
    escapes: list[tuple[Any, str]] = []
    mutators: list[Any] = []
    for x in members:
        p = x.node
        if p.kind == "prim::Param":
            if p.owning_block is not None and p.owning_block.owning_node is not None:
                return "a loop-carried list (the loop's input and its body's value name one list)"
        elif p.kind in ("prim::If", "prim::Loop"):
            return "a list that comes out of an `if` or loop (it may be another list's alias)"
        elif p.kind in _ALIAS_OF_INPUT0 or _returns_self(p):
            pass
        elif p.kind not in _FRESH_LIST_PRODUCERS and any(_holds_list(i.type) for i in p.inputs):
            return "an element of another list or tuple"
        for u in x.uses:
            n = u.user
            if is_list_mutator(n) and u.offset == 0:
                mutators.append(n)
            elif n.kind == "prim::Return":
                if n.owning_block is not None and n.owning_block.owning_node is not None:
                    escapes.append((n, "a list passed out of an `if` or loop"))
            elif n.kind == "prim::Loop":
                escapes.append((n, "a loop-carried list"))
            elif n.kind in ("prim::ListConstruct", "prim::TupleConstruct", "prim::DictConstruct"):
                escapes.append((n, "a list stored in another list or tuple"))
            elif is_list_mutator(n) and n.schema.name not in ("aten::extend", "aten::add_"):
                escapes.append((n, "a list stored in another list"))  # (extend copies)
    if not mutators:
        return None
    defined_in = _enclosing(v.node)
    for use, why in escapes:
        loops = [n for n in _enclosing(use) if n.kind == "prim::Loop" and n not in defined_in]
        if loops or not all(m.is_before(use) for m in mutators):
            return why
    return None


def _enclosing(node: Any) -> list[Any]:
    """The nodes whose blocks hold `node`, innermost first."""
    out = []
    b = node.owning_block
    while b is not None and b.owning_node is not None:
        out.append(b.owning_node)
        b = b.owning_node.owning_block
    return out


def list_alias_class(v: Any) -> list[Any]:
    """`v` and the values that are `v` again (a mutator's returned self, an unchecked cast)."""
    out: list[Any] = []
    todo = [v]
    while todo:
        x = todo.pop()
        if x in out:
            continue
        out.append(x)
        p = x.node
        if p.kind in _ALIAS_OF_INPUT0 or _returns_self(p):
            todo.append(p.inputs[0])
        for u in x.uses:
            if u.user.kind in _ALIAS_OF_INPUT0 or (_returns_self(u.user) and u.offset == 0):
                todo.extend(u.user.outputs)
    return out


def mutates_list(v: Any) -> bool:
    """Whether some op changes list `v` (or a value that is `v` again) in place."""
    return any(is_list_mutator(u.user) and u.offset == 0
               for w in list_alias_class(v) for u in w.uses)  # fmt: skip


def _check_unaliased(ctx: Any, lst: Any) -> None:
    why = list_alias_problem(lst)
    if why is not None:
        raise ctx.error(f"mutating {why}: ONNX values cannot alias, so the change would not "
                        "be seen through the other name", hint="build a new list instead of "
                        "mutating it, or mutate it where it was created")  # fmt: skip


def _elem_kind_of(v: Any) -> str:
    e = v.type.elem if isinstance(v.type, T.ListType) else None
    if isinstance(e, T.TensorType):
        return "tensor"
    return {T.IntType: "int", T.FloatType: "float", T.BoolType: "bool"}.get(e, "any")


def _mutated_list(ctx: Any, lst: Any) -> Any:
    """`_mutable_items` of a list an op is about to change, once no other value may alias it."""
    _check_unaliased(ctx, lst)
    return _mutable_items(ctx, lst)


def _mutable_items(ctx: Any, lst: Any) -> Any:
    """The list's `Items` when its length is known here and it may be changed in place, else None
    (a constant list becomes fresh `Items` first)."""
    if ctx.known_list(lst) is None and ctx.is_static(lst) and isinstance(ctx.static(lst), list):
        ctx.bind_items(lst, ctx.items(lst), "list", _elem_kind_of(lst))
    b = ctx.known_list(lst)
    if b is not None and ctx.owns(b):
        return b
    if b is not None:
        raise ctx.error("mutating a list created outside this `if`/loop (list mutation inside "
                        "control flow)", hint="build the list outside the loop")  # fmt: skip
    return None


def _runtime_list(ctx: Any, lst: Any) -> Any:
    """The list as one run-time ONNX value (a known-length list is materialized and rebound)."""
    b = ctx.binding(lst)
    if ctx.is_run_time(b):
        return b
    elem = _elem_kind_of(lst)
    if elem == "any":
        raise ctx.error(f"mutating a list of {lst.type} with run-time arguments (only lists of "
                        "tensors, int, float or bool)")  # fmt: skip
    return ctx.carried_list(lst, elem)


def _list_len(ctx: Any, x: Any) -> Any:
    return ctx.op("SequenceLength", [x])[0] if ctx.is_sequence(x) else _dim(ctx, x, 0)


def _index_in(ctx: Any, i: Any, n: Any) -> tuple[Any, Any]:
    """`(ok, j)`: whether -n <= i < n, and i clamped into [0, n) (non-negative)."""
    ok, j = _clamped(ctx, i, n)
    neg = ctx.op("Less", [j, ctx.const(0)])[0]
    return ok, ctx.op("Where", [neg, ctx.op("Add", [j, n])[0], j])[0]


def _as_elem(ctx: Any, x: Any, el: Any) -> Any:
    """Element `el` ready to go into list value `x` (a 1-element tensor for a number list)."""
    if ctx.is_sequence(x):
        if ctx.dtype(ctx.sequence_elem(x)) != ctx.dtype(el):
            if not ctx.retype_empty_sequence(x, ctx.dtype(el)):
                raise ctx.error("putting a tensor of another dtype into this list (an ONNX "
                                "sequence holds one dtype)", hint="convert the tensors to one dtype")  # fmt: skip
        return el
    return ctx.op("Reshape", [ctx.cast(el, ctx.dtype(x)), ctx.const([1])])[0]


def _without(ctx: Any, x: Any, j: Any, n: Any) -> Any:
    """List value `x` without its element at non-negative position `j`."""
    if ctx.is_sequence(x):
        return ctx.op("SequenceErase", [x, j])[0]
    keep = ctx.op("Not", [ctx.op("Equal", [ctx.op("Range", [ctx.const(0), n, ctx.const(1)])[0],
                                           j])[0]])[0]  # fmt: skip
    return ctx.op("Compress", [x, keep], {"axis": 0})[0]


def _rebind(ctx: Any, node: Any, new: Any) -> None:
    ctx.bind_list(node.inputs[0], new)


def _static_index(ctx: Any, v: Any) -> int | None:
    return ctx.static(v) if ctx.is_static(v) else None


def export_set_item(ctx: Any, node: Any) -> None:
    """`xs[i] = v`."""
    lst, idx, el = node.inputs[:3]
    items = _mutated_list(ctx, lst)
    i = _static_index(ctx, idx)
    if items is not None and i is not None:
        if not -len(items.items) <= i < len(items.items):
            ctx.raise_here("builtins.IndexError", "list assignment index out of range")
            return
        items.items[i] = ctx.binding(el)
        _rebind(ctx, node, items)
        return
    x = _runtime_list(ctx, lst)
    n = _list_len(ctx, x)
    ok, j = _index_in(ctx, ctx.cast(ctx.value(idx), ctx.scalar_dtype("int")), n)
    item = _as_elem(ctx, x, ctx.value(el))

    def put() -> list[Any]:
        if ctx.is_sequence(x):
            return [ctx.op("SequenceInsert", [ctx.op("SequenceErase", [x, j])[0], item, j])[0]]
        return [ctx.op("ScatterElements", [x, ctx.op("Reshape", [j, ctx.const([1])])[0], item],
                       {"axis": 0})[0]]  # fmt: skip

    new = ctx.checked(ok, "builtins.IndexError", "list assignment index out of range", put,
                      safe=put)[0]  # fmt: skip
    _rebind(ctx, node, new)


def export_pop(ctx: Any, node: Any) -> None:
    """`xs.pop()` / `xs.pop(i)`."""
    lst = node.inputs[0]
    idx = node.inputs[1] if len(node.inputs) > 1 else None
    items = _mutated_list(ctx, lst)
    i = -1 if idx is None else _static_index(ctx, idx)
    if items is not None and i is not None:
        if not items.items:
            ctx.raise_here("builtins.IndexError", "pop from empty list")
            return
        if not -len(items.items) <= i < len(items.items):
            ctx.raise_here("builtins.IndexError", "pop index out of range")
            return
        ctx.bind(node.output, items.items.pop(i))
        return
    x = _runtime_list(ctx, lst)
    n = _list_len(ctx, x)
    iv = ctx.const(-1) if idx is None else ctx.cast(ctx.value(idx), ctx.scalar_dtype("int"))
    ok, j = _index_in(ctx, iv, n)

    def pop() -> list[Any]:
        if ctx.is_sequence(x):
            return [ctx.op("SequenceAt", [x, j])[0], _without(ctx, x, j, n)]
        return [ctx.op("Gather", [x, j], {"axis": 0})[0], _without(ctx, x, j, n)]

    # an empty list: "pop from empty list", else "pop index out of range" (re-derived)
    el, new = ctx.checked(ok, "builtins.IndexError", None, pop, safe=pop)
    ctx.bind_list(lst, new)
    ctx.bind(node.output, el)


def export_delete(ctx: Any, node: Any) -> None:
    """`del xs[i]`."""
    lst, idx = node.inputs[:2]
    items = _mutated_list(ctx, lst)
    i = _static_index(ctx, idx)
    if items is not None and i is not None:
        if not -len(items.items) <= i < len(items.items):
            ctx.raise_here("builtins.IndexError", "list assignment index out of range")
            return
        del items.items[i]
        return
    x = _runtime_list(ctx, lst)
    n = _list_len(ctx, x)
    ok, j = _index_in(ctx, ctx.cast(ctx.value(idx), ctx.scalar_dtype("int")), n)
    new = ctx.checked(ok, "builtins.IndexError", "list assignment index out of range",
                      lambda: [_without(ctx, x, j, n)], safe=lambda: [_without(ctx, x, j, n)])[0]  # fmt: skip
    ctx.bind_list(lst, new)


def export_insert(ctx: Any, node: Any) -> None:
    """`xs.insert(i, v)`: i is clamped into [0, len] as Python does (never raises)."""
    lst, idx, el = node.inputs[:3]
    items = _mutated_list(ctx, lst)
    i = _static_index(ctx, idx)
    if items is not None and i is not None:
        items.items.insert(i, ctx.binding(el))
        return
    x = _runtime_list(ctx, lst)
    n = _list_len(ctx, x)
    iv = ctx.cast(ctx.value(idx), ctx.scalar_dtype("int"))
    neg = ctx.op("Less", [iv, ctx.const(0)])[0]
    j = ctx.op("Clip", [ctx.op("Where", [neg, ctx.op("Add", [iv, n])[0], iv])[0], ctx.const(0), n])[0]
    item = _as_elem(ctx, x, ctx.value(el))
    if ctx.is_sequence(x):
        new = ctx.op("SequenceInsert", [x, item, j])[0]
    else:
        j1 = ctx.op("Reshape", [j, ctx.const([1])])[0]
        head = ctx.op("Slice", [x, ctx.const([0]), j1])[0]
        tail = ctx.op("Slice", [x, j1, ctx.const([INT64_MAX])])[0]
        new = ctx.op("Concat", [head, item, tail], {"axis": 0})[0]
    ctx.bind_list(lst, new)


INT64_MAX = 9223372036854775807


def export_extend(ctx: Any, node: Any) -> None:
    """`xs.extend(ys)` / `xs += ys`."""
    lst, other = node.inputs[:2]
    items = _mutated_list(ctx, lst)
    more = ctx.items(other)
    if items is not None and more is not None:
        items.items.extend(more)
        _rebind(ctx, node, items)
        return
    x = _runtime_list(ctx, lst)
    if ctx.is_sequence(x):
        if more is None:
            raise ctx.error("extending a list of tensors by a list whose length is only known "
                            "at run time", hint="append the tensors one by one")  # fmt: skip
        new = x
        for b in more:
            new = ctx.op("SequenceInsert", [new, _as_elem(ctx, new, ctx.materialize(b))])[0]
    else:
        y = ctx.cast(ctx.value(other, ctx.dtype(x)), ctx.dtype(x))
        new = ctx.op("Concat", [x, y], {"axis": 0})[0]
    _rebind(ctx, node, new)


def export_clear(ctx: Any, node: Any) -> None:
    lst = node.inputs[0]
    items = _mutated_list(ctx, lst)
    if items is not None:
        items.items.clear()
        return
    x = _runtime_list(ctx, lst)
    if ctx.is_sequence(x):
        new = ctx.op("SequenceEmpty", [], {"dtype": ctx.dtype(ctx.sequence_elem(x))})[0]
    else:
        new = ctx.op("Slice", [x, ctx.const([0]), ctx.const([0])])[0]
    ctx.bind_list(lst, new)


def export_reverse(ctx: Any, node: Any) -> None:
    lst = node.inputs[0]
    items = _mutated_list(ctx, lst)
    if items is not None:
        items.items.reverse()
        return
    x = _runtime_list(ctx, lst)
    if ctx.is_sequence(x):
        raise ctx.error("reversing a list of tensors whose length is only known at run time",
                        hint="index it backwards: [xs[i] for i in range(len(xs) - 1, -1, -1)]")  # fmt: skip
    ctx.bind_list(lst, ctx.op("Slice", [x, ctx.const([-1]), ctx.const([-INT64_MAX - 1]),
                                   ctx.const([0]), ctx.const([-1])])[0])  # fmt: skip


def _sorted_value(ctx: Any, x: Any, descending: bool) -> Any:
    """The numbers of 1-D `x` sorted (stable, as Python's sort).  A float list holding a NaN is
    not sorted here (Python's result then depends on its algorithm): the model reports it and
    the runner computes that call in Python."""
    if ctx.dtype(x) == ctx.scalar_dtype("float"):
        nan = ctx.op("IsNaN", [x])[0]
        hits = ctx.op("ReduceSum", [ctx.cast(nan, ctx.scalar_dtype("int")), ctx.const([0])],
                      {"keepdims": 0})[0]  # fmt: skip
        ok = ctx.op("Equal", [hits, ctx.const(0)])[0]
        ctx.checked(ok, "hybridjit.RunInPython", "sorting a list of floats that holds a NaN",
                    lambda: [ok], safe=lambda: [ok])  # fmt: skip
    k = ctx.op("Reshape", [_dim(ctx, x, 0), ctx.const([1])])[0]
    return ctx.op("TopK", [x, k], {"axis": 0, "largest": int(descending), "sorted": 1}, n=2)[0]


def _sort_flag(ctx: Any, node: Any) -> bool:
    v = _arg(node, "reverse")
    return bool(ctx.static(v, "sort's `reverse`")) if v is not None else False


def export_sort(ctx: Any, node: Any) -> None:
    """`xs.sort(reverse=...)` of numbers."""
    lst = node.inputs[0]
    _check_unaliased(ctx, lst)
    desc = _sort_flag(ctx, node)
    items = _mutable_items(ctx, lst)
    if items is not None and ctx.is_static(lst):
        items.items.sort(key=lambda b: b.value, reverse=desc)
        return
    x = _runtime_list(ctx, lst)
    ctx.bind_list(lst, _sorted_value(ctx, x, desc))


def export_sorted(ctx: Any, node: Any) -> None:
    lst = node.inputs[0]
    if ctx.is_static(lst):
        ctx.bind(node.output, sorted(ctx.static(lst)))
        return
    x = _number_list(ctx, lst)
    ctx.bind(node.output, _sorted_value(ctx, x, False))


def _first_index(ctx: Any, x: Any, item: Any) -> tuple[Any, Any]:
    """`(found, i)`: whether `item` is in 1-D `x`, and its first position (len(x) if not)."""
    n = _dim(ctx, x, 0)
    hit = ctx.op("Equal", [x, ctx.cast(item, ctx.dtype(x))])[0]
    pos = ctx.op("Where", [hit, ctx.op("Range", [ctx.const(0), n, ctx.const(1)])[0], n])[0]
    first = ctx.op("ReduceMin", [ctx.op("Concat", [pos, ctx.op("Reshape", [n, ctx.const([1])])[0]],
                                        {"axis": 0})[0], ctx.const([0])], {"keepdims": 0})[0]  # fmt: skip
    return ctx.op("Less", [first, n])[0], first


def export_remove(ctx: Any, node: Any) -> None:
    lst, el = node.inputs[:2]
    items = _mutated_list(ctx, lst)
    if items is not None and ctx.is_static(lst) and ctx.is_static(el):
        vals = [b.value for b in items.items]
        try:
            at = vals.index(ctx.static(el))
        except ValueError:
            ctx.raise_here("builtins.ValueError", "list.remove(x): x not in list")
            return
        del items.items[at]
        return
    x = _runtime_list(ctx, lst)
    if ctx.is_sequence(x):
        raise ctx.error("list.remove() on a list of tensors")
    found, j = _first_index(ctx, x, ctx.value(el))
    n = _dim(ctx, x, 0)
    new = ctx.checked(found, "builtins.ValueError", "list.remove(x): x not in list",
                      lambda: [_without(ctx, x, j, n)], safe=lambda: [_without(ctx, x, j, n)])[0]  # fmt: skip
    ctx.bind_list(lst, new)


def export_list_index(ctx: Any, node: Any) -> None:
    """`xs.index(v)`: ValueError ("v is not in list") when absent."""
    x = _number_list(ctx, node.inputs[0])
    found, j = _first_index(ctx, x, ctx.value(node.inputs[1]))
    ctx.bind(node.output, ctx.checked(found, "builtins.ValueError", None, lambda: [j],
                                      safe=lambda: [j])[0])  # fmt: skip


def export_count(ctx: Any, node: Any) -> None:
    x = _number_list(ctx, node.inputs[0])
    hit = ctx.op("Equal", [x, ctx.cast(ctx.value(node.inputs[1]), ctx.dtype(x))])[0]
    ctx.bind(node.output, ctx.op("ReduceSum", [ctx.cast(hit, ctx.scalar_dtype("int")),
                                               ctx.const([0])], {"keepdims": 0})[0])  # fmt: skip


def export_copy_list(ctx: Any, node: Any) -> None:
    b = ctx.binding(node.inputs[0])
    known = ctx.known_list(node.inputs[0])
    if known is not None:
        ctx.bind_items(node.output, list(known.items), "list", known.elem)
    else:
        ctx.bind(node.output, b)


for _k, _rule in {"aten::_set_item.t": export_set_item, "aten::pop.t": export_pop,
                  "aten::Delete.t": export_delete, "aten::insert.t": export_insert,
                  "aten::extend.t": export_extend, "aten::add_.t": export_extend,
                  "aten::clear.t": export_clear, "aten::reverse.t": export_reverse,
                  "aten::sort.int": export_sort, "aten::sort.float": export_sort,
                  "aten::sorted.int": export_sorted, "aten::sorted.float": export_sorted,
                  "aten::remove.int": export_remove, "aten::remove.float": export_remove,
                  "aten::index.list_int": export_list_index,
                  "aten::index.list_float": export_list_index,
                  "aten::count.int": export_count, "aten::count.float": export_count,
                  "aten::count.bool": export_count, "aten::copy.t": export_copy_list}.items():  # fmt: skip
    ATEN_EXPORT[_k] = _rule


# -- more ops: numbers, tensors ---------------------------------------------------------------


def export_tensor_scalar(ctx: Any, node: Any) -> None:
    """`torch.tensor(x)` of one Python number (`aten::tensor.float` / `.int` / `.bool`): a 0-d
    tensor of the `dtype` argument, else torch's default for the number's kind."""
    if ctx.is_static(node.inputs[0]):
        export_tensor(ctx, node)
        return
    dv = _arg(node, "dtype")
    d = ctx.static(dv) if dv is not None else None
    if d is not None:
        dtype = to_dtype(d)
    else:
        kind = node.schema.overload_name
        dtype = {"float": torch.get_default_dtype(), "int": torch.int64, "bool": torch.bool}[kind]
    ctx.bind(node.output, ctx.op("Identity", [ctx.cast(ctx.value(node.inputs[0]),
                                                       ctx.onnx_dtype(dtype))])[0])  # fmt: skip


def export_set_grad_enabled(ctx: Any, node: Any) -> None:
    """`torch.no_grad()` / `torch.set_grad_enabled(b)`: onnxruntime records no autograd, so
    the model computes the same values either way (results never require grad; the runner
    sends calls with inputs that require grad to Python)."""


def export_int_pow(ctx: Any, node: Any) -> None:
    """`a ** b` of two ints: an int for b >= 0 (a float for b < 0, which Python computes:
    the model reports that input and the runner runs that call in Python)."""
    a, b = (ctx.cast(ctx.value(v), ctx.scalar_dtype("int")) for v in node.inputs[:2])
    if ctx.is_static(node.inputs[1]) and ctx.static(node.inputs[1]) < 0:
        raise ctx.error("an int to a negative int power (a float in Python) here",
                        hint="write float(a) ** b")  # fmt: skip
    out = _int_power(ctx, a, b)
    if not ctx.is_static(node.inputs[1]):
        ok = ctx.op("GreaterOrEqual", [b, ctx.const(0)])[0]
        out = ctx.checked(ok, "hybridjit.RunInPython", "an int to a negative power",
                          lambda: [out], safe=lambda: [out])[0]  # fmt: skip
    ctx.bind(node.output, out)


def _int_power(ctx: Any, a: Any, b: Any) -> Any:
    """a ** b for int64 a and b >= 0 (b < 0 gives 1), exactly, by squaring in a Loop."""
    i64, b1 = ctx.scalar_dtype("int"), ctx.scalar_dtype("bool")
    with ctx.new_scope("pow_body") as scope:
        ctx.graph_input(dtype=i64, rank=0, name="i")
        ctx.graph_input(dtype=b1, rank=0, name="c")
        acc, base, e = (ctx.graph_input(dtype=i64, rank=0, name=n) for n in ("acc", "base", "e"))
        odd = ctx.op("Equal", [ctx.op("Mod", [e, ctx.const(2)], {"fmod": 0})[0], ctx.const(1)])[0]
        acc2 = ctx.op("Where", [odd, ctx.op("Mul", [acc, base])[0], acc])[0]
        e2 = ctx.op("Div", [e, ctx.const(2)])[0]
        base2 = ctx.op("Mul", [base, base])[0]
        go = ctx.op("Greater", [e2, ctx.const(0)])[0]
        scope.graph.outputs.extend([go, acc2, base2, e2])
    go0 = ctx.op("Greater", [b, ctx.const(0)])[0]
    outs = ctx.op("Loop", [None, go0, ctx.const(1), a, b], {"body": scope.graph}, n=3)
    for o in outs:
        ctx.set_type(o, dtype=i64, rank=0)
    return outs[0]


def export_gcd(ctx: Any, node: Any) -> None:
    """math.gcd(a, b): Euclid's algorithm in an ONNX Loop; never negative."""
    i64, b1 = ctx.scalar_dtype("int"), ctx.scalar_dtype("bool")
    a, b = (ctx.op("Abs", [ctx.cast(ctx.value(v), i64)])[0] for v in node.inputs[:2])
    with ctx.new_scope("gcd_body") as scope:
        ctx.graph_input(dtype=i64, rank=0, name="i")
        ctx.graph_input(dtype=b1, rank=0, name="c")
        x, y = (ctx.graph_input(dtype=i64, rank=0, name=n) for n in ("x", "y"))
        zero = ctx.op("Equal", [y, ctx.const(0)])[0]
        safe_y = ctx.op("Where", [zero, ctx.const(1), y])[0]
        r = ctx.op("Mod", [x, safe_y], {"fmod": 0})[0]
        go = ctx.op("Not", [ctx.op("Equal", [r, ctx.const(0)])[0]])[0]
        scope.graph.outputs.extend([go, ctx.op("Identity", [y])[0], r])
    go0 = ctx.op("Not", [ctx.op("Equal", [b, ctx.const(0)])[0]])[0]
    x_out, _ = ctx.op("Loop", [None, go0, a, b], {"body": scope.graph}, n=2)
    ctx.set_type(x_out, dtype=i64, rank=0)
    # the loop stops when r == 0: the gcd is the last divisor y (x_out), or a when b == 0
    ctx.bind(node.output, x_out)


def _negative(ctx: Any, x: Any) -> Any:
    """x < 0, counting -0.0 (its reciprocal is -inf) as negative."""
    neg = ctx.op("Less", [x, ctx.const(0.0)])[0]
    nzero = ctx.op("And", [ctx.op("Equal", [x, ctx.const(0.0)])[0],
                           ctx.op("Less", [ctx.op("Div", [ctx.const(1.0), x])[0],
                                           ctx.const(0.0)])[0]])[0]  # fmt: skip
    return ctx.op("Or", [neg, nzero])[0]


def _atan_double(ctx: Any, z: Any) -> Any:
    """atan of a 0-d double to double precision (onnxruntime's Atan has no double kernel):
    |z| > 1 maps to pi/2 - atan(1/|z|), two half-angle steps bring it under tan(pi/16), and
    the odd series to the 27th power is then exact to rounding."""
    a = ctx.op("Abs", [z])[0]
    inv = ctx.op("Greater", [a, ctx.const(1.0)])[0]
    t = ctx.op("Where", [inv, ctx.op("Div", [ctx.const(1.0), a])[0], a])[0]
    for _ in range(2):
        root = ctx.op("Sqrt", [ctx.op("Add", [ctx.const(1.0), ctx.op("Mul", [t, t])[0]])[0]])[0]
        t = ctx.op("Div", [t, ctx.op("Add", [ctx.const(1.0), root])[0]])[0]
    u2 = ctx.op("Mul", [t, t])[0]
    acc = ctx.const(-1.0 / 27)  # Horner on sum_j (-1)^j u2^j / (2j + 1), j = 13 .. 0
    for k in range(25, 0, -2):
        c = (-1.0 if ((k - 1) // 2) % 2 else 1.0) / k
        acc = ctx.op("Add", [ctx.const(c), ctx.op("Mul", [acc, u2])[0]])[0]
    r = ctx.op("Mul", [ctx.const(4.0), ctx.op("Mul", [t, acc])[0]])[0]
    r = ctx.op("Where", [inv, ctx.op("Sub", [ctx.const(math.pi / 2), r])[0], r])[0]
    r = ctx.op("Where", [_negative(ctx, z), ctx.op("Neg", [r])[0], r])[0]
    # |z| < 1e-8: atan(z) rounds to z (and subnormal z keeps its precision)
    return ctx.op("Where", [ctx.op("Less", [a, ctx.const(1e-8)])[0], z, r])[0]


def export_atan2_float(ctx: Any, node: Any) -> None:
    """math.atan2(y, x) on Python floats (C's atan2: signed zeros and infinities included)."""
    f = ctx.scalar_dtype("float")
    y, x = (ctx.cast(ctx.value(v), f) for v in node.inputs[:2])
    pi = ctx.const(math.pi)
    ny, nx = _negative(ctx, y), _negative(ctx, x)
    signed = lambda v: ctx.op("Where", [ny, ctx.op("Neg", [v])[0], v])[0]  # noqa: E731
    base = _atan_double(ctx, ctx.op("Div", [y, x])[0])
    # x < 0 (or -0.0): add +-pi by y's sign
    out = ctx.op("Where", [nx, ctx.op("Add", [base, signed(pi)])[0], base])[0]
    # x == 0: +-pi/2 for y != 0; y == 0: +-0 (x = +0) or +-pi (x = -0)
    xz = ctx.op("Equal", [x, ctx.const(0.0)])[0]
    yz = ctx.op("Equal", [y, ctx.const(0.0)])[0]
    at_zero = ctx.op("Where", [yz, ctx.op("Where", [nx, signed(pi), y])[0],
                               signed(ctx.const(math.pi / 2))])[0]  # fmt: skip
    out = ctx.op("Where", [xz, at_zero, out])[0]
    # y == 0 and x != 0: +-0 (x > 0) or +-pi (x < 0)
    out = ctx.op("Where", [ctx.op("And", [yz, ctx.op("Not", [xz])[0]])[0],
                           ctx.op("Where", [nx, signed(pi), y])[0], out])[0]  # fmt: skip
    # both infinite: +-pi/4 or +-3pi/4
    both = ctx.op("And", [ctx.op("IsInf", [x])[0], ctx.op("IsInf", [y])[0]])[0]
    q = ctx.op("Where", [nx, ctx.const(3 * math.pi / 4), ctx.const(math.pi / 4)])[0]
    out = ctx.op("Where", [both, signed(q), out])[0]
    nan = ctx.op("Or", [ctx.op("IsNaN", [x])[0], ctx.op("IsNaN", [y])[0]])[0]
    ctx.bind(node.output, ctx.op("Where", [nan, ctx.const(math.nan), out])[0])


def _eager_dtype(ctx: Any, node: Any) -> Any:
    """The dtype eager gives `node`'s (one tensor) result, from meta tensors."""
    metas = []
    for v in node.inputs:
        if ctx.is_static(v):
            val = ctx.static(v)
            metas.append(torch.empty(val.shape, dtype=val.dtype, device="meta")
                         if isinstance(val, torch.Tensor) else val)  # fmt: skip
            continue
        x = ctx.value(v)
        td = ctx.torch_dtype(x)
        if v.type in (T.IntType, T.FloatType, T.BoolType) or ctx.rank(x) is None:
            metas.append({torch.float64: 1.5, torch.int64: 1, torch.bool: True}.get(td, 1.5)
                         if v.type in (T.IntType, T.FloatType, T.BoolType, T.NumberType)
                         else torch.empty([1] * (ctx.rank(x) or 0), dtype=td, device="meta"))  # fmt: skip
        else:
            metas.append(torch.empty([1] * ctx.rank(x), dtype=td, device="meta"))
    return registry.op_overload(node.schema)(*metas).dtype


def export_rsub(ctx: Any, node: Any) -> None:
    """`rsub(x, other, alpha)` = other - alpha * x, in eager's result dtype."""
    dt = ctx.onnx_dtype(_eager_dtype(ctx, node))
    x = ctx.cast(ctx.value(node.inputs[0]), dt)
    other = ctx.cast(ctx.value(node.inputs[1]), dt)
    alpha = node.inputs[2] if len(node.inputs) > 2 else None
    if alpha is not None and not (ctx.is_static(alpha) and ctx.static(alpha) == 1):
        x = ctx.op("Mul", [x, ctx.cast(ctx.value(alpha), dt)])[0]
    ctx.bind(node.output, ctx.op("Sub", [other, x])[0])


def export_std_var(ctx: Any, node: Any) -> None:
    """`x.std(dim, unbiased, keepdim)` / `x.var(...)` (and the `correction=` forms): the mean
    of squared deviations over the dims, divided by N - correction (NaN when that is <= 0,
    as eager)."""
    x = ctx.value(node.inputs[0])
    rank = ctx.rank(x)
    if rank is None:
        raise ctx.error(f"{node.kind} of a tensor of unknown rank")
    names = [a.name for a in node.schema.arguments]
    dims = ctx.static(node.inputs[names.index("dim")], "the dims") if "dim" in names else None
    if dims is None:
        dims = list(range(rank))
    dims = [dims] if isinstance(dims, int) else list(dims)
    if not dims:
        dims = list(range(rank))
    dims = sorted({d % rank for d in dims}) if rank else []
    if "correction" in names:
        c = ctx.static(node.inputs[names.index("correction")], "the correction")
        corr = 1.0 if c is None else float(c)
    elif "unbiased" in names:
        corr = 1.0 if ctx.static(node.inputs[names.index("unbiased")], "unbiased") else 0.0
    else:
        corr = 1.0
    keep = bool(ctx.static(node.inputs[names.index("keepdim")], "keepdim")) \
        if "keepdim" in names else False  # fmt: skip
    td = ctx.torch_dtype(x)
    if td is None or not td.is_floating_point:
        raise ctx.error(f"{node.kind} of a non-float tensor")
    dt = ctx.dtype(x)
    axes = ctx.const(dims)
    mean = ctx.op("ReduceMean", [x, axes], {"keepdims": 1})[0]
    dev = ctx.op("Sub", [x, mean])[0]
    sq = ctx.op("ReduceSum", [ctx.op("Mul", [dev, dev])[0], axes], {"keepdims": int(keep)})[0]
    shape = ctx.op("Shape", [x])[0]
    n = ctx.op("ReduceProd", [ctx.op("Gather", [shape, axes], {"axis": 0})[0]], {"keepdims": 0})[0]
    denom = ctx.op("Sub", [ctx.cast(n, dt), ctx.const(torch.tensor(corr, dtype=td))])[0]
    # eager: N - correction <= 0 gives inf/nan (0 / 0 -> nan, x / 0 -> inf; torch clamps to 0)
    denom = ctx.op("Max", [denom, ctx.const(torch.tensor(0.0, dtype=td))])[0]
    var = ctx.op("Div", [sq, denom])[0]
    out = ctx.op("Sqrt", [var])[0] if node.schema.name == "aten::std" else var
    ctx.set_type(out, dtype=dt, rank=rank if keep else rank - len(dims))
    ctx.bind(node.output, out)


def export_one_hot(ctx: Any, node: Any) -> None:
    """`F.one_hot(x, num_classes)`: int64; num_classes=-1 means max(x) + 1.  Eager raises
    RuntimeError for a negative class or one >= num_classes (ONNX OneHot would wrap)."""
    x = ctx.value(node.inputs[0])
    if ctx.torch_dtype(x) != torch.int64:
        raise ctx.error("one_hot of a non-int64 tensor")
    n = ctx.value(node.inputs[1], ctx.scalar_dtype("int"))
    n = ctx.cast(n, ctx.scalar_dtype("int"))
    numel = ctx.op("Size", [x])[0]
    flat = ctx.op("Concat", [ctx.op("Reshape", [x, ctx.const([-1])])[0], ctx.const([0])],
                  {"axis": 0})[0]  # fmt: skip
    top = ctx.op("ReduceMax", [flat, ctx.const([0])], {"keepdims": 0})[0]
    low = ctx.op("ReduceMin", [flat, ctx.const([0])], {"keepdims": 0})[0]
    auto = ctx.op("Equal", [n, ctx.const(-1)])[0]
    depth = ctx.op("Where", [auto, ctx.op("Add", [top, ctx.const(1)])[0], n])[0]
    empty = ctx.op("Equal", [numel, ctx.const(0)])[0]
    # an empty x with num_classes=-1 raises in eager ("Can not infer total number of classes")
    ok = ctx.op("And", [ctx.op("GreaterOrEqual", [low, ctx.const(0)])[0],
                        ctx.op("Less", [top, depth])[0]])[0]  # fmt: skip
    ok = ctx.op("And", [ok, ctx.op("Not", [ctx.op("And", [empty, auto])[0]])[0]])[0]
    ok = ctx.op("And", [ok, ctx.op("GreaterOrEqual", [depth, ctx.const(0)])[0]])[0]
    safe_depth = ctx.op("Max", [depth, ctx.const(1)])[0]

    def hot() -> list[Any]:
        vals = ctx.const([0, 1])
        out = ctx.op("OneHot", [x, ctx.op("Reshape", [safe_depth, ctx.const([1])])[0], vals],
                     {"axis": -1})[0]  # fmt: skip
        if ctx.rank(out) is None and ctx.rank(x) is not None:
            ctx.set_type(out, dtype=ctx.scalar_dtype("int"), rank=ctx.rank(x) + 1)
        return [out]

    ctx.bind(node.output, ctx.checked(ok, "builtins.RuntimeError", None, hot, safe=hot)[0])


def export_linear(ctx: Any, node: Any) -> None:
    """`F.linear(x, w, b)` = x @ w.T + b (b may be None): Gemm for a 2-D x, else MatMul."""
    x = ctx.value(node.inputs[0])
    w = ctx.value(node.inputs[1])
    bv = node.inputs[2] if len(node.inputs) > 2 else None
    has_b = bv is not None and not (ctx.is_static(bv) and ctx.static(bv) is None)
    if ctx.rank(w) != 2 or ctx.rank(x) is None or ctx.rank(x) < 1:
        ctx.torchlib(node)
        return
    if ctx.dtype(x) != ctx.dtype(w):
        ctx.torchlib(node)
        return
    b = ctx.cast(ctx.value(bv), ctx.dtype(x)) if has_b else None
    if ctx.rank(x) == 2:
        out = ctx.op("Gemm", [x, w] + ([b] if b is not None else []), {"transB": 1})[0]
    else:
        wt = ctx.invariant(("transpose",), [w], lambda: ctx.op("Transpose", [w], {"perm": [1, 0]})[0])
        out = ctx.op("MatMul", [x, wt])[0]
        if b is not None:
            out = ctx.op("Add", [out, b])[0]
    if ctx.rank(out) is None:
        ctx.set_type(out, dtype=ctx.dtype(x), rank=ctx.rank(x))
    ctx.bind(node.output, out)


def export_conv_transpose(ctx: Any, node: Any) -> None:
    """`conv_transpose{1,2,3}d.input` -> torchlib's aten::convolution with transposed=True."""

    names = [a.name for a in node.schema.arguments]
    get = lambda n, d: ctx.static(node.inputs[names.index(n)], n) if n in names else d  # noqa: E731
    conv = registry.lookup("aten::convolution")
    if conv is None:
        raise ctx.error(f"{node.kind} has no ONNX translation")
    x = ctx.binding(node.inputs[0])
    w = ctx.binding(node.inputs[1])
    b = ctx.binding(node.inputs[2])
    args = {"input": x, "weight": w, "bias": b, "stride": get("stride", [1]),
            "padding": get("padding", [0]), "dilation": get("dilation", [1]),
            "transposed": True, "output_padding": get("output_padding", [0]),
            "groups": get("groups", 1)}  # fmt: skip
    ctx.torchlib(node, schema=conv, bindings=[args[a.name] for a in conv.arguments])


def export_norm(ctx: Any, node: Any) -> None:
    """`x.norm(p, dim, keepdim)` (F.normalize's, swin v2's): torchlib's
    `linalg_vector_norm`, the same vector norm (p None: 2)."""
    norm = registry.lookup("aten::linalg_vector_norm")
    if norm is None:
        raise ctx.error(f"{node.kind} has no ONNX translation")
    got = {a.name: ctx.binding(v) for a, v in zip(node.schema.arguments, node.inputs)}
    p = got.get("p")
    args = {"self": got["self"], "ord": 2.0 if p is None or ctx.static_binding(p) == (None,) else p,
            "dim": got.get("dim"), "keepdim": got.get("keepdim", False), "dtype": None}  # fmt: skip
    ctx.torchlib(node, schema=norm, bindings=[args[a.name] for a in norm.arguments])


def export_as_transpose(ctx: Any, node: Any) -> None:
    """`x.swapaxes(a, b)` / `x.swapdims(a, b)`: torch's other names of `transpose(a, b)`."""
    transpose = registry.lookup("aten::transpose.int")
    if transpose is None:
        raise ctx.error(f"{node.kind} has no ONNX translation")
    ctx.torchlib(node, schema=transpose, bindings=[ctx.binding(v) for v in node.inputs[:3]])


def export_roll(ctx: Any, node: Any) -> None:
    """`torch.roll(x, shifts, dims)`; torchlib's needs the shifts at export time, but swin's
    are computed at run time (0 where the window covers the input): one Slice + Slice +
    Concat per dim, the shift taken modulo the dim's size as torch does."""
    shifts = ctx.items(node.inputs[1])
    dims = ctx.static(node.inputs[2], "roll's dims")
    dims = [dims] if isinstance(dims, int) else list(dims)
    if ctx.is_static(node.inputs[1]) or shifts is None or len(shifts) != len(dims) or not dims:
        ctx.torchlib(node)
        return
    x = ctx.value(node.inputs[0])
    rank = ctx.rank(x)
    out = x
    for shift, dim in zip(shifts, dims):
        axis = ctx.const([dim % rank if rank else dim])
        n = _dim(ctx, x, dim)
        modulus = ctx.op("Max", [n, ctx.const(1)])[0]  # an empty dim rolls to itself
        s = ctx.op("Mod", [ctx.cast(ctx.materialize(shift), ctx.scalar_dtype("int")), modulus],
                   {"fmod": 0})[0]  # fmt: skip
        cut = ctx.op("Reshape", [ctx.op("Sub", [n, s])[0], ctx.const([1])])[0]
        end = ctx.op("Reshape", [n, ctx.const([1])])[0]
        tail = ctx.op("Slice", [out, cut, end, axis])[0]
        head = ctx.op("Slice", [out, ctx.const([0]), cut, axis])[0]
        out = ctx.op("Concat", [tail, head], {"axis": dim % rank if rank else dim})[0]
        ctx.set_type(out, like=x)
    ctx.bind(node.output, out)


def export_is(ctx: Any, node: Any) -> None:
    """`a is b` / `a is not b` with a value known only at run time: True when `a` and `b` are
    one value of the program (nn.MultiheadAttention's `query is not key` in self-attention),
    False against None (a run-time value is never None: Optionals are resolved at export),
    and for two tensor arguments whether the call passed one object (`ctx.same_input`);
    otherwise ONNX cannot tell."""
    a, b = (_through_static_ifs(ctx, v) for v in node.inputs[:2])
    if a is b:
        same = True
    elif ctx.is_static(a) and ctx.is_static(b):
        same = ctx.static(a) is ctx.static(b)
    elif any(ctx.is_static(v) and ctx.static(v) is None for v in (a, b)):
        same = False
    elif (known := _same_object(ctx, a, b)) is not None:
        same = known
    else:
        raise ctx.error(f"{node.kind} of two different values known only at run time",
                        hint="compare values (==), or pass the same variable")  # fmt: skip
    ctx.bind(node.output, same == (node.kind == "aten::__is__"))


# view ops whose result is always a new tensor object (`contiguous`, `to`, `flatten`, ...
# may return their input itself)
_NEW_VIEWS = {"aten::transpose", "aten::permute", "aten::view", "aten::select", "aten::slice",
              "aten::unsqueeze", "aten::narrow", "aten::expand", "aten::unflatten"}  # fmt: skip


_UNPACKS = {"prim::ListUnpack", "prim::TupleUnpack"}
_PACKS = {"prim::ListConstruct", "prim::TupleConstruct"}


def _packed_items(unpack: Any) -> list[Any] | None:
    """The values a list / tuple unpacked by `unpack` holds: those it was built from and
    appended, in its block before the unpack; None when anything else may change it."""
    seq = unpack.inputs[0]
    made = seq.node
    if made.kind not in _PACKS:
        return None
    items = list(made.inputs)
    for use in seq.uses:
        user = use.user
        if user is unpack:
            continue
        if (user.kind != "aten::append" or use.offset != 0 or user.owning_block is not unpack.owning_block
                or not user.is_before(unpack)):  # fmt: skip
            return None
        items.append(user.inputs[1])
    return items


def _same_object(ctx: Any, a: Any, b: Any) -> bool | None:
    """`a is b` for two different values of the program, where it is known: each is traced
    back through the ops that may return their input; tensors made by two different ops are
    two objects, a tensor made here is no argument, and two arguments are one object where
    the call passed one (`ctx.same_input`: the export is specialized on it).  None when
    unknown (a value that may or may not be returned as it is)."""
    oa, ob = _origin(ctx, a), _origin(ctx, b)
    if oa is ob:
        return None  # `b = a.contiguous()`: a itself, or a copy
    made = [o.node.kind.startswith("aten::") for o in (oa, ob)]
    if any(made) and all(m or o.node.kind == "prim::Param" for m, o in zip(made, (oa, ob))):
        return False
    return ctx.same_input(oa, ob)


def _origin(ctx: Any, v: Any) -> Any:
    """The value `v` may be the very object of (through static `if`s, in-place ops and
    `contiguous`/`to`-like ops); `v` itself where an op made it a new object."""
    while True:
        v = _through_static_ifs(ctx, v)
        items = _packed_items(v.node) if v.node.kind in _UNPACKS else None
        if items is not None and v.offset < len(items):
            v = items[v.offset]  # `a, b = [x.t() for x in (q, k)]`: the element itself
            continue
        schema = v.node.schema if v.node.kind.startswith("aten::") else None
        if schema is None or v.offset >= len(schema.returns):
            return v
        if schema.returns[v.offset].alias is None or schema.name in _NEW_VIEWS:
            return v
        v = v.node.inputs[0]


def _through_static_ifs(ctx: Any, v: Any) -> Any:
    """The value an `if` decided at export passes on as `v` (MHA's `value = key` in its
    `if key is value:` branch), itself where `v` is not such an output."""
    while v.node.kind == "prim::If" and ctx.is_static(v.node.inputs[0]):
        v = v.node.blocks[0 if ctx.static(v.node.inputs[0]) else 1].outputs[v.offset]
    return v


def _known_property(value: bool) -> Callable[[Any, Any], None]:
    """`x.is_cpu`, `x.is_nested`, ...: an exported model's tensors are dense CPU tensors
    (ONNX has no other kind; `x.device` exports as cpu too)."""

    def rule(ctx: Any, node: Any) -> None:
        ctx.bind(node.output, value)

    return rule


def export_sum_int(ctx: Any, node: Any) -> None:
    """`x.sum()` / `x.sum(dims)` of a bool or integer tensor: eager sums in int64.  Sums of
    int32 / int64 are `ctx.int_sum` (onnxruntime's ReduceSum adds int64 in double, wrong past
    2**53); narrower integers cannot get there and stay one ReduceSum."""
    x = ctx.value(node.inputs[0])
    want = _integer_reduction_dtype(ctx, node, x)
    if want is None or want.is_floating_point or ctx.torch_dtype(x) not in (torch.int32, torch.int64):
        _torchlib_in(ctx, node, x, want)
        return
    dims = _static_arg(ctx, node, "dim")
    dims = [dims] if isinstance(dims, int) else list(dims or [])
    keep = bool(_static_arg(ctx, node, "keepdim"))
    ctx.bind(node.output, ctx.int_sum(ctx.cast_like_torch(x, want), dims or None, keep))


def export_prod_int(ctx: Any, node: Any) -> None:
    """`x.prod()` / `x.prod(dim)` of a bool or integer tensor: eager multiplies in int64
    (or the given integer dtype), wrapping around; `ctx.int_prod` does so exactly
    (onnxruntime's ReduceProd multiplies in double and saturates)."""
    x = ctx.value(node.inputs[0])
    want = _integer_reduction_dtype(ctx, node, x)
    if want is None or want.is_floating_point:
        _torchlib_in(ctx, node, x, want)
        return
    dim, keep = _static_arg(ctx, node, "dim"), bool(_static_arg(ctx, node, "keepdim"))
    ctx.bind(node.output, ctx.int_prod(ctx.cast_like_torch(x, want), dim, keep))


def _integer_reduction_dtype(ctx: Any, node: Any, x: Any) -> torch.dtype | None:
    """The dtype a sum / prod of bool or integer `x` computes in: `dtype=`, else int64;
    None for other inputs or a dtype known only at run time."""
    td = ctx.torch_dtype(x)
    if td is None or td.is_floating_point or td.is_complex:
        return None
    dv = _arg(node, "dtype")
    want = None if dv is None else ctx.static(dv) if ctx.is_static(dv) else dv
    if want is not None and not isinstance(want, int):
        return None
    return torch.int64 if want is None else to_dtype(want)


def _torchlib_in(ctx: Any, node: Any, x: Any, dtype: torch.dtype | None) -> None:
    """torchlib's translation of `node`, its input first cast to `dtype` (None: as it is)."""
    if dtype is None:
        ctx.torchlib(node)
        return
    ctx.bind(node.inputs[0], ctx.cast_like_torch(x, dtype))
    try:
        ctx.torchlib(node)
    finally:
        ctx.bind(node.inputs[0], x)


def _static_arg(ctx: Any, node: Any, name: str) -> Any:
    v = _arg(node, name)
    return None if v is None else ctx.static(v, f"{node.kind.split('::')[-1]}'s {name}")


def export_native_mha(ctx: Any, node: Any) -> None:
    """`torch._native_multi_head_attention`, the path eval-mode nn.MultiheadAttention takes
    (the ViTs), as torch's reference math computes it (`_attention`).  Without a mask only."""
    _no_mask(ctx, node)
    q, k, v = (ctx.value(x) for x in node.inputs[:3])
    out, attn = _attention(ctx, node, q, k, v, 3)
    ctx.bind(node.outputs[0], out)
    weights = None  # torch gives none without need_weights
    if ctx.static(_arg(node, "need_weights"), "need_weights"):
        average = ctx.static(_arg(node, "average_attn_weights"), "average_attn_weights")
        over_heads = ([attn, ctx.const([1])], {"keepdims": 0}) if ctx.opset >= 18 else \
            ([attn], {"keepdims": 0, "axes": [1]})  # fmt: skip
        weights = ctx.op("ReduceMean", *over_heads)[0] if average else attn
    ctx.bind(node.outputs[1], weights)


def export_encoder_layer(ctx: Any, node: Any) -> None:
    """`torch._transformer_encoder_layer_fwd`, eval-mode nn.TransformerEncoderLayer's path:
    self-attention and the feed-forward block, each with its residual and LayerNorm (before
    them with norm_first), as the module's own code computes them.  Without a mask only."""
    _no_mask(ctx, node)
    x = ctx.value(node.inputs[0])
    w = {a.name: v for a, v in zip(node.schema.arguments, node.inputs)}
    eps = ctx.static(w["eps"], "eps")

    def norm(y: Any, i: int) -> Any:
        scale, bias = ctx.value(w[f"norm_weight_{i}"]), ctx.value(w[f"norm_bias_{i}"])
        return ctx.op("LayerNormalization", [y, scale, bias], {"axis": -1, "epsilon": eps})[0]

    def attend(y: Any) -> Any:
        return _attention(ctx, node, y, y, y, 1)[0]

    def feed_forward(y: Any) -> Any:
        h = _linear(ctx, y, ctx.value(w["ffn_weight_1"]), ctx.value(w["ffn_bias_1"]))
        h = _gelu(ctx, h) if ctx.static(w["use_gelu"], "use_gelu") else ctx.op("Relu", [h])[0]
        return _linear(ctx, h, ctx.value(w["ffn_weight_2"]), ctx.value(w["ffn_bias_2"]))

    if ctx.static(w["norm_first"], "norm_first"):
        x = ctx.op("Add", [x, attend(norm(x, 1))])[0]
        x = ctx.op("Add", [x, feed_forward(norm(x, 2))])[0]
    else:
        x = norm(ctx.op("Add", [x, attend(x)])[0], 1)
        x = norm(ctx.op("Add", [x, feed_forward(x)])[0], 2)
    ctx.bind(node.output, x)


def _no_mask(ctx: Any, node: Any) -> None:
    mask = _arg(node, "mask")
    if mask is not None and not (ctx.is_static(mask) and ctx.static(mask) is None):
        raise ctx.error(f"torch's fused attention ({node.kind}) with a mask",
                        hint="disable the fast path while exporting: "
                        "torch.backends.mha.set_fastpath_enabled(False)")  # fmt: skip


def _attention(ctx: Any, node: Any, q: Any, k: Any, v: Any, first: int) -> tuple[Any, Any]:
    """Multi-head attention of batch-first q, k, v with the packed weights that start at
    `node.inputs[first]` (embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight,
    proj_bias): the output and the per-head attention weights."""
    embed = ctx.static(node.inputs[first], "the embedding size")
    heads = ctx.static(node.inputs[first + 1], "the number of heads")
    w, b, w_out, b_out = (ctx.value(x) for x in node.inputs[first + 2 : first + 6])
    size = embed // heads

    def project(x: Any, part: int) -> Any:
        lo, hi = ctx.const([part * embed]), ctx.const([(part + 1) * embed])
        y = _linear(ctx, x, ctx.op("Slice", [w, lo, hi, ctx.const([0])])[0], ctx.op("Slice", [b, lo, hi])[0])
        split = ctx.op("Reshape", [y, ctx.const([0, 0, heads, size])])[0]
        return ctx.op("Transpose", [split], {"perm": [0, 2, 1, 3]})[0]

    qh, kh, vh = project(q, 0), project(k, 1), project(v, 2)
    scores = ctx.op("MatMul", [qh, ctx.op("Transpose", [kh], {"perm": [0, 1, 3, 2]})[0]])[0]
    scores = ctx.op("Mul", [scores, ctx.const(1.0 / math.sqrt(size), ctx.dtype(q))])[0]
    attn = ctx.op("Softmax", [scores], {"axis": -1})[0]
    merged = ctx.op("Transpose", [ctx.op("MatMul", [attn, vh])[0]], {"perm": [0, 2, 1, 3]})[0]
    merged = ctx.op("Reshape", [merged, ctx.const([0, 0, embed])])[0]
    return _linear(ctx, merged, w_out, b_out), attn


def _linear(ctx: Any, x: Any, w: Any, b: Any) -> Any:
    """F.linear: x @ w^T + b."""
    wt = ctx.op("Transpose", [w], {"perm": [1, 0]})[0]
    return ctx.op("Add", [ctx.op("MatMul", [x, wt])[0], b])[0]


def _gelu(ctx: Any, x: Any) -> Any:
    """Exact GELU, x * (1 + erf(x / sqrt(2))) / 2 (torch's default)."""
    dt = ctx.dtype(x)
    erf = ctx.op("Erf", [ctx.op("Mul", [x, ctx.const(1 / math.sqrt(2), dt)])[0]])[0]
    half = ctx.op("Mul", [x, ctx.const(0.5, dt)])[0]
    return ctx.op("Mul", [half, ctx.op("Add", [erf, ctx.const(1.0, dt)])[0]])[0]


def export_zero(ctx: Any, node: Any) -> None:
    """`x.zero_()`'s functional form: zeros of x's shape and dtype (not x * 0: inf, nan)."""
    x = ctx.value(node.inputs[0])
    out = ctx.op("Expand", [ctx.const(0, ctx.dtype(x)), ctx.op("Shape", [x])[0]])[0]
    ctx.set_type(out, like=x)
    ctx.bind(node.output, out)


def export_copy(ctx: Any, node: Any) -> None:
    """`dst.copy_(src)`'s functional form: src broadcast to dst's shape, in dst's dtype
    (torchlib's aten::copy keeps src's shape)."""
    dst, src = ctx.value(node.inputs[0]), ctx.value(node.inputs[1])
    out = ctx.op("Expand", [ctx.cast(src, ctx.dtype(dst)), ctx.op("Shape", [dst])[0]])[0]
    ctx.set_type(out, like=dst)
    ctx.bind(node.output, out)


# -- writing through a view: `x[a:b, i] = v` ------------------------------------------------
def _put_into_slice(ctx: Any, view: Any, parent: Any, child: Any) -> Any:
    """`parent` with `child` where `view` (`aten::slice(parent, dim, start, end, 1)`) reads:
    `child` padded to the parent's size along `dim`, chosen by a mask of the slice's range
    (its bounds clamped as torch clamps them)."""
    if not (ctx.is_static(view.inputs[4]) and ctx.static(view.inputs[4]) == 1):
        raise ctx.error("assigning into a slice with a step other than 1",
                        hint="assign into each element, or build the tensor with torch.cat")  # fmt: skip
    rank, dim = _view_dim(ctx, view, parent)
    n = _dim(ctx, parent, dim)
    start = _slice_bound(ctx, view.inputs[2], n, 0)
    end = ctx.op("Max", [_slice_bound(ctx, view.inputs[3], n, None), start])[0]
    r = ctx.op("Range", [ctx.const(0), n, ctx.const(1)])[0]
    inside = ctx.op("And", [ctx.op("GreaterOrEqual", [r, start])[0], ctx.op("Less", [r, end])[0]])[0]
    return _place(ctx, parent, child, inside, dim, rank, start, ctx.op("Sub", [n, end])[0])


def _put_into_select(ctx: Any, view: Any, parent: Any, child: Any) -> Any:
    """`parent` with `child` at `view`'s (`aten::select(parent, dim, index)`) position."""
    rank, dim = _view_dim(ctx, view, parent)
    n = _dim(ctx, parent, dim)
    i = ctx.cast(ctx.value(view.inputs[2]), ctx.scalar_dtype("int"))
    i = ctx.op("Where", [ctx.op("Less", [i, ctx.const(0)])[0], ctx.op("Add", [i, n])[0], i])[0]
    child = ctx.op("Unsqueeze", [child, ctx.const([dim])])[0]
    at = ctx.op("Equal", [ctx.op("Range", [ctx.const(0), n, ctx.const(1)])[0], i])[0]
    after = ctx.op("Sub", [ctx.op("Sub", [n, i])[0], ctx.const(1)])[0]
    return _place(ctx, parent, child, at, dim, rank, i, after)


def _view_dim(ctx: Any, view: Any, parent: Any) -> tuple[int, int]:
    rank = ctx.rank(parent)
    if rank is None:
        raise ctx.error("assigning into a view of a tensor of unknown rank")
    return rank, ctx.static(view.inputs[1], "the view's dim") % rank


def _slice_bound(ctx: Any, v: Any, n: Any, default: int | None) -> Any:
    """A slice bound as torch reads it: None -> `default` (None: n), negative -> + n,
    clamped to [0, n]."""
    if ctx.is_static(v) and ctx.static(v) is None:
        return n if default is None else ctx.const(default)
    b = ctx.cast(ctx.value(v), ctx.scalar_dtype("int"))
    b = ctx.op("Where", [ctx.op("Less", [b, ctx.const(0)])[0], ctx.op("Add", [b, n])[0], b])[0]
    return ctx.op("Min", [ctx.op("Max", [b, ctx.const(0)])[0], n])[0]


def _place(ctx: Any, parent: Any, child: Any, mask: Any, dim: int, rank: int, before: Any,
           after: Any) -> Any:  # fmt: skip
    """Where(mask along `dim`, child padded by `before` / `after` there, parent)."""
    zeros = [ctx.const([0] * k, ctx.scalar_dtype("int")) for k in (dim, rank - dim - 1)]
    one = [ctx.op("Reshape", [x, ctx.const([1])])[0] for x in (before, after)]
    pads = ctx.op("Concat", [zeros[0], one[0], zeros[1], zeros[0], one[1], zeros[1]], {"axis": 0})[0]
    padded = ctx.op("Pad", [ctx.cast(child, ctx.dtype(parent)), pads])[0]
    shape = [1] * dim + [-1] + [1] * (rank - dim - 1)
    mask = ctx.op("Reshape", [mask, ctx.const(shape)])[0]
    out = ctx.op("Where", [mask, padded, parent])[0]
    ctx.set_type(out, like=parent)
    return out


# the views an in-place op may write through: rule(ctx, view_node, parent, new_view) -> parent
VIEW_WRITEBACK: dict[str, Callable[[Any, Any, Any, Any], Any]] = {
    "aten::slice.Tensor": _put_into_slice, "aten::select.int": _put_into_select}  # fmt: skip


# -- dicts whose keys are known at export (`Entries`) -------------------------------------
def export_dict_set(ctx: Any, node: Any) -> None:
    """`d[k] = v` on a dict built here (not inside an `if`/loop over run-time values)."""
    e, key = ctx.entries(node.inputs[0]), ctx.static(node.inputs[1], "a dict key")
    if not ctx.owns(e):
        raise ctx.error("setting an item of a dict created outside this `if`/loop (or a "
                        "constant dict)", hint="build the dict where it is filled")  # fmt: skip
    if key in e.keys:
        e.values[e.keys.index(key)] = ctx.binding(node.inputs[2])
    else:
        e.keys.append(key)
        e.values.append(ctx.binding(node.inputs[2]))


def export_dict_get(ctx: Any, node: Any) -> None:
    """`d[k]`, `d.get(k)`, `d.get(k, default)`."""
    if node.schema.name == "aten::__getitem__":
        ctx.bind(node.output, ctx.dict_item(node.inputs[0], node.inputs[1]))
        return
    e, key = ctx.entries(node.inputs[0]), ctx.static(node.inputs[1], "a dict key")
    default = ctx.binding(node.inputs[2]) if len(node.inputs) > 2 else None
    ctx.bind(node.output, e.values[e.keys.index(key)] if key in e.keys else default)


def export_dict_view(ctx: Any, node: Any) -> None:
    """len(d), `k in d`, d.keys(), d.values(), d.items(): known at export but the values."""
    e, name = ctx.entries(node.inputs[0]), node.schema.name
    if name == "aten::len":
        ctx.bind(node.output, len(e.keys))
    elif name == "aten::__contains__":
        ctx.bind(node.output, ctx.static(node.inputs[1], "a dict key") in e.keys)
    elif name == "aten::keys":
        ctx.bind(node.output, list(e.keys))
    elif name == "aten::values":
        ctx.bind_items(node.output, list(e.values), "list", _elem_kind_of(node.output))
    else:
        ctx.bind_items(node.output, ctx.entry_pairs(e))


def export_mm(ctx: Any, node: Any) -> None:
    """`a @ w` / `torch.mm(a, w)`: torchlib's MatMul; in a loop over the rows of `xs`,
    `xs[t] @ w` with `w` from outside the loop is one MatMul of all rows before it."""
    a, b = ctx.value(node.inputs[0]), ctx.value(node.inputs[1])
    out = ctx.row_matmul(a, b)
    if out is None:
        ctx.torchlib(node)
        return
    ctx.bind(node.output, out)


ATEN_EXPORT.update({
    "aten::mm": export_mm, "aten::matmul": export_mm,
    "aten::tensor.float": export_tensor_scalar, "aten::tensor.int": export_tensor_scalar,
    "aten::tensor.bool": export_tensor_scalar,
    "aten::set_grad_enabled": export_set_grad_enabled,
    "aten::gcd.int": export_gcd,
    "aten::atan2.float": export_atan2_float, "aten::atan2.int": export_atan2_float,
    "aten::atan2.float_int": export_atan2_float, "aten::atan2.int_float": export_atan2_float,
    "aten::rsub.Scalar": export_rsub, "aten::rsub.Tensor": export_rsub, "aten::rsub": export_rsub,
    "aten::std.dim": export_std_var, "aten::var.dim": export_std_var, "aten::std": export_std_var,
    "aten::var": export_std_var, "aten::std.correction": export_std_var,
    "aten::var.correction": export_std_var,
    "aten::one_hot": export_one_hot, "aten::linear": export_linear,
    "aten::conv_transpose1d": export_conv_transpose,
    "aten::conv_transpose2d.input": export_conv_transpose,
    "aten::conv_transpose3d.input": export_conv_transpose,
    "aten::sum": export_sum_int, "aten::sum.dim_IntList": export_sum_int,
    "aten::prod": export_prod_int, "aten::prod.dim_int": export_prod_int,
    "aten::_native_multi_head_attention": export_native_mha,
    "aten::copy": export_copy, "aten::zero": export_zero,
    "aten::norm.Scalar": export_norm, "aten::norm.ScalarOpt_dim": export_norm,
    "aten::_transformer_encoder_layer_fwd": export_encoder_layer,
    **{f"aten::_set_item.{k}": export_dict_set for k in ("str", "int", "float", "bool")},
    **{f"aten::get.{d}{k}": export_dict_get for k in ("str", "int", "float", "bool")
       for d in ("", "default_")},
    **{f"aten::__getitem__.Dict_{k}": export_dict_get for k in ("str", "int", "float", "bool")},
    **{f"aten::{op}.{k}": export_dict_view for k in ("str", "int", "float", "bool")
       for op in ("__contains__", "keys", "values", "items")},
    **{f"aten::len.Dict_{k}": export_dict_view for k in ("str", "int", "float", "bool")},
    "aten::swapaxes": export_as_transpose, "aten::swapdims": export_as_transpose,
    "aten::roll": export_roll,
    "aten::__is__": export_is, "aten::__isnot__": export_is,
    "prim::is_cpu": _known_property(True),
    **{f"prim::is_{kind}": _known_property(False) for kind in (
        "cuda", "xla", "xpu", "mps", "sparse", "mkldnn", "quantized", "meta", "nested", "vulkan",
        "ipu", "maia", "mtia")},
})  # fmt: skip
