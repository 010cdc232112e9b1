"""Every `prim::` kind's rules, one block per kind (see `base`): `values` (constants,
containers, casts), `control` (If, Loop, raise), `objects` (attributes, calls, isinstance),
`exceptions` (Try, re-raise), `futures` (fork)."""

from hybridjit.ops.prims import control, exceptions, futures, objects, values
from hybridjit.ops.prims.base import PRIMS, VARIADIC, Fail, Prim, is_structural, prim_info

__all__ = ["PRIMS", "VARIADIC", "Fail", "Prim", "control", "exceptions", "futures", "is_structural",
           "objects", "prim_info", "values"]  # fmt: skip
