"""Generators: `yield` and `yield from` functions, generator expressions, and their consumers
(`for` with break/continue/return, `list`, `sum`, `min`/`max`, `any`/`all`, `sorted`,
`enumerate`, `zip`, `map`/`filter`, `in`, `str.join`, `dict`)."""

from __future__ import annotations

import torch
from tests.corpus import case, cases_in


def _squares(n: int):
    for i in range(n):
        yield i * i


def _naturals():
    i = 0
    while True:
        yield i
        i += 1


def _up_to(limit: int):
    i = 0
    while True:
        if i >= limit:
            return
        yield i
        i += 1


def _doubled(items):
    for v in items:
        yield v * 2


def _fib(n: int):
    a, b = 0, 1
    for _ in range(n):
        yield a
        a, b = b, a + b


def _chain(n: int):
    yield -1
    yield from range(n)
    yield from _squares(n)
    yield 100


def _collatz(n: int):
    while n > 1:
        yield n
        n = n // 2 if n % 2 == 0 else 3 * n + 1
    yield 1


def _checked(xs: list[int]):
    for v in xs:
        if v < 0:
            raise ValueError("negative item")
        yield v


def _pairs(n: int):
    for i in range(n):
        for j in range(i):
            yield i, j


def _total(items) -> int:
    s = 0
    for v in items:
        s += v
    return s


# -- for ---------------------------------------------------------------------------------------
@case((0,), (4,), (7,), torchscript_ok=False)
def gen_for_module_generator(n: int):
    total = 0
    for v in _squares(n):
        total += v
    return total


@case((0,), (5,), torchscript_ok=False)
def gen_local_generator(n: int):
    def evens():
        for i in range(n):
            if i % 2 == 0:
                yield i

    out: list[int] = []
    for v in evens():
        out.append(v)
    return out


@case((10,), (0,), (50,), torchscript_ok=False)
def gen_break_leaves_infinite_generator(n: int):
    last = -1
    for v in _naturals():
        if v * v > n:
            break
        last = v
    return last


@case((6,), (1,), torchscript_ok=False)
def gen_continue_resumes_generator(n: int):
    out: list[int] = []
    for v in _squares(n):
        if v % 2 == 1:
            continue
        out.append(v)
    return out


@case((3,), (0,), torchscript_ok=False)
def gen_return_stops_generator(n: int):
    return [v for v in _up_to(n)], sum(_up_to(n + 2))


@case(([1, 2, 3], 3), ([1], 5), ([], 0), torchscript_ok=False)
def gen_consumer_returns_from_loop(xs: list[int], t: int):
    for v in _doubled(xs):
        if v > t:
            return v
    return -1


@case((2,), (0,), torchscript_ok=False)
def gen_for_else(n: int):
    found = -1
    for v in _squares(n):
        if v == 9:
            found = v
            break
    else:
        found = -2
    return found


@case((3,), (0,), torchscript_ok=False)
def gen_yield_from(n: int):
    return list(_chain(n))


@case((6,), (1,), (27,), torchscript_ok=False)
def gen_yield_in_while_loop(n: int):
    steps = 0
    peak = 0
    for v in _collatz(n):
        steps += 1
        peak = max(peak, v)
    return steps, peak


@case((8,), (1,), torchscript_ok=False)
def gen_state_between_yields(n: int):
    return list(_fib(n))


@case((3,), (0,), torchscript_ok=False)
def gen_prints_interleave(n: int):
    def produce():
        for i in range(n):
            print("produce", i)
            yield i * 10

    for v in produce():
        print("consume", v)
    return n


@case(([1, 2, 3],), ([4, -1, 5],), torchscript_ok=False)
def gen_generator_raises(xs: list[int]):
    total = 0
    for v in _checked(xs):
        total += v
    return total


@case((5,), (2,), torchscript_ok=False)
def gen_nested_loops_with_break(n: int):
    out: list[int] = []
    for i, j in _pairs(n):
        if i + j > 5:
            break
        out.append(i * 10 + j)
    return out


@case((3,), (5,), torchscript_ok=False)
def gen_closure_reads_latest_binding(n: int):
    k = 3

    def scaled():
        for i in range(n):
            yield i * k

    g = scaled()
    k = 5
    return list(g)


@case((4,), (0,), torchscript_ok=False)
def gen_generator_with_nonlocal(n: int):
    produced = 0

    def counted():
        nonlocal produced
        for i in range(n):
            produced += 1
            yield i

    total = 0
    for v in counted():
        total += v
    return total, produced


@case((4,), (0,), torchscript_ok=False)
def gen_enumerate_generator(n: int):
    out: list[int] = []
    for i, v in enumerate(_squares(n), 1):
        if i == 3:
            continue
        out.append(i * 100 + v)
    return out


@case((4,), (1,), torchscript_ok=False)
def gen_pipeline_of_generators(n: int):
    return list(_doubled(_doubled(_squares(n))))


@case((5,), (0,), torchscript_ok=False)
def gen_passed_to_helper(n: int):
    return _total(_squares(n)), _total(v + 1 for v in range(n))


# -- other consumers ---------------------------------------------------------------------------
@case((5,), (0,), torchscript_ok=False)
def gen_list_and_sum(n: int):
    return list(_squares(n)), sum(_squares(n))


@case(([3, 1, 2],), ([],), torchscript_ok=False)
def gen_min_max(xs: list[int]):
    return min(v * 2 for v in xs), max(v - 1 for v in xs)


@case(([1, 5, 2],), ([],), ([-1, 2],), torchscript_ok=False)
def gen_any_all(xs: list[int]):
    return any(v > 3 for v in xs), all(v > 0 for v in xs)


@case((5,), (30,), torchscript_ok=False)
def gen_any_all_stop_infinite_generators(n: int):
    def loud(limit: int):
        for i in range(limit):
            print("check", i)
            yield i

    return any(v * v > n for v in _naturals()), all(v < 3 for v in loud(n)), any(loud(0))


@case(([13, 4, 7, 25],), ([],), torchscript_ok=False)
def gen_sorted(xs: list[int]):
    return sorted(v % 5 for v in xs), sorted(_doubled(xs))


@case(([1, 2, 3], [7, 8]), ([], [1]), torchscript_ok=False)
def gen_zip(xs: list[int], ys: list[int]):
    return list(zip(_doubled(xs), ys))


@case(([1, 2, 3], 4), ([1, 2, 3], 5), torchscript_ok=False)
def gen_membership(xs: list[int], t: int):
    return t in _doubled(xs), t in [v for v in _doubled(xs)]


@case((["a", "bc"],), ([],), torchscript_ok=False)
def gen_join(words: list[str]):
    return "-".join(w.upper() for w in words)


@case((["a", "bcd"],), ([],), torchscript_ok=False)
def gen_dict_of_pairs(words: list[str]):
    return dict((w, len(w)) for w in words)


@case((6,), (0,), torchscript_ok=False)
def gen_map_filter_generator(n: int):
    return list(map(lambda v: v + 1, _squares(n))), sum(filter(lambda v: v % 2 == 0, _squares(n)))


@case(([1, 5, 9], 4), ([1], 4), ([], 0), torchscript_ok=False)
def gen_next_with_and_without_default(xs: list[int], t: int):
    found = next((v * 2 for v in xs if v > t), -1)
    return found, next(v for v in _doubled(xs) if v > t)


@case(([3, 1, 2],), ([],), torchscript_ok=False)
def gen_with_key_and_default(xs: list[int]):
    ordered = sorted((v * 3 for v in xs), key=lambda v: -v)
    return ordered, max((v for v in xs), default=-1), [p for p in zip((v for v in xs), range(10))]


@case(([5, 6, 7],), ([],), torchscript_ok=False)
def gen_zip_with_infinite_generator(xs: list[int]):
    out: list[int] = []
    for i, x in zip(_naturals(), xs):
        out.append(i * x)
    return out


@case((["a", "b", "c"], 2), (["a"], 5), torchscript_ok=False)
def gen_zip_interleaves_prints(words: list[str], n: int):
    def numbered():
        for i in range(n):
            print("make", i)
            yield i

    for i, w in zip(numbered(), words):
        print("use", i, w)
        if w == "b":
            continue
    return n


@case(([3, 1],), ([],), torchscript_ok=False)
def gen_enumerate_map(xs: list[int]):
    out: list[int] = []
    for i, v in enumerate(map(lambda q: q + 1, xs)):
        out.append(i * v)
    return out


# -- generator expressions ---------------------------------------------------------------------
@case((6,), (0,), torchscript_ok=False)
def gen_genexp_in_for(n: int):
    total = 0
    for v in (i * i for i in range(n) if i % 2 == 1):
        total += v
    return total


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def gen_genexp_list(xs: list[int]):
    return list(x + 1 for x in xs)


@case((3,), (0,), torchscript_ok=False)
def gen_genexp_nested(n: int):
    return sum(i * j for i in range(n) for j in range(i) if j != 1)


@case((4,), (1,), torchscript_ok=False)
def gen_genexp_stored_then_consumed(n: int):
    squares = (i * i for i in range(n))
    out: list[int] = []
    for v in squares:
        out.append(v)
    return out


@case((1, 5), (3, 0), torchscript_ok=False)
def gen_genexp_over_a_tuple_with_break(a: int, b: int):
    total = 0
    for v in (x * 2 for x in (a, b, a + b)):
        if v > 8:
            break
        total += v
    return total, all(x > 0 for x in (a, b)), any(x > 4 for x in (a, b))


@case((4,), (2,), torchscript_ok=False)
def gen_genexp_over_generator(n: int):
    return [v for v in (s + 1 for s in _squares(n))]


# -- tensors -----------------------------------------------------------------------------------
@case((torch.arange(6.0).reshape(3, 2),), (torch.ones(1, 2),), torchscript_ok=False)
def gen_rows_of_a_tensor(x: torch.Tensor):
    def rows():
        for i in range(x.size(0)):
            yield x[i]

    total = torch.zeros(x.size(1))
    for r in rows():
        total = total + r
    return total


@case((torch.tensor([1.0, 2.0, 3.0]),), (torch.tensor([0.5]),), torchscript_ok=False)
def gen_tensor_powers(x: torch.Tensor):
    def powers(k: int):
        p = torch.ones_like(x)
        for _ in range(k):
            p = p * x
            yield p

    return torch.stack(list(powers(3))).sum(0)


@case((torch.tensor([3.0, -1.0, 2.0]),), (torch.tensor([-5.0]),), torchscript_ok=False)
def gen_first_positive_element(x: torch.Tensor):
    for v in (x[i] for i in range(x.size(0))):
        if bool(v > 0):
            return float(v)
    return 0.0


@case((torch.ones(2),), (torch.arange(3.0),), torchscript_ok=False)
def gen_stack_of_generator(x: torch.Tensor):
    return torch.stack(list(x[i] * 2 for i in range(x.size(0)))), torch.tensor(
        [v for v in (i * i for i in range(3))]
    )


# -- still rejected ----------------------------------------------------------------------------
@case((3,), torchscript_ok=False)
def gen_returned_from_scripted_function(n: int):
    return _squares(n)


@case((3,), torchscript_ok=False)
def gen_yield_as_expression(n: int):
    def echo():
        x = yield n
        yield x

    return list(echo())


@case((3,), torchscript_ok=False)
def gen_consumed_twice(n: int):
    g = _squares(n)
    a = list(g)
    b = list(g)
    return a, b


@case((3,), torchscript_ok=False)
def gen_tuple_of_generator(n: int):
    return tuple(i for i in range(n))


CASES = cases_in(globals())
UNSUPPORTED = {
    "gen_returned_from_scripted_function": "a generator escaping as a value",
    "gen_yield_as_expression": "a yield expression's value (generator.send)",
    "gen_consumed_twice": "a generator iterated twice (the second time finds it exhausted)",
}
