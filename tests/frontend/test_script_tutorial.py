"""Tutorial Parts 2 and 4: graphs with TorchScript's node kinds, in its order, and results."""

from __future__ import annotations

import torch

import hybridjit


def script_fn(x):
    z = torch.ones([1], dtype=torch.int64)
    for i in range(int(x)):
        z = z * (i + 1)
    return z


class TutorialModule(hybridjit.ScriptModule):
    @hybridjit.script_method
    def forward(self, x):
        r = -x
        if int(torch.fmod(x, 2.0)) == 0.0:
            r = x / 2.0
        return r


class JitTutorialModule(torch.jit.ScriptModule):
    @torch.jit.script_method
    def forward(self, x):
        r = -x
        if int(torch.fmod(x, 2.0)) == 0.0:
            r = x / 2.0
        return r


def kinds(graph) -> list[str]:
    """Node kinds, depth first, with constants left out (pooling places them freely)."""
    out = []
    for node in graph.nodes():
        if node.kind() == "prim::Constant":
            continue
        out.append(node.kind())
        for block in node.blocks():
            out.append("block")
            out += kinds(block)
    return out


def hj_kinds(block) -> list[str]:
    out = []
    for node in block.nodes:
        if node.kind == "prim::Constant":
            continue
        out.append(node.kind)
        for sub in node.blocks:
            out.append("block")
            out += hj_kinds(sub)
    return out


def test_script_fn_graph_has_torch_jit_node_kinds() -> None:
    ours = hybridjit.script(script_fn).graph
    theirs = torch.jit.script(script_fn).graph
    assert hj_kinds(ours.block) == kinds(theirs)
    assert [str(v.type) for v in ours.inputs] == ["Tensor"]


def test_script_fn_runs_like_the_tutorial() -> None:
    f = hybridjit.script(script_fn)
    assert torch.equal(f(torch.tensor(5.0)), torch.tensor([120]))
    assert f(torch.tensor(5.0)).dtype == torch.int64


def test_script_module_graph_has_torch_jit_node_kinds() -> None:
    ours = TutorialModule().__getattr__("forward").graph
    theirs = JitTutorialModule().__getattr__("forward").graph
    assert hj_kinds(ours.block) == kinds(theirs)
    assert str(ours.inputs[0].type) == "__torch__.TutorialModule"
    assert str(ours).startswith("graph(%self : __torch__.TutorialModule,")


def test_script_module_compiles_at_construction_and_runs() -> None:
    m = TutorialModule()
    assert "forward" in m._hj_methods
    assert torch.equal(m(torch.tensor(4.0)), torch.tensor(2.0))
    assert torch.equal(m(torch.tensor(3.0)), torch.tensor(-3.0))


def test_graph_prints_source_ranges() -> None:
    text = str(hybridjit.script(script_fn).graph)
    assert "test_script_tutorial.py:12:" in text  # the for loop's line


def traced_fn_source(x):
    return torch.abs(2 * x)


class TracedPart(torch.nn.Module):
    def forward(self, x):
        x = x.type(torch.float32)
        return torch.floor(torch.sqrt(x) / 5.0)


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.traced_module = hybridjit.trace(TracedPart(), torch.rand(()))
        self.script_module = TutorialModule()

    def forward(self, x):
        x = TRACED_FN(x)
        x = SCRIPT_FN(x)
        x = self.traced_module(x)
        return self.script_module(x)


TRACED_FN = None
SCRIPT_FN = hybridjit.script(script_fn)


def test_scripting_the_whole_tutorial_net_composes_trace_and_script() -> None:
    global TRACED_FN
    TRACED_FN = hybridjit.trace(traced_fn_source, torch.rand(()))
    net = Net()
    scripted = hybridjit.script(net)
    assert torch.equal(scripted(torch.tensor([5])), net(torch.tensor([5])))
    assert torch.equal(scripted(torch.tensor([5])), torch.tensor([190.0]))
    calls = [n.kind for n in scripted.graph.nodes() if n.kind.startswith("prim::Call")]
    assert calls == ["prim::CallFunction"] * 2 + ["prim::CallMethod"] * 2
