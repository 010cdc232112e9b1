"""Local functions, lambdas and generators export to ONNX like the loops and branches they
lower to: the exported model runs Python-free in onnxruntime and matches eager."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

import hybridjit
import hybridjit.onnx

OFFSET = torch.tensor([0.5, -1.0, 2.0])


def closures(x):
    w = x * 2

    def shifted(v):
        return v + w + OFFSET

    act = lambda t: torch.relu(t) * 3  # noqa: E731
    return act(shifted(x)) - act(-x)


def generator_until(x, limit: float):
    def rows():
        for i in range(x.size(0)):
            yield x[i] * float(i + 1)

    total = torch.zeros_like(x[0])
    for r in rows():
        if float(total.sum()) > limit:
            break
        total = total + r
    return total


def mapped(x, n: int):
    acc = torch.zeros_like(x)
    for y in map(lambda k: x * float(k), range(n)):
        acc = acc + y
    return acc


PROGRAMS = {
    "closures": (closures, [(torch.tensor([1.0, -2.0, 3.0]),), (torch.tensor([-1.0, 0.0, 0.5]),)]),
    "generator_until": (generator_until, [(torch.arange(12.0).reshape(4, 3), 10.0),
                                          (torch.ones(2, 3), 100.0),
                                          (torch.arange(6.0).reshape(6, 1), -1.0)]),
    "mapped": (mapped, [(torch.ones(3), 4), (torch.arange(2.0), 0), (torch.ones(1), 1)]),
}  # fmt: skip


def _op_types(graph: onnx.GraphProto) -> set[str]:
    kinds = set()
    for node in graph.node:
        kinds.add(node.op_type)
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                kinds |= _op_types(a.g)
    return kinds


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_exports_and_matches_eager(name: str, tmp_path, python_free) -> None:
    fn, cases = PROGRAMS[name]
    scripted = hybridjit.script(fn)
    ort_fn = hybridjit.compile(scripted, backend="onnxruntime", threads=1)
    for args in cases:
        assert torch.allclose(ort_fn(*args), fn(*args)), (name, args)
    path = tmp_path / f"{name}.onnx"
    model = hybridjit.onnx.export(scripted, path, cases[0])
    onnx.checker.check_model(model, full_check=True)
    kinds = _op_types(model.graph)
    if name != "closures":
        assert "Loop" in kinds, kinds  # the generator stays a loop, not unrolled
    out = python_free(path, [cases[0]])[0][0]
    np.testing.assert_allclose(out, fn(*cases[0]).numpy(), rtol=1e-6)
