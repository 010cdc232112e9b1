"""Value-level prims: constants, containers, casts and tensor properties.

Most are one line: what the prim means (`doc`, as Python), its arity and its `impl` (how it runs
on values, how codegen writes it). `prim::Constant` and `prim::Uninitialized` need the node
itself and carry node-level rules.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import operator
from typing import Any, Callable, Sequence

import torch

from hybridjit.ir import types as T
from hybridjit.ops.impl import Binder, Operand, OpImpl, call, py, stmt, tuple_src
from hybridjit.ops.numbering import DTYPE_NUMBER, LAYOUT_NUMBER, dtype_number
from hybridjit.ops.prims.base import VARIADIC as V
from hybridjit.ops.prims.base import Fail, Prim, compatible, expect_subtypes, register, types_str

# -- prim::Constant ---------------------------------------------------------------------------


def constant_value(node: Any) -> Any:
    """The runtime value of a `prim::Constant` node, normalized by its output type."""
    out_type = node.output.type
    if isinstance(out_type, T.FunctionType):
        return out_type.callee
    value = node.attributes.get("value")
    if is_wrapped_number(out_type) and isinstance(value, torch.Tensor):
        return value.item()  # torch promotes a Python number below every tensor operand
    convert = _CONSTANT_CONVERSIONS.get(out_type)
    return value if convert is None or value is None else convert(value)


def is_wrapped_number(t: T.Type) -> bool:
    return isinstance(t, T.TensorType) and bool(t.wrapped_number)


# The dtypes torch's argument parser gives a Python bool, int, float and complex.
WRAPPED_NUMBER_DTYPES = {bool: torch.bool, int: torch.int64, float: torch.float64,
                         complex: torch.complex128}  # fmt: skip


def wrapped_number_constant(v: bool | int | float | complex) -> tuple[torch.Tensor, T.TensorType]:
    """A Python number given for a Tensor parameter, as the value and type of its constant:
    the 0-dim tensor torch's argument parser makes of it (printed as torch.jit prints it:
    `Double(...)` for a float), marked as a wrapped number."""
    kind = next(k for k in WRAPPED_NUMBER_DTYPES if isinstance(v, k))  # bool before int
    t = torch.tensor(v, dtype=WRAPPED_NUMBER_DTYPES[kind])
    return t, dataclasses.replace(T.TensorType.of(t), wrapped_number=True)


def default_dtype_tensor(v: bool | int | float | complex) -> torch.Tensor:
    """A wrapped number as a tensor for engines without wrapped numbers (ONNX): floats of
    the default dtype, so that a float tensor operand keeps its dtype."""
    if isinstance(v, bool):
        return torch.tensor(v)
    if isinstance(v, int):
        return torch.tensor(v, dtype=torch.int64)
    return torch.tensor(v, dtype=torch.get_default_dtype() if isinstance(v, float) else None)


_CONSTANT_CONVERSIONS: dict[T.Type, Callable[[Any], Any]] = {
    T.BoolType: bool,
    T.DeviceType: lambda v: v if isinstance(v, torch.device) else torch.device(v),
    T.FloatType: float,
}


def _interpret_constant(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    env[node.output] = constant_value(node)


def _emit_constant(gen: Any, node: Any, depth: int) -> None:
    value = constant_value(node)
    gen.constants[node.output] = value
    gen.alias(node.output, literal(value) or gen.bind(value, _const_hint(value)))


def literal(value: Any) -> str | None:
    """Python source for a constant, or None when it must be bound as a global."""
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, (int, float, complex)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        text = repr(value)
        return f"({text})" if text.startswith("-") else text
    if isinstance(value, (list, tuple)):
        items = [literal(v) for v in value]
        if None in items:
            return None
        inner = ", ".join(items)  # type: ignore[arg-type]
        return f"[{inner}]" if isinstance(value, list) else tuple_src(items)  # type: ignore[arg-type]
    if isinstance(value, set):  # a display builds it in the same order (a fresh set each time)
        items = [literal(v) for v in value]
        return None if None in items else "{" + ", ".join(items) + "}" if items else "set()"  # type: ignore[arg-type]
    return None


def _const_hint(value: Any) -> str:
    return "tensor" if isinstance(value, torch.Tensor) else type(value).__name__.lower()


def _verify_constant(node: Any, fail: Fail) -> None:
    if node.inputs or len(node.outputs) != 1 or node.blocks:
        fail(node, "prim::Constant expects no inputs, no blocks and 1 output, found "
             f"{len(node.inputs)} inputs, {len(node.blocks)} blocks and "
             f"{len(node.outputs)} outputs")  # fmt: skip
    value = node.attributes.get("value")
    if not _constant_fits(value, node.output.type):
        fail(node, f"prim::Constant's value {_short(value)} is not a {node.output.type}")


def _short(value: Any) -> str:
    text = "absent (None)" if value is None else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _constant_fits(value: Any, t: T.Type) -> bool:
    """Whether a constant's `value` attribute can be a value of its output type `t` (as the
    parser reads them: ints for bools, ints for floats, strings for devices); types this
    does not know are taken as fitting."""
    if t in (T.IntType, T.FloatType, T.BoolType, T.StrType, T.DeviceType) or isinstance(
        t, (T.TensorType, T.ListType, T.TupleType)
    ):
        if value is None:
            return False
    else:
        return True
    if t == T.IntType:
        return type(value) is int
    if t == T.FloatType:
        return type(value) in (int, float)
    if t == T.BoolType:
        return type(value) is bool or (type(value) is int and value in (0, 1))
    if t == T.StrType:
        return isinstance(value, str)
    if t == T.DeviceType:
        try:
            torch.device(value)
        except (RuntimeError, TypeError, ValueError):
            return False
        return True
    if isinstance(t, T.TensorType):  # a tensor, or the parser's stand-in for `<Tensor>`
        return not isinstance(value, (bool, int, float, complex, str, list, tuple, dict))
    if isinstance(t, T.ListType):
        return isinstance(value, (list, tuple)) and all(_constant_fits(v, t.elem) for v in value)
    return isinstance(value, (list, tuple)) and len(value) == len(t.elems) and all(
        _constant_fits(v, e) for v, e in zip(value, t.elems)
    )


def _export_constant(ctx: Any, node: Any) -> None:
    out = node.output
    if isinstance(out.type, T.FunctionType):
        ctx.bind(out, None)
    elif is_wrapped_number(out.type):
        ctx.bind(out, default_dtype_tensor(constant_value(node)))
    else:
        ctx.bind(out, constant_value(node))


register(Prim("prim::Constant", "a constant; `value` attribute absent means None", n_inputs=0,
              attributes=("value",), interpret=_interpret_constant, emit=_emit_constant,
              verify=_verify_constant, export=_export_constant))  # fmt: skip


# -- prim::Uninitialized ----------------------------------------------------------------------


def _emit_uninitialized(gen: Any, node: Any, depth: int) -> None:
    gen.constants[node.output] = None
    gen.alias(node.output, "None")


def _export_uninitialized(ctx: Any, node: Any) -> None:
    """A run-time stand-in of the value's type (never read: it only fills a carried slot or
    an `if` output on the paths that returned or raised).  Not an export-time constant, so
    nothing folds on its made-up value.  A tensor has no stand-in of its own type: it stays
    unset, and an `if` that outputs it on a raising path copies the other branch's type."""
    zero = {T.IntType: 0, T.FloatType: 0.0, T.BoolType: False}

    def stand_in(t: Any) -> Any:
        if isinstance(t, T.TupleType):  # one stand-in per element (tuples travel flattened)
            items = [stand_in(e) for e in t.elems]
            if any(x is None for x in items):
                return None
            ctx.bind_items(node.output, items, "tuple")
            return ctx.binding(node.output)
        if t not in zero:
            return None
        return ctx.op("Identity", [ctx.const(zero[t])])[0]

    made = stand_in(node.output.type)
    if made is None:  # an error only where it is read (`bind_unset`)
        ctx.bind_unset(node.output, f"prim::Uninitialized of type {node.output.type} (an early "
                       "`return`/`break` carrying a value other than numbers)",
                       "give the variable a value before the loop or `if`")  # fmt: skip
    else:
        ctx.bind(node.output, made)


register(Prim("prim::Uninitialized", "a placeholder for a value that is never read (after raise)",
              n_inputs=0, impl=py(lambda: None, "None"), emit=_emit_uninitialized,
              export=_export_uninitialized))  # fmt: skip


# -- containers -------------------------------------------------------------------------------


def _unpack(x: Any) -> tuple[Any, ...]:
    return tuple(x)


# NamedTuple classes by their IR type's name (`__torch__.mod.Pt`): registered by the frontend
# for the user's classes; a type with no class (loaded from an archive) gets a namedtuple of its
# fields, made once.
NAMED_TUPLE_CLASSES: dict[tuple[str, tuple[str, ...]], type] = {}


def register_named_tuple(name: str, fields: tuple[str, ...], cls: type) -> None:
    NAMED_TUPLE_CLASSES[(name, tuple(fields))] = cls


def named_tuple_class(name: str, fields: tuple[str, ...]) -> type:
    key = (name, tuple(fields))
    cls = NAMED_TUPLE_CLASSES.get(key)
    if cls is None:
        short = name.rsplit(".", 1)[-1]
        cls = NAMED_TUPLE_CLASSES[key] = collections.namedtuple(  # type: ignore[misc]
            short if short.isidentifier() else "NamedTuple", fields, rename=True
        )  # fmt: skip
    return cls


_NAMED_TUPLE_IMPLS: dict[Any, OpImpl | None] = {}


def named_tuple_impl(t: Any) -> OpImpl | None:
    """How `prim::TupleConstruct` builds a tuple of type `t` when `t` is a NamedTuple (an
    instance of its class, as eager and torch.jit give); None for a plain tuple."""
    if getattr(t, "field_names", None) is None:
        return None
    if t not in _NAMED_TUPLE_IMPLS:
        _NAMED_TUPLE_IMPLS[t] = _named_tuple_impl(t)
    return _NAMED_TUPLE_IMPLS[t]


def _named_tuple_impl(t: Any) -> OpImpl:
    cls = named_tuple_class(t.name or "NamedTuple", t.field_names)

    def emit(ops: Sequence[Operand], binder: Binder) -> str:
        return f"{binder.bind(cls, cls.__name__)}({', '.join(o.src for o in ops)})"

    return OpImpl(cls, emit)


def _emit_tuple(ops: Sequence[Operand], binder: Binder) -> str:
    return tuple_src([o.src for o in ops])


def _emit_dict(ops: Sequence[Operand], binder: Binder) -> str:
    return "{" + ", ".join(f"{k.src}: {v.src}" for k, v in zip(ops[::2], ops[1::2])) + "}"


def _verify_list_construct(node: Any, fail: Fail) -> None:
    if len(node.outputs) != 1 or not isinstance(node.outputs[0].type, T.ListType):
        fail(node, f"prim::ListConstruct expects 1 list output, found {types_str(node.outputs)}")
    elem = node.outputs[0].type.elem
    expect_subtypes(node, fail, "list elements", node.inputs, [elem] * len(node.inputs))


def _verify_tuple_construct(node: Any, fail: Fail) -> None:
    if len(node.outputs) != 1 or not isinstance(node.outputs[0].type, T.TupleType):
        fail(node, f"prim::TupleConstruct expects 1 tuple output, found {types_str(node.outputs)}")
    elems = list(node.outputs[0].type.elems)
    expect_subtypes(node, fail, "tuple elements", node.inputs, elems)


def _verify_tuple_unpack(node: Any, fail: Fail) -> None:
    if len(node.inputs) != 1 or not isinstance(node.inputs[0].type, T.TupleType):
        fail(node, f"prim::TupleUnpack expects 1 tuple input, found {types_str(node.inputs)}")
    elems = node.inputs[0].type.elems
    if len(elems) != len(node.outputs):
        fail(node, f"prim::TupleUnpack of a {len(elems)}-tuple expects {len(elems)} outputs, "
             f"found {len(node.outputs)}")  # fmt: skip


def _verify_list_unpack(node: Any, fail: Fail) -> None:
    if len(node.inputs) != 1 or not isinstance(node.inputs[0].type, T.ListType):
        fail(node, f"prim::ListUnpack expects 1 list input, found {types_str(node.inputs)}")
    elem = node.inputs[0].type.elem
    for v in node.outputs:
        if not compatible(elem, v.type):
            fail(node, f"prim::ListUnpack of a {node.inputs[0].type} gives {elem} elements, "
                 f"found an output of type {v.type}")  # fmt: skip


def _verify_tuple_index(node: Any, fail: Fail) -> None:
    tup = node.inputs[0].type
    if not isinstance(tup, (T.TupleType, T.VarTupleType)) or node.inputs[1].type != T.IntType:
        fail(node, f"prim::TupleIndex expects (tuple, int), found {types_str(node.inputs)}")
    elems = tup.elems if isinstance(tup, T.TupleType) else (tup.elem,)
    if not any(compatible(e, node.output.type) for e in elems):
        fail(node, f"prim::TupleIndex of a {tup} cannot give a {node.output.type}")


def _verify_tuple_slice(node: Any, fail: Fail) -> None:
    tup, out = node.inputs[0].type, node.output.type
    if isinstance(tup, T.VarTupleType) and isinstance(out, (T.TupleType, T.VarTupleType)):
        return  # a slice of `Tuple[T, ...]`: the elements are checked where they are used
    if not isinstance(tup, T.TupleType) or not isinstance(out, T.TupleType):
        fail(node, f"prim::TupleSlice expects a tuple input and output, found "
             f"{types_str(node.inputs)} -> {types_str(node.outputs)}")  # fmt: skip
    beg, end = node.attributes.get("beg"), node.attributes.get("end")
    if type(beg) is not int or type(end) is not int:
        fail(node, f"prim::TupleSlice expects int beg/end attributes, found {beg!r}, {end!r}")
    elems = tup.elems[beg:end]
    if len(elems) != len(out.elems) or not all(map(compatible, elems, out.elems)):
        fail(node, f"prim::TupleSlice [{beg}:{end}] of a {tup} cannot give a {out}")


def _verify_dict_construct(node: Any, fail: Fail) -> None:
    if len(node.outputs) != 1 or not isinstance(node.output.type, T.DictType):
        fail(node, f"prim::DictConstruct expects 1 dict output, found {types_str(node.outputs)}")
    if len(node.inputs) % 2:
        fail(node, f"prim::DictConstruct expects keys and values in pairs, found "
             f"{len(node.inputs)} inputs")  # fmt: skip
    t = node.output.type
    expect_subtypes(node, fail, "dict items", node.inputs,
                    [t.key, t.value] * (len(node.inputs) // 2))  # fmt: skip


def _verify_dict_index(node: Any, fail: Fail) -> None:
    d = node.inputs[0].type
    if not isinstance(d, T.DictType) or not compatible(d.value, node.output.type):
        fail(node, f"prim::DictIndex expects a dict whose values are {node.output.type}, "
             f"found {types_str(node.inputs)}")  # fmt: skip
    expect_subtypes(node, fail, "dict key", node.inputs[1:], [d.key])


def _verify_typed(inputs: tuple[T.Type, ...], output: T.Type) -> Callable[[Any, Fail], None]:
    """A prim of fixed input and output types (`prim::StringIndex`: (str, int) -> str)."""

    def verify(node: Any, fail: Fail) -> None:
        expect_subtypes(node, fail, node.kind, node.inputs, inputs)
        if len(node.outputs) != 1 or not compatible(output, node.output.type):
            fail(node, f"{node.kind} gives a {output}, found outputs {types_str(node.outputs)}")

    return verify


def _export_list(ctx: Any, node: Any) -> None:
    t = node.output.type
    elem = _elem_kind(t.elem) if isinstance(t, T.ListType) else "any"
    ctx.bind_items(node.output, [ctx.binding(v) for v in node.inputs], "list", elem)


def _elem_kind(t: T.Type) -> str:
    """What an exported list holds: tensors (an ONNX sequence) or numbers (a 1-D tensor)."""
    if isinstance(t, T.TensorType):
        return "tensor"
    return {T.IntType: "int", T.FloatType: "float", T.BoolType: "bool"}.get(t, "any")


def _export_dict(ctx: Any, node: Any) -> None:
    """A dict with keys known at export (values may be run-time tensors): see `Entries`."""
    keys = [ctx.static(k, "a dict key") for k in node.inputs[::2]]
    values = [ctx.binding(v) for v in node.inputs[1::2]]
    ctx.bind_entries(node.output, dict(zip(keys, values)))


def _export_dict_index(ctx: Any, node: Any) -> None:
    ctx.bind(node.output, ctx.dict_item(node.inputs[0], node.inputs[1]))


def _export_tuple(ctx: Any, node: Any) -> None:
    ctx.bind_items(node.output, [ctx.binding(v) for v in node.inputs], "tuple")


def _export_unpack(ctx: Any, node: Any) -> None:
    items = ctx.items(node.inputs[0])
    if items is None:
        # a run-time list: its length must be the number of targets (else ValueError, as
        # Python); the elements are read from the list padded/clamped so nothing fails
        x = ctx.value(node.inputs[0])
        if ctx.rank(x) is not None and ctx.rank(x) != 1 and not ctx.is_sequence(x):
            raise ctx.error("unpacking a value of unknown length")
        k = len(node.outputs)
        seq = ctx.is_sequence(x)
        n = ctx.op("SequenceLength", [x])[0] if seq else ctx.dim_size(x, 0)
        ok = ctx.op("Equal", [n, ctx.const(k)])[0]
        last = ctx.op("Max", [ctx.op("Sub", [n, ctx.const(1)])[0], ctx.const(0)])[0]

        def read() -> list[Any]:
            at = [ctx.op("Min", [ctx.const(i), last])[0] for i in range(k)]
            return [ctx.op("SequenceAt", [x, j])[0] if seq else
                    ctx.op("Gather", [x, j], {"axis": 0})[0] for j in at]  # fmt: skip

        outs = ctx.checked(ok, "builtins.ValueError", None, read, safe=read)
        for out, v in zip(node.outputs, outs):
            ctx.bind(out, v)
        return
    if len(items) != len(node.outputs):
        raise ctx.error(f"unpacking {len(items)} values into {len(node.outputs)}")
    for out, b in zip(node.outputs, items):
        ctx.bind(out, b)


def _export_tuple_index(ctx: Any, node: Any) -> None:
    items = ctx.items(node.inputs[0])
    ctx.bind(node.output, items[ctx.static(node.inputs[1], "the tuple index")])


def _interpret_tuple_slice(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    env[node.output] = env[node.inputs[0]][node["beg"] : node["end"]]


def _emit_tuple_slice(gen: Any, node: Any, depth: int) -> None:
    beg, end = int(node["beg"]), int(node["end"])
    gen.line(depth, f"{gen.local(node.output)} = {gen.src(node.inputs[0])}[{beg}:{end}]", node)


register(
    Prim(
        "prim::ListConstruct",
        "[*inputs] with the output's list type",
        impl=py(lambda *a: list(a), "[{args}]"),
        verify=_verify_list_construct,
        export=_export_list,
    )
)
register(
    Prim(
        "prim::ListUnpack",
        "the elements of a list of known length",
        n_outputs=V,
        n_inputs=1,
        unpacks=True,
        impl=py(_unpack, "{0}"),
        verify=_verify_list_unpack,
        export=_export_unpack,
    )
)
register(
    Prim(
        "prim::TupleConstruct",
        "(*inputs), a tuple or NamedTuple per the output type",
        impl=OpImpl(lambda *a: a, _emit_tuple),
        verify=_verify_tuple_construct,
        export=_export_tuple,
        node_impl=lambda node: named_tuple_impl(node.output.type),
    )
)
register(
    Prim(
        "prim::TupleUnpack",
        "the elements of a tuple",
        n_outputs=V,
        n_inputs=1,
        unpacks=True,
        impl=py(_unpack, "{0}"),
        verify=_verify_tuple_unpack,
        export=_export_unpack,
    )
)
register(
    Prim(
        "prim::TupleIndex",
        "tup[i] for a constant or dynamic index",
        n_inputs=2,
        impl=py(operator.getitem, "{0}[{1}]"),
        verify=_verify_tuple_index,
        export=_export_tuple_index,
    )
)
register(
    Prim(
        "prim::TupleSlice",
        "tup[beg:end]",
        n_inputs=1,
        attributes=("beg", "end"),
        interpret=_interpret_tuple_slice,
        emit=_emit_tuple_slice,
        verify=_verify_tuple_slice,
    )
)
register(
    Prim(
        "prim::DictConstruct",
        "{k0: v0, k1: v1, ...} from alternating keys and values",
        impl=OpImpl(lambda *a: dict(zip(a[::2], a[1::2])), _emit_dict),
        verify=_verify_dict_construct,
        export=_export_dict,
    )
)
register(Prim("prim::DictIndex", "d[k]", n_inputs=2, impl=py(operator.getitem, "{0}[{1}]"),
              verify=_verify_dict_index, export=_export_dict_index))  # fmt: skip
register(Prim("prim::StringIndex", "s[i]", n_inputs=2, impl=py(operator.getitem, "{0}[{1}]"),
              verify=_verify_typed((T.StrType, T.IntType), T.StrType)))  # fmt: skip
register(
    Prim(
        "prim::rangelist",
        "list(range(n))",
        n_inputs=1,
        impl=py(lambda n: list(range(n)), "list(range({0}))"),
        verify=_verify_typed((T.IntType,), T.ListType(T.IntType)),
    )
)


# -- tensors and numbers ----------------------------------------------------------------------


def num_to_tensor(x: Any) -> torch.Tensor:
    """`prim::NumToTensor`: a 0-dim tensor (int → int64, float → float64, bool → bool)."""
    return torch.scalar_tensor(x, dtype=_NUM_DTYPES[type(x)])


_NUM_DTYPES = {int: torch.int64, float: torch.float64, bool: torch.bool,
               complex: torch.complex128}  # fmt: skip


def _tolist(t: torch.Tensor, dim: int = 0, elem: int = 0) -> Any:
    """`prim::tolist(t, dim, elem)`: elem 0 int, 1 float, 2 bool; the tensor must agree with
    the list type the program annotated (TorchScript's check), or the list would lie."""
    if t.dim() != dim:
        raise RuntimeError(f"tolist(): the annotated list has {dim} dimensions, the tensor has "
                           f"{t.dim()}")  # fmt: skip
    kind = 2 if t.dtype == torch.bool else 1 if t.is_floating_point() else 0
    if kind != elem:
        names = ("int", "float", "bool")
        raise RuntimeError(f"tolist(): the annotation asks for {names[elem]} elements, the tensor "
                           f"holds {t.dtype}")  # fmt: skip
    return t.tolist()


def _emit_dtype(ops: Sequence[Operand], binder: Binder) -> str:
    return f"{binder.bind(DTYPE_NUMBER, 'dtypes')}[{ops[0].src}.dtype]"


def _emit_layout(ops: Sequence[Operand], binder: Binder) -> str:
    return f"{binder.bind(LAYOUT_NUMBER, 'layouts')}[{ops[0].src}.layout]"


def _export_same(ctx: Any, node: Any) -> None:
    """The output is the input (a cast of the IR type, a number as a 0-d tensor: exported
    Python numbers already are 0-d tensors of TorchScript's dtype, int64 / double / bool)."""
    ctx.bind(node.output, ctx.binding(node.inputs[0]))


def _export_device(ctx: Any, node: Any) -> None:
    ctx.bind(node.output, torch.device("cpu"))  # exported models run where their inputs are


def _export_layout(ctx: Any, node: Any) -> None:
    ctx.bind(node.output, LAYOUT_NUMBER[torch.strided])  # ONNX tensors are dense


def _export_dtype(ctx: Any, node: Any) -> None:
    dtype = ctx.torch_dtype(ctx.value(node.inputs[0]))
    ctx.bind(node.output, DTYPE_NUMBER[dtype])


def _export_requires_grad(ctx: Any, node: Any) -> None:
    """False: an exported model is for inputs that do not require grad (onnxruntime records
    no autograd; the onnxruntime runner sends a call with such an input to Python)."""
    ctx.bind(node.output, False)


def _export_int_pow(ctx: Any, node: Any) -> None:
    from hybridjit.ops.aten_export import export_int_pow  # the rule lives with the number ops

    export_int_pow(ctx, node)


_PRINT_IMPLS: dict[tuple[str, str], OpImpl] = {}


def _print_impl(node: Any) -> OpImpl | None:
    """`print(a, b, sep="-", end="")`: `sep`/`end` are string attributes of the node (None
    for a plain print)."""
    key = (node.attributes.get("sep", " "), node.attributes.get("end", "\n"))
    if key == (" ", "\n"):
        return None
    if key not in _PRINT_IMPLS:
        sep, end = key

        def run(*args: Any) -> None:
            print(*args, sep=sep, end=end)

        def emit(ops: Sequence[Operand], binder: Binder) -> str:
            return f"print({', '.join([*(o.src for o in ops), f'sep={sep!r}', f'end={end!r}'])})"

        _PRINT_IMPLS[key] = OpImpl(run, emit, stmt=True)
    return _PRINT_IMPLS[key]


def _property(kind: str, doc: str, attr: str | None = None) -> Prim:
    """`prim::<kind>(x)` is `x.<attr>` (the kind's own name by default)."""
    attr = attr or kind
    return Prim(f"prim::{kind}", doc, n_inputs=1,
                impl=py(operator.attrgetter(attr), f"{{0}}.{attr}"))  # fmt: skip


for _prim in (
    dataclasses.replace(_property("device", "tensor.device"), export=_export_device),
    _property("data", "tensor.data"),
    _property("grad", "tensor.grad"),
    dataclasses.replace(_property("requires_grad", "tensor.requires_grad"),
                        export=_export_requires_grad),
    _property("is_cuda", "tensor.is_cuda"),
    _property("EnumName", "enum_member.name", "name"),
    _property("EnumValue", "enum_member.value", "value"),
    Prim(
        "prim::NumToTensor",
        "torch.tensor(number) as a 0-dim tensor",
        n_inputs=1,
        impl=call(num_to_tensor),
        export=_export_same,
    ),
    Prim(
        "prim::dtype",
        "tensor.dtype as a ScalarType int",
        n_inputs=1,
        impl=OpImpl(dtype_number, _emit_dtype),
        export=_export_dtype,
    ),
    Prim(
        "prim::layout",
        "tensor.layout as an int",
        n_inputs=1,
        impl=OpImpl(lambda t: LAYOUT_NUMBER[t.layout], _emit_layout),
        export=_export_layout,
    ),
    Prim(
        "prim::shape",
        "list(tensor.shape)",
        n_inputs=1,
        impl=py(lambda t: list(t.shape), "list({0}.shape)"),
    ),
    Prim(
        "prim::tolist",
        "tensor.tolist() with the output's list type",
        n_inputs=3,
        impl=call(_tolist, "tolist"),
    ),
    Prim(
        "prim::unchecked_cast",
        "the input, with the output's (narrower) type",
        n_inputs=1,
        impl=py(lambda x: x, "{0}"),
        export=_export_same,
    ),
    Prim(
        "prim::unchecked_unwrap_optional",
        "the input of an Optional type, known not None",
        n_inputs=1,
        impl=py(lambda x: x, "{0}"),
    ),
    Prim("prim::AutogradZero", "an undefined gradient", n_inputs=0, impl=py(lambda: None, "None")),
    Prim("prim::id", "id(obj)", n_inputs=1, impl=py(id, "id({0})")),
    Prim("prim::min", "min(a, b) / min(list)", impl=py(min, "min({args})")),
    Prim("prim::max", "max(a, b) / max(list)", impl=py(max, "max({args})")),
    Prim("prim::abs", "abs(x)", n_inputs=1, impl=py(abs, "abs({0})")),
    Prim("prim::Print", "print(*inputs), with the `sep` / `end` attributes when given",
         n_outputs=0, impl=stmt(print, "print({args})"), node_impl=_print_impl),
    # hybridjit's own, beyond TorchScript:
    Prim(
        "prim::format",
        "format(value, spec): Python's formatting of one f-string field",
        n_inputs=2,
        impl=py(format, "format({0}, {1})"),
    ),
    Prim(
        "prim::int_pow",
        "a ** b of two ints, as Python: an int when b >= 0, else a float",
        n_inputs=2,
        impl=py(operator.pow, "({0} ** {1})"),
        export=_export_int_pow,
    ),
):
    register(_prim)
