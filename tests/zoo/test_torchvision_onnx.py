"""torchvision's resnet18, mobilenet_v3_small and efficientnet_b0, scripted and traced, run
by onnxruntime and compared with eager.

They are written the way real models are: `nn.ReLU(inplace=True)`, `out += identity`,
`nn.Dropout(inplace=True)`, bias-free convolutions before batch norms — each of which once
kept these models out of ONNX or out of onnxruntime's fusions.
"""

from __future__ import annotations

import importlib.util
import warnings

import pytest

if importlib.util.find_spec("torchvision") is None:
    pytest.skip(
        "the zoo needs torchvision: pip install --no-deps torchvision==0.28.0",
        allow_module_level=True,
    )

import torch  # noqa: E402
from tests.zoo.models import assert_close, build  # noqa: E402

import hybridjit  # noqa: E402

MODELS = ["resnet18", "mobilenet_v3_small", "efficientnet_b0"]


@pytest.mark.parametrize("mode", ["script", "trace"])
@pytest.mark.parametrize("name", MODELS)
def test_runs_in_onnxruntime_like_eager(name: str, mode: str) -> None:
    model, (x,) = build(name)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = hybridjit.script(model) if mode == "script" else hybridjit.trace(model, (x,))
        run = hybridjit.compile(compiled, backend="onnxruntime", threads=1)
        for inputs in (x, torch.randn(2, *x.shape[1:])):
            assert_close(model(inputs), run(inputs), f"{name} ({mode}) in onnxruntime")


def test_bias_free_convolutions_are_plain_convs() -> None:
    # torchlib spells a missing bias as an Expand'ed zero, which blocks Conv+BatchNorm fusion
    model, inputs = build("resnet18")
    run = hybridjit.compile(hybridjit.script(model), backend="onnxruntime", threads=1)
    nodes = run.session_for(inputs).exported.model.graph.node
    convs = [n for n in nodes if n.op_type == "Conv"]
    assert len(convs) == 20 and all(len(n.input) == 2 for n in convs)
    assert not [n.op_type for n in nodes if n.op_type in ("Expand", "CastLike")]
