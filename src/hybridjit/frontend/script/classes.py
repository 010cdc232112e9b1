"""Script classes: user classes compiled to a `ClassType` with typed fields and methods."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hybridjit.frontend.script.sugared import SugaredValue

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value


def construct(c: C, cls: type, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    c.fail(f"expected a class TorchScript can compile, found {cls.__qualname__}")


def attribute(c: C, v: Value, name: str) -> SugaredValue:
    c.fail(f"expected an attribute of '{v.type}', found none named '{name}'")


def call_method(c: C, v: Value, name: str, args: list[SugaredValue],
                kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip
    c.fail(f"expected a method of '{v.type}', found none named '{name}'")


def set_attribute(c: C, obj: Value, name: str, value: Value) -> None:
    c.fail(f"expected an attribute of '{obj.type}' to assign, found none named '{name}'")


_unused: Any = None
