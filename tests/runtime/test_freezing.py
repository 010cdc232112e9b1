"""`freeze`, `run_frozen_optimizations` and `optimize_for_inference`, against eager and
torch.jit.freeze; the passes they run, with before/after IR."""

from __future__ import annotations

import expecttest
import pytest
import torch
from tests.differential import round_trip

import hybridjit
from hybridjit.ir.parser import parse_ir
from hybridjit.passes.constant_propagation import propagate_constants
from hybridjit.passes.dce import eliminate_dead_code
from hybridjit.passes.inference import fold_conv_batchnorm, remove_dropout


class ConvBlock(torch.nn.Module):
    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, channels, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(x)))


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = ConvBlock()
        self.scale = 2
        self.head = torch.nn.Linear(4, 3)
        self.drop = torch.nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x).mean([2, 3]) * self.scale
        return self.drop(self.head(y))


def trained_net() -> Net:
    torch.manual_seed(0)
    net = Net()
    bn = net.block.bn
    with torch.no_grad():  # non-trivial statistics, so a wrong fold shows
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
    return net.eval()


def inputs() -> list[torch.Tensor]:
    torch.manual_seed(1)
    return [torch.randn(2, 3, 6, 6), torch.randn(1, 3, 9, 5)]


def kinds(module: hybridjit.ScriptModule) -> set[str]:
    return {n.kind for n in module.graph.all_nodes()}


def test_freeze_folds_parameters_and_the_eval_mode_checks() -> None:
    net = trained_net()
    frozen = hybridjit.freeze(hybridjit.script(net))
    oracle = torch.jit.freeze(torch.jit.script(net))
    found = kinds(frozen)
    assert "prim::GetAttr" not in found and "prim::CallMethod" not in found
    assert "aten::batch_norm" not in found and "aten::dropout" not in found
    assert list(frozen.parameters()) == [] and list(frozen.children()) == []
    with torch.no_grad():
        for x in inputs():
            for run in (frozen, frozen.using("interpreter"), round_trip(frozen)):
                torch.testing.assert_close(run(x), net(x), atol=1e-5, rtol=1e-5)
                torch.testing.assert_close(run(x), oracle(x), atol=1e-5, rtol=1e-5)


def test_frozen_constants_are_named_by_attribute_path() -> None:
    frozen = hybridjit.freeze(hybridjit.script(trained_net()), optimize_numerics=False)
    names = {v.debug_name for n in frozen.graph.all_nodes() for v in n.outputs}
    assert {"self.block.conv.weight", "self.block.bn.running_var", "self.head.bias"} <= names
    assert "aten::batch_norm" in kinds(frozen)  # numerics kept as written


def test_optimize_numerics_false_keeps_the_results_bit_exact() -> None:
    net = trained_net()
    frozen = hybridjit.freeze(hybridjit.script(net), optimize_numerics=False)
    with torch.no_grad():
        for x in inputs():
            assert torch.equal(frozen(x), net(x))


class Counter(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.register_buffer("total", torch.zeros(2))
        self.offset = torch.nn.Parameter(torch.ones(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        self.total.add_(x)
        return self.total * self.calls + self.offset


def test_written_attributes_stay_attributes() -> None:
    eager, compiled = Counter().eval(), hybridjit.script(Counter().eval())
    frozen = hybridjit.freeze(compiled)
    assert {"calls", "total"} <= set(dict(frozen.named_buffers())) | set(vars(frozen))
    with torch.no_grad():
        for step in range(3):
            x = torch.tensor([1.0, float(step)])
            assert torch.equal(frozen(x), eager(x))


class Scaled(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.factor = 3.0
        self.weight = torch.nn.Parameter(torch.arange(4.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * (self.weight * 2) * self.factor

    @torch.jit.export
    def describe(self) -> float:
        return self.factor


def test_preserved_attributes_and_methods_are_kept() -> None:
    frozen = hybridjit.freeze(
        hybridjit.script(Scaled().eval()), preserved_attrs=["factor", "describe"]
    )
    x = torch.ones(4)
    assert torch.equal(frozen(x), torch.tensor([0.0, 6.0, 12.0, 18.0]))
    assert frozen.describe() == 3.0
    frozen.factor = 10.0  # still an attribute: the graphs read it
    assert torch.equal(frozen(x), torch.tensor([0.0, 20.0, 40.0, 60.0]))
    assert frozen.describe() == 10.0
    assert not hasattr(frozen, "weight")


def test_constant_tensor_expressions_are_computed_once() -> None:
    frozen = hybridjit.freeze(hybridjit.script(Scaled().eval()))
    muls = [n for n in frozen.graph.all_nodes() if n.kind == "aten::mul"]
    assert len(muls) == 2, frozen.graph  # x * c, then * factor (`self.weight * 2` is folded)
    assert torch.equal(frozen(torch.ones(4)), Scaled()(torch.ones(4)).detach())


def test_a_traced_module_freezes_too() -> None:
    net = trained_net()
    x = inputs()[0]
    traced = hybridjit.trace(net, (x,))
    frozen = hybridjit.freeze(traced)
    assert "prim::GetAttr" not in kinds(frozen)
    with torch.no_grad():
        torch.testing.assert_close(frozen(x), net(x), atol=1e-5, rtol=1e-5)


def test_optimize_for_inference_matches_torch_jit() -> None:
    net = trained_net()
    optimized = hybridjit.optimize_for_inference(hybridjit.script(net))
    oracle = torch.jit.optimize_for_inference(torch.jit.script(net))
    assert "aten::batch_norm" not in kinds(optimized)
    with torch.no_grad():
        for x in inputs():
            torch.testing.assert_close(optimized(x), oracle(x), atol=1e-5, rtol=1e-5)


def test_freeze_refuses_what_it_cannot_freeze() -> None:
    with pytest.raises(hybridjit.ArgumentError, match="ScriptModule"):
        hybridjit.freeze(Net())
    with pytest.raises(hybridjit.ArgumentError, match="eval mode"):
        hybridjit.freeze(hybridjit.script(Net()))


class TestFrozenPasses(expecttest.TestCase):
    def test_constant_propagation_folds_scalars_and_takes_constant_branches(self) -> None:
        graph = parse_ir("""graph(%x : Tensor):
  %two : int = prim::Constant[value=2]()
  %false : bool = prim::Constant[value=0]()
  %four : int = aten::mul(%two, %two)
  %y : Tensor = prim::If(%false)
    block0():
      %a : Tensor = aten::mul(%x, %four)
      -> (%a)
    block1():
      %b : Tensor = aten::add(%x, %four, %two)
      -> (%b)
  return (%y)
""")  # fmt: skip
        self.assertTrue(propagate_constants(graph))
        eliminate_dead_code(graph)
        self.assertExpectedInline(str(graph), """\
graph(%x : Tensor):
  %two : int = prim::Constant[value=2]()
  %four : int = prim::Constant[value=4]()
  %b : Tensor = aten::add(%x, %four, %two)
  return (%b)
""")  # fmt: skip

    def test_a_raising_constant_op_is_left_to_raise_at_run_time(self) -> None:
        graph = parse_ir("""graph():
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %q : int = aten::floordiv(%one, %zero)
  return (%q)
""")  # fmt: skip
        self.assertFalse(propagate_constants(graph))

    def test_dropout_in_eval_mode_is_removed(self) -> None:
        graph = parse_ir("""graph(%x : Tensor):
  %p : float = prim::Constant[value=0.5]()
  %false : bool = prim::Constant[value=0]()
  %y : Tensor = aten::dropout(%x, %p, %false)
  %z : Tensor = aten::relu(%y)
  return (%z)
""")  # fmt: skip
        self.assertTrue(remove_dropout(graph))
        eliminate_dead_code(graph)
        self.assertExpectedInline(str(graph), """\
graph(%x : Tensor):
  %z : Tensor = aten::relu(%x)
  return (%z)
""")  # fmt: skip

    def test_conv_batchnorm_fold_needs_constant_weights(self) -> None:
        graph = parse_ir("""graph(%x : Tensor, %w : Tensor, %mean : Tensor, %var : Tensor):
  %none : NoneType = prim::Constant()
  %false : bool = prim::Constant[value=0]()
  %m : float = prim::Constant[value=0.1]()
  %eps : float = prim::Constant[value=1e-05]()
  %one : int[] = prim::Constant[value=[1, 1]]()
  %zero : int[] = prim::Constant[value=[0, 0]]()
  %g : int = prim::Constant[value=1]()
  %c : Tensor = aten::conv2d(%x, %w, %none, %one, %zero, %one, %g)
  %y : Tensor = aten::batch_norm(%c, %none, %none, %mean, %var, %false, %m, %eps, %false)
  return (%y)
""")  # fmt: skip
        self.assertFalse(fold_conv_batchnorm(graph))  # the weights are inputs, not constants
