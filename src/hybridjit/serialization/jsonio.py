"""Reading JSON from untrusted archives: bounded nesting, no duplicate keys, typed errors."""

from __future__ import annotations

import json
import re
from typing import Any

from hybridjit.errors import ArchiveError

MAX_JSON_DEPTH = 64
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[{]+|[\]}]+")


def parse_json(data: bytes | str, what: str) -> Any:
    """`json.loads` that refuses duplicate keys and nesting deeper than `MAX_JSON_DEPTH`.

    Every failure is an `ArchiveError` naming `what` was being read.
    """
    if max_json_depth(data) > MAX_JSON_DEPTH:
        raise ArchiveError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(data, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as e:
        raise ArchiveError(f"{what} is not valid JSON: {str(e)[:200]}") from None


def max_json_depth(data: bytes | str) -> int:
    """How deeply brackets nest in JSON text, ignoring those inside strings (linear time)."""
    text = _STRING.sub(b"", data.encode() if isinstance(data, str) else data)
    depth = best = 0
    for run in _BRACKETS.findall(text):
        depth += len(run) if run[:1] in (b"[", b"{") else -len(run)
        best = max(best, depth)
    return best


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ArchiveError(f"duplicate JSON key {dup[:40]!r}")
    return out


def field(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """`obj[key]`, which must exist and be of `kind` (a bool is not an int here)."""
    if not isinstance(obj, dict):
        raise ArchiveError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    if key not in obj:
        raise ArchiveError(f"{where}: missing field {key!r}")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise ArchiveError(f"{where}: field {key!r} must be {names}, got {type(value).__name__}")
    return value


def int_list(value: Any, where: str, limit: int = 64) -> list[int]:
    """A JSON list of at most `limit` integers."""
    ok = isinstance(value, list) and len(value) <= limit
    if not ok or not all(isinstance(x, int) and not isinstance(x, bool) for x in value):
        raise ArchiveError(
            f"{where}: expected a list of at most {limit} integers, got {str(value)[:80]}"
        )
    return value


def pairs(value: Any, where: str) -> list[tuple[str, Any]]:
    """An ordered map stored as `[[name, item], ...]` with unique string names."""
    if not isinstance(value, list):
        raise ArchiveError(
            f"{where}: expected a list of [name, value] pairs, got {type(value).__name__}"
        )
    out: dict[str, Any] = {}
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise ArchiveError(f"{where}: expected a [name, value] pair, got {str(item)[:60]}")
        if item[0] in out:
            raise ArchiveError(f"{where}: duplicate name {item[0][:40]!r}")
        out[item[0]] = item[1]
    return list(out.items())


def dumps(data: Any) -> bytes:
    """Deterministic compact JSON (insertion order kept: order is meaningful in archives)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()
