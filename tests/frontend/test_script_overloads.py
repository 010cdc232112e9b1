"""`@torch.jit._overload` functions: hybridjit picks the declaration the arguments fit, and
keeps the declarations after torch.jit has compiled (and so deleted) them.  No
`from __future__ import annotations` here: torch.jit, the oracle, cannot resolve string
annotations on overload declarations."""

from typing import List

import torch
import torch.nn.functional as F
from torch._jit_internal import _get_fn_overloads, _qualified_name

import hybridjit


@torch.jit._overload
def _twice(x: int) -> int: ...


@torch.jit._overload
def _twice(x: List[int]) -> List[int]: ...


def _twice(x):  # type: ignore[no-untyped-def]
    if isinstance(x, int):
        return 2 * x
    return [2 * v for v in x]


class _Twice(torch.nn.Module):
    def forward(self, x: torch.Tensor, n: int) -> torch.Tensor:
        return F.interpolate(x, size=_twice([x.size(2), x.size(3)]), mode="nearest") * _twice(n)


class _TwiceAgain(_Twice):
    """A class of its own, so hybridjit compiles its forward afresh (not from its cache)."""


def test_overloads_survive_torch_jit_compiling_them_first() -> None:
    """torch.jit.script deletes a function's `@_overload` declarations from torch's registry
    once it has compiled them (interpolate's, and _twice's after hybridjit first saw them);
    the CI zoo failed on that order, scripting after the torch.jit oracle."""
    x = torch.rand(1, 2, 3, 4)
    hybridjit.script(_Twice())
    oracle = torch.jit.script(_Twice())
    assert _get_fn_overloads(_qualified_name(F.interpolate)) is None
    assert _get_fn_overloads(_qualified_name(_twice)) is None
    compiled = hybridjit.script(_TwiceAgain())
    torch.testing.assert_close(compiled(x, 3), oracle(x, 3))
    assert compiled(x, 3).shape == (1, 2, 6, 8)
