"""hybridjit: PyTorch's hybrid frontend (trace + script) in pure Python, on eager ops."""

from __future__ import annotations

import importlib
from typing import Any

from hybridjit.errors import (
    ArchiveError,
    ArgumentError,
    Error,
    ExportError,
    FrontendError,
    IRParseError,
    SchemaError,
    TracerWarning,
    TracingCheckError,
    VerificationError,
)
from hybridjit.version import __version__

# Public name -> module that defines it; imported on first use so `import hybridjit` is cheap.
_LAZY = {
    "parse_ir": "hybridjit.ir.parser",
    "verify": "hybridjit.ir.verifier",
    "function_from_graph": "hybridjit.runtime.function",
    "ScriptFunction": "hybridjit.runtime.function",
    "ScriptModule": "hybridjit.runtime.module",
    "script": "hybridjit.frontend.api",
    "script_method": "hybridjit.frontend.api",
    "ignore": "hybridjit.frontend.api",
    "unused": "hybridjit.frontend.api",
    "export": "hybridjit.frontend.api",
    "Final": "hybridjit.frontend.api",
    "Attribute": "hybridjit.frontend.api",
    "annotate": "hybridjit.frontend.api",
    "is_scripting": "hybridjit.frontend.api",
    "is_tracing": "hybridjit.frontend.api",
    "CompilationUnit": "hybridjit.frontend.api",
    "script_if_tracing": "hybridjit.frontend.api",
    "fork": "hybridjit.frontend.api",
    "wait": "hybridjit.frontend.api",
    "optimized_execution": "hybridjit.frontend.api",
    "isinstance": "hybridjit.frontend.api",
    "interface": "hybridjit.frontend.api",
    "trace": "hybridjit.frontend.trace",
    "trace_module": "hybridjit.frontend.trace",
    "save": "hybridjit.serialization.archive",
    "load": "hybridjit.serialization.archive",
    "compile": "hybridjit.backends.onnx.backend",
    "hybridize": "hybridjit.auto_hybrid",
    "freeze": "hybridjit.runtime.freezing",
    "run_frozen_optimizations": "hybridjit.runtime.freezing",
    "optimize_for_inference": "hybridjit.runtime.freezing",
}

__all__ = [
    "ArchiveError", "ArgumentError", "Error", "ExportError", "FrontendError", "IRParseError", "SchemaError", "TracerWarning",
    "TracingCheckError", "VerificationError", "__version__", *_LAZY,
]  # fmt: skip


_SUBMODULES = ("onnx",)  # `hybridjit.onnx.export(...)` works after a plain `import hybridjit`


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"hybridjit.{name}")
    if name not in _LAZY:
        raise AttributeError(f"module 'hybridjit' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public API, lazily loaded names included (`dir(hybridjit)`, tab completion)."""
    return sorted({*__all__, *_SUBMODULES})  # not the helpers this module imports
