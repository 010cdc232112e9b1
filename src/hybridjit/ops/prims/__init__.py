"""Every `prim::` kind's rules, one block per kind (see `base`): `values` (constants,
containers, casts), `control` (If, Loop, raise), `objects` (attributes, calls, isinstance)."""

from hybridjit.ops.prims import control, objects, values
from hybridjit.ops.prims.base import PRIMS, VARIADIC, Fail, Prim, is_structural, prim_info

__all__ = ["PRIMS", "VARIADIC", "Fail", "Prim", "control", "is_structural", "objects",
           "prim_info", "values"]  # fmt: skip
