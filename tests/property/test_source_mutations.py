"""Mutated corpus programs: scripting either refuses with a FrontendError naming a source
line, or the compiled function agrees with eager under both executors; no internal error.

CI runs `budget(60)` mutants; the slow variant runs 2,000
(`pytest -m slow tests/property/test_source_mutations.py`).

Eager Python is the oracle, with two exceptions where it cannot judge a language that
TorchScript defines differently (hybridjit follows TorchScript there):
- eager's result breaks the function's own return annotation (`-> bool` returning `a and -b`,
  which is -1; `-> float` returning 7): Python does not check annotations, while compiled
  code converts or refuses. Such a mutant is ill-typed: nothing to compare (rejected).
- eager disagrees but torch.jit scripts the mutant and agrees with hybridjit: TorchScript's
  own rules (a bool where an int is expected, `torch.full(size, False)` filling an int
  tensor, ordering of dtypes, which are ints) — accepted as torch.jit does them. Where both
  raise, any type matches: torch.jit reports every run-time error as torch.jit.Error.
Everything else (a result neither eager nor torch.jit gives, an error of another type) fails.
"""

from __future__ import annotations

import re
import typing
import warnings
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, reject, settings
from tests.frontend.script_helpers import check_same_outcome, outcome
from tests.property.program_strategy import budget
from tests.property.source_mutations import Mutant, TooLong, bounded, load, mutants

import hybridjit

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # `x is 1` in some mutants

SOURCE_LINE = re.compile(r'File "[^"]+", line \d+')
INTERNAL = "the compiler failed"  # the wrapper of a compiler bug (FunctionCompiler.compile)


def check_mutant(mutant: Mutant) -> None:
    fn, path = load(mutant)
    if fn is None:
        reject()  # Python itself refuses the mutated module
    try:
        scripted = hybridjit.script(fn)
    except hybridjit.FrontendError as e:
        assert SOURCE_LINE.search(str(e)), f"FrontendError without a source line: {e}\n{mutant}"
        assert INTERNAL not in str(e), f"internal error reported as a FrontendError: {e}\n{mutant}"
        return
    # Anything else escaping `script` is an internal error and fails the test here.
    eager = bounded(fn, path)
    runners = {"codegen": scripted, "interpreter": scripted.using("interpreter")}
    declared = _return_annotation(fn)
    for args in mutant.case.inputs:
        expected = outcome(eager, args)
        if expected == ("raise", TooLong):
            reject()  # the mutant does not stop (or not soon); nothing to compare
        if expected[0] == "ok" and not conforms(expected[1], declared):
            reject()  # eager breaks its own annotation (see the module docstring)
        for who, run in runners.items():
            got = outcome(run, args)
            why = f"{who} on {args!r}\n{mutant}"
            try:
                check_same_outcome(expected, got, why, mutant.case.atol)
            except AssertionError:
                by_jit = _torchscript_outcome(fn, args)
                if by_jit is None:
                    raise
                if by_jit[0] == "raise" and got[0] == "raise":
                    continue  # torch.jit reports every run-time error as torch.jit.Error
                check_same_outcome(by_jit, got, f"(eager and torch.jit disagree) {why}",
                                   mutant.case.atol)  # fmt: skip


def _return_annotation(fn: Any) -> Any:
    try:
        return typing.get_type_hints(fn).get("return", Any)
    except Exception:  # noqa: BLE001 - an annotation eager cannot resolve: do not judge by it
        return Any


def conforms(value: Any, t: Any) -> bool:
    """Whether `value` has the annotated type `t` (bool, int and float kept apart, as
    TorchScript keeps them); annotations this does not know are taken as met."""
    if t is Any:
        return True
    if t is None or t is type(None):
        return value is None
    if t in (bool, int, float, str, complex):
        return type(value) is t
    if t is torch.Tensor:
        return isinstance(value, torch.Tensor)
    origin, params = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Union:
        return any(conforms(value, p) for p in params)
    if origin is list:
        return isinstance(value, list) and all(conforms(v, params[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            conforms(k, params[0]) and conforms(v, params[1]) for k, v in value.items()
        )
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(params) == 2 and params[1] is Ellipsis:
            return all(conforms(v, params[0]) for v in value)
        return len(params) == len(value) and all(map(conforms, value, params))
    return True


def _torchscript_outcome(fn: Any, args: tuple[Any, ...]) -> tuple[str, Any] | None:
    """torch.jit's outcome on `args`, or None when torch.jit does not script `fn`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            jitted = torch.jit.script(fn)
    except Exception:  # noqa: BLE001 - torch.jit refuses it: no second oracle
        return None
    return outcome(jitted, args)


SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck))


@settings(max_examples=budget(60), **SETTINGS)
@given(mutants())
def test_mutated_programs_compile_correctly_or_name_a_line(mutant: Mutant) -> None:
    check_mutant(mutant)


@pytest.mark.slow
@settings(max_examples=2_000, **SETTINGS)
@given(mutants())
def test_mutated_programs_long_run(mutant: Mutant) -> None:
    check_mutant(mutant)
