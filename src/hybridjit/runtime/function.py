"""ScriptFunction: a graph, callable through any executor; `function_from_graph`."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from hybridjit.errors import ArgumentError, Error
from hybridjit.ir.graph import Graph
from hybridjit.pipeline import for_codegen, inlined
from hybridjit.runtime import codegen as _codegen  # noqa: F401 - registers the executor
from hybridjit.runtime import interpreter as _interpreter  # noqa: F401 - registers it too
from hybridjit.runtime.arguments import (
    convert_arguments,
    exact_check,
    full_converter,
    python_class,
)
from hybridjit.runtime.executors import DEFAULT, compile_with
from hybridjit.runtime.pretty import ConstMap, code_with_constants, graph_to_code, schema_text

# The archive writer (`serialization/`, a layer above this one) registers itself here when
# it is imported; the public API imports it, so `fn.save(f)` works wherever `hybridjit.save` does.
ARCHIVE_WRITERS: list[Callable[..., None]] = []


def function_from_graph(
    graph: Graph, executor: str = DEFAULT, name: str = "forward"
) -> Callable[..., Any]:
    """A Python callable that runs `graph` with the chosen executor.

    `codegen` (the default) turns the graph into Python source and compiles it;
    `interpreter` walks the nodes one by one and is the reference semantics.

    This is the raw callable: arguments are not type-checked or converted (a
    `ScriptFunction` does that).  A graph has no default values, so every parameter is
    required; parameters may be passed by position or by keyword (the graph inputs' names,
    `%x.1` being `x`).  A wrong number of arguments or an unknown keyword is a plain
    `TypeError` naming the function and the parameter, exactly the exception eager Python
    raises for the same wrong call (differential tests compare exception types).
    """
    run = compile_with(executor, graph, name)
    arity = len(graph.inputs)
    params = [v.debug_name.partition(".")[0] for v in graph.inputs]
    signature = _positional_signature(params)

    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != arity:
            args = _bind(name, arity, signature, args, kwargs, TypeError)
        return run(*args)

    call.__name__ = call.__qualname__ = name
    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


def _positional_signature(params: list[str]) -> inspect.Signature | None:
    """`(a, b, ...)` from graph input names; None when they are not distinct identifiers."""
    if len(set(params)) != len(params) or not all(p.isidentifier() for p in params):
        return None
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter(p, kind) for p in params])


def _bind(name: str, arity: int, signature: inspect.Signature | None,
          args: tuple[Any, ...], kwargs: dict[str, Any],
          error: type[TypeError] = ArgumentError) -> tuple[Any, ...]:  # fmt: skip
    if signature is None:
        raise error(
            f"{name}() expected {arity} positional arguments, "
            f"got {len(args)}{' and keywords' if kwargs else ''}"
        )
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as e:
        raise error(f"{name}(): {e}") from None
    bound.apply_defaults()
    return tuple(bound.arguments.values())


def save_archive(obj: Any, f: Any, extra_files: dict[str, Any] | None) -> None:
    """`hybridjit.save(obj, f)`, for the `.save` methods of functions and modules."""
    if not ARCHIVE_WRITERS:
        raise Error("hybridjit.serialization is not loaded; call hybridjit.save(obj, f)")
    ARCHIVE_WRITERS[-1](obj, f, _extra_files=extra_files)


class ScriptFunction:
    """A compiled function: callable, with `.graph`, `.code`, `.inlined_graph` and `.schema`.

    `signature` lists the Python-level parameters (names and defaults) so keyword calls and
    defaults work; the graph itself always takes every argument positionally.
    """

    def __init__(self, name: str, graph: Graph, *, qualified_name: str | None = None,
                 signature: inspect.Signature | None = None) -> None:  # fmt: skip
        self.name = self.__name__ = name
        self.qualified_name = qualified_name or f"__torch__.{name}"
        self.signature = signature
        # `*args` / `**kwargs`: every call binds through the signature (they pack arguments).
        self._packs = signature is not None and any(
            p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in signature.parameters.values()
        )
        self._set_graph(graph)

    @property
    def graph(self) -> Graph:
        return self._graph

    @graph.setter
    def graph(self, graph: Graph) -> None:
        self._set_graph(graph)

    def _set_graph(self, graph: Graph) -> None:
        self._graph = graph
        self._arity = len(graph.inputs)
        types = [v.type for v in graph.inputs]
        self._classes = tuple(python_class(t) for t in types)
        # for the parameters `isinstance` does not fully check (ints, containers)
        self._exact = exact_check(types)
        self._converters = [full_converter(t) for t in types]
        self._params = [v.debug_name.partition(".")[0] for v in graph.inputs]
        self._types = types
        self._compiled: Callable[..., Any] | None = None  # the default executor's
        self._by_executor: dict[str, Callable[..., Any]] = {}

    @property
    def inlined_graph(self) -> Graph:
        return inlined(self._graph)

    @property
    def code(self) -> str:
        return graph_to_code(self._graph, self.name)

    @property
    def schema(self) -> str:
        """TorchScript's schema text: `forward(__torch__.Net self, Tensor x) -> Tensor`."""
        return schema_text(self.name, self._graph, self.signature)

    @property
    def code_with_constants(self) -> tuple[str, ConstMap]:
        """`(code, constants)`: `.code` and the tensors it refers to as `CONSTANTS.cN`."""
        return code_with_constants(self._graph, self.name)

    def graph_for(self, *args: Any, **kwargs: Any) -> Graph:
        """The graph the default executor runs (the same for every input: hybridjit does
        not specialize on argument values)."""
        return for_codegen(self._graph)

    def compiled(self, executor: str = DEFAULT) -> Callable[..., Any]:
        """The graph compiled by `executor` (cached): positional arguments, no checks."""
        if executor == DEFAULT:
            if self._compiled is None:
                self._compiled = compile_with(executor, self._graph, self.name)
            return self._compiled
        fn = self._by_executor.get(executor)
        if fn is None:
            fn = self._by_executor[executor] = compile_with(executor, self._graph, self.name)
        return fn

    def using(self, executor: str) -> Callable[..., Any]:
        """This function run by another executor (same signature, same argument checks)."""

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(self.compiled(executor), args, kwargs)

        return call

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(self._compiled or self.compiled(), args, kwargs)

    def _call(self, run: Callable[..., Any], args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> Any:  # fmt: skip
        if kwargs or len(args) != self._arity or self._packs:
            args = self._bind(args, kwargs)
        if not all(map(isinstance, args, self._classes)) or (
            self._exact is not None and not self._exact(args)
        ):
            args = self._check_arguments(args)
        try:
            return run(*args)
        except Exception:
            self._check_arguments(args)  # a clearer error when the arguments were wrong
            raise

    def _check_arguments(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """`args` checked and converted as torch.jit does (see runtime/arguments.py)."""
        return convert_arguments(self.name, self._params, self._types, self._converters, args)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        if self.signature is None:
            # no Python signature (a graph set by hand): keywords by graph input name
            return _bind(self.name, self._arity, _positional_signature(self._params), args,
                         kwargs)  # fmt: skip
        return _bind(self.name, self._arity, self.signature, args, kwargs)

    def save(self, f: Any, _extra_files: dict[str, Any] | None = None) -> None:
        """`hybridjit.save(self, f)`."""
        save_archive(self, f, _extra_files)

    def __repr__(self) -> str:
        return f"<hybridjit.ScriptFunction {self.qualified_name}>"
