"""ONNX export rules of the `prim::` ops: `PRIM_EXPORT[kind](ctx, node)`.

Each rule uses only the `ExportContext` methods (no onnx imports), so it can move to the op's
home in `hybridjit.ops` unchanged.

* `prim::If` -> ONNX `If` (a condition known at export time lowers only the taken block).
* `prim::Loop(max, cond, carried...)` -> ONNX `Loop(M, cond, carried...)`; the body takes
  `(iteration, cond, carried...)` and returns `(cond, carried...)`.  A `while` loop (max =
  2**63-1) passes no `M`.  Never unrolled.
* Lists and tuples of known length stay `Items` until something needs one ONNX value:
  then tensor lists become sequences and number lists int64/double 1-D tensors.
* `prim::RaiseException` sets the scope's error code (see `context`).
"""

from __future__ import annotations

from typing import Any, Callable

from hybridjit.export.onnx.values import Const, Items
from hybridjit.ir import types as T

INT64_MAX = 9223372036854775807


def elem_kind(t: Any) -> str:
    if isinstance(t, T.TensorType):
        return "tensor"
    if t == T.IntType:
        return "int"
    if t == T.FloatType:
        return "float"
    if t == T.BoolType:
        return "bool"
    return "any"


def export_Constant(ctx: Any, node: Any) -> None:  # noqa: N802
    from hybridjit.export.onnx._hj import constant_value

    out = node.output
    if isinstance(out.type, T.FunctionType):
        ctx.bind(out, Const(None))
        return
    ctx.bind(out, Const(constant_value(node)))


def export_If(ctx: Any, node: Any) -> None:  # noqa: N802
    cond = node.inputs[0]
    if ctx.is_static(cond):
        block = node.blocks[0] if ctx.static(cond) else node.blocks[1]
        outs = ctx.lower_block(block)
        if outs is not None:
            for v, b in zip(node.outputs, outs):
                ctx.bind(v, b)
        return
    c = ctx.cast(ctx.value(cond), ctx.scalar_dtype("bool"))
    # lower a block that always raises after the other, so placeholders can copy its types
    branches = [None, None]
    order = sorted(range(2), key=lambda i: _always_raises(node.blocks[i]))
    for i in order:
        branches[i] = ctx.branch(node.blocks[i], "then" if i == 0 else "else")
    results = ctx.emit_if(c, branches, len(node.outputs))
    for v, r in zip(node.outputs, results):
        ctx.bind(v, r)


def _always_raises(block: Any) -> bool:
    return any(n.kind == "prim::RaiseException" for n in block.nodes)


def _may_raise(block: Any) -> bool:
    return any(n.kind == "prim::RaiseException" for n in block.all_nodes())


def export_Loop(ctx: Any, node: Any) -> None:  # noqa: N802
    max_trip, cond0, *carried = node.inputs
    body = node.blocks[0]
    if ctx.is_static(max_trip) and ctx.static(max_trip) >= INT64_MAX:
        m = None
    else:
        m = ctx.cast(ctx.value(max_trip), ctx.scalar_dtype("int"))
    c0 = ctx.cast(ctx.value(cond0), ctx.scalar_dtype("bool"))
    init = [ctx.value(v) for v in carried]
    raises = _may_raise(body)
    with ctx.new_scope("loop_body") as scope:
        it = ctx.graph_input(dtype=ctx.scalar_dtype("int"), rank=0, name="iter")
        ctx.graph_input(dtype=ctx.scalar_dtype("bool"), rank=0, name="cond")
        ins = [ctx.graph_input(like=v, name="carried") for v in init]
        if raises:
            ctx.graph_input(dtype=ctx.scalar_dtype("int"), rank=0, name="err")
        ctx.bind(body.inputs[0], it)
        for v, x in zip(body.inputs[1:], ins):
            ctx.bind(v, x)
        outs = ctx.lower_block(body)
        if outs is None:  # the body always raises: stop after the first iteration
            cond_out = ctx.const(False)
            outs_v = [ctx.placeholder(x) for x in ins]
        else:
            cond_out = ctx.cast(ctx.materialize(outs[0]), ctx.scalar_dtype("bool"))
            outs_v = [ctx.materialize(b) for b in outs[1:]]
        for x, y, v in zip(ins, outs_v, carried):
            if ctx.dtype(x) != ctx.dtype(y) or (x.type != y.type):
                raise ctx.error(f"the loop-carried value %{v.debug_name} changes type inside the "
                                f"loop ({x.type} -> {y.type}); an ONNX Loop needs one type",
                                hint="convert it to its final dtype before the loop")  # fmt: skip
            if ctx.rank(x) != ctx.rank(y):
                x.shape = None
        if raises:
            err = scope.err if scope.err is not None else ctx.const(0)
            ok = ctx.op("Equal", [err, ctx.const(0)])[0]
            cond_out = ctx.op("And", [cond_out, ok])[0]
            outs_v.append(err)
        graph_outs = [ctx._own(cond_out)] + [ctx._own(v) for v in outs_v]
        scope.graph.outputs.extend(graph_outs)
    loop_inputs = [m, c0, *init] + ([ctx.const(0)] if raises else [])
    results = ctx.op("Loop", loop_inputs, {"body": scope.graph}, n=len(init) + (1 if raises else 0))
    for r, x in zip(results, ins + ([None] if raises else [])):
        if x is not None:
            ctx.set_type(r, like=x)
            if x.shape is None:
                r.shape = None
        else:
            ctx.set_type(r, dtype=ctx.scalar_dtype("int"), rank=0)
    if raises:
        ctx.err = results[-1]
        results = results[:-1]
    for v, r in zip(node.outputs, results):
        ctx.bind(v, r)


def export_RaiseException(ctx: Any, node: Any) -> None:  # noqa: N802
    msg_v = node.inputs[0]
    cls = (
        ctx.static(node.inputs[1])
        if len(node.inputs) > 1 and ctx.is_static(node.inputs[1])
        else None
    )
    msg = ctx.static(msg_v) if ctx.is_static(msg_v) else None
    ctx.raise_here(cls, msg)


def export_ListConstruct(ctx: Any, node: Any) -> None:  # noqa: N802
    t = node.output.type
    elem = elem_kind(t.elem) if isinstance(t, T.ListType) else "any"
    ctx.bind(node.output, Items([ctx.binding(v) for v in node.inputs], "list", elem))


def export_TupleConstruct(ctx: Any, node: Any) -> None:  # noqa: N802
    ctx.bind(node.output, Items([ctx.binding(v) for v in node.inputs], "tuple"))


def _unpack(ctx: Any, node: Any) -> None:
    items = ctx.items(node.inputs[0])
    if items is None:
        seq = ctx.value(node.inputs[0])
        if not ctx.is_sequence(seq):
            raise ctx.error("unpacking a value of unknown length")
        for i, out in enumerate(node.outputs):
            ctx.bind(out, ctx.op("SequenceAt", [seq, ctx.const(i)])[0])
        return
    if len(items) != len(node.outputs):
        raise ctx.error(f"unpacking {len(items)} values into {len(node.outputs)}")
    for out, b in zip(node.outputs, items):
        ctx.bind(out, b)


def export_TupleIndex(ctx: Any, node: Any) -> None:  # noqa: N802
    items = ctx.items(node.inputs[0])
    ctx.bind(node.output, items[ctx.static(node.inputs[1], "the tuple index")])


def export_NumToTensor(ctx: Any, node: Any) -> None:  # noqa: N802
    # a Python number is already a 0-d tensor of TorchScript's dtype (int64 / double / bool)
    ctx.bind(node.output, ctx.value(node.inputs[0]))


def export_GetAttr(ctx: Any, node: Any) -> None:  # noqa: N802
    obj = ctx.static(node.inputs[0], "the module")
    ctx.bind(node.output, Const(getattr(obj, node["name"])))


def export_device(ctx: Any, node: Any) -> None:
    import torch

    ctx.bind(node.output, Const(torch.device("cpu")))


def export_dtype(ctx: Any, node: Any) -> None:
    from hybridjit.export.onnx._hj import dtype_number

    ctx.bind(node.output, Const(dtype_number(ctx.torch_dtype(ctx.value(node.inputs[0])))))


def export_unchecked_cast(ctx: Any, node: Any) -> None:
    ctx.bind(node.output, ctx.binding(node.inputs[0]))


def export_isinstance(ctx: Any, node: Any) -> None:
    raise ctx.error("isinstance on a value whose type is not known at export time")


def export_is_none(ctx: Any, node: Any) -> None:
    b = ctx.binding(node.inputs[0])
    is_none = isinstance(b, Const) and b.value is None
    ctx.bind(node.output, Const(is_none if node.kind.endswith("__is__") else not is_none))


PRIM_EXPORT: dict[str, Callable[[Any, Any], None]] = {
    "prim::Constant": export_Constant,
    "prim::If": export_If,
    "prim::Loop": export_Loop,
    "prim::RaiseException": export_RaiseException,
    "prim::ListConstruct": export_ListConstruct,
    "prim::TupleConstruct": export_TupleConstruct,
    "prim::ListUnpack": _unpack,
    "prim::TupleUnpack": _unpack,
    "prim::TupleIndex": export_TupleIndex,
    "prim::NumToTensor": export_NumToTensor,
    "prim::GetAttr": export_GetAttr,
    "prim::device": export_device,
    "prim::dtype": export_dtype,
    "prim::unchecked_cast": export_unchecked_cast,
}
