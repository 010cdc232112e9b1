"""Functions as compile-time values: nested `def`, `lambda`, and Python functions passed to or
returned from other functions.

A local function is not a graph value: `def g(y): ...` binds `g` to a `LocalFunction` that
holds its AST and where it was written, and each call `g(x)` compiles `g`'s body inline at
the call site, with `g`'s own names renamed apart (`inline_ast.rename`). Free names are not
renamed, so they read the enclosing function's *current* binding (as Python closures do),
and `nonlocal` assignments write the enclosing variable; the existing if/loop merging turns
both into ordinary values::

    def f(x):                        graph(%x : int):
        n = 10                         %n : int = prim::Constant[value=10]()
        def add(y):          ==>       %1 : int = aten::add(%x, %n)
            return y + n               return (%1)
        return add(x)

A Python function that receives a function value (`apply(lambda v: v * 2, x)`), returns
one, or is a generator is specialised the same way: its body is inlined with the argument
bound as a compile-time value. Recursion of an inlined function is a FrontendError naming it.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import inspect
import itertools
from typing import TYPE_CHECKING, Any, Iterator

from hybridjit.frontend.script import inline_ast
from hybridjit.frontend.script.sugared import (
    BuiltinValue,
    LambdaValue,
    MethodValue,
    PythonValue,
    SimpleValue,
    SpecialForm,
    SugaredTuple,
    SugaredValue,
)
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.frontend.script.types_from_annotations import Scope
    from hybridjit.ir.graph import SourceRange

_COUNTER = itertools.count(1)
FUNCTION_VALUE_HINT = ("call it, pass it to a function, return it from a helper, or hold "
                       "several in a tuple; it cannot be stored in a list, dict or a "
                       "variable chosen at run time")  # fmt: skip


# -- where a body's source lives ---------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Context:
    """The source (for source ranges) and the Python scope (for globals and annotations) a
    body was written in."""

    parsed: Any
    scope: Scope


class Pinned:
    """A ParsedDef stand-in that places every node at one source range (hybridjit's own
    helper bodies, e.g. `sorted(..., key=)`, report the user's call site)."""

    def __init__(self, where: SourceRange | None, parsed: Any) -> None:
        self.where, self.parsed = where, parsed

    def range(self, node: ast.AST) -> SourceRange | None:
        return self.where

    def __getattr__(self, name: str) -> Any:
        return getattr(self.parsed, name)


def current_context(c: C) -> Context:
    return Context(c.parsed, c.scope)


@contextlib.contextmanager
def in_context(c: C, ctx: Context) -> Iterator[None]:
    """Compile in `ctx`: its source ranges and its scope."""
    saved = c.parsed, c.scope, c._ranges
    c.parsed, c.scope = ctx.parsed, ctx.scope
    if ctx.parsed is not saved[0]:
        c._ranges = []  # the enclosing nodes are positions in another source
    try:
        yield
    finally:
        c.parsed, c.scope, c._ranges = saved


@contextlib.contextmanager
def _inlining(c: C, fn: LocalFunction) -> Iterator[None]:
    stack: list[Any] = c.__dict__.setdefault("_inline_stack", [])
    if any(o is fn.origin for o in stack):
        c.fail(f"expected no recursive call of '{fn.name}', found one (local functions and "
               "functions given function arguments are compiled inline; write the "
               "recursion as a loop)")  # fmt: skip
    stack.append(fn.origin)
    try:
        yield
    finally:
        stack.pop()


# -- the value ---------------------------------------------------------------------------------
class LocalFunction(LambdaValue):
    """A `def`/`lambda` (or a Python function being specialised) as a compile-time value.

    `defaults`: parameter name -> default, evaluated where the `def` ran; a Python
    function's are the objects in `python_defaults`, and its free names are its globals
    (`module_level`), not the caller's variables."""

    def __init__(self, node: inline_ast.Function, ctx: Context, name: str, origin: Any,
                 defaults: dict[str, SugaredValue] | None = None,
                 python_defaults: dict[str, Any] | None = None) -> None:  # fmt: skip
        super().__init__(node)
        self.ctx, self.name, self.origin = ctx, name, origin
        self.defaults = defaults or {}
        self.python_defaults = python_defaults or {}
        self.module_level = python_defaults is not None

    def describe(self) -> str:
        return "a lambda" if self.name == "<lambda>" else f"function '{self.name}'"

    def value(self, c: C) -> Any:
        c.fail(f"expected a value, found {self.describe()} (a function is a compile-time "
               f"value: {FUNCTION_VALUE_HINT})")  # fmt: skip

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return inline_call(c, self, args, kwargs)

    def is_generator(self) -> bool:
        body = self.node.body if isinstance(self.node, ast.FunctionDef) else [self.node.body]
        return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in inline_ast.walk_scope(body))


class Partial(SugaredValue):
    """`functools.partial(fn, *args, **kwargs)`: calls `fn` with those arguments first."""

    def __init__(self, fn: SugaredValue, args: list[SugaredValue],
                 kwargs: dict[str, SugaredValue]) -> None:  # fmt: skip
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def describe(self) -> str:
        return f"functools.partial of {self.fn.describe()}"

    def value(self, c: C) -> Any:
        c.fail(f"expected a value, found {self.describe()} ({FUNCTION_VALUE_HINT})")

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        return self.fn.call(c, [*self.args, *args], {**self.kwargs, **kwargs})


def partial_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    if not args or not is_function_value(args[0]):
        c.fail("expected functools.partial(function, ...), found "
               + (args[0].describe() if args else "no function"))  # fmt: skip
    return Partial(args[0], list(args[1:]), dict(kwargs))


def is_function_value(sv: SugaredValue) -> bool:
    """Whether `sv` is something callable that only exists at compile time."""
    # deferred: calls.py imports this module
    from hybridjit.frontend.script.calls import FunctionValue
    from hybridjit.frontend.script.generators import GeneratorValue

    if isinstance(sv, (LocalFunction, BuiltinValue, SpecialForm, FunctionValue, GeneratorValue,
                       MethodValue, Partial)):  # fmt: skip
        return True
    if isinstance(sv, SugaredTuple):
        return any(is_function_value(i) for i in sv.items)
    return isinstance(sv, PythonValue) and (inspect.isfunction(sv.obj) or inspect.isbuiltin(sv.obj))


# -- defining ----------------------------------------------------------------------------------
def define(c: C, node: ast.FunctionDef | ast.Lambda) -> LocalFunction:
    """The value of a `def` statement or `lambda` expression (defaults are evaluated now)."""
    if isinstance(node, ast.FunctionDef) and node.decorator_list:
        c.fail(f"expected a nested def without decorators, found @"
               f"{ast.unparse(node.decorator_list[0])} on '{node.name}'", node)  # fmt: skip
    a = node.args
    positional = [*a.posonlyargs, *a.args]
    defaults = {p.arg: c.emit_expr(d) for p, d in zip(positional[len(positional) - len(a.defaults):],
                                                   a.defaults)}  # fmt: skip
    defaults.update({p.arg: c.emit_expr(d) for p, d in zip(a.kwonlyargs, a.kw_defaults)
                     if d is not None})  # fmt: skip
    name = node.name if isinstance(node, ast.FunctionDef) else "<lambda>"
    return LocalFunction(node, current_context(c), name, node, defaults)


def python_function(fn: Any, where: SourceRange | None = None) -> LocalFunction:
    """A Python function as a value to inline (`where`: pin its source ranges there)."""
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import function_scope
    from hybridjit.frontend.script.source import parse_def

    parsed = parse_def(fn)
    ctx = Context(Pinned(where, parsed) if where is not None else parsed, function_scope(fn))
    node = parsed.node
    if not isinstance(node, ast.FunctionDef):
        raise TypeError(fn)
    return LocalFunction(node, ctx, fn.__name__, fn, python_defaults=_python_defaults(fn))


def _python_defaults(fn: Any) -> dict[str, Any]:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}


_SPECIALIZE: dict[Any, bool] = {}


def specialize(c: C, fn: Any, args: list[SugaredValue],
               kwargs: dict[str, SugaredValue]) -> SugaredValue | None:  # fmt: skip
    """Inline a call of Python function `fn` when it takes or returns a function value or is
    a generator; None: compile it as a function of its own."""
    if not inspect.isfunction(fn):
        return None
    if not any(is_function_value(a) for a in [*args, *kwargs.values()]):
        if fn not in _SPECIALIZE:
            _SPECIALIZE[fn] = inspect.isgeneratorfunction(fn) or _returns_function(fn)
        if not _SPECIALIZE[fn] and not _untyped_non_tensor(fn, args):
            return None
    return inline_call(c, python_function(fn), args, kwargs)


def _untyped_non_tensor(fn: Any, args: list[SugaredValue]) -> bool:
    """Whether an unannotated parameter (a Tensor, compiled on its own) receives a value of
    another type: the function is then specialised to the argument (Python would run it)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    params = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return any(p.annotation is inspect.Parameter.empty and isinstance(a, SimpleValue) and
               not isinstance(a.v.type, T.TensorType) for p, a in zip(params, args))  # fmt: skip


def _returns_function(fn: Any) -> bool:
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.source import parse_def

    try:
        node = parse_def(fn).node
    except Exception:  # noqa: BLE001 - not compilable source: compiled (and reported) normally
        return False
    scope = inline_ast.walk_scope(node.body)  # type: ignore[arg-type]
    local_defs = {n.name for n in scope if isinstance(n, ast.FunctionDef)}
    local_defs |= {t.id for n in scope if isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda)
                   for t in n.targets if isinstance(t, ast.Name)}  # fmt: skip
    return any(isinstance(n, ast.Return) and (isinstance(n.value, ast.Lambda) or (
        isinstance(n.value, ast.Name) and n.value.id in local_defs)) for n in scope)  # fmt: skip


# -- calling -----------------------------------------------------------------------------------
def inline_call(c: C, fn: LocalFunction, args: list[SugaredValue],
                kwargs: dict[str, SugaredValue]) -> SugaredValue:  # fmt: skip
    """`fn(*args, **kwargs)`: its body compiled here (a generator: a value to consume)."""
    k = next(_COUNTER)
    names = {n: f"{n}$f{k}" for n in inline_ast.local_names(fn.node)}
    globals_: dict[str, Any] = {}
    if fn.module_level:
        for n in sorted(inline_ast.free_loads(fn.node)):
            if n in fn.ctx.scope:
                names[n] = f"{n}$g{k}"
                globals_[names[n]] = fn.ctx.scope[n]
    copy: Any = inline_ast.rename(fn.node, names)
    bound = _bind_arguments(c, fn, copy, args, kwargs)
    with in_context(c, fn.ctx):
        for name, obj in globals_.items():
            c.env.set(name, c.resolve_python(obj))
        for name, sv in bound:
            c.bind(name, sv)
    if fn.is_generator():
        # deferred: generators.py imports this module
        from hybridjit.frontend.script.generators import GeneratorValue

        return GeneratorValue(c, copy.body, fn.ctx, fn.name, fn.origin)
    with _noted(c, fn), _inlining(c, fn), in_context(c, fn.ctx):
        if isinstance(copy, ast.Lambda):
            return c.emit_expr(copy.body)
        result = _emit_body(c, copy.body, k)
        if copy.returns is not None and isinstance(result, SimpleValue):
            t = c.annotation(copy.returns, copy.returns)
            result = SimpleValue(c.convert_to(result.v, t, f"the return value of {fn.name}()"))
        return result


def _noted(c: C, fn: LocalFunction) -> Any:
    """An error in an inlined Python function also names the call (as for a compiled one)."""
    # deferred: objects.py imports this module
    from hybridjit.frontend.script.objects import called_from

    if not fn.module_level or isinstance(fn.ctx.parsed, Pinned):
        return contextlib.nullcontext()
    return called_from(c, getattr(fn.origin, "__qualname__", fn.name))


def _bind_arguments(c: C, fn: LocalFunction, copy: Any, args: list[SugaredValue],
                    kwargs: dict[str, SugaredValue]) -> list[tuple[str, SugaredValue]]:  # fmt: skip
    """(renamed parameter, argument) pairs, as Python binds a call."""
    a, orig = copy.args, fn.node.args
    positional = list(zip([*orig.posonlyargs, *orig.args], [*a.posonlyargs, *a.args]))
    kwargs = dict(kwargs)
    out: list[tuple[str, SugaredValue]] = []
    if len(args) > len(positional) and a.vararg is None:
        c.fail(f"expected at most {len(positional)} arguments to {fn.name}(), found {len(args)}")
    posonly = {p.arg for p in orig.posonlyargs}
    for i, (old, new) in enumerate([*positional, *zip(orig.kwonlyargs, a.kwonlyargs)]):
        if i < len(positional) and i < len(args):
            sv = args[i]
        elif old.arg in kwargs and old.arg not in posonly:
            sv = kwargs.pop(old.arg)
        else:
            sv = _default(c, fn, old.arg)
        out.append((new.arg, _typed(c, fn, sv, new, old.arg)))
    if a.vararg is not None:
        out.append((a.vararg.arg, SugaredTuple(list(args[len(positional) :]))))
    if kwargs:
        c.fail(f"expected keyword arguments of {fn.name}(), found unknown '{next(iter(kwargs))}'")
    return out


def _default(c: C, fn: LocalFunction, name: str) -> SugaredValue:
    if name in fn.defaults:
        return fn.defaults[name]
    if name in fn.python_defaults:
        return c.resolve_python(fn.python_defaults[name])
    c.fail(f"expected argument '{name}' in the call to {fn.name}(), found none")


def _typed(c: C, fn: LocalFunction, sv: SugaredValue, param: ast.arg,
           name: str) -> SugaredValue:  # fmt: skip
    """An argument converted to its parameter's annotation (unannotated: as it is)."""
    if param.annotation is None or not isinstance(sv, SimpleValue):
        return sv
    with in_context(c, fn.ctx):
        t = c.annotation(param.annotation, param.annotation)
        return SimpleValue(c.convert_to(sv.v, t, f"argument '{name}' of {fn.name}()"))


def _emit_body(c: C, body: list[ast.stmt], k: int) -> SugaredValue:
    """The body's statements here; its result (None when it falls off the end)."""
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import UNKNOWN

    returns = [n for n in inline_ast.walk_scope(body) if isinstance(n, ast.Return)]
    if not returns or returns == body[-1:]:  # at most one, at the end
        last = body[-1] if body and isinstance(body[-1], ast.Return) else None
        c.emit_statements(body[:-1] if last is not None else body)
        if c.env.dead:
            return SimpleValue(c.uninitialized(T.NoneType))
        if last is None or last.value is None:
            return SimpleValue(c.const(None))
        with c.at(last):
            return c.emit_expr(last.value)
    rv, done = f"$rv{k}", f"$done{k}"
    rules = inline_ast.ExitRules(lambda s: _return_as_flags(s, rv, done),
                                 inline_ast.contains_kind((ast.Return,), True), done, True)  # fmt: skip
    if not inline_ast.block_exits(body, rules):
        body = [*body, inline_ast.located(ast.Return(None), body[-1])]  # type: ignore[list-item]
    lowered = inline_ast.lower_exits(body, rules)
    c.env.set(done, SimpleValue(c.const(False)))
    c.env.set(rv, SimpleValue(c.uninitialized(UNKNOWN)))
    c.emit_statements(lowered)
    return c.env.lookup(rv)  # type: ignore[return-value]


def _return_as_flags(stmt: ast.stmt, rv: str, done: str) -> list[ast.stmt] | None:
    if not isinstance(stmt, ast.Return):
        return None
    value = stmt.value if stmt.value is not None else ast.Constant(None)
    return [inline_ast.assign(rv, value, stmt), inline_ast.assign(done, ast.Constant(True), stmt)]


# -- which variables a call may assign (for loop-carried values) -----------------------------
def written_by_calls(c: C, stmts: list[ast.stmt]) -> list[str]:
    """Enclosing variables that local functions named in `stmts` assign with `nonlocal`
    (a loop that calls `inc()` carries the counter `inc` increments)."""
    out: list[str] = []
    seen: set[int] = set()
    todo = [n.id for s in stmts for n in ast.walk(s) if isinstance(n, ast.Name)]
    while todo:
        sv = c.env.lookup(todo.pop())
        for fn in _functions_in(sv):
            if id(fn) in seen:
                continue
            seen.add(id(fn))
            body = fn.node.body if isinstance(fn.node, ast.FunctionDef) else [fn.node.body]
            for n in ast.walk(ast.Module(body, [])):
                if isinstance(n, ast.Nonlocal):
                    out += [x for x in n.names if x not in out]
                elif isinstance(n, ast.Name):
                    todo.append(n.id)
    return out


def _functions_in(sv: SugaredValue | None) -> list[LocalFunction]:
    if isinstance(sv, LocalFunction):
        return [sv]
    if isinstance(sv, SugaredTuple):
        return [f for i in sv.items for f in _functions_in(i)]
    return []


class LocalFunctionsMixin:
    """`def` and `lambda` inside a scripted function, `nonlocal` and `global`."""

    def build_FunctionDef(self: C, stmt: ast.FunctionDef) -> None:
        self.bind(stmt.name, define(self, stmt))

    def build_Lambda(self: C, node: ast.Lambda) -> SugaredValue:
        return define(self, node)

    def build_Nonlocal(self: C, stmt: ast.Nonlocal) -> None:
        pass  # an inlined body's nonlocal names are the enclosing variables already

    def build_Global(self: C, stmt: ast.Global) -> None:
        self.fail(f"expected no 'global' statement, found 'global {', '.join(stmt.names)}' "
                  "(a scripted function cannot rebind module globals; return the new value)")  # fmt: skip

    def names_written_by_calls(self: C, stmts: list[ast.stmt]) -> list[str]:
        return written_by_calls(self, stmts)
