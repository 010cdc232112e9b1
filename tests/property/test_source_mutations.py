"""Mutated corpus programs: scripting either refuses with a FrontendError naming a source
line, or the compiled function agrees with eager under both executors; no internal error.

CI runs `budget(60)` mutants; the slow variant runs 2,000
(`pytest -m slow tests/property/test_source_mutations.py`).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, reject, settings
from tests.frontend.script_helpers import check_same_outcome, outcome
from tests.property.program_strategy import budget
from tests.property.source_mutations import Mutant, TooLong, bounded, load, mutants

import hybridjit

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # `x is 1` in some mutants

SOURCE_LINE = re.compile(r'File "[^"]+", line \d+')


def check_mutant(mutant: Mutant) -> None:
    fn, path = load(mutant)
    if fn is None:
        reject()  # Python itself refuses the mutated module
    try:
        scripted = hybridjit.script(fn)
    except hybridjit.FrontendError as e:
        assert SOURCE_LINE.search(str(e)), f"FrontendError without a source line: {e}\n{mutant}"
        return
    # Anything else escaping `script` is an internal error and fails the test here.
    eager = bounded(fn, path)
    runners = {"codegen": scripted, "interpreter": scripted.using("interpreter")}
    for args in mutant.case.inputs:
        expected = outcome(eager, args)
        if expected == ("raise", TooLong):
            reject()  # the mutant does not stop (or not soon); nothing to compare
        for who, run in runners.items():
            check_same_outcome(expected, outcome(run, args), f"{who} on {args!r}\n{mutant}",
                               mutant.case.atol)  # fmt: skip


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
