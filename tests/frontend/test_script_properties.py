"""Property test: random little programs (assignments, if, for, while, break, continue,
early return) agree between eager Python and both hybridjit executors."""

from __future__ import annotations

import itertools
import linecache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import hybridjit

VARS = ("a", "b", "c")
_COUNTER = itertools.count()

exprs = st.recursive(
    st.one_of(st.sampled_from(VARS), st.integers(-3, 5).map(str)),
    lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
        lambda t: f"({t[0]} {t[1]} {t[2]}) % 97"
    ),
    max_leaves=4,
)
conds = st.tuples(exprs, st.sampled_from(["<", ">", "==", "!="]), exprs).map(" ".join)


def _block(draw: Any, depth: int, in_loop: bool) -> list[str]:
    n = draw(st.integers(1, 3))
    return [line for _ in range(n) for line in _stmt(draw, depth, in_loop)]


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _stmt(draw: Any, depth: int, in_loop: bool) -> list[str]:
    kinds = ["assign", "assign"]
    if depth < 3:
        kinds += ["if", "for", "while"]
    if in_loop:
        kinds += ["break", "continue"]
    kinds.append("return")
    kind = draw(st.sampled_from(kinds))
    if kind == "assign":
        return [f"{draw(st.sampled_from(VARS))} = {draw(exprs)}"]
    if kind == "return":
        return [f"return {draw(exprs)}"]
    if kind in ("break", "continue"):
        return [f"if {draw(conds)}:", f"    {kind}"]
    if kind == "if":
        out = [f"if {draw(conds)}:", *_indent(_block(draw, depth + 1, in_loop))]
        if draw(st.booleans()):
            out += ["else:", *_indent(_block(draw, depth + 1, in_loop))]
        return out
    if kind == "for":
        bound = draw(st.sampled_from(["3", "a % 4", "range(b % 3, 4)"]))
        head = f"for i{depth} in {bound if bound.startswith('range') else f'range({bound})'}:"
        return [head, *_indent(_block(draw, depth + 1, True))]
    n = f"n{depth}"
    body = [f"{n} = {n} + 1", *_block(draw, depth + 1, True)]
    return [f"{n} = 0", f"while {n} < 3:", *_indent(body)]


@st.composite
def programs(draw: Any) -> str:
    body = ["a = x", "b = y", "c = 0", *_block(draw, 0, False), "return a + b + c"]
    return "def prog(x: int, y: int) -> int:\n" + "\n".join(_indent(body)) + "\n"


def _load(source: str) -> Any:
    filename = f"<hybridjit-property-{next(_COUNTER)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), scope)  # noqa: S102 - generated test programs
    return scope["prog"]


@settings(max_examples=150)
@given(programs(), st.integers(-4, 6), st.integers(-4, 6))
def test_random_programs_agree_with_eager(source: str, x: int, y: int) -> None:
    fn = _load(source)
    sf = hybridjit.script(fn)
    interp = sf.using("interpreter")
    expected = fn(x, y)
    assert sf(x, y) == expected, source
    assert interp(x, y) == expected, source
