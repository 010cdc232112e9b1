"""Small helpers shared across layers (nothing here knows about the IR)."""

from __future__ import annotations

from typing import Any


def is_hashable(x: Any) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True
