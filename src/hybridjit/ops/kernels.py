"""How each operator runs, for both executors: one `OpImpl` per operator, found by schema.

An `OpImpl` pairs `run` — the callable the interpreter applies to a node's input values, in
schema order — with `emit`, which writes the Python expression the code generator uses for
the same node, given the inputs' source text.  Entries live in tables keyed by operator:

* `BY_OVERLOAD` (`"aten::pow.int"`): one overload, where it differs from its siblings;
* `BY_NAME` (`"aten::add"`): every non-tensor overload of an op (int, float, str, list ...),
  which all mean the Python operator (`(a + b)`, inlined by codegen: no call at all);
* `PRIMS` (`"prim::ListConstruct"`): value-level prims without attributes.

Tensor ops need no table: `run` calls `torch.ops.aten.<op>.<overload>`, and `emit` binds the
fastest Python callable with the same meaning — a Tensor method (`x.add(y, alpha=2)`) or a
`torch.*` function — mapping schema arguments to the Python binding (positional up to the first
kwarg-only argument, the rest by keyword, trailing defaults elided).  An op with no fitting
binding falls back to its `OpOverload`, which is always right but ~1 µs slower per call.

Runtime values: dtype, layout and memory-format values are ints (TorchScript numbering,
`torch.float32 == 6`), converted to torch objects where a torch callable receives them.
"""

from __future__ import annotations

import builtins
import dataclasses
import math
import operator
import string
from typing import Any, Callable, Protocol, Sequence

import torch

from hybridjit.ir import types as T

try:
    from hybridjit.ops.schema import NO_DEFAULT
except ImportError:  # the registry is not there yet
    NO_DEFAULT = object()

# ---------------------------------------------------------------------------------------------
# dtype / layout / memory format numbering (c10's ScalarType, Layout and MemoryFormat enums)

DTYPES: tuple[torch.dtype, ...] = tuple(
    getattr(torch, name, None)  # type: ignore[misc]
    for name in (
        "uint8 int8 int16 int32 int64 float16 float32 float64 complex32 complex64 complex128 bool "
        "qint8 quint8 qint32 bfloat16 quint4x2 quint2x4 bits1x8 bits2x4 bits4x2 bits8 bits16 "
        "float8_e5m2 float8_e4m3fn float8_e5m2fnuz float8_e4m3fnuz uint16 uint32 uint64 uint1 "
        "uint2 uint3 uint4 uint5 uint6 uint7 int1 int2 int3 int4 int5 int6 int7 float8_e8m0fnu "
        "float4_e2m1fn_x2"
    ).split()
)
DTYPE_NUMBER: dict[torch.dtype, int] = {d: i for i, d in enumerate(DTYPES) if d is not None}
LAYOUTS: tuple[Any, ...] = (
    torch.strided, torch.sparse_coo, torch.sparse_csr, torch._mkldnn,
    torch.sparse_csc, torch.sparse_bsr, torch.sparse_bsc, torch.jagged,
)  # fmt: skip
LAYOUT_NUMBER: dict[Any, int] = {lay: i for i, lay in enumerate(LAYOUTS)}
MEMORY_FORMATS: tuple[torch.memory_format, ...] = (
    torch.contiguous_format, torch.preserve_format, torch.channels_last, torch.channels_last_3d,
)  # fmt: skip

# Argument types whose int values become torch objects when handed to a torch callable.
_ENUM_TABLES: dict[T.Type, tuple[Any, ...]] = {
    T.ScalarTypeType: DTYPES, T.LayoutType: LAYOUTS, T.MemoryFormatType: MEMORY_FORMATS,
}  # fmt: skip


def to_dtype(v: Any) -> Any:
    """A dtype argument (an int, or already a torch.dtype, or None) as a torch.dtype."""
    return DTYPES[v] if type(v) is int else v


def dtype_number(t: torch.Tensor) -> int:
    return DTYPE_NUMBER[t.dtype]


# ---------------------------------------------------------------------------------------------
# the entry type


class Binder(Protocol):
    """What `emit` needs from the code generator: a global name for a Python object."""

    def bind(self, obj: Any, hint: str) -> str: ...


NOT_CONSTANT = object()


@dataclasses.dataclass(frozen=True)
class Operand:
    """An input as codegen sees it: its source text, and its value if it is a constant."""

    src: str
    value: Any = NOT_CONSTANT
    # The element sources of a list literal nested into this use (an inlined ListConstruct).
    elements: tuple[str, ...] | None = None

    @property
    def is_constant(self) -> bool:
        return self.value is not NOT_CONSTANT


Emit = Callable[[Sequence[Operand], Binder], str]


@dataclasses.dataclass(frozen=True)
class OpImpl:
    """How one operator runs (`run`) and what Python codegen writes for it (`emit`).

    `stmt`: `emit` gives a statement, not an expression; the node's output, if it has one,
    is its first input (`l.append(x)` returns `l`).  Expressions are atoms (calls, subscripts
    or parenthesized), so codegen may nest them as operands; `in_order` says that the
    expression evaluates its operands left to right, once each (so nesting keeps the order).
    `iter_emit`, for ops returning a list: an expression for the same elements as any
    iterable (no `list(...)` copy), for a result that is only unpacked.
    """

    run: Callable[..., Any]
    emit: Emit
    stmt: bool = False
    in_order: bool = True
    iter_emit: Emit | None = None


def _template(text: str) -> Emit:
    """An emitter from a format string over `{0}`, `{1}`, ..., `{args}` and `{rest}`."""

    def emit(ops: Sequence[Operand], binder: Binder) -> str:
        srcs = [o.src for o in ops]
        return text.format(*srcs, args=", ".join(srcs), rest=", ".join(srcs[1:]))

    return emit


def _in_order(template: str) -> bool:
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    numbers = [int(f) for f in fields if f.isdigit()]
    return numbers == sorted(set(numbers)) and not (numbers and {"args", "rest"} & set(fields))


def py(run: Callable[..., Any], template: str) -> OpImpl:
    """An op that codegen inlines as a Python expression."""
    return OpImpl(run, _template(template), in_order=_in_order(template))


def stmt(run: Callable[..., Any], template: str) -> OpImpl:
    """An op that codegen writes as a statement (its output, if any, aliases input 0)."""
    return OpImpl(run, _template(template), stmt=True)


def call(fn: Callable[..., Any], hint: str | None = None) -> OpImpl:
    """An op that codegen writes as a call of `fn`, bound as a global."""

    def emit(ops: Sequence[Operand], binder: Binder) -> str:
        name = binder.bind(fn, hint or getattr(fn, "__name__", "fn"))
        return f"{name}({', '.join(o.src for o in ops)})"

    return OpImpl(fn, emit)


# ---------------------------------------------------------------------------------------------
# helpers with TorchScript semantics


def _returning_self(method: Callable[..., Any]) -> Callable[..., Any]:
    def run(self: Any, *args: Any) -> Any:
        method(self, *args)
        return self

    return run


def _set_item(container: Any, key: Any, value: Any) -> Any:
    container[key] = value
    return container


def _delete(container: Any, key: Any) -> None:
    del container[key]


def _end(s: str, end: int) -> int:
    # TorchScript: a negative end counts from one past the last character (-1 = to the end).
    return max(0, len(s) + end + 1) if end < 0 else end


def _str_find(method: str) -> Callable[..., Any]:
    def run(s: str, sub: str, start: int = 0, end: int = -1) -> Any:
        return getattr(s, method)(sub, start, _end(s, end))

    return run


def _str_method(name: str) -> OpImpl:
    return py(getattr(str, name), f"{{0}}.{name}({{rest}})")


EXCEPTIONS: dict[str, type[BaseException]] = {
    name: obj for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, BaseException)
}  # fmt: skip


def make_exception(msg: str, cls: str | None = None) -> BaseException:
    """The exception `prim::RaiseException(msg, cls)` raises, with its Python class.

    TorchScript passes `builtins.ValueError` style names; an `assert` passes no class and a
    message starting with `AssertionError: `.
    """
    if cls is None:
        head, sep, rest = msg.partition(": ")
        if sep and head in EXCEPTIONS:
            return EXCEPTIONS[head](rest)
        return RuntimeError(msg)
    short = cls.rpartition(".")[2]
    if short in EXCEPTIONS and cls in (short, f"builtins.{short}"):
        return EXCEPTIONS[short](msg)
    return Exception(f"{cls}: {msg}")


def raise_exception(msg: str, cls: str | None = None) -> None:
    raise make_exception(msg, cls)


def num_to_tensor(x: Any) -> torch.Tensor:
    """`prim::NumToTensor`: a 0-dim tensor (int → int64, float → float64, bool → bool)."""
    return torch.scalar_tensor(x, dtype=_NUM_DTYPES[type(x)])


_NUM_DTYPES = {int: torch.int64, float: torch.float64, bool: torch.bool,
               complex: torch.complex128}  # fmt: skip


def _percent_format(fmt: str, *args: Any) -> str:
    # TorchScript passes `"%d %s" % (a, b)`'s right-hand side as one (tuple) argument.
    return fmt % (args[0] if len(args) == 1 else args)


def _emit_percent_format(ops: Sequence[Operand], binder: Binder) -> str:
    if len(ops) == 2:
        return f"({ops[0].src} % {ops[1].src})"
    return f"({ops[0].src} % {_tuple_src([o.src for o in ops[1:]])})"


def _tuple_src(items: Sequence[str]) -> str:
    return f"({', '.join(items)}{',' if len(items) == 1 else ''})"


def _tuple_index(t: tuple[Any, ...], i: int) -> Any:
    return t[i]


def _unpack(x: Any) -> tuple[Any, ...]:
    return tuple(x)


# ---------------------------------------------------------------------------------------------
# tables

_CMP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_BIN = {"add": "+", "sub": "-", "mul": "*", "div": "/", "floordiv": "//", "remainder": "%",
        "pow": "**", "__and__": "&", "__or__": "|", "__xor__": "^", "__lshift__": "<<",
        "__rshift__": ">>", "mod": "%"}  # fmt: skip
_PY_BIN = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
           "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
           "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
           "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge}  # fmt: skip

# Non-tensor overloads of these ops all mean the Python operator or function.
BY_NAME: dict[str, OpImpl] = {
    **{f"aten::{n}": py(_PY_BIN[s], f"({{0}} {s} {{1}})") for n, s in {**_BIN, **_CMP}.items()},
    "aten::neg": py(operator.neg, "(-{0})"),
    "aten::__not__": py(operator.not_, "(not {0})"),
    "aten::__is__": py(operator.is_, "({0} is {1})"),
    "aten::__isnot__": py(operator.is_not, "({0} is not {1})"),
    "aten::__contains__": py(lambda c, x: x in c, "({1} in {0})"),
    "aten::Int": py(int, "int({0})"),
    "aten::Float": py(float, "float({0})"),
    "aten::Bool": py(bool, "bool({0})"),
    "aten::Complex": py(complex, "complex({0}, {rest})"),
    "aten::str": py(str, "str({0})"),
    "aten::len": py(len, "len({0})"),
    "aten::abs": py(abs, "abs({0})"),
    "prim::abs": py(abs, "abs({0})"),
    "aten::min": py(min, "min({args})"),
    "aten::max": py(max, "max({args})"),
    "prim::min": py(min, "min({args})"),
    "prim::max": py(max, "max({args})"),
    "aten::divmod": py(divmod, "divmod({0}, {1})"),
    "aten::ord": py(ord, "ord({0})"),
    "aten::chr": py(chr, "chr({0})"),
    "aten::hex": py(hex, "hex({0})"),
    "aten::oct": py(oct, "oct({0})"),
    "aten::bin": py(bin, "bin({0})"),
    "aten::__getitem__": py(operator.getitem, "{0}[{1}]"),
    "aten::_set_item": stmt(_set_item, "{0}[{1}] = {2}"),
    "aten::Delete": stmt(_delete, "del {0}[{1}]"),
    "aten::__range_length": py(
        lambda lo, hi, step: len(range(lo, hi, step)), "len(range({0}, {1}, {2}))"
    ),  # fmt: skip
    "aten::__derive_index": py(lambda i, start, step: start + i * step, "({1} + {0} * {2})"),
    "aten::slice": py(lambda s, a=None, b=None, c=1: s[a:b:c], "{0}[{1}:{2}:{3}]"),
    "aten::list": py(list, "list({0})"),
    "aten::copy": py(lambda c: c.copy(), "{0}.copy()"),
    "aten::append": stmt(_returning_self(list.append), "{0}.append({1})"),
    "aten::extend": stmt(list.extend, "{0}.extend({1})"),
    "aten::add_": stmt(_returning_self(list.extend), "{0}.extend({1})"),
    "aten::insert": stmt(list.insert, "{0}.insert({1}, {2})"),
    "aten::pop": py(lambda c, *a: c.pop(*a), "{0}.pop({rest})"),
    "aten::remove": stmt(list.remove, "{0}.remove({1})"),
    "aten::clear": stmt(lambda c: c.clear(), "{0}.clear()"),
    "aten::reverse": stmt(list.reverse, "{0}.reverse()"),
    "aten::sort": stmt(
        lambda lst, reverse=False: lst.sort(reverse=reverse), "{0}.sort(reverse={1})"
    ),  # fmt: skip
    "aten::sorted": py(sorted, "sorted({0})"),
    "aten::count": py(lambda c, x: c.count(x), "{0}.count({1})"),
    "aten::index": py(lambda c, x: c.index(x), "{0}.index({1})"),
    "aten::sum": py(sum, "sum({0})"),
    "aten::all": py(all, "all({0})"),
    "aten::any": py(any, "any({0})"),
    "aten::keys": py(lambda d: list(d.keys()), "list({0}.keys())"),
    "aten::values": py(lambda d: list(d.values()), "list({0}.values())"),
    "aten::items": py(lambda d: list(d.items()), "list({0}.items())"),
    "aten::get": py(lambda d, *a: d.get(*a), "{0}.get({rest})"),
    "aten::setdefault": py(lambda d, k, v: d.setdefault(k, v), "{0}.setdefault({1}, {2})"),
    "aten::update": stmt(lambda d, o: d.update(o), "{0}.update({1})"),
    "aten::popitem": py(lambda d: d.popitem(), "{0}.popitem()"),
    "aten::dict": py(dict, "dict({args})"),
    "aten::format": py(lambda s, *a: s.format(*a), "{0}.format({rest})"),
    "aten::percentFormat": OpImpl(_percent_format, _emit_percent_format),
    "aten::join": py(str.join, "{0}.join({1})"),
    **{
        f"aten::{n}": _str_method(n)
        for n in (
            "upper lower strip lstrip rstrip split rsplit replace ljust rjust center zfill title "
            "swapcase capitalize isalpha isdigit isalnum isspace islower isupper istitle "
            "isdecimal isnumeric isidentifier isprintable partition rpartition splitlines "
            "expandtabs casefold"
        ).split()
    },  # fmt: skip
    **{
        f"aten::{n}": call(_str_find(n), f"str_{n}")
        for n in ("find rfind startswith endswith").split()
    },  # fmt: skip
    "prim::device": py(lambda t: t.device, "{0}.device"),
    "prim::requires_grad": py(lambda t: t.requires_grad, "{0}.requires_grad"),
    "prim::is_cuda": py(lambda t: t.is_cuda, "{0}.is_cuda"),
    "prim::data": py(lambda t: t.data, "{0}.data"),
    "prim::shape": py(lambda t: list(t.shape), "list({0}.shape)"),
    "prim::unchecked_cast": py(lambda x: x, "{0}"),
    "prim::TupleIndex": py(_tuple_index, "{0}[{1}]"),
    "prim::TupleUnpack": py(_unpack, "{0}"),
    "prim::Uninitialized": py(lambda: None, "None"),
    "prim::EnumName": py(lambda e: e.name, "{0}.name"),
    "prim::EnumValue": py(lambda e: e.value, "{0}.value"),
    "prim::RaiseException": stmt(raise_exception, ""),  # emitted by _emit_raise below
    "prim::Print": stmt(print, "print({args})"),
}


def _math(name: str, run: Callable[..., Any] | None = None) -> OpImpl:
    fn = run or getattr(math, name)

    def emit(ops: Sequence[Operand], binder: Binder) -> str:
        return f"{binder.bind(fn, name)}({', '.join(o.src for o in ops)})"

    return OpImpl(fn, emit)


BY_NAME.update({
    f"aten::{n}": _math(n) for n in (
        "sqrt exp log log10 log1p expm1 sin cos tan asin acos atan sinh cosh tanh asinh acosh "
        "atanh atan2 erf erfc gamma lgamma fabs gcd factorial isnan isinf isfinite degrees "
        "radians copysign fmod hypot trunc"
    ).split()
})  # fmt: skip
BY_NAME["aten::floor"] = _math("floor")
BY_NAME["aten::ceil"] = _math("ceil")


def _emit_raise(ops: Sequence[Operand], binder: Binder) -> str:
    return f"raise {binder.bind(make_exception, 'make_exception')}({', '.join(o.src for o in ops)})"


BY_NAME["prim::RaiseException"] = OpImpl(raise_exception, _emit_raise, stmt=True)

# Single overloads that differ from their siblings, and tensor ops with a better binding
# than the generic one.
BY_OVERLOAD: dict[str, OpImpl] = {
    "aten::count": call(_str_find("count"), "str_count"),
    "aten::index.str": call(_str_find("index"), "str_index"),
    "aten::rindex": call(_str_find("rindex"), "str_rindex"),
    "aten::pow.int": py(lambda a, b: float(a**b), "float({0} ** {1})"),
    "aten::round.float": py(lambda x: float(round(x)), "float(round({0}))"),
    "aten::round.int": py(float, "float({0})"),
    "aten::Int.Tensor": py(int, "int({0})"),
    "aten::Float.Tensor": py(float, "float({0})"),
    "aten::Bool.Tensor": py(bool, "bool({0})"),
    "aten::Complex.Tensor": py(complex, "complex({0})"),
    "aten::IntImplicit": py(int, "int({0})"),
    "aten::FloatImplicit": py(float, "float({0})"),
    "aten::ComplexImplicit": py(complex, "complex({0})"),
    "aten::ScalarImplicit": py(lambda t: t.item(), "{0}.item()"),
    "aten::len.Tensor": py(len, "len({0})"),
    "aten::size": py(lambda t: list(t.shape), "list({0}.shape)"),
    "aten::dim": py(lambda t: t.dim(), "{0}.dim()"),
    "aten::numel": py(lambda t: t.numel(), "{0}.numel()"),
    "aten::item": py(lambda t: t.item(), "{0}.item()"),
    "aten::str": py(str, "str({0})"),
    "aten::format": BY_NAME["aten::format"],
    "prim::dtype": OpImpl(dtype_number, lambda ops, b: f"{b.bind(DTYPE_NUMBER, 'dtypes')}"
                          f"[{ops[0].src}.dtype]"),  # fmt: skip
    "prim::layout": OpImpl(
        lambda t: LAYOUT_NUMBER[t.layout],
        lambda ops, b: f"{b.bind(LAYOUT_NUMBER, 'layouts')}[{ops[0].src}.layout]",
    ),
    "prim::NumToTensor": call(num_to_tensor),
    "aten::__getitem__.t": BY_NAME["aten::__getitem__"],
    "aten::__contains__.Tensor": BY_NAME["aten::__contains__"],
}  # fmt: skip

# Prims found by kind (they have no schema, or one with varargs only).
PRIMS: dict[str, OpImpl] = {
    "prim::ListConstruct": py(lambda *a: list(a), "[{args}]"),
    "prim::TupleConstruct": OpImpl(lambda *a: a, lambda ops, b: _tuple_src([o.src for o in ops])),
    "prim::ListUnpack": py(_unpack, "{0}"),
    "prim::TupleUnpack": py(_unpack, "{0}"),
    "prim::DictConstruct": OpImpl(
        lambda *a: dict(zip(a[::2], a[1::2])),
        lambda ops, b: (
            "{" + ", ".join(f"{k.src}: {v.src}" for k, v in zip(ops[::2], ops[1::2])) + "}"
        ),
    ),
    "prim::NumToTensor": BY_OVERLOAD["prim::NumToTensor"],
    "prim::Print": BY_NAME["prim::Print"],
    "prim::RaiseException": BY_NAME["prim::RaiseException"],
    "prim::Uninitialized": BY_NAME["prim::Uninitialized"],
    "prim::unchecked_cast": BY_NAME["prim::unchecked_cast"],
    "prim::TupleIndex": BY_NAME["prim::TupleIndex"],
    "prim::dtype": BY_OVERLOAD["prim::dtype"],
    "prim::device": BY_NAME["prim::device"],
    "prim::format": py(format, "format({0}, {1})"),
    "prim::int_pow": py(operator.pow, "({0} ** {1})"),
}

# Ops whose outputs are the elements of the value `run` returns.
UNPACKING = frozenset({"prim::ListUnpack", "prim::TupleUnpack"})


# ---------------------------------------------------------------------------------------------
# tensor ops: generic


def _contains_tensor(t: T.Type) -> bool:
    return isinstance(t, T.TensorType) or any(map(_contains_tensor, t.contained()))


def is_tensor_op(schema: Any) -> bool:
    """Whether a schema is about tensors (it runs through torch rather than Python)."""
    return any(_contains_tensor(a.type) for a in (*schema.arguments, *schema.returns))


def _enum_table(t: T.Type) -> tuple[Any, ...] | None:
    if isinstance(t, T.OptionalType):
        t = t.elem
    return _ENUM_TABLES.get(t)


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
    if args and args[0].name == "self" and isinstance(args[0].type, T.TensorType):
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
    table = _enum_table(arg.type)
    if table is None:
        return operand.src
    if operand.is_constant:
        obj = None if operand.value is None else table[operand.value]
        return "None" if obj is None else binder.bind(obj, str(obj).replace("torch.", ""))
    convert = binder.bind(_enum_converter(table), "enum")
    return f"{convert}({operand.src})"


def _enum_converter(table: tuple[Any, ...]) -> Callable[[Any], Any]:
    return _CONVERTERS[id(table)]


def _make_converter(table: tuple[Any, ...]) -> Callable[[Any], Any]:
    def convert(v: Any) -> Any:
        return table[v] if type(v) is int else v

    return convert


_CONVERTERS = {id(t): _make_converter(t) for t in _ENUM_TABLES.values()}


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


_TENSOR_EMITS: dict[str, Callable[[Any], Emit]] = {
    "aten::to": _to_emit,
    "aten::slice": lambda schema: _slice_emit,
}


def _select_emit(ops: Sequence[Operand], binder: Binder) -> str:
    """`aten::select.int(x, dim, i)` with a constant dim → `x[:, i]` (Python's fast path)."""
    x, dim, index = ops
    if dim.is_constant and type(dim.value) is int and dim.value >= 0:
        return f"{x.src}[{':, ' * dim.value}{index.src}]"
    return f"{x.src}.select({dim.src}, {index.src})"


_TENSOR_EMITS: dict[str, Callable[[Any], Emit]] = {
    **_TENSOR_EMITS,
    "aten::select.int": lambda schema: _select_emit,
}


def _tensor_impl(schema: Any) -> OpImpl:
    make_emit = _TENSOR_EMITS.get(schema.qualified_overload) or _TENSOR_EMITS.get(
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
    tables = [_enum_table(a.type) for a in args]

    def run(*values: Any) -> Any:
        values = tuple(_CONVERTERS[id(t)](v) if t else v for t, v in zip(tables, values))
        return fn(*values[:n_pos], **{a.name: v for a, v in zip(args[n_pos:], values[n_pos:])})

    return run


def _generic_impl(schema: Any) -> OpImpl:
    """An op no table knows: its `OpOverload`, in both executors."""
    return OpImpl(_generic_run(schema), _overload_emit(schema))


# ---------------------------------------------------------------------------------------------
# lookup

_CACHE: dict[str, OpImpl] = {}
_BY_ID: dict[int, tuple[Any, OpImpl]] = {}  # id(schema) -> (schema kept alive, its impl)


def impl_for(schema_or_kind: Any) -> OpImpl:
    """The `OpImpl` of a schema (an `ops.schema.Schema`) or of a schema-less prim kind."""
    if isinstance(schema_or_kind, str):
        impl = PRIMS.get(schema_or_kind) or BY_NAME.get(schema_or_kind)
        if impl is None:
            raise KeyError(f"no kernel for {schema_or_kind}")
        return impl
    hit = _BY_ID.get(id(schema_or_kind))
    if hit is not None and hit[0] is schema_or_kind:
        return hit[1]
    key = str(schema_or_kind)
    impl = _CACHE.get(key)
    if impl is None:
        impl = _CACHE[key] = _lookup(schema_or_kind)
    _BY_ID[id(schema_or_kind)] = (schema_or_kind, impl)
    return impl


def _lookup(schema: Any) -> OpImpl:
    qualified = schema.name + (f".{schema.overload_name}" if schema.overload_name else "")
    if qualified in BY_OVERLOAD:
        return BY_OVERLOAD[qualified]
    if schema.name in BY_OVERLOAD and not schema.overload_name:
        return BY_OVERLOAD[schema.name]
    tensor = is_tensor_op(schema)
    if (not tensor or schema.name.startswith("prim::")) and schema.name in BY_NAME:
        return BY_NAME[schema.name]
    if tensor:
        return _tensor_impl(schema)
    return _generic_impl(schema)


def kernel_for(schema_or_kind: Any) -> Callable[..., Any]:
    """A Python callable running the op on positional values in schema order."""
    return impl_for(schema_or_kind).run


def impl_for_node(node: Any) -> OpImpl:
    """The `OpImpl` running `node`: by kind for schema-less prims, else by its schema."""
    impl = PRIMS.get(node.kind)
    if impl is not None:
        return impl
    if node.schema is None:
        from hybridjit.errors import Error

        raise Error(f"no schema for {node.kind} (node {node!r}); cannot run it")
    return impl_for(node.schema)


def add_context(error: BaseException, node: Any) -> None:
    """Note on `error` which node raised it (the exception keeps its type and message)."""
    where = f"  # {node.source_range}" if node.source_range is not None else ""
    if hasattr(error, "add_note"):
        error.add_note(f"while executing {node!r}{where}")


def constant_value(node: Any) -> Any:
    """The runtime value of a `prim::Constant` node, normalized by its output type."""
    out_type = node.output.type
    if isinstance(out_type, T.FunctionType):
        return out_type.callee
    value = node.attributes.get("value")
    convert = _CONSTANT_CONVERSIONS.get(out_type)
    return value if convert is None or value is None else convert(value)


_CONSTANT_CONVERSIONS: dict[T.Type, Callable[[Any], Any]] = {
    T.BoolType: bool,
    T.DeviceType: lambda v: v if isinstance(v, torch.device) else torch.device(v),
    T.FloatType: float,
}


def callee_of(node: Any) -> Callable[..., Any]:
    """The function a `prim::CallFunction` node calls: the callee on its input's type."""
    callee = getattr(node.inputs[0].type, "callee", None)
    if callee is None:
        from hybridjit.errors import Error

        raise Error(f"prim::CallFunction: the callee of {node.inputs[0]!r} is unknown")
    return callee


def isinstance_of(value: Any, types: Sequence[Any]) -> bool:
    """`prim::isinstance[types=[...]]`: whether `value` has one of the IR types."""
    return any(_has_type(value, t) for t in types)


_PY_TYPES: dict[T.Type, type | tuple[type, ...]] = {
    T.IntType: int, T.FloatType: float, T.BoolType: bool, T.StrType: str,
    T.ComplexType: complex, T.DeviceType: torch.device, T.NoneType: type(None),
    T.AnyListType: list, T.AnyTupleType: tuple, T.NumberType: (int, float, complex),
}  # fmt: skip


def _has_type(value: Any, t: Any) -> bool:
    if t == T.AnyType:
        return True
    if isinstance(t, T.TensorType):
        return isinstance(value, torch.Tensor)
    if isinstance(t, T.OptionalType):
        return value is None or _has_type(value, t.elem)
    if isinstance(t, T.ListType):
        return isinstance(value, list) and all(_has_type(v, t.elem) for v in value)
    if isinstance(t, T.TupleType):
        return isinstance(value, tuple) and len(value) == len(t.elems) and all(
            map(_has_type, value, t.elems))  # fmt: skip
    if isinstance(t, T.DictType):
        return isinstance(value, dict)
    if isinstance(t, T.UnionType):
        return any(_has_type(value, m) for m in t.members)
    py_type = _PY_TYPES.get(t)
    if py_type is None:
        return False
    # bool is not an int in TorchScript
    return isinstance(value, py_type) and not (py_type is int and isinstance(value, bool))
