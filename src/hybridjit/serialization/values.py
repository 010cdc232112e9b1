"""Non-tensor values as JSON, guided by their IR type (the archive's attribute codec).

    int 5                     -> 5              float 2.5 / inf  -> 2.5 / "inf"
    str, bool, None           -> themselves     complex 1+2j     -> [1.0, 2.0]
    Device cpu                -> "cpu"          Tensor           -> its index in tensors.json
    int[] / (int, str)        -> JSON lists     Dict(str, int)   -> [[key, value], ...]
    Set(int) / (int, ...)     -> JSON lists (a set in its iteration order, rebuilt in it)
    script class object       -> its fields' values, in the class's attribute order
    enum member Color.RED     -> "RED" (the class is an "enums" record of model.json)
    int? None / 3             -> null / 3       Scalar / Any / Union(...) -> ["int", 3]

Decoding checks every value against its type, so a wrong JSON type is an `ArchiveError`,
never a surprise later; types come from type strings (`parse_type`) of bounded size.
"""

from __future__ import annotations

import enum
import math
import re
from typing import Any, Callable

import torch

from hybridjit.errors import ArchiveError, Error
from hybridjit.ir import types as T
from hybridjit.ir.parser import parse_type
from hybridjit.ops.numbering import ENUM_NUMBERS
from hybridjit.runtime.objects import ScriptObject

MAX_TYPE_STRING = 2000
MAX_TYPE_DEPTH = 32
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
_DEVICE = re.compile(r"^(cpu|cuda|mps|xpu|meta)(:[0-9]{1,4})?$")
_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}

TensorRef = Callable[[torch.Tensor], int]
TensorGet = Callable[[int], torch.Tensor]


def type_from_string(text: Any, where: str) -> T.Type:
    """Parse a type string from an archive, refusing oversized or deeply nested ones first."""
    if not isinstance(text, str):
        raise ArchiveError(f"{where}: type must be a string, got {type(text).__name__}")
    depth = max_bracket_depth(text)
    if len(text) > MAX_TYPE_STRING or depth > MAX_TYPE_DEPTH:
        raise ArchiveError(f"{where}: type string too large ({len(text)} characters, nesting "
                           f"{depth}; limits {MAX_TYPE_STRING} and {MAX_TYPE_DEPTH})")  # fmt: skip

    try:
        return parse_type(text)
    except (Error, RecursionError, ValueError) as e:
        raise ArchiveError(f"{where}: bad type {text[:80]!r}: {e}") from None


def max_bracket_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            best = max(best, depth)
        elif ch in ")]}":
            depth -= 1
    return best


def type_string(t: T.Type) -> str:
    return str(t)


def value_type(value: Any, declared: T.Type | None = None) -> T.Type:
    """The type to save `value` under: the declared one, else what the value says."""
    if declared is not None:
        return declared
    try:
        return T.type_of_value(value)
    except TypeError as e:
        raise ArchiveError(
            f"cannot save a value of Python type {type(value).__name__}: {e}"
        ) from None


# ---------------------------------------------------------------------------------------------
# encoding


def encode(value: Any, t: T.Type, tensor_ref: TensorRef) -> Any:
    """`value` of IR type `t` as JSON data (tensors as indices given by `tensor_ref`)."""
    handler = _ENCODERS.get(type(t))
    if isinstance(t, T._Simple):
        handler = _SIMPLE_ENCODERS.get(t.name)
    if handler is None:
        raise ArchiveError(f"cannot save a value of type {t}")
    return handler(value, t, tensor_ref)


def _enc_int(v: Any, t: T.Type, ref: TensorRef) -> Any:
    if type(v) in ENUM_NUMBERS:  # `dtype: torch.dtype = torch.float32`: a number in graphs
        return ENUM_NUMBERS[type(v)][v]
    if isinstance(v, bool) or not isinstance(v, int):
        raise ArchiveError(f"expected an int for type {t}, got {type(v).__name__}")
    return v


def _enc_float(v: Any, t: T.Type, ref: TensorRef) -> Any:
    v = float(v)
    return v if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))


def _enc_none(v: Any, t: T.Type, ref: TensorRef) -> None:
    if v is not None:
        raise ArchiveError(f"expected None, found {type(v).__name__} (its declared type is None)")


def _enc_tagged(v: Any, t: T.Type, ref: TensorRef) -> Any:
    inner = T.type_of_value(v) if not isinstance(v, torch.Tensor) else T.TENSOR
    return [type_string(inner), encode(v, inner, ref)]


def _enc_tensor(v: Any, t: T.Type, ref: TensorRef) -> Any:
    if not isinstance(v, torch.Tensor):
        raise ArchiveError(f"expected a tensor for type {t}, got {type(v).__name__}")
    return ref(v)


def _enc_optional(v: Any, t: T.OptionalType, ref: TensorRef) -> Any:
    return None if v is None else encode(v, t.elem, ref)


def _enc_tuple(v: Any, t: T.TupleType, ref: TensorRef) -> Any:
    return [encode(x, e, ref) for x, e in zip(v, t.elems, strict=True)]


def _enc_object(v: Any, t: T.ClassType, ref: TensorRef) -> Any:
    if t.is_module:
        raise ArchiveError(f"a module of type {t} is saved as a submodule, not as a value")
    table = getattr(ref, "objects", None)
    if table is None:
        raise ArchiveError(f"a {t} object can be saved as an attribute, not here")
    return table.add(v, t, lambda value, field_type: encode(value, field_type, ref))


class ObjectWriter:
    """An archive's script objects, each once, by identity: two attributes (or fields, or list
    items) holding one object load as one object (as torch.jit's pickles do).  A value of
    class type is saved as its index in `records`."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._index: dict[int, int] = {}
        self._keep: list[Any] = []  # ids stay unique while the archive is written

    def add(self, v: Any, t: T.ClassType, encode_field: Callable[[Any, T.Type], Any]) -> int:
        index = self._index.get(id(v))
        if index is not None:
            return index
        index = self._index[id(v)] = len(self.records)
        self._keep.append(v)
        record: dict[str, Any] = {"type": type_string(t), "fields": []}
        self.records.append(record)
        for name, field_type in t.attributes.items():
            if not hasattr(v, name):
                raise ArchiveError(f"expected a {t} object with field {name!r}, found "
                                   f"{type(v).__name__} without it")  # fmt: skip
            record["fields"].append(encode_field(getattr(v, name), field_type))
        return index


class TensorsAndObjects:
    """What encoded values refer to: tensors (called with one) and the object table."""

    def __init__(self, tensor: Callable[[Any], Any], objects: Any) -> None:
        self.tensor = tensor
        self.objects = objects

    def __call__(self, key: Any) -> Any:
        return self.tensor(key)


def _enc_enum(v: Any, t: T.EnumType, ref: TensorRef) -> Any:
    if not isinstance(v, enum.Enum) or (t.names and v.name not in t.names):
        raise ArchiveError(f"expected a member of {t}, got {type(v).__name__} {str(v)[:40]}")
    return v.name


_SIMPLE_ENCODERS: dict[str, Callable[..., Any]] = {
    "int": _enc_int, "ScalarType": _enc_int, "Layout": _enc_int, "MemoryFormat": _enc_int,
    "float": _enc_float, "bool": lambda v, t, r: bool(v), "str": lambda v, t, r: str(v),
    "NoneType": _enc_none, "Device": lambda v, t, r: str(v),
    "complex": lambda v, t, r: [_enc_float(v.real, t, r), _enc_float(v.imag, t, r)],
    "Scalar": _enc_tagged, "Any": _enc_tagged,
}  # fmt: skip
_ENCODERS: dict[type, Callable[..., Any]] = {
    T.TensorType: _enc_tensor,
    T.OptionalType: _enc_optional,
    T.ListType: lambda v, t, r: [encode(x, t.elem, r) for x in v],
    T.TupleType: _enc_tuple,
    T.DictType: lambda v, t, r: [
        [encode(k, t.key, r), encode(x, t.value, r)] for k, x in v.items()
    ],
    T.UnionType: _enc_tagged,
    T.SetType: lambda v, t, r: [encode(x, t.elem, r) for x in v],
    T.VarTupleType: lambda v, t, r: [encode(x, t.elem, r) for x in v],
    T.ClassType: _enc_object,
    T.EnumType: _enc_enum,
}


# ---------------------------------------------------------------------------------------------
# decoding


def decode(data: Any, t: T.Type, tensor: TensorGet, where: str) -> Any:
    """The Python value JSON `data` stands for, checked against IR type `t`."""
    handler = _DECODERS.get(type(t))
    if isinstance(t, T._Simple):
        handler = _SIMPLE_DECODERS.get(t.name)
    if handler is None:
        raise ArchiveError(f"{where}: values of type {t} cannot be loaded")
    return handler(data, t, tensor, where)


def _want(data: Any, kind: type | tuple[type, ...], t: T.Type, where: str) -> Any:
    if not isinstance(data, kind) or (
        isinstance(data, bool) and kind in (int, float, (int, float))
    ):
        raise ArchiveError(f"{where}: expected a value of type {t}, got JSON {type(data).__name__} "
                           f"{str(data)[:40]}")  # fmt: skip
    return data


def _dec_int(data: Any, t: T.Type, get: TensorGet, where: str) -> int:
    v = _want(data, int, t, where)
    if not INT64_MIN <= v <= INT64_MAX:
        raise ArchiveError(f"{where}: integer {v} does not fit in 64 bits")
    return v


def _dec_float(data: Any, t: T.Type, get: TensorGet, where: str) -> float:
    if isinstance(data, str) and data in _NON_FINITE:
        return _NON_FINITE[data]
    return float(_want(data, (int, float), t, where))


def _dec_complex(data: Any, t: T.Type, get: TensorGet, where: str) -> complex:
    pair = _want(data, list, t, where)
    if len(pair) != 2:
        raise ArchiveError(f"{where}: a complex is [real, imag], got {len(pair)} numbers")
    return complex(
        _dec_float(pair[0], T.FloatType, get, where), _dec_float(pair[1], T.FloatType, get, where)
    )


def _dec_device(data: Any, t: T.Type, get: TensorGet, where: str) -> torch.device:
    text = _want(data, str, t, where)
    if not _DEVICE.match(text):
        raise ArchiveError(f"{where}: unknown device {text[:40]!r}")
    return torch.device(text)


def _dec_tagged(data: Any, t: T.Type, get: TensorGet, where: str) -> Any:
    pair = _want(data, list, t, where)
    if len(pair) != 2:
        raise ArchiveError(f"{where}: a {t} value is [type, value], got {len(pair)} items")
    inner = type_from_string(pair[0], where)
    if not T.is_subtype(inner, t) and t != T.AnyType:
        raise ArchiveError(f"{where}: {inner} is not a {t}")
    return decode(pair[1], inner, get, where)


def _dec_tensor(data: Any, t: T.Type, get: TensorGet, where: str) -> torch.Tensor:
    return get(_dec_int(data, T.IntType, get, where))


def _dec_optional(data: Any, t: T.OptionalType, get: TensorGet, where: str) -> Any:
    return None if data is None else decode(data, t.elem, get, where)


def _dec_list(data: Any, t: T.ListType, get: TensorGet, where: str) -> list[Any]:
    return [decode(x, t.elem, get, where) for x in _want(data, list, t, where)]


def _dec_tuple(data: Any, t: T.TupleType, get: TensorGet, where: str) -> tuple[Any, ...]:
    items = _want(data, list, t, where)
    if len(items) != len(t.elems):
        raise ArchiveError(f"{where}: {t} has {len(t.elems)} elements, got {len(items)}")
    return tuple(decode(x, e, get, where) for x, e in zip(items, t.elems))


def _dec_dict(data: Any, t: T.DictType, get: TensorGet, where: str) -> dict[Any, Any]:
    out = {}
    for pair in _want(data, list, t, where):
        if not isinstance(pair, list) or len(pair) != 2:
            raise ArchiveError(f"{where}: a dict item is [key, value], got {str(pair)[:40]}")
        key = decode(pair[0], t.key, get, where)
        if not isinstance(key, (int, float, str, complex, torch.Tensor)):
            raise ArchiveError(f"{where}: dict keys of type {t.key} are not hashable")
        out[key] = decode(pair[1], t.value, get, where)
    return out


def _dec_set(data: Any, t: T.SetType, get: TensorGet, where: str) -> set[Any]:
    out = set()
    for x in _want(data, list, t, where):
        try:
            out.add(decode(x, t.elem, get, where))
        except TypeError:
            raise ArchiveError(f"{where}: a set element of type {t.elem} is not hashable") from None
    return out


def _dec_var_tuple(data: Any, t: T.VarTupleType, get: TensorGet, where: str) -> tuple[Any, ...]:
    return tuple(decode(x, t.elem, get, where) for x in _want(data, list, t, where))


def _dec_object(data: Any, t: T.ClassType, get: TensorGet, where: str) -> Any:
    cls = t.python_class
    if t.is_module or not (isinstance(cls, type) and issubclass(cls, ScriptObject)):
        raise ArchiveError(f"{where}: values of type {t} cannot be loaded")
    table = getattr(get, "objects", None)
    if table is None:
        raise ArchiveError(f"{where}: a {t} object can be loaded as an attribute, not here")
    return table.get(_dec_int(data, T.IntType, get, where), t, where,
                     lambda x, field_type, at: decode(x, field_type, get, at))  # fmt: skip


class ObjectReader:
    """The archive's object table (`ObjectWriter`), each object built once, on first use."""

    def __init__(self, records: Any) -> None:
        self.records = _want(records, list, T.ListType(T.AnyType), "objects")
        self._built: dict[int, Any] = {}

    def get(self, index: int, t: T.ClassType, where: str,
            decode_field: Callable[[Any, T.Type, str], Any]) -> Any:  # fmt: skip
        if not 0 <= index < len(self.records):
            raise ArchiveError(f"{where}: object index {index} out of range "
                               f"(archive has {len(self.records)})")  # fmt: skip
        record = self.records[index]
        if not isinstance(record, dict) or record.get("type") != type_string(t):
            found = record.get("type") if isinstance(record, dict) else record
            raise ArchiveError(f"{where}: expected object {index} to be a {t}, found "
                               f"{str(found)[:60]}")  # fmt: skip
        if index in self._built:
            return self._built[index]
        items = _want(record.get("fields"), list, t, f"{where}: object {index} fields")
        if len(items) != len(t.attributes):
            raise ArchiveError(f"{where}: {t} has {len(t.attributes)} fields, got {len(items)}")
        obj = self._built[index] = t.python_class.__new__(t.python_class)
        for (name, field_type), x in zip(t.attributes.items(), items):
            object.__setattr__(obj, name, decode_field(x, field_type, f"{where}.{name}"))
        return obj


def _dec_enum(data: Any, t: T.EnumType, get: TensorGet, where: str) -> Any:
    cls = t.python_class
    if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
        raise ArchiveError(f"{where}: values of type {t} cannot be loaded")
    name = _want(data, str, t, where)
    if name not in cls.__members__:
        raise ArchiveError(f"{where}: {t} has no member {name[:60]!r}")
    return cls.__members__[name]


_SIMPLE_DECODERS: dict[str, Callable[..., Any]] = {
    "int": _dec_int, "ScalarType": _dec_int, "Layout": _dec_int, "MemoryFormat": _dec_int,
    "float": _dec_float, "complex": _dec_complex, "Device": _dec_device,
    "bool": lambda d, t, g, w: _want(d, bool, t, w), "str": lambda d, t, g, w: _want(d, str, t, w),
    "NoneType": lambda d, t, g, w: _want(d, type(None), t, w),
    "Scalar": _dec_tagged, "Any": _dec_tagged,
}  # fmt: skip
_DECODERS: dict[type, Callable[..., Any]] = {
    T.TensorType: _dec_tensor, T.OptionalType: _dec_optional, T.ListType: _dec_list,
    T.TupleType: _dec_tuple, T.DictType: _dec_dict, T.UnionType: _dec_tagged,
    T.SetType: _dec_set, T.VarTupleType: _dec_var_tuple, T.ClassType: _dec_object,
    T.EnumType: _dec_enum,
}  # fmt: skip
