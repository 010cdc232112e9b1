"""List `+` / `*` and range() with a run-time step, exported: Python's results (and
Python's ValueError for a zero step)."""

from __future__ import annotations

from typing import List

import pytest

import hybridjit

pytest.importorskip("onnxruntime")


def concat_repeat(a: List[int], b: List[int], n: int) -> List[int]:
    return a + b + a * n


def range_step(a: int, b: int, step: int) -> List[int]:
    out: List[int] = []
    for i in range(a, b, step):
        out.append(i * 10)
    return out


def _outcome(fn, args):
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return "raise", type(e)


@pytest.mark.parametrize("fn,cases", [
    (concat_repeat, [([1, 2], [3], 2), ([], [], 3), ([4], [], 0), ([1], [2, 3], -1)]),
    (range_step, [(a, b, s) for a in (-3, 0, 5) for b in (-4, 3, 7) for s in (-3, -1, 0, 2)]),
])  # fmt: skip
def test_lists_match_python(fn, cases) -> None:
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    for args in cases:
        want, got = _outcome(fn, args), _outcome(run, args)
        if want[0] == "raise":
            assert got[0] == "raise" and issubclass(got[1], want[1]), (args, want, got)
        else:
            assert got == want, (args, want, got)
