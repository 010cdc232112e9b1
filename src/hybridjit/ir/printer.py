"""The graph printer: TorchScript's text format, byte for byte.

    graph(%x.1 : Tensor,
          %n.1 : int):
      %2 : int = prim::Constant[value=1]() # f.py:3:12
      %y : Tensor = prim::If(%c)
        block0():
          -> (%x.1)
        block1():
          -> (%z)
      return (%y)

Node lines are indented two spaces per nesting level; a node without outputs prints as
` = prim::Print(...)`.  Attribute values follow `Node::printAttrValue` (a bool attribute is
`0`/`1`, a float is `2.` or 17 significant digits) and, inside lists, tuples and dicts,
`IValue`'s printer (`True`, `None`, `annotate(List[int], [])`).
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import math
from typing import TYPE_CHECKING, Any, Callable

import torch

if TYPE_CHECKING:  # graph.py imports this module for str(graph)
    from hybridjit.ir.graph import Block, Graph, Node, Value
from hybridjit.ir.types import (
    SCALAR_TYPE_NAMES,
    DictType,
    EnumType,
    ListType,
    SetType,
    TupleType,
    Type,
)

INPUT_SEPARATOR = ",\n      "
MAX_TENSOR_DISPLAY = 10  # torch prints tensors with more elements as `<Tensor>`


class OpaqueTensor:
    """A tensor constant whose value the text did not hold (printed as `<Tensor>`)."""

    def __repr__(self) -> str:
        return "<Tensor>"


OPAQUE_TENSOR = OpaqueTensor()


@dataclasses.dataclass(frozen=True)
class EnumConstant:
    """An enum member read from text (`__torch__.Color.RED`) when its Python class is unknown."""

    qualified_class: str
    name: str

    def __str__(self) -> str:
        return f"{self.qualified_class}.{self.name}"


def print_graph(graph: Graph, print_source_ranges: bool = True) -> str:
    """The graph in TorchScript's text format (what TorchScript prints for a scripted function's `.graph`).

    `print_source_ranges=False` drops the `# file:line:col` comments of top-level nodes only,
    exactly as TorchScript's `Graph.str(False)` does.
    """
    lines = [f"graph({typed_values(graph.inputs, INPUT_SEPARATOR)}):"]
    for node in graph.block.nodes:
        _print_node(node, 1, print_source_ranges, lines)
    lines.append(f"  return ({value_refs(graph.outputs)})")
    return "\n".join(lines) + "\n"


def node_line(node: Node, print_source_ranges: bool = False) -> str:
    """One node's own line, without indentation or nested blocks (used in error messages)."""
    outs = typed_values(node.outputs)
    text = f"{outs} = {node.kind}{format_attributes(node)}({value_refs(node.inputs)})"
    if node.scope:
        text += f", scope: {node.scope}"
    if print_source_ranges and node.source_range is not None:
        text += f" # {node.source_range}"
    return text


def _print_node(node: Node, level: int, source_ranges: bool, lines: list[str]) -> None:
    lines.append("  " * level + node_line(node, source_ranges))
    for i, block in enumerate(node.blocks):
        _print_block(block, i, level + 1, source_ranges, lines)


def _print_block(block: Block, index: int, level: int, source_ranges: bool,
                 lines: list[str]) -> None:  # fmt: skip
    lines.append("  " * level + f"block{index}({typed_values(block.inputs)}):")
    for node in block.nodes:
        # torch.jit prints source comments inside blocks even when asked not to; so do we,
        # so that texts match byte for byte.
        _print_node(node, level + 1, True, lines)
    lines.append("  " * (level + 1) + f"-> ({value_refs(block.outputs)})")


def typed_values(values: Any, separator: str = ", ") -> str:
    return separator.join(f"%{v.debug_name} : {v.type}" for v in values)


def value_refs(values: tuple[Value, ...] | list[Value]) -> str:
    return ", ".join(f"%{v.debug_name}" for v in values)


# ---------------------------------------------------------------------------------------------
# attributes


def format_attributes(node: Node) -> str:
    if not node.attributes:
        return ""
    hint = node.outputs[0].type if node.kind == "prim::Constant" and node.outputs else None
    items = (f"{name}={format_attribute(v, hint)}" for name, v in node.attributes.items())
    return "[" + ", ".join(items) + "]"


def format_attribute(value: Any, type_hint: Type | None = None) -> str:
    """A top-level attribute value: scalars as `Node::printAttrValue` prints them."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (list, tuple, dict, set)):
        return format_ivalue(value, type_hint)
    if isinstance(value, enum.Enum):
        return format_enum(value, type_hint)
    return _format_scalar(value)


def format_enum(value: enum.Enum, type_hint: Type | None = None) -> str:
    """`__torch__.Color.RED`: the enum type's qualified name, then the member's name."""
    if isinstance(type_hint, EnumType):
        return f"{type_hint.qualified_name}.{value.name}"
    return f"__torch__.{type(value).__qualname__}.{value.name}"


def format_ivalue(value: Any, type_hint: Type | None = None) -> str:
    """A value inside a list/tuple/dict constant, as `IValue`'s `operator<<` prints it."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return _format_list(value, type_hint)
    if isinstance(value, tuple):
        return _format_tuple(value, type_hint)
    if isinstance(value, dict):
        return _format_dict(value, type_hint)
    if isinstance(value, set):
        return _format_set(value, type_hint)
    if isinstance(value, enum.Enum):
        return format_enum(value, type_hint)
    return _format_scalar(value)


def _format_list(value: list[Any], hint: Type | None) -> str:
    elem = hint.elem if isinstance(hint, ListType) else None
    if not value and hint is not None:
        return f"annotate({hint.python_str()}, [])"
    return "[" + ", ".join(format_ivalue(v, elem) for v in value) + "]"


def _format_tuple(value: tuple[Any, ...], hint: Type | None) -> str:
    elems = hint.elems if isinstance(hint, TupleType) and len(hint.elems) == len(value) else None
    parts = [format_ivalue(v, elems[i] if elems else None) for i, v in enumerate(value)]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _format_dict(value: dict[Any, Any], hint: Type | None) -> str:
    key, val = (hint.key, hint.value) if isinstance(hint, DictType) else (None, None)
    if not value and hint is not None:
        return f"annotate({hint.python_str()}, {{}})"
    items = (f"{format_ivalue(k, key)}: {format_ivalue(v, val)}" for k, v in value.items())
    return "{" + ", ".join(items) + "}"


def _format_set(value: set[Any], hint: Type | None) -> str:
    """`{1, 2}` in the set's own iteration order (rebuilding it in that order gives it back);
    an empty one as `annotate(Set[int], {})`."""
    elem = hint.elem if isinstance(hint, SetType) else None
    if not value:
        return f"annotate({hint.python_str() if hint is not None else 'Set[Any]'}, {{}})"
    return "{" + ", ".join(format_ivalue(v, elem) for v in value) + "}"


def _format_scalar(value: Any) -> str:
    for py_type, fmt in _SCALAR_FORMATS:
        if isinstance(value, py_type):
            return fmt(value)
    raise TypeError(f"cannot print an attribute of Python type {type(value).__name__}")


def format_float(d: float) -> str:
    """`IValue`'s double printing: `2.`, `-0.`, `0.10000000000000001`, `1e+20`, `inf`."""
    if math.isfinite(d) and abs(d) < 1e10 and (d == 0 or abs(d) >= 2.2250738585072014e-308):
        if d == int(d):
            return ("-" if math.copysign(1.0, d) < 0 else "") + f"{abs(int(d))}."
    return _c_general(d, 17)


def _c_general(d: float, precision: int) -> str:
    """C's `%.<precision>g` (what an ostream prints for a double)."""
    if math.isnan(d):
        return "-nan" if math.copysign(1.0, d) < 0 else "nan"
    if math.isinf(d):
        return "inf" if d > 0 else "-inf"
    return f"{d:.{precision}g}"


def format_complex(c: complex) -> str:
    sign = "+" if c.imag >= 0 else "-"
    return f"{format_float(c.real)}{sign}{format_float(abs(c.imag))}j"


def quote_string(s: str) -> str:
    """`c10::printQuotedString`: C escapes; other bytes as 3-digit octal of a *signed* char."""
    out = ['"']
    for byte in s.encode("utf-8"):
        out.append(_ESCAPES.get(byte) or (chr(byte) if 0x20 <= byte < 0x7F else _octal(byte)))
    out.append('"')
    return "".join(out)


def _octal(byte: int) -> str:
    # C++ divides a signed char (truncating toward zero); reproduce its digits exactly.
    s = byte - 256 if byte >= 128 else byte
    d2 = int(math.fmod(s, 8))
    s = int(s / 8)
    d1 = int(math.fmod(s, 8))
    s = int(s / 8)
    return "\\" + "".join(chr(ord("0") + d) for d in (s, d1, d2))


_ESCAPES = {
    ord("\\"): "\\\\", ord("'"): "\\'", ord('"'): '\\"', 7: "\\a", 8: "\\b", 12: "\\f",
    10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v",
}  # fmt: skip


def format_tensor(t: torch.Tensor | OpaqueTensor) -> str:
    """A tensor attribute: `{2}` for one element, torch's own print up to ten, else `<Tensor>`."""
    if isinstance(t, OpaqueTensor):
        return "<Tensor>"
    if t.numel() == 1:
        return "{" + _format_tensor_scalar(t.reshape(()).item()) + "}"
    if t.numel() <= MAX_TENSOR_DISPLAY:
        return tensor_text(t).replace("\n", " ")
    return "<Tensor>"


def _format_tensor_scalar(v: Any) -> str:
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, float):
        return _c_general(v, 6)
    if isinstance(v, complex):
        return f"({_c_general(v.real, 6)},{_c_general(v.imag, 6)})"
    return str(v)


def _format_device(d: torch.device) -> str:
    return quote_string(str(d))


def _format_type(t: Type) -> str:
    return str(t)


_SCALAR_FORMATS: list[tuple[type | tuple[type, ...], Callable[[Any], str]]] = [
    (int, str),
    (float, format_float),
    (complex, format_complex),
    (str, quote_string),
    (torch.Tensor, format_tensor),
    (OpaqueTensor, format_tensor),
    (torch.device, _format_device),
    (EnumConstant, str),
    (Type, _format_type),
    (type(None), repr),  # `[value=None]` as the parser reads it back
]


# ---------------------------------------------------------------------------------------------
# torch's C++ tensor print (ATen `Formatting.cpp`), which graphs embed for small constants


def tensor_text(t: torch.Tensor, linesize: int = 80) -> str:
    """`std::ostream << tensor` for a dense tensor, e.g. ` 1\n 2\n[ CPUFloatType{2} ]`."""
    values = t.detach().to("cpu", torch.float64).contiguous()
    dims = ",".join(str(d) for d in t.shape)
    if values.dim() == 0:
        body = _c_general(values.item(), 6) + "\n"
    elif values.numel() == 0:
        body = ""
    elif values.dim() == 1:
        body = _vector_text(values.tolist())
    elif values.dim() == 2:
        body = _matrix_text(values.tolist(), linesize, 0)
    else:
        body = _nd_text(values, linesize)
    return f"{body}[ {_type_name(t)}{{{dims}}} ]"


def _type_name(t: torch.Tensor) -> str:
    return f"{t.device.type.upper()}{SCALAR_TYPE_NAMES.get(t.dtype, 'Float')}Type"


def _print_format(flat: list[float]) -> tuple[float, int, Callable[[float], str]]:
    """`__printFormat`: the common scale, column width and number format of all elements."""
    int_mode = all(not math.isfinite(z) or z == math.ceil(z) for z in flat)
    finite = [z for z in flat if math.isfinite(z)]
    exp_min = exp_max = 1.0
    if finite:
        exp_min = exp_max = abs(finite[0])
        for z in finite:
            exp_min = min(exp_min, abs(z))
            exp_max = max(exp_max, abs(z))
        exp_min = math.floor(math.log10(exp_min)) + 1 if exp_min != 0 else 1
        exp_max = math.floor(math.log10(exp_max)) + 1 if exp_max != 0 else 1
    if int_mode:
        if exp_max > 9:
            return 1.0, 11, _scientific
        return 1.0, int(exp_max) + 1, lambda v: _c_general(v, 6)
    if exp_max - exp_min > 4:
        sz = 12 if abs(exp_max) > 99 or abs(exp_min) > 99 else 11
        return 1.0, sz, _scientific
    if exp_max > 5 or exp_max < 0:
        return 10.0 ** (exp_max - 1), 7, _fixed
    return 1.0, 7 if exp_max == 0 else int(exp_max) + 6, _fixed


def _scientific(v: float) -> str:
    return _c_general(v, 6) if not math.isfinite(v) else f"{v:.4e}"


def _fixed(v: float) -> str:
    return _c_general(v, 6) if not math.isfinite(v) else f"{v:.4f}"


def _scale_line(scale: float) -> str:
    # torch formats the scale with `fmt`'s shortest form: `1000000`, `0.01`, `1e-07`.
    text = repr(scale)
    return (text[:-2] if text.endswith(".0") else text) + " *\n"


def _vector_text(flat: list[float]) -> str:
    scale, sz, fmt = _print_format(flat)
    head = _scale_line(scale) if scale != 1 else ""
    return head + "".join(fmt(z / scale).rjust(sz) + "\n" for z in flat)


def _matrix_text(rows: list[list[float]], linesize: int, indent: int) -> str:
    scale, sz, fmt = _print_format([z for row in rows for z in row])
    out: list[str] = []
    per_line = (linesize - indent) // (sz + 1)
    n_cols = len(rows[0])
    first = 0
    while first < n_cols:
        last = min(first + per_line, n_cols) - 1
        if per_line < n_cols:
            out.append(
                ("\n" if first else "") + f"Columns {first + 1} to {last + 1}" + " " * indent
            )
        if scale != 1:
            out.append(_scale_line(scale) + " " * indent)
        for r, row in enumerate(rows):
            for c in range(first, last + 1):
                out.append(fmt(row[c] / scale).rjust(sz))
                if c != last:
                    out.append(" ")
                    continue
                out.append("\n")
                if r != len(rows) - 1:
                    out.append(" " * indent + (" " if scale != 1 else ""))
        first = last + 1
    return "".join(out)


def _nd_text(values: torch.Tensor, linesize: int) -> str:
    out = []
    for index in itertools.product(*(range(d) for d in values.shape[:-2])):
        head = "(" + "".join(f"{i + 1}," for i in index) + ".,.) = \n"
        out.append(head + _matrix_text(values[index].tolist(), linesize, 1))
    return "\n".join(out)


__all__ = [
    "OPAQUE_TENSOR",
    "EnumConstant",
    "format_attribute",
    "node_line",
    "print_graph",
    "quote_string",
]
