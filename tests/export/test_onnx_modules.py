"""torch.nn modules (eval mode) exported through hybridjit and run in onnxruntime vs eager."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import hybridjit
import hybridjit.onnx

torch.manual_seed(0)

MODULES = {
    "Linear": (lambda: nn.Linear(5, 3), lambda: (torch.randn(2, 5),), lambda: (torch.randn(4, 5),)),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 3, padding=1), lambda: (torch.randn(1, 3, 8),),
               lambda: (torch.randn(2, 3, 11),)),
    "Conv2d": (lambda: nn.Conv2d(3, 4, 3, stride=2), lambda: (torch.randn(1, 3, 9, 9),),
               lambda: (torch.randn(2, 3, 12, 10),)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), lambda: (torch.randn(2, 3, 4, 4),),
                    lambda: (torch.randn(1, 3, 5, 2),)),
    "LayerNorm": (lambda: nn.LayerNorm(6), lambda: (torch.randn(2, 6),), lambda: (torch.randn(3, 4, 6),)),
    "Embedding": (lambda: nn.Embedding(10, 4), lambda: (torch.tensor([[1, 2], [3, 9]]),),
                  lambda: (torch.tensor([0, 5, 7]),)),
    "LSTM": (lambda: nn.LSTM(4, 6, batch_first=True), lambda: (torch.randn(1, 5, 4),),
             lambda: (torch.randn(2, 7, 4),)),
    "GRU": (lambda: nn.GRU(4, 6), lambda: (torch.randn(5, 1, 4),), lambda: (torch.randn(3, 2, 4),)),
    "MultiheadAttention": (lambda: nn.MultiheadAttention(8, 2, batch_first=True),
                           lambda: (torch.randn(1, 4, 8),) * 3, lambda: (torch.randn(2, 6, 8),) * 3),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
                                lambda: (torch.randn(1, 5, 8),), lambda: (torch.randn(2, 3, 8),)),
}  # fmt: skip


def _flat(x):
    if isinstance(x, torch.Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for y in x for t in _flat(y)]
    return [] if x is None else [x]


# Known failures (reported): torchlib's aten_lstm/aten_gru need the hidden size as a static
# dim (the traced zeros(h0) has a run-time shape); MultiheadAttention's traced graph leaves a
# main-graph output of unknown rank; TransformerEncoderLayer hits a wrong-rank Transpose.
XFAIL = {"LSTM", "GRU", "MultiheadAttention", "TransformerEncoderLayer"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True)) if n in XFAIL
                                  else n for n in MODULES])  # fmt: skip
def test_module_matches_eager(name: str) -> None:
    make, example, other = MODULES[name]
    torch.manual_seed(1)
    module = make().eval()
    ex = example()
    traced = hybridjit.trace(module, ex, check_trace=False)
    run = hybridjit.compile(traced, backend="onnxruntime", threads=1)
    for args in (ex, other()):
        with torch.no_grad():
            want = module(*args)
        got = run(*args)
        for g, w in zip(_flat(got), _flat(want)):
            assert g.dtype == w.dtype
            torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-5)
