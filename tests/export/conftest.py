"""Shared helpers of the ONNX tests: a Python-free onnxruntime runner in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

# Runs in a fresh interpreter where `import torch` / `import hybridjit` fail.
_RUNNER = textwrap.dedent("""
    import sys, json
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "hybridjit", "onnxscript", "onnx_ir"):
                raise ImportError("blocked: " + name)
            return None
    sys.meta_path.insert(0, Block())
    for m in [m for m in sys.modules if m.split(".")[0] in ("torch", "hybridjit")]:
        del sys.modules[m]
    import numpy as np
    import onnxruntime as ort
    cases = json.load(open(sys.argv[2]))
    sess = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    results = []
    for case in cases:
        feeds = {n: np.array(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for n, v in zip(names, case)}
        outs = sess.run(None, feeds)
        results.append([{"data": np.asarray(o).ravel().tolist(), "shape": list(np.shape(o)),
                         "dtype": str(np.asarray(o).dtype)} for o in outs])
    assert "torch" not in sys.modules
    print(json.dumps(results))
""")


def _encode(x: Any) -> dict[str, Any]:
    a = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    if a.dtype == np.float64 and not hasattr(x, "numpy"):
        a = a.astype(np.float64)
    return {"data": a.ravel().tolist(), "shape": list(a.shape), "dtype": str(a.dtype)}


@pytest.fixture
def python_free(tmp_path: Path):
    """`run(model_path, [inputs, ...])` -> per case, the outputs as numpy arrays."""

    def run(model_path: Path, cases: list[tuple[Any, ...]]) -> list[list[np.ndarray]]:
        spec = tmp_path / "cases.json"
        spec.write_text(json.dumps([[_encode(x) for x in case] for case in cases]))
        script = tmp_path / "runner.py"
        script.write_text(_RUNNER)
        done = subprocess.run([sys.executable, "-I", str(script), str(model_path), str(spec)],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        return [[np.array(o["data"], dtype=o["dtype"]).reshape(o["shape"]) for o in outs]
                for outs in out]  # fmt: skip

    return run
