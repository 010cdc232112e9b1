"""aten ops through onnxscript's torchlib: the translation torch.onnx itself uses.

For a node with schema `aten::add.Tensor` the function registered under that overload is
tried first, then the one registered under the bare name.  Arguments are passed by the
schema's argument names; torchlib *attributes* need values known at export time.

torchlib assumes its inputs were type-promoted already (torch.onnx runs a promotion pass
first), so for ops torch tags `pointwise` the inputs are cast here to the dtype eager
computes in, found by running the same overload on `meta` tensors; the result is cast to
eager's result dtype when torchlib's differs.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import torch
from onnx_ir.schemas import AttributeParameter
from torch._prims_common import ELEMENTWISE_TYPE_PROMOTION_KIND, elementwise_dtypes

from hybridjit.backends.onnx import _recorder
from hybridjit.backends.onnx.values import Const, Items, torch_to_onnx_dtype
from hybridjit.ir import types as T
from hybridjit.ops.numbering import to_dtype
from hybridjit.ops.registry import op_overload

# aten arguments torchlib leaves out and that do not change the result on CPU
_IGNORABLE = {"layout", "device", "pin_memory", "memory_format", "non_blocking", "copy",
              "requires_grad", "names"}  # fmt: skip
_PROMOTED_ARGS = ("self", "other", "input", "exponent", "tensor1", "tensor2", "end", "start",
                  "min", "max", "value")  # fmt: skip


def _is_number_type(t: Any) -> bool:
    return t in (T.IntType, T.FloatType, T.BoolType, T.NumberType) or (
        isinstance(t, T.OptionalType) and _is_number_type(t.elem))  # fmt: skip


def export_with_torchlib(ctx: Any, node: Any) -> None:
    schema = node.schema
    key = schema.qualified_overload if hasattr(schema, "qualified_overload") else node.kind
    fns = _candidates(key, schema)
    if not fns:
        raise ctx.error(f"{key} has no ONNX translation (neither torchlib nor hybridjit has one)",
                        hint="rewrite this line with other torch ops, or keep it out of the "
                        "exported function (@hybridjit.ignore code runs only in Python)")  # fmt: skip
    expected = _eager_result(ctx, node)
    bindings = [ctx.binding(v) for v in node.inputs]
    if expected is not None:
        bindings = _promote(ctx, node, bindings, expected)
    last: Exception | None = None
    for fn in fns:
        try:
            outs = _call(ctx, node, fn, bindings)
            break
        except Exception as e:  # torchlib rejected these argument types
            last = e
    else:
        raise ctx.error(f"{key}: torchlib's translation failed ({type(last).__name__}: {last})",
                        hint="check the argument dtypes, or rewrite with other ops")  # fmt: skip
    outs = [o for o in outs]
    returns = schema.returns
    if len(returns) == 1 and isinstance(returns[0].type, T.ListType):
        outs = (
            [Items(list(outs), "list", "tensor")]
            if len(outs) != 1 or not ctx.is_sequence(outs[0])
            else outs
        )
    if expected is not None and len(outs) == 1 and hasattr(outs[0], "type"):
        want = ctx.onnx_dtype(expected)
        if ctx.dtype(outs[0]) is not None and ctx.dtype(outs[0]) != want:
            outs = [ctx.cast(outs[0], want)]
    if len(outs) != len(node.outputs):
        raise ctx.error(
            f"{key}: torchlib's translation gives {len(outs)} result(s) where the op "
            f"has {len(node.outputs)}",
            hint="rewrite this line with other torch ops",
        )
    metas = None
    for i, (v, o) in enumerate(zip(node.outputs, outs)):
        if isinstance(o, Items) or not isinstance(v.type, T.TensorType):
            ctx.bind(v, o)
            continue
        if o.type is None or o.shape is None:
            # onnx could not infer it: eager's dtype and rank, from meta tensors
            metas = metas if metas is not None else _meta_outputs(ctx, node)
            m = metas[i] if metas is not None and i < len(metas) else None
            if not isinstance(m, torch.Tensor):
                if o.type is None:
                    raise ctx.error(f"{key}: torchlib gave a result of unknown type")
            else:
                ctx.set_type(o, dtype=ctx.onnx_dtype(m.dtype) if o.type is None else None,
                             rank=m.dim())  # fmt: skip
        ctx.bind(v, o)


# Python operator spellings of aten ops torchlib registers under their plain names
_ALIASES = {"aten::__and__": "aten::bitwise_and", "aten::__or__": "aten::bitwise_or",
            "aten::__xor__": "aten::bitwise_xor", "aten::__invert__": "aten::bitwise_not",
            "aten::__lshift__": "aten::bitwise_left_shift",
            "aten::__rshift__": "aten::bitwise_right_shift"}  # fmt: skip


_RENAMED = {"input": "self"}


class _Unsupported(Exception):
    pass


def _candidates(key: str, schema: Any) -> list[Any]:
    """torchlib functions to try: the overload's own, then `.Tensor` for `.Scalar`, then the name's."""
    keys = [key]
    alias = _ALIASES.get(schema.name)
    if alias is not None:
        keys.append(f"{alias}.{schema.overload_name}" if schema.overload_name else alias)
        keys.append(alias)
    if schema.overload_name.endswith("_hacked_twin"):  # the tracer's spelling of index.Tensor
        keys.append(f"{schema.name}.{schema.overload_name[: -len('_hacked_twin')]}")
    if schema.overload_name.startswith("Scalar"):
        keys.append(f"{schema.name}.Tensor{schema.overload_name[6:]}")
    keys.append(schema.name)
    fns: list[Any] = []
    for k in keys:
        for fn in _recorder.torchlib_functions(k):
            if fn not in fns:
                fns.append(fn)
    return fns


def _call(ctx: Any, node: Any, fn: Any, bindings: list[Any]) -> list[Any]:
    sig = _recorder.signature(fn)
    params = {p.name: p for p in sig.params}
    kwargs: dict[str, Any] = {}

    for arg, _v, b in zip(node.schema.arguments, node.inputs, bindings):
        # torchlib's `min_` for `min`, `self` for the `input` of `upsample_*.vec`
        p = params.get(arg.name) or params.get(arg.name + "_") or params.get(_RENAMED.get(arg.name, ""))
        if p is None:
            if isinstance(b, Const) and (b.value is None or arg.name in _IGNORABLE
                                         or (arg.has_default() and b.value == arg.default)):  # fmt: skip
                continue
            if arg.name in _IGNORABLE:
                continue
            raise _Unsupported(f"torchlib's {fn.name} has no argument {arg.name!r}")
        if isinstance(p, AttributeParameter):
            if not isinstance(b, (Const, Items)) or not _static(b):
                raise _Unsupported(
                    f"argument {arg.name!r} must be known at export time "
                    f"(torchlib's {fn.name} takes it as an ONNX attribute)"
                )
            value = _attr_value(arg, _static_value(b))
            if value is None:
                continue
            kwargs[p.name] = value
        else:
            kwargs[p.name] = _input_value(ctx, arg, b, p)
    # parameters go positionally in torchlib's order (its first one is often called `self`)
    args: list[Any] = []
    order = list(sig.params)
    last = max((i for i, p in enumerate(order) if p.name in kwargs), default=-1)
    for p in order[: last + 1]:
        if p.name in kwargs:
            args.append(kwargs.pop(p.name))
        elif p.has_default():
            args.append(p.default)
        else:
            args.append(None)
    outs, nodes, functions = _recorder.call_torchlib(fn, args, kwargs, ctx.opset)
    for n in nodes:
        ctx.append(n)
    ctx.functions.update(functions)
    return outs


def _static(b: Any) -> bool:
    if isinstance(b, Const):
        return True
    return isinstance(b, Items) and all(_static(x) for x in b.items)


def _static_value(b: Any) -> Any:
    if isinstance(b, Const):
        return b.value
    return [_static_value(x) for x in b.items]


def _attr_value(arg: Any, value: Any) -> Any:
    if value is None:
        return None
    t = arg.type.elem if isinstance(arg.type, T.OptionalType) else arg.type
    if t == T.ScalarTypeType or arg.name == "dtype":
        return int(torch_to_onnx_dtype(to_dtype(value)))
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _is_int_list(t: Any) -> bool:
    t = t.elem if isinstance(t, T.OptionalType) else t
    return isinstance(t, T.ListType) and t.elem in (
        T.IntType,
        T.SymIntType if hasattr(T, "SymIntType") else T.IntType,
    )


def _input_value(ctx: Any, arg: Any, b: Any, param: Any) -> Any:
    if _is_int_list(arg.type) and not (isinstance(b, Const) and b.value is None):
        # torchlib takes int lists as Python lists of ints and int64 scalars
        import onnx_ir as ir

        seq_param = any(isinstance(t, ir.SequenceType) for t in param.type_constraint.allowed_types)
        if isinstance(b, Items):
            return [x.value if isinstance(x, Const) else ctx.materialize(x) for x in b.items]
        if isinstance(b, Const):
            v = b.value
            return [v] if isinstance(v, int) else list(v)
        return [b] if seq_param else b
    if isinstance(b, Const):
        v = b.value
        if v is None:
            return None
        if isinstance(v, torch.Tensor):
            return ctx.const(v)
        if isinstance(v, (bool, int, float)):
            return v  # the recorder gives it the dtype of the tensor it meets
        if isinstance(v, (list, tuple)) and all(isinstance(x, (bool, int, float)) for x in v):
            return list(v)
        if isinstance(v, (list, tuple)) and v and all(isinstance(x, torch.Tensor) for x in v):
            return [ctx.const(x) for x in v]  # a module's list of weights (`_flat_weights`)
        if isinstance(v, str):
            return v
        if isinstance(v, torch.dtype):
            raise _Unsupported("dtype as an input")
        raise _Unsupported(f"a {type(v).__name__} input")
    if isinstance(b, Items):
        if b.elem == "tensor" or (isinstance(arg.type, T.ListType) and
                                  isinstance(arg.type.elem, (T.TensorType, T.OptionalType))):  # fmt: skip
            return [ctx.materialize(x) for x in b.items]
        return ctx.materialize(b)
    return b


# -- type promotion ------------------------------------------------------------------------


def _eager_result(ctx: Any, node: Any) -> torch.dtype | None:
    """eager's result dtype for a pointwise op, from running it on meta tensors."""

    try:
        overload = op_overload(node.schema)
    except Exception:
        return None
    promotes = torch.Tag.pointwise in overload.tags or node.schema.name in _PROMOTING
    if not promotes or len(node.schema.returns) != 1:
        return None
    if not isinstance(node.schema.returns[0].type, T.TensorType):
        return None
    out = _run_on_meta(ctx, overload, node.inputs[: len(node.schema.arguments)])
    return out.dtype if isinstance(out, torch.Tensor) else None


_NO_META = object()
# not tagged pointwise, but type-promoting like the pointwise ops (where(c, int_x, 0.5) is float)
_PROMOTING = {"aten::where"}


def _meta_outputs(ctx: Any, node: Any) -> list[Any] | None:
    """The op run on meta tensors with every dim 1 and run-time ints 1: eager's dtype/rank."""

    try:
        overload = op_overload(node.schema)
    except Exception:
        return None
    out = _run_on_meta(ctx, overload, node.inputs, sample_lists=True)
    if out is None:
        return None
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _run_on_meta(ctx: Any, overload: Any, inputs: Sequence[Any], sample_lists: bool = False
                 ) -> Any:  # fmt: skip
    """`overload` applied to meta stand-ins of `inputs`; None when that cannot be done."""
    args = []
    for v in inputs:
        m = _meta(ctx, v, sample_lists=sample_lists)
        if m is _NO_META:
            return None
        args.append(m)
    pos, kwargs = [], {}
    try:
        spec = overload._schema.arguments
    except Exception:
        spec = []
    for i, m in enumerate(args):
        if i < len(spec) and spec[i].kwarg_only:  # `*, dtype=None`: not positional
            kwargs[spec[i].name] = m
        else:
            pos.append(m)
    try:
        return overload(*pos, **kwargs)
    except Exception:
        return None


def _meta(ctx: Any, v: Any, sample_lists: bool = False) -> Any:
    b = ctx.binding(v)
    if sample_lists and isinstance(b, Items):
        out = []
        for x in b.items:
            if isinstance(x, Const):
                out.append(x.value)
            elif isinstance(x, Items) or ctx.is_sequence(x):
                return _NO_META
            elif b.elem == "tensor":
                td = ctx.torch_dtype(x)
                if td is None:
                    return _NO_META
                out.append(torch.empty([1] * (ctx.rank(x) or 0), dtype=td, device="meta"))
            else:
                out.append(1.5 if b.elem == "float" else 1)
        return out
    if isinstance(b, Const):
        val = b.value
        if isinstance(val, torch.Tensor):
            return torch.empty(val.shape, dtype=val.dtype, device="meta")
        return val
    if isinstance(b, Items):
        return _NO_META
    if ctx.is_sequence(b):
        return _NO_META
    td = ctx.torch_dtype(b)
    if td is None:
        return _NO_META
    if _is_number_type(v.type):  # a Python number
        return {torch.float64: 1.5, torch.int64: 1, torch.bool: True}.get(td, 1.5)
    if sample_lists and isinstance(v.type, T.ListType):
        return _NO_META
    rank = ctx.rank(b)
    if rank is None and sample_lists:
        return _NO_META  # a made-up rank would give the result a made-up rank
    return torch.empty([1] * (1 if rank is None else rank), dtype=td, device="meta")


def _promote(ctx: Any, node: Any, bindings: list[Any], expected: torch.dtype) -> list[Any]:
    metas, idx = [], []
    for i, (arg, v) in enumerate(zip(node.schema.arguments, node.inputs)):
        if arg.name not in _PROMOTED_ARGS:
            continue
        m = _meta(ctx, v)
        if m is _NO_META or m is None or isinstance(m, (str, torch.device)):
            continue
        metas.append(m)
        idx.append(i)
    if not metas:
        return bindings
    try:
        common = metas[0] if isinstance(metas[0], torch.Tensor) else torch.tensor(metas[0])
        rt = common.dtype if len(metas) == 1 else _result_type(metas)
    except Exception:
        return bindings
    target = rt if expected == torch.bool else expected
    out = list(bindings)
    for i in idx:
        b = bindings[i]
        if isinstance(b, Const):
            if isinstance(b.value, torch.Tensor):
                out[i] = Const(b.value.to(target))
            elif isinstance(b.value, (bool, int, float)):
                # stays an export-time number (torchlib may take it as an attribute); the
                # recorder gives it the dtype of the (promoted) tensor it meets
                py = bool if target == torch.bool else float if target.is_floating_point else int
                out[i] = Const(py(b.value)) if py is not float or math.isfinite(b.value) \
                    else Const(b.value)  # fmt: skip
            else:
                out[i] = ctx.const(b.value, ctx.onnx_dtype(target))
        else:
            out[i] = ctx.cast(b, ctx.onnx_dtype(target))
    return out


def _result_type(metas: list[Any]) -> torch.dtype:
    tensors = [m for m in metas if isinstance(m, torch.Tensor)]
    scalars = [m for m in metas if not isinstance(m, torch.Tensor)]
    if not tensors:
        return torch.result_type(torch.tensor(scalars[0]), scalars[1]) if len(scalars) > 1 \
            else torch.tensor(scalars[0]).dtype  # fmt: skip

    dt, _ = elementwise_dtypes(*metas, type_promotion_kind=ELEMENTWISE_TYPE_PROMOTION_KIND.DEFAULT)
    return dt
