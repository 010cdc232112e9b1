"""The parser: round trips of everything torch.jit prints, values, types, and errors."""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import hybridjit
from hybridjit.errors import IRParseError
from hybridjit.ir.graph import SourceRange
from hybridjit.ir.parser import MAX_DEPTH, parse_ir, parse_type
from hybridjit.ir.printer import OPAQUE_TENSOR, EnumConstant, print_graph
from hybridjit.ir.types import (
    TENSOR,
    ClassType,
    DictType,
    FloatType,
    IntType,
    ListType,
    OptionalType,
    StrType,
    TensorType,
    TupleType,
    UnionType,
)

from .torch_graphs import scripted, texts, traced

ALL_TEXTS = texts(True)
NO_SOURCE_TEXTS = texts(False)


def test_the_oracle_corpus_is_large_and_varied() -> None:
    assert len(scripted()) >= 30 and len(traced()) >= 30
    joined = "".join(t for _, t in ALL_TEXTS)
    features = [
        "prim::Loop",
        "prim::If",
        "block1()",
        "scope: ",
        "strides=[",
        "NamedTuple(",
        "Dict(",
        "Union(",
        "prim::CallMethod",
        "CPUFloatType",
        "<Tensor>",
        "{2.5}",
        "value=[True",
        "value=__torch__.",
        'value={"',
        "j]()",
        "\\0)+",
    ]
    for feature in features:
        assert feature in joined, feature


@pytest.mark.parametrize("name,text", ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_round_trip_torch_graph(name: str, text: str) -> None:
    assert print_graph(parse_ir(text)) == text


@pytest.mark.parametrize("name,text", NO_SOURCE_TEXTS, ids=[n for n, _ in NO_SOURCE_TEXTS])
def test_round_trip_torch_graph_without_source_ranges(name: str, text: str) -> None:
    assert parse_ir(text).str(print_source_ranges=False) == text


def test_public_name_and_parsed_structure() -> None:
    g = hybridjit.parse_ir("""\
graph(%x.1 : Tensor,
      %n : int):
  %7 : int = prim::Constant[value=1]() # f.py:3:12
  %y : Tensor = aten::add(%x.1, %n, %7), scope: __module.fc # dir/f.py:4:0
  return (%y, %7)
""")
    add = g.nodes()[1]
    assert [v.debug_name for v in g.inputs] == ["x.1", "n"]
    assert add.kind == "aten::add" and add.inputs == (g.inputs[0], g.inputs[1], g.outputs[1])
    assert add.source_range == SourceRange("dir/f.py", 4, 0) and add.scope == "__module.fc"
    # The operator registry resolves the overload from the input types after parsing.
    assert str(add.schema).startswith("aten::add.Scalar(Tensor self, Scalar other")
    fresh = g.insert_node("aten::neg", [g.inputs[0]], [TENSOR]).output
    assert int(fresh.debug_name) > 7  # unnamed values never collide with parsed numbers


def test_constant_values_take_the_output_type() -> None:
    g = parse_ir("""\
graph():
  %a : float = prim::Constant[value=10000000000000000]()
  %b : bool = prim::Constant[value=1]()
  %c : complex = prim::Constant[value=1.-2.5j]()
  %d : Device = prim::Constant[value="cpu"]()
  %e : Double(requires_grad=0, device=cpu) = prim::Constant[value={2}]()
  %f : Float(3, strides=[1], requires_grad=0, device=cpu) = prim::Constant[value= 1  2  3 [ CPUFloatType{3} ]]()
  %g : float[] = prim::Constant[value=[1, 2.5]]()
  %h : (int, str?) = prim::Constant[value=(1, None)]()
  %i : Dict(str, int[]) = prim::Constant[value={"k": annotate(List[int], [])}]()
  %j : Tensor = prim::Constant[value=<Tensor>]()
  %k : str = prim::Constant[value="\\0)+\\/.)\\n\\001"]()
  %l : float = prim::Constant[value=-inf]()
  %m : Long(1, strides=[1], requires_grad=0, device=cpu) = prim::Constant[value={-3}]()
  return (%a, %b, %c, %d, %e, %f, %g, %h, %i, %j, %k, %l, %m)
""")  # noqa: E501
    values = [n["value"] for n in g.nodes()]
    assert values[:4] == [1e16, True, 1 - 2.5j, torch.device("cpu")]
    assert type(values[0]) is float and type(values[1]) is bool
    assert values[4].dtype == torch.float64 and values[4].shape == () and values[4].item() == 2
    assert torch.equal(values[5], torch.tensor([1.0, 2.0, 3.0]))
    assert values[6] == [1.0, 2.5] and type(values[6][0]) is float
    assert values[7:9] == [(1, None), {"k": []}]
    assert values[9] is OPAQUE_TENSOR
    assert values[10] == "é\n\x01"
    assert values[11] == -math.inf
    assert values[12].shape == (1,) and values[12].dtype == torch.int64


def test_enum_constants_and_unusual_names() -> None:
    text = """\
graph(%$acc1 : int):
  %1 : Enum<__torch__.Color> = prim::Constant[value=__torch__.Color.RED]()
  %2 : Enum<__torch__.Color>[] = prim::Constant[value=[__torch__.Color.RED]]()
  %3 : int[] = prim::Constant[value=annotate(List[int], [])]()
  return (%$acc1, %1, %2, %3)
"""
    g = parse_ir(text)
    assert print_graph(g) == text
    red = g.nodes()[0]["value"]
    assert isinstance(red, EnumConstant) and (red.qualified_class, red.name) == (
        "__torch__.Color",
        "RED",
    )
    assert g.nodes()[2]["value"] == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("int[]", ListType(IntType)),
        ("Tensor?", OptionalType(TENSOR)),
        ("(Tensor, int)", TupleType((TENSOR, IntType))),
        ("()", TupleType(())),
        ("Dict(str, Tensor)", DictType(StrType, TENSOR)),
        ("Union(int, str)", UnionType((IntType, StrType))),
        ("float?[]", ListType(OptionalType(FloatType))),
        ("NamedTuple(x : float, y : int)", TupleType((FloatType, IntType), None, ("x", "y"))),
        ("__torch__.Net", ClassType("__torch__.Net")),
        ("Float(2, *, strides=[3, 1], requires_grad=1, device=cpu)",
         TensorType(torch.float32, (2, None), (3, 1), torch.device("cpu"), True)),
        ("Long(requires_grad=0, device=cpu)",
         TensorType(torch.int64, (), None, torch.device("cpu"), False)),
        ("FloatTensor", TensorType(torch.float32)),
        ("Tensor(*, 3)", TensorType(None, (None, 3))),
        ("Tensor()", TensorType(None, ())),
    ],
)  # fmt: skip
def test_parse_type(text: str, expected: object) -> None:
    assert parse_type(text) == expected
    assert str(parse_type(text)) == text


def test_types_torch_prints_parse_back() -> None:
    C = torch._C
    g = C.Graph()
    for t in [
        C.FutureType(C.IntType.get()),
        C.ListType(C.OptionalType(C.TensorType.get())),
        C.UnionType([C.IntType.get(), C.NoneType.get()]),
        C.NumberType.get(),
        C.TensorType.get().with_dtype(torch.float32).with_sizes([2, None]),
        C.TensorType.create_from_tensor(torch.zeros(2, 3).t()),
        C.DictType(C.StringType.get(), C.ListType(C.IntType.get())),
        C.AnyType.get(),
    ]:
        g.addInput().setType(t)  # fmt: skip
    assert str(parse_ir(str(g))) == str(g)


# ---------------------------------------------------------------------------------------------
# errors: what was expected, what was found, and where


@pytest.mark.parametrize(
    "text,line,col,message",
    [
        ("graph(%x : int:\n  return (%x)\n", 1, 15, "expected ',', found ':'"),
        ("graph(%x : Intt):\n  return (%x)\n", 1, 12, "expected a type, found 'Intt'"),
        ("graph():\n  return (%y)\n", 2, 11, "use of undefined value %y"),
        ("graph(%x : int):\n  %x : int = aten::neg(%x)\n  return (%x)\n", 2, 3,
         "value %x is defined twice (first at line 1, column 7)"),
        ("graph(%c : bool):\n  %y : int = prim::If(%c)\n    block1():\n      -> ()\n"
         "  return ()\n", 3, 5, "expected 'block0', found 'block1'"),
        ('graph():\n  %s : str = prim::Constant[value="abc]()\n  return (%s)\n', 2, 35,
         "unterminated string literal"),
        ('graph():\n  %s : str = prim::Constant[value="\\q"]()\n  return (%s)\n', 2, 36,
         "expected an escape sequence"),
        ("graph():\n  return ()\n  %1 : int = prim::Constant()\n", 3, 3,
         "expected end of input, found '%'"),
        ("graph():\n  %1 : int = Constant()\n  return ()\n", 2, 14,
         "expected a node kind such as 'aten::add', found 'Constant'"),
        ("graph(", 1, 7, "expected '%', found end of input"),
        ("graph(%c : bool):\n  %y : int = prim::If(%c)\n    block0():\n      %z : int = "
         "prim::Constant[value=1]()\n      -> (%z)\n    block1():\n      -> (%z)\n  return (%y)\n",
         7, 11, "use of undefined value %z (it is defined in another block)"),
        ("graph():\n  %1 : int = prim::Constant[value=1]() # nowhere\n  return ()\n", 2, 40,
         "expected a source comment '# file:line:col'"),
        ("graph():\n  %1 : Float(2, strides=[1, 1]) = prim::Constant()\n  return ()\n", 2, 17,
         "expected 1 strides, found 2"),
    ],
)  # fmt: skip
def test_parse_errors_name_position_expected_and_found(text: str, line: int, col: int,
                                                       message: str) -> None:  # fmt: skip
    with pytest.raises(IRParseError, match=re.escape(message)) as info:
        parse_ir(text)
    assert (info.value.line, info.value.col) == (line, col)
    assert str(info.value).startswith(f"line {line}, column {col}: ")


def test_deep_block_nesting_is_refused() -> None:
    depth = MAX_DEPTH + 5
    lines = ["graph(%c : bool):"]
    for i in range(depth):
        lines += ["  " * (2 * i + 1) + "= prim::If(%c)", "  " * (2 * i + 2) + "block0():"]
    lines += ["-> ()"] * depth + ["  return ()", ""]
    with pytest.raises(IRParseError, match=re.escape(f"blocks nested more than {MAX_DEPTH}")):
        parse_ir("\n".join(lines))


def test_moderate_nesting_parses_and_prints() -> None:
    depth = 50
    lines = ["graph(%c : bool):"]
    for i in range(depth):
        lines += ["  " * (2 * i + 1) + " = prim::If(%c)", "  " * (2 * i + 2) + "block0():"]
    for i in reversed(range(depth)):
        lines.append("  " * (2 * i + 3) + "-> ()")
    lines += ["  return ()", ""]
    text = "\n".join(lines)
    # Each `prim::If` here has one block, which the verifier would reject; the text is fine.
    assert print_graph(parse_ir(text)) == text


@pytest.mark.parametrize("text", ["int" + "[]" * 0 + "(" * 500, "(" * 1000 + "int" + ")" * 1000,
                                  "Dict(str, " * 400 + "int" + ")" * 400])  # fmt: skip
def test_deep_types_are_refused(text: str) -> None:
    with pytest.raises(IRParseError):
        parse_type(text)


def test_deep_attribute_values_are_refused() -> None:
    text = "graph():\n  %1 : int = prim::Constant[value=" + "[" * 1000 + "]" * 1000 + "]()\n"
    with pytest.raises(IRParseError, match="values nested more than"):
        parse_ir(text + "  return ()\n")


# ---------------------------------------------------------------------------------------------
# fuzzing: any mutation of a valid text parses or raises IRParseError, nothing else

SEEDS = [t for _, t in ALL_TEXTS[::25]] + [t for n, t in ALL_TEXTS if n == "trace_consts"]
PIECES = [
    "%",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "\n",
    " ",
    '"',
    "\\",
    "#",
    "->",
    "block0",
    "block1",
    "prim::If",
    "int",
    "Tensor",
    "Float(",
    "?",
    "[]",
    "<Tensor>",
    "%x.1",
    "1e+",
    "-",
    ".",
    "j",
    "annotate(",
    "NamedTuple(",
    "scope:",
    "value=",
    "0",
]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "duplicate"]))
        piece = draw(st.sampled_from(PIECES) | st.text(max_size=3))
        text = {
            "delete": text[:i] + text[j:],
            "insert": text[:i] + piece + text[i:],
            "replace": text[:i] + piece + text[j:],
            "truncate": text[:i],
            "duplicate": text[:j] + text[i:j] + text[j:],
        }[action]
    return text


@given(mutated())
def test_fuzzed_texts_parse_or_raise_ir_parse_error(text: str) -> None:
    try:
        graph = parse_ir(text)
    except IRParseError as e:
        assert e.line >= 1 and e.col >= 1
        return
    print_graph(graph)  # a parsed graph always prints
    try:
        hybridjit.verify(graph)
    except hybridjit.VerificationError:
        pass


@given(st.text(max_size=60))
def test_random_type_text_parses_or_raises(text: str) -> None:
    try:
        parse_type(text)
    except IRParseError:
        pass


def test_isinstance_types_read_back_as_types() -> None:
    # `[(int, str)]` is one tuple type there; read as a value it was a Python tuple of two
    # types, and a loaded `isinstance(x, Tuple[int, str])` answered False.
    text = (
        "graph(%x : Union(int, (int, str), float[])):\n"
        "  %b : bool = prim::isinstance[types=[(int, str), float[], (int, ...)]](%x)\n"
        "  return (%b)\n"
    )
    node = next(n for n in parse_ir(text).nodes() if n.kind == "prim::isinstance")
    assert node["types"] == [parse_type("(int, str)"), parse_type("float[]"),
                             parse_type("(int, ...)")]  # fmt: skip
    assert print_graph(parse_ir(text)) == print_graph(parse_ir(print_graph(parse_ir(text))))
