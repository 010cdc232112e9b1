"""The seed tutorial, end to end: `examples/seed_tutorial.py` prints the tutorial's graphs.

Each graph the example prints must have the node kinds, in order, of the graph the tutorial
text shows under the same label (the web page lost the `block0():` lines, so kinds only).
"""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from hybridjit.runtime.function import function_from_graph

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "seed_tutorial.py"
TUTORIAL = ROOT.parent / "shared" / "seed" / "hybrid_frontend_tutorial.txt"
LABELS = ("traced_fn graph", "script_fn graph", "TracedModule graph", "ScriptModule graph",
          "n_traced graph")  # fmt: skip
_KIND = re.compile(r" = ([A-Za-z_]+::[A-Za-z_0-9]+)[\[(]")


def graph_kinds(text: str, label: str) -> list[str]:
    """The node kinds of the graph printed after `label` (up to the first blank line)."""
    start = text.index(f"{label} graph(")
    end = text.find("\n\n", start)
    body = text[start : end if end >= 0 else len(text)]
    return [m.group(1) for line in body.splitlines() if (m := _KIND.search(line))]


@pytest.fixture(scope="module")
def example_output() -> str:
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


# The node kinds of the graphs the tutorial text prints, in order (pinned here so the test
# needs no file outside the repository; `test_pinned_kinds_are_the_tutorials` re-reads them).
TUTORIAL_KINDS = {
    "traced_fn graph": ["prim::Constant", "aten::mul", "aten::abs"],
    "script_fn graph": ["prim::Constant"] * 4 + ["prim::ListConstruct", "aten::ones",
                        "aten::Int", "prim::Loop", "aten::add", "aten::mul"],
    "TracedModule graph": ["prim::Constant"] * 5 + ["aten::to", "aten::sqrt", "prim::Constant",
                           "aten::div", "aten::floor"],
    "ScriptModule graph": ["prim::Constant"] * 2 + ["aten::neg", "aten::fmod", "aten::Int",
                           "aten::eq", "prim::If", "aten::div"],
    "n_traced graph": ["prim::GetAttr"] * 2 + ["prim::Constant", "prim::CallFunction"] * 2
    + ["prim::CallMethod"] * 2,
}  # fmt: skip


@pytest.mark.parametrize("label", LABELS)
def test_graph_has_the_tutorials_node_kinds(example_output: str, label: str) -> None:
    assert graph_kinds(example_output, label) == TUTORIAL_KINDS[label]


@pytest.mark.skipif(not TUTORIAL.exists(), reason="shared/ is not beside this checkout")
@pytest.mark.parametrize("label", LABELS)
def test_pinned_kinds_are_the_tutorials(label: str) -> None:
    assert graph_kinds(TUTORIAL.read_text(), label) == TUTORIAL_KINDS[label]


_TYPED = re.compile(r"%[\w.]+ : (.+?) = ([A-Za-z_]+::[A-Za-z_0-9]+)")


def graph_types(text: str, label: str) -> list[tuple[str, str]]:
    """(type, kind) of each node output printed in the graph after `label`."""
    start = text.index(f"{label} graph(")
    end = text.find("\n\n", start)
    return [m.groups() for line in text[start:end].splitlines() if (m := _TYPED.search(line))]


def test_traced_constant_of_a_python_float_prints_as_double(example_output: str) -> None:
    """`x / 5.` keeps torch.jit's wrapped number: typed `Double`, the division stays `Float`."""
    types = graph_types(example_output, "TracedModule graph")
    at = types.index(("Double(requires_grad=0, device=cpu)", "prim::Constant"))
    assert types[at + 1] == ("Float(requires_grad=0, device=cpu)", "aten::div")


@pytest.mark.skipif(not TUTORIAL.exists(), reason="shared/ is not beside this checkout")
@pytest.mark.parametrize("label", ["traced_fn graph", "TracedModule graph", "ScriptModule graph"])
def test_graph_has_the_tutorials_types(example_output: str, label: str) -> None:
    assert graph_types(example_output, label) == graph_types(TUTORIAL.read_text(), label)


def test_prints_190(example_output: str) -> None:
    assert "tensor([190.])" in example_output


def test_top_level_graph_keeps_calls(example_output: str) -> None:
    kinds = graph_kinds(example_output, "n_traced graph")
    assert kinds.count("prim::CallFunction") == 2
    assert kinds.count("prim::CallMethod") == 2


@pytest.fixture(scope="module")
def tutorial_globals() -> dict[str, object]:
    return runpy.run_path(str(EXAMPLE), run_name="seed_tutorial")


@pytest.mark.parametrize("executor", ["codegen", "interpreter"])
def test_traced_net_values(tutorial_globals: dict[str, object], executor: str) -> None:
    n_traced = tutorial_globals["n_traced"]
    run = function_from_graph(n_traced.graph, executor)  # type: ignore[attr-defined]
    got = [run(n_traced, torch.tensor([x])).item() for x in range(1, 8)]
    assert got == [0, 0, -5, 20, 190, -4377, -59051]


def test_eager_net_agrees(tutorial_globals: dict[str, object]) -> None:
    n, n_traced = tutorial_globals["n"], tutorial_globals["n_traced"]
    for x in range(1, 8):
        assert torch.equal(n(torch.tensor([x])), n_traced(torch.tensor([x])))  # type: ignore[operator]
