"""Python values that become graph constants: numbers, strings, dtypes, devices, layouts."""

from __future__ import annotations

from typing import Any

import torch

from hybridjit.ir import types as T

# c10::ScalarType numbering: dtype values are these ints in TorchScript graphs.
DTYPE_CODES: dict[torch.dtype, int] = {
    torch.uint8: 0, torch.int8: 1, torch.int16: 2, torch.int32: 3, torch.int64: 4,
    torch.float16: 5, torch.float32: 6, torch.float64: 7, torch.complex32: 8,
    torch.complex64: 9, torch.complex128: 10, torch.bool: 11, torch.qint8: 12,
    torch.quint8: 13, torch.qint32: 14, torch.bfloat16: 15,
}  # fmt: skip
LAYOUT_CODES: dict[torch.layout, int] = {torch.strided: 0, torch.sparse_coo: 1}
MEMORY_FORMAT_CODES: dict[torch.memory_format, int] = {
    torch.contiguous_format: 0, torch.preserve_format: 1, torch.channels_last: 2,
    torch.channels_last_3d: 3,
}  # fmt: skip

_SCALARS: tuple[tuple[type, T.Type], ...] = (
    (bool, T.BoolType), (int, T.IntType), (float, T.FloatType), (str, T.StrType),
    (complex, T.ComplexType), (torch.device, T.DeviceType),
)  # fmt: skip


def constant_form(value: Any) -> tuple[Any, T.Type] | None:
    """`(graph value, type)` for a Python value that is a scalar constant, else None."""
    if value is None:
        return None, T.NoneType
    for table in (DTYPE_CODES, LAYOUT_CODES, MEMORY_FORMAT_CODES):
        if isinstance(value, tuple(type(k) for k in table)) and value in table:
            return table[value], T.IntType
    for py, ir in _SCALARS:
        if isinstance(value, py):
            return value, ir
    return None


def is_constant_value(value: Any) -> bool:
    """Values TorchScript can bake into a graph (module constants, globals)."""
    if isinstance(value, (tuple, list)):
        return all(is_constant_value(v) for v in value)
    return value is None or constant_form(value) is not None
