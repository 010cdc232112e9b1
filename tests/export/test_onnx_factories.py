"""torch.eye / torch.tensor, exported: eager's values and dtypes; eye's size may be a
run-time int (a negative one raises RuntimeError as in eager)."""

from __future__ import annotations

from typing import Tuple

import pytest
import torch

import hybridjit

pytest.importorskip("onnxruntime")


def eye_n(n: int) -> Tuple[torch.Tensor, torch.Tensor]:
    return torch.eye(n), torch.eye(n, n + 1, dtype=torch.int64)


def eye_like(x: torch.Tensor) -> torch.Tensor:
    return torch.eye(x.size(0)) @ x


def tensor_const(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return (
        x * torch.tensor([10.0, 20.0]),
        torch.tensor([[1], [2]]),
        torch.tensor([1.0, 2.0], dtype=torch.float64),
    )


@pytest.mark.parametrize("fn,cases", [
    (eye_n, [(0,), (1,), (3,), (-1,)]),
    (eye_like, [(torch.randn(2, 3),), (torch.randn(4, 1),)]),
    (tensor_const, [(torch.randn(2),), (torch.randn(3, 2),)]),
])  # fmt: skip
def test_factories_match_eager(fn, cases) -> None:
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    for args in cases:
        try:
            want = fn(*args)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                run(*args)
            continue
        got = run(*args)
        for g, w in zip(got if isinstance(got, tuple) else (got,),
                        want if isinstance(want, tuple) else (want,)):  # fmt: skip
            assert g.dtype == w.dtype and g.shape == w.shape, (args, g, w)
            torch.testing.assert_close(g, w)
