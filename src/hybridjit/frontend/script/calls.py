"""Calls, attributes, subscripts and iteration: how names and values turn into nodes.

Builtin operators are resolved through `hybridjit.ops.resolution.match_call`; Python
builtins the compiler handles itself (len, range, isinstance, ...) live in the
`special_forms` table; other Python functions are compiled recursively and called with
`prim::CallFunction`.
"""

from __future__ import annotations

import ast
import builtins
import copy
import enum
import inspect
import math
import types
from typing import TYPE_CHECKING, Any, Callable

import torch

from hybridjit.errors import FrontendError, SchemaError
from hybridjit.frontend.script import (
    builtin_semantics,
    classes,
    containers,
    indexing,
    objects,
    sequences,
    sets,
    special_forms,
    varargs,
)
from hybridjit.frontend.script.comprehensions import collect_list
from hybridjit.frontend.script.constants import constant_form, is_constant_value
from hybridjit.frontend.script.expressions import BINARY_OPS, INPLACE_TENSOR_OPS
from hybridjit.frontend.script.sugared import (
    BuiltinValue,
    ExceptionValue,
    Iteration,
    MethodValue,
    PythonValue,
    RangeValue,
    SimpleValue,
    SpecialForm,
    SugaredTuple,
    SugaredValue,
    ZipValue,
)  # fmt: skip
from hybridjit.frontend.script.types_from_annotations import enum_type
from hybridjit.ir import types as T
from hybridjit.ops.builtins import builtin_name, tensor_attribute_name
from hybridjit.ops.resolution import match_call
from hybridjit.runtime.function import ScriptFunction

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler
    from hybridjit.ir.graph import Value

DICT_METHODS = {"items", "keys", "values"}
EXCEPTION_NAMES = {cls: f"builtins.{cls.__name__}" for cls in vars(builtins).values()
                   if isinstance(cls, type) and issubclass(cls, BaseException)}  # fmt: skip


# Overload resolution is a pure function of the argument types: remember its answers.
_MATCHES: dict[Any, Any] = {}


def _builtin_name(obj: Any) -> str | None:
    try:
        return builtin_name(obj)
    except TypeError:
        return None


class CallsMixin:
    """Call, attribute, subscript and iteration lowering."""

    # -- Python objects ----------------------------------------------------------------------
    def resolve_python(self: FunctionCompiler, obj: Any) -> SugaredValue:
        """What a Python global/closure/attribute object means inside script code."""
        if special_forms.is_annotate(obj):
            return special_forms.AnnotateForm()
        handler = special_forms.lookup(obj)
        if handler is not None:
            return SpecialForm(getattr(obj, "__name__", "?"), handler)
        if isinstance(obj, enum.Enum):
            return SimpleValue(self.enum_constant(obj))
        if isinstance(obj, torch.Tensor):  # a captured global tensor: a constant
            return SimpleValue(self.const(obj, T.TENSOR))
        form = constant_form(obj)
        if form is not None and not isinstance(obj, type):
            return SimpleValue(self.const(form[0], form[1]))
        if isinstance(obj, tuple) and is_constant_value(obj):
            return SugaredTuple([self.resolve_python(o) for o in obj])
        if isinstance(obj, set) and obj and is_constant_value(list(obj)):  # a global set
            return SimpleValue(self.const(set(obj), T.type_of_value(obj)))
        if isinstance(obj, type) and issubclass(obj, BaseException):
            return ExceptionValue(obj)
        if isinstance(obj, ScriptFunction):
            return FunctionValue(obj)
        name = _builtin_name(obj) if callable(obj) else None
        if name is not None:
            return BuiltinValue(name, obj)
        return PythonValue(obj)

    def enum_constant(self: FunctionCompiler, member: enum.Enum) -> Value:

        return self.const(member, enum_type(type(member)))

    def call_python(self: FunctionCompiler, obj: Any, args: list[SugaredValue],
                    kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip

        return objects.call_python_object(self, obj, args, kwargs)

    def call_script_function(self: FunctionCompiler, sf: ScriptFunction, args: list[SugaredValue],
                             kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip
        inputs = self.bind_signature(sf.name, sf.signature, sf.graph.inputs, args, kwargs,
                                     getattr(sf, "broadcast_sizes", None))  # fmt: skip
        fn_const = self.emit("prim::Constant", [], [T.FunctionType(sf)], {"name": sf.name}).output
        out_types = [T.unrefined(o.type) for o in sf.graph.outputs]
        return SimpleValue(self.emit("prim::CallFunction", [fn_const, *inputs], out_types).output)

    def bind_signature(self: FunctionCompiler, name: str, sig: inspect.Signature | None,
                       formals: list[Value], args: list[SugaredValue],
                       kwargs: dict[str, SugaredValue],
                       broadcast: dict[int, int] | None = None) -> list[Value]:  # fmt: skip
        """Match call arguments to a script function's parameters (defaults as constants)."""
        if varargs.packs(sig):  # *args / **kwargs
            return varargs.bind(self, name, sig, formals, args, kwargs)  # type: ignore[arg-type]
        if varargs.REST_KEY in kwargs:  # **d of run-time keys: only **kwargs takes it
            kwargs[varargs.REST_KEY].value(self)
        params = list(sig.parameters.values()) if sig is not None else []
        if len(params) != len(formals):
            params = [inspect.Parameter(f"arg{i}", inspect.Parameter.POSITIONAL_OR_KEYWORD)
                      for i in range(len(formals))]  # fmt: skip
        if len(args) > len(params):
            self.fail(f"expected at most {len(params)} arguments to {name}(), found {len(args)}")
        out: list[Value] = []
        for i, (p, formal) in enumerate(zip(params, formals)):
            if i < len(args):
                sv = args[i]
            elif p.name in kwargs:
                sv = kwargs.pop(p.name)
            elif p.default is not inspect.Parameter.empty:
                sv = self.python_default(p.default, formal.type)
            else:
                self.fail(f"expected argument '{p.name}' in the call to {name}(), found none")
            v = sv.value(self)
            want = T.unrefined(formal.type)
            size = (broadcast or {}).get(i)
            if size and v.type in (T.IntType, T.FloatType) and not T.is_subtype(v.type, want):
                v = self.make_list([v] * size, None)  # BroadcastingListN: one value fills N
            out.append(self.convert_to(v, want, f"argument '{p.name}' of {name}()"))
        if kwargs:
            self.fail(f"expected keyword arguments of {name}(), found unknown "
                      f"'{next(iter(kwargs))}'")  # fmt: skip
        return out

    def python_default(self: FunctionCompiler, value: Any, t: T.Type) -> SugaredValue:
        if isinstance(value, (list, tuple)) and isinstance(t, T.ListType):
            return SimpleValue(
                self.make_list([self.resolve_python(v).value(self) for v in value], t.elem)
            )
        return self.resolve_python(value)

    # -- builtin operators -------------------------------------------------------------------
    def call_builtin(self: FunctionCompiler, name: str, args: list[SugaredValue],
                     kwargs: dict[str, SugaredValue], self_value: Value | None = None) -> SugaredValue:  # fmt: skip
        vals = [a.value(self) for a in args]
        kvals = {k: v.value(self) for k, v in kwargs.items()}
        return SimpleValue(self.call_builtin_values(name, vals, kvals, self_value))

    def call_builtin_values(self: FunctionCompiler, name: str, args: list[Value],
                            kwargs: dict[str, Value], self_value: Value | None = None) -> Value:  # fmt: skip
        if "out" in kwargs and kwargs["out"].type == T.NoneType:
            # `torch.div(a, b, out=None)` is eager's plain call (out variants take a tensor)
            kwargs = {k: v for k, v in kwargs.items() if k != "out"}
        adapted = containers.adapt(self, name, args, kwargs, self_value)  # sets, Tuple[T, ...]
        if adapted is None and not kwargs and self_value is None:
            adapted = classes.operator_method(self, name, args)  # a class's magic method
        if adapted is not None:
            return adapted
        key = (name, tuple(a.type for a in args), tuple((k, v.type) for k, v in kwargs.items()),
               self_value.type if self_value is not None else None)  # fmt: skip
        try:
            m = _MATCHES.get(key)
            if m is None:
                m = _MATCHES[key] = match_call(name, list(key[1]), dict(key[2]), key[3])
        except SchemaError as e:
            found = ", ".join(
                [str(a.type) for a in args] + [f"{k}={v.type}" for k, v in kwargs.items()]
            )
            receiver = f"{self_value.type}." if self_value is not None else ""
            self.fail(f"expected arguments matching an overload of {receiver}{name}, found ({found})",
                      detail=str(e))  # fmt: skip
        inputs = [self._bind_source(src, args, kwargs, self_value) for src in m.inputs]
        inputs += [args[i] for i in m.extra]
        node = self.emit(m.schema.name, inputs, list(m.return_types), schema=m.schema)
        if len(node.outputs) == 1:
            return node.output
        if not node.outputs:
            return self.const(None)
        names = m.return_field_names
        ttype = T.TupleType(tuple(o.type for o in node.outputs), None, names)
        return self.emit("prim::TupleConstruct", list(node.outputs), [ttype]).output

    def _bind_source(self: FunctionCompiler, src: Any, args: list[Value],
                     kwargs: dict[str, Value], self_value: Value | None) -> Value:  # fmt: skip
        kind = src.kind
        if kind == "positional":
            v = args[src.index]
        elif kind == "kwarg":
            v = kwargs[src.name]
        elif kind == "self":
            v = self_value  # type: ignore[assignment]
        elif kind == "default":
            return self._default_value(src.default, src.type)
        elif kind == "varargs":
            elems = [args[i] for i in src.indices]
            convs = src.elem_converts or (None,) * len(elems)
            elems = [self._convert(e, c) for e, c in zip(elems, convs)]
            return self.emit("prim::ListConstruct", elems, [src.type]).output
        else:
            raise AssertionError(kind)
        return self._convert_source(v, src)

    def _convert_source(self: FunctionCompiler, v: Value, src: Any) -> Value:
        conv = src.convert
        if conv is None:
            return v
        t = src.type.elem if isinstance(src.type, T.OptionalType) else src.type
        if conv == "repeat":
            return self.emit("prim::ListConstruct", [v] * src.repeat, [t]).output
        if conv == "tuple_to_list":
            return self.emit("prim::ListConstruct", self.unpack_tuple(v), [t]).output
        if conv == "empty_list":
            v.type = t
            return v
        return self._convert(v, conv)

    def _convert(self: FunctionCompiler, v: Value, conv: str | None) -> Value:
        if conv is None:
            return v
        return self.call_builtin_values(conv, [v], {})

    def _default_value(self: FunctionCompiler, default: Any, t: T.Type) -> Value:
        if isinstance(default, (tuple, list)):
            elem = t.elem if isinstance(t, T.ListType) else T.IntType
            if isinstance(t, T.OptionalType) and isinstance(t.elem, T.ListType):
                elem = t.elem.elem
            return self.emit("prim::ListConstruct", [self.const(x) for x in default],
                             [T.ListType(elem)]).output  # fmt: skip
        if default is None:
            return self.const(None)
        if isinstance(default, torch.dtype):
            return self.const(constant_form(default)[0], T.IntType)  # type: ignore[index]
        return self.const(default)

    # -- methods and attributes of values ----------------------------------------------------
    def call_method(self: FunctionCompiler, obj: Value, name: str, args: list[SugaredValue],
                    kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip

        special = objects.value_method(self, obj, name, args, kwargs) or \
            builtin_semantics.number_method(self, obj, name, args, kwargs)  # fmt: skip
        if special is not None:
            return special
        return self.call_builtin(f"aten::{name}", args, kwargs, self_value=obj)

    def value_attr(self: FunctionCompiler, v: Value, name: str) -> SugaredValue:

        op = tensor_attribute_name(name) if isinstance(v.type, T.TensorType) else None
        if op is not None:
            return SimpleValue(self.call_builtin_values(op, [v], {}))
        found = objects.value_attribute(self, v, name)
        if found is not None:
            return found
        return MethodValue(v, name)

    # -- calls -------------------------------------------------------------------------------
    def build_Call(self: FunctionCompiler, node: ast.Call) -> SugaredValue:
        fn = self.emit_expr(node.func)
        if isinstance(fn, special_forms.AnnotateForm):
            return fn.call_ast(self, node)
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self._starred(a))
            else:
                args.append(self.emit_expr(a))
        kwargs: dict[str, SugaredValue] = {}
        for kw in node.keywords:
            if kw.arg is None:  # **mapping of keys known at compile time
                with self.at(kw.value):
                    kwargs.update(varargs.expand_mapping(self, self.emit_expr(kw.value)))
                continue
            kwargs[kw.arg] = self.emit_expr(kw.value)
        with self.at(node):
            return fn.call(self, args, kwargs)

    def _starred(self: FunctionCompiler, a: ast.Starred) -> list[SugaredValue]:
        sv = self.emit_expr(a.value)
        items = sv.static_items()
        if items is not None:
            return items
        with self.at(a):
            expanded = varargs.expand_starred(self, sv)
        if expanded is not None:
            return expanded
        self.fail("expected a tuple or list to expand with *, found " + sv.describe(), a)

    def static_call_condition(self: FunctionCompiler, node: ast.Call) -> Any:
        return special_forms.static_condition(self, node)

    # -- subscripts --------------------------------------------------------------------------
    def build_Subscript(self: FunctionCompiler, node: ast.Subscript) -> SugaredValue:

        base = self.emit_expr(node.value)
        if special_forms.is_generic_type(base):  # `List[int]` as a value: isinstance's target
            return special_forms.TypeExpression(self.annotation(node, node))
        return indexing.subscript(self, base, node.slice)

    def subscript_value(self: FunctionCompiler, v: Value, index: SugaredValue) -> SugaredValue:

        return indexing.subscript_value(self, v, index)

    def static_int(self: FunctionCompiler, sv: SugaredValue) -> int | None:
        if (
            isinstance(sv, SimpleValue)
            and sv.v.node.kind == "prim::Constant"
            and sv.v.type == T.IntType
        ):
            return sv.v.node["value"]
        return None

    def emit_setitem(self: FunctionCompiler, target: ast.Subscript, value: Value) -> None:

        indexing.setitem(self, target, value)

    def emit_setattr(self: FunctionCompiler, target: ast.Attribute, value: Value) -> None:

        objects.setattr_(self, target, value)

    def emit_delete(self: FunctionCompiler, target: ast.expr) -> None:
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Slice):
            sequences.del_slice(self, self.emit_value(target.value), target.slice)
        elif isinstance(target, ast.Subscript):
            base = self.emit_value(target.value)
            key = self.emit_value(target.slice)
            self.call_builtin_values("aten::Delete", [base, key], {})
        elif isinstance(target, ast.Name):
            if isinstance(self.env.lookup(target.id), (_Deleted, type(None))):
                self.fail(f"undefined value {target.id}")  # as torch.jit: never bound or deleted
            self.env.set(target.id, _Deleted(target.id))
        else:
            self.fail(f"expected a name or subscript to delete, found {type(target).__name__}")

    # -- augmented assignment ----------------------------------------------------------------
    def emit_augassign(self: FunctionCompiler, stmt: ast.AugAssign) -> None:

        target = stmt.target
        current = self.emit_value(_as_load(target))
        rhs = self.emit_value(stmt.value)
        op = type(stmt.op)
        if isinstance(current.type, T.TensorType) and op in INPLACE_TENSOR_OPS:
            self.call_builtin_values(INPLACE_TENSOR_OPS[op], [current, rhs], {})
            result = current
            if isinstance(target, ast.Name):
                return
        elif isinstance(current.type, T.ListType) and op is ast.Add:
            self.call_builtin_values("aten::add_", [current, rhs], {})  # list.__iadd__
            if isinstance(target, ast.Name):
                return
            result = current
        elif isinstance(current.type, T.SetType) and isinstance(rhs.type, T.SetType) and \
                BINARY_OPS.get(op) in containers.SET_INPLACE:  # fmt: skip
            sets.update(self, containers.SET_INPLACE[BINARY_OPS[op]], current, [rhs])  # s |= t
            if isinstance(target, ast.Name):
                return
            result = current
        else:
            if op not in BINARY_OPS:
                self.fail(f"expected a supported operator, found {op.__name__}")
            if op is ast.Mod and current.type == T.StrType:
                result = self.call_builtin_values(
                    "aten::percentFormat", [current, *self.format_args(rhs)], {}
                )
            elif op is ast.Add and isinstance(current.type, T.TupleType):
                result = self.tuple_concat(current, rhs)
            else:
                result = self.binary(BINARY_OPS[op], current, rhs)
        if isinstance(target, ast.Name):
            prev = self.env.lookup(target.id)
            if isinstance(prev, SimpleValue) and not T.is_subtype(result.type, prev.v.type):
                result = self.convert_to(result, prev.v.type, f"'{target.id}'")
        self.assign_to(target, SimpleValue(result))

    # -- iteration ---------------------------------------------------------------------------
    def value_iteration(self: FunctionCompiler, v: Value) -> Iteration:
        t = v.type
        if containers.is_special(t):  # a set in its iteration order, a tuple of any length
            return self.value_iteration(containers.as_list(self, v))
        if isinstance(t, T.TupleType):
            return Iteration(unrolled=[SimpleValue(x) for x in self.unpack_tuple(v)])
        if isinstance(t, T.DictType):
            keys = self.call_builtin_values("aten::keys", [v], {})
            return self.value_iteration(keys)
        if isinstance(t, (T.ListType, T.TensorType)) or t == T.StrType:
            length = self.call_builtin_values("aten::len", [v], {})
            op = "aten::select" if isinstance(t, T.TensorType) else "aten::__getitem__"

            def item(i: Value) -> SugaredValue:
                args = [v, self.const(0), i] if op == "aten::select" else [v, i]
                return SimpleValue(self.call_builtin_values(op, args, {}))

            return Iteration(length=length, item=item)
        self.fail(f"expected an iterable, found a value of type '{t}'")

    def range_iteration(self: FunctionCompiler, r: RangeValue) -> Iteration:
        if r.start is None and r.step is None:
            return Iteration(length=r.stop, is_counter=True)
        start = r.start or self.const(0)
        step = r.step or self.const(1)
        length = self.call_builtin_values("aten::__range_length", [start, r.stop, step], {})

        def item(i: Value) -> SugaredValue:
            return SimpleValue(
                self.call_builtin_values("aten::__derive_index", [i, start, step], {})
            )

        return Iteration(length=length, item=item)

    def range_as_list(self: FunctionCompiler, r: RangeValue) -> Value:
        return self.materialize_iterable(r)

    def zip_iteration(self: FunctionCompiler, z: ZipValue) -> Iteration:
        its = [p.iteration(self) for p in z.parts]
        if all(it.unrolled is not None for it in its):
            n = min(len(it.unrolled or []) for it in its)
            rows = [[it.unrolled[k] for it in its] for k in range(n)]  # type: ignore[index]
            if z.enumerate_start is not None:
                rows = [
                    [SimpleValue(self._enum_index(z, self.const(k))), *row]
                    for k, row in enumerate(rows)
                ]
            return Iteration(unrolled=[SugaredTuple(r) for r in rows])
        if any(it.unrolled is not None for it in its):
            self.fail("expected zip() of iterables of one kind, found modules mixed with values")
        length = its[0].length
        for it in its[1:]:
            length = self.call_builtin_values("prim::min", [length, it.length], {})  # type: ignore[list-item]

        def item(i: Value) -> SugaredValue:
            parts = [it.item(i) if it.item else SimpleValue(i) for it in its]
            if z.enumerate_start is not None:
                parts = [SimpleValue(self._enum_index(z, i)), *parts]
            return SugaredTuple(parts)

        return Iteration(length=length, item=item)

    def _enum_index(self: FunctionCompiler, z: ZipValue, i: Value) -> Value:
        start = z.enumerate_start
        if start is None or (start.node.kind == "prim::Constant" and start.node["value"] == 0):
            return i
        return self.call_builtin_values("aten::add", [i, start], {})

    def materialize_iterable(self: FunctionCompiler, sv: SugaredValue) -> Value:
        """`list(iterable)`: a loop appending each item."""
        custom = getattr(sv, "materialize", None)  # a generator builds its list itself
        if custom is not None:
            return custom(self)
        it = sv.iteration(self)
        if it.unrolled is not None:
            vals = [x.value(self) for x in it.unrolled]
            return self.make_list(vals, None)

        return collect_list(self, it)

    # -- exceptions and context managers -----------------------------------------------------
    def exception_instance(
        self: FunctionCompiler, cls: type, args: list[SugaredValue]
    ) -> SugaredValue:
        if not args:
            return ExceptionValue(cls, self.const(""))
        v = args[0].value(self)
        if v.type != T.StrType:
            v = self.call_builtin_values("aten::str", [v], {})
        return ExceptionValue(cls, v)

    def emit_raise(self: FunctionCompiler, sv: SugaredValue) -> None:
        if not isinstance(sv, ExceptionValue):
            self.fail(f"expected an exception to raise, found {sv.describe()}")
        self.raise_with(sv.cls, sv.message)

    def raise_with(self: FunctionCompiler, cls: type, message: Value | None) -> None:
        msg = message if message is not None else self.const("")
        name = EXCEPTION_NAMES.get(cls) or f"{cls.__module__}.{cls.__qualname__}"
        self.call_builtin_values("prim::RaiseException", [msg, self.const(name)], {})
        self.env.dead = self.env.exited = True

    def check_context_manager(self: FunctionCompiler, item: ast.withitem) -> bool:
        """The grad mode a supported context manager sets (no_grad/enable_grad/inference_mode)."""
        expr = item.context_expr
        name = ast.unparse(expr.func).split(".")[-1] if isinstance(expr, ast.Call) else ""
        if name not in GRAD_MODES or item.optional_vars is not None:
            self.fail(
                "expected 'with torch.no_grad():', found an unsupported context manager", expr
            )
        # The name alone is not enough: `with undefined.no_grad():` must fail like eager.
        manager = self.emit_expr(expr.func)
        if not (isinstance(manager, PythonValue) and manager.obj is GRAD_MANAGERS[name]):
            self.fail(f"expected 'with torch.{name}():', found {manager.describe()}", expr)
        return GRAD_MODES[name]


GRAD_MODES = {"no_grad": False, "enable_grad": True, "inference_mode": False}
GRAD_MANAGERS = {name: getattr(torch, name) for name in GRAD_MODES}


class FunctionValue(SugaredValue):
    """An already compiled ScriptFunction."""

    def __init__(self, sf: ScriptFunction) -> None:
        self.sf = sf

    def describe(self) -> str:
        return f"function '{self.sf.name}'"

    def call(self, c: FunctionCompiler, args: list[SugaredValue],
             kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip
        return c.call_script_function(self.sf, args, dict(kwargs))


class _Deleted(SugaredValue):
    def __init__(self, name: str) -> None:
        self.name = name

    def describe(self) -> str:
        return f"deleted variable '{self.name}'"


def _as_load(target: ast.expr) -> ast.expr:
    node = copy.deepcopy(target)
    for sub in ast.walk(node):
        if hasattr(sub, "ctx"):
            sub.ctx = ast.Load()  # type: ignore[attr-defined]
    return node


_unused = (math, types, FrontendError, Callable)
