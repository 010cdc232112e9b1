"""The torchvision zoo as test cases: each model built small and cheap (weights=None, eval),
with an input it runs on, and the comparison of outputs.

`build(name)` returns `(model, inputs)`: the model from `torchvision.models.get_model` with
random weights (seeded) in eval mode and constructor arguments that keep it small where
torchvision allows it (ViT's `image_size`, MViT's `spatial_size`, detection's `min_size`),
and inputs of a few dozen pixels. `comparable(output)` maps what a model returns to what
eager and compiled runs are compared on: torchvision's models return something else when
scripted (GoogLeNet/Inception return their namedtuple, detection models `(losses,
detections)`), exactly as they do under torch.jit, so those are reduced to eager's part.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import torch
from tests.zoo.torchvision_shim import import_torchvision

torchvision = import_torchvision()
models = torchvision.models

# One model per family: the default suite's sample.
SAMPLE = [
    "alexnet", "convnext_tiny", "densenet121", "efficientnet_b0", "efficientnet_v2_s",
    "googlenet", "inception_v3", "maxvit_t", "mnasnet0_5", "mobilenet_v2",
    "mobilenet_v3_small", "regnet_x_400mf", "resnet18", "resnext50_32x4d", "shufflenet_v2_x0_5",
    "squeezenet1_0", "swin_t", "swin_v2_t", "vgg11", "vit_b_16", "wide_resnet50_2",
    "fasterrcnn_mobilenet_v3_large_320_fpn", "fcos_resnet50_fpn", "keypointrcnn_resnet50_fpn",
    "maskrcnn_resnet50_fpn", "retinanet_resnet50_fpn", "ssd300_vgg16",
    "ssdlite320_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large", "fcn_resnet50",
    "lraspp_mobilenet_v3_large", "mc3_18", "mvit_v2_s", "r2plus1d_18", "s3d", "swin3d_t",
    "raft_small", "quantized_mobilenet_v3_large", "quantized_resnet18",
    "quantized_shufflenet_v2_x0_5",
]  # fmt: skip

DETECTION = set(models.list_models(models.detection))
SEGMENTATION = set(models.list_models(models.segmentation))
VIDEO = set(models.list_models(models.video))
OPTICAL_FLOW = set(models.list_models(models.optical_flow))


def all_models() -> list[str]:
    return sorted(models.list_models())


def _kwargs(name: str) -> dict[str, Any]:
    if name in DETECTION:
        small = {} if name.startswith("ssd") else {"min_size": 64, "max_size": 64}
        return {"weights_backbone": None, **small}
    if name in SEGMENTATION:
        return {"weights_backbone": None}
    if name.startswith("vit_"):
        return {"image_size": 28 if name.endswith("14") else 32}
    return {}


def _inputs(name: str) -> tuple[Any, ...]:
    def image(size: int, *lead: int) -> torch.Tensor:
        return torch.rand(*lead, 3, size, size)

    if name in DETECTION:
        return ([image(64), image(48)],)
    if name in OPTICAL_FLOW:  # RAFT's correlation pyramid needs 128 pixels
        return (image(128, 1), image(128, 1), 2)
    if name in VIDEO:
        if name == "s3d":  # its head pools (2, 7, 7): the smallest input that reaches it
            return (torch.rand(1, 3, 16, 224, 224),)
        return (
            (torch.rand(1, 3, 4, 32, 32),)
            if name.startswith("mvit")
            else (torch.rand(1, 3, 8, 32, 32),)
        )
    if name.startswith("vit_"):
        return (image(28 if name.endswith("14") else 32, 1),)
    if name.startswith("maxvit"):
        return (image(224, 1),)
    if "inception" in name:
        return (image(80, 1),)
    return (image(64, 1),)


def build(name: str) -> tuple[torch.nn.Module, tuple[Any, ...]]:
    """`name`'s model (random weights, eval) and an input it runs on."""
    torch.manual_seed(0)
    with _small_mvit() if name.startswith("mvit") else contextlib.nullcontext():
        model = models.get_model(name, weights=None, **_kwargs(name)).eval()
    return model, _inputs(name)


@contextlib.contextmanager
def _small_mvit() -> Iterator[None]:
    """MViT's builders fix `spatial_size=(224, 224), temporal_size=16` (a kwarg given again
    is a TypeError): their `_mvit` is wrapped to build for 4 x 32 x 32 clips."""
    from torchvision.models.video import mvit

    original = mvit._mvit

    def small(**kwargs: Any) -> Any:
        return original(**{**kwargs, "spatial_size": (32, 32), "temporal_size": 4})

    mvit._mvit = small
    try:
        yield
    finally:
        mvit._mvit = original


def comparable(name: str, output: Any, compiled: bool) -> Any:
    """The part of `output` that eager and compiled runs share (see the module docstring)."""
    if compiled and name in DETECTION and isinstance(output, tuple):
        return output[1]
    if compiled and isinstance(output, tuple) and hasattr(output, "logits"):
        return output.logits
    return output


def assert_close(expected: Any, got: Any, where: str) -> None:
    """Equal structure, equal tensors (to float tolerance)."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor), f"{where}: expected a Tensor, got {type(got)}"
        assert expected.shape == got.shape, f"{where}: shape {tuple(got.shape)}, expected {tuple(expected.shape)}"  # fmt: skip
        assert expected.dtype == got.dtype, f"{where}: dtype {got.dtype}, expected {expected.dtype}"
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5, msg=lambda m: f"{where}: {m}")  # fmt: skip
    elif isinstance(expected, dict):
        assert isinstance(got, dict), f"{where}: expected a dict, got {type(got)}"
        assert list(expected) == list(got), f"{where}: keys {list(got)}, expected {list(expected)}"
        for key in expected:
            assert_close(expected[key], got[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert isinstance(got, (list, tuple)), f"{where}: expected a sequence, got {type(got)}"
        assert len(expected) == len(got), f"{where}: {len(got)} items, expected {len(expected)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            assert_close(e, g, f"{where}[{i}]")
    else:
        assert expected == got, f"{where}: {got!r}, expected {expected!r}"
