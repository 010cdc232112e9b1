"""Every `torchvision.models.list_models()` model through `hybridjit.script` and
`hybridjit.trace`: equal to eager, saved, loaded in a fresh process, equal again.

torchvision is a test-only dependency (`.ci/run` installs it with `--no-deps`, so the CPU
torch stays). Its PyPI wheel is built against the CUDA torch and its C extension does not
load beside torch+cpu; `tests/zoo/torchvision_shim.py` (written for this project) registers
the `torchvision::` operators its models call (nms, roi_align, roi_pool, ps_roi_*,
deform_conv2d, box_iou_rotated) through `torch.library` with small CPU reference kernels before importing it.

Each model is built with random weights (`weights=None`, seeded), in eval mode, small
(`tests/zoo/models.py`: few-dozen-pixel inputs, ViT/MViT/detection sized down). A model
whose eager forward fails on that input is skipped; trace cases run where `torch.jit.trace`
accepts the model (both traced with `strict=False`, so that the dict outputs of segmentation
models are traced too). The default suite runs one model per family (`models.SAMPLE`); the rest
carry the `zoo` marker and run as their own step of `.ci/run` (`pytest -m zoo tests/zoo`).
Archives are loaded by `tests/zoo/loader.py`, a worker process that never imports
torchvision and is replaced every few models.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib.util
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

if importlib.util.find_spec("torchvision") is None:
    pytest.skip(
        "the zoo needs torchvision: pip install --no-deps torchvision==0.28.0",
        allow_module_level=True,
    )

import torch  # noqa: E402
from tests.zoo.loader import revive  # noqa: E402
from tests.zoo.models import SAMPLE, all_models, assert_close, build, comparable  # noqa: E402

import hybridjit  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
LOADS_PER_WORKER = 4

# Models that do not pass yet, with the cause: (mode, model) -> reason (none since session 6).
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


class Loader:
    """A `tests/zoo/loader.py` worker, replaced after LOADS_PER_WORKER archives."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.uses = 0

    def run(self, archive: Path, inputs: tuple[Any, ...], tmp: Path) -> Any:
        if self.proc is None or self.uses >= LOADS_PER_WORKER or self.proc.poll() is not None:
            self.close()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.zoo.loader"], cwd=REPO, text=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )  # fmt: skip
            self.uses = 0
        self.uses += 1
        torch.save(inputs, tmp / "inputs.pt")
        request = {"archive": str(archive), "inputs": str(tmp / "inputs.pt"), "out": str(tmp / "out.pt")}  # fmt: skip
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the loader process died (exit code {self.proc.wait(timeout=60)})"
        answer = json.loads(line)
        assert answer["ok"], f"loading in a fresh process failed: {answer['error']}"
        return revive(torch.load(tmp / "out.pt", weights_only=True))

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
            self.proc = None


@pytest.fixture(autouse=True)
def _give_memory_back():
    """The zoo's models reach 2.5 GB (vit_h_14, regnet_y_128gf): after each, the freed memory
    is handed back to the system, so the process does not sit on the largest one's peak."""
    yield
    gc.collect()
    libc = ctypes.util.find_library("c")
    if libc and sys.platform.startswith("linux"):
        ctypes.CDLL(libc).malloc_trim(0)


@pytest.fixture(scope="module")
def loader():
    worker = Loader()
    yield worker
    worker.close()


def _params(mode: str) -> list[Any]:
    params = []
    for name in all_models():
        marks = [] if name in SAMPLE else [pytest.mark.zoo]
        if (mode, name) in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[mode, name], strict=False))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def _eager(name: str) -> tuple[torch.nn.Module, tuple[Any, ...], Any]:
    model, inputs = build(name)
    try:
        expected = model(*inputs)
    except Exception as e:  # noqa: BLE001 — the acceptance covers models whose eager runs
        pytest.skip(f"eager forward fails on the test input: {type(e).__name__}: {e}")
    return model, inputs, comparable(name, expected, False)


def _check_compiled(name: str, compiled: Any, inputs: tuple, expected: Any, loader: Loader,
                    tmp_path: Path) -> None:  # fmt: skip
    assert_close(expected, comparable(name, compiled(*inputs), True), f"{name} (compiled)")
    archive = tmp_path / f"{name}.hjit"
    try:
        hybridjit.save(compiled, archive)
        got = loader.run(archive, inputs, tmp_path)
    finally:
        _remove_files(tmp_path)
    assert_close(expected, comparable(name, got, True), f"{name} (loaded in a fresh process)")


def _remove_files(folder: Path) -> None:
    """The zoo's archives add up to tens of GB (vit_h_14 alone is 2.5 GB); pytest keeps every
    test's tmp_path until the session ends, so each test removes its own."""
    for path in folder.iterdir():
        path.unlink()


@pytest.mark.parametrize("name", _params("script"))
def test_script_matches_eager_and_round_trips(name: str, loader: Loader, tmp_path: Path) -> None:
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, inputs, expected = _eager(name)
        compiled = hybridjit.script(model)
        _check_compiled(name, compiled, inputs, expected, loader, tmp_path)


@pytest.mark.parametrize("name", _params("trace"))
def test_trace_matches_eager_and_round_trips(name: str, loader: Loader, tmp_path: Path) -> None:
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, inputs, expected = _eager(name)
        try:
            torch.jit.trace(model, inputs, check_trace=False, strict=False)
        except Exception as e:  # noqa: BLE001 — the acceptance covers what torch.jit traces
            pytest.skip(f"torch.jit.trace rejects it: {type(e).__name__}: {e}")
        compiled = hybridjit.trace(model, inputs, check_trace=False, strict=False)
        _check_compiled(name, compiled, inputs, expected, loader, tmp_path)
