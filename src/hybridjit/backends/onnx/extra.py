"""The optional `onnx` extra: a clear error naming the install command when it is missing."""

from __future__ import annotations

import importlib.util

from hybridjit.errors import ExportError

INSTALL = "pip install -e '.[onnx]'  (onnx, onnxruntime, onnxscript, onnx-ir)"


def require(*modules: str) -> None:
    """Raise ExportError naming `INSTALL` unless every one of `modules` can be imported."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ExportError(f"this needs {', '.join(missing)}, from the onnx extra: {INSTALL}")


EXPORT = ("onnx", "onnx_ir", "onnxscript")
RUNTIME = (*EXPORT, "onnxruntime")
