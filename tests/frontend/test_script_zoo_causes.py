"""Regression tests for the causes that kept torchvision models from scripting
(tests/zoo/measure.py tallies them); each program is written for this project and checked
against eager and torch.jit with `check_module`."""

from __future__ import annotations

from typing import List

import torch
import torch.nn.functional as F
from tests.differential import check_module


class _Upsample(torch.nn.Module):
    """Segmentation heads: `F.interpolate(x, size=<List[int]>, ...)` by keyword picks the
    `List[int]` `@_overload` of interpolate (the first declares `size: Optional[int]`)."""

    def forward(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        size: List[int] = like.shape[-2:]
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def test_overload_chosen_by_keyword_argument_types() -> None:
    x, like = torch.rand(1, 2, 4, 4), torch.rand(1, 1, 8, 6)
    check_module(_Upsample(), [(x, like)])
