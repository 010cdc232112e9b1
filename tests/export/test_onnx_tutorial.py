"""The seed tutorial's top-level traced Net (with scripted parts) as one ONNX model."""

from __future__ import annotations

import contextlib
import io
import runpy
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from tests.export.test_onnx_programs import op_types

import hybridjit.onnx

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = [0, 0, -5, 20, 190, -4377, -59051]


@pytest.fixture(scope="module")
def tutorial() -> dict:
    with contextlib.redirect_stdout(io.StringIO()):
        return runpy.run_path(str(ROOT / "examples" / "seed_tutorial.py"))


@pytest.fixture(scope="module")
def net_model(tutorial: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("onnx") / "net.onnx"
    hybridjit.onnx.export(tutorial["n_traced"], path, (torch.tensor([5]),))
    return path


def test_net_exports_one_checked_model_with_control_flow(net_model: Path) -> None:
    model = onnx.load(str(net_model))
    onnx.checker.check_model(model, full_check=True)
    assert model.producer_name == "hybridjit"
    assert model.producer_version == hybridjit.__version__
    kinds = op_types(model.graph)  # checks guard what follows them, so look into subgraphs
    assert "Loop" in kinds and "If" in kinds  # never unrolled
    assert [i.name for i in model.graph.input] == ["x"]
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param  # symbolic
    assert any("seed_tutorial.py" in n.doc_string for n in model.graph.node)


def test_net_in_onnxruntime_gives_eager_outputs(net_model: Path, tutorial: dict) -> None:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(net_model), providers=["CPUExecutionProvider"])
    for x, want in zip(range(1, 8), EXPECTED):
        got, *err = sess.run(None, {"x": np.array([x])})  # err: the checks' error output
        assert [int(e) for e in err] in ([], [0])
        eager = tutorial["n"](torch.tensor([x]))
        assert got.tolist() == [want] == eager.tolist()
        assert got.dtype == np.float32 and eager.dtype == torch.float32


def test_net_runs_python_free(net_model: Path, python_free) -> None:
    outs = python_free(net_model, [(np.array([x]),) for x in range(1, 8)])
    assert [o[0].tolist() for o in outs] == [[w] for w in EXPECTED]
