"""The reference executor: walks the graph node by node, keeping values in a dict.

It is meant to be small and obviously right; the code generator (`codegen.py`) must agree
with it. It interprets every frame: a call to a compiled function or method runs the callee's
graph here too. What each prim means is its `interpret` rule (`ops/prims`, whose control-flow
docstring gives the semantics as Python); every other node runs its op's kernel.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from hybridjit.ir.graph import Block, Graph, Node, Value
from hybridjit.ops import kernels
from hybridjit.ops.prims import PRIMS
from hybridjit.runtime import objects
from hybridjit.runtime.executors import register_executor

Env = dict[Value, Any]
EXECUTOR = "interpreter"


def interpret_graph(graph: Graph, name: str = "forward") -> Callable[..., Any]:
    """A callable that runs `graph` node by node (positional arguments only)."""
    n_inputs = len(graph.inputs)

    def interpret(*args: Any) -> Any:
        if len(args) != n_inputs:
            raise TypeError(f"graph takes {n_inputs} arguments, got {len(args)}")
        outputs = run_block(graph.block, {}, args)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    interpret.graph = graph  # type: ignore[attr-defined]
    return interpret


def run_block(block: Block, env: Env, args: Sequence[Any]) -> list[Any]:
    """Bind the block's inputs to `args`, run its nodes, return its outputs."""
    env.update(zip(block.inputs, args))
    for node in block.nodes:
        prim = PRIMS.get(node.kind)
        if prim is not None and prim.interpret is not None:
            prim.interpret(_Interpreter, node, env)
        else:
            _run_op(node, env)
    return [env[v] for v in block.outputs]


def store(node: Node, env: Env, result: Any) -> None:
    """Bind the node's outputs to `result` (its elements, for several outputs)."""
    outs = node.outputs
    unpacks = kernels.unpacks(node)
    if len(outs) == 1 and not unpacks:
        env[outs[0]] = result
    elif outs or unpacks:
        values = tuple(result)
        if len(values) != len(outs):
            word = "not enough" if len(values) < len(outs) else "too many"
            raise ValueError(f"{word} values to unpack (expected {len(outs)}, got {len(values)})")
        env.update(zip(outs, values))


def _run_op(node: Node, env: Env) -> None:
    run = kernels.impl_for_node(node).run
    args = [env[v] for v in node.inputs]
    try:
        result = run(*args)
    except Exception as e:
        if node.kind != "prim::RaiseException":
            kernels.add_context(e, node)
        raise
    store(node, env, result)


def call(fn: Callable[..., Any], args: Sequence[Any]) -> Any:
    """Call a function from a graph: compiled callees are interpreted too."""
    run = getattr(fn, "compiled", None)
    return run(EXECUTOR)(*args) if run is not None else fn(*args)


def call_method(obj: Any, name: str, args: Sequence[Any]) -> Any:
    return objects.call_method(obj, name, *args, executor=EXECUTOR)


class _Interpreter:
    """What prim `interpret` rules use (the functions of this module)."""

    run_block = staticmethod(run_block)
    store = staticmethod(store)
    call = staticmethod(call)
    call_method = staticmethod(call_method)
    get_attr = staticmethod(objects.get_attr)


register_executor(EXECUTOR, interpret_graph)
