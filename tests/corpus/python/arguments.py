"""Arguments: `*args`, `**kwargs`, keyword-only parameters with defaults, calls with `*seq`
and `**mapping` (lengths and keys known at compile time), for helpers and for the scripted
function itself (`*args: int` is a `Tuple[int, ...]`, `**kwargs: int` a `Dict[str, int]`)."""

from __future__ import annotations

from typing import Dict, List, Tuple

import torch
from tests.corpus import case, cases_in


def _total(*args: int) -> int:
    s = 0
    for a in args:
        s += a
    return s


def _describe(*args):
    # unannotated: compiled once per call shape (the types of what *args receives)
    return len(args), args


def _join(first: str, *rest: str, sep: str = ",") -> str:
    return sep.join([first] + [r for r in rest])


def _options(**kwargs: int) -> List[str]:
    return [f"{k}={v}" for k, v in kwargs.items()]


def _point(x: int, y: int, z: int = 0) -> int:
    return x * 100 + y * 10 + z


def _scaled(t: torch.Tensor, *, scale: float = 2.0, shift: float = 0.0) -> torch.Tensor:
    return t * scale + shift


def _mixed(a: int, b: int = 1, *args: int, c: int = 5, **kw: int) -> Tuple[int, int, int, int, int]:
    return a, b, len(args), c, len(kw)


def _first_or(*args: int, default: int = -1) -> int:
    if args:
        return args[0]
    return default


def _count_keys(**kwargs: float) -> Dict[str, float]:
    out: Dict[str, float] = {}
    for k in kwargs:
        out[k.upper()] = kwargs[k] * 2.0
    return out


@case((1,), (5,), (-3,), torchscript_ok=False)
def arg_varargs_helper_sum(x: int):
    return _total(), _total(x), _total(x, 2, 3), _total(*[x, x, x])


@case((2,), (0,), torchscript_ok=False)
def arg_varargs_unannotated_shapes(x: int):
    return _describe(), _describe(x), _describe(x, "s", 1.5)


@case(("a",), ("",), torchscript_ok=False)
def arg_varargs_with_keyword_only(s: str):
    return _join(s), _join(s, "b", "c"), _join(s, "b", sep="-")


@case((3,), (0,), torchscript_ok=False)
def arg_kwargs_helper(n: int):
    return _options(), _options(a=n), _options(b=2, a=n + 1)


@case((1, 2), (0, -4), torchscript_ok=False)
def arg_star_list_literal_call(a: int, b: int):
    return _point(*[a, b]), _point(*[a, b, 7]), _point(a, *[b])


@case((1, 2), (5, 5), torchscript_ok=False)
def arg_star_tuple_call(a: int, b: int):
    pair = (a, b)
    return _point(*pair), _point(*pair, 3), _point(*(b, a), z=1)


@case((4,), (-1,), torchscript_ok=False)
def arg_double_star_dict_literal(x: int):
    return _point(**{"x": x, "y": 2}), _point(1, **{"y": x}), _point(**dict(x=x, y=x, z=x))


@case((torch.tensor([1.0, 2.0]),), (torch.zeros(3),), torchscript_ok=False)
def arg_keyword_only_defaults(t: torch.Tensor):
    return _scaled(t), _scaled(t, scale=0.5), _scaled(t, shift=1.0, scale=-1.0)


@case((1,), (9,), torchscript_ok=False)
def arg_mixed_parameter_kinds(a: int):
    return _mixed(a), _mixed(a, 2, 3, 4), _mixed(a, c=0, d=1, e=2), _mixed(a, 2, 3, c=9, q=1)


@case((), (1,), (1, 2, 3), (-5, 0), torchscript_ok=False)
def arg_top_level_varargs(*args: int):
    return len(args), sum(args), args, [a * 2 for a in args]


@case((10,), (10, 1, 2), (0, -1), torchscript_ok=False)
def arg_top_level_positional_then_varargs(x: int, *rest: int):
    total = x
    for r in rest:
        total -= r
    return total, rest[1:], rest + (x,), x in rest


@case((), torchscript_ok=False)
def arg_top_level_kwargs(**kwargs: int):
    return sorted(kwargs.items()), len(kwargs)


@case((3,), (0,), torchscript_ok=False)
def arg_keyword_only_after_star(x: int, *, scale: int = 2, offset: int = 1):
    return x * scale + offset


@case((1,), (2,), torchscript_ok=False)
def arg_varargs_default_keyword(x: int):
    return _first_or(), _first_or(x), _first_or(default=x), _first_or(x + 1, x + 2, default=0)


@case(([1, 2, 3],), ([],), ([7],), torchscript_ok=False)
def arg_star_runtime_list_into_varargs(xs: List[int]):
    return _total(*xs), _first_or(*xs)


@case((1.5,), (0.0,), torchscript_ok=False)
def arg_kwargs_iteration(v: float):
    return _count_keys(a=v, b=v + 1.0), _count_keys()


@case((2,), (3,), torchscript_ok=False)
def arg_varargs_forwarded_as_tuple(n: int):
    t = (n, n + 1, n + 2)
    return _total(*t), _describe(*t)


@case(((1, 2, 3),), ((),), ((4,),), torchscript_ok=False)
def arg_variable_length_tuple_annotation(t: Tuple[int, ...]):
    s = 0
    for x in t:
        s += x
    return s, len(t), t[-1] if t else None, t * 2, list(t)


@case(((1, 2),), ((5,),), torchscript_ok=False)
def arg_variable_length_tuple_index_error(t: Tuple[int, ...]):
    return t[1]


@case((1, 2, 3), (1,), torchscript_ok=False)
def arg_top_level_varargs_unpack(*args: int):
    a, b, c = args  # ValueError unless exactly three
    return a + b + c


def _kw_only_required(*, name: str, times: int = 1) -> str:
    return name * times


@case(("ab",), ("",), torchscript_ok=False)
def arg_required_keyword_only(s: str):
    return _kw_only_required(name=s), _kw_only_required(times=3, name=s)


def _forward_options(**kw: int) -> List[str]:
    return _options(**kw)  # keys known only at run time: **kwargs takes a copy


@case(({"a": 1, "b": 2},), ({},), torchscript_ok=False)
def arg_kwargs_forwarded_from_dict(d: Dict[str, int]):
    out = _forward_options(**d)
    d["z"] = 0  # the callee's kwargs was a copy
    return out, d


CASES = cases_in(globals())
