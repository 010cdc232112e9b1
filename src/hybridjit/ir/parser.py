"""The graph parser: reads TorchScript's text format back into a `Graph`.

It accepts what `print_graph` prints and what torch.jit prints (scripted and traced graphs,
with or without source comments), keeping value names verbatim so that
`print_graph(parse_ir(text)) == text`::

    >>> g = parse_ir('''graph(%x : int):
    ...   %1 : int = prim::Constant[value=1]()
    ...   %y : int = aten::add(%x, %1)
    ...   return (%y)
    ... ''')

Every malformed input raises `IRParseError(message, line, column)` (1-based) naming what was
expected and what was found.  Nesting of blocks, types and attribute values is capped at
`MAX_DEPTH` levels so that hostile input cannot exhaust the stack.
"""

from __future__ import annotations

import bisect
import math
import re
from typing import Any, Callable, Mapping

import torch

from hybridjit.errors import Error, IRParseError
from hybridjit.ir.graph import Block, Graph, Node, SourceRange, Value
from hybridjit.ir.printer import OPAQUE_TENSOR, EnumConstant
from hybridjit.ir.types import (
    DTYPE_BY_SCALAR_NAME,
    SIMPLE_TYPES,
    BoolType,
    ClassType,
    ComplexType,
    DeviceType,
    DictType,
    EnumType,
    FloatType,
    FutureType,
    ListType,
    OptionalType,
    SetType,
    TensorType,
    TupleType,
    Type,
    UnionType,
    VarTupleType,
)
from hybridjit.ops.resolution import attach_schemas

MAX_DEPTH = 200

_NAME = re.compile(r"[\w.$]+")
_IDENT = re.compile(r"[A-Za-z_][\w.]*")
_KIND = re.compile(r"[A-Za-z_]\w*::\w+")
_ATTR_NAME = re.compile(r"[A-Za-z_]\w*")
_NUMBER = re.compile(r"[-+]?(?:(?:inf|nan)(?!\w)|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_INT = re.compile(r"-?\d+")
_BLOCK = re.compile(r"block(\d+)\(")
_DEVICE = re.compile(r"[a-z_]+(?::\d+)?")
_OCTAL_DIGIT = {chr(ord("0") + d): d for d in range(-7, 8)}
_ESCAPES = {"\\": 92, "'": 39, '"': 34, "a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9,
            "v": 11}  # fmt: skip
# torch's print of a small tensor: values, then `[ CPUFloatType{2,3} ]`.
_TENSOR_TEXT = re.compile(
    r"([^\[\]\n]*?)\[ ([A-Za-z]+?)("
    + "|".join(sorted(DTYPE_BY_SCALAR_NAME, key=len, reverse=True))
    + r")Type\{([\d,]*)\} \]"
)
_TENSOR_NOISE = re.compile(r"\((?:\d+,)+\.,\.\) =|Columns \d+ to \d+")


# Attributes whose value is a list of types: `[(int, str)]` is a tuple type there, where as a
# value it would read as a Python tuple of two types.
_TYPE_LIST_ATTRIBUTES = frozenset({("prim::isinstance", "types")})


def parse_ir(text: str, class_types: Mapping[str, Type] | None = None) -> Graph:
    """Parse a graph printed in TorchScript's format.

    `class_types` maps qualified class names (`__torch__.Net`) to their `ClassType`; other
    class names get a fresh, empty `ClassType`.  Aten nodes get their schema attached when the
    operator registry is available.
    """
    graph = _Parser(text, class_types or {}).parse_graph()
    _attach_schemas(graph)
    return graph


def parse_type(text: str) -> Type:
    """Parse a type as graphs print it: `int[]`, `Tensor?`, `(int, str)`, `Dict(str, int)`."""
    parser = _Parser(text, {})
    t = parser.parse_type()
    parser.expect_end()
    return t


def _attach_schemas(graph: Graph) -> None:
    try:
        attach_schemas(graph)
    except Error as e:
        raise IRParseError(f"cannot resolve an operator: {e}", 1, 1) from e


class _Parser:
    def __init__(self, text: str, class_types: Mapping[str, Type]) -> None:
        self.text = text
        self.pos = 0
        self.class_types = class_types
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.graph = Graph()
        self.scopes: list[dict[str, Value]] = [{}]
        self.defined_at: dict[str, int] = {}
        self.max_number = 0
        self.depth = 0

    # -- errors and low-level scanning -------------------------------------------------------
    def error(self, expected: str, pos: int | None = None) -> IRParseError:
        pos = self.pos if pos is None else pos
        return self.error_msg(f"expected {expected}, found {self.describe(pos)}", pos)

    def error_msg(self, message: str, pos: int) -> IRParseError:
        line = bisect.bisect_right(self.line_starts, pos)
        return IRParseError(message, line, pos - self.line_starts[line - 1] + 1)

    def describe(self, pos: int) -> str:
        if pos >= len(self.text):
            return "end of input"
        if self.text[pos] == "\n":
            return "end of line"
        m = re.compile(r"\w+|\S").match(self.text, pos)
        return f"'{m.group()}'" if m else repr(self.text[pos])

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self, s: str) -> bool:
        self.skip_ws()
        return self.text.startswith(s, self.pos)

    def accept(self, s: str) -> bool:
        if self.peek(s):
            self.pos += len(s)
            return True
        return False

    def expect(self, s: str) -> None:
        if not self.accept(s):
            raise self.error(f"'{s}'")

    def match(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        self.skip_ws()
        m = pattern.match(self.text, self.pos)
        if m is None:
            raise self.error(what)
        self.pos = m.end()
        return m

    def expect_end(self) -> None:
        self.skip_ws()
        if self.pos != len(self.text):
            raise self.error("end of input")

    def nested(self, what: str) -> _Depth:
        return _Depth(self, what)

    # -- graph, blocks, nodes ----------------------------------------------------------------
    def parse_graph(self) -> Graph:
        self.expect("graph")
        self.expect("(")
        for name, type, pos in self.parse_params(")"):
            self.define(self.graph.add_input(type), name, pos)
        self.expect(":")
        self.parse_statements(self.graph.block, "return")
        self.expect("return")
        self.parse_outputs(self.graph.block)
        self.expect_end()
        self.graph.reserve_ids_above(self.max_number)
        return self.graph

    def parse_params(self, close: str) -> list[tuple[str, Type, int]]:
        params: list[tuple[str, Type, int]] = []
        if self.accept(close):
            return params
        while True:
            name, pos = self.parse_name()
            self.expect(":")
            params.append((name, self.parse_type(), pos))
            if self.accept(close):
                return params
            self.expect(",")

    def parse_name(self) -> tuple[str, int]:
        self.skip_ws()
        pos = self.pos
        self.expect("%")
        if not _NAME.match(self.text, self.pos):
            raise self.error("a value name after '%'")
        return self.match(_NAME, "a value name").group(), pos

    def define(self, value: Value, name: str, pos: int) -> None:
        if name in self.defined_at:
            first = self.error_msg("", self.defined_at[name])
            raise self.error_msg(
                f"value %{name} is defined twice (first at line {first.line}, "
                f"column {first.col})", pos)  # fmt: skip
        self.defined_at[name] = pos
        self.graph._names.assign_verbatim(value, name)
        self.scopes[-1][name] = value
        if name.isdigit():
            self.max_number = max(self.max_number, int(name))

    def lookup(self) -> Value:
        name, pos = self.parse_name()
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        where = " (it is defined in another block)" if name in self.defined_at else ""
        raise self.error_msg(f"use of undefined value %{name}{where}", pos)

    def parse_refs(self) -> list[Value]:
        self.expect("(")
        values: list[Value] = []
        if self.accept(")"):
            return values
        while True:
            values.append(self.lookup())
            if self.accept(")"):
                return values
            self.expect(",")

    def parse_outputs(self, block: Block) -> None:
        for v in self.parse_refs():
            block.register_output(v)

    def parse_statements(self, block: Block, end: str) -> None:
        while not self.peek(end):
            if self.pos >= len(self.text):
                raise self.error(f"a node or '{end}'")
            self.parse_node(block)

    def parse_node(self, block: Block) -> None:
        outputs: list[tuple[str, Type, int]] = []
        if not self.peek("="):
            if not self.peek("%"):
                raise self.error("a node ('%name : Type = kind(...)')")
            outputs = self.parse_params("=")
        else:
            self.expect("=")
        kind = self.match(_KIND, "a node kind such as 'aten::add'").group()
        node = self.graph.create(kind, output_types=[t for _, t, _ in outputs])
        if self.peek("["):
            self.parse_attributes(node)
        node.add_inputs(self.parse_refs())
        self.parse_trailer(node)
        block.append(node)
        for value, (name, _, pos) in zip(node.outputs, outputs):
            self.define(value, name, pos)
        self.parse_blocks(node)

    def parse_trailer(self, node: Node) -> None:
        """`, scope: __module.fc` and `# file:line:col` after a node."""
        if self.accept(","):
            self.expect("scope:")
            node.scope = self.match(re.compile(r"\S+"), "a scope name").group()
        self.skip_inline_ws()
        if self.text.startswith("#", self.pos):
            node.source_range = self.parse_source_comment()

    def skip_inline_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def parse_source_comment(self) -> SourceRange:
        start = self.pos
        end = self.text.find("\n", start)
        end = len(self.text) if end < 0 else end
        comment = self.text[start:end].rstrip("\r")
        m = re.fullmatch(r"# (.+):(\d+):(\d+)", comment)
        if m is None:
            raise self.error("a source comment '# file:line:col'", start)
        self.pos = end
        return SourceRange(m.group(1), int(m.group(2)), int(m.group(3)))

    def parse_blocks(self, node: Node) -> None:
        while True:
            self.skip_ws()
            m = _BLOCK.match(self.text, self.pos)
            if m is None:
                return
            if int(m.group(1)) != len(node.blocks):
                raise self.error(f"'block{len(node.blocks)}'")
            self.pos = m.end()
            with self.nested("blocks"):
                self.parse_block(node.add_block())

    def parse_block(self, block: Block) -> None:
        self.scopes.append({})
        for name, type, pos in self.parse_params(")"):
            self.define(block.add_input(type), name, pos)
        self.expect(":")
        self.parse_statements(block, "->")
        self.expect("->")
        self.parse_outputs(block)
        self.scopes.pop()

    # -- attributes --------------------------------------------------------------------------
    def parse_attributes(self, node: Node) -> None:
        self.expect("[")
        hint = node.outputs[0].type if node.kind == "prim::Constant" and node.outputs else None
        while True:
            name_pos = self.pos
            name = self.match(_ATTR_NAME, "an attribute name").group()
            if name in node.attributes:
                raise self.error_msg(f"attribute '{name}' is given twice", name_pos)
            self.expect("=")
            if (node.kind, name) in _TYPE_LIST_ATTRIBUTES:
                self.expect("[")
                node.attributes[name] = self.parse_type_list("]")
            else:
                value = self.parse_value(hint if name == "value" else None)
                node.attributes[name] = coerce(value, hint) if name == "value" and hint else value
            if self.accept("]"):
                return
            self.expect(",")

    def parse_value(self, hint: Type | None) -> Any:
        with self.nested("values"):
            tensor_text = _TENSOR_TEXT.match(self.text, self.pos)
            if tensor_text is not None and _looks_numeric(tensor_text.group(1)):
                return self.parse_tensor_text(tensor_text, hint)
            self.skip_ws()
            for prefix, parse in self.value_parsers():
                if self.text.startswith(prefix, self.pos):
                    return parse(hint)
            if _NUMBER.match(self.text, self.pos):
                return self.parse_number()
            if _IDENT.match(self.text, self.pos):
                return self.parse_word(hint)
            raise self.error("an attribute value")

    def value_parsers(self) -> list[tuple[str, Callable[[Type | None], Any]]]:
        return [
            ('"', lambda _: self.parse_string()),
            ("[", self.parse_list),
            ("(", self.parse_tuple),
            ("{", self.parse_brace),
            ("<Tensor>", self.parse_opaque_tensor),
            ("annotate(", self.parse_annotate),
        ]

    def parse_number(self) -> int | float | complex:
        start = self.pos
        real = self.match(_NUMBER, "a number").group()
        m = re.compile(r"([-+](?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))j").match(
            self.text, self.pos
        )
        if m is not None:
            self.pos = m.end()
            return complex(float(real), float(m.group(1)))
        if _INT.fullmatch(real):
            return int(real)
        try:
            return float(real)
        except ValueError:
            raise self.error("a number", start) from None

    def parse_word(self, hint: Type | None) -> Any:
        start = self.pos
        word = self.match(_IDENT, "a value").group()
        if word in _WORDS:
            return _WORDS[word]
        if isinstance(hint, EnumType) and word.startswith(hint.qualified_name + "."):
            return EnumConstant(hint.qualified_name, word[len(hint.qualified_name) + 1 :])
        self.pos = start
        return self.parse_type()

    def parse_string(self) -> str:
        start = self.pos
        self.pos += 1
        out = bytearray()
        while True:
            if self.pos >= len(self.text) or self.text[self.pos] == "\n":
                raise self.error_msg("unterminated string literal", start)
            c = self.text[self.pos]
            if c == '"':
                self.pos += 1
                break
            if c == "\\":
                out.extend(self.parse_escape())
            else:
                out.extend(c.encode("utf-8", "surrogatepass"))
                self.pos += 1
        try:
            return out.decode("utf-8")
        except UnicodeDecodeError as e:
            raise self.error_msg(f"string literal is not valid UTF-8 ({e.reason})", start) from e

    def parse_escape(self) -> bytes:
        pos = self.pos
        c = self.text[pos + 1 : pos + 2]
        if c in _ESCAPES:
            self.pos += 2
            return bytes([_ESCAPES[c]])
        digits = self.text[pos + 1 : pos + 4]
        if len(digits) == 3 and all(d in _OCTAL_DIGIT for d in digits):
            d0, d1, d2 = (_OCTAL_DIGIT[d] for d in digits)
            self.pos += 4
            return bytes([(d0 * 64 + d1 * 8 + d2) & 0xFF])
        raise self.error("an escape sequence such as '\\n', '\\\"' or '\\303'", pos)

    def parse_list(self, hint: Type | None) -> list[Any]:
        elem = hint.elem if isinstance(hint, ListType) else None
        return self.parse_sequence("[", "]", lambda i: elem)

    def parse_tuple(self, hint: Type | None) -> tuple[Any, ...]:
        elems = hint.elems if isinstance(hint, TupleType) else ()
        return tuple(self.parse_sequence("(", ")", lambda i: elems[i] if i < len(elems) else None))

    def parse_sequence(
        self, open: str, close: str, hint: Callable[[int], Type | None]
    ) -> list[Any]:
        self.expect(open)
        items: list[Any] = []
        while not self.accept(close):
            items.append(self.parse_value(hint(len(items))))
            if self.accept(close):
                break
            self.expect(",")
        return items

    def parse_brace(self, hint: Type | None) -> Any:
        """`{2}` (a one-element tensor) or `{"a": 1}` (a dict)."""
        start = self.pos
        self.expect("{")
        if isinstance(hint, SetType):
            return self.finish_set(hint.elem)
        if self.accept("}"):
            return {}
        key_hint, value_hint = (hint.key, hint.value) if isinstance(hint, DictType) else (None,) * 2
        first = self.parse_value(key_hint)
        if not self.accept("}"):
            return self.finish_dict(first, value_hint)
        if _is_complex_pair(first):
            first = complex(*first)
        if not isinstance(first, (int, float, complex)) or isinstance(first, bool):
            raise self.error("a number in a tensor constant '{...}'", start + 1)
        return self.finish_tensor_scalar(first, hint)

    def finish_tensor_scalar(self, v: int | float | complex, hint: Type | None) -> torch.Tensor:
        dtype, shape, device = _tensor_layout(hint)
        shape = shape if shape is not None and math.prod(shape) == 1 else ()
        return self.make_tensor(lambda: torch.tensor(v, dtype=dtype).reshape(shape), device)

    def make_tensor(self, build: Callable[[], torch.Tensor], device: Any) -> torch.Tensor:
        """Build a tensor constant; torch's complaints (overflow, no such device) become ours."""
        start = self.pos
        try:
            t = build()
            return t if device is None or str(device) == "cpu" else t.to(device)
        except (RuntimeError, TypeError, ValueError, OverflowError) as e:
            raise self.error_msg(f"invalid tensor constant: {e}", start) from e

    def finish_set(self, elem: Type) -> set[Any]:
        """`{1, 2}` after its `{`, for a value of a `Set(T)` type (elements inserted in order)."""
        return {_hashable(v, self) for v in self.parse_sequence("", "}", lambda i: elem)}

    def finish_dict(self, first_key: Any, value_hint: Type | None) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        key = first_key
        while True:
            self.expect(":")
            result[_hashable(key, self)] = self.parse_value(value_hint)
            if self.accept("}"):
                return result
            self.expect(",")
            key = self.parse_value(None)

    def parse_opaque_tensor(self, hint: Type | None) -> Any:
        self.expect("<Tensor>")
        return OPAQUE_TENSOR

    def parse_annotate(self, hint: Type | None) -> Any:
        """`annotate(List[int], [])`: an empty container; its type is the output's type."""
        self.expect("annotate(")
        depth = 0
        while self.pos < len(self.text) and not (depth == 0 and self.text[self.pos] == ","):
            depth += {"[": 1, "]": -1}.get(self.text[self.pos], 0)
            if depth < 0 or self.text[self.pos] == "\n":
                raise self.error("',' after the annotation")
            self.pos += 1
        self.expect(",")
        value = self.parse_value(hint)
        self.expect(")")
        return value

    def parse_tensor_text(self, m: re.Match[str], hint: Type | None) -> torch.Tensor:
        scalar_name, dims_text = m.group(3), m.group(4)
        dtype = DTYPE_BY_SCALAR_NAME.get(scalar_name)
        if dtype is None:
            raise self.error(f"a known scalar type, not '{scalar_name}'", m.start(3))
        dims = [int(d) for d in dims_text.split(",") if d]
        values = _tensor_values(_TENSOR_NOISE.sub(" ", m.group(1)))
        if values is None or len(values) != math.prod(dims):
            raise self.error(f"{math.prod(dims)} tensor elements", m.start())
        self.pos = m.end()
        build = lambda: torch.tensor(values, dtype=torch.float64).to(dtype).reshape(dims)  # noqa: E731
        return self.make_tensor(build, m.group(2).lower())

    # -- types -------------------------------------------------------------------------------
    def parse_type(self) -> Type:
        with self.nested("types"):
            t = self.parse_base_type()
            while True:
                if self.text.startswith("[]", self.pos):
                    self.pos += 2
                    t = ListType(t)
                elif self.text.startswith("?", self.pos):
                    self.pos += 1
                    t = OptionalType(t)
                else:
                    return t

    def parse_base_type(self) -> Type:
        self.skip_ws()
        if self.accept("("):
            return self.parse_tuple_type()
        start = self.pos
        name = self.match(_IDENT, "a type").group()
        composite = _COMPOSITE_TYPES.get(name)
        if composite is not None and self.text.startswith(composite[0], self.pos):
            self.pos += len(composite[0])
            return composite[1](self)
        tensor = self.parse_tensor_type(name)
        if tensor is not None:
            return tensor
        if name in SIMPLE_TYPES:
            return SIMPLE_TYPES[name]
        if "." in name and not name.endswith("."):
            return self.class_types.get(name) or ClassType(name)
        raise self.error("a type", start)

    def parse_type_list(self, close: str) -> list[Type]:
        types: list[Type] = []
        if self.accept(close):
            return types
        while True:
            types.append(self.parse_type())
            if self.accept(close):
                return types
            self.expect(",")

    def parse_tuple_type(self) -> Type:
        """`(int, str)`, or `(int, ...)`: a tuple of any length (`Tuple[int, ...]`)."""
        if self.accept(")"):
            return TupleType(())
        first = self.parse_type()
        if self.accept(")"):
            return TupleType((first,))
        self.expect(",")
        if self.accept("..."):
            self.expect(")")
            return VarTupleType(first)
        return TupleType((first, *self.parse_type_list(")")))

    def parse_set_type(self) -> Type:
        elem = self.parse_type()
        self.expect(")")
        return SetType(elem)

    def parse_named_tuple(self) -> Type:
        names: list[str] = []
        types: list[Type] = []
        while True:
            names.append(self.match(_ATTR_NAME, "a field name").group())
            self.expect(":")
            types.append(self.parse_type())
            if self.accept(")"):
                return TupleType(tuple(types), None, tuple(names))
            self.expect(",")

    def parse_dict_type(self) -> Type:
        key = self.parse_type()
        self.expect(",")
        value = self.parse_type()
        self.expect(")")
        return DictType(key, value)

    def parse_union_type(self) -> Type:
        return UnionType(tuple(self.parse_type_list(")")))

    def parse_future_type(self) -> Type:
        elem = self.parse_type()
        self.expect("]")
        return FutureType(elem)

    def parse_enum_type(self) -> Type:
        name = self.match(_IDENT, "an enum's qualified name").group()
        self.expect(">")
        found = self.class_types.get(name)
        return found if isinstance(found, EnumType) else EnumType(name)

    def parse_tensor_type(self, name: str) -> TensorType | None:
        """`Tensor`, `FloatTensor`, `Float(2, *, strides=[3, 1], requires_grad=0, device=cpu)`."""
        base = name[: -len("Tensor")] if name.endswith("Tensor") and name != "Tensor" else name
        dtype = DTYPE_BY_SCALAR_NAME.get(base)
        if name != "Tensor" and dtype is None:
            return None
        ranked = name == "Tensor" or name == base
        fields: dict[str, Any] = {"dtype": dtype, "sizes": None}
        if self.text.startswith("(", self.pos):
            self.pos += 1
            fields.update(self.parse_tensor_details(ranked))
        elif name != "Tensor" and ranked:
            raise self.error(f"'(' after the scalar type '{name}'")
        return TensorType(**fields)

    def parse_tensor_details(self, ranked: bool) -> dict[str, Any]:
        sizes: list[int | None] = []
        fields: dict[str, Any] = {}
        strides_at = self.pos
        while not self.accept(")"):
            if fields or sizes:
                self.expect(",")
            key = re.compile(r"(strides|requires_grad|device)=").match(self.text, self._ws())
            if key is not None:
                strides_at = self.pos if key.group(1) == "strides" else strides_at
                self.pos = key.end()
                fields[key.group(1)] = self.parse_tensor_field(key.group(1))
            elif ranked and not fields:
                sizes.append(self.parse_dim())
            else:
                raise self.error("'strides=', 'requires_grad=' or 'device='")
        fields["sizes"] = tuple(sizes) if ranked else None
        n_strides = len(fields.get("strides", sizes))
        if n_strides != len(sizes):
            raise self.error_msg(f"expected {len(sizes)} strides, found {n_strides}", strides_at)
        return fields

    def _ws(self) -> int:
        self.skip_ws()
        return self.pos

    def parse_dim(self) -> int | None:
        if self.accept("*"):
            return None
        return int(self.match(_INT, "a dimension size or '*'").group())

    def parse_tensor_field(self, key: str) -> Any:
        if key == "strides":
            self.expect("[")
            strides = []
            while not self.accept("]"):
                if strides:
                    self.expect(",")
                strides.append(int(self.match(_INT, "a stride").group()))
            return tuple(strides)
        if key == "requires_grad":
            return bool(int(self.match(re.compile(r"[01]"), "0 or 1").group()))
        device = self.match(_DEVICE, "a device such as 'cpu'").group()
        try:
            return torch.device(device)
        except RuntimeError:
            raise self.error("a device such as 'cpu'", self.pos - len(device)) from None


class _Depth:
    def __init__(self, parser: _Parser, what: str) -> None:
        self.parser, self.what = parser, what

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            raise self.parser.error_msg(
                f"{self.what} nested more than {MAX_DEPTH} levels deep", self.parser.pos
            )

    def __exit__(self, *exc: object) -> None:
        self.parser.depth -= 1


_WORDS: dict[str, Any] = {"True": True, "False": False, "None": None}

_COMPOSITE_TYPES: dict[str, tuple[str, Callable[[_Parser], Type]]] = {
    "NamedTuple": ("(", _Parser.parse_named_tuple),
    "Dict": ("(", _Parser.parse_dict_type),
    "Set": ("(", _Parser.parse_set_type),
    "Union": ("(", _Parser.parse_union_type),
    "Future": ("[", _Parser.parse_future_type),
    "Enum": ("<", _Parser.parse_enum_type),
}


def _looks_numeric(body: str) -> bool:
    stripped = body.lstrip()
    return stripped != "" and stripped[0] in "-0123456789(Cin"


def _is_complex_pair(v: Any) -> bool:
    return (isinstance(v, tuple) and len(v) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v))  # fmt: skip


def _hashable(key: Any, parser: _Parser) -> Any:
    try:
        hash(key)
    except TypeError:
        raise parser.error("a hashable dict key") from None
    return key


def _tensor_layout(hint: Type | None) -> tuple[torch.dtype | None, tuple[int, ...] | None, Any]:
    if not isinstance(hint, TensorType):
        return None, None, None
    shape = hint.sizes if hint.sizes is not None and None not in hint.sizes else None
    return hint.dtype, shape, hint.device  # type: ignore[return-value]


def _tensor_values(body: str) -> list[float] | None:
    """The numbers in torch's tensor print, with a leading `scale *` factor applied."""
    tokens = body.split()
    scale = 1.0
    values: list[float] = []
    i = 0
    while i < len(tokens):
        if i + 1 < len(tokens) and tokens[i + 1] == "*":
            scale = _float_or_none(tokens[i])
            if scale is None:
                return None
            i += 2
            continue
        v = _float_or_none(tokens[i])
        if v is None:
            return None
        values.append(v * scale)
        i += 1
    return values


def _float_or_none(s: str) -> float | None:
    return float(s) if _NUMBER.fullmatch(s) else None


# ---------------------------------------------------------------------------------------------
# constants take the Python type of their output (`10000000000000000` is a float if typed so)


def coerce(value: Any, type: Type | None) -> Any:
    """`value` as the Python value of IR type `type` (int→float, 0/1→bool, str→device...)."""
    if type is None or value is None:
        return value
    for ir_type, convert in _COERCIONS.items():
        if type == ir_type:
            return convert(value)
    if isinstance(type, OptionalType):
        return coerce(value, type.elem)
    if isinstance(type, ListType) and isinstance(value, list):
        return [coerce(v, type.elem) for v in value]
    if isinstance(type, TupleType) and isinstance(value, tuple) and len(value) == len(type.elems):
        return tuple(coerce(v, t) for v, t in zip(value, type.elems))
    if isinstance(type, DictType) and isinstance(value, dict):
        return {coerce(k, type.key): coerce(v, type.value) for k, v in value.items()}
    if isinstance(type, SetType) and isinstance(value, (set, dict)):
        return {coerce(v, type.elem) for v in value}
    return value


def _to_float(v: Any) -> Any:
    return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _to_bool(v: Any) -> Any:
    return bool(v) if isinstance(v, int) and v in (0, 1) else v


def _to_complex(v: Any) -> Any:
    return complex(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def _to_device(v: Any) -> Any:
    try:
        return torch.device(v) if isinstance(v, str) else v
    except RuntimeError:
        return v


_COERCIONS: dict[Type, Callable[[Any], Any]] = {
    FloatType: _to_float,
    BoolType: _to_bool,
    ComplexType: _to_complex,
    DeviceType: _to_device,
}

__all__ = ["MAX_DEPTH", "coerce", "parse_ir", "parse_type"]
