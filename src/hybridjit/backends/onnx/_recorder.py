"""The one place that touches onnxscript's evaluator machinery and torch's ONNX `OpRecorder`.

`call_torchlib(fn, args, kwargs, opset)` runs one onnxscript torchlib function (an
`OnnxFunction` / `TracedOnnxFunction`) symbolically and returns its outputs plus the
`onnx_ir` nodes it recorded and the ONNX functions it referenced.  This uses
`torch.onnx._internal.exporter._building.OpRecorder` (torch's ONNX builder, not TorchScript);
swapping it for another onnxscript `Evaluator` only needs this module to change.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import onnx_ir as ir
import onnxscript
import onnxscript.function_libs.torch_lib.ops  # noqa: F401 - importing it registers the aten functions
from onnxscript.function_libs.torch_lib.registration import default_registry
from torch.onnx._internal.exporter import _schemas
from torch.onnx._internal.exporter._building import OpRecorder


@functools.cache
def registry() -> Any:
    return default_registry


def torchlib_functions(qualified_overload: str) -> list[Any]:
    """The torchlib functions registered for `aten::add.Tensor` (or `aten::add`), or []."""
    entry = registry()._registry.get(qualified_overload)
    if entry is None:
        return []
    return list(entry.overloads)


@functools.cache
def signature(fn: Any) -> Any:
    """`onnx_ir.schemas.OpSignature` of a torchlib function (parameters vs attributes)."""

    return _schemas.op_signature_from_function(fn, fn.function_ir.domain, fn.name,
                                               since_version=fn.opset.version)  # fmt: skip


@functools.cache
def _opset(version: int) -> Any:
    return onnxscript.values.Opset("", version)


def call_torchlib(fn: Any, args: Sequence[Any], kwargs: dict[str, Any], opset: int
                  ) -> tuple[list[Any], list[Any], dict[Any, Any]]:  # fmt: skip
    """Record `fn(*args, **kwargs)`: (outputs, recorded onnx_ir nodes, used functions)."""

    recorder = OpRecorder(_opset(opset), {})
    with onnxscript.evaluator.default_as(recorder):
        out = fn(*args, **kwargs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return outs, recorder.nodes, dict(recorder.functions)


def function_to_ir(fn: Any) -> Any:
    if isinstance(fn, ir.Function):
        return fn
    return ir.serde.deserialize_function(fn.to_function_proto())
