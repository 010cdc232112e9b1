"""List/dict comprehensions (lowered to a loop that appends), f-strings (`aten::format`)."""

from __future__ import annotations

import ast
import copy
import itertools
from typing import TYPE_CHECKING

from hybridjit.frontend.script.environment import Env
from hybridjit.frontend.script.sugared import Iteration, SimpleValue, SugaredValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value

_COUNTER = itertools.count(1)


class Accumulator(SugaredValue):
    """The list/dict a comprehension fills; its element type is fixed by the first item."""

    def __init__(self, c: C, hint: T.Type | None, is_dict: bool) -> None:
        self.is_dict = is_dict
        kind = "prim::DictConstruct" if is_dict else "prim::ListConstruct"
        self.node = c.emit(kind, [], [hint or T.AnyType])
        self.known = hint is not None

    @property
    def out(self) -> Value:
        return self.node.output

    def add(self, c: C, key: Value | None, value: Value) -> None:
        if not self.known:
            elem = T.unrefined(value.type)
            self.out.type = T.DictType(key.type, elem) if key is not None else T.ListType(elem)  # type: ignore[union-attr]
            self.known = True
        if key is not None:
            c.call_builtin_values("aten::_set_item", [self.out, key, value], {})
        else:
            c.call_builtin_values("aten::append", [self.out, value], {})

    def call(self, c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        vals = [a.value(c) for a in args]
        self.add(c, vals[0] if self.is_dict else None, vals[-1])
        return SimpleValue(c.const(None))


class _Rename(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.names:
            return ast.copy_location(ast.Name(self.names[node.id], node.ctx), node)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
        # a lambda's parameters shadow the comprehension's variables in its body
        shadowed = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        node.args = self.visit(node.args)
        inner = _Rename({k: v for k, v in self.names.items() if k not in shadowed})
        node.body = inner.visit(node.body)
        return node


def _targets(gen: ast.comprehension) -> list[str]:
    return [n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name)]


def _lower(node: ast.ListComp | ast.DictComp, acc_name: str) -> ast.For:
    """The comprehension as nested for/if statements calling `acc_name(...)`."""
    suffix = f"${next(_COUNTER)}"
    names = {n: n + suffix for g in node.generators for n in _targets(g)}
    node = _Rename(names).visit(copy.deepcopy(node))
    args = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    call = ast.Call(ast.Name(acc_name, ast.Load()), args, [])
    body: ast.stmt = ast.Expr(call)
    for gen in reversed(node.generators):
        for cond in reversed(gen.ifs):
            body = ast.If(cond, [body], [])
        if gen.is_async:
            raise AssertionError("async comprehension")
        body = ast.For(gen.target, gen.iter, [body], [])
    for sub in ast.walk(body):
        ast.copy_location(sub, node) if not hasattr(sub, "lineno") else None
    ast.fix_missing_locations(body)
    return body  # type: ignore[return-value]


class ComprehensionsMixin:
    def build_ListComp(self: C, node: ast.ListComp, hint: T.Type | None = None) -> SugaredValue:
        return self._comprehension(node, hint if isinstance(hint, T.ListType) else None, False)

    def build_DictComp(self: C, node: ast.DictComp, hint: T.Type | None = None) -> SugaredValue:
        return self._comprehension(node, hint if isinstance(hint, T.DictType) else None, True)

    def _comprehension(self: C, node: ast.ListComp | ast.DictComp, hint: T.Type | None,
                       is_dict: bool) -> SugaredValue:  # fmt: skip
        acc = Accumulator(self, hint, is_dict)
        acc_name = f"$acc{next(_COUNTER)}"
        self.env.set(acc_name, acc)
        loop = _lower(node, acc_name)
        self.emit_statements([loop])
        if not acc.known:
            acc.out.type = T.DictType(T.StrType, T.TENSOR) if is_dict else T.ListType(T.TENSOR)
        return SimpleValue(acc.out)

    def build_JoinedStr(self: C, node: ast.JoinedStr) -> SugaredValue:
        if all(isinstance(part, ast.Constant) for part in node.values):  # e.g. a format spec
            return SimpleValue(self.const("".join(str(p.value) for p in node.values)))
        pieces: list[str] = []
        args: list[Value] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                pieces.append(str(part.value).replace("{", "{{").replace("}", "}}"))
                continue
            assert isinstance(part, ast.FormattedValue)
            v = self.emit_value(part.value)
            if part.format_spec is not None:
                if part.conversion != -1:
                    self.fail("expected an f-string field with a format spec or a conversion "
                              "(!r, !s), found both", part)  # fmt: skip
                spec = self.emit_value(part.format_spec)
                pieces.append("{}")
                args.append(self.emit("prim::format", [v, spec], [T.StrType]).output)
                continue
            if part.conversion == ord("r") and v.type == T.StrType:
                pieces.append("'{}'")
            else:
                pieces.append("{}")
            args.append(v)
        fmt = self.const("".join(pieces))
        return SimpleValue(self.call_builtin_values("aten::format", [fmt, *args], {}))


def collect_list(c: C, it: Iteration) -> Value:
    """`[x for x in <iteration>]` for an already-evaluated iterable."""
    acc = Accumulator(c, None, False)
    item_name = f"$item{next(_COUNTER)}"

    def body_item(i: Value) -> SugaredValue:
        return it.item(i) if it.item else SimpleValue(i)

    assert it.length is not None
    node = c.emit("prim::Loop", [it.length, c.const(True)], [])
    block = node.add_block()
    counter = block.add_input(T.IntType)

    def fill() -> None:
        acc.add(c, None, body_item(counter).value(c))
        block.register_output(c.const(True))

    c.run_in_block(Env(c.env, block), block, fill)
    del item_name
    if not acc.known:
        acc.out.type = T.ListType(T.TENSOR)
    return acc.out
