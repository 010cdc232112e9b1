"""The one name-resolution table: which operator a Python callable or operator symbol means.

Both frontends use it: the script frontend to turn `torch.add(x, 1)`, `x + 1`, `len(xs)`,
`math.sqrt(f)` into operator calls, the tracer to name what it records. It follows
TorchScript's table (`torch/jit/_builtins.py` plus the globals of its IR emitter), derived by
rules rather than listed: every callable in `torch`, `torch._C._nn`, `torch._C._fft`,
`torch._C._linalg`, `torch._C._special` (and `math`/`cmath`) means the `aten::` op of the same
name when the registry has one.

    builtin_name(torch.add)          -> "aten::add"
    builtin_name(torch.Tensor.add)   -> "aten::add"
    builtin_name(math.sqrt)          -> "aten::sqrt"
    builtin_name(len)                -> "aten::len"
    binary_op_name(ast.Mod())        -> "aten::remainder"
"""

from __future__ import annotations

import ast
import cmath
import dataclasses
import functools
import inspect
import math
import operator
import types
import warnings
from typing import Any, Callable

import torch

from hybridjit.ops import registry
from hybridjit.ops.schema import Schema, parse_schema

# Modules whose callables are bound operators (TorchScript's `_modules_containing_builtins`).
# `torch._C._VariableFunctions` is `torch._VF`: its `norm` is the op torch.norm's Python wraps.
_TORCH_MODULES = ("torch", "torch._C._nn", "torch._C._fft", "torch._C._linalg",
                  "torch._C._special", "torch._C._nested", "torch._C._sparse",
                  "torch._C._VariableFunctions")  # fmt: skip

# torch.functional's Python implementations shadow the ops of the same name: TorchScript
# compiles their source instead of calling the operator.
_COMPILED_NOT_BOUND = ("stft", "istft", "lu", "cdist", "norm", "unique", "unique_consecutive",
                       "tensordot", "no_grad", "autocast")  # fmt: skip

# Python builtins TorchScript binds to operators (its IR emitter's globals).
_PY_BUILTINS: dict[Callable[..., Any], str] = {
    len: "aten::len", abs: "prim::abs", min: "prim::min", max: "prim::max",
    int: "aten::Int", float: "aten::Float", bool: "aten::Bool", complex: "aten::Complex",
    str: "aten::str", round: "aten::round", divmod: "aten::divmod", sum: "aten::sum",
    any: "aten::any", all: "aten::all", print: "prim::Print", hash: "aten::hash",
    id: "prim::id", ord: "aten::ord", chr: "aten::chr", bin: "aten::bin", hex: "aten::hex",
    oct: "aten::oct", pow: "aten::pow", sorted: "aten::sorted", warnings.warn: "aten::warn",
}  # fmt: skip

# math/cmath functions whose operator has another name.
_MATH_RENAMES = {"remainder": "aten::mathremainder", "phase": "aten::angle",
                 "rect": "aten::polar"}  # fmt: skip

# Binary operators by symbol (TorchScript's ir_emitter getNodeKind).
BINARY_OPS: dict[str, str] = {
    "+": "aten::add", "-": "aten::sub", "*": "aten::mul", "/": "aten::div",
    "//": "aten::floordiv", "%": "aten::remainder", "**": "aten::pow", "@": "aten::matmul",
    "&": "aten::__and__", "|": "aten::__or__", "^": "aten::__xor__",
    "<<": "aten::__lshift__", ">>": "aten::__rshift__",
    "==": "aten::eq", "!=": "aten::ne", "<": "aten::lt", "<=": "aten::le", ">": "aten::gt",
    ">=": "aten::ge", "is": "aten::__is__", "is not": "aten::__isnot__",
    "in": "aten::__contains__", "not in": "aten::__contains__",
}  # fmt: skip
# Binary operators whose form with a tensor operand is another operator (TorchScript lowers
# tensor `a // b` to `aten::floor_divide`).
TENSOR_BINARY_OPS: dict[str, str] = {"aten::floordiv": "aten::floor_divide"}
UNARY_OPS: dict[str, str] = {"-": "aten::neg", "~": "aten::bitwise_not", "not": "aten::__not__"}
# The method a script class defines to answer an operator on it, by the operator's builtin
# (TorchScript's magic methods); the receiver is the first argument (the container of `in`).
OPERATOR_METHODS: dict[str, str] = {
    "aten::add": "__add__", "aten::sub": "__sub__", "aten::mul": "__mul__",
    "aten::div": "__truediv__", "aten::floordiv": "__floordiv__", "aten::remainder": "__mod__",
    "aten::pow": "__pow__", "aten::matmul": "__matmul__", "aten::__and__": "__and__",
    "aten::__or__": "__or__", "aten::__xor__": "__xor__", "aten::__lshift__": "__lshift__",
    "aten::__rshift__": "__rshift__", "aten::eq": "__eq__", "aten::ne": "__ne__",
    "aten::lt": "__lt__", "aten::le": "__le__", "aten::gt": "__gt__", "aten::ge": "__ge__",
    "aten::neg": "__neg__", "aten::bitwise_not": "__invert__", "aten::__contains__": "__contains__",
    "aten::__getitem__": "__getitem__", "aten::_set_item": "__setitem__",
    "aten::Delete": "__delitem__", "aten::len": "__len__", "aten::Bool": "__bool__",
    "aten::Int": "__int__", "aten::Float": "__float__", "aten::str": "__str__",
    "aten::hash": "__hash__",
}  # fmt: skip

_AST_SYMBOLS: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
    ast.LShift: "<<", ast.RShift: ">>", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<",
    ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not",
    ast.In: "in", ast.NotIn: "not in", ast.USub: "-", ast.Invert: "~", ast.Not: "not",
}  # fmt: skip

_OPERATOR_SYMBOLS: dict[Callable[..., Any], str] = {
    operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
    operator.floordiv: "//", operator.mod: "%", operator.pow: "**", operator.matmul: "@",
    operator.and_: "&", operator.or_: "|", operator.xor: "^", operator.lshift: "<<",
    operator.rshift: ">>", operator.eq: "==", operator.ne: "!=", operator.lt: "<",
    operator.le: "<=", operator.gt: ">", operator.ge: ">=", operator.is_: "is",
    operator.is_not: "is not",
}  # fmt: skip
_OPERATOR_UNARY: dict[Callable[..., Any], str] = {
    operator.neg: "-",
    operator.invert: "~",
    operator.not_: "not",
}
_OPERATOR_OTHER: dict[Callable[..., Any], str] = {
    operator.getitem: "aten::__getitem__", operator.setitem: "aten::_set_item",
    operator.contains: "aten::__contains__", operator.abs: "prim::abs",
    operator.index: "aten::Int", operator.truth: "aten::Bool",
}  # fmt: skip

# `x.float()` and friends are `aten::to(x, dtype)` in TorchScript (dtype as ScalarType int).
TENSOR_CAST_METHODS: dict[str, torch.dtype] = {
    "byte": torch.uint8, "char": torch.int8, "double": torch.float64, "float": torch.float32,
    "cfloat": torch.complex64, "cdouble": torch.complex128, "int": torch.int32,
    "long": torch.int64, "short": torch.int16, "half": torch.float16, "bool": torch.bool,
    "bfloat16": torch.bfloat16,
}  # fmt: skip

# Tensor attributes that are operators (TorchScript's SimpleValue::attr for tensors); both
# frontends read this one table.
TENSOR_ATTRIBUTES: dict[str, str] = {
    "dtype": "prim::dtype", "device": "prim::device", "grad": "prim::grad",
    "data": "prim::data", "shape": "aten::size", "is_cuda": "prim::is_cuda",
    "is_cpu": "prim::is_cpu", "is_xla": "prim::is_xla", "is_xpu": "prim::is_xpu",
    "is_mps": "prim::is_mps", "is_sparse": "prim::is_sparse", "is_mkldnn": "prim::is_mkldnn",
    "is_quantized": "prim::is_quantized", "is_meta": "prim::is_meta",
    "is_nested": "prim::is_nested", "is_vulkan": "prim::is_vulkan", "is_ipu": "prim::is_ipu",
    "is_maia": "prim::is_maia", "is_mtia": "prim::is_mtia",
    "requires_grad": "prim::requires_grad", "layout": "prim::layout", "T": "aten::numpy_T",
    "mT": "aten::mT", "H": "aten::matrix_H", "mH": "aten::mH", "real": "aten::real",
    "imag": "aten::imag", "itemsize": "prim::itemsize", "nbytes": "prim::nbytes",
    "ndim": "aten::dim", "name": "prim::name",
}  # fmt: skip


def builtin_name(obj: Any) -> str | None:
    """The operator a Python callable means in compiled code, or None if it is not a builtin.

    Covers torch functions (`torch.relu` -> `aten::relu`), Tensor methods
    (`torch.Tensor.add` -> `aten::add`), `torch.nn.functional` (`F.gelu` -> `aten::gelu`;
    its Python wrappers only when their signature is the op's: `F.relu` -> `aten::relu`),
    `math`/`cmath` (`math.sqrt` -> `aten::sqrt`), the `operator` module and Python builtins
    (`len` -> `aten::len`, `min` -> `prim::min`, `int` -> `aten::Int`).
    """
    try:
        hit = _table().get(id(obj))
    except TypeError:
        return None
    if hit is not None and hit[0] is obj:
        return hit[1]
    if isinstance(obj, torch._ops.OpOverloadPacket):  # torch.ops.torchvision.nms
        return obj._qualified_op_name if registry.has_op(obj._qualified_op_name) else None
    if not callable(obj):
        return None
    return _module_function(obj) or _tensor_method(obj) or _functional_wrapper(obj)


def tensor_method_name(name: str) -> str | None:
    """The operator `tensor.<name>(...)` calls: `"add"` -> `aten::add` (if the op exists)."""
    op = f"aten::{name}"
    return op if registry.has_op(op) else None


def tensor_attribute_name(name: str) -> str | None:
    """The operator reading `tensor.<name>`: `"shape"` -> `aten::size`, `"dtype"` -> `prim::dtype`."""  # noqa: E501
    return TENSOR_ATTRIBUTES.get(name)


def binary_op_name(op: Any) -> str:
    """The operator of a binary operator given as an `ast` node/class, `operator` function or
    symbol: `ast.Add()`, `operator.add` or `"+"` -> `aten::add`; `%` -> `aten::remainder`.

    `in` means `aten::__contains__(container, element)`: its arguments are swapped (and
    `not in` negates it). The script frontend and the tracer both read these tables.
    """
    return BINARY_OPS[_symbol(op, _OPERATOR_SYMBOLS)]


def unary_op_name(op: Any) -> str:
    """`-x` -> `aten::neg`, `~x` -> `aten::bitwise_not`, `not x` -> `aten::__not__`."""
    return UNARY_OPS[_symbol(op, _OPERATOR_UNARY)]


def _symbol(op: Any, by_function: dict[Callable[..., Any], str]) -> str:
    if isinstance(op, str):
        return op
    if isinstance(op, ast.AST):
        op = type(op)
    if isinstance(op, type) and op in _AST_SYMBOLS:
        return _AST_SYMBOLS[op]
    if op in by_function:
        return by_function[op]
    raise KeyError(f"not an operator: {op!r}")


# ---------------------------------------------------------------------------------------------
# the table, built on first use


@functools.cache
def _table() -> dict[int, tuple[Any, str]]:
    entries: list[tuple[Any, str]] = list(_PY_BUILTINS.items())
    entries += [(fn, UNARY_OPS[s]) for fn, s in _OPERATOR_UNARY.items()]
    entries += [(fn, BINARY_OPS[s]) for fn, s in _OPERATOR_SYMBOLS.items()]
    entries += list(_OPERATOR_OTHER.items())
    # Later entries win: `operator.abs` is prim::abs although the `abs` op is aten::abs.
    return {id(fn): (fn, name) for fn, name in entries}


def _module_function(obj: Any) -> str | None:
    """`aten::<name>` for a callable found under its own name in a torch module or math."""
    name = getattr(obj, "__name__", None)
    if not isinstance(name, str) or isinstance(obj, type):
        return None
    if name in _COMPILED_NOT_BOUND and not isinstance(obj, types.BuiltinFunctionType):
        return None  # the Python function (`torch.norm`), not the op it wraps (`_VF.norm`)
    for module in (*map(_import, _TORCH_MODULES), math, cmath):
        if module is not None and getattr(module, name, None) is obj:
            renames = _MATH_RENAMES if module in (math, cmath) else {}
            op = renames.get(name) or f"aten::{_OP_RENAMES.get(name, name)}"
            return op if registry.has_op(op) else None
    return None


_OP_RENAMES = {"_segment_reduce": "segment_reduce"}


def _import(module_name: str) -> Any:
    obj: Any = torch
    for part in module_name.split(".")[1:]:
        obj = getattr(obj, part, None)
    return obj


def _tensor_method(obj: Any) -> str | None:
    name = getattr(obj, "__name__", None)
    if not isinstance(name, str) or getattr(torch.Tensor, name, None) is not obj:
        return None
    if name in TENSOR_CAST_METHODS:
        return "aten::to"
    return tensor_method_name(name)


def _functional_wrapper(obj: Any) -> str | None:
    """A Python function in torch.nn.functional whose parameters are its op's arguments."""
    if getattr(obj, "__module__", None) != "torch.nn.functional" or not inspect.isfunction(obj):
        return None
    op = f"aten::{obj.__name__}"
    if not registry.has_op(op):
        return None
    try:
        params = list(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return None
    names = ["self" if p == "input" else p for p in params if p != "inplace"]
    for schema in registry.schemas_for(op):
        if [a.name for a in schema.arguments[: len(names)]] == names:
            return op
    return None


# ---------------------------------------------------------------------------------------------
# builtin functions: TorchScript's small script-defined overloads (builtin_functions.cpp)

# A step calls `op` on earlier values: an argument name, or the index of an earlier step.
Step = tuple[str, tuple["str | int", ...]]


@dataclasses.dataclass(frozen=True)
class BuiltinFunction:
    """An overload written as a few operator calls: `1 + x` is `aten::add(x, 1)`.

    Overload resolution tries these after the operators of the same name. `result` is the
    argument name or step index whose value the function returns.
    """

    schema: Schema
    body: tuple[Step, ...]
    result: str | int


def _scalar_rhs_functions() -> list[tuple[str, tuple[Step, ...], str | int]]:
    bodies: dict[str, tuple[tuple[Step, ...], str | int]] = {
        "mul": ((("aten::mul", ("b", "a")),), 0),
        "add": ((("aten::add", ("b", "a")),), 0),
        "ne": ((("aten::ne", ("b", "a")),), 0),
        "eq": ((("aten::eq", ("b", "a")),), 0),
        "sub": ((("aten::neg", ("b",)), ("aten::add", (0, "a"))), 1),
        "div": ((("aten::reciprocal", ("b",)), ("aten::mul", (0, "a"))), 1),
    }
    return [
        (f"aten::{op}({scalar} a, Tensor b) -> Tensor", body, result)
        for scalar in ("float", "int", "complex")
        for op, (body, result) in bodies.items()
    ]


_FUNCTION_SOURCES: list[tuple[str, tuple[Step, ...], str | int]] = [
    *_scalar_rhs_functions(),
    ("aten::floordiv(Tensor self, Scalar other) -> Tensor",
     (("aten::floor_divide", ("self", "other")),), 0),
    ("aten::floordiv(Tensor self, Tensor other) -> Tensor",
     (("aten::floor_divide", ("self", "other")),), 0),
    ("aten::_single(int[1] x) -> int[]", (), "x"),
    ("aten::_pair(int[2] x) -> int[]", (), "x"),
    ("aten::_triple(int[3] x) -> int[]", (), "x"),
    ("aten::_quadruple(int[4] x) -> int[]", (), "x"),
    ("aten::ndim(Tensor a) -> int", (("aten::dim", ("a",)),), 0),
    ("aten::shape(Tensor a) -> int[]", (("aten::size", ("a",)),), 0),
    ("aten::T(Tensor a) -> Tensor", (("aten::numpy_T", ("a",)),), 0),
    ("aten::H(Tensor a) -> Tensor", (("aten::matrix_H", ("a",)),), 0),
    ("aten::device(str type) -> Device", (("aten::device", ("type",)),), 0),
]  # fmt: skip


@functools.cache
def builtin_functions_for(name: str) -> tuple[BuiltinFunction, ...]:
    """The script-defined overloads of `name` (`aten::add` has `add(int a, Tensor b)`...)."""
    # Only this name's sources are parsed: a cold first compile touches few of them.
    return tuple(
        BuiltinFunction(parse_schema(text), body, result)
        for text, body, result in _FUNCTION_SOURCES
        if text.startswith(f"{name}(")
    )
