"""Human-readable summaries of a loaded archive (what `hybridjit show` and `verify` print)."""

from __future__ import annotations

import inspect
from typing import Any

import torch

from hybridjit.runtime.function import ScriptFunction
from hybridjit.serialization.reader import Contents


def describe(contents: Contents, path: str) -> str:
    """The module tree with methods, parameters, buffers and attributes; then the rest."""
    m = contents.manifest
    lines = [f"archive {path}: format {m.get('format_version')}, written by hybridjit "
             f"{m.get('hybridjit_version')} with torch {m.get('torch_version')}"]  # fmt: skip
    root = contents.root
    if isinstance(root, torch.nn.Module):
        _module(root, "", "", lines)
        params = list(root.parameters())
        count, nbytes = sum(p.numel() for p in params), sum(_nbytes(p) for p in params)
        lines.append(f"parameters: {len(params)} tensors, {count} elements, {_size(nbytes)}")
    else:
        lines.append(f"function {root.qualified_name}{_signature(root, 0)}")
    helpers = [
        f for f in contents.functions.values() if f is not root and not _is_method(contents, f)
    ]
    lines.extend(f"calls function {f.qualified_name}{_signature(f, 0)}" for f in helpers)
    lines.extend(f"enum {name}: " + ", ".join(f"{m.name}={m.value!r}" for m in cls)
                 for name, cls in contents.enums.items())  # fmt: skip
    if contents.extra_files:
        lines.append("extra files: " + ", ".join(contents.extra_files))
    return "\n".join(lines) + "\n"


def summary(contents: Contents) -> str:
    root = contents.root
    kind = (
        f"module tree of {len(contents.modules)} modules"
        if isinstance(root, torch.nn.Module)
        else "function"
    )
    return f"{kind}, {len(contents.functions)} graphs verified"


def _module(m: torch.nn.Module, name: str, indent: str, lines: list[str]) -> None:
    type_name = getattr(getattr(m, "_hj_type", None), "qualified_name", type(m).__name__)
    mode = "training" if m.training else "eval"
    lines.append(f"{indent}{name + ': ' if name else ''}module {type_name} ({mode})")
    inner = indent + "  "
    for method_name, fn in getattr(m, "_hj_methods", {}).items():
        lines.append(f"{inner}def {method_name}{_signature(fn, 1)}")
    for pname, p in m._parameters.items():
        lines.append(f"{inner}{pname}: parameter {_tensor(p)}")
    for bname, b in m._buffers.items():
        lines.append(f"{inner}{bname}: buffer {_tensor(b)}")
    for attr, value in _attributes(m):
        lines.append(f"{inner}{attr}: attribute = {_short(value)}")
    for child_name, child in m._modules.items():
        if child is not None:
            _module(child, child_name, inner, lines)


def _attributes(m: torch.nn.Module) -> list[tuple[str, Any]]:
    declared = getattr(getattr(m, "_hj_type", None), "attributes", {})
    skip = {"training", "_hj_methods", "_hj_type", "_hj_constructed"}
    names = [n for n in m.__dict__ if not n.startswith("_") and n not in skip] + list(declared)
    return [(n, m.__dict__[n]) for n in dict.fromkeys(names) if n in m.__dict__ and n not in skip]


def _signature(fn: ScriptFunction, skip: int) -> str:
    inputs = fn.graph.inputs[skip:]
    outputs = fn.graph.outputs
    args = ", ".join(_parameter(fn, i, v) for i, v in enumerate(inputs, skip))
    result = outputs[0].type.python_str() if len(outputs) == 1 else "None"
    return f"({args}) -> {result}"


def _parameter(fn: ScriptFunction, index: int, value: Any) -> str:
    name, default = python_parameters(fn)[index]
    shown = "" if default is inspect.Parameter.empty else f" = {default!r}"
    return f"{name}: {value.type.python_str()}{shown}"


def python_parameters(fn: ScriptFunction) -> list[tuple[str, Any]]:
    """(name, default or `inspect.Parameter.empty`) for each graph input, with the Python
    parameter names (`x`, not the graph's `x.1`) where the archive kept the signature."""
    signature = getattr(fn, "signature", None)
    params = list(signature.parameters.values()) if signature is not None else []
    if len(params) == len(fn.graph.inputs):
        return [(p.name, p.default) for p in params]
    names = [v.debug_name.split(".")[0] for v in fn.graph.inputs]
    return [(n if n.isidentifier() else f"arg{i}", inspect.Parameter.empty)
            for i, n in enumerate(names)]  # fmt: skip


def _tensor(t: torch.Tensor | None) -> str:
    if t is None:
        return "None"
    shape = "x".join(map(str, t.shape)) or "scalar"
    return f"{str(t.dtype).removeprefix('torch.')}[{shape}] on {t.device} ({_size(_nbytes(t))})"


def _nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_method(contents: Contents, fn: ScriptFunction) -> bool:
    return any(fn in getattr(m, "_hj_methods", {}).values() for m in contents.modules)
