"""The printer: expect-tests on hand-built graphs, and formats compared with torch.jit's."""

from __future__ import annotations

import math

import expecttest
import pytest
import torch

from hybridjit.ir.graph import Graph, SourceRange
from hybridjit.ir.printer import format_attribute, format_float, quote_string, tensor_text
from hybridjit.ir.types import (
    TENSOR,
    BoolType,
    DictType,
    FloatType,
    IntType,
    ListType,
    NoneType,
    OptionalType,
    StrType,
    TensorType,
    TupleType,
)


def _loop_graph() -> Graph:
    """for i in range(n): if i > 0: z = z + 1 else: print(z)"""
    g = Graph()
    n = g.add_input(IntType, "n.1")
    z0 = g.add_input(TENSOR, "z.1")
    true = g.constant(True, BoolType)
    one = g.constant(1, IntType, SourceRange("f.py", 3, 12))
    loop = g.insert_node("prim::Loop", [n, true, z0], [TENSOR])
    loop.output.set_debug_name("z")
    body = loop.add_block()
    i = body.add_input(IntType, "i.1")
    z = body.add_input(TENSOR, "z.3")
    with g.inserting_into(body):
        cond = g.insert_node("aten::gt", [i, one], [BoolType]).output
        branch = g.insert_node("prim::If", [cond], [TENSOR], source_range=SourceRange("f.py", 4, 8))
        then, other = branch.add_block(), branch.add_block()
        with g.inserting_into(then):
            then.register_output(g.insert_node("aten::add", [z, one, one], [TENSOR]).output)
        with g.inserting_into(other):
            g.insert_node("prim::Print", [z])
            other.register_output(z)
    body.register_output(true)
    body.register_output(branch.output)
    g.register_output(loop.output)
    return g


class TestPrinter(expecttest.TestCase):
    def test_control_flow_and_numbering(self) -> None:
        self.assertExpectedInline(
            str(_loop_graph()),
            """\
graph(%n.1 : int,
      %z.1 : Tensor):
  %3 : bool = prim::Constant[value=1]()
  %4 : int = prim::Constant[value=1]() # f.py:3:12
  %z : Tensor = prim::Loop(%n.1, %3, %z.1)
    block0(%i.1 : int, %z.3 : Tensor):
      %8 : bool = aten::gt(%i.1, %4)
      %9 : Tensor = prim::If(%8) # f.py:4:8
        block0():
          %10 : Tensor = aten::add(%z.3, %4, %4)
          -> (%10)
        block1():
           = prim::Print(%z.3)
          -> (%z.3)
      -> (%3, %9)
  return (%z)
""",
        )

    def test_without_source_ranges_drops_only_top_level_comments(self) -> None:
        text = _loop_graph().str(print_source_ranges=False)
        self.assertNotIn("f.py:3:12", text)
        self.assertIn("prim::If(%8) # f.py:4:8", text)

    def test_single_input_and_empty_graph(self) -> None:
        g = Graph()
        g.register_output(g.add_input(TENSOR, "x"))
        self.assertExpectedInline(
            str(g),
            """\
graph(%x : Tensor):
  return (%x)
""",
        )
        self.assertExpectedInline(
            str(Graph()),
            """\
graph():
  return ()
""",
        )

    def test_constants_of_every_kind(self) -> None:
        g = Graph()
        values = [
            (None, NoneType), (False, BoolType), (-7, IntType), (2.0, FloatType),
            (0.1, FloatType), ('a"b\n', StrType), (3 - 4j, torch.device("cpu")),
            (torch.tensor(2), TENSOR), (torch.tensor([1.5, 2.0]), TENSOR),
            (torch.zeros(11), TENSOR), ([1, 2], ListType(IntType)), ([], ListType(StrType)),
            ((1, None, True), TupleType((IntType, NoneType, BoolType))),
            ({"k": 1.5}, DictType(StrType, FloatType)), (torch.device("cpu"), None),
        ]  # fmt: skip
        from hybridjit.ir.types import ComplexType, DeviceType

        for value, t in values:
            t = ComplexType if isinstance(value, complex) else t
            t = DeviceType if t is None else t
            g.register_output(g.constant(value, t))
        f = g.insert_node("prim::Constant", (), [TENSOR], attributes={"name": "fn"})
        g.register_output(f.output)
        self.assertExpectedInline(
            str(g),
            """\
graph():
  %1 : NoneType = prim::Constant()
  %2 : bool = prim::Constant[value=0]()
  %3 : int = prim::Constant[value=-7]()
  %4 : float = prim::Constant[value=2.]()
  %5 : float = prim::Constant[value=0.10000000000000001]()
  %6 : str = prim::Constant[value="a\\"b\\n"]()
  %7 : complex = prim::Constant[value=3.-4.j]()
  %8 : Tensor = prim::Constant[value={2}]()
  %9 : Tensor = prim::Constant[value= 1.5000  2.0000 [ CPUFloatType{2} ]]()
  %10 : Tensor = prim::Constant[value=<Tensor>]()
  %11 : int[] = prim::Constant[value=[1, 2]]()
  %12 : str[] = prim::Constant[value=annotate(List[str], [])]()
  %13 : (int, NoneType, bool) = prim::Constant[value=(1, None, True)]()
  %14 : Dict(str, float) = prim::Constant[value={"k": 1.5}]()
  %15 : Device = prim::Constant[value="cpu"]()
  %16 : Tensor = prim::Constant[name="fn"]()
  return (%1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16)
""",
        )

    def test_traced_types_multiple_outputs_and_scope(self) -> None:
        g = Graph()
        t = TensorType.of(torch.zeros(2, 3))
        x = g.add_input(t, "x")
        node = g.insert_node("prim::ListUnpack", [x], [t, TensorType.of(torch.zeros(()))])
        node.scope = "__module.fc"
        node.source_range = SourceRange("m.py", 10, 0)
        g.register_output(node.outputs[1])
        self.assertExpectedInline(
            str(g),
            """\
graph(%x : Float(2, 3, strides=[3, 1], requires_grad=0, device=cpu)):
  %2 : Float(2, 3, strides=[3, 1], requires_grad=0, device=cpu), %3 : Float(requires_grad=0, device=cpu) = prim::ListUnpack(%x), scope: __module.fc # m.py:10:0
  return (%3)
""",
        )  # noqa: E501

    def test_renaming_keeps_names_unique(self) -> None:
        g = Graph()
        a = g.add_input(IntType, "x")
        b = g.add_input(OptionalType(IntType), "x")
        g.register_output(a)
        self.assertEqual((a.debug_name, b.debug_name), ("x.1", "x"))
        self.assertIn("%x : int?", str(g))


@pytest.mark.parametrize(
    "value",
    [0.0, -0.0, 1.0, 2.5, 0.1, 1e-10, 1e10, 9999999999.0, 1e16, 1e20, 123456789.0, -3.25,
     1.0000000000000001e-05, 2.5e-7, 5e-324, math.inf, -math.inf, math.nan, 1 / 3, 1e300],
)  # fmt: skip
def test_float_format_matches_torch(value: float) -> None:
    assert format_attribute(value) == _torch_constant_text(value)
    assert format_float(value) == _torch_constant_text(value)


@pytest.mark.parametrize(
    "value",
    ["", "plain", 'q"uote', "back\\slash", "it's", "\a\b\f\n\r\t\v", "\x00\x01\x1f\x7f",
     "é", "✓ unicode ∑", "\U0001f600"],
)  # fmt: skip
def test_string_quoting_matches_torch(value: str) -> None:
    assert quote_string(value) == _torch_constant_text(value)


@pytest.mark.parametrize(
    "value",
    [1, -5, True, 3 + 4j, 1 - 1.5j, [1.5, 2.0], [True, False], ["a"], (1,), (), ((1, 2.5), None),
     {"a": 1}, torch.device("cpu")],
)  # fmt: skip
def test_constant_values_match_torch(value: object) -> None:
    g = Graph()
    from hybridjit.ir.types import type_of_value

    g.constant(value, type_of_value(value))
    ours = str(g).splitlines()[1].split("= ", 1)[1]
    assert ours == _torch_constant_line(value).split("= ", 1)[1]


def _tensors() -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    out = [torch.tensor(3), torch.tensor([2.5]), torch.tensor(True), torch.tensor(1e-3)]
    for shape in [(2,), (3,), (10,), (2, 3), (1, 10), (5, 2), (2, 2, 2), (1, 2, 1, 3)]:
        for scale in (1.0, 1e-6, 1e6, 1e12):
            base = torch.randn(shape, generator=gen, dtype=torch.float64) * scale
            out += [base, base.float(), base.round().long(), base > 0]
    out += [torch.tensor([math.inf, -1.0, math.nan]), torch.zeros(0), torch.zeros(3, 0)]
    out += [torch.arange(11), torch.tensor([[1, -22], [333, 4]], dtype=torch.int32)]
    return out


@pytest.mark.parametrize("t", _tensors(), ids=lambda t: f"{t.dtype}{tuple(t.shape)}")
def test_tensor_constants_match_torch(t: torch.Tensor) -> None:
    g = Graph()
    g.constant(t, TENSOR)
    ours = str(g).splitlines()[1].split("[value=", 1)[1]
    assert ours == _torch_constant_line(t).split("[value=", 1)[1]


def test_tensor_text_is_the_cpp_print() -> None:
    assert tensor_text(torch.tensor([1.0, 2.0])) == " 1\n 2\n[ CPUFloatType{2} ]"
    assert (
        tensor_text(torch.tensor([[0.01, 0.02]]))
        == "0.01 *\n 1.0000  2.0000\n[ CPUFloatType{1,2} ]"
    )


def _torch_constant_line(value: object) -> str:
    g = torch._C.Graph()
    g.registerOutput(g.insertConstant(value))
    return str(g).splitlines()[1]


def _torch_constant_text(value: object) -> str:
    line = _torch_constant_line(value)
    return line[line.index("[value=") + len("[value=") : line.rindex("]()")]
