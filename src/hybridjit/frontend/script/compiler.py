"""The function compiler: one Python `def` to one `Graph`.

`FunctionCompiler` combines the statement and expression builders (which dispatch on AST
node type, `build_<NodeType>`) with the call/attribute machinery in `calls.py`.  The
entry point is `compile_function`, which also runs the clean-up passes TorchScript runs
before it hands out a graph (constant pooling, dead code elimination).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import weakref
from typing import Any, Callable, NoReturn

from hybridjit import pipeline
from hybridjit.errors import FrontendError
from hybridjit.frontend.script import (
    calls,
    classes,
    higher_order,  # noqa: F401 - registers map/filter/next...
    modules,
    source,
    varargs,
)
from hybridjit.frontend.script.calls import CallsMixin
from hybridjit.frontend.script.comprehensions import ComprehensionsMixin
from hybridjit.frontend.script.context_managers import ContextManagersMixin
from hybridjit.frontend.script.environment import RET_FLAG, RET_VAL, Env
from hybridjit.frontend.script.exceptions import ExceptionsMixin
from hybridjit.frontend.script.exits import transform_exits
from hybridjit.frontend.script.expressions import ExpressionsMixin
from hybridjit.frontend.script.generators import GeneratorsMixin
from hybridjit.frontend.script.local_functions import LocalFunctionsMixin
from hybridjit.frontend.script.sets import SetsMixin
from hybridjit.frontend.script.source import ParsedDef, compiling, fail, format_error, parse_def
from hybridjit.frontend.script.statements import StatementsMixin, contains_nontail_return
from hybridjit.frontend.script.sugared import SimpleValue, SugaredValue
from hybridjit.frontend.script.types_from_annotations import (
    AnnotationError,
    Scope,
    annotation_type,
    broadcast_size,
    eval_annotation,
    qualified_name,
)  # fmt: skip
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph, Node, SourceRange, Value
from hybridjit.runtime.function import ScriptFunction

# Placeholder type of a value whose type is decided later (an early-return slot).
UNKNOWN = T._Simple("Unknown", "Unknown")


class FunctionCompiler(ContextManagersMixin, ExceptionsMixin, LocalFunctionsMixin, GeneratorsMixin,
                       StatementsMixin, ExpressionsMixin, CallsMixin, ComprehensionsMixin,
                       SetsMixin):  # fmt: skip
    """Compiles one function body; `self_value` is the sugared `self` of a method."""

    def __init__(self, parsed: ParsedDef, scope: Scope, *,
                 self_factory: Callable[[Value], SugaredValue] | None = None,
                 self_type: T.Type | None = None,
                 annotations: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.parsed = parsed
        # Annotation objects that replace the source's (an `@_overload` declaration's).
        self.annotation_overrides = annotations
        self.broadcast: dict[int, int] = {}  # parameter index -> N of BroadcastingListN
        self.scope = scope
        self.graph = Graph()
        self.env = Env(None, self.graph.block)
        self.self_factory = self_factory
        self.self_type = self_type
        self.return_type: T.Type | None = None
        self.uses_ret_flag = False
        self._ranges: list[ast.AST] = []
        self._range_memo: dict[ast.AST, SourceRange] = {}
        self._failed_at: SourceRange | None = None  # where an internal error was raised
        self.sites: dict[Value, SourceRange | None] = {}  # where each variable value was assigned

    # -- source ranges and errors -------------------------------------------------------------
    def at(self, node: ast.AST) -> _At:
        return _At(self, node)

    @property
    def where(self) -> SourceRange | None:
        if not self._ranges:
            return None
        node = self._ranges[-1]
        found = self._range_memo.get(node)
        if found is None:
            found = self._range_memo[node] = self.parsed.range(node)
        return found

    def fail(self, message: str, node: ast.AST | None = None,
             where: SourceRange | None = None, detail: str | None = None) -> NoReturn:  # fmt: skip
        """Raise a FrontendError at `node` (or `where`, or the current statement)."""
        at = where or (self.parsed.range(node) if node is not None else self.where)
        fail(message, at, detail)

    # -- emitting ----------------------------------------------------------------------------
    def emit(self, kind: str, inputs: list[Value] | tuple[Value, ...], out_types: list[T.Type],
             attrs: dict[str, Any] | None = None, schema: Any = None) -> Node:  # fmt: skip
        return self.graph.insert_node(kind, list(inputs), out_types, attributes=attrs,
                                      source_range=self.where, schema=schema)  # fmt: skip

    def const(self, value: Any, type: T.Type | None = None) -> Value:
        if type is None:
            type = T.NoneType if value is None else T.type_of_value(value)
        return self.graph.constant(value, type, self.where)

    def uninitialized(self, type: T.Type) -> Value:
        return self.emit("prim::Uninitialized", [], [type]).output

    # -- the function ------------------------------------------------------------------------
    def compile(self) -> Graph:
        """Build the graph; a compiler bug still surfaces as a located FrontendError."""
        try:
            return self._compile()
        except (FrontendError, RecursionError):
            raise
        except Exception as e:  # noqa: BLE001
            raise FrontendError(format_error(
                f"expected to compile this, but the compiler failed ({type(e).__name__}: {e})",
                self._failed_at or self.where)) from e  # fmt: skip

    def _compile(self) -> Graph:
        fn = self.parsed.node
        if isinstance(fn, ast.AsyncFunctionDef):
            self.fail("expected a plain function, found 'async def' (async isn't supported)", fn)
        if not isinstance(fn, ast.FunctionDef):
            self.fail(f"expected a function definition, found {type(fn).__name__}", fn)
        with self.at(fn):
            self._bind_params(fn)
            self.return_type = self._annotated_return(fn)
            if contains_nontail_return(fn.body):
                self.uses_ret_flag = True
                self.env.set(RET_FLAG, SimpleValue(self.const(False)))
                self.env.set(RET_VAL, SimpleValue(self.uninitialized(self.return_type or UNKNOWN)))
        self.emit_statements(fn.body)
        with self.at(fn):
            if not self.env.dead:
                self.emit_return_value(SimpleValue(self.const(None)))
            out = self.env.lookup(RET_VAL)
            if out is None:  # every path raises: the result is never read (as TorchScript)
                out = SimpleValue(self.uninitialized(self.return_type or T.NoneType))
            self.graph.register_output(out.value(self))
        return self.graph

    def _bind_params(self, fn: ast.FunctionDef) -> None:
        for i, (a, kind) in enumerate(varargs.parameters(fn.args)):
            if i == 0 and self.self_factory is not None:
                v = self.graph.add_input(self.self_type or T.AnyType, a.arg)
                self.env.set(a.arg, self.self_factory(v))
                continue
            packs = kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
            t = varargs.packed_type(self, a, kind) if packs else self._param_type(a)
            n = self._broadcast_size(a)
            if n is not None:
                self.broadcast[i] = n
            self.env.set(a.arg, SimpleValue(self.graph.add_input(t, a.arg)))

    def _broadcast_size(self, a: ast.arg) -> int | None:
        overrides = self.annotation_overrides
        ann = overrides.get(a.arg) if overrides is not None else None
        ann = ann if ann is not None else a.annotation
        if ann is None or "BroadcastingList" not in (
            ann
            if isinstance(ann, str)
            else ast.unparse(ann)
            if isinstance(ann, ast.AST)
            else repr(ann)
        ):
            return None
        try:
            return broadcast_size(eval_annotation(ann, self.scope))
        except Exception:  # noqa: BLE001 - the annotation error is reported elsewhere
            return None

    def _param_type(self, a: ast.arg) -> T.Type:
        overrides = self.annotation_overrides
        if overrides is not None and a.arg in overrides:
            if isinstance(overrides[a.arg], T.Type):  # an IR type (`__exit__`'s parameters)
                return overrides[a.arg]
            return self.annotation(overrides[a.arg], a)  # type: ignore[arg-type]
        return self.annotation(a.annotation, a) if a.annotation is not None else T.TENSOR

    def _annotated_return(self, fn: ast.FunctionDef) -> T.Type | None:
        overrides = self.annotation_overrides
        if overrides is not None and "return" in overrides:
            return self.annotation(overrides["return"], fn)  # type: ignore[arg-type]
        if fn.returns is None:
            return None
        return self.annotation(fn.returns, fn.returns)

    def annotation(self, expr: ast.expr, node: ast.AST) -> T.Type:
        try:
            return annotation_type(expr, self.scope)
        except AnnotationError as e:
            self.fail(f"expected a TorchScript type annotation, found {e}", node)

    # -- name resolution ---------------------------------------------------------------------
    def lookup_name(self, name: str, node: ast.AST) -> SugaredValue:
        sv = self.env.lookup(name)
        if sv is not None:
            return sv
        if name in self.scope:
            return self.resolve_python(self.scope[name])
        if hasattr(builtins, name):
            return self.resolve_python(getattr(builtins, name))
        self.fail(f"expected a defined variable, found undefined name '{name}'", node)


class _At:
    """`with compiler.at(node):` -- nodes emitted inside carry `node`'s source range."""

    __slots__ = ("c", "node")

    def __init__(self, c: FunctionCompiler, node: ast.AST) -> None:
        self.c, self.node = c, node

    def __enter__(self) -> None:
        self.c._ranges.append(self.node)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not None and self.c._failed_at is None and \
                not issubclass(kind, (FrontendError, RecursionError)):  # fmt: skip
            self.c._failed_at = self.c.where  # the innermost construct, for the bug report
        self.c._ranges.pop()


def function_scope(fn: Any) -> Scope:
    """Closure cells over globals: where names in `fn`'s body resolve (nothing is copied)."""
    cells: dict[str, Any] = {}
    code = getattr(fn, "__code__", None)
    closure = getattr(fn, "__closure__", None) or ()
    if code is not None:
        for name, cell in zip(code.co_freevars, closure):
            with contextlib.suppress(ValueError):
                cells[name] = cell.cell_contents
    return Scope(getattr(fn, "__globals__", {}), cells)


# Keyed by the function object: equal code objects with other globals or closure cells
# (two `def f` made by one factory) are different programs.
_FUNCTIONS: weakref.WeakKeyDictionary[Any, ScriptFunction] = weakref.WeakKeyDictionary()
_IN_PROGRESS: set[Any] = set()


@compiling
def compile_function(fn: Any) -> ScriptFunction:
    """Compile a free Python function (cached: each function object compiles once)."""
    key = fn
    if key in _FUNCTIONS:
        return _FUNCTIONS[key]
    if key in _IN_PROGRESS:
        raise FrontendError(f"recursive call to {fn.__qualname__} is not supported in script")
    _IN_PROGRESS.add(key)
    try:
        parsed = parse_def(fn)
        compiler = FunctionCompiler(
            parsed, function_scope(fn), annotations=overload_annotations(fn)
        )
        compiler.packed = getattr(fn, "__hj_packed__", None)  # *args/**kwargs of this call
        graph = compiler.compile()

    finally:
        _IN_PROGRESS.discard(key)
    run_cleanup(graph)

    sf = ScriptFunction(fn.__name__, graph, qualified_name=qualified_name(fn),
                        signature=python_signature(fn))  # fmt: skip
    sf.broadcast_sizes = compiler.broadcast  # type: ignore[attr-defined]
    _FUNCTIONS[key] = sf
    return sf


def overload_annotations(fn: Any) -> dict[str, Any] | None:
    """The annotations of the `@_overload` declaration `fn` was specialized to, if any; for a
    function defined inside another, those Python evaluated at `def` time (they may name the
    enclosing function's locals, `Pair = Tuple[int, int]`, which no scope of `fn` holds)."""
    if hasattr(fn, "__hj_overload_of__"):
        return dict(fn.__annotations__)
    if "<locals>" in getattr(fn, "__qualname__", ""):
        evaluated = {k: v for k, v in getattr(fn, "__annotations__", {}).items()
                     if not isinstance(v, str)}  # fmt: skip
        return evaluated or None
    return None


def python_signature(fn: Any, drop_self: bool = False) -> inspect.Signature | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if drop_self and params:
        params = params[1:]
    return sig.replace(parameters=params)


def run_cleanup(graph: Graph) -> None:
    """Lower early exits (part of building the graph), then the pipeline's cleanup."""
    transform_exits(graph)
    pipeline.cleanup(graph)


def clear_caches() -> None:
    """Forget every compiled function, module type and parsed source (benchmarks use this
    to time cold compiles)."""

    with source.COMPILE_LOCK:
        _FUNCTIONS.clear()
        calls._MATCHES.clear()
        modules._TYPES.clear()
        modules._NAMES.clear()
        classes._CLASSES.clear()
        source._CACHE.clear()
