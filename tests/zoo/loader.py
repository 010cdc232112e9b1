"""A fresh process that loads hybridjit archives and runs them: the zoo's "loads in a fresh
process and matches again".

It reads one JSON request a line from stdin — `{"archive": ..., "inputs": ..., "out": ...}`
— loads the archive with `hybridjit.load`, runs it on the inputs (`torch.load`ed), writes
the outputs with `torch.save` (a NamedTuple as `{"namedtuple": fields, "values": ...}`, which
`revive` turns back into one) and answers one JSON line:
`{"ok": true}` or `{"ok": false, "error": ...}`. It never imports torchvision: only the
`torchvision::` operators are registered (as a TorchScript archive needs its op library),
so an archive that needed torchvision's Python code would fail here.
"""

from __future__ import annotations

import collections
import json
import sys
import traceback
from typing import Any

import torch
from tests.zoo.torchvision_shim import register_ops

import hybridjit


def plain(value: Any) -> Any:
    """`value` with NamedTuples spelled as dicts of their fields, so `torch.save` keeps them."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {"namedtuple": list(value._fields), "values": [plain(v) for v in value]}
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return type(value)((k, plain(v)) for k, v in value.items())
    return value


def revive(value: Any) -> Any:
    """The inverse of `plain`: NamedTuples (of a class made here) with their fields."""
    if isinstance(value, dict) and set(value) == {"namedtuple", "values"}:
        cls = collections.namedtuple("Loaded", value["namedtuple"])  # type: ignore[misc]
        return cls(*(revive(v) for v in value["values"]))
    if isinstance(value, (list, tuple)):
        return type(value)(revive(v) for v in value)
    if isinstance(value, dict):
        return type(value)((k, revive(v)) for k, v in value.items())
    return value


def serve(request: dict[str, str]) -> dict[str, Any]:
    try:
        loaded = hybridjit.load(request["archive"])
        inputs = torch.load(request["inputs"], weights_only=True)
        with torch.no_grad():
            torch.save(plain(loaded(*inputs)), request["out"])
    except Exception as e:  # noqa: BLE001 — reported to the test, which fails with it
        return {"ok": False, "error": f"{type(e).__name__}: {e}\n{traceback.format_exc()[-2000:]}"}
    if "torchvision" in sys.modules:
        return {"ok": False, "error": "loading imported torchvision"}
    return {"ok": True}


def main() -> None:
    register_ops()
    for line in sys.stdin:
        print(json.dumps(serve(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
