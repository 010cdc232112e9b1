"""The `hybridjit` command, run as real processes on saved and broken archives."""

from __future__ import annotations

import contextlib
import io
import os
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
    assert "def forward(x.1: Tensor) -> Tensor" in done.stdout
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


def test_broken_archives_exit_3(archives: dict[str, Path], tmp_path: Path) -> None:
    for command in ("show", "graph", "verify", "run", "dot", "code"):
        done = (real_cli if command == "verify" else cli)(command, str(archives["broken"]))
        assert done.returncode == 3, (command, done.stderr)
        assert "Traceback" not in done.stderr and "broken.hj" in done.stderr
    assert cli("verify", str(tmp_path / "absent.hj")).returncode == 3


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
    for command in ("show", "graph", "code", "run", "dot", "verify"):
        assert command in done.stdout
    assert "exit status" in done.stdout
