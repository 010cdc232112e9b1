"""Freezing: a module's attributes folded into its graphs, then inference rewrites.

`freeze(module)` returns a new `ScriptModule` whose `forward` (and any preserved method) is
one inlined graph where every parameter, buffer and attribute the code reads became a
constant — `%self.lin.weight : Float(2, 4, ...) = prim::Constant[...]` — so the `training`
checks of `nn` modules fold away. What cannot be folded stays an attribute of the frozen
module: attributes written by the code (`SetAttr`, in-place ops), preserved names, and values
that have no constant form (lists, dicts, objects). Parameters are shared with the original
module (not copied), as constants that no longer require grad.

`run_frozen_optimizations` then rewrites the frozen graphs (constant propagation, dropout
removal, and with `optimize_numerics` conv/batch-norm folding and folding of constant tensor
expressions); `optimize_for_inference` is both in one call.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable, Sequence

import torch

from hybridjit.errors import ArgumentError
from hybridjit.ir import types as T
from hybridjit.ir.graph import RETURN, Graph, Node, Value
from hybridjit.ops.effects import effects_of
from hybridjit.passes.constant_pooling import constant_pooling
from hybridjit.passes.constant_propagation import propagate_constants
from hybridjit.passes.dce import eliminate_dead_code
from hybridjit.passes.inference import fold_constant_tensors, fold_conv_batchnorm, remove_dropout
from hybridjit.passes.simplify_if import simplify_if_outputs
from hybridjit.pipeline import inlined, run_passes
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule

_FROZEN_IDS = itertools.count()
_SCALARS = (bool, int, float, str, torch.device)


def freeze(module: Any, preserved_attrs: Sequence[str] | None = None,
           optimize_numerics: bool = True) -> ScriptModule:  # fmt: skip
    """`module` (a ScriptModule in eval mode) with its attributes folded into constants,
    keeping `preserved_attrs` (attribute or method names) as they are; then
    `run_frozen_optimizations(frozen, optimize_numerics)`."""
    _check_frozen_input(module)
    preserved = set(preserved_attrs or ())
    methods = ["forward", *sorted(n for n in preserved if n in module._hj_methods)]
    graphs = {n: inlined(module._hj_methods[n].graph) for n in methods if n in module._hj_methods}
    if not graphs:
        raise ArgumentError(f"expected a module with a compiled forward to freeze, found "
                            f"{type(module).__name__} with none")  # fmt: skip
    _fold_attributes(module, graphs.values(), preserved)
    for graph in graphs.values():
        _optimize(graph, optimize_numerics)
    return _frozen_module(module, graphs, _root_reads(graphs.values()))


def run_frozen_optimizations(module: ScriptModule, optimize_numerics: bool = True,
                             preserved_methods: Sequence[str] = ()) -> None:  # fmt: skip
    """Rewrite the graphs of a frozen module in place (see the module docstring).
    `preserved_methods` is accepted as torch.jit does; every compiled method is rewritten."""
    for method in module._hj_methods.values():
        graph = method.graph.copy()
        _optimize(graph, optimize_numerics)
        method.graph = graph


def _optimize(graph: Graph, optimize_numerics: bool) -> None:
    passes = [propagate_constants, simplify_if_outputs, remove_dropout]
    if optimize_numerics:
        passes += [fold_conv_batchnorm, fold_constant_tensors]
    passes += [eliminate_dead_code, constant_pooling]
    while run_passes(graph, passes):
        pass


def optimize_for_inference(module: Any, other_methods: Sequence[str] | None = None) -> ScriptModule:
    """`freeze` (unless `module` is frozen already) with every frozen optimization."""
    if getattr(module, "_hj_frozen", False):
        run_frozen_optimizations(module, optimize_numerics=True)
        return module
    return freeze(module, preserved_attrs=list(other_methods or ()), optimize_numerics=True)


def _check_frozen_input(module: Any) -> None:
    if not isinstance(module, ScriptModule):
        raise ArgumentError(f"expected a ScriptModule (from hybridjit.script or trace) to "
                            f"freeze, found {type(module).__name__}")  # fmt: skip
    if module.training:
        raise ArgumentError("expected a module in eval mode to freeze, found one in training "
                            "mode: call .eval() first")  # fmt: skip


# -- folding ----------------------------------------------------------------------------------


def _fold_attributes(root: ScriptModule, graphs: Iterable[Graph], preserved: set[str]) -> None:
    """Replace attribute reads by constants in `graphs`."""
    graphs = list(graphs)
    owners = [_owners(g, root) for g in graphs]
    written = set().union(*(_written(g, o) for g, o in zip(graphs, owners)))
    for graph, owner in zip(graphs, owners):
        for node in list(graph.all_nodes()):
            if node.kind == "prim::GetAttr" and node.owning_block is not None:
                _fold_read(graph, node, owner, written, preserved, root)


def _root_reads(graphs: Iterable[Graph]) -> set[str]:
    """The names the graphs still read from `%self`: what the frozen module must keep."""
    return {n["name"] for g in graphs for n in g.all_nodes()
            if n.kind == "prim::GetAttr" and n.inputs[0] is g.inputs[0]}  # fmt: skip


def _owners(graph: Graph, root: ScriptModule) -> dict[Value, torch.nn.Module]:
    """The module each module-typed value is, statically (`%self`, `%self.sub`, ...)."""
    owner: dict[Value, torch.nn.Module] = {graph.inputs[0]: root}
    for node in graph.all_nodes():
        if node.kind == "prim::GetAttr" and node.inputs[0] in owner:
            value = _read(owner[node.inputs[0]], node["name"])
            if isinstance(value, torch.nn.Module):
                owner[node.output] = value
    return owner


def _written(graph: Graph, owner: dict[Value, torch.nn.Module]) -> set[tuple[int, str]]:
    """(id(module), name) of every attribute the graph assigns or mutates in place."""
    written: set[tuple[int, str]] = set()
    for node in graph.all_nodes():
        if node.kind == "prim::SetAttr" and node.inputs[0] in owner:
            written.add((id(owner[node.inputs[0]]), node["name"]))
        elif node.kind == "prim::GetAttr" and node.inputs[0] in owner and _mutated(node.output):
            written.add((id(owner[node.inputs[0]]), node["name"]))
    return written


def _mutated(value: Value) -> bool:
    """Whether `value` (an attribute read) may be written in place, directly or through a
    value that aliases it (a view, a container, a loop-carried or If-merged value)."""
    for use in value.uses:
        user = use.user
        if user.kind in _CALLS or (user.blocks and user.kind not in ("prim::If", "prim::Loop")):
            return True  # an unknown callee, or a structure we do not follow
        if any(map(_mutated, _aliases_of_use(user, use.offset))):
            return True
        if not user.blocks and user.kind != RETURN and use.offset in effects_of(user).writes:
            return True
    return False


_CALLS = ("prim::CallFunction", "prim::CallMethod", "prim::PythonOp")
_CONTAINERS = ("prim::ListConstruct", "prim::TupleConstruct", "prim::DictConstruct")


def _aliases_of_use(user: Node, offset: int) -> list[Value]:
    """The values through which input `offset` of `user` is visible afterwards."""
    if user.kind == RETURN:
        owner = user.owning_block.owning_node if user.owning_block is not None else None
        if owner is None:
            return []  # returned to the caller
        if owner.kind == "prim::Loop":
            return (
                [] if offset == 0 else [owner.outputs[offset - 1], owner.blocks[0].inputs[offset]]
            )
        return [owner.outputs[offset]]
    if user.kind == "prim::Loop":
        return [] if offset < 2 else [user.outputs[offset - 2], user.blocks[0].inputs[offset - 1]]
    if user.kind in _CONTAINERS or (not user.blocks and offset in effects_of(user).aliases):
        return list(user.outputs)
    return []


def _fold_read(graph: Graph, node: Node, owner: dict[Value, torch.nn.Module],
               written: set[tuple[int, str]], preserved: set[str], root: ScriptModule) -> None:  # fmt: skip
    obj = owner.get(node.inputs[0])
    name = node["name"]
    if obj is None or node.output in owner or (id(obj), name) in written:
        return
    if obj is root and name in preserved:
        return
    value = _read(obj, name)
    if isinstance(value, torch.Tensor):
        value = value.detach()
        out_type: T.Type = T.TensorType.of(value)
    elif value is None or isinstance(value, _SCALARS):
        out_type = node.output.type
    else:
        return  # no constant form (lists, dicts, objects): it stays an attribute
    with graph.inserting_into(node.owning_block, node):  # type: ignore[arg-type]
        const = graph.constant(value, out_type, node.source_range)
    const.set_debug_name(_path(node))
    node.output.replace_all_uses_with(const)
    node.destroy()


def _read(obj: torch.nn.Module, name: str) -> Any:
    for table in ("_parameters", "_buffers", "_modules"):
        found = obj.__dict__.get(table, {})
        if name in found:
            return found[name]
    return obj.__dict__[name] if name in obj.__dict__ else getattr(obj, name)


def _path(node: Node) -> str:
    """`self.sub.conv.weight`: the attribute path of a read, for the constant's name."""
    names = [node["name"]]
    value = node.inputs[0]
    while value.node.kind == "prim::GetAttr":
        names.append(value.node["name"])
        value = value.node.inputs[0]
    return ".".join(["self", *reversed(names)])


# -- the frozen module ------------------------------------------------------------------------


def _frozen_module(module: ScriptModule, graphs: dict[str, Graph], kept: set[str]) -> ScriptModule:
    frozen = ScriptModule.__new__(ScriptModule)
    ScriptModule.__init__(frozen)
    original = module._hj_type
    short = original.qualified_name.rpartition(".")[2]
    cls = T.ClassType(f"__torch__.___frozen_{next(_FROZEN_IDS)}.{short}", True)
    cls.attributes.update({n: original.attributes[n] for n in kept if n in original.attributes})
    object.__setattr__(frozen, "_hj_type", cls)
    object.__setattr__(frozen, "_hj_frozen", True)
    frozen.training = False
    for name in kept:
        _copy_attribute(module, frozen, name)
    for name, graph in graphs.items():
        graph.inputs[0].type = cls
        old = module._hj_methods[name]
        frozen._hj_define(name, ScriptFunction(name, graph, qualified_name=f"{cls}.{name}",
                                               signature=old.signature))  # fmt: skip
    return frozen


def _copy_attribute(source: torch.nn.Module, target: torch.nn.Module, name: str) -> None:
    for table in ("_parameters", "_buffers", "_modules"):
        if name in source.__dict__.get(table, {}):
            target.__dict__[table][name] = source.__dict__[table][name]
            return
    object.__setattr__(target, name, getattr(source, name))
