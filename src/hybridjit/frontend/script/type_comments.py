"""Type comments (PEP 484), which TorchScript and older code use in place of annotations:

    def f(x, n):                      def f(x: Tensor, n: int) -> Tensor:
        # type: (Tensor, int) -> Tensor   ==>
        xs = []  # type: List[int]        xs: List[int] = []

`apply_type_comments` rewrites a parsed def so the compiler sees ordinary annotations. A
real annotation wins over a comment; on a method the comment may leave out `self`.
"""

from __future__ import annotations

import ast

from hybridjit.errors import FrontendError


def parse_with_type_comments(source: str) -> ast.Module:
    """`ast.parse` keeping type comments, or without them where Python refuses one (a type
    comment in a place it has no meaning is a syntax error there)."""
    try:
        tree = ast.parse(source, type_comments=True)
    except SyntaxError:
        return ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _signature_comment(node)
        elif isinstance(node, ast.Assign):
            _annotate_body(node)
    return _assignments_annotated(tree)


def _signature_comment(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    comment = fn.type_comment
    if not comment:
        return
    signature = _parse(comment, "func_type", fn)
    params = [*fn.args.posonlyargs, *fn.args.args]
    types = list(signature.argtypes)  # type: ignore[attr-defined]
    if len(types) == len(params) - 1 and params and params[0].arg in ("self", "cls"):
        params = params[1:]
    if len(types) != len(params) and not (len(types) == 1 and _is_ellipsis(types[0])):
        raise FrontendError(f"expected the type comment of {fn.name} to give {len(params)} "
                            f"parameter types, found {len(types)}: '# type: {comment}'")  # fmt: skip
    for param, annotation in zip(params, types):
        if param.annotation is None and not _is_ellipsis(annotation):
            param.annotation = _located(annotation, fn)
    if fn.returns is None:
        fn.returns = _located(signature.returns, fn)  # type: ignore[attr-defined]


def _annotate_body(node: ast.Assign) -> None:
    """Mark `x = v  # type: T` for `_assignments_annotated` (single-name targets only)."""
    if node.type_comment and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        node._hj_annotation = _located(_parse(node.type_comment, "eval", node).body, node)  # type: ignore[attr-defined]


class _ToAnnAssign(ast.NodeTransformer):
    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        annotation = getattr(node, "_hj_annotation", None)
        if annotation is None:
            return node
        new = ast.AnnAssign(target=node.targets[0], annotation=annotation, value=node.value,
                            simple=1)  # fmt: skip
        return ast.copy_location(new, node)


def _assignments_annotated(tree: ast.Module) -> ast.Module:
    return ast.fix_missing_locations(_ToAnnAssign().visit(tree))


def _parse(comment: str, mode: str, where: ast.AST) -> ast.AST:
    try:
        return ast.parse(comment, mode=mode)
    except SyntaxError:
        line = getattr(where, "lineno", "?")
        raise FrontendError(f"expected a type in the type comment on line {line}, found "
                            f"'# type: {comment}'") from None  # fmt: skip


def _located(node: ast.expr, where: ast.AST) -> ast.expr:
    for inner in ast.walk(node):
        ast.copy_location(inner, where)
        inner.end_lineno, inner.end_col_offset = where.lineno, where.col_offset  # type: ignore[attr-defined]
    return node


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis
