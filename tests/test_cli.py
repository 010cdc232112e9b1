"""The `hybridjit` command, run as real processes on saved and broken archives."""

from __future__ import annotations

import contextlib
import enum
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import hybridjit
from hybridjit.cli import main
from hybridjit.serialization.tensors import write_safetensors
from serialization.archive_edits import small_module
from serialization.helpers import function_from_torch


class Color(enum.Enum):
    RED = 1
    GREEN = 2


SCRIPT = shutil.which("hybridjit", path=os.path.dirname(sys.executable))


def real_cli(*args: str, via_script: bool = False) -> subprocess.CompletedProcess[str]:
    """The installed executable (or `python -m hybridjit`) in a subprocess."""
    command = [SCRIPT] if via_script and SCRIPT else [sys.executable, "-m", "hybridjit"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, check=False
    )


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`main(args)` in this process (fast), with the exit status and output a process gives."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as e:  # argparse's usage errors and --help
            status = e.code if isinstance(e.code, int) else 2
    return subprocess.CompletedProcess(list(args), status, out.getvalue(), err.getvalue())


def add(x: torch.Tensor, n: int) -> torch.Tensor:
    return x + n


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli")
    module, function = root / "small.hj", root / "add.hj"
    hybridjit.save(small_module(), module, _extra_files={"notes.txt": "hi"})
    hybridjit.save(function_from_torch(add), function)
    broken = root / "broken.hj"
    broken.write_bytes(module.read_bytes()[:200])
    x = root / "x.safetensors"
    x.write_bytes(write_safetensors({"x": torch.ones(1, 3)}))
    npy = root / "x.npy"
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }".ljust(117) + "\n"
    npy.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
                    + torch.ones(1, 3).numpy().tobytes())  # fmt: skip
    return {"module": module, "function": function, "broken": broken, "x": x, "npy": npy}


def test_show_prints_the_module_tree(archives: dict[str, Path]) -> None:
    done = real_cli("show", str(archives["module"]))
    assert done.returncode == 0, done.stderr
    assert "weight: parameter float32[2x3]" in done.stdout
    assert "def forward(x: Tensor) -> Tensor" in done.stdout  # Python names, not `x.1`
    assert "k: attribute = 2" in done.stdout and "extra files: notes.txt" in done.stdout


def test_graph_prints_the_ir(archives: dict[str, Path]) -> None:
    done = cli("graph", str(archives["module"]))
    assert done.returncode == 0 and done.stdout.startswith("graph(%self")
    assert cli("graph", str(archives["function"])).stdout.startswith("graph(%x")


def test_unknown_method_is_a_usage_error(archives: dict[str, Path]) -> None:
    done = cli("graph", str(archives["module"]), "nope")
    assert done.returncode == 2 and "no method or function 'nope'" in done.stderr


@pytest.mark.parametrize("arg", ["x", "npy", "[[1.0, 1.0, 1.0]]"])
def test_run_takes_files_and_literals(archives: dict[str, Path], arg: str) -> None:
    value = str(archives[arg]) if arg in archives else arg
    done = cli("run", str(archives["module"]), value)
    assert done.returncode == 0, done.stderr
    module = small_module()
    expected = module(torch.ones(1, 3))
    assert str(expected.detach()) in done.stdout


@pytest.mark.parametrize("arg", ["npy", "x"])
def test_the_executable_runs_on_tensor_files(archives: dict[str, Path], arg: str) -> None:
    done = real_cli("run", str(archives["function"]), str(archives[arg]), "5", via_script=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "tensor([[6., 6., 6.]])"


def test_run_a_function_with_a_number(archives: dict[str, Path]) -> None:
    done = real_cli("run", str(archives["function"]), "[1.0, 2.0]", "5")
    assert done.returncode == 0, done.stderr
    assert "tensor([6., 7.])" in done.stdout


def test_runtime_errors_exit_1_without_a_traceback(archives: dict[str, Path]) -> None:
    done = real_cli("run", str(archives["module"]), "[1.0]")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.startswith("hybridjit: error:")


def test_bad_arguments_exit_2(archives: dict[str, Path]) -> None:
    assert cli("run", str(archives["module"]), "missing.npy").returncode == 2
    assert real_cli("frobnicate").returncode == 2
    assert cli().returncode == 2


def test_missing_arguments_exit_2_with_the_usage(archives: dict[str, Path]) -> None:
    done = cli("run", str(archives["function"]))
    assert done.returncode == 2, done.stderr
    assert "missing a required argument" in done.stderr
    assert "usage: hybridjit run ARCHIVE X" in done.stderr


def test_broken_archives_exit_3(archives: dict[str, Path], tmp_path: Path) -> None:
    for command in ("show", "graph", "verify", "run", "dot", "code"):
        done = (real_cli if command == "verify" else cli)(command, str(archives["broken"]))
        assert done.returncode == 3, (command, done.stderr)
        assert "Traceback" not in done.stderr and "broken.hj" in done.stderr
    assert cli("verify", str(tmp_path / "absent.hj")).returncode == 3


@pytest.mark.parametrize("backend", ["interpreter", "onnxruntime", "auto"])
def test_run_with_another_backend_gives_the_same_output(archives: dict[str, Path],
                                                        backend: str) -> None:  # fmt: skip
    done = cli("run", "--backend", backend, str(archives["function"]), "[1.0, 2.0]", "5")
    assert done.returncode == 0, done.stderr
    assert "tensor([6., 7.])" in done.stdout


def test_export_writes_a_model_onnxruntime_runs(archives: dict[str, Path], tmp_path: Path) -> None:
    import numpy as np
    import onnxruntime as ort

    out = tmp_path / "add.onnx"
    done = cli("export", str(archives["function"]), "-o", str(out), "-i", "[1.0, 2.0]", "5")
    assert done.returncode == 0, done.stderr
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    feeds = {"x": np.array([3.0, 4.0], dtype=np.float32), "n": np.array(2, dtype=np.int64)}
    assert session.run(None, feeds)[0].tolist() == [5.0, 6.0]


def test_export_without_known_input_types_names_the_fix(archives: dict[str, Path],
                                                       tmp_path: Path) -> None:  # fmt: skip
    done = cli("export", str(archives["function"]), "-o", str(tmp_path / "f.onnx"))
    assert done.returncode == 1 and "example_inputs" in done.stderr
    assert cli("export", str(archives["broken"]), "-o", str(tmp_path / "b.onnx")).returncode == 3


def test_verify_reports_ok(archives: dict[str, Path]) -> None:
    done = real_cli("verify", str(archives["module"]), via_script=True)
    assert done.returncode == 0 and done.stdout.startswith("ok:")


def test_dot_output(archives: dict[str, Path], tmp_path: Path) -> None:
    done = cli("dot", str(archives["module"]))
    assert done.returncode == 0 and done.stdout.startswith('digraph "forward" {')
    assert "aten::linear" in done.stdout or "CallMethod" in done.stdout
    svg = cli("dot", str(archives["module"]), "--format", "svg", "-o", str(tmp_path / "g.svg"))
    if shutil.which("dot"):
        assert svg.returncode == 0 and (tmp_path / "g.svg").read_bytes().lstrip().startswith(b"<")
    else:
        assert svg.returncode == 1 and "Graphviz" in svg.stderr


def test_help_lists_every_command() -> None:
    done = cli("--help")
    assert done.returncode == 0
    for command in ("show", "graph", "code", "run", "export", "dot", "verify"):
        assert command in done.stdout
    assert "exit status" in done.stdout


# ---------------------------------------------------------------------------------------------
# `code` and `dot` on programs with nested blocks


class Nested(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(2):
            if bool(x.sum() > 0):
                x = self.lin(x)
            else:
                while bool(x.sum() < 0):
                    x = x + 1
        return x


def labelled(x: torch.Tensor) -> str:
    s = 'quote " brace { newline \n backslash \\ end'
    if bool(x.sum() > 0):
        s = s + "}"
    return s


@pytest.fixture(scope="module")
def nested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("nested")
    module, function = root / "nested.hj", root / "labelled.hj"
    hybridjit.save(hybridjit.script(Nested()), module)
    hybridjit.save(hybridjit.script(labelled), function)
    return {"module": module, "function": function}


def test_code_prints_every_level_of_a_module_archive(nested: dict[str, Path]) -> None:
    done = real_cli("code", str(nested["module"]), via_script=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("def forward(self, ")
    for fragment in ("for ", "if ", "else:", "while ", "self.lin"):
        assert fragment in done.stdout, fragment
    compile(done.stdout, "code", "exec")  # the printed code is valid Python syntax


_DOT_TOKEN = re.compile(r'\s*(->|[{}\[\];,=]|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|-?\d+)')


def dot_tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while text[pos:].strip():
        m = _DOT_TOKEN.match(text, pos)
        assert m, f"not a DOT token at {text[pos : pos + 40]!r}"
        tokens.append(m.group(1))
        pos = m.end()
    return tokens


class DotChecker:
    """A recursive-descent reader of the DOT grammar `graph_to_dot` uses; edges must join
    declared nodes.  Records how deeply clusters nest."""

    def __init__(self, text: str) -> None:
        self.tokens, self.pos, self.nodes, self.depth, self.deepest = (
            dot_tokens(text),
            0,
            set(),
            0,
            0,
        )

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.pos]
        assert expected is None or token == expected, (expected, token, self.pos)
        self.pos += 1
        return token

    def peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def graph(self) -> None:
        self.take("digraph")
        self.take()
        self.stmts()
        assert self.pos == len(self.tokens), "text after the graph"

    def stmts(self) -> None:
        self.take("{")
        while self.peek() != "}":
            self.stmt()
            if self.peek() == ";":
                self.take()
        self.take("}")

    def stmt(self) -> None:
        first = self.take()
        if first == "subgraph":
            self.take()
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)
            self.stmts()
            self.depth -= 1
        elif self.peek() == "=":
            self.take()
            self.take()
        elif first in ("graph", "node", "edge"):
            self.attrs()
        elif self.peek() == "->":
            while self.peek() == "->":
                self.take()
                target = self.take()
                assert {first, target} <= self.nodes, f"edge {first} -> {target} before a node"
            self.attrs()
        else:
            self.nodes.add(first)
            self.attrs()

    def attrs(self) -> None:
        if self.peek() != "[":
            return
        self.take("[")
        while self.peek() != "]":
            self.take()
            self.take("=")
            self.take()
            if self.peek() in (",", ";"):
                self.take()
        self.take("]")


@pytest.mark.parametrize("which", ["module", "function"])
def test_dot_is_valid_for_nested_blocks(nested: dict[str, Path], which: str) -> None:
    done = cli("dot", str(nested[which]))
    assert done.returncode == 0, done.stderr
    checker = DotChecker(done.stdout)
    checker.graph()
    assert checker.deepest >= (3 if which == "module" else 1)
    if which == "function":
        assert r"quote \" brace { newline \\n backslash \\\\ end" in done.stdout
    if shutil.which("dot"):
        rendered = subprocess.run(["dot", "-Tsvg"], input=done.stdout, capture_output=True,
                                  text=True, check=False)  # fmt: skip
        assert rendered.returncode == 0, rendered.stderr


def test_dot_checker_rejects_broken_dot() -> None:
    for bad in ("digraph g { a -> b; }", 'digraph g { a [label="x"; }', "digraph g { a; "):
        with pytest.raises((AssertionError, IndexError)):
            DotChecker(bad).graph()


# ---------------------------------------------------------------------------------------------
# archives with enum constants


def colour(i: int) -> Color:
    if i == 1:
        return Color.RED
    return Color.GREEN


def test_run_and_show_an_archive_with_enum_constants(tmp_path: Path) -> None:
    path = tmp_path / "colour.hj"
    hybridjit.save(hybridjit.script(colour), path)
    done = real_cli("run", str(path), "1")
    assert done.returncode == 0 and done.stdout.strip() == "Color.RED", done.stderr
    assert cli("graph", str(path)).stdout.count(f"__torch__.{__name__}.Color.") == 2
    shown = cli("show", str(path)).stdout
    assert f"enum __torch__.{__name__}.Color: RED=1, GREEN=2" in shown
