"""Codegen specifics: the source it writes, linecache registration, escaping."""

from __future__ import annotations

import builtins
import inspect
import linecache
import traceback

import expecttest
import pytest
import torch

import hybridjit
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph, SourceRange
from hybridjit.runtime.codegen import compile_graph, generate_source
from hybridjit.runtime.function import function_from_graph
from hybridjit.runtime.pretty import graph_to_code

LOOP = """graph(%x.1 : Tensor, %n.1 : int):
  %t : bool = prim::Constant[value=1]()
  %1 : int = prim::Constant[value=1]()
  %z : Tensor = prim::Loop(%n.1, %t, %x.1) # f.py:2:4
    block0(%i.1 : int, %z.1 : Tensor):
      %j : int = aten::add(%i.1, %1) # f.py:3:16
      %z.2 : Tensor = aten::mul(%z.1, %j) # f.py:3:12
      -> (%t, %z.2)
  return (%z)
"""


class TestSource(expecttest.TestCase):
    def test_loop_becomes_a_for_with_inlined_scalar_ops(self) -> None:
        self.assertExpectedInline(
            generate_source(hybridjit.parse_ir(LOOP)),
            """\
def forward(x_1, n_1):
    z = x_1
    for i_1 in range(n_1):  # f.py:2:4
        z = z.mul((i_1 + 1))  # f.py:3:12
    return z
""",
        )

    def test_pretty_code_has_a_typed_signature(self) -> None:
        self.assertExpectedInline(
            graph_to_code(hybridjit.parse_ir(LOOP), "forward"),
            """\
def forward(x_1: Tensor, n_1: int) -> Tensor:
    z = x_1
    for i_1 in range(n_1):
        z = z.mul((i_1 + 1))
    return z
""",
        )


def test_source_is_registered_with_linecache() -> None:
    fn = compile_graph(hybridjit.parse_ir(LOOP), "forward")
    filename = fn.__code__.co_filename
    assert filename.startswith("<hybridjit-codegen-") and filename.endswith(":forward>")
    assert linecache.getline(filename, 1).startswith("def forward(")
    assert inspect.getsource(fn) == fn.__hybridjit_source__


def test_traceback_shows_the_generated_line_and_source_location() -> None:
    fn = compile_graph(hybridjit.parse_ir(LOOP), "forward")
    with pytest.raises(AttributeError) as info:
        fn("not a tensor", 2)
    text = "".join(traceback.format_exception(info.value))
    assert "z = z.mul((i_1 + 1))  # f.py:3:12" in text


def test_each_compile_gets_a_unique_filename() -> None:
    graph = hybridjit.parse_ir(LOOP)
    a, b = compile_graph(graph), compile_graph(graph)
    assert a.__code__.co_filename != b.__code__.co_filename


HOSTILE = 'x"); __import__("builtins").HJ_INJECTED = 1 #\nimport os; ("'


def _hostile_graph() -> Graph:
    g = Graph()
    x = g.add_input(T.StrType, HOSTILE)
    for name in ("if", "len", "_hj_x", "1abc"):
        g.add_input(T.IntType, name)
    c = g.constant(HOSTILE + "'''\\", T.StrType)
    node = g.insert_node("aten::add", [x, c], [T.StrType],
                         source_range=SourceRange("evil\nHJ_INJECTED = 2\n.py", 1, 0))  # fmt: skip
    node.output.set_debug_name("len")
    from hybridjit.ops.registry import schemas_for

    node.schema = next(s for s in schemas_for("aten::add") if s.overload_name == "str")
    g.register_output(node.output)
    return g


@pytest.mark.parametrize("executor", ["codegen", "interpreter"])
def test_hostile_names_and_strings_do_not_inject_code(executor: str) -> None:
    fn = function_from_graph(_hostile_graph(), executor)
    assert fn("a", 1, 2, 3, 4) == "a" + HOSTILE + "'''\\"
    assert not hasattr(builtins, "HJ_INJECTED")


def test_hostile_names_become_plain_identifiers() -> None:
    source = generate_source(_hostile_graph(), "f(); import os #")
    header = source.splitlines()[0]
    assert header.startswith("def f____import_os__(x_")
    assert "\nimport os" not in source and "HJ_INJECTED = 2\n" not in source


def test_non_finite_float_and_tensor_constants_are_bound() -> None:
    g = Graph()
    x = g.add_input(T.TENSOR, "x")
    inf = g.constant(float("inf"), T.FloatType)
    node = g.insert_node("aten::add", [x, g.constant(torch.tensor([1.0, 2.0]), T.TENSOR),
                                       g.constant(1, T.IntType)], [T.TENSOR])  # fmt: skip
    from hybridjit.ops.registry import schemas_for

    node.schema = next(s for s in schemas_for("aten::add") if s.overload_name == "Tensor")
    out = g.insert_node("prim::TupleConstruct", [node.output, inf],
                        [T.TupleType((T.TENSOR, T.FloatType))])  # fmt: skip
    g.register_output(out.output)
    result, f = compile_graph(g)(torch.zeros(2))
    assert torch.equal(result, torch.tensor([1.0, 2.0])) and f == float("inf")


# -- cheaper call forms ------------------------------------------------------------------------

CHUNKED = """graph(%x : Tensor, %n : int):
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %zero : int = prim::Constant[value=0]()
  %sizes : int[] = prim::ListConstruct(%n, %two)
  %y : Tensor = aten::view(%x, %sizes)
  %r : Tensor = aten::select(%y, %zero, %one)
  %parts : Tensor[] = aten::chunk(%r, %two, %zero)
  %a : Tensor, %b : Tensor = prim::ListUnpack(%parts)
  %t : (Tensor, Tensor) = prim::TupleConstruct(%a, %b)
  return (%t)
"""


class TestCallForms(expecttest.TestCase):
    def test_varargs_sizes_subscript_select_and_unpacked_chunk(self) -> None:
        graph = hybridjit.parse_ir(CHUNKED)
        self.assertExpectedInline(
            generate_source(graph),
            """\
def forward(x, n):
    a, b, = x.view(n, 2)[1].chunk(2)
    return (a, b)
""",
        )
        x = torch.arange(8.0)
        for executor in ("codegen", "interpreter"):
            a, b = function_from_graph(graph, executor)(x, 4)
            assert a.tolist() == [2.0] and b.tolist() == [3.0]


def _graph_of(fn: object) -> Graph:
    return hybridjit.script(fn).graph


def sizes(x: torch.Tensor, n: int) -> torch.Tensor:
    y = x.view(n, -1).reshape([-1, n]).permute(1, 0).flip([0]).repeat([2, 1])
    return y.expand([3, 4, n * 2]) + torch.zeros([n * 2]) + torch.ones([1], dtype=torch.int64)


def test_varargs_size_forms_run_like_eager() -> None:
    source = hybridjit.script(sizes).compiled().__hybridjit_source__
    assert ".view(n, (-1))" in source and "_hj_zeros((n * 2))" in source
    x = torch.arange(8.0)
    expected = sizes(x, 2)
    for executor in ("codegen", "interpreter"):
        assert torch.equal(function_from_graph(_graph_of(sizes), executor)(x, 2), expected)


def unpack_if(x: torch.Tensor, flag: bool) -> torch.Tensor:
    a, b = x.chunk(2)
    if flag:
        a = a + 1
    return a - b


def test_unpacked_chunk_is_not_copied_to_a_list() -> None:
    source = hybridjit.script(unpack_if).compiled().__hybridjit_source__
    assert "a_1, b, = x.chunk(2)" in source and "list(" not in source
    x = torch.arange(4.0)
    for flag in (True, False):
        assert torch.equal(hybridjit.script(unpack_if)(x, flag), unpack_if(x, flag))


def test_empty_else_is_left_out() -> None:
    source = hybridjit.script(rnn_like).compiled().__hybridjit_source__
    assert "else:" not in source and "pass" not in source


def rnn_like(xs: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    h = xs[0]
    for t in range(xs.size(0)):
        h = torch.mm(xs[t], w.t()) + h
    return h


def test_straight_line_function_has_no_pass() -> None:
    def f(x: torch.Tensor) -> torch.Tensor:
        return x.relu()

    assert "pass" not in hybridjit.script(f).compiled().__hybridjit_source__


def halve_until(x: torch.Tensor, limit: float) -> torch.Tensor:
    while bool(x.abs().max() > limit):
        x = x / 2
    return x


class TestWhileLoops(expecttest.TestCase):
    def test_a_while_loop_is_written_as_while(self) -> None:
        fn = hybridjit.script(halve_until)
        self.assertExpectedInline(fn.code, """\
def halve_until(x_1: Tensor, limit: float) -> Tensor:
    v6 = bool(x_1.abs().max().gt(limit))
    x = x_1
    go = v6
    while go:
        x = x.div(2)
        v16 = bool(x.abs().max().gt(limit))
        go = v16
    return x
""")  # fmt: skip
        for start, limit in ((10.0, 1.0), (0.5, 1.0), (-300.0, 0.1)):
            x = torch.full((3,), start)
            for run in (fn, fn.using("interpreter")):
                self.assertTrue(torch.equal(run(x, limit), halve_until(x, limit)))
