"""What a loaded graph may contain: known operators, safe names, attribute access it can prove.

The rules, applied to every graph of an archive before anything can run it:

* every node kind is a registry operator or a structural prim; `prim::PythonOp` never is
  (`prim::CreateObject` makes an object of a script class type the archive itself declares,
  whose stand-in class the reader generates: nothing is imported);
  operators that reach the filesystem, the network or other processes (`UNSAFE_OPS`) only
  with `allow_unsafe_ops=True`;
* `prim::GetAttr`/`prim::SetAttr` apply to a module or script class type of the archive and
  name one of its saved members (a class's fields); `prim::CallMethod` names one of its saved methods — so no graph can reach
  `__class__`, `__dict__` or any other Python attribute of a module object;
* names (members, methods, functions) are plain identifiers, never dunders, never the name of
  something `nn.Module` itself defines (`state_dict`, `_modules`, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch

from hybridjit.errors import ArchiveError
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph, Node
from hybridjit.ops.prims import PRIMS
from hybridjit.ops.registry import has_op
from hybridjit.runtime.module import ScriptModule

UNSAFE_OPS = frozenset({
    "aten::from_file", "aten::save", "debugprims::load_tensor",
    "prim::rpc_async", "prim::rpc_sync", "prim::rpc_remote",
})  # fmt: skip
# PythonOp runs a Python callable: never from an archive.
FORBIDDEN_OPS = frozenset({"prim::PythonOp"})
MEMBER_KINDS = ("prim::GetAttr", "prim::SetAttr")

_MEMBER = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_QUALIFIED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}(\.[A-Za-z_][A-Za-z0-9_]{0,199}){0,31}$")


def _reserved_names() -> frozenset[str]:
    fresh = torch.nn.Module()
    names = set(dir(ScriptModule)) | set(dir(fresh)) | set(vars(fresh))
    return frozenset(names - {"training", "forward"})


RESERVED = _reserved_names()


def check_member_name(name: object, what: str) -> str:
    """A parameter, buffer, submodule or attribute name that is safe to set on a module."""
    if not isinstance(name, str) or not _MEMBER.match(name):
        raise ArchiveError(f"{what} name {str(name)[:60]!r} is not a plain name "
                           "(letters, digits, '_' and '-')")  # fmt: skip
    if name.startswith("__") or name.startswith("_hj_") or name in RESERVED:
        raise ArchiveError(f"{what} name {name!r} is reserved (nn.Module defines it)")
    return name


def check_method_name(name: object) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ArchiveError(f"method name {str(name)[:60]!r} is not an identifier")
    return check_member_name(name, "method")


def check_qualified_name(name: object, what: str) -> str:
    """`__torch__.helper`: dotted identifiers, nothing else (they become Python names)."""
    if not isinstance(name, str) or not _QUALIFIED.match(name):
        raise ArchiveError(f"{what} {str(name)[:60]!r} is not a dotted identifier")
    return name


@dataclass
class TypeInfo:
    """What graphs may touch on objects of one module type."""

    members: set[str] = field(default_factory=lambda: {"training"})
    methods: set[str] = field(default_factory=set)


def known_kind(kind: str) -> bool:
    """A structural prim (`ops.prims.PRIMS`) or an operator of the registry."""

    return kind in PRIMS or has_op(kind)


def check_graph(graph: Graph, where: str, types: dict[str, TypeInfo], allow_unsafe: bool) -> None:
    """Refuse `graph` unless every node passes the rules in this module's docstring."""
    for node in graph.all_nodes():
        _check_kind(node.kind, where, allow_unsafe)
        if node.kind in MEMBER_KINDS or node.kind == "prim::CallMethod":
            _check_member_access(node, where, types)


def check_kind_for_save(kind: str, where: str) -> None:
    if kind in FORBIDDEN_OPS or not known_kind(kind):
        raise ArchiveError(f"{where}: cannot save a graph containing {kind} "
                           "(only registry operators can be loaded again)")  # fmt: skip


def _check_kind(kind: str, where: str, allow_unsafe: bool) -> None:
    if kind in FORBIDDEN_OPS:
        raise ArchiveError(f"{where}: {kind} nodes are never loaded (they would run Python code)")
    if kind in UNSAFE_OPS and not allow_unsafe:
        raise ArchiveError(f"{where}: {kind} touches files or other processes; pass "
                           "allow_unsafe_ops=True to load it")  # fmt: skip
    if not known_kind(kind):
        raise ArchiveError(f"{where}: unknown operator {kind[:80]!r}")


def _check_member_access(node: Node, where: str, types: dict[str, TypeInfo]) -> None:
    name = node.attributes.get("name")
    if not node.inputs or not isinstance(name, str):
        raise ArchiveError(f"{where}: {node.kind} needs an object input and a name attribute")
    owner = node.inputs[0].type
    info = types.get(getattr(owner, "qualified_name", None) or "")
    if info is None:
        raise ArchiveError(f"{where}: {node.kind}[name={name[:60]!r}] on a value of type "
                           f"{owner}; expected a module type saved in the archive")  # fmt: skip
    allowed = info.methods if node.kind == "prim::CallMethod" else info.members
    if name not in allowed:
        what = "method" if node.kind == "prim::CallMethod" else "member"
        raise ArchiveError(f"{where}: {node.kind} names {name[:60]!r}, which is no saved {what} "
                           f"of {owner} (known: {', '.join(sorted(allowed)[:20])})")  # fmt: skip


def check_calls(graph: Graph, where: str) -> None:
    """Every call in `graph` passes its callee as many arguments as it takes, of its types,
    and expects the results it returns (a call is checked against the callee's own graph)."""
    for node in graph.all_nodes():
        callee = _callee_graph(node)
        if callee is None:
            continue
        calls_a_method = node.kind == "prim::CallMethod" or "name" in node.attributes
        args = node.inputs if calls_a_method else node.inputs[1:]
        if len(args) != len(callee.inputs):
            raise ArchiveError(f"{where}: {node.kind} passes {len(args)} arguments to a callee "
                               f"taking {len(callee.inputs)}")  # fmt: skip
        for arg, param in zip(args, callee.inputs):
            if not _fits(arg.type, param.type) and not isinstance(param.type, T.ClassType):
                raise ArchiveError(f"{where}: {node.kind} passes a {arg.type} where its callee "
                                   f"takes a {param.type}")  # fmt: skip
        if node.kind == "prim::fork":
            continue
        returned = [v.type for v in callee.outputs]
        expected = [v.type for v in node.outputs]
        if len(returned) != len(expected) or not all(map(_fits, returned, expected)):
            raise ArchiveError(f"{where}: {node.kind} expects ({', '.join(map(str, expected))}) "
                               f"but its callee returns ({', '.join(map(str, returned))})")  # fmt: skip


def _fits(a: T.Type, b: T.Type) -> bool:
    """`a` may be passed where `b` is expected; a traced shape is a record, not a contract."""
    return T.is_subtype(T.unrefined(a), T.unrefined(b))


def _callee_graph(node: Node) -> Graph | None:
    if node.kind in ("prim::CallFunction", "prim::fork") and "name" not in node.attributes:
        callee = getattr(node.inputs[0].type, "callee", None) if node.inputs else None
    elif node.kind in ("prim::CallMethod", "prim::fork") and node.inputs:
        methods = getattr(node.inputs[0].type, "methods", {})
        callee = methods.get(node.attributes.get("name"))
    else:
        return None
    graph = getattr(callee, "graph", None)
    return graph if isinstance(graph, Graph) else None
