"""Differential trace corpus: hybridjit.trace vs eager vs torch.jit.trace, both executors.

For every `TraceCase`: the trace runs on the example and the other inputs with the default
executor (codegen) and the interpreter, and agrees with eager (or, where the trace bakes in
example-specific behaviour, with torch.jit's trace of the same program); a `TracerWarning` is
issued exactly when torch.jit issues its own.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
from tests.corpus.trace_programs import TRACE_CASES, TraceCase

import hybridjit
from hybridjit.runtime.function import function_from_graph


def _clone(v: Any) -> Any:
    if isinstance(v, torch.Tensor):
        return v.clone()
    if isinstance(v, (tuple, list)):
        return type(v)(_clone(e) for e in v)
    if isinstance(v, dict):
        return {k: _clone(e) for k, e in v.items()}
    return v


def _flatten(v: Any) -> list[Any]:
    if isinstance(v, (tuple, list)):
        return [x for e in v for x in _flatten(e)]
    return [v]


def _assert_same(got: Any, want: Any, atol: float, what: str) -> None:
    got_flat, want_flat = _flatten(got), _flatten(want)
    assert len(got_flat) == len(want_flat), what
    for g, w in zip(got_flat, want_flat):
        assert g.dtype == w.dtype, f"{what}: dtype {g.dtype} vs {w.dtype}"
        torch.testing.assert_close(g, w, atol=atol, rtol=1e-5, msg=lambda m: f"{what}: {m}")


def _traces(case: TraceCase) -> tuple[Any, bool]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = hybridjit.trace(case.make(), _clone(case.example), check_trace=case.check_trace)
    return traced, any(issubclass(w.category, hybridjit.TracerWarning) for w in caught)


def _jit_trace(case: TraceCase) -> tuple[Any, bool]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = torch.jit.trace(case.make(), _clone(case.example), check_trace=case.check_trace)
    return traced, any(issubclass(w.category, torch.jit.TracerWarning) for w in caught)


@pytest.mark.parametrize("case", TRACE_CASES, ids=[c.name for c in TRACE_CASES])
def test_trace_case(case: TraceCase) -> None:
    traced, warned = _traces(case)
    jit_traced, jit_warned = _jit_trace(case)
    assert warned == jit_warned, f"TracerWarning: hybridjit {warned}, torch.jit {jit_warned}"
    eager = case.make()
    is_module = isinstance(eager, torch.nn.Module)
    interpreter = function_from_graph(traced.graph, "interpreter")
    head = (traced,) if is_module else ()
    for i, inputs in enumerate([case.example, *case.others]):
        reference = eager if (case.generalizes or i == 0) else jit_traced
        want = reference(*_clone(inputs))
        _assert_same(traced(*_clone(inputs)), want, case.atol, f"codegen on inputs #{i}")
        got = interpreter(*head, *_clone(inputs))
        _assert_same(got, want, case.atol, f"interpreter on inputs #{i}")


def test_corpus_is_large_enough() -> None:
    modules = sum(isinstance(c.make(), torch.nn.Module) for c in TRACE_CASES)
    assert len(TRACE_CASES) >= 60 and modules >= 10
