"""`fork` / `wait` in scripted code: against eager and torch.jit, both executors, save/load."""

from __future__ import annotations

from typing import List

import pytest
import torch
from tests.differential import check_module, check_script, round_trip

import hybridjit


def scaled(x: torch.Tensor, k: int) -> torch.Tensor:
    return x * k


def checked(x: torch.Tensor) -> torch.Tensor:
    if bool(x.sum() < 0):
        raise ValueError("negative sum")
    return x.exp()


def fork_one(x: torch.Tensor) -> torch.Tensor:
    fut = torch.jit.fork(scaled, x, 3)
    return torch.jit.wait(fut) + 1


def fork_many(x: torch.Tensor, n: int) -> torch.Tensor:
    futures: List[torch.jit.Future[torch.Tensor]] = []
    for k in range(n):
        futures.append(torch.jit.fork(scaled, x, k))
    total = torch.zeros_like(x)
    for fut in futures:
        total = total + torch.jit.wait(fut)
    return total


def fork_then_raise(x: torch.Tensor) -> torch.Tensor:
    fut = torch.jit.fork(checked, x)
    y = x * 2  # runs before the forked exception is seen
    return torch.jit.wait(fut) + y


def forked_never_waited(x: torch.Tensor) -> torch.Tensor:
    torch.jit.fork(checked, x)
    return x + 1


def nested_forks(x: torch.Tensor) -> torch.Tensor:
    inner = torch.jit.fork(fork_many, x, 4)
    outer = torch.jit.fork(fork_one, x)
    return torch.jit.wait(inner) * torch.jit.wait(outer)


INPUTS = [(torch.tensor([1.0, -0.5]),), (torch.tensor([-3.0, 1.0]),), (torch.zeros(0),)]


@pytest.mark.parametrize("fn", [fork_one, fork_then_raise, nested_forks])
def test_fork_and_wait_match_eager_and_torch_jit(fn) -> None:
    check_script(fn, INPUTS)


def test_an_exception_waits_in_its_future_as_in_torch_jit() -> None:
    # Eager Python runs a fork on the spot and raises there; compiled code (torch.jit's and
    # ours) keeps the exception in the future, so a future never waited on never raises.
    x = torch.tensor([-3.0, 1.0])
    compiled = hybridjit.script(forked_never_waited)
    expected = torch.jit.script(forked_never_waited)(x)
    for run in (compiled, compiled.using("interpreter"), round_trip(compiled)):
        assert torch.equal(run(x), expected)


def test_many_forks_in_a_loop() -> None:
    check_script(fork_many, [(torch.ones(3), 0), (torch.ones(3), 1), (torch.arange(4.0), 16)])


def test_fork_graph_and_code() -> None:
    fn = hybridjit.script(fork_one)
    text = str(fn.graph)
    assert "Future[Tensor] = prim::fork(" in text and "aten::wait(" in text
    assert "fork_async(scaled, x, 3)" in fn.code


class Branches(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.left = torch.nn.Linear(3, 2)
        self.right = torch.nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = torch.jit.fork(self.left, x)
        b = torch.jit.fork(self.right, x)
        return torch.jit.wait(a) - torch.jit.wait(b)


def test_fork_of_a_submodule() -> None:
    torch.manual_seed(0)
    check_module(Branches().eval(), [(torch.randn(4, 3),), (torch.randn(1, 3),)])


def test_hybridjit_fork_in_python_and_in_script() -> None:
    fut = hybridjit.fork(scaled, torch.ones(2), 5)
    assert torch.equal(hybridjit.wait(fut), torch.full((2,), 5.0))
    bad = hybridjit.fork(checked, -torch.ones(1))
    with pytest.raises(ValueError, match="negative sum"):
        hybridjit.wait(bad)

    def uses_hybridjit_names(x: torch.Tensor) -> torch.Tensor:
        return hybridjit.wait(hybridjit.fork(scaled, x, 2))

    compiled = hybridjit.script(uses_hybridjit_names)
    assert torch.equal(compiled(torch.ones(2)), torch.full((2,), 2.0))
    assert torch.equal(round_trip(compiled)(torch.ones(2)), torch.full((2,), 2.0))


def not_a_function_fork(x: torch.Tensor) -> torch.Tensor:
    return torch.jit.wait(torch.jit.fork(torch.relu, x))


def test_forking_a_builtin_is_a_clear_error() -> None:
    with pytest.raises(hybridjit.FrontendError, match="wrap the work in a def"):
        hybridjit.script(not_a_function_fork)


def test_fork_does_not_export_to_onnx(tmp_path) -> None:
    with pytest.raises(hybridjit.ExportError):
        hybridjit.onnx.export(hybridjit.script(fork_one), tmp_path / "f.onnx", (torch.ones(2),))
