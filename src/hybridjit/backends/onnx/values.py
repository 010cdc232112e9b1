"""What a hybridjit value is while it is being exported.

A hybridjit `Value` is bound to one of:

* an `onnx_ir.Value` (computed at run time; Python scalars are 0-d tensors: int -> int64,
  float -> double, bool -> bool; tensor lists are ONNX sequences; int lists are int64 1-D),
* `Const(python_value)` — known at export time (constants, attributes of the module, and
  anything computed only from those), materialized into an ONNX constant where needed,
* `Items([...])` — a list or tuple whose length is known at export time; its elements are
  bindings again,
* `Unset` / `Opaque` — what has no ONNX value: an uninitialized tensor, a run-time string.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import onnx_ir as ir
import torch


@dataclasses.dataclass(frozen=True, eq=False)
class Const:
    value: Any


@dataclasses.dataclass(eq=False)
class Items:
    items: list[Any]
    kind: str = "list"  # "list" | "tuple"
    elem: str = "any"  # "tensor" | "int" | "float" | "bool" | "any": what a list holds
    owner: Any = dataclasses.field(default=None, repr=False)  # the scope that created it


@dataclasses.dataclass(eq=False)
class Entries:
    """A dict whose keys are known at export, in insertion order (`values`: bindings), as
    torchvision's segmentation models build their results; ONNX has no dict value."""

    keys: list[Any]
    values: list[Any]
    owner: Any = dataclasses.field(default=None, repr=False)  # the scope that created it


@dataclasses.dataclass(frozen=True, eq=False)
class Unset:
    """`prim::Uninitialized` of a type with no stand-in of its own (a tensor): fine where it
    is never read (an `if` output on the path that raised, whose stand-in copies the other
    branch's type), an ExportError where it is."""

    message: str
    hint: str


@dataclasses.dataclass(frozen=True, eq=False)
class Opaque:
    """A value only known at run time that ONNX cannot hold (a formatted message string)."""

    what: str


def torch_to_onnx_dtype(dtype: torch.dtype) -> Any:
    return _TORCH_TO_ONNX(ir)[dtype]


def onnx_to_torch_dtype(dtype: Any) -> torch.dtype:
    for t, o in _TORCH_TO_ONNX(ir).items():
        if o == dtype:
            return t
    raise KeyError(dtype)


def _TORCH_TO_ONNX(ir: Any) -> dict[torch.dtype, Any]:  # noqa: N802
    D = ir.DataType
    return {
        torch.float32: D.FLOAT, torch.float64: D.DOUBLE, torch.float16: D.FLOAT16,
        torch.bfloat16: D.BFLOAT16, torch.int64: D.INT64, torch.int32: D.INT32,
        torch.int16: D.INT16, torch.int8: D.INT8, torch.uint8: D.UINT8, torch.bool: D.BOOL,
        torch.complex64: D.COMPLEX64, torch.complex128: D.COMPLEX128,
    }  # fmt: skip
