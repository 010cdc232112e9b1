"""Slice bounds that are `Optional[int]` (None at run time means open), as TorchScript and
Python allow: tensors (several dims, swin's `x[:, :h, :w, :]`), lists and strings."""

from typing import List, Optional, Tuple

import torch
from tests.differential import check_script


def crop(x: torch.Tensor, h: Optional[int], w: Optional[int]) -> torch.Tensor:
    return x[:, :h, w:, :] * 2


def list_and_str(
    xs: List[int], s: str, a: Optional[int], b: Optional[int]
) -> Tuple[List[int], str]:
    return xs[a:b], s[b:a]


def test_optional_tensor_slice_bounds() -> None:
    x = torch.arange(2 * 4 * 5 * 3.0).reshape(2, 4, 5, 3)
    check_script(crop, [(x, None, None), (x, 2, None), (x, None, -2), (x, 3, 1)])


def test_optional_list_and_str_slice_bounds() -> None:
    xs, s = [1, 2, 3, 4, 5], "abcdef"
    check_script(
        list_and_str, [(xs, s, None, None), (xs, s, 1, None), (xs, s, None, -2), (xs, s, 3, 1)]
    )
