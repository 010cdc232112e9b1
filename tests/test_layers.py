"""The import graph of src/: layers import only downwards, packages form no cycle, and a
function-local import says why it is not at the top of its module.

The layer order (a module may import its own layer and the ones before it):

    errors, utils, version  <  ir.types  <  ops  <  ir  <  passes  <  pipeline  <  runtime
      <  serialization  <  frontend  <  backends  <  the public API (hybridjit, onnx, cli)

`ir.types` is the bottom of the IR: operator schemas (`ops/`) are typed with it, and graphs
(`ir/`) carry operators, so `ops` sits between the two.
"""

from __future__ import annotations

import ast
import pathlib
from dataclasses import dataclass

import pytest

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "hybridjit"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("hybridjit.errors", "hybridjit.utils", "hybridjit.version"),
    ("hybridjit.ir.types",),
    ("hybridjit.ops",),
    ("hybridjit.ir",),
    ("hybridjit.passes",),
    ("hybridjit.pipeline",),
    ("hybridjit.runtime",),
    ("hybridjit.serialization",),
    ("hybridjit.frontend",),
    ("hybridjit.backends",),
    ("hybridjit", "hybridjit.onnx", "hybridjit.cli", "hybridjit.__main__"),
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (the most specific one that exists)
    line: int
    local: bool  # inside a function
    commented: bool  # a comment on its line or the line above


def unit_of(module: str) -> tuple[int, str]:
    """(layer index, unit name) of a module: the longest matching unit prefix."""
    best: tuple[int, str] | None = None
    for index, units in enumerate(LAYERS):
        for unit in units:
            if (module == unit or module.startswith(unit + ".")) and (
                best is None or len(unit) > len(best[1])
            ):
                best = (index, unit)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(module: str) -> bool:
    path = SRC / module.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("hybridjit")]
    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hybridjit"):
        subs = [f"{node.module}.{a.name}" for a in node.names]
        return [s if _exists(s) else node.module for s in subs]  # type: ignore[misc]
    return []


def _type_checking_nodes(tree: ast.AST) -> set[ast.AST]:
    found: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found.update(n for stmt in node.body for n in ast.walk(stmt))
    return found


def imports_of(path: pathlib.Path) -> list[Import]:
    """Every import of a hybridjit module in `path` (TYPE_CHECKING-only ones left out)."""
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    skip = _type_checking_nodes(tree)
    in_function = {
        sub
        for fn in ast.walk(tree)
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
        for sub in ast.walk(fn)
    }
    found = []
    for node in ast.walk(tree):
        if node in skip or not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        here = lines[node.lineno - 1]
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        commented = "#" in here or above.startswith("#")
        for target in _targets(node):
            found.append(Import(module_name(path), target, node.lineno, node in in_function,
                                commented))  # fmt: skip
    return found


def local_imports_of(path: pathlib.Path) -> list[tuple[int, bool]]:
    """(line, commented) of every import inside a function, of any module.

    A comment covers its line, the next line, and a run of imports right below it.
    """
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    nodes = sorted(
        {node.lineno: node for fn in ast.walk(tree)
         if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
         for node in ast.walk(fn) if isinstance(node, (ast.Import, ast.ImportFrom))}.items()
    )  # fmt: skip
    commented: dict[int, bool] = {}
    for line, node in nodes:
        here, above = lines[line - 1], lines[line - 2].strip()
        covered = commented.get(line - 1, False) and above.startswith(("import ", "from "))
        commented[node.end_lineno or line] = commented[line] = (
            "#" in here or above.startswith("#") or covered
        )
    return [(line, commented[line]) for line, _ in nodes]


SOURCES = sorted(PACKAGE.rglob("*.py"))
IMPORTS = [imp for path in SOURCES for imp in imports_of(path)]


def test_every_module_has_a_layer() -> None:
    for path in SOURCES:
        unit_of(module_name(path))


def test_imports_never_go_up_the_layers() -> None:
    upward = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in IMPORTS
        if unit_of(i.target)[0] > unit_of(i.module)[0]
    ]
    assert upward == []


def test_no_import_cycle_between_units() -> None:
    edges: dict[str, set[str]] = {}
    for i in IMPORTS:
        a, b = unit_of(i.module)[1], unit_of(i.target)[1]
        if a != b:
            edges.setdefault(a, set()).add(b)
    assert _cycles(edges) == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_function_local_imports_say_why(path: pathlib.Path) -> None:
    silent = [line for line, commented in local_imports_of(path) if not commented]
    assert silent == [], f"{path.name}: imports inside functions without a reason at {silent}"


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path: pathlib.Path) -> None:
    assert unit_of("hybridjit.ir.graph")[0] > unit_of("hybridjit.ops.prims.base")[0]
    assert unit_of("hybridjit.ir.types")[0] < unit_of("hybridjit.ops.kernels")[0]
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    bad = tmp_path / "m.py"
    bad.write_text(
        "def f():\n    import json\n\ndef g():\n    # the reason\n    import os\n"
        "    import re\n\ndef h():\n    x = 1\n    import io\n"
    )
    assert local_imports_of(bad) == [(2, False), (6, True), (7, True), (11, False)]
