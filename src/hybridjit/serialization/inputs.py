"""Command-line values for `hybridjit run`: literals, `.npy` files and `.safetensors` files.

    5  2.5  True  [5]  [1, 2]  "text"  None     Python literals (`ast.literal_eval`, no code)
    x.npy                                       a NumPy array file (read here, no numpy needed)
    w.safetensors  or  w.safetensors:name       one tensor of a safetensors file

A number or list given where the graph expects a Tensor becomes `torch.tensor(...)`.
"""

from __future__ import annotations

import ast
import math
import os
from typing import Any

import torch

from hybridjit.errors import ArchiveError, Error
from hybridjit.ir.types import TensorType, Type
from hybridjit.serialization.tensors import read_safetensors

NPY_MAGIC = b"\x93NUMPY"
_NPY_DTYPES = {
    "f8": torch.float64, "f4": torch.float32, "f2": torch.float16, "i8": torch.int64,
    "i4": torch.int32, "i2": torch.int16, "i1": torch.int8, "u1": torch.uint8, "b1": torch.bool,
    "c8": torch.complex64, "c16": torch.complex128, "u2": torch.uint16, "u4": torch.uint32,
    "u8": torch.uint64,
}  # fmt: skip


class InputError(Error):
    """A `run` argument that is not a literal or a readable tensor file."""


def parse_argument(text: str, expected: Type | None = None) -> Any:
    """The value a command-line argument stands for, shaped for the graph input's type."""
    path, _, key = text.partition(":") if ".safetensors:" in text else (text, "", "")
    if path.endswith(".npy"):
        return read_npy(_read(path))
    if path.endswith(".safetensors"):
        return _one_tensor(_read(path), key, path)
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise InputError(
            f"argument {text[:60]!r} is not a literal, a .npy or a .safetensors file"
        ) from None
    if isinstance(expected, TensorType) and isinstance(value, (int, float, bool, list)):
        return torch.tensor(value)
    return value


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None


def _one_tensor(data: bytes, key: str, path: str) -> torch.Tensor:
    try:
        tensors = read_safetensors(data)
    except ArchiveError as e:
        raise InputError(f"{path}: {e}") from None
    if key:
        if key not in tensors:
            raise InputError(f"{path} has no tensor {key!r} (it has: {', '.join(sorted(tensors))})")
        return tensors[key]
    if len(tensors) != 1:
        raise InputError(
            f"{path} holds {len(tensors)} tensors; name one as {os.path.basename(path)}:NAME"
        )
    return next(iter(tensors.values()))


def read_npy(data: bytes) -> torch.Tensor:
    """A tensor from `.npy` bytes (format versions 1-3, little-endian or byte-sized dtypes)."""
    if not data.startswith(NPY_MAGIC) or len(data) < 10:
        raise InputError("not a .npy file (bad magic)")
    major = data[6]
    size_bytes = 2 if major == 1 else 4
    start = 8 + size_bytes
    header_len = int.from_bytes(data[8:start], "little")
    try:
        header = ast.literal_eval(data[start : start + header_len].decode("latin-1"))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise InputError(".npy header is not a Python literal") from None
    dtype, shape, fortran = _npy_header(header)
    body = data[start + header_len :]
    count = math.prod(shape)
    nbytes = count * torch.empty(0, dtype=dtype).element_size()
    if len(body) < nbytes:
        raise InputError(f".npy data holds {len(body)} bytes; shape {shape} needs {nbytes}")
    flat = (
        torch.frombuffer(bytearray(body[:nbytes]), dtype=dtype)
        if nbytes
        else torch.empty(0, dtype=dtype)
    )
    if fortran:
        return (
            flat.reshape(tuple(reversed(shape))).permute(*reversed(range(len(shape)))).contiguous()
        )
    return flat.reshape(shape)


def _npy_header(header: Any) -> tuple[torch.dtype, tuple[int, ...], bool]:
    if not isinstance(header, dict) or not {"descr", "shape", "fortran_order"} <= set(header):
        raise InputError(".npy header lacks descr/shape/fortran_order")
    descr, shape = header["descr"], header["shape"]
    if not isinstance(descr, str) or descr[:1] not in "<|" or descr[1:] not in _NPY_DTYPES:
        raise InputError(
            f".npy dtype {str(descr)[:20]!r} is not supported (little-endian numbers only)"
        )
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise InputError(f".npy shape {str(shape)[:40]} is not a tuple of sizes")
    return _NPY_DTYPES[descr[1:]], shape, bool(header["fortran_order"])
