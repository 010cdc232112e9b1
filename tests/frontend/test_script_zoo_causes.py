"""Regression tests for the causes that kept torchvision models from scripting
(tests/zoo/measure.py tallies them); each program is written for this project and checked
against eager and torch.jit with `check_module`."""

from __future__ import annotations

from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from tests.differential import check_module, round_trip

import hybridjit


class _Upsample(torch.nn.Module):
    """Segmentation heads: `F.interpolate(x, size=<List[int]>, ...)` by keyword picks the
    `List[int]` `@_overload` of interpolate (the first declares `size: Optional[int]`)."""

    def forward(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        size: List[int] = like.shape[-2:]
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def test_overload_chosen_by_keyword_argument_types() -> None:
    x, like = torch.rand(1, 2, 4, 4), torch.rand(1, 1, 8, 6)
    check_module(_Upsample(), [(x, like)])


class _ScaleFactor(torch.nn.Module):
    """Detection transforms: `scale_factor: Optional[float] = None`, later assigned
    `t.item()` (a Scalar) in a branch; the declared type converts it to float."""

    def forward(self, x: torch.Tensor, rescale: bool) -> Tuple[Optional[float], int]:
        scale_factor: Optional[float] = None
        if rescale:
            scale_factor = torch.min(x).item()
        count: int = 0
        count = (x > 1.5).sum().item()  # declared int: aten::Int
        return scale_factor, count


def test_assignment_to_declared_variable_converts_a_scalar() -> None:
    x = torch.rand(2, 3) + 1.0
    check_module(_ScaleFactor(), [(x, True), (x, False)])


class _CatEach(torch.nn.Module):
    """Anchor generators: a comprehension rebinding its own source, `xs = [cat(x) for x in xs]`
    (List[List[Tensor]] to List[Tensor]); the old, even declared, type is no hint for the new list."""

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        parts = [[x, x + 1], [x * 2]]
        parts2: List[List[torch.Tensor]] = [[x]]
        parts2 = [torch.cat(p) for p in parts]
        return parts2


def test_comprehension_rebinding_a_name_takes_its_own_type() -> None:
    check_module(_CatEach(), [(torch.rand(2, 3),)])


@torch.jit._script_if_tracing
def _per_class_max(scores: torch.Tensor, idxs: torch.Tensor) -> torch.Tensor:
    out = torch.zeros_like(scores)
    for i in range(int(idxs.max()) + 1):
        mask = idxs == i
        out[mask] = scores[mask].max()
    return out


class _ScriptIfTracing(torch.nn.Module):
    """Box ops (`_batched_nms_vanilla`): a helper under `@torch.jit._script_if_tracing`,
    whose wrapper takes `*args: P.args`; scripting compiles the wrapped function."""

    def forward(self, scores: torch.Tensor, idxs: torch.Tensor) -> torch.Tensor:
        return _per_class_max(scores, idxs)


def test_call_to_a_script_if_tracing_function_compiles_the_original() -> None:
    check_module(_ScriptIfTracing(), [(torch.rand(6), torch.tensor([0, 1, 0, 2, 1, 0]))])


class _DashedNames(torch.nn.Module):
    """RegNet: `add_module("block1-0", ...)`, a submodule name that is no identifier; it is
    kept as the attribute name and spelled `block1_0` in value names, so the graph text
    parses back."""

    def __init__(self) -> None:
        super().__init__()
        self.add_module("block1-0", torch.nn.Linear(3, 3))
        self.add_module("block1-1", torch.nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.children():
            x = block(x)
        return x


def test_submodule_names_with_dashes_script_trace_and_round_trip() -> None:
    x = torch.rand(2, 3)
    check_module(_DashedNames(), [(x,)])
    traced = hybridjit.trace(_DashedNames().eval(), (x,))
    assert "%block1_0 " in str(traced.graph) and "%block1-0" not in str(traced.graph)
    loaded = round_trip(traced)
    torch.testing.assert_close(loaded(x), traced(x))
    assert hasattr(loaded, "block1-0")


class _WalksModules(torch.nn.Module):
    """`named_children()` / `modules()` / `named_modules()` unroll over the module tree, as
    TorchScript's module value does."""

    def __init__(self) -> None:
        super().__init__()
        self.a = torch.nn.Linear(3, 3)
        self.seq = torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Linear(3, 3))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, List[str], int]:
        names: List[str] = []
        for name, child in self.named_children():
            names.append(name)
            x = child(x)
        for name, _ in self.named_modules():
            names.append(name)
        count = 0
        for _ in self.modules():
            count += 1
        return x, names, count


def test_module_tree_walks_unroll() -> None:
    check_module(_WalksModules(), [(torch.rand(2, 3),)])


class _Functional(torch.nn.Module):
    """Quantized models: `FloatFunctional` submodules, whose forward only raises, called by
    their other methods (`self.ff.cat(...)`); those compile on demand from the parent."""

    def __init__(self) -> None:
        super().__init__()
        self.ff = torch.ao.nn.quantized.FloatFunctional()
        self.skip = torch.ao.nn.quantized.FloatFunctional()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.ff.cat([x, x], 1)
        return self.skip.add_relu(self.ff.mul(y, y), y)


def test_submodule_methods_called_by_the_parent_are_compiled() -> None:
    check_module(_Functional(), [(torch.randn(2, 3),)])


class _Features(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"low": x.relu(), "high": x * 2}


class _Head(torch.nn.Module):
    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        return features["low"] + features["high"].sigmoid()


class _DictBetweenSubmodules(torch.nn.Module):
    """LRASPP: the backbone returns a dict the head consumes; the trace passes the traced
    dict along, never a dict constant of the tensors the example produced."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone, self.head = _Features(), _Head()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def test_trace_passes_a_submodule_dict_result_on_as_values() -> None:
    model, example, other = _DictBetweenSubmodules(), torch.randn(4), torch.randn(4)
    traced = hybridjit.trace(model, (example,))
    assert "<Tensor>" not in str(traced.graph)
    assert "prim::DictConstruct" in str(traced.graph)
    oracle = torch.jit.trace(model, (example,))
    for runner in (traced, round_trip(traced)):
        torch.testing.assert_close(runner(other), model(other))
        torch.testing.assert_close(runner(other), oracle(other))
