"""Building hybridjit functions and modules from torch.jit ones (the oracle), for archive tests.

These helpers let the archive be tested on realistic graphs before (and independently of)
hybridjit's own frontends: torch.jit scripts the code, its graph text is parsed by hybridjit.
"""

from __future__ import annotations

import io
import re
from typing import Any

import torch

import hybridjit
from hybridjit.ir.types import ClassType
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule


def function_from_torch(fn: Any, name: str | None = None) -> ScriptFunction:
    """torch.jit.script(fn)'s graph (calls inlined) as a hybridjit ScriptFunction."""
    scripted = fn if isinstance(fn, torch.jit.ScriptFunction) else torch.jit.script(fn)
    graph = hybridjit.parse_ir(str(scripted.inlined_graph))
    name = name or scripted.name
    return ScriptFunction(name, graph, qualified_name=f"__torch__.{name}")


def module_from_torch(m: torch.nn.Module) -> ScriptModule:
    """A hybridjit ScriptModule with the members and method graphs of torch.jit.script(m)."""
    scripted = m if isinstance(m, torch.jit.ScriptModule) else torch.jit.script(m)
    types: dict[str, ClassType] = {}
    return _convert(scripted, types)


def _convert(sm: torch.jit.ScriptModule, types: dict[str, ClassType]) -> ScriptModule:
    out = ScriptModule()
    type_name = sm._c._type().qualified_name()
    t = types.setdefault(type_name, ClassType(type_name, True))
    object.__setattr__(out, "_hj_type", t)
    out.training = sm.training
    for name, p in sm._parameters.items():
        out.register_parameter(name, p)
    for name, b in sm._buffers.items():
        out.register_buffer(name, b)
    for name, child in sm._modules.items():
        out.add_module(name, _convert(child, types))
    for name in _plain_attributes(sm):
        object.__setattr__(out, name, getattr(sm, name))
    for name in sm._c._method_names():
        method = getattr(sm, name)
        text = str(method.graph)
        # Calls of torch's own scripted functions (F.relu) have no hybridjit callee: inline them.
        graph = hybridjit.parse_ir(
            str(method.inlined_graph) if "prim::CallFunction" in text else text, types
        )
        out._hj_define(name, ScriptFunction(name, graph, qualified_name=f"{type_name}.{name}"))
    return out


def _plain_attributes(sm: torch.jit.ScriptModule) -> list[str]:
    """Non-tensor attributes the methods read (torch does not list a module type's attributes)."""
    skip = {*sm._parameters.keys(), *sm._buffers.keys(), *sm._modules.keys(), "training"}
    text = "".join(str(getattr(sm, n).graph) for n in sm._c._method_names())
    names = dict.fromkeys(re.findall(r'prim::GetAttr\[name="(\w+)"\]', text))
    return [n for n in names if n not in skip and sm._c.hasattr(n)]


def save_bytes(obj: Any, extra: dict[str, Any] | None = None) -> bytes:
    buffer = io.BytesIO()
    hybridjit.save(obj, buffer, _extra_files=extra)
    return buffer.getvalue()


def load_bytes(data: bytes, **kwargs: Any) -> Any:
    return hybridjit.load(io.BytesIO(data), **kwargs)
