"""Types of ONNX node outputs, one node at a time, with onnx's own shape inference.

torchlib's functions look at the dtype and rank of their inputs while they are traced, so
every value the exporter creates needs a type as soon as it exists.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import onnx_ir as ir


def infer_node(node: ir.Node, opset: int) -> None:
    if node.domain not in ("", "ai.onnx"):
        return
    if all(out.type is not None and (out.shape is not None or not isinstance(out.type, ir.TensorType))
           for out in node.outputs):  # fmt: skip
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
        c = const_of(v)
        if c is not None and c.size <= 64:
            input_data[v.name] = ir.serde.serialize_tensor(c)
    try:
        outs = onnx.shape_inference.infer_node_outputs(schema, proto, input_types, input_data)
    except Exception:
        return
    for out in node.outputs:
        t = outs.get(out.name)
        if t is None:
            continue
        _apply(out, t)


def const_of(v: ir.Value) -> Any:
    """The constant tensor behind `v` (an initializer or a `Constant` node's output), or None."""
    if v.const_value is not None:
        return v.const_value
    node = v.producer()
    if node is None or node.op_type != "Constant" or node.domain not in ("", "ai.onnx"):
        return None

    for name, attr in node.attributes.items():
        val = attr.value
        if name == "value":
            t = val
        elif name == "value_ints":
            t = ir.tensor(np.array(list(val), dtype=np.int64))
        elif name == "value_int":
            t = ir.tensor(np.array(val, dtype=np.int64))
        elif name == "value_floats":
            t = ir.tensor(np.array(list(val), dtype=np.float32))
        elif name == "value_float":
            t = ir.tensor(np.array(val, dtype=np.float32))
        else:
            return None
        v.const_value = t
        return t
    return None


def _apply(v: ir.Value, t: onnx.TypeProto) -> None:
    which = t.WhichOneof("value")
    if which == "tensor_type":
        tt = t.tensor_type
        if tt.elem_type == 0:
            return
        if v.type is None:
            v.type = ir.TensorType(ir.DataType(tt.elem_type))
        if tt.HasField("shape") and v.shape is None:
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
