"""Issue 11's differential corpus: plain Python vs hybridjit on ordinary Python programs.

Each program runs eagerly and through the code generator, the interpreter and a save/load
round trip of the compiled function, on every input of its case. They must agree on the
value (with Python types and dtypes), on the exception type when one is raised, and on what
was printed. Programs still unsupported must be refused with a `FrontendError` that names
the line.
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any, Callable

import pytest
from tests.corpus import python as corpus
from tests.differential import round_trip
from tests.frontend.script_helpers import check_same_outcome, clone_args

import hybridjit

PROGRAMS = corpus.programs()
UNSUPPORTED = corpus.unsupported()


def printed_outcome(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[tuple[str, Any], str]:
    """(('ok', result) or ('raise', exception type), what `fn` printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            result: tuple[str, Any] = ("ok", fn(*clone_args(args)))
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            result = ("raise", type(e))
    return result, out.getvalue()


def test_corpus_is_large_enough() -> None:
    assert len(PROGRAMS) >= 150, len(PROGRAMS)
    assert not set(UNSUPPORTED) - {c.name for c in PROGRAMS}, "UNSUPPORTED names no program"


@pytest.mark.parametrize("case", [c for c in PROGRAMS if c.name not in UNSUPPORTED],
                         ids=lambda c: c.name)  # fmt: skip
def test_program_matches_python(case) -> None:
    compiled = hybridjit.script(case.fn)
    runners = {"codegen": compiled, "interpreter": compiled.using("interpreter"),
               "save/load": round_trip(compiled)}  # fmt: skip
    for args in case.inputs:
        expected, expected_text = printed_outcome(case.fn, args)
        for who, run in runners.items():
            got, text = printed_outcome(run, args)
            where = f"{case.name}{args!r} [{who}]"
            check_same_outcome(expected, got, where, case.atol)
            assert text == expected_text, f"{where}: printed {text!r}, expected {expected_text!r}"


@pytest.mark.parametrize("case", [c for c in PROGRAMS if c.name in UNSUPPORTED],
                         ids=lambda c: c.name)  # fmt: skip
def test_unsupported_program_is_a_clean_frontend_error(case) -> None:
    with pytest.raises(hybridjit.FrontendError) as info:
        hybridjit.script(case.fn)
    assert re.search(r"line \d+", str(info.value)), str(info.value)
