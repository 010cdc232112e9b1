"""Graph inputs and outputs of a traced function or method.

Inputs are tensors and (nested) tuples, lists and dicts of tensors, as torch.jit accepts::

    graph(%t : (Float(2), Float(2)), %l : Tensor[], %d : Dict(str, Tensor)):
      %a, %b = prim::TupleUnpack(%t)
      %x = prim::ListUnpack(%l)
      %y = aten::__getitem__(%d, "a")

Outputs are packed back with `prim::TupleConstruct` / `ListConstruct` / `DictConstruct`.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from hybridjit.errors import FrontendError, TracerWarning
from hybridjit.frontend.tracer.record import bind_result, materializer, value_of
from hybridjit.frontend.tracer.state import TracingState
from hybridjit.ir import types as T
from hybridjit.ir.graph import Value


def input_type(v: Any) -> T.Type:
    """The graph input type torch.jit gives an example input."""
    if isinstance(v, torch.Tensor):
        return T.TensorType.of(v)
    if isinstance(v, tuple):
        return T.TupleType(tuple(input_type(e) for e in v))
    if isinstance(v, list) and v:
        return T.ListType(T.unrefined(input_type(v[0])))
    if isinstance(v, dict) and v:
        key = T.type_of_value(next(iter(v)))
        return T.DictType(key, T.unrefined(input_type(next(iter(v.values())))))
    raise FrontendError(
        f"cannot trace an input of type {type(v).__name__}: expected a tensor or a (nested) "
        "tuple, list or dict of tensors"
    )


def add_input(state: TracingState, name: str, v: Any) -> Value:
    """A new graph input holding example value `v`; its tensors become traced."""
    value = state.frame.graph.add_input(input_type(v), name)
    bind_result(state, value, v)
    return value


def output_value(state: TracingState, v: Any, strict: bool = False) -> Value:
    """The Value for a traced result: tensors, tuples, lists and dicts of them, constants."""
    graph = state.frame.graph
    if isinstance(v, torch.Tensor):
        return value_of(state, v)
    if isinstance(v, (list, dict)) and strict:
        kind = type(v).__name__
        message = (
            f"Encountering a {kind} at the output of the tracer might cause the trace to be "
            f"incorrect: a {kind} is mutable and the trace cannot follow changes to it. If the "
            f"{kind} does not change, pass strict=False to trace()"
        )
        if isinstance(v, dict):  # torch.jit refuses a dict, and only warns for a list
            raise FrontendError(message)
        warnings.warn(message, TracerWarning, stacklevel=2)
    if isinstance(v, tuple):
        elems = [output_value(state, e, strict) for e in v]
        out_type = T.TupleType(tuple(e.type for e in elems))
        return graph.insert_node("prim::TupleConstruct", elems, [out_type]).output
    if isinstance(v, list):
        elems = [output_value(state, e, strict) for e in v]
        elem = T.unify_all(e.type for e in elems) or T.TENSOR
        return graph.insert_node(
            "prim::ListConstruct", elems, [T.ListType(T.unrefined(elem))]
        ).output
    if isinstance(v, dict):
        return _dict_output(state, v, strict)
    return materializer(state)(v, T.type_of_value(v))


def _dict_output(state: TracingState, v: dict[Any, Any], strict: bool) -> Value:
    make = materializer(state)
    flat: list[Value] = []
    for key, item in v.items():
        flat += [make(key, T.type_of_value(key)), output_value(state, item, strict)]
    key_type = flat[0].type if flat else T.StrType
    value_type = T.unrefined(T.unify_all(f.type for f in flat[1::2]) or T.TENSOR)
    return state.frame.graph.insert_node("prim::DictConstruct", flat,
                                         [T.DictType(key_type, value_type)]).output  # fmt: skip
