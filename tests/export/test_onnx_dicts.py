"""Dicts with keys known at export: built, read and returned (torchvision's segmentation
models return `{"out": ..., "aux": ...}`).  Each value is one ONNX output named by its key;
the runner gives the dict back.  A dict ONNX would have to hold at run time (filled inside
an `if` on a run-time condition, keys computed at run time) is an ExportError."""

from __future__ import annotations

import io
from collections import OrderedDict
from typing import Dict

import onnx
import pytest
import torch

import hybridjit
from hybridjit.errors import ExportError

pytest.importorskip("onnxruntime")


def build_and_read(x: torch.Tensor, scale: float) -> Dict[str, torch.Tensor]:
    d: Dict[str, torch.Tensor] = {"a": x * scale}
    d["b"] = d["a"].relu()
    d["a"] = d["a"] + 1  # replacing keeps the key's place
    total = d["a"] + d["b"] if "b" in d and len(d) == 2 else x
    d["total"] = total + d.get("missing", x)
    return d


class Stage(torch.nn.Module):
    def __init__(self, residual: bool) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 4, 3, padding=1)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.residual:
            y += x  # in place, in a static `if`, before the dict keeps y
        return y


class Layers(torch.nn.Module):
    """IntermediateLayerGetter's shape: the outputs of named stages, in a dict."""

    def __init__(self) -> None:
        super().__init__()
        self.stages = torch.nn.ModuleDict({"s1": Stage(False), "s2": Stage(True), "s3": Stage(True)})
        self.keep = {"s2": "low", "s3": "out"}

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        out = OrderedDict()
        for name, stage in self.stages.items():
            x = stage(x)
            if name in self.keep:
                out[self.keep[name]] = x
        return out


def _same(got: Dict[str, torch.Tensor], want: Dict[str, torch.Tensor]) -> None:
    assert type(got) is dict and list(got) == list(want)
    for k in want:
        torch.testing.assert_close(got[k], want[k], rtol=1e-5, atol=1e-6)


def test_a_dict_built_read_and_returned_matches_eager() -> None:
    f = hybridjit.script(build_and_read)
    run = hybridjit.compile(f, backend="onnxruntime", threads=1)
    for shape in ((3,), (2, 5)):
        x = torch.randn(shape)
        _same(run(x, 2.0), build_and_read(x, 2.0))
    model = hybridjit.onnx.export(f, io.BytesIO(), (torch.randn(3), 2.0))
    onnx.checker.check_model(onnx.load_from_string(model.SerializeToString()), full_check=True)
    assert [o.name for o in model.graph.output] == ["a", "b", "total"]


def test_intermediate_layers_with_in_place_residuals_export() -> None:
    m = Layers().eval()
    s = hybridjit.script(m)
    run = hybridjit.compile(s, backend="onnxruntime", threads=1)
    x = torch.randn(1, 4, 8, 8)
    with torch.no_grad():
        _same(run(x), m(x))
    assert [o.name for o in hybridjit.onnx.export(s, io.BytesIO(), (x,)).graph.output] == ["low", "out"]


def missing_key(x: torch.Tensor) -> torch.Tensor:
    d = {"a": x}
    return d["b"]


def test_a_missing_key_raises_key_error_like_eager() -> None:
    run = hybridjit.compile(hybridjit.script(missing_key), backend="onnxruntime", threads=1)
    with pytest.raises(KeyError, match="'b'"):
        missing_key(torch.ones(2))
    with pytest.raises(KeyError, match="'b'"):
        run(torch.ones(2))


def filled_in_a_run_time_if(x: torch.Tensor) -> Dict[str, torch.Tensor]:
    d = {"a": x}
    if bool(x.sum() > 0):
        d["b"] = x + 1
    return d


def test_a_dict_filled_under_a_run_time_condition_is_an_export_error() -> None:
    with pytest.raises(ExportError, match="dict created outside this `if`") as e:
        hybridjit.onnx.export(hybridjit.script(filled_in_a_run_time_if), io.BytesIO(), (torch.ones(2),))
    assert "d[\"b\"] = x + 1" in str(e.value)
