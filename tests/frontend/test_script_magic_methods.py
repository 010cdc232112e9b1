"""Script classes answer Python's operators with their magic methods, as TorchScript does;
`isinstance` / `torch.jit.isinstance` take subscripted generics and refine the subject.

Each program is compared with eager, both executors, a save/load round trip and torch.jit.
"""

from __future__ import annotations

from typing import Dict, List, Tuple, Union

import pytest
import torch
from tests.differential import check_script

import hybridjit


@hybridjit.script
class Span:
    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        self.hi = hi

    def __len__(self) -> int:
        return self.hi - self.lo

    def __contains__(self, x: int) -> bool:
        return self.lo <= x < self.hi

    def __getitem__(self, i: int) -> int:
        return self.lo + i

    def __setitem__(self, i: int, v: int) -> None:
        self.hi = self.lo + i + v

    def __add__(self, other: Span) -> Span:
        return Span(min(self.lo, other.lo), max(self.hi, other.hi))

    def __mul__(self, k: int) -> Span:
        return Span(self.lo * k, self.hi * k)

    def __neg__(self) -> Span:
        return Span(-self.hi, -self.lo)

    def __eq__(self, other: Span) -> bool:
        return self.lo == other.lo and self.hi == other.hi

    def __lt__(self, other: Span) -> bool:
        return len(self) < len(other)

    def __bool__(self) -> bool:
        return self.hi > self.lo

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x[self.lo : self.hi]


def span_len_contains_getitem(lo: int, hi: int) -> Tuple[int, bool, bool, int]:
    s = Span(lo, hi)
    return len(s), 3 in s, hi in s, s[2]


def span_arithmetic(lo: int, hi: int) -> Tuple[int, int, int, int]:
    s = Span(lo, hi) + Span(hi - 1, hi + 4)
    t = -(s * 2)
    return s.lo, s.hi, t.lo, t.hi


def span_compare_and_truth(lo: int, hi: int) -> Tuple[bool, bool, bool, int]:
    a, b = Span(lo, hi), Span(0, 3)
    n = 0
    if a:
        n = 1
    while Span(n, 4):
        n += 1
    return a == b, not a == b, a < b, n


def span_not_equal(lo: int, hi: int) -> bool:
    return Span(lo, hi) != Span(0, 3)


def span_setitem_and_call(lo: int, x: torch.Tensor) -> torch.Tensor:
    s = Span(lo, lo + 1)
    s[1] = 2
    return s(x) * 2


INPUTS = [(0, 5), (2, 3), (4, 4), (-3, 1)]


@pytest.mark.parametrize(
    "fn", [span_len_contains_getitem, span_arithmetic, span_compare_and_truth]
)
def test_operators_call_the_class_magic_methods(fn) -> None:
    check_script(fn, INPUTS)


def test_not_equal_falls_back_to_eq() -> None:
    # As Python does; torch.jit refuses `!=` on a class without `__ne__`.
    check_script(span_not_equal, [(0, 3), (1, 3)], torchscript=False)


def test_setitem_and_call() -> None:
    check_script(span_setitem_and_call, [(0, torch.arange(6.0)), (3, torch.arange(6.0))])


def test_len_of_an_object_without_len_is_refused() -> None:
    # Packed into a one-element `Any[]`, it would be 1 (torch.jit's answer).
    def f(xs: Union[List[int], Dict[str, int]]) -> int:
        return len(xs)

    with pytest.raises(hybridjit.FrontendError, match=r"aten::len.*Union"):
        hybridjit.script(f)


def refine_by_generic(x: Union[List[int], Dict[str, int], int]) -> int:
    if torch.jit.isinstance(x, List[int]):
        return x[0] + len(x)
    elif torch.jit.isinstance(x, Dict[str, int]):
        return x["a"] * 10
    return x


def generic_as_a_value(x: Union[List[int], List[str]]) -> Tuple[bool, bool]:
    return torch.jit.isinstance(x, List[int]), torch.jit.isinstance(x, List[str])


def test_isinstance_with_subscripted_generics_refines() -> None:
    check_script(refine_by_generic, [([4, 5],), ({"a": 7},), (3,)])


def test_isinstance_distinguishes_element_types() -> None:
    compiled = check_script(generic_as_a_value, [([1],), (["a"],)], torchscript=False)
    # torch.jit's own eager isinstance cannot tell List[int] from List[str] for []: the
    # declared member decides ours (the first that fits), checked on both executors.
    assert compiled([1]) == (True, False) and compiled(["x"]) == (False, True)


def test_hybridjit_isinstance_is_the_same_form() -> None:
    def f(x: Union[int, Tuple[int, str]]) -> int:
        if hybridjit.isinstance(x, Tuple[int, str]):
            return x[0]
        return x

    check_script(f, [((2, "a"),), (5,)], torchscript=False)
