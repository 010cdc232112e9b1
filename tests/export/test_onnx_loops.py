"""Loops as onnxruntime runs them fast: few ops per iteration, no ONNX If for checks.

* `xs[t]` with `t` the counter of `for t in range(xs.size(0))` is provably in range: a
  plain Gather, no check.
* Other run-time checks (index range, division by zero, one-element `item()`) compute the
  error code with Clip/Equal/Where on clamped operands instead of guarding the rest of the
  body with an If; the loop stops on the first error and the program raises eager's
  exception type and message.
* `a if c else b` on Python numbers (a `while ... break` condition) is And/Or/Not/Where.
"""

from __future__ import annotations

import io
from typing import List, Tuple

import onnx
import pytest
import torch

import hybridjit
from hybridjit.backends.onnx.exporter import export_graph


def lstm_loop(xs, h, c, w_ih, w_hh, b):
    for t in range(xs.size(0)):
        gates = torch.mm(xs[t], w_ih) + torch.mm(h, w_hh) + b
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    return h


def len_loop(xs):
    acc = torch.zeros_like(xs[0])
    for t in range(len(xs)):
        acc = acc + xs[t] * float(t)
    return acc


def greedy(h, w, emb, max_len: int):
    tok = 0
    n = 0
    while n < max_len:
        logits = torch.mm(h, w)
        tok = int(logits.argmax())
        h = torch.tanh(h + emb[tok].unsqueeze(0))
        n += 1
        if tok == 3:
            break
    return h, n


def strided(xs, n: int):
    acc = torch.zeros_like(xs[0])
    for t in range(n):
        acc = acc + xs[t * 2]
    return acc


def list_sum(xs: List[int], n: int):
    s = 0
    for i in range(n):
        s += xs[i]
    return s


def div_loop(n: int, k: int):
    s = 0
    for i in range(n):
        s += 12 // (k - i)
    return s


def first_error_wins(xs, i: int, z: int):
    y = xs[i]
    q = 10 // z
    return y * q


def check_then_loop(xs, i: int, n: int):
    y = xs[i]
    k = int(y.sum())
    acc = 0
    for j in range(n + k * 0):
        acc += j
    return y + acc


def _loop_body_ops(model: onnx.ModelProto) -> list[str]:
    ops = []
    for node in model.graph.node:
        if node.op_type == "Loop":
            ops += [n.op_type for n in node.attribute[0].g.node]
    return ops


def _export(fn, args):
    return export_graph(hybridjit.script(fn).graph, args)


H = 16


def _lstm_args(steps: int):
    return (torch.randn(steps, 1, H), torch.zeros(1, H), torch.zeros(1, H),
            torch.randn(H, 4 * H) * 0.1, torch.randn(H, 4 * H) * 0.1, torch.zeros(4 * H))  # fmt: skip


@pytest.mark.parametrize("fn,args", [(lstm_loop, _lstm_args(5)), (len_loop, (torch.randn(4, 3),))])
def test_counter_index_is_not_checked(fn, args) -> None:
    e = _export(fn, args)
    ops = _loop_body_ops(e.model)
    assert "If" not in ops and "Clip" not in ops, ops
    # lstm_loop may check `i, f, g, o = gates.chunk(4, 1)`: gates' width is only known
    # at run time, and eager raises ValueError when it does not make 4 chunks
    assert fn is lstm_loop or "Where" not in ops, ops
    # len_loop checks xs[0] before the loop; lstm_loop has the chunk-count check
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    for steps in (0, 1, 7):
        a = _lstm_args(steps) if fn is lstm_loop else (torch.randn(steps, 3),)
        if steps == 0 and fn is len_loop:
            continue  # xs[0] raises in eager too
        torch.testing.assert_close(run(*a), fn(*a))


def test_greedy_body_has_no_if() -> None:
    args = (torch.randn(1, H), torch.randn(H, 8) * 0.5, torch.randn(8, H) * 0.5, 12)
    e = _export(greedy, args)
    ops = _loop_body_ops(e.model)
    assert "If" not in ops, ops
    assert len(ops) <= 24, ops
    run = hybridjit.compile(hybridjit.script(greedy), backend="onnxruntime", threads=1)
    for max_len in (0, 1, 5, 40):
        a = (*args[:3], max_len)
        got, want = run(*a), greedy(*a)
        torch.testing.assert_close(got[0], want[0])
        assert got[1] == want[1]


def _same_exception(fn, run, args) -> None:
    with pytest.raises(Exception) as want:
        fn(*args)
    with pytest.raises(Exception) as got:
        run(*args)
    assert type(got.value) is type(want.value), (got.value, want.value)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("fn,ok_args,bad_args", [
    (strided, (torch.randn(5, 3), 3), (torch.randn(5, 3), 4)),
    (list_sum, ([1, 2, 3], 3), ([1, 2, 3], 4)),
    (div_loop, (3, 5), (6, 3)),
    (first_error_wins, (torch.randn(3, 2), 1, 2), (torch.randn(3, 2), 5, 0)),
    (first_error_wins, (torch.randn(3, 2), -3, 2), (torch.randn(3, 2), 1, 0)),
    (check_then_loop, (torch.randn(3, 2), 1, 4), (torch.randn(3, 2), 3, 4)),
])  # fmt: skip
def test_checks_without_if_raise_like_eager(fn, ok_args, bad_args) -> None:
    run = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=1)
    got, want = run(*ok_args), fn(*ok_args)
    if isinstance(want, torch.Tensor):
        torch.testing.assert_close(got, want)
    elif isinstance(want, tuple):
        torch.testing.assert_close(got[0], want[0])
        assert got[1] == want[1]
    else:
        assert got == want and type(got) is type(want)
    _same_exception(fn, run, bad_args)
    # and the program works again afterwards
    run(*ok_args)


def test_indexing_in_a_loop_costs_one_gather() -> None:
    # onnxruntime's Gather refuses an out-of-range index itself (the runner then re-derives
    # eager's IndexError: test_checks_without_if_raise_like_eager): no check ops per step
    e = _export(strided, (torch.randn(5, 3), 3))
    ops = _loop_body_ops(e.model)
    assert "If" not in ops and "Clip" not in ops and ops.count("Gather") == 1, ops
    assert not e.has_error_output


def _int_accumulate(x: torch.Tensor, k: int) -> Tuple[torch.Tensor, int]:
    z = torch.ones([1], dtype=torch.int64)
    s = 0
    for i in range(int(x)):
        z = z * (i + 1)
        s = s + (i * k - 3)
    return z, s


def test_integer_accumulation_loops_match_eager_without_a_loop() -> None:
    """`z = z * g(i)` / `s = s + g(i)` of integers: a reduction over range(n) (an If keeps
    the Loop for long loops and wherever int64 would overflow: 25! wraps in the loop)."""
    import hybridjit.onnx

    f = hybridjit.script(_int_accumulate)
    run = hybridjit.compile(f, backend="onnxruntime", threads=1)
    for n in (-2.0, 0.0, 1.0, 5.0, 25.0, 70000.0):
        for k in (0, 3, -2):
            want, got = _int_accumulate(torch.tensor(n), k), run(torch.tensor(n), k)
            assert torch.equal(got[0], want[0]) and got[1] == want[1], (n, k, want, got)
    model = hybridjit.onnx.export(f, io.BytesIO(), (torch.tensor(5.0), 1))
    top = [n.op_type for n in model.graph.node]
    assert "Loop" not in top and top.count("If") == 1  # the Loop only in the If's else
    branches = {a.name: [n.op_type for n in a.g.node] for n in model.graph.node if n.op_type == "If"
                for a in n.attribute}  # fmt: skip
    assert "ReduceProd" in branches["then_branch"] and "CumSum" in branches["then_branch"]
    assert branches["else_branch"] == ["Loop"]


def _int_power(z: torch.Tensor, n: int, k: int) -> torch.Tensor:
    for _ in range(n):
        z = z * k
    return z


def _int_series(x: int, n: int) -> int:
    s = 0
    for i in range(n):
        s = s + x * i
    return s


@pytest.mark.parametrize("n", [0, 1, 15, 18, 21, 30])
def test_integer_accumulation_loops_are_exact_past_double_precision(n: int) -> None:
    """onnxruntime's ReduceSum / ReduceProd compute int64 in double: 7**21 came out as
    ...968 instead of ...007, 2**50 * 190 + 190 lost its last bits.  Sums now use CumSum
    (int64, wrapping as the loop does); products stay vectorized only while exact."""
    power = hybridjit.compile(hybridjit.script(_int_power), backend="onnxruntime", threads=1)
    for z0, k in ((torch.tensor([1]), 7), (torch.tensor([3**30, -5]), -3), (torch.tensor([2**40]), 2**20)):
        want = _int_power(z0, n, k)
        assert torch.equal(power(z0, n, k), want), (z0, n, k)
    series = hybridjit.compile(hybridjit.script(_int_series), backend="onnxruntime", threads=1)
    for x in (2**50 + 1, -(2**51) - 3, 2**61 + 1):
        want = torch.jit.script(_int_series)(x, n)  # int64 arithmetic, wrapping past 2**63
        assert series(x, n) == want, (x, n)


def _lstm(xs: torch.Tensor, h: torch.Tensor, c: torch.Tensor, w_ih: torch.Tensor,
          w_hh: torch.Tensor, b: torch.Tensor) -> torch.Tensor:  # fmt: skip
    for t in range(xs.size(0)):
        gates = torch.mm(xs[t], w_ih) + torch.mm(h, w_hh) + b
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    return h


def test_lstm_loop_body_is_lean_and_still_checks_the_chunk_count() -> None:
    """The chunk piece-count check depends only on w/b sizes: checked once before the loop;
    xs[t] @ w_ih is one MatMul of all rows before it."""
    from hybridjit.backends.onnx.exporter import export_graph

    f = hybridjit.script(_lstm)
    args = (torch.randn(6, 1, 8), torch.zeros(1, 8), torch.zeros(1, 8), torch.randn(8, 32),
            torch.randn(8, 32), torch.zeros(32))  # fmt: skip
    ex = export_graph(f.graph, args)
    loop = [n for n in ex.model.graph.node if n.op_type == "Loop"][0]
    body = [n.op_type for n in loop.attribute[0].g.node]
    assert "MatMul" in [n.op_type for n in ex.model.graph.node]
    assert body.count("MatMul") == 1 and not {"Equal", "Or", "Where", "Div"} & set(body), body
    run = hybridjit.compile(f, backend="onnxruntime", threads=1)
    assert torch.allclose(run(*args), _lstm(*args), atol=1e-5)
    assert torch.equal(run(torch.randn(0, 1, 8), *args[1:]), args[1])
    bad = (args[0], args[1], args[2], torch.randn(8, 6), torch.randn(8, 6), torch.zeros(6))
    with pytest.raises(ValueError):
        _lstm(*bad)
    with pytest.raises(ValueError):
        run(*bad)
