"""Generated programs: eager == scripted (codegen) == interpreter == torch.jit, and the IR
text of each graph parses back to itself and verifies."""

from __future__ import annotations

import textwrap
from typing import Any, Callable

import pytest
import torch
from hypothesis import assume, example, given, reject, settings
from tests.property.program_strategy import (
    Program,
    budget,
    inputs,
    load,
    programs,
    same,
    script_fresh,
)

import hybridjit
from hybridjit.ir.verifier import verify


def assert_agrees(program: Program, expected_fn: Callable[..., Any], fn: Callable[..., Any],
                  who: str) -> None:  # fmt: skip
    """`fn` returns what `expected_fn` returns, on every standard input."""
    for x, n in inputs():
        expected, got = expected_fn(x.clone(), n), fn(x.clone(), n)
        assert same(expected, got), f"{who}, n={n}: expected {expected!r}, got {got!r}\n{program}"


def torchscript_or_none(fn: Callable[..., Any]) -> Any:
    try:
        return torch.jit.script(fn)
    except Exception:  # noqa: BLE001 - TorchScript rejecting a program is not our failure
        return None


@settings(max_examples=budget(60))
@given(programs())
def test_scripted_program_matches_eager_under_both_executors(program: Program) -> None:
    fn = load(program)
    scripted = script_fresh(fn)
    assert_agrees(program, fn, scripted, "codegen")
    interpreted = hybridjit.function_from_graph(scripted.graph, "interpreter")
    assert_agrees(program, fn, interpreted, "interpreter")


@settings(max_examples=budget(40))
@given(programs())
def test_graph_text_round_trips_and_verifies(program: Program) -> None:
    scripted = script_fresh(load(program))
    for graph in (scripted.graph, scripted.inlined_graph):
        verify(graph)
        text = str(graph)
        parsed = hybridjit.parse_ir(text)
        assert str(parsed) == text
        verify(parsed)
    # Printed text names callees only by name, so only the call-free graph can run again.
    for executor in ("codegen", "interpreter"):
        run = hybridjit.function_from_graph(parsed, executor)
        assert_agrees(program, load(program), run, f"parsed inlined graph under {executor}")


def torchscript_matches_eager(expected: Any, got: Any) -> bool:
    """Equal results, allowing TorchScript's one known deviation: its peephole pass rewrites
    `n / 1` on ints to `n`, so an int arrives where Python computes a float."""
    if isinstance(expected, tuple) and isinstance(got, tuple) and len(expected) == len(got):
        return all(torchscript_matches_eager(e, g) for e, g in zip(expected, got))
    if type(expected) is float and type(got) is int and float(got) == expected:
        return True
    return same(expected, got)


def source(body: str) -> Program:
    """A hand-written program in the generator's shape (for regression examples)."""
    header = "import torch\nfrom torch import Tensor\n\n\n"
    return Program(header + textwrap.dedent(body).lstrip(), False, False)


# TorchScript's own result is `(3, 3)`: an int where Python has `3.0`.
INT_DIV_ONE = source("""
    def generated(x: Tensor, n: int) -> tuple[int, float]:
        return (n, n / (1 if 1 != 0 else 1))
""")


@settings(max_examples=budget(40))
@given(programs())
@example(INT_DIV_ONE)
def test_scripted_program_matches_torchscript(program: Program) -> None:
    """torch.jit agrees with eager (up to its known deviation) and hybridjit agrees with
    eager, so hybridjit agrees with torch.jit wherever torch.jit is right."""
    fn = load(program)
    jitted = torchscript_or_none(fn)
    assume(jitted is not None)
    scripted = script_fresh(fn)
    for x, n in inputs():
        expected, ours = fn(x.clone(), n), scripted(x.clone(), n)
        by_jit = torchscript_run(jitted, x.clone(), n)
        assert by_jit is TORCHSCRIPT_CRASHED or torchscript_matches_eager(expected, by_jit), (
            f"torch.jit, n={n}: {by_jit!r}\n{program}"
        )
        assert same(expected, ours), (
            f"hybridjit, n={n}: expected {expected!r}, got {ours!r}\n{program}"
        )


@settings(max_examples=budget(25))
@given(programs())
@example(INT_DIV_ONE)
def test_torchscript_graph_text_parses_and_runs(program: Program) -> None:
    """torch.jit's own printed (inlined) graph of the program is read and run by hybridjit."""
    fn = load(program)
    jitted = torchscript_or_none(fn)
    assume(jitted is not None)
    parsed = hybridjit.parse_ir(str(jitted.inlined_graph))
    try:
        verify(parsed)
    except hybridjit.VerificationError as e:
        # The `n / 1` peephole leaves an int where torch.jit's own graph declares a float; the
        # verifier is right to refuse that graph.
        assert "has type int, expected a subtype of float" in str(e), str(e)
        reject()
    for executor in ("codegen", "interpreter"):
        run = hybridjit.function_from_graph(parsed.copy(), executor)
        assert_agrees(program, fn, run, f"torch.jit graph under {executor}")


EQUAL_CODE_MODULE = """
    def helper(x: Tensor) -> Tensor:
        return x * {factor}


    def generated(x: Tensor) -> Tensor:
        return helper(x)
"""


def test_equal_code_in_two_modules_compiles_separately() -> None:
    """Found by the generator: `generated` is byte-identical in both modules, but calls a
    different `helper`; each must compile to its own function."""
    first, second = (load(source(EQUAL_CODE_MODULE.format(factor=k))) for k in (2, 3))
    x = torch.ones(2)
    assert script_fresh(first)(x).tolist() == [2.0, 2.0]
    assert hybridjit.script(second)(x).tolist() == [3.0, 3.0]


@pytest.mark.slow
@settings(max_examples=5_000, deadline=None, derandomize=False)
@given(programs())
def test_generated_programs_long_run(program: Program) -> None:
    """The slow run (`pytest -m slow tests/property/test_generated_programs.py`): eager ==
    codegen == interpreter, and == torch.jit wherever torch.jit accepts the program."""
    fn = load(program)
    scripted = script_fresh(fn)
    assert_agrees(program, fn, scripted, "codegen")
    assert_agrees(program, fn, scripted.using("interpreter"), "interpreter")
    jitted = torchscript_or_none(fn)
    if jitted is not None:
        for x, n in inputs():
            expected = fn(x.clone(), n)
            by_jit = torchscript_run(jitted, x.clone(), n)
            if by_jit is TORCHSCRIPT_CRASHED:
                continue
            assert torchscript_matches_eager(expected, by_jit), f"torch.jit, n={n}\n{program}"


TORCHSCRIPT_CRASHED = object()


def torchscript_run(jitted: Any, x: torch.Tensor, n: int) -> Any:
    """torch.jit's result, or TORCHSCRIPT_CRASHED when torch.jit fails its own internal
    assert (seen: `f0 = float(x.sum()) + f0` in a while loop, "ivalue.h: expected double"):
    the oracle's bug, not a disagreement to report."""
    try:
        return jitted(x, n)
    except RuntimeError as e:
        if "INTERNAL ASSERT FAILED" in str(e):
            return TORCHSCRIPT_CRASHED
        raise
