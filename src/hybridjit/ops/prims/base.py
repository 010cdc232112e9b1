"""What a prim is: every rule of one `prim::` kind, registered together in one `Prim`.

TorchScript's control flow, construction and call nodes (`prim::If`, `prim::ListConstruct`,
`prim::CallMethod`, ...) are typed by the node itself, not by an operator schema. Each kind
has one block, in one module of this package, that states all there is to know about it —
the JAX way (`cond_p`'s abstract eval, jvp and lowering sit together)::

    register(Prim(
        "prim::TupleIndex", doc="tup[i] for a constant or dynamic index", n_inputs=2,
        impl=py(operator.getitem, "{0}[{1}]"),        # how it runs, how codegen writes it
        export=_export_tuple_index,                   # how it lowers to ONNX
    ))

Rules come in two flavours. A *value-level* prim has `impl` (an `OpImpl`: run on input values,
emit a Python expression), like an aten op. A *node-level* prim needs the node (attributes,
blocks) and has `interpret(interpreter, node, env)` and `emit(codegen, node, depth)`; the
interpreter and code generator pass themselves in, so nothing here imports them. `verify`
checks a node's structure (`fail(node, problem)` raises). What a prim does besides computing
its outputs is in the one effects table, `ops.effects`. `export(ctx, node)` lowers the node into an ONNX graph
through the exporter's context. Prims that also have a schema in torch's registry
(`prim::min`, `prim::dtype`, ...) are typed by it and still run by their block here.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

from hybridjit.ir import types as T
from hybridjit.ops.impl import OpImpl

VARIADIC = -1  # any number of outputs (or of inputs)

Fail = Callable[[Any, str], Any]


@dataclasses.dataclass(frozen=True)
class Prim:
    """Every rule of one prim kind (see the module docstring)."""

    kind: str
    doc: str
    n_outputs: int = 1
    n_inputs: int = VARIADIC
    blocks: int = 0
    attributes: tuple[str, ...] = ()
    unpacks: bool = False  # its outputs are the elements of the value `impl.run` returns
    impl: OpImpl | None = None
    # An impl chosen by the node's types, before `impl` (a NamedTuple's class, say); None: `impl`.
    node_impl: Callable[[Any], OpImpl | None] | None = None
    interpret: Callable[[Any, Any, dict[Any, Any]], None] | None = None
    emit: Callable[[Any, Any, int], None] | None = None
    verify: Callable[[Any, Fail], None] | None = None
    export: Callable[[Any, Any], None] | None = None


PRIMS: dict[str, Prim] = {}


def register(prim: Prim) -> Prim:
    """Add `prim` to the table; each kind is registered exactly once."""
    if prim.kind in PRIMS:
        raise ValueError(f"{prim.kind} is registered twice")
    PRIMS[prim.kind] = prim
    return prim


def prim_info(kind: str) -> Prim | None:
    """The rules of `kind` (e.g. `prim::If`), or None if it is not a registered prim."""
    return PRIMS.get(kind)


def is_structural(kind: str) -> bool:
    """Whether `kind` has a block of rules here."""
    return kind in PRIMS


# -- helpers of the `verify` rules ------------------------------------------------------------


def types_str(values: Sequence[Any]) -> str:
    return "(" + ", ".join(str(v.type) for v in values) + ")"


def compatible(a: T.Type, b: T.Type) -> bool:
    """`a` may flow where `b` is expected.

    Traces refine tensor types (`Float(2, strides=[1], ...)`) where calls return plain
    `Tensor`; TorchScript accepts either way, so shapes are not part of the check.
    """
    return T.is_subtype(a, b) or T.is_subtype(T.unrefined(a), T.unrefined(b))


def expect_subtypes(node: Any, fail: Fail, what: str, found: Sequence[Any],
                    expected: Sequence[T.Type]) -> None:  # fmt: skip
    """Fail unless `found` has one value per `expected` type, each of a subtype."""
    if len(found) != len(expected):
        fail(node, f"{what}: expected {len(expected)} values, found {len(found)}")
    for i, (v, t) in enumerate(zip(found, expected)):
        if not compatible(v.type, t):
            fail(node, f"{what}: value {i} (%{v.debug_name}) has type {v.type}, "
                 f"expected a subtype of {t}")  # fmt: skip
