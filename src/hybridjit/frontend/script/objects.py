"""Calling Python objects from script code, and attributes/methods of typed values.

Python functions are compiled on first call (torch.jit's markers are honoured:
`@ignore` calls back into Python, `@unused` raises, `boolean_dispatch` picks its branch
from a constant flag).  NamedTuple and Enum classes construct/denote values.
"""

from __future__ import annotations

import ast
import enum
import inspect
import re
import string
import types
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch._jit_internal import FunctionModifiers as FM
from torch._jit_internal import _overloaded_fns, _qualified_name, boolean_dispatched
from torch.nn.modules import utils

from hybridjit.errors import FrontendError
from hybridjit.frontend.script import classes, local_functions, special_forms, varargs
from hybridjit.frontend.script.source import format_error, parse_def
from hybridjit.frontend.script.sugared import PythonValue, SimpleValue, SugaredTuple, SugaredValue
from hybridjit.frontend.script.types_from_annotations import (
    AnnotationError,
    annotation_type,
    eval_annotation,
    named_tuple_type,
    type_from_python,
)
from hybridjit.ir import types as T
from hybridjit.ops.registry import schemas_for
from hybridjit.utils import is_hashable

if TYPE_CHECKING:
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value

IGNORE_MARK = "_hj_ignore"
SCRIPT_METHOD_MARK = "_hj_script_method"
EXPORT_MARK = "_hj_export"
# `x.float()` and friends: `aten::to(x, dtype)` (ScalarType codes).
TENSOR_DTYPE_METHODS = {"float": 6, "double": 7, "half": 5, "int": 3, "long": 4, "bool": 11,
                        "byte": 0, "char": 1, "short": 2, "bfloat16": 15, "cfloat": 9,
                        "cdouble": 10}  # fmt: skip  # set by hybridjit.ignore / unused


def modifier(fn: Any) -> str:
    """'ignore', 'unused', 'export' or '' from hybridjit's or torch.jit's markers."""
    mark = getattr(fn, IGNORE_MARK, None)
    if mark:
        return mark
    mod = getattr(fn, "_torchscript_modifier", None)
    if mod is None:
        return ""

    return {FM.IGNORE: "ignore", FM.UNUSED: "unused", FM.EXPORT: "export",
            FM._DROP: "ignore", FM.COPY_TO_SCRIPT_WRAPPER: "ignore"}.get(mod, "")  # fmt: skip


def call_python_object(c: C, obj: Any, args: list[SugaredValue],
                       kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip

    if obj in boolean_dispatched if is_hashable(obj) else False:
        return _boolean_dispatch(c, boolean_dispatched[obj], args, kwargs)
    if isinstance(obj, type):
        return _construct(c, obj, args, kwargs)
    if inspect.ismethod(obj) and isinstance(obj.__self__, type):  # a classmethod: `cls` bound
        fn = local_functions.python_function(obj.__func__)
        return local_functions.inline_call(c, fn, [PythonValue(obj.__self__), *args], kwargs)
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        return call_function(c, obj, args, kwargs)
    c.fail(f"expected a function TorchScript can compile, found Python value "
           f"{getattr(obj, '__name__', type(obj).__name__)!r}")  # fmt: skip


def call_function(c: C, fn: Any, args: list[SugaredValue],
                  kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import compile_function

    if getattr(fn, "__script_if_tracing_wrapper", False):  # @torch.jit._script_if_tracing
        fn = fn.__original_fn
    mark = modifier(fn)
    if mark in ("ignore", "unused"):
        return call_ignored(c, fn, args, kwargs, unused=mark == "unused")
    overloads = _overloads(fn)
    if overloads:  # first: the declaration's annotations decide how the rest treats `fn`
        fn = _pick_overload(c, fn, overloads, args, kwargs)
    inlined = local_functions.specialize(c, fn, args, kwargs)  # takes/returns a function
    if inlined is not None:
        return inlined
    fn = varargs.specialized(c, fn, args, kwargs)  # a def with *args / **kwargs
    with called_from(c, getattr(fn, "__qualname__", "?")):
        sf = compile_function(fn)
    return c.call_script_function(sf, args, dict(kwargs))


class called_from:  # noqa: N801 - used as a context manager
    """Add "`callee` is being compiled since it was called from here" to a callee's error."""

    def __init__(self, c: C, callee: str) -> None:
        self.c, self.callee = c, callee

    def __enter__(self) -> None:
        pass

    def __exit__(self, kind: Any, error: Any, tb: Any) -> None:

        if isinstance(error, FrontendError) and not getattr(error, "_hj_context", False):
            note = format_error(f"'{self.callee}' is being compiled since it was called from here",
                                self.c.where)  # fmt: skip
            error.args = (f"{error.args[0]}\n{note}",)
            error._hj_context = True  # type: ignore[attr-defined]


def _no_grad_embedding_renorm(
    c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]
) -> SugaredValue:
    weight, input_, max_norm, norm_type = (a.value(c) for a in args)
    detached = c.call_builtin_values("aten::detach", [weight], {})
    c.call_builtin_values("aten::embedding_renorm_", [detached, input_, max_norm, norm_type], {})
    return SimpleValue(c.const(None))


def _ntuple(n: int) -> Any:
    def handler(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        v = args[0].value(c)
        if isinstance(v.type, T.ListType):
            return SimpleValue(v)
        if isinstance(v.type, T.TupleType):
            return SimpleValue(c.make_list(c.unpack_tuple(v), None))
        return SimpleValue(c.make_list([v] * n, None))

    return handler


def _register_torch_helpers() -> None:
    """Helpers torch.nn uses that TorchScript treats as builtins."""

    for n, name in ((1, "_single"), (2, "_pair"), (3, "_triple"), (4, "_quadruple")):
        special_forms.register(getattr(utils, name), _ntuple(n))
    special_forms.register(F._no_grad_embedding_renorm_, _no_grad_embedding_renorm)
    if hasattr(F, "assert_int_or_pair"):
        special_forms.register(F.assert_int_or_pair, lambda c, a, k: SimpleValue(c.const(None)))


_register_torch_helpers()


def call_ignored(c: C, fn: Any, args: list[SugaredValue], kwargs: dict[str, SugaredValue],
                 unused: bool, prefix: list[Value] | None = None) -> SugaredValue:  # fmt: skip
    """A call left to Python (`@ignore`) or replaced by a raise (`@unused`)."""
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import function_scope

    ret = inspect.signature(fn).return_annotation
    try:
        out_type = (
            T.TENSOR if ret is inspect.Signature.empty else annotation_type(ret, function_scope(fn))
        )
    except AnnotationError as e:
        c.fail(f"expected an annotated return type on ignored function {fn.__name__}: {e}")
    if unused:
        c.raise_with(Exception, c.const(f"The function {fn.__name__} was marked unused"))
        return SimpleValue(c.uninitialized(out_type))
    vals = [*(prefix or []), *(a.value(c) for a in args)]
    if kwargs:
        c.fail(f"expected positional arguments to ignored function {fn.__name__}")
    const = c.emit("prim::Constant", [], [T.FunctionType(fn)], {"name": fn.__name__}).output
    return SimpleValue(c.emit("prim::CallFunction", [const, *vals], [out_type]).output)


# torch.jit.script deletes a function's `@_overload` declarations from torch's registry
# once it has compiled them, so a model scripted by torch.jit first (a test oracle, a
# user comparing both) would leave F.interpolate without its overloads here: keep our
# own copy, taken at import and topped up at every lookup.
_SEEN_OVERLOADS: dict[str, list[Any]] = dict(_overloaded_fns)


def _overloads(fn: Any) -> list[Any]:
    _SEEN_OVERLOADS.update(_overloaded_fns)
    try:
        return _SEEN_OVERLOADS.get(_qualified_name(fn)) or []
    except Exception:  # noqa: BLE001 - not an overloadable function
        return []


def _pick_overload(c: C, fn: Any, overloads: list[Any], args: list[SugaredValue],
                   kwargs: dict[str, SugaredValue]) -> Any:  # fmt: skip
    """The first `@_overload` declaration whose annotations fit; compile `fn` with them."""
    # deferred: compiler.py imports this module

    actual = [a.value(c).type for a in args]
    named = {k: v.value(c).type for k, v in kwargs.items()}
    for decl in overloads:
        params = list(inspect.signature(decl).parameters.values())
        by_name = {p.name: p for p in params}
        if len(actual) > len(params) or any(k not in by_name for k in named):
            continue
        pairs = [*zip(actual, params), *((t, by_name[k]) for k, t in named.items())]
        declared = _declared_annotations(decl)
        try:
            formal = [type_from_python(declared[p.name]) for _, p in pairs]
        except (AnnotationError, KeyError):
            continue
        # Keyword arguments count too: `F.interpolate(x, size=[h, w])` is the List[int] one,
        # and so do the defaults left: `torch.norm(x, dim=0)` is the `p: str` one.
        if all(_argument_fits(a, f) for (a, _), f in zip(pairs, formal)) and \
                _defaults_fit(params[len(actual):], named, declared):  # fmt: skip
            return _with_annotations(fn, decl)
    c.fail(f"expected arguments matching an overload of {fn.__name__}")


_OVERLOADED: dict[tuple[Any, Any], Any] = {}


def _argument_fits(actual: T.Type, formal: T.Type) -> bool:
    """A subtype, or a tuple for a list (`size=(h, w)` for `Optional[List[int]]`), as
    argument binding converts it."""
    if T.is_subtype(actual, formal):
        return True
    target = formal.elem if isinstance(formal, T.OptionalType) else formal
    return isinstance(target, T.ListType) and isinstance(actual, T.TupleType) and \
        all(T.is_subtype(e, target.elem) for e in actual.elems)  # fmt: skip


def _defaults_fit(rest: list[inspect.Parameter], named: dict[str, T.Type],
                  declared: dict[str, Any]) -> bool:  # fmt: skip
    for p in rest:
        if p.name in named or p.default is inspect.Parameter.empty or p.name not in declared:
            continue
        try:
            if not T.is_subtype(T.type_of_value(p.default), type_from_python(declared[p.name])):
                return False
        except (TypeError, AnnotationError):
            return False
    return True


_DECLARED: dict[Any, dict[str, Any]] = {}


def _declared_annotations(decl: Any) -> dict[str, Any]:
    """An overload declaration's annotations, written inline or as a `# type:` comment
    (torch.norm's are comments), evaluated; {} where they do not evaluate."""
    if decl not in _DECLARED:
        # deferred: compiler.py imports this module
        from hybridjit.frontend.script.compiler import function_scope

        node = parse_def(decl).node
        written = {a.arg: a.annotation for a in [*node.args.posonlyargs, *node.args.args,
                                                 *node.args.kwonlyargs] if a.annotation}  # fmt: skip
        if node.returns is not None:
            written["return"] = node.returns
        try:
            scope = function_scope(decl)
            _DECLARED[decl] = {k: eval_annotation(e, scope) for k, e in written.items()}
        except Exception:  # noqa: BLE001 - an annotation that does not evaluate: no match
            _DECLARED[decl] = {}
    return _DECLARED[decl]


def _with_annotations(fn: Any, decl: Any) -> Any:
    """A copy of `fn` whose annotations are those of the overload declaration `decl`."""

    key = (fn, decl)
    if key not in _OVERLOADED:
        copy = types.FunctionType(
            fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
        )
        copy.__annotations__ = dict(_declared_annotations(decl))
        copy.__hj_overload_of__ = fn  # type: ignore[attr-defined]
        _OVERLOADED[key] = copy
    return _OVERLOADED[key]


def _boolean_dispatch(c: C, info: dict[str, Any], args: list[SugaredValue],
                      kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip
    flag_sv = kwargs.get(info["arg_name"])
    if flag_sv is None and info["index"] < len(args):
        flag_sv = args[info["index"]]
    flag = info["default"]
    if flag_sv is not None:
        v = flag_sv.value(c)
        if v.node.kind != "prim::Constant":
            c.fail(f"expected a constant value for argument '{info['arg_name']}'")
        flag = v.node.attributes.get("value")
    target = info["if_true"] if flag else info["if_false"]
    return call_python_object(c, target, args, kwargs)  # a branch may dispatch again (unique)


def _construct(
    c: C, cls: type, args: list[SugaredValue], kwargs: dict[str, SugaredValue]
) -> SugaredValue:

    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        t = named_tuple_type(cls)
        vals = _bind_fields(c, cls, t, args, kwargs)
        return SimpleValue(c.emit("prim::TupleConstruct", vals, [t]).output)
    if issubclass(cls, enum.Enum):
        c.fail("expected an Enum member, found a call of the Enum class")

    return classes.construct(c, cls, args, kwargs)


def _bind_fields(c: C, cls: type, t: T.TupleType, args: list[SugaredValue],
                 kwargs: dict[str, SugaredValue]) -> list[Value]:  # fmt: skip
    defaults = getattr(cls, "_field_defaults", {})
    out = []
    for i, (name, ft) in enumerate(zip(t.field_names or (), t.elems)):
        if i < len(args):
            sv = args[i]
        elif name in kwargs:
            sv = kwargs[name]
        elif name in defaults:
            sv = c.resolve_python(defaults[name])
        else:
            c.fail(f"expected a value for field '{name}' of {cls.__name__}")
        out.append(c.convert_to(sv.value(c), ft, f"field '{name}'"))
    return out


# -- values of script types ------------------------------------------------------------------
def _enum_value(c: C, v: Value, t: T.EnumType) -> Value:
    """`member.value`: the `prim::EnumValue` overload named by the enum's value type
    (`.int`, `.float`, `.str`), which overload resolution cannot pick from the input alone."""
    overload = {T.IntType: "int", T.FloatType: "float", T.StrType: "str"}.get(t.value_type)
    if overload is None:
        c.fail(f"expected an enum with int, float or str values, found {t.value_type}")
    schema = next(s for s in schemas_for("prim::EnumValue") if s.overload_name == overload)
    return c.emit("prim::EnumValue", [v], [t.value_type], schema=schema).output


def value_attribute(c: C, v: Value, name: str) -> SugaredValue | None:
    t = v.type
    if isinstance(t, T.TupleType) and t.field_names and name in t.field_names:
        i = t.field_names.index(name)
        return SimpleValue(c.emit("prim::TupleIndex", [v, c.const(i)], [t.elems[i]]).output)
    if isinstance(t, T.EnumType) and name == "name":
        return SimpleValue(c.call_builtin_values("prim::EnumName", [v], {}))
    if isinstance(t, T.EnumType) and name == "value":
        return SimpleValue(_enum_value(c, v, t))
    if isinstance(t, T.ClassType) and not t.is_module:
        return classes.attribute(c, v, name)
    if t == T.DeviceType and name in ("type", "index"):
        return SimpleValue(c.call_builtin_values(f"prim::{name}", [v], {}))
    if t == T.ComplexType and name in ("real", "imag"):
        return SimpleValue(c.call_builtin_values(f"aten::{name}", [v], {}))
    return None


def value_method(c: C, obj: Value, name: str, args: list[SugaredValue],
                 kwargs: dict[str, SugaredValue]) -> SugaredValue | None:  # fmt: skip
    t = obj.type
    if isinstance(t, T.ClassType) and not t.is_module:
        return classes.call_method(c, obj, name, args, kwargs)
    if isinstance(t, T.ListType) and name == "sort" and "key" in kwargs:
        # deferred: higher_order.py imports the compiler's modules
        from hybridjit.frontend.script.higher_order import sort_list

        return sort_list(c, obj, args, kwargs)
    if isinstance(t, T.TensorType) and name == "tolist":
        c.fail("expected tensor.tolist() inside torch.jit.annotate or an annotated assignment")
    if isinstance(t, T.TensorType) and name in TENSOR_DTYPE_METHODS and not args and not kwargs:
        dtype = c.const(TENSOR_DTYPE_METHODS[name], T.IntType)
        return SimpleValue(c.call_builtin_values("aten::to", [obj, dtype], {}))
    if isinstance(t, T.TensorType) and name == "type" and args:
        return SimpleValue(c.call_builtin_values("aten::to", [obj, args[0].value(c)], {}))
    if isinstance(t, T.TensorType) and name in ("size", "view", "reshape", "permute", "expand",
                                                "repeat", "new_zeros", "new_ones", "flip"):  # fmt: skip
        return None
    if t == T.StrType and name == "format":
        vals = [a.value(c) for a in args]
        if kwargs:
            obj, vals = _named_fields_as_positions(c, obj, vals, kwargs)
        return SimpleValue(c.call_builtin_values("aten::format", [obj, *vals], {}))
    return None


_FIELD_HEAD = re.compile(r"([^.\[]*)(.*)", re.S)  # `x.attr[0]` -> (`x`, `.attr[0]`)


def _named_fields_as_positions(c: C, fmt: Value, vals: list[Value],
                               kwargs: dict[str, SugaredValue]) -> tuple[Value, list[Value]]:  # fmt: skip
    """`"{x}-{0}".format(a, x=b)` as `"{1}-{0}".format(a, b)`: `aten::format` is positional."""
    if fmt.node.kind != "prim::Constant":
        c.fail("expected a constant format string for str.format with keyword arguments, "
               "found one computed at run time; pass the values by position")  # fmt: skip
    position = {name: len(vals) + i for i, name in enumerate(kwargs)}
    text = ""
    for literal, field, spec, conversion in string.Formatter().parse(fmt.node["value"]):
        text += literal.replace("{", "{{").replace("}", "}}")
        if field is None:
            continue
        head, rest = _FIELD_HEAD.match(field).groups()  # type: ignore[union-attr]
        text += "{" + str(position.get(head, head)) + rest
        text += f"!{conversion}" if conversion else ""
        text += (f":{spec}" if spec else "") + "}"
    return c.const(text), [*vals, *(v.value(c) for v in kwargs.values())]


def setattr_(c: C, target: ast.Attribute, value: Value) -> None:
    base = c.emit_expr(target.value)
    setter = getattr(base, "set_attr", None)
    if setter is None:
        obj = base.value(c)
        if isinstance(obj.type, T.ClassType):
            classes.set_attribute(c, obj, target.attr, value)
            return
        c.fail(f"expected a module or class attribute to assign, found {base.describe()}")
    setter(c, target.attr, value)


_unused = (SugaredTuple, torch)
