"""Python builtins (and torch.jit markers) that the compiler resolves itself.

`FORMS` maps a Python object to a handler `(compiler, args, kwargs) -> SugaredValue`.
Functions whose result is known at compile time (`isinstance`, `hasattr`,
`torch.jit.is_scripting`) also have an entry in `STATIC` so `if` can drop the dead branch.
"""

from __future__ import annotations

import ast
import builtins
import collections
import typing
from typing import TYPE_CHECKING, Any, Callable

import torch

from hybridjit.errors import SchemaError
from hybridjit.frontend.script import builtin_semantics, sequences
from hybridjit.frontend.script.expressions import Cond
from hybridjit.frontend.script.sugared import (
    LambdaValue,
    PythonValue,
    RangeValue,
    SimpleValue,
    SugaredTuple,
    SugaredValue,
    ZipValue,
)
from hybridjit.frontend.script.types_from_annotations import AnnotationError, type_from_python
from hybridjit.ir import types as T
from hybridjit.ops.resolution import match_call

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.frontend.script.expressions import Cond

Handler = Callable[["C", list[SugaredValue], dict[str, SugaredValue]], SugaredValue]


def _op(name: str) -> Handler:
    def handler(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return c.call_builtin(name, args, kwargs)

    return handler


def _first_of(*names: str) -> Handler:
    """Try operators in order (e.g. `prim::min` for numbers, `aten::min` for tensors)."""

    def handler(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        if kwargs:
            c.fail(f"expected no keyword arguments to {names[0].split('::')[1]}(), found "
                   f"'{next(iter(kwargs))}'")  # fmt: skip

        vals = [a.value(c) for a in args]
        for name in names[:-1]:
            try:
                match_call(name, [v.type for v in vals])
            except SchemaError:
                continue
            return SimpleValue(c.call_builtin_values(name, vals, {}))
        return SimpleValue(c.call_builtin_values(names[-1], vals, {}))

    return handler


def _conversion(name: str, target: T.Type) -> Handler:
    def handler(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        if not args:
            return SimpleValue(c.const({"aten::Int": 0, "aten::Float": 0.0, "aten::Bool": False,
                                        "aten::str": ""}[name]))  # fmt: skip
        v = args[0].value(c)
        if v.type == target and len(args) == 1:
            return SimpleValue(v)
        if name == "aten::Bool" and len(args) == 1:
            return SimpleValue(c.to_bool(v))
        return SimpleValue(c.call_builtin_values(name, [v, *(a.value(c) for a in args[1:])], {}))

    return handler


def _len(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    static = getattr(args[0], "static_len", None) if len(args) == 1 else None
    if static is not None:
        return SimpleValue(c.const(static()))
    items = args[0].static_items() if len(args) == 1 else None
    if items is not None:
        return SimpleValue(c.const(len(items)))
    return c.call_builtin("aten::len", args, kwargs)


def _range(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    vals = [c.convert_to(a.value(c), T.IntType, "a range() bound") for a in args]
    if not 1 <= len(vals) <= 3:
        c.fail(f"expected 1 to 3 arguments to range(), found {len(vals)}")
    if len(vals) == 1:
        return RangeValue(None, vals[0], None)
    return RangeValue(vals[0], vals[1], vals[2] if len(vals) == 3 else None)


def _enumerate(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    start = args[1] if len(args) > 1 else kwargs.get("start")
    return ZipValue([args[0]], start.value(c) if start is not None else c.const(0))


def _zip(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    return ZipValue(list(args))


def _isinstance(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    module_check = _module_isinstance(args[0], args[1])
    if module_check is not None:
        return StaticBool(c, module_check)
    # deferred: exceptions imports statements, which imports this module
    from hybridjit.frontend.script.exceptions import exception_isinstance

    caught = exception_isinstance(c, args[0], args[1])
    if caught is not None:
        return SimpleValue(caught)
    subject = args[0].value(c)
    static = isinstance_static(c, subject.type, args[1])
    if static is None:
        types = list(type_targets(c, args[1]) or [])
        return SimpleValue(
            c.emit("prim::isinstance", [subject], [T.BoolType], {"types": types}).output
        )
    return StaticBool(c, static)


def _hasattr(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    return SimpleValue(c.const(hasattr_static(c, args)))


def _getattr(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`getattr(obj, "name")`; with a default, the default where a module or class instance
    has no such attribute (`getattr(m, "_forward_hooks", {})` in nn.TransformerEncoderLayer)."""
    name = _const_str(c, args[1])
    probe = getattr(args[0], "has_attribute", None)
    if len(args) > 2 and probe is not None and not probe(name):
        return args[2]
    return args[0].attr(c, name)


def _const_str(c: C, sv: SugaredValue) -> str:
    if (
        isinstance(sv, SimpleValue)
        and sv.v.node.kind == "prim::Constant"
        and sv.v.type == T.StrType
    ):
        return sv.v.node["value"]
    c.fail("expected a string literal attribute name")


def _list(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    if not args:
        return SimpleValue(c.make_list([], None))
    sv = args[0]
    if isinstance(sv, SimpleValue) and isinstance(sv.v.type, T.ListType):
        return SimpleValue(c.call_builtin_values("aten::list", [sv.v], {}))
    return SimpleValue(c.materialize_iterable(sv))


def _false(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    return StaticBool(c, False)


def _true(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    return StaticBool(c, True)


def _identity(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    return args[-1]


class StaticBool(SimpleValue):
    """A bool known at compile time; `if` on it emits only the taken branch."""

    def __init__(self, c: C, value: bool) -> None:
        super().__init__(c.const(value))
        self.static_bool = value


def _divmod(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    return c.call_builtin("aten::divmod", args, kwargs)


def _reversed(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`reversed(xs)` of a list or str: a reversed copy (iterating it is what eager does)."""
    if len(args) != 1 or kwargs:
        c.fail(f"expected reversed() of one argument, found {len(args) + len(kwargs)}")
    v = args[0].value(c)
    if not isinstance(v.type, T.ListType) and v.type != T.StrType:
        c.fail(f"expected reversed() of a list or str, found a value of type '{v.type}'")
    none = c.const(None)
    return SimpleValue(c.call_builtin_values("aten::slice", [v, none, none, c.const(-1)], {}))


def _dict(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`dict()`, `dict(mapping_or_pairs)`, `dict(**kw)` and `dict(mapping, **kw)` (also
    `collections.OrderedDict`, which TorchScript takes for a dict)."""
    if len(args) > 1:
        c.fail(f"expected dict() of at most one positional argument, found {len(args)}")
    kw = {k: sv.value(c) for k, sv in kwargs.items()}
    if not args:
        vt = T.unify_all(v.type for v in kw.values()) if kw else T.TENSOR
        vt = T.unrefined(vt) if vt is not None else T.make_union([v.type for v in kw.values()])
        inputs = [x for k, v in kw.items() for x in (c.const(k), c.convert_to(v, vt, "a value"))]
        return SimpleValue(
            c.emit("prim::DictConstruct", inputs, [T.DictType(T.StrType, vt)]).output
        )
    sv = args[0]
    source = sv.value(c) if isinstance(sv, SimpleValue) else c.materialize_iterable(sv)
    if isinstance(source.type, T.TupleType):
        source = c.make_list(c.unpack_tuple(source), None)
    out = c.call_builtin_values("aten::dict", [source], {})
    if kw:
        t = out.type
        if not isinstance(t, T.DictType) or t.key != T.StrType:
            c.fail(f"expected dict(mapping, **kw) of a dict with str keys, found '{t}'")
        for k, v in kw.items():
            value = c.convert_to(v, t.value, f"the value of keyword '{k}'")
            c.call_builtin_values("aten::_set_item", [out, c.const(k), value], {})
    return SimpleValue(out)


_CHECK_DEFAULT = ("Expected cond to be True, but got False. (Could this error message be "
                  "improved? If so, please report an enhancement request to PyTorch.)")  # fmt: skip


def _argument(args: list[SugaredValue], kwargs: dict[str, SugaredValue], i: int,
              name: str) -> SugaredValue | None:  # fmt: skip
    return args[i] if i < len(args) else kwargs.get(name)


def _checker(cls: type, cond_name: str, lazy: bool) -> Handler:
    """`torch._assert(cond, msg)` (`lazy=False`: raises AssertionError(msg)) and
    `torch._check(cond, lambda: msg)` and its siblings (`lazy`: the message is a lambda,
    whose body is emitted only on the failing path)."""

    def handler(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        cond_sv = _argument(args, kwargs, 0, cond_name)
        message = _argument(args, kwargs, 1, "message")
        if cond_sv is None or len(args) + len(kwargs) > 2:
            c.fail(f"expected {cond_name} and an optional message, found {len(args)} "
                   f"positional and {len(kwargs)} keyword arguments")  # fmt: skip
        static = getattr(cond_sv, "static_bool", None)
        cond = None
        if static is None:
            v = cond_sv.value(c)
            cond = c.to_bool(v) if not lazy else c.convert_to(v, T.BoolType, f"'{cond_name}'")
            if cond.node.kind == "prim::Constant":
                static = bool(cond.node["value"])
        if static is True:
            return SimpleValue(c.const(None))

        def fail_branch() -> None:
            c.raise_with(cls, _message(c, message, lazy))

        if static is False:
            fail_branch()
        else:
            c.emit_if(cond, lambda: None, fail_branch)
        return SimpleValue(c.const(None))

    return handler


def _message(c: C, message: SugaredValue | None, lazy: bool) -> Any:
    if message is None or (isinstance(message, SimpleValue) and message.v.type == T.NoneType):
        return c.const(_CHECK_DEFAULT if lazy else "")
    if lazy:
        if not isinstance(message, LambdaValue) or _has_parameters(message.node):
            c.fail("expected the message of torch._check to be a lambda without parameters, "
                   f"found {message.describe()}")  # fmt: skip
        v = c.emit_value(message.node.body)
    else:
        v = message.value(c)
    return v if v.type == T.StrType else c.call_builtin_values("aten::str", [v], {})


def _has_parameters(node: ast.Lambda) -> bool:
    a = node.args
    return bool(a.posonlyargs or a.args or a.vararg or a.kwonlyargs or a.kwarg)


def _format(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    if kwargs or not 1 <= len(args) <= 2:
        c.fail("expected format(value) or format(value, spec)")
    spec = args[1].value(c) if len(args) == 2 else c.const("")
    return SimpleValue(c.emit("prim::format", [args[0].value(c), spec], [T.StrType]).output)


FORMS: dict[int, tuple[Any, Handler]] = {}


def _register(obj: Any, handler: Handler) -> None:
    FORMS[id(obj)] = (obj, handler)


for _obj, _h in (
    (builtins.len, _len), (builtins.range, _range),
    (builtins.int, builtin_semantics.int_form(_conversion("aten::Int", T.IntType))),
    (builtins.float, _conversion("aten::Float", T.FloatType)),
    (builtins.bool, _conversion("aten::Bool", T.BoolType)),
    (builtins.str, _conversion("aten::str", T.StrType)),
    (builtins.complex, _op("aten::Complex")),
    (builtins.min, builtin_semantics.min_max("min", _first_of("prim::min", "aten::min"))),
    (builtins.max, builtin_semantics.min_max("max", _first_of("prim::max", "aten::max"))),
    (builtins.abs, _first_of("prim::abs", "aten::abs")), (builtins.sum, builtin_semantics.sum_form),
    (builtins.any, _op("aten::any")), (builtins.all, _op("aten::all")),
    (builtins.round, builtin_semantics.round_form), (builtins.divmod, _divmod),
    (builtins.print, builtin_semantics.print_form), (builtins.isinstance, _isinstance), (builtins.hasattr, _hasattr),
    (builtins.getattr, _getattr), (builtins.sorted, builtin_semantics.sorted_form),
    (builtins.reversed, _reversed), (builtins.format, _format),
    (builtins.enumerate, _enumerate), (builtins.zip, _zip), (builtins.list, _list),
    (builtins.tuple, sequences.tuple_form), (builtins.ord, _op("aten::ord")), (builtins.chr, _op("aten::chr")),
    (builtins.pow, builtin_semantics.pow_form), (builtins.hash, _op("aten::hash")),
    (builtins.hex, _op("aten::hex")), (builtins.oct, _op("aten::oct")),
    (builtins.bin, _op("aten::bin")), (builtins.dict, _dict), (collections.OrderedDict, _dict),
    (torch.device, _op("aten::device")),
    (torch._assert, _checker(AssertionError, "condition", lazy=False)),
    (torch._check, _checker(RuntimeError, "cond", lazy=True)),
    (torch._check_value, _checker(ValueError, "cond", lazy=True)),
    (torch._check_type, _checker(TypeError, "cond", lazy=True)),
    (torch._check_index, _checker(IndexError, "cond", lazy=True)),
    (torch._check_not_implemented, _checker(NotImplementedError, "cond", lazy=True)),
    (torch.jit.is_scripting, _true), (torch.jit.is_tracing, _false),
    (torch.jit.isinstance, _isinstance),
    (torch._C._get_tracing_state, _false),
    (torch.jit._unwrap_optional, _identity), (torch._jit_internal.is_scripting, _true),
):  # fmt: skip
    _register(_obj, _h)
for _name in ("has_torch_function", "has_torch_function_unary", "has_torch_function_variadic"):
    _register(getattr(torch.overrides, _name), _false)
    _register(getattr(torch._C, "_" + _name), _false)


def register(obj: Any, handler: Handler) -> None:
    """Add a special form (the public API registers its own markers here)."""
    _register(obj, handler)


def lookup(obj: Any) -> Handler | None:
    entry = FORMS.get(id(obj))
    return entry[1] if entry is not None and entry[0] is obj else None


# -- compile-time conditions -----------------------------------------------------------------
def static_condition(c: C, node: ast.Call) -> Cond | None:
    """`isinstance(x, T)` with refinement of `x`; None when `node` is not such a call."""

    if not _is_isinstance_call(c, node):
        return None
    subject = c.emit_expr(node.args[0])
    kinds = c.emit_expr(node.args[1])
    module_check = _module_isinstance(subject, kinds)
    if module_check is not None:
        return Cond(None, module_check)
    # deferred: exceptions imports statements, which imports this module
    from hybridjit.frontend.script.exceptions import exception_isinstance

    caught = exception_isinstance(c, subject, kinds)
    if caught is not None:
        return Cond(caught)
    t = subject.value(c).type
    static = isinstance_static(c, t, kinds)
    targets = type_targets(c, kinds)
    refine: tuple[dict, dict] = ({}, {})
    if isinstance(node.args[0], ast.Name) and targets is not None:
        yes, no = _split_members(t, targets)
        name = node.args[0].id
        refine = ({name: yes} if yes else {}, {name: no} if no else {})
    if static is not None:
        return Cond(None, static, refine)
    v = c.emit("prim::isinstance", [subject.value(c)], [T.BoolType],
               {"types": list(targets or [])}).output  # fmt: skip
    return Cond(v, None, refine)


def _is_isinstance_call(c: C, node: ast.Call) -> bool:
    """`isinstance(x, T)`, `torch.jit.isinstance(x, T)`, `hybridjit.isinstance(x, T)`."""
    if len(node.args) != 2 or node.keywords:
        return False
    if isinstance(node.func, ast.Name) and node.func.id == "isinstance":
        return c.env.lookup("isinstance") is None
    if isinstance(node.func, ast.Attribute) and node.func.attr == "isinstance":
        callee = c.emit_expr(node.func)
        return getattr(callee, "handler", None) is _isinstance
    return False


def _module_isinstance(subject: SugaredValue, kinds: SugaredValue) -> bool | None:
    """`isinstance(self.sub, nn.Linear)`: decided on the Python module object."""
    info = getattr(subject, "info", None)
    module = getattr(info, "module", None)
    if module is None:
        return None
    items = kinds.static_items() or [kinds]
    classes = tuple(getattr(k, "obj", None) for k in items)
    if not all(isinstance(k, type) for k in classes):
        return None
    return isinstance(module, classes)


def type_targets(c: C, sv: SugaredValue) -> list[T.Type] | None:
    if isinstance(sv, TypeExpression):
        return [sv.type]
    if isinstance(sv, SugaredTuple):
        out: list[T.Type] = []
        for item in sv.items:
            sub = type_targets(c, item)
            if sub is None:
                return None
            out += sub
        return out
    obj = getattr(sv, "obj", None)
    if isinstance(sv, SpecialFormType):
        obj = sv.obj
    if obj is None and hasattr(sv, "handler"):
        obj = _SPECIAL_TYPES.get(getattr(sv, "name", ""))
    if obj is None:
        return None
    if obj is list:
        return [T.AnyListType]
    if obj is tuple:
        return [T.AnyTupleType]
    if obj is dict:
        return [_ANY_DICT]
    if obj is set:
        return [_ANY_SET]
    try:
        return [type_from_python(obj)]
    except AnnotationError:
        return None


_SPECIAL_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "list": list,
                  "tuple": tuple, "dict": dict, "complex": complex, "set": set}  # fmt: skip
_ANY_DICT = T.DictType(T.AnyType, T.AnyType)
_ANY_SET = T.SetType(T.AnyType)


class SpecialFormType(SugaredValue):
    def __init__(self, obj: Any) -> None:
        self.obj = obj


class TypeExpression(SugaredValue):
    """A subscripted generic written as a value (`isinstance(x, List[int])`)."""

    def __init__(self, type: T.Type) -> None:
        self.type = type

    def describe(self) -> str:
        return f"the type '{self.type}'"


def is_generic_type(sv: SugaredValue) -> bool:
    obj = getattr(sv, "obj", None)
    return isinstance(sv, PythonValue) and getattr(obj, "__module__", None) == "typing"


def _matches(t: T.Type, target: T.Type) -> bool:
    if target == _ANY_DICT:
        return isinstance(t, T.DictType)
    if target == _ANY_SET:
        return isinstance(t, T.SetType)
    if isinstance(target, T.ListType) and target.elem == T.AnyType:  # a bare `List`
        return isinstance(t, T.ListType)
    return T.is_subtype(t, target)


def _split_members(t: T.Type, targets: list[T.Type]) -> tuple[T.Type | None, T.Type | None]:
    if isinstance(t, T.OptionalType):
        members = [t.elem, T.NoneType]
    elif isinstance(t, T.UnionType):
        members = list(t.members)
    else:
        members = [t]
    yes = [m for m in members if any(_matches(m, x) for x in targets)]
    no = [m for m in members if not any(_matches(m, x) for x in targets)]
    if t == T.AnyType:
        yes = [x for x in targets if x not in (T.AnyListType, T.AnyTupleType, _ANY_DICT, _ANY_SET)]
        no = []
    return (T.make_union(yes) if yes else None, T.make_union(no) if no else None)


def isinstance_static(c: C, t: T.Type, kinds: SugaredValue) -> bool | None:
    targets = type_targets(c, kinds)
    if targets is None:
        c.fail("expected a type (or tuple of types) as isinstance()'s second argument")
    yes, no = _split_members(t, targets)
    if t == T.AnyType:
        return None
    if yes is None:
        return False
    if no is None:
        return True
    return None


def hasattr_static(c: C, args: list[SugaredValue]) -> bool:
    name = _const_str(c, args[1])
    probe = getattr(args[0], "has_attribute", None)
    if probe is None:
        c.fail("expected hasattr() on a module or class instance, found " + args[0].describe())
    return bool(probe(name))


_ANNOTATE_FNS: list[Any] = [torch.jit.annotate]


def is_annotate(obj: Any) -> bool:
    return any(obj is f for f in _ANNOTATE_FNS) or obj is typing.cast


class AnnotateForm(SugaredValue):
    """`annotate(T, value)` / `typing.cast(T, value)`: the value, typed as T."""

    def describe(self) -> str:
        return "annotate"

    def call_ast(self, c: C, node: ast.Call) -> SugaredValue:
        if len(node.args) != 2:
            c.fail("expected annotate(Type, value) with two arguments", node)
        t = c.annotation(node.args[0], node.args[0])
        expr = node.args[1]
        typed = typed_tolist(c, expr, t)
        if typed is not None:
            return typed
        v = c.emit_value(expr, t)
        return SimpleValue(c.convert_to(v, t, "the annotated value"))


def typed_tolist(c: Any, expr: ast.expr | None, t: T.Type | None) -> SimpleValue | None:
    """`tensor.tolist()` where the program says which list type it gives (`annotate`, an
    annotated assignment, the return annotation), else None."""
    if expr is None or not isinstance(t, T.ListType) or not _is_tolist(expr):
        return None
    base = c.emit_value(expr.func.value)  # type: ignore[attr-defined]
    args = [base, c.const(_list_dim(t)), c.const(_list_elem_code(t))]
    return SimpleValue(c.emit("prim::tolist", args, [t]).output)


def _is_tolist(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and \
        expr.func.attr == "tolist" and not expr.args  # fmt: skip


def _list_dim(t: T.Type) -> int:
    n = 0
    while isinstance(t, T.ListType):
        t, n = t.elem, n + 1
    return n


def _list_elem_code(t: T.Type) -> int:
    while isinstance(t, T.ListType):
        t = t.elem
    return {T.IntType: 0, T.FloatType: 1, T.BoolType: 2}.get(t, 0)
