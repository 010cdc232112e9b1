"""Ops whose result rank or count depends on sizes: squeeze and chunk, exported.  Where a
size is only known at run time the export either computes eager's result for every size
or raises ExportError; it never gives a model of another rank or chunk count."""

from __future__ import annotations

from typing import List, Tuple

import pytest
import torch

import hybridjit

pytest.importorskip("onnxruntime")


def squeeze_all(x: torch.Tensor) -> torch.Tensor:
    return x.squeeze()


def squeeze_known(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    y = x.unsqueeze(0).unsqueeze(-1)
    return y.squeeze(0), y.squeeze(-1).squeeze(0)


def chunk_list(x: torch.Tensor) -> List[torch.Tensor]:
    return list(x.chunk(3, dim=1))


def chunk_unpacked(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    a, b, c = x.chunk(3, dim=-1)
    return a, b * 2, c


def _outcome(fn, args):
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return "raise", type(e)


def test_squeeze_of_run_time_sizes_is_an_export_error() -> None:
    run = hybridjit.compile(hybridjit.script(squeeze_all), backend="onnxruntime", threads=1)
    with pytest.raises(hybridjit.ExportError, match="pass the dim"):
        run(torch.ones(1, 3))


def test_squeeze_of_known_dims() -> None:
    run = hybridjit.compile(hybridjit.script(squeeze_known), backend="onnxruntime", threads=1)
    for x in (torch.randn(2, 3), torch.randn(1, 1), torch.randn(0, 4)):
        for g, w in zip(run(x), squeeze_known(x)):
            assert g.shape == w.shape and torch.equal(g, w)


@pytest.mark.parametrize("fn", [chunk_list, chunk_unpacked])
def test_chunk_count_matches_eager_for_every_size(fn) -> None:
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    for n in range(0, 11):
        x = torch.arange(2.0 * n).reshape(2, n)
        want, got = _outcome(fn, (x,)), _outcome(run, (x,))
        assert want[0] == got[0], (n, want, got)
        if want[0] == "raise":
            assert issubclass(got[1], want[1]), (n, want, got)
            continue
        assert len(got[1]) == len(want[1]), (n, want, got)
        assert all(g.shape == w.shape and torch.equal(g, w) for g, w in zip(got[1], want[1]))


def unflatten_rt(x: torch.Tensor, k: int) -> torch.Tensor:
    return x.unflatten(1, (k, -1)) * 2


def test_unflatten_with_run_time_sizes() -> None:
    run = hybridjit.compile(hybridjit.script(unflatten_rt), backend="onnxruntime", threads=1)
    for shape, k in [((2, 6), 2), ((0, 6), 3), ((3, 0), 2), ((1, 8), 4)]:
        x = torch.randn(*shape)
        want, got = unflatten_rt(x, k), run(x, k)
        assert got.shape == want.shape and torch.allclose(got, want), (shape, k)
