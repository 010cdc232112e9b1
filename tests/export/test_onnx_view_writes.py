"""Assigning into slices and indices of a tensor (`m[a:b, 1:3] = count`, `m[:, -1] = col`,
`m[i] += v`), exported: the new values padded to the tensor's size and chosen by a mask of
the view's range, with torch's clamping of the bounds.  Swin's attention mask is built
this way.  A view that is read after the write would see it in eager: an ExportError."""

from __future__ import annotations

import io
from typing import Tuple

import pytest
import torch

import hybridjit
from hybridjit.errors import ExportError

pytest.importorskip("onnxruntime")


def regions(x: torch.Tensor, a: int, b: int, count: int) -> torch.Tensor:
    m = x.new_zeros((x.size(0), x.size(1)))
    m[a:b, 1:3] = count
    m[0] = 5
    m[:, -1] = x[:, 0]
    m[1:, :2] += x[:-1, :2]
    return m


def shifted_window_mask(x: torch.Tensor, window: int, shift: int) -> torch.Tensor:
    """The mask of swin's shifted windows (torchvision's shifted_window_attention)."""
    mask = x.new_zeros((x.size(0), x.size(1)))
    h_slices = ((0, -window), (-window, -shift), (-shift, None))
    w_slices = ((0, -window), (-window, -shift), (-shift, None))
    count = 0
    for h in h_slices:
        for w in w_slices:
            mask[h[0] : h[1], w[0] : w[1]] = count
            count += 1
    return mask


def view_kept(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    m = x.clone()
    row = m[0]
    row.fill_(3.0)  # the view itself is read afterwards: it holds the new values
    return m, row


def _run(fn):
    return hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)


@pytest.mark.parametrize("shape, a, b", [((4, 5), 1, 3), ((6, 3), -2, 100), ((3, 4), 2, 1),
                                         ((2, 4), 0, -1), ((5, 6), -100, 2)])  # fmt: skip
def test_assigning_into_slices_and_indices_matches_eager(shape, a, b) -> None:
    x = torch.randn(shape)
    assert torch.equal(_run(regions)(x, a, b, 7), regions(x, a, b, 7))


@pytest.mark.parametrize("size, window, shift", [(14, 7, 3), (8, 4, 2), (9, 3, 1)])
def test_shifted_window_mask_matches_eager(size, window, shift) -> None:
    x = torch.randn(size, size)
    assert torch.equal(_run(shifted_window_mask)(x, window, shift), shifted_window_mask(x, window, shift))


def test_the_written_view_itself_holds_the_new_values() -> None:
    x = torch.randn(3, 4)
    got, want = _run(view_kept)(x), view_kept(x)
    assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])


def other_view_read_after(x: torch.Tensor) -> torch.Tensor:
    m = x.clone()
    first = m[0:2]
    m[0] = 1.0  # eager: `first` sees this
    return first


def strided(x: torch.Tensor) -> torch.Tensor:
    m = x.clone()
    m[::2] = 0.0
    return m


def test_a_write_other_views_see_or_a_strided_slice_is_an_export_error() -> None:
    with pytest.raises(ExportError, match="in-place aten::fill_"):
        hybridjit.onnx.export(hybridjit.script(other_view_read_after), io.BytesIO(), (torch.randn(3, 2),))
    with pytest.raises(ExportError, match="step other than 1") as e:
        hybridjit.onnx.export(hybridjit.script(strided), io.BytesIO(), (torch.randn(4, 2),))
    assert "m[::2] = 0.0" in str(e.value)


def bump(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    x[0] = 5.0
    x.add_(y)
    return x.sum()


def test_writes_into_an_input_reach_the_callers_tensor() -> None:
    """eager changes the caller's tensor: the model returns its final value as one more
    output and the runner copies it back (arguments that share memory run in Python)."""
    run = _run(bump)
    for shape in ((3,), (2, 4)):
        x, y = torch.randn(shape), torch.randn(shape)
        x_eager, x_ort = x.clone(), x.clone()
        torch.testing.assert_close(run(x_ort, y), bump(x_eager, y))  # sums in another order
        assert torch.equal(x_ort, x_eager)
    x = torch.randn(3)
    same, twin = x.clone(), x.clone()
    torch.testing.assert_close(run(same, same), bump(twin, twin))
    assert torch.equal(same, twin)
    model = hybridjit.onnx.export(hybridjit.script(bump), io.BytesIO(), (torch.randn(3), torch.randn(3)))
    assert len(model.graph.output) == 2
    assert '"arg": 0' in {p.key: p.value for p in model.metadata_props}["hybridjit.writeback"]


class HalfZeroedBias(torch.nn.Module):
    """swin v2's attention: a clone of a parameter with its middle third zeroed."""

    def __init__(self) -> None:
        super().__init__()
        self.bias = torch.nn.Parameter(torch.randn(12))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = self.bias.clone()
        n = b.numel() // 3
        b[n : 2 * n].zero_()
        return x + b


def test_zeroing_a_slice_of_a_cloned_parameter() -> None:
    m = HalfZeroedBias().eval()
    x = torch.randn(3, 12)
    with torch.no_grad():
        assert torch.equal(_run(m)(x), m(x))
