"""Language features beyond the corpus: grad mode, classes, Attribute, CompilationUnit,
is_scripting, inlined graphs, keyword calls and defaults."""

from __future__ import annotations

from typing import List, Optional

import pytest
import torch
from tests.corpus.script_programs import nots_for_else
from tests.differential import check_script
from tests.frontend.script_helpers import executors

import hybridjit
from hybridjit.ir.verifier import verify
from hybridjit.ops.prims import PRIMS
from hybridjit.ops.registry import has_op
from hybridjit.runtime.executors import PYTHON_EXECUTORS as EXECUTORS
from hybridjit.runtime.function import function_from_graph


def no_grad_block(x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        y = x * 2
    return y + x


def test_no_grad_switches_grad_mode_inside_the_block() -> None:
    f = hybridjit.script(no_grad_block)
    x = torch.ones(2, requires_grad=True)
    out = f(x)
    assert out.requires_grad and torch.is_grad_enabled()
    kinds = [n.kind for n in f.graph.nodes()]
    assert kinds.count("aten::set_grad_enabled") == 2


class Counter:
    def __init__(self, start: int) -> None:
        self.n = start
        self.hist: List[int] = []

    def bump(self, k: int) -> int:
        self.n += k
        self.hist.append(self.n)
        return self.n


def uses_class(x: int) -> List[int]:
    c = Counter(x)
    c.bump(2)
    c.bump(3)
    return c.hist + [c.n]


def test_script_class_fields_and_methods() -> None:
    f = hybridjit.script(uses_class)
    assert f(1) == uses_class(1) == [3, 6, 6]
    assert hybridjit.script(Counter) is Counter


class WithAttribute(hybridjit.ScriptModule):
    def __init__(self) -> None:
        super().__init__()
        self.seen = hybridjit.Attribute([], List[int])
        self.best: Optional[int] = None

    @hybridjit.script_method
    def forward(self, x: int) -> int:
        self.seen.append(x)
        return len(self.seen)


def test_attribute_declares_the_type_of_an_empty_list() -> None:
    m = WithAttribute()
    assert m(5) == 1 and m(6) == 2
    assert m.seen == [5, 6]


def scripting_flag(x: int) -> int:
    if torch.jit.is_scripting() and hybridjit.is_scripting():
        return x + 1
    return x - 1


def test_is_scripting_is_true_in_compiled_code() -> None:
    assert hybridjit.script(scripting_flag)(1) == 2
    assert scripting_flag(1) == 0
    assert "aten::sub" not in str(hybridjit.script(scripting_flag).graph)


def test_compilation_unit_defines_functions() -> None:
    cu = hybridjit.CompilationUnit(
        """
def double(x: int) -> int:
    return x * 2

def quad(x: int) -> int:
    return double(double(x))
"""
    )
    assert cu.quad(3) == 12


def defaults(x: int, y: int = 3, *, z: int = 4) -> int:
    return x + 10 * y + 100 * z


def calls_with_keywords(x: int) -> int:
    return defaults(x, z=1) + defaults(x, y=2)


def test_keyword_arguments_and_defaults() -> None:
    f = hybridjit.script(calls_with_keywords)
    assert f(1) == calls_with_keywords(1)
    assert hybridjit.script(defaults)(1, z=2) == defaults(1, z=2)


# -- Python beyond TorchScript: each compiles, matches eager on both executors, and its graph
# prints, parses back, verifies and still runs, and survives an archive.


def str_repeat(s: str, n: int) -> str:
    return s * n + 2 * s


def int_invert(x: int) -> int:
    return ~x


def int_pow(n: int) -> int:
    return 2**n + n**2


def int_pow_negative_constant(n: int) -> float:
    return n**-2


def fstring_format_spec(x: float, n: int, w: int) -> str:
    return f"{x:.2f}|{n:>4}|{n:0{w}d}|{'ab':^6}|" + format(x, "+.1e") + format(n)


def reversed_builtin(xs: List[int], s: str) -> List[str]:
    out: List[str] = []
    for x in reversed(xs):
        out.append(str(x))
    for ch in reversed(s):
        out.append(ch)
    return out + list(reversed(out))


def while_else_without_break(n: int) -> int:
    i = 0
    while i < n:
        i += 1
    else:
        i += 100
    return i


def nested_loop_else(xss: List[List[int]]) -> int:
    # The inner loop's breaks are its own; the inner `else` continues the outer loop.
    hits = 0
    for xs in xss:
        for x in xs:
            if x < 0:
                break
        else:
            hits += 1
            continue
        hits += 10
        if hits > 25:
            break
    else:
        hits += 1000
    return hits


def while_else_with_break(n: int) -> int:
    i = 0
    while i < 10:
        i += 1
        if i == n:
            break
    else:
        i = -1
    return i


def walrus_in_loop(xs: List[int]) -> int:
    total = 0
    y = -5
    for x in xs:
        if (y := x * 2) > 2:
            total += y
    return total + y


BEYOND_TORCHSCRIPT = [
    (nots_for_else, [([1, 2, 3], 2), ([], 1), ([1], 5)]),
    (while_else_without_break, [(5,), (0,)]),
    (nested_loop_else, [([[1], [-1], [2]],), ([[-1], [-1], [-1], [1]],), ([],)]),
    (while_else_with_break, [(3,), (11,)]),
    (walrus_in_loop, [([1, 2, 3],), ([],)]),
    (str_repeat, [("ab", 3), ("x", 0), ("x", -2), ("", 4)]),
    (int_invert, [(7,), (-8,), (0,)]),
    # A negative exponent gives eager's float, even where the static type says int.
    (int_pow, [(5,), (0,), (-1,)]),
    (int_pow_negative_constant, [(2,), (-4,)]),
    (fstring_format_spec, [(1.2345, 7, 5), (-2.0, -3, 2), (1e10, 123456, 0)]),
    (reversed_builtin, [([1, 2, 3], "ab"), ([], "")]),
]


@pytest.mark.parametrize("fn,inputs", BEYOND_TORCHSCRIPT,
                         ids=[fn.__name__ for fn, _ in BEYOND_TORCHSCRIPT])  # fmt: skip
def test_beyond_torchscript_matches_eager(fn, inputs, tmp_path) -> None:
    sf = hybridjit.script(fn)
    reparsed = hybridjit.parse_ir(str(sf.graph))
    verify(reparsed)
    runners = dict(executors(sf))
    for executor in EXECUTORS:
        runners[f"reparsed-{executor}"] = function_from_graph(reparsed, executor, fn.__name__)
    hybridjit.save(sf, tmp_path / "f.pt")
    runners["archive"] = hybridjit.load(tmp_path / "f.pt")
    for args in inputs:
        expected = fn(*args)
        for who, run in runners.items():
            got = run(*args)
            assert got == expected and type(got) is type(expected), (who, args, got, expected)


def test_beyond_torchscript_ops_are_registered_or_documented_prims() -> None:
    kinds = {n.kind for fn, _ in BEYOND_TORCHSCRIPT for n in hybridjit.script(fn).graph.nodes()}
    assert {"prim::format", "prim::int_pow", "aten::join", "aten::slice"} <= kinds
    assert "aten::bitwise_not" not in kinds
    assert all(k in PRIMS or has_op(k) for k in kinds), kinds


def test_int_invert_of_bool_still_names_the_type() -> None:
    def f(b: bool) -> int:
        return ~b

    with pytest.raises(hybridjit.FrontendError, match="bitwise_not"):
        hybridjit.script(f)


def test_reversed_of_an_int_is_rejected() -> None:
    def f(n: int) -> int:
        for i in reversed(n):
            return i
        return 0

    with pytest.raises(hybridjit.FrontendError, match="expected reversed\\(\\) of a list or str"):
        hybridjit.script(f)


def test_loop_else_flag_is_set_only_by_breaks_of_that_loop() -> None:
    kinds = [n.kind for n in hybridjit.script(while_else_without_break).graph.nodes()]
    assert "prim::If" not in kinds  # no break: the else block just follows the loop
    graph = str(hybridjit.script(nots_for_else).graph)
    assert "$" not in graph and graph.count("prim::Loop") == 1


def _tolist_annotated(x: torch.Tensor) -> float:
    vals: List[float] = x.tolist()
    return vals[0] + vals[-1]


def _tolist_returned(x: torch.Tensor) -> List[List[int]]:
    return x.tolist()


def test_tolist_takes_its_type_from_an_annotated_assignment_or_the_return() -> None:
    check_script(_tolist_annotated, [(torch.tensor([1.5, 2.0]),)])
    check_script(_tolist_returned, [(torch.tensor([[1, 2], [3, 4]]),)], torchscript=False)


def test_tolist_refuses_a_tensor_the_annotation_does_not_describe() -> None:
    f = hybridjit.script(_tolist_annotated)
    for run in (f, f.using("interpreter")):
        with pytest.raises(RuntimeError, match="float elements"):
            run(torch.tensor([1, 2]))
        with pytest.raises(RuntimeError, match="1 dimensions"):
            run(torch.ones(2, 2))


def _format_named(a: int, b: float) -> str:
    return "{x}-{0}-{y:.2f}-{{z}}".format(a, x=a + 1, y=b)  # noqa: UP032 - str.format under test


def test_str_format_takes_named_fields() -> None:
    # torch.jit refuses keyword arguments to str.format; Python (and hybridjit) take them.
    check_script(_format_named, [(4, 2.5), (0, -1.0)], torchscript=False)


# -- found by source mutations (tests/property/test_source_mutations.py) ----------------------


def unary_plus(b: bool, x: torch.Tensor, i: int, f: float):
    return str(+b), +b, +x, +i, +f


def test_unary_plus_is_python_s() -> None:
    cases = [(True, torch.ones(2), 3, 2.5), (False, torch.zeros(1), -1, 0.0)]
    check_script(unary_plus, cases, torchscript=False)  # torch.jit fails on `+x`
    for run in executors(hybridjit.script(unary_plus)).values():
        with pytest.raises(RuntimeError, match="on a bool tensor"):
            run(True, torch.tensor([True]), 1, 1.0)  # eager: `+` on a bool tensor is an error


def none_after_ellipsis(x: torch.Tensor):
    return x[..., None], x[..., None, 0], x[None, ..., None], x[..., 1:, None, 0]


def assign_after_ellipsis(x: torch.Tensor) -> torch.Tensor:
    x[..., None, 1] = 2.0
    x[..., 1:2, None] = 4.0
    x[..., None] = x[..., None] + 0.5
    return x


def test_none_after_ellipsis_adds_a_dim_at_the_end() -> None:
    # x[..., None] compiled to x itself (the None after `...` was skipped).
    x = torch.arange(24.0).reshape(2, 3, 4)
    check_script(none_after_ellipsis, [(x,)])
    check_script(assign_after_ellipsis, [(torch.zeros(2, 3, 4),)])
