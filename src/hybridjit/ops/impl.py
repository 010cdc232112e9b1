"""`OpImpl`: how one operator runs (`run`) and how codegen writes it (`emit`), and the
constructors the op tables use (`py`, `stmt`, `call`)."""

from __future__ import annotations

import dataclasses
import string
from typing import Any, Callable, Protocol, Sequence


class Binder(Protocol):
    """What `emit` needs from the code generator: a global name for a Python object."""

    def bind(self, obj: Any, hint: str) -> str: ...


NOT_CONSTANT = object()


@dataclasses.dataclass(frozen=True)
class Operand:
    """An input as codegen sees it: its source text, and its value if it is a constant."""

    src: str
    value: Any = NOT_CONSTANT
    # The element sources of a list literal nested into this use (an inlined ListConstruct).
    elements: tuple[str, ...] | None = None

    @property
    def is_constant(self) -> bool:
        return self.value is not NOT_CONSTANT


Emit = Callable[[Sequence[Operand], Binder], str]


@dataclasses.dataclass(frozen=True)
class OpImpl:
    """How one operator runs (`run`) and what Python codegen writes for it (`emit`).

    `stmt`: `emit` gives a statement, not an expression; the node's output, if it has one,
    is its first input (`l.append(x)` returns `l`).  Expressions are atoms (calls, subscripts
    or parenthesized), so codegen may nest them as operands; `in_order` says that the
    expression evaluates its operands left to right, once each (so nesting keeps the order).
    `iter_emit`, for ops returning a list: an expression for the same elements as any
    iterable (no `list(...)` copy), for a result that is only unpacked.
    """

    run: Callable[..., Any]
    emit: Emit
    stmt: bool = False
    in_order: bool = True
    iter_emit: Emit | None = None


def _template(text: str) -> Emit:
    """An emitter from a format string over `{0}`, `{1}`, ..., `{args}` and `{rest}`."""

    def emit(ops: Sequence[Operand], binder: Binder) -> str:
        srcs = [o.src for o in ops]
        return text.format(*srcs, args=", ".join(srcs), rest=", ".join(srcs[1:]))

    return emit


def _in_order(template: str) -> bool:
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    numbers = [int(f) for f in fields if f.isdigit()]
    return numbers == sorted(set(numbers)) and not (numbers and {"args", "rest"} & set(fields))


def py(run: Callable[..., Any], template: str) -> OpImpl:
    """An op that codegen inlines as a Python expression."""
    return OpImpl(run, _template(template), in_order=_in_order(template))


def stmt(run: Callable[..., Any], template: str) -> OpImpl:
    """An op that codegen writes as a statement (its output, if any, aliases input 0)."""
    return OpImpl(run, _template(template), stmt=True)


def call(fn: Callable[..., Any], hint: str | None = None) -> OpImpl:
    """An op that codegen writes as a call of `fn`, bound as a global."""

    def emit(ops: Sequence[Operand], binder: Binder) -> str:
        name = binder.bind(fn, hint or getattr(fn, "__name__", "fn"))
        return f"{name}({', '.join(o.src for o in ops)})"

    return OpImpl(fn, emit)


def tuple_src(items: Sequence[str]) -> str:
    return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
