"""dtype, layout and memory-format values as TorchScript numbers them (c10's enums).

At run time these are ints (`torch.float32 == 6`), converted to torch objects where a torch
callable receives them.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from hybridjit.ir import types as T

DTYPES: tuple[torch.dtype, ...] = tuple(
    getattr(torch, name, None)  # type: ignore[misc]
    for name in (
        "uint8 int8 int16 int32 int64 float16 float32 float64 complex32 complex64 complex128 bool "
        "qint8 quint8 qint32 bfloat16 quint4x2 quint2x4 bits1x8 bits2x4 bits4x2 bits8 bits16 "
        "float8_e5m2 float8_e4m3fn float8_e5m2fnuz float8_e4m3fnuz uint16 uint32 uint64 uint1 "
        "uint2 uint3 uint4 uint5 uint6 uint7 int1 int2 int3 int4 int5 int6 int7 float8_e8m0fnu "
        "float4_e2m1fn_x2"
    ).split()
)
DTYPE_NUMBER: dict[torch.dtype, int] = {d: i for i, d in enumerate(DTYPES) if d is not None}
LAYOUTS: tuple[Any, ...] = (
    torch.strided, torch.sparse_coo, torch.sparse_csr, torch._mkldnn,
    torch.sparse_csc, torch.sparse_bsr, torch.sparse_bsc, torch.jagged,
)  # fmt: skip
LAYOUT_NUMBER: dict[Any, int] = {lay: i for i, lay in enumerate(LAYOUTS)}
MEMORY_FORMATS: tuple[torch.memory_format, ...] = (
    torch.contiguous_format, torch.preserve_format, torch.channels_last, torch.channels_last_3d,
)  # fmt: skip
MEMORY_FORMAT_NUMBER = {f: i for i, f in enumerate(MEMORY_FORMATS)}
# The number of a torch enum value, by its Python type.
ENUM_NUMBERS: dict[type, dict[Any, int]] = {
    torch.dtype: DTYPE_NUMBER, torch.layout: LAYOUT_NUMBER,
    torch.memory_format: MEMORY_FORMAT_NUMBER,
}  # fmt: skip

# Argument types whose int values become torch objects when handed to a torch callable.
ENUM_TABLES: dict[T.Type, tuple[Any, ...]] = {
    T.ScalarTypeType: DTYPES, T.LayoutType: LAYOUTS, T.MemoryFormatType: MEMORY_FORMATS,
}  # fmt: skip


def to_dtype(v: Any) -> Any:
    """A dtype argument (an int, or already a torch.dtype, or None) as a torch.dtype."""
    return DTYPES[v] if type(v) is int else v


def dtype_number(t: torch.Tensor) -> int:
    return DTYPE_NUMBER[t.dtype]


def enum_table(t: T.Type) -> tuple[Any, ...] | None:
    if isinstance(t, T.OptionalType):
        t = t.elem
    return ENUM_TABLES.get(t)


def _make_converter(table: tuple[Any, ...]) -> Callable[[Any], Any]:
    def convert(v: Any) -> Any:
        return table[v] if type(v) is int else v

    return convert


CONVERTERS = {id(t): _make_converter(t) for t in ENUM_TABLES.values()}


def enum_converter(table: tuple[Any, ...]) -> Callable[[Any], Any]:
    """The function turning an int of `table`'s numbering into its torch object."""
    return CONVERTERS[id(table)]
