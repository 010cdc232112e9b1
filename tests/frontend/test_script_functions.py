"""Local functions, lambdas, higher-order functions and generators: the IR they lower to, and
the errors for what stays unsupported (the differential programs are in
`tests/corpus/python/functions.py` and `generators.py`)."""

from __future__ import annotations

import re

import expecttest
import pytest
import torch
from tests.differential import check_module

import hybridjit


def closure(x: int):
    n = 10

    def add(y):
        return y + n

    n = 20
    return add(x)


def counter(k: int):
    count = 0

    def inc():
        nonlocal count
        count += 1

    for _ in range(k):
        inc()
    return count


def _squares(n: int):
    for i in range(n):
        yield i * i


def first_square_over(n: int, limit: int):
    for v in _squares(n):
        if v > limit:
            return v
    return -1


def total_until(n: int, limit: int):
    total = 0
    for v in _squares(n):
        if v > limit:
            break
        total += v
    return total


def sorted_by_key(xs: list[int]):
    return sorted(xs, key=lambda v: -v)


def _graph(fn) -> str:
    # (torch.jit's format keeps source comments inside blocks: dropped here, they hold paths)
    return re.sub(r" # .*", "", hybridjit.script(fn).graph.str(print_source_ranges=False))


class TestLowering(expecttest.TestCase):
    def test_closure_reads_the_latest_binding_inline(self) -> None:
        self.assertExpectedInline(_graph(closure), """\
graph(%x : int):
  %n : int = prim::Constant[value=20]()
  %6 : int = aten::add(%x, %n)
  return (%6)
""")  # fmt: skip

    def test_nonlocal_write_is_loop_carried(self) -> None:
        self.assertExpectedInline(_graph(counter), """\
graph(%k : int):
  %count.1 : int = prim::Constant[value=0]()
  %3 : bool = prim::Constant[value=1]()
  %7 : int = prim::Constant[value=1]()
  %count : int = prim::Loop(%k, %3, %count.1)
    block0(%_ : int, %count.2 : int):
      %count.3 : int = aten::add(%count.2, %7)
      -> (%3, %count.3)
  return (%count)
""")  # fmt: skip

    def test_break_in_the_consumer_stops_the_generator_loop(self) -> None:
        # `yield i * i` bound `v` and ran the loop body in the generator's own loop; the
        # break set the stop flag (%17), which ends that loop.
        self.assertExpectedInline(
            _graph(total_until),
            """\
graph(%n : int,
      %limit : int):
  %total.1 : int = prim::Constant[value=0]()
  %4 : bool = prim::Constant[value=0]()
  %29 : int = prim::Constant[value=1]()
  %31 : int = prim::Constant[value=9223372036854775807]()
  %15 : bool = prim::Constant[value=1]()
  %30 : bool = aten::gt(%n, %total.1)
  %total : int, %7 : bool, %32 : int = prim::Loop(%31, %30, %total.1, %4, %total.1)
    block0(%8 : int, %total.2 : int, %10 : bool, %33 : int):
      %v : int = aten::mul(%33, %33)
      %14 : bool = aten::gt(%v, %limit)
      %17 : bool = prim::If(%14)
        block0():
          -> (%15)
        block1():
          -> (%10)
      %19 : bool = aten::__not__(%14)
      %total.4 : int = prim::If(%19)
        block0():
          %total.3 : int = aten::add(%total.2, %v)
          -> (%total.3)
        block1():
          -> (%total.2)
      %27 : bool = prim::If(%17)
        block0():
          -> (%4)
        block1():
          -> (%15)
      %34 : int = aten::add(%33, %29)
      %35 : bool = aten::lt(%34, %n)
      %36 : bool = aten::__and__(%35, %27)
      -> (%36, %total.4, %17, %34)
  return (%total)
""",
        )

    def test_generator_consumed_by_for_is_one_loop(self) -> None:
        # The consumer's return ends the generator's loop: no list is built.
        graph = _graph(first_square_over)
        assert graph.count("prim::Loop") == 1, graph
        assert "prim::ListConstruct" not in graph and "aten::append" not in graph, graph

    def test_sort_key_lambda_is_an_insertion_sort_of_keys(self) -> None:
        graph = _graph(sorted_by_key)
        assert "prim::CallFunction" not in graph, graph
        assert graph.count("aten::neg") == 1, graph  # the key, once per element


# -- rejections ---------------------------------------------------------------------------------
def recursive(n: int):
    def fact(k):
        return 1 if k <= 1 else k * fact(k - 1)

    return fact(n)


def lambda_in_list(x: int):
    fs = [lambda v: v + 1]
    return fs[0](x)


def returns_generator(n: int):
    return _squares(n)


def scripted_generator(n: int):
    for i in range(n):  # noqa: UP028
        yield i


def global_write(x: int):
    global _COUNT
    _COUNT = x
    return x


_COUNT = 0


@pytest.mark.parametrize(("fn", "message", "line"), [
    (recursive, "expected no recursive call of 'fact'", "k * fact(k - 1)"),
    (lambda_in_list, "expected a value, found a lambda", "[lambda v: v + 1]"),
    (returns_generator, "expected a generator to be consumed, found generator '_squares' "
                        "returned from a scripted function", "return _squares(n)"),
    (scripted_generator, "expected 'yield' as a statement of a generator", "yield i"),
    (global_write, "expected no 'global' statement", "global _COUNT"),
])  # fmt: skip
def test_unsupported_is_a_located_frontend_error(fn, message: str, line: str) -> None:
    with pytest.raises(hybridjit.FrontendError, match=re.escape(message)) as info:
        hybridjit.script(fn)
    assert line in str(info.value) and re.search(r"line \d+", str(info.value))


def test_generator_is_consumed_once() -> None:
    def twice(n: int):
        g = _squares(n)
        return list(g), list(g)

    with pytest.raises(hybridjit.FrontendError, match="consumed once"):
        hybridjit.script(twice)


def test_generator_created_outside_a_loop_is_not_consumed_inside() -> None:
    def inside(n: int):
        g = _squares(n)
        total = 0
        for _ in range(2):
            total += sum(g)
        return total

    with pytest.raises(hybridjit.FrontendError, match="inside a loop"):
        hybridjit.script(inside)


def test_local_function_on_tensors_survives_save_and_load(tmp_path) -> None:
    def f(x: torch.Tensor):
        act = lambda t: torch.relu(t) * 2  # noqa: E731
        return act(x) - act(-x)

    path = tmp_path / "f.hj"
    hybridjit.save(hybridjit.script(f), path)
    x = torch.tensor([-1.0, 2.0])
    assert torch.equal(hybridjit.load(path)(x), f(x))


def _rows(t):
    for i in range(t.size(0)):
        yield t[i]


class _Blocks(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 3)
        self.k = 2

    def forward(self, x):
        def block(v):
            return torch.relu(self.lin(v)) * self.k  # closes over self

        act = lambda t: t + 1  # noqa: E731
        for _ in range(2):
            x = act(block(x))
        return torch.stack([r.sum() for r in _rows(x)])


class _Methods(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 3)

    def rows(self, x):
        for i in range(x.size(0)):
            yield self.lin(x[i])

    def apply(self, f, x):
        return f(self.lin(x))

    def forward(self, x):
        total = torch.zeros(3)
        for r in self.rows(x):
            total = total + r
        return total + self.apply(lambda t: t * 2, x[0])


def test_generator_method_and_method_given_a_lambda() -> None:
    torch.manual_seed(0)
    check_module(_Methods(), [(torch.ones(2, 3),), (torch.randn(1, 3),)], torchscript=False)


def test_module_forward_with_closures_over_self_and_a_generator() -> None:
    torch.manual_seed(0)
    check_module(_Blocks(), [(torch.ones(2, 3),), (torch.randn(4, 3),)], torchscript=False)
