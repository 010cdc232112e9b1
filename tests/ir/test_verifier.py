"""The verifier: every graph torch.jit prints is valid; each broken invariant is reported."""

from __future__ import annotations

import re
from typing import Callable

import pytest

import hybridjit
from hybridjit.errors import VerificationError
from hybridjit.ir.graph import Graph
from hybridjit.ir.parser import parse_ir
from hybridjit.ir.types import TENSOR, BoolType, IntType, ListType, StrType, TupleType
from hybridjit.ir.verifier import verify

from .torch_graphs import texts

ALL_TEXTS = texts(True)

IF_GRAPH = """\
graph(%c : bool,
      %x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %y : Tensor = prim::If(%c)
    block0():
      %z : Tensor = aten::add(%x, %x, %1)
      -> (%z)
    block1():
      -> (%x)
  return (%y)
"""

LOOP_GRAPH = """\
graph(%n : int,
      %x : Tensor):
  %t : bool = prim::Constant[value=1]()
  %r : Tensor = prim::Loop(%n, %t, %x)
    block0(%i : int, %acc : Tensor):
      %next : Tensor = aten::mul(%acc, %i)
      -> (%t, %next)
  return (%r)
"""


@pytest.mark.parametrize("name,text", ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_every_torch_graph_verifies(name: str, text: str) -> None:
    verify(parse_ir(text))


def test_public_name_and_copies_verify() -> None:
    g = parse_ir(LOOP_GRAPH)
    hybridjit.verify(g)
    verify(g.copy())


def _node(g: Graph, kind: str):  # noqa: ANN202
    return next(n for n in g.all_nodes() if n.kind == kind)


def _use_from_sibling_block(g: Graph) -> None:
    then, other = _node(g, "prim::If").blocks
    other.return_node.replace_input(0, then.nodes[0].output)


def _use_before_definition(g: Graph) -> None:
    _node(g, "aten::add").move_before(_node(g, "prim::Constant"))


def _use_node_output_inside_its_block(g: Graph) -> None:
    node = _node(g, "prim::If")
    node.blocks[1].return_node.replace_input(0, node.output)


def _corrupt_use_list(g: Graph) -> None:
    add = _node(g, "aten::add")
    x = add.inputs[0]
    x.uses = [u for u in x.uses if not (u.user is add and u.offset == 0)]


def _stale_use(g: Graph) -> None:
    x = g.inputs[1]
    x.uses.append(type(x.uses[0])(_node(g, "prim::Constant"), 0))


def _if_with_int_condition(g: Graph) -> None:
    _node(g, "prim::If").replace_input(0, _node(g, "prim::Constant").output)


def _if_with_one_block(g: Graph) -> None:
    node = _node(g, "prim::If")
    node.blocks[1].destroy()
    node.blocks.pop()


def _if_branch_arity(g: Graph) -> None:
    _node(g, "prim::If").blocks[1].register_output(g.inputs[1])


def _if_branch_type(g: Graph) -> None:
    _node(g, "prim::If").blocks[1].return_node.replace_input(0, _node(g, "prim::Constant").output)


def _if_block_with_input(g: Graph) -> None:
    _node(g, "prim::If").blocks[0].add_input(IntType, "extra")


def _duplicate_name(g: Graph) -> None:
    g._names.assign_verbatim(_node(g, "aten::add").output, "x")


def _constant_with_input(g: Graph) -> None:
    _node(g, "prim::Constant").add_input(g.inputs[1])


def _bad_schema_arity(g: Graph) -> None:
    add = _node(g, "aten::add")
    assert add.schema is not None, "parse_ir must attach the registry's schema"
    add.remove_input(2)


IF_CASES: list[tuple[Callable[[Graph], None], str]] = [
    (_use_from_sibling_block, "%y : Tensor = prim::If(%c): block1 output %z is defined in a "
                              "block that does not enclose this use"),
    (_use_before_definition, "%z : Tensor = aten::add(%x, %x, %1): an input %1 is used before "
                             "it is defined"),
    (_use_node_output_inside_its_block, "%y : Tensor = prim::If(%c): block1 output %y is used "
                                        "before it is defined"),
    (_corrupt_use_list, "%z : Tensor = aten::add(%x, %x, %1): %x is input 0 but its use-list has "
                        "0 entries for that use"),
    (_stale_use, ": %x lists a use by prim::Constant at input 0 that does not exist"),
    (_if_with_int_condition, "%y : Tensor = prim::If(%1): prim::If expects one bool input, found "
                             "(int)"),
    (_if_with_one_block, "prim::If expects 2 blocks, found 1"),
    (_if_branch_arity, "%y : Tensor = prim::If(%c): outputs of block1: expected 1 values, found 2"),
    (_if_branch_type, "outputs of block1: value 0 (%1) has type int, expected a subtype of Tensor"),
    (_if_block_with_input, "prim::If block0 expects no inputs, found 1"),
    (_duplicate_name, "the name %x is already used by another value"),
    (_constant_with_input, "%1 : int = prim::Constant[value=1](%x): prim::Constant expects no "
                           "inputs, no blocks and 1 output, found 1 inputs"),
    (_bad_schema_arity, "%z : Tensor = aten::add(%x, %x): its schema aten::add.Tensor"),
]  # fmt: skip


@pytest.mark.parametrize("corrupt,message", IF_CASES, ids=[c.__name__ for c, _ in IF_CASES])
def test_broken_if_graph_is_reported(corrupt: Callable[[Graph], None], message: str) -> None:
    g = parse_ir(IF_GRAPH)
    corrupt(g)
    with pytest.raises(VerificationError, match=re.escape(message)):
        verify(g)


def _loop_cond_type(g: Graph) -> None:
    _node(g, "prim::Loop").replace_input(1, g.inputs[0])


def _loop_body_inputs(g: Graph) -> None:
    _node(g, "prim::Loop").blocks[0].add_input(TENSOR, "extra")


def _loop_body_outputs(g: Graph) -> None:
    _node(g, "prim::Loop").blocks[0].erase_output(0)


def _loop_body_condition(g: Graph) -> None:
    body = _node(g, "prim::Loop").blocks[0]
    body.return_node.replace_input(0, body.nodes[0].output)


def _loop_outputs(g: Graph) -> None:
    _node(g, "prim::Loop").add_output(TENSOR)


def _loop_carried_type(g: Graph) -> None:
    _node(g, "prim::Loop").replace_input(2, g.inputs[0])


LOOP_CASES: list[tuple[Callable[[Graph], None], str]] = [
    (_loop_cond_type, "%r : Tensor = prim::Loop(%n, %n, %x): prim::Loop inputs: value 1 (%n) has "
                      "type int, expected a subtype of bool"),
    (_loop_body_inputs, "the loop body expects 2 inputs (iteration, carried...), found 3"),
    (_loop_body_outputs, "the loop body's outputs (condition, carried...): expected 2 values, "
                         "found 1"),
    (_loop_body_condition, "the loop body's outputs (condition, carried...): value 0 (%next) "
                           "has type Tensor, expected a subtype of bool"),
    (_loop_outputs, "prim::Loop expects 1 outputs (one per carried value), found 2"),
    (_loop_carried_type, "prim::Loop carried inputs: value 0 (%n) has type int, expected a "
                         "subtype of Tensor"),
]  # fmt: skip


@pytest.mark.parametrize("corrupt,message", LOOP_CASES, ids=[c.__name__ for c, _ in LOOP_CASES])
def test_broken_loop_graph_is_reported(corrupt: Callable[[Graph], None], message: str) -> None:
    g = parse_ir(LOOP_GRAPH)
    corrupt(g)
    with pytest.raises(VerificationError, match=re.escape(message)):
        verify(g)


def test_hand_built_constructs_are_checked() -> None:
    g = Graph()
    x = g.add_input(TENSOR, "x")
    s = g.add_input(StrType, "s")
    g.insert_node("prim::ListConstruct", [x, s], [ListType(TENSOR)])
    with pytest.raises(VerificationError, match=re.escape(
        "%3 : Tensor[] = prim::ListConstruct(%x, %s): list elements: value 1 (%s) has type str, "
        "expected a subtype of Tensor"
    )):  # fmt: skip
        verify(g)

    g = Graph()
    x = g.add_input(TENSOR, "x")
    g.insert_node("prim::TupleConstruct", [x], [TupleType((TENSOR, IntType))])
    with pytest.raises(VerificationError, match=re.escape("tuple elements: expected 2 values, "
                                                          "found 1")):  # fmt: skip
        verify(g)

    g = Graph()
    c = g.add_input(BoolType, "c")
    other = Graph()
    g.register_output(other.add_input(BoolType, "c"))
    with pytest.raises(VerificationError, match=re.escape("graph output %c is used before it "
                                                          "is defined")):  # fmt: skip
        verify(g)
    assert c.uses == []


# -- typed verification: every node with a schema is checked against it ----------------------


@pytest.mark.parametrize("name,text", ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_every_torch_graph_verifies_against_its_schemas(name: str, text: str) -> None:
    verify(parse_ir(text), schemas=True)


ILL_TYPED = [
    ("  %c : int = prim::Constant[value=1]()\n  %r : Tensor = aten::relu(%c)\n  return (%r)",
     "%r : Tensor = aten::relu(%c): no schema of aten::relu takes (int) and returns (Tensor)"),
    ("  %r : NoneType = prim::Print(%x)\n  return (%x)",
     "%r : NoneType = prim::Print(%x): no schema of prim::Print takes (Tensor) and returns "
     "(NoneType)"),
    ("  %r : int = aten::relu(%x)\n  return (%x)",
     "%r : int = aten::relu(%x): output 0 (%r) has type int, but its schema "
     "aten::relu(Tensor self) -> Tensor returns Tensor"),
    ("  %r : int = aten::size(%x)\n  return (%x)", "output 0 (%r) has type int"),
    ("  %r : Tensor, %q : Tensor = aten::relu(%x)\n  return (%r)", "no schema of aten::relu"),
]  # fmt: skip


@pytest.mark.parametrize("body, message", ILL_TYPED)
def test_ill_typed_nodes_are_refused(body: str, message: str) -> None:
    g = parse_ir(f"graph(%x : Tensor):\n{body}\n")
    with pytest.raises(VerificationError, match=re.escape(message)):
        verify(g, schemas=True)


def test_a_node_with_a_schema_is_checked_against_it() -> None:
    # the frontends attach schemas themselves: a wrong input or output type is reported
    g = parse_ir("graph(%x : Tensor):\n  %r : Tensor = aten::relu(%x)\n  return (%r)\n")
    relu = _node(g, "aten::relu")
    verify(g)
    relu.outputs[0].type = IntType
    with pytest.raises(VerificationError, match=re.escape(
        "output 0 (%r) has type int, but its schema aten::relu(Tensor self) -> Tensor"
    )):  # fmt: skip
        verify(g)
    relu.outputs[0].type = TENSOR
    s = g.add_input(StrType, "s")
    relu.replace_input(0, s)
    with pytest.raises(VerificationError, match=re.escape(
        "input 0 (%s) has type str, but its schema aten::relu(Tensor self) -> Tensor wants "
        "Tensor for 'self'"
    )):  # fmt: skip
        verify(g)


def test_refined_tensor_types_and_type_variables_verify() -> None:
    text = """\
graph(%x : Float(2, 3, strides=[3, 1], requires_grad=0, device=cpu),
      %xs : int[]):
  %r : Float(2, 3, strides=[3, 1], requires_grad=0, device=cpu) = aten::relu(%x)
  %n : int = aten::len(%xs)
  %i : int = prim::Constant[value=0]()
  %e : int = aten::__getitem__(%xs, %i)
  %ys : int[] = aten::add(%xs, %xs)
  %f : float = aten::Float(%n)
  return (%r, %e, %ys, %f)
"""
    verify(parse_ir(text), schemas=True)
