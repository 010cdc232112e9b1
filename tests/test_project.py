"""Project-level rules: no TorchScript machinery in src/, README and CI agree."""

from __future__ import annotations

import ast
import pathlib
import re

import hybridjit

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "hybridjit"

# Calls that would hand hybridjit's job to TorchScript.  Markers read from user code
# (`torch.jit.is_scripting`, `torch.jit.Final`, ...) are attributes, not these calls.
FORBIDDEN_CALLS = re.compile(
    r"^torch\.jit\.(script|trace|trace_module|load|save|freeze|optimize_for_inference|"
    r"script_method|CompilationUnit|ScriptModule|RecursiveScriptModule)$"
    r"|^torch\._C\._jit_|^torch\._C\.(parse_ir|Graph|ScriptModule|ScriptFunction|"
    r"CompilationUnit|_create_function_from_graph)"
)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _torchscript_uses(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Name)):
            name = _dotted(node)
            if name and FORBIDDEN_CALLS.search(name):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    return found


def test_src_uses_no_torchscript_machinery():
    uses = [u for p in sorted(SRC.rglob("*.py")) for u in _torchscript_uses(p)]
    assert uses == []


def test_forbidden_pattern_catches_real_uses(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\ng = torch._C.parse_ir('')\nf = torch.jit.script(len)\n")
    assert [u.split(": ")[1] for u in _torchscript_uses_at(bad)] == [
        "torch._C.parse_ir",
        "torch.jit.script",
    ]


def _torchscript_uses_at(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [
        f"{node.lineno}: {_dotted(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and FORBIDDEN_CALLS.search(_dotted(node) or "")
    ]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_commands = [line for line in readme.splitlines() if "pytest" in line]
    assert len(test_commands) == 1
    assert test_commands[0].strip() in [line.strip() for line in ci.splitlines()]


def test_version_is_exposed():
    assert re.fullmatch(r"\d+\.\d+\.\d+", hybridjit.__version__)


def test_every_lazy_public_name_resolves():
    for name in hybridjit._LAZY:
        assert getattr(hybridjit, name) is not None, name


def test_dir_shows_the_lazily_loaded_public_api() -> None:
    names = dir(hybridjit)
    for name in ("script", "trace", "save", "load", "compile", "onnx", "Error", "ExportError"):
        assert name in names
    assert callable(hybridjit.onnx.export)
    assert not {"annotations", "importlib", "Any"} & set(names)  # helpers, not API
