"""Program corpora shared by the differential tests.

A corpus is a list of `Case`s: a plain Python function plus the argument tuples to call it
with.  The same cases are run eagerly, by torch.jit (the oracle), and by hybridjit.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable


@dataclasses.dataclass
class Case:
    fn: Callable[..., Any]
    inputs: list[tuple[Any, ...]]
    # True when torch.jit.script accepts the function (the oracle can run it).
    torchscript_ok: bool = True
    # Tolerance for float comparisons (0 means exact).
    atol: float = 0.0

    @property
    def name(self) -> str:
        return self.fn.__name__


def collect(*cases: Case) -> list[Case]:
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return list(cases)


def case(*inputs: tuple[Any, ...], torchscript_ok: bool = True, atol: float = 0.0):
    """Decorator: attach a Case to the function (collected by `cases_in(module)`)."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__corpus_case__ = Case(fn, list(inputs), torchscript_ok, atol)  # type: ignore[attr-defined]
        return fn

    return wrap


def cases_in(namespace: dict[str, Any]) -> list[Case]:
    """All Cases attached with `@case` in a module namespace, in definition order."""
    return collect(*(v.__corpus_case__ for v in namespace.values() if hasattr(v, "__corpus_case__")))
