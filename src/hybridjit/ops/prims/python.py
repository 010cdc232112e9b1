"""Python builtins whose Python meaning no TorchScript operator has: hybridjit's own prims.

TorchScript bends some builtins (`round(2.5)` is `2.0`, `pow` of ints is a float, slices of
lists cannot be assigned); the script frontend lowers them to these prims so the compiled
program means what the Python means::

    %r : float = prim::round_digits(%x, %n)          r = round(x, n)
    %i : int = prim::int_base(%s, %b)                i = int(s, b)
     = prim::list_set_slice(%xs, %lo, %hi, %st, %ys)  xs[lo:hi:st] = ys
    %t : (int, ...) = prim::list_to_tuple(%xs)       t = tuple(xs)
    %v : int[] = prim::tuple_as_list(%t)             v = t   (a view for read-only list ops)

Each runs as the Python builtin itself (same results, same exceptions).  The list mutations
write their first input (`ops.effects.PRIM_EFFECTS`).  For ONNX they fold when every input is
known at export time; otherwise the export is an `ExportError` naming the prim.
"""

from __future__ import annotations

from typing import Any

from hybridjit.ops.impl import OpImpl, py, stmt
from hybridjit.ops.prims.base import Prim, register
from hybridjit.ops.prims.values import _elem_kind


def _set_slice(xs: list[Any], start: Any, end: Any, step: Any, ys: Any) -> None:
    xs[start:end:step] = ys  # Python's rules: any length for step 1, else exactly as many


def _del_slice(xs: list[Any], start: Any, end: Any, step: Any) -> None:
    del xs[start:end:step]


def _fold_or_refuse(impl: OpImpl, hint: str) -> Any:
    """An export rule: the prim's value when all inputs are export-time constants (a raise
    where Python raises), else an `ExportError` naming it."""

    def export(ctx: Any, node: Any) -> None:
        if impl.stmt or not all(ctx.is_static(v) for v in node.inputs):
            raise ctx.error(f"{node.kind} of values computed at run time has no ONNX form",
                            hint=hint)  # fmt: skip
        try:
            value = impl.run(*[ctx.static(v) for v in node.inputs])
        except Exception as e:  # noqa: BLE001 - the program raises here on every input
            ctx.raise_here(f"builtins.{type(e).__name__}", str(e))
            return
        ctx.bind(node.output, value)

    return export


def _prim(kind: str, doc: str, impl: OpImpl, n_inputs: int, hint: str,
          n_outputs: int = 1) -> Prim:  # fmt: skip
    return Prim(f"prim::{kind}", doc, n_inputs=n_inputs, n_outputs=n_outputs, impl=impl,
                export=_fold_or_refuse(impl, hint))  # fmt: skip


for _prim_entry in (
    _prim("round_digits", "round(x, n): Python's rounding to n digits", py(round, "round({0}, {1})"),
          2, "round a tensor: torch.round(t, decimals=n)"),
    _prim("int_base", "int(s, base): a str in the given base", py(int, "int({0}, {1})"), 2,
          "parse the string outside the exported function"),
    _prim("is_integer", "x.is_integer() of a float", py(float.is_integer, "{0}.is_integer()"),
          1, "compare x with math.floor(x)"),
    _prim("pow_mod", "pow(a, b, m): modular exponentiation of ints",
          py(pow, "pow({0}, {1}, {2})"), 3, "compute a ** b % m"),
    _prim("sum_start", "sum(xs, start): Python's sum from start, left to right",
          py(sum, "sum({0}, {1})"), 2, "add start to torch.sum of a tensor"),
    _prim("truth", "bool(x): Python's truth of a value of a Union type", py(bool, "bool({0})"),
          1, "test the value's type with isinstance first"),
    _prim("list_to_tuple", "tuple(xs): a tuple of the list's elements (any length)",
          py(tuple, "tuple({0})"), 1, "return the list itself"),
    _prim("list_set_slice", "xs[start:end:step] = ys, with Python's length rules",
          stmt(_set_slice, "{0}[{1}:{2}:{3}] = {4}"), 5,
          "build the new list with slicing and +", n_outputs=0),
    _prim("list_del_slice", "del xs[start:end:step]",
          stmt(_del_slice, "del {0}[{1}:{2}:{3}]"), 4,
          "build the new list with slicing and +", n_outputs=0),
):  # fmt: skip
    register(_prim_entry)


def _export_same(ctx: Any, node: Any) -> None:
    ctx.bind(node.output, ctx.binding(node.inputs[0]))


def _export_tuple_as_list(ctx: Any, node: Any) -> None:
    """Its elements, now a list (an ONNX list of numbers is a 1-D tensor, of tensors a
    sequence: indexing it at run time works, a tuple's does not)."""
    items = ctx.items(node.inputs[0])
    if items is None:
        _export_same(ctx, node)
        return
    ctx.bind_items(node.output, items, "list", _elem_kind(node.output.type.elem))


# A `Tuple[T, ...]` is a tuple at run time; read-only list ops take it as it is.  These two
# only retype the value (no copy): tuple -> `T[]` view for the op, and a sequence the op built
# from tuples (`+`, `*`, a slice: a tuple at run time) back to `(T, ...)`.
for _kind, _doc, _export in (
    ("tuple_as_list", "a tuple viewed as a list by a read-only list op", _export_tuple_as_list),
    ("list_as_tuple", "a tuple that a list op built from tuples, retyped", _export_same),
):  # fmt: skip
    register(Prim(f"prim::{_kind}", _doc, n_inputs=1, impl=py(lambda x: x, "{0}"),
                  export=_export))  # fmt: skip
