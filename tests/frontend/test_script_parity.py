"""TorchScript parity for what migrating users write (issue 10): OrderedDict as a dict,
torch._assert / torch._check, warnings.warn at run time, NamedTuple results, dict(**kw) and
dict(iterable), tensor floor division, F.normalize (torch.div(..., out=None)), and
torch.device(str). Each program runs eagerly, under both executors, torch.jit and a save/load
round trip."""

import warnings
from collections import OrderedDict
from typing import Dict, List, NamedTuple, Optional, Tuple

import pytest
import torch
import torch.nn.functional as F
from tests.differential import check_script, check_script_raises, round_trip
from tests.frontend.script_helpers import executors

import hybridjit

# -- OrderedDict as Dict[str, T] -------------------------------------------------------------


def p_ordereddict(x: torch.Tensor) -> Dict[str, torch.Tensor]:
    out = OrderedDict()
    out["a"] = x
    out["b"] = x + 1
    return out


def ordereddict_as_dict(x: torch.Tensor) -> Dict[str, torch.Tensor]:
    # eager returns an OrderedDict, TorchScript a dict: dict() of it compares exactly.
    return dict(p_ordereddict(x))


def ordereddict_of_pairs(x: torch.Tensor) -> Dict[str, torch.Tensor]:
    out = OrderedDict([("a", x), ("b", x * 2)])
    out["c"] = x - 1
    return dict(out)


def ordereddict_annotated(n: int) -> Dict[str, int]:
    out: Dict[str, int] = OrderedDict()
    for i in range(n):
        out[str(i)] = i * i
    return dict(out)


def test_ordereddict_is_a_dict() -> None:
    check_script(ordereddict_as_dict, [(torch.ones(2),)])
    check_script(ordereddict_of_pairs, [(torch.arange(3.0),)])
    # torch.jit types `OrderedDict()` Dict[str, Tensor] whatever the annotation says.
    check_script(ordereddict_annotated, [(0,), (4,)], torchscript=False)


def test_ordereddict_result_has_the_eager_items() -> None:
    s = hybridjit.script(p_ordereddict)
    x = torch.arange(2.0)
    for run in (*executors(s).values(), round_trip(s)):
        got = run(x)
        assert list(got) == ["a", "b"] and torch.equal(got["b"], x + 1)
    assert torch.jit.script(p_ordereddict)(x).keys() == got.keys()


# -- torch._assert / torch._check ------------------------------------------------------------


def p_assert(x: torch.Tensor) -> torch.Tensor:
    torch._assert(x.dim() == 1, "need 1-d")
    return x * 2


def assert_tensor_condition(x: torch.Tensor) -> torch.Tensor:
    torch._assert(x.sum() > 0, "need a positive sum")
    return x


def test_torch_assert() -> None:
    check_script(p_assert, [(torch.ones(2),)])
    check_script_raises(p_assert, (torch.ones(2, 2),), AssertionError)
    check_script(assert_tensor_condition, [(torch.ones(2),)])
    check_script_raises(assert_tensor_condition, (-torch.ones(2),), AssertionError)


def test_torch_assert_message() -> None:
    s = hybridjit.script(p_assert)
    for run in executors(s).values():
        with pytest.raises(AssertionError, match="need 1-d"):
            run(torch.ones(2, 2))


def p_check(x: torch.Tensor) -> torch.Tensor:
    torch._check(x.dim() == 1, lambda: "need 1-d")
    return x * 2


def check_without_message(x: torch.Tensor) -> torch.Tensor:
    torch._check(x.dim() == 1)
    return x + 1


def check_formatted_message(x: torch.Tensor, n: int) -> torch.Tensor:
    torch._check(x.dim() == n, lambda: f"expected {n} dims, got {x.dim()}")
    return x


def test_torch_check() -> None:
    # torch.jit rejects the lambda ("Lambda aren't supported"); hybridjit takes it.
    check_script(p_check, [(torch.ones(2),)], torchscript=False)
    check_script_raises(p_check, (torch.ones(2, 2),), RuntimeError, torchscript=False)
    check_script(check_without_message, [(torch.ones(2),)])
    check_script_raises(check_without_message, (torch.ones(1, 1),), RuntimeError)
    check_script(check_formatted_message, [(torch.ones(2), 1)], torchscript=False)
    check_script_raises(check_formatted_message, (torch.ones(2), 2), RuntimeError,
                        torchscript=False)  # fmt: skip


def test_torch_check_message() -> None:
    s = hybridjit.script(check_formatted_message)
    for run in executors(s).values():
        with pytest.raises(RuntimeError, match="expected 3 dims, got 1"):
            run(torch.ones(2), 3)


def lambda_elsewhere(x: torch.Tensor) -> torch.Tensor:
    f = lambda: x  # noqa: E731
    return f()


def lambda_in_a_list(x: torch.Tensor) -> torch.Tensor:
    fs = [lambda: x]
    return fs[0]()


def test_other_lambdas_are_compiled_inline() -> None:
    check_script(lambda_elsewhere, [(torch.ones(2),)], torchscript=False)


def test_a_lambda_stored_in_a_list_is_rejected() -> None:
    with pytest.raises(hybridjit.FrontendError, match="found a lambda"):
        hybridjit.script(lambda_in_a_list)


# -- warnings.warn ---------------------------------------------------------------------------


def p_warn(x: torch.Tensor) -> torch.Tensor:
    if x.sum() > 0:
        warnings.warn("positive")  # noqa: B028 - the default stacklevel is under test
    return x


def warn_deeper(x: torch.Tensor) -> torch.Tensor:
    warnings.warn("deeper", stacklevel=3)
    return x


def test_warn_runs() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_script(p_warn, [(torch.ones(2),), (-torch.ones(2),)])


def test_warn_warns_at_the_caller() -> None:
    s = hybridjit.script(p_warn)
    for run in (*executors(s).values(), round_trip(s)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run(-torch.ones(2))
            assert not caught
            run(torch.ones(2))
        assert [str(w.message) for w in caught] == ["positive"]
        assert caught[0].category is UserWarning and caught[0].filename == __file__


def _calls_warn_deeper() -> tuple[str, int]:
    s = hybridjit.script(warn_deeper)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s(torch.ones(1))
    return caught[0].filename, caught[0].lineno


def test_warn_stacklevel_counts_frames_outside_the_script() -> None:
    filename, line = _calls_warn_deeper()
    assert filename == __file__
    import inspect

    assert line == inspect.currentframe().f_lineno - 4  # type: ignore[union-attr]


# -- NamedTuple results ----------------------------------------------------------------------


class Pt(NamedTuple):
    x: int
    y: int


def p_namedtuple(a: int) -> Pt:
    return Pt(a, a + 1)


def namedtuple_keywords(a: int) -> Pt:
    return Pt(y=a, x=2 * a)


def namedtuple_field(a: int) -> int:
    p = Pt(a, 3)
    return p.x + p.y


class Pair(NamedTuple):
    t: torch.Tensor
    n: List[int]


def namedtuple_in_tuple(x: torch.Tensor) -> Tuple[Pair, int]:
    return Pair(x + 1, [1, 2]), 3


def test_namedtuple_results_are_namedtuples() -> None:
    check_script(p_namedtuple, [(3,)])
    check_script(namedtuple_keywords, [(1,)])
    check_script(namedtuple_field, [(5,)])
    check_script(namedtuple_in_tuple, [(torch.ones(2),)])


def test_namedtuple_results_have_the_users_class() -> None:
    s = hybridjit.script(p_namedtuple)
    for run in executors(s).values():
        got = run(3)
        assert type(got) is Pt and got.x == 3 and got.y == 4 and got == Pt(3, 4)
    loaded = round_trip(s)(3)
    assert loaded == (3, 4) and loaded.y == 4


# -- dict(...) -------------------------------------------------------------------------------


def p_dict_kw(a: int) -> Dict[str, int]:
    return dict(x=a, y=2)


def dict_mapping_and_keywords(d: Dict[str, int], a: int) -> Dict[str, int]:
    return dict(d, z=a)


def dict_copy(d: Dict[str, int]) -> Dict[str, int]:
    e = dict(d)
    e["new"] = 1
    return e


def dict_of_pairs(a: int) -> Dict[str, int]:
    return dict([("p", a), ("q", 3)])


def dict_of_zip(ks: List[str], vs: List[int]) -> Dict[str, int]:
    return dict(zip(ks, vs))


def dict_of_pair_list(pairs: List[Tuple[int, float]]) -> Dict[int, float]:
    return dict(pairs)


def dict_empty() -> Dict[str, torch.Tensor]:
    return dict()


def test_dict_constructor() -> None:
    check_script(p_dict_kw, [(1,)])
    check_script(dict_mapping_and_keywords, [({"a": 1, "z": 0}, 5)])
    check_script(dict_copy, [({"a": 1},)])
    check_script(dict_of_pairs, [(7,)])
    check_script(dict_of_zip, [(["a", "b"], [1, 2]), ([], [])])
    check_script(dict_of_pair_list, [([(1, 2.0), (3, 4.0)],)])
    check_script(dict_empty, [()])


def test_dict_copy_is_a_copy() -> None:
    s = hybridjit.script(dict_copy)
    d = {"a": 1}
    for run in executors(s).values():
        assert run(d) == {"a": 1, "new": 1} and d == {"a": 1}


# -- tensor floor division -------------------------------------------------------------------


def p_intdiv(x: torch.Tensor) -> torch.Tensor:
    return x // 2


def floordiv_tensors(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x // y


def floordiv_augmented(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    y = x
    y //= 3  # in place, as eager
    return x, y


def test_tensor_floor_division() -> None:
    check_script(p_intdiv, [(torch.tensor([5, 7, -3]),), (torch.tensor([5.5, -7.0]),)])
    check_script(floordiv_tensors, [(torch.tensor([5, 7, -3]), torch.tensor([2, -2, 2]))])
    # torch.jit rejects `//=` ("unsupported kind of augmented assignment").
    check_script(floordiv_augmented, [(torch.tensor([5, 7, -3]),)], torchscript=False)
    kinds = [n.kind for n in hybridjit.script(p_intdiv).graph.nodes()]
    assert "aten::floor_divide" in kinds and "aten::floordiv" not in kinds


# -- F.normalize (torch.div(..., out=None)) ---------------------------------------------------


def p_norm(x: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.normalize(x, dim=0)


def normalize_last_dim(x: torch.Tensor) -> torch.Tensor:
    return F.normalize(x, p=2.0, dim=-1, eps=1e-6)


def div_out_none(x: torch.Tensor) -> torch.Tensor:
    return torch.div(x, 2.0, out=None)


def div_into(x: torch.Tensor, o: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    y = torch.div(x, 2.0, out=o)
    return y + 1, o


def normalize_into(x: torch.Tensor, out: Optional[torch.Tensor] = None) -> torch.Tensor:
    return F.normalize(x, dim=0, out=out)


def test_normalize() -> None:
    check_script(p_norm, [(torch.ones(3),), (torch.arange(6.0).view(2, 3),)], atol=1e-6)
    check_script(normalize_last_dim, [(torch.randn(2, 4),)], atol=1e-6)
    # torch.jit rejects an explicit `out=None` at the call site.
    check_script(div_out_none, [(torch.arange(3.0),)], torchscript=False)
    check_script(div_into, [(torch.arange(3.0), torch.zeros(3))])
    check_script(normalize_into, [(torch.arange(3.0),), (torch.arange(3.0), torch.zeros(3))],
                 atol=1e-6)  # fmt: skip


def test_out_variant_writes_its_output() -> None:
    s = hybridjit.script(div_into)
    for run in (*executors(s).values(), round_trip(s)):
        o = torch.zeros(3)
        y, o2 = run(torch.arange(3.0), o)
        assert torch.equal(o, torch.arange(3.0) / 2) and o2 is o


# -- torch.device(str) -----------------------------------------------------------------------


def p_device(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.device("cpu"))


def device_keyword(x: torch.Tensor) -> torch.Tensor:
    return torch.zeros(2, device=torch.device("cpu")) + x.to(device=torch.device("cpu"))


def device_str(x: torch.Tensor) -> str:
    d = torch.device("cpu")
    return str(d) + d.type + str(x.device == d)


def test_torch_device() -> None:
    check_script(p_device, [(torch.ones(2),)])
    check_script(device_keyword, [(torch.ones(2),)])
    check_script(device_str, [(torch.ones(2),)])


def item_sum(x: torch.Tensor) -> float:
    return x.norm(2).item() + x.sum().item()


def item_count(x: torch.Tensor) -> int:
    return x.sum().item()


def test_a_returned_scalar_converts_to_the_declared_number_type() -> None:
    # `.item()` is a Scalar; a `-> float` / `-> int` return converts it, as torch.jit does.
    check_script(item_sum, [(torch.ones(3),), (torch.arange(4.0),)])
    check_script(item_count, [(torch.ones(3, dtype=torch.long),)])


def item_declared_int(x: torch.Tensor) -> int:
    n: int = x.sum().item()
    return n


def item_declared_optional_float(x: torch.Tensor) -> Optional[float]:
    s: Optional[float] = x.sum().item()
    return s


def item_reassigned_int(x: torch.Tensor) -> int:
    n: int = 0
    n = x.sum().item()
    return n


@pytest.mark.parametrize("fn", [item_declared_int, item_declared_optional_float])
def test_a_scalar_in_an_annotated_assignment_is_refused_like_torch_jit(fn) -> None:  # noqa: ANN001
    """torch.jit refuses `n: int = x.item()` (eager would bind whatever `.item()` gives,
    a float for a float tensor): so does hybridjit, at compile time, naming the line."""
    with pytest.raises(RuntimeError, match="is being assigned to a value of type number"):
        torch.jit.script(fn)
    with pytest.raises(hybridjit.FrontendError,
                       match=r"Variable '\w' is annotated with type .* value of type number") as e:  # fmt: skip
        hybridjit.script(fn)
    assert ".sum().item()" in str(e.value)


def test_a_scalar_reassigned_to_a_declared_int_converts_like_torch_jit() -> None:
    check_script(item_reassigned_int, [(torch.ones(3, dtype=torch.long),)])
