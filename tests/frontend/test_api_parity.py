"""torch.jit API names that hybridjit provides beside script/trace, against torch.jit."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

import pytest
import torch

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
