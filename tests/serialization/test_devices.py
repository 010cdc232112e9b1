"""Tensor devices in an archive: only what this torch build can use, else ArchiveError naming
`map_location` (never torch's own AssertionError/RuntimeError, at load or at the first call)."""

from __future__ import annotations

import pytest
import torch

import hybridjit
from hybridjit.serialization.tensors import unusable

from .archive_edits import edit_json, small_archive
from .helpers import load_bytes


@pytest.fixture(scope="module")
def good() -> bytes:
    return small_archive()


def saved_on(good: bytes, device: str) -> bytes:
    def change(records):  # noqa: ANN001, ANN202
        for r in records:
            r["device"] = device

    return edit_json(good, "tensors.json", change)


UNUSABLE = [d for d in ("xpu", "xpu:1", "mps", "mps:0", "cuda", "cuda:0", "cuda:99")
            if unusable(torch.device(d)) is not None]  # fmt: skip


@pytest.mark.parametrize("device", UNUSABLE)
def test_unusable_saved_devices_are_refused_naming_map_location(good: bytes, device: str) -> None:
    data = saved_on(good, device)
    for where in (None, {"elsewhere": "cpu"}):
        with pytest.raises(hybridjit.ArchiveError, match=f"saved on {device}.*map_location"):
            load_bytes(data, map_location=where)
    for where in ("cpu", torch.device("cpu"), {device: "cpu"}):
        m = load_bytes(data, map_location=where)
        assert m.lin.weight.device.type == "cpu" and m(torch.ones(1, 3)).shape == (1, 2)


@pytest.mark.parametrize("target", [*UNUSABLE, "garbage", "cuda:x", 3.5])
def test_unusable_map_locations_are_refused(good: bytes, target) -> None:  # noqa: ANN001
    for where in (target, {"cpu": target}):
        with pytest.raises(hybridjit.ArchiveError, match="map_location"):
            load_bytes(good, map_location=where)


@pytest.mark.parametrize("device", ["hpu", "privateuseone", "cpu:0:1", "Cuda", ""])
def test_unknown_saved_devices_are_refused(good: bytes, device: str) -> None:
    with pytest.raises(hybridjit.ArchiveError, match="device"):
        load_bytes(saved_on(good, device))


def test_meta_only_by_request(good: bytes) -> None:
    with pytest.raises(hybridjit.ArchiveError, match="meta.*map_location"):
        load_bytes(saved_on(good, "meta"))
    assert load_bytes(saved_on(good, "meta"), map_location="cpu")(torch.ones(1, 3)).shape == (1, 2)
    assert load_bytes(good, map_location="meta").lin.weight.is_meta


def test_cpu_indices_load(good: bytes) -> None:
    for device in ("cpu", "cpu:0"):
        assert load_bytes(saved_on(good, device))(torch.ones(1, 3)).shape == (1, 2)
