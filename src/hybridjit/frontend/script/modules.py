"""Modules: `script(nn.Module)` (recursive) and `ScriptModule` subclasses with
`@script_method`.

A module's *concrete type* (`ModuleInfo`) records what the compiler may know about an
instance: parameters, buffers, submodules, constants (`__constants__`/`Final`), typed
attributes, and which methods are compiled.  Instances with the same concrete type share one
`ClassType` and one set of compiled methods; differing ones get a mangled name, as
TorchScript does.  The scripted result is a `ScriptModule` sharing the original's
parameters and buffers.
"""

from __future__ import annotations

import enum
import functools
import inspect
import typing
from typing import TYPE_CHECKING, Any, Iterator

import torch
from torch._jit_internal import _get_overloaded_methods

from hybridjit.errors import FrontendError
from hybridjit.frontend.script import local_functions
from hybridjit.frontend.script.constants import is_constant_value
from hybridjit.frontend.script.objects import (
    SCRIPT_METHOD_MARK,
    _with_annotations,
    call_ignored,
    called_from,
    modifier,
)
from hybridjit.frontend.script.source import compiling, parse_def
from hybridjit.frontend.script.sugared import Iteration, SimpleValue, SugaredTuple, SugaredValue
from hybridjit.frontend.script.types_from_annotations import (
    AnnotationError,
    qualified_name,
    type_from_python,
)  # fmt: skip
from hybridjit.ir import types as T
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import CONSTRUCTION_HOOKS, ScriptModule, adopt_container_protocol
from hybridjit.utils import collector_paused

if TYPE_CHECKING:
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value

_NN_MODULE_ATTRS = set(torch.nn.Module().__dict__) | {
    "_hj_methods", "_hj_type", "_hj_constructed", "_hj_info", "_hj_original",
}  # fmt: skip
_CONTAINERS = (torch.nn.ModuleList, torch.nn.Sequential, torch.nn.ModuleDict)
_PARAMETER_CONTAINERS = (torch.nn.ParameterList, torch.nn.ParameterDict)
_KEYED_CONTAINERS = (torch.nn.ModuleDict, torch.nn.ParameterDict)  # iterated by key


class ModuleInfo:
    """The concrete type of one module instance."""

    def __init__(self, module: torch.nn.Module, type_: T.ClassType) -> None:
        self.module = module
        self.type = type_
        self.params: dict[str, T.Type] = {}
        self.submodules: dict[str, ModuleInfo] = {}
        self.constants: dict[str, Any] = {}
        self.attributes: dict[str, T.Type] = {}
        self.failed: dict[str, str] = {}
        self.functions: dict[str, Any] = {}
        self.methods: dict[str, ScriptFunction] = {}
        self.compiling: set[str] = set()

    @property
    def cls(self) -> type:
        return type(self.module)

    def python_method(self, name: str) -> Any:
        fn = inspect.getattr_static(self.cls, name, None)
        fn = getattr(fn, "function", fn)  # ScriptModule.forward: a property over a function
        if isinstance(fn, (staticmethod, classmethod)):
            return None
        return fn if inspect.isfunction(fn) else None

    def method(self, name: str) -> ScriptFunction:
        """The compiled method `name`, compiling it on first use."""
        if name in self.methods:
            return self.methods[name]
        if name in self.compiling:
            raise FrontendError(f"recursive call to method {name} is not supported in script")
        fn = self.python_method(name)
        if fn is None:
            raise FrontendError(f"expected a method '{name}' on {self.cls.__name__}, found none")
        self.compiling.add(name)
        try:
            sf = self._compile_overloaded(fn, name)
        finally:
            self.compiling.discard(name)
        self.methods[name] = sf
        self.type.methods[name] = sf
        return sf

    def _compile_overloaded(self, fn: Any, name: str) -> ScriptFunction:
        """Compile `fn`; with `@_overload_method` declarations, the first that compiles."""

        try:
            overloads = _get_overloaded_methods(fn, self.cls) or []
        except Exception:  # noqa: BLE001 - no usable overloads
            overloads = []
        errors = []
        for decl in overloads:
            try:
                return compile_method(self, _with_annotations(fn, decl), name)
            except FrontendError as e:
                errors.append(e)
        if errors:
            raise errors[0]
        return compile_method(self, fn, name)


@compiling
def compile_method(info: ModuleInfo, fn: Any, name: str) -> ScriptFunction:
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import (
        FunctionCompiler,
        function_scope,
        overload_annotations,
        python_signature,
        run_cleanup,
    )  # fmt: skip

    parsed = parse_def(getattr(fn, "__hj_overload_of__", fn))
    compiler = FunctionCompiler(parsed, function_scope(fn), self_type=info.type,
                                self_factory=lambda v: ModuleValue(v, info),
                                annotations=overload_annotations(fn))  # fmt: skip
    graph = compiler.compile()
    run_cleanup(graph)
    return ScriptFunction(name, graph, qualified_name=f"{info.type.qualified_name}.{name}",
                          signature=python_signature(fn))  # fmt: skip


# -- building concrete types -----------------------------------------------------------------
_TYPES: dict[Any, ModuleInfo] = {}
_NAMES: dict[str, int] = {}


def is_interface(cls: Any) -> bool:
    """Declared with `@hybridjit.interface` or `@torch.jit.interface`."""
    return isinstance(cls, type) and bool(cls.__dict__.get("__hj_interface__") or
                                          cls.__dict__.get("__torch_script_interface__"))  # fmt: skip


def check_implements(name: str, sub: torch.nn.Module, declared: Any) -> None:
    """A submodule annotated with an interface has each of its methods, with as many
    parameters (calls then go to the submodule's own methods)."""
    if not is_interface(declared):
        return
    for method, spec in vars(declared).items():
        if not inspect.isfunction(spec) or method.startswith("__"):
            continue
        impl = getattr(type(sub), method, None)
        want = len(inspect.signature(spec).parameters)
        if impl is None or len(inspect.signature(impl).parameters) != want:
            found = "none" if impl is None else f"{method}{inspect.signature(impl)}"
            raise FrontendError(f"expected submodule '{name}' ({type(sub).__name__}) to implement "
                                f"{declared.__name__}.{method}{inspect.signature(spec)}, "
                                f"found {found}")  # fmt: skip


@functools.cache
def _class_annotations(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable annotations are simply not used
        out: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            out.update(getattr(klass, "__annotations__", {}) or {})
        return out


def _is_final(ann: Any) -> bool:
    return ann is typing.Final or typing.get_origin(ann) is typing.Final


def _constant_names(module: torch.nn.Module) -> set[str]:
    names = set(getattr(type(module), "__constants__", ()) or ())
    names |= {k for k, a in _class_annotations(type(module)).items() if _is_final(a)}
    return names


def _attribute_type(module: torch.nn.Module, name: str, value: Any,
                    annotations: dict[str, Any]) -> T.Type:  # fmt: skip
    if name in annotations and not _is_final(annotations[name]):
        try:
            return type_from_python(annotations[name])
        except AnnotationError:
            pass
    if isinstance(value, torch.nn.Parameter | torch.Tensor):
        return T.TENSOR
    return _value_type(value)


def _value_type(value: Any) -> T.Type:
    """The type torch.jit infers for an unannotated attribute value (enum members and lists
    or tuples of them included)."""
    if isinstance(value, enum.Enum):
        return type_from_python(type(value))
    try:
        return T.type_of_value(value)
    except TypeError:
        if isinstance(value, tuple) and value:
            return T.TupleType(tuple(_value_type(e) for e in value))
        if isinstance(value, list) and value and isinstance(value[0], enum.Enum):
            elem = _value_type(value[0])
            if all(_value_type(e) == elem for e in value):
                return T.ListType(elem)
        return _script_class_type(value)


def _script_class_type(value: Any) -> T.Type:
    """The class type of a script-class object (`self.box = Box(5)`), else TypeError."""
    try:
        t = type_from_python(type(value))
    except (AnnotationError, FrontendError) as e:
        raise TypeError(f"no TorchScript type for a value of Python type "
                        f"{type(value).__name__} ({e})") from None  # fmt: skip
    if not isinstance(t, T.ClassType):
        raise TypeError(f"no TorchScript type for a value of Python type {type(value).__name__}")
    for name, field_type in t.attributes.items():
        held = getattr(value, name, None)
        if field_type == T.NoneType and held is not None:  # `self.next = None` in __init__
            raise TypeError(f"could not cast the {type(value).__name__} object: its field "
                            f"{name!r} is typed None (from __init__) but holds a "
                            f"{type(held).__name__}")  # fmt: skip
    return t


@compiling
def module_info(module: torch.nn.Module) -> ModuleInfo:
    """The (shared) concrete type of `module`."""
    if isinstance(module, ScriptModule):
        if getattr(module, "_hj_info", None) is not None:
            return module._hj_info  # type: ignore[no-any-return]
        # Traced or loaded: its type and compiled methods are already there.
        info = ModuleInfo(module, module._hj_type)
        _fill(info, module)
        info.methods = dict(module._hj_methods)
        return info
    info = ModuleInfo(module, T.ClassType("?", True))
    _fill(info, module)
    key = _type_key(info)
    shared = _TYPES.get(key)
    if shared is not None:
        clone = ModuleInfo(module, shared.type)
        clone.__dict__.update({k: v for k, v in shared.__dict__.items() if k != "module"})
        clone.submodules = info.submodules
        clone.module = module
        return _share(clone, shared)
    info.type = T.ClassType(_fresh_name(module), True)
    info.type.attributes.update({**info.params, **info.attributes,
                                 **{k: s.type for k, s in info.submodules.items()}})  # fmt: skip
    info.type.constants.update(info.constants)
    _TYPES[key] = _template(info)
    return info


def _template(info: ModuleInfo) -> ModuleInfo:
    """What later modules of the same concrete type share with `info` (its tables, whose
    compiled methods fill in for both), without `info`'s module: the cache must not keep
    a model's weights alive."""
    template = ModuleInfo.__new__(ModuleInfo)
    template.__dict__.update(info.__dict__)
    template.module, template.submodules = None, {}  # type: ignore[assignment]
    return template


def _share(view: ModuleInfo, shared: ModuleInfo) -> ModuleInfo:
    # Methods compiled through either view land in the shared tables.
    view.methods = shared.methods
    view.compiling = shared.compiling
    return view


def _fresh_name(module: torch.nn.Module) -> str:
    base = qualified_name(type(module))
    n = _NAMES.get(base, 0)
    _NAMES[base] = n + 1
    if n == 0:
        return base
    head, _, tail = base.rpartition(".")
    return f"{head}.___torch_mangle_{n}.{tail}"


def _fill(info: ModuleInfo, module: torch.nn.Module) -> None:
    constants = _constant_names(module)
    annotations = _class_annotations(type(module))
    for name, p in module._parameters.items():
        info.params[name] = T.TENSOR if p is not None else T.NoneType
    for name, b in module._buffers.items():
        info.params[name] = T.TENSOR if b is not None else T.NoneType
    for name, sub in module._modules.items():
        if sub is None:
            info.constants[name] = None
        else:
            check_implements(name, sub, annotations.get(name))
            info.submodules[name] = module_info(sub if isinstance(sub, ScriptModule) else sub)
    for name, value in vars(module).items():
        if name in _NN_MODULE_ATTRS or name.startswith("_hj_") or name in info.params or \
                name in info.submodules:  # fmt: skip
            continue
        if name in constants:
            if not is_constant_value(value):
                info.failed[name] = f"constant '{name}' has unsupported value {value!r}"
                continue
            info.constants[name] = tuple(value) if isinstance(value, list) else value
            continue
        declared = attribute_marker_type(value)
        if declared is not None:
            info.attributes[name] = declared
            continue
        if inspect.isfunction(value) or inspect.isbuiltin(value) or isinstance(value, ScriptFunction):
            info.functions[name] = value  # a function attribute is a compile-time constant
            continue
        try:
            info.attributes[name] = _attribute_type(module, name, value, annotations)
        except TypeError as e:
            info.failed[name] = str(e)
    for name in constants:
        if name not in info.constants and name not in vars(module) and hasattr(type(module), name):
            value = getattr(type(module), name)
            if is_constant_value(value):
                info.constants[name] = value
    info.attributes["training"] = T.BoolType


def attribute_marker_type(value: Any) -> T.Type | None:
    """The declared type of `hybridjit.Attribute(v, T)` / `torch.jit.Attribute(v, T)`."""
    if isinstance(value, torch.jit.Attribute):
        try:
            return type_from_python(value.type)
        except AnnotationError as e:
            raise FrontendError(f"expected a TorchScript type in Attribute(), found {e}") from None
    return None


def _unwrap_attributes(module: torch.nn.Module) -> None:
    for name, value in list(vars(module).items()):
        if isinstance(value, torch.jit.Attribute):
            object.__setattr__(module, name, value.value)


def _type_key(info: ModuleInfo) -> Any:
    consts = tuple(sorted((k, repr(v)) for k, v in info.constants.items()))
    return (info.cls, tuple(sorted((k, str(t)) for k, t in info.params.items())),
            tuple(sorted((k, str(t)) for k, t in info.attributes.items())), consts,
            tuple(sorted((k, s.type.qualified_name) for k, s in info.submodules.items())),
            tuple(sorted(info.failed)),
            tuple(sorted((k, id(f)) for k, f in info.functions.items())))  # fmt: skip


# -- the scripted result ---------------------------------------------------------------------
@compiling
def script_module(module: torch.nn.Module) -> ScriptModule:
    """`hybridjit.script(module)`: a ScriptModule sharing `module`'s parameters."""
    if isinstance(module, ScriptModule):
        return module
    info = module_info(module)
    return _instantiate(info)


def _user_functions(cls: type) -> dict[str, Any]:
    """Functions defined on `cls` and its bases below nn.Module / ScriptModule."""
    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass in (object, torch.nn.Module, ScriptModule) or klass.__module__ == "typing":
            continue
        for name, value in vars(klass).items():
            if inspect.isfunction(value):
                out[name] = value
    return out


def _entry_methods(info: ModuleInfo) -> list[str]:
    names = []
    if info.python_method("forward") is not None and not _is_default_forward(info):
        names.append("forward")
    for name, fn in _user_functions(info.cls).items():
        if name != "forward" and (modifier(fn) == "export" or getattr(fn, "_hj_export", False)):
            names.append(name)
    return names


def _is_default_forward(info: ModuleInfo) -> bool:
    fn = info.python_method("forward")
    return fn is torch.nn.Module.forward or getattr(fn, "__name__", "") == "_forward_unimplemented"


def _instantiate(info: ModuleInfo) -> ScriptModule:
    # The whole tree compiles before any ScriptModule is built: a parent's forward may call
    # a submodule method that is no entry point (FloatFunctional.cat), compiled on demand.
    _compile_entry_methods(info)
    return _build(info)


def _compile_entry_methods(info: ModuleInfo) -> None:
    for sub in info.submodules.values():
        if not isinstance(sub.module, ScriptModule):
            _compile_entry_methods(sub)
    for name in _entry_methods(info):
        if modifier(info.python_method(name)) not in ("ignore", "unused"):
            info.method(name)


def _build(info: ModuleInfo) -> ScriptModule:
    module = info.module
    subs = {name: _build(s) if not isinstance(s.module, ScriptModule) else s.module
            for name, s in info.submodules.items()}  # fmt: skip
    sm = ScriptModule.__new__(ScriptModule)
    ScriptModule.__init__(sm)
    object.__setattr__(sm, "_hj_type", info.type)
    adopt_container_protocol(sm)
    object.__setattr__(sm, "_hj_info", info)
    object.__setattr__(sm, "_hj_original", module)
    object.__setattr__(sm, "_hj_constructed", True)
    sm.training = module.training
    for name, p in module._parameters.items():
        sm._parameters[name] = p
    for name, b in module._buffers.items():
        sm._buffers[name] = b
    for name, sub in subs.items():
        sm._modules[name] = sub
    for name in info.attributes:
        if name != "training":
            value = getattr(module, name)
            object.__setattr__(sm, name, getattr(value, "value", value)
                               if isinstance(value, torch.jit.Attribute) else value)  # fmt: skip
    for name, value in info.constants.items():
        if name not in info.submodules:
            object.__setattr__(sm, name, value)
    for name, sf in info.methods.items():
        sm._hj_methods[name] = sf
    _copy_python_methods(info, sm)
    return sm


def _copy_python_methods(info: ModuleInfo, sm: ScriptModule) -> None:
    """Ignored methods stay callable from Python on the scripted module."""
    for name, fn in _user_functions(info.cls).items():
        if modifier(fn) in ("ignore", "unused") and name not in sm._hj_methods:
            object.__setattr__(sm, name, fn.__get__(sm))


def _construction_hook(instance: ScriptModule) -> None:
    """Compile the `@script_method`s of a ScriptModule subclass once `__init__` is done."""

    with collector_paused():
        _compile_script_methods(instance)


def _compile_script_methods(instance: ScriptModule) -> None:

    cls = type(instance)
    names = [n for n, f in _user_functions(cls).items() if getattr(f, SCRIPT_METHOD_MARK, False)]
    if not names:
        return  # nothing to compile (e.g. a traced module built by the tracer)
    info = ModuleInfo(instance, instance._hj_type)
    for name, sub in list(instance._modules.items()):
        if sub is not None and not isinstance(sub, ScriptModule):
            instance._modules[name] = script_module(sub)
    _fill(info, instance)
    _unwrap_attributes(instance)
    info.type.attributes.update({**info.params, **info.attributes,
                                 **{k: s.type for k, s in info.submodules.items()}})  # fmt: skip
    object.__setattr__(instance, "_hj_info", info)
    for name in names:
        instance._hj_define(name, info.method(name))


if _construction_hook not in CONSTRUCTION_HOOKS:
    CONSTRUCTION_HOOKS.append(_construction_hook)


# -- module values inside script code --------------------------------------------------------
class ModuleValue(SugaredValue):
    """`self` or a submodule: attributes become `prim::GetAttr`, calls `prim::CallMethod`."""

    def __init__(self, v: Value, info: ModuleInfo) -> None:
        self.v, self.info = v, info

    def describe(self) -> str:
        return f"module '{self.info.type}'"

    def value(self, c: C) -> Value:
        return self.v

    def has_attribute(self, name: str) -> bool:
        i = self.info
        return name in i.params or name in i.submodules or name in i.constants or \
            name in i.attributes or name in i.functions or i.python_method(name) is not None  # fmt: skip

    def attr(self, c: C, name: str) -> SugaredValue:
        i = self.info
        if name in i.submodules:
            sub = i.submodules[name]
            v = c.emit("prim::GetAttr", [self.v], [sub.type], {"name": name}).output
            return ModuleValue(v, sub)
        if name in i.constants:
            return c.resolve_python(i.constants[name])
        if name in i.functions:
            return c.resolve_python(i.functions[name])
        t = i.params.get(name) or i.attributes.get(name)
        if t is not None:
            if t == T.NoneType:
                return SimpleValue(c.const(None))
            return SimpleValue(c.emit("prim::GetAttr", [self.v], [t], {"name": name}).output)
        fn = i.python_method(name)
        if fn is not None:
            return ModuleMethod(self, name, fn)
        if name in i.failed:
            c.fail(f"expected attribute '{name}' of {i.cls.__name__} to have a TorchScript "
                   f"type, found {i.failed[name]}")  # fmt: skip
        static = inspect.getattr_static(i.cls, name, None)
        if isinstance(static, property):
            return ModuleProperty(self, name, static).get(c)
        if static is not None and is_constant_value(static):
            return c.resolve_python(static)
        c.fail(f"expected an attribute '{name}' on module {i.cls.__name__}, found none")

    def set_attr(self, c: C, name: str, value: Value) -> None:
        t = self.info.params.get(name) or self.info.attributes.get(name)
        if t is None:
            c.fail(f"expected an existing attribute '{name}' of {self.info.cls.__name__} "
                   "to assign (attributes must be set in __init__)")  # fmt: skip
        value = c.convert_to(value, t, f"attribute '{name}'")
        c.emit("prim::SetAttr", [self.v, value], [], {"name": name})

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return ModuleMethod(self, "forward", self.info.python_method("forward")).call(
            c, args, kwargs
        )

    # containers: ModuleList / Sequential / ModuleDict, ParameterList / ParameterDict
    def _members(self) -> list[str]:
        if isinstance(self.info.module, _PARAMETER_CONTAINERS):
            return list(self.info.params)
        return list(self.info.submodules)

    def _items(self, c: C) -> list[tuple[str, SugaredValue]]:
        if not isinstance(self.info.module, _CONTAINERS + _PARAMETER_CONTAINERS) and \
                not self.info.submodules:  # fmt: skip
            c.fail(f"expected an iterable module container, found {self.info.cls.__name__}")
        return [(name, self.attr(c, name)) for name in self._members()]

    def iteration(self, c: C) -> Iteration:
        items = self._items(c)
        if isinstance(self.info.module, _KEYED_CONTAINERS):
            return Iteration(unrolled=[SimpleValue(c.const(k)) for k, _ in items])
        return Iteration(unrolled=[m for _, m in items])

    def static_len(self) -> int:
        return len(self._members())

    def getitem(self, c: C, index: SugaredValue) -> SugaredValue:
        key = index.value(c)
        if key.node.kind != "prim::Constant":
            c.fail("expected a constant index into a module container")
        k = key.node["value"]
        names = self._members()
        if isinstance(k, int):
            if not -len(names) <= k < len(names):
                c.fail(f"expected an index below {len(names)}, found {k}")
            return self.attr(c, names[k])
        return self.attr(c, str(k))

    def container_method(self, c: C, name: str) -> SugaredValue | None:
        if isinstance(self.info.module, _KEYED_CONTAINERS) and name in ("items", "keys", "values"):
            return _StaticIterable(_rows(c, name, self._items(c)))
        if name in ("children", "named_children"):
            children = [(n, self.attr(c, n)) for n in self.info.submodules]
            return _StaticIterable(_rows(c, "items" if name == "named_children" else "values",
                                         children))  # fmt: skip
        if name in ("modules", "named_modules"):
            descendants = list(self._descendants(c, ""))
            return _StaticIterable(_rows(c, "items" if name == "named_modules" else "values",
                                         descendants))  # fmt: skip
        return None

    def _descendants(self, c: C, prefix: str) -> Iterator[tuple[str, SugaredValue]]:
        """`self.named_modules()`: this module, then each submodule's, depth first."""
        yield prefix, self
        for n in self.info.submodules:
            child = self.attr(c, n)
            assert isinstance(child, ModuleValue)
            yield from child._descendants(c, f"{prefix}.{n}" if prefix else n)


def _rows(c: C, method: str, items: list[tuple[str, SugaredValue]]) -> list[SugaredValue]:
    """What `items()` / `keys()` / `values()` of (name, module) pairs iterate over."""
    if method == "items":
        return [SugaredTuple([SimpleValue(c.const(k)), m]) for k, m in items]
    if method == "keys":
        return [SimpleValue(c.const(k)) for k, _ in items]
    return [m for _, m in items]


class _StaticIterable(SugaredValue):
    def __init__(self, items: list[SugaredValue]) -> None:
        self.items = items

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return self

    def iteration(self, c: C) -> Iteration:
        return Iteration(unrolled=list(self.items))

    def static_len(self) -> int:
        return len(self.items)


class ModuleMethod(SugaredValue):
    def __init__(self, owner: ModuleValue, name: str, fn: Any) -> None:
        self.owner, self.name, self.fn = owner, name, fn

    def describe(self) -> str:
        return f"method '{self.name}'"

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        container = self.owner.container_method(c, self.name)
        if container is not None:
            return container
        info = self.owner.info
        compiled = isinstance(info.module, ScriptModule) and self.name in info.module._hj_methods
        if self.fn is None and not compiled:  # a compiled module's forward is a descriptor
            c.fail(f"expected a forward method on {self.owner.info.cls.__name__}, found none")
        if compiled:
            return self._call_compiled(c, info.module._hj_methods[self.name], args, kwargs)
        mark = modifier(self.fn)
        if mark in ("ignore", "unused"):
            return call_ignored(c, self.fn, args, kwargs, unused=mark == "unused",
                                prefix=[self.owner.v])  # fmt: skip
        # a generator method, or one given a function: compiled inline with `self` bound
        inlined = local_functions.specialize(c, getattr(self.fn, "__func__", self.fn),
                                             [self.owner, *args], kwargs)  # fmt: skip
        if inlined is not None:
            return inlined
        with called_from(c, f"{info.cls.__name__}.{self.name}"):
            sf = info.method(self.name)
        return self._call_compiled(c, sf, args, kwargs)

    def _call_compiled(self, c: C, sf: ScriptFunction, args: list[SugaredValue],
                       kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip
        formals = sf.graph.inputs[1:]
        sig = sf.signature
        if sig is not None and len(sig.parameters) == len(sf.graph.inputs):
            sig = sig.replace(parameters=list(sig.parameters.values())[1:])
        inputs = c.bind_signature(self.name, sig, formals, args, dict(kwargs))
        outs = [T.unrefined(o.type) for o in sf.graph.outputs]
        node = c.emit("prim::CallMethod", [self.owner.v, *inputs], outs, {"name": self.name})
        return SimpleValue(node.output)


class ModuleProperty:
    def __init__(self, owner: ModuleValue, name: str, prop: property) -> None:
        self.owner, self.name, self.prop = owner, name, prop

    def get(self, c: C) -> SugaredValue:
        fn = self.prop.fget
        if fn is None:
            c.fail(f"expected a readable property '{self.name}'")
        unused = getattr(self.owner.info.cls, "__jit_unused_properties__", ())
        if self.name in unused:
            c.fail(f"expected property '{self.name}' to be scriptable, found it marked unused")
        name = f"__{self.name}_getter"
        info = self.owner.info
        if name not in info.methods:
            sf = compile_method(info, fn, name)
            info.methods[name] = sf
            info.type.methods[name] = sf
        sf = info.methods[name]
        outs = [o.type for o in sf.graph.outputs]
        return SimpleValue(c.emit("prim::CallMethod", [self.owner.v], outs, {"name": name}).output)
