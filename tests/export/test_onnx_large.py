"""Models whose weights pass 2 GB (protobuf's limit) keep them in ONNX external data.

A 2 GB model is too big for the suite, so `EXTERNAL_DATA_BYTES` (the limit) is lowered to a
few kilobytes here: the same code path, on a model of 20 KB of weights.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

import hybridjit
import hybridjit.onnx
from hybridjit.backends.onnx import exporter


@pytest.fixture
def small_limit(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(exporter, "EXTERNAL_DATA_BYTES", 4096)


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 8)).eval()


def test_large_weights_go_to_a_file_beside_the_model(small_limit, tmp_path: Path, python_free) -> None:  # noqa: ANN001
    model = _model()
    path = tmp_path / "big.onnx"
    hybridjit.onnx.export(hybridjit.script(model), path, (torch.randn(2, 64),))
    data = tmp_path / "big.onnx.data"
    assert data.stat().st_size >= 64 * 64 * 4 and path.stat().st_size < 4096
    loaded = onnx.load(str(path), load_external_data=False)
    assert any(t.data_location == onnx.TensorProto.EXTERNAL for t in loaded.graph.initializer)
    x = torch.randn(3, 64)
    (out,) = python_free(path, [(x,)])[0]
    with torch.no_grad():
        np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_large_models_run_on_the_onnxruntime_backend(small_limit) -> None:  # noqa: ANN001
    model = _model()
    run = hybridjit.compile(hybridjit.script(model), backend="onnxruntime", threads=1)
    for x in (torch.randn(1, 64), torch.randn(5, 64)):  # two sessions of one export
        with torch.no_grad():
            torch.testing.assert_close(run(x), model(x))


def test_a_large_model_needs_a_path(small_limit) -> None:  # noqa: ANN001
    with pytest.raises(hybridjit.ExportError, match="written to a path"):
        hybridjit.onnx.export(hybridjit.script(_model()), io.BytesIO(), (torch.randn(2, 64),))


def test_small_models_stay_one_file(tmp_path: Path) -> None:
    hybridjit.onnx.export(hybridjit.script(_model()), tmp_path / "m.onnx", (torch.randn(2, 64),))
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]
