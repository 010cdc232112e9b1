"""Subscripts: `x[i]`, `x[a:b:c]`, `x[None, ..., 0]`, tensor/list/str/dict/tuple indexing and
index assignment, lowered as TorchScript lowers them (select/slice/unsqueeze/index)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from hybridjit.frontend.script import sequences
from hybridjit.frontend.script.sugared import SimpleValue, SugaredTuple, SugaredValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value


def _elements(index: ast.expr) -> list[ast.expr]:
    return list(index.elts) if isinstance(index, ast.Tuple) else [index]


def subscript(c: C, base: SugaredValue, index: ast.expr) -> SugaredValue:
    getitem = getattr(base, "getitem_ast", None)
    if getitem is not None:
        return getitem(c, index)
    if not isinstance(base, SimpleValue):
        if isinstance(base, SugaredTuple) and not isinstance(index, ast.Slice):
            return base.getitem(c, c.emit_expr(index))
        return base.getitem(c, c.emit_expr(index))
    v = base.v
    if isinstance(v.type, T.TensorType):
        return SimpleValue(tensor_view(c, v, _elements(index))[0])
    if isinstance(index, ast.Slice):
        return SimpleValue(_slice_container(c, v, index))
    return subscript_value(c, v, c.emit_expr(index))


def subscript_value(c: C, v: Value, index: SugaredValue) -> SugaredValue:
    t = v.type
    if isinstance(t, T.TupleType):
        return SimpleValue(tuple_index(c, v, index.value(c)))
    if isinstance(t, T.TensorType):
        i = index.value(c)
        if i.type == T.IntType:
            return SimpleValue(c.call_builtin_values("aten::select", [v, c.const(0), i], {}))
        return SimpleValue(_index(c, v, [(0, i)]))
    return SimpleValue(c.call_builtin_values("aten::__getitem__", [v, index.value(c)], {}))


def tuple_index(c: C, v: Value, i: Value) -> Value:
    t = v.type
    assert isinstance(t, T.TupleType)
    if i.node.kind == "prim::Constant" and i.type == T.IntType:
        k = i.node["value"]
        n = len(t.elems)
        if not -n <= k < n:
            c.fail(f"expected a tuple index in range [{-n}, {n}), found {k}")
        k %= n
        if v.node.kind == "prim::TupleConstruct":
            return v.node.inputs[k]
        return c.emit("prim::TupleIndex", [v, c.const(k)], [t.elems[k]]).output
    elem = T.unify_all(t.elems)
    if elem is None:
        c.fail("expected a constant index into a tuple of mixed element types")
    return c.emit("prim::TupleIndex", [v, i], [elem]).output


def _slice_bounds(c: C, s: ast.Slice) -> list[Value]:
    """`start, end, step` of an `aten::slice` call (step defaults to 1)."""
    start, end = sequences.slice_bound(c, s.lower), sequences.slice_bound(c, s.upper)
    step = sequences.slice_bound(c, s.step) if s.step is not None else c.const(1)
    return [start, end, step]


def _slice_container(c: C, v: Value, s: ast.Slice) -> Value:
    if isinstance(v.type, T.TupleType):
        items = c.unpack_tuple(v)
        bounds = [_static(c, b) for b in (s.lower, s.upper, s.step)]
        if any(b is False for b in bounds):
            c.fail("expected constant bounds when slicing a tuple")
        picked = items[slice(*bounds)]  # type: ignore[misc]
        return SugaredTuple([SimpleValue(x) for x in picked]).value(c)
    return c.call_builtin_values("aten::slice", [v, *_slice_bounds(c, s)], {})


def _static(c: C, node: ast.expr | None) -> int | None | bool:
    if node is None:
        return None
    v = c.emit_value(node)
    if v.node.kind == "prim::Constant" and v.type == T.IntType:
        return v.node["value"]
    return False


def _tensor_index(c: C, e: ast.expr) -> Value:
    """One element of a tensor subscript: an int (select), a tensor or a list (index)."""
    i = c.emit_value(e)
    if i.type == T.IntType or isinstance(i.type, (T.TensorType, T.ListType)):
        return i
    hint = " (a bool index is a 0-d mask in Python: write torch.tensor(b))" \
        if i.type == T.BoolType else ""  # fmt: skip
    c.fail(f"expected an int, a slice, None, ..., a tensor or a list as a tensor index, "
           f"found '{i.type}'{hint}", e)  # fmt: skip


def tensor_view(c: C, v: Value, elts: list[ast.expr]) -> tuple[Value, list[tuple[int, Value]]]:
    """Apply slices/selects/unsqueezes; tensor indices are collected and applied with
    `aten::index` (returned too, so index assignment can use `index_put_`)."""
    consuming = [e for e in elts if not _is_none(e) and not _is_ellipsis(e)]
    dim = 0
    negative = False
    tensor_indices: list[tuple[int, Value]] = []
    for pos, e in enumerate(elts):
        if _is_ellipsis(e):
            after = [x for x in elts[pos + 1 :] if not _is_none(x) and not _is_ellipsis(x)]
            dim, negative = -len(after), True
            continue
        if _is_none(e):
            # After `...`, dims count from the end: a new dim goes before the `-dim` last ones.
            v = c.call_builtin_values("aten::unsqueeze", [v, c.const(dim - 1 if negative else dim)],
                                      {})  # fmt: skip
            if not negative:
                dim += 1
            continue
        if isinstance(e, ast.Slice):
            bounds = _slice_bounds(c, e)
            v = c.call_builtin_values("aten::slice", [v, c.const(dim), *bounds], {})
            dim += 1
            continue
        i = _tensor_index(c, e)
        if i.type == T.IntType:
            v = c.call_builtin_values("aten::select", [v, c.const(dim), i], {})
            if negative:
                dim += 1
            continue
        if isinstance(i.type, T.ListType):
            i = c.call_builtin_values("aten::tensor", [i], {})
        tensor_indices.append((dim, i))
        dim += 1
    del consuming
    if tensor_indices:
        return _index(c, v, tensor_indices), tensor_indices
    return v, []


def _index(c: C, v: Value, indices: list[tuple[int, Value]]) -> Value:
    return c.call_builtin_values("aten::index", [v, _index_list(c, indices)], {})


def _index_list(c: C, indices: list[tuple[int, Value]]) -> Value:
    slots: list[Value] = []
    by_dim = dict(indices)
    for d in range(max(by_dim) + 1):
        slots.append(by_dim[d] if d in by_dim else c.const(None))
    slots = [s if s.type != T.NoneType else s for s in slots]
    opt = T.ListType(T.OptionalType(T.TENSOR))
    return c.emit("prim::ListConstruct", slots, [opt]).output


def _is_none(e: ast.expr) -> bool:
    return isinstance(e, ast.Constant) and e.value is None


def _is_ellipsis(e: ast.expr) -> bool:
    return isinstance(e, ast.Constant) and e.value is Ellipsis


def setitem(c: C, target: ast.Subscript, value: Value) -> None:
    base = c.emit_value(target.value)
    t = base.type
    if isinstance(t, T.TensorType):
        _tensor_setitem(c, base, _elements(target.slice), value)
        return
    if isinstance(t, T.ListType) and isinstance(target.slice, ast.Slice):
        sequences.set_slice(c, base, target.slice, value)  # xs[a:b] = ys
        return
    if isinstance(t, (T.ListType, T.DictType)):
        key = c.emit_value(target.slice)
        elem = t.elem if isinstance(t, T.ListType) else t.value
        value = c.convert_to(value, elem, "the assigned element")
        c.call_builtin_values("aten::_set_item", [base, key, value], {})
        return
    if isinstance(t, T.ClassType):  # its __setitem__
        c.call_builtin_values("aten::_set_item", [base, c.emit_value(target.slice), value], {})
        return
    c.fail(f"expected a list, dict, tensor or object with __setitem__ to assign into, found '{t}'")


def _tensor_setitem(c: C, base: Value, elts: list[ast.expr], value: Value) -> None:
    all_tensor_idx = len(elts) == 1 and not isinstance(elts[0], ast.Slice) and not _is_none(elts[0])
    if all_tensor_idx:
        i = _tensor_index(c, elts[0])
        if isinstance(i.type, T.TensorType):
            _index_put(c, base, [(0, i)], value)
            return
        view = c.call_builtin_values("aten::select", [base, c.const(0), i], {})
    else:
        view, tensor_indices = _view_for_assignment(c, base, elts)
        if tensor_indices:
            _index_put(c, view, tensor_indices, value)
            return
    if isinstance(value.type, T.TensorType):
        c.call_builtin_values("aten::copy_", [view, value], {})
    else:
        c.call_builtin_values("aten::fill_", [view, value], {})


def _view_for_assignment(
    c: C, base: Value, elts: list[ast.expr]
) -> tuple[Value, list[tuple[int, Value]]]:
    # Like tensor_view, but tensor indices are returned unapplied (for index_put_).
    dim = 0
    negative = False  # after `...`, dims count from the end (as in tensor_view)
    v = base
    indices: list[tuple[int, Value]] = []
    for pos, e in enumerate(elts):
        if _is_none(e):
            v = c.call_builtin_values("aten::unsqueeze", [v, c.const(dim - 1 if negative else dim)],
                                      {})  # fmt: skip
            if not negative:
                dim += 1
        elif _is_ellipsis(e):
            after = [x for x in elts[pos + 1 :] if not _is_none(x) and not _is_ellipsis(x)]
            dim, negative = -len(after), True
        elif isinstance(e, ast.Slice):
            bounds = _slice_bounds(c, e)
            v = c.call_builtin_values("aten::slice", [v, c.const(dim), *bounds], {})
            dim += 1
        else:
            i = _tensor_index(c, e)
            if i.type == T.IntType:
                v = c.call_builtin_values("aten::select", [v, c.const(dim), i], {})
                if negative:
                    dim += 1
            else:
                indices.append((dim, i))
                dim += 1
    return v, indices


def _index_put(c: C, base: Value, indices: list[tuple[int, Value]], value: Value) -> None:
    if not isinstance(value.type, T.TensorType):
        value = c.call_builtin_values("prim::NumToTensor", [value], {})
        value = c.call_builtin_values("aten::type_as", [value, base], {})
    c.call_builtin_values("aten::index_put_", [base, _index_list(c, indices), value], {})
