"""Small TorchScript-compatible programs exercising control flow, builtins and tensor ops.

Each function carries its inputs via `@case(...)`; `CASES` collects them.  Functions are
kept tiny and deterministic; inputs cover every branch, zero-trip loops and raising paths.
"""

import math
from enum import Enum
from typing import Dict, List, NamedTuple, Optional, Tuple, Union

import torch
import torch.nn.functional as F

from . import case, cases_in


# ---------------------------------------------------------------------------
# Module-level types and helpers
# ---------------------------------------------------------------------------


class Point(NamedTuple):
    x: float
    y: float


class Span(NamedTuple):
    start: int
    stop: int
    label: str


class Color(Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


def _helper_square(x: int) -> int:
    return x * x


def _helper_clamp(x: int, lo: int, hi: int) -> int:
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def _helper_scale(x: torch.Tensor, factor: float = 2.0) -> torch.Tensor:
    return x * factor


def _helper_min_max(xs: List[int]) -> Tuple[int, int]:
    lo = xs[0]
    hi = xs[0]
    for x in xs:
        if x < lo:
            lo = x
        if x > hi:
            hi = x
    return lo, hi


def _helper_check_positive(x: int) -> int:
    if x <= 0:
        raise ValueError("expected a positive value")
    return x


# ---------------------------------------------------------------------------
# if / elif / else, ternaries, nested ifs
# ---------------------------------------------------------------------------


@case((5,), (-3,), (0,))
def if_elif_else_sign(x: int) -> int:
    if x > 0:
        return 1
    elif x < 0:
        return -1
    else:
        return 0


@case((1,), (2,), (3,), (7,))
def if_elif_chain_str(x: int) -> str:
    if x == 1:
        r = "one"
    elif x == 2:
        r = "two"
    elif x == 3:
        r = "three"
    else:
        r = "many"
    return r


@case((3, 4), (4, 3), (2, 2))
def if_assign_both_branches(a: int, b: int) -> int:
    if a > b:
        m = a
    else:
        m = b
    return m * 2


@case((True,), (False,))
def if_no_else_fallthrough(flag: bool) -> int:
    x = 1
    if flag:
        x = 10
    return x


@case((3,), (-3,), (0,))
def ternary_abs(x: int) -> int:
    return x if x >= 0 else -x


@case((0.5,), (2.5,), (-1.0,))
def ternary_nested_clip(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


@case((True, 1, 2), (False, 1, 2))
def ternary_in_expression(flag: bool, a: int, b: int) -> int:
    return 10 * (a if flag else b) + (b if flag else a)


@case((1, 1), (1, -1), (-1, 1), (-1, -1), (0, 5))
def nested_if_quadrant(x: int, y: int) -> int:
    if x > 0:
        if y > 0:
            return 1
        else:
            return 4
    else:
        if y > 0:
            return 2
        else:
            return 3


@case((15,), (9,), (10,), (7,))
def nested_if_fizzbuzz(n: int) -> str:
    if n % 3 == 0:
        if n % 5 == 0:
            return "fizzbuzz"
        return "fizz"
    else:
        if n % 5 == 0:
            return "buzz"
    return str(n)


@case((torch.tensor([1.0, 2.0]),), (torch.tensor([-1.0, -2.0]),))
def if_tensor_condition(x: torch.Tensor) -> torch.Tensor:
    if bool(x.sum() > 0):
        return x * 2
    return x - 1


@case((torch.tensor([3.0]),), (torch.tensor([-3.0]),))
def if_tensor_implicit_bool(x: torch.Tensor) -> torch.Tensor:
    if x > 0:
        y = x + 1
    else:
        y = x - 1
    return y


@case((0, 0), (1, 0), (0, 1), (1, 1))
def if_elif_without_else_mutation(a: int, b: int) -> List[int]:
    out: List[int] = [0]
    if a == 1:
        out.append(1)
    elif b == 1:
        out.append(2)
    if a == 1 and b == 1:
        out[0] = 9
    return out


# ---------------------------------------------------------------------------
# Early returns
# ---------------------------------------------------------------------------


@case(([1, 2, 3, 4], 3), ([1, 2], 5), ([], 1))
def early_return_in_loop_find(xs: List[int], target: int) -> int:
    for i in range(len(xs)):
        if xs[i] == target:
            return i
    return -1


@case(([3, -1, 2],), ([1, 2],), ([],))
def early_return_first_negative(xs: List[int]) -> Optional[int]:
    for x in xs:
        if x < 0:
            return x
    return None


@case((0,), (5,), (12,))
def early_return_nested_loop(n: int) -> Tuple[int, int]:
    for i in range(n):
        for j in range(n):
            if i * j == 6:
                return i, j
    return -1, -1


@case((-5,), (0,), (5,), (50,))
def early_return_guard_clauses(x: int) -> str:
    if x < 0:
        return "neg"
    if x == 0:
        return "zero"
    if x > 10:
        return "big"
    return "small"


@case((3,), (10,), (0,))
def early_return_while_true(n: int) -> int:
    i = 0
    while True:
        if i * i > n:
            return i
        i += 1
    return -1


@case(([1, 2, 3], [1, 2, 3]), ([1, 2], [1, 3]), ([1], [1, 2]))
def early_return_list_equal(a: List[int], b: List[int]) -> bool:
    if len(a) != len(b):
        return False
    for i in range(len(a)):
        if a[i] != b[i]:
            return False
    return True


@case((torch.tensor([1.0, -2.0, 3.0]),), (torch.tensor([1.0, 2.0]),))
def early_return_tensor_loop(x: torch.Tensor) -> int:
    for i in range(x.size(0)):
        if bool(x[i] < 0):
            return i
    return -1


# ---------------------------------------------------------------------------
# range loops
# ---------------------------------------------------------------------------


@case((0,), (1,), (5,), (-3,))
def range_stop_sum(n: int) -> int:
    s = 0
    for i in range(n):
        s += i
    return s


@case((2, 6), (5, 5), (6, 2))
def range_start_stop_product(a: int, b: int) -> int:
    p = 1
    for i in range(a, b):
        p *= i
    return p


@case((0, 10, 3), (1, 2, 5), (5, 0, 1), (0, 5, 0))
def range_step_collect(a: int, b: int, step: int) -> List[int]:
    out: List[int] = []
    for i in range(a, b, step):
        out.append(i)
    return out


@case((10, 0, -3), (3, 3, -1), (0, 5, -1), (5, -5, -2))
def range_negative_step(a: int, b: int, step: int) -> List[int]:
    out: List[int] = []
    for i in range(a, b, step):
        out.append(i * 10)
    return out


@case((0,), (3,))
def range_loop_var_after_loop(n: int) -> int:
    i = -1
    for i in range(n):
        pass
    return i


@case((4,), (0,))
def range_nested_triangle(n: int) -> int:
    count = 0
    for i in range(n):
        for j in range(i):
            count += j + 1
    return count


@case((5,), (1,))
def range_reassign_loop_var(n: int) -> List[int]:
    out: List[int] = []
    for i in range(n):
        i = i * 2
        out.append(i)
    return out


@case((3, 4), (0, 2))
def range_len_of_list(n: int, m: int) -> int:
    xs: List[int] = []
    for i in range(n * m):
        xs.append(i)
    total = 0
    for i in range(len(xs)):
        total += xs[i]
    return total


# ---------------------------------------------------------------------------
# for over containers, strings, tensors, enumerate, zip
# ---------------------------------------------------------------------------


@case(([1.0, 2.5, -1.0],), ([],))
def for_list_float_sum(xs: List[float]) -> float:
    s = 0.0
    for x in xs:
        s += x
    return s


@case(((1, 2, 3),), ((0, 0, 5),))
def for_tuple_iter(t: Tuple[int, int, int]) -> int:
    s = 0
    for x in t:
        s = s * 10 + x
    return s


@case(({"a": 1, "b": 2},), ({},))
def for_dict_keys(d: Dict[str, int]) -> List[str]:
    out: List[str] = []
    for k in d:
        out.append(k)
    return sorted(out)


@case(({"a": 1, "b": 2, "c": 3},), ({},))
def for_dict_items(d: Dict[str, int]) -> int:
    total = 0
    for k, v in d.items():
        if k != "b":
            total += v
    return total


@case(({1: 2.0, 3: 4.0},), ({},))
def for_dict_values(d: Dict[int, float]) -> float:
    total = 0.0
    for v in d.values():
        total += v
    return total


@case(({},), ({"x": 1, "y": 2},))
def for_dict_keys_method(d: Dict[str, int]) -> str:
    out = ""
    for k in sorted(d.keys()):
        out += k
    return out


@case(("hello",), ("",))
def for_string_chars(s: str) -> List[str]:
    out: List[str] = []
    for c in s:
        out.append(c.upper())
    return out


@case(("banana", "a"), ("xyz", "a"))
def for_string_count_char(s: str, ch: str) -> int:
    n = 0
    for c in s:
        if c == ch:
            n += 1
    return n


@case((torch.arange(6.0).reshape(3, 2),), (torch.zeros(0, 2),))
def for_tensor_rows(x: torch.Tensor) -> torch.Tensor:
    total = torch.zeros(2)
    for row in x:
        total = total + row
    return total


@case((torch.tensor([3, 1, 2]),), (torch.tensor([], dtype=torch.int64),))
def for_tensor_elements_to_int(x: torch.Tensor) -> List[int]:
    out: List[int] = []
    for v in x:
        out.append(int(v))
    return out


@case((["a", "b", "c"],), ([],))
def for_enumerate_strings(xs: List[str]) -> List[str]:
    out: List[str] = []
    for i, s in enumerate(xs):
        out.append(str(i) + s)
    return out


@case(([5, 6, 7],), ([],))
def for_enumerate_start(xs: List[int]) -> int:
    s = 0
    for i, x in enumerate(xs, 1):
        s += i * x
    return s


@case((torch.zeros(0, 2),), (torch.tensor([[1.0, 2.0], [3.0, 4.0]]),))
def for_enumerate_tensor(x: torch.Tensor) -> torch.Tensor:
    out = torch.zeros(2)
    for i, row in enumerate(x):
        out = out + row * float(i + 1)
    return out


@case(([1, 2, 3], [4, 5, 6]), ([1, 2], [3]), ([], [1]))
def for_zip_dot(a: List[int], b: List[int]) -> int:
    s = 0
    for x, y in zip(a, b):
        s += x * y
    return s


@case(([1, 2], ["a", "b"], [0.5, 1.5]), ([1], ["q", "r"], [2.0]))
def for_zip_three(a: List[int], b: List[str], c: List[float]) -> List[str]:
    out: List[str] = []
    for x, y, z in zip(a, b, c):
        out.append(y + str(x) + str(int(z * 2.0)))
    return out


@case((["a", "a", "b"], [1, 2, 3]), ([], []), (["x", "y"], [1, 2]),)
def for_zip_enumerate(names: List[str], vals: List[int]) -> Dict[str, int]:
    d: Dict[str, int] = {}
    for i, (n, v) in enumerate(zip(names, vals)):
        d[n] = v * 10 + i
    return d


@case(([[1, 2], [3], []],), ([],))
def for_list_of_lists(m: List[List[int]]) -> List[int]:
    out: List[int] = []
    for row in m:
        out.append(len(row))
        for v in row:
            out.append(v)
    return out


@case(([(1, "a"), (2, "b")],), ([],))
def for_list_of_tuples_unpack(pairs: List[Tuple[int, str]]) -> str:
    out = ""
    for n, s in pairs:
        for _ in range(n):
            out += s
    return out


# ---------------------------------------------------------------------------
# while loops
# ---------------------------------------------------------------------------


@case((27,), (1,), (6,))
def while_collatz_steps(n: int) -> int:
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@case((48, 18), (7, 0), (0, 5))
def while_gcd(a: int, b: int) -> int:
    while b != 0:
        a, b = b, a % b
    return a


@case((12345,), (0,), (7,))
def while_count_digits(n: int) -> int:
    if n == 0:
        return 1
    count = 0
    while n > 0:
        n = n // 10
        count += 1
    return count


@case((torch.tensor([64.0]),), (torch.tensor([0.5]),))
def while_tensor_halving(x: torch.Tensor) -> Tuple[torch.Tensor, int]:
    n = 0
    while bool(x.sum() > 1.0):
        x = x / 2
        n += 1
    return x, n


@case(([1, 2, 3, 4],), ([],))
def while_pop_until_empty(xs: List[int]) -> int:
    total = 0
    while len(xs) > 0:
        total = total * 2 + xs.pop()
    return total


@case((100,), (1,))
def while_binary_search_sqrt(n: int) -> int:
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if mid * mid <= n:
            lo = mid
        else:
            hi = mid - 1
    return lo


@case((5, 3), (0, 0))
def while_nested(a: int, b: int) -> int:
    i = 0
    total = 0
    while i < a:
        j = 0
        while j < b:
            total += i * j
            j += 1
        i += 1
    return total


# ---------------------------------------------------------------------------
# break / continue
# ---------------------------------------------------------------------------


@case((10,), (0,), (3,))
def loop_break_at_threshold(n: int) -> int:
    s = 0
    for i in range(n):
        if s > 10:
            break
        s += i
    return s


@case((10,), (0,))
def loop_continue_skip_odd(n: int) -> int:
    s = 0
    for i in range(n):
        if i % 2 == 1:
            continue
        s += i
    return s


@case((5,), (0,), (3,))
def loop_nested_break_continue(n: int) -> List[Tuple[int, int]]:
    out: List[Tuple[int, int]] = []
    for i in range(n):
        if i == 1:
            continue
        for j in range(n):
            if j > i:
                break
            if (i + j) % 2 == 1:
                continue
            out.append((i, j))
    return out


@case((20,), (0,), (5,))
def while_break_continue(n: int) -> int:
    i = 0
    s = 0
    while i < n:
        i += 1
        if i % 3 == 0:
            continue
        if i > 15:
            break
        s += i
    return s


@case(([[1, 2], [3, -1, 7], [4, 5]],), ([],))
def loop_break_inner_only(m: List[List[int]]) -> int:
    total = 0
    for row in m:
        for v in row:
            if v < 0:
                break
            total += v
    return total


@case((["a", "", "b", "stop", "c"],), ([],))
def loop_break_continue_strings(xs: List[str]) -> str:
    out = ""
    for s in xs:
        if s == "":
            continue
        if s == "stop":
            break
        out += s
    return out


@case((torch.tensor([-1.0, 3.0]),), (torch.zeros(0),), (torch.tensor([1.0, 0.0, 2.0, -1.0, 5.0]),))
def loop_break_over_tensor(x: torch.Tensor) -> float:
    total = 0.0
    for v in x:
        if float(v) == 0.0:
            continue
        if float(v) < 0.0:
            break
        total += float(v)
    return total


@case((7,), (0,))
def while_true_break(n: int) -> int:
    i = 0
    while True:
        if i >= n:
            break
        i += 2
    return i


# ---------------------------------------------------------------------------
# Augmented assignment
# ---------------------------------------------------------------------------


@case((7,), (-7,))
def augassign_int_all(x: int) -> int:
    x += 3
    x -= 1
    x *= 4
    x = x // 3
    x = x % 7
    x <<= 2
    x >>= 1
    x |= 8
    x &= 13
    x ^= 5
    return x


@case((2.5,), (-1.0,))
def augassign_float(x: float) -> float:
    x += 1.5
    x *= 2.0
    x /= 4.0
    x -= 0.25
    return x


@case((torch.tensor([[0.0], [-2.0]]),), (torch.tensor([1.0, 2.0]),))
def augassign_tensor_inplace(x: torch.Tensor) -> torch.Tensor:
    y = x.clone()
    y += 1
    y *= 2
    y -= 0.5
    return y


@case(([1, 2],), ([],))
def augassign_list_extend(xs: List[int]) -> List[int]:
    xs += [3, 4]
    return xs


@case(("ab",), ("",))
def augassign_str(s: str) -> str:
    s += "x"
    s += s
    return s


@case(([1, 2, 3],), ([5],))
def augassign_subscript(xs: List[int]) -> List[int]:
    xs[0] += 10
    xs[-1] *= 2
    return xs


@case((torch.ones(4),), (torch.zeros(2),), (torch.zeros(3),))
def augassign_tensor_subscript(x: torch.Tensor) -> torch.Tensor:
    x[1] += 5.0
    x[2] -= 1.0
    return x


@case(({"a": 1},), ({"b": 2},))
def augassign_dict_value(d: Dict[str, int]) -> Dict[str, int]:
    d["a"] = d.get("a", 0)
    d["a"] += 5
    return d


# ---------------------------------------------------------------------------
# Tuple unpacking and tuples
# ---------------------------------------------------------------------------


@case((-5, 5), (1, 2),)
def tuple_swap(a: int, b: int) -> Tuple[int, int]:
    a, b = b, a
    return a, b


@case(((0, (0, 9)),), ((1, (2, 3)),),)
def tuple_nested_unpack(t: Tuple[int, Tuple[int, int]]) -> int:
    a, (b, c) = t
    return a * 100 + b * 10 + c


@case(([1, 2, 3],), ([1, 2],))
def unpack_list_fixed_length(xs: List[int]) -> int:
    a, b, c = xs
    return a * 100 + b * 10 + c


@case((7,), (0,))
def tuple_return_multiple(x: int) -> Tuple[int, bool, str]:
    return x * 2, x > 0, str(x)


@case(((0, "", -1.0),), ((1, "a", 2.5),),)
def tuple_indexing_mixed(t: Tuple[int, str, float]) -> str:
    return t[1] + str(t[0]) + str(int(t[2] * 2.0))


@case(((9, 8, 7, 6),), ((1, 2, 3, 4),),)
def tuple_negative_index_and_slice(t: Tuple[int, int, int, int]) -> Tuple[int, Tuple[int, int]]:
    return t[-1], t[1:3]


@case((3,), (0,))
def tuple_unpack_from_helper(n: int) -> int:
    lo, hi = _helper_min_max([n, -n, 2 * n])
    return hi - lo


@case(((1, 2), (1, 2)), ((1, 2), (2, 1)))
def tuple_equality(a: Tuple[int, int], b: Tuple[int, int]) -> bool:
    return a == b


@case(((2, 3),), ((0, 0),))
def tuple_len_and_in(t: Tuple[int, int]) -> Tuple[int, bool]:
    return len(t), 3 in t


@case((torch.zeros(0), torch.tensor([[1.0, 2.0]])), (torch.tensor([1.0, 2.0]), torch.tensor([3.0])),)
def tuple_of_tensors(a: torch.Tensor, b: torch.Tensor) -> Tuple[torch.Tensor, Tuple[torch.Tensor, int]]:
    pair = (a + 1, (b * 2, a.numel() + b.numel()))
    return pair


@case((0, 0, -1), (1, 2, 3),)
def tuple_chained_assignment(a: int, b: int, c: int) -> Tuple[int, int, int]:
    x = y = a + b
    x += c
    return x, y, c


# ---------------------------------------------------------------------------
# Ints
# ---------------------------------------------------------------------------


@case((7, 2), (-7, 2), (7, -2), (-7, -2), (7, 0))
def int_floordiv_mod_negative(a: int, b: int) -> Tuple[int, int]:
    return a // b, a % b


@case((7, 2), (-7, 2), (-7, -2), (3, 0))
def int_divmod(a: int, b: int) -> Tuple[int, int]:
    return divmod(a, b)


@case((12, 10), (-5, 3), (0, 7))
def int_bit_ops(a: int, b: int) -> List[int]:
    return [a & b, a | b, a ^ b, a << 2, a >> 1, -a - 1]


@case((1, 2, 3), (3, 2, 1), (1, 1, 2))
def int_comparison_chain(a: int, b: int, c: int) -> bool:
    return a < b < c


@case((1, 2, 3), (2, 2, 3), (1, 3, 0))
def int_comparison_chain_mixed(a: int, b: int, c: int) -> bool:
    return a <= b != c > 0


@case((-5,), (5,), (0,))
def int_abs_neg_pos(x: int) -> Tuple[int, int, int]:
    return abs(x), -x, x - -x


@case((3, 4), (4, 3), (-1, -1))
def int_min_max_two(a: int, b: int) -> Tuple[int, int]:
    return min(a, b), max(a, b)


@case((2, 10), (3, 0), (-2, 3))
def int_pow_via_loop(a: int, b: int) -> int:
    r = 1
    for _ in range(b):
        r *= a
    return r


@case((17,), (1,), (2,), (15,))
def int_is_prime(n: int) -> bool:
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True


@case((10,), (0,), (1,))
def int_fibonacci(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


@case((3, 2.5), (-2, 0.5))
def int_float_mixed_arith(a: int, b: float) -> float:
    return a * b + a - b / 2.0


@case((7, 2), (-7, 2), (1, 4))
def int_true_division(a: int, b: int) -> float:
    return a / b


@case((5,), (0,))
def int_bool_conversion(x: int) -> Tuple[bool, int, float]:
    return bool(x), int(True) + x, float(x)


@case((255,), (0,), (6,))
def int_popcount_loop(x: int) -> int:
    count = 0
    while x:
        count += x & 1
        x >>= 1
    return count


@case((3,), (-3,))
def int_helper_call(x: int) -> int:
    return _helper_square(x) + _helper_clamp(x, -1, 1)


# ---------------------------------------------------------------------------
# Floats and the math module
# ---------------------------------------------------------------------------


@case((2.0,), (9.0,), (0.0,))
def float_math_sqrt(x: float) -> float:
    return math.sqrt(x)


@case((2.7,), (-2.7,), (3.0,))
def float_math_floor_ceil(x: float) -> Tuple[int, int]:
    return math.floor(x), math.ceil(x)


@case((1.0,), (0.5,))
def float_exp_log(x: float) -> float:
    return math.exp(x) + math.log(x)


@case((0.0,), (-1.0,), (2.0,))
def float_log_domain_error(x: float) -> float:
    if x <= 0.0:
        raise ValueError("log of non-positive")
    return math.log(x)


@case((1.0,), (2.5,))
def float_pi_circle(r: float) -> float:
    return math.pi * r * r


@case((float("nan"),), (float("inf"),), (float("-inf"),), (1.0,))
def float_isnan_isinf(x: float) -> str:
    if math.isnan(x):
        return "nan"
    elif math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return "finite"


@case(([3.0, -1.5, 2.0],), ([],))
def float_inf_running_min(xs: List[float]) -> float:
    m = math.inf
    for x in xs:
        if x < m:
            m = x
    return m


@case((7.5, 2.0), (-7.5, 2.0), (7.5, -2.0))
def float_floordiv_mod(a: float, b: float) -> Tuple[float, float]:
    return a // b, a % b


@case((2.7,), (-2.7,), (0.0,))
def float_to_int_truncation(x: float) -> int:
    return int(x)


@case((3.0, 4.0), (0.0, 0.0))
def float_hypot_manual(a: float, b: float) -> float:
    return math.sqrt(a * a + b * b)


@case((2.0, 3.0), (2.0, 0.5), (4.0, -1.0))
def float_pow(a: float, b: float) -> float:
    return a ** b


@case((1.5, 2.5), (3.0, -1.0))
def float_min_max_two(a: float, b: float) -> Tuple[float, float]:
    return min(a, b), max(a, b)


@case((-2.5,), (2.5,))
def float_abs(x: float) -> float:
    return abs(x)


@case((1.0, 3.0), (0.0, 1.0))
def float_trig(a: float, b: float) -> float:
    return math.sin(a) * math.cos(b) + math.atan2(a, b)


@case((0.1, 0.25), (0.1, 0.2),)
def float_comparison_tolerance(a: float, b: float) -> bool:
    return abs((a + b) - 0.3) < 1e-9


@case((2,), (0,))
def float_from_int_division_accum(n: int) -> float:
    total = 0.0
    for i in range(n):
        total += 1.0 / float(i + 1)
    return total


# ---------------------------------------------------------------------------
# Bools and short-circuit evaluation
# ---------------------------------------------------------------------------


@case(([1, 2, 3], 1), ([1, -2], 1), ([1], 5), ([], 0))
def bool_short_circuit_and(xs: List[int], i: int) -> bool:
    return i < len(xs) and xs[i] > 0


@case(({"a": 0, "b": 1}, "a"), ({"a": 0, "b": 1}, "b"), ({"a": 0}, "zz"))
def bool_short_circuit_or(d: Dict[str, int], k: str) -> bool:
    return k not in d or d[k] == 0


@case((True, True), (True, False), (False, True), (False, False))
def bool_not_and_or(a: bool, b: bool) -> Tuple[bool, bool, bool]:
    return not a or (a and not b), a != b, a == b


@case((True,), (False,))
def bool_int_arith(a: bool) -> int:
    return int(a) + 1


@case((0, 5), (3, 0), (2, 2))
def bool_guard_division(a: int, b: int) -> bool:
    return b != 0 and a // b > 0


@case((None,), (3,), (-3,))
def bool_short_circuit_optional(x: Optional[int]) -> bool:
    return x is not None and x > 0


@case(([True, False, True],), ([],), ([True],))
def bool_list_any_all(xs: List[bool]) -> Tuple[bool, bool]:
    return any(xs), all(xs)


@case(([1, 2, 3],), ([1, -2],), ([],))
def bool_all_positive_listcomp(xs: List[int]) -> bool:
    return all([x > 0 for x in xs])


# ---------------------------------------------------------------------------
# Optional refinement
# ---------------------------------------------------------------------------


@case((None,), (4,))
def optional_is_none_return(x: Optional[int]) -> int:
    if x is None:
        return -1
    return x * 2


@case((torch.tensor([1.0, 2.0]), None), (torch.tensor([1.0, 2.0]), torch.tensor([10.0, 20.0])))
def optional_tensor_bias(x: torch.Tensor, bias: Optional[torch.Tensor]) -> torch.Tensor:
    y = x * 2
    if bias is not None:
        y = y + bias
    return y


@case((1,), (1, 5), (1, None))
def optional_default_param(x: int, y: Optional[int] = None) -> int:
    if y is None:
        y = 10
    return x + y


@case((None,), ("hi",))
def optional_str_ternary(s: Optional[str]) -> str:
    return s if s is not None else "default"


@case(([1, None, 3],), ([None],), ([],))
def optional_list_elements(xs: List[Optional[int]]) -> int:
    total = 0
    for x in xs:
        if x is not None:
            total += x
    return total


@case(([4, 9, 2], 5), ([1, 2], 5))
def optional_assign_in_loop(xs: List[int], limit: int) -> Optional[int]:
    result: Optional[int] = None
    for x in xs:
        if x > limit:
            result = x
    return result


@case((None, None), (1, None), (None, 2), (1, 2))
def optional_two_params(a: Optional[int], b: Optional[int]) -> int:
    if a is None and b is None:
        return 0
    elif a is not None and b is not None:
        return a + b
    elif a is not None:
        return a
    else:
        assert b is not None
        return b * 10


@case((None,), ([1, 2],))
def optional_list_param(xs: Optional[List[int]]) -> List[int]:
    if xs is None:
        xs = []
    xs.append(0)
    return xs


@case((None,), (5,))
def optional_unwrap_assert(x: Optional[int]) -> int:
    assert x is not None, "x must be given"
    return x + 1


@case((None,), (2.0,))
def optional_float_or(x: Optional[float]) -> float:
    y = 1.0
    if x is not None:
        y = x * 3.0
    return y


# ---------------------------------------------------------------------------
# Union / isinstance
# ---------------------------------------------------------------------------


@case((3,), ("abc",))
def union_isinstance_int_str(x: Union[int, str]) -> str:
    if isinstance(x, int):
        return str(x + 1)
    else:
        return x.upper()


@case((3,), (2.5,), (torch.tensor([1.0, 2.0]),))
def union_int_float_tensor(x: Union[int, float, torch.Tensor]) -> float:
    if isinstance(x, int):
        return float(x) * 2.0
    elif isinstance(x, float):
        return x + 0.5
    else:
        return float(x.sum())


@case(([1, 2, 3],), (7,))
def union_list_or_int(x: Union[List[int], int]) -> int:
    if isinstance(x, list):
        return len(x)
    return x


@case((None,), (3,), ("s",))
def union_optional_isinstance(x: Optional[Union[int, str]]) -> str:
    if x is None:
        return "none"
    if isinstance(x, str):
        return "str:" + x
    return "int:" + str(x)


@case((5,), ("x",))
def union_return_type(flag: Union[int, str]) -> Union[int, str]:
    if isinstance(flag, int):
        return flag * 2
    return flag + flag


# ---------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------


@case(("Hello World",), ("",))
def str_upper_lower(s: str) -> Tuple[str, str]:
    return s.upper(), s.lower()


@case(("a b  c",), ("",), ("  lead",))
def str_split_default(s: str) -> List[str]:
    return s.split()


@case(("a,b,,c", ","), ("abc", ","), ("x--y", "--"))
def str_split_sep(s: str, sep: str) -> List[str]:
    return s.split(sep)


@case((["a", "b", "c"],), ([],), (["solo"],))
def str_join(xs: List[str]) -> str:
    return "-".join(xs)


@case(("  pad  ",), ("nopad",), ("   ",))
def str_strip_variants(s: str) -> List[str]:
    return [s.strip(), s.lstrip(), s.rstrip()]


@case(("prefix_body_suffix",), ("body",))
def str_startswith_endswith(s: str) -> Tuple[bool, bool]:
    return s.startswith("prefix"), s.endswith("suffix")


@case(("aaa", "a", "bb"), ("hello", "z", "y"), ("", "a", "x"), ("abcabc", "bc", ""))
def str_replace(s: str, old: str, new: str) -> str:
    return s.replace(old, new)


@case(("hello", "l"), ("hello", "z"), ("", ""))
def str_find(s: str, sub: str) -> int:
    return s.find(sub)


@case(("abcdef",), ("a",), ("",))
def str_slicing(s: str) -> List[str]:
    return [s[1:3], s[-2:], s[:0], s[::2], s[::-1]]


@case(("abc", 1), ("abc", -1), ("abc", 5))
def str_index_char(s: str, i: int) -> str:
    return s[i]


@case(("apples", 3), ("pears", 0))
def str_fstring(name: str, n: int) -> str:
    return f"{name} has {n} items"


@case((3, "x"), (-1, ""))
def str_format_method(a: int, b: str) -> str:
    return "{} and {}".format(a, b)


@case((3, "x"), (-1, "yy"))
def str_format_percent(a: int, s: str) -> str:
    return "%d: %s" % (a, s)


@case(("hello world", "wor"), ("hello", "xyz"), ("", ""))
def str_in_operator(s: str, sub: str) -> Tuple[bool, bool]:
    return sub in s, sub not in s


@case(("abc", "abd"), ("b", "a"), ("x", "x"))
def str_comparison(a: str, b: str) -> Tuple[bool, bool, bool]:
    return a < b, a == b, a >= b


@case(("A",), ("z",))
def str_ord_chr(c: str) -> Tuple[int, str]:
    return ord(c), chr(ord(c) + 1)


@case(("123",), ("abc",), ("a1",), ("",))
def str_isdigit_isalpha(s: str) -> Tuple[bool, bool]:
    return s.isdigit(), s.isalpha()


@case(("banana", "an"), ("banana", "x"))
def str_count(s: str, sub: str) -> int:
    return s.count(sub)


@case(("42",), ("-7",), ("abc",))
def str_to_int_parse(s: str) -> int:
    return int(s) + 1


@case((0,), (-15,), (123,))
def str_of_int(n: int) -> str:
    return str(n) + "!"


@case(("hello world",), ("",))
def str_title_capitalize(s: str) -> Tuple[str, str, str]:
    return s.capitalize(), s.title(), s.swapcase()


@case(("7", 3), ("abc", 2), ("", 1))
def str_zfill_ljust_rjust(s: str, w: int) -> Tuple[str, str, str]:
    return s.zfill(w), s.ljust(w), s.rjust(w)


@case(("key=value",), ("novalue",))
def str_partition(s: str) -> Tuple[str, str, str]:
    return s.partition("=")


@case(("abc",), ("",))
def str_len_and_reverse_loop(s: str) -> Tuple[int, str]:
    out = ""
    for c in s:
        out = c + out
    return len(s), out


@case(("a.b.c",), ("abc",))
def str_rfind_rsplit(s: str) -> Tuple[int, List[str]]:
    return s.rfind("."), s.rsplit(".", 1)


@case(("hello", 3), ("hi", 0), torchscript_ok=False)
def nots_str_repeat(s: str, n: int) -> str:
    return s * n


@case(("",), ("aB-9",), ("Mixed Case 123",),)
def str_build_with_conditions(s: str) -> str:
    out = ""
    for c in s:
        if c.isupper():
            out += c.lower()
        elif c.islower():
            out += c.upper()
        elif c.isdigit():
            out += "#"
        else:
            out += "_"
    return out


@case(("hello", "l"), ("hello", "z"))
def str_index_method_raises(s: str, sub: str) -> int:
    return s.index(sub)


@case((["b", "a", "c"],), ([],))
def str_sorted_join(xs: List[str]) -> str:
    return ",".join(sorted(xs))


@case(("a\nb\nc",), ("single",))
def str_splitlines(s: str) -> List[str]:
    return s.splitlines()


@case((-3, False, ""), (1, True, "z"))
def str_fstring_mixed(a: int, b: bool, c: str) -> str:
    return f"<{a}|{c}|{a + 1}|{b}>"


# ---------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------


@case(([1, 2],), ([],))
def list_append_pop(xs: List[int]) -> Tuple[List[int], int]:
    xs.append(10)
    xs.append(20)
    last = xs.pop()
    return xs, last


@case(([1, 2, 3],), ([],))
def list_pop_index(xs: List[int]) -> int:
    return xs.pop(0)


@case(([1, 2, 3],), ([],))
def list_insert(xs: List[int]) -> List[int]:
    xs.insert(0, -1)
    xs.insert(len(xs), 99)
    xs.insert(1, 5)
    return xs


@case(([1, 2], [3, 4]), ([], []))
def list_extend(a: List[int], b: List[int]) -> List[int]:
    a.extend(b)
    a.extend([0])
    return a


@case(([3, 1, 2],), ([],), ([5, 5, 1],))
def list_sorted_copy(xs: List[int]) -> Tuple[List[int], List[int]]:
    ys = sorted(xs)
    return ys, xs


@case(([3, 1, 2],), ([],))
def list_sort_inplace(xs: List[int]) -> List[int]:
    xs.sort()
    return xs


@case(([3.0, 1.0, 2.0],), ([2.0],), ([],))
def list_sort_reverse(xs: List[float]) -> List[float]:
    xs.sort(reverse=True)
    return xs


@case(([3, 1, 2],), ([7],))
def list_min_max_sum(xs: List[int]) -> Tuple[int, int, int]:
    return min(xs), max(xs), sum(xs)


@case(([4, 2],), ([],),)
def list_min_empty_raises(xs: List[int]) -> int:
    return min(xs)


@case(([1.5, 2.5],), ([-1.0],))
def list_sum_floats(xs: List[float]) -> float:
    return sum(xs)


@case((5,), (0,))
def list_comprehension_squares(n: int) -> List[int]:
    return [i * i for i in range(n)]


@case(([1, -2, 3, -4],), ([],), torchscript_ok=False)
def nots_list_comprehension_filter(xs: List[int]) -> List[int]:
    return [x * 10 for x in xs if x > 0]


@case(([],), (["a", "bb", "ccc"],),)
def list_comprehension_strings(xs: List[str]) -> List[int]:
    return [len(s) for s in xs]


@case(([1, 2, 3, 4, 5],), ([],))
def list_slicing(xs: List[int]) -> List[List[int]]:
    return [xs[1:3], xs[:2], xs[-2:], xs[::2], xs[::-1], xs[10:]]


@case(([1, 2, 3], 2), ([1, 2, 3], 5), ([], 0))
def list_in_operator(xs: List[int], v: int) -> Tuple[bool, bool]:
    return v in xs, v not in xs


@case(([1, 2, 3],), ([],))
def list_reverse(xs: List[int]) -> List[int]:
    xs.reverse()
    return xs


@case(([5, 6, 7], 7), ([5, 6, 7], 9))
def list_index_method(xs: List[int], v: int) -> int:
    return xs.index(v)


@case(([1, 2, 1, 1], 1), ([], 1))
def list_count(xs: List[int], v: int) -> int:
    return xs.count(v)


@case(([1, 2, 3], 1), ([1, 2, 3], -1), ([1, 2, 3], 3))
def list_index_get(xs: List[int], i: int) -> int:
    return xs[i]


@case(([1, 2, 3], 0), ([1, 2, 3], -1), ([1], 4))
def list_index_assign(xs: List[int], i: int) -> List[int]:
    xs[i] = 100
    return xs


@case(([1, 2], [3]), ([], []))
def list_concat_and_repeat(a: List[int], b: List[int]) -> List[int]:
    return a + b + a * 2


@case(([0],), ([],), ([3, 1, 2],),)
def list_copy_independent(xs: List[int]) -> Tuple[List[int], List[int]]:
    ys = xs.copy()
    ys.append(4)
    zs = list(xs)
    zs[0] = 0
    return xs, ys + zs


@case(([1, 2, 3, 2], 2), ([1], 5))
def list_remove(xs: List[int], v: int) -> List[int]:
    xs.remove(v)
    return xs


@case(([1, 2, 3],), ([],))
def list_clear_len(xs: List[int]) -> Tuple[int, int]:
    n = len(xs)
    xs.clear()
    return n, len(xs)


@case((3,), (0,))
def list_of_lists_build(n: int) -> List[List[int]]:
    grid: List[List[int]] = []
    for i in range(n):
        row: List[int] = []
        for j in range(n):
            row.append(i * n + j)
        grid.append(row)
    return grid


@case((0,), (1,), (3,),)
def list_nested_comprehension(n: int) -> List[List[int]]:
    return [[i + j for j in range(i)] for i in range(n)]


@case(([1, 2], [1, 2]), ([1, 2], [2, 1]), ([1], [1, 0]))
def list_equality_and_compare(a: List[int], b: List[int]) -> bool:
    return a == b


@case((4,), (0,))
def list_annotate_empty(n: int) -> List[int]:
    xs = torch.jit.annotate(List[int], [])
    for i in range(n):
        xs.append(i * 3)
    return xs


@case((3,), (0,))
def list_annotated_assignment(n: int) -> List[str]:
    xs: List[str] = []
    for i in range(n):
        xs.append("s" + str(i))
    return xs


@case((torch.tensor([1.0, 2.0]), 3), (torch.tensor([5.0]), 0))
def list_of_tensors(x: torch.Tensor, n: int) -> List[torch.Tensor]:
    out: List[torch.Tensor] = []
    for i in range(n):
        out.append(x * float(i))
    return out


@case(([4, 1, 3],), ([],))
def list_del_item(xs: List[int]) -> List[int]:
    if len(xs) > 0:
        del xs[0]
    return xs


@case(([1, 2, 3, 4],), ([5],))
def list_sum_with_helper(xs: List[int]) -> int:
    total = 0
    for x in xs:
        total += _helper_square(x)
    return total


@case(([],), ([1, 2, 3],),)
def list_aliasing_mutation(xs: List[int]) -> List[int]:
    ys = xs
    ys.append(4)
    return xs


@case(([[0], [1]],), ([[1, 2]],), ([[1, 2], [3, 4]],),)
def list_nested_index_assign(m: List[List[int]]) -> List[List[int]]:
    m[1][0] = 30
    m[0].append(5)
    return m


@case(([1.0, 2.0, 3.0],), ([],))
def list_float_mean(xs: List[float]) -> float:
    if len(xs) == 0:
        return 0.0
    return sum(xs) / len(xs)


@case(([1, 2, 3],), ([],))
def list_enumerate_build_pairs(xs: List[int]) -> List[Tuple[int, int]]:
    return [(i, x) for i, x in enumerate(xs)]


@case(([],), ([[], [5, -5]],), ([[3, 1], [2]],),)
def list_sorted_nested(m: List[List[int]]) -> List[int]:
    flat: List[int] = []
    for row in m:
        flat.extend(row)
    return sorted(flat)


@case(([1, 2, 3, 4, 5, 6], 2), ([1, 2, 3], 3))
def list_slice_assign_like(xs: List[int], k: int) -> List[int]:
    head = xs[:k]
    tail = xs[k:]
    return tail + head


# ---------------------------------------------------------------------------
# Dicts
# ---------------------------------------------------------------------------


@case(({"a": 1}, "a"), ({"a": 1}, "b"))
def dict_get_default(d: Dict[str, int], k: str) -> int:
    return d.get(k, -1)


@case(({"a": 1}, "a"), ({"a": 1}, "b"))
def dict_get_optional(d: Dict[str, int], k: str) -> Optional[int]:
    return d.get(k)


@case(({"a": 1}, "a"), ({"a": 1}, "missing"))
def dict_subscript_raises(d: Dict[str, int], k: str) -> int:
    return d[k]


@case(({"b": 2, "a": 1},), ({},))
def dict_keys_values_items(d: Dict[str, int]) -> Tuple[List[str], List[int], List[Tuple[str, int]]]:
    return sorted(d.keys()), sorted(d.values()), sorted(d.items())


@case(({"a": 1}, "a"), ({"a": 1}, "z"))
def dict_in_operator(d: Dict[str, int], k: str) -> Tuple[bool, bool]:
    return k in d, k not in d


@case(({"a": 1}, {"b": 2, "a": 3}), ({}, {}))
def dict_update(a: Dict[str, int], b: Dict[str, int]) -> Dict[str, int]:
    a.update(b)
    return a


@case(({"a": 1, "b": 2}, "a"), ({"a": 1}, "z"))
def dict_pop(d: Dict[str, int], k: str) -> Tuple[int, int]:
    v = d.pop(k)
    return v, len(d)


@case(({"z": 5},), ({"a": 1, "b": 2}, "z"),)
def dict_pop_default(d: Dict[str, int], k: str) -> int:
    return d.pop(k, 0) + d.pop("a", 100)


@case((4,), (0,))
def dict_comprehension(n: int) -> Dict[int, int]:
    return {i: i * i for i in range(n)}


@case((["apple", "bob", "cat", "avocado"],), ([],))
def dict_group_by_first_letter(words: List[str]) -> Dict[str, List[str]]:
    groups: Dict[str, List[str]] = {}
    for w in words:
        k = w[0]
        if k not in groups:
            empty: List[str] = []
            groups[k] = empty
        groups[k].append(w)
    return groups


@case((["a", "b", "a", "c", "a"],), ([],))
def dict_word_count(words: List[str]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts


@case(({"b": 1},), ({"a": 1, "b": 2},),)
def dict_del_key(d: Dict[str, int]) -> Dict[str, int]:
    del d["a"]
    return d


@case(({1: "x", 2: "y"},), ({},))
def dict_int_keys_len(d: Dict[int, str]) -> Tuple[int, str]:
    out = ""
    for k in sorted(d.keys()):
        out += d[k] + str(k)
    return len(d), out


@case(({"w": torch.ones(2, 2), "b": torch.zeros(2)},), ({"w": torch.ones(1)},), ({"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.5, 0.5])},),)
def dict_of_tensors(params: Dict[str, torch.Tensor]) -> torch.Tensor:
    return params["w"] * 2 + params["b"]


@case(({},), ({"a": 1},),)
def dict_copy_and_clear(d: Dict[str, int]) -> Tuple[Dict[str, int], int]:
    c = d.copy()
    d.clear()
    c["z"] = 26
    return c, len(d)


@case(({"a": 1}, "a"), ({"a": 1}, "b"))
def dict_setdefault(d: Dict[str, int], k: str) -> Tuple[int, Dict[str, int]]:
    v = d.setdefault(k, 42)
    return v, d


@case(({"x": 3, "y": 1},), ({},))
def dict_filter_items_loop(d: Dict[str, int]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for k, v in d.items():
        if v > 1:
            out[k] = v * 2
    return out


@case((0,), (6,), (3,),)
def dict_literal_nested(n: int) -> Dict[str, List[int]]:
    d = {"evens": [0], "odds": [1]}
    for i in range(2, n + 2):
        if i % 2 == 0:
            d["evens"].append(i)
        else:
            d["odds"].append(i)
    return d


# ---------------------------------------------------------------------------
# NamedTuple and Enum
# ---------------------------------------------------------------------------


@case((2.0, 3.0), (-1.0, 0.5))
def namedtuple_construct_access(a: float, b: float) -> float:
    p = Point(a, b)
    return p.x * p.y + p.x


@case((Point(1.0, 2.0),), (Point(-3.0, 4.0),))
def namedtuple_param_index(p: Point) -> float:
    return p[0] + p[1] * 10.0


@case((Point(-0.5, 0.0),), (Point(1.0, 2.0),),)
def namedtuple_unpack(p: Point) -> Tuple[float, float]:
    x, y = p
    return y, x


@case((0.0, -2.0), (1.5, 2.5),)
def namedtuple_build_then_fields(a: float, b: float) -> Tuple[float, float]:
    p = Point(b, a)
    q = Point(p.y, p.x + 1.0)
    return q.x, q.y


@case((0, 5, "x"), (3, 3, "empty"))
def namedtuple_mixed_fields(a: int, b: int, label: str) -> str:
    s = Span(a, b, label)
    if s.stop - s.start == 0:
        return s.label + ":0"
    return s.label + ":" + str(s.stop - s.start)


@case(([Point(1.0, 2.0), Point(3.0, 4.0)],), ([],))
def namedtuple_list_sum(ps: List[Point]) -> Tuple[float, float]:
    sx = 0.0
    sy = 0.0
    for p in ps:
        sx += p.x
        sy += p.y
    total = Point(sx, sy)
    return total.x, total.y


@case((Color.RED,), (Color.GREEN,), (Color.BLUE,))
def enum_compare(c: Color) -> str:
    if c == Color.RED:
        return "warm"
    elif c == Color.GREEN:
        return "natural"
    return "cool"


@case((Color.RED,), (Color.BLUE,))
def enum_value_name(c: Color) -> Tuple[int, str]:
    return c.value, c.name


@case((1,), (2,))
def enum_select_by_int(i: int) -> Color:
    if i == 1:
        return Color.RED
    return Color.GREEN


# ---------------------------------------------------------------------------
# Tensor ops with kwargs/defaults, shapes, dtypes
# ---------------------------------------------------------------------------


@case((torch.arange(6.0).reshape(2, 3),), (torch.ones(3, 1),))
def tensor_sum_dim_keepdim(x: torch.Tensor) -> torch.Tensor:
    return torch.sum(x, dim=1, keepdim=True)


@case((torch.ones(1, 4),), (torch.arange(6.0).reshape(2, 3),),)
def tensor_sum_mean_default(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return x.sum(), x.mean(dim=0), x.sum(0)


@case((torch.tensor([1.0, 2.0]), torch.tensor([3.0])), (torch.zeros(0), torch.ones(2)))
def tensor_cat_dim0(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cat([a, b], dim=0)


@case((torch.ones(2, 2), torch.zeros(2, 1)), (torch.ones(2, 2), torch.zeros(3, 1)))
def tensor_cat_dim1_shape_error(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cat((a, b), 1)


@case((torch.arange(6.0).reshape(2, 3),), (torch.arange(4),))
def tensor_view_reshape(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return x.view(-1), x.reshape(-1, 2)


@case((torch.arange(8.0).reshape(2, 4),), (torch.arange(6.0).reshape(2, 3),),)
def tensor_view_bad_shape(x: torch.Tensor) -> torch.Tensor:
    return x.view(4, -1)


@case((torch.ones(1, 4),), (torch.arange(6.0).reshape(2, 3),),)
def tensor_transpose_permute(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    y = x.unsqueeze(0)
    return x.transpose(0, 1), y.permute(2, 0, 1), x.t()


@case((torch.arange(24.0).reshape(2, 3, 4), 2), (torch.arange(12.0).reshape(2, 2, 3), -7),
      (torch.zeros(2, 0, 3), 1),)
def tensor_roll_by_run_time_shifts(x: torch.Tensor, k: int) -> Tuple[torch.Tensor, torch.Tensor]:
    shift: List[int] = [k, 1]
    if x.size(1) <= 2:  # as swin's window shift: 0 where the window covers the input
        shift[0] = 0
    return torch.roll(x, shifts=(-shift[0], -shift[1]), dims=(1, 2)), torch.roll(x, k, -1)


@case((torch.arange(6.0).reshape(2, 3),), (torch.arange(24.0).reshape(2, 3, 4),),)
def tensor_swapaxes_swapdims(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return x.swapaxes(0, 1) * 2.0, torch.swapdims(x, -1, 0)


@case((torch.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(3, 2)),
      (torch.ones(2, 2), torch.ones(3, 3)))
def tensor_matmul_operator(a: torch.Tensor, b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return a @ b, torch.matmul(a, b)


@case((torch.tensor([[0.0], [5.0]]),), (torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),), atol=1e-6)
def tensor_softmax_dim(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return torch.softmax(x, dim=1), x.softmax(dim=0)


@case((torch.tensor([-1.0, 0.0, 2.0]),), (torch.tensor([3.0]),))
def tensor_where(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, x, torch.zeros_like(x))


@case((torch.tensor([[-5.0, 5.0], [0.0, 1.5]]),), (torch.tensor([-2.0, 0.5, 3.0]),),)
def tensor_clamp_kwargs(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return x.clamp(min=-1.0, max=1.0), torch.clamp(x, min=0.0), x.clamp(max=2.0)


@case((3,), (0,))
def tensor_zeros_dtype(n: int) -> Tuple[torch.Tensor, torch.Tensor]:
    return torch.zeros(n, dtype=torch.int64), torch.ones(n, 2, dtype=torch.float64)


@case((torch.tensor([[0.0, 7.9]]),), (torch.tensor([1.5, -2.5]),),)
def tensor_dtype_conversions(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    return x.to(torch.float64), x.float(), x.long(), x.to(dtype=torch.int32)


@case((torch.tensor([1.0]),), (torch.tensor([1], dtype=torch.int64),), (torch.tensor([1.0], dtype=torch.float64),))
def tensor_dtype_compare(x: torch.Tensor) -> str:
    if x.dtype == torch.float32:
        return "f32"
    elif x.dtype == torch.int64:
        return "i64"
    return "other"


@case((torch.arange(24.0).reshape(4, 6),), (torch.arange(12.0).reshape(3, 4),),)
def tensor_basic_indexing(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    return x[0], x[:, 1], x[1:3], x[None], x[..., 0]


@case((torch.arange(9).reshape(3, 3),), (torch.arange(12.0).reshape(3, 4),),)
def tensor_indexing_more(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    return x[-1], x[0, 2], x[:, ::2], x[1:, -2:]


@case((torch.tensor([-1.0, 2.0, -3.0, 4.0]),), (torch.tensor([-1.0]),))
def tensor_boolean_mask(x: torch.Tensor) -> torch.Tensor:
    return x[x > 0]


@case((torch.arange(4.0), 2), (torch.arange(4.0), 7))
def tensor_index_out_of_range(x: torch.Tensor, i: int) -> torch.Tensor:
    return x[i]


@case((torch.ones(2, 4, dtype=torch.float64),), (torch.zeros(2, 3),),)
def tensor_index_assignment(x: torch.Tensor) -> torch.Tensor:
    x[0] = 5
    x[1, 2] = -1.0
    x[:, 0] = torch.tensor([7.0, 8.0])
    return x


@case((torch.tensor([[1.0, -1.0], [-2.0, 2.0]]),), (torch.tensor([-1.0, 2.0, -3.0]),),)
def tensor_masked_assignment(x: torch.Tensor) -> torch.Tensor:
    y = x.clone()
    y[y < 0] = 0.0
    return y


@case((torch.tensor([3.7]),), (torch.tensor(-2.2),), (torch.tensor([0.0]),))
def tensor_to_scalars(x: torch.Tensor) -> Tuple[int, float, bool]:
    return int(x), float(x), bool(x)


@case((torch.tensor([1.0, 2.0]),), (torch.tensor([[1.0]]),))
def tensor_multi_element_to_float_raises(x: torch.Tensor) -> float:
    return float(x)


@case((torch.tensor(2.5),), (torch.tensor([4.0]),))
def tensor_item_float(x: torch.Tensor) -> float:
    return float(x.item()) * 2.0


@case((torch.tensor([], dtype=torch.int64),), (torch.tensor([1, 2, 3]),),)
def tensor_sum_item_int(x: torch.Tensor) -> int:
    return int(x.sum().item())


@case((torch.ones(5),), (torch.ones(2, 1),), (torch.arange(24.0).reshape(2, 3, 4),),)
def tensor_shape_queries(x: torch.Tensor) -> Tuple[List[int], int, int, int, int]:
    return list(x.shape), x.size(1), x.dim(), x.numel(), x.shape[-1]


@case((torch.ones(1, 1),), (torch.arange(6.0).reshape(2, 3),),)
def tensor_unsqueeze_squeeze(x: torch.Tensor) -> Tuple[List[int], List[int]]:
    y = x.unsqueeze(0).unsqueeze(-1)
    return list(y.size()), list(y.squeeze().size())


@case((torch.zeros(0), torch.zeros(0)), (torch.ones(2), torch.ones(3)), (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])),)
def tensor_stack(a: torch.Tensor, b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return torch.stack([a, b]), torch.stack([a, b], dim=1)


@case((torch.tensor([[2.0, 2.0]]),), (torch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]),),)
def tensor_max_dim_tuple(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    values, indices = torch.max(x, dim=1)
    return values, indices, x.argmax()


@case((4,), (0,))
def tensor_arange_full_eye(n: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return torch.arange(n), torch.full([2, n], 3.0), torch.eye(n)


@case((torch.tensor([0.5]),), (torch.tensor([1.0, 2.0, 3.0]),),)
def tensor_arith_broadcast(x: torch.Tensor) -> torch.Tensor:
    y = x.unsqueeze(1) * x.unsqueeze(0)
    return y - y.t() + 2 * x - x / 2 + x ** 2


@case((torch.tensor([2, 2]), torch.tensor([2, 2])), (torch.tensor([1, 2, 3]), torch.tensor([3, 2, 1])),)
def tensor_comparisons(a: torch.Tensor, b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, bool]:
    return a == b, a > b, (a >= b) & (a != b), bool(torch.all(a + b == 4))


@case((torch.tensor([[-5.0, 0.0]]),), (torch.tensor([1.0, -2.0]),),)
def tensor_inplace_methods(x: torch.Tensor) -> torch.Tensor:
    y = x.clone()
    y.add_(1.0)
    y.mul_(3.0)
    y.clamp_(min=0.0)
    return y


@case((torch.tensor([True, False]), torch.tensor([1.0, 2.0])), (torch.tensor([5, 2, 9]), torch.tensor([2.0, 3.0])),)
def tensor_dtype_promotion(a: torch.Tensor, b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return a * 2, (a[:2] + b)


@case((torch.tensor([-3, -8]), 3), (torch.tensor([5]), -2), (torch.tensor([3, 7, 8]), 2),)
def tensor_int_division_ops(a: torch.Tensor, d: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return torch.div(a, d, rounding_mode="floor"), a % d, a / d


@case((torch.tensor([-1.0, 0.5]),), (torch.tensor([1.0, 2.0, 3.0]),),)
def tensor_reductions_kwargs(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    return x.prod(), x.cumsum(dim=0), torch.mean(x, dim=0, keepdim=True), x.min()


@case((torch.tensor([[0.5, 0.0], [0.0, 2.7]]),), (torch.tensor([[1.0, 2.0], [3.0, 4.0]]),),)
def tensor_scalar_ops_mixed(x: torch.Tensor) -> torch.Tensor:
    s = float(x[0, 0]) + int(x[1, 1])
    return x * s + 1


@case((torch.tensor([1.0, 2.0]),), (torch.tensor([[1.0, 2.0]]),))
def tensor_dim_dependent_branch(x: torch.Tensor) -> torch.Tensor:
    if x.dim() == 1:
        return x.unsqueeze(0)
    return x


@case((torch.arange(4.0).reshape(1, 4),), (torch.arange(6).reshape(2, 3),),)
def tensor_contiguous_flatten(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return x.t().contiguous().view(-1), torch.flatten(x)


@case((torch.tensor([[1.0, 1.0], [2.0, 2.0]]),), (torch.tensor([1.0, 2.0]),),)
def tensor_new_tensor_in_function(x: torch.Tensor) -> torch.Tensor:
    w = torch.tensor([10.0, 20.0])
    return x * w + torch.tensor(1.0)


@case((torch.tensor([5.0, 4.0, -1.0, 0.0]),), (torch.tensor([1.0]),), (torch.tensor([3.0, 1.0, 2.0]),),)
def tensor_sort_topk(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    vals, idx = torch.sort(x, descending=True)
    top = torch.topk(x, 2).values
    return vals, idx, top


@case((torch.arange(12.0).reshape(3, 4),), (torch.arange(6.0).reshape(2, 3),),)
def tensor_chunk_split(x: torch.Tensor) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
    return list(x.chunk(3, dim=1)), list(torch.split(x, 1, dim=0))


@case((torch.tensor([False, False]),), (torch.tensor([True, False, True]),),)
def tensor_bool_ops(m: torch.Tensor) -> Tuple[torch.Tensor, bool, bool, int]:
    return ~m, bool(m.any()), bool(m.all()), int(m.sum())


@case((torch.tensor([0.0, 0.25]),), (torch.tensor([1.0, 4.0, 9.0]),),)
def tensor_math_functions(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return torch.sqrt(x), x.abs().neg(), torch.exp(torch.zeros_like(x))


@case((torch.zeros(2, 3),), (torch.ones(3, 3),), (torch.ones(2, 3),),)
def tensor_expand_repeat(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    r = torch.tensor([[1.0], [2.0]])
    return r.expand(2, 3) * x, r.repeat(1, 2)


@case((torch.tensor([0, 0]), torch.tensor([1.5, 2.5])), (torch.tensor([3]), torch.tensor([1.0])), (torch.tensor([2, 0, 1]), torch.tensor([10.0, 20.0, 30.0])),)
def tensor_index_select_gather(idx: torch.Tensor, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return x[idx], torch.index_select(x, 0, idx)


@case((torch.zeros(2, 2), torch.ones(2)), (torch.zeros(3), torch.tensor([1.0, 2.0, 3.0])),)
def tensor_copy_and_fill(dst: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
    dst.copy_(src)
    dst[0:1].fill_(-1.0)
    return dst


@case((torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])), (torch.tensor([1.0]), torch.tensor([2.0])))
def tensor_equal_allclose(a: torch.Tensor, b: torch.Tensor) -> Tuple[bool, bool]:
    return torch.equal(a, b), torch.allclose(a, b)


@case((torch.zeros(0),), (torch.tensor([1.0, 2.0]),),)
def tensor_requires_grad_no_grad(x: torch.Tensor) -> Tuple[torch.Tensor, bool]:
    with torch.no_grad():
        y = x * 2
    return y, y.requires_grad


@case((torch.tensor([5.0]), 0), (torch.tensor([1.0, 2.0]), 2),)
def tensor_no_grad_loop(x: torch.Tensor, n: int) -> torch.Tensor:
    with torch.no_grad():
        for _ in range(n):
            x = x + 1
    return x


# ---------------------------------------------------------------------------
# torch.nn.functional
# ---------------------------------------------------------------------------


@case((torch.tensor([[-0.5], [0.5]]),), (torch.tensor([-1.0, 0.0, 2.0]),),)
def functional_relu(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return F.relu(x), torch.relu(x)


@case((torch.tensor([[1.5, -3.0]]),), (torch.tensor([-1.0, 0.0, 2.0]),), atol=1e-6)
def functional_gelu(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return F.gelu(x), F.gelu(x, approximate="tanh")


@case((torch.tensor([[-1.0, 0.0, 1.0]]),), (torch.tensor([[1.0, 2.0], [0.0, 0.0]]),), atol=1e-6)
def functional_softmax_log_softmax(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return F.softmax(x, dim=-1), F.log_softmax(x, dim=1)


@case((torch.arange(6.0).reshape(2, 3),
       torch.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]),
       torch.tensor([0.1, 0.2])),
      (torch.ones(1, 3), torch.ones(4, 3), None))
def functional_linear(x: torch.Tensor, w: torch.Tensor, b: Optional[torch.Tensor]) -> torch.Tensor:
    return F.linear(x, w, b)


@case((torch.tensor([[0.0, 0.0, 0.0]]),), (torch.ones(2, 4),), (torch.tensor([[1.0, 2.0, 3.0], [2.0, 2.0, 5.0]]),), atol=1e-5)
def functional_layer_norm(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    w = torch.tensor([1.0, 2.0, 0.5])
    b = torch.zeros(3)
    return F.layer_norm(x, [3]), F.layer_norm(x, (3,), weight=w, bias=b, eps=1e-3)


@case((torch.zeros(3),), (torch.tensor([[-1.0, 2.0], [3.0, -4.0]]),), atol=1e-6)
def functional_misc_activations(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return torch.sigmoid(x), torch.tanh(x), F.leaky_relu(x, negative_slope=0.1)


@case((torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([2])),
      (torch.tensor([[0.0, 0.0], [1.0, -1.0]]), torch.tensor([0, 1])), atol=1e-6)
def functional_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, target)


@case((torch.ones(1, 1, 1),), (torch.arange(8.0).reshape(1, 2, 4),),)
def functional_pad_dropout_eval(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    return F.pad(x, [1, 1]), F.dropout(x, p=0.5, training=False)


# ---------------------------------------------------------------------------
# assert / raise
# ---------------------------------------------------------------------------


@case((3,), (-1,))
def assert_positive(x: int) -> int:
    assert x > 0
    return x * 2


@case(([1, 2],), ([],))
def assert_with_message(xs: List[int]) -> int:
    assert len(xs) > 0, "list must be non-empty"
    return xs[0]


@case((5,), (-5,), (0,))
def raise_value_error(x: int) -> int:
    if x < 0:
        raise ValueError("negative input: " + str(x))
    return x + 1


@case(("ok",), ("bad",))
def raise_runtime_error(s: str) -> str:
    if s == "bad":
        raise RuntimeError("bad value")
    return s.upper()


@case(([1, 2, 3],), ([1, -2, 3],))
def raise_inside_loop(xs: List[int]) -> int:
    total = 0
    for x in xs:
        if x < 0:
            raise ValueError("negative element")
        total += x
    return total


@case((torch.ones(2, 3),), (torch.ones(3),))
def raise_on_tensor_shape(x: torch.Tensor) -> torch.Tensor:
    if x.dim() != 2:
        raise RuntimeError(f"expected 2-D, got {x.dim()}-D")
    return x.sum(1)


@case((3,), (0,))
def raise_from_helper(x: int) -> int:
    return _helper_check_positive(x) * 10


@case((1,), (2,), (3,))
def raise_in_elif_chain(x: int) -> str:
    if x == 1:
        return "one"
    elif x == 2:
        raise ValueError("two is not allowed")
    else:
        return "other"


@case((torch.tensor([1.0]),), (torch.tensor([-1.0]),))
def assert_tensor_condition(x: torch.Tensor) -> torch.Tensor:
    assert bool((x > 0).all()), "all entries must be positive"
    return x.log()


# ---------------------------------------------------------------------------
# del / pass / divmod / abs / round / any / all / misc builtins
# ---------------------------------------------------------------------------


@case((-4,), (3,),)
def del_local_variable(x: int) -> int:
    y = x * 2
    z = y + 1
    del y
    return z


@case((True,), (False,))
def pass_in_branches(flag: bool) -> int:
    r = 0
    if flag:
        pass
    else:
        r = 1
    for _ in range(3):
        pass
    return r


@case((7.5, 2.0), (-7.5, 2.0))
def divmod_floats(a: float, b: float) -> Tuple[float, float]:
    return divmod(a, b)


@case((2.4,), (2.6,), (-2.5,), (3.5,))
def round_float_to_float(x: float) -> float:
    return float(round(x))


@case(([0, 0, 1],), ([0, 0],), ([],))
def any_all_int_conditions(xs: List[int]) -> Tuple[bool, bool]:
    return any([x != 0 for x in xs]), all([x == 0 for x in xs])


@case((1, 2, 3), (3, 2, 1))
def min_max_nested(a: int, b: int, c: int) -> Tuple[int, int]:
    return min(min(a, b), c), max(a, max(b, c))


@case((3, 1.5), (-1, 2.0))
def min_max_mixed_int_float(a: int, b: float) -> Tuple[float, float]:
    return min(float(a), b), max(float(a), b)


@case((1.0, 2.0), (0.0, -1.0))
def complex_arithmetic(re: float, im: float) -> complex:
    z = complex(re, im)
    return z * z + complex(1.0, 0.0)


@case((3,), (0,))
def len_of_range_and_list(n: int) -> int:
    return len([i for i in range(n)]) + len(list(range(n)))


@case(("3.5",), ("-0.25",), ("x",))
def float_parse_str(s: str) -> float:
    return float(s) * 2.0


@case((True,), (False,))
def bool_to_str(b: bool) -> str:
    return str(b) + str(not b)


@case((0, 3), (1, 1), (5, 3),)
def hex_bin_like_manual(a: int, b: int) -> str:
    bits = ""
    x = a * b
    while x > 0:
        bits = str(x % 2) + bits
        x = x // 2
    return bits


# ---------------------------------------------------------------------------
# Combined / slightly larger programs
# ---------------------------------------------------------------------------


@case(([5, 3, 8, 1, 9, 2],), ([],), ([1],))
def program_bubble_sort(xs: List[int]) -> List[int]:
    n = len(xs)
    for i in range(n):
        swapped = False
        for j in range(n - 1 - i):
            if xs[j] > xs[j + 1]:
                xs[j], xs[j + 1] = xs[j + 1], xs[j]
                swapped = True
        if not swapped:
            break
    return xs


@case(([1, 3, 5, 7, 9], 7), ([1, 3, 5], 4), ([], 1))
def program_binary_search(xs: List[int], target: int) -> int:
    lo = 0
    hi = len(xs) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if xs[mid] == target:
            return mid
        elif xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


@case(("(a[b]{c})",), ("(]",), ("((",), ("",))
def program_balanced_brackets(s: str) -> bool:
    stack: List[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for c in s:
        if c in "([{":
            stack.append(c)
        elif c in pairs:
            if len(stack) == 0 or stack.pop() != pairs[c]:
                return False
    return len(stack) == 0


@case((10,), (1,))
def program_sieve(n: int) -> List[int]:
    is_prime = [True] * (n + 1)
    primes: List[int] = []
    for i in range(2, n + 1):
        if is_prime[i]:
            primes.append(i)
            for j in range(i * i, n + 1, i):
                is_prime[j] = False
    return primes


@case(("hello world hello",), ("",))
def program_most_common_word(s: str) -> str:
    counts: Dict[str, int] = {}
    best = ""
    best_n = 0
    for w in s.split():
        counts[w] = counts.get(w, 0) + 1
        if counts[w] > best_n:
            best_n = counts[w]
            best = w
    return best


@case((torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 3), (torch.eye(2), 0))
def program_matrix_power(m: torch.Tensor, n: int) -> torch.Tensor:
    result = torch.eye(m.size(0))
    for _ in range(n):
        result = result @ m
    return result


@case((torch.zeros(1, 2), torch.ones(2, 2), torch.tensor([-1.0, 1.0])), (torch.tensor([[1.0, -1.0], [2.0, 0.5]]), torch.tensor([[0.5, 1.0], [-1.0, 2.0]]),
       torch.tensor([0.1, -0.1])),)
def program_mlp_forward(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    h = F.relu(F.linear(x, w, b))
    out = torch.sum(h, dim=-1, keepdim=True)
    return out


@case((torch.tensor([1.0, 2.0, 3.0, 4.0]), 2), (torch.tensor([1.0]), 3))
def program_moving_average(x: torch.Tensor, k: int) -> List[float]:
    out: List[float] = []
    for i in range(x.size(0) - k + 1):
        out.append(float(x[i:i + k].mean()))
    return out


@case(("The quick brown fox",), ("",))
def program_title_acronym(s: str) -> str:
    parts = [w for w in s.split(" ")]
    return "".join([w[0].upper() for w in parts])


@case(([3, 1, 4, 1, 5, 9, 2, 6],), ([],))
def program_running_max(xs: List[int]) -> List[int]:
    out: List[int] = []
    cur: Optional[int] = None
    for x in xs:
        if cur is None or x > cur:
            cur = x
        out.append(cur)
    return out


@case((0,), (1,), (5,))
def program_pascal_row(n: int) -> List[int]:
    row = [1]
    for _ in range(n):
        nxt = [1]
        for i in range(len(row) - 1):
            nxt.append(row[i] + row[i + 1])
        nxt.append(1)
        row = nxt
    return row


@case(("aaabccdd",), ("",), ("a",))
def program_run_length_encode(s: str) -> str:
    if len(s) == 0:
        return ""
    out = ""
    prev = s[0]
    n = 1
    for i in range(1, len(s)):
        if s[i] == prev:
            n += 1
        else:
            out += prev + str(n)
            prev = s[i]
            n = 1
    out += prev + str(n)
    return out


@case((torch.eye(2), torch.tensor([3.0, 4.0]), 0), (torch.tensor([[0.0, 1.0], [1.0, 0.0]]), torch.tensor([1.0, 0.0]), 3),)
def program_tensor_iteration(a: torch.Tensor, v: torch.Tensor, steps: int) -> List[torch.Tensor]:
    history = [v]
    for _ in range(steps):
        v = a @ v
        history.append(v)
    return history


@case(({},), ({"a": [1, 2], "b": []},),)
def program_dict_of_lists_sum(d: Dict[str, List[int]]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for k, v in d.items():
        total = 0
        for x in v:
            total += x
        out[k] = total
    return out


# ---------------------------------------------------------------------------
# More builtins accepted by TorchScript
# ---------------------------------------------------------------------------


@case((12, 18), (7, 0), (0, 0))
def math_gcd_builtin(a: int, b: int) -> int:
    return math.gcd(a, b)


@case((255,), (0,), (5,))
def int_hex_bin_strings(a: int) -> Tuple[str, str]:
    return hex(a), bin(a)


@case((4,), (0,))
def list_from_range(n: int) -> List[int]:
    xs = list(range(n))
    xs.append(n)
    return xs


@case((["a", "b"], [1, 2]), ([], []))
def dict_from_zip(keys: List[str], vals: List[int]) -> Dict[str, int]:
    return dict(zip(keys, vals))


@case((3,), ("s",))
def isinstance_tuple_of_types(x: Union[int, str]) -> bool:
    return isinstance(x, (int, float))


@case((" \t",), ("a b",), ("",))
def str_isspace(s: str) -> bool:
    return s.isspace()


@case((-3.5,), (4.25,))
def math_fabs_fmod(x: float) -> float:
    return math.fabs(x) + math.fmod(x, 2.0)


@case((torch.tensor(3.5),), (torch.tensor(3),), (torch.tensor([True]),))
def tensor_item_number(x: torch.Tensor):
    return x.item()


@case(([[1, 2], [3]],), ([],))
def list_copy_rows_via_slice(m: List[List[int]]) -> List[List[int]]:
    out = [r[:] for r in m]
    if len(out) > 0:
        out[0].append(99)
    return out + m


@case(([3, 1, 2],), ([],))
def genexpr_in_max_with_guard(xs: List[int]) -> int:
    if len(xs) == 0:
        return 0
    return max([x * 2 for x in xs])


@case((torch.ones(2), -1.0), (torch.arange(6.0).reshape(2, 3), 1.5),)
def helper_with_default_arg(x: torch.Tensor, f: float) -> Tuple[torch.Tensor, torch.Tensor]:
    return _helper_scale(x), _helper_scale(x, f)


@case((4, 0, 10), (-4, 0, 10), (40, 0, 10))
def helper_call_keyword_args(x: int, lo: int, hi: int) -> int:
    return _helper_clamp(x, hi=hi, lo=lo)


# ---------------------------------------------------------------------------
# Deliberately not TorchScript (eager-runnable Python a better compiler could accept)
# ---------------------------------------------------------------------------


@case(([1, 2, 3], 2), ([1, 2, 3], 5), torchscript_ok=False)
def nots_for_else(xs: List[int], target: int) -> str:
    for x in xs:
        if x == target:
            break
    else:
        return "not found"
    return "found"


@case((5,), (0,), torchscript_ok=False)
def nots_while_else(n: int) -> int:
    i = 0
    while i < n:
        i += 1
    else:
        i += 100
    return i


@case(([1, 2, 3],), ([],))
def genexpr_sum_squares(xs: List[int]) -> int:
    return sum(x * x for x in xs)


@case(([1, 2, 2, 3],), ([],), torchscript_ok=False)
def nots_set_literal_dedupe(xs: List[int]) -> int:
    seen = {-1}
    for x in xs:
        seen.add(x)
    return len(seen)


@case(([1, 2, 3],), ([5],), torchscript_ok=False)
def nots_starred_unpack(xs: List[int]) -> List[int]:
    first, *rest = xs
    return rest + [first]


@case((1, 2, 3), (1,), torchscript_ok=False)
def nots_varargs_sum(*args: int) -> int:
    total = 0
    for a in args:
        total += a
    return total


@case((3, 0), (3, 2), torchscript_ok=False)
def nots_try_except_zero_division(a: int, b: int) -> int:
    try:
        return a // b
    except ZeroDivisionError:
        return -1


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def nots_walrus_in_loop(xs: List[int]) -> int:
    total = 0
    for x in xs:
        if (y := x * 2) > 2:
            total += y
    return total


@case((5,), (0,), torchscript_ok=False)
def nots_int_pow_operator(n: int) -> int:
    return 2 ** n + n ** 2


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def nots_reversed_builtin(xs: List[int]) -> List[int]:
    out: List[int] = []
    for x in reversed(xs):
        out.append(x)
    return out


@case((7,), (-8,), torchscript_ok=False)
def nots_int_invert(x: int) -> int:
    return ~x


@case((7,), (-8,), torchscript_ok=False)
def nots_unary_plus(x: int) -> int:
    return +x


@case((17,), (-17,), torchscript_ok=False)
def nots_floordiv_augassign(x: int) -> int:
    x //= 5
    return x


@case((1.2345,), (-2.0,), torchscript_ok=False)
def nots_fstring_format_spec(x: float) -> str:
    return f"{x:.2f}"


CASES = cases_in(globals())
