"""Hypothesis strategies for small well-typed Python functions, written out as source text.

A generated program is a module with `generated(x: Tensor, n: int) -> tuple[int, float]`
(or `tuple[int, Tensor]`), and optionally a `helper` of the same shape that `generated`
calls.  Bodies mix int, float and Tensor locals, arithmetic (`//` and `%` with divisors
guarded against zero), comparisons, `and`/`or`/`not`, ternaries, `if/elif/else`,
`for i in range(k)` (k <= 4, possibly data dependent and nested), counter-bounded `while`
loops, `break`/`continue` and early `return` in branches, and `f += ...` on floats.  Every
local is assigned before the first statement that could branch and keeps one type, so
TorchScript's typing rules accept every program.

Int assignments are clamped to [-INT_BOUND, INT_BOUND] and expressions are at most
MAX_DEPTH deep, so no intermediate int leaves int64 (TorchScript would wrap where Python
grows); floats may reach inf/nan, which IEEE arithmetic treats identically everywhere.
Programs are written to a temporary directory and imported, because scripting reads the
function's source with `inspect`.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import math
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import torch
from hypothesis import strategies as st

INT_BOUND = 100
MAX_DEPTH = 3
MAX_NESTING = 3
FN_NAME = "generated"
HELPER_NAME = "helper"

FLOAT_LITERALS = ("0.5", "1.5", "(-2.0)", "3.25", "0.0", "1e-3")
INT_CMP = ("<", "<=", ">", ">=", "==", "!=")


def inputs() -> list[tuple[torch.Tensor, int]]:
    """The (x, n) arguments every generated program is run on (fresh tensors each call)."""
    xs = (torch.tensor([0.5, -1.25, 2.0]), torch.tensor([-3.0, 0.25, 1.0]))
    return [(xs[i % 2].clone(), n) for i, n in enumerate((-2, 0, 1, 3, 6))]


@dataclass(frozen=True)
class Program:
    """Source text of a generated module; `generated` is its entry point."""

    source: str
    returns_tensor: bool
    has_helper: bool

    def __str__(self) -> str:
        return self.source


@dataclass(frozen=True)
class Scope:
    """What a statement or expression may refer to at its position in the program."""

    ints: tuple[str, ...]
    floats: tuple[str, ...]
    readonly: tuple[str, ...]  # parameters, loop indices and while counters
    tensor: bool
    returns_tensor: bool
    helper: bool | None = None  # None: no helper; else whether helper returns a Tensor
    loops: int = 0
    nesting: int = 0

    def nested(self, *readonly: str, loop: bool = False) -> Scope:
        return replace(self, readonly=self.readonly + readonly, nesting=self.nesting + 1,
                       loops=self.loops + int(loop))  # fmt: skip


# ---------------------------------------------------------------- expressions


def _neg_paren(v: int) -> str:
    return f"({v})" if v < 0 else str(v)


@st.composite
def int_atom(draw: Any, scope: Scope) -> str:
    names = scope.ints + scope.readonly
    if names and draw(st.booleans()):
        return draw(st.sampled_from(names))
    return _neg_paren(draw(st.integers(-9, 9)))


def _int_arith(draw: Any, scope: Scope, depth: int) -> str:
    op = draw(st.sampled_from(("+", "-", "*")))
    return f"({draw(int_expr(scope, depth - 1))} {op} {draw(int_expr(scope, depth - 1))})"


def _int_div(draw: Any, scope: Scope, depth: int) -> str:
    op = draw(st.sampled_from(("//", "%")))
    rhs = draw(int_expr(scope, depth - 1))
    return f"({draw(int_expr(scope, depth - 1))} {op} ({rhs} if {rhs} != 0 else 1))"


def _int_ternary(draw: Any, scope: Scope, depth: int) -> str:
    a, b = draw(int_expr(scope, depth - 1)), draw(int_expr(scope, depth - 1))
    return f"({a} if {draw(bool_expr(scope, depth - 1))} else {b})"


def _int_minmax(draw: Any, scope: Scope, depth: int) -> str:
    fn = draw(st.sampled_from(("min", "max")))
    return f"{fn}({draw(int_expr(scope, depth - 1))}, {draw(int_expr(scope, depth - 1))})"


INT_KINDS: dict[str, Callable[[Any, Scope, int], str]] = {
    "arith": _int_arith,
    "div": _int_div,
    "ternary": _int_ternary,
    "minmax": _int_minmax,
}


@st.composite
def int_expr(draw: Any, scope: Scope, depth: int) -> str:
    """An int-typed expression at most `depth` operators deep."""
    kind = draw(st.sampled_from(("atom", *INT_KINDS))) if depth > 0 else "atom"
    return draw(int_atom(scope)) if kind == "atom" else INT_KINDS[kind](draw, scope, depth)


@st.composite
def float_atom(draw: Any, scope: Scope) -> str:
    options = ["literal", "from_int"] + ["var"] * bool(scope.floats) + ["tensor"] * scope.tensor
    kind = draw(st.sampled_from(options))
    if kind == "var":
        return draw(st.sampled_from(scope.floats))
    if kind == "from_int":
        return f"float({draw(int_atom(scope))})"
    if kind == "tensor":
        return "float(t.sum())"
    return draw(st.sampled_from(FLOAT_LITERALS))


def _float_arith(draw: Any, scope: Scope, depth: int) -> str:
    op = draw(st.sampled_from(("+", "-", "*")))
    lhs = draw(float_expr(scope, depth - 1))
    rhs = draw(st.one_of(float_expr(scope, depth - 1), int_expr(scope, depth - 1)))
    return f"({rhs} {op} {lhs})" if draw(st.booleans()) else f"({lhs} {op} {rhs})"


def _float_div(draw: Any, scope: Scope, depth: int) -> str:
    rhs = draw(float_expr(scope, depth - 1))
    return f"({draw(float_expr(scope, depth - 1))} / ({rhs} if {rhs} != 0.0 else 1.0))"


def _float_true_div_ints(draw: Any, scope: Scope, depth: int) -> str:
    rhs = draw(int_expr(scope, depth - 1))
    return f"({draw(int_expr(scope, depth - 1))} / ({rhs} if {rhs} != 0 else 1))"


def _float_ternary(draw: Any, scope: Scope, depth: int) -> str:
    a, b = draw(float_expr(scope, depth - 1)), draw(float_expr(scope, depth - 1))
    return f"({a} if {draw(bool_expr(scope, depth - 1))} else {b})"


FLOAT_KINDS: dict[str, Callable[[Any, Scope, int], str]] = {
    "arith": _float_arith,
    "div": _float_div,
    "int_div": _float_true_div_ints,
    "ternary": _float_ternary,
}


@st.composite
def float_expr(draw: Any, scope: Scope, depth: int) -> str:
    """A float-typed expression (ints mixed in where Python promotes them)."""
    kind = draw(st.sampled_from(("atom", *FLOAT_KINDS))) if depth > 0 else "atom"
    return draw(float_atom(scope)) if kind == "atom" else FLOAT_KINDS[kind](draw, scope, depth)


def _cmp_int(draw: Any, scope: Scope, depth: int) -> str:
    op = draw(st.sampled_from(INT_CMP))
    return f"{draw(int_expr(scope, depth))} {op} {draw(int_expr(scope, depth))}"


def _cmp_float(draw: Any, scope: Scope, depth: int) -> str:
    op = draw(st.sampled_from(INT_CMP))
    rhs = draw(st.one_of(float_expr(scope, depth), int_expr(scope, depth)))
    return f"{draw(float_expr(scope, depth))} {op} {rhs}"


def _bool_connective(draw: Any, scope: Scope, depth: int) -> str:
    op = draw(st.sampled_from(("and", "or")))
    return f"({draw(bool_expr(scope, depth - 1))}) {op} ({draw(bool_expr(scope, depth - 1))})"


def _bool_not(draw: Any, scope: Scope, depth: int) -> str:
    return f"not ({draw(bool_expr(scope, depth - 1))})"


BOOL_KINDS: dict[str, Callable[[Any, Scope, int], str]] = {
    "cmp_int": _cmp_int,
    "cmp_float": _cmp_float,
    "connective": _bool_connective,
    "not": _bool_not,
}


@st.composite
def bool_expr(draw: Any, scope: Scope, depth: int) -> str:
    """A comparison, or `and`/`or`/`not` of smaller boolean expressions."""
    kinds = tuple(BOOL_KINDS) if depth > 0 else ("cmp_int", "cmp_float")
    kind = draw(st.sampled_from(kinds))
    return BOOL_KINDS[kind](draw, scope, max(depth - 1, 0) if kind.startswith("cmp") else depth)


def clamp(expr: str) -> str:
    return f"max(-{INT_BOUND}, min({INT_BOUND}, {expr}))"


# ---------------------------------------------------------------- statements


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _assign_int(draw: Any, scope: Scope) -> list[str]:
    target = draw(st.sampled_from(scope.ints))
    return [f"{target} = {clamp(draw(int_expr(scope, MAX_DEPTH)))}"]


def _assign_float(draw: Any, scope: Scope) -> list[str]:
    return [f"{draw(st.sampled_from(scope.floats))} = {draw(float_expr(scope, 2))}"]


def _augment_float(draw: Any, scope: Scope) -> list[str]:
    op = draw(st.sampled_from(("+=", "-=", "*=")))
    return [f"{draw(st.sampled_from(scope.floats))} {op} {draw(float_expr(scope, 1))}"]


def _tensor_update(draw: Any, scope: Scope) -> list[str]:
    options = (
        "t = t * 2 + x",
        "t = torch.relu(t)",
        "t = t * 0.5 + torch.relu(x - 1.0)",  # a loop-invariant subexpression
        f"{draw(st.sampled_from(scope.floats))} = float(x.sum()) + {draw(float_atom(scope))}",
        f"t = t - {draw(float_atom(scope))}",
        f"t = t * 0.5 + {draw(int_atom(scope))}",
        f"{draw(st.sampled_from(scope.floats))} = {scope.floats[0]} + float(t.sum())",
    )
    return [draw(st.sampled_from(options))]


def _call_helper(draw: Any, scope: Scope) -> list[str]:
    arg = "t" if scope.tensor and draw(st.booleans()) else "x"
    second = "t" if scope.helper else draw(st.sampled_from(scope.floats))
    target = draw(st.sampled_from(scope.ints))
    return [f"{target}, {second} = {HELPER_NAME}({arg}, {draw(int_atom(scope))})"]


def _if(draw: Any, scope: Scope) -> list[str]:
    inner = scope.nested()
    lines = [f"if {draw(bool_expr(scope, 2))}:", *_indent(draw(block(inner)))]
    for _ in range(draw(st.integers(0, 2))):
        lines += [f"elif {draw(bool_expr(scope, 1))}:", *_indent(draw(block(inner)))]
    if draw(st.booleans()):
        lines += ["else:", *_indent(draw(block(inner)))]
    return lines


def _for(draw: Any, scope: Scope) -> list[str]:
    index = f"i{scope.nesting}"
    k = draw(st.integers(0, 4))
    trips = str(k) if draw(st.booleans()) else f"min(n, {k})"
    body = draw(block(scope.nested(index, loop=True)))
    return [f"for {index} in range({trips}):", *_indent(body)]


def _while(draw: Any, scope: Scope) -> list[str]:
    counter = f"c{scope.nesting}"
    cond = f"{counter} < {draw(st.integers(0, 4))}"
    if draw(st.booleans()):
        cond += f" and ({draw(bool_expr(scope, 1))})"
    body = draw(block(scope.nested(counter, loop=True)))
    return [f"{counter} = 0", f"while {cond}:", f"    {counter} = {counter} + 1", *_indent(body)]


SIMPLE_STATEMENTS: dict[str, Callable[[Any, Scope], list[str]]] = {
    "assign_int": _assign_int,
    "assign_float": _assign_float,
    "augment_float": _augment_float,
    "tensor": _tensor_update,
    "call": _call_helper,
}
COMPOUND_STATEMENTS: dict[str, Callable[[Any, Scope], list[str]]] = {
    "if": _if,
    "for": _for,
    "while": _while,
}


@st.composite
def statement(draw: Any, scope: Scope) -> list[str]:
    kinds = ["assign_int", "assign_float", "augment_float"] + ["tensor"] * (2 * scope.tensor)
    kinds += ["call"] * (scope.helper is not None)
    if scope.nesting < MAX_NESTING:
        kinds += list(COMPOUND_STATEMENTS)
    kind = draw(st.sampled_from(kinds))
    table = SIMPLE_STATEMENTS if kind in SIMPLE_STATEMENTS else COMPOUND_STATEMENTS
    return table[kind](draw, scope)


@st.composite
def return_statement(draw: Any, scope: Scope) -> str:
    first = clamp(draw(int_expr(scope, 2)))
    if scope.returns_tensor:
        second = draw(st.sampled_from(("t", "t + x", "torch.relu(t) * 2")))
    else:
        second = draw(float_expr(scope, 2))
    return f"return ({first}, {second})"


@st.composite
def terminal(draw: Any, scope: Scope) -> list[str]:
    """Nothing, or `break`/`continue` (inside loops) or an early `return`."""
    if scope.nesting == 0:
        return []  # the function's own final return follows
    kinds = ["none", "return"] + ["break", "continue"] * (scope.loops > 0)
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return []
    return [draw(return_statement(scope))] if kind == "return" else [kind]


@st.composite
def block(draw: Any, scope: Scope) -> list[str]:
    """One to three statements, optionally ending in break/continue/return."""
    size = draw(st.integers(1, 3 if scope.nesting < 2 else 2))
    lines = [line for _ in range(size) for line in draw(statement(scope))]
    return lines + draw(terminal(scope))


# ---------------------------------------------------------------- functions and programs


@st.composite
def function_source(draw: Any, name: str, returns_tensor: bool, helper: bool | None) -> str:
    """`def name(x: Tensor, n: int) -> tuple[int, float | Tensor]` with a generated body."""
    n_ints, n_floats = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    tensor = returns_tensor or draw(st.booleans())
    ints = tuple(f"a{i}" for i in range(n_ints))
    floats = tuple(f"f{i}" for i in range(n_floats))
    init = ["a0 = n"] + [f"{v} = {_neg_paren(draw(st.integers(-9, 9)))}" for v in ints[1:]]
    init += [f"{v} = {draw(st.sampled_from(('float(n)', *FLOAT_LITERALS)))}" for v in floats]
    if tensor:
        init.append(f"t = {draw(st.sampled_from(('x * 1.0', 'x + 0.5', 'torch.relu(x)')))}")
    scope = Scope(ints, floats, ("n",), tensor, returns_tensor, helper)
    body = draw(block(scope))
    ret = "Tensor" if returns_tensor else "float"
    header = f"def {name}(x: Tensor, n: int) -> tuple[int, {ret}]:"
    return "\n".join([header, *_indent(init + body + [draw(return_statement(scope))])])


@st.composite
def programs(draw: Any, helpers: bool = True) -> Program:
    """A module defining `generated` (and maybe a `helper` that it calls)."""
    helper: bool | None = draw(st.sampled_from((None, False, True))) if helpers else None
    parts = ["import torch", "from torch import Tensor", ""]
    if helper is not None:
        parts += ["", draw(function_source(HELPER_NAME, helper, None)), ""]
    returns_tensor = draw(st.booleans()) or bool(helper)
    parts += ["", draw(function_source(FN_NAME, returns_tensor, helper)), ""]
    return Program("\n".join(parts), returns_tensor, helper is not None)


# ---------------------------------------------------------------- running


def budget(ci_examples: int) -> int:
    """`ci_examples` under the default (CI) profile; the profile's own, larger count under
    `HYPOTHESIS_PROFILE=long`, so deep fuzzing needs no edit."""
    from hypothesis import settings

    profile_examples = settings.default.max_examples
    return profile_examples if profile_examples > 100 else ci_examples


def script_fresh(fn: Callable[..., Any]) -> Any:
    """`hybridjit.script(fn)` with the frontend's per-function caches emptied first.

    The frontend caches compiled functions by `__code__`, and code objects compare by value:
    `generated` of one example can equal `generated` of another that calls a different
    `helper`, and the cache would hand back the wrong one (reported; see
    test_equal_code_in_two_modules_compiles_separately).  Clearing keeps examples independent.
    """
    import hybridjit
    from hybridjit.frontend.script import compiler

    clear = getattr(compiler, "clear_caches", None)
    if clear is not None:
        clear()
    return hybridjit.script(fn)


def same(a: Any, b: Any) -> bool:
    """Exactly equal results: same Python types, tensors equal in dtype, shape and values
    (NaN equal to NaN), floats equal (NaN equal to NaN)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, torch.Tensor):
        return (
            a.dtype == b.dtype
            and a.shape == b.shape
            and torch.equal(a.isnan(), b.isnan())
            and bool((a == b).logical_or(a.isnan()).all())
        )
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


# ---------------------------------------------------------------- loading


_module_dir: Path | None = None


def _directory() -> Path:
    global _module_dir
    if _module_dir is None:
        _module_dir = Path(tempfile.mkdtemp(prefix="hybridjit_property_"))
        sys.path.insert(0, str(_module_dir))
        atexit.register(shutil.rmtree, _module_dir, True)
    return _module_dir


def load(program: Program) -> Callable[..., Any]:
    """Write `program` to a real file, import it and return its `generated` function."""
    name = "hj_prop_" + hashlib.sha1(program.source.encode()).hexdigest()[:16]
    if name not in sys.modules:
        path = _directory() / f"{name}.py"
        path.write_text(program.source)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return getattr(sys.modules[name], FN_NAME)
