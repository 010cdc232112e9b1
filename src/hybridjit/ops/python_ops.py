"""The rules of aten ops on Python values (ints, floats, strings, lists, dicts), keyed by op.

`BY_NAME` (`"aten::add"`) covers every non-tensor overload of an op, which all mean the Python
operator (`(a + b)`, inlined by codegen); `BY_OVERLOAD` (`"aten::pow.int"`) one overload where
it differs from its siblings, and tensor ops with a better binding than the generic one
(`ops.tensor_ops`). Adding an op's rule is one entry here.
"""

from __future__ import annotations

import math
import operator
import os
import sys
import warnings
from typing import Any, Callable, Sequence

from hybridjit.ops.impl import Binder, Operand, OpImpl, call, py, stmt, tuple_src

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


def _same_member(a: Any, b: Any) -> bool:
    # An enum class rebuilt by `hybridjit.load` is another class with the same members:
    # TorchScript compares enum values by their type's name and value, not identity.
    return a is b or (type(a).__name__ == type(b).__name__ and a.name == b.name
                      and a.value == b.value)  # fmt: skip


def _percent_format(fmt: str, *args: Any) -> str:
    # TorchScript passes `"%d %s" % (a, b)`'s right-hand side as one (tuple) argument.
    return fmt % (args[0] if len(args) == 1 else args)


def _emit_percent_format(ops: Sequence[Operand], binder: Binder) -> str:
    if len(ops) == 2:
        return f"({ops[0].src} % {ops[1].src})"
    return f"({ops[0].src} % {tuple_src([o.src for o in ops[1:]])})"


_HJ_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _in_script(filename: str) -> bool:
    return filename.startswith(_HJ_DIR) or filename.startswith("<hybridjit")


def _warn(message: str, stacklevel: int = 2) -> None:
    """`aten::warn`: Python's `warnings.warn`. The script function's own frames (generated
    code, the interpreter) do not count: stacklevel 1 and 2 point at the script function's
    caller, each level above that one frame further out."""
    frame, level = sys._getframe(1), 2
    while frame is not None and _in_script(frame.f_code.co_filename):
        frame, level = frame.f_back, level + 1
    for _ in range(max(stacklevel, 2) - 2):
        if frame is None or frame.f_back is None:
            break
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


def _emit_warn(ops: Sequence[Operand], binder: Binder) -> str:
    return f"{binder.bind(_warn, 'warn')}({', '.join(o.src for o in ops)})"


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
    "aten::min": py(min, "min({args})"),
    "aten::max": py(max, "max({args})"),
    "aten::divmod": py(divmod, "divmod({0}, {1})"),
    "aten::wait": py(lambda future: future.wait(), "{0}.wait()"),
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
    "aten::warn": OpImpl(_warn, _emit_warn, stmt=True),
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
    "aten::__getitem__.t": BY_NAME["aten::__getitem__"],
    "aten::__contains__.Tensor": BY_NAME["aten::__contains__"],
    "aten::eq.enum": call(_same_member, "same_member"),
    "aten::ne.enum": call(lambda a, b: not _same_member(a, b), "other_member"),
}  # fmt: skip
