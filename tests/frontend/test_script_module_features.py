"""Module features a migrating user relies on: ParameterList / ParameterDict, the
`__prepare_scriptable__` hook and interfaces (`hybridjit.interface` or `torch.jit.interface`).
Compared with eager, both executors, save/load and torch.jit."""

from typing import Any

import pytest
import torch
from tests.differential import check_module, round_trip
from torch import nn

import hybridjit


class Parameters(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scales = nn.ParameterList([nn.Parameter(torch.full((3,), float(i + 1))) for i in range(3)])
        self.shifts = nn.ParameterDict({"a": nn.Parameter(torch.ones(3)), "b": nn.Parameter(torch.arange(3.0))})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for s in self.scales:
            x = x * s
        x = x + self.scales[1] - self.scales[-1]
        return x + self.shifts["b"] * self.shifts["a"]


def test_parameter_list_and_dict() -> None:
    check_module(Parameters(), [(torch.randn(3),), (torch.zeros(3),)])


class ParameterIteration(Parameters):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for k, v in self.shifts.items():
            x = x + v * len(k)
        for k in self.shifts:
            x = x - self.shifts[k] * 0.5
        for v in self.shifts.values():
            x = x * v
        return x * len(self.scales) + len(self.shifts)


def test_parameter_dict_iteration_and_len() -> None:
    # torch.jit refuses ParameterDict.items() (its `Iterable` annotation) and len().
    check_module(ParameterIteration(), [(torch.ones(3),), (torch.randn(3),)], torchscript=False)


class NotScriptable(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(x.numpy() * 2)

    def __prepare_scriptable__(self) -> nn.Module:
        return Doubler()


class Doubler(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2


class UsesPrepared(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Sequential(nn.ReLU(), NotScriptable())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x) + 1


def test_prepare_scriptable_replaces_submodules_and_the_root() -> None:
    check_module(UsesPrepared(), [(torch.randn(4),)])
    compiled = hybridjit.script(NotScriptable())
    assert compiled(torch.ones(2)).tolist() == [2.0, 2.0]


@hybridjit.interface
class Transform(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pass


@torch.jit.interface
class JitTransform(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pass


class AddOne(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 1


class Square(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x


class WithInterface(nn.Module):
    impl: JitTransform

    def __init__(self, impl: nn.Module) -> None:
        super().__init__()
        self.impl = impl

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.impl(x) * 3


class WithOurInterface(WithInterface):
    impl: Transform


@pytest.mark.parametrize("impl", [AddOne, Square])
def test_interface_attribute_calls_the_implementation(impl) -> None:
    check_module(WithInterface(impl()), [(torch.randn(3),)])
    check_module(WithOurInterface(impl()), [(torch.randn(3),)], torchscript=False)


class Wrong(nn.Module):
    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x + y


def test_interface_not_implemented_is_refused() -> None:
    with pytest.raises(hybridjit.FrontendError, match=r"submodule 'impl' \(Wrong\) to implement Transform\.forward"):
        hybridjit.script(WithOurInterface(Wrong()))


class AddingSequential(nn.Sequential):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self:
            x = m(x) + 1
        return x


class FirstOfList(nn.ModuleList):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self[0](x) * 2 + self[-1](x)


class OverriddenContainers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.seq = AddingSequential(nn.ReLU(), nn.Tanh())
        self.first = FirstOfList([nn.Sigmoid(), nn.ReLU()])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x) + self.first(x)


def test_containers_with_their_own_forward() -> None:
    module = OverriddenContainers()
    check_module(module, [(torch.randn(5),)])
    assert {n for n in dir(module) if not n.startswith("_")} <= set(dir(hybridjit.script(module)))


class MaybeNorm(nn.Module):
    def __init__(self, with_norm: bool) -> None:
        super().__init__()
        self.first = True
        self.norm = nn.LayerNorm(3) if with_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # with `norm` None, `self.first and self.norm is not None` is False at compile time:
        # the call of None is never compiled (torchvision's MViT Pool)
        if self.first and self.norm is not None:
            x = self.norm(x)
        return x + 1


@pytest.mark.parametrize("with_norm", [True, False])
def test_and_with_a_statically_false_operand(with_norm: bool) -> None:
    check_module(MaybeNorm(with_norm), [(torch.randn(2, 3),)])


class _Containers(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.ReLU()])
        self.heads = torch.nn.ModuleDict({"cls": torch.nn.Linear(2, 3), "box": torch.nn.Linear(2, 4)})
        self.seq = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for b in self.blocks:
            x = b(x)
        return self.seq(self.heads["cls"](x)[:, :2])


def _container_views(m: Any, x: torch.Tensor) -> list[Any]:
    return [len(m.blocks), len(m.heads), len(m.seq), len(list(m.heads)),
            m.blocks[0](x), m.blocks[-1](x), m.heads["box"](x), m.seq[1](x), m.seq[0:1](x),
            [sub(x) for sub in m.blocks]]  # fmt: skip


def test_compiled_module_containers_index_iterate_and_have_a_len() -> None:
    model, x = _Containers(), torch.randn(1, 2)
    expected = _container_views(torch.jit.script(model), x)
    scripted = hybridjit.script(model)
    for compiled in (scripted, round_trip(scripted)):
        torch.testing.assert_close(_container_views(compiled, x), expected)
        assert list(compiled.heads) == ["cls", "box"]
    traced = hybridjit.trace(model, (x,))  # only the submodules the trace ran have a forward
    assert (len(traced.blocks), list(traced.heads)) == (2, ["cls", "box"])
    torch.testing.assert_close(traced.seq[1](x), model.seq[1](x))
    assert isinstance(scripted.seq[0:1], torch.nn.Sequential)
    assert "cls" in scripted.heads and scripted.blocks[1] in scripted.blocks  # beyond torch.jit
    with pytest.raises(TypeError):
        len(scripted.seq[0])  # a Linear is no container


class ExitingLayers(nn.Module):
    """`break` and `continue` in a loop over a ModuleList (unrolled: torch.jit refuses
    them), on conditions known only at run time, and the loop variable after the loop."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(4)])
        self.scales = (1.0, -2.0, 3.0, 0.5)

    def forward(self, x: torch.Tensor, stop_after: int):
        done = 0
        for layer in self.layers:
            if done == stop_after:
                break
            done += 1
            if bool(x.sum() > 2.0):
                x = x - 1.0
                continue
            x = torch.tanh(layer(x))
        last = 0.0
        for s in self.scales:
            last = s
            if bool(x.mean() * s > 0.4):
                break
        return x, done, last


def test_break_and_continue_in_loops_over_modules_and_tuples() -> None:
    inputs = [(torch.randn(3), n) for n in range(5)] + [(torch.full((3,), 3.0), 4), (torch.ones(3), 2)]
    check_module(ExitingLayers(), inputs, torchscript=False)
