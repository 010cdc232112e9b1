"""Containers: sets (literals, comprehensions, `set()`, methods, operators, iteration),
starred assignment targets, slice assignment and deletion on lists, `tuple(list)`.

Sets of ints iterate in a deterministic order; sets of strings in an order that depends on
PYTHONHASHSEED, which eager Python and the compiled program share (same process), so even
`list(s)` of strings compares equal."""

from __future__ import annotations

from typing import List, Set, Tuple

import torch
from tests.corpus import case, cases_in

VOWELS = {"a", "e", "i", "o", "u"}


# -- sets ------------------------------------------------------------------------------------


@case((1,), (4,), (-2,), torchscript_ok=False)
def set_literal_membership(x: int):
    s = {1, 2, 3, x}
    return x in s, 5 in s, 5 not in s, len(s), sorted(s)


@case(([3, 1, 3, 2],), ([],), ([5, 5, 5],), torchscript_ok=False)
def set_from_list_dedup(xs: List[int]):
    s = set(xs)
    return len(s), sorted(s), s


@case(([1, 2, 3, 4],), ([],), torchscript_ok=False)
def set_comprehension(xs: List[int]):
    evens = {x % 3 for x in xs}
    squares = {x * x for x in xs if x > 1}
    return sorted(evens), squares


@case(([1, 2, 2, 3],), ([],), ([4],), torchscript_ok=False)
def set_add_discard(xs: List[int]):
    seen: Set[int] = set()
    for x in xs:
        seen.add(x)
        seen.add(x * 10)
    seen.discard(20)
    seen.discard(999)
    return seen


@case(([1, 2],), ([5],), torchscript_ok=False)
def set_remove_missing_raises(xs: List[int]):
    s = set(xs)
    s.remove(1)  # KeyError when 1 is not there
    return s


@case(([1, 2, 3], [2, 3, 4]), ([], [1]), ([1], []), torchscript_ok=False)
def set_operators(a: List[int], b: List[int]):
    x, y = set(a), set(b)
    return x | y, x & y, x - y, y - x, x ^ y


@case(([1, 2], [1, 2, 3]), ([1, 2], [1, 2]), ([], []), ([4], [1]), torchscript_ok=False)
def set_comparisons(a: List[int], b: List[int]):
    x, y = set(a), set(b)
    return x == y, x != y, x <= y, x < y, x >= y, x > y, x.isdisjoint(y)


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def set_methods(xs: List[int]):
    s = set(xs)
    u = s.union([10, 11], {12})
    i = s.intersection({1, 2, 99})
    d = s.difference([1])
    return u, i, d, s.issubset({1, 2, 3, 4}), s.issuperset(set()), s.copy() == s


@case(([1, 2, 3], [3, 4]), ([], [1]), torchscript_ok=False)
def set_in_place_operators(a: List[int], b: List[int]):
    s = set(a)
    alias = s
    s |= set(b)
    s -= {1}
    s &= {2, 3, 4, 5}
    s ^= {5}
    return s, alias, s is alias


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def set_update_methods(xs: List[int]):
    s = set(xs)
    s.update([7, 8], {9})
    s.difference_update({7})
    s.intersection_update({1, 8, 9})
    t = set(xs)
    t.symmetric_difference_update({1, 100})
    return s, t


@case(([3, 1, 2],), ([],), torchscript_ok=False)
def set_iteration_sum(xs: List[int]):
    s = set(xs)
    total = 0
    order: List[int] = []
    for v in s:
        total += v
        order.append(v)
    return total, order, list(s), tuple(s)


@case(("hello world",), ("",), ("xyz",), torchscript_ok=False)
def set_of_strings(text: str):
    letters = set(text)
    vowels = {c for c in text if c in VOWELS}
    return sorted(letters), sorted(vowels), len(letters - VOWELS), "o" in letters


@case(([2, 7, 1],), ([],), torchscript_ok=False)
def set_builtins(xs: List[int]):
    s = set(xs)
    if not s:
        return 0, 0, 0, False
    return min(s), max(s), sum(s), any({v > 5 for v in s})


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def set_truthiness_and_clear(xs: List[int]):
    s = set(xs)
    before = bool(s)
    s.clear()
    return before, bool(s), len(s), s


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def set_pop_until_empty(xs: List[int]):
    s = set(xs)
    out: List[int] = []
    while s:
        out.append(s.pop())
    return out


@case(([],), torchscript_ok=False)
def set_pop_empty_raises(xs: List[int]):
    s = set(xs)
    return s.pop()


@case(([(1, 2), (3, 4), (1, 2)],), ([],), torchscript_ok=False)
def set_of_tuples(pairs: List[Tuple[int, int]]):
    s = set(pairs)
    return len(s), (1, 2) in s, sorted(s)


@case(([1, 2, 3], [2]), ([], []), torchscript_ok=False)
def set_equality_and_isinstance(a: List[int], b: List[int]):
    x = set(a)
    return x == set(b), x == {1, 2, 3}, isinstance(x, set), x == a


@case(([4, 4, 5],), torchscript_ok=False)
def set_starred_literal(xs: List[int]):
    return {*xs, 9}, {0, *xs}


@case((torch.tensor([1.0, 2.0]),), torchscript_ok=False)
def set_unhashable_element(t: torch.Tensor):
    s = {[1, 2], [3]}  # TypeError in Python: refused at compile time
    return len(s)


# -- starred targets, slices, tuple(list) ----------------------------------------------------


@case(([1, 2, 3],), ([1],), ([],), torchscript_ok=False)
def ctr_starred_head_tail(xs: List[int]):
    first, *rest = xs  # ValueError for an empty list
    *init, last = xs
    return first, rest, init, last


@case(([1, 2, 3, 4],), ([1, 2],), ([1],), torchscript_ok=False)
def ctr_starred_middle(xs: List[int]):
    a, *middle, b = xs
    return a, middle, b


@case((), torchscript_ok=False)
def ctr_starred_tuple_literal():
    a, *b, c = (1, 2, 3, 4)
    x, *y = [5]
    *p, q = "hi", "there"
    return a, b, c, x, y, p, q


@case(([[1, 2], [3], [4, 5, 6]],), ([],), torchscript_ok=False)
def ctr_starred_for_target(rows: List[List[int]]):
    out: List[int] = []
    for head, *tail in rows:
        out.append(head * 10 + len(tail))
    return out


@case(("abc",), ("a",), torchscript_ok=False)
def ctr_starred_string(s: str):
    first, *others = s
    return first, others


@case(([1, 2, 3, 4], [9]), ([1], [7, 8]), ([], []), torchscript_ok=False)
def ctr_slice_assign_grow_shrink(xs: List[int], ys: List[int]):
    xs[1:3] = ys
    return xs


@case(([1, 2, 3, 4, 5],), ([],), torchscript_ok=False)
def ctr_slice_assign_extended(xs: List[int]):
    xs[::2] = [0] * len(xs[::2])
    return xs


@case(([1, 2, 3],), ([5],), torchscript_ok=False)
def ctr_slice_assign_extended_wrong_length(xs: List[int]):
    xs[::2] = [1]  # ValueError unless the slice has exactly one element
    return xs


@case(([1, 2, 3, 4, 5],), ([1],), ([],), torchscript_ok=False)
def ctr_slice_delete(xs: List[int]):
    ys = list(xs)
    del xs[1:3]
    del ys[::2]
    return xs, ys


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def ctr_slice_assign_ends_and_tuple(xs: List[int]):
    xs[len(xs):] = (8, 9)
    xs[:0] = [0]
    xs[-1:] = []
    return xs


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def ctr_tuple_of_list(xs: List[int]):
    t = tuple(xs)
    fixed = tuple([1, 2])
    a, b = fixed
    return t, len(t), t + (9,), fixed, a + b, tuple("ab")


@case(([1, 2, 3],), ([4],), torchscript_ok=False)
def ctr_tuple_of_list_ops(xs: List[int]):
    t = tuple(xs)
    return t[0], t[-1], t[1:], 2 in t, t.count(2), t == (1, 2, 3), t * 2


@case(([1, 2],), ([],), torchscript_ok=False)
def ctr_tuple_of_list_index_error(xs: List[int]):
    t = tuple(xs)
    return t[5]


@case(([1, 2, 1, 3],), ([],), torchscript_ok=False)
def set_early_return_in_loop(xs: List[int]) -> Set[int]:
    seen: Set[int] = set()
    for x in xs:
        if x in seen:
            return seen  # the first repeat stops the scan
        seen.add(x)
    return seen


@case(([3, 1, 2],), torchscript_ok=False)
def set_enumerate_zip_str(xs: List[int]):
    s = set(xs)
    return [i * v for i, v in enumerate(s)], list(zip(s, xs)), str(s), f"{s}!", sorted(s, reverse=True)


@case((3,), (0,), torchscript_ok=False)
def ctr_tuple_grows_in_loop(n: int):
    t: Tuple[int, ...] = ()
    for i in range(n):
        t = t + (i * i,)
    return t, len(t)


@case((1,), (-1,), torchscript_ok=False)
def ctr_tuple_lengths_join(n: int):
    t = (1, 2) if n > 0 else (1, 2, 3)
    return t, len(t), sum(t)


CASES = cases_in(globals())
UNSUPPORTED = {
    "set_unhashable_element": "a set of lists (unhashable: Python raises TypeError at run time)",
}
