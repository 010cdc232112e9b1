"""Tensors in safetensors layout, with views and shared storage kept honest.

A safetensors file is an 8-byte little-endian header length, a JSON header, then raw bytes.
hybridjit stores each *storage* once, as a flat `U8` entry `storage.N`; each tensor is a
view `{"storage", "dtype", "shape", "stride", "offset", "device", "requires_grad"}` on one
of them (offset and strides in elements, as torch counts them).  Two tensors that shared a
storage when saved share one after loading, so in-place updates stay visible through every
view, and a slice does not drag a copy of its base along.

The reader checks every size, offset and stride against the bytes actually present before
torch sees them.  Data is little-endian, as safetensors specifies.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from typing import Any

import torch

from hybridjit.errors import ArchiveError
from hybridjit.serialization.jsonio import field as _field
from hybridjit.serialization.jsonio import int_list as _int_list
from hybridjit.serialization.jsonio import parse_json

# dtype <-> (name in tensors.json, safetensors code)
DTYPES: dict[torch.dtype, tuple[str, str]] = {
    torch.float64: ("float64", "F64"), torch.float32: ("float32", "F32"),
    torch.float16: ("float16", "F16"), torch.bfloat16: ("bfloat16", "BF16"),
    torch.int64: ("int64", "I64"), torch.int32: ("int32", "I32"),
    torch.int16: ("int16", "I16"), torch.int8: ("int8", "I8"), torch.uint8: ("uint8", "U8"),
    torch.uint16: ("uint16", "U16"), torch.uint32: ("uint32", "U32"),
    torch.uint64: ("uint64", "U64"), torch.bool: ("bool", "BOOL"),
    torch.complex64: ("complex64", "C64"), torch.complex128: ("complex128", "C128"),
    torch.float8_e4m3fn: ("float8_e4m3fn", "F8_E4M3"), torch.float8_e5m2: ("float8_e5m2", "F8_E5M2"),
}  # fmt: skip
DTYPE_BY_NAME = {name: dtype for dtype, (name, _) in DTYPES.items()}
DTYPE_BY_CODE = {code: dtype for dtype, (_, code) in DTYPES.items()}

MAX_HEADER_BYTES = 100 << 20
MAX_DIMS = 64
MAX_NUMEL = 1 << 62
MAX_TENSORS = 100_000  # tensor records (views) in tensors.json; storages likewise
_DEVICE = re.compile(r"^(cpu|cuda|mps|xpu|meta)(:[0-9]{1,4})?$")


# ---------------------------------------------------------------------------------------------
# safetensors container


def write_safetensors(
    entries: dict[str, torch.Tensor], metadata: dict[str, str] | None = None
) -> bytes:
    """Standard safetensors bytes for contiguous CPU tensors (names sorted: deterministic)."""
    return b"".join(safetensors_parts(entries, metadata))


def safetensors_parts(
    entries: dict[str, torch.Tensor], metadata: dict[str, str] | None = None
) -> list[bytes | memoryview]:
    """`write_safetensors`'s bytes as a header and one view of each tensor's memory, so an
    archive of a multi-GB model is written without a copy of its weights."""
    header: dict[str, Any] = {"__metadata__": metadata} if metadata else {}
    parts: list[bytes | memoryview] = []
    offset = 0
    for name in sorted(entries):
        t = entries[name].detach().cpu().contiguous()
        code = DTYPES[t.dtype][1] if t.dtype in DTYPES else _unsupported(t.dtype)
        data = _tensor_memory(t)
        header[name] = {"dtype": code, "shape": list(t.shape),
                        "data_offsets": [offset, offset + data.nbytes]}  # fmt: skip
        parts.append(data)
        offset += data.nbytes
    head = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    return [len(head).to_bytes(8, "little") + head, *parts]


def _unsupported(dtype: torch.dtype) -> str:
    raise ArchiveError(f"cannot save a tensor of dtype {dtype}")


def _tensor_memory(t: torch.Tensor) -> memoryview:
    """The bytes of contiguous `t`, shared with it (not copied)."""
    return memoryview(t.reshape(-1).view(torch.uint8).numpy()) if t.numel() else memoryview(b"")


def read_safetensors_header(data: bytes | memoryview) -> tuple[dict[str, Any], int]:
    """The JSON header of safetensors `data` and where the byte buffer starts."""
    if len(data) < 8:
        raise ArchiveError(f"safetensors data is {len(data)} bytes; expected at least 8")
    n = int.from_bytes(data[:8], "little")
    if n > min(len(data) - 8, MAX_HEADER_BYTES):
        raise ArchiveError(
            f"safetensors header length {n} exceeds the {len(data) - 8} bytes present"
        )
    header = parse_json(bytes(data[8 : 8 + n]), "safetensors header")
    if not isinstance(header, dict):
        raise ArchiveError(f"safetensors header must be a JSON object, got {type(header).__name__}")
    return header, 8 + n


def read_safetensors(data: bytes) -> dict[str, torch.Tensor]:
    """Every tensor of a standard safetensors file (each entry contiguous)."""
    header, start = read_safetensors_header(data)
    body = memoryview(data)[start:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = _lookup(DTYPE_BY_CODE, _field(entry, "dtype", str, name), f"{name}: dtype")
        shape = _int_list(_field(entry, "shape", list, name), f"{name}: shape")
        begin, end = _offsets(entry, name, len(body))
        numel = _numel(shape, name)
        if (end - begin) != numel * _itemsize(dtype):
            raise ArchiveError(
                f"safetensors entry {name!r}: {end - begin} bytes for shape {shape} of {dtype}"
            )
        flat = (
            torch.frombuffer(bytearray(body[begin:end]), dtype=torch.uint8)
            if end > begin
            else torch.empty(0, dtype=torch.uint8)
        )
        out[name] = flat.view(dtype).reshape(shape) if numel else torch.empty(shape, dtype=dtype)
    return out


def _offsets(entry: Any, name: str, body_size: int) -> tuple[int, int]:
    offsets = _int_list(_field(entry, "data_offsets", list, name), f"{name}: data_offsets")
    if len(offsets) != 2 or not 0 <= offsets[0] <= offsets[1] <= body_size:
        raise ArchiveError(f"safetensors entry {name!r}: data_offsets {offsets} outside the "
                           f"{body_size} data bytes")  # fmt: skip
    return offsets[0], offsets[1]


# ---------------------------------------------------------------------------------------------
# saving: the table of tensors and storages


@dataclass
class _Storage:
    tensor: torch.Tensor  # a uint8 CPU view of the whole storage
    key: tuple[str, int]


class TensorWriter:
    """Collects tensors (each once, by identity) and their storages (each once)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._ids: dict[int, int] = {}
        self._keep: list[torch.Tensor] = []
        self._storages: list[_Storage] = []
        self._storage_ids: dict[tuple[str, int], int] = {}

    def add(self, t: torch.Tensor) -> int:
        """The index of `t` in the table (adding it the first time it is seen)."""
        if id(t) in self._ids:
            return self._ids[id(t)]
        self._keep.append(t)
        self._ids[id(t)] = len(self.records)
        self.records.append(self._record(t))
        return self._ids[id(t)]

    def _record(self, t: torch.Tensor) -> dict[str, Any]:
        _check_saveable(t)
        view = t.detach()
        if view.is_conj() or view.is_neg():
            view = view.resolve_conj().resolve_neg()
        return {"storage": self._storage_index(view), "dtype": DTYPES[view.dtype][0],
                "shape": list(view.shape), "stride": list(view.stride()),
                "offset": view.storage_offset(), "device": str(view.device),
                "requires_grad": bool(t.requires_grad)}  # fmt: skip

    def _storage_index(self, t: torch.Tensor) -> int:
        storage = t.untyped_storage()
        key = (str(t.device), storage.data_ptr() if storage.nbytes() else -1 - len(self._storages))
        if key not in self._storage_ids:
            whole = torch.empty(0, dtype=torch.uint8, device=t.device).set_(storage)
            self._storage_ids[key] = len(self._storages)
            self._storages.append(_Storage(whole.cpu(), key))
        return self._storage_ids[key]

    def safetensors_parts(self) -> list[bytes | memoryview]:
        entries = {f"storage.{i}": s.tensor for i, s in enumerate(self._storages)}
        return safetensors_parts(entries, {"format": "hybridjit-storages"})


def _check_saveable(t: torch.Tensor) -> None:
    if t.layout != torch.strided or t.is_quantized or t.is_nested or t.device.type == "meta":
        raise ArchiveError(f"cannot save a tensor with layout {t.layout} on {t.device} "
                           "(only dense strided tensors with data)")  # fmt: skip
    if t.dtype not in DTYPES:
        _unsupported(t.dtype)
    if sys.byteorder != "little":
        raise ArchiveError("saving tensors on a big-endian machine is not supported")


# ---------------------------------------------------------------------------------------------
# loading


def load_tensors(
    safetensors: bytes | memoryview, records: Any, map_location: Any = None
) -> list[torch.Tensor]:
    """Rebuild the tensor table: storages from `safetensors`, views described by `records`."""
    storages = _read_storages(safetensors)
    if not isinstance(records, list):
        raise ArchiveError(f"tensors.json must be a list, got {type(records).__name__}")
    if len(records) > MAX_TENSORS:
        raise ArchiveError(f"tensors.json lists {len(records)} tensors (limit {MAX_TENSORS})")
    views = [_check_view(r, i, storages) for i, r in enumerate(records)]
    _check_bools(views, storages)
    moved: dict[tuple[int, str], torch.UntypedStorage] = {}
    return [_materialize(v, storages, moved, map_location) for v in views]


@dataclass
class _View:
    storage: int
    dtype: torch.dtype
    shape: list[int]
    stride: list[int]
    offset: int
    device: str
    requires_grad: bool


def _read_storages(data: bytes | memoryview) -> list[torch.Tensor]:
    header, start = read_safetensors_header(data)
    body = memoryview(data)[start:]
    names = [k for k in header if k != "__metadata__"]
    if len(names) > MAX_TENSORS:
        raise ArchiveError(f"tensors.safetensors has {len(names)} storages (limit {MAX_TENSORS})")
    expected = [f"storage.{i}" for i in range(len(names))]
    if sorted(names) != sorted(expected):
        raise ArchiveError(
            f"tensors.safetensors entries must be storage.0 .. storage.{len(names) - 1}"
        )
    out = []
    for name in expected:
        entry = header[name]
        if _field(entry, "dtype", str, name) != "U8":
            raise ArchiveError(f"storage entry {name!r} must have dtype U8")
        begin, end = _offsets(entry, name, len(body))
        if _int_list(_field(entry, "shape", list, name), name) != [end - begin]:
            raise ArchiveError(
                f"storage entry {name!r}: shape does not match its {end - begin} bytes"
            )
        out.append(torch.frombuffer(bytearray(body[begin:end]), dtype=torch.uint8) if end > begin
                   else torch.empty(0, dtype=torch.uint8))  # fmt: skip
    return out


def _check_view(r: Any, i: int, storages: list[torch.Tensor]) -> _View:
    where = f"tensor {i}"
    if not isinstance(r, dict):
        raise ArchiveError(f"{where}: expected a JSON object, got {type(r).__name__}")
    storage = _index(_field(r, "storage", int, where), len(storages), f"{where}: storage")
    view = _View(storage, _lookup(DTYPE_BY_NAME, _field(r, "dtype", str, where), f"{where}: dtype"),
                 _int_list(_field(r, "shape", list, where), f"{where}: shape"),
                 _int_list(_field(r, "stride", list, where), f"{where}: stride"),
                 _field(r, "offset", int, where), _field(r, "device", str, where),
                 _field(r, "requires_grad", bool, where))  # fmt: skip
    _check_extent(view, storages[storage].numel(), where)
    if not _DEVICE.match(view.device):
        raise ArchiveError(f"{where}: unknown device {view.device!r}")
    if view.requires_grad and not (view.dtype.is_floating_point or view.dtype.is_complex):
        raise ArchiveError(f"{where}: requires_grad on a tensor of dtype {view.dtype}")
    return view


def _check_extent(v: _View, storage_bytes: int, where: str) -> None:
    if len(v.shape) > MAX_DIMS or len(v.stride) != len(v.shape):
        raise ArchiveError(f"{where}: {len(v.shape)} sizes and {len(v.stride)} strides "
                           f"(expected equal counts, at most {MAX_DIMS})")  # fmt: skip
    if min(v.shape + v.stride + [v.offset], default=0) < 0:
        raise ArchiveError(f"{where}: negative size, stride or offset in shape {v.shape}, "
                           f"stride {v.stride}, offset {v.offset}")  # fmt: skip
    numel = _numel(v.shape, where)
    last = v.offset + sum((n - 1) * s for n, s in zip(v.shape, v.stride)) if numel else 0
    needed = (last + 1) * _itemsize(v.dtype) if numel else 0
    if needed > storage_bytes or (numel and v.offset * _itemsize(v.dtype) > storage_bytes):
        raise ArchiveError(f"{where}: shape {v.shape}, stride {v.stride}, offset {v.offset} "
                           f"of {v.dtype} reach byte {needed}, past its storage of "
                           f"{storage_bytes} bytes")  # fmt: skip


def _check_bools(views: list[_View], storages: list[torch.Tensor]) -> None:
    # A bool byte other than 0 or 1 is undefined behaviour in torch; refuse it.
    for index in sorted({v.storage for v in views if v.dtype == torch.bool}):
        data = storages[index]
        if data.numel() and int(data.max()) > 1:
            raise ArchiveError(f"storage {index} holds bool tensors with bytes other than 0 and 1")


def _materialize(v: _View, storages: list[torch.Tensor], moved: dict[tuple[int, str], Any],
                 map_location: Any) -> torch.Tensor:  # fmt: skip
    targets = moved.setdefault((-1, "targets"), {})  # saved device -> where it goes
    device = targets.get(v.device)
    if device is None:
        device = targets[v.device] = target_device(v.device, map_location)
    key = (v.storage, str(device))
    if key not in moved:
        moved[key] = storages[v.storage].to(device).untyped_storage()
    t = torch.empty(0, dtype=v.dtype, device=device).set_(moved[key], v.offset, v.shape, v.stride)
    return t.requires_grad_() if v.requires_grad else t


def target_device(saved: str, map_location: Any) -> torch.device:
    """Where a tensor saved on `saved` goes: `map_location` (device, str or dict) or back home.

    Only devices this torch build can use are accepted (cpu always, meta as a map_location;
    cuda, mps and xpu when available, with an index below their device count); any other is
    an ArchiveError naming `map_location`, the way out.
    """
    wanted = map_location.get(saved, saved) if isinstance(map_location, dict) else map_location
    try:
        device = torch.device(wanted if wanted is not None else saved)
    except (RuntimeError, TypeError, ValueError) as e:
        raise ArchiveError(
            f"map_location: not a device: {str(wanted)[:60]!r} ({str(e)[:120]})"
        ) from None
    unmapped = wanted is None or (isinstance(map_location, dict) and saved not in map_location)
    why = unusable(device)
    if why is None and unmapped and device.type == "meta":
        why = "hybridjit.save never writes meta tensors (they have no data)"
    if why is None:
        return device
    if unmapped:
        raise ArchiveError(f"tensors were saved on {saved}, but {why}; pass map_location "
                           f"(e.g. map_location='cpu') to load them elsewhere")  # fmt: skip
    raise ArchiveError(f"map_location: cannot map tensors saved on {saved} to {device}: {why}")


def unusable(device: torch.device) -> str | None:
    """Why this torch build cannot hold tensors on `device`; None when it can."""
    kind = device.type
    if kind in ("cpu", "meta"):
        return None
    if kind == "cuda":
        backend: Any = torch.cuda
    elif kind == "xpu":
        backend = getattr(torch, "xpu", None)
    elif kind == "mps":
        backend = getattr(torch, "mps", None)
    else:
        return f"archives do not hold {kind} tensors"
    try:
        available = backend is not None and bool(backend.is_available())
        count = int(backend.device_count()) if available else 0
    except Exception:  # noqa: BLE001 - a backend that cannot even answer is not usable
        available, count = False, 0
    if not available:
        return f"{kind} is not available in this torch build"
    if device.index is not None and device.index >= count:
        return f"there is no {device} ({count} {kind} device{'s' if count != 1 else ''})"
    return None


# ---------------------------------------------------------------------------------------------
# small checked accessors


def _numel(shape: list[int], where: str) -> int:
    if any(n < 0 for n in shape):
        raise ArchiveError(f"{where}: negative size in shape {shape}")
    numel = math.prod(shape)
    if numel > MAX_NUMEL:
        raise ArchiveError(f"{where}: shape {shape} has {numel} elements (limit {MAX_NUMEL})")
    return numel


def _index(i: int, n: int, where: str) -> int:
    if not 0 <= i < n:
        raise ArchiveError(f"{where}: index {i} out of range (0..{n - 1})")
    return i


def _lookup(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise ArchiveError(f"{where}: unknown value {key[:40]!r}; expected one of {sorted(table)}")
    return table[key]


def _itemsize(dtype: torch.dtype) -> int:
    return torch.empty(0, dtype=dtype).element_size()
