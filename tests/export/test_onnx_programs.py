"""Differential: scripted programs with control flow, exported and run in onnxruntime vs eager.

Each program runs on several inputs (branches both ways, loops of 0, 1 and many trips,
shapes other than the export example); results must match eager in value and dtype.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import onnx
import pytest
import torch

import hybridjit
import hybridjit.onnx


def branchy(x, y):
    if bool(x.sum() > y.sum()):
        z = x * 2 - y
    else:
        z = y.relu() + 1.5
    return z


def loop_n(x, n: int):
    acc = x
    for i in range(n):
        acc = acc * 0.5 + float(i)
    return acc


def while_break(x, limit: float):
    s = torch.zeros_like(x)
    k = 0
    while True:
        s = s + x
        k += 1
        if float(s.sum()) > limit or k >= 50:
            break
    return s, k


def scalars(x, n: int, f: float):
    a = n * 3 + 1
    b = f / 2.0 + a
    c = n // 2 - (n % 3)
    d = x * b + c
    return d, a, b, n > 2


def tensor_lists(x, y):
    parts = [x, y, x + y]
    parts.append(x * y)
    z = torch.cat(parts, 0)
    w = torch.stack([x, y])
    return z, w, parts[2], len(parts)


def checks(x, n: int):
    assert x.dim() == 2, "x must be 2-D"
    if n < 0:
        raise ValueError("n must be non-negative")
    out = x
    for _ in range(n):
        out = out + x
    return out


def int_tensor_math(x):
    y = x * 2
    z = y / 3
    w = (x > 1) & (x < 5)
    return y, z, w.to(torch.int64) + x, torch.sqrt(x.float())


def nested(x, n: int):
    out = x
    for i in range(n):
        if i % 2 == 0:
            out = out + i
        else:
            for j in range(i):
                out = out - 0.25 * j
    return out


def sizes(x):
    n = x.size(0)
    m = x.shape[1]
    flat = x.reshape(-1)
    return flat * n + m, x.view(m, n), x.numel()


PROGRAMS = {
    "branchy": (branchy, [(torch.rand(3), torch.rand(3)), (torch.ones(3), torch.zeros(3)),
                          (torch.zeros(2, 2), torch.ones(2, 2))]),
    "loop_n": (loop_n, [(torch.rand(4), 0), (torch.rand(4), 1), (torch.rand(2, 3), 7)]),
    "while_break": (while_break, [(torch.rand(3), 2.0), (torch.rand(5), 0.0), (torch.zeros(2), 1.0)]),
    "scalars": (scalars, [(torch.rand(3), 5, 1.5), (torch.rand(2, 2), -4, -0.25), (torch.rand(1), 0, 0.0)]),
    "tensor_lists": (tensor_lists, [(torch.rand(2), torch.rand(2)), (torch.rand(3, 4), torch.rand(3, 4))]),
    "checks": (checks, [(torch.rand(2, 3), 0), (torch.rand(4, 1), 3)]),
    "int_tensor_math": (int_tensor_math, [(torch.arange(6),), (torch.tensor([[3, -7], [2, 9]]),)]),
    "nested": (nested, [(torch.rand(3), 0), (torch.rand(3), 1), (torch.rand(2, 2), 6)]),
    "sizes": (sizes, [(torch.rand(2, 3),), (torch.rand(4, 5),)]),
}  # fmt: skip


def op_types(graph) -> set[str]:
    """Every node's op type, subgraphs included."""
    out = set()
    for n in graph.node:
        out.add(n.op_type)
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                out |= op_types(a.g)
    return out


def _same(got, want) -> None:
    if isinstance(want, torch.Tensor):
        assert isinstance(got, torch.Tensor), (got, want)
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        assert got.shape == want.shape
        torch.testing.assert_close(got, want, equal_nan=True)
    elif isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
    else:
        assert type(got) is type(want), (got, want)
        assert got == pytest.approx(want)


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_matches_eager(name: str, tmp_path, python_free) -> None:
    fn, cases = PROGRAMS[name]
    scripted = hybridjit.script(fn)
    ort_fn = hybridjit.compile(scripted, backend="onnxruntime", threads=1)
    for args in cases:
        _same(ort_fn(*args), fn(*args))
    # the exported model itself, checked, and Python-free
    path = tmp_path / f"{name}.onnx"
    model = hybridjit.onnx.export(scripted, path, cases[0])
    onnx.checker.check_model(model, full_check=True)
    kinds = op_types(model.graph)
    if name in ("loop_n", "while_break", "nested", "checks"):
        assert "Loop" in kinds
    outs = python_free(path, [cases[0]])[0]
    eager = fn(*cases[0])
    flat = []

    def walk(x):
        if isinstance(x, (tuple, list)) and not isinstance(x, torch.Tensor):
            for y in x:
                walk(y)
        else:
            flat.append(x)

    walk(eager if isinstance(eager, tuple) else (eager,))
    for g, w in zip(outs, flat):
        w = w.numpy() if isinstance(w, torch.Tensor) else np.asarray(w)
        np.testing.assert_allclose(
            g.astype(np.float64), w.astype(np.float64), rtol=1e-5, equal_nan=True
        )


def test_failed_checks_raise_the_same_exception() -> None:
    ort_fn = hybridjit.compile(hybridjit.script(checks), backend="onnxruntime")
    with pytest.raises(AssertionError, match="x must be 2-D"):
        ort_fn(torch.rand(3), 1)
    with pytest.raises(ValueError, match="n must be non-negative"):
        ort_fn(torch.rand(2, 2), -1)
    assert ort_fn(torch.ones(1, 1), 2).item() == 3.0


def test_dynamic_message_is_rederived() -> None:
    def f(x, n: int):
        if n > 3:
            raise ValueError("too big: " + str(n))
        return x + n

    ort_fn = hybridjit.compile(hybridjit.script(f), backend="onnxruntime")
    assert ort_fn(torch.zeros(1), 2).item() == 2.0
    with pytest.raises(ValueError, match="too big: 7"):
        ort_fn(torch.zeros(1), 7)


def test_auto_keeps_scalar_only_programs_in_codegen() -> None:
    def count(n: int) -> int:
        s = 0
        for i in range(n):
            s += i * i
        return s

    scripted = hybridjit.script(count)
    assert hybridjit.compile(scripted, backend="auto") is scripted
    assert hybridjit.compile(scripted, backend="onnxruntime")(10) == 285
    ort = hybridjit.compile(hybridjit.script(loop_n), backend="auto")
    assert type(ort).__name__ == "OrtFunction"


def raises_or_scales(x, n: int):
    if n < 0:
        raise ValueError("n must be non-negative")
    else:
        y = x * n  # the raising branch leaves `y` a prim::Uninitialized Tensor
    return y + 1


def breaks_with_a_tensor(x, n: int):
    for i in range(n):
        if i == 2:
            return x * i  # an early return carrying a tensor out of the loop
    return x


def test_an_uninitialized_tensor_on_the_raising_path_takes_the_other_branchs_type() -> None:
    graph = hybridjit.script(raises_or_scales).graph
    assert any(n.kind == "prim::Uninitialized" for n in graph.all_nodes())
    run = hybridjit.compile(hybridjit.script(raises_or_scales), backend="onnxruntime")
    torch.testing.assert_close(run(torch.ones(2, 3), 4), torch.full((2, 3), 5.0))
    with pytest.raises(ValueError, match="n must be non-negative"):
        run(torch.ones(2, 3), -1)


def test_an_uninitialized_tensor_that_is_read_is_an_export_error(tmp_path) -> None:
    with pytest.raises(hybridjit.ExportError, match="prim::Uninitialized of type Tensor"):
        hybridjit.onnx.export(hybridjit.script(breaks_with_a_tensor), tmp_path / "m.onnx",
                              (torch.ones(2), 3))  # fmt: skip


class SelfAttentionLike(torch.nn.Module):
    def combine(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        if q is not k or q.is_nested:  # nn.MultiheadAttention's fast-path checks
            return q - k
        return q * 2.0

    def forward(self, x):
        return self.combine(x, x)


def masked(x, mask: Optional[torch.Tensor] = None):
    if mask is not None and x.is_cpu:
        return x + mask
    return x


def same_object(a, b):
    return a * 2.0 if a is b else a


def test_identity_checks_export_where_the_program_decides_them() -> None:
    x = torch.randn(2, 3)
    module = SelfAttentionLike()
    run = hybridjit.compile(hybridjit.script(module), backend="onnxruntime")
    torch.testing.assert_close(run(x), module(x))
    run = hybridjit.compile(hybridjit.script(masked), backend="onnxruntime")
    torch.testing.assert_close(run(x, torch.ones(2, 3)), x + 1)
    torch.testing.assert_close(run(x, None), x)


def maybe_itself(a):
    return a * 2.0 if a.contiguous() is a else a  # a itself only if already contiguous


def test_identity_of_two_inputs_follows_the_example_and_unknown_identity_is_an_error(tmp_path) -> None:
    x = torch.ones(2)
    two = hybridjit.onnx.export(hybridjit.script(same_object), tmp_path / "two.onnx", (x, torch.ones(2)))
    one = hybridjit.onnx.export(hybridjit.script(same_object), tmp_path / "one.onnx", (x, x))
    assert [i.name for i in two.graph.input] == ["a", "b"] and [i.name for i in one.graph.input] == ["a"]
    with pytest.raises(hybridjit.ExportError, match="two different values known only at run time"):
        hybridjit.onnx.export(hybridjit.script(maybe_itself), tmp_path / "m.onnx", (x,))
