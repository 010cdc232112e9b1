"""AST rewrites that let a function or generator body be compiled inline at its call site.

Local functions, lambdas and generators are compiled by splicing their bodies into the
caller (see `local_functions.py` and `generators.py`). Three rewrites make that sound:

- `local_names` / `rename`: Python's scoping rule (a name assigned in a body is local to it,
  unless declared `nonlocal`/`global`) decides which names get a fresh per-call suffix
  (`x` -> `x$f3`; `debug_name` prints it as `x`). Free names stay as they are, so they read
  the caller's latest binding, and a `nonlocal` assignment writes the caller's variable.
- `lower_exits`: a `return` in a spliced body (or a consumer's `break`/`continue`) cannot
  use the caller's exit flags, so it becomes an assignment to a hidden flag, a `break` out
  of the body's own loops, and guards on the statements after it::

      for x in xs:                       for x$f1 in xs$f1:
          if x > 0:                          if x$f1 > 0:
              return x          ==>              $rv1 = x$f1; $done1 = True; break
      return -1                          if not $done1:
                                             $rv1 = -1; $done1 = True

  The existing lowering turns those `if`/`break` statements into `prim::If`/`prim::Loop`.
"""

from __future__ import annotations

import ast
import copy
from typing import Callable

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
Function = ast.FunctionDef | ast.Lambda


# -- scoping -----------------------------------------------------------------------------------
def parameters(fn: Function) -> list[str]:
    a = fn.args
    names = [p.arg for p in (*a.posonlyargs, *a.args)]
    if a.vararg:
        names.append(a.vararg.arg)
    names += [p.arg for p in a.kwonlyargs]
    if a.kwarg:
        names.append(a.kwarg.arg)
    return names


def _scope_children(node: ast.AST) -> list[ast.AST]:
    """Children evaluated in `node`'s scope (a nested function's defaults and decorators are,
    its body is not; a comprehension's first iterable is, the rest is not)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [*node.decorator_list, *node.args.defaults,
                *(d for d in node.args.kw_defaults if d is not None)]  # fmt: skip
    if isinstance(node, ast.Lambda):
        return [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases]
    if isinstance(node, _COMPREHENSIONS):
        return [node.generators[0].iter]
    return list(ast.iter_child_nodes(node))


def _scope_nodes(body: list[ast.AST]) -> list[ast.AST]:
    out: list[ast.AST] = []
    todo = list(body)
    while todo:
        node = todo.pop()
        out.append(node)
        todo += _scope_children(node)
    return out


def declared(body: list[ast.stmt]) -> set[str]:
    """Names declared `nonlocal` or `global` in this scope."""
    return {n for s in _scope_nodes(body) if isinstance(s, (ast.Nonlocal, ast.Global))
            for n in s.names}  # fmt: skip


def local_names(fn: Function) -> list[str]:
    """The names local to `fn`: its parameters and what its own body binds."""
    body = fn.body if isinstance(fn, ast.FunctionDef) else [fn.body]
    names = parameters(fn)
    for node in _scope_nodes(body):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.append(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names]
    # Comprehension targets are the comprehension's own; a walrus in one binds here.
    walrus = {n.target.id for n in _scope_nodes(body) if isinstance(n, ast.NamedExpr)}
    comp_targets = {t.id for n in _scope_nodes(body) if isinstance(n, _COMPREHENSIONS)
                    for g in n.generators for t in ast.walk(g.target)
                    if isinstance(t, ast.Name)}  # fmt: skip
    skip = declared(body) | (comp_targets - walrus - set(parameters(fn)))
    seen: list[str] = []
    for n in names:
        if n not in skip and n not in seen:
            seen.append(n)
    return seen


def free_loads(fn: Function) -> set[str]:
    """Names `fn` (or a function nested in it) reads that are not local to `fn`."""
    local = set(local_names(fn))
    return {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} - local


class _Renamer(ast.NodeTransformer):
    """Rename identifiers everywhere except in annotations, attribute and keyword names."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.names.get(node.arg, node.arg)
        return node  # the annotation is a type expression, not a variable

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AnnAssign:
        node.target = self.visit(node.target)
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = self.names.get(node.name, node.name)
        returns, node.returns = node.returns, None
        self.generic_visit(node)
        node.returns = returns
        return node

    def visit_Nonlocal(self, node: ast.Nonlocal) -> ast.Nonlocal:
        node.names = [self.names.get(n, n) for n in node.names]
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.ExceptHandler:
        if node.name:
            node.name = self.names.get(node.name, node.name)
        self.generic_visit(node)
        return node


def rename(node: ast.AST, names: dict[str, str]) -> ast.AST:
    """A renamed deep copy of `node`."""
    return _Renamer(names).visit(copy.deepcopy(node))


# -- building statements -----------------------------------------------------------------------
def located(node: ast.AST, at: ast.AST) -> ast.AST:
    """`node` (and its new sub-nodes) placed at `at`'s source position."""
    for sub in ast.walk(node):
        if not hasattr(sub, "lineno") and hasattr(at, "lineno"):
            ast.copy_location(sub, at)
    return node


def assign(name: str, value: ast.expr, at: ast.AST) -> ast.stmt:
    return located(ast.Assign([ast.Name(name, ast.Store())], value), at)  # type: ignore[return-value]


def load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def walk_scope(stmts: list[ast.stmt], into_loops: bool = True) -> list[ast.AST]:
    """Nodes of `stmts` in their own scope (not in nested functions, lambdas or classes)."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(stmts)
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, _SCOPES):
            continue  # a nested function's body is its own
        for child in ast.iter_child_nodes(node):
            if not into_loops and isinstance(child, (ast.For, ast.While)):
                todo += child.orelse
                continue
            todo.append(child)
    return out


# -- exits as flags ----------------------------------------------------------------------------
class ExitRules:
    """How `lower_exits` treats one kind of exit.

    `replace(stmt)` gives the statements an exit becomes (None: `stmt` is not an exit);
    `contains(stmt)` says whether `stmt` holds an exit; `flag` is the hidden bool set on
    exit; `into_loops`: whether loops in the body are the body's own (a function's) or
    belong to someone else (a loop consumer's nested loops own their break/continue)."""

    def __init__(self, replace: Callable[[ast.stmt], list[ast.stmt] | None],
                 contains: Callable[[ast.stmt], bool], flag: str, into_loops: bool) -> None:  # fmt: skip
        self.replace, self.contains, self.flag, self.into_loops = (
            replace,
            contains,
            flag,
            into_loops,
        )
        # Statements that may set the flag without a `break` (a generator's yield, where the
        # consumer may stop it): inside a loop they are followed by `if flag: break`.
        self.flag_only: Callable[[ast.stmt], bool] = lambda stmt: False


def lower_exits(stmts: list[ast.stmt], rules: ExitRules, in_loop: bool = False) -> list[ast.stmt]:
    """`stmts` with every exit replaced (see the module docstring)."""
    out: list[ast.stmt] = []
    for i, stmt in enumerate(stmts):
        replaced = rules.replace(stmt)
        if replaced is not None:
            out += replaced
            if in_loop:
                out.append(located(ast.Break(), stmt))  # type: ignore[arg-type]
            return out  # what follows an exit never runs
        if not rules.contains(stmt):
            out.append(stmt)
            continue
        out.append(_descend(stmt, rules, in_loop))
        if always_exits(stmt, rules):
            return out
        rest = lower_exits(stmts[i + 1 :], rules, in_loop)
        if in_loop:
            if isinstance(stmt, (ast.For, ast.While)) or rules.flag_only(stmt):
                # a nested loop's break left only that loop
                out.append(located(ast.If(load(rules.flag), [ast.Break()], []), stmt))  # type: ignore[arg-type]
            return out + rest
        if rest:
            test = ast.UnaryOp(ast.Not(), load(rules.flag))
            out.append(located(ast.If(test, rest, []), rest[0]))  # type: ignore[arg-type]
        return out
    return out


def _descend(stmt: ast.stmt, rules: ExitRules, in_loop: bool) -> ast.stmt:
    if isinstance(stmt, _SCOPES):
        return stmt
    stmt = copy.copy(stmt)
    if isinstance(stmt, (ast.For, ast.While)):
        if rules.into_loops:
            stmt.body = lower_exits(stmt.body, rules, True)
        stmt.orelse = lower_exits(stmt.orelse, rules, in_loop)
        return stmt
    for field in ("body", "orelse", "finalbody"):
        block = getattr(stmt, field, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            setattr(stmt, field, lower_exits(block, rules, in_loop))
    if isinstance(stmt, ast.Try):
        stmt.handlers = [_handler(h, rules, in_loop) for h in stmt.handlers]
    return stmt


def _handler(h: ast.ExceptHandler, rules: ExitRules, in_loop: bool) -> ast.ExceptHandler:
    h = copy.copy(h)
    h.body = lower_exits(h.body, rules, in_loop)
    return h


def always_exits(stmt: ast.stmt, rules: ExitRules) -> bool:
    """Whether every path through `stmt` exits or raises (what follows is dead)."""
    if isinstance(stmt, ast.Raise) or rules.replace(stmt) is not None:
        return True
    if isinstance(stmt, ast.If):
        return block_exits(stmt.body, rules) and block_exits(stmt.orelse, rules)
    return False


def block_exits(stmts: list[ast.stmt], rules: ExitRules) -> bool:
    return any(always_exits(s, rules) for s in stmts)


def contains_kind(kinds: tuple[type, ...], into_loops: bool) -> Callable[[ast.stmt], bool]:
    def contains(stmt: ast.stmt) -> bool:
        return any(isinstance(n, kinds) for n in walk_scope([stmt], into_loops))

    return contains
