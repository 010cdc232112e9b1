"""Editing archives byte by byte and entry by entry (for hostile-input tests)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any, Callable

import torch

import hybridjit
from hybridjit.runtime.module import ScriptModule

from .helpers import module_from_torch, save_bytes


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rebuild(items: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    """A zip of exactly these entries (any names, duplicates allowed), deflating text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in items.items() if isinstance(items, dict) else items:
            kind = zipfile.ZIP_STORED if name.endswith(".safetensors") else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = kind
            zf.writestr(info, content)
    return buffer.getvalue()


def edit(data: bytes, **changes: bytes | None) -> bytes:
    """`data` with entries replaced (keyword `model_json` names `model.json`) or removed."""
    items = entries(data)
    for key, value in changes.items():
        name = _entry_name(key)
        if value is None:
            items.pop(name, None)
        else:
            items[name] = value
    return rebuild(items)


def edit_json(data: bytes, name: str, change: Callable[[Any], Any]) -> bytes:
    items = entries(data)
    doc = json.loads(items[name])
    result = change(doc)
    items[name] = json.dumps(doc if result is None else result).encode()
    return rebuild(items)


def _entry_name(key: str) -> str:
    if key.startswith("code_"):
        return "code/" + key[5:] + ".graph"
    return key.replace("_json", ".json").replace("_safetensors", ".safetensors")


class Small(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)
        self.k: int = 2
        self.register_buffer("view", self.lin.weight.detach()[:, 1:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return self.lin(x) * self.k
        return self.lin(x) - 1


def small_module() -> ScriptModule:
    torch.manual_seed(0)
    return module_from_torch(Small())


def small_archive() -> bytes:
    return save_bytes(small_module())


def _plus_one(x: torch.Tensor) -> torch.Tensor:
    return x + 1


def function_archive() -> bytes:
    """The archive of a scripted one-input function (`x + 1`)."""
    buf = io.BytesIO()
    hybridjit.save(hybridjit.script(_plus_one), buf)
    return buf.getvalue()


def with_graph(archive: bytes, body: list[str]) -> bytes:
    """`archive` with its function's graph text replaced by `graph(%x : Tensor):` + `body`."""
    items = entries(archive)
    name = next(n for n in items if n.endswith(".graph"))
    items[name] = "\n".join(["graph(%x : Tensor):", *body, ""]).encode()
    return rebuild(items)
