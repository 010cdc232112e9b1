"""`hybridjit.script(cls)` (see `classes.py`), `super()` in methods, and dataclasses.

- `super().name(...)` inside a method defined by class `K` calls the next definition of
  `name` after `K` in the object's MRO, compiled for the object's class (`ClassInfo.base_method`);
  `super().__init__()` reaching `object` does nothing.
- A `@dataclasses.dataclass` is built by the fields the decorator declares, not by its
  generated `__init__` (which has no source): positional and keyword arguments, defaults,
  `field(default_factory=list | dict | <a function>)`, then `__post_init__`. A frozen
  dataclass's fields are set directly (`prim::SetAttr` on objects is `object.__setattr__`);
  assigning one later raises `dataclasses.FrozenInstanceError`, as the dataclass does.
  Its generated `__repr__` is what `print`/`str` show (a loaded archive's stand-in class
  rebuilds it from the saved field names, and `==` too).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from hybridjit.frontend.script.classes import ClassInfo, _call_method, _info_of, script_class
from hybridjit.frontend.script.sugared import SimpleValue, SugaredValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value

__all__ = ["SuperForm", "dataclass_init", "object_eq", "script_class"]


class SuperForm(SugaredValue):
    """The name `super` inside a method defined by `owner` (a class in `info.cls`'s MRO)."""

    def __init__(self, info: ClassInfo, owner: type, self_name: str | None) -> None:
        self.info, self.owner, self.self_name = info, owner, self_name

    def describe(self) -> str:
        return "super"

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        if args or kwargs:
            c.fail("expected 'super()' without arguments, found arguments; write super()")
        obj = c.env.lookup(self.self_name) if self.self_name else None
        if obj is None:
            c.fail("expected super() inside a method with a 'self' parameter")
        return _Super(obj.value(c), self.info, self.owner)


class _Super(SugaredValue):
    def __init__(self, obj: Value, info: ClassInfo, owner: type) -> None:
        self.obj, self.info, self.owner = obj, info, owner

    def describe(self) -> str:
        return f"super() of {self.owner.__qualname__}"

    def attr(self, c: C, name: str) -> SugaredValue:
        return _SuperMethod(self, name)


class _SuperMethod(SugaredValue):
    def __init__(self, sup: _Super, name: str) -> None:
        self.sup, self.name = sup, name

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        sup = self.sup
        sf = sup.info.base_method(sup.owner, self.name)
        if sf is None:
            if self.name == "__init__" and not args and not kwargs:
                return SimpleValue(c.const(None))  # object.__init__
            c.fail(f"expected a method '{self.name}' in a base class of {sup.owner.__qualname__}")
        return SimpleValue(_call_method(c, sup.obj, sup.info, self.name, args, kwargs, sf))


def dataclass_init(c: C, info: ClassInfo, obj: Value, args: list[SugaredValue],
                   kwargs: dict[str, SugaredValue]) -> None:  # fmt: skip
    """The dataclass's generated `__init__`, then its `__post_init__`."""
    fields = [f for f in dataclasses.fields(info.cls) if f.init]
    if len(args) > len(fields):
        c.fail(f"expected at most {len(fields)} arguments to {info.cls.__name__}(), "
               f"found {len(args)}")  # fmt: skip
    unknown = set(kwargs) - {f.name for f in fields}
    if unknown:
        c.fail(f"expected fields of {info.cls.__name__} as keywords, found '{sorted(unknown)[0]}'")
    for i, f in enumerate(fields):
        t = info.type.attributes[f.name]
        if i < len(args):
            v = args[i].value(c)
        elif f.name in kwargs:
            v = kwargs[f.name].value(c)
        else:
            v = _default(c, info, f, t)
        v = c.convert_to(v, t, f"field '{f.name}'")
        c.emit("prim::SetAttr", [obj, v], [], {"name": f.name})
    if "__post_init__" in info.methods:
        _call_method(c, obj, info, "__post_init__", [], {})


def _default(c: C, info: ClassInfo, f: dataclasses.Field, t: T.Type) -> Value:
    if f.default is not dataclasses.MISSING:
        return c.resolve_python(f.default).value(c)
    factory: Any = f.default_factory
    if factory is dataclasses.MISSING:
        c.fail(f"expected a value for field '{f.name}' of {info.cls.__name__}")
    if factory is list and isinstance(t, T.ListType):
        return c.emit("prim::ListConstruct", [], [t]).output
    if factory is dict and isinstance(t, T.DictType):
        return c.emit("prim::DictConstruct", [], [t]).output
    return c.call_python(factory, [], {}).value(c)


def object_eq(c: C, a: Value, b: Value, negate: bool) -> Value:
    """`a == b` on script class objects: a user `__eq__`, a dataclass's field-by-field
    comparison (what its generated `__eq__` does), else identity (`object.__eq__`)."""
    info = _info_of(c, a)
    user_eq = info.cls.__dict__.get("__eq__")
    if a.type != b.type:
        result = c.const(False)
    elif dataclasses.is_dataclass(info.cls) and info.cls.__dataclass_params__.eq and (  # type: ignore[attr-defined]
            user_eq is None or not hasattr(user_eq, "__code__") or "__create_fn__" in user_eq.__qualname__
            or user_eq.__code__.co_filename == "<string>"):  # fmt: skip
        result = c.const(True)
        for f in dataclasses.fields(info.cls):
            if not f.compare:
                continue
            t = info.type.attributes[f.name]
            fa = c.emit("prim::GetAttr", [a], [t], {"name": f.name}).output
            fb = c.emit("prim::GetAttr", [b], [t], {"name": f.name}).output
            same = c.call_builtin_values("aten::eq", [fa, fb], {})
            result = c.call_builtin_values("aten::__and__", [result, same], {})
    elif user_eq is not None:
        result = _call_method(c, a, info, "__eq__", [SimpleValue(b)], {})
    else:
        result = c.call_builtin_values("aten::__is__", [a, b], {})
    if negate:
        result = c.call_builtin_values("aten::__not__", [result], {})
    return result
