"""PEP 484 type comments as TorchScript reads them, against eager and torch.jit."""

from __future__ import annotations

from typing import Dict, List, Tuple  # noqa: F401 - named by the type comments

import pytest
import torch
from tests.differential import check_module, check_script

import hybridjit


def scaled_sum(xs, k):
    # type: (List[int], int) -> int
    total = 0
    for x in xs:
        total += x * k
    return total


def collect(n):
    # type: (int) -> List[int]
    out = []  # type: List[int]
    for i in range(n):
        out.append(i * i)
    return out


def pair(x, t):
    # type: (Tensor, Tuple[int, float]) -> Tuple[Tensor, float]
    return x * t[0], t[1] + 1.0


def counts(words):
    # type: (List[str]) -> Dict[str, int]
    seen = {}  # type: Dict[str, int]
    for w in words:
        seen[w] = seen.get(w, 0) + 1
    return seen


def partly_annotated(x: torch.Tensor, n):
    # type: (Tensor, int) -> Tensor
    return x + n


# torch.jit 2.13 mistakes a body's `# type:` comment for the signature's ("Return type line
# not found on multiline type annotation"): those programs are checked against eager only.
@pytest.mark.parametrize(("fn", "inputs", "torchscript"), [
    (scaled_sum, [([1, 2, 3], 2), ([], 5)], True),
    (collect, [(0,), (4,)], False),
    (pair, [(torch.ones(2), (3, 0.5))], True),
    (counts, [(["a", "b", "a"],), ([],)], False),
    (partly_annotated, [(torch.zeros(2), 3)], True),
])  # fmt: skip
def test_type_comments_type_the_function(fn, inputs, torchscript) -> None:
    check_script(fn, inputs, torchscript=torchscript)


def test_the_comment_types_the_graph() -> None:
    graph = str(hybridjit.script(scaled_sum).graph)
    assert graph.startswith("graph(%xs : int[],\n      %k : int):")
    assert "List[int]" in str(hybridjit.script(collect).code)


class Offset(torch.nn.Module):
    def forward(self, x, k):
        # type: (Tensor, int) -> Tensor
        return x + k


def test_a_method_comment_leaves_out_self() -> None:
    check_module(Offset(), [(torch.ones(3), 2)])


def bad_arity(x, y):
    # type: (int) -> int
    return x + y


def test_a_comment_with_the_wrong_arity_is_a_clear_error() -> None:
    with pytest.raises(hybridjit.FrontendError, match="2 parameter types, found 1"):
        hybridjit.script(bad_arity)
