"""Lists changed in place, exported: `xs[i] = v`, pop, insert, extend, del, sort, remove,
clear, reverse, on known-length lists and on run-time ones (ONNX 1-D tensors / sequences),
inside loops and ifs.  Python's results, Python's exceptions, and the caller's list
changed as Python changes it (the runner writes a mutated list input back).

A mutation that another name of the same list would have to see (a loop-carried list, an
`if` result, a list stored in a tuple before the change) cannot be lowered without
aliasing: ExportError, never a model that computes something else."""

from __future__ import annotations

import copy
import math
from typing import List, Tuple

import pytest
import torch

import hybridjit

pytest.importorskip("onnxruntime")


def set_pop_insert(xs: List[int], i: int, v: int) -> Tuple[List[int], int]:
    xs[i] = v
    xs.insert(i, v + 1)
    last = xs.pop()
    xs.insert(-100, 7)
    xs.insert(100, 8)
    return xs, last


def del_remove_clear(xs: List[int], v: int) -> Tuple[List[int], int]:
    if len(xs) > 1:
        del xs[1]
    xs.remove(v)
    n = len(xs)
    if n > 3:
        xs.clear()
    return xs, n


def sort_reverse(xs: List[float], desc: bool) -> List[float]:
    ys = sorted(xs)
    if desc:
        xs.sort(reverse=True)
    else:
        xs.reverse()
    return xs + ys


def loop_swaps(xs: List[int]) -> List[int]:
    for i in range(len(xs) - 1):
        if xs[i] > xs[i + 1]:
            xs[i], xs[i + 1] = xs[i + 1], xs[i]
    ys = [0, 1, 2]
    for k in range(len(xs)):
        ys[k % 3] += xs[k]
    return xs + ys


def pop_in_while(xs: List[int]) -> int:
    total = 0
    while len(xs) > 0:
        total = total * 3 + xs.pop(0)
    return total


def tensor_list(xs: List[torch.Tensor], i: int) -> List[torch.Tensor]:
    xs[i] = xs[i] * 2
    xs.insert(0, xs[-1] + 1)
    y = xs.pop(1)
    xs.append(y)
    return xs


def alias_then_mutate(xs: List[int]) -> List[int]:
    ys = xs
    ys.append(4)
    return xs


def aliased_count(xs: List[int], v: int) -> Tuple[int, int, int]:
    return xs.count(v), xs.index(v) if v in xs else -1, math.gcd(len(xs), v)


CASES = [
    (set_pop_insert, [([1, 2, 3], 0, 9), ([1, 2, 3], -1, 5), ([1], 4, 0), ([], 0, 1)]),
    (del_remove_clear, [([1, 2, 3, 2], 2), ([5], 5), ([5], 1), ([1, 2, 3, 4, 5, 6], 6)]),
    (sort_reverse, [([3.0, 1.0, 2.0], True), ([3.0, -0.0, 0.0, 1.0], False), ([], True),
                    ([2.0, float("nan"), 1.0], True), ([2.0, 2.0, -1.5], False)]),
    (loop_swaps, [([3, 1, 2],), ([],), ([5, 4, 3, 2, 1],)]),
    (pop_in_while, [([1, 2, 3],), ([],)]),
    (tensor_list, [([torch.ones(2), torch.zeros(2), torch.arange(2.0)], 1),
                   ([torch.ones(3)], -1), ([torch.ones(3)], 3)]),
    (alias_then_mutate, [([1, 2],), ([],)]),
    (aliased_count, [([1, 2, 1], 1), ([], 3), ([4, 5], 5)]),
]  # fmt: skip


def _outcome(fn, args):
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return "raise", type(e)


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b and (not isinstance(a, float)
                                               or math.copysign(1, a) == math.copysign(1, b))  # fmt: skip


@pytest.mark.parametrize("fn,cases", CASES, ids=[c[0].__name__ for c in CASES])
def test_list_mutation_matches_python(fn, cases) -> None:
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    for args in cases:
        mine, theirs = copy.deepcopy(args), copy.deepcopy(args)
        want, got = _outcome(fn, mine), _outcome(run, theirs)
        if want[0] == "raise":
            assert got[0] == "raise" and issubclass(got[1], want[1]), (args, want, got)
            continue
        assert got[0] == "ok" and _same(got[1], want[1]), (args, want, got)
        assert _same(list(theirs), list(mine)), ("the caller's lists", args, mine, theirs)


def test_list_passed_twice_runs_in_python() -> None:
    def two(a: List[int], b: List[int]) -> int:
        a.append(1)
        return len(b)

    run = hybridjit.compile(hybridjit.script(two), backend="onnxruntime", threads=1)
    xs = [5]
    assert run(xs, xs) == 2 and xs == [5, 1]
    ys, zs = [5], [6]
    assert run(ys, zs) == 1 and ys == [5, 1] and zs == [6]


def loop_carried_alias(n: int) -> List[int]:
    a = [1]
    cur = a
    for i in range(n):
        cur.append(i)
        cur = [0]
    return a


def if_result_alias(c: bool, xs: List[int], zs: List[int]) -> List[int]:
    ys = xs if c else zs
    ys.append(1)
    return xs


def mutated_after_if(c: bool, xs: List[int], zs: List[int]) -> List[int]:
    ys = xs if c else zs
    xs.append(1)
    return ys


def stored_then_mutated(xs: List[int]) -> Tuple[List[int], int]:
    t = (xs, 1)
    xs.append(2)
    return t


@pytest.mark.parametrize("fn,args", [
    (loop_carried_alias, (2,)), (if_result_alias, (True, [1], [2])),
    (mutated_after_if, (True, [1], [2])), (stored_then_mutated, ([1],)),
])  # fmt: skip
def test_aliased_list_mutation_is_an_export_error(fn, args) -> None:
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    with pytest.raises(hybridjit.ExportError, match="mutating a"):
        run(*copy.deepcopy(args))


def test_inputs_that_require_grad_run_in_python() -> None:
    def f(x: torch.Tensor) -> torch.Tensor:
        return (x * 3).sum()

    run = hybridjit.compile(hybridjit.script(f), backend="onnxruntime", threads=1)
    x = torch.ones(3, requires_grad=True)
    y = run(x)
    y.backward()
    assert torch.equal(x.grad, torch.full((3,), 3.0))
    assert not run(torch.ones(3)).requires_grad
