"""torch.jit API names that hybridjit provides beside script/trace, against torch.jit."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

import pytest
import torch
from tests.differential import round_trip

import hybridjit

ISINSTANCE_CASES = [
    ([1, 2], List[int]),
    ([1.0], List[int]),
    ([], List[str]),
    ({"a": torch.ones(1)}, Dict[str, torch.Tensor]),
    ({"a": 1}, Dict[str, torch.Tensor]),
    (None, Optional[int]),
    (2.5, Optional[int]),
    (3, Union[int, str]),
    ((1, "a"), Tuple[int, str]),
    ((1, 2), Tuple[int, str]),
    (1, float),
    (True, int),
    (torch.ones(1), torch.Tensor),
    ([[1], [2, 3]], List[List[int]]),
]


@pytest.mark.parametrize(("value", "annotation"), ISINSTANCE_CASES)
def test_isinstance_agrees_with_torch_jit(value, annotation) -> None:
    assert hybridjit.isinstance(value, annotation) == torch.jit.isinstance(value, annotation)


def test_isinstance_takes_a_tuple_of_types() -> None:
    assert hybridjit.isinstance(1, (str, List[int], int))
    assert not hybridjit.isinstance(1.5, (str, List[int], int))


@hybridjit.script_if_tracing
def repeat_double(x: torch.Tensor) -> torch.Tensor:
    for _ in range(int(x.sum())):
        x = x * 2
    return x


def add_one_after(x: torch.Tensor) -> torch.Tensor:
    return repeat_double(x) + 1


def test_script_if_tracing_keeps_control_flow_in_a_trace() -> None:
    traced = hybridjit.trace(add_one_after, (torch.ones(2),))
    assert "prim::CallFunction" in str(traced.graph)
    for x in (torch.zeros(2), torch.ones(3), torch.full((2,), 2.0)):
        assert torch.equal(traced(x), add_one_after(x))


def test_script_if_tracing_runs_python_outside_a_trace() -> None:
    assert torch.equal(repeat_double(torch.ones(2)), torch.full((2,), 4.0))
    assert repeat_double.__wrapped__ is not None


def test_code_with_constants_names_the_tensors_code_refers_to() -> None:
    linear = torch.nn.Linear(3, 2).eval()
    frozen = hybridjit.freeze(hybridjit.script(linear))
    code, constants = frozen.code_with_constants
    oracle_code, oracle = torch.jit.freeze(torch.jit.script(linear)).code_with_constants
    assert "CONSTANTS.c0" in code and "CONSTANTS.c1" in code
    assert len(constants) == 2
    found = {tuple(constants.c0.shape), tuple(constants.c1.shape)}
    assert found == {tuple(oracle.c0.shape), tuple(oracle.c1.shape)} == {(2, 3), (2,)}
    with pytest.raises(AttributeError, match="c2"):
        constants.c2  # noqa: B018


def test_graph_for_is_the_graph_the_executor_runs() -> None:
    @hybridjit.script
    def loop(x: torch.Tensor, n: int) -> torch.Tensor:
        for _ in range(n):
            x = x + x.sum()
        return x

    graph = loop.graph_for(torch.ones(2), 3)
    assert "prim::Loop" in str(graph)
    assert hybridjit.script(torch.nn.ReLU()).graph_for(torch.ones(1)) is not None


def test_optimized_execution_changes_nothing() -> None:
    fn = hybridjit.script(repeat_double.__wrapped__)
    with hybridjit.optimized_execution(False):
        slow = fn(torch.ones(2))
    assert torch.equal(slow, fn(torch.ones(2)))


class Small(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.lin = torch.nn.Linear(2, 2)

    def forward(self, x: torch.Tensor, scale: int = 2) -> torch.Tensor:
        return self.lin(self.conv(x).mean([2, 3])) * scale


def compiled_smalls() -> dict[str, torch.nn.Module]:
    model = Small()
    x = torch.randn(1, 1, 5, 5)
    scripted = hybridjit.script(model)
    return {"scripted": scripted, "traced": hybridjit.trace(model, (x,)),
            "loaded": round_trip(scripted)}  # fmt: skip


@pytest.mark.parametrize("kind", ["scripted", "traced", "loaded"])
def test_every_module_kind_has_method_views(kind: str) -> None:
    module = compiled_smalls()[kind]
    for method in (module.forward, module.lin.forward):
        assert str(method.graph).startswith("graph(%self")
        assert method.code.startswith("def forward(self")
        assert method.schema.startswith("forward(__torch__.")
    assert module.original_name == "Small" and module.conv.original_name == "Conv2d"
    assert "forward" in dir(module) and "lin" in dir(module)


def test_schema_text_matches_torch_jit() -> None:
    model = Small()
    ours = hybridjit.script(model).forward.schema
    theirs = torch.jit.script(model).forward.schema
    assert str(ours) == str(theirs)
    assert str(ours).endswith("Small self, Tensor x, int scale=2) -> Tensor")


@pytest.mark.parametrize("kind", ["scripted", "traced"])
def test_repr_is_the_original_modules(kind: str) -> None:
    assert repr(compiled_smalls()[kind]) == repr(Small())


def test_a_loaded_module_prints_its_tree() -> None:
    text = repr(compiled_smalls()["loaded"])
    assert text.startswith("Small(") and "(conv): Conv2d()" in text
