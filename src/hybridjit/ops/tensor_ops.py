"""Tensor ops need no table: `run` calls `torch.ops.aten.<op>.<overload>`, and `emit` binds
the fastest Python callable with the same meaning — a Tensor method (`x.add(y, alpha=2)`) or a
`torch.*` function — mapping schema arguments to the Python binding (positional up to the first
kwarg-only argument, the rest by keyword, trailing defaults elided). An op with no fitting
binding falls back to its `OpOverload`, which is always right but ~1 µs slower per call.
`TENSOR_EMITS` holds the few ops whose Python spelling differs (`x[:, a:b]` for `slice`).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

from hybridjit.ir import types as T
from hybridjit.ops.impl import Binder, Emit, Operand, OpImpl
from hybridjit.ops.numbering import (
    CONVERTERS,
    DTYPE_NUMBER,
    DTYPES,
    enum_converter,
    enum_table,
    to_dtype,
)
from hybridjit.ops.schema import NO_DEFAULT


def _contains_tensor(t: T.Type) -> bool:
    return isinstance(t, T.TensorType) or any(map(_contains_tensor, t.contained()))


def is_tensor_op(schema: Any) -> bool:
    """Whether a schema is about tensors (it runs through torch rather than Python)."""
    return any(_contains_tensor(a.type) for a in (*schema.arguments, *schema.returns))


def _overload_packet(schema: Any) -> Any:
    ns, _, name = schema.name.partition("::")
    return getattr(getattr(torch.ops, ns), name)


def op_overload(schema: Any) -> Any:
    """torch's `OpOverload` for a schema (correct for every op, but the slowest to call)."""
    return getattr(_overload_packet(schema), schema.overload_name or "default")


def _generic_run(schema: Any) -> Callable[..., Any]:
    op = op_overload(schema)
    args = schema.arguments
    n_pos = next((i for i, a in enumerate(args) if a.kwarg_only), len(args))
    kw_names = [a.name for a in args[n_pos:]]
    if schema.is_vararg or not kw_names:
        return op

    def run(*values: Any) -> Any:
        return op(*values[:n_pos], **dict(zip(kw_names, values[n_pos:])))

    return run


def _python_binding(schema: Any) -> tuple[str, Any] | None:
    """("method", name) or ("function", callable): a C-bound Python API for the op."""
    if schema.name.partition("::")[0] != "aten" or schema.is_vararg or schema.is_varret:
        return None
    name = schema.name.partition("::")[2]
    args = schema.arguments
    # Tensor methods take no `out=`: an out variant binds the torch function.
    is_out = any(a.kwarg_only and a.is_write for a in args)
    if args and args[0].name == "self" and isinstance(args[0].type, T.TensorType) and not is_out:
        if _is_builtin(getattr(torch.Tensor, name, None)):
            return ("method", name)
    for module in (torch, torch._C._nn, torch._C._linalg, torch._C._special, torch._C._fft):
        fn = getattr(module, name, None)
        if _is_builtin(fn):
            # torch._C._nn & co. do not always share the schema's defaults (mse_loss's
            # `reduction`), so every argument is passed to them explicitly.
            return ("function", fn) if module is torch else ("function_all_args", fn)
    return None


def _is_builtin(fn: Any) -> bool:
    return type(fn).__name__ in ("builtin_function_or_method", "method_descriptor")


def _is_default(arg: Any, operand: Operand) -> bool:
    """Whether a constant operand equals the argument's default (so the call may omit it)."""
    default = arg.default
    if not operand.is_constant or default is NO_DEFAULT:
        return False
    value = operand.value
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return list(value) == list(default)
    return type(value) is type(default) and value == default


def _convert_src(arg: Any, operand: Operand, binder: Binder) -> str:
    """Source text for an argument, with int dtype/layout/memory-format values converted."""
    table = enum_table(arg.type)
    if table is None:
        return operand.src
    if operand.is_constant:
        obj = None if operand.value is None else table[operand.value]
        return "None" if obj is None else binder.bind(obj, str(obj).replace("torch.", ""))
    convert = binder.bind(enum_converter(table), "enum")
    return f"{convert}({operand.src})"


# Bindings whose one positional `int[]` argument also takes its elements as varargs
# (`x.view(2, 3)`): torch's argument parser reads those ~0.7 µs faster than a list.
_VARARGS_SIZE = frozenset({"aten::view", "aten::reshape", "aten::permute", "aten::expand",
                           "aten::repeat", "aten::ones", "aten::zeros", "aten::flip"})  # fmt: skip


def _varargs_size(schema: Any, positional: list[tuple[Any, Operand]]) -> str | None:
    """The elements of the sole positional int-list argument, when they may go as varargs."""
    if schema.name not in _VARARGS_SIZE or len(positional) != 1:
        return None
    arg, operand = positional[0]
    if not (isinstance(arg.type, T.ListType) and arg.type.elem == T.IntType):
        return None
    if operand.elements is not None:
        items = operand.elements
    elif operand.is_constant and isinstance(operand.value, (list, tuple)):
        items = tuple(_int_src(v) for v in operand.value)
    else:
        return None
    return ", ".join(items) if items else None


def _int_src(v: Any) -> str:
    return f"({v!r})" if v < 0 else repr(v)


def _call_args(schema: Any, ops: Sequence[Operand], binder: Binder, skip: int,
               elide_defaults: bool = True) -> str:  # fmt: skip
    """`a, b, name=c`: schema arguments as the Python binding takes them."""
    args = list(zip(schema.arguments, ops))[skip:]
    is_default = _is_default if elide_defaults else lambda a, o: False
    positional = [(a, o) for a, o in args if not a.kwarg_only]
    varargs = _varargs_size(schema, positional)
    while positional and is_default(*positional[-1]):
        positional.pop()
    keyword = [(a, o) for a, o in args if a.kwarg_only and not is_default(a, o)]
    parts = [_convert_src(a, o, binder) for a, o in positional]
    if varargs is not None and positional:
        parts = [varargs]
    parts += [f"{a.name}={_convert_src(a, o, binder)}" for a, o in keyword]
    return ", ".join(parts)


def _returns_list(schema: Any) -> bool:
    return len(schema.returns) == 1 and isinstance(schema.returns[0].type, T.ListType)


def _tensor_emit(schema: Any, as_list: bool = True) -> Emit:
    binding = _python_binding(schema)
    if binding is None:
        return _overload_emit(schema)
    kind, target = binding
    wrap = "list({})" if as_list and _returns_list(schema) else "{}"

    def emit(ops: Sequence[Operand], binder: Binder) -> str:
        if kind == "method":
            return wrap.format(f"{ops[0].src}.{target}({_call_args(schema, ops, binder, 1)})")
        fn = binder.bind(target, target.__name__)
        elide = kind != "function_all_args"
        return wrap.format(f"{fn}({_call_args(schema, ops, binder, 0, elide)})")

    return emit


def _overload_emit(schema: Any) -> Emit:
    op = op_overload(schema)
    args = schema.arguments
    n_pos = next((i for i, a in enumerate(args) if a.kwarg_only), len(args))

    def emit(ops: Sequence[Operand], binder: Binder) -> str:
        name = binder.bind(op, schema.name.partition("::")[2] + "_op")
        parts = [o.src for o in ops[:n_pos]]
        parts += [f"{a.name}={o.src}" for a, o in zip(args[n_pos:], ops[n_pos:])]
        return f"{name}({', '.join(parts)})"

    return emit


_TO_KWARGS = frozenset({"dtype", "device", "non_blocking", "copy", "memory_format"})


def _to_emit(schema: Any) -> Emit:
    """`aten::to.*` → `x.to(dtype=..., ...)`: Python's `to` takes these by keyword."""
    names = {a.name for a in schema.arguments[1:]}
    if not names <= _TO_KWARGS | {"other"}:
        return _overload_emit(schema)

    def emit(ops: Sequence[Operand], binder: Binder) -> str:
        parts = []
        for a, o in zip(schema.arguments[1:], ops[1:]):
            if a.name == "other":
                parts.insert(0, o.src)
            elif not (_is_default(a, o) or (o.is_constant and o.value is None)):
                src = _convert_src(a, o, binder) if a.name != "dtype" else _dtype_src(o, binder)
                parts.append(f"{a.name}={src}")
        return f"{ops[0].src}.to({', '.join(parts)})"

    return emit


def _dtype_src(o: Operand, binder: Binder) -> str:
    if o.is_constant:
        dt = DTYPES[o.value]
        return binder.bind(dt, str(dt).replace("torch.", ""))
    return f"{binder.bind(to_dtype, 'to_dtype')}({o.src})"


def _slice_emit(ops: Sequence[Operand], binder: Binder) -> str:
    """`aten::slice.Tensor(x, dim, start, end, step)` → `x[:, start:end:step]`."""
    x, dim, start, end, step = (*ops, *[Operand("None", None)] * (5 - len(ops)))[:5]
    bounds = ":".join(
        "" if o.is_constant and o.value in (None, 9223372036854775807) else o.src
        for o in (start, end)
    )
    if not (step.is_constant and step.value in (1, None)):
        bounds += f":{step.src}"
    if dim.is_constant and isinstance(dim.value, int) and dim.value >= 0:
        return f"{x.src}[{':, ' * dim.value}{bounds}]"
    return (
        f"{binder.bind(torch.ops.aten.slice.Tensor, 'slice_op')}({', '.join(o.src for o in ops)})"
    )


def _select_emit(ops: Sequence[Operand], binder: Binder) -> str:
    """`aten::select.int(x, dim, i)` with a constant dim → `x[:, i]` (Python's fast path)."""
    x, dim, index = ops
    if dim.is_constant and type(dim.value) is int and dim.value >= 0:
        return f"{x.src}[{':, ' * dim.value}{index.src}]"
    return f"{x.src}.select({dim.src}, {index.src})"


# Ops whose Python spelling is not the generic binding, keyed by name or overload.
TENSOR_EMITS: dict[str, Callable[[Any], Emit]] = {
    "aten::to": _to_emit,
    "aten::slice": lambda schema: _slice_emit,
    "aten::select.int": lambda schema: _select_emit,
}


def tensor_impl(schema: Any) -> OpImpl:
    make_emit = TENSOR_EMITS.get(schema.qualified_overload) or TENSOR_EMITS.get(
        schema.name, _tensor_emit
    )
    iter_emit = None
    if make_emit is _tensor_emit and _returns_list(schema) and _python_binding(schema):
        iter_emit = _tensor_emit(schema, as_list=False)
    return OpImpl(_tensor_run(schema), make_emit(schema), iter_emit=iter_emit)


def _tensor_run(schema: Any) -> Callable[..., Any]:
    # An OpOverload cannot take values for type variables (`t[] data`); the Python binding can.
    generic = any(_contains_var(a.type) for a in schema.arguments)
    run = _binding_run(schema) if generic else None
    run = run or _generic_run(schema)
    if len(schema.returns) == 1 and schema.returns[0].type == T.ScalarTypeType:
        return lambda *a: DTYPE_NUMBER[run(*a)]
    return run


def _contains_var(t: T.Type) -> bool:
    return isinstance(t, T.VarType) or any(map(_contains_var, t.contained()))


def _binding_run(schema: Any) -> Callable[..., Any] | None:
    """A run function calling the op's Python binding (as codegen would)."""
    binding = _python_binding(schema)
    if binding is None:
        return None
    kind, target = binding
    fn = getattr(torch.Tensor, target) if kind == "method" else target
    args = schema.arguments
    n_pos = next((i for i, a in enumerate(args) if a.kwarg_only), len(args))
    tables = [enum_table(a.type) for a in args]

    def run(*values: Any) -> Any:
        values = tuple(CONVERTERS[id(t)](v) if t else v for t, v in zip(tables, values))
        return fn(*values[:n_pos], **{a.name: v for a, v in zip(args[n_pos:], values[n_pos:])})

    return run


def generic_impl(schema: Any) -> OpImpl:
    """An op no table knows: its `OpOverload`, in both executors."""
    return OpImpl(_generic_run(schema), _overload_emit(schema))
