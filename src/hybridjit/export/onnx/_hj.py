"""The few hybridjit runtime helpers the exporter uses, found where `ops/` keeps them.

`ops/` is being reorganized; looking each helper up in its new and its old home keeps the
exporter working across the move (one place to update afterwards).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def _find(name: str, *modules: str) -> Callable[..., Any]:
    for mod in modules:
        try:
            fn = getattr(importlib.import_module(mod), name, None)
        except ImportError:
            continue
        if fn is not None:
            return fn
    raise ImportError(f"hybridjit helper {name} not found in {modules}")


def kernel_for(schema: Any) -> Callable[..., Any]:
    return _find("kernel_for", "hybridjit.ops.impl", "hybridjit.ops.kernels")(schema)


def make_exception(msg: str, cls: str | None = None) -> BaseException:
    return _find("make_exception", "hybridjit.ops.prims.control", "hybridjit.ops.kernels")(msg, cls)


def constant_value(node: Any) -> Any:
    return _find("constant_value", "hybridjit.ops.prims.values", "hybridjit.ops.kernels")(node)


def to_dtype(v: Any) -> Any:
    return _find("to_dtype", "hybridjit.ops.numbering", "hybridjit.ops.kernels")(v)


def dtype_number(dtype: Any) -> int:
    import torch

    return _find("dtype_number", "hybridjit.ops.numbering", "hybridjit.ops.kernels")(
        torch.empty((), dtype=dtype))  # fmt: skip
