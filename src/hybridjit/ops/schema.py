"""Operator schemas: `aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor`.

A `Schema` is hybridjit's copy of a `torch._C.FunctionSchema`, with argument types from
`hybridjit.ir.types`. `str(schema)` reproduces TorchScript's schema string exactly (alias
annotations such as `Tensor(a!)`, sized lists `int[2]`, `SymInt`, quoted string defaults and
17-digit float defaults), and `parse_schema(str(schema)) == schema`.

Type spellings map onto the IR lattice: `int`/`SymInt`/`QScheme` -> int, `Scalar` -> NumberType,
`ScalarType`/`Layout`/`MemoryFormat` -> their int-like types, `Dimname` -> str, `t`/`t1`/`tVal`
-> VarType, `(str, t)` -> TupleType, `Dict(str, t)` -> DictType.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from hybridjit.errors import SchemaError
from hybridjit.ir import types as T


class _NoDefault:
    """The `default` of an argument that has none (distinct from a default of None)."""

    _instance: _NoDefault | None = None

    def __new__(cls) -> _NoDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __reduce__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


@dataclasses.dataclass(frozen=True)
class Argument:
    """One formal argument (or return) of a schema.

    `alias` is the annotation of the value itself (`a!` in `Tensor(a!)`, `a` in `t[](a)`,
    `a -> *` in `Tensor(a -> *)`); `elem_alias` the annotation of a list's elements
    (`a!` in `Tensor(a!)[]`). `N` is the size of a sized list (`int[2]`). `spelling` is the
    schema's name for the base type when the IR type prints differently (`SymInt`,
    `Dimname`, `AnyEnumType`). List defaults are stored as tuples.
    """

    name: str
    type: T.Type
    default: Any = NO_DEFAULT
    kwarg_only: bool = False
    alias: str | None = None
    N: int | None = None
    elem_alias: str | None = None
    spelling: str | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT

    @property
    def is_write(self) -> bool:
        """Whether the op mutates this argument (`Tensor(a!)`)."""
        return any(a is not None and "!" in a for a in (self.alias, self.elem_alias))

    def type_str(self) -> str:
        """The type as the schema spells it, annotations included (`Tensor(a!)?`)."""
        opt = isinstance(self.type, T.OptionalType)
        inner = self.type.elem if opt else self.type  # type: ignore[attr-defined]
        if isinstance(inner, T.ListType):
            text = self.spelling or str(inner.elem)
            text += _ann(self.elem_alias) + f"[{'' if self.N is None else self.N}]"
        else:
            text = self.spelling or str(inner)
        return text + _ann(self.alias) + ("?" if opt else "")

    def __str__(self) -> str:
        text = self.type_str() + (f" {self.name}" if self.name else "")
        if self.has_default:
            text += "=" + format_default(self.default, self)
        return text


def _ann(alias: str | None) -> str:
    return "" if alias is None else f"({alias})"


@dataclasses.dataclass(frozen=True)
class Schema:
    """An operator overload's signature; `str(s)` is TorchScript's schema string."""

    name: str
    overload_name: str
    arguments: tuple[Argument, ...]
    returns: tuple[Argument, ...]
    is_vararg: bool = False
    is_varret: bool = False

    @property
    def qualified_overload(self) -> str:
        """`aten::add.Tensor`; just the name for the default overload."""
        return f"{self.name}.{self.overload_name}" if self.overload_name else self.name

    @property
    def namespace(self) -> str:
        return self.name.split("::", 1)[0]

    @property
    def is_mutable(self) -> bool:
        return any(a.is_write for a in self.arguments)

    def argument(self, name: str) -> Argument | None:
        return next((a for a in self.arguments if a.name == name), None)

    def __str__(self) -> str:
        return f"{self.qualified_overload}({self._args_str()}) -> {self._returns_str()}"

    def _args_str(self) -> str:
        parts: list[str] = []
        seen_kwarg_only = False
        for arg in self.arguments:
            if arg.kwarg_only and not seen_kwarg_only:
                parts.append("*")
                seen_kwarg_only = True
            parts.append(str(arg))
        if self.is_vararg:
            parts.append("...")
        return ", ".join(parts)

    def _returns_str(self) -> str:
        parts = [str(r) for r in self.returns] + (["..."] if self.is_varret else [])
        single = len(self.returns) == 1 and not self.is_varret
        need_paren = not (single or (not self.returns and self.is_varret))
        if single and parts[0].startswith("("):
            need_paren = True
        text = ", ".join(parts)
        return f"({text})" if need_paren else text


# ---------------------------------------------------------------------------------------------
# default values, printed as c10's IValue printer does


def format_default(value: Any, arg: Argument | None = None) -> str:
    """A default value as it appears after `=` in a schema string."""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, (tuple, list)):
        collapse = arg is not None and _is_plain_int_list(arg) and len(value) > 1
        if collapse and all(v == value[0] for v in value):
            return format_default(value[0])
        return "[" + ", ".join(format_default(v) for v in value) + "]"
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, complex):
        return f"{_format_float(value.real)}+{_format_float(value.imag)}j"
    return str(value)


def _is_plain_int_list(arg: Argument) -> bool:
    t = arg.type.elem if isinstance(arg.type, T.OptionalType) else arg.type
    return isinstance(t, T.ListType) and t.elem == T.IntType and arg.spelling is None


def _format_float(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    text = f"{v:.17g}"
    return text + "." if re.fullmatch(r"-?\d+", text) else text


_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\a": "\\a", "\b": "\\b", "\f": "\\f",
            "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}  # fmt: skip
_UNESCAPES = {v[1]: k for k, v in _ESCAPES.items()}


def _quote(s: str) -> str:
    out = []
    for c in s:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif c.isprintable() and ord(c) < 128:
            out.append(c)
        else:
            out.append(f"\\x{ord(c):02x}")
    return '"' + "".join(out) + '"'


# ---------------------------------------------------------------------------------------------
# parsing schema text

_BASE_TYPES: dict[str, tuple[T.Type, str | None]] = {
    "Tensor": (T.TENSOR, None),
    "SymInt": (T.IntType, "SymInt"),
    "SymBool": (T.BoolType, "SymBool"),
    "SymFloat": (T.FloatType, "SymFloat"),
    "QScheme": (T.IntType, "QScheme"),
    "Dimname": (T.StrType, "Dimname"),
    "AnyEnumType": (T.AnyEnumType, "AnyEnumType"),
    "AnyClassType": (T.AnyClassType, "AnyClassType"),
    "t": (T.VarType("t"), None),
    **{name: (t, None) for name, t in T.SIMPLE_TYPES.items()},
}

# Enum spellings native_functions.yaml uses for defaults; graphs carry them as ints.
_ENUM_DEFAULTS = {
    "contiguous_format": 0, "preserve_format": 1, "channels_last": 2, "channels_last_3d": 3,
    "strided": 0, "long": 4, "float": 6, "per_tensor_affine": 0,
}  # fmt: skip

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<num>-?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|inf\b|nan\b))(?P<j>j?)|(?P<arrow>->)|(?P<ell>\.\.\.)|(?P<id>[A-Za-z_][\w.]*(?:::[\w.]+)?)|(?P<p>[()\[\],=*?!|]))""",  # noqa: E501
    re.IGNORECASE,
)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.toks.append(("eof", ""))
        self.i = 0

    def peek(self, k: int = 0) -> tuple[str, str]:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("eof", "")

    def next(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += tok[0] != "eof"  # the `eof` sentinel is never passed
        return tok

    def at(self, value: str) -> bool:
        kind, text = self.toks[self.i]
        return text == value and kind != "str"

    def accept(self, value: str) -> bool:
        kind, text = self.toks[self.i]
        if text == value and kind != "str":
            self.i += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            raise SchemaError(f"expected {value!r} but found {self.peek()[1]!r} in {self.text!r}")

    # schema := name [. overload] ( args ) -> returns
    def schema(self) -> Schema:
        kind, qual = self.next()
        if kind != "id" or "::" not in qual:
            raise SchemaError(f"expected a qualified operator name but found {qual!r}")
        name, overload = _split_overload(qual)
        self.expect("(")
        args, vararg = self.arg_list(")", is_return=False)
        self.expect("->")
        returns, varret = self.returns()
        if self.peek()[0] != "eof":
            raise SchemaError(f"unexpected {self.peek()[1]!r} after schema in {self.text!r}")
        return Schema(name, overload, tuple(args), tuple(returns), vararg, varret)

    def returns(self) -> tuple[list[Argument], bool]:
        if self.accept("..."):
            return [], True
        # `-> (Tensor, Tensor)` lists returns; a tuple-typed return is wrapped: `-> ((str, t)[])`.
        if self.accept("("):
            return self.arg_list(")", is_return=True)
        return [self.argument(is_return=True, kwarg_only=False)], False

    def arg_list(self, close: str, is_return: bool) -> tuple[list[Argument], bool]:
        args: list[Argument] = []
        vararg = kwarg_only = False
        while not self.accept(close):
            if args or vararg or kwarg_only:
                if not self.at(close):
                    self.expect(",")
            if self.accept("*"):
                kwarg_only = True
            elif self.accept("..."):
                vararg = True
            elif not self.at(close):
                args.append(self.argument(is_return, kwarg_only))
        return args, vararg

    def argument(self, is_return: bool, kwarg_only: bool) -> Argument:
        fields = self.type_with_annotations()
        name = ""
        kind, text = self.peek()
        if kind == "id" or (kind == "num" and text.isalpha()):  # an argument named `nan`
            name = self.next()[1]
        default: Any = NO_DEFAULT
        if not is_return and self.accept("="):
            default = self.default_value(fields)
        return Argument(name, default=default, kwarg_only=kwarg_only, **fields)

    def type_with_annotations(self) -> dict[str, Any]:
        t, spelling = self.base_type()
        alias = elem_alias = n = None
        while True:
            if self.at("("):
                alias = self.annotation()
            elif self.accept("["):
                if self.peek()[0] == "num":
                    n = int(self.next()[1])
                self.expect("]")
                spelling = spelling if not isinstance(t, T.ListType) else None
                t, elem_alias, alias = T.ListType(t), alias, None
            elif self.accept("?"):
                t = T.OptionalType(t)
            else:
                return dict(type=t, alias=alias, elem_alias=elem_alias, N=n, spelling=spelling)

    def annotation(self) -> str:
        self.expect("(")
        parts: list[str] = []
        while not self.accept(")"):
            kind, value = self.next()
            if kind == "eof":
                raise SchemaError(f"unterminated alias annotation in {self.text!r}")
            parts.append(value)
        text = " ".join(parts)
        return re.sub(r"\s*([!|])\s*", r"\1", text).replace(" !", "!")

    def base_type(self) -> tuple[T.Type, str | None]:
        if self.accept("("):
            elems = self.type_list(")")
            return T.TupleType(tuple(elems)), None
        kind, name = self.next()
        if kind != "id":
            raise SchemaError(f"expected a type but found {name!r} in {self.text!r}")
        if name in _CONTAINERS:
            self.expect("(")
            return _CONTAINERS[name](self.type_list(")")), None
        if name in _BASE_TYPES:
            return _BASE_TYPES[name]
        if "." in name:
            return T.ClassType(name), None
        if name[:1].islower():
            return T.VarType(name), None
        raise SchemaError(f"unknown type {name!r} in schema {self.text!r}")

    def type_list(self, close: str) -> list[T.Type]:
        elems: list[T.Type] = []
        while not self.accept(close):
            if elems:
                self.expect(",")
            fields = self.type_with_annotations()
            elems.append(fields["type"])
        return elems

    def default_value(self, fields: dict[str, Any]) -> Any:
        value = self.literal()
        t = fields["type"]
        inner = t.elem if isinstance(t, T.OptionalType) else t
        if isinstance(inner, T.ListType) and value is not None and not isinstance(value, tuple):
            return (value,) * (fields["N"] or 1)
        return value

    def literal(self) -> Any:
        kind, text = self.next()
        if kind == "str":
            return _unquote(text)
        if kind == "num":
            return _number(text)
        if kind == "complex":
            return complex(0, _number(text))
        if text == "[":
            items: list[Any] = []
            while not self.accept("]"):
                if items:
                    self.expect(",")
                items.append(self.literal())
            return tuple(items)
        consts = {"True": True, "False": False, "None": None, **_ENUM_DEFAULTS}
        if kind == "id" and text in consts:
            return consts[text]
        raise SchemaError(f"bad default value {text!r} in {self.text!r}")


_CONTAINERS: dict[str, Any] = {
    "Dict": lambda ts: T.DictType(ts[0], ts[1]),
    "Tuple": lambda ts: T.TupleType(tuple(ts)),
    "Future": lambda ts: T.FutureType(ts[0]),
    "Union": lambda ts: T.UnionType(tuple(ts)),
    "Optional": lambda ts: T.OptionalType(ts[0]),
}


def _tokenize(text: str) -> list[tuple[str, str]]:
    toks: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            break
        kind = m.lastgroup if m.lastgroup != "j" else "num"
        value = m.group(kind)  # type: ignore[arg-type]
        if kind == "num" and m.group("j"):
            kind = "complex"
        toks.append((kind, value))  # type: ignore[arg-type]
        pos = m.end()
    if text[pos:].strip():
        raise SchemaError(f"bad schema text at column {pos}: {text!r}")
    return toks


def _split_overload(qual: str) -> tuple[str, str]:
    ns, _, rest = qual.partition("::")
    name, _, overload = rest.partition(".")
    return f"{ns}::{name}", overload


def _number(text: str) -> int | float:
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return float(text)


def _unquote(text: str) -> str:
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "x":
                out.append(chr(int(body[i + 2 : i + 4], 16)))
                i += 4
                continue
            out.append(_UNESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_schema(text: str) -> Schema:
    """Parse a schema string such as `aten::add.int(int a, int b) -> int`.

    Raises SchemaError on malformed text.
    """
    return _Parser(text).schema()


def schema_from_torch(fs: Any) -> Schema:
    """Convert a `torch._C.FunctionSchema` (an `OpOverload._schema`) into a `Schema`.

    The conversion reads torch's canonical schema string: it is the one place that carries
    every alias annotation (torch's Python `alias_info` omits those on list elements).
    """
    schema = parse_schema(str(fs))
    _check_against_torch(schema, fs)
    return schema


def _check_against_torch(schema: Schema, fs: Any) -> None:
    if len(schema.arguments) != len(fs.arguments) or len(schema.returns) != len(fs.returns):
        raise SchemaError(f"could not convert torch schema {fs}")


def parse_schema_type(text: str) -> T.Type:
    """Parse one type in schema spelling: `int[]`, `Tensor?`, `Dict(str, t)`, `(int, float)`."""
    parser = _Parser(text)
    t = parser.type_with_annotations()["type"]
    if parser.peek()[0] != "eof":
        raise SchemaError(f"unexpected {parser.peek()[1]!r} after type in {text!r}")
    return t
