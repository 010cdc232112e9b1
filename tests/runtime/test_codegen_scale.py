"""Code generation that scales (issue 12): long straight-line code and deeply nested control
flow compile under both executors and match eager.

The generated Python nests single-use values into expressions only so deep
(`MAX_EXPRESSION_DEPTH`) and moves control flow nested past `MAX_BLOCK_DEPTH` into helper
functions; CPython refuses 200 nested parentheses and 20 nested loops in one function.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any, Callable

import pytest
import torch

import hybridjit
from hybridjit import pipeline
from hybridjit.ir.parser import parse_ir
from hybridjit.ir.verifier import verify
from hybridjit.passes.cache_loop_invariants import cache_loop_invariants
from hybridjit.passes.constant_pooling import constant_pooling
from hybridjit.passes.dce import eliminate_dead_code
from hybridjit.runtime import codegen
from hybridjit.runtime.executors import PYTHON_EXECUTORS as EXECUTORS
from hybridjit.runtime.function import function_from_graph


@pytest.fixture(autouse=True)
def _verify_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "VERIFY_AFTER_EACH_PASS", True)


def load_function(tmp_path: Path, source: str, name: str = "f") -> Callable[..., Any]:
    """Import `source` from a real file (the script frontend reads it back with inspect)."""
    path = tmp_path / f"scale_{abs(hash(source))}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def straight_line(n: int, kind: str) -> str:
    body = "".join("    y = y * c + k\n" for _ in range(n))
    return f"from torch import Tensor\n\ndef f(y: {kind}, c: {kind}, k: {kind}) -> {kind}:\n" \
        f"{body}    return y\n"  # fmt: skip


def nested_source(loops: int, whiles: int, ifs: int) -> str:
    """`loops` for-loops, `whiles` while-loops with a `break`, then `ifs` ifs, nested in that
    order, each level updating `x`; only the outer three loops of each kind run more than
    once (`n` times), so the trip count stays small."""
    lines, pad = ["def f(x: int, n: int) -> int:"], "    "
    for d in range(loops):
        trips = "n" if d < 3 else "1"
        lines += [f"{pad}for i{d} in range({trips}):", f"{pad}    x = (x * 3 + i{d}) % 1000003"]
        pad += "    "
    for d in range(whiles):
        trips = "n + 1" if d < 3 else "1"
        lines += [f"{pad}w{d} = 0", f"{pad}while w{d} < {trips}:", f"{pad}    w{d} += 1",
                  f"{pad}    if x % 5 == {d % 5}:", f"{pad}        break",
                  f"{pad}    x = (x * 7 + w{d}) % 1000003"]  # fmt: skip
        pad += "    "
    for d in range(ifs):
        lines += [f"{pad}if x % {d + 2} != 1:", f"{pad}    x = x + {d}"]
        pad += "    "
        lines += [f"{pad}x = x * 2 % 1000003"]
    lines += [f"{pad}x = x - 1", "    return x"]
    return "\n".join(lines) + "\n"


def paren_depth(source: str) -> int:
    depth = deepest = 0
    for ch in source:
        depth += (ch == "(") - (ch == ")")
        deepest = max(deepest, depth)
    return deepest


def each_executor(fn: Any) -> dict[str, Callable[..., Any]]:
    return {"codegen": fn, **{e: fn.using(e) for e in EXECUTORS if e != "codegen"}}


# -- straight-line code -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scripted_10000(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """`y = y * c + k` 10,000 times on floats, and its scripted version."""
    f = load_function(tmp_path_factory.mktemp("scale"), straight_line(10_000, "float"))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(pipeline, "VERIFY_AFTER_EACH_PASS", True)
        return f, hybridjit.script(f)


def test_script_10000_statements_match_eager(scripted_10000: tuple[Any, Any]) -> None:
    f, sf = scripted_10000
    expected = f(1.5, 0.9999, 0.001)
    for name, run in each_executor(sf).items():
        assert run(1.5, 0.9999, 0.001) == expected, name
    source = sf.compiled().__hybridjit_source__
    assert paren_depth(source) <= codegen.MAX_EXPRESSION_DEPTH + 5
    assert source.count("\n") < 10_000  # still inlined: one line per 50 statements or so


def test_trace_10000_statements_match_eager(tmp_path: Path) -> None:
    f = load_function(tmp_path, straight_line(10_000, "Tensor"))
    args = (torch.linspace(0, 1, 5), torch.full((5,), 0.9999), torch.full((5,), 0.001))
    traced = hybridjit.trace(f, args, check_trace=False)
    expected = f(*args)
    for name, run in each_executor(traced).items():
        torch.testing.assert_close(run(*args), expected, msg=name)


@pytest.mark.slow
def test_trace_10000_statements_with_check(tmp_path: Path) -> None:
    f = load_function(tmp_path, straight_line(10_000, "Tensor"))
    args = (torch.ones(3), torch.full((3,), 0.9999), torch.full((3,), 0.001))
    torch.testing.assert_close(hybridjit.trace(f, args)(*args), f(*args))


def test_short_chains_still_nest_into_one_expression(tmp_path: Path) -> None:
    sf = hybridjit.script(load_function(tmp_path, straight_line(3, "float")))
    source = sf.compiled().__hybridjit_source__
    assert source.splitlines()[1] == "    return ((((((y_1 * c) + k) * c) + k) * c) + k)", source


def test_ir_passes_printer_and_verifier_on_10000_statements(
    scripted_10000: tuple[Any, Any],
) -> None:
    _, sf = scripted_10000
    graph = parse_ir(str(sf.graph))
    for run in (verify, eliminate_dead_code, constant_pooling, cache_loop_invariants, verify):
        run(graph)
    assert function_from_graph(graph)(2.0, 0.5, 1.0) == sf(2.0, 0.5, 1.0)


# -- nested control flow ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loops", "whiles", "ifs"),
    [(15, 0, 15), (9, 9, 12), (0, 0, 30), (10, 5, 0)],
    ids=["for15-if15", "for9-while9-if12", "if30", "for10-while5"],
)
def test_script_30_nested_levels_match_eager(tmp_path: Path, loops: int, whiles: int,
                                             ifs: int) -> None:  # fmt: skip
    f = load_function(tmp_path, nested_source(loops, whiles, ifs))
    sf = hybridjit.script(f)
    for name, run in each_executor(sf).items():
        for x, n in ((5, 1), (12, 2), (1, 0)):
            assert run(x, n) == f(x, n), (name, x, n)
    source = sf.compiled().__hybridjit_source__
    assert "_hj_region" in source
    assert max(len(line) - len(line.lstrip()) for line in source.splitlines()) <= 4 * 21


def test_trace_30_nested_levels_match_eager(tmp_path: Path) -> None:
    source = nested_source(10, 5, 15).replace("x: int", "x: torch.Tensor").replace(
        "-> int", "-> torch.Tensor").replace("x % ", "int(x.sum()) % ")  # fmt: skip
    f = load_function(tmp_path, "import torch\n\n" + source)
    x = torch.tensor([5, 7])
    traced = hybridjit.trace(lambda x: f(x, 1), (x,), check_trace=False)
    for name, run in each_executor(traced).items():
        assert torch.equal(run(x), f(x, 1)), name


def nested_loops_ir(depth: int) -> str:
    """`depth` nested prim::Loops, each carrying `x` and stopping early through its condition
    (`go = x % 7 != 1`, checked before each trip)."""
    head = ["graph(%x.1 : int, %n.1 : int):", "  %one : int = prim::Constant[value=1]()",
            "  %seven : int = prim::Constant[value=7]()"]  # fmt: skip
    lines, pad, cur = head, "  ", "%x.1"
    for d in range(depth):
        lines += [f"{pad}%m{d} : int = aten::remainder({cur}, %seven)",
                  f"{pad}%g{d} : bool = aten::ne(%m{d}, %one)",
                  f"{pad}%o{d} : int = prim::Loop(%n.1, %g{d}, {cur})",
                  f"{pad}  block0(%i{d} : int, %c{d} : int):"]  # fmt: skip
        pad, cur = pad + "    ", f"%c{d}"
    lines.append(f"{pad}%r : int = aten::add({cur}, %one)")
    out = "%r"
    for d in reversed(range(depth)):
        lines += [f"{pad}%s{d} : int = aten::mul({out}, %i{d})",
                  f"{pad}%t{d} : int = aten::add(%s{d}, %one)",
                  f"{pad}%h{d} : int = aten::remainder(%t{d}, %seven)",
                  f"{pad}%q{d} : bool = aten::ne(%h{d}, %one)",
                  f"{pad}-> (%q{d}, %t{d})"]  # fmt: skip
        pad, out = pad[:-4], f"%o{d}"
    lines.append(f"  return ({out})")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("depth", [21, 30, 60])
def test_deeply_nested_loops_agree_across_executors(depth: int) -> None:
    graph = parse_ir(nested_loops_ir(depth))
    verify(graph)
    runs = {e: function_from_graph(graph, e) for e in EXECUTORS}
    for x, n in ((3, 2), (5, 3), (8, 1), (0, 0)):
        results = {name: run(x, n) for name, run in runs.items()}
        assert len(set(results.values())) == 1, (x, n, results)
    source = codegen.generate_source(graph)
    assert source.count("def _hj_region") >= depth // codegen.MAX_BLOCK_DEPTH
    assert re.search(r"^ {84}", source, re.M) is None  # at most 20 levels of indentation


def test_ir_passes_and_printer_on_60_nested_loops() -> None:
    graph = parse_ir(nested_loops_ir(60))
    for run in (eliminate_dead_code, constant_pooling, cache_loop_invariants):
        run(graph)
        verify(graph)
    again = parse_ir(str(graph))
    assert str(again) == str(graph)
    assert function_from_graph(again)(5, 3) == function_from_graph(graph, "interpreter")(5, 3)
