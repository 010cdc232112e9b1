"""hybridjit.compile(..., backend="onnxruntime"): signature, results, errors, threads, caching."""

from __future__ import annotations

import inspect
from typing import Any, List, NamedTuple

import pytest
import torch

import hybridjit

pytest.importorskip("onnxruntime")

from hybridjit.backends.onnx.backend import OrtFunction, backend_of  # noqa: E402


def affine(x, w, n: int = 2, scale: float = 0.5):
    return (x @ w + n) * scale


def mixed(x, n: int):
    y = x * 2.0
    return y, y > 0, n + 1, float(n) * 0.25, n > 3


def checked(x, n: int):
    if x.dim() != 2:
        raise ValueError("x must be 2-D")
    return x + n


def mlp(x, w1, b1, w2, b2):
    x = torch.relu(torch.nn.functional.linear(x, w1, b1))
    return torch.nn.functional.linear(x, w2, b2)


def count(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def _ort(fn, threads=1):
    return hybridjit.compile(hybridjit.script(fn), backend="onnxruntime", threads=threads)


def test_signature_keywords_and_defaults() -> None:
    run = _ort(affine)
    assert list(inspect.signature(run).parameters) == ["x", "w", "n", "scale"]
    assert inspect.signature(run).parameters["n"].default == 2
    x, w = torch.randn(3, 4), torch.randn(4, 5)
    for call in (lambda f: f(x, w), lambda f: f(x, w, 3), lambda f: f(x, w=w, scale=2.0),
                 lambda f: f(w=w, x=x, n=1, scale=1.5)):  # fmt: skip
        got, want = call(run), call(affine)
        assert got.dtype == want.dtype
        torch.testing.assert_close(got, want)


def test_results_have_eager_types() -> None:
    run = _ort(mixed)
    for x in (torch.randn(2, 3), torch.randn(5).double(), torch.arange(4)):
        got, want = run(x, 5), mixed(x, 5)
        assert [type(g) for g in got] == [type(w) for w in want]
        assert got[0].dtype == want[0].dtype and got[1].dtype == torch.bool
        torch.testing.assert_close(got[0], want[0])
        assert torch.equal(got[1], want[1])
        assert got[2:] == want[2:]


def test_results_are_not_overwritten_by_later_calls() -> None:
    run = _ort(affine)
    w = torch.randn(4, 4)
    first = run(torch.ones(2, 4), w)
    keep = first.clone()
    run(torch.zeros(2, 4), w)
    run(torch.ones(7, 4), w)  # another shape, same signature
    assert torch.equal(first, keep)


def test_inputs_rebound_when_changed() -> None:
    run = _ort(affine)
    x, w = torch.randn(3, 4), torch.randn(4, 5)
    torch.testing.assert_close(run(x, w), affine(x, w))
    x.mul_(3.0)  # same storage, new values
    torch.testing.assert_close(run(x, w), affine(x, w))
    xt = torch.randn(4, 3).t()  # not contiguous
    torch.testing.assert_close(run(xt, w), affine(xt, w))
    x6 = torch.randn(6, 4)
    torch.testing.assert_close(run(x6, w), affine(x6, w))
    e = torch.randn(0, 4)
    assert run(e, w).shape == (0, 5)


def test_sparse_and_grad_inputs_run_in_python() -> None:
    """ONNX tensors are dense and record no autograd: such calls take the codegen executor."""
    run = _ort(affine)
    w = torch.randn(4, 5)
    run(torch.randn(3, 4), w)  # the dense signature is exported and its fast path is made
    sparse = torch.randn(3, 4).to_sparse()
    torch.testing.assert_close(run(sparse, w), affine(sparse, w))
    x = torch.randn(3, 4, requires_grad=True)
    run(x, w).sum().backward()
    torch.testing.assert_close(x.grad, w.sum(1).expand(3, 4) * 0.5)
    assert run.exports == 1


def test_same_exception_as_eager() -> None:
    run = _ort(checked)
    with pytest.raises(ValueError, match="x must be 2-D") as got:
        run(torch.ones(3), 1)
    with pytest.raises(ValueError) as want:
        checked(torch.ones(3), 1)
    assert str(got.value) == str(want.value)
    torch.testing.assert_close(run(torch.ones(2, 2), 1), torch.full((2, 2), 2.0))


def test_onnxruntime_errors_become_eager_errors() -> None:
    run = _ort(affine)
    run(torch.randn(3, 4), torch.randn(4, 5))
    with pytest.raises(RuntimeError) as want:
        affine(torch.randn(3, 4), torch.randn(3, 5))
    with pytest.raises(RuntimeError) as got:
        run(torch.randn(3, 4), torch.randn(3, 5))
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_are_honoured(threads: int) -> None:
    run = _ort(affine, threads=threads)
    run(torch.randn(2, 4), torch.randn(4, 4))
    (sess,) = run._sessions.values()
    assert sess.threads == threads
    opts = sess.session.get_session_options()
    assert opts.intra_op_num_threads == threads
    assert opts.inter_op_num_threads == 1


def test_threads_default_follows_torch() -> None:
    run = _ort(affine, threads=None)
    run(torch.randn(2, 4), torch.randn(4, 4))
    (sess,) = run._sessions.values()
    assert sess.session.get_session_options().intra_op_num_threads == torch.get_num_threads()


def test_export_cache_is_per_input_signature() -> None:
    run = _ort(affine)
    x, w = torch.randn(3, 4), torch.randn(4, 5)
    run(x, w)
    assert run.exports == 1
    run(torch.randn(9, 4), torch.randn(4, 2), 7)  # other shapes, same dtypes and ranks
    run(x, w, n=1)
    assert run.exports == 1
    got = run(x.double(), w.double())  # new dtype: one more export
    assert run.exports == 2 and got.dtype == torch.float64
    run(x.double(), w.double())
    assert run.exports == 2
    x3 = torch.randn(2, 3, 4)
    torch.testing.assert_close(run(x3, w), affine(x3, w))  # new rank
    assert run.exports == 3
    run(x, w)  # back to the first signature: no export
    assert run.exports == 3


def test_auto_picks_codegen_for_scalar_loops_and_onnxruntime_for_tensors() -> None:
    scripted = hybridjit.script(count)
    auto = hybridjit.compile(scripted, backend="auto")
    assert backend_of(auto) == "codegen" and auto is scripted
    assert auto(10) == 285
    net = hybridjit.compile(hybridjit.script(mlp), backend="auto", threads=1)
    assert isinstance(net, OrtFunction) and net.backend == "onnxruntime"
    assert backend_of(net) == "onnxruntime"
    args = (
        torch.randn(2, 8),
        torch.randn(16, 8),
        torch.randn(16),
        torch.randn(4, 16),
        torch.randn(4),
    )
    torch.testing.assert_close(net(*args), mlp(*args))


def test_onnxruntime_plugs_in_as_an_executor() -> None:
    sf = hybridjit.script(_greet_twice_for_executor)
    run = sf.using("onnxruntime")
    x = torch.arange(3.0)
    assert torch.equal(run(x, 4), sf(x, 4)) and torch.equal(run(x, n=0), x)
    assert hybridjit.function_from_graph(sf.graph, "onnxruntime")(x, 2).tolist() == [0, 4, 8]


def _greet_twice_for_executor(x: torch.Tensor, n: int) -> torch.Tensor:
    for _ in range(n):
        x = x * 2
    return x



def _disabled(sess: Any) -> bool:
    opts = sess.session.get_session_options()
    try:
        return opts.get_session_config_entry("session.disable_prepacking") == "1"
    except RuntimeError:  # onnxruntime's answer for a key that was never set
        return False


def test_batch_of_one_calls_run_without_weight_prepacking() -> None:
    # onnxruntime pre-packs constant weights for MatMul/Gemm: faster from a few rows on, slower
    # for one row (measured in benchmarks/bench_onnx.py); one export serves both sessions
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3)).eval()
    run = hybridjit.compile(hybridjit.script(model), backend="onnxruntime", threads=1)
    for x in (torch.randn(1, 6), torch.randn(8, 6), torch.randn(1, 6), torch.randn(4, 1, 6)):
        with torch.no_grad():
            torch.testing.assert_close(run(x), model(x))
    assert run.exports == 2  # rank 2 and rank 3
    sessions = list(run._sessions.values())
    assert [(s.few_rows, _disabled(s)) for s in sessions] == [(True, True), (False, False), (True, True)]


@pytest.mark.parametrize("prepack", [True, False])
def test_prepack_can_be_chosen(prepack: bool) -> None:
    model = torch.nn.Linear(6, 3).eval()
    run = hybridjit.compile(hybridjit.script(model), backend="onnxruntime", prepack=prepack)
    run(torch.randn(1, 6)), run(torch.randn(8, 6))
    (sess,) = run._sessions.values()
    assert sess.few_rows is None and _disabled(sess) is not prepack


def test_programs_without_weights_make_one_session() -> None:
    run = _ort(affine)  # weights are arguments: nothing is pre-packed
    run(torch.randn(1, 4), torch.randn(4, 4)), run(torch.randn(8, 4), torch.randn(4, 4))
    assert [s.few_rows for s in run._sessions.values()] == [None]


def test_prepack_must_be_a_bool_or_none() -> None:
    with pytest.raises(hybridjit.Error, match="prepack must be True, False or None, got 'yes'"):
        hybridjit.compile(hybridjit.script(affine), backend="onnxruntime", prepack="yes")


class Pair(NamedTuple):
    total: torch.Tensor
    count: int


def named_result(x):
    return Pair(x.sum(), x.dim())


def named_result_of_list(xs: List[torch.Tensor]):
    return Pair(xs[0] + xs[1], len(xs))


def test_named_tuples_come_back_as_named_tuples() -> None:
    # the fast path (tensor arguments) and the general one (a list argument) alike
    for fn, args in ((named_result, (torch.ones(2, 3),)), (named_result_of_list, ([torch.ones(2), torch.ones(2)],))):
        want = hybridjit.script(fn)(*args)
        got = hybridjit.compile(hybridjit.script(fn), backend="onnxruntime")(*args)
        assert type(got) is type(want) and got._fields == ("total", "count")
        torch.testing.assert_close(got.total, want.total)
        assert got.count == want.count


def one_or_two(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if a is b:
        return a + 1.0
    c = a.contiguous()  # may be `a` itself: known only through `a`
    return b * 2.0 if c is not b else c


def test_a_is_b_of_two_arguments_follows_the_call() -> None:
    """The export is per pattern of arguments that are one object; the fast path checks
    the pattern, so a later call with another pattern gets its own export."""
    run = hybridjit.compile(hybridjit.script(one_or_two), backend="onnxruntime", threads=1)
    x, y = torch.randn(3), torch.randn(3)
    for args in ((x, y), (x, x), (x, y), (y, y), (x, x.clone())):
        assert torch.equal(run(*args), one_or_two(*args)), args
    assert run.exports == 2
