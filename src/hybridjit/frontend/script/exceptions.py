"""`try` / `except` / `else` / `finally` and `raise`, lowered to `prim::Try` (see
`ops/prims/exceptions.py` for the node's semantics).

    try:                                   %y : int = prim::Try[exceptions=[["builtins.IndexError"]]]()
        y = xs[i]                            block0():
    except IndexError as e:                    %y.1 : int = aten::__getitem__(%xs, %i)
        y = -1                                 -> (%y.1)
                                             block1(%e : Exception):
                                               -> (%neg1)

- Each block gets its own `Env`; variables assigned in any of them are merged into the
  node's outputs, as `prim::If` merges its branches (`merge_blocks`). Exits
  (`return`/`break`/`continue`) are the usual flag variables, so they merge the same way.
- A handler sees the variables as they were when the exception was raised: a variable
  assigned in the body (other than by its last, simple statement) is kept in a one-element
  list cell as well, which every assignment in the body updates and the handler reads.
- `else:` runs after the node when the body finished normally (a hidden flag output).
- `finally:` wraps everything in a second `prim::Try` whose catch-all handler runs the
  final statements and re-raises (`prim::Reraise`); on the normal path (including after a
  `return`, `break` or `continue`) the same statements follow the node.
- `raise` re-raises the exception being handled; `raise E(...) from cause` is
  `prim::RaiseFrom`; `raise e` of a caught exception re-raises it.
- A caught `e` supports `str(e)` and `e.args` (its arguments as strings).

Handler classes must be builtin exceptions or hybridjit's errors (`EXCEPTION_CLASSES`):
nothing else could be named in an archive.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable

from hybridjit.frontend.script.environment import RET_FLAG, Env, debug_name, is_hidden
from hybridjit.frontend.script.statements import assigned_names
from hybridjit.frontend.script.sugared import ExceptionValue, SimpleValue, SugaredValue
from hybridjit.ir import types as T
from hybridjit.ops.prims.exceptions import EXCEPTION_NAMES

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Node, Value

CATCH_ALL = "builtins.BaseException"
_SIMPLE_ASSIGNMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign)


class CaughtException(SimpleValue):
    """The `e` of `except ... as e` (a graph value of type Exception)."""

    def describe(self) -> str:
        return "a caught exception"

    def attr(self, c: C, name: str) -> SugaredValue:
        if name == "args":
            return SimpleValue(
                c.emit("prim::ExceptionArgs", [self.v], [T.ListType(T.StrType)]).output
            )
        c.fail(f"expected 'args' or str(e) of a caught exception, found attribute '{name}'")


class ExceptionsMixin:
    """`build_Try` and `build_Raise`; mixed into FunctionCompiler before the statements."""

    # -- raise -------------------------------------------------------------------------------
    def build_Raise(self: C, stmt: ast.Raise) -> None:
        handling: list[Value] = getattr(self, "_hj_handling", [])
        if stmt.exc is None:
            if not handling:
                self.fail("expected a bare 'raise' inside an 'except' block (nothing is being "
                          "handled here); raise an exception instance, like 'raise ValueError(...)'")  # fmt: skip
            self._reraise(handling[-1])
            return
        exc = self.emit_expr(stmt.exc)
        if isinstance(exc, CaughtException):
            self._reraise(exc.v)
            return
        if stmt.cause is None:
            self.emit_raise(exc)
            return
        if not isinstance(exc, ExceptionValue):
            self.fail(f"expected an exception to raise, found {exc.describe()}", stmt.exc)
        cause = self.emit_expr(stmt.cause)
        if isinstance(cause, CaughtException):
            cause_v = cause.v
        else:
            cause_v = cause.value(self) if isinstance(cause, SimpleValue) else None
            if cause_v is None or cause_v.type != T.NoneType:
                self.fail("expected 'from e' (a caught exception) or 'from None', found "
                          f"{cause.describe()}", stmt.cause)  # fmt: skip
        msg = exc.message if exc.message is not None else self.const("")
        name = exception_name(exc.cls)
        self.emit("prim::RaiseFrom", [msg, self.const(name), cause_v], [])
        self.env.dead = self.env.exited = True

    def _reraise(self: C, e: Value) -> None:
        self.emit("prim::Reraise", [e], [])
        self.env.dead = self.env.exited = True

    # -- try ---------------------------------------------------------------------------------
    def build_TryStar(self: C, stmt: ast.AST) -> None:
        self.fail("expected 'try: ... except E:', found 'except*' (exception groups aren't "
                  "supported); catch the group's exceptions one by one with 'except E'")  # fmt: skip

    def build_Try(self: C, stmt: ast.Try) -> None:
        if stmt.finalbody:
            self._emit_finally(stmt)
        else:
            self._emit_try_except(stmt)

    def _emit_try_except(self: C, stmt: ast.Try) -> None:
        if not stmt.handlers:  # `try: ... finally: ...`: the body alone
            self.emit_statements(stmt.body)
            return
        ok = f"$try_ok{id(stmt)}" if stmt.orelse else None
        handlers = [(self._handler_classes(h), self._handler_fn(h, ok)) for h in stmt.handlers]

        def body() -> None:
            self.emit_statements(stmt.body)
            if ok is not None:
                self.env.set(ok, SimpleValue(self._completed_normally()))

        self.emit_try_node(body, handlers, stmt.body)
        if ok is not None:
            flag = self.env.lookup(ok).value(self)  # type: ignore[union-attr]
            self.emit_if(flag, lambda: self.emit_statements(stmt.orelse), lambda: None)

    def _completed_normally(self: C) -> Value:
        """True unless the body left by `return`/`break`/`continue` (then `else` is skipped)."""
        if self.env.exited:
            return self.const(False)
        if not self.env.may_set:
            return self.const(True)
        exited = self.any_flag(sorted(self.env.may_set))
        return self.call_builtin_values("aten::__not__", [exited], {})

    def _handler_classes(self: C, h: ast.ExceptHandler) -> list[str]:
        if h.type is None:
            return []
        elts = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
        names = []
        for elt in elts:
            with self.at(elt):
                sv = self.emit_expr(elt)
            if not isinstance(sv, ExceptionValue) or sv.message is not None:
                self.fail(f"expected an exception class to catch, found {sv.describe()}", elt)
            name = EXCEPTION_NAMES.get(sv.cls)
            if name is None:
                self.fail(f"expected a builtin exception class to catch, found "
                          f"{sv.cls.__qualname__} (only builtin exceptions can be named in "
                          f"compiled code); catch its builtin base class, like 'except "
                          f"{_builtin_base(sv.cls)}'", elt)  # fmt: skip
            names.append(name)
        return names

    def _handler_fn(self: C, h: ast.ExceptHandler, ok: str | None) -> Callable[[Value], None]:
        def run(e: Value) -> None:
            if ok is not None:
                self.env.set(ok, SimpleValue(self.const(False)))
            if h.name:
                e.set_debug_name(debug_name(h.name))
                self.env.set(h.name, CaughtException(e))
            self._handling_push(e)
            try:
                self.emit_statements(h.body)
            finally:
                self._hj_handling.pop()
            if h.name and isinstance(self.env.vars.get(h.name), CaughtException):
                del self.env.vars[h.name]  # Python deletes the name at the end of the handler

        return run

    def _handling_push(self: C, e: Value) -> None:
        if not hasattr(self, "_hj_handling"):
            self._hj_handling = []
        self._hj_handling.append(e)

    def _emit_finally(self: C, stmt: ast.Try) -> None:
        final = stmt.finalbody

        def handler(e: Value) -> None:
            self._handling_push(e)
            try:
                reraise = ast.copy_location(ast.Raise(exc=None, cause=None), final[-1])
                self.emit_statements([*final, reraise])
            finally:
                self._hj_handling.pop()

        body_stmts = [*stmt.body, *(s for h in stmt.handlers for s in h.body), *stmt.orelse]
        self.emit_try_node(lambda: self._emit_try_except(stmt), [([CATCH_ALL], handler)],
                           body_stmts, all_cells=True)  # fmt: skip
        self.after_protected(lambda: self.emit_statements(final))

    def after_protected(self: C, fn: Callable[[], None]) -> None:
        """Run `fn` (final statements, `__exit__`) on the normal path after a protected body:
        also after a `return`/`break`/`continue` in it, not when every path raised."""
        env = self.env
        if env.dead and RET_FLAG not in env.may_set:
            return
        saved = (set(env.may_set), env.exited, env.dead)
        env.may_set, env.exited, env.dead = set(), False, False
        fn()
        env.may_set |= saved[0]
        env.exited = env.exited or saved[1]
        env.dead = env.dead or saved[2]

    # -- the node ----------------------------------------------------------------------------
    def emit_try_node(self: C, body: Callable[[], None],
                      handlers: list[tuple[list[str], Callable[[Value], None]]],
                      body_stmts: list[ast.stmt], all_cells: bool = False) -> Node:  # fmt: skip
        cells = self._make_cells(body_stmts, all_cells)
        node = self.emit("prim::Try", [], [], {"exceptions": [names for names, _ in handlers]})
        envs = []
        block = node.add_block()
        env = Env(self.env, block)
        envs.append(env)
        stack = getattr(self, "_hj_cells", None)
        if stack is None:
            stack = self._hj_cells = []
        stack.append(cells)
        try:
            self.run_in_block(env, block, body)
        finally:
            stack.pop()
        for _, fn in handlers:
            block = node.add_block()
            e = block.add_input(T.ExceptionType)
            env = Env(self.env, block)
            envs.append(env)

            def fill(fn: Callable[[Value], None] = fn, e: Value = e) -> None:
                for name, cell in cells.items():
                    v = self.call_builtin_values("aten::__getitem__", [cell, self.const(0)], {})
                    self.env.set(name, SimpleValue(v))
                fn(e)

            self.run_in_block(env, block, fill)
        self.merge_blocks(node, envs)
        return node

    def _make_cells(self: C, body: list[ast.stmt], all_cells: bool) -> dict[str, Value]:
        """One-element lists holding the variables a handler must see as the body left them."""
        late = set(assigned_names(body))
        if not all_cells and body and isinstance(body[-1], _SIMPLE_ASSIGNMENTS):
            late = set(assigned_names(body[:-1]))  # the last assignment happens last (or never)
        cells: dict[str, Value] = {}
        for name in assigned_names(body):
            sv = self.env.lookup(name)
            if name not in late or is_hidden(name) or type(sv) is not SimpleValue:
                continue
            if sv.v.type == T.ExceptionType or sv.v.node.kind == "prim::Uninitialized":
                continue
            cells[name] = self.emit(
                "prim::ListConstruct", [sv.v], [T.ListType(T.unrefined(sv.v.type))]
            ).output
        return cells

    def bind(self: C, name: str, value: SugaredValue) -> None:
        super().bind(name, value)  # type: ignore[misc]
        for cells in getattr(self, "_hj_cells", ()):
            cell = cells.get(name)
            if cell is not None and isinstance(value, SimpleValue):
                v = value.v
                if T.is_subtype(v.type, cell.type.elem):
                    self.call_builtin_values("aten::_set_item", [cell, self.const(0), v], {})

    def merge_blocks(self: C, node: Node, envs: list[Env]) -> None:
        """Merge the variables of N blocks into `node`'s outputs (`merge_branches` for N)."""
        from hybridjit.frontend.script.compiler import UNKNOWN  # deferred: compiler imports us

        names: list[str] = []
        for env in envs:
            for name in env.vars:
                if name not in env.refined and name not in names:
                    names.append(name)
        for name in names:
            svs = [env.lookup(name) for env in envs]
            if is_hidden(name):
                if any(sv is None for sv in svs):
                    continue
                values = [sv.value(self) for sv in svs]  # type: ignore[union-attr]
            else:
                # Missing on a path that falls through: undefined after the node. A path that
                # left (break/continue/return/raise) gets a placeholder instead.
                if any(sv is None and not env.exited for sv, env in zip(svs, envs)):
                    continue
                reach = [sv if sv is not None and _reaches(env) else None
                         for sv, env in zip(svs, envs)]  # fmt: skip
                live = [sv for sv in reach if sv is not None]
                if not live:
                    continue
                if not all(isinstance(sv, SimpleValue) for sv in live):
                    if any(sv is not live[0] for sv in live):
                        self.fail(f"expected '{name}' to be the same object after every handler")
                    continue
                if any(isinstance(sv, CaughtException) for sv in live):
                    continue
                values = [sv.v if sv is not None else None for sv in reach]  # type: ignore[union-attr]
            joined = None
            for v in values:
                if v is None or v.type == UNKNOWN:
                    continue
                joined = (
                    v.type
                    if joined is None
                    else self.join_types(name, joined, v.type, envs[0], envs[-1])
                )
            if joined is None:
                joined = UNKNOWN
            for v, block in zip(values, node.blocks):
                if v is None:
                    with self.graph.inserting_into(block):
                        v = self.uninitialized(joined)
                block.register_output(self.coerce_in_block(v, joined, block))
            out = node.add_output(joined, debug_name(name))
            self.env.set(name, SimpleValue(out))
        for env in envs:
            self.env.may_set |= env.may_set
        self.env.dead = self.env.dead or all(env.dead for env in envs)
        self.env.exited = self.env.exited or all(env.exited for env in envs)


def _reaches(env: Env) -> bool:
    """Whether a block's variables can be read after the node: it falls through, or it may
    have returned (a `finally` or `__exit__` still runs and sees them)."""
    return not env.dead or RET_FLAG in env.may_set


def exception_isinstance(c: C, subject: SugaredValue, kinds: SugaredValue) -> Value | None:
    """`isinstance(e, ValueError)` / `isinstance(e, (A, B))` of a caught exception (a
    `prim::ExceptionMatches`), None when `subject` is no caught exception."""
    if not isinstance(subject, SimpleValue) or subject.v.type != T.ExceptionType:
        return None
    items = kinds.static_items() or [kinds]
    names = []
    for item in items:
        name = EXCEPTION_NAMES.get(item.cls) if isinstance(item, ExceptionValue) else None
        if name is None or item.message is not None:  # type: ignore[union-attr]
            c.fail(f"expected builtin exception classes to test a caught exception against, "
                   f"found {item.describe()}")  # fmt: skip
        names.append(name)
    return c.emit("prim::ExceptionMatches", [subject.v], [T.BoolType], {"exceptions": names}).output


def exception_name(cls: type) -> str:
    """`builtins.ValueError` for a builtin class (what prim::RaiseException names)."""
    return EXCEPTION_NAMES.get(cls) or f"{cls.__module__}.{cls.__qualname__}"


def _builtin_base(cls: type) -> str:
    for base in cls.__mro__[1:]:
        if base in EXCEPTION_NAMES:
            return base.__name__
    return "Exception"
