"""Python semantics TorchScript bends: `round` gives an int, `a or b` / `a and b` give an
operand, `int ** int` stays an int, `print(sep=, end=)`, `sum(xs, start)`, `min`/`max` with
`default=` and `key=`, `float.is_integer`, `int(s, base)`, `str.format` with named fields,
`len(range(...))`, `divmod`, `isinstance` with a tuple of types, `abs`, `pow(a, b, m)`."""

from __future__ import annotations

import math
from typing import List, Optional

import torch
from tests.corpus import case, cases_in


def _last_digit(n: int) -> int:
    return n % 10


def _neg(x: int) -> int:
    return -x


@case((2.5,), (3.5,), (-2.5,), (0.4999,), (1e20,), (float("inf"),), (float("nan"),),
      torchscript_ok=False)
def sem_round_to_int(x: float):
    return round(x)  # an int (half to even); OverflowError / ValueError for inf / nan


@case((2.675,), (-1.005,), (123.456,), torchscript_ok=False)
def sem_round_ndigits(x: float):
    return round(x, 2), round(x, 0), round(x, -1)


@case((1234,), (-5,), (0,), torchscript_ok=False)
def sem_round_int(n: int):
    return round(n), round(n, -2), round(n, 1)


@case((0, 3), (2, 3), (0, 0), (-1, 0), torchscript_ok=False)
def sem_or_and_return_operand(a: int, b: int):
    return a or b, a and b, a or b or 7, a and b and 7, not a or b


@case(("", "x"), ("a", ""), torchscript_ok=False)
def sem_or_strings(s: str, t: str):
    return s or t, s and t, s or "default"


@case((None,), (0,), (4,), torchscript_ok=False)
def sem_or_optional_default(x: Optional[int]):
    y = x or 5
    return y, x is not None and x > 2


@case(([],), ([3, 4],), torchscript_ok=False)
def sem_and_short_circuits(xs: List[int]):
    return xs and xs[0], len(xs) > 1 and xs[1] or -1


@case((0.0, 2), (1.5, 2), torchscript_ok=False)
def sem_or_mixed_types(x: float, n: int):
    return x or n


@case((2, 10), (3, 0), (-2, 3), (2, -1), (0, -1), (7, 70), torchscript_ok=False)
def sem_int_pow_stays_int(a: int, b: int):
    return a ** b, pow(a, b)  # a float for a negative exponent; ZeroDivisionError for 0 ** -1


@case((3, 4, 5), (2, 100, 7), (5, 0, 3), (2, 3, 0), torchscript_ok=False)
def sem_pow_modular(a: int, b: int, m: int):
    return pow(a, b, m)  # ValueError for m == 0


@case((1, "a"), (0, ""), torchscript_ok=False)
def sem_print_sep_end(n: int, s: str):
    print(n, s, sep="-", end="!\n")
    print(n, s, sep="")
    print("no newline", end="")
    print()
    print(n, [n, n], end=" <\n", sep=", ")
    return n


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def sem_sum_with_start(xs: List[int]):
    return sum(xs, 10), sum(xs, start=-1), sum(xs)


@case(([0.1, 0.2],), ([],), torchscript_ok=False)
def sem_sum_float_start(xs: List[float]):
    return sum(xs, 0.3), sum(xs, 1)


@case(([3, 1, 2],), ([],), torchscript_ok=False)
def sem_min_max_default(xs: List[int]):
    return min(xs, default=-1), max(xs, default=None), min(xs, default=0.5)


@case(([],), torchscript_ok=False)
def sem_min_empty_raises(xs: List[int]):
    return min(xs)  # ValueError


@case((["bb", "a", "ccc"],), (["x"],), torchscript_ok=False)
def sem_min_max_key_builtin(words: List[str]):
    return min(words, key=len), max(words, key=len)


@case(([17, 25, 31],), ([40],), torchscript_ok=False)
def sem_min_max_key_function(xs: List[int]):
    return min(xs, key=_last_digit), max(xs, key=_last_digit), max(xs, key=_neg)


@case(([],), ([3],), torchscript_ok=False)
def sem_max_key_and_default(xs: List[int]):
    return max(xs, key=_last_digit, default=-1)


@case((2.0,), (2.5,), (-0.0,), (float("inf"),), (float("nan"),), torchscript_ok=False)
def sem_float_is_integer(x: float):
    return x.is_integer()


@case(("ff",), ("-10",), ("zz",), ("0x1f",), torchscript_ok=False)
def sem_int_with_base(s: str):
    return int(s, 16), int("101", 2), int(s, base=0) if s.startswith("0x") else 0


@case(("12",), (" 7 ",), ("x",), torchscript_ok=False)
def sem_int_of_str(s: str):
    return int(s)  # ValueError for "x"


@case((3, "ab"), (-1, ""), torchscript_ok=False)
def sem_format_named_fields(n: int, s: str):
    return "{a}-{b}".format(a=n, b=s), "{0}:{x}:{0}".format(n, x=s), "{v:>4}|".format(v=n)


@case((10,), (0,), (-3,), torchscript_ok=False)
def sem_len_of_range(n: int):
    return len(range(n)), len(range(0, n, 3)), len(range(n, 0, -2))


@case((7, 2), (-7, 2), (7, -2), (0, 5), (5, 0), torchscript_ok=False)
def sem_divmod_int(a: int, b: int):
    return divmod(a, b)  # ZeroDivisionError for b == 0


@case((7.5, 2.0), (-7.5, 2.0), (1.0, 0.0), torchscript_ok=False)
def sem_divmod_float(a: float, b: float):
    return divmod(a, b), divmod(int(a), b)


@case((1,), (2.5,), ("s",), (None,), torchscript_ok=False)
def sem_isinstance_tuple_of_types(x: Optional[int | float | str]):
    if isinstance(x, (int, float)):
        return "number"
    if isinstance(x, (str, list)):
        return "text"
    return "none"


@case((-3.0,), (4.0,), (-2.5,), torchscript_ok=False)
def sem_abs_number(x: float):
    return abs(x), abs(-7), abs(int(x))


@case((torch.tensor([1.4, 2.5, -0.5]),), torchscript_ok=False)
def sem_round_tensor(t: torch.Tensor):
    return torch.round(t), round(t.sum().item()), round(float(t[0]), 1)


@case((4.0,), (0.0,), torchscript_ok=False)
def sem_round_after_math(x: float):
    r = round(math.sqrt(x))
    return r, r * 2, [r] * 2


@case(([3, 1, 2, 1],), ([],), torchscript_ok=False)
def sem_sorted_reverse(xs: List[int]):
    return sorted(xs, reverse=True), sorted(xs, reverse=False), xs


CASES = cases_in(globals())
