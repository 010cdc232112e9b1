"""The type lattice of the IR, as TorchScript models it.

`str(t)` is the spelling the graph printer uses (`int[]`, `int?`, `(int, float)`,
`Dict(str, Tensor)`, `Float(1, strides=[1], requires_grad=0, device=cpu)`); `t.python_str()`
is the annotation spelling `.code` uses (`List[int]`, `Optional[int]`, `Tuple[int, float]`).

Subtyping follows TorchScript: everything is a subtype of `Any`; `None` and `T` are subtypes
of `Optional[T]`; int/float/complex are subtypes of `Scalar` (NumberType); lists and dicts are
invariant; tuples are covariant; refined tensor types are subtypes of plain `Tensor`.

Beyond TorchScript: `Set(T)` (`Set[T]`, a Python set, invariant like lists) and the
variable-length tuple `(T, ...)` (`Tuple[T, ...]`, what `*args: T` and `tuple(xs)` of a list
of unknown length give): every tuple whose elements are subtypes of `T` is a subtype of it.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

import torch


class Type:
    """Base of all IR types. Instances are immutable and compare by value."""

    def python_str(self) -> str:
        return str(self)

    def is_subtype_of(self, other: Type) -> bool:
        return is_subtype(self, other)

    def contained(self) -> tuple[Type, ...]:
        return ()


@dataclasses.dataclass(frozen=True)
class _Simple(Type):
    name: str
    py_name: str

    def __str__(self) -> str:
        return self.name

    def python_str(self) -> str:
        return self.py_name


IntType = _Simple("int", "int")
FloatType = _Simple("float", "float")
BoolType = _Simple("bool", "bool")
StrType = _Simple("str", "str")
ComplexType = _Simple("complex", "complex")
NoneType = _Simple("NoneType", "NoneType")
DeviceType = _Simple("Device", "Device")
NumberType = _Simple("Scalar", "number")
AnyType = _Simple("Any", "Any")
GeneratorType = _Simple("Generator", "Generator")
StorageType = _Simple("Storage", "Storage")
StreamType = _Simple("Stream", "Stream")
CapsuleType = _Simple("Capsule", "Capsule")
LayoutType = _Simple("Layout", "Layout")
ScalarTypeType = _Simple("ScalarType", "ScalarType")
MemoryFormatType = _Simple("MemoryFormat", "MemoryFormat")
AnyListType = _Simple("list", "list")
AnyTupleType = _Simple("tuple", "tuple")
AnyClassType = _Simple("AnyClass", "AnyClass")
AnyEnumType = _Simple("AnyEnum", "AnyEnum")
# A caught exception (the input of a `prim::Try` handler block).
ExceptionType = _Simple("Exception", "Exception")

SIMPLE_TYPES: dict[str, Type] = {
    t.name: t
    for t in (
        IntType, FloatType, BoolType, StrType, ComplexType, NoneType, DeviceType, NumberType,
        AnyType, GeneratorType, StorageType, StreamType, CapsuleType, LayoutType,
        ScalarTypeType, MemoryFormatType, AnyListType, AnyTupleType, AnyClassType, AnyEnumType,
        ExceptionType,
    )
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class FunctionType(Type):
    """`Function`: the type of `prim::Constant[name="f"]()` feeding `prim::CallFunction`.

    `callee` is the function object itself (a `ScriptFunction`); it is not part of the
    printed type or of equality.
    """

    callee: object = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        return "Function"


SIMPLE_TYPES["Function"] = FunctionType()

# dtype, layout and memory format values are ints in TorchScript graphs.
INT_LIKE = (IntType, ScalarTypeType, LayoutType, MemoryFormatType)

SCALAR_TYPE_NAMES: dict[torch.dtype, str] = {
    torch.float32: "Float", torch.float64: "Double", torch.float16: "Half",
    torch.bfloat16: "BFloat16", torch.int64: "Long", torch.int32: "Int", torch.int16: "Short",
    torch.int8: "Char", torch.uint8: "Byte", torch.bool: "Bool",
    torch.complex64: "ComplexFloat", torch.complex128: "ComplexDouble",
    torch.complex32: "ComplexHalf",
}  # fmt: skip
DTYPE_BY_SCALAR_NAME = {name: dtype for dtype, name in SCALAR_TYPE_NAMES.items()}


@dataclasses.dataclass(frozen=True)
class TensorType(Type):
    """`Tensor`, optionally refined with what a trace observed.

    `sizes`/`strides` entries may be None for an unknown dimension.  `wrapped_number` marks
    a traced Python number that torch's argument parser made a 0-dim tensor of (`x / 5.`):
    typed, printed and saved as TorchScript's `Double(...)` constant, but run as the number,
    so type promotion treats it as the wrapped number it was (torch's `is_wrapped_number`).
    """

    dtype: torch.dtype | None = None
    sizes: tuple[int | None, ...] | None = None
    strides: tuple[int | None, ...] | None = None
    device: torch.device | None = None
    requires_grad: bool | None = None
    wrapped_number: bool | None = None

    @staticmethod
    def of(t: torch.Tensor) -> TensorType:
        strides = tuple(t.stride()) if t.layout == torch.strided else None
        return TensorType(t.dtype, tuple(t.shape), strides, t.device, t.requires_grad)

    def is_plain(self) -> bool:
        return self == TENSOR

    def unrefined(self) -> TensorType:
        return TENSOR

    def __str__(self) -> str:
        # Spelled as TorchScript's `operator<<(ostream&, const Type&)`: `FloatTensor` when the
        # rank is unknown, strides only when all are known, 0-dim as `Float(requires_grad=0)`.
        if self.is_plain():
            return "Tensor"
        head = SCALAR_TYPE_NAMES.get(self.dtype, "Tensor") if self.dtype else "Tensor"
        if self.dtype is not None and self.sizes is None:
            head += "Tensor"
        parts = [] if self.sizes is None else [_dim(s) for s in self.sizes]
        if self.sizes and self.strides is not None and len(self.strides) == len(self.sizes):
            if None not in self.strides:
                parts.append("strides=[" + ", ".join(map(str, self.strides)) + "]")
        if self.requires_grad is not None:
            parts.append(f"requires_grad={int(self.requires_grad)}")
        if self.device is not None:
            parts.append(f"device={self.device}")
        if not parts and self.sizes is None:
            return head
        return f"{head}({', '.join(parts)})"

    def python_str(self) -> str:
        return "Tensor"


def _dim(d: int | None) -> str:
    return "*" if d is None else str(d)


TENSOR = TensorType()


@dataclasses.dataclass(frozen=True)
class ListType(Type):
    elem: Type

    def __str__(self) -> str:
        return f"{self.elem}[]"

    def python_str(self) -> str:
        return f"List[{self.elem.python_str()}]"

    def contained(self) -> tuple[Type, ...]:
        return (self.elem,)


@dataclasses.dataclass(frozen=True)
class OptionalType(Type):
    elem: Type

    def __str__(self) -> str:
        return f"{self.elem}?"

    def python_str(self) -> str:
        return f"Optional[{self.elem.python_str()}]"

    def contained(self) -> tuple[Type, ...]:
        return (self.elem,)


@dataclasses.dataclass(frozen=True)
class TupleType(Type):
    """A tuple; with `name` and `field_names` it is a NamedTuple."""

    elems: tuple[Type, ...]
    name: str | None = None
    field_names: tuple[str, ...] | None = None

    def __str__(self) -> str:
        if self.field_names is not None:
            fields = (f"{n} : {t}" for n, t in zip(self.field_names, self.elems))
            return "NamedTuple(" + ", ".join(fields) + ")"
        return "(" + ", ".join(map(str, self.elems)) + ")"

    def python_str(self) -> str:
        if self.name is not None:
            return self.name
        return "Tuple[" + (", ".join(e.python_str() for e in self.elems) or "()") + "]"

    def contained(self) -> tuple[Type, ...]:
        return self.elems


@dataclasses.dataclass(frozen=True)
class VarTupleType(Type):
    """`Tuple[T, ...]`: a tuple of any length whose elements are all `T` (printed `(T, ...)`)."""

    elem: Type

    def __str__(self) -> str:
        return f"({self.elem}, ...)"

    def python_str(self) -> str:
        return f"Tuple[{self.elem.python_str()}, ...]"

    def contained(self) -> tuple[Type, ...]:
        return (self.elem,)


@dataclasses.dataclass(frozen=True)
class SetType(Type):
    """`Set[T]`: a Python set (printed `Set(T)`, as `Dict(K, V)` prints)."""

    elem: Type

    def __str__(self) -> str:
        return f"Set({self.elem})"

    def python_str(self) -> str:
        return f"Set[{self.elem.python_str()}]"

    def contained(self) -> tuple[Type, ...]:
        return (self.elem,)


@dataclasses.dataclass(frozen=True)
class DictType(Type):
    key: Type
    value: Type

    def __str__(self) -> str:
        return f"Dict({self.key}, {self.value})"

    def python_str(self) -> str:
        return f"Dict[{self.key.python_str()}, {self.value.python_str()}]"

    def contained(self) -> tuple[Type, ...]:
        return (self.key, self.value)


@dataclasses.dataclass(frozen=True)
class UnionType(Type):
    members: tuple[Type, ...]

    def __str__(self) -> str:
        return "Union(" + ", ".join(map(str, self.members)) + ")"

    def python_str(self) -> str:
        return "Union[" + ", ".join(m.python_str() for m in self.members) + "]"

    def contained(self) -> tuple[Type, ...]:
        return self.members


@dataclasses.dataclass(frozen=True)
class FutureType(Type):
    elem: Type

    def __str__(self) -> str:
        return f"Future[{self.elem}]"

    def contained(self) -> tuple[Type, ...]:
        return (self.elem,)


@dataclasses.dataclass(frozen=True, eq=False)
class ClassType(Type):
    """A script class or module type, named like `__torch__.Net`.

    Classes are nominal: two ClassTypes are equal only when they are the same object or share
    a qualified name. Attribute and method tables are filled in by the frontends.
    """

    qualified_name: str
    is_module: bool = False
    attributes: dict[str, Type] = dataclasses.field(default_factory=dict, compare=False)
    constants: dict[str, object] = dataclasses.field(default_factory=dict, compare=False)
    methods: dict[str, object] = dataclasses.field(default_factory=dict, compare=False)
    # A script class's Python class (what `prim::CreateObject` instantiates); for a class
    # loaded from an archive, a generated stand-in (`runtime.objects.ScriptObject`).
    python_class: object = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        return self.qualified_name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClassType) and other.qualified_name == self.qualified_name

    def __hash__(self) -> int:
        return hash(self.qualified_name)


@dataclasses.dataclass(frozen=True)
class EnumType(Type):
    qualified_name: str
    value_type: Type = IntType
    names: tuple[str, ...] = ()
    # The Python enum class (for a loaded archive, the rebuilt one); None when only the name
    # is known (a type read from text).
    python_class: object = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        return f"Enum<{self.qualified_name}>"

    def python_str(self) -> str:
        return self.qualified_name


@dataclasses.dataclass(frozen=True)
class VarType(Type):
    """A schema type variable such as `t` in `aten::len.t(t[] a) -> int`."""

    name: str

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------
# subtyping and unification


def is_subtype(a: Type, b: Type) -> bool:
    if a == b or b == AnyType:
        return True
    if isinstance(b, OptionalType):
        return a == NoneType or is_subtype(_strip_optional(a), b.elem)
    if isinstance(a, UnionType):
        return all(is_subtype(m, b) for m in a.members)
    if isinstance(a, OptionalType) and isinstance(b, UnionType):
        return is_subtype(a.elem, b) and is_subtype(NoneType, b)
    if isinstance(b, UnionType):
        return any(is_subtype(a, m) for m in b.members)
    if isinstance(a, TensorType) and isinstance(b, TensorType):
        return _tensor_subtype(a, b)
    if b == NumberType:
        return a in (IntType, FloatType, ComplexType)
    if isinstance(a, TupleType) and isinstance(b, TupleType):
        return _tuple_subtype(a, b)
    if isinstance(b, VarTupleType):
        return _var_tuple_subtype(a, b)
    if isinstance(a, (ListType, SetType)) and type(a) is type(b):
        return _same_modulo_refinement(a.elem, b.elem)  # type: ignore[attr-defined]
    if isinstance(a, DictType) and isinstance(b, DictType):
        return a.key == b.key and _same_modulo_refinement(a.value, b.value)
    if isinstance(a, ListType) and b == AnyListType:
        return True
    if isinstance(a, (TupleType, VarTupleType)) and b == AnyTupleType:
        return True
    if isinstance(a, ClassType) and b == AnyClassType:
        return not a.is_module
    if isinstance(a, EnumType) and b == AnyEnumType:
        return True
    return False


def _strip_optional(a: Type) -> Type:
    return a.elem if isinstance(a, OptionalType) else a


def _tensor_subtype(a: TensorType, b: TensorType) -> bool:
    for field in dataclasses.fields(TensorType):
        required = getattr(b, field.name)
        if required is not None and getattr(a, field.name) != required:
            return False
    return True


def _tuple_subtype(a: TupleType, b: TupleType) -> bool:
    if b.name is not None and a.name != b.name:
        return False
    return len(a.elems) == len(b.elems) and all(map(is_subtype, a.elems, b.elems))


def _var_tuple_subtype(a: Type, b: VarTupleType) -> bool:
    if isinstance(a, VarTupleType):
        return is_subtype(a.elem, b.elem)
    return isinstance(a, TupleType) and a.name is None and \
        all(is_subtype(e, b.elem) for e in a.elems)  # fmt: skip


def _same_modulo_refinement(a: Type, b: Type) -> bool:
    return unrefined(a) == unrefined(b)


def unrefined(t: Type) -> Type:
    """`t` with every tensor type replaced by plain `Tensor` (what a list or dict stores)."""
    if isinstance(t, TensorType):
        return TENSOR
    if isinstance(t, (ListType, SetType, VarTupleType)):
        return type(t)(unrefined(t.elem))
    if isinstance(t, OptionalType):
        return OptionalType(unrefined(t.elem))
    if isinstance(t, TupleType):
        return dataclasses.replace(t, elems=tuple(map(unrefined, t.elems)))
    if isinstance(t, DictType):
        return DictType(unrefined(t.key), unrefined(t.value))
    if isinstance(t, UnionType):
        return UnionType(tuple(map(unrefined, t.members)))
    return t


def unify(a: Type, b: Type) -> Type | None:
    """The least type both `a` and `b` convert to, as TorchScript joins if-branches.

    Returns None when TorchScript would report a type mismatch (e.g. int vs str).
    """
    if is_subtype(a, b):
        return b
    if is_subtype(b, a):
        return a
    if isinstance(a, TensorType) and isinstance(b, TensorType):
        return TENSOR
    if NoneType in (a, b):
        other = b if a == NoneType else a
        return other if isinstance(other, OptionalType) else OptionalType(other)
    if isinstance(a, OptionalType) or isinstance(b, OptionalType):
        inner = unify(_strip_optional(a), _strip_optional(b))
        return None if inner is None else OptionalType(inner)
    if isinstance(a, TupleType) and isinstance(b, TupleType) and len(a.elems) == len(b.elems):
        elems = [unify(x, y) for x, y in zip(a.elems, b.elems)]
        if None not in elems:
            return TupleType(tuple(elems))  # type: ignore[arg-type]
    if _tuple_like(a) and _tuple_like(b):
        return _unify_var_tuple(a, b)
    if isinstance(a, (ListType, DictType, SetType)) and unrefined(a) == unrefined(b):
        return unrefined(a)
    return None


def _tuple_like(t: Type) -> bool:
    return isinstance(t, VarTupleType) or (isinstance(t, TupleType) and t.name is None)


def _unify_var_tuple(a: Type, b: Type) -> Type | None:
    """Tuples of other lengths join as `Tuple[T, ...]` when their elements join as `T`."""
    elems = [*_tuple_elems(a), *_tuple_elems(b)]
    elem = unify_all(elems) if elems else TENSOR
    return None if elem is None else VarTupleType(unrefined(elem))


def _tuple_elems(t: Type) -> tuple[Type, ...]:
    return (t.elem,) if isinstance(t, VarTupleType) else t.elems  # type: ignore[attr-defined]


def unify_all(types: Iterable[Type]) -> Type | None:
    result: Type | None = None
    for t in types:
        result = t if result is None else unify(result, t)
        if result is None:
            return None
    return result


def make_union(members: Sequence[Type]) -> Type:
    """`Union[...]` flattened and deduplicated; `Union[T, None]` is `Optional[T]`."""
    flat: list[Type] = []
    for m in members:
        for part in m.members if isinstance(m, UnionType) else (m,):
            if part not in flat:
                flat.append(part)
    if len(flat) == 1:
        return flat[0]
    if len(flat) == 2 and NoneType in flat:
        return OptionalType(flat[0] if flat[1] == NoneType else flat[1])
    return UnionType(tuple(flat))


def type_of_value(v: object) -> Type:
    """The IR type of a Python value (used for constants and trace inputs)."""
    if isinstance(v, torch.Tensor):
        return TENSOR
    for py, ir in (
        (bool, BoolType),
        (int, IntType),
        (float, FloatType),
        (str, StrType),
        (complex, ComplexType),
        (torch.device, DeviceType),
        (torch.dtype, IntType),
    ):
        if isinstance(v, py):
            return ir
    if v is None:
        return NoneType
    if isinstance(v, tuple):
        return TupleType(tuple(type_of_value(e) for e in v))
    if isinstance(v, list) and v:
        elem = unify_all(type_of_value(e) for e in v)
        if elem is not None:
            return ListType(unrefined(elem))
    if isinstance(v, set) and v:
        elem = unify_all(type_of_value(e) for e in v)
        if elem is not None:
            return SetType(unrefined(elem))
    if isinstance(v, dict) and v:
        key = unify_all(type_of_value(k) for k in v)
        value = unify_all(type_of_value(x) for x in v.values())
        if key is not None and value is not None:
            return DictType(key, unrefined(value))
    raise TypeError(f"no IR type for a value of Python type {type(v).__name__}")  # noqa: TRY004
