"""Generators: `yield` / `yield from` functions and generator expressions, consumed inline.

A generator is a compile-time value (`GeneratorValue`) holding its renamed body. A `for`
loop over it is compiled by splicing the loop body in at each `yield` (a `YieldPoint`): the
loop target is bound to the yielded value and the body runs there, inside the generator's
own loops, which carry the consumer's variables like any other. The consumer's `break` sets
a hidden stop flag that ends the generator's loops, its `continue` skips the rest of that
body, and the generator's `return` stops it (`inline_ast.lower_exits`)::

    def gen(n):                       for i in range(n):        (the body of gen, with)
        for i in range(n):                $v = i * i
            yield i * i       ==>         if $v > 10:            (the consumer's body)
    for v in gen(n):                          $stop = True
        if v > 10: break                  else: total += $v
        total += v                        if $stop: break

Other consumers (`list()`, `sum()`, `sorted()`, `min()`, `any()`, `zip()`, `x in g`, ...)
take the generator as a list, built by the same inlining with an append at each `yield`.
A generator expression that is not iterated by `for` becomes its list comprehension.
"""

from __future__ import annotations

import ast
import copy
import itertools
from typing import TYPE_CHECKING, Any

from hybridjit.frontend.script import inline_ast
from hybridjit.frontend.script.comprehensions import Accumulator
from hybridjit.frontend.script.local_functions import Context, current_context, in_context
from hybridjit.frontend.script.sugared import Iteration, SimpleValue, SugaredValue, ZipValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Block

_COUNTER = itertools.count(1)
ESCAPE_HINT = ("iterate it with 'for', or pass it to list(), sum(), min(), max(), any(), "
               "all(), sorted(), enumerate() or zip()")  # fmt: skip


class YieldPoint(ast.stmt):
    """A `yield` with the consumer's loop body spliced in (`body` is a field, so the scans
    for loop-carried variables and returns see the consumer's statements)."""

    _fields = ("value", "target", "body")

    def __init__(self, value: Any = None, target: Any = None, body: Any = None,
                 ctx: Any = None, skip: str | None = None) -> None:  # fmt: skip
        super().__init__()  # (defaults: copy.deepcopy rebuilds nodes without arguments)
        self.value, self.target, self.body = value, target, body
        self.ctx, self.skip = ctx, skip

    def __deepcopy__(self, memo: dict[int, Any]) -> YieldPoint:
        parts = (copy.deepcopy(p, memo) for p in (self.value, self.target, self.body))
        return ast.copy_location(YieldPoint(*parts, self.ctx, self.skip), self)  # (ctx: shared)


class GeneratorValue(SugaredValue):
    """A generator object: its (renamed) body, run where it is consumed; consumable once."""

    def __init__(self, c: C, body: list[ast.stmt], ctx: Context, name: str, origin: Any,
                 genexp: ast.GeneratorExp | None = None) -> None:  # fmt: skip
        self.body, self.ctx, self.name, self.origin = body, ctx, name, origin
        self.genexp = genexp
        # Its items come from a compile-time tuple (modules, constants): its loop is unrolled,
        # where a consumer's break cannot stop it, so consumers that break take its list.
        self.unrolled = False
        self.block: Block = c.graph._insert_block
        self.consumed = False

    def describe(self) -> str:
        return f"generator '{self.name}'"

    def value(self, c: C) -> Any:
        return self.materialize(c)

    def iteration(self, c: C) -> Iteration:
        return c.value_iteration(self.materialize(c))

    def materialize(self, c: C) -> Any:
        """The generated values as a list."""
        if self.genexp is not None:
            self._claim(c)
            comp = ast.copy_location(ast.ListComp(self.genexp.elt, self.genexp.generators),
                                     self.genexp)  # fmt: skip
            return c.build_ListComp(comp).value(c)
        k = next(_COUNTER)
        acc, item = Accumulator(c, None, False), f"$item{k}"
        c.env.set(f"$acc{k}", acc)
        at = _anchor(self.body)
        call = ast.Call(inline_ast.load(f"$acc{k}"), [inline_ast.load(item)], [])
        body = [inline_ast.located(ast.Expr(call), at)]
        consume(c, self, inline_ast.located(ast.Name(item, ast.Store()), at), body)  # type: ignore[arg-type]
        if not acc.known:
            acc.out.type = T.ListType(T.TENSOR)
        return acc.out

    def _claim(self, c: C) -> None:
        if self.consumed:
            c.fail(f"expected {self.describe()} to be consumed once, found it iterated again "
                   "(Python would find it exhausted; build it again, or keep list(...) of it)")  # fmt: skip
        if _crosses_loop(c, self.block):
            c.fail(f"expected {self.describe()} to be consumed where it was created, found it "
                   "iterated inside a loop (Python would find it exhausted after the first "
                   "iteration; create it inside the loop)")  # fmt: skip
        self.consumed = True


def _anchor(body: list[ast.stmt]) -> ast.AST:
    return body[0] if body else ast.Pass(lineno=1, col_offset=0)


def _crosses_loop(c: C, block: Block) -> bool:
    b: Any = c.graph._insert_block
    while b is not None and b is not block:
        node = b.owning_node
        if node is None:
            return False
        if node.kind == "prim::Loop":
            return True
        b = node.owning_block
    return False


def generator_expression(c: C, node: ast.GeneratorExp) -> GeneratorValue:
    """`(elt for x in xs if p)` as a generator: `for x in xs: if p: yield elt`, its targets
    renamed apart (the first iterable is read from the enclosing scope)."""
    k = next(_COUNTER)
    names = {t.id: f"{t.id}$x{k}" for g in node.generators for t in ast.walk(g.target)
             if isinstance(t, ast.Name)}  # fmt: skip
    # The first iterable is evaluated now, in the enclosing scope (as Python does).
    first = c.emit_expr(node.generators[0].iter)
    c.env.set(f"$genexp_iter{k}", first)
    first_iter = inline_ast.located(inline_ast.load(f"$genexp_iter{k}"), node.generators[0].iter)
    renamed: Any = inline_ast.rename(node, names)
    renamed.generators[0].iter = first_iter
    original: Any = copy.copy(node)
    original.generators = [copy.copy(g) for g in node.generators]
    original.generators[0].iter = first_iter
    body: ast.stmt = ast.Expr(ast.Yield(renamed.elt))
    for gen in reversed(renamed.generators):
        for cond in reversed(gen.ifs):
            body = ast.If(cond, [body], [])
        body = ast.For(gen.target, gen.iter, [body], [])
    inline_ast.located(body, node)
    gen = GeneratorValue(c, [body], current_context(c), "<genexpr>", node, genexp=original)
    gen.unrolled = first.static_items() is not None or (
        isinstance(first, SimpleValue) and isinstance(first.v.type, T.TupleType)
    )
    return gen


# -- consuming ---------------------------------------------------------------------------------
def consume(c: C, gen: GeneratorValue, target: ast.expr, body: list[ast.stmt]) -> None:
    """`for target in gen: body`, compiled by running `gen`'s body with `body` at each yield."""
    gen._claim(c)
    k = next(_COUNTER)
    stop, skip = f"$gstop{k}", f"$gskip{k}"
    stops = any(isinstance(n, ast.Break) for n in inline_ast.walk_scope(body, into_loops=False))
    consumer = inline_ast.lower_exits(copy.deepcopy(body), loop_exits(stop, skip))
    exits = _exits(body)
    gen_rules = inline_ast.ExitRules(lambda s: _generator_exit(s, stop),
                                     lambda s: _may_stop(s, stops), stop, True)  # fmt: skip
    gen_rules.flag_only = lambda s: stops and _has_yield(s)  # type: ignore[attr-defined]
    lowered = inline_ast.lower_exits(_expand_yield_from(gen.body, k), gen_rules)
    spliced = _splice(lowered, target, consumer, current_context(c), skip if exits else None)
    c.env.set(stop, SimpleValue(c.const(False)))
    with in_context(c, gen.ctx):
        c.emit_statements(spliced)


def _exits(body: list[ast.stmt]) -> bool:
    """Whether a loop body has its own break or continue."""
    return any(
        isinstance(n, (ast.Break, ast.Continue))
        for n in inline_ast.walk_scope(body, into_loops=False)
    )


def first_item(c: C, gen: GeneratorValue, default: SugaredValue | None) -> SugaredValue:
    """`next(gen[, default])`: `for $x in gen: $r = $x; $found = True; break`, then the
    default (or StopIteration) when nothing was found."""
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import UNKNOWN

    k = next(_COUNTER)
    item, result, found = f"$next_item{k}", f"$next{k}", f"$next_found{k}"
    at = gen.genexp or _anchor(gen.body)
    c.env.set(result, SimpleValue(c.uninitialized(UNKNOWN)))
    c.env.set(found, SimpleValue(c.const(False)))
    body = [inline_ast.assign(result, inline_ast.load(item), at),
            inline_ast.assign(found, ast.Constant(True), at), inline_ast.located(ast.Break(), at)]  # fmt: skip
    consume(c, gen, inline_ast.located(ast.Name(item, ast.Store()), at), body)  # type: ignore[arg-type]
    if default is not None:
        c.env.set(f"$next_default{k}", default)
        missing: ast.stmt = inline_ast.assign(result, inline_ast.load(f"$next_default{k}"), at)
    else:
        missing = ast.Raise(ast.Call(ast.Name("StopIteration", ast.Load()), [], []), None)
    test = ast.UnaryOp(ast.Not(), inline_ast.load(found))
    c.emit_statements([inline_ast.located(ast.If(test, [missing], []), at)])  # type: ignore[list-item]
    return c.env.lookup(result)  # type: ignore[return-value]


def any_or_all(c: C, gen: GeneratorValue, is_any: bool) -> SugaredValue:
    """`any(gen)` / `all(gen)`, stopping the generator at the first deciding item (as
    Python does, so an infinite generator ends)::

        $r = False                    # all: True
        for $x in gen:
            if $x: $r = True; break   # all: if not $x: $r = False; break
    """
    k = next(_COUNTER)
    item, result = f"$any_item{k}", f"$any{k}"
    at = gen.genexp or _anchor(gen.body)
    c.env.set(result, SimpleValue(c.const(not is_any)))
    test: ast.expr = inline_ast.load(item)
    if not is_any:
        test = ast.UnaryOp(ast.Not(), test)
    decided = [inline_ast.assign(result, ast.Constant(is_any), at), ast.Break()]
    body = [inline_ast.located(ast.If(test, decided, []), at)]
    consume(c, gen, inline_ast.located(ast.Name(item, ast.Store()), at), body)  # type: ignore[arg-type]
    return c.env.lookup(result)  # type: ignore[return-value]


def loop_exits(stop: str, skip: str) -> inline_ast.ExitRules:
    """A loop body's own `break` (sets `stop` and `skip`) and `continue` (sets `skip`) as
    flags, for a loop that is not an IR loop (a generator's consumer, an unrolled loop)."""
    return inline_ast.ExitRules(lambda s: _consumer_exit(s, stop, skip),
                                inline_ast.contains_kind((ast.Break, ast.Continue), False),
                                skip, False)  # fmt: skip


def _consumer_exit(stmt: ast.stmt, stop: str, skip: str) -> list[ast.stmt] | None:
    if isinstance(stmt, ast.Break):
        return [inline_ast.assign(stop, ast.Constant(True), stmt),
                inline_ast.assign(skip, ast.Constant(True), stmt)]  # fmt: skip
    if isinstance(stmt, ast.Continue):
        return [inline_ast.assign(skip, ast.Constant(True), stmt)]
    return None


def _generator_exit(stmt: ast.stmt, stop: str) -> list[ast.stmt] | None:
    if not isinstance(stmt, ast.Return):
        return None
    out: list[ast.stmt] = []
    if stmt.value is not None and not isinstance(stmt.value, ast.Constant):
        out.append(inline_ast.located(ast.Expr(stmt.value), stmt))  # type: ignore[arg-type]
    return [*out, inline_ast.assign(stop, ast.Constant(True), stmt)]


def _has_yield(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Yield) for n in inline_ast.walk_scope([stmt]))


def _may_stop(stmt: ast.stmt, stops: bool) -> bool:
    return any(isinstance(n, ast.Return) or (stops and isinstance(n, ast.Yield))
               for n in inline_ast.walk_scope([stmt]))  # fmt: skip


def _expand_yield_from(body: list[ast.stmt], k: int) -> list[ast.stmt]:
    """`yield from it` as `for $y in it: yield $y`."""

    class Expand(ast.NodeTransformer):
        def visit_Expr(self, node: ast.Expr) -> ast.stmt:
            if not isinstance(node.value, ast.YieldFrom):
                return node
            name = f"$yf{k}_{node.lineno}_{node.col_offset}"
            loop = ast.For(ast.Name(name, ast.Store()), node.value.value,
                           [ast.Expr(ast.Yield(inline_ast.load(name)))], [])  # fmt: skip
            return inline_ast.located(loop, node)  # type: ignore[return-value]

        def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
            return node

        def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
            return node

    module = Expand().visit(ast.Module(copy.deepcopy(body), []))
    return module.body


def _splice(body: list[ast.stmt], target: ast.expr, consumer: list[ast.stmt], ctx: Context,
            skip: str | None) -> list[ast.stmt]:  # fmt: skip
    """Each `yield v` statement replaced by a YieldPoint running a copy of `consumer`."""

    class Splice(ast.NodeTransformer):
        def visit_Expr(self, node: ast.Expr) -> ast.stmt:
            if not isinstance(node.value, ast.Yield):
                return node
            value = node.value.value or ast.Constant(None)
            point = YieldPoint(value, copy.deepcopy(target), copy.deepcopy(consumer), ctx, skip)
            return ast.copy_location(point, node)

        def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
            return node

        def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
            return node

    return Splice().visit(ast.Module(body, [])).body


def emit_for(c: C, iterable: SugaredValue, stmt: ast.For) -> bool:
    """Compile `for` over a generator (or `enumerate` of one) inline; False if `iterable` is
    not one."""
    if isinstance(iterable, GeneratorValue):
        if iterable.unrolled and _exits(stmt.body):
            return False  # iterated as its list (a loop of the items)
        consume(c, iterable, stmt.target, stmt.body)
        return True
    if isinstance(iterable, ZipValue) and iterable.enumerate_start is not None and \
            len(iterable.parts) == 1 and isinstance(iterable.parts[0], GeneratorValue):  # fmt: skip
        k = next(_COUNTER)
        index, item = f"$enum{k}", f"$enum_item{k}"
        c.env.set(index, SimpleValue(iterable.enumerate_start))
        pair = ast.Tuple([inline_ast.load(index), inline_ast.load(item)], ast.Load())
        step = ast.BinOp(inline_ast.load(index), ast.Add(), ast.Constant(1))
        head = [ast.Assign([stmt.target], pair), inline_ast.assign(index, step, stmt)]
        body = [inline_ast.located(s, stmt) for s in head] + stmt.body
        consume(c, iterable.parts[0], inline_ast.located(ast.Name(item, ast.Store()), stmt),
                body)  # type: ignore[arg-type]  # fmt: skip
        return True
    if isinstance(iterable, ZipValue) and iterable.enumerate_start is None and \
            iterable.parts and isinstance(iterable.parts[0], GeneratorValue):  # fmt: skip
        return _zip_driven_by_generator(c, iterable, stmt)
    return False


def _zip_driven_by_generator(c: C, z: ZipValue, stmt: ast.For) -> bool:
    """`for t in zip(gen, xs, ...)`: the generator drives the loop, the others are indexed
    (as Python's zip, it stops when any runs out, after the generator's item is made)::

        $k = 0
        for $x in gen:
            if $k >= len(xs): break
            t = ($x, xs[$k]); $k += 1
            <body>
    """
    others = [p.value(c) for p in z.parts[1:]]
    if not all(isinstance(v.type, (T.ListType, T.TensorType)) or v.type == T.StrType
               for v in others):  # fmt: skip
        return False  # e.g. a tuple: indexed only by constants; zip() takes the items
    k = next(_COUNTER)
    index, item = f"$zip{k}", f"$zip_item{k}"
    c.env.set(index, SimpleValue(c.const(0)))
    names = [f"$zip{k}_{j}" for j in range(len(others))]
    for name, v in zip(names, others):
        c.env.set(name, SimpleValue(v))
    length = ast.Name("len", ast.Load())
    head: list[ast.stmt] = [
        ast.If(ast.Compare(inline_ast.load(index), [ast.GtE()],
                           [ast.Call(length, [inline_ast.load(n)], [])]), [ast.Break()], [])
        for n in names
    ]  # fmt: skip
    row = [inline_ast.load(item)]
    row += [ast.Subscript(inline_ast.load(n), inline_ast.load(index), ast.Load()) for n in names]
    head.append(ast.Assign([stmt.target], ast.Tuple(row, ast.Load())))
    step = ast.BinOp(inline_ast.load(index), ast.Add(), ast.Constant(1))
    head.append(inline_ast.assign(index, step, stmt))
    body = [inline_ast.located(s, stmt) for s in head] + stmt.body
    target = inline_ast.located(ast.Name(item, ast.Store()), stmt)
    consume(c, z.parts[0], target, body)  # type: ignore[arg-type]
    return True


def check_not_escaping(c: C, sv: SugaredValue, how: str) -> None:
    if isinstance(sv, GeneratorValue):
        c.fail(f"expected a generator to be consumed, found {sv.describe()} {how} "
               f"({ESCAPE_HINT}; return list(...) of it)")  # fmt: skip


class GeneratorsMixin:
    """`yield` points, generator expressions, and what a stray `yield` means."""

    def build_YieldPoint(self: C, stmt: YieldPoint) -> None:
        value = self.emit_expr(stmt.value)
        with in_context(self, stmt.ctx):
            if stmt.skip is not None:
                self.env.set(stmt.skip, SimpleValue(self.const(False)))
            self.assign_to(stmt.target, value)
            self.emit_statements(stmt.body)

    def build_GeneratorExp(self: C, node: ast.GeneratorExp) -> SugaredValue:
        return generator_expression(self, node)

    def build_Yield(self: C, node: ast.Yield) -> SugaredValue:
        self._stray_yield(node)

    def build_YieldFrom(self: C, node: ast.YieldFrom) -> SugaredValue:
        self._stray_yield(node)

    def _stray_yield(self: C, node: ast.expr) -> Any:
        word = "yield from" if isinstance(node, ast.YieldFrom) else "yield"
        self.fail(f"expected '{word}' as a statement of a generator that a scripted function "
                  f"consumes ({ESCAPE_HINT}), found it here (a scripted function cannot itself "
                  "be a generator, and a yield expression's value is not supported; return a "
                  "list instead)", node)  # fmt: skip
