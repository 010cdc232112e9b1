"""Clean-up passes: before/after IR text, semantics kept, idempotent, verifier-clean."""

from __future__ import annotations

import expecttest

import hybridjit
from hybridjit.ir.parser import parse_ir
from hybridjit.ir.verifier import verify
from hybridjit.passes.constant_pooling import constant_pooling
from hybridjit.passes.dce import eliminate_dead_code
from hybridjit.passes.inline import inline_calls
from hybridjit.passes.simplify_if import simplify_if_outputs


def _helper(x: int) -> int:
    return x * 2


def _caller(x: int) -> int:
    return _helper(x) + 1


class TestPasses(expecttest.TestCase):
    def test_dce_removes_unused_pure_nodes_and_keeps_side_effects(self) -> None:
        g = parse_ir(
            """graph(%x : int):
  %1 : int = prim::Constant[value=1]()
  %2 : int = aten::add(%x, %1)
  %3 : str = prim::Constant[value="hi"]()
   = prim::Print(%3)
  return (%x)"""
        )
        assert eliminate_dead_code(g)
        verify(g)
        self.assertExpectedInline(
            g.str(False),
            """\
graph(%x : int):
  %3 : str = prim::Constant[value="hi"]()
   = prim::Print(%3)
  return (%x)
""",
        )
        assert not eliminate_dead_code(g)

    def test_dce_drops_unused_if_outputs(self) -> None:
        g = parse_ir(
            """graph(%c : bool, %x : int):
  %1 : int = prim::Constant[value=1]()
  %a : int, %b : int = prim::If(%c)
    block0():
      %y : int = aten::add(%x, %1)
      -> (%y, %x)
    block1():
      -> (%x, %1)
  return (%b)"""
        )
        assert eliminate_dead_code(g)
        verify(g)
        self.assertExpectedInline(
            g.str(False),
            """\
graph(%c : bool,
      %x : int):
  %1 : int = prim::Constant[value=1]()
  %b : int = prim::If(%c)
    block0():
      -> (%x)
    block1():
      -> (%1)
  return (%b)
""",
        )

    def test_constant_pooling_hoists_and_merges(self) -> None:
        g = parse_ir(
            """graph(%x : int):
  %a : int = aten::mul(%x, %x)
  %1 : int = prim::Constant[value=2]()
  %b : int = aten::add(%a, %1)
  %2 : int = prim::Constant[value=2]()
  %c : int = aten::add(%b, %2)
  %3 : float = prim::Constant[value=2.]()
  %d : float = aten::add(%c, %3)
  return (%d)"""
        )
        assert constant_pooling(g)
        verify(g)
        self.assertExpectedInline(
            g.str(False),
            """\
graph(%x : int):
  %1 : int = prim::Constant[value=2]()
  %3 : float = prim::Constant[value=2.]()
  %a : int = aten::mul(%x, %x)
  %b : int = aten::add(%a, %1)
  %c : int = aten::add(%b, %1)
  %d : float = aten::add(%c, %3)
  return (%d)
""",
        )
        assert not constant_pooling(g)

    def test_simplify_if_forwards_the_condition_and_shared_values(self) -> None:
        g = parse_ir(
            """graph(%c : bool, %x : int):
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %a : bool, %b : int = prim::If(%c)
    block0():
      -> (%t, %x)
    block1():
      -> (%f, %x)
  %r : (bool, int) = prim::TupleConstruct(%a, %b)
  return (%r)"""
        )
        assert simplify_if_outputs(g)
        eliminate_dead_code(g)
        verify(g)
        self.assertExpectedInline(
            g.str(False),
            """\
graph(%c : bool,
      %x : int):
  %r : (bool, int) = prim::TupleConstruct(%c, %x)
  return (%r)
""",
        )
        assert not simplify_if_outputs(g)

    def test_inline_replaces_calls_of_script_functions(self) -> None:
        f = hybridjit.script(_caller)
        assert "prim::CallFunction" in str(f.graph)  # `.graph` keeps calls, as torch.jit does
        g = f.inlined_graph
        verify(g)
        kinds = [n.kind for n in g.nodes()]
        assert "prim::CallFunction" not in kinds and "aten::mul" in kinds
        assert not inline_calls(g)
        from hybridjit.runtime.function import function_from_graph

        assert function_from_graph(g)(5) == 11


def test_scripted_graphs_are_verifier_clean() -> None:
    from tests.corpus.script_programs import CASES

    for case in CASES:
        try:
            sf = hybridjit.script(case.fn)
        except hybridjit.FrontendError:
            continue
        verify(sf.graph)


def test_passes_keep_semantics_on_the_corpus() -> None:
    from tests.corpus.script_programs import CASES
    from tests.frontend.script_helpers import check_same_outcome, outcome

    from hybridjit.runtime.function import ScriptFunction

    for case in CASES[:80]:
        try:
            sf = hybridjit.script(case.fn)
        except hybridjit.FrontendError:
            continue
        g = sf.graph.copy()
        inline_calls(g)
        eliminate_dead_code(g)
        constant_pooling(g)
        assert not eliminate_dead_code(g) and not constant_pooling(g)
        again = ScriptFunction(sf.name, g, signature=sf.signature)
        for args in case.inputs:
            check_same_outcome(outcome(sf, args), outcome(again, args), case.name, case.atol)
