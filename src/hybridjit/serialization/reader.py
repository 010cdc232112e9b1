"""Rebuilding functions and modules from untrusted archive entries.

Nothing from the archive is executed or imported: JSON is checked field by field, graph text
goes through the IR parser and verifier, every graph passes `checks.check_graph`, and
modules are bare `ScriptModule`s filled with data — no user class is looked up or run.
"""

from __future__ import annotations

import dataclasses
import inspect
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

import torch

from hybridjit.errors import ArchiveError, Error
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph
from hybridjit.ir.parser import parse_ir
from hybridjit.ir.printer import OpaqueTensor
from hybridjit.ir.verifier import verify
from hybridjit.ops.builtins import OPERATOR_METHODS
from hybridjit.ops.prims.values import WRAPPED_NUMBER_DTYPES
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule, adopt_container_protocol
from hybridjit.runtime.objects import object_class
from hybridjit.serialization import format as F
from hybridjit.serialization.checks import (
    TypeInfo,
    check_calls,
    check_graph,
    check_member_name,
    check_method_name,
    check_qualified_name,
)
from hybridjit.serialization.enums import bind_enum_constants, build_enums, enum_types
from hybridjit.serialization.jsonio import field as get
from hybridjit.serialization.jsonio import pairs, parse_json
from hybridjit.serialization.tensors import load_tensors
from hybridjit.serialization.values import (
    ObjectReader,
    TensorsAndObjects,
    decode,
    type_from_string,
)
from hybridjit.serialization.writer import function_constants
from hybridjit.serialization.zipio import ZipReader

MAX_GRAPH_NESTING = 100  # blocks inside blocks; the parser and executors recurse on them
MAX_MODULE_DEPTH = 200
# Caps on graph text, checked on the text before it is parsed (so that no later step, some
# of which grow faster than linearly in a node's input count, sees more):
MAX_GRAPH_LINES = 50_000  # per graph: nodes (a 10,000-statement function prints ~20,000)
MAX_ARCHIVE_GRAPH_LINES = 200_000  # all graphs of an archive together
MAX_GRAPH_BYTES = 16 << 20  # one graph's text
MAX_LINE_BYTES = 1 << 20  # one line: a node with its attributes (string constants included)
MAX_LINE_VALUES = 10_000  # `%` references on one line: a node's inputs and outputs
MAX_MEMBERS = 100_000  # model.json list items in all: functions, types' attributes and
# constants, modules and their parameters, buffers, submodules, attributes, methods
_MEMBER_LISTS = {
    "types": ("attributes", "constants"),
    "modules": ("parameters", "buffers", "non_persistent_buffers", "submodules", "attributes",
                "methods"),
    "functions": ("tensor_constants", "callees", "signature", "wrapped_numbers"),
    "enums": (),
    "objects": ("fields",),
}  # fmt: skip
_KINDS = {
    "positional_only": inspect.Parameter.POSITIONAL_ONLY,
    "positional_or_keyword": inspect.Parameter.POSITIONAL_OR_KEYWORD,
    "keyword_only": inspect.Parameter.KEYWORD_ONLY,
    "var_positional": inspect.Parameter.VAR_POSITIONAL,
    "var_keyword": inspect.Parameter.VAR_KEYWORD,
}


@dataclass
class Contents:
    """A loaded archive: the root object and everything around it."""

    root: Any
    manifest: dict[str, Any]
    functions: dict[str, ScriptFunction] = field(default_factory=dict)
    modules: list[ScriptModule] = field(default_factory=list)
    extra_files: list[str] = field(default_factory=list)
    reader: ZipReader | None = None
    enums: dict[str, Any] = field(default_factory=dict)  # qualified name -> rebuilt enum class


def read_manifest(reader: ZipReader) -> dict[str, Any]:
    manifest = parse_json(reader.read(F.MANIFEST), F.MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != F.FORMAT_NAME:
        raise ArchiveError(f"{F.MANIFEST}: not a hybridjit archive (expected \"format\": "
                           f"\"{F.FORMAT_NAME}\")")  # fmt: skip
    version = get(manifest, "format_version", int, F.MANIFEST)
    if version > F.FORMAT_VERSION:
        raise ArchiveError(f"archive format version {version} is newer than this hybridjit "
                           f"supports ({F.FORMAT_VERSION}); it was written by hybridjit "
                           f"{str(manifest.get('hybridjit_version'))[:40]}: upgrade hybridjit to load it")  # fmt: skip
    if version < 1:
        raise ArchiveError(f"{F.MANIFEST}: invalid format version {version}")
    return manifest


def read_archive(data: bytes, map_location: Any = None, allow_unsafe_ops: bool = False) -> Contents:
    """Check and rebuild everything in archive `data`."""
    if not data.startswith(b"PK"):
        raise ArchiveError("not a hybridjit archive: the data does not start with a zip header "
                           "(is this a torch.jit / torch.save file?)")  # fmt: skip
    reader = ZipReader(data)
    if not reader.has(F.MANIFEST):
        raise ArchiveError(f"not a hybridjit archive: no {F.MANIFEST}")
    manifest = read_manifest(reader)
    model = parse_json(reader.read(F.MODEL), F.MODEL)
    _check_member_count(model)
    _check_entry_set(reader, model)
    tensors = load_tensors(reader.view(F.TENSORS), parse_json(reader.read(F.TENSORS_JSON), F.TENSORS_JSON),
                           map_location)  # fmt: skip
    builder = _Builder(reader, model, tensors, allow_unsafe_ops)
    root = builder.root(get(manifest, "root", dict, F.MANIFEST))
    extras = [n[len(F.EXTRA_DIR) :] for n in reader.names() if n.startswith(F.EXTRA_DIR)]
    return Contents(root, manifest, builder.functions, builder.module_list, extras, reader,
                    builder.enums)  # fmt: skip


def _check_member_count(model: Any) -> None:
    """Refuse more than MAX_MEMBERS members in all, before any is built (one linear pass)."""
    if not isinstance(model, dict):
        return  # the field checks say what is wrong
    total = 0
    for key, fields in _MEMBER_LISTS.items():
        records = model.get(key)
        if not isinstance(records, list):
            continue
        total += len(records)
        for r in records:
            if isinstance(r, dict):
                total += sum(len(v) for f in fields if isinstance(v := r.get(f), list))
    if total > MAX_MEMBERS:
        raise ArchiveError(f"{F.MODEL}: {total} functions, types, modules and members in all "
                           f"(limit {MAX_MEMBERS})")  # fmt: skip


def _check_entry_set(reader: ZipReader, model: Any) -> None:
    functions = get(model, "functions", list, F.MODEL)
    graphs = {F.graph_entry(check_qualified_name(get(f, "qualified_name", str, "function"), "function"))
              for f in functions}  # fmt: skip
    for name in reader.names():
        if name not in F.FIXED_ENTRIES and name not in graphs and not name.startswith(F.EXTRA_DIR):
            raise ArchiveError(f"unexpected archive entry {name!r}")
    missing = sorted((F.FIXED_ENTRIES | graphs) - set(reader.names()))
    if missing:
        raise ArchiveError(f"archive is missing entries: {', '.join(missing[:5])}")


# The special methods of script classes, which may name a saved function.
PROPERTY_SETTER = re.compile(r"__[A-Za-z_]\w*_setter")  # a property's setter method
CLASS_METHOD_DUNDERS = frozenset({"__init__", "__post_init__", "__enter__", "__exit__",
                                  "__call__", "__repr__", "__iter__", "__next__",
                                  *OPERATOR_METHODS.values()})  # fmt: skip


def _class_type(name: str, r: dict[str, Any]) -> T.ClassType:
    """A module type, or (`"object": true`) a script class type with a generated stand-in
    Python class (`runtime.objects.object_class`; a dataclass record rebuilds repr and ==)."""
    if r.get("object") is not True:
        return T.ClassType(name, True)
    fields = repr_name = None
    dc = r.get("dataclass")
    if dc is not None:
        if not isinstance(dc, dict):
            raise ArchiveError(f"type {name}: 'dataclass' must be an object")
        fields = [check_member_name(f, "dataclass field") for f in get(dc, "fields", list, name)]
        repr_name = check_qualified_name(get(dc, "repr_name", str, name), "dataclass name")
    return T.ClassType(name, False, python_class=object_class(name, fields, repr_name))


class _Builder:
    def __init__(
        self, reader: ZipReader, model: Any, tensors: list[torch.Tensor], allow_unsafe: bool
    ) -> None:
        self.reader, self.model, self.tensors, self.allow_unsafe = (
            reader,
            model,
            tensors,
            allow_unsafe,
        )
        self.functions: dict[str, ScriptFunction] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.types: dict[str, T.ClassType] = {}
        self.enums: dict[str, Any] = {}
        self.parser_types: dict[str, T.Type] = {}
        self.type_infos: dict[str, TypeInfo] = {}
        self.module_list: list[ScriptModule] = []
        self._params: dict[int, torch.nn.Parameter] = {}
        self.graph_lines = 0  # graph text lines read so far (MAX_ARCHIVE_GRAPH_LINES)
        self._values: TensorsAndObjects | None = None  # tensors and objects, once types are read

    def tensor(self, index: int) -> torch.Tensor:
        if not 0 <= index < len(self.tensors):
            raise ArchiveError(
                f"tensor index {index} out of range (archive has {len(self.tensors)})"
            )
        return self.tensors[index]

    def root(self, root: dict[str, Any]) -> Any:
        kind = get(root, "kind", str, "manifest root")
        self._read_enums(self.model.get("enums", []))  # type attributes may be enums
        self._values = TensorsAndObjects(self.tensor, ObjectReader(self.model.get("objects", [])))
        self._read_types(get(self.model, "types", list, F.MODEL))
        self._read_functions(get(self.model, "functions", list, F.MODEL))
        if kind == "function":
            return self._function_ref(get(root, "ref", str, "manifest root"))
        if kind == "module":
            modules = self._read_modules(get(self.model, "modules", list, F.MODEL))
            self._link_all()
            return self._module_ref(modules, get(root, "ref", int, "manifest root"))
        raise ArchiveError(f"manifest root kind must be 'module' or 'function', got {kind[:40]!r}")

    # -- types -------------------------------------------------------------------------------
    def _read_types(self, records: list[Any]) -> None:
        for i, r in enumerate(records):
            name = check_qualified_name(get(r, "name", str, f"type {i}"), "type name")
            if name in self.types:
                raise ArchiveError(f"type {name!r} is defined twice")
            if name in self.enums:
                raise ArchiveError(f"{name!r} is defined both as a module type and as an enum")
            self.types[name] = _class_type(name, r)
            self.type_infos[name] = TypeInfo()
        self.parser_types.update(self.types)
        for r in records:
            t = self.types[r["name"]]
            for n, s in pairs(get(r, "attributes", list, t.qualified_name), t.qualified_name):
                t.attributes[check_member_name(n, "attribute")] = self._type(s, f"{t}.{n}")
                if not t.is_module:  # a script class's fields are its members
                    self.type_infos[t.qualified_name].members.add(n)
            for item in get(r, "constants", list, t.qualified_name):
                name, value = self._typed(item, f"{t} constant")
                t.constants[name] = value
                self.type_infos[t.qualified_name].members.add(name)

    def _read_enums(self, records: Any) -> None:
        self.enums = build_enums(records, F.MODEL)
        self.parser_types = dict(enum_types(self.enums))

    def _type(self, text: Any, where: str) -> T.Type:
        return self._relink(type_from_string(text, where), where)

    def _relink(self, t: T.Type, where: str) -> T.Type:
        """`t` with each class type replaced by the archive's own (unknown classes refused)."""
        if isinstance(t, T.ClassType):
            if t.qualified_name not in self.types:
                raise ArchiveError(f"{where}: unknown class type {t.qualified_name[:80]!r}")
            return self.types[t.qualified_name]
        if isinstance(t, T.EnumType):  # its class is stored where a member is (else unknown)
            known = self.parser_types.get(t.qualified_name)
            return known if isinstance(known, T.EnumType) else t
        if isinstance(t, (T.ListType, T.OptionalType, T.FutureType)):
            return type(t)(self._relink(t.elem, where))
        if isinstance(t, T.TupleType):
            return T.TupleType(
                tuple(self._relink(e, where) for e in t.elems), t.name, t.field_names
            )
        if isinstance(t, T.DictType):
            return T.DictType(self._relink(t.key, where), self._relink(t.value, where))
        if isinstance(t, T.UnionType):
            return T.UnionType(tuple(self._relink(m, where) for m in t.members))
        return t

    def _typed(self, item: Any, where: str,
               declared: dict[str, T.Type] | None = None) -> tuple[str, Any]:  # fmt: skip
        """A [name, type, value] record; its type must fit the one `declared` for `name`."""
        if not isinstance(item, list) or len(item) != 3 or not isinstance(item[0], str):
            raise ArchiveError(f"{where}: expected [name, type, value], got {str(item)[:60]}")
        name = check_member_name(item[0], where)
        where = f"{where} {name!r}"
        t = self._type(item[1], where)
        want = (declared or {}).get(name)
        if want is not None and not T.is_subtype(t, want):
            raise ArchiveError(f"{where}: expected a value of the declared type {want}, "
                               f"found {t}")  # fmt: skip
        return name, decode(item[2], t, self._values, where)

    # -- functions ---------------------------------------------------------------------------
    def _read_functions(self, records: list[Any]) -> None:
        for i, r in enumerate(records):
            qn = check_qualified_name(get(r, "qualified_name", str, f"function {i}"), "function")
            if qn in self.functions:
                raise ArchiveError(f"function {qn!r} is defined twice")
            self.records[qn] = r
            self.functions[qn] = self._function(qn, r)

    def _function(self, qn: str, r: dict[str, Any]) -> ScriptFunction:
        name = get(r, "name", str, qn)
        dunder = name.startswith("__") and name not in CLASS_METHOD_DUNDERS and \
            not PROPERTY_SETTER.fullmatch(name)  # fmt: skip
        if not name.isidentifier() or keyword.iskeyword(name) or dunder:
            raise ArchiveError(f"{qn}: function name {name[:60]!r} is not an identifier")
        graph = self._graph(qn)
        signature = _signature(r.get("signature"), qn, self)
        return ScriptFunction(name, graph, qualified_name=qn, signature=signature)

    def _graph(self, qn: str) -> Graph:
        entry = F.graph_entry(qn)
        text = self.reader.read_text(entry)
        self.graph_lines += _check_graph_text(text, entry)
        if self.graph_lines > MAX_ARCHIVE_GRAPH_LINES:
            raise ArchiveError(f"{entry}: the archive's graphs have more than "
                               f"{MAX_ARCHIVE_GRAPH_LINES} lines in all")  # fmt: skip
        try:
            graph = parse_ir(text, self.parser_types)
        except Error as e:
            raise ArchiveError(f"{entry}: {e}") from None
        except (RecursionError, ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
            raise ArchiveError(
                f"{entry}: unreadable graph text ({type(e).__name__}: {e})"
            ) from None
        bind_enum_constants(graph, self.enums, entry)
        return graph

    def _function_ref(self, qn: str) -> ScriptFunction:
        if not self.module_list and not hasattr(self, "_linked"):
            self._link_all()
        if qn not in self.functions:
            raise ArchiveError(f"reference to unknown function {qn[:80]!r}")
        return self.functions[qn]

    def _link_all(self) -> None:
        self._linked = True
        for qn, fn in self.functions.items():
            self._link(qn, fn, self.records[qn])
        for qn, fn in self.functions.items():  # callees are all linked now
            check_calls(fn.graph, F.graph_entry(qn))

    def _link(self, qn: str, fn: ScriptFunction, r: dict[str, Any]) -> None:
        graph, where = fn.graph, F.graph_entry(qn)
        for v in _all_values(graph):
            v.type = self._relink(v.type, where)
        callees = get(r, "callees", list, qn)
        nodes = function_constants(graph)
        if len(nodes) != len(callees):
            raise ArchiveError(
                f"{where}: {len(nodes)} function constants but {len(callees)} callees"
            )
        for node, callee in zip(nodes, callees):
            if callee is None and not node.outputs[0].uses:
                continue
            if not isinstance(callee, str) or callee not in self.functions:
                raise ArchiveError(f"{where}: call to unknown function {str(callee)[:80]!r}")
            node.outputs[0].type = T.FunctionType(callee=self.functions[callee])
        self._link_tensor_constants(graph, get(r, "tensor_constants", list, qn), where,
                                    r.get("wrapped_numbers", []))  # fmt: skip
        check_graph(graph, where, self.type_infos, self.allow_unsafe)
        _verify(graph, where)

    def _link_tensor_constants(self, graph: Graph, refs: list[Any], where: str,
                               wrapped: Any) -> None:  # fmt: skip
        nodes = [n for n in graph.all_nodes()
                 if n.kind == "prim::Constant" and isinstance(n.attributes.get("value"), OpaqueTensor)]  # fmt: skip
        if len(nodes) != len(refs):
            raise ArchiveError(
                f"{where}: {len(nodes)} <Tensor> constants but {len(refs)} tensor references"
            )
        for node, ref in zip(nodes, refs):
            if not isinstance(ref, int) or isinstance(ref, bool):
                raise ArchiveError(f"{where}: tensor reference must be an int, got {str(ref)[:40]}")
            node.attributes["value"] = self.tensor(ref)
        for index in _indices(wrapped, len(nodes), f"{where}: wrapped_numbers"):
            _mark_wrapped_number(nodes[index], where)

    # -- modules -----------------------------------------------------------------------------
    def _read_modules(self, records: list[Any]) -> list[ScriptModule]:
        shells = [_bare_module() for _ in records]
        self.module_list = shells
        for i, r in enumerate(records):
            try:
                self._fill(shells[i], r, shells, f"module {i}")
            except (KeyError, TypeError, ValueError) as e:
                raise ArchiveError(f"module {i}: {e}") from None
        return shells

    def _module_ref(self, modules: list[ScriptModule], index: int) -> ScriptModule:
        if not 0 <= index < len(modules):
            raise ArchiveError(f"module index {index} out of range ({len(modules)} modules)")
        _check_acyclic(modules[index])
        return modules[index]

    def _fill(self, m: ScriptModule, r: Any, shells: list[ScriptModule], where: str) -> None:
        type_name = get(r, "type", str, where)
        if type_name not in self.types:
            raise ArchiveError(f"{where}: unknown type {type_name[:80]!r}")
        object.__setattr__(m, "_hj_type", self.types[type_name])
        adopt_container_protocol(m)
        info = self.type_infos[type_name]
        m.training = get(r, "training", bool, where)
        for name, ref in pairs(get(r, "parameters", list, where), where):
            m.register_parameter(
                self._member(name, info, where), None if ref is None else self._param(ref, where)
            )
        non_persistent = get(r, "non_persistent_buffers", list, where)
        if not all(isinstance(n, str) for n in non_persistent):
            raise ArchiveError(f"{where}: non_persistent_buffers must list names")
        for name, ref in pairs(get(r, "buffers", list, where), where):
            buffer = None if ref is None else self.tensor(_int(ref, where))
            m.register_buffer(
                self._member(name, info, where), buffer, persistent=name not in non_persistent
            )
        for name, ref in pairs(get(r, "submodules", list, where), where):
            child = None if ref is None else shells[_index(ref, len(shells), where)]
            m._modules[self._member(name, info, where)] = child
        for item in get(r, "attributes", list, where):
            name, value = self._typed(item, f"{where} attribute", m._hj_type.attributes)
            object.__setattr__(m, self._member(name, info, where), value)
        for name, qn in pairs(get(r, "methods", list, where), where):
            info.methods.add(check_method_name(name))
            m._hj_define(name, self._method(qn, type_name, where))

    def _member(self, name: str, info: TypeInfo, where: str) -> str:
        info.members.add(check_member_name(name, where))
        return name

    def _param(self, ref: Any, where: str) -> torch.nn.Parameter:
        index = _int(ref, where)
        if index not in self._params:
            t = self.tensor(index)
            self._params[index] = torch.nn.Parameter(t.detach(), requires_grad=t.requires_grad)
        return self._params[index]

    def _method(self, qn: Any, type_name: str, where: str) -> ScriptFunction:
        fn = self.functions.get(qn) if isinstance(qn, str) else None
        if fn is None:
            raise ArchiveError(f"{where}: method refers to unknown function {str(qn)[:80]!r}")
        first = fn.graph.inputs[0].type if fn.graph.inputs else None
        if getattr(first, "qualified_name", None) != type_name:
            raise ArchiveError(f"{where}: method {qn} takes {first} as self; expected {type_name}")
        return fn


def _bare_module() -> ScriptModule:
    """A ScriptModule built without running any class's `__init__` but nn.Module's."""
    m = ScriptModule.__new__(ScriptModule)
    torch.nn.Module.__init__(m)
    object.__setattr__(m, "_hj_constructed", True)
    object.__setattr__(m, "_hj_methods", {})
    return m


def _check_acyclic(root: torch.nn.Module) -> None:
    # Iterative DFS: a module may not contain itself, and trees stay reasonably shallow.
    stack: list[tuple[torch.nn.Module, int, frozenset[int]]] = [(root, 0, frozenset())]
    done: set[int] = set()
    while stack:
        m, depth, path = stack.pop()
        if id(m) in path:
            raise ArchiveError("module hierarchy contains a cycle")
        if depth > MAX_MODULE_DEPTH:
            raise ArchiveError(f"module hierarchy is deeper than {MAX_MODULE_DEPTH} levels")
        if id(m) in done:
            continue
        done.add(id(m))
        stack.extend((c, depth + 1, path | {id(m)}) for c in m._modules.values() if c is not None)


def _check_graph_text(text: str, entry: str) -> int:
    """Check graph text against the size caps (one linear pass); return its line count."""
    if len(text) > MAX_GRAPH_BYTES:
        raise ArchiveError(f"{entry}: graph text of {len(text)} characters "
                           f"(limit {MAX_GRAPH_BYTES})")  # fmt: skip
    lines = text.splitlines()
    if len(lines) > MAX_GRAPH_LINES:
        raise ArchiveError(f"{entry}: graph of {len(lines)} lines (limit {MAX_GRAPH_LINES} "
                           "nodes per graph)")  # fmt: skip
    deepest = 0
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_BYTES:
            raise ArchiveError(f"{entry}: line {number} is {len(line)} characters long "
                               f"(limit {MAX_LINE_BYTES})")  # fmt: skip
        if line.count("%") > MAX_LINE_VALUES:
            raise ArchiveError(f"{entry}: line {number} names more than {MAX_LINE_VALUES} "
                               "values (a node's inputs and outputs)")  # fmt: skip
        deepest = max(deepest, len(line) - len(line.lstrip(" ")))
    if deepest > 2 * MAX_GRAPH_NESTING:
        raise ArchiveError(f"{entry}: blocks nest deeper than {MAX_GRAPH_NESTING} levels")
    return len(lines)


def _verify(graph: Graph, where: str) -> None:
    try:
        verify(graph, schemas=True)
    except Error as e:
        raise ArchiveError(f"{where}: graph does not verify: {e}") from None
    except RecursionError:
        raise ArchiveError(f"{where}: graph nests too deeply to verify") from None


def _all_values(graph: Graph) -> list[Any]:
    values = list(graph.inputs)
    for node in graph.all_nodes():
        values.extend(node.outputs)
        for block in node.blocks:
            values.extend(block.inputs)
    return values


def _signature(data: Any, qn: str, builder: _Builder) -> inspect.Signature | None:
    if data is None:
        return None
    if not isinstance(data, list):
        raise ArchiveError(f"{qn}: signature must be a list or null")
    params = []
    for p in data:
        name, kind = get(p, "name", str, qn), get(p, "kind", str, qn)
        if not name.isidentifier() or kind not in _KINDS:
            raise ArchiveError(f"{qn}: bad signature parameter {name[:40]!r} of kind {kind[:40]!r}")
        default = inspect.Parameter.empty
        if "default" in p:
            item = get(p, "default", list, qn)
            if len(item) != 2:
                raise ArchiveError(f"{qn}: default of {name!r} must be [type, value]")
            where = f"{qn}: default of {name!r}"
            default = decode(item[1], builder._type(item[0], where), builder.tensor, where)
        params.append((name, _KINDS[kind], default))
    try:
        return inspect.Signature([inspect.Parameter(n, k, default=d) for n, k, d in params])
    except (ValueError, TypeError) as e:
        raise ArchiveError(f"{qn}: invalid signature: {e}") from None


def _int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ArchiveError(f"{where}: expected an index, got {str(value)[:40]}")
    return value


def _index(value: Any, n: int, where: str) -> int:
    if not 0 <= _int(value, where) < n:
        raise ArchiveError(f"{where}: index {value} out of range (0..{n - 1})")
    return value


def _indices(value: Any, n: int, what: str) -> list[int]:
    if not isinstance(value, list) or not all(type(i) is int and 0 <= i < n for i in value):
        raise ArchiveError(f"{what}: expected a list of indices below {n}, found {str(value)[:60]}")
    return value


def _mark_wrapped_number(node: Any, where: str) -> None:
    """A Python number the trace wrapped: a 0-dim bool, Long, Double or ComplexDouble tensor."""
    if len(node.outputs) != 1:
        raise ArchiveError(f"{where}: expected a wrapped number's prim::Constant to have 1 "
                           f"output, found {len(node.outputs)}")  # fmt: skip
    t, value = node.output.type, node.attributes["value"]
    dtypes = tuple(WRAPPED_NUMBER_DTYPES.values())
    if not (isinstance(t, T.TensorType) and t.dtype in dtypes and value.dim() == 0
            and value.dtype == t.dtype and t.sizes == ()):  # fmt: skip
        raise ArchiveError(f"{where}: expected a wrapped number to be a 0-dim tensor constant of "
                           f"{', '.join(map(str, dtypes))}, found {t} holding "
                           f"{value.dtype}")  # fmt: skip
    node.output.type = dataclasses.replace(t, wrapped_number=True)
