"""Differential helpers for scripting tests: compare eager, both executors and torch.jit."""

from __future__ import annotations

import enum
import math
from typing import Any, Callable

import torch

import hybridjit


def same(a: Any, b: Any, atol: float = 0.0) -> bool:
    """Equal values with equal Python types, containers and tensor dtypes."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y, atol) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, torch.Tensor):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.is_floating_point() or a.is_complex():
            return bool(torch.allclose(a, b, atol=atol, rtol=1e-5 if atol else 0, equal_nan=True))
        return bool(torch.equal(a, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y, atol) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k], atol) for k in a)
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        if a == b:
            return True
        return abs(a - b) <= atol if atol else a == b
    if isinstance(a, enum.Enum):
        return a is b
    return bool(a == b)


def outcome(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    """('ok', result) or ('raise', exception type); inputs are cloned so mutation is local."""
    args = clone_args(args)
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return "raise", type(e)


def clone_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    def copy(x: Any) -> Any:
        if isinstance(x, torch.Tensor):
            return x.clone()
        if isinstance(x, list):
            return [copy(v) for v in x]
        if isinstance(x, dict):
            return {k: copy(v) for k, v in x.items()}
        if isinstance(x, tuple) and not hasattr(x, "_fields"):
            return tuple(copy(v) for v in x)
        return x

    return tuple(copy(a) for a in args)


def executors(sf: Any) -> dict[str, Callable[..., Any]]:
    """The scripted function run by each executor."""
    return {"codegen": sf, "interpreter": sf.using("interpreter")}


def check_same_outcome(expected: tuple[str, Any], got: tuple[str, Any], who: str,
                       atol: float = 0.0) -> None:  # fmt: skip
    kind, value = expected
    gkind, gvalue = got
    if kind == "raise":
        assert gkind == "raise", f"{who}: expected {value.__name__}, got result {gvalue!r}"
        runtime_error = issubclass(value, RuntimeError) and issubclass(gvalue, RuntimeError)
        # hybridjit.ArgumentError is a TypeError: code catching eager's error still catches it.
        ours = issubclass(gvalue, value) and issubclass(gvalue, hybridjit.Error)
        assert gvalue is value or runtime_error or ours, (
            f"{who}: expected {value.__name__}, got {gvalue.__name__}"
        )
        return
    assert gkind == "ok", f"{who}: expected {value!r}, raised {gvalue.__name__}"
    assert same(value, gvalue, atol), f"{who}: expected {value!r}, got {gvalue!r}"
