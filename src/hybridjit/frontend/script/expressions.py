"""Expression lowering: `build_<Expr>` methods, conditions with refinement, assignment targets."""

from __future__ import annotations

import ast
import dataclasses
import operator
from typing import TYPE_CHECKING, Callable

from hybridjit.frontend.script import containers, sequences
from hybridjit.frontend.script.bool_operands import bool_op_value, optional_truth
from hybridjit.frontend.script.environment import Env, debug_name
from hybridjit.frontend.script.sugared import (
    SimpleValue,
    SugaredTuple,
    SugaredValue,
)
from hybridjit.ir import types as T
from hybridjit.ops.builtins import TENSOR_BINARY_OPS, binary_op_name, unary_op_name

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler
    from hybridjit.ir.graph import Value

# The operators of Python's operator syntax come from the table both frontends share.
BINARY_OPS: dict[type, str] = {
    t: binary_op_name(t) for t in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
                                   ast.Pow, ast.MatMult, ast.BitAnd, ast.BitOr, ast.BitXor,
                                   ast.LShift, ast.RShift)
}  # fmt: skip
# Tensor `x op= y` is in place, as in Python.
INPLACE_TENSOR_OPS: dict[type, str] = {
    ast.Add: "aten::add_", ast.Sub: "aten::sub_", ast.Mult: "aten::mul_", ast.Div: "aten::div_",
    ast.BitAnd: "aten::__iand__", ast.BitOr: "aten::__ior__", ast.BitXor: "aten::__ixor__",
    ast.Mod: "aten::remainder_", ast.Pow: "aten::pow_", ast.FloorDiv: "aten::floor_divide_",
}  # fmt: skip
COMPARE_OPS: dict[type, str] = {
    t: binary_op_name(t) for t in (ast.Lt, ast.Gt, ast.LtE, ast.GtE, ast.Eq, ast.NotEq, ast.Is,
                                   ast.IsNot, ast.In, ast.NotIn)
}  # fmt: skip
UNARY_OPS: dict[type, str] = {t: unary_op_name(t) for t in (ast.USub, ast.Invert, ast.Not)}
REFLECTED = {"aten::add": "aten::add", "aten::mul": "aten::mul", "aten::sub": "aten::rsub",
             "aten::__and__": "aten::__and__", "aten::__or__": "aten::__or__",
             "aten::__xor__": "aten::__xor__"}  # fmt: skip
STATIC_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
}  # fmt: skip

Refinements = dict[str, T.Type]


@dataclasses.dataclass
class Cond:
    """A boolean condition: its value (unless static), and the type refinements it implies
    when true / when false."""

    value: Value | None
    static: bool | None = None
    refine: tuple[Refinements, Refinements] = ({}, {})


class ExpressionsMixin:
    """Expression builders; expects the FunctionCompiler attributes."""

    def emit_expr(self: FunctionCompiler, node: ast.expr,
                  type_hint: T.Type | None = None) -> SugaredValue:  # fmt: skip
        builder = getattr(self, "build_" + type(node).__name__, None)
        if builder is None:
            self.fail(f"expected a supported expression, found {type(node).__name__} "
                      f"('{ast.unparse(node)}')", node)  # fmt: skip
        with self.at(node):
            if type_hint is not None and isinstance(node, (ast.List, ast.Dict, ast.ListComp,
                                                            ast.DictComp, ast.Tuple, ast.Set,
                                                            ast.SetComp)):  # fmt: skip
                return builder(node, type_hint)
            return builder(node)

    def emit_value(
        self: FunctionCompiler, node: ast.expr, type_hint: T.Type | None = None
    ) -> Value:
        sv = self.emit_expr(node, type_hint)
        with self.at(node):
            return sv.value(self)

    # -- leaves ------------------------------------------------------------------------------
    def build_Constant(self: FunctionCompiler, node: ast.Constant) -> SugaredValue:
        if node.value is Ellipsis:
            return EllipsisValue()
        if isinstance(node.value, bytes):
            self.fail("expected a str constant, found bytes")
        return SimpleValue(self.const(node.value))

    def build_Name(self: FunctionCompiler, node: ast.Name) -> SugaredValue:
        return self.lookup_name(node.id, node)

    def build_Attribute(self: FunctionCompiler, node: ast.Attribute) -> SugaredValue:
        base = self.emit_expr(node.value)
        return base.attr(self, node.attr)

    def build_Starred(self: FunctionCompiler, node: ast.Starred) -> SugaredValue:
        self.fail("expected a plain argument, found a starred expression")

    def build_NamedExpr(self: FunctionCompiler, node: ast.NamedExpr) -> SugaredValue:
        """`(name := value)`: binds `name` and is the value."""
        value = SimpleValue(self.emit_value(node.value))
        self.assign_to(node.target, value)
        return value

    # -- containers --------------------------------------------------------------------------
    def build_Tuple(
        self: FunctionCompiler, node: ast.Tuple, hint: T.Type | None = None
    ) -> SugaredValue:
        hints = (
            hint.elems
            if isinstance(hint, T.TupleType) and len(hint.elems) == len(node.elts)
            else None
        )
        items = [self.emit_expr(e, hints[i] if hints else None) for i, e in enumerate(node.elts)]
        if all(isinstance(i, SimpleValue) for i in items):
            return SimpleValue(SugaredTuple(items).value(self))
        return SugaredTuple(items)

    def build_List(
        self: FunctionCompiler, node: ast.List, hint: T.Type | None = None
    ) -> SugaredValue:
        elem_hint = hint.elem if isinstance(hint, T.ListType) else None
        if isinstance(hint, T.OptionalType) and isinstance(hint.elem, T.ListType):
            elem_hint = hint.elem.elem
        values = [self.emit_value(e, elem_hint) for e in node.elts]
        return SimpleValue(self.make_list(values, elem_hint))

    def make_list(self: FunctionCompiler, values: list[Value], elem: T.Type | None) -> Value:
        if elem is None:
            if not values:
                elem = T.TENSOR
            else:
                elem = T.unify_all(v.type for v in values)
                # Mixed element types make a list of a Union, as TorchScript infers.
                elem = (
                    T.unrefined(elem)
                    if elem is not None
                    else T.make_union([v.type for v in values])
                )
        values = [self.convert_to(v, elem, "a list element") for v in values]
        return self.emit("prim::ListConstruct", values, [T.ListType(elem)]).output

    def build_Dict(
        self: FunctionCompiler, node: ast.Dict, hint: T.Type | None = None
    ) -> SugaredValue:
        if any(k is None for k in node.keys):
            self.fail("expected key: value pairs, found a ** expansion in a dict literal")
        kh = hint.key if isinstance(hint, T.DictType) else None
        vh = hint.value if isinstance(hint, T.DictType) else None
        keys = [self.emit_value(k, kh) for k in node.keys]  # type: ignore[arg-type]
        vals = [self.emit_value(v, vh) for v in node.values]
        kt = kh or (T.unify_all(k.type for k in keys) if keys else T.StrType)
        vt = vh or (_join_or_union([v.type for v in vals]) if vals else T.TENSOR)
        if kt is None or vt is None:
            self.fail("expected dict keys and values of one type each")
        inputs = [x for kv in zip(keys, vals) for x in kv]
        return SimpleValue(self.emit("prim::DictConstruct", inputs, [T.DictType(kt, vt)]).output)

    # -- operators ---------------------------------------------------------------------------
    def build_BinOp(self: FunctionCompiler, node: ast.BinOp) -> SugaredValue:
        op = BINARY_OPS.get(type(node.op))
        if op is None:
            self.fail(f"expected a supported operator, found {type(node.op).__name__}")
        lhs = self.emit_expr(node.left)
        rhs = self.emit_expr(node.right)
        if (
            isinstance(node.op, ast.Add)
            and isinstance(lhs, SugaredTuple)
            and isinstance(rhs, SugaredTuple)
        ):
            return SugaredTuple(lhs.items + rhs.items)
        a, b = lhs.value(self), rhs.value(self)
        if (
            isinstance(a.type, T.TupleType)
            and isinstance(b.type, T.TupleType)
            and op == "aten::add"
        ):
            return SimpleValue(self.tuple_concat(a, b))
        if op == "aten::mod" or (op == "aten::remainder" and a.type == T.StrType):
            return SimpleValue(
                self.call_builtin_values("aten::percentFormat", [a, *self.format_args(b)], {})
            )
        sugar = _BINARY_SUGAR.get((op, a.type, b.type))
        if sugar is not None:
            return SimpleValue(sugar(self, a, b))
        return SimpleValue(self.binary(op, a, b))

    def str_repeat(self: FunctionCompiler, s: Value, n: Value) -> Value:
        """`s * n` as `"".join([s] * n)` (empty for n <= 0, as in Python)."""
        repeated = self.call_builtin_values("aten::mul", [self.make_list([s], T.StrType), n], {})
        return self.call_builtin_values("aten::join", [self.const(""), repeated], {})

    def int_pow(self: FunctionCompiler, a: Value, b: Value) -> Value:
        """`a ** b` of ints, as eager Python: an int unless the exponent is negative."""
        if b.node.kind == "prim::Constant" and b.node["value"] < 0:
            return self.call_builtin_values("aten::pow", [a, b], {})  # a float, statically
        return self.emit("prim::int_pow", [a, b], [T.IntType]).output

    def str_contains(self: FunctionCompiler, s: Value, sub: Value) -> Value:
        n = self.call_builtin_values("aten::len", [s], {})
        found = self.call_builtin_values("aten::find", [s, sub, self.const(0), n], {})
        return self.call_builtin_values("aten::ne", [found, self.const(-1)], {})

    def binary(self: FunctionCompiler, op: str, a: Value, b: Value) -> Value:
        """`a <op> b`; a number on the left of a tensor uses the reflected form."""
        if isinstance(a.type, T.TensorType) or isinstance(b.type, T.TensorType):
            op = TENSOR_BINARY_OPS.get(op, op)
        if isinstance(b.type, T.TensorType) and a.type in (T.IntType, T.FloatType, T.BoolType,
                                                            T.ComplexType, T.NumberType):  # fmt: skip
            reflected = REFLECTED.get(op)
            if reflected is not None:
                return self.call_builtin_values(reflected, [b, a], {})
            a = self.call_builtin_values("prim::NumToTensor", [a], {})
        return self.call_builtin_values(op, [a, b], {})

    def format_args(self: FunctionCompiler, v: Value) -> list[Value]:
        if isinstance(v.type, T.TupleType):
            return self.unpack_tuple(v)
        return [v]

    def build_UnaryOp(self: FunctionCompiler, node: ast.UnaryOp) -> SugaredValue:
        if isinstance(node.op, ast.Not):
            cond = self.emit_condition(node.operand)
            if cond.static is not None:
                return SimpleValue(self.const(not cond.static))
            return SimpleValue(self.call_builtin_values("aten::__not__", [cond.value], {}))
        if isinstance(node.op, ast.UAdd):
            value = self.emit_value(node.operand)
            if value.type == T.BoolType:  # Python's `+True` is the int 1
                return SimpleValue(self.call_builtin_values("aten::Int", [value], {}))
            if value.type in (T.StrType, T.NoneType) or isinstance(
                value.type, (T.ListType, T.TupleType, T.DictType)
            ):
                self.fail(f"expected a number or a tensor after unary '+', found {value.type}")
            if isinstance(value.type, T.TensorType):  # refuses a bool tensor, as eager does
                return SimpleValue(self.call_builtin_values("aten::positive", [value], {}))
            return SimpleValue(value)
        operand = self.emit_value(node.operand)
        if isinstance(node.op, ast.USub) and operand.node.kind == "prim::Constant" and \
                operand.type in (T.IntType, T.FloatType):  # fmt: skip
            return SimpleValue(self.const(-operand.node["value"]))
        if isinstance(node.op, ast.Invert) and operand.type == T.IntType:
            # Python's `~x` on ints is `-x - 1` (TorchScript has no int bitwise_not).
            negated = self.call_builtin_values("aten::neg", [operand], {})
            return SimpleValue(self.call_builtin_values("aten::sub", [negated, self.const(1)], {}))
        return SimpleValue(self.call_builtin_values(UNARY_OPS[type(node.op)], [operand], {}))

    def build_BoolOp(self: FunctionCompiler, node: ast.BoolOp) -> SugaredValue:
        return bool_op_value(self, node)  # an operand, as Python: `0 or 3` is 3

    def build_Compare(self: FunctionCompiler, node: ast.Compare) -> SugaredValue:
        cond = self.emit_condition_value(node)
        return SimpleValue(self.const(cond.static) if cond.static is not None else cond.value)

    def build_IfExp(self: FunctionCompiler, node: ast.IfExp) -> SugaredValue:
        cond = self.emit_condition(node.test)
        if cond.static is not None:
            self.apply_refinements(cond.refine[0] if cond.static else cond.refine[1])
            return self.emit_expr(node.body if cond.static else node.orelse)
        results: dict[str, Value] = {}

        if_node = self.emit("prim::If", [cond.value], [])
        for key, expr, refine in (
            ("t", node.body, cond.refine[0]),
            ("f", node.orelse, cond.refine[1]),
        ):
            block = if_node.add_block()

            def fill(expr: ast.expr = expr, key: str = key, refine: Refinements = refine) -> None:
                self.apply_refinements(refine)
                results[key] = self.emit_value(expr)

            self.run_in_block(Env(self.env, block), block, fill)
        joined = self.join_types(
            "the conditional expression", results["t"].type, results["f"].type, None, None
        )  # type: ignore[arg-type]
        for block, key in zip(if_node.blocks, "tf"):
            block.register_output(results[key])
        return SimpleValue(if_node.add_output(joined))

    # -- conditions and refinement -----------------------------------------------------------
    def emit_condition(self: FunctionCompiler, node: ast.expr) -> Cond:
        """`node` as a branch condition: a bool value (or static), with refinements."""
        cond = self.emit_condition_value(node)
        if cond.value is not None and cond.value.type != T.BoolType:
            with self.at(node):
                cond.value = self.to_bool(cond.value)
        v = cond.value
        if v is not None and v.node.kind == "prim::Constant" and v.type == T.BoolType:
            # A constant condition (e.g. a module constant) selects its branch at compile time.
            return Cond(None, bool(v.node["value"]), cond.refine)
        return cond

    def emit_condition_value(self: FunctionCompiler, node: ast.expr) -> Cond:
        """Like emit_condition, but a comparison of tensors stays a tensor."""
        with self.at(node):
            if isinstance(node, ast.BoolOp):
                return self._bool_op(node)
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                inner = self.emit_condition(node.operand)
                if inner.static is not None:
                    return Cond(None, not inner.static, (inner.refine[1], inner.refine[0]))
                v = self.call_builtin_values("aten::__not__", [inner.value], {})
                return Cond(v, None, (inner.refine[1], inner.refine[0]))
            if isinstance(node, ast.Compare):
                return self._compare(node)
            if isinstance(node, ast.Call):
                special = self.static_call_condition(node)
                if special is not None:
                    return special
            sv = self.emit_expr(node)
            static = getattr(sv, "static_bool", None)
            if static is not None:
                return Cond(None, static)
            return Cond(self.to_bool(sv.value(self)))

    def _bool_op(self: FunctionCompiler, node: ast.BoolOp) -> Cond:
        is_and = isinstance(node.op, ast.And)
        first = self.emit_condition(node.values[0])
        rest = node.values[1:]
        if not rest:
            return first
        tail = ast.BoolOp(op=node.op, values=rest) if len(rest) > 1 else rest[0]
        ast.copy_location(tail, rest[0])
        if first.static is not None:
            if first.static != is_and:  # False and ... / True or ...
                return first
            self.apply_refinements(first.refine[0] if is_and else first.refine[1])
            return self.emit_condition(tail)

        if_node = self.emit("prim::If", [first.value], [T.BoolType])
        second: list[Cond] = []
        for i in range(2):
            block = if_node.add_block()
            evaluate = (i == 0) == is_and

            def fill(block=block, evaluate=evaluate) -> None:  # type: ignore[no-untyped-def]
                if not evaluate:
                    block.register_output(self.const(not is_and))
                    return
                self.apply_refinements(first.refine[0] if is_and else first.refine[1])
                c = self.emit_condition(tail)
                second.append(c)
                block.register_output(self.const(c.static) if c.static is not None else c.value)

            self.run_in_block(Env(self.env, block), block, fill)
        s = second[0]
        if s.static is not None and s.static != is_and:  # `a and False` / `a or True`
            return Cond(if_node.output, s.static)  # static, as TorchScript decides it
        if is_and:
            refine = ({**first.refine[0], **s.refine[0]}, {})
        else:
            refine = ({}, {**first.refine[1], **s.refine[1]})
        return Cond(if_node.output, None, refine)

    def _compare(self: FunctionCompiler, node: ast.Compare) -> Cond:
        if len(node.ops) > 1:
            pairs = []
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                pairs.append(
                    ast.copy_location(ast.Compare(left=left, ops=[op], comparators=[right]), node)
                )
                left = right
            return self.emit_condition(
                ast.copy_location(ast.BoolOp(op=ast.And(), values=pairs), node)
            )
        op, right_node = node.ops[0], node.comparators[0]
        lhs = self.emit_expr(node.left)
        rhs = self.emit_expr(right_node)
        if isinstance(op, (ast.Is, ast.IsNot)):
            return self._identity(node, lhs, rhs, isinstance(op, ast.Is))
        a, b = lhs.value(self), rhs.value(self)
        if isinstance(op, (ast.In, ast.NotIn)):
            if a.type == T.StrType and b.type == T.StrType:
                v = self.str_contains(b, a)
            else:
                v = self.call_builtin_values("aten::__contains__", [b, a], {})
            if isinstance(op, ast.NotIn):
                v = self.call_builtin_values("aten::__not__", [v], {})
            return Cond(v)
        is_object = isinstance(a.type, T.ClassType) and not a.type.is_module
        if is_object and isinstance(op, (ast.Eq, ast.NotEq)):
            # deferred: script_classes imports the compiler's modules
            from hybridjit.frontend.script.script_classes import object_eq

            return Cond(object_eq(self, a, b, isinstance(op, ast.NotEq)))
        return Cond(self.call_builtin_values(COMPARE_OPS[type(op)], [a, b], {}))

    def _identity(self: FunctionCompiler, node: ast.Compare, lhs: SugaredValue,
                  rhs: SugaredValue, is_: bool) -> Cond:  # fmt: skip
        a, b = lhs.value(self), rhs.value(self)
        var, other = (node.left, b) if b.type == T.NoneType else (node.comparators[0], a)
        subject = a if other is b else b
        if other.type == T.NoneType:
            static = _static_is_none(subject.type)
            refine = self._none_refinement(var, subject.type)
            if static is not None:
                return Cond(None, static if is_ else not static, refine if is_ else refine[::-1])
            kind = "aten::__is__" if is_ else "aten::__isnot__"
            v = self.call_builtin_values(kind, [a, b], {})
            return Cond(v, None, refine if is_ else (refine[1], refine[0]))
        if a.type in _INTERNED and b.type in _INTERNED:
            # Whether two equal str/int/float objects are the same object depends on interning
            # (Python warns for a literal): the executors could not agree with eager.
            self.fail(f"expected '==' or '!=' to compare {a.type} with {b.type}, found "
                      f"'{'is' if is_ else 'is not'}' (identity of such values is undefined)")  # fmt: skip
        kind = "aten::__is__" if is_ else "aten::__isnot__"
        return Cond(self.call_builtin_values(kind, [a, b], {}))

    def _none_refinement(self: FunctionCompiler, var: ast.expr,
                         t: T.Type) -> tuple[Refinements, Refinements]:  # fmt: skip
        if not isinstance(var, ast.Name):
            return ({}, {})
        if isinstance(t, T.OptionalType):
            return ({var.id: T.NoneType}, {var.id: t.elem})
        if isinstance(t, T.UnionType):
            rest = [m for m in t.members if m != T.NoneType]
            return ({var.id: T.NoneType}, {var.id: T.make_union(rest)})
        return ({}, {})

    def apply_refinements(self: FunctionCompiler, refinements: Refinements) -> None:
        for name, t in refinements.items():
            sv = self.env.lookup(name)
            if not isinstance(sv, SimpleValue) or sv.v.type == t:
                continue
            if t == T.NoneType:
                continue
            cast = self.emit("prim::unchecked_cast", [sv.v], [t]).output
            self.env.set(name, SimpleValue(cast), refinement=True)

    def to_bool(self: FunctionCompiler, v: Value) -> Value:
        """The truth value of `v`, as `if v:` sees it."""
        if v.type == T.BoolType:
            return v
        if isinstance(v.type, (T.ListType, T.DictType)) or v.type == T.StrType:
            n = self.call_builtin_values("aten::len", [v], {})
            return self.call_builtin_values("aten::ne", [n, self.const(0)], {})
        if isinstance(v.type, T.OptionalType):
            present = self.call_builtin_values("aten::__isnot__", [v, self.const(None)], {})
            return optional_truth(self, v, present)
        if isinstance(v.type, T.UnionType):  # Python's truth of whichever member it holds
            return self.emit("prim::truth", [v], [T.BoolType]).output
        return self.call_builtin_values("aten::Bool", [v], {})

    # -- assignment targets ------------------------------------------------------------------
    def assign_to(self: FunctionCompiler, target: ast.expr, value: SugaredValue) -> None:
        with self.at(target):
            if isinstance(target, ast.Name):
                self.bind(target.id, value)
            elif isinstance(target, (ast.Tuple, ast.List)):
                self.unpack_into(target.elts, value)
            elif isinstance(target, ast.Subscript):
                self.emit_setitem(target, value.value(self))
            elif isinstance(target, ast.Attribute):
                self.emit_setattr(target, value.value(self))
            elif isinstance(target, ast.Starred):
                self.fail("expected a plain assignment target, found a starred target")
            else:
                self.fail(f"expected an assignment target, found {type(target).__name__}")

    def bind(self: FunctionCompiler, name: str, value: SugaredValue) -> None:
        if isinstance(value, SimpleValue) and not name.startswith("$"):
            v = value.v
            self.sites.setdefault(v, self.where)
            if not v.has_debug_name() and v.node.owning_block is self.graph._insert_block \
                    and v.node.kind != "prim::Param":  # fmt: skip
                v.set_debug_name(debug_name(name))
        self.env.set(name, value)

    def unpack_into(self: FunctionCompiler, targets: list[ast.expr], value: SugaredValue) -> None:
        if any(isinstance(t, ast.Starred) for t in targets):  # a, *rest = xs
            sequences.unpack_starred(self, targets, value)
            return
        items = value.static_items()
        if items is None:
            v = value.value(self)
            items = [SimpleValue(x) for x in self.unpack_value(v, len(targets))]
        if len(items) != len(targets):
            self.fail(f"expected {len(targets)} values to unpack, found {len(items)}")
        for t, item in zip(targets, items):
            self.assign_to(t, item)

    def unpack_value(self: FunctionCompiler, v: Value, n: int) -> list[Value]:
        if isinstance(v.type, T.TupleType):
            if len(v.type.elems) != n:
                self.fail(f"expected a tuple of {n} elements to unpack, found '{v.type}'")
            return self.unpack_tuple(v)
        if containers.is_special(v.type):  # a set, a tuple of any length: checked at run time
            v = containers.as_list(self, v)
        if isinstance(v.type, T.ListType):
            return list(self.emit("prim::ListUnpack", [v], [v.type.elem] * n).outputs)
        if isinstance(v.type, T.TensorType):
            return [self.call_builtin_values("aten::select", [v, self.const(0), self.const(i)], {})
                    for i in range(n)]  # fmt: skip
        self.fail(f"expected a tuple or list to unpack, found '{v.type}'")

    def unpack_tuple(self: FunctionCompiler, v: Value) -> list[Value]:
        if v.node.kind == "prim::TupleConstruct":
            return list(v.node.inputs)
        assert isinstance(v.type, T.TupleType)
        return list(self.emit("prim::TupleUnpack", [v], list(v.type.elems)).outputs)

    def tuple_concat(self: FunctionCompiler, a: Value, b: Value) -> Value:
        if not isinstance(b.type, T.TupleType):
            self.fail(f"expected a tuple to concatenate onto a tuple, found '{b.type}'")
        items = self.unpack_tuple(a) + self.unpack_tuple(b)
        return SugaredTuple([SimpleValue(x) for x in items]).value(self)

    def convert_to(self: FunctionCompiler, v: Value, t: T.Type, what: str) -> Value:
        """`v` as a value of type `t`, or a FrontendError naming `what`."""
        if T.is_subtype(v.type, t):
            return v
        if t == T.FloatType and v.type == T.IntType and v.node.kind == "prim::Constant":
            return self.const(float(v.node["value"]))
        # An empty literal takes the expected type, unless something already used it with its
        # own (a comprehension appended to it, or it was passed on).
        if type(t) in _EMPTY_LITERALS and not v.node.inputs and not v.uses and \
                v.node.kind == _EMPTY_LITERALS[type(t)]:  # fmt: skip
            v.type = t
            return v
        target_list = t.elem if isinstance(t, T.OptionalType) else t
        if isinstance(target_list, T.ListType) and isinstance(v.type, T.TupleType) and \
                all(T.is_subtype(e, target_list.elem) for e in v.type.elems):  # fmt: skip
            return self.emit("prim::ListConstruct", self.unpack_tuple(v), [target_list]).output
        if t in (T.IntType, T.FloatType) and isinstance(v.type, T.TensorType):
            return self.call_builtin_values(
                "aten::Int" if t == T.IntType else "aten::Float", [v], {}
            )
        self.fail(f"expected {what} to have type '{t}', found type '{v.type}'")


# `a <op> b` of these (op, type of a, type of b) means something TorchScript has no op for.
_BINARY_SUGAR: dict[tuple[str, T.Type, T.Type], Callable[..., Value]] = {
    ("aten::mul", T.StrType, T.IntType): lambda c, a, b: c.str_repeat(a, b),
    ("aten::mul", T.IntType, T.StrType): lambda c, a, b: c.str_repeat(b, a),
    ("aten::pow", T.IntType, T.IntType): lambda c, a, b: c.int_pow(a, b),
}


def _join_or_union(types: list[T.Type]) -> T.Type:
    joined = T.unify_all(types)
    return T.unrefined(joined) if joined is not None else T.make_union(types)


# An empty literal of these types (`[]`, `{}`, `set()`) takes the type it is converted to.
_EMPTY_LITERALS = {T.ListType: "prim::ListConstruct", T.DictType: "prim::DictConstruct",
                   T.SetType: "prim::SetConstruct"}  # fmt: skip
_INTERNED = (T.StrType, T.IntType, T.FloatType, T.ComplexType)


def _static_is_none(t: T.Type) -> bool | None:
    if t == T.NoneType:
        return True
    if isinstance(t, T.OptionalType) or t == T.AnyType:
        return None
    if isinstance(t, T.UnionType) and T.NoneType in t.members:
        return None
    return False


class EllipsisValue(SugaredValue):
    def describe(self) -> str:
        return "'...'"
