"""Turning a ScriptFunction or ScriptModule into archive entries (`name -> bytes`).

Everything reachable is saved once, in a deterministic depth-first order: the module tree
(shared submodules and tied parameters stay shared), every method, every function reached
through `prim::CallFunction` (by qualified name, made unique), and every tensor — tensor
constants in graphs are printed as `<Tensor>` and listed by reference in the function record.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import torch

from hybridjit.errors import ArchiveError, Error
from hybridjit.ir.graph import Graph
from hybridjit.ir.parser import parse_ir
from hybridjit.ir.printer import OPAQUE_TENSOR, print_graph
from hybridjit.ir.types import ClassType, FunctionType, Type
from hybridjit.ops.prims.values import is_wrapped_number
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.objects import object_fields
from hybridjit.serialization import format as F
from hybridjit.serialization.checks import check_kind_for_save
from hybridjit.serialization.enums import EnumWriter
from hybridjit.serialization.jsonio import dumps
from hybridjit.serialization.tensors import TensorWriter
from hybridjit.serialization.values import (
    ObjectWriter,
    TensorsAndObjects,
    encode,
    type_string,
    value_type,
)
from hybridjit.serialization.zipio import EntryData, check_entry_name
from hybridjit.version import __version__

_NOT_NAME = re.compile(r"[^A-Za-z0-9_.]")
_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional_only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional_or_keyword",
    inspect.Parameter.KEYWORD_ONLY: "keyword_only",
    inspect.Parameter.VAR_POSITIONAL: "var_positional",
    inspect.Parameter.VAR_KEYWORD: "var_keyword",
}


def archive_entries(obj: Any, extra_files: dict[str, Any] | None = None) -> dict[str, EntryData]:
    """The entries of the archive for `obj` (a ScriptFunction or ScriptModule)."""
    writer = _Writer()
    if isinstance(obj, ScriptFunction):
        root = {"kind": "function", "ref": writer.function(obj)}
    elif isinstance(obj, torch.nn.Module):
        root = {"kind": "module", "ref": writer.module_tree(obj)}
    else:
        raise ArchiveError(
            f"can only save a ScriptFunction or ScriptModule, got {type(obj).__name__}"
        )
    entries = writer.entries()
    entries[F.MANIFEST] = dumps(manifest(root, writer.version))
    entries.update(_extra_entries(extra_files or {}))
    return entries


def manifest(root: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {"format": F.FORMAT_NAME, "format_version": version,
            "hybridjit_version": __version__, "torch_version": torch.__version__,
            "root": root}  # fmt: skip


def _extra_entries(extra: dict[str, Any]) -> dict[str, bytes]:
    out = {}
    for name, content in extra.items():
        entry = F.extra_entry(name)
        check_entry_name(entry)
        if isinstance(content, str):
            content = content.encode("utf-8")
        if not isinstance(content, (bytes, bytearray)):
            raise ArchiveError(
                f"extra file {name!r} must be str or bytes, got {type(content).__name__}"
            )
        out[entry] = bytes(content)
    return out


class _Writer:
    def __init__(self) -> None:
        self.tensors = TensorWriter()
        self.enums = EnumWriter()
        self.functions: list[dict[str, Any]] = []
        self.graphs: dict[str, bytes] = {}
        self._fn_names: dict[int, str] = {}
        self._keep: list[Any] = []
        self.types: dict[str, dict[str, Any]] = {}
        self.modules: list[dict[str, Any]] = []
        self._module_ids: dict[int, int] = {}
        self.objects = ObjectWriter()
        self._values = TensorsAndObjects(self.tensors.add, self.objects)

    @property
    def version(self) -> int:
        """The oldest format version that reads what was written."""
        return max([1, F.ENUMS_VERSION if self.enums.records else 1,
                    F.OBJECTS_VERSION if self.objects.records else 1,
                    *(F.WRAPPED_NUMBERS_VERSION for f in self.functions if "wrapped_numbers" in f)])  # fmt: skip

    def entries(self) -> dict[str, EntryData]:
        model = {"functions": self.functions, "types": list(self.types.values()),
                 "modules": self.modules}  # fmt: skip
        if self.enums.records:
            model["enums"] = self.enums.records
        if self.objects.records:
            model["objects"] = self.objects.records
        return {F.MODEL: dumps(model), F.TENSORS_JSON: dumps(self.tensors.records),
                F.TENSORS: self.tensors.safetensors_parts(), **self.graphs}  # fmt: skip

    # -- functions ---------------------------------------------------------------------------
    def function(self, fn: Any) -> str:
        """The archive's qualified name for `fn`, saving it (and its callees) the first time."""
        if id(fn) in self._fn_names:
            return self._fn_names[id(fn)]
        if not isinstance(fn, ScriptFunction):
            raise ArchiveError(
                f"cannot save a call to {fn!r}: only compiled functions can be saved"
            )
        self._keep.append(fn)
        qn = self._unique_name(fn.qualified_name)
        self._fn_names[id(fn)] = qn
        graph = fn.graph.copy()
        self._object_types(graph)
        record = {"name": _plain(fn.name), "qualified_name": qn,
                  "signature": _signature(fn), "tensor_constants": self._tensor_constants(graph, qn),
                  "callees": self._callees(graph)}  # fmt: skip
        wrapped = _wrapped_numbers(graph)
        if wrapped:
            record["wrapped_numbers"] = wrapped
        text, printed = _graph_text(graph, qn)
        self.enums.add_graph(graph, printed, qn)
        self.graphs[F.graph_entry(qn)] = text.encode("utf-8")
        self.functions.append(record)
        return qn

    def _object_types(self, graph: Graph) -> None:
        """Record every script class type (not a module) the graph's values have."""
        values = [*graph.inputs]
        for node in graph.all_nodes():
            values += node.outputs
            for block in node.blocks:
                values += block.inputs
        for v in values:
            self._object_type(v.type)

    def _object_type(self, t: Type) -> None:
        if isinstance(t, ClassType) and not t.is_module:
            if t.qualified_name in self.types:
                return
            record: dict[str, Any] = {"name": t.qualified_name, "object": True,
                                      "attributes": [[n, type_string(a)] for n, a in t.attributes.items()],
                                      "constants": []}  # fmt: skip
            fields = object_fields(t.python_class)
            if fields is not None:  # a dataclass: its repr and == are rebuilt from these
                record["dataclass"] = {
                    "fields": fields,
                    "repr_name": _plain(t.python_class.__qualname__),
                }
            self.types[t.qualified_name] = record
            for a in t.attributes.values():
                self._object_type(a)
        for inner in t.contained():
            self._object_type(inner)

    def _unique_name(self, name: str) -> str:
        base = _NOT_NAME.sub("_", name or "fn").strip(".") or "fn"
        base = ".".join(
            p if p[:1].isalpha() or p[:1] == "_" else f"_{p}" for p in base.split(".") if p
        )
        taken = set(self._fn_names.values())
        qn, n = base, 0
        while qn in taken:
            n += 1
            qn = f"{base}___{n}"
        return qn

    def _tensor_constants(self, graph: Graph, where: str) -> list[int]:
        refs = []
        for node in graph.all_nodes():
            check_kind_for_save(node.kind, where)
            if node.kind == "prim::Constant" and isinstance(
                node.attributes.get("value"), torch.Tensor
            ):
                refs.append(self.tensors.add(node.attributes["value"]))
                node.attributes["value"] = OPAQUE_TENSOR
        return refs

    def _callees(self, graph: Graph) -> list[str | None]:
        # A dead function constant (left behind by inlining) may have no callee: saved as null.
        return [None if n.outputs[0].type.callee is None and not n.outputs[0].uses
                else self.function(n.outputs[0].type.callee) for n in function_constants(graph)]  # fmt: skip

    # -- modules -----------------------------------------------------------------------------
    def module_tree(self, root: torch.nn.Module) -> int:
        self._members_read = _members_read_by_graphs(root)
        return self.module(root)

    def module(self, m: torch.nn.Module) -> int:
        if id(m) in self._module_ids:
            return self._module_ids[id(m)]
        index = self._module_ids[id(m)] = len(self.modules)
        self._keep.append(m)
        record: dict[str, Any] = {}
        self.modules.append(record)
        record.update(self._module_record(m))
        return index

    def _module_record(self, m: torch.nn.Module) -> dict[str, Any]:
        tensor = self.tensors.add
        return {
            "type": self._type(m),
            "training": bool(m.training),
            "parameters": [[n, None if p is None else tensor(p)] for n, p in m._parameters.items()],
            "buffers": [[n, None if b is None else tensor(b)] for n, b in m._buffers.items()],
            "non_persistent_buffers": sorted(m._non_persistent_buffers_set),
            "submodules": [[n, None if s is None else self.module(s)] for n, s in m._modules.items()],
            "attributes": self._attributes(m),
            "methods": [[n, self.function(f)] for n, f in getattr(m, "_hj_methods", {}).items()],
        }  # fmt: skip

    def _type(self, m: torch.nn.Module) -> str:
        t = getattr(m, "_hj_type", None)
        if not isinstance(t, ClassType):
            t = ClassType(f"__torch__.{_plain(type(m).__qualname__)}", True)
        if t.qualified_name not in self.types:
            self.types[t.qualified_name] = {
                "name": t.qualified_name,
                "attributes": [[n, type_string(a)] for n, a in t.attributes.items()],
                "constants": [self._typed(n, v, None) for n, v in t.constants.items()],
            }
        return t.qualified_name

    def _attributes(self, m: torch.nn.Module) -> list[list[Any]]:
        declared = getattr(getattr(m, "_hj_type", None), "attributes", {})
        skip = {
            *m._parameters,
            *m._buffers,
            *m._modules,
            "training",
            *getattr(m, "_hj_methods", {}),
        }
        names = [
            n for n in (*declared, *sorted(self._members_read.get(id(m), ()))) if n not in skip
        ]
        out = []
        for name in dict.fromkeys(names):
            if name in m.__dict__:
                out.append(self._typed(name, m.__dict__[name], declared.get(name)))
        return out

    def _typed(self, name: str, value: Any, declared: Type | None) -> list[Any]:
        is_module = isinstance(declared, ClassType) and declared.is_module
        t = value_type(value, None if is_module else declared)
        self._object_type(t)
        self.enums.add_type(t, f"attribute {name!r}")
        try:
            return [name, type_string(t), encode(value, t, self._values)]
        except ArchiveError as e:
            raise ArchiveError(f"attribute {name!r}: {e}") from None
        except RecursionError:
            raise ArchiveError(f"attribute {name!r}: a too deeply nested value") from None


def _wrapped_numbers(graph: Graph) -> list[int]:
    """Which of a graph's tensor constants (already `<Tensor>` references) are wrapped
    numbers: the text prints them as any `Double` tensor, as torch.jit does."""
    tensors = [n for n in graph.all_nodes()
               if n.kind == "prim::Constant" and n.attributes.get("value") is OPAQUE_TENSOR]  # fmt: skip
    return [i for i, n in enumerate(tensors) if is_wrapped_number(n.output.type)]


def function_constants(graph: Graph) -> list[Any]:
    """The `prim::Constant` nodes of Function type, in printing order (how callees are linked)."""
    return [n for n in graph.all_nodes()
            if n.kind == "prim::Constant" and len(n.outputs) == 1
            and isinstance(n.outputs[0].type, FunctionType)]  # fmt: skip


def _members_read_by_graphs(root: torch.nn.Module) -> dict[int, set[str]]:
    """Per module (by id), the names its methods' `prim::GetAttr`/`SetAttr` nodes use."""
    found: dict[int, set[str]] = {}
    for m in root.modules():
        for method in getattr(m, "_hj_methods", {}).values():
            _walk_members(method.graph, m, found)
    return found


def _walk_members(graph: Graph, self_module: torch.nn.Module, found: dict[int, set[str]]) -> None:
    if not graph.inputs:
        return
    objects: dict[Any, torch.nn.Module] = {graph.inputs[0]: self_module}
    for node in graph.all_nodes():
        if node.kind not in ("prim::GetAttr", "prim::SetAttr") or node.inputs[0] not in objects:
            continue
        owner, name = objects[node.inputs[0]], node.attributes.get("name")
        found.setdefault(id(owner), set()).add(name)
        child = owner._modules.get(name) if node.kind == "prim::GetAttr" else None
        if child is not None:
            objects[node.outputs[0]] = child


def _signature(fn: ScriptFunction) -> list[dict[str, Any]] | None:
    if fn.signature is None:
        return None
    params = []
    for i, p in enumerate(fn.signature.parameters.values()):
        if p.kind not in _KINDS:
            raise ArchiveError(
                f"{fn.qualified_name}: cannot save *args/**kwargs parameter {p.name!r}"
            )
        entry: dict[str, Any] = {"name": p.name, "kind": _KINDS[p.kind]}
        if p.default is not inspect.Parameter.empty:
            entry["default"] = _default(fn, i, p)
        params.append(entry)
    return params


def _default(fn: ScriptFunction, index: int, p: inspect.Parameter) -> list[Any]:
    inputs = fn.graph.inputs
    declared = inputs[index].type if index < len(inputs) else None
    try:
        t = value_type(p.default)
    except ArchiveError:
        t = value_type(p.default, declared)
    return [type_string(t), encode(p.default, t, _no_tensors(fn, p.name))]


def _no_tensors(fn: ScriptFunction, name: str) -> Any:
    def refuse(t: torch.Tensor) -> int:
        raise ArchiveError(f"{fn.qualified_name}: parameter {name!r} has a tensor default")

    return refuse


def _graph_text(graph: Graph, where: str) -> tuple[str, Graph]:
    """The printed graph and what it parses back to: never write an archive that cannot load."""

    try:
        text = print_graph(graph)
    except (TypeError, ValueError) as e:
        raise ArchiveError(f"{where}: cannot print the graph: {e}") from None
    try:
        return text, parse_ir(text)
    except Error as e:
        raise ArchiveError(f"{where}: the printed graph does not parse back: {e}") from None


def _plain(name: str) -> str:
    return _NOT_NAME.sub("_", name or "fn")
