"""Functions as values: nested `def`, closures, `nonlocal`, `lambda`, `key=`, higher-order
functions, `map` and `filter`."""

# ruff: noqa: E731
from __future__ import annotations

import functools

import torch
from tests.corpus import case, cases_in

SCALE = 3
WEIGHT = torch.tensor([1.0, -2.0, 0.5])


def _square(v):
    return v * v


def _apply_twice(f, v):
    return f(f(v))


def _compose(f, g):
    return lambda v: f(g(v))


def _make_adder(n):
    def add(v):
        return v + n

    return add


def _make_multiplier(k):
    return lambda v: v * k


def _make_counter():
    count = 0

    def inc():
        nonlocal count
        count += 1
        return count

    return inc


def _call_n(f, n: int):
    for _ in range(n):
        f()


def _first_index(pred, xs: list[int]) -> int:
    for i, v in enumerate(xs):
        if pred(v):
            return i
    return -1


# -- nested def and closures -------------------------------------------------------------------
@case((1,), (5,), (-3,), torchscript_ok=False)
def fn_nested_def_closure(x: int):
    n = 10

    def add(y):
        return y + n

    return add(x) * 2


@case((1,), (4,), torchscript_ok=False)
def fn_closure_sees_latest_binding(x: int):
    n = 1

    def get():
        return n + x

    a = get()
    n = 5
    return a, get()


@case((0,), (4,), (10,), torchscript_ok=False)
def fn_nonlocal_counter(n: int):
    count = 0

    def inc():
        nonlocal count
        count += 1

    for i in range(n):
        if i % 3 == 0:
            inc()
    return count


@case((3,), (0,), torchscript_ok=False)
def fn_nonlocal_written_through_a_helper(n: int):
    total = 0

    def inc():
        nonlocal total
        total += 2

    for _ in range(n):
        _apply_twice(lambda v: inc(), 0)
    _call_n(inc, n)
    return total


@case((3,), (-1,), torchscript_ok=False)
def fn_one_local_function_many_types(x: int):
    def twice(v):
        return v + v

    return twice(x), twice(float(x) / 2), twice("ab"), twice([x]), twice(torch.ones(2) * x)


@case((5,), (-1,), torchscript_ok=False)
def fn_three_levels_of_closures(x: int):
    def outer(y):
        def inner(z):
            return z + y + x

        return inner(y * 2)

    return outer(x) + outer(1)


@case(([1, 2, 3],), ([],), ([5, -5, 7],), torchscript_ok=False)
def fn_nonlocal_running_total(xs: list[int]):
    total = 0

    def add(v):
        nonlocal total
        total += v
        return total

    last = 0
    for v in xs:
        last = add(v)
    return total, last


@case((3,), (-2,), (0,), torchscript_ok=False)
def fn_nonlocal_in_branches(x: int):
    state = 0

    def bump(k):
        nonlocal state
        if k > 0:
            state += k
        else:
            state -= 1

    bump(x)
    bump(-x)
    return state


@case((2,), (7,), torchscript_ok=False)
def fn_default_evaluated_at_def(x: int):
    k = 3

    def scale(v, f=k):
        return v * f

    k = 100
    return scale(x), scale(x, 2), scale(f=5, v=x)


@case((1.5,), (-4.0,), torchscript_ok=False)
def fn_nested_def_annotated(x: float):
    def half(v: float) -> float:
        return v / 2

    return half(x) + half(1)


@case(([1, 5, 9, 2], 4), ([1, 2], 10), ([], 0), torchscript_ok=False)
def fn_nested_def_early_return(xs: list[int], t: int):
    def find(limit):
        for i, v in enumerate(xs):
            if v > limit:
                return i
        return -1

    return find(t), find(t + 3)


@case((3,), (-1,), (0,), torchscript_ok=False)
def fn_nested_def_raises(x: int):
    def check(v):
        if v < 0:
            raise ValueError("negative")
        return v * 2

    return check(x) + 1


@case((4,), (0,), torchscript_ok=False)
def fn_nested_defs_call_each_other(x: int):
    def sq(v):
        return v * v

    def sum_sq(a, b):
        return sq(a) + sq(b)

    return sum_sq(x, x + 1)


@case((3,), (0,), torchscript_ok=False)
def fn_def_inside_loop(n: int):
    total = 0
    for i in range(n):

        def shifted(v):
            return v + i  # noqa: B023 - called in the same iteration

        total += shifted(i)
    return total


@case((4,), (0,), torchscript_ok=False)
def fn_closure_mutates_list(n: int):
    acc: list[int] = []

    def push(v):
        acc.append(v * v)

    for i in range(n):
        push(i)
    return acc


@case((2,), (-3,), torchscript_ok=False)
def fn_closure_prints(x: int):
    def show(v):
        print("value", v)
        return v

    return show(x) + show(x + 1)


@case((3,), (5,), torchscript_ok=False)
def fn_keyword_only_and_varargs(x: int):
    def scaled(a, *, scale=2):
        return a * scale

    def total(*vs):
        s = 0
        for v in vs:
            s += v
        return s

    return scaled(x), scaled(x, scale=3), total(x, 1, 2), total()


@case((3,), (-7,), torchscript_ok=False)
def fn_closure_over_module_global(x: int):
    def times(v):
        return v * SCALE

    return times(x) + SCALE


# -- tensors -----------------------------------------------------------------------------------
@case((torch.tensor([1.0, 2.0, 3.0]),), (torch.zeros(3),), torchscript_ok=False)
def fn_closure_over_local_tensor(x: torch.Tensor):
    w = torch.ones(3) * 2

    def lin(v):
        return v * w + 1

    return lin(x).sum()


@case((torch.tensor([1.0, 2.0, 3.0]),), (torch.tensor([-1.0, 0.0, 4.0]),),
      torchscript_ok=False)  # fmt: skip
def fn_closure_over_global_tensor(x: torch.Tensor):
    def project(v):
        return (v * WEIGHT).sum()

    return project(x), project(x * 2)


@case((torch.tensor([-1.0, 2.0]),), (torch.tensor([3.0, -4.0]),), torchscript_ok=False)
def fn_lambda_on_tensors(x: torch.Tensor):
    act = lambda t: torch.relu(t) * 2
    return act(x) + act(-x)


@case(([torch.ones(2), torch.arange(3.0)],), ([],), torchscript_ok=False)
def fn_map_over_tensor_list(xs: list[torch.Tensor]):
    return [t.sum() for t in map(lambda t: t * 2 + 1, xs)]


# -- lambda ------------------------------------------------------------------------------------
@case((3,), (-2,), torchscript_ok=False)
def fn_lambda_simple(x: int):
    f = lambda v: v * v + 1
    return f(x) + f(2)


@case((1, 2), (5, -1), torchscript_ok=False)
def fn_lambda_closure_latest(x: int, y: int):
    f = lambda v: v + y
    y = y * 10
    return f(x)


@case((4,), (0,), torchscript_ok=False)
def fn_lambda_defaults(x: int):
    f = lambda a, b=2: a * b
    return f(x), f(x, b=5)


@case(([3, 1, 4, 1, 5, 9, 2, 6],), ([],), ([7],), torchscript_ok=False)
def fn_sorted_key_lambda_stable(xs: list[int]):
    return sorted(xs, key=lambda v: abs(v - 4))


@case(([3, 1, 4, 1, 5, 9, 2, 6],), ([2, 2, 5],), torchscript_ok=False)
def fn_sorted_key_reverse(xs: list[int]):
    return sorted(xs, key=lambda v: v % 3, reverse=True)


@case(([3, -1, -4, 2],), ([],), torchscript_ok=False)
def fn_sorted_key_builtin_abs(xs: list[int]):
    return sorted(xs, key=abs)


@case((["pear", "fig", "banana", "kiwi"],), ([],), torchscript_ok=False)
def fn_sorted_strings_key_len(words: list[str]):
    return sorted(words, key=len)


@case(([3, 1, 4, 1, 5],), ([2],), ([],), torchscript_ok=False)
def fn_min_max_key(xs: list[int]):
    return min(xs, key=lambda v: (v - 2) * (v - 2)), max(xs, key=lambda v: v % 4)


@case(([3, 8, 1],), ([],), torchscript_ok=False)
def fn_max_key_default(xs: list[int]):
    return max(xs, key=lambda v: -v, default=-100)


@case((3, 8), (5, 5), torchscript_ok=False)
def fn_min_of_arguments_key(a: int, b: int):
    return min(a, b, key=lambda v: abs(v - 6))


@case(([3, 1, 2],), ([5, -5, 0, 5],), ([],), torchscript_ok=False)
def fn_list_sort_key(xs: list[int]):
    ys = list(xs)
    ys.sort(key=lambda v: -abs(v))
    zs = list(xs)
    zs.sort(key=lambda v: v % 2, reverse=True)
    return ys, zs


# -- functions as values -----------------------------------------------------------------------
@case((2,), (-5,), torchscript_ok=False)
def fn_lambda_passed_to_helper(x: int):
    return _apply_twice(lambda v: v + 3, x)


@case((3,), (-4,), torchscript_ok=False)
def fn_def_and_builtin_passed(x: int):
    def dbl(v):
        return v * 2

    return _apply_twice(dbl, x) + _apply_twice(abs, -x)


@case((1,), (10,), torchscript_ok=False)
def fn_closure_returned_from_helper(x: int):
    add = _make_adder(x)
    return add(1), add(10)


@case((3,), (-2,), torchscript_ok=False)
def fn_lambda_returned_from_helper(x: int):
    triple = _make_multiplier(3)
    return triple(x) + _make_multiplier(x)(2)


@case((3,), (0,), torchscript_ok=False)
def fn_counter_closure_keeps_state(n: int):
    inc = _make_counter()
    for _ in range(n):
        inc()
    return inc()


@case((2,), (-3,), torchscript_ok=False)
def fn_compose_functions(x: int):
    f = _compose(lambda v: v + 1, _square)
    return f(x), _compose(abs, lambda v: v - 10)(x)


@case((4,), (-2,), torchscript_ok=False)
def fn_functions_in_a_tuple(x: int):
    ops = (abs, lambda v: v * 2, _square)
    return [f(x) for f in ops]


@case(([1, 4, 9], 3), ([1, 2], 5), torchscript_ok=False)
def fn_predicate_to_helper(xs: list[int], t: int):
    return _first_index(lambda v: v > t, xs), _first_index(lambda v: v % 2 == 0, xs)


@case((3,), (6,), torchscript_ok=False)
def fn_module_function_as_value(x: int):
    f = _square
    g = f
    return g(x) + f(1)


# -- map and filter ----------------------------------------------------------------------------
@case(([1, 2, 3],), ([],), torchscript_ok=False)
def fn_map_lambda(xs: list[int]):
    return list(map(lambda v: v * 3, xs))


@case(([1, 20, 300],), ([],), torchscript_ok=False)
def fn_map_builtin_str(xs: list[int]):
    return ",".join(map(str, xs))


@case((["1", "22", "-3"],), (["4", "x"],), torchscript_ok=False)
def fn_map_builtin_int(words: list[str]):
    return sum(map(int, words))


@case(([-1, 2, -3],), ([],), torchscript_ok=False)
def fn_map_builtin_abs(xs: list[int]):
    return list(map(abs, xs))


@case(([1, 2, 3], [4, 5]), ([], [1]), torchscript_ok=False)
def fn_map_two_iterables(a: list[int], b: list[int]):
    return list(map(lambda x, y: x * y, a, b))


@case(([2, 3, 4],), ([],), torchscript_ok=False)
def fn_map_module_function(xs: list[int]):
    return list(map(_square, xs))


@case((5,), (0,), torchscript_ok=False)
def fn_map_in_for_loop(n: int):
    total = 0
    for v in map(lambda i: i * i, range(n)):
        if v > 10:
            break
        total += v
    return total


@case(([1, 2, 3, 4, 5],), ([2, 4],), torchscript_ok=False)
def fn_filter_lambda(xs: list[int]):
    return list(filter(lambda v: v % 2 == 1, xs))


@case(([1, 5, 9, 2], 3), ([], 0), torchscript_ok=False)
def fn_filter_nested_def(xs: list[int], t: int):
    def big(v):
        return v > t

    return list(filter(big, xs))


@case(([0, 1, 0, 3],), ([],), torchscript_ok=False)
def fn_filter_none(xs: list[int]):
    return list(filter(None, xs))


@case((["a", "", "bc"],), ([""],), torchscript_ok=False)
def fn_filter_builtin_len(words: list[str]):
    return list(filter(len, words))


@case((6,), (1,), torchscript_ok=False)
def fn_map_of_filter(n: int):
    return sum(map(lambda v: v * 10, filter(lambda v: v % 3 == 0, range(n))))


@case((["b", "a", "b", "c", "a", "b"],), (["x"],), ([],), torchscript_ok=False)
def fn_key_is_a_bound_method(words: list[str]):
    return sorted(words, key=words.count), max(words, key=words.count)


@case(([1, 2, 3, 4],), ([5],), ([],), torchscript_ok=False)
def fn_reduce(xs: list[int]):
    return functools.reduce(lambda a, b: a * 10 + b, xs, 0), functools.reduce(max, xs)


@case((3,), (-2,), torchscript_ok=False)
def fn_functools_partial(x: int):
    scale = functools.partial(lambda a, b, c=1: (a * b) + c, 10)
    offset = functools.partial(_apply_twice, abs)
    return scale(x), scale(x, c=5), offset(x), list(map(functools.partial(max, 0), [x, -x]))


# -- still rejected ----------------------------------------------------------------------------
@case((3,), torchscript_ok=False)
def fn_recursive_local_function(n: int):
    def fact(k):
        return 1 if k <= 1 else k * fact(k - 1)

    return fact(n)


@case((3,), torchscript_ok=False)
def fn_functions_in_a_list(x: int):
    fs = [lambda v: v, lambda v: -v]
    return fs[x % 2](x)


@case((3,), torchscript_ok=False)
def fn_function_chosen_at_run_time(x: int):
    f = (lambda v: v + 1) if x > 0 else (lambda v: v - 1)
    return f(x)


CASES = cases_in(globals())
UNSUPPORTED = {
    "fn_recursive_local_function": "recursion of a local function (compiled inline)",
    "fn_functions_in_a_list": "a function value stored in a list",
    "fn_function_chosen_at_run_time": "a function value chosen by a run-time condition",
}
