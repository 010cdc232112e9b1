"""`hybridjit.script(nn.Module)`: torch's own modules and user modules, against eager."""

from __future__ import annotations

import gc
import re
import weakref
from typing import Dict, List, Optional

import pytest
import torch
from tests.differential import check_module
from torch import nn

import hybridjit
from hybridjit.runtime.module import ScriptModule


def _torch_modules() -> dict[str, tuple[nn.Module, tuple[torch.Tensor, ...]]]:
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    return {
        "Linear": (nn.Linear(4, 3), (torch.randn(2, 4),)),
        "Conv1d": (nn.Conv1d(2, 3, 3), (torch.randn(1, 2, 8),)),
        "Conv2d": (nn.Conv2d(2, 3, 3, padding=1), (torch.randn(1, 2, 5, 5),)),
        "BatchNorm2d": (nn.BatchNorm2d(3), (torch.randn(2, 3, 4, 4),)),
        "LayerNorm": (nn.LayerNorm(4), (torch.randn(2, 4),)),
        "Embedding": (nn.Embedding(10, 3), (torch.tensor([1, 2, 3]),)),
        "Dropout": (nn.Dropout(0.5), (torch.randn(3),)),
        "ReLU": (nn.ReLU(), (torch.randn(3),)),
        "GELU": (nn.GELU(), (torch.randn(3),)),
        "Sequential": (nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)),
                       (torch.randn(2, 4),)),
        "LSTM": (nn.LSTM(4, 5), (torch.randn(3, 2, 4),)),
        "GRU": (nn.GRU(4, 5, num_layers=2), (torch.randn(3, 2, 4),)),
        "MultiheadAttention": (nn.MultiheadAttention(8, 2), (torch.randn(3, 2, 8),) * 3),
        "TransformerEncoderLayer": (layer, (torch.randn(3, 2, 8),)),
        "TransformerEncoder": (nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2,
                                                     enable_nested_tensor=False),
                               (torch.randn(3, 2, 8),)),
    }  # fmt: skip


MODULES = _torch_modules()


def _more_modules() -> dict[str, tuple[nn.Module, tuple[torch.Tensor, ...]]]:
    torch.manual_seed(1)
    x4 = torch.randn(2, 3, 8, 8)
    return {
        "Conv2d-reflect": (nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), (x4,)),
        "MaxPool2d": (nn.MaxPool2d(2), (x4,)),
        "AdaptiveAvgPool2d": (nn.AdaptiveAvgPool2d((2, 2)), (x4,)),
        "ELU": (nn.ELU(), (x4,)),
        "Upsample": (nn.Upsample(scale_factor=2, mode="nearest"), (x4,)),
        "Embedding-max_norm": (nn.Embedding(10, 3, max_norm=1.0), (torch.tensor([1, 2]),)),
        "LSTM-bidirectional": (nn.LSTM(4, 5, batch_first=True, bidirectional=True),
                               (torch.randn(2, 3, 4),)),
        "TransformerDecoderLayer": (nn.TransformerDecoderLayer(8, 2, 16),
                                    (torch.randn(3, 2, 8), torch.randn(4, 2, 8))),
        "CrossEntropyLoss": (nn.CrossEntropyLoss(), (torch.randn(4, 5), torch.tensor([1, 0, 4, 2]))),
    }  # fmt: skip


MORE_MODULES = _more_modules()


@pytest.mark.parametrize("name", list(MORE_MODULES))
def test_more_torch_modules_script_and_match_eager(name: str) -> None:
    module, args = MORE_MODULES[name]
    module.eval()
    scripted = hybridjit.script(module)
    with torch.no_grad():
        torch.testing.assert_close(scripted(*args), module(*args))


@pytest.mark.parametrize("name", list(MODULES))
def test_torch_module_scripts_and_matches_eager(name: str) -> None:
    module, args = MODULES[name]
    # torch.jit.script(nn.LSTM / nn.GRU) has no callable `forward` in torch 2.13 (its forward
    # is an @overload pair), so torch.jit is no oracle for those two.
    oracle = name not in ("LSTM", "GRU")
    scripted = check_module(module.eval(), [args], atol=1e-5, torchscript=oracle)
    assert isinstance(scripted, ScriptModule)


def test_scripted_module_shares_parameters() -> None:
    lin = nn.Linear(2, 2)
    scripted = hybridjit.script(lin)
    assert scripted.weight is lin.weight
    with torch.no_grad():
        lin.weight.fill_(1.0)
    x = torch.ones(1, 2)
    torch.testing.assert_close(scripted(x), lin(x))


def test_graph_reads_parameters_through_getattr() -> None:
    text = str(hybridjit.script(nn.Linear(2, 2)).graph)
    assert 'prim::GetAttr[name="weight"](%self)' in text
    # Instances whose constants differ get mangled type names, as in TorchScript.
    assert re.match(
        r"graph\(%self : __torch__\.torch\.nn\.modules\.linear\.(___torch_mangle_\d+\.)?Linear,",
        text,
    )


class Blocks(nn.Module):
    scale: torch.jit.Final[float]

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])
        self.heads = nn.ModuleDict({"a": nn.Linear(3, 1), "b": nn.Linear(3, 2)})
        self.scale = 0.5
        self.count = 0
        self.names: List[str] = ["x"]

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        for layer in self.layers:
            x = torch.relu(layer(x)) * self.scale
        out: Dict[str, torch.Tensor] = {}
        for key, head in self.heads.items():
            out[key] = head(x)
        self.count += 1
        if hasattr(self, "missing"):
            out["missing"] = x
        return out

    @hybridjit.export
    def first(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers[0](x)

    @torch.jit.ignore
    def in_python(self, x: torch.Tensor) -> torch.Tensor:
        return x + 1

    @torch.jit.export
    def calls_python(self, x: torch.Tensor) -> torch.Tensor:
        return self.in_python(x) * 2

    @torch.jit.unused
    def never(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def maybe(self, flag: bool, x: torch.Tensor) -> torch.Tensor:
        if flag:
            return self.never(x)
        return x


def test_user_module_containers_constants_attributes_and_markers() -> None:
    m = Blocks()
    s = hybridjit.script(m)
    x = torch.randn(2, 3)
    got, want = s(x), m(x)
    assert list(got) == ["a", "b"]
    for k in want:
        torch.testing.assert_close(got[k], want[k])
    assert s.count == 1  # prim::SetAttr on the scripted module
    torch.testing.assert_close(s.first(x), m.first(x))
    torch.testing.assert_close(s.calls_python(x), (x + 1) * 2)
    torch.testing.assert_close(s.maybe(False, x), x)
    with pytest.raises(Exception, match="never"):
        s.maybe(True, x)
    assert "prim::Constant[value=0.5]" in str(s.graph)  # the Final constant is baked in


def test_same_class_instances_share_one_type_and_methods() -> None:
    a, b = hybridjit.script(nn.Linear(3, 3)), hybridjit.script(nn.Linear(3, 3))
    assert a._hj_type is b._hj_type
    assert a._hj_methods["forward"] is b._hj_methods["forward"]


class Unscriptable(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.helper(x)

    def helper(self, x: torch.Tensor) -> torch.Tensor:
        return {1, 2}  # type: ignore[return-value]


def test_error_in_reachable_method_names_its_line() -> None:
    with pytest.raises(hybridjit.FrontendError, match=r"return \{1, 2\}"):
        hybridjit.script(Unscriptable())


class OptionalBias(nn.Module):
    def __init__(self, bias: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(2))
        self.bias: Optional[torch.Tensor] = nn.Parameter(torch.ones(2)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bias is not None:
            return x * self.weight + self.bias
        return x * self.weight


@pytest.mark.parametrize("bias", [True, False])
def test_none_attribute_prunes_the_branch(bias: bool) -> None:
    m = OptionalBias(bias)
    s = hybridjit.script(m)
    x = torch.randn(2)
    torch.testing.assert_close(s(x), m(x))
    assert ("aten::add" in str(s.graph)) == bias


class Introspective(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = len(self.layers)
        for i, layer in enumerate(self.layers):
            if isinstance(layer, nn.Linear):
                x = layer(x) + i
            else:
                x = layer(x) * n
        return self.layers[-1](x)


def test_len_enumerate_and_isinstance_on_module_lists() -> None:
    m = Introspective()
    s = hybridjit.script(m)
    x = torch.randn(3, 2)
    torch.testing.assert_close(s(x), m(x))


class _Weighted(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = torch.nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x).relu()


def test_scripting_keeps_no_module_alive_after_its_script_module_is_gone() -> None:
    # The shared concrete-type cache once held the first instance of each type, so a model
    # zoo scripted in one process kept every model's weights (22 GB, then the OOM killer).
    for _ in range(2):  # the second instance reuses the cached type
        model = _Weighted()
        alive = weakref.ref(model), weakref.ref(model.inner.weight)
        scripted = hybridjit.script(model)
        scripted(torch.randn(1, 4))
        del model, scripted
        gc.collect()
        assert [r() for r in alive] == [None, None]
