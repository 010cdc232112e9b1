"""Script classes: a user class compiled to a `ClassType` with typed fields and methods.

Field types come from the class annotations or from the first assignment in `__init__`.
Objects are ordinary instances of the Python class (so `prim::GetAttr`/`prim::SetAttr` are
plain attribute accesses); construction and method calls are `prim::CallFunction`s of the
compiled `__init__`/methods, with the object as first argument.
"""

from __future__ import annotations

import inspect
import typing
from typing import TYPE_CHECKING, Any

from hybridjit.errors import FrontendError
from hybridjit.frontend.script.source import compiling, parse_def
from hybridjit.frontend.script.sugared import SimpleValue, SugaredValue
from hybridjit.frontend.script.types_from_annotations import (
    CLASS_RESOLVERS,
    AnnotationError,
    qualified_name,
    type_from_python,
)  # fmt: skip
from hybridjit.ir import types as T
from hybridjit.runtime.function import ScriptFunction

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value


class ClassInfo:
    """What the compiler knows about one script class."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.type = T.ClassType(qualified_name(cls), False)
        self.methods: dict[str, ScriptFunction] = {}
        self.compiling: set[str] = set()
        self.initialized = False

    def declared(self) -> dict[str, T.Type]:
        out = {}
        for name, ann in typing.get_type_hints(self.cls).items():
            try:
                out[name] = type_from_python(ann)
            except AnnotationError as e:
                raise FrontendError(f"expected a TorchScript type for field '{name}' of "
                                    f"{self.cls.__qualname__}, found {e}") from None  # fmt: skip
        return out

    @compiling
    def method(self, name: str) -> ScriptFunction:
        if name in self.methods:
            return self.methods[name]
        if name in self.compiling:
            raise FrontendError(
                f"recursive call to {self.cls.__qualname__}.{name} is not supported"
            )
        fn = inspect.getattr_static(self.cls, name, None)
        if not inspect.isfunction(fn):
            raise FrontendError(f"expected a method '{name}' on class {self.cls.__qualname__}")
        self.compiling.add(name)
        try:
            sf = _compile(self, fn, name)
        finally:
            self.compiling.discard(name)
        self.methods[name] = sf
        self.type.methods[name] = sf
        return sf


_CLASSES: dict[type, ClassInfo] = {}


@compiling
def class_info(cls: type) -> ClassInfo:
    """The script class for `cls` (compiling `__init__` first, which fixes the fields)."""
    if cls not in _CLASSES:
        info = ClassInfo(cls)
        _CLASSES[cls] = info
        info.type.attributes.update(info.declared())
        if inspect.isfunction(inspect.getattr_static(cls, "__init__", None)):
            try:
                info.method("__init__")
            except FrontendError:
                del _CLASSES[cls]
                raise
        info.initialized = True
    return _CLASSES[cls]


def script_class(cls: type) -> type:
    """`hybridjit.script(SomeClass)`: compile it now; the class itself is returned."""
    class_info(cls)
    return cls


def _resolve(cls: type) -> T.Type | None:
    info = _CLASSES.get(cls)
    return info.type if info is not None else None


CLASS_RESOLVERS.append(_resolve)


def _compile(info: ClassInfo, fn: Any, name: str) -> ScriptFunction:
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import (
        FunctionCompiler,
        function_scope,
        python_signature,
        run_cleanup,
    )  # fmt: skip

    compiler = FunctionCompiler(parse_def(fn), function_scope(fn), self_type=info.type,
                                self_factory=lambda v: ObjectValue(v, info, name == "__init__"))  # fmt: skip
    graph = compiler.compile()
    run_cleanup(graph)
    return ScriptFunction(name, graph, qualified_name=f"{info.type.qualified_name}.{name}",
                          signature=python_signature(fn))  # fmt: skip


class _Allocate:
    """The callee that creates an empty instance (`prim::CreateObject`'s job)."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.__name__ = f"{cls.__name__}.__new__"

    def __call__(self) -> Any:
        return self.cls.__new__(self.cls)


def _call_function(c: C, callee: Any, name: str, inputs: list[Value], out: T.Type) -> Value:
    fn = c.emit("prim::Constant", [], [T.FunctionType(callee)], {"name": name}).output
    return c.emit("prim::CallFunction", [fn, *inputs], [out]).output


def construct(
    c: C, cls: type, args: list[SugaredValue], kwargs: dict[str, SugaredValue]
) -> SugaredValue:
    try:
        info = class_info(cls)
    except FrontendError as e:
        c.fail(f"expected a class TorchScript can compile, found {cls.__qualname__} "
               f"({str(e).splitlines()[0]})")  # fmt: skip
    obj = _call_function(c, _Allocate(cls), f"{cls.__name__}.__new__", [], info.type)
    if "__init__" in info.methods:
        _call_method(c, obj, info, "__init__", args, kwargs)
    return SimpleValue(obj)


def _call_method(c: C, obj: Value, info: ClassInfo, name: str, args: list[SugaredValue],
                 kwargs: dict[str, SugaredValue]) -> Value:  # fmt: skip
    sf = info.method(name)
    sig = sf.signature
    if sig is not None:
        sig = sig.replace(parameters=list(sig.parameters.values())[1:])
    inputs = c.bind_signature(name, sig, sf.graph.inputs[1:], args, dict(kwargs))
    out = sf.graph.outputs[0].type
    return _call_function(c, sf, sf.qualified_name.split(".")[-1], [obj, *inputs], out)


def attribute(c: C, v: Value, name: str) -> SugaredValue:
    info = _info_of(c, v)
    t = info.type.attributes.get(name)
    if t is not None:
        return SimpleValue(c.emit("prim::GetAttr", [v], [t], {"name": name}).output)
    if inspect.isfunction(inspect.getattr_static(info.cls, name, None)):
        return _BoundMethod(v, info, name)
    c.fail(f"expected an attribute of '{v.type}', found none named '{name}'")


def call_method(c: C, v: Value, name: str, args: list[SugaredValue],
                kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip
    return SimpleValue(_call_method(c, v, _info_of(c, v), name, args, kwargs))


def set_attribute(c: C, obj: Value, name: str, value: Value) -> None:
    info = _info_of(c, obj)
    t = info.type.attributes.get(name)
    if t is None:
        if info.initialized:
            c.fail(f"expected field '{name}' of {info.cls.__qualname__} to be set in __init__")
        t = T.unrefined(value.type)
        info.type.attributes[name] = t
    value = c.convert_to(value, t, f"field '{name}'")
    c.emit("prim::SetAttr", [obj, value], [], {"name": name})


def _info_of(c: C, v: Value) -> ClassInfo:
    for info in _CLASSES.values():
        if info.type == v.type:
            return info
    c.fail(f"expected a script class value, found '{v.type}'")


class _BoundMethod(SugaredValue):
    def __init__(self, obj: Value, info: ClassInfo, name: str) -> None:
        self.obj, self.info, self.name = obj, info, name

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return SimpleValue(_call_method(c, self.obj, self.info, self.name, args, kwargs))


class ObjectValue(SimpleValue):
    """`self` inside a script class method."""

    def __init__(self, v: Value, info: ClassInfo, in_init: bool) -> None:
        super().__init__(v)
        self.info, self.in_init = info, in_init

    def set_attr(self, c: C, name: str, value: Value) -> None:
        set_attribute(c, self.v, name, value)

    def has_attribute(self, name: str) -> bool:
        return name in self.info.type.attributes or hasattr(self.info.cls, name)
