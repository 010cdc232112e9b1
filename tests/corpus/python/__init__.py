"""Issue 11's corpus: the Python people write, compared with plain Python.

Each module in this package holds programs for one group of features; every program carries
its inputs with `@case(...)` (see `tests/corpus/__init__.py`).  `PROGRAMS` collects them all
and `tests/frontend/test_python_corpus.py` runs each one eagerly and under hybridjit (both
executors and a save/load round trip), comparing values, Python types, exception types and
what the program printed.

A program hybridjit does not compile yet is listed in its module's `UNSUPPORTED` (name ->
the construct); the runner then requires a `FrontendError` that carries the source line.
"""

from __future__ import annotations

import importlib
import pkgutil

from tests.corpus import Case, collect

GROUPS = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def _modules():
    return [importlib.import_module(f"{__name__}.{name}") for name in GROUPS]


def programs() -> list[Case]:
    """Every program of every group, in group order."""
    return collect(*(c for module in _modules() for c in module.CASES))


def unsupported() -> dict[str, str]:
    """Program name -> the construct hybridjit still rejects (with a FrontendError)."""
    gaps: dict[str, str] = {}
    for module in _modules():
        gaps.update(getattr(module, "UNSUPPORTED", {}))
    return gaps
