"""Integer reductions in onnxruntime, exact as torch's: int64 sums and products wrap around
at 2**63 and lose no bits.

onnxruntime's ReduceSum / ReduceProd compute int64 in double: `[3**39]` summed gives
...256 instead of ...267, and products saturate at 2**63 - 1 where torch wraps.  The
export sums with CumSum and multiplies pairwise in a Loop instead (`ExportContext.int_sum`,
`int_prod`); these tests fail on a plain ReduceSum / ReduceProd.
"""

from __future__ import annotations

from typing import List, Tuple

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import hybridjit

pytest.importorskip("onnxruntime")


def sums(x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    return (x.sum(), x.sum(0), x.sum(-1, keepdim=True), x.sum([0, 1], keepdim=True),
            x.sum(dtype=torch.int32), x[:0].sum(0), x.sum(dtype=torch.float64))  # fmt: skip


def prods(x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    return (x.prod(), x.prod(0), x.prod(1, keepdim=True), x.prod(-1), x[:0].prod(0),
            x[:, :0].prod(1), x.prod(dtype=torch.int32), (x > 0).prod())  # fmt: skip


def list_sum(xs: List[int], k: int) -> int:
    return sum([x * k for x in xs])


_BIG = [[3**39, 5, 2**60], [2**62, 2**62, 1]]  # partial sums past 2**53 and past 2**63


def _run(fn):
    return hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)


def _same(got: Tuple[torch.Tensor, ...], want: Tuple[torch.Tensor, ...]) -> None:
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, (k, g, w)
        if w.dtype.is_floating_point:  # a double sum: its rounding depends on the order
            assert torch.allclose(g, w, rtol=1e-12), (k, g, w)
        else:
            assert torch.equal(g, w), (k, g, w)


@pytest.mark.parametrize("fn", [sums, prods])
@pytest.mark.parametrize("dtype", [torch.int64, torch.int32])
def test_integer_reductions_are_exact_and_wrap_like_torch(fn, dtype) -> None:
    run = _run(fn)
    for x in (torch.tensor(_BIG), torch.tensor([[3**20, 7, -5], [3**19, 2**30, 11]]),
              torch.arange(1, 40).reshape(3, 13), torch.tensor([[5]])):  # fmt: skip
        x = x.to(dtype)
        _same(run(x), fn(x))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=0, max_size=12),
       st.integers(1, 4))  # fmt: skip
def test_random_int64_reductions_match_torch(values: List[int], rows: int) -> None:
    x = torch.tensor(values * rows, dtype=torch.int64).reshape(rows, len(values))
    _same(_SUMS(x), sums(x))
    _same(_PRODS(x), prods(x))


_SUMS, _PRODS = _run(sums), _run(prods)


def test_sum_of_an_int_list_is_exact_int64() -> None:
    run = _run(list_sum)
    for xs in ([3**39, 5, 2**60], [2**62, 2**62], [], [1, -2, 3]):
        want = sum(xs)
        want = (want + 2**63) % 2**64 - 2**63  # TorchScript's int is int64
        assert run(xs, 1) == want, xs
