"""`math` functions on Python numbers, exported: the same values and the same exceptions as
Python on the edge cases (0, negatives, huge values, inf, nan)."""

from __future__ import annotations

import math
from typing import Tuple

import pytest
import torch

import hybridjit

pytest.importorskip("onnxruntime")


def m_sqrt(x: float) -> float:
    return math.sqrt(x)


def m_log(x: float) -> float:
    return math.log(x)


def m_exp(x: float) -> float:
    return math.exp(x)


def m_trig(x: float) -> float:
    return math.sin(x) + math.cos(x) + math.tan(x)


def m_floor_ceil(x: float) -> Tuple[int, int]:
    return math.floor(x), math.ceil(x)


def m_fmod_fabs(x: float, y: float) -> float:
    return math.fmod(x, y) + math.fabs(x)


def m_int(x: int) -> float:
    return math.sqrt(x) + math.exp(x)


VALS = [0.0, -0.0, 1.5, -2.5, 3.0, 1000.0, -1000.0, math.inf, -math.inf, math.nan]


def _outcome(fn, args):
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return "raise", type(e)


def _close(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and (math.isnan(a) or math.isinf(a)):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a))


@pytest.mark.parametrize("fn", [m_sqrt, m_log, m_exp, m_trig, m_floor_ceil, m_fmod_fabs, m_int])
def test_math_matches_python(fn) -> None:
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    if fn is m_int:
        cases = [(v,) for v in (0, 3, -2, 800)]
    elif fn is m_fmod_fabs:
        cases = [(a, b) for a in VALS for b in VALS]
    else:
        cases = [(v,) for v in VALS]
    for args in cases:
        want, got = _outcome(fn, args), _outcome(run, args)
        assert want[0] == got[0], (args, want, got)
        if want[0] == "raise":
            assert issubclass(got[1], want[1]), (args, want, got)
            continue
        w, g = (want[1], got[1]) if isinstance(want[1], tuple) else ((want[1],), (got[1],))
        assert all(_close(a, b) for a, b in zip(w, g)), (args, want, got)


def p_neg(x: torch.Tensor) -> torch.Tensor:
    return x**-1


def p_sq(x: torch.Tensor) -> torch.Tensor:
    return x**2 + x**0.5


@pytest.mark.parametrize("fn", [p_neg, p_sq])
def test_tensor_pow_number(fn) -> None:
    """x ** e: eager's dtype; an int tensor to a negative int power raises RuntimeError."""
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    for x in (torch.tensor([2, 3]), torch.tensor([2.0, 4.0])):
        want, got = _outcome(fn, (x,)), _outcome(run, (x,))
        assert want[0] == got[0], (x, want, got)
        if want[0] == "raise":
            assert issubclass(got[1], want[1])
        else:
            assert want[1].dtype == got[1].dtype
            torch.testing.assert_close(got[1], want[1])


def w_scalar(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, x, 0.5) + torch.where(x > 0, 2, x)


def test_where_with_a_number_promotes_like_eager() -> None:
    run = hybridjit.compile(hybridjit.script(w_scalar), backend="onnxruntime", threads=1)
    for x in (torch.tensor([-2, 0, 3]), torch.tensor([1, 2], dtype=torch.int32),
              torch.tensor([-1.5, 2.0])):  # fmt: skip
        want, got = w_scalar(x), run(x)
        assert got.dtype == want.dtype, (x, want, got)
        torch.testing.assert_close(got, want)


def n_variants(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    return x.norm(), x.norm(1), x.norm(2, -1, True), torch.nn.functional.normalize(x, dim=0)


def n_functional(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return torch.norm(x, dim=-1, keepdim=True), torch.linalg.vector_norm(x, 3.0, dim=0)


def n_inf(x: torch.Tensor) -> torch.Tensor:
    return x.norm(float("inf"), dim=1) + x.norm(3.0, dim=[0, 1])


@pytest.mark.parametrize("fn", [n_variants, n_inf, n_functional])
def test_tensor_norms_match_eager(fn) -> None:
    """x.norm(p, dim, keepdim), torch.norm (scripted from torch's source: its layout test is
    static) and F.normalize (swin v2's attention): torch's vector norms."""
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    x = torch.randn(4, 5)
    torch.testing.assert_close(run(x), fn(x))
