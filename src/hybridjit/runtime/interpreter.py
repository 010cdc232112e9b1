"""The reference executor: walks the graph node by node, keeping values in a dict.

It is meant to be small and obviously right; the code generator (`codegen.py`) must agree
with it.  Control flow follows the semantics in `ir/graph.py`::

    prim::If(cond)                 outs = run(block0) if cond else run(block1)
    prim::Loop(max, go, *carried)  i = 0
                                   while go and i < max:
                                       go, *carried = run(body, i, *carried); i += 1
                                   outs = carried
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from hybridjit.ir.graph import Block, Graph, Node, Value
from hybridjit.ops import kernels
from hybridjit.runtime.module import call_method, get_attr

Env = dict[Value, Any]


def interpret_graph(graph: Graph) -> Callable[..., Any]:
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
        HANDLERS.get(node.kind, _run_op)(node, env)
    return [env[v] for v in block.outputs]


def _store(node: Node, env: Env, result: Any) -> None:
    outs = node.outputs
    if len(outs) == 1 and node.kind not in kernels.UNPACKING:
        env[outs[0]] = result
    elif outs or node.kind in kernels.UNPACKING:
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
    _store(node, env, result)


# ---------------------------------------------------------------------------------------------
# prims that need the node itself (attributes, blocks)


def _constant(node: Node, env: Env) -> None:
    env[node.output] = kernels.constant_value(node)


def _if(node: Node, env: Env) -> None:
    block = node.blocks[0] if env[node.inputs[0]] else node.blocks[1]
    _store_all(node, env, run_block(block, env, ()))


def _loop(node: Node, env: Env) -> None:
    max_trip, go, *carried = (env[v] for v in node.inputs)
    body, i = node.blocks[0], 0
    while go and i < max_trip:
        go, *carried = run_block(body, env, (i, *carried))
        i += 1
    _store_all(node, env, carried)


def _store_all(node: Node, env: Env, values: Sequence[Any]) -> None:
    env.update(zip(node.outputs, values))


def _get_attr(node: Node, env: Env) -> None:
    env[node.output] = get_attr(env[node.inputs[0]], node["name"])


def _set_attr(node: Node, env: Env) -> None:
    setattr(env[node.inputs[0]], node["name"], env[node.inputs[1]])


def _call_function(node: Node, env: Env) -> None:
    callee = kernels.callee_of(node)
    _call(node, env, callee, [env[v] for v in node.inputs[1:]])


def _call_method(node: Node, env: Env) -> None:
    args = [env[v] for v in node.inputs[1:]]
    _store(node, env, call_method(env[node.inputs[0]], node["name"], *args))


def _call(node: Node, env: Env, fn: Callable[..., Any], args: list[Any]) -> None:
    _store(node, env, fn(*args))


def _tuple_slice(node: Node, env: Env) -> None:
    env[node.output] = env[node.inputs[0]][node["beg"] : node["end"]]


def _isinstance(node: Node, env: Env) -> None:
    env[node.output] = kernels.isinstance_of(env[node.inputs[0]], node["types"])


HANDLERS: dict[str, Callable[[Node, Env], None]] = {
    "prim::Constant": _constant,
    "prim::If": _if,
    "prim::Loop": _loop,
    "prim::GetAttr": _get_attr,
    "prim::SetAttr": _set_attr,
    "prim::CallFunction": _call_function,
    "prim::CallMethod": _call_method,
    "prim::TupleSlice": _tuple_slice,
    "prim::isinstance": _isinstance,
}
