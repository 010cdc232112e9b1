"""The operator registry: every `aten::`/`prim::` overload torch knows, as `Schema`s.

Built lazily from torch's own registry (`torch.ops.<ns>.<op>.overloads()` and each overload's
`_schema`), one operator name at a time, and cached. That registry already holds TorchScript's
scalar, list, str and dict overloads (`aten::add.int`, `aten::len.t`, `aten::format`,
`aten::__getitem__.t`), so nothing here is written per operator.

Overloads come in torch's order (c10 operators first, then the TorchScript-only ones, each
in registration order), which is the order overload resolution tries them. Out variants
(`aten::add.out`: a mutable keyword-only argument) are left out, except by `lookup`.
"""

from __future__ import annotations

import functools
from typing import Any, Iterator

import torch

from hybridjit.ops.schema import Schema, schema_from_torch

# The namespaces of the ops written by the frontends; other namespaces' registered operators
# (`torchvision::nms`, `quantized::...`) are reached through `torch.ops.<ns>.<op>`.
NAMESPACES = ("aten", "prim")


def schemas_for(name: str) -> list[Schema]:
    """All overloads of `name` (e.g. `aten::add`) that calls resolve against, in order.

    >>> [s.overload_name for s in schemas_for("aten::len")][:2]
    ['t', 'Tensor']
    """
    return list(_call_schemas(name))


@functools.cache
def has_op(name: str) -> bool:
    """Whether `name` (`aten::relu`) names an operator with at least one callable overload."""
    return bool(_call_overloads(name))


def _torch_is_out_variant(fs: Any) -> bool:
    return any(a.kwarg_only and a.alias_info is not None and a.alias_info.is_write
               for a in fs.arguments)  # fmt: skip


def lookup(qualified_overload: str) -> Schema | None:
    """The schema of one overload, `aten::add.Tensor` (out variants included), or None."""
    name, _, overload = qualified_overload.partition(".")
    if (overload or "default") not in _overloads(name):
        return None
    return _schema(name, overload or "default")


def all_schemas_for(name: str) -> list[Schema]:
    """Every overload of `name`, out variants included."""
    return [_schema(name, ov) for ov in _overloads(name)]


def iter_schemas(name: str) -> Iterator[Schema]:
    """`schemas_for(name)`, converted one overload at a time as the caller goes.

    Overload resolution stops at the first overload that fits, so on a cold start it only
    pays for converting the overloads it tried.
    """
    return (_schema(name, ov) for ov in _call_overloads(name))


def n_call_overloads(name: str) -> int:
    """`len(schemas_for(name))`, without converting any schema."""
    return len(_call_overloads(name))


def op_overload(schema: Schema) -> Any:
    """torch's `OpOverload` object for `schema` (what eager code calls to run it)."""
    packet = _packet(schema.name)
    if packet is None:
        raise KeyError(schema.qualified_overload)
    return getattr(packet, schema.overload_name or "default")


def is_out_variant(schema: Schema) -> bool:
    """`aten::add.out(..., *, Tensor(a!) out)`: writes its result into a keyword argument."""
    return any(a.kwarg_only and a.is_write for a in schema.arguments)


def _call_schemas(name: str) -> tuple[Schema, ...]:
    return tuple(iter_schemas(name))


@functools.cache
def _overloads(name: str) -> tuple[str, ...]:
    packet = _packet(name)
    return () if packet is None else tuple(packet.overloads())


@functools.cache
def _call_overloads(name: str) -> tuple[str, ...]:
    # torch's alias info agrees with `is_out_variant` on every aten/prim overload (tested).
    return tuple(
        ov for ov in _overloads(name) if not _torch_is_out_variant(_torch_schema(name, ov))
    )


def _torch_schema(name: str, overload: str) -> Any:
    return torch._C._get_schema(name, "" if overload == "default" else overload)


@functools.cache
def _schema(name: str, overload: str) -> Schema:
    return schema_from_torch(_torch_schema(name, overload))


def _packet(name: str) -> Any:
    ns, sep, op = name.partition("::")
    if not sep or not ns.isidentifier() or not op.isidentifier():
        return None
    try:
        namespace = getattr(torch.ops, ns)
        if type(namespace) is not torch._ops._OpNamespace:  # torch.ops.load_library, ...
            return None
        packet = getattr(namespace, op)
    except (AttributeError, RuntimeError):
        return None
    # A few names resolve to plain builtins rather than operator packets (`prim::name`).
    return packet if hasattr(packet, "overloads") else None
