"""Calls with wrong arguments raise ArgumentError (a TypeError) naming what was expected."""

from __future__ import annotations

import re
from typing import List, Optional

import pytest
import torch

import hybridjit


@hybridjit.script
def scale(x: torch.Tensor, n: int, names: List[str], bias: Optional[float] = None):
    y = x * n
    if bias is not None:
        y = y + bias
    return y, len(names)


def test_correct_calls_pass_through():
    y, k = scale(torch.ones(2), 3, ["a"], bias=0.5)
    assert torch.equal(y, torch.full((2,), 3.5)) and k == 1
    assert torch.equal(scale(torch.ones(1), 2, [])[0], torch.full((1,), 2.0))


@pytest.mark.parametrize(
    "args, message",
    [
        (("no tensor", 3, ["a"]), "expected argument 'x' to be Tensor, found str"),
        ((torch.ones(2), 3, "abc"), "expected argument 'names' to be List[str], found str"),
    ],
)
def test_wrong_argument_types_are_named(args, message):
    with pytest.raises(hybridjit.ArgumentError, match=re.escape(message)):
        scale(*args)


def test_wrong_arity_is_a_type_error():
    with pytest.raises(TypeError, match="missing a required argument: 'names'"):
        scale(torch.ones(1), 2)
    with pytest.raises(hybridjit.ArgumentError, match="unexpected keyword argument 'scale'"):
        scale(torch.ones(1), 2, [], scale=3)


def test_errors_raised_by_the_program_itself_are_kept():
    @hybridjit.script
    def strict(n: int) -> int:
        if n < 0:
            raise ValueError("negative")
        return n

    with pytest.raises(ValueError, match="negative"):
        strict(-1)
