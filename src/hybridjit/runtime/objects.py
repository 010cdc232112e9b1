"""How graphs reach Python objects: `prim::GetAttr` and `prim::CallMethod` at run time, and
the stand-in class of a script class loaded from an archive (`ScriptObject`)."""

from __future__ import annotations

import dataclasses
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


class ScriptObject:
    """An object of a script class loaded from an archive (the Python class is never
    imported). A dataclass's stand-in prints and compares as the dataclass did."""

    _hj_fields: tuple[str, ...] | None = None

    def __repr__(self) -> str:
        if self._hj_fields is None:
            return object.__repr__(self)
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._hj_fields)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if self._hj_fields is None:
            return self is other
        if type(other) is not type(self):
            return NotImplemented
        return tuple(getattr(self, n) for n in self._hj_fields) == tuple(
            getattr(other, n) for n in self._hj_fields
        )

    __hash__ = object.__hash__


def object_class(name: str, fields: list[str] | None, repr_name: str | None) -> type:
    """The stand-in Python class of script class `name` (a dataclass when `fields` is given)."""
    short = repr_name or name.rpartition(".")[2]
    return type(short, (ScriptObject,), {"_hj_fields": None if fields is None else tuple(fields),
                                         "__qualname__": short, "__module__": "hybridjit.loaded"})  # fmt: skip


def object_fields(cls: Any) -> list[str] | None:
    """The fields of a dataclass (what its repr and == use), None for any other class."""
    if isinstance(cls, type) and issubclass(cls, ScriptObject):
        return None if cls._hj_fields is None else list(cls._hj_fields)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return None
    return [f.name for f in dataclasses.fields(cls) if f.repr]
