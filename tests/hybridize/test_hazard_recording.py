"""The tracer's hook for `hybridize`: `hazards.recording()` collects each TracerWarning with
the modules being traced and the user's frames, so a warning can be attributed."""

from __future__ import annotations

import warnings

import torch

import hybridjit
from hybridjit.frontend.tracer import hazards


def count(x):
    return int(x.sum())


class Inner(torch.nn.Module):
    def forward(self, x):
        return x * count(x)


class Outer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()

    def forward(self, x):
        if x.max() > 0:
            x = x + 1
        return self.inner(x)


def trace_recording(model, x):
    with hazards.recording() as found, warnings.catch_warnings(record=True) as issued:
        warnings.simplefilter("always")
        hybridjit.trace(model, x, check_trace=False)
    return found, issued


def test_each_warning_is_recorded_with_its_modules_and_frames() -> None:
    outer = Outer()
    found, issued = trace_recording(outer, torch.ones(3))
    assert [h.message for h in found] == [str(w.message) for w in issued]  # still issued
    branch, conversion = found
    assert branch.modules == (outer,)
    assert branch.message.startswith("Converting a tensor to a Python boolean")
    assert branch.line == "if x.max() > 0:"
    assert branch.stack[0].code is Outer.forward.__code__ and branch.stack[0].self is outer
    assert conversion.modules == (outer, outer.inner)
    assert conversion.line == "return int(x.sum())"
    assert conversion.filename == __file__
    codes = [e.code for e in conversion.stack[:2]]
    assert codes == [count.__code__, Inner.forward.__code__]
    assert conversion.stack[1].self is outer.inner
    assert conversion.stack[0].globals is globals()


def test_a_traced_function_has_no_modules() -> None:
    found, _ = trace_recording(count, torch.ones(2))
    assert len(found) == 1 and found[0].modules == () and found[0].stack[0].code is count.__code__


def test_nothing_is_recorded_outside_the_block_or_without_warnings() -> None:
    with hazards.recording() as found:
        hybridjit.trace(lambda x: x * 2, torch.ones(2))
    assert found == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hybridjit.trace(count, torch.ones(2), check_trace=False)
    assert found == []
    assert hazards._RECORDERS.lists == []
