"""The one table of op effects: what running a node may do besides computing its outputs.

Every pass and check that must not move, drop or repeat a node asks here: dead code
elimination (`removable`), loop-invariant caching (`changes_state`, `observes_identity`,
`nondeterministic`), trace checking (`nondeterministic`) and archive loading.

Facts come from torch, not from lists kept by hand where torch has them:

- mutation and aliasing: the schema's alias annotations (`Tensor(a!) self` is written,
  `Tensor(a) self` may be aliased by an output);
- randomness: `torch.Tag.nondeterministic_seeded` on the op's overloads; ops that also take
  a `train` flag (dropout, lstm, gru, ...) are random only when that flag may be true;
- prims: the short explicit table `PRIM_EFFECTS`; `prim::If` / `prim::Loop` have the effects
  of the nodes in their blocks (`prim::Try` too, and is never removed);
- raising: inside a `prim::Try` body an exception is observable, so only `NEVER_RAISE` nodes
  may be dropped there (`may_raise`).

Ops whose effect no annotation states are listed in `HIDDEN_STATE` and `IO_OPS`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from hybridjit.ir import types as T


@dataclasses.dataclass(frozen=True)
class Effects:
    """What one op may do besides returning its outputs.

    `writes`: schema positions of the inputs it mutates. `aliases`: positions of the inputs an
    output may alias. `state`: changes state outside its inputs (attributes, global flags,
    unknown callees). `io`: observable output or control transfer (print, warn, raise).
    `nondeterministic`: equal inputs may give different results. `observes_identity`: the
    result depends on which object an input is, not only on its value.
    """

    writes: frozenset[int] = frozenset()
    aliases: frozenset[int] = frozenset()
    state: bool = False
    io: bool = False
    nondeterministic: bool = False
    observes_identity: bool = False

    @property
    def changes_state(self) -> bool:
        """Whether the op may change a value some other node reads (inputs or outside state)."""
        return bool(self.writes) or self.state

    @property
    def removable(self) -> bool:
        """Whether the node may be dropped when its outputs are unused."""
        return not (self.changes_state or self.io)

    def __or__(self, other: Effects) -> Effects:
        return Effects(
            self.writes | other.writes, self.aliases | other.aliases, self.state or other.state,
            self.io or other.io, self.nondeterministic or other.nondeterministic,
            self.observes_identity or other.observes_identity,
        )  # fmt: skip


PURE = Effects()
IO = Effects(io=True)
STATE = Effects(state=True)
UNKNOWN = Effects(state=True, io=True)  # a callee or an op we know nothing about

# Schema-less prims and the prims whose effect their schema cannot say.
PRIM_EFFECTS: dict[str, Effects] = {
    "prim::RaiseException": IO,
    "prim::RaiseFrom": IO,
    "prim::Reraise": IO,
    # Control transfer: a handler runs instead of the rest of the body. Never dropped.
    "prim::Try": IO,
    "prim::Print": IO,
    "prim::SetAttr": STATE,
    "prim::CallFunction": UNKNOWN,
    "prim::CallMethod": UNKNOWN,
    "prim::fork": UNKNOWN,  # a call, made now or later
    "prim::Enter": STATE,
    "prim::Exit": STATE,
    "prim::AddStatValue": STATE,
    "prim::id": Effects(observes_identity=True),
    # Python sets and lists (`ops.prims.sets`, `ops.prims.python`): they write their first input.
    **{f"prim::{kind}": Effects(writes=frozenset({0})) for kind in (
        "set_add", "set_discard", "set_remove", "set_clear", "set_pop", "set_update",
        "set_intersection_update", "set_difference_update", "set_symmetric_difference_update",
        "list_set_slice", "list_del_slice")},
}

# aten ops that change global state without an alias annotation saying so.
HIDDEN_STATE = frozenset({"aten::manual_seed", "aten::seed", "aten::set_grad_enabled",
                          "aten::_set_item", "aten::Delete"})  # fmt: skip
IO_OPS = frozenset({"aten::warn"})
# Their result depends on object identity or storage, not only on the inputs' values.
IDENTITY_OPS = frozenset({"aten::__is__", "aten::__isnot__", "aten::data_ptr",
                          "aten::_version", "aten::is_set_to", "aten::is_same_size"})  # fmt: skip
# Nodes that never raise: the only ones dead code elimination may drop inside a `prim::Try`
# body (anything else may raise the exception a handler is there to catch).
NEVER_RAISE = frozenset({"prim::Constant", "prim::Uninitialized", "prim::ListConstruct",
                         "prim::TupleConstruct"})  # fmt: skip
# Random only while training: the op is deterministic when this input is a constant False.
TRAINING_FLAG = "train"


def may_raise(node: Any) -> bool:
    """Whether running `node` may raise (conservatively: anything not in `NEVER_RAISE`)."""
    return node.kind not in NEVER_RAISE or any(may_raise(n) for b in node.blocks for n in b.nodes)


def effects_of(node: Any) -> Effects:
    """The effects of running `node` (for If/Loop: of anything in their blocks)."""
    if node.blocks:
        found = PRIM_EFFECTS.get(node.kind, PURE)
        for block in node.blocks:
            for inner in block.nodes:
                found = found | effects_of(inner)
        return found
    effects = _op_effects(node.kind, node.schema)
    if effects.nondeterministic and _trains_never(node):
        return dataclasses.replace(effects, nondeterministic=False)
    return effects


def _op_effects(kind: str, schema: Any) -> Effects:
    if kind in PRIM_EFFECTS:
        return PRIM_EFFECTS[kind]
    if schema is None:
        return PURE if kind.startswith("prim::") else UNKNOWN
    return schema_effects(schema)


def schema_effects(schema: Any) -> Effects:
    """An operator's effects from its schema's alias annotations and torch's tags."""
    key = (schema.name, schema.overload_name)
    found = _BY_OVERLOAD.get(key)
    if found is None:
        found = _BY_OVERLOAD[key] = _derive(schema)
    return found


_BY_OVERLOAD: dict[tuple[str, str], Effects] = {}


def _derive(schema: Any) -> Effects:
    args = schema.arguments
    writes = frozenset(i for i, a in enumerate(args) if a.is_write)
    aliases = frozenset(i for i, a in enumerate(args) if _may_be_aliased(a))
    name = schema.name
    return Effects(
        writes=writes,
        aliases=aliases,
        state=name in HIDDEN_STATE or (not schema.returns and not writes and name not in IO_OPS),
        io=name in IO_OPS,
        nondeterministic=_tagged_random(schema),
        observes_identity=name in IDENTITY_OPS,
    )


def _may_be_aliased(arg: Any) -> bool:
    return (arg.alias is not None or arg.elem_alias is not None) and not arg.is_write


def _tagged_random(schema: Any) -> bool:
    ns, _, op = schema.name.partition("::")
    packet = getattr(getattr(torch.ops, ns, None), op, None)
    overload = getattr(packet, schema.overload_name or "default", None) if packet else None
    return overload is not None and torch.Tag.nondeterministic_seeded in overload.tags


def _trains_never(node: Any) -> bool:
    schema = node.schema
    if schema is None:
        return False
    names = [a.name for a in schema.arguments]
    if TRAINING_FLAG not in names:
        return False
    flag = node.inputs[names.index(TRAINING_FLAG)]
    return flag.node.kind == "prim::Constant" and flag.node.attributes.get("value") in (0, False)


def mentions_generator(schema: Any) -> bool:
    """Whether the op takes a `Generator` (its randomness is then the generator's state)."""
    return any(_has_generator(a.type) for a in schema.arguments)


def _has_generator(t: T.Type) -> bool:
    return t == T.GeneratorType or any(map(_has_generator, t.contained()))
