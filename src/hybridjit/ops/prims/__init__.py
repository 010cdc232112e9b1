"""Every `prim::` kind's rules, one block per kind (see `base`): `values` (constants,
containers, casts), `control` (If, Loop, raise), `objects` (attributes, calls, isinstance),
`exceptions` (Try, re-raise), `futures` (fork),
`sets` (Python sets), `python` (Python builtins TorchScript bends)."""

from hybridjit.ops.prims import control, exceptions, futures, objects, python, sets, values
from hybridjit.ops.prims.base import PRIMS, VARIADIC, Fail, Prim, is_structural, prim_info

__all__ = ["PRIMS", "VARIADIC", "Fail", "Prim", "control", "exceptions", "futures", "is_structural", "objects",
           "prim_info", "python", "sets", "values"]  # fmt: skip
