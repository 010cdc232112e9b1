"""ScriptModule: an nn.Module whose methods are graphs.

Scripted, traced and loaded modules are all `ScriptModule`s.  Parameters, buffers and
submodules live in the usual nn.Module places; compiled methods live in `_hj_methods` and
take the module itself as their first graph input (`%self`).
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.modules.module as _hooks

from hybridjit.ir.graph import Graph
from hybridjit.ir.types import ClassType
from hybridjit.runtime.function import ScriptFunction, save_archive

# Hooks run right after a ScriptModule subclass instance finishes __init__ (the script frontend
# registers one that compiles `@script_method`s); kept here so the runtime does not import it.
CONSTRUCTION_HOOKS: list[Callable[[ScriptModule], None]] = []


class _MethodProperty(property):
    """`m.<name>` as the compiled method; `.function` is the plain function behind it."""

    def __init__(self, name: str, function: Callable[..., Any]) -> None:
        super().__init__(lambda module: _compiled_method(module, name))
        self.function = function


class _ScriptModuleMeta(type(torch.nn.Module)):  # type: ignore[misc]
    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        instance = super().__call__(*args, **kwargs)
        if not getattr(instance, "_hj_constructed", False):
            object.__setattr__(instance, "_hj_constructed", True)
            for hook in CONSTRUCTION_HOOKS:
                hook(instance)
        return instance


class ScriptModule(torch.nn.Module, metaclass=_ScriptModuleMeta):
    """Base class of compiled modules (subclass it and mark methods `@script_method`)."""

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "_hj_methods", {})
        object.__setattr__(self, "_hj_type", ClassType(f"__torch__.{type(self).__name__}", True))

    def _hj_define(self, name: str, method: ScriptFunction) -> None:
        """Install `method` (its graph takes `%self` first) as `self.<name>`."""
        self._hj_methods[name] = method
        self._hj_type.methods[name] = method

    def __getattr__(self, name: str) -> Any:
        methods = self.__dict__.get("_hj_methods")
        if methods is not None and name in methods:
            return _BoundMethod(self, methods[name])
        if name == "original_name":  # the class name the module was compiled from
            return self._hj_type.qualified_name.rpartition(".")[2]
        return super().__getattr__(name)

    def _forward_unbound(self, *args: Any, **kwargs: Any) -> Any:
        if "forward" not in self._hj_methods:
            raise NotImplementedError(f"{type(self).__name__} has no compiled forward")
        return self._hj_methods["forward"](self, *args, **kwargs)

    # `m.forward` is the compiled method (with `.graph`, `.code`, `.schema`); the property
    # names the plain function for code that looks methods up on the class.
    forward = _MethodProperty("forward", _forward_unbound)

    def _get_name(self) -> str:
        return self.original_name

    def extra_repr(self) -> str:
        """The original module's own summary (`Conv2d(1, 2, kernel_size=(3, 3), ...)`)."""
        original = self.__dict__.get("_hj_original")
        if isinstance(original, torch.nn.Module):
            return original.extra_repr()
        return self.__dict__.get("_hj_extra_repr", "")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The fast path: skip nn.Module's hook machinery when no hook of any kind is installed
        # (the same test nn.Module's own `_call_impl` makes).
        method = self._hj_methods.get("forward")
        if method is None or kwargs or self._has_hooks():
            return super().__call__(*args, **kwargs)
        return method(self, *args)

    def _has_hooks(self) -> bool:
        return bool(
            self._forward_hooks or self._forward_pre_hooks or self._backward_hooks
            or self._backward_pre_hooks or _hooks._global_forward_hooks
            or _hooks._global_forward_pre_hooks or _hooks._global_backward_hooks
            or _hooks._global_backward_pre_hooks
        )  # fmt: skip

    def using(self, executor: str, method: str = "forward") -> Callable[..., Any]:
        """`self.<method>` run by another executor (every frame: callees too)."""
        return _BoundMethod(self, self._hj_methods[method]).using(executor)

    @property
    def graph(self) -> Graph:
        return self._hj_methods["forward"].graph

    @property
    def inlined_graph(self) -> Graph:
        return self._hj_methods["forward"].inlined_graph

    @property
    def code(self) -> str:
        return self._hj_methods["forward"].code

    @property
    def code_with_constants(self) -> tuple[str, Any]:
        return self._hj_methods["forward"].code_with_constants

    def graph_for(self, *args: Any, **kwargs: Any) -> Graph:
        return self._hj_methods["forward"].graph_for(*args, **kwargs)

    def save(self, f: Any, _extra_files: dict[str, Any] | None = None) -> None:
        """`hybridjit.save(self, f)`."""
        save_archive(self, f, _extra_files)


def _compiled_method(module: ScriptModule, name: str) -> Any:
    """`module.<name>` as a bound compiled method (with `.graph`, `.code`, `.schema`)."""
    methods = module.__dict__.get("_hj_methods") or {}
    if name in methods:
        return _BoundMethod(module, methods[name])
    return module._forward_unbound


class _BoundMethod:
    """`module.method`: calls the graph with the module as `%self`; exposes `.graph`."""

    def __init__(self, module: ScriptModule, method: ScriptFunction) -> None:
        self.module, self.method = module, method

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.method(self.module, *args, **kwargs)

    def using(self, executor: str) -> Callable[..., Any]:
        """This method run by another executor, bound to its module."""
        run = self.method.using(executor)
        return lambda *args, **kwargs: run(self.module, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.method, name)


# ---------------------------------------------------------------------------------------------
# containers: a compiled ModuleList / Sequential / ModuleDict indexes, iterates and has a len,
# as torch.jit.script's does (`m.blocks[0]`, `len(m.layers)`, `m.heads["cls"]`).

_SEQUENCES = frozenset({"ModuleList", "Sequential"})
_MAPPINGS = frozenset({"ModuleDict"})


class _ContainerMethods:
    """The Python container protocol of a compiled module container, over its submodules."""

    _modules: dict[str, torch.nn.Module | None]

    def _hj_is_mapping(self) -> bool:
        return self.original_name in _MAPPINGS  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Any:
        return iter(self._modules) if self._hj_is_mapping() else iter(self._modules.values())

    def __contains__(self, item: Any) -> bool:
        if self._hj_is_mapping():
            return item in self._modules
        return any(item is m for m in self._modules.values())

    def __getitem__(self, key: Any) -> Any:
        if self._hj_is_mapping():
            return self._modules[key]
        items = list(self._modules.values())
        if not isinstance(key, slice):
            return items[key]
        if self.original_name == "Sequential":  # type: ignore[attr-defined]
            return torch.nn.Sequential(*items[key])
        return torch.nn.ModuleList(items[key])


_CONTAINER_CLASSES: dict[type, type] = {}


def adopt_container_protocol(module: ScriptModule) -> None:
    """Give `module` the container protocol when it was compiled from a module container."""
    if module.original_name not in _SEQUENCES | _MAPPINGS:
        return
    base = type(module)
    if base not in _CONTAINER_CLASSES:
        _CONTAINER_CLASSES[base] = type(base.__name__, (_ContainerMethods, base),
                                        {"__module__": base.__module__})  # fmt: skip
    module.__class__ = _CONTAINER_CLASSES[base]
