"""Script classes: a user class compiled to a `ClassType` with typed fields and methods.

Field types come from the class annotations or from the first assignment in `__init__`.
Objects are ordinary instances of the Python class (so `prim::GetAttr`/`prim::SetAttr` are
plain attribute accesses); construction and method calls are `prim::CallFunction`s of the
compiled `__init__`/methods, with the object as first argument.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from typing import TYPE_CHECKING, Any

import torch

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
from hybridjit.ops.builtins import OPERATOR_METHODS
from hybridjit.runtime.function import ScriptFunction

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value


class ClassInfo:
    """What the compiler knows about one script class."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.type = T.ClassType(qualified_name(cls), False, python_class=cls)
        self.methods: dict[str, ScriptFunction] = {}
        self.compiling: set[str] = set()
        self.initialized = False

    @property
    def is_dataclass(self) -> bool:
        """A dataclass whose `__init__` the decorator generated (built by `script_classes`)."""
        return dataclasses.is_dataclass(self.cls) and self.cls.__dataclass_params__.init  # type: ignore[attr-defined]

    @property
    def frozen(self) -> bool:
        return dataclasses.is_dataclass(self.cls) and self.cls.__dataclass_params__.frozen  # type: ignore[attr-defined]

    def declared(self) -> dict[str, T.Type]:
        out = {}
        hints = typing.get_type_hints(self.cls)
        if dataclasses.is_dataclass(self.cls):  # fields only (no ClassVar)
            hints = {f.name: hints[f.name] for f in dataclasses.fields(self.cls)}
        for name, ann in hints.items():
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
        fn, owner = self._definition(name)
        self.compiling.add(name)
        try:
            sf = _compile(self, fn, name, owner)
        finally:
            self.compiling.discard(name)
        self.methods[name] = sf
        self.type.methods[name] = sf
        return sf

    def _definition(self, name: str) -> tuple[Any, type]:
        """The function compiled as method `name`, and the class defining it: a property's
        getter is the method of its name, its setter `__<name>_setter` (TorchScript's names)."""
        setter = re.fullmatch(r"__(\w+)_setter", name)
        attr = setter.group(1) if setter else name
        raw = inspect.getattr_static(self.cls, attr, None)
        fn = raw
        if isinstance(raw, property):
            fn = raw.fset if setter else raw.fget
        if not inspect.isfunction(fn):
            raise FrontendError(f"expected a method '{name}' on class {self.cls.__qualname__}")
        return fn, next(k for k in self.cls.__mro__ if k.__dict__.get(attr) is raw)

    @compiling
    def base_method(self, owner: type, name: str) -> ScriptFunction | None:
        """`super().name` inside a method defined by `owner`: the next definition in the
        MRO, compiled for this class (None: `object`'s own, e.g. `object.__init__`)."""
        mro = self.cls.__mro__
        for k in mro[mro.index(owner) + 1 :]:
            fn = k.__dict__.get(name)
            if fn is None:
                continue
            if not inspect.isfunction(fn):
                return None
            key = f"{k.__qualname__}.{name}"
            if key not in self.methods:
                if key in self.compiling:
                    raise FrontendError(f"recursive call to {key} is not supported")
                self.compiling.add(key)
                try:
                    self.methods[key] = _compile(self, fn, name, k)
                finally:
                    self.compiling.discard(key)
            return self.methods[key]
        return None


_CLASSES: dict[type, ClassInfo] = {}


@compiling
def class_info(cls: type) -> ClassInfo:
    """The script class for `cls` (compiling `__init__` first, which fixes the fields)."""
    if cls not in _CLASSES:
        info = ClassInfo(cls)
        _CLASSES[cls] = info
        info.type.attributes.update(info.declared())
        init = "__post_init__" if info.is_dataclass else "__init__"
        if inspect.isfunction(inspect.getattr_static(cls, init, None)):
            try:
                info.method(init)
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
    if info is None and _compilable_on_sight(cls):  # an annotation names it: compile it
        info = class_info(cls)
    return info.type if info is not None else None


def _compilable_on_sight(cls: type) -> bool:
    """A user class an annotation may name before any code built one: a dataclass, or a
    class whose `__init__` is Python source (never torch's, builtins' or a module)."""
    module = getattr(cls, "__module__", "") or ""
    if module.split(".")[0] in ("torch", "builtins", "typing", "collections", "hybridjit"):
        return False
    if isinstance(cls, type) and issubclass(cls, (torch.nn.Module, BaseException)):
        return False
    init = inspect.getattr_static(cls, "__init__", None)
    return dataclasses.is_dataclass(cls) or (
        inspect.isfunction(init) and init is not object.__init__
    )


CLASS_RESOLVERS.append(_resolve)


def _compile(info: ClassInfo, fn: Any, name: str, owner: type) -> ScriptFunction:
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import (
        FunctionCompiler,
        function_scope,
        python_signature,
        run_cleanup,
    )  # fmt: skip

    compiler = FunctionCompiler(parse_def(fn), function_scope(fn), self_type=info.type,
                                self_factory=lambda v: ObjectValue(v, info, name == "__init__"),
                                annotations=_exit_annotations(fn) if name == "__exit__" else None)  # fmt: skip
    # deferred: script_classes imports this module
    from hybridjit.frontend.script.script_classes import SuperForm

    compiler.env.set("super", SuperForm(info, owner, _first_parameter(fn)))
    graph = compiler.compile()
    run_cleanup(graph)
    where = name if owner is info.cls else f"{owner.__name__}.{name}"
    return ScriptFunction(name, graph, qualified_name=f"{info.type.qualified_name}.{where}",
                          signature=python_signature(fn))  # fmt: skip


def _first_parameter(fn: Any) -> str | None:
    params = list(inspect.signature(fn).parameters)
    return params[0] if params else None


def _exit_annotations(fn: Any) -> dict[str, Any]:
    """`__exit__(self, exc_type, exc, tb)`: each parameter an `Optional[Exception]` (see
    `context_managers`), the return annotation as written."""
    # deferred: context_managers imports this module
    from hybridjit.frontend.script.context_managers import EXIT_PARAMETER_TYPE

    params = list(inspect.signature(fn).parameters)[1:4]
    out: dict[str, Any] = {p: EXIT_PARAMETER_TYPE for p in params}
    ret = fn.__annotations__.get("return")
    if ret is not None:
        out["return"] = ret
    return out


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
    obj = c.emit("prim::CreateObject", [], [info.type]).output
    if info.is_dataclass:
        # deferred: script_classes imports this module
        from hybridjit.frontend.script.script_classes import dataclass_init

        dataclass_init(c, info, obj, args, kwargs)
    elif "__init__" in info.methods:
        _call_method(c, obj, info, "__init__", args, kwargs)
    return SimpleValue(obj)


def _call_method(c: C, obj: Value, info: ClassInfo, name: str, args: list[SugaredValue],
                 kwargs: dict[str, SugaredValue], sf: ScriptFunction | None = None) -> Value:  # fmt: skip
    sf = sf or info.method(name)
    sig = sf.signature
    if sig is not None:
        sig = sig.replace(parameters=list(sig.parameters.values())[1:])
    inputs = c.bind_signature(name, sig, sf.graph.inputs[1:], args, dict(kwargs))
    out = sf.graph.outputs[0].type
    return _call_function(c, sf, sf.qualified_name.split(".")[-1], [obj, *inputs], out)


def operator_method(c: C, name: str, args: list[Value]) -> Value | None:
    """`len(obj)`, `obj + o`, `k in obj`, `obj[i] = v`... on a script class: its magic method,
    as in Python (`!=` falls back to `not __eq__`); None when the class does not define it."""
    if not args or not isinstance(args[0].type, T.ClassType) or name not in OPERATOR_METHODS:
        return None
    info = _info_of(c, args[0])
    method = OPERATOR_METHODS[name]
    operands = [SimpleValue(a) for a in args[1:]]
    if _defines(info, method):
        return _call_method(c, args[0], info, method, operands, {})
    if method == "__ne__" and _defines(info, "__eq__"):
        equal = _call_method(c, args[0], info, "__eq__", operands, {})
        return c.call_builtin_values("aten::__not__", [equal], {})
    return None  # what every object has (`str`, `==` as identity) or a no-match error


def _defines(info: ClassInfo, method: str) -> bool:
    return inspect.isfunction(inspect.getattr_static(info.cls, method, None))


def attribute(c: C, v: Value, name: str) -> SugaredValue:
    info = _info_of(c, v)
    t = info.type.attributes.get(name)
    if t is not None:
        return SimpleValue(c.emit("prim::GetAttr", [v], [t], {"name": name}).output)
    static = inspect.getattr_static(info.cls, name, None)
    if inspect.isfunction(static):
        return _BoundMethod(v, info, name)
    if isinstance(static, property) and static.fget is not None:
        return SimpleValue(_call_method(c, v, info, name, [], {}))
    if static is not None and not callable(static) and not isinstance(static, property):
        return c.resolve_python(static)  # a class attribute (a constant)
    c.fail(f"expected an attribute of '{v.type}', found none named '{name}'")


def call_method(c: C, v: Value, name: str, args: list[SugaredValue],
                kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip
    return SimpleValue(_call_method(c, v, _info_of(c, v), name, args, kwargs))


def set_attribute(c: C, obj: Value, name: str, value: Value) -> None:
    info = _info_of(c, obj)
    if info.frozen:  # as the frozen dataclass's __setattr__ does
        c.raise_with(dataclasses.FrozenInstanceError, c.const(f"cannot assign to field '{name}'"))
        return
    prop = inspect.getattr_static(info.cls, name, None)
    if isinstance(prop, property):
        if prop.fset is None:
            c.fail(f"expected property '{name}' of {info.cls.__qualname__} to have a setter")
        _call_method(c, obj, info, f"__{name}_setter", [SimpleValue(value)], {})
        return
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
