"""The differential corpus: eager vs hybridjit (codegen and interpreter) vs torch.jit."""

from __future__ import annotations

import re

import pytest
from tests.corpus import script_programs
from tests.corpus.script_rejections import REJECTIONS
from tests.differential import check_script

import hybridjit

CASES = script_programs.CASES
RUNTIME_GAPS: dict[str, str] = {}  # case name -> why it is expected to fail


def _params(cases):
    return [pytest.param(c, id=c.name, marks=[pytest.mark.xfail(reason=RUNTIME_GAPS[c.name],
                                                                strict=False)]
                         if c.name in RUNTIME_GAPS else []) for c in cases]  # fmt: skip


@pytest.mark.parametrize("case", _params(CASES))
def test_corpus_case_matches_eager(case) -> None:
    """Eager vs codegen, interpreter, torch.jit (where it accepts the program) and a
    save/load round trip, on every input of the case."""
    try:
        hybridjit.script(case.fn)
    except hybridjit.FrontendError as e:
        if case.torchscript_ok:
            raise
        # Beyond TorchScript: a clean compile error is acceptable (not a crash).
        pytest.xfail(f"not supported by hybridjit either: {str(e).splitlines()[0]}")
    check_script(case.fn, case.inputs, atol=case.atol, torchscript=case.torchscript_ok,
                 name=case.name)  # fmt: skip


# Programs torch.jit rejects but hybridjit accepts on purpose (a superset of TorchScript).
ACCEPTED_EXTENSIONS = {"rej_floordiv_augassign", "rej_comprehension_if", "rej_reversed_builtin",
                       "rej_str_times_int", "rej_int_invert", "rej_fstring_format_spec",
                       "rej_for_else", "rej_while_else", "rej_walrus",
                       "rej_round_ndigits", "rej_max_default_keyword", "rej_set_literal",
                       "rej_starred_assignment", "rej_varargs", "rej_kwargs",
                       "rej_sorted_reverse_keyword"}  # fmt: skip


def test_accepted_extensions_match_eager() -> None:
    from tests.corpus import script_rejections as r

    fd = hybridjit.script(r.rej_floordiv_augassign)
    assert fd(7) == 3 and fd(-7) == -4
    comp = hybridjit.script(r.rej_comprehension_if)
    assert comp([3, -1, 0, 5]) == [3, 5]
    assert hybridjit.script(r.rej_reversed_builtin)([1, 2, 3]) == [3, 2, 1]
    assert hybridjit.script(r.rej_str_times_int)("ab") == "ababab"
    assert hybridjit.script(r.rej_int_invert)(5) == -6
    assert hybridjit.script(r.rej_fstring_format_spec)(2.0 / 3) == "0.667"
    for_else = hybridjit.script(r.rej_for_else)
    assert (for_else([-1, 2]), for_else([-1]), for_else([])) == (1, -1, -1)
    while_else = hybridjit.script(r.rej_while_else)
    assert (while_else(3), while_else(-2)) == (5, 5)
    walrus = hybridjit.script(r.rej_walrus)
    assert (walrus(1), walrus(2)) == (0, 3)


@pytest.mark.parametrize("rej", REJECTIONS, ids=[r.name for r in REJECTIONS])
def test_rejection_names_the_culprit_line(rej) -> None:
    if rej.name in ACCEPTED_EXTENSIONS:
        pytest.skip("hybridjit accepts this on purpose")
    with pytest.raises(hybridjit.FrontendError) as info:
        hybridjit.script(rej.fn)
    message = str(info.value)
    assert re.search(re.escape(rej.culprit), message), message
