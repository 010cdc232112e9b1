"""Hypothesis strategy: AST mutations of the valid corpus programs (tests/corpus/script_programs).

A mutant is one corpus function with one to three edits: an operator swapped (arithmetic,
comparison, boolean, unary), a statement dropped or duplicated, a constant changed, or a
variable read renamed to an undefined name.  It is written to a temporary module file (so
`inspect` finds its source) whose globals are the corpus module's, and scripted from there.

The property (see test_source_mutations.py): scripting either raises `hybridjit.FrontendError`
naming the mutant's file and line, or compiles to a function whose every call agrees with
eager Python on the case's inputs — never an internal exception.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.util
import inspect
import sys
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any, Callable

from hypothesis import strategies as st
from tests.corpus import Case, cases_in
from tests.corpus import script_programs as corpus
from tests.property.program_strategy import _directory

UNDEFINED = "hj_undefined_name"
BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd,
          ast.BitOr, ast.BitXor, ast.LShift, ast.RShift, ast.MatMult)  # fmt: skip
CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In,
          ast.NotIn)  # fmt: skip
BOOLOPS = (ast.And, ast.Or)
UNARYOPS = (ast.USub, ast.Not, ast.Invert, ast.UAdd)
CONSTANTS = (0, 1, -1, 2, 3, 7, 0.5, -2.5, True, False, None, "", "a")
KINDS = ("binop", "cmpop", "boolop", "unaryop", "drop", "duplicate", "constant", "undefined")


def _plain(case: Case) -> bool:
    """Only functions whose one decorator is `@case` (others change what scripting sees)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(case.fn)))
    except (OSError, TypeError, SyntaxError):
        return False
    node = tree.body[0]
    return isinstance(node, ast.FunctionDef) and all(
        isinstance(d, ast.Call) and getattr(d.func, "id", None) == "case"
        for d in node.decorator_list
    )


CASES = [c for c in cases_in(vars(corpus)) if _plain(c)]


def _definition(case: Case) -> ast.FunctionDef:
    tree = ast.parse(textwrap.dedent(inspect.getsource(case.fn)))
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef)
    node.decorator_list = []
    return node


@dataclass(frozen=True)
class Mutant:
    case: Case
    edits: tuple[tuple[str, int, int], ...]  # (kind, which node, which replacement)
    source: str  # the mutated `def`

    def __str__(self) -> str:
        return f"{self.case.name} with {self.edits}:\n{self.source}"


def _bodies(tree: ast.AST) -> list[list[ast.stmt]]:
    return [
        body
        for node in ast.walk(tree)
        for field in ("body", "orelse", "finalbody")
        if isinstance(body := getattr(node, field, None), list)
        and body
        and isinstance(body[0], ast.stmt)
    ]


def _apply(fn: ast.FunctionDef, kind: str, which: int, choice: int) -> bool:
    """Apply one edit in place; False when the function has no node of that kind."""
    nodes = [n for stmt in fn.body for n in ast.walk(stmt)]  # annotations stay as written
    if kind in ("binop", "cmpop", "boolop", "unaryop"):
        cls, ops = {"binop": (ast.BinOp, BINOPS), "cmpop": (ast.Compare, CMPOPS),
                    "boolop": (ast.BoolOp, BOOLOPS), "unaryop": (ast.UnaryOp, UNARYOPS)}[kind]  # fmt: skip
        targets = [
            n
            for n in nodes
            if isinstance(n, cls) or (kind == "binop" and isinstance(n, ast.AugAssign))
        ]
        if not targets:
            return False
        node = targets[which % len(targets)]
        new = ops[choice % len(ops)]()
        if isinstance(node, ast.Compare):
            node.ops[choice % len(node.ops)] = new
        else:
            node.op = new
        return True
    if kind in ("drop", "duplicate"):
        bodies = [b for b in _bodies(fn) if b is not fn.body or len(b) > 1]
        if not bodies:
            return False
        body = bodies[which % len(bodies)]
        i = choice % len(body)
        if kind == "drop":
            del body[i]
            if not body:
                body.append(ast.Pass())
        else:
            body.insert(i, copy.deepcopy(body[i]))
        return True
    if kind == "constant":
        in_fstrings = {id(v) for n in nodes if isinstance(n, ast.JoinedStr) for v in n.values}
        nodes = [n for n in nodes if id(n) not in in_fstrings]
        targets = [n for n in nodes if isinstance(n, ast.Constant) and not isinstance(n.value, str)
                   or isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) < 3]  # fmt: skip
        if not targets:
            return False
        targets[which % len(targets)].value = CONSTANTS[choice % len(CONSTANTS)]
        return True
    reads = [n for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    if not reads:
        return False
    reads[which % len(reads)].id = UNDEFINED
    return True


edits = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 1000), st.integers(0, 1000)),
    min_size=1, max_size=3,
)  # fmt: skip


@st.composite
def mutants(draw: Any) -> Mutant:
    case = draw(st.sampled_from(CASES))
    fn = _definition(case)
    applied = tuple(e for e in draw(edits) if _apply(fn, *e))
    ast.fix_missing_locations(fn)
    return Mutant(case, applied, ast.unparse(fn))


PRELUDE = (
    "import tests.corpus.script_programs as _corpus\n"
    "globals().update({k: v for k, v in vars(_corpus).items() if not k.startswith('__')})\n"
)


def load(mutant: Mutant) -> tuple[Callable[..., Any] | None, str]:
    """Import the mutant from its own file: (the function or None when Python itself refuses
    the module, the file's path)."""
    name = "hj_mut_" + hashlib.sha1(mutant.source.encode()).hexdigest()[:16]
    path = _directory() / f"{name}.py"
    if name not in sys.modules:
        path.write_text(PRELUDE + "\n\n" + mutant.source + "\n")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. `is` with a literal
                spec.loader.exec_module(module)
        except Exception:  # noqa: BLE001 - Python itself refuses the mutant (a SyntaxError...)
            return None, str(path)
        sys.modules[name] = module
    return getattr(sys.modules[name], mutant.case.name), str(path)


class TooLong(Exception):
    """Eager execution of a mutant ran past the step budget (e.g. a loop lost its counter)."""


def bounded(fn: Callable[..., Any], filename: str, steps: int = 20_000) -> Callable[..., Any]:
    """`fn`, raising TooLong after `steps` traced lines in `filename` (mutants may not stop)."""

    def run(*args: Any) -> Any:
        count = 0

        def local(frame: Any, event: str, arg: Any) -> Any:
            nonlocal count
            if event == "line":
                count += 1
                if count > steps:
                    raise TooLong
            return local

        def tracer(frame: Any, event: str, arg: Any) -> Any:
            return local if frame.f_code.co_filename == filename else None

        old = sys.gettrace()
        sys.settrace(tracer)
        try:
            return fn(*args)
        finally:
            sys.settrace(old)

    return run
