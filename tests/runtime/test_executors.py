"""Both executors on hand-written graphs: control flow, calls, exceptions, agreement."""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest
import torch

import hybridjit
from hybridjit.errors import Error
from hybridjit.ir import types as T
from hybridjit.runtime.executors import PYTHON_EXECUTORS as EXECUTORS
from hybridjit.runtime.function import function_from_graph


def compiled(text: str) -> dict[str, Callable[..., Any]]:
    graph = hybridjit.parse_ir(text)
    return {e: function_from_graph(graph, e) for e in EXECUTORS}


def check(text: str, *cases: tuple[tuple[Any, ...], Any]) -> None:
    """Every executor maps each argument tuple to the expected result."""
    for name, fn in compiled(text).items():
        for args, expected in cases:
            result = fn(*args)
            assert result == expected and type(result) is type(expected), (name, args, result)


IF_GRAPH = """graph(%x.1 : int):
  %1 : int = prim::Constant[value=0]()
  %2 : str = prim::Constant[value="pos"]()
  %3 : str = prim::Constant[value="neg"]()
  %4 : bool = aten::gt(%x.1, %1)
  %y : str = prim::If(%4)
    block0():
      -> (%2)
    block1():
      -> (%3)
  return (%y)
"""


def test_if_picks_the_branch() -> None:
    check(IF_GRAPH, ((3,), "pos"), ((-1,), "neg"), ((0,), "neg"))


FOR_GRAPH = """graph(%n.1 : int):
  %t : bool = prim::Constant[value=1]()
  %0 : int = prim::Constant[value=0]()
  %acc : int = prim::Loop(%n.1, %t, %0)
    block0(%i.1 : int, %acc.1 : int):
      %acc.2 : int = aten::add(%acc.1, %i.1)
      -> (%t, %acc.2)
  return (%acc)
"""


def test_for_loop_sums_and_runs_zero_trips() -> None:
    check(FOR_GRAPH, ((5,), 10), ((0,), 0), ((-3,), 0))


WHILE_GRAPH = """graph(%n.1 : int):
  %max : int = prim::Constant[value=9223372036854775807]()
  %1 : int = prim::Constant[value=1]()
  %0 : int = prim::Constant[value=0]()
  %go : bool = aten::gt(%n.1, %0)
  %r : int, %steps : int = prim::Loop(%max, %go, %n.1, %0)
    block0(%i : int, %m.1 : int, %s.1 : int):
      %m.2 : int = aten::floordiv(%m.1, %1)
      %m.3 : int = aten::sub(%m.2, %1)
      %s.2 : int = aten::add(%s.1, %1)
      %c : bool = aten::gt(%m.3, %0)
      -> (%c, %m.3, %s.2)
  %out : (int, int) = prim::TupleConstruct(%r, %steps)
  return (%out)
"""


def test_while_loop_stops_on_its_condition() -> None:
    check(WHILE_GRAPH, ((4,), (0, 4)), ((0,), (0, 0)), ((1,), (0, 1)))


SWAP_GRAPH = """graph(%n.1 : int):
  %t : bool = prim::Constant[value=1]()
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %a : int, %b : int = prim::Loop(%n.1, %t, %0, %1)
    block0(%i : int, %a.1 : int, %b.1 : int):
      %s : int = aten::add(%a.1, %b.1)
      -> (%t, %b.1, %s)
  return (%a)
"""


def test_loop_carried_values_swap_in_parallel() -> None:
    # fibonacci: (a, b) = (b, a + b)
    check(SWAP_GRAPH, ((0,), 0), ((1,), 1), ((10,), 55))


READ_AFTER_WRITE = """graph(%n.1 : int):
  %t : bool = prim::Constant[value=1]()
  %1 : int = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=2]()
  %a : int, %d : int = prim::Loop(%n.1, %t, %1, %1)
    block0(%i : int, %a.1 : int, %d.1 : int):
      %a.2 : int = aten::mul(%a.1, %2)
      %d.2 : int = aten::add(%a.1, %d.1)
      -> (%t, %a.2, %d.2)
  %out : (int, int) = prim::TupleConstruct(%a, %d)
  return (%out)
"""


def test_carried_value_read_after_its_update_sees_the_old_value() -> None:
    check(READ_AFTER_WRITE, ((3,), (8, 8)), ((0,), (1, 1)))


NESTED = """graph(%n.1 : int):
  %t : bool = prim::Constant[value=1]()
  %0 : int = prim::Constant[value=0]()
  %2 : int = prim::Constant[value=2]()
  %acc : int = prim::Loop(%n.1, %t, %0)
    block0(%i : int, %acc.1 : int):
      %inner : int = prim::Loop(%i, %t, %acc.1)
        block0(%j : int, %x.1 : int):
          %r : int = aten::remainder(%j, %2)
          %even : bool = aten::eq(%r, %0)
          %x.3 : int = prim::If(%even)
            block0():
              %x.2 : int = aten::add(%x.1, %j)
              -> (%x.2)
            block1():
              -> (%x.1)
          -> (%t, %x.3)
      -> (%t, %inner)
  return (%acc)
"""


def test_nested_loops_with_an_if() -> None:
    expected = sum(j for i in range(6) for j in range(i) if j % 2 == 0)
    check(NESTED, ((6,), expected), ((0,), 0))


BREAK_GRAPH = """graph(%xs.1 : int[], %stop.1 : int):
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %0 : int = prim::Constant[value=0]()
  %n : int = aten::len(%xs.1)
  %found : int = prim::Loop(%n, %t, %0)
    block0(%i : int, %c.1 : int):
      %x : int = aten::__getitem__(%xs.1, %i)
      %hit : bool = aten::eq(%x, %stop.1)
      %go : bool, %c.2 : int = prim::If(%hit)
        block0():
          -> (%f, %c.1)
        block1():
          %c.3 : int = aten::add(%c.1, %x)
          -> (%t, %c.3)
      -> (%go, %c.2)
  return (%found)
"""


def test_for_loop_with_break_condition() -> None:
    check(BREAK_GRAPH, (([1, 2, 3, 4], 3), 3), (([], 3), 0), (([5, 6], 9), 11))


def test_list_and_dict_ops_mutate_in_place() -> None:
    text = """graph(%l.1 : int[], %d.1 : Dict(str, int)):
  %1 : int = prim::Constant[value=7]()
  %k : str = prim::Constant[value="k"]()
  %2 : int[] = aten::append(%l.1, %1)
   = aten::_set_item(%d.1, %k, %1)
  %n : int = aten::len(%l.1)
  return (%n)
"""
    for fn in compiled(text).values():
        lst, dct = [1], {}
        assert fn(lst, dct) == 2
        assert lst == [1, 7] and dct == {"k": 7}


def test_tensor_ops_with_dtype_and_alpha() -> None:
    text = """graph(%x.1 : Tensor, %y.1 : Tensor):
  %2 : int = prim::Constant[value=2]()
  %7 : int = prim::Constant[value=7]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %a : Tensor = aten::add(%x.1, %y.1, %2)
  %b : Tensor = aten::to(%a, %7, %f, %f, %none)
  %dt : int = prim::dtype(%b)
  %out : (Tensor, int) = prim::TupleConstruct(%b, %dt)
  return (%out)
"""
    x, y = torch.ones(2), torch.arange(2.0)
    for fn in compiled(text).values():
        t, dtype = fn(x, y)
        assert dtype == 7 and t.dtype == torch.float64
        assert torch.equal(t, (x + 2 * y).double())


def test_unpacking_a_short_list_raises_value_error() -> None:
    text = """graph(%l.1 : int[]):
  %a : int, %b : int = prim::ListUnpack(%l.1)
  %s : int = aten::add(%a, %b)
  return (%s)
"""
    for fn in compiled(text).values():
        assert fn([1, 2]) == 3
        with pytest.raises(ValueError, match="values to unpack"):
            fn([1])


RAISE = """graph(%x.1 : int):
  %0 : int = prim::Constant[value=0]()
  %msg : str = prim::Constant[value="x must be positive"]()
  %cls : str = prim::Constant[value="builtins.ValueError"]()
  %amsg : str = prim::Constant[value="AssertionError: x is zero"]()
  %none : NoneType = prim::Constant()
  %neg : bool = aten::lt(%x.1, %0)
   = prim::If(%neg)
    block0():
       = prim::RaiseException(%msg, %cls)
      -> ()
    block1():
      -> ()
  %zero : bool = aten::eq(%x.1, %0)
   = prim::If(%zero)
    block0():
       = prim::RaiseException(%amsg, %none)
      -> ()
    block1():
      -> ()
  %q : int = aten::floordiv(%x.1, %x.1)
  return (%q)
"""


@pytest.mark.parametrize("executor", EXECUTORS)
def test_raised_exceptions_keep_their_python_type(executor: str) -> None:
    fn = function_from_graph(hybridjit.parse_ir(RAISE), executor)
    assert fn(3) == 1
    with pytest.raises(ValueError, match="^x must be positive$"):
        fn(-1)
    with pytest.raises(AssertionError, match="^x is zero$"):
        fn(0)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_op_errors_keep_their_type(executor: str) -> None:
    text = """graph(%a.1 : int, %l.1 : int[], %x.1 : Tensor):
  %q : int = aten::floordiv(%a.1, %a.1)
  %e : int = aten::__getitem__(%l.1, %a.1)
  %y : Tensor = aten::mm(%x.1, %x.1)
  return (%y)
"""
    fn = function_from_graph(hybridjit.parse_ir(text), executor)
    with pytest.raises(ZeroDivisionError):
        fn(0, [], torch.ones(2, 2))
    with pytest.raises(IndexError):
        fn(5, [1], torch.ones(2, 2))
    with pytest.raises(RuntimeError):
        fn(1, [1, 2], torch.ones(2, 3))


def test_interpreter_notes_the_failing_node() -> None:
    text = """graph(%a.1 : int):
  %q : int = aten::floordiv(%a.1, %a.1)
  return (%q)
"""
    fn = function_from_graph(hybridjit.parse_ir(text), "interpreter")
    with pytest.raises(ZeroDivisionError) as info:
        fn(0)
    notes = getattr(info.value, "__notes__", ["while executing aten::floordiv"])
    assert any("aten::floordiv" in n for n in notes)


def test_call_function_calls_the_callee_on_the_type() -> None:
    callee_graph = hybridjit.parse_ir("""graph(%x.1 : int):
  %2 : int = prim::Constant[value=2]()
  %y : int = aten::mul(%x.1, %2)
  return (%y)
""")
    text = """graph(%x.1 : int):
  %f : Function = prim::Constant[name="double"]()
  %y : int = prim::CallFunction(%f, %x.1)
  return (%y)
"""
    for executor in EXECUTORS:
        graph = hybridjit.parse_ir(text)
        f = next(n for n in graph.all_nodes() if n.kind == "prim::Constant").output
        f.type = T.FunctionType(callee=function_from_graph(callee_graph, executor))
        assert function_from_graph(graph, executor)(21) == 42


def test_call_function_without_callee_is_an_error() -> None:
    graph = hybridjit.parse_ir("""graph(%x.1 : int):
  %f : Function = prim::Constant[name="g"]()
  %y : int = prim::CallFunction(%f, %x.1)
  return (%y)
""")
    with pytest.raises(Error, match=re.escape("the callee of %f is unknown")):
        function_from_graph(graph, "codegen")
    with pytest.raises(Error, match="unknown"):
        function_from_graph(graph, "interpreter")(1)


def test_get_set_attr_and_call_method_on_objects() -> None:
    class Box:
        def __init__(self) -> None:
            self.w = 3

        def scale(self, x: int) -> int:
            return x * self.w

    box_type = T.ClassType("__torch__.Box")
    text = """graph(%self : __torch__.Box, %x.1 : int):
  %w : int = prim::GetAttr[name="w"](%self)
  %w2 : int = aten::add(%w, %x.1)
   = prim::SetAttr[name="w"](%self, %w2)
  %y : int = prim::CallMethod[name="scale"](%self, %x.1)
  return (%y)
"""
    graph = hybridjit.parse_ir(text, class_types={"__torch__.Box": box_type})
    for executor in EXECUTORS:
        box = Box()
        assert function_from_graph(graph, executor)(box, 2) == 10
        assert box.w == 5


def test_unknown_executor_is_an_error() -> None:
    with pytest.raises(Error, match="executor must be one of"):
        function_from_graph(hybridjit.parse_ir(FOR_GRAPH), "jit")
