"""Modules in a trace: `prim::GetAttr` chains on `%self`, module types, the traced result.

A traced module keeps its structure: the parameters, buffers and submodules of the original
(the same tensors, shared) are registered on a `TracedModule` — a `hybridjit.ScriptModule` —
whose methods are the traced graphs.  Every plain submodule that was called while tracing got
its own method graph (`forward`, or `forward1`, ... when a later call traced differently), as
torch.jit does; scripted submodules are kept as they are.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from hybridjit.frontend.tracer.state import TracingState
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph, Node, Value
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule, adopt_container_protocol


class TracedModule(ScriptModule):
    """What tracing a `torch.nn.Module` returns: the original's state, traced methods."""

    def __init__(self, original_name: str) -> None:
        super().__init__()
        self.original_name = original_name

    def _get_name(self) -> str:
        return self.original_name


def qualified_name(cls: type) -> str:
    """`__torch__.Net` for a class of `__main__`, else `__torch__.<module>.<qualname>`."""
    qualname = cls.__qualname__.replace("<locals>.", "")
    if cls.__module__ == "__main__":
        return f"__torch__.{qualname}"
    return f"__torch__.{cls.__module__}.{qualname}"


def module_type(state: TracingState, module: torch.nn.Module) -> T.ClassType:
    """The ClassType of `module` in this trace (a scripted module keeps its own)."""
    if isinstance(module, ScriptModule):
        return module._hj_type
    types = state.module_types
    if id(module) not in types:
        state.pin(module)
        types[id(module)] = T.ClassType(_instance_name(state, module), is_module=True)
    return types[id(module)]


def _instance_name(state: TracingState, module: torch.nn.Module) -> str:
    """Each traced instance has methods of its own (two `Pool`s called with other arguments
    trace differently): the second and later of a class get torch.jit's mangled names."""
    base = qualified_name(type(module))
    n = state.instances_named.get(base, 0)
    state.instances_named[base] = n + 1
    if n == 0:
        return base
    head, _, tail = base.rpartition(".")
    return f"{head}.___torch_mangle_{n}.{tail}"


def attribute_paths(state: TracingState, module: torch.nn.Module) -> dict[int, tuple[str, ...]]:
    """id(parameter / buffer / submodule) -> its attribute path from `module` (first found)."""
    cached = state.attr_paths.get(id(module))
    if cached is None:
        cached = {}
        _collect_paths(module, (), cached)
        state.attr_paths[id(module)] = cached
    return cached


def _collect_paths(module: torch.nn.Module, prefix: tuple[str, ...],
                   out: dict[int, tuple[str, ...]]) -> None:  # fmt: skip
    named = [*module._parameters.items(), *module._buffers.items(), *module._modules.items()]
    for name, obj in named:
        if obj is not None and id(obj) not in out:
            out[id(obj)] = (*prefix, name)
    for name, sub in module._modules.items():
        if sub is not None:
            _collect_paths(sub, (*prefix, name), out)


def attribute_value(state: TracingState, obj: Any) -> Value | None:
    """`obj` reached from the frame's `%self` through `prim::GetAttr`s, or None."""
    frame = state.frame
    if frame.module is None:
        return None
    if obj is frame.module:
        return frame.self_value
    path = attribute_paths(state, frame.module).get(id(obj))
    return None if path is None else _get_attr_chain(state, path)


def _get_attr_chain(state: TracingState, path: tuple[str, ...]) -> Value:
    """GetAttr nodes go to the top of the graph (newest first), as torch.jit hoists them."""
    frame = state.frame
    value, owner, anchor = frame.self_value, frame.module, None
    new_nodes: list[Node] = []
    for i, name in enumerate(path):
        owner = getattr(owner, name)
        key = path[: i + 1]
        if key in frame.attrs:
            value = frame.attrs[key]
            anchor = value.node
            continue
        node = frame.graph.create("prim::GetAttr", [value], [_attr_type(state, owner)],
                                  attributes={"name": name})  # fmt: skip
        node.output.set_debug_name(name if name[:1].isalpha() else f"_{name}")
        new_nodes.append(node)
        value = frame.attrs[key] = node.output
    _hoist(frame.graph, new_nodes, anchor)
    return value


def _hoist(graph: Graph, nodes: list[Node], anchor: Node | None) -> None:
    block = graph.block
    for node in nodes:
        if anchor is not None:
            node.insert_after(anchor)
        elif block.nodes:
            node.insert_before(block.nodes[0])
        else:
            block.append(node)
        anchor = node


def _attr_type(state: TracingState, obj: Any) -> T.Type:
    if isinstance(obj, torch.nn.Module):
        return module_type(state, obj)
    return T.TENSOR


# ---------------------------------------------------------------------------------------------
# methods and the traced result


def define_method(state: TracingState, module: torch.nn.Module, base: str, graph: Graph) -> str:
    """Record a traced method of `module`; reuse an existing one that traced identically."""
    methods = state.methods.setdefault(id(module), {})
    text = graph.str(print_source_ranges=False)
    for name, (_, existing_text) in methods.items():
        if existing_text == text:
            return name
    name = base if base not in methods else _fresh(methods, base)
    methods[name] = (graph, text)
    return name


def _fresh(methods: dict[str, Any], base: str) -> str:
    n = 1
    while f"{base}{n}" in methods:
        n += 1
    return f"{base}{n}"


def build(state: TracingState, module: torch.nn.Module,
          memo: dict[int, torch.nn.Module] | None = None) -> torch.nn.Module:  # fmt: skip
    """The TracedModule for `module` (recursively); scripted modules are kept as they are."""
    memo = {} if memo is None else memo
    if isinstance(module, ScriptModule):
        return module
    if id(module) in memo:
        return memo[id(module)]
    traced = memo[id(module)] = TracedModule(type(module).__name__)
    cls = module_type(state, module)
    object.__setattr__(traced, "_hj_type", cls)
    adopt_container_protocol(traced)
    traced._parameters.update(module._parameters)
    traced._buffers.update(module._buffers)
    traced._non_persistent_buffers_set.update(module._non_persistent_buffers_set)
    for name, sub in module._modules.items():
        traced._modules[name] = None if sub is None else build(state, sub, memo)
    object.__setattr__(traced, "training", module.training)
    object.__setattr__(traced, "_hj_extra_repr", module.extra_repr())  # for repr(traced)
    for name, (graph, _) in state.methods.get(id(module), {}).items():
        method = ScriptFunction(name, graph, qualified_name=f"{cls.qualified_name}.{name}",
                                signature=signature_of(graph))  # fmt: skip
        traced._hj_define(name, method)
    _describe(traced, cls)
    return traced


def signature_of(graph: Graph) -> inspect.Signature:
    """Parameters named after the graph's inputs (`%x.1` -> `x`), all positional-or-keyword."""
    names: list[str] = []
    for i, v in enumerate(graph.inputs):
        name = v.debug_name.split(".")[0] if v.has_debug_name() else f"input{i}"
        names.append(name if name.isidentifier() and name not in names else f"input{i}")
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter(n, kind) for n in names])


def _describe(traced: torch.nn.Module, cls: T.ClassType) -> None:
    for name, p in [*traced._parameters.items(), *traced._buffers.items()]:
        cls.attributes[name] = T.NoneType if p is None else T.TENSOR
    for name, sub in traced._modules.items():
        cls.attributes[name] = T.NoneType if sub is None else sub._hj_type
    cls.attributes.setdefault("training", T.BoolType)
