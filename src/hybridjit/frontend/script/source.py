"""Getting a function's source as an AST, with source ranges in file coordinates."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import linecache
import textwrap
from typing import Any, NoReturn

from hybridjit.errors import FrontendError
from hybridjit.ir.graph import SourceRange


@dataclasses.dataclass
class ParsedDef:
    """A parsed `def` (or `class`) with what is needed to map AST positions to the file."""

    node: ast.FunctionDef | ast.ClassDef
    filename: str
    line_offset: int  # file line of AST line 1, minus 1
    col_offset: int  # indentation removed by dedent
    source: str  # the whole file text (what SourceRange.highlight shows)

    def range(self, node: ast.AST) -> SourceRange:
        line = getattr(node, "lineno", 1) + self.line_offset
        col = getattr(node, "col_offset", 0) + self.col_offset
        end_col = None
        if getattr(node, "end_lineno", None) == getattr(node, "lineno", None):
            end_col = node.end_col_offset + self.col_offset  # type: ignore[attr-defined]
        return SourceRange(self.filename, line, col, self.source, end_col)


_CACHE: dict[Any, ParsedDef] = {}


def parse_def(obj: Any) -> ParsedDef:
    """The AST of a function or class, or a FrontendError when its source is unavailable."""
    key = getattr(obj, "__code__", obj)
    if key in _CACHE:
        return _CACHE[key]
    try:
        lines, start = inspect.getsourcelines(obj)
        filename = inspect.getsourcefile(obj) or "<unknown>"
    except (OSError, TypeError) as e:
        name = getattr(obj, "__qualname__", repr(obj))
        raise FrontendError(
            f"cannot script {name}: expected Python source to compile, found none ({e})"
        ) from None
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    indent = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
    if dedented == text:
        indent = 0
    tree = ast.parse(dedented)
    node = tree.body[0]
    source = "".join(linecache.getlines(filename)) or text
    if not linecache.getlines(filename):
        start = 1
    parsed = ParsedDef(node, filename, max(start, 1) - 1, indent, source)  # type: ignore[arg-type]
    _CACHE[key] = parsed
    return parsed


def format_error(message: str, where: SourceRange | None) -> str:
    """TorchScript-style: the message, the file and line, the source line and `~~~`."""
    if where is None:
        return message
    return f'{message}:\n  File "{where.filename}", line {where.line}\n{where.highlight()}'


def fail(message: str, where: SourceRange | None) -> NoReturn:
    raise FrontendError(format_error(message, where))
