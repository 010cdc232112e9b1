"""Generated programs: eager == scripted (codegen) == interpreter == torch.jit, and the IR
text of each graph parses back to itself and verifies."""

from __future__ import annotations

from typing import Any, Callable

import torch
from hypothesis import assume, given, settings

import hybridjit
from hybridjit.ir.verifier import verify
from tests.frontend.script_helpers import same
from tests.property.program_strategy import Program, inputs, load, programs


def assert_agrees(program: Program, expected_fn: Callable[..., Any], fn: Callable[..., Any],
                  who: str) -> None:  # fmt: skip
    """`fn` returns what `expected_fn` returns, on every standard input."""
    for x, n in inputs():
        expected, got = expected_fn(x.clone(), n), fn(x.clone(), n)
        assert same(expected, got), f"{who}, n={n}: expected {expected!r}, got {got!r}\n{program}"


def script(program: Program) -> Any:
    return hybridjit.script(load(program))


@settings(max_examples=60)
@given(programs())
def test_scripted_program_matches_eager_under_both_executors(program: Program) -> None:
    fn = load(program)
    scripted = hybridjit.script(fn)
    assert_agrees(program, fn, scripted, "codegen")
    interpreted = hybridjit.function_from_graph(scripted.graph, "interpreter")
    assert_agrees(program, fn, interpreted, "interpreter")


@settings(max_examples=40)
@given(programs())
def test_graph_text_round_trips_and_verifies(program: Program) -> None:
    graph = script(program).graph
    verify(graph)
    text = str(graph)
    parsed = hybridjit.parse_ir(text)
    assert str(parsed) == text
    verify(parsed)
    assert_agrees(program, load(program), hybridjit.function_from_graph(parsed), "parsed graph")


def torchscript_or_none(fn: Callable[..., Any]) -> Any:
    try:
        return torch.jit.script(fn)
    except Exception:  # noqa: BLE001 - TorchScript rejecting a program is not our failure
        return None


@settings(max_examples=40)
@given(programs())
def test_scripted_program_matches_torchscript(program: Program) -> None:
    fn = load(program)
    jitted = torchscript_or_none(fn)
    assume(jitted is not None)
    # TorchScript follows Python for int `//` and `%` and IEEE floats, so it must agree with
    # eager; where it agrees, hybridjit must agree with it.
    assert_agrees(program, fn, jitted, "torch.jit vs eager")
    assert_agrees(program, jitted, script(program), "hybridjit vs torch.jit")


@settings(max_examples=25)
@given(programs())
def test_torchscript_graph_text_parses_and_runs(program: Program) -> None:
    """torch.jit's own printed graph of the program is read by hybridjit and runs the same."""
    fn = load(program)
    jitted = torchscript_or_none(fn)
    assume(jitted is not None)
    parsed = hybridjit.parse_ir(str(jitted.inlined_graph))
    verify(parsed)
    for executor in ("codegen", "interpreter"):
        run = hybridjit.function_from_graph(parsed.copy(), executor)
        assert_agrees(program, fn, run, f"torch.jit graph under {executor}")
