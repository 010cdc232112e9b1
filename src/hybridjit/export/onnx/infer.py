"""Types of ONNX node outputs, one node at a time, with onnx's own shape inference.

torchlib's functions look at the dtype and rank of their inputs while they are traced, so
every value the exporter creates needs a type as soon as it exists.
"""

from __future__ import annotations

from typing import Any

import onnx
import onnx_ir as ir


def infer_node(node: ir.Node, opset: int) -> None:
    if node.domain not in ("", "ai.onnx"):
        return
    if all(out.type is not None for out in node.outputs):
        return
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, "")
    except Exception:
        return
    proto = ir.serde.serialize_node(node)
    input_types: dict[str, onnx.TypeProto] = {}
    input_data: dict[str, onnx.TensorProto] = {}
    for v in node.inputs:
        if v is None or v.type is None:
            continue
        input_types[v.name] = ir.serde.serialize_value(v).type
        if v.const_value is not None and v.const_value.size <= 64:
            input_data[v.name] = ir.serde.serialize_tensor(v.const_value)
    try:
        outs = onnx.shape_inference.infer_node_outputs(schema, proto, input_types, input_data)
    except Exception:
        return
    for out in node.outputs:
        t = outs.get(out.name)
        if t is None or out.type is not None:
            continue
        _apply(out, t)


def _apply(v: ir.Value, t: onnx.TypeProto) -> None:
    which = t.WhichOneof("value")
    if which == "tensor_type":
        tt = t.tensor_type
        if tt.elem_type == 0:
            return
        v.type = ir.TensorType(ir.DataType(tt.elem_type))
        if tt.HasField("shape"):
            v.shape = ir.Shape([d.dim_value if d.HasField("dim_value") else
                                (d.dim_param or None) for d in tt.shape.dim])  # fmt: skip
    elif which == "sequence_type":
        elem = t.sequence_type.elem_type
        if elem.WhichOneof("value") == "tensor_type" and elem.tensor_type.elem_type:
            v.type = ir.SequenceType(ir.TensorType(ir.DataType(elem.tensor_type.elem_type)))
    elif which == "optional_type":
        pass


def dims_of(v: ir.Value) -> Any:
    return None if v.shape is None else list(v.shape)
