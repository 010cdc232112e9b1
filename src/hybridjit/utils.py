"""Small helpers shared across layers (nothing here knows about the IR)."""

from __future__ import annotations

import contextlib
import gc
from typing import Any, Iterator


def is_hashable(x: Any) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Compiling allocates tens of thousands of objects that all stay alive (ASTs, graphs,
    schemas). Left on, the cyclic GC runs dozens of young collections over them, and every
    tenth of those may set off a full collection of the whole heap (~80 ms with torch
    imported). Paused, the survivors are promoted in one young collection afterwards, so
    fewer collections run at all, not the same ones later."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
