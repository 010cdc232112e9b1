"""Saving and loading do not copy a model's weights more than they must.

tracemalloc sees Python's allocations (bytes, bytearrays), which is where a copy of the
weights made by the archive code would live; torch's own tensor memory is not counted.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import torch

import hybridjit

WEIGHT_BYTES = 4 * 4 * 1024 * 1024  # four Linear(1024, 1024) weights of float32


def _model() -> torch.nn.Module:
    layers = [torch.nn.Linear(1024, 1024, bias=False) for _ in range(4)]
    return hybridjit.script(torch.nn.Sequential(*layers))


def _peak_of(work) -> int:  # noqa: ANN001
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_saving_writes_the_weights_without_copying_them(tmp_path: Path) -> None:
    model = _model()
    peak = _peak_of(lambda: hybridjit.save(model, tmp_path / "m.hjit"))
    assert peak < WEIGHT_BYTES / 8, f"save allocated {peak} bytes for {WEIGHT_BYTES} of weights"
    assert (tmp_path / "m.hjit").stat().st_size > WEIGHT_BYTES


def test_loading_holds_at_most_the_file_and_the_weights(tmp_path: Path) -> None:
    model = _model()
    hybridjit.save(model, tmp_path / "m.hjit")
    loaded: list[torch.nn.Module] = []
    peak = _peak_of(lambda: loaded.append(hybridjit.load(tmp_path / "m.hjit")))
    assert peak < 2.25 * WEIGHT_BYTES, f"load allocated {peak} bytes for {WEIGHT_BYTES} of weights"
    x = torch.randn(2, 1024)
    assert torch.equal(loaded[0](x), model(x))
