"""How graphs reach Python objects: `prim::GetAttr` and `prim::CallMethod` at run time."""

from __future__ import annotations

from typing import Any

_MODULE_STORES = ("_parameters", "_buffers", "_modules")
_NO_ATTRIBUTES: dict[str, Any] = {}


def get_attr(obj: Any, name: str) -> Any:
    """`getattr(obj, name)` (prim::GetAttr), without nn.Module's slow path.

    nn.Module finds parameters, buffers and submodules only after ordinary lookup has failed
    and raised (~0.4 µs); looking in those tables first gives the same answer, since
    nn.Module refuses to register a name that ordinary lookup would find.
    """
    d = getattr(obj, "__dict__", None)
    if d is not None:
        for store in _MODULE_STORES:
            table = d.get(store)
            if table is not None and name in table:
                return table[name]
    return getattr(obj, name)


def call_method(obj: Any, name: str, *args: Any, executor: str | None = None) -> Any:
    """`obj.<name>(*args)` (prim::CallMethod); a compiled method is called directly.

    Like TorchScript's CallMethod, this runs no nn.Module hooks.  The graph that issues the
    call was type-checked, so the callee's argument check is skipped too. `executor` runs
    the compiled method with that executor (the interpreter interprets callees too).
    """
    methods = getattr(obj, "__dict__", _NO_ATTRIBUTES).get("_hj_methods")
    method = methods.get(name) if methods is not None else None
    if method is None:
        return getattr(obj, name)(*args)
    if executor is not None:
        return method.compiled(executor)(obj, *args)
    return (method._compiled or method.compiled())(obj, *args)
