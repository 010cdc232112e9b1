"""prim::GetAttr / prim::CallMethod helpers: same answers as getattr, without the slow path."""

from __future__ import annotations

import pytest
import torch

import hybridjit
from hybridjit.runtime.objects import call_method, get_attr


class Holder(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(2, 2)
        self.scale = torch.nn.Parameter(torch.ones(1))
        self.register_buffer("offset", torch.zeros(1))
        self.plain = 3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x) * self.scale + self.offset + self.plain


@pytest.mark.parametrize("name", ["lin", "scale", "offset", "plain", "training", "forward"])
def test_get_attr_agrees_with_getattr(name: str) -> None:
    m = Holder()
    assert get_attr(m, name) == getattr(m, name)


def test_get_attr_raises_attribute_error_for_missing_names() -> None:
    with pytest.raises(AttributeError, match="no_such"):
        get_attr(Holder(), "no_such")


def test_call_method_falls_back_to_python_methods() -> None:
    assert call_method([3, 1, 2], "index", 1) == 1


def test_traced_module_with_submodules_matches_eager_on_both_executors() -> None:
    m = Holder().eval()
    x = torch.randn(3, 2)
    traced = hybridjit.trace(m, x)
    interpreted = hybridjit.function_from_graph(traced.graph, "interpreter")
    assert torch.allclose(traced(x), m(x))
    assert torch.allclose(interpreted(traced, x), m(x))
    assert "self.lin" in traced.code or "getattr(self, 'lin')" in traced.code


def test_global_forward_hooks_run_on_compiled_modules() -> None:
    m = hybridjit.trace(Holder().eval(), torch.randn(1, 2))
    seen = []
    handle = torch.nn.modules.module.register_module_forward_hook(
        lambda mod, inputs, out: seen.append(type(mod).__name__)
    )
    try:
        m(torch.randn(1, 2))
    finally:
        handle.remove()
    assert seen  # the hook saw the call, as it would on the eager module
