"""Kernel tables: dtype numbering, TorchScript string semantics, bindings codegen picks."""

from __future__ import annotations

import pytest
import torch

from hybridjit.ops import kernels, numbering
from hybridjit.ops.impl import Operand
from hybridjit.ops.prims import control, values
from hybridjit.ops.registry import schemas_for


def schema(qualified: str):
    name, _, overload = qualified.partition(".")
    return next(s for s in schemas_for(name) if s.overload_name == overload)


class Binder:
    def bind(self, obj, hint):
        return f"G[{hint}]"


def emit(qualified: str, *ops: Operand) -> str:
    return kernels.impl_for(schema(qualified)).emit(ops, Binder())


def test_dtype_numbering_follows_torchscript() -> None:
    assert numbering.DTYPE_NUMBER[torch.float32] == 6
    assert numbering.DTYPE_NUMBER[torch.int64] == 4
    assert numbering.DTYPE_NUMBER[torch.bool] == 11
    assert numbering.DTYPES[15] is torch.bfloat16


def test_scalar_ops_inline_as_python_operators() -> None:
    a, b = Operand("a"), Operand("b")
    assert emit("aten::add.int", a, b) == "(a + b)"
    assert emit("aten::floordiv.int", a, b) == "(a // b)"
    assert emit("aten::__is__", a, b) == "(a is b)"
    assert kernels.kernel_for(schema("aten::div.int"))(7, 2) == 3.5
    assert kernels.kernel_for(schema("aten::floordiv.int"))(-7, 2) == -4
    assert kernels.kernel_for(schema("aten::pow.int"))(2, 3) == 8.0


def test_tensor_ops_bind_methods_and_elide_defaults() -> None:
    x, y = Operand("x"), Operand("y")
    assert emit("aten::add.Tensor", x, y, Operand("1", 1)) == "x.add(y)"
    assert emit("aten::add.Tensor", x, y, Operand("2", 2)) == "x.add(y, alpha=2)"
    none = Operand("None", None)
    assert emit("aten::zeros", Operand("s"), Operand("6", 6), none, none, none) == (
        "G[zeros](s, dtype=G[float32])"
    )
    false = Operand("False", False)
    assert (
        emit("aten::to.dtype", x, Operand("7", 7), false, false, none) == "x.to(dtype=G[float64])"
    )
    assert emit("aten::size", x) == "list(x.shape)"


def test_tensor_slice_becomes_a_subscript() -> None:
    ops = [Operand("x"), Operand("1", 1), Operand("a"), Operand("None", None), Operand("1", 1)]
    assert emit("aten::slice.Tensor", *ops) == "x[:, a:]"


def test_string_find_uses_torchscript_end_semantics() -> None:
    find = kernels.kernel_for(schema("aten::find"))
    assert find("abcabc", "c", 0, -1) == 2
    count = kernels.kernel_for(schema("aten::count"))
    assert count("aaba", "a", 1, -1) == 2  # TorchScript: end=-1 means the whole string


@pytest.mark.parametrize("msg,cls,expected", [
    ("bad", "builtins.ValueError", ValueError("bad")),
    ("AssertionError: no", None, AssertionError("no")),
    ("boom", None, RuntimeError("boom")),
    ("odd", "__torch__.MyError", Exception("__torch__.MyError: odd")),
])  # fmt: skip
def test_make_exception_maps_torchscript_classes(msg, cls, expected) -> None:
    e = control.make_exception(msg, cls)
    assert type(e) is type(expected) and e.args == expected.args


def test_num_to_tensor_keeps_the_number_kind() -> None:
    assert values.num_to_tensor(3).dtype == torch.int64
    assert values.num_to_tensor(1.5).dtype == torch.float64
    assert values.num_to_tensor(True).dtype == torch.bool
