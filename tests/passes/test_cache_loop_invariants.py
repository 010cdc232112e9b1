"""cache_loop_invariants: loop-invariant tensor ops run in the first iteration only."""

from __future__ import annotations

import expecttest
import pytest
import torch
from torch import Tensor

import hybridjit
from hybridjit.ir.verifier import verify
from hybridjit.passes.cache_loop_invariants import cache_loop_invariants
from hybridjit.runtime.function import function_from_graph

LOOP = """graph(%w : Tensor, %h.1 : Tensor, %n : int):
  %true : bool = prim::Constant[value=1]()
  %h : Tensor = prim::Loop(%n, %true, %h.1)
    block0(%i : int, %h.2 : Tensor):
      %wt : Tensor = aten::t(%w)
      %h.3 : Tensor = aten::mm(%h.2, %wt)
      -> (%true, %h.3)
  return (%h)
"""


class TestRewrite(expecttest.TestCase):
    def test_invariant_op_moves_under_first_iteration_test(self) -> None:
        graph = hybridjit.parse_ir(LOOP)
        self.assertTrue(cache_loop_invariants(graph))
        verify(graph)
        self.assertExpectedInline(
            str(graph),
            """\
graph(%w : Tensor,
      %h.1 : Tensor,
      %n : int):
  %true : bool = prim::Constant[value=1]()
  %10 : Tensor = prim::Uninitialized()
  %11 : int = prim::Constant[value=0]()
  %h : Tensor, %13 : Tensor = prim::Loop(%n, %true, %h.1, %10)
    block0(%i : int, %h.2 : Tensor, %12 : Tensor):
      %14 : bool = aten::eq(%i, %11)
      %15 : Tensor = prim::If(%14)
        block0():
          %wt : Tensor = aten::t(%w)
          -> (%wt)
        block1():
          -> (%12)
      %h.3 : Tensor = aten::mm(%h.2, %15)
      -> (%true, %h.3, %15)
  return (%h)
""",
        )
        self.assertFalse(cache_loop_invariants(graph))


def _changes(ir: str) -> bool:
    return cache_loop_invariants(hybridjit.parse_ir(ir))


def _body(*lines: str, carried_out: str = "%h.3") -> str:
    body = "\n".join(f"      {line}" for line in lines)
    return f"""graph(%w : Tensor, %h.1 : Tensor, %n : int):
  %true : bool = prim::Constant[value=1]()
  %one : int = prim::Constant[value=1]()
  %h : Tensor = prim::Loop(%n, %true, %h.1)
    block0(%i : int, %h.2 : Tensor):
{body}
      -> (%true, {carried_out})
  return (%h)
"""


@pytest.mark.parametrize(
    "lines, carried_out",
    [
        # a mutation anywhere in the loop
        (["%wt : Tensor = aten::t(%w)", "%h.3 : Tensor = aten::add_(%h.2, %wt, %one)"], "%h.3"),
        # the cached value would leave the iteration (distinct objects become one)
        (["%h.3 : Tensor = aten::t(%w)"], "%h.3"),
        (["%v : Tensor = aten::t(%w)", "%h.3 : Tensor = aten::view_as(%v, %v)"], "%h.3"),
        # an input defined in the loop
        (["%h.3 : Tensor = aten::neg(%h.2)"], "%h.3"),
        # identity is observed
        (["%wt : Tensor = aten::neg(%w)", "%b : bool = aten::__is__(%wt, %h.2)",
          "%h.3 : Tensor = aten::mul(%h.2, %wt)"], "%h.3"),
        # a random op is not invariant
        (["%r : Tensor = aten::rand_like(%w)", "%h.3 : Tensor = aten::mul(%h.2, %r)"], "%h.3"),
        # Python scalar ops are not worth a test per iteration
        (["%k : int = aten::add(%n, %one)", "%h.3 : Tensor = aten::mul(%h.2, %k)"], "%h.3"),
    ],
)  # fmt: skip
def test_left_alone(lines: list[str], carried_out: str) -> None:
    assert not _changes(_body(*lines, carried_out=carried_out))


def test_fresh_results_of_a_cached_value_may_leave_the_iteration() -> None:
    assert _changes(_body("%wt : Tensor = aten::neg(%w)", "%h.3 : Tensor = aten::mul(%h.2, %wt)"))


def _compare(fn: object, *args: object) -> None:
    """Eager vs both executors on the rewritten graph (results or exception types)."""
    graph = hybridjit.script(fn).graph.copy()
    assert cache_loop_invariants(graph)
    verify(graph)
    expected = _outcome(fn, args)
    for executor in ("interpreter", "codegen"):
        got = _outcome(function_from_graph(graph, executor), args)
        assert type(got) is type(expected)
        if isinstance(expected, Tensor):
            torch.testing.assert_close(got, expected)
        elif isinstance(expected, type):
            assert got is expected
        else:
            assert got == expected


def _outcome(fn: object, args: tuple[object, ...]) -> object:
    try:
        return fn(*[a.clone() if isinstance(a, Tensor) else a for a in args])  # type: ignore[operator]
    except Exception as e:  # noqa: BLE001
        return type(e)


def rnn(xs: Tensor, h: Tensor, w: Tensor) -> Tensor:
    for t in range(xs.size(0)):
        h = torch.tanh(torch.mm(xs[t], w.t()) + torch.mm(h, w.t().contiguous()))
    return h


def zero_trip_would_raise(x: Tensor, n: int) -> Tensor:
    y = x
    for _ in range(n):
        y = y + x.t()  # t() of a 3-d tensor raises: only if the loop runs
    return y


def first_iteration_order(x: Tensor, n: int) -> Tensor:
    y = x
    for i in range(n):
        if i == 0:
            y = y + x[5]  # IndexError first, before the cached op would raise
        y = y + x.t()
    return y


def nested(x: Tensor, n: int) -> Tensor:
    acc = torch.zeros(2, 2)
    for i in range(n):
        v = x * float(i)
        for _ in range(2):
            acc = acc + v.t()
    return acc


@pytest.mark.parametrize(
    "fn, args",
    [
        (rnn, (torch.randn(4, 1, 3), torch.zeros(1, 3), torch.randn(3, 3))),
        (rnn, (torch.randn(0, 1, 3), torch.zeros(1, 3), torch.randn(3, 3))),
        (zero_trip_would_raise, (torch.ones(2, 2, 2), 0)),
        (zero_trip_would_raise, (torch.ones(2, 2, 2), 2)),
        (zero_trip_would_raise, (torch.ones(2, 2), 3)),
        (first_iteration_order, (torch.ones(2, 2, 2), 2)),
        (nested, (torch.randn(2, 2), 3)),
    ],
)
def test_rewritten_graph_runs_like_eager(fn: object, args: tuple[object, ...]) -> None:
    _compare(fn, *args)


def test_codegen_tests_the_counter_once_per_cached_op() -> None:
    source = hybridjit.script(rnn).compiled().__hybridjit_source__
    assert source.count("== 0):") == 2 and "w.t()" in source
