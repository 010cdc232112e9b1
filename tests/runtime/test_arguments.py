"""Calls with wrong arguments raise ArgumentError (a TypeError) naming what was expected."""

from __future__ import annotations

import re
from typing import List, Optional

import pytest
import torch

import hybridjit


@hybridjit.script
def scale(x: torch.Tensor, n: int, names: List[str], bias: Optional[float] = None):
    y = x * n
    if bias is not None:
        y = y + bias
    return y, len(names)


def test_correct_calls_pass_through():
    y, k = scale(torch.ones(2), 3, ["a"], bias=0.5)
    assert torch.equal(y, torch.full((2,), 3.5)) and k == 1
    assert torch.equal(scale(torch.ones(1), 2, [])[0], torch.full((1,), 2.0))


@pytest.mark.parametrize(
    "args, message",
    [
        (("no tensor", 3, ["a"]), "expected argument 'x' to be Tensor, found str"),
        ((torch.ones(2), 3, "abc"), "expected argument 'names' to be List[str], found str"),
    ],
)
def test_wrong_argument_types_are_named(args, message):
    with pytest.raises(hybridjit.ArgumentError, match=re.escape(message)):
        scale(*args)


def test_wrong_arity_is_a_type_error():
    with pytest.raises(TypeError, match="missing a required argument: 'names'"):
        scale(torch.ones(1), 2)
    with pytest.raises(hybridjit.ArgumentError, match="unexpected keyword argument 'scale'"):
        scale(torch.ones(1), 2, [], scale=3)


def test_errors_raised_by_the_program_itself_are_kept():
    @hybridjit.script
    def strict(n: int) -> int:
        if n < 0:
            raise ValueError("negative")
        return n

    with pytest.raises(ValueError, match="negative"):
        strict(-1)


# -- checked and converted as torch.jit does (torch.jit.script is the oracle) ------------------

from typing import Dict, NamedTuple, Tuple, Union  # noqa: E402


class Pair(NamedTuple):
    a: int
    b: float


def ident_list_int(x: List[int]) -> List[int]:
    return x


def ident_list_float(x: List[float]) -> List[float]:
    return x


def ident_tuple(x: Tuple[int, float]) -> Tuple[int, float]:
    return x


def ident_nested(x: Tuple[List[int], int]) -> Tuple[List[int], int]:
    return x


def ident_dict(x: Dict[str, int]) -> Dict[str, int]:
    return x


def ident_dict_float(x: Dict[str, float]) -> Dict[str, float]:
    return x


def ident_optional(x: Optional[List[int]]) -> Optional[List[int]]:
    return x


def ident_int(x: int) -> int:
    return x


def ident_float(x: float) -> float:
    return x


def ident_list_tensor(x: List[torch.Tensor]) -> List[torch.Tensor]:
    return x


def ident_list_list(x: List[List[int]]) -> List[List[int]]:
    return x


def ident_list_optional(x: List[Optional[int]]) -> List[Optional[int]]:
    return x


def ident_union(x: Union[int, List[int]]) -> Union[int, List[int]]:
    return x


def ident_union_float(x: Union[float, str]) -> Union[float, str]:
    return x


def ident_named(x: Pair) -> Pair:
    return x


def floor_half(x: float) -> float:
    return x // 2


T1 = torch.ones(1)
ORACLE_CASES = [
    (ident_list_int, [1.5]), (ident_list_int, (1, 2)), (ident_list_int, [2**63]),
    (ident_list_int, [2**63 - 1, -(2**63)]), (ident_list_int, []), (ident_list_int, ()),
    (ident_list_int, "ab"), (ident_list_int, [1, "a"]), (ident_list_int, [-(2**63) - 1]),
    (ident_list_float, [1]), (ident_list_float, (1, 2.0)), (ident_list_float, ["a"]),
    (ident_tuple, [1, 2.0]), (ident_tuple, (1, 2)), (ident_tuple, (1.0, 2.0)),
    (ident_tuple, (1,)), (ident_tuple, [1]), (ident_tuple, (2**64, 1.0)),
    (ident_nested, ((1, 2), 3)), (ident_nested, [[1], 3]), (ident_nested, ([1.5], 3)),
    (ident_dict, {"a": 1}), (ident_dict, {"a": 1.5}), (ident_dict, {1: 1}),
    (ident_dict, {"a": 2**64}), (ident_dict, [("a", 1)]), (ident_dict_float, {"a": 1}),
    (ident_optional, None), (ident_optional, (1,)), (ident_optional, [1.5]),
    (ident_int, 2**63), (ident_int, 2**63 - 1), (ident_int, -(2**63)), (ident_int, -(2**63) - 1),
    (ident_int, 1.0), (ident_int, "1"),
    (ident_float, 1), (ident_float, 2**70), (ident_float, "1.0"),
    (ident_list_tensor, [T1]), (ident_list_tensor, (T1, T1)), (ident_list_tensor, [1]),
    (ident_list_tensor, [T1, None]),
    (ident_list_list, [(1, 2)]), (ident_list_list, ([1],)), (ident_list_list, [[1.5]]),
    (ident_list_list, [[2**63]]),
    (ident_list_optional, [None, 1]), (ident_list_optional, (None, 1)),
    (ident_list_optional, [None, 2**64]),
    (ident_union, [1]), (ident_union, (1,)), (ident_union, 2**64), (ident_union, 1.5),
    (ident_union_float, 1), (ident_union_float, 1.5), (ident_union_float, "a"),
    (ident_named, [1, 2.0]), (ident_named, (1, 2.0)), (ident_named, Pair(1, 2.0)),
    (ident_named, (1, 2)), (ident_named, (1.5, 2.0)),
    (floor_half, 5),
]  # fmt: skip


def _outcome(fn, value):
    try:
        return "ok", fn(value)
    except (RuntimeError, TypeError):
        return "refused", None


@pytest.mark.parametrize("fn, value", ORACLE_CASES, ids=lambda v: repr(v)[:30])
def test_calls_are_checked_and_converted_like_torch_jit(fn, value):
    expected, result = _outcome(torch.jit.script(fn), value)
    scripted = hybridjit.script(fn)
    for call in (scripted, scripted.using("interpreter")):
        if expected == "refused":
            with pytest.raises(hybridjit.ArgumentError, match="expected argument 'x' to be"):
                call(value)
        else:
            got = call(value)
            assert got == result
            # (torch.jit rebuilds a NamedTuple as its own class; hybridjit keeps what it got)
            assert type(got) is type(result) or isinstance(result, tuple) and isinstance(got, tuple)
            if isinstance(result, (list, tuple)):
                assert list(map(type, got)) == list(map(type, result))


def test_argument_errors_name_parameter_expected_and_found():
    f = hybridjit.script(ident_list_int)
    with pytest.raises(hybridjit.ArgumentError, match=re.escape(
        "ident_list_int() expected argument 'x' to be List[int], "
        "found list whose element 1 is float"
    )):  # fmt: skip
        f([1, 1.5])
    with pytest.raises(hybridjit.ArgumentError, match="int out of the int64 range"):
        hybridjit.script(ident_int)(2**63)
    with pytest.raises(hybridjit.ArgumentError, match=re.escape(
        "expected argument 'x' to be List[int], found list whose element 0 is an int out of"
    )):  # fmt: skip
        f([2**70])
    with pytest.raises(hybridjit.ArgumentError, match="tuple of 1 elements"):
        hybridjit.script(ident_tuple)((1,))


def test_lists_that_need_no_conversion_are_passed_through():
    @hybridjit.script
    def push(xs: List[int]) -> int:
        xs.append(1)
        return len(xs)

    xs = [0]
    assert push(xs) == 2 and xs == [0, 1]  # the caller's list, as in eager mode


def test_ints_and_containers_checked_on_the_fast_path_too():
    # `isinstance` alone passes these; the deep check still runs
    @hybridjit.script
    def add(n: int, xs: List[float]) -> float:
        return n + xs[0]

    with pytest.raises(hybridjit.ArgumentError, match="'n' to be int"):
        add(2**64, [1.0])
    assert add(1, [2]) == 3.0 and type(add(1, [2])) is float


def test_keywords_and_defaults_for_every_callable():
    def f(x: torch.Tensor, n: int = 2, scale: float = 0.5) -> torch.Tensor:
        return x * n * scale

    x = torch.ones(2)
    expected = f(x, 3)
    scripted = hybridjit.script(f)
    traced = hybridjit.trace(lambda x: x * 3 * 0.5, (x,))
    loaded = hybridjit.load(_saved(scripted))
    for fn in (scripted, scripted.using("interpreter"), loaded):
        assert torch.equal(fn(x, n=3), expected)
        assert torch.equal(fn(n=3, x=x), expected)
        assert torch.equal(fn(x, 3, scale=0.5), expected)
        with pytest.raises(hybridjit.ArgumentError, match="'n' to be int"):
            fn(x, n=1.5)
    assert torch.equal(traced(x=x), expected)

    class M(torch.nn.Module):
        def forward(self, x: torch.Tensor, n: int = 2) -> torch.Tensor:
            return x * n

    m = hybridjit.script(M())
    assert torch.equal(m(x), x * 2) and torch.equal(m(x, n=3), x * 3)
    assert torch.equal(m.forward(x=x), x * 2)


def _saved(obj):
    import io

    buf = io.BytesIO()
    hybridjit.save(obj, buf)
    buf.seek(0)
    return buf


def test_function_from_graph_is_positional_or_keyword_without_defaults():
    # Wrong calls raise a plain TypeError (as eager Python does; tests/test_corpus_roundtrip
    # compares exception types exactly), with the function's and parameter's names.
    from hybridjit.runtime.function import function_from_graph

    def f(x: torch.Tensor, n: int = 2) -> torch.Tensor:
        return x * n

    graph = hybridjit.script(f).graph
    x = torch.ones(1)
    for executor in ("codegen", "interpreter"):
        run = function_from_graph(graph, executor)
        assert torch.equal(run(x, 3), x * 3) and torch.equal(run(x, n=3), x * 3)
        assert torch.equal(run(n=3, x=x), x * 3)
        with pytest.raises(TypeError, match=r"forward\(\): missing a required argument: 'n'"):
            run(x)  # a graph has no defaults
        with pytest.raises(TypeError, match="too many positional arguments"):
            run(x, 1, 2)
        with pytest.raises(TypeError, match="unexpected keyword argument 'k'"):
            run(x, 1, k=2)
