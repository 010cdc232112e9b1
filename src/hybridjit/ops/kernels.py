"""How each operator runs, for both executors: the `OpImpl` of a node, found in its op's home.

Lookup order: a prim's own block (`ops.prims`), then the Python-value rules keyed by overload
or name (`ops.python_ops`), then the generic tensor binding (`ops.tensor_ops`), and for an op
none of those know, its `OpOverload`.
"""

from __future__ import annotations

from typing import Any, Callable

from hybridjit.errors import Error
from hybridjit.ops.impl import OpImpl
from hybridjit.ops.prims import PRIMS
from hybridjit.ops.python_ops import BY_NAME, BY_OVERLOAD
from hybridjit.ops.tensor_ops import generic_impl, is_tensor_op, tensor_impl

_CACHE: dict[str, OpImpl] = {}
_BY_ID: dict[int, tuple[Any, OpImpl]] = {}  # id(schema) -> (schema kept alive, its impl)


def impl_for(schema_or_kind: Any) -> OpImpl:
    """The `OpImpl` of a schema (an `ops.schema.Schema`) or of a value-level prim kind."""
    if isinstance(schema_or_kind, str):
        impl = _prim_impl(schema_or_kind) or BY_NAME.get(schema_or_kind)
        if impl is None:
            raise KeyError(f"no kernel for {schema_or_kind}")
        return impl
    hit = _BY_ID.get(id(schema_or_kind))
    if hit is not None and hit[0] is schema_or_kind:
        return hit[1]
    key = str(schema_or_kind)
    impl = _CACHE.get(key)
    if impl is None:
        impl = _CACHE[key] = _lookup(schema_or_kind)
    _BY_ID[id(schema_or_kind)] = (schema_or_kind, impl)
    return impl


def _prim_impl(kind: str) -> OpImpl | None:
    prim = PRIMS.get(kind)
    return prim.impl if prim is not None else None


def _lookup(schema: Any) -> OpImpl:
    prim = _prim_impl(schema.name)
    if prim is not None:
        return prim
    if schema.qualified_overload in BY_OVERLOAD:
        return BY_OVERLOAD[schema.qualified_overload]
    tensor = is_tensor_op(schema)
    if not tensor and schema.name in BY_NAME:
        return BY_NAME[schema.name]
    if tensor:
        return tensor_impl(schema)
    return generic_impl(schema)


def kernel_for(schema_or_kind: Any) -> Callable[..., Any]:
    """A Python callable running the op on positional values in schema order."""
    return impl_for(schema_or_kind).run


def impl_for_node(node: Any) -> OpImpl:
    """The `OpImpl` running `node`: its prim block's (typed by the node where the block says
    so), else its schema's."""
    prim = PRIMS.get(node.kind)
    if prim is not None:
        impl = (prim.node_impl(node) if prim.node_impl is not None else None) or prim.impl
        if impl is not None:
            return impl
    if node.schema is None:
        raise Error(f"no schema for {node.kind} (node {node!r}); cannot run it")
    return impl_for(node.schema)


def unpacks(node: Any) -> bool:
    """Whether the node's outputs are the elements of the one value its kernel returns."""
    prim = PRIMS.get(node.kind)
    return prim is not None and prim.unpacks


def add_context(error: BaseException, node: Any) -> None:
    """Note on `error` which node raised it (the exception keeps its type and message)."""
    where = f"  # {node.source_range}" if node.source_range is not None else ""
    if hasattr(error, "add_note"):
        error.add_note(f"while executing {node!r}{where}")
