"""`a or b` / `a and b` as values: Python returns an operand, not a bool.

TorchScript makes `0 or 3` the bool `True`; Python gives `3`.  As a value, `a or b` is::

    a if a else b            a and b  is  b if a else a

so it lowers to one `prim::If` on the truth of `a` whose branches yield `a` or the value of
`b` (evaluated only in its branch, with the refinements `a` implies: in `x is not None and
x + 1` the second operand sees `x` as not None).  The result has both types joined (else
their Union).  An Optional operand taken because it is truthy is not None (`x or 5` of an
`Optional[int]` is an int).  As a condition (`if a or b:`) the usual short-circuit test is
used, see `ExpressionsMixin.emit_condition`.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from hybridjit.frontend.script.environment import Env
from hybridjit.frontend.script.sugared import SimpleValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.frontend.script.expressions import Cond
    from hybridjit.ir.graph import Value

# Operands whose value is their truth (a bool with refinements): lowered as conditions.
_CONDITIONS = (ast.Compare,)


def bool_op_value(c: C, node: ast.BoolOp) -> SimpleValue:
    """The value of `a or b or ...` / `a and b and ...`."""
    return SimpleValue(_chain(c, node.values, isinstance(node.op, ast.And)))


def _chain(c: C, operands: list[ast.expr], is_and: bool) -> Value:
    first, rest = operands[0], operands[1:]
    if not rest:
        return c.emit_value(first)
    value, cond = _operand(c, first)
    if cond.static is not None:
        if cond.static != is_and:  # True or ... / False and ...: the first operand
            return value
        c.apply_refinements(cond.refine[0] if is_and else cond.refine[1])
        return _chain(c, rest, is_and)
    return _branch(c, value, cond, rest, is_and)


def _operand(c: C, expr: ast.expr) -> tuple[Value, Cond]:
    """The operand's value and its truth (with refinements for a comparison)."""
    # deferred: expressions.py imports this module
    from hybridjit.frontend.script.expressions import Cond

    with c.at(expr):
        if isinstance(expr, _CONDITIONS) or _is_not(expr):
            cond = c.emit_condition(expr)
            value = c.const(cond.static) if cond.static is not None else cond.value
            return value, cond  # type: ignore[return-value]
        value = c.emit_value(expr)
        truth = c.to_bool(value)
        if truth.node.kind == "prim::Constant":
            return value, Cond(None, bool(truth.node["value"]))
        return value, Cond(truth)


def _is_not(expr: ast.expr) -> bool:
    return isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not)


def _branch(c: C, first: Value, cond: Cond, rest: list[ast.expr], is_and: bool) -> Value:
    node = c.emit("prim::If", [cond.value], [])  # type: ignore[list-item]
    results: list[Value] = []
    for evaluate, refine in ((is_and, cond.refine[0]), (not is_and, cond.refine[1])):
        block = node.add_block()

        def fill(evaluate: bool = evaluate, refine: dict = refine) -> None:  # type: ignore[type-arg]
            if evaluate:
                c.apply_refinements(refine)
                results.append(_chain(c, rest, is_and))
            else:
                results.append(_truthy(c, first) if not is_and else first)

        c.run_in_block(Env(c.env, block), block, fill)
    types = [v.type for v in results]
    joined = T.unify(*types)
    out = T.unrefined(joined) if joined is not None else T.make_union(types)
    for block, v in zip(node.blocks, results):
        block.register_output(v)
    return node.add_output(out)


def _truthy(c: C, v: Value) -> Value:
    """`v` where it tested true: an Optional is then not None."""
    if isinstance(v.type, T.OptionalType):
        return c.emit("prim::unchecked_cast", [v], [v.type.elem]).output
    return v


# Optional values whose truth is more than `is not None` (Python: `0`, `""`, `[]` are false).
_FALSY_WHEN_EMPTY = (T.IntType, T.FloatType, T.BoolType, T.StrType, T.ComplexType)


def optional_truth(c: C, v: Value, present: Value) -> Value:
    """`v is not None and bool(v)` for an Optional number, str or container; `present` (the
    `is not None` test) for the rest (a class instance is always true)."""
    elem = v.type.elem  # type: ignore[attr-defined]
    if elem not in _FALSY_WHEN_EMPTY and not isinstance(
        elem, (T.ListType, T.DictType, T.SetType, T.TupleType, T.VarTupleType)
    ):
        return present
    node = c.emit("prim::If", [present], [T.BoolType])
    then, orelse = node.add_block(), node.add_block()
    with c.graph.inserting_into(then):
        inner = c.emit("prim::unchecked_cast", [v], [elem]).output
        then.register_output(c.to_bool(inner))
    with c.graph.inserting_into(orelse):
        orelse.register_output(c.const(False))
    return node.output
