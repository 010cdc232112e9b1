"""Hostile inputs: exporting an archive never executes anything from it, and a corrupted
archive fails with `hybridjit.ArchiveError` before any export work starts."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import torch

import hybridjit
import hybridjit.onnx


def scale_loop(x, n: int):
    for i in range(n):
        x = x * 2 + i
    return x


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "fn.hj"
    hybridjit.save(hybridjit.script(scale_loop), str(path))
    return path


def _rewrite(src: Path, dst: Path, edit) -> None:
    """Copy the zip `src` to `dst`, passing each member's (name, bytes) through `edit`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)


def _json_member(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return next(n for n in z.namelist() if n.endswith(".json"))


def test_a_good_archive_exports(archive: Path, tmp_path: Path) -> None:
    model = hybridjit.onnx.export(str(archive), tmp_path / "m.onnx", (torch.rand(3), 2))
    assert model.graph.node
    loaded = hybridjit.load(str(archive))
    assert hybridjit.onnx.export(loaded, None, (torch.rand(3), 2)).graph.node


def _corruptions(archive: Path, tmp_path: Path) -> dict[str, Path]:
    data = archive.read_bytes()
    out = {}
    truncated = tmp_path / "truncated.hj"
    truncated.write_bytes(data[: len(data) // 2])
    out["truncated zip"] = truncated
    garbage = tmp_path / "garbage.hj"
    garbage.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    out["not a zip"] = garbage
    member = _json_member(archive)
    bad_json = tmp_path / "bad_json.hj"
    _rewrite(archive, bad_json, lambda n, b: b[: len(b) // 2] if n == member else b)
    out["bad JSON"] = bad_json
    wrong_json = tmp_path / "wrong_json.hj"
    _rewrite(archive, wrong_json, lambda n, b: json.dumps([1, 2, 3]).encode() if n == member else b)
    out["JSON of the wrong shape"] = wrong_json
    missing = tmp_path / "missing.hj"
    _rewrite(archive, missing, lambda n, b: None if n == member else b)
    out["missing manifest member"] = missing
    return out


@pytest.mark.parametrize("what", ["truncated zip", "not a zip", "bad JSON", "JSON of the wrong shape",
                                  "missing manifest member"])  # fmt: skip
def test_corrupted_archive_fails_with_archive_error(what: str, archive: Path, tmp_path: Path,
                                                    monkeypatch) -> None:  # fmt: skip
    path = _corruptions(archive, tmp_path)[what]
    from hybridjit.backends.onnx import exporter

    def must_not_run(*a, **k):  # the archive is rejected before export starts
        raise AssertionError("export started on a corrupted archive")

    monkeypatch.setattr(exporter, "export_graph", must_not_run)
    out = tmp_path / "m.onnx"
    with pytest.raises(hybridjit.ArchiveError):
        hybridjit.onnx.export(str(path), out, (torch.rand(3), 2))
    with pytest.raises(hybridjit.ArchiveError):
        hybridjit.onnx.export(hybridjit.load(str(path)), out, (torch.rand(3), 2))
    assert not out.exists()


def test_hostile_graph_text_is_never_executed(archive: Path, tmp_path: Path, monkeypatch) -> None:
    """A graph calling Python code (a pickle-style payload) is rejected as an ArchiveError."""
    import builtins

    called = []
    monkeypatch.setattr(builtins, "exec", lambda *a, **k: called.append(a))
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        text_members = [n for n in names if not n.endswith((".json", ".safetensors"))]
    hostile = tmp_path / "hostile.hj"

    def edit(name: str, data: bytes) -> bytes:
        if name in text_members and b"graph(" in data:
            return data.replace(b"aten::mul", b"builtins::exec")
        return data

    _rewrite(archive, hostile, edit)
    with pytest.raises(hybridjit.ArchiveError):
        hybridjit.onnx.export(str(hostile), io.BytesIO(), (torch.rand(3), 2))
    assert not called
