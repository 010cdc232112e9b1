"""ScriptFunction: a graph plus its compiled executor; `function_from_graph`."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from hybridjit.ir.graph import Graph
from hybridjit.runtime.arguments import check_arguments, python_class

EXECUTORS = ("codegen", "interpreter")


def function_from_graph(
    graph: Graph, executor: str = "codegen", name: str = "forward"
) -> Callable[..., Any]:
    """A Python callable that runs `graph` with the chosen executor.

    `codegen` (the default) turns the graph into Python source and compiles it;
    `interpreter` walks the nodes one by one and is the reference semantics.
    """
    if executor == "codegen":
        from hybridjit.runtime.codegen import compile_graph

        return compile_graph(graph, name)
    if executor == "interpreter":
        from hybridjit.runtime.interpreter import interpret_graph

        return interpret_graph(graph)
    from hybridjit.errors import Error

    raise Error(f"executor must be one of {EXECUTORS}, got {executor!r}")


class ScriptFunction:
    """A compiled function: callable, with `.graph`, `.code`, `.inlined_graph` and `.schema`.

    `signature` lists the Python-level parameters (names and defaults) so keyword calls and
    defaults work; the graph itself always takes every argument positionally.
    """

    def __init__(self, name: str, graph: Graph, *, qualified_name: str | None = None,
                 signature: inspect.Signature | None = None, executor: str = "codegen") -> None:  # fmt: skip
        self.name = self.__name__ = name
        self.qualified_name = qualified_name or f"__torch__.{name}"
        self.signature = signature
        self.executor = executor
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
        self._classes = tuple(python_class(v.type) for v in graph.inputs)
        self._compiled: Callable[..., Any] | None = None

    @property
    def inlined_graph(self) -> Graph:
        from hybridjit.passes.inline import inline_calls

        graph = self._graph.copy()
        inline_calls(graph)
        return graph

    @property
    def code(self) -> str:
        from hybridjit.runtime.pretty import graph_to_code

        return graph_to_code(self._graph, self.name)

    def compiled(self) -> Callable[..., Any]:
        if self._compiled is None:
            self._compiled = function_from_graph(self._graph, self.executor, self.name)
        return self._compiled

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != self._arity:
            args = self._bind(args, kwargs)
        if not all(map(isinstance, args, self._classes)):
            self._check_arguments(args)
        try:
            return (self._compiled or self.compiled())(*args)
        except Exception:
            self._check_arguments(args)  # a clearer error when the arguments were wrong
            raise

    def _check_arguments(self, args: tuple[Any, ...]) -> None:
        inputs = self._graph.inputs
        names = [v.debug_name.partition(".")[0] for v in inputs]
        check_arguments(self.name, names, [v.type for v in inputs], args)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        from hybridjit.errors import ArgumentError

        if self.signature is None:
            raise ArgumentError(
                f"{self.name}() expected {self._arity} positional arguments, "
                f"got {len(args)}{' and keywords' if kwargs else ''}"
            )
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as e:
            raise ArgumentError(f"{self.name}(): {e}") from None
        bound.apply_defaults()
        return tuple(bound.arguments.values())

    def save(self, f: Any, _extra_files: dict[str, Any] | None = None) -> None:
        from hybridjit.serialization.archive import save

        save(self, f, _extra_files=_extra_files)

    def __repr__(self) -> str:
        return f"<hybridjit.ScriptFunction {self.qualified_name}>"
