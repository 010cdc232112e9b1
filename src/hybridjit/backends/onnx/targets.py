"""What can be exported: from a user object to (graph, %self object, example inputs)."""

from __future__ import annotations

import os
from typing import Any

import torch

from hybridjit.errors import ExportError
from hybridjit.frontend.api import script
from hybridjit.frontend.trace import trace
from hybridjit.ir import types as T
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule
from hybridjit.serialization.archive import load


def as_tuple(example_inputs: Any) -> tuple[Any, ...] | None:
    if example_inputs is None:
        return None
    if isinstance(example_inputs, tuple):
        return example_inputs
    if isinstance(example_inputs, list) and not all(
        isinstance(x, (int, float)) for x in example_inputs
    ):
        return tuple(example_inputs)
    return (example_inputs,)


def compiled(obj: Any, example_inputs: tuple[Any, ...] | None, method: str = "forward") -> Any:
    """`obj` as a hybridjit ScriptFunction / ScriptModule (scripting or tracing plain code)."""

    if isinstance(obj, (str, os.PathLike)):
        return load(obj)
    if isinstance(obj, (ScriptFunction, ScriptModule)):
        return obj

    try:
        return script(obj)
    except Exception as first:
        if example_inputs is None:
            raise ExportError(f"cannot export {obj!r}: scripting failed ({first}) and no "
                              "example_inputs were given to trace it") from first  # fmt: skip

        return trace(obj, example_inputs)


def resolve(
    obj: Any, example_inputs: Any, method: str = "forward"
) -> tuple[Any, Any, tuple[Any, ...]]:

    examples = as_tuple(example_inputs)
    target = compiled(obj, examples, method)
    if isinstance(target, ScriptFunction):
        graph, self_obj = target.graph, None
        params = list(graph.inputs)
    elif isinstance(target, ScriptModule):
        if method not in target._hj_methods:
            raise ExportError(
                f"cannot export: {type(target).__name__} has no compiled method {method!r}"
            )
        graph, self_obj = target._hj_methods[method].graph, target
        params = list(graph.inputs)[1:]
        if target.training:
            target = target  # modules export in their current mode; dropout etc. check it
    else:
        raise ExportError(f"cannot export {type(target).__name__}")
    if examples is None:
        examples = tuple(_example_from_type(v) for v in params)
    return graph, self_obj, examples


def _example_from_type(v: Any) -> Any:
    t = v.type
    if isinstance(t, T.TensorType) and t.dtype is not None and t.sizes is not None \
            and all(s is not None for s in t.sizes):  # fmt: skip
        return torch.zeros(t.sizes, dtype=t.dtype)
    if t == T.IntType:
        return 0
    if t == T.FloatType:
        return 0.0
    if t == T.BoolType:
        return False
    raise ExportError(f"cannot export: the dtype and rank of input %{v.debug_name} ({t}) are not "
                      "known; pass example_inputs")  # fmt: skip
