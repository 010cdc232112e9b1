"""Lowering an inlined hybridjit graph to an ONNX model.

The result is an `Exported`: the `onnx.ModelProto` plus how its inputs and outputs map back
to the Python signature (`inputs`, `outputs` spec trees) and the table of exceptions the
program can raise.  Both are also stored in the model's `metadata_props` (JSON under
`hybridjit.inputs`, `hybridjit.outputs`, `hybridjit.errors`), so a Python-free runtime can
interpret them.

Mutated inputs: a list or tensor argument the program changes in place (`xs.append(v)`,
`xs[i] = v`, `xs.sort()`, `x[0] = 5`, `x.add_(y)`, ...) comes back as one more output after
the program's own, listed in `hybridjit.writeback` (`[{"arg": i, "kind": "int_list",
"index": k}]`); the onnxruntime runner writes it back into the caller's list (`xs[:] = ...`)
or tensor (`x.copy_(...)`), so the caller sees what Python shows.  An input is only mutated
where no other value of the program names it (else ExportError), not written back when the
program raises, and arguments that share memory run in Python.

Error output: a program that can raise (`raise`, `assert`, checks in `nn` code) gets one
more output, `hybridjit_error` (int64 scalar): 0 when the program returned normally, k when
it raised the k-th entry of `hybridjit.errors` (`{"class": "builtins.ValueError",
"message": "..." or null when computed at run time, "where": "file:line:col"}`).  The other
outputs are then placeholders.  Nothing after a failed check is computed.  Checks that an
onnxruntime kernel makes itself are left to it: a tensor index out of range (Gather), shapes
that do not broadcast or multiply; the run then fails (an onnxruntime error, not the error
output), and the hybridjit runner re-derives eager's exception with the codegen executor.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import tempfile
from typing import Any, Iterator, Sequence

import numpy as np
import onnx
import onnx_ir as ir
import torch
from onnx_ir.passes.common import InlinePass, RemoveUnusedNodesPass

from hybridjit import pipeline
from hybridjit.backends.onnx._recorder import function_to_ir
from hybridjit.backends.onnx.context import ELEM_RANK, ExportContext
from hybridjit.backends.onnx.torchlib_rules import export_with_torchlib
from hybridjit.backends.onnx.values import Const, Entries, Items, torch_to_onnx_dtype
from hybridjit.errors import ExportError
from hybridjit.ir import types as T
from hybridjit.ir.graph import PARAM, RETURN
from hybridjit.ops import registry
from hybridjit.ops.aten_export import ATEN_EXPORT, VIEW_WRITEBACK, mutates_list
from hybridjit.ops.effects import effects_of
from hybridjit.ops.kernels import kernel_for
from hybridjit.ops.prims import PRIMS
from hybridjit.version import __version__

DEFAULT_OPSET = 18
ERROR_OUTPUT = "hybridjit_error"
_SUFFIX = re.compile(r"\.\d+$")
_VIEW_OPS = {"view", "reshape", "select", "slice", "transpose", "expand", "narrow", "squeeze",
             "unsqueeze", "permute", "t", "as_strided", "__getitem__", "detach", "expand_as",
             "view_as", "flatten", "unflatten", "split", "chunk", "unbind", "diagonal",
             "alias", "contiguous", "to"}  # fmt: skip


@dataclasses.dataclass
class Exported:
    model: onnx.ModelProto
    inputs: list[dict[str, Any]]
    outputs: Any
    errors: list[dict[str, Any]]
    has_error_output: bool
    # list inputs changed in place: `{"arg": i, "kind": "int_list", "index": k}`, output k
    # holds the list's final value (the runner writes it back into the caller's list)
    writeback: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # whether the program asks whether two tensor arguments are one object (`query is key`):
    # the export holds for arguments that are one object exactly where these were
    identity_sensitive: bool = False

    @functools.cached_property
    def large(self) -> bool:
        """Whether the weights need ONNX external data (`EXTERNAL_DATA_BYTES`)."""
        weights = sum(len(t.raw_data) for t in self.model.graph.initializer)
        return weights > EXTERNAL_DATA_BYTES

    @functools.cached_property
    def saved(self) -> str:
        """The path of a copy written with `write_model` (in a directory of its own, removed
        with this object): what onnxruntime loads a large model from."""
        self._directory = tempfile.TemporaryDirectory(prefix="hybridjit-onnx-")
        path = os.path.join(self._directory.name, "model.onnx")
        write_model(self, path)
        return path

    @functools.cached_property
    def prepacks(self) -> bool:
        """Whether onnxruntime would pre-pack a weight: a MatMul or Gemm of a constant (an
        initializer, or computed from constants only, as onnxruntime folds `Transpose(W)`)."""
        constant = {t.name for t in self.model.graph.initializer}
        nodes = []
        for n in _all_nodes(self.model.graph):  # in order: producers before their users
            nodes.append(n)
            if all(i in constant for i in n.input if i) and not _has_subgraph(n):
                constant.update(n.output)
        return any(n.op_type in ("MatMul", "Gemm") and len(n.input) > 1 and n.input[1] in constant
                   for n in nodes)  # fmt: skip


def _has_subgraph(node: onnx.NodeProto) -> bool:
    return any(a.type == onnx.AttributeProto.GRAPH for a in node.attribute)


def _all_nodes(graph: onnx.GraphProto) -> Iterator[onnx.NodeProto]:
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from _all_nodes(attr.g)


def lower_node(ctx: ExportContext, node: Any) -> None:
    prim = PRIMS.get(node.kind)
    if prim is not None and prim.export is not None:
        prim.export(ctx, node)
        return
    if node.kind in ("prim::CallFunction", "prim::CallMethod", "prim::PythonOp"):
        raise ctx.error(f"{node.kind}: a call of Python code (an @ignore'd function or method) "
                        "cannot run in ONNX", hint="script that function too, or move the call "
                        "out of the exported code")  # fmt: skip
    schema = node.schema
    if schema is None:
        raise ctx.error(f"{node.kind} has no ONNX translation",
                        hint="rewrite this line with torch tensor ops")  # fmt: skip
    key = schema.qualified_overload
    if _fold(ctx, node):
        return
    rule = ATEN_EXPORT.get(key) or ATEN_EXPORT.get(schema.name if not schema.overload_name else "")
    if rule is not None:
        rule(ctx, node)
        return
    if schema.is_mutable:
        _inplace(ctx, node)
        return
    if not any(_has_tensor(a.type) for a in (*schema.arguments, *schema.returns)):
        raise ctx.error(f"{key} (an operation on Python values) has no ONNX translation",
                        hint="compute it from tensors, or outside the exported function")  # fmt: skip
    export_with_torchlib(ctx, node)


def _has_tensor(t: Any) -> bool:
    if isinstance(t, T.TensorType):
        return True
    for attr in ("elem", "elems"):
        sub = getattr(t, attr, None)
        if sub is not None:
            return (
                any(map(_has_tensor, sub)) if isinstance(sub, (list, tuple)) else _has_tensor(sub)
            )
    return False


def _fold(ctx: ExportContext, node: Any) -> bool:
    """Evaluate a pure op on export-time values (no tensors involved) right away.

    Only ops without effects fold: running `set_grad_enabled` or `manual_seed` here would
    change the exporting process, not the exported program."""
    schema = node.schema
    effects = effects_of(node)
    if not effects.removable or effects.nondeterministic:
        return False
    if not all(ctx.is_static(v) for v in node.inputs):
        return False
    if any(_has_tensor(a.type) for a in (*schema.arguments, *schema.returns)):
        return False
    if any(isinstance(ctx.static(v), torch.Tensor) for v in node.inputs):
        return False

    try:
        result = kernel_for(schema)(*[ctx.static(v) for v in node.inputs])
    except Exception as e:
        # the program raises here on every input: lower it as a raise
        ctx.raise_here(f"builtins.{type(e).__name__}", str(e))
        return True
    outs = node.outputs
    if len(outs) == 1:
        ctx.bind(outs[0], Const(result))
    else:
        for v, r in zip(outs, result):
            ctx.bind(v, Const(r))
    return True


def _inplace(ctx: ExportContext, node: Any) -> None:
    """`x.add_(y)` -> the functional op, rebinding `x` (only where no alias can see `x`)."""
    schema = node.schema
    name = schema.name
    mutated = [i for i, a in enumerate(schema.arguments) if a.is_write]
    target = node.inputs[0]
    same, links = _same_tensor(ctx, target)
    views = _written_views(ctx, same[-1], node)
    base, base_links = _same_tensor(ctx, views[0].inputs[0]) if views else (same, links)
    base_links |= set(views)
    if (not name.endswith("_") or mutated != [0] or not (_is_fresh(base[-1]) or _is_input(base[-1]))
            or any(_aliased_before(ctx, v, node, base_links) or not _rebindable(ctx, v, node)
                   for v in base)):  # fmt: skip
        raise ctx.error(f"in-place {schema.qualified_overload} on a value other code may also "
                        "see (an input, a view other than a slice or index assigned into, a "
                        "value kept in a list or tuple, or a value from outside this block)",
                        hint=f"use the out-of-place {name[:-1]}(...) and assign the result")  # fmt: skip

    functional = registry.lookup(f"{name[:-1]}.{schema.overload_name}" if schema.overload_name
                                 else name[:-1])  # fmt: skip
    if functional is None:
        raise ctx.error(f"{schema.qualified_overload} has no out-of-place form")
    saved = node.schema
    node.schema = functional
    try:
        (ATEN_EXPORT.get(functional.qualified_overload) or export_with_torchlib)(ctx, node)
    finally:
        node.schema = saved
    result = ctx.binding(node.output)
    result = ctx.cast(ctx.materialize(result), ctx.dtype(ctx.value(target)))
    written = result
    for view in reversed(views):  # x[a:b, i].fill_(v): x with the new values where they read
        written = VIEW_WRITEBACK[view.schema.qualified_overload](ctx, view, ctx.value(view.inputs[0]), written)
    for v in base if views else ():
        ctx.bind(v, written)
    for v in (*same, node.output):
        ctx.bind(v, result)


def _written_views(ctx: ExportContext, value: Any, node: Any) -> list[Any]:
    """The slice / select nodes from a fresh tensor to `value` that `node` writes through
    (`x[a:b, i] = v`), outermost first; [] when `value` is not such a view.  Each view in
    between must serve only the next one (it is not updated)."""
    views: list[Any] = []
    while value.node.schema is not None and value.node.schema.qualified_overload in VIEW_WRITEBACK:
        views.append(value.node)
        value = value.node.inputs[0]
    for inner, outer in zip(views, views[1:]):
        if any(u.user is not inner and not _never_runs(ctx, u.user) for u in outer.output.uses):
            return []
    return views[::-1]


def _same_tensor(ctx: ExportContext, value: Any) -> tuple[list[Any], set[Any]]:
    """`value` and the values it was before an in-place op returned it (`y = x.add_(1)`:
    [y, x]) or a static `if` passed it on, and the block returns those `if`s pass it by."""
    chain, links = [value], set()
    while True:
        producer = value.node
        if _returns_its_input(value):
            value = producer.inputs[0]
        elif producer.kind == "prim::If" and ctx.is_static(producer.inputs[0]):
            block = producer.blocks[0 if ctx.static(producer.inputs[0]) else 1]
            links.add(block.return_node)
            value = block.outputs[value.offset]
        else:
            return chain, links
        chain.append(value)


def _returns_its_input(value: Any) -> bool:
    producer = value.node
    if not producer.kind.startswith("aten::"):
        return False
    returns = producer.schema.returns
    return value.offset < len(returns) and returns[value.offset].is_write


def _is_fresh(value: Any) -> bool:
    """Whether `value` is a new tensor: the result of an aten op that is not a view (a prim's
    result may be an input, a list's element, a branch's operand)."""
    producer = value.node
    if not producer.kind.startswith("aten::") or producer.kind[6:] in _VIEW_OPS:
        return False
    returns = producer.schema.returns
    return value.offset < len(returns) and returns[value.offset].alias is None


def _is_input(value: Any) -> bool:
    """Whether `value` is a tensor argument of the exported function (written back after
    the run: `x[0] = 5` changes the caller's tensor)."""
    return value.node.kind == PARAM and value.node.owning_block.owning_node is None \
        and isinstance(value.type, T.TensorType)  # fmt: skip


def _aliased_before(ctx: ExportContext, value: Any, node: Any, links: set[Any]) -> bool:
    """Whether something other than `node` may hold `value` when `node` mutates it: a view
    or a container made from it anywhere not after `node` in its block (rebinding `value`
    updates only the later reads of `value` itself)."""
    for use in value.uses:
        user = use.user
        if user is node or user in links or _never_runs(ctx, user) or _runs_after(user, node):
            continue
        if user.kind.startswith("aten::"):
            if use.offset in effects_of(user).aliases and _alias_lives_on(ctx, user, node):
                return True
        elif user.kind == RETURN or any(_has_tensor(o.type) for o in user.outputs):
            return True  # a prim that passes tensors on (`x.dtype` does not)
    return False


def _alias_lives_on(ctx: ExportContext, view: Any, node: Any) -> bool:
    """Whether an alias `view` made before `node` (a view, an in-place op's result) or an
    alias of it may be read at or after `node`: it would see the mutation; one whose reads
    are all done before (an earlier `x[a:b] = v`) cannot."""
    for out in view.outputs:
        for use in out.uses:
            user = use.user
            if user is node or _never_runs(ctx, user):
                continue  # `node` reads it before writing (`m[a:b] += y` copies m[a:b] + y)
            if _runs_after(user, node) or not user.kind.startswith("aten::"):
                return True
            if use.offset in effects_of(user).aliases and _alias_lives_on(ctx, user, node):
                return True
    return False


def _runs_after(user: Any, node: Any) -> bool:
    """Whether `user` runs after `node` (or never in the same pass: the other branch of an
    `if`): compared where their blocks meet, e.g. `out[name] = x` in IntermediateLayerGetter's
    `if name in self.return_layers` after mobilenet's `if self.use_res_connect: x += input`."""
    outer: dict[Any, Any] = {}  # block -> node's enclosing node in it
    n = node
    while n is not None:
        outer[n.owning_block] = n
        n = n.owning_block.owning_node
    u = user
    while u.owning_block not in outer:
        u = u.owning_block.owning_node
        if u is None:
            return False
    mine = outer[u.owning_block]
    return u is mine or mine.is_before(u)


def _never_runs(ctx: ExportContext, node: Any) -> bool:
    """Whether `node` is in the branch a static `if` (lowered already) does not take."""
    block = node.owning_block
    while block.owning_node is not None:
        owner = block.owning_node
        cond = owner.inputs[0] if owner.kind == "prim::If" else None
        if cond is not None and cond in ctx.env and ctx.is_static(cond):
            if block is not owner.blocks[0 if ctx.static(cond) else 1]:
                return True
        block = owner.owning_block
    return False


def _rebindable(ctx: ExportContext, value: Any, node: Any) -> bool:
    """Whether rebinding `value` while lowering `node` is seen by all later reads of it."""
    binding = ctx.binding(value)
    if isinstance(binding, Const) and isinstance(binding.value, torch.Tensor):
        # a tensor computed at export (`self.bias.clone()`): rebound where its block reads it
        return value.node.owning_block is node.owning_block
    return isinstance(binding, ir.Value) and (value.node.owning_block is node.owning_block
                                              or _made_in_this_scope(ctx, binding))  # fmt: skip


def _made_in_this_scope(ctx: ExportContext, value: ir.Value) -> bool:
    """Whether `value` was computed in the ONNX graph being built (e.g. before a static `if`,
    whose taken branch is lowered in place, as `F.relu(x, inplace=True)`'s is): rebinding it
    there is seen by every later use, and by nothing else."""
    producer = value.producer()
    return producer is not None and producer.graph is ctx.scope.graph


def _input_name(v: Any) -> str:
    return _SUFFIX.sub("", v.debug_name) if v.has_debug_name() else f"input_{v.offset}"


def export_graph(graph: Any, example_inputs: Sequence[Any], *, self_obj: Any = None,
                 input_names: Sequence[str] | None = None,
                 output_names: Sequence[str] | None = None, dynamic_shapes: bool = True,
                 opset: int | None = None, name: str = "main") -> Exported:  # fmt: skip
    """Export `graph` (calls are inlined on a copy) for inputs like `example_inputs`."""
    opset = opset or DEFAULT_OPSET
    g = pipeline.for_export(graph)
    ctx = ExportContext(opset, lower_node)
    params = list(g.inputs)
    if self_obj is not None:
        self_v, params = params[0], params[1:]
    if len(params) != len(example_inputs):
        raise ExportError(f"cannot export to ONNX: the function takes {len(params)} inputs, "
                          f"{len(example_inputs)} example inputs were given")  # fmt: skip
    names = list(input_names) if input_names is not None else [_input_name(v) for v in params]
    if len(set(names)) != len(names) or len(names) != len(params):
        raise ExportError(
            f"cannot export to ONNX: input names {names} must be unique, one per input"
        )
    with ctx.new_scope(name) as top:
        ctx.top = top.graph
        if self_obj is not None:
            ctx.bind(self_v, Const(self_obj))
        in_spec, given = [], []
        for v, x, nm in zip(params, example_inputs, names):
            first = _same_object(example_inputs, x)
            if first < len(given):  # f(x, x): one input, so `a is b` is known (MHA's `query is key`)
                b, spec = given[first], {"name": nm, "kind": "same", "as": first}
            else:
                b, spec = _input_binding(ctx, v.type, x, nm, dynamic_shapes)
            in_spec.append(spec)
            given.append(b)
            ctx.bind(v, b)
        outs = ctx.lower_block(g.block)
        flat: list[ir.Value] = []
        writeback: list[dict[str, Any]] = []
        if outs is None:
            # raises on every input of this signature: the model only has the error output
            out_spec: Any = {"kind": "none"}
        else:
            specs = [_flatten(ctx, b, v.type, flat) for b, v in zip(outs, g.outputs)]
            out_spec = specs[0] if len(specs) == 1 else {"kind": "tuple", "items": specs}
            # list and tensor inputs the program changes in place: their final value is one
            # more output, which the runner writes back into the caller's object
            for i, v in enumerate(params):
                if (isinstance(v.type, T.ListType) and mutates_list(v)) or (
                        isinstance(v.type, T.TensorType) and ctx.binding(v) is not given[i]):  # fmt: skip
                    spec = _flatten(ctx, ctx.binding(v), v.type, flat)
                    writeback.append({"arg": i, **spec})
        final = []
        seen: set[int] = set()
        for v in flat:
            if (
                v.is_graph_input()
                or v.const_value is not None
                or id(v) in seen
                or v.graph is not top.graph
            ):
                v = ctx.op("Identity", [v])[0]
            seen.add(id(v))
            final.append(v)
        has_err = ctx.err is not None
        if has_err:
            final.append(ctx.op("Identity", [ctx.err])[0])
        names_out = list(output_names) if output_names is not None else []
        keyed = _names_from_keys(out_spec, {ERROR_OUTPUT, "output", *names_out,
                                            *(f"output_{i}" for i in range(len(final)))})  # fmt: skip
        for i, v in enumerate(final):
            if has_err and i == len(final) - 1:
                v.name = ERROR_OUTPUT
            elif i < len(names_out):
                v.name = names_out[i]
            elif i in keyed:
                v.name = keyed[i]
            else:
                v.name = f"output_{i}" if len(final) - has_err > 1 else "output"
        top.graph.outputs.extend(final)
    model = ir.Model(top.graph, ir_version=10, producer_name="hybridjit",
                     producer_version=__version__)  # fmt: skip
    for fn in ctx.functions.values():
        f = function_to_ir(fn)
        model.functions[f.identifier()] = f
    model.metadata_props["hybridjit.inputs"] = json.dumps(in_spec)
    model.metadata_props["hybridjit.outputs"] = json.dumps(out_spec)
    model.metadata_props["hybridjit.errors"] = json.dumps(ctx.errors)
    if writeback:
        model.metadata_props["hybridjit.writeback"] = json.dumps(writeback)
    _finish(model)
    proto = ir.serde.serialize_model(model)
    exported = Exported(proto, in_spec, out_spec, ctx.errors, has_err, writeback, ctx.identity_sensitive)
    if not exported.large:  # a large one is checked where it is written (`write_model`)
        _check(proto)
    return exported


# protobuf cannot hold a message of 2 GB; past this many bytes of weights, they are written
# to a file beside the model (ONNX external data)
EXTERNAL_DATA_BYTES = (2 << 30) - (64 << 20)


def _check(model: onnx.ModelProto | str) -> None:
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:
        raise ExportError(f"internal: the exported model fails onnx.checker: {e}") from e


def write_model(exported: Exported, path: str) -> None:
    """Write the model to `path`; a large one with its weights in `<path>.data` beside it
    (the model then refers to that file, which must stay next to it)."""
    tmp = f"{path}.tmp"
    try:
        if exported.large:
            onnx.save_model(exported.model, tmp, save_as_external_data=True,
                            all_tensors_to_one_file=True,
                            location=f"{os.path.basename(path)}.data", size_threshold=1024)  # fmt: skip
            _check(tmp)
        else:
            with open(tmp, "wb") as fh:
                fh.write(exported.model.SerializeToString())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _finish(model: ir.Model) -> None:
    """Inline torchlib's helper functions, drop unused nodes (onnxruntime runs dead nodes
    inside loop bodies), and add the opsets."""

    if model.functions:
        InlinePass()(model)
    RemoveUnusedNodesPass()(model)
    for node in ir.traversal.RecursiveGraphIterator(model.graph):
        if node.domain and node.domain not in model.opset_imports:
            model.opset_imports[node.domain] = node.version or 1
    # every output of a node needs a name
    for node in ir.traversal.RecursiveGraphIterator(model.graph):
        for out in node.outputs:
            if not out.name:
                out.name = f"anon_{id(out)}"


def _input_binding(ctx: ExportContext, t: Any, x: Any, name: str, dynamic: bool
                   ) -> tuple[Any, dict[str, Any]]:  # fmt: skip
    """The binding of one Python argument and its spec; adds its ONNX inputs to the graph.

    A tuple is one ONNX input per element (`name_0`, `name_1`, ...); a list of numbers is a
    1-D tensor (int64 / double / bool); a list of tensors is an ONNX sequence.
    """
    if type(x) is tuple and isinstance(t, T.VarTupleType):  # `*args: int`: any length
        return _input_binding(ctx, T.ListType(t.elem), list(x), name, dynamic)
    if type(x) is tuple:
        elems = t.elems if isinstance(t, T.TupleType) else [None] * len(x)
        if len(elems) != len(x):
            raise ExportError(f"cannot export to ONNX: input {name!r} is a {len(elems)}-tuple, "
                              f"the example has {len(x)} elements")  # fmt: skip
        parts = [_input_binding(ctx, et, e, f"{name}_{i}", dynamic)
                 for i, (et, e) in enumerate(zip(elems, x))]  # fmt: skip
        return Items([b for b, _ in parts], "tuple"), {"name": name, "kind": "tuple",
                                                       "items": [s for _, s in parts]}  # fmt: skip
    if type(x) is list:
        elem = t.elem if isinstance(t, T.ListType) else None
        kind = {T.IntType: "int", T.FloatType: "float", T.BoolType: "bool"}.get(elem)
        if kind is None and elem is None and x and all(type(e) in (int, float, bool) for e in x):
            kind = type(x[0]).__name__
        if kind is not None:
            if not all(type(e) in (int, float, bool) for e in x):
                raise ExportError(f"cannot export to ONNX: input {name!r} must be a list of "
                                  f"{kind}")  # fmt: skip
            dims = [f"{name}_len" if dynamic else len(x)]
            ov = ir.Value(
                name=name, type=ir.TensorType(ctx.scalar_dtype(kind)), shape=ir.Shape(dims)
            )
            ctx.graph.inputs.append(ov)
            return ov, {"name": name, "kind": f"{kind}_list"}
        if isinstance(elem, T.TensorType) or (elem is None and x
                                              and all(isinstance(e, torch.Tensor) for e in x)):  # fmt: skip
            if not x or not all(isinstance(e, torch.Tensor) for e in x):
                raise ExportError(f"cannot export to ONNX: input {name!r}: the example list of "
                                  "tensors must be non-empty (its dtype becomes the model's)")  # fmt: skip
            dtypes = {e.dtype for e in x}
            if len(dtypes) != 1:
                raise ExportError(f"cannot export to ONNX: input {name!r}: an ONNX sequence "
                                  f"holds tensors of one dtype, the example has {dtypes}")  # fmt: skip
            dt = torch_to_onnx_dtype(x[0].dtype)
            ov = ir.Value(name=name, type=ir.SequenceType(ir.TensorType(dt)))
            ctx.graph.inputs.append(ov)
            spec = {"name": name, "kind": "tensor_list", "dtype": str(x[0].dtype).replace("torch.", "")}
            ranks = {e.dim() for e in x}
            if len(ranks) == 1:  # every element has this rank (the runner checks it)
                ov.meta[ELEM_RANK] = spec["elem_rank"] = ranks.pop()
            return ov, spec
        raise ExportError(f"cannot export to ONNX: input {name!r} is a list of {elem} (only "
                          "lists of tensors, int, float or bool are supported)")  # fmt: skip
    ov, spec = _graph_input(x, name, dynamic)
    if ov is None:
        return Const(x), spec
    ctx.graph.inputs.append(ov)
    return ov, spec


_NP_KIND = {"int": "int64", "float": "float64", "bool": "bool"}


def feeds(in_spec: list[dict[str, Any]], args: Sequence[Any]) -> dict[str, Any]:
    """onnxruntime feeds for `args` of a model exported with input spec `in_spec`."""

    out: dict[str, Any] = {}

    def put(spec: dict[str, Any], a: Any) -> None:
        kind = spec["kind"]
        if kind in ("none", "same"):
            return
        if kind == "tuple":
            for s, e in zip(spec["items"], a):
                put(s, e)
        elif kind == "tensor":
            out[spec["name"]] = a.detach().cpu().contiguous().numpy()
        elif kind == "tensor_list":
            out[spec["name"]] = [e.detach().cpu().contiguous().numpy() for e in a]
        elif kind.endswith("_list"):
            out[spec["name"]] = np.array(a, dtype=_NP_KIND[kind[:-5]]).reshape(len(a))
        else:
            out[spec["name"]] = np.array(a, dtype=_NP_KIND[kind])

    for spec, a in zip(in_spec, args):
        put(spec, a)
    return out


def _same_object(args: Sequence[Any], x: Any) -> int:
    """The index of the first tensor argument that is `x` itself (len(args) for others)."""
    if isinstance(x, torch.Tensor):
        for i, a in enumerate(args):
            if a is x:
                return i
    return len(args)


def _names_from_keys(spec: dict[str, Any], reserved: set[str]) -> dict[int, str]:
    """Output index -> name for the values of returned dicts keyed by identifiers ("out",
    "aux" of a segmentation model), where each such key names one output and no other."""
    found: dict[int, str] = {}
    counts: dict[str, int] = {}

    def walk(s: dict[str, Any], key: Any = None) -> None:
        if s["kind"] in ("tuple", "dict"):
            keys = s["keys"] if s["kind"] == "dict" else [None] * len(s["items"])
            for k, x in zip(keys, s["items"]):
                walk(x, k)
        elif "index" in s and isinstance(key, str) and key.isidentifier():
            found[s["index"]] = key
            counts[key] = counts.get(key, 0) + 1

    walk(spec)
    return {i: k for i, k in found.items() if counts[k] == 1 and k not in reserved}


def _graph_input(x: Any, name: str, dynamic: bool) -> tuple[ir.Value | None, dict[str, Any]]:
    if isinstance(x, torch.Tensor):
        dims = [f"{name}_dim{i}" if dynamic else s for i, s in enumerate(x.shape)]
        ov = ir.Value(
            name=name, type=ir.TensorType(torch_to_onnx_dtype(x.dtype)), shape=ir.Shape(dims)
        )
        return ov, {"name": name, "kind": "tensor", "dtype": str(x.dtype).replace("torch.", ""),
                    "rank": x.dim()}  # fmt: skip
    if isinstance(x, bool):
        return ir.Value(name=name, type=ir.TensorType(ir.DataType.BOOL), shape=ir.Shape([])), \
            {"name": name, "kind": "bool"}  # fmt: skip
    if isinstance(x, int):
        return ir.Value(name=name, type=ir.TensorType(ir.DataType.INT64), shape=ir.Shape([])), \
            {"name": name, "kind": "int"}  # fmt: skip
    if isinstance(x, float):
        return ir.Value(name=name, type=ir.TensorType(ir.DataType.DOUBLE), shape=ir.Shape([])), \
            {"name": name, "kind": "float"}  # fmt: skip
    if x is None:
        return None, {"name": name, "kind": "none"}
    raise ExportError(f"cannot export to ONNX: input {name!r} of type {type(x).__name__} "
                      "(only tensors, int, float, bool, None and lists/tuples of those are supported)")  # fmt: skip


def _flatten(ctx: ExportContext, b: Any, t: Any, flat: list[ir.Value]) -> Any:
    if isinstance(b, Entries):  # the runner rebuilds the dict; each value is an output
        vt = t.value if isinstance(t, T.DictType) else None
        return {"kind": "dict", "keys": list(b.keys),
                "items": [_flatten(ctx, x, vt, flat) for x in b.values]}  # fmt: skip
    if isinstance(b, Items) and b.kind == "tuple":
        elems = t.elems if isinstance(t, T.TupleType) else [None] * len(b.items)
        spec: dict[str, Any] = {
            "kind": "tuple",
            "items": [_flatten(ctx, x, et, flat) for x, et in zip(b.items, elems)],
        }
        if isinstance(t, T.TupleType) and t.field_names is not None:  # the runner rebuilds it
            spec["namedtuple"] = {"name": t.name or "NamedTuple", "fields": list(t.field_names)}
        return spec
    if isinstance(b, Const) and b.value is None:
        return {"kind": "none"}
    kind = {T.IntType: "int", T.FloatType: "float", T.BoolType: "bool"}.get(t, None)
    if isinstance(t, T.ListType):
        elem = t.elem
        kind = "tensor_list" if isinstance(elem, T.TensorType) else {
            T.IntType: "int_list", T.FloatType: "float_list", T.BoolType: "bool_list"}.get(elem)  # fmt: skip
        if kind is None:
            raise ctx.error(f"returning a {t}")
    if kind is None:
        if (
            isinstance(b, Const)
            and isinstance(b.value, (int, float, bool))
            and not isinstance(b.value, torch.Tensor)
        ):
            kind = (
                "bool"
                if isinstance(b.value, bool)
                else "int"
                if isinstance(b.value, int)
                else "float"
            )
        else:
            kind = "tensor"
    if isinstance(b, Const) and kind == "tensor" and not isinstance(b.value, torch.Tensor):
        raise ctx.error(f"returning {b.value!r}")
    if isinstance(b, Items) and kind == "tensor_list":
        b = Items(b.items, "list", "tensor")
    v = ctx.materialize(b, None)
    if t is T.NumberType and kind == "tensor":
        # a Python number whose kind the program's types leave open (`x.item()`): the
        # export is per input dtype, so the ONNX element type says which one it is
        td = ctx.torch_dtype(v)
        if td is None or ctx.rank(v) != 0:
            raise ctx.error("returning a number whose type (int, float or bool) is not known")
        kind = "bool" if td == torch.bool else "float" if td.is_floating_point else "int"
    flat.append(v)
    return {"kind": kind, "index": len(flat) - 1}
