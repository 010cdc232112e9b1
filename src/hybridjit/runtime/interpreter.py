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
Step = Callable[[Env], None]
EXECUTOR = "interpreter"


def interpret_graph(graph: Graph, name: str = "forward") -> Callable[..., Any]:
    """A callable that runs `graph` node by node (positional arguments only)."""
    n_inputs = len(graph.inputs)
    interpreter = _Interpreter()

    def interpret(*args: Any) -> Any:
        if len(args) != n_inputs:
            raise TypeError(f"graph takes {n_inputs} arguments, got {len(args)}")
        outputs = interpreter.run_block(graph.block, {}, args)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    interpret.graph = graph  # type: ignore[attr-defined]
    return interpret


def _op_step(node: Node) -> Step:
    """The step running an op node: its kernel on the input values (a node that cannot run
    fails when it is reached, not when its graph is loaded)."""
    try:
        run = kernels.impl_for_node(node).run
    except Exception as e:  # noqa: BLE001 - raised again if the node is ever reached
        error = e

        def fail(env: Env) -> None:
            raise error

        return fail
    inputs, outs = tuple(node.inputs), node.outputs
    single = len(outs) == 1 and not kernels.unpacks(node)
    keep_context = node.kind != "prim::RaiseException"

    def step(env: Env) -> None:
        try:
            result = run(*[env[v] for v in inputs])
        except Exception as e:
            if keep_context:
                kernels.add_context(e, node)
            raise
        if single:
            env[outs[0]] = result
        else:
            store(node, env, result)

    return step


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


def call(fn: Callable[..., Any], args: Sequence[Any]) -> Any:
    """Call a function from a graph: compiled callees are interpreted too."""
    run = getattr(fn, "compiled", None)
    return run(EXECUTOR)(*args) if run is not None else fn(*args)


def call_method(obj: Any, name: str, args: Sequence[Any]) -> Any:
    return objects.call_method(obj, name, *args, executor=EXECUTOR)


class _Interpreter:
    """Runs blocks; what prim `interpret` rules are handed (`run_block`, `store`, `call`, ...).

    Each block's nodes become a list of steps the first time the block runs: the lookup of
    how a node runs happens once, not on every iteration of a loop.
    """

    def __init__(self) -> None:
        self._steps: dict[int, tuple[Block, list[Step]]] = {}

    def run_block(self, block: Block, env: Env, args: Sequence[Any]) -> list[Any]:
        """Bind the block's inputs to `args`, run its nodes, return its outputs."""
        env.update(zip(block.inputs, args))
        for step in self._steps_of(block):
            step(env)
        return [env[v] for v in block.outputs]

    def _steps_of(self, block: Block) -> list[Step]:
        hit = self._steps.get(id(block))
        if hit is None or hit[0] is not block:
            hit = self._steps[id(block)] = (block, [self._step(n) for n in block.nodes])
        return hit[1]

    def _step(self, node: Node) -> Step:
        prim = PRIMS.get(node.kind)
        if prim is not None and prim.interpret is not None:
            rule = prim.interpret
            return lambda env: rule(self, node, env)
        return _op_step(node)

    store = staticmethod(store)
    call = staticmethod(call)
    call_method = staticmethod(call_method)
    get_attr = staticmethod(objects.get_attr)


register_executor(EXECUTOR, interpret_graph)
