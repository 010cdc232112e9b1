"""The name-resolution table both frontends use."""

from __future__ import annotations

import ast
import math
import operator
from typing import Any, List, Tuple

import pytest
import torch
import torch.nn.functional as F
from tests.differential import check_script

from hybridjit.ops.builtins import (
    binary_op_name,
    builtin_functions_for,
    builtin_name,
    tensor_attribute_name,
    tensor_method_name,
    unary_op_name,
)


@pytest.mark.parametrize(
    "obj, name",
    [
        (torch.add, "aten::add"), (torch.relu, "aten::relu"), (torch.zeros, "aten::zeros"),
        (torch.cat, "aten::cat"), (torch.tensor, "aten::tensor"), (torch.einsum, "aten::einsum"),
        (torch.Tensor.add, "aten::add"), (torch.Tensor.view, "aten::view"),
        (torch.Tensor.size, "aten::size"), (torch.Tensor.float, "aten::to"),
        (F.relu, "aten::relu"), (F.gelu, "aten::gelu"), (F.conv2d, "aten::conv2d"),
        (F.linear, "aten::linear"), (F.leaky_relu, "aten::leaky_relu"),
        (math.sqrt, "aten::sqrt"), (math.floor, "aten::floor"), (math.log, "aten::log"),
        (math.remainder, "aten::mathremainder"), (math.gcd, "aten::gcd"),
        (len, "aten::len"), (abs, "prim::abs"), (min, "prim::min"), (max, "prim::max"),
        (int, "aten::Int"), (float, "aten::Float"), (bool, "aten::Bool"), (str, "aten::str"),
        (round, "aten::round"), (divmod, "aten::divmod"), (print, "prim::Print"),
        (any, "aten::any"), (all, "aten::all"), (sum, "aten::sum"),
        (operator.add, "aten::add"), (operator.mod, "aten::remainder"),
        (operator.getitem, "aten::__getitem__"), (operator.neg, "aten::neg"),
    ],
)  # fmt: skip
def test_builtin_name(obj: object, name: str) -> None:
    assert builtin_name(obj) == name


@pytest.mark.parametrize(
    "obj",
    # Python implementations TorchScript compiles rather than binds (signature differs from
    # the op, or torch.functional shadows it), and non-callables.
    [torch.norm, torch.unique, F.softmax, F.dropout, F.max_pool2d, math.pi, 3, [], None,
     torch.jit.is_scripting, torch.no_grad, range, lambda x: x],
)  # fmt: skip
def test_not_a_builtin(obj: object) -> None:
    assert builtin_name(obj) is None


@pytest.mark.parametrize(
    "op, name",
    [(ast.Add(), "aten::add"), (ast.Sub, "aten::sub"), (ast.Mult(), "aten::mul"),
     (ast.Div(), "aten::div"), (ast.FloorDiv(), "aten::floordiv"), (ast.Mod(), "aten::remainder"),
     (ast.Pow(), "aten::pow"), (ast.MatMult(), "aten::matmul"), (ast.BitAnd(), "aten::__and__"),
     (ast.BitOr(), "aten::__or__"), (ast.BitXor(), "aten::__xor__"),
     (ast.LShift(), "aten::__lshift__"), (ast.RShift(), "aten::__rshift__"),
     (ast.Eq(), "aten::eq"), (ast.NotEq(), "aten::ne"), (ast.Lt(), "aten::lt"),
     (ast.LtE(), "aten::le"), (ast.Gt(), "aten::gt"), (ast.GtE(), "aten::ge"),
     (ast.Is(), "aten::__is__"), (ast.IsNot(), "aten::__isnot__"), (ast.In(), "aten::__contains__"),
     ("+", "aten::add"), (operator.truediv, "aten::div"), (operator.pow, "aten::pow")],
)  # fmt: skip
def test_binary_op_name(op: object, name: str) -> None:
    assert binary_op_name(op) == name


def test_unary_op_name() -> None:
    assert unary_op_name(ast.USub()) == "aten::neg"
    assert unary_op_name(ast.Invert()) == "aten::bitwise_not"
    assert unary_op_name(ast.Not()) == "aten::__not__"
    assert unary_op_name(operator.neg) == "aten::neg"
    with pytest.raises(KeyError):
        unary_op_name(ast.UAdd())


def test_tensor_methods_and_attributes() -> None:
    assert tensor_method_name("add") == "aten::add"
    assert tensor_method_name("no_such_method") is None
    assert tensor_attribute_name("shape") == "aten::size"
    assert tensor_attribute_name("dtype") == "prim::dtype"
    assert tensor_attribute_name("T") == "aten::numpy_T"
    assert tensor_attribute_name("foo") is None


def test_builtin_functions_table() -> None:
    add = builtin_functions_for("aten::add")
    assert [str(f.schema) for f in add] == [
        "aten::add(float a, Tensor b) -> Tensor",
        "aten::add(int a, Tensor b) -> Tensor",
        "aten::add(complex a, Tensor b) -> Tensor",
    ]
    assert add[0].body == (("aten::add", ("b", "a")),) and add[0].result == 0
    assert builtin_functions_for("aten::relu") == ()


def test_builtin_functions_are_parsed_per_name() -> None:
    from hybridjit.ops.builtins import builtin_functions_for

    adds = builtin_functions_for("aten::add")
    assert [str(f.schema) for f in adds] == [
        "aten::add(float a, Tensor b) -> Tensor",
        "aten::add(int a, Tensor b) -> Tensor",
        "aten::add(complex a, Tensor b) -> Tensor",
    ]
    assert builtin_functions_for("aten::relu") == ()
    assert [str(f.schema) for f in builtin_functions_for("aten::_pair")] == [
        "aten::_pair(int[2] x) -> int[]"
    ]


def _device_flags(x: torch.Tensor) -> List[bool]:
    return [x.is_ipu, x.is_meta, x.is_cpu, x.is_xpu, x.is_mps, x.is_sparse, x.is_quantized]


def _views(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, int]:
    return x.H, x.mT, x.ndim


@pytest.mark.parametrize("fn", [_device_flags, _views])
def test_tensor_attributes_of_the_one_table_script_and_run(fn: Any) -> None:
    x = torch.arange(6.0).reshape(2, 3)
    check_script(fn, [(x,)])
