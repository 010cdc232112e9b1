"""`for ... else:` / `while ... else:` rewritten into statements the lowering already knows.

Python runs a loop's `else` block when the loop ends without `break`. TorchScript rejects it;
hybridjit rewrites it before lowering::

    for x in xs:                      $loop_broke0 = False
        if p(x):                      for x in xs:
            break            ==>          if p(x):
    else:                                     $loop_broke0 = True
        f()                                   break
                                      if not $loop_broke0:
                                          f()

Only the loop's own `break`s set the flag: those in nested loop bodies belong to the nested
loop (but a nested loop's `else` block runs in this loop, so its `break`s count).
"""

from __future__ import annotations

import ast
import copy
import itertools

_COUNTER = itertools.count()
_NESTED_BODIES: dict[type, tuple[str, ...]] = {
    ast.If: ("body", "orelse"),
    ast.With: ("body",),
    ast.Try: ("body", "orelse", "finalbody"),
    ast.For: ("orelse",),
    ast.While: ("orelse",),
}


def lower_loop_else(loop: ast.For | ast.While) -> list[ast.stmt]:
    """Statements equivalent to `loop` (which has an `else` block) with no loop `else`."""
    plain = copy.copy(loop)
    plain.orelse = []
    if not _has_own_break(loop.body):
        return [plain, *loop.orelse]
    flag = f"$loop_broke{next(_COUNTER)}"
    plain.body = _flag_breaks(loop.body, flag)
    init = ast.Assign([ast.Name(flag, ast.Store())], ast.Constant(False))
    guard = ast.If(ast.UnaryOp(ast.Not(), ast.Name(flag, ast.Load())), loop.orelse, [])
    for node in (init, guard):
        ast.copy_location(node, loop)
        ast.fix_missing_locations(node)
    return [init, plain, guard]


def _has_own_break(stmts: list[ast.stmt]) -> bool:
    for stmt in stmts:
        if isinstance(stmt, ast.Break):
            return True
        fields = _NESTED_BODIES.get(type(stmt), ())
        if any(_has_own_break(getattr(stmt, f)) for f in fields):
            return True
    return False


def _flag_breaks(stmts: list[ast.stmt], flag: str) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in stmts:
        if isinstance(stmt, ast.Break):
            set_flag = ast.Assign([ast.Name(flag, ast.Store())], ast.Constant(True))
            ast.copy_location(set_flag, stmt)
            ast.fix_missing_locations(set_flag)
            out += [set_flag, stmt]
            continue
        fields = _NESTED_BODIES.get(type(stmt), ())
        if fields:
            stmt = copy.copy(stmt)
            for f in fields:
                setattr(stmt, f, _flag_breaks(getattr(stmt, f), flag))
        out.append(stmt)
    return out
