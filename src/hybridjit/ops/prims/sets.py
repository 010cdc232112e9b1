"""Python sets: hybridjit's own prims (TorchScript has no set type).

A `Set(T)` value is a Python `set` at run time, so iteration order, hashing and error types are
Python's own (ints iterate in a deterministic order, strings by `PYTHONHASHSEED`).  Each prim
is one Python expression or statement::

    %s : Set(int) = prim::SetConstruct(%a, %b)        s = {a, b}
    %t : Set(int) = prim::set_union(%s, %u)           t = (s | u)
     = prim::set_add(%s, %x)                          s.add(x)
    %n : int[] = prim::set_list(%s)                   n = list(s)   (iteration order)

The mutating ones (`set_add`, `set_remove`, the `*_update`s...) write their first input; their
effects are in `ops.effects.PRIM_EFFECTS`.  Sets have no ONNX form: exporting any of these is
an `ExportError` naming the set.
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

from hybridjit.ir import types as T
from hybridjit.ops.impl import Binder, Operand, OpImpl, py, stmt
from hybridjit.ops.prims.base import Fail, Prim, expect_subtypes, register, types_str


def _emit_set(ops: Sequence[Operand], binder: Binder) -> str:
    return "{" + ", ".join(o.src for o in ops) + "}" if ops else "set()"


def _verify_set_construct(node: Any, fail: Fail) -> None:
    if len(node.outputs) != 1 or not isinstance(node.outputs[0].type, T.SetType):
        fail(node, f"prim::SetConstruct expects 1 set output, found {types_str(node.outputs)}")
    elem = node.outputs[0].type.elem
    expect_subtypes(node, fail, "set elements", node.inputs, [elem] * len(node.inputs))


def _export_set(ctx: Any, node: Any) -> None:
    raise ctx.error(f"a Python set ({node.kind}) has no ONNX form",
                    hint="use a list, or a tensor with torch.unique / torch.isin")  # fmt: skip


def _set_remove(s: set[Any], x: Any) -> None:
    s.remove(x)  # KeyError, as Python


def _mutating(kind: str, doc: str, run: Any, template: str, n_inputs: int = 2) -> Prim:
    return Prim(f"prim::{kind}", doc, n_outputs=0, n_inputs=n_inputs, impl=stmt(run, template),
                export=_export_set)  # fmt: skip


def _pure(kind: str, doc: str, run: Any, template: str, n_inputs: int = 2) -> Prim:
    return Prim(f"prim::{kind}", doc, n_inputs=n_inputs, impl=py(run, template),
                export=_export_set)  # fmt: skip


# Mutating prims: their first input is written (see `ops.effects`).
MUTATING = ("set_add", "set_discard", "set_remove", "set_clear", "set_pop", "set_update",
            "set_intersection_update", "set_difference_update",
            "set_symmetric_difference_update")  # fmt: skip

for _prim in (
    Prim("prim::SetConstruct", "{*inputs} with the output's set type",
         impl=OpImpl(lambda *a: set(a), _emit_set), verify=_verify_set_construct,
         export=_export_set),
    _pure("set_of", "set(iterable): a list, tuple, str, set or dict (its keys)", set,
          "set({0})", n_inputs=1),
    _pure("set_list", "list(s), in the set's iteration order", list, "list({0})", n_inputs=1),
    _pure("set_copy", "s.copy()", set.copy, "{0}.copy()", n_inputs=1),
    _pure("set_len", "len(s)", len, "len({0})", n_inputs=1),
    _pure("set_contains", "x in s", lambda s, x: x in s, "({1} in {0})"),
    _pure("set_union", "a | b", operator.or_, "({0} | {1})"),
    _pure("set_intersection", "a & b", operator.and_, "({0} & {1})"),
    _pure("set_difference", "a - b", operator.sub, "({0} - {1})"),
    _pure("set_symmetric_difference", "a ^ b", operator.xor, "({0} ^ {1})"),
    _pure("set_eq", "a == b", operator.eq, "({0} == {1})"),
    _pure("set_le", "a <= b (a.issubset(b))", operator.le, "({0} <= {1})"),
    _pure("set_lt", "a < b (a proper subset of b)", operator.lt, "({0} < {1})"),
    _pure("set_ge", "a >= b (a.issuperset(b))", operator.ge, "({0} >= {1})"),
    _pure("set_gt", "a > b (a proper superset of b)", operator.gt, "({0} > {1})"),
    _pure("set_isdisjoint", "a.isdisjoint(b)", set.isdisjoint, "{0}.isdisjoint({1})"),
    _mutating("set_add", "s.add(x)", set.add, "{0}.add({1})"),
    _mutating("set_discard", "s.discard(x)", set.discard, "{0}.discard({1})"),
    _mutating("set_remove", "s.remove(x): KeyError when x is missing", _set_remove,
              "{0}.remove({1})"),
    _mutating("set_clear", "s.clear()", set.clear, "{0}.clear()", n_inputs=1),
    _mutating("set_update", "s |= t (s.update(t))", set.update, "{0}.update({1})"),
    _mutating("set_intersection_update", "s &= t", set.intersection_update,
              "{0}.intersection_update({1})"),
    _mutating("set_difference_update", "s -= t", set.difference_update,
              "{0}.difference_update({1})"),
    _mutating("set_symmetric_difference_update", "s ^= t", set.symmetric_difference_update,
              "{0}.symmetric_difference_update({1})"),
    Prim("prim::set_pop", "s.pop(): an arbitrary element (KeyError when empty)", n_inputs=1,
         impl=py(set.pop, "{0}.pop()"), export=_export_set),
):  # fmt: skip
    register(_prim)
