"""Getting a function's source as an AST, with source ranges in file coordinates."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import linecache
import textwrap
import threading
from typing import Any, Callable, NoReturn, TypeVar

from hybridjit.errors import FrontendError
from hybridjit.frontend.script.type_comments import parse_with_type_comments
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

# Compiling reads and fills module-level caches (compiled functions, module and class types,
# parsed sources) and marks what is in progress to refuse recursion; one reentrant lock makes
# each compile atomic, so a thread never sees another's half-built function as "recursive".
COMPILE_LOCK = threading.RLock()
_F = TypeVar("_F", bound=Callable[..., Any])


def compiling(fn: _F) -> _F:
    """Run `fn` holding COMPILE_LOCK (reentrant: compiles nest within one thread)."""

    def locked(*args: Any, **kwargs: Any) -> Any:
        with COMPILE_LOCK:
            return fn(*args, **kwargs)

    locked.__name__, locked.__qualname__, locked.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    locked.__wrapped__ = fn  # type: ignore[attr-defined]
    return locked  # type: ignore[return-value]


def parse_def(obj: Any) -> ParsedDef:
    """The AST of a function or class, or a FrontendError when its source is unavailable."""
    # Code objects compare equal across files, so the file name is part of the key.
    code = getattr(obj, "__code__", None)
    key = (code, code.co_filename) if code is not None else obj
    if key in _CACHE:
        return _CACHE[key]
    try:
        lines, start, filename = _fast_source(obj) or _inspect_source(obj)
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
    tree = parse_with_type_comments(dedented)
    node = tree.body[0]
    source = "".join(linecache.getlines(filename)) or text
    if not linecache.getlines(filename):
        start = 1
    parsed = ParsedDef(node, filename, max(start, 1) - 1, indent, source)  # type: ignore[arg-type]
    _CACHE[key] = parsed
    return parsed


def _inspect_source(obj: Any) -> tuple[list[str], int, str]:
    lines, start = inspect.getsourcelines(obj)
    return lines, start, inspect.getsourcefile(obj) or "<unknown>"


def _code_lines(code: Any) -> int:
    """The last source line with bytecode in `code` or the code objects nested in it."""
    last = max((line for _, _, line in code.co_lines() if line), default=code.co_firstlineno)
    for const in code.co_consts:
        if hasattr(const, "co_lines"):
            last = max(last, _code_lines(const))
    return last


def _fast_source(obj: Any) -> tuple[list[str], int, str] | None:
    """A function's lines from linecache and its code object's line table -- much cheaper
    than `inspect.getsourcelines`, which tokenizes; None when that is not possible."""
    code = getattr(obj, "__code__", None)
    if code is None or code.co_name == "<lambda>":
        return None
    filename = code.co_filename
    all_lines = linecache.getlines(filename)
    start = code.co_firstlineno
    if not all_lines or start > len(all_lines):
        return None
    head = all_lines[start - 1]
    indent = len(head) - len(head.lstrip())
    end = _code_lines(code)
    while end < len(all_lines):
        nxt = all_lines[end]
        if (
            nxt.strip()
            and len(nxt) - len(nxt.lstrip()) <= indent
            and not nxt.lstrip().startswith(")")
        ):
            break
        end += 1
    while end > start and not all_lines[end - 1].strip():
        end -= 1
    return all_lines[start - 1 : end], start, filename


def format_error(message: str, where: SourceRange | None) -> str:
    """TorchScript-style: the message, the file and line, the source line and `~~~`."""
    if where is None:
        return message
    return f'{message}:\n  File "{where.filename}", line {where.line}\n{where.highlight()}'


def fail(message: str, where: SourceRange | None, detail: str | None = None) -> NoReturn:
    text = format_error(message, where)
    raise FrontendError(f"{text}\n{detail}" if detail else text) from None
