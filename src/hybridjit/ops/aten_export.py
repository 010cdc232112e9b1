"""The ONNX export rules of aten overloads, keyed by overload: `ATEN_EXPORT["aten::add.int"]`.

A rule is `rule(ctx, node)`: it binds the node's outputs through the exporter's context
(`export/onnx/context.py`), never importing onnx itself. Tensor ops not listed here are
translated by onnxscript's torchlib (`export/onnx/torchlib_rules.py`).
Listed are TorchScript's Python-number ops (`aten::add.int`, `aten::eq.int_float`, …), the
tensor <-> number conversions, sizes, list ops and dtype conversions.  Rules use only
`ExportContext` methods.

Python numbers are 0-d tensors: int -> int64, float -> double, bool -> bool; int/float
mixes compute in double, as Python does.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from hybridjit.ir import types as T
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


def _compare(onnx_op: str, negate: bool = False) -> Rule:
    def rule(ctx: Any, node: Any) -> None:
        x, y, _ = _operands(ctx, node)
        out = ctx.op(onnx_op, [x, y])[0]
        ctx.bind(node.output, ctx.op("Not", [out])[0] if negate else out)

    return rule


def export_floordiv(ctx: Any, node: Any) -> None:
    x, y, kind = _operands(ctx, node)
    if kind == "float":
        out = ctx.op("Floor", [ctx.op("Div", [x, y])[0]])[0]
    else:  # x = y*q + r with r of y's sign (Python's %), so q = (x - r) / y exactly
        r = ctx.op("Mod", [x, y], {"fmod": 0})[0]
        out = ctx.op("Div", [ctx.op("Sub", [x, r])[0], y])[0]
    ctx.bind(node.output, out)


def export_remainder(ctx: Any, node: Any) -> None:
    x, y, kind = _operands(ctx, node)
    if kind == "float":
        q = ctx.op("Floor", [ctx.op("Div", [x, y])[0]])[0]
        out = ctx.op("Sub", [x, ctx.op("Mul", [q, y])[0]])[0]
    else:
        out = ctx.op("Mod", [x, y], {"fmod": 0})[0]
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
            x = ctx.op("Reshape", [x, ctx.const([], ctx.scalar_dtype("int"))])[0]
        ctx.bind(node.output, ctx.cast(x, ctx.scalar_dtype(kind)))

    return rule


def export_item(ctx: Any, node: Any) -> None:
    x = ctx.value(node.inputs[0])
    x = ctx.op("Reshape", [x, ctx.const([], ctx.scalar_dtype("int"))])[0]
    td = ctx.torch_dtype(x)
    kind = "bool" if td is not None and td.is_floating_point is False and str(td) == "torch.bool" \
        else "float" if td is not None and td.is_floating_point else "int"  # fmt: skip
    ctx.bind(node.output, ctx.cast(x, ctx.scalar_dtype(kind)))


def export_size_int(ctx: Any, node: Any) -> None:
    x = ctx.value(node.inputs[0])
    dim = ctx.static(node.inputs[1], "the dimension")
    rank = ctx.rank(x)
    if rank is not None and dim < 0:
        dim += rank
    ctx.bind(node.output, _dim(ctx, x, dim))


def _dim(ctx: Any, x: Any, dim: int) -> Any:
    attrs = {"start": dim} if dim == -1 else {"start": dim, "end": dim + 1}
    s = ctx.op("Shape", [x], attrs)[0]
    return ctx.op("Reshape", [s, ctx.const([], ctx.scalar_dtype("int"))])[0]


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
    x = ctx.value(lst)
    i = ctx.cast(ctx.value(idx), ctx.scalar_dtype("int"))
    if ctx.is_sequence(x):
        ctx.bind(node.output, ctx.op("SequenceAt", [x, i])[0])
    else:
        ctx.bind(node.output, ctx.op("Gather", [x, i], {"axis": 0})[0])


def export_append(ctx: Any, node: Any) -> None:
    b = ctx.known_list(node.inputs[0])
    if b is None or not ctx.owns(b):
        raise ctx.error("appending to a list created outside this `if`/loop (list mutation "
                        "inside control flow)", hint="collect the values with a loop-carried "
                        "tensor and torch.cat, or build the list outside the loop")  # fmt: skip
    b.items.append(ctx.binding(node.inputs[1]))
    ctx.bind(node.output, b)


def export_list(ctx: Any, node: Any) -> None:
    b = ctx.known_list(node.inputs[0])
    if b is not None:
        ctx.bind_items(node.output, list(b.items), "list", b.elem)
    else:
        ctx.bind(node.output, ctx.binding(node.inputs[0]))


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
    ctx.bind(node.output, ctx.op("Gather", [x, i], {"axis": dim})[0])


_SCALAR_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "min": "Min", "max": "Max"}
_SCALAR_COMPARE = {"eq": ("Equal", False), "ne": ("Equal", True), "lt": ("Less", False),
                   "gt": ("Greater", False), "le": ("LessOrEqual", False),
                   "ge": ("GreaterOrEqual", False)}  # fmt: skip
_NUM_OVERLOADS = ("int", "float", "int_float", "float_int", "", "Scalar_Scalar", "bool")


def _key(name: str, overload: str) -> str:
    return f"aten::{name}.{overload}" if overload else f"aten::{name}"


for _ov in _NUM_OVERLOADS:
    for _name, _op in _SCALAR_BINARY.items():
        ATEN_EXPORT[_key(_name, _ov)] = _binary(_op)
    for _name, (_op, _neg) in _SCALAR_COMPARE.items():
        ATEN_EXPORT[_key(_name, _ov)] = _compare(_op, _neg)
    ATEN_EXPORT[_key("div", _ov)] = _binary("Div", force_float=True)
    ATEN_EXPORT[_key("floordiv", _ov)] = export_floordiv
    ATEN_EXPORT[_key("remainder", _ov)] = export_remainder
    ATEN_EXPORT[_key("__and__", _ov)] = _binary("And")
    ATEN_EXPORT[_key("__or__", _ov)] = _binary("Or")
for _ov in ("int", "float", "Scalar", ""):
    ATEN_EXPORT[_key("neg", _ov)] = _unary("Neg")
    ATEN_EXPORT[_key("abs", _ov)] = _unary("Abs")
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
