"""The public scripting API: `script`, `script_method`, markers and helpers.

@hybridjit.script
def script_fn(x):
    z = torch.ones([1], dtype=torch.int64)
    for i in range(int(x)):
        z = z * (i + 1)
    return z

script_fn.graph   # graph(%x.1 : Tensor): ... prim::Loop ...
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import inspect
import linecache
import textwrap
from typing import Any, Callable, Iterator, TypeVar

import torch

from hybridjit import pipeline as _pipeline  # noqa: F401
from hybridjit.errors import FrontendError
from hybridjit.frontend.script import futures as _futures  # registers torch.jit.fork/wait
from hybridjit.frontend.script import special_forms

# Everything a first `script(fn)` needs is loaded with the public API, as `import torch` loads
# torch.jit: the first compile pays for compiling, not for importing.
from hybridjit.frontend.script.compiler import compile_function
from hybridjit.frontend.script.modules import script_module  # its import registers a hook
from hybridjit.frontend.script.objects import EXPORT_MARK, IGNORE_MARK, SCRIPT_METHOD_MARK
from hybridjit.frontend.script.script_classes import script_class
from hybridjit.frontend.script.types_from_annotations import type_from_python
from hybridjit.frontend.tracer import state as tracer_state
from hybridjit.ops import resolution as _resolution  # noqa: F401
from hybridjit.ops.prims.futures import completed
from hybridjit.runtime.arguments import is_value_of
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule
from hybridjit.serialization import archive as _archive  # noqa: F401 - `.save` methods need it
from hybridjit.utils import collector_paused

T_ = TypeVar("T_")
F = TypeVar("F", bound=Callable[..., Any])


def script(obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None,
           example_inputs: Any = None) -> Any:  # fmt: skip
    """Compile a function, an `nn.Module` instance (recursively) or a class to graphs."""
    with collector_paused():
        return _script(obj)


def _script(obj: Any) -> Any:
    if isinstance(obj, (ScriptFunction, ScriptModule)):
        return obj
    if isinstance(obj, torch.nn.Module):
        return script_module(_prepared(obj, {}))
    if isinstance(obj, type):
        return script_class(obj)
    if callable(obj):
        return compile_function(obj)

    raise FrontendError(
        f"expected a function, nn.Module or class to script, found {type(obj).__name__}"
    )


def _prepared(module: torch.nn.Module, done: dict[int, torch.nn.Module]) -> torch.nn.Module:
    """`module.__prepare_scriptable__()` (a scriptable stand-in), then the same for every
    submodule, replaced in place: what torch.jit.script does before compiling."""
    if id(module) in done or isinstance(module, ScriptModule):
        return done.get(id(module), module)
    prepare = getattr(module, "__prepare_scriptable__", None)
    ready = prepare() if callable(prepare) else module
    done[id(module)] = ready
    for name, sub in list(ready._modules.items()):
        if sub is not None:
            ready._modules[name] = _prepared(sub, done)
    return ready


def interface(cls: type) -> type:
    """`torch.jit.interface`: `cls` declares methods (bodies unused) that a submodule
    annotated with it must implement; scripting checks it and calls the submodule's own."""
    if not inspect.isclass(cls):
        raise FrontendError(f"expected a class to declare an interface, found {type(cls).__name__}")
    cls.__hj_interface__ = True  # type: ignore[attr-defined]
    return cls


def script_method(fn: F) -> F:
    """Mark a method of a `hybridjit.ScriptModule` subclass for compilation at construction."""
    setattr(fn, SCRIPT_METHOD_MARK, True)
    return fn


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """Leave a function in Python: script code calls it through the interpreter."""
    if callable(drop):
        setattr(drop, IGNORE_MARK, "ignore")
        return drop

    def decorate(fn: F) -> F:
        setattr(fn, IGNORE_MARK, "unused" if drop else "ignore")
        return fn

    return decorate


def unused(fn: F) -> F:
    """Do not compile `fn`; calling it from script code raises."""
    if isinstance(fn, property):
        return fn  # type: ignore[return-value]
    setattr(fn, IGNORE_MARK, "unused")
    return fn


def export(fn: F) -> F:
    """Compile this module method even when `forward` does not call it."""
    setattr(fn, EXPORT_MARK, True)
    return fn


# `x: Final[int]` marks a module attribute as a constant; the same marker as torch.jit's.
Final = torch.jit.Final


def Attribute(value: T_, type: Any) -> T_:  # noqa: N802 - torch.jit's spelling
    """`self.x = Attribute([], List[int])` in `__init__`: declares the attribute's type.

    It is torch.jit's own marker (a NamedTuple), so either spelling works; the compiler
    unwraps it when the module is compiled.
    """
    return torch.jit.Attribute(value, type)  # type: ignore[return-value]


def annotate(the_type: Any, the_value: T_) -> T_:
    """`annotate(List[int], [])`: give an expression a type (identity in Python)."""
    return the_value


def is_scripting() -> bool:
    """False in Python; True inside compiled code (the compiler treats it as a constant)."""
    return False


def is_tracing() -> bool:
    """Whether a hybridjit trace is being recorded."""
    return tracer_state.is_tracing()


def fork(func: Callable[..., Any], *args: Any, **kwargs: Any) -> torch.futures.Future:
    """`torch.jit.fork`: in Python, `func(*args, **kwargs)` runs now and its result (or its
    exception) waits in the returned future; compiled code runs forks in parallel."""
    return completed(lambda: func(*args, **kwargs))


def wait(future: torch.futures.Future) -> Any:
    """`torch.jit.wait`: the future's result, or the exception its call raised."""
    return future.wait()


special_forms.register(fork, _futures.fork_form)
special_forms.register(wait, _futures.wait_form)


def script_if_tracing(fn: F) -> F:
    """`fn` runs as Python, except under `hybridjit.trace`, where it is scripted (once) and
    the trace records a call to the compiled function: its control flow survives the trace."""
    compiled: list[ScriptFunction] = []

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not tracer_state.is_tracing():
            return fn(*args, **kwargs)
        if not compiled:
            compiled.append(script(fn))
        return compiled[0](*args, **kwargs)

    wrapper.__original_fn = fn  # type: ignore[attr-defined]  # torch.jit's own marker names
    wrapper.__script_if_tracing_wrapper = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def optimized_execution(should_optimize: bool) -> Iterator[None]:
    """Accepted for torch.jit compatibility. hybridjit's executors do not profile or
    specialize at run time, so there is nothing to switch: code runs the same either way."""
    yield


def isinstance(obj: Any, target_type: Any) -> bool:  # noqa: A001 - torch.jit.isinstance's name
    """`torch.jit.isinstance` in Python: like `isinstance`, but also checks the element types
    of `List[int]`, `Dict[str, Tensor]`, `Tuple[...]`, `Optional[...]` and `Union[...]`."""
    if builtins.isinstance(target_type, tuple):
        return any(isinstance(obj, t) for t in target_type)
    if builtins.isinstance(target_type, type) and not _is_typing_alias(target_type):
        return builtins.isinstance(obj, target_type)
    return is_value_of(obj, type_from_python(target_type))


def _is_typing_alias(t: Any) -> bool:
    return getattr(t, "__origin__", None) is not None


class CompilationUnit:
    """Compile functions from a source string: `cu = CompilationUnit(src); cu.f(x)`."""

    def __init__(self, lang: str | None = None, _frames_up: int = 0) -> None:
        self._functions: dict[str, Any] = {}
        if lang is not None:
            self.define(lang)

    def define(self, src: str, rcb: Any = None, _frames_up: int = 0) -> None:

        src = textwrap.dedent(src)
        filename = f"<hybridjit.CompilationUnit {id(self)}:{len(self._functions)}>"
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
        scope: dict[str, Any] = {"torch": torch, "__name__": "__hj_cu__"}
        scope.update({k: v.__call__ if False else v for k, v in self._functions.items()})
        exec(compile(src, filename, "exec"), scope)  # noqa: S102 - the user's own source
        for name, value in list(scope.items()):
            if callable(value) and getattr(value, "__code__", None) is not None and \
                    value.__code__.co_filename == filename:  # fmt: skip
                self._functions[name] = compile_function(value)

    def __getattr__(self, name: str) -> Any:
        functions = self.__dict__.get("_functions", {})
        if name in functions:
            return functions[name]
        raise AttributeError(f"CompilationUnit has no function {name!r}")

    def find_function(self, name: str) -> Any:
        return self._functions.get(name)


def _register_markers() -> None:

    special_forms.register(is_scripting, special_forms._true)
    special_forms.register(is_tracing, special_forms._false)
    special_forms.register(isinstance, special_forms._isinstance)

    special_forms._ANNOTATE_FNS.append(annotate)


_register_markers()
