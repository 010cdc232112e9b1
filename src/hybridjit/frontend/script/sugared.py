"""Sugared values: what a name or expression denotes before it becomes a graph `Value`.

A plain IR value is a `SimpleValue`; modules, Python functions, builtins, `range(...)`,
tuples known at compile time and the like are sugared values that know how to answer
attribute lookups, calls and iteration by emitting nodes through the compiler.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import TYPE_CHECKING, Any, Callable

from hybridjit.errors import FrontendError
from hybridjit.ir import types as T
from hybridjit.ops.registry import schemas_for

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value


class SugaredValue:
    """Base: every operation is an error unless a subclass supports it."""

    def describe(self) -> str:
        return type(self).__name__

    def attr(self, c: C, name: str) -> SugaredValue:
        c.fail(f"expected an object with attributes, found {self.describe()} (attribute '{name}')")

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        c.fail(f"expected a callable, found {self.describe()}")

    def value(self, c: C) -> Value:
        c.fail(f"expected a value, found {self.describe()}")

    def iteration(self, c: C) -> Iteration:
        c.fail(f"expected an iterable, found {self.describe()}")

    def getitem(self, c: C, index: SugaredValue) -> SugaredValue:
        return c.subscript_value(self.value(c), index)

    def static_items(self) -> list[SugaredValue] | None:
        """The elements, when they are known at compile time (for unpacking/unrolling)."""
        return None


@dataclasses.dataclass
class Iteration:
    """How a `for` loop walks an iterable: unrolled at compile time, or by index."""

    unrolled: list[SugaredValue] | None = None
    length: Value | None = None
    item: Callable[[Value], SugaredValue] | None = None
    # For `range(n)` the iteration counter itself is the item: no node needed.
    is_counter: bool = False


class SimpleValue(SugaredValue):
    """An IR value."""

    def __init__(self, v: Value) -> None:
        self.v = v

    def describe(self) -> str:
        return f"a value of type '{self.v.type}'"

    def value(self, c: C) -> Value:
        return self.v

    def attr(self, c: C, name: str) -> SugaredValue:
        return c.value_attr(self.v, name)

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        if isinstance(self.v.type, T.ClassType):  # an object with __call__
            return self.attr(c, "__call__").call(c, args, kwargs)
        return super().call(c, args, kwargs)

    def iteration(self, c: C) -> Iteration:
        return c.value_iteration(self.v)

    def static_items(self) -> list[SugaredValue] | None:
        return None


class SugaredTuple(SugaredValue):
    """A tuple whose elements are known at compile time (e.g. modules, or unpack sources)."""

    def __init__(self, items: list[SugaredValue]) -> None:
        self.items = items

    def describe(self) -> str:
        return "a tuple"

    def value(self, c: C) -> Value:
        vals = [i.value(c) for i in self.items]
        return c.emit(
            "prim::TupleConstruct", vals, [T.TupleType(tuple(v.type for v in vals))]
        ).output

    def static_items(self) -> list[SugaredValue] | None:
        return self.items

    def iteration(self, c: C) -> Iteration:
        return Iteration(unrolled=list(self.items))

    def getitem(self, c: C, index: SugaredValue) -> SugaredValue:
        i = c.static_int(index)
        if i is None:
            return super().getitem(c, index)
        return self.items[i]

    def attr(self, c: C, name: str) -> SugaredValue:
        return SimpleValue(self.value(c)).attr(c, name)


class MethodValue(SugaredValue):
    """`value.name` where `name` is a builtin method (`x.add`, `xs.append`, `d.items`)."""

    def __init__(self, self_value: Value, name: str) -> None:
        self.self_value, self.name = self_value, name

    def describe(self) -> str:
        return f"method '{self.name}' of '{self.self_value.type}'"

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return c.call_method(self.self_value, self.name, args, kwargs)


class BuiltinValue(SugaredValue):
    """An operator such as `aten::relu` (from `torch.relu`, `F.relu`, `math.sqrt`...)."""

    def __init__(self, name: str, py_obj: Any = None) -> None:
        self.name, self.py_obj = name, py_obj

    def describe(self) -> str:
        return f"builtin '{self.name}'"

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        if not inspect.isfunction(self.py_obj):
            return c.call_builtin(self.name, args, kwargs)
        # A Python function with a builtin twin (F.relu, F.elu): use its source when the
        # operator would bind the arguments differently (`F.elu(x, 1.0, inplace)` must not
        # pass `inplace` as the operator's `scale`) or does not accept them at all.
        if not _same_parameters(self.py_obj, self.name, c, args, kwargs) and \
                _SOURCE_OK.get(self.py_obj, True):  # fmt: skip
            try:
                return c.call_python(self.py_obj, args, kwargs)
            except FrontendError:
                _SOURCE_OK[self.py_obj] = False  # e.g. torch.split: only the operator works
        try:
            return c.call_builtin(self.name, args, kwargs)
        except FrontendError:
            return c.call_python(self.py_obj, args, kwargs)


_SOURCE_OK: dict[Any, bool] = {}


def _same_parameters(fn: Any, op: str, c: C, args: list[SugaredValue],
                     kwargs: dict[str, SugaredValue]) -> bool:  # fmt: skip
    """Whether the Python parameters that receive the arguments have the operator's names."""

    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return True
    used = params[: len(args)] + list(kwargs)
    used = ["self" if n == "input" else n for n in used]
    return any(
        all(n in names for n in used) and names[: len(args)] == used[: len(args)]
        for names in (
            ["self" if a.name == "input" else a.name for a in sch.arguments]
            for sch in schemas_for(op)
        )
    )


class SpecialForm(SugaredValue):
    """A builtin resolved by the compiler itself (len, range, isinstance, ...)."""

    def __init__(self, name: str, handler: Callable[..., SugaredValue]) -> None:
        self.name, self.handler = name, handler

    def describe(self) -> str:
        return f"builtin '{self.name}'"

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return self.handler(c, args, kwargs)


class PythonValue(SugaredValue):
    """A Python object from the function's globals/closure (module, function, class...)."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def describe(self) -> str:
        return f"Python value {getattr(self.obj, '__name__', type(self.obj).__name__)!r}"

    def attr(self, c: C, name: str) -> SugaredValue:
        try:
            member = getattr(self.obj, name)
        except AttributeError:
            c.fail(f"expected an attribute '{name}' of {self.describe()}, found none")
        return c.resolve_python(member)

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return c.call_python(self.obj, args, kwargs)


class RangeValue(SugaredValue):
    """`range(start, stop, step)`: iterated by counter, never materialized."""

    def __init__(self, start: Value | None, stop: Value, step: Value | None) -> None:
        self.start, self.stop, self.step = start, stop, step

    def describe(self) -> str:
        return "range"

    def iteration(self, c: C) -> Iteration:
        return c.range_iteration(self)

    def value(self, c: C) -> Value:
        return c.range_as_list(self)


class ZipValue(SugaredValue):
    def __init__(self, parts: list[SugaredValue], enumerate_start: Value | None = None) -> None:
        self.parts, self.enumerate_start = parts, enumerate_start

    def describe(self) -> str:
        return "enumerate" if self.enumerate_start is not None else "zip"

    def iteration(self, c: C) -> Iteration:
        return c.zip_iteration(self)

    def value(self, c: C) -> Value:
        return c.materialize_iterable(self)


class LambdaValue(SugaredValue):
    """A `lambda`: not a value TorchScript has, but the message callback of `torch._check`
    (a special form emits its body where the message is needed)."""

    def __init__(self, node: Any) -> None:
        self.node = node

    def describe(self) -> str:
        return "a lambda"

    def value(self, c: C) -> Value:
        c.fail("expected an expression, found a lambda (lambdas aren't supported)", self.node)

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        self.value(c)
        raise AssertionError("unreachable")


class ExceptionValue(SugaredValue):
    """An exception class, or an exception instance being built for `raise`."""

    def __init__(self, cls: type, message: Value | None = None) -> None:
        self.cls, self.message = cls, message

    def describe(self) -> str:
        return f"exception {self.cls.__name__}"

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return c.exception_instance(self.cls, args)
