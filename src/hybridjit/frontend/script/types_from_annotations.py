"""Python annotations (typing objects, PEP 585/604 syntax, strings) to IR types."""

from __future__ import annotations

import ast
import collections.abc
import enum
import numbers
import types
import typing
from typing import Any, Callable

import torch

from hybridjit.ir import types as T
from hybridjit.ops.prims.values import register_named_tuple
from hybridjit.utils import is_hashable

_SIMPLE: dict[Any, T.Type] = {
    int: T.IntType, float: T.FloatType, bool: T.BoolType, str: T.StrType,
    complex: T.ComplexType, torch.Tensor: T.TENSOR, type(None): T.NoneType, None: T.NoneType,
    torch.device: T.DeviceType, torch.dtype: T.IntType, typing.Any: T.AnyType,
    torch.Generator: T.GeneratorType, numbers.Number: T.NumberType,
    # symbolic shapes are plain numbers in scripted code
    torch.SymInt: T.IntType, torch.SymFloat: T.FloatType, torch.SymBool: T.BoolType,
}  # fmt: skip

_LIST_ORIGINS = (list, typing.List, collections.abc.Sequence, collections.abc.MutableSequence)
_SET_ORIGINS = (set, typing.Set, collections.abc.Set, collections.abc.MutableSet)
_DICT_ORIGINS = (dict, typing.Dict, collections.abc.Mapping, collections.abc.MutableMapping,
                 collections.OrderedDict, typing.OrderedDict)  # fmt: skip

# Extra resolvers (script classes, module types) registered by other frontend modules.
CLASS_RESOLVERS: list[Callable[[type], T.Type | None]] = []


class AnnotationError(Exception):
    """Raised with a description of the annotation that has no IR type."""


def type_from_python(ann: Any) -> T.Type:
    """The IR type an annotation object denotes, or AnnotationError."""
    if ann in _SIMPLE if is_hashable(ann) else False:
        return _SIMPLE[ann]
    origin = typing.get_origin(ann)
    if origin is not None:
        return _from_generic(origin, typing.get_args(ann), ann)
    if _is_final(ann):
        raise AnnotationError("Final without a type argument")
    if isinstance(ann, type):
        return _from_class(ann)
    if isinstance(ann, T.Type):
        return ann
    raise AnnotationError(f"unknown type annotation {ann!r}")


def _is_final(ann: Any) -> bool:
    return ann is typing.Final or getattr(ann, "__name__", None) == "Final"


def _from_generic(origin: Any, args: tuple[Any, ...], ann: Any) -> T.Type:
    if origin in _LIST_ORIGINS:
        return T.ListType(type_from_python(args[0]) if args else T.TENSOR)
    if origin in _DICT_ORIGINS:
        return T.DictType(type_from_python(args[0]), type_from_python(args[1]))
    if origin in _SET_ORIGINS:
        return T.SetType(type_from_python(args[0]) if args else T.TENSOR)
    if origin in (tuple, typing.Tuple):
        if args == ((),):
            return T.TupleType(())
        if len(args) == 2 and args[1] is Ellipsis:
            return T.VarTupleType(type_from_python(args[0]))
        return T.TupleType(tuple(type_from_python(a) for a in args))
    if origin in (typing.Union, types.UnionType):
        return T.make_union([type_from_python(a) for a in args])
    if origin is typing.Final or _is_final(origin):
        return type_from_python(args[0])
    if origin is typing.Annotated:
        return type_from_python(args[0])
    if origin is torch.futures.Future:  # torch.jit.Future[T] is the same class
        return T.FutureType(type_from_python(args[0]) if args else T.TENSOR)
    if origin is type:
        raise AnnotationError(f"Type[...] annotation {ann!r}")
    raise AnnotationError(f"unknown type annotation {ann!r}")


def _from_class(cls: type) -> T.Type:
    if issubclass(cls, Broadcast):
        return T.ListType(type_from_python(cls.elem))
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return named_tuple_type(cls)
    if issubclass(cls, enum.Enum):
        return enum_type(cls)
    for resolve in CLASS_RESOLVERS:
        t = resolve(cls)
        if t is not None:
            return t
    if cls in (list, dict, tuple, set):
        raise AnnotationError(f"bare {cls.__name__} annotation (give element types)")
    raise AnnotationError(f"unknown type annotation {cls.__qualname__}")


def qualified_name(obj: Any) -> str:
    """TorchScript's `__torch__.`-prefixed name of a Python class or function."""
    module = getattr(obj, "__module__", "") or ""
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", "?"))
    name = name.replace("<locals>.", "")
    if module in ("__main__", "") or not module.replace(".", "_").isidentifier():
        return f"__torch__.{name}"
    return f"__torch__.{module}.{name}"


_NAMED_TUPLES: dict[type, T.TupleType] = {}


def named_tuple_type(cls: type) -> T.TupleType:
    if cls not in _NAMED_TUPLES:
        hints = typing.get_type_hints(cls)
        fields = tuple(cls._fields)  # type: ignore[attr-defined]
        elems = tuple(type_from_python(hints.get(f, torch.Tensor)) for f in fields)
        _NAMED_TUPLES[cls] = T.TupleType(elems, qualified_name(cls), fields)
        register_named_tuple(qualified_name(cls), fields, cls)
    return _NAMED_TUPLES[cls]


def enum_type(cls: type[enum.Enum]) -> T.EnumType:
    members = list(cls)
    value_type = T.type_of_value(members[0].value) if members else T.IntType
    return T.EnumType(qualified_name(cls), value_type, tuple(m.name for m in members), cls)


class Scope(dict):  # type: ignore[type-arg]
    """A function's closure cells, falling back to its globals (a dict for `eval` locals)."""

    def __init__(self, globals_: dict[str, Any], cells: dict[str, Any]) -> None:
        super().__init__(cells)
        self.globals = globals_

    def __missing__(self, name: str) -> Any:
        return self.globals[name]

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self.globals

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[name] if name in self else default


_CODE_CACHE: dict[str, Any] = {}


class Broadcast:
    """Base of the classes `BroadcastingList2[int]` evaluates to: a list of 2 ints that also
    accepts a single int (a class, so it can sit inside `Optional[...]`)."""

    size = 0
    elem: Any = None


class _BroadcastFactory:
    def __init__(self, size: int) -> None:
        self.size = size
        self.made: dict[Any, type] = {}

    def __getitem__(self, elem: Any) -> type:
        if elem not in self.made:
            name = f"BroadcastingList{self.size}"
            self.made[elem] = type(name, (Broadcast,), {"size": self.size, "elem": elem})
        return self.made[elem]


BROADCASTING = {f"BroadcastingList{n}": _BroadcastFactory(n) for n in (1, 2, 3)}


def broadcast_size(ann: Any) -> int | None:
    """N for an (optional) BroadcastingListN annotation object, else None."""
    for candidate in (ann, *typing.get_args(ann)):
        if isinstance(candidate, type) and issubclass(candidate, Broadcast):
            return candidate.size
    return None


# Names TorchScript resolves in annotations the user's module never imported (type comments
# and string annotations often say `Tensor` or `List[int]` bare).
IMPLICIT_NAMES: dict[str, Any] = {"Tensor": torch.Tensor, "torch": torch, "number": numbers.Number, **{
    name: getattr(typing, name)
    for name in ("Any", "Dict", "List", "Optional", "Tuple", "Union", "Set", "Callable")}}


def eval_annotation(expr: ast.expr | str | Any, scope: dict[str, Any]) -> Any:
    """Evaluate an annotation expression (AST or string) in the function's scope."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        expr = expr.value
    if isinstance(expr, ast.AST):
        expr = ast.unparse(expr)
    if not isinstance(expr, str):
        return expr
    code = _CODE_CACHE.get(expr)
    if code is None:
        code = _CODE_CACHE[expr] = compile(expr, "<annotation>", "eval")
    globals_ = scope.globals if isinstance(scope, Scope) else scope
    names = code.co_names
    if any(n in BROADCASTING for n in names):
        scope = Scope(globals_, {**dict(scope), **BROADCASTING})
    implicit = {n: IMPLICIT_NAMES[n] for n in names
                if n in IMPLICIT_NAMES and n not in scope and n not in globals_}  # fmt: skip
    if implicit:
        scope = Scope(globals_, {**dict(scope), **implicit})
    return eval(code, globals_, scope)  # noqa: S307 - annotations are the user's own code


def annotation_type(expr: Any, scope: dict[str, Any]) -> T.Type:
    """Evaluate and convert; AnnotationError on failure."""
    try:
        value = eval_annotation(expr, scope)
    except Exception as e:  # noqa: BLE001 - any failure means a bad annotation
        raise AnnotationError(f"cannot evaluate annotation: {e}") from None
    return type_from_python(value)
