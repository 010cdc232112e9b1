"""Executors, registered by name: ways of running a graph, chosen when a graph is compiled.

An executor turns `(graph, name)` into a Python callable taking the graph's inputs
positionally. `codegen` (generated Python, the default) and `interpreter` (node by node, the
reference) register themselves; another engine plugs in with `register_executor`, without
any change to the frontends or to the function and module wrappers.
"""

from __future__ import annotations

from typing import Any, Callable

from hybridjit.errors import Error
from hybridjit.ir.graph import Graph

Compile = Callable[[Graph, str], Callable[..., Any]]
DEFAULT = "codegen"
PYTHON_EXECUTORS = ("codegen", "interpreter")  # the two that ship with the core
EXECUTORS: dict[str, Compile] = {}


def register_executor(name: str, compile_graph: Compile) -> None:
    """Make `name` an executor: `compile_graph(graph, fn_name)` returns the callable."""
    EXECUTORS[name] = compile_graph


def compile_with(executor: str, graph: Graph, name: str = "forward") -> Callable[..., Any]:
    """`graph` compiled by the executor called `executor`."""
    compile_graph = EXECUTORS.get(executor)
    if compile_graph is None:
        raise Error(f"executor must be one of {tuple(EXECUTORS)}, got {executor!r}")
    return compile_graph(graph, name)
