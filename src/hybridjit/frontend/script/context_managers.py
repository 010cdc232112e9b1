"""User context managers: `with obj:` / `with obj as v:` for script class objects.

    with m as v:            v = m.__enter__()
        body                try:  body                        (a `prim::Try`, as `finally`)
                            except BaseException as e:
                                if not m.__exit__(e, e, None): raise
                            m.__exit__(None, None, None)      (also after return/break/continue)

`__exit__`'s three parameters are typed `Optional[Exception]`: on an exception the first two
are the exception itself (test them against None), the traceback is None. A true result
suppresses the exception. `with torch.no_grad():` and the other grad modes keep their
lowering (`StatementsMixin.build_With`); several items nest, left to right.
"""

from __future__ import annotations

import ast
import inspect
from typing import TYPE_CHECKING

from hybridjit.frontend.script import classes
from hybridjit.frontend.script.calls import GRAD_MODES
from hybridjit.frontend.script.exceptions import CATCH_ALL
from hybridjit.frontend.script.sugared import SimpleValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value

EXIT_PARAMETER_TYPE = T.OptionalType(T.ExceptionType)


def is_grad_mode(item: ast.withitem) -> bool:
    expr = item.context_expr
    return isinstance(expr, ast.Call) and ast.unparse(expr.func).split(".")[-1] in GRAD_MODES


class ContextManagersMixin:
    """`build_With` for user context managers; grad modes go to the statements' builder."""

    def build_With(self: C, stmt: ast.With) -> None:
        if all(is_grad_mode(item) for item in stmt.items):
            super().build_With(stmt)  # type: ignore[misc]
            return
        first, rest = stmt.items[0], stmt.items[1:]
        body = stmt.body
        if rest:
            body = [ast.copy_location(ast.With(items=rest, body=stmt.body), rest[0].context_expr)]
        if is_grad_mode(first):
            super().build_With(ast.copy_location(ast.With(items=[first], body=body), stmt))  # type: ignore[misc]
            return
        self.emit_user_with(first, body)

    def emit_user_with(self: C, item: ast.withitem, body: list[ast.stmt]) -> None:
        expr = item.context_expr
        with self.at(expr):
            mgr = self.emit_expr(expr).value(self)
            t = mgr.type
            cls = t.python_class if isinstance(t, T.ClassType) and not t.is_module else None
            missing = [m for m in ("__enter__", "__exit__")
                       if cls is None or not inspect.isfunction(inspect.getattr_static(cls, m, None))]  # fmt: skip
            if missing:
                self.fail(f"expected a context manager (an object whose class defines __enter__ "
                          f"and __exit__, or torch.no_grad()), found a value of type '{t}' "
                          f"without {' and '.join(missing)}", expr)  # fmt: skip
            entered = classes.call_method(self, mgr, "__enter__", [], {})
        if item.optional_vars is not None:
            self.assign_to(item.optional_vars, entered)

        handled = f"$with_handled{id(item)}"  # the handler ran __exit__ (and suppressed)

        def protected() -> None:
            self.env.set(handled, SimpleValue(self.const(False)))
            self.emit_statements(body)

        def handler(e: Value) -> None:
            self.env.set(handled, SimpleValue(self.const(True)))
            with self.at(expr):
                suppress = self._exit_call(mgr, e)
            if suppress.node.kind == "prim::Constant" and not suppress.node["value"]:
                self._reraise(e)  # an __exit__ that never suppresses (returns None or False)
            else:
                self.emit_if(suppress, lambda: None, lambda: self._reraise(e))

        self.emit_try_node(protected, [([CATCH_ALL], handler)], body, all_cells=True)

        def normal_exit() -> None:
            flag = self.env.lookup(handled).value(self)  # type: ignore[union-attr]
            with self.at(expr):
                self.emit_if(flag, lambda: None, lambda: self._exit_call(mgr, None) and None)

        self.after_protected(normal_exit)

    def _exit_call(self: C, mgr: Value, e: Value | None) -> Value:
        """`mgr.__exit__(e, e, None)` (or all None); whether it suppresses the exception."""
        exc = SimpleValue(e if e is not None else self.const(None))
        none = SimpleValue(self.const(None))
        result = classes.call_method(self, mgr, "__exit__", [exc, exc, none], {}).value(self)
        if result.type == T.NoneType:
            return self.const(False)
        return self.to_bool(result)
