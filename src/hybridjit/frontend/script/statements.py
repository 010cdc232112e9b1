"""Statement lowering: `build_<Stmt>` methods, blocks, branches, loops and early exits."""

from __future__ import annotations

import ast
import copy
import itertools
from typing import TYPE_CHECKING, Any, Callable

from hybridjit.frontend.script import generators, inline_ast, special_forms
from hybridjit.frontend.script.environment import (
    BREAK_FLAG,
    CONTINUE_FLAG,
    RET_FLAG,
    RET_VAL,
    Env,
    debug_name,
    is_hidden,
)  # fmt: skip
from hybridjit.frontend.script.loop_else import lower_loop_else
from hybridjit.frontend.script.sugared import Iteration, SimpleValue, SugaredValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    # deferred: compiler.py imports this module
    from hybridjit.frontend.script.compiler import FunctionCompiler
    from hybridjit.ir.graph import Block, Node, Value

INT_MAX = 9223372036854775807


# -- AST scans -------------------------------------------------------------------------------
def _walk_stmts(stmts: list[ast.stmt], into_loops: bool = True) -> list[ast.AST]:
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(stmts)
    while todo:
        node = todo.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if not into_loops and isinstance(child, (ast.For, ast.While)):
                continue
            todo.append(child)
    return out


def contains_nontail_return(body: list[ast.stmt]) -> bool:
    """Whether some `return` is nested in a block (so the rest must be guarded by a flag)."""
    nested = [n for s in body if not isinstance(s, ast.Return) for n in _walk_stmts([s])]
    return any(isinstance(n, ast.Return) for n in nested)


_KINDS_MEMO: dict[tuple[int, bool], tuple[list[ast.stmt], set[type]]] = {}


def _kinds(stmts: list[ast.stmt], into_loops: bool) -> set[type]:
    key = (id(stmts), into_loops)
    hit = _KINDS_MEMO.get(key)
    if hit is None or hit[0] is not stmts:
        hit = _KINDS_MEMO[key] = (stmts, {type(n) for n in _walk_stmts(stmts, into_loops)})
    return hit[1]


_UNROLLED = itertools.count()


def _has(stmts: list[ast.stmt], kind: type) -> bool:
    return kind in _kinds(stmts, False)


def _has_return(stmts: list[ast.stmt]) -> bool:
    return ast.Return in _kinds(stmts, True)


def assigned_names(stmts: list[ast.stmt]) -> list[str]:
    """Variables a block may assign (the candidates for loop-carried values)."""
    names: list[str] = []
    for node in _walk_stmts(stmts):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
            targets = [node.target]
        elif isinstance(node, ast.NamedExpr):
            targets = [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets = [node.optional_vars]
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    if sub.id not in names:
                        names.append(sub.id)
    return names


class StatementsMixin:
    """Statement builders; expects the FunctionCompiler attributes (env, graph, emit...)."""

    # -- blocks ------------------------------------------------------------------------------
    def emit_statements(self: FunctionCompiler, stmts: list[ast.stmt]) -> None:
        """Emit `stmts` into the current env; after one that may exit, guard the rest."""
        for i, stmt in enumerate(stmts):
            with self.at(stmt):
                builder = getattr(self, "build_" + type(stmt).__name__, None)
                if builder is None:
                    self.fail(f"expected a supported statement, found {type(stmt).__name__}")
                builder(stmt)
            if self.env.exited:
                return
            if self.env.may_set and i + 1 < len(stmts):  # (slice only here: n statements)
                rest = stmts[i + 1 :]
                with self.at(rest[0]):
                    self.emit_guarded(rest)
                return

    def emit_guarded(self: FunctionCompiler, rest: list[ast.stmt]) -> None:
        """`if <some exit flag>: pass  else: <rest>` -- the rest runs only if nothing exited."""
        cond = self.any_flag(sorted(self.env.may_set))
        self.emit_if(cond, lambda: self._mark_exited(), lambda: self.emit_statements(rest))

    def _mark_exited(self: FunctionCompiler) -> None:
        self.env.exited = True
        self.env.skip_branch = True  # type: ignore[attr-defined]
        # Only a return can be pending: nothing after this branch runs.
        self.env.dead = self.env.parent.may_set <= {RET_FLAG}  # type: ignore[union-attr]

    def any_flag(self: FunctionCompiler, flags: list[str]) -> Value:
        values = [self.env.lookup(f).value(self) for f in flags]  # type: ignore[union-attr]
        out = values[0]
        for v in values[1:]:
            out = self.call_builtin_values("aten::__or__", [out, v], {})
        return out

    # -- if ----------------------------------------------------------------------------------
    def emit_if(self: FunctionCompiler, cond: Value, then: Callable[[], None],
                orelse: Callable[[], None], refine: tuple[dict, dict] = ({}, {})) -> Node:  # fmt: skip
        node = self.emit("prim::If", [cond], [])
        envs = []
        for block_fn, refinements in ((then, refine[0]), (orelse, refine[1])):
            block = node.add_block()
            env = Env(self.env, block)
            envs.append(env)
            self.run_in_block(env, block, _then(self, refinements, block_fn))
        self.merge_branches(node, envs[0], envs[1])
        return node

    def run_in_block(self: FunctionCompiler, env: Env, block: Block, fn: Callable[[], Any]) -> None:
        saved = self.env
        self.env = env
        try:
            with self.graph.inserting_into(block):
                fn()
        finally:
            self.env = saved

    def merge_branches(self: FunctionCompiler, node: Node, t: Env, f: Env) -> None:
        names = _merge_candidates(t, f)
        for name in names:
            values = self._branch_values(name, t, f)
            if values is None:
                continue
            vt, vf = values
            self._culprit = self.sites.get(vf) or self.sites.get(vt)
            joined = self.join_types(name, vt.type, vf.type, t, f)
            vt = self.coerce_in_block(vt, joined, node.blocks[0])
            vf = self.coerce_in_block(vf, joined, node.blocks[1])
            node.blocks[0].register_output(vt)
            node.blocks[1].register_output(vf)
            out = node.add_output(joined, debug_name(name))
            refinement = name in t.refined and name in f.refined
            self.env.set(name, SimpleValue(out), refinement)
        self.env.may_set |= t.may_set | f.may_set
        self.env.dead = self.env.dead or (t.dead and f.dead)
        self.env.exited = self.env.exited or (t.exited and f.exited)

    def _branch_values(
        self: FunctionCompiler, name: str, t: Env, f: Env
    ) -> tuple[Value, Value] | None:
        st, sf = t.lookup(name), f.lookup(name)
        if is_hidden(name):
            if st is None or sf is None:
                return None
            return st.value(self), sf.value(self)
        if t.dead and f.dead:
            return None
        if t.dead or f.dead:
            live = sf if t.dead else st
            if not isinstance(live, SimpleValue):
                return None
            return self._with_dummy(live.v, t if t.dead else f, t.dead)
        if st is None and sf is None:
            return None
        if st is None or sf is None:
            missing = t if st is None else f
            present = sf if st is None else st
            if not getattr(missing, "skip_branch", False) or not isinstance(present, SimpleValue):
                return None
            return self._with_dummy(present.v, missing, st is None)
        if not isinstance(st, SimpleValue) or not isinstance(sf, SimpleValue):
            if st is not sf:
                self.fail(f"expected '{name}' to be the same object in both branches")
            return None
        return st.v, sf.v

    def _with_dummy(self: FunctionCompiler, live: Value, dead_env: Env,
                    dead_is_true: bool) -> tuple[Value, Value]:  # fmt: skip
        with self.graph.inserting_into(dead_env.block):  # type: ignore[arg-type]
            dummy = self.uninitialized(live.type)
        return (dummy, live) if dead_is_true else (live, dummy)

    def join_types(
        self: FunctionCompiler, name: str, a: T.Type, b: T.Type, t: Env, f: Env
    ) -> T.Type:
        # deferred: compiler.py imports this module
        from hybridjit.frontend.script.compiler import UNKNOWN

        if a == UNKNOWN:
            return b
        if b == UNKNOWN or a == b:
            return a
        joined = T.unify(a, b)
        if joined is None:
            shown = f"'{debug_name(name)}'" if debug_name(name) else "the return value"
            self.fail(f"expected {shown} to have the same type in both branches, found "
                      f"'{a}' in the true branch and '{b}' in the false branch",
                      where=getattr(self, "_culprit", None))  # fmt: skip
        return joined

    def coerce_in_block(self: FunctionCompiler, v: Value, t: T.Type, block: Block) -> Value:
        if v.type == t or (T.is_subtype(v.type, t) and v.node.kind != "prim::Uninitialized"):
            return v
        if v.node.kind == "prim::Uninitialized":
            with self.graph.inserting_into(block):
                return self.uninitialized(t)
        return v

    # -- statements --------------------------------------------------------------------------
    def build_Expr(self: FunctionCompiler, stmt: ast.Expr) -> None:
        if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            return  # docstring
        self.emit_expr(stmt.value)

    def build_Pass(self: FunctionCompiler, stmt: ast.Pass) -> None:
        pass

    def build_Assign(self: FunctionCompiler, stmt: ast.Assign) -> None:
        hint = None
        first = stmt.targets[0]
        if isinstance(first, ast.Name) and isinstance(self.env.lookup(first.id), SimpleValue):
            hint = self.env.lookup(first.id).v.type  # type: ignore[union-attr]
        declared = self.env.declared_type(first.id) if isinstance(first, ast.Name) else None
        if isinstance(stmt.value, (ast.ListComp, ast.DictComp)):
            # `xs = [torch.cat(x) for x in xs]` makes a new list of its own type, even where
            # `xs` was declared (TorchScript hints only by the statement's own annotation).
            hint = None
        value = self.emit_expr(stmt.value, type_hint=hint)
        if declared is not None and isinstance(value, SimpleValue):
            value = SimpleValue(self.number_as(value.v, declared))
        for target in stmt.targets:
            self.assign_to(target, value)

    def number_as(self: FunctionCompiler, v: Value, declared: T.Type) -> Value:
        """A `Scalar` (`t.item()`) re-assigned to a variable declared int or float (or Optional
        of one), or returned as one, converted with `aten::Int`/`aten::Float` as torch.jit
        does (its own annotated assignment is refused: `build_AnnAssign`)."""
        target = declared.elem if isinstance(declared, T.OptionalType) else declared
        if v.type != T.NumberType or target not in (T.IntType, T.FloatType):
            return v
        return self.call_builtin_values("aten::Int" if target == T.IntType else "aten::Float", [v], {})  # fmt: skip

    def build_AnnAssign(self: FunctionCompiler, stmt: ast.AnnAssign) -> None:
        declared = self.annotation(stmt.annotation, stmt.annotation)
        if stmt.value is None:
            self.fail("expected a value in the annotated assignment, found none")
        value = special_forms.typed_tolist(self, stmt.value, declared) or self.emit_expr(
            stmt.value, type_hint=declared
        )
        v = value.value(self)
        if v.type == T.NumberType and not T.is_subtype(T.NumberType, declared):
            # torch.jit converts a Scalar when it is re-assigned or returned, not here
            self.fail(f"Variable '{ast.unparse(stmt.target)}' is annotated with type {declared} "
                      "but is being assigned to a value of type number (write int(...) or "
                      "float(...) around it)")  # fmt: skip
        v = self.convert_to(v, declared, f"'{ast.unparse(stmt.target)}'")
        if isinstance(stmt.target, ast.Name):
            self.env.declared[stmt.target.id] = declared
        self.assign_to(stmt.target, SimpleValue(v))

    def build_AugAssign(self: FunctionCompiler, stmt: ast.AugAssign) -> None:
        self.emit_augassign(stmt)

    def build_Return(self: FunctionCompiler, stmt: ast.Return) -> None:
        value = special_forms.typed_tolist(self, stmt.value, self.return_type)
        if value is None and stmt.value is not None:
            value = self.emit_expr(stmt.value)
        self.emit_return_value(value if value is not None else SimpleValue(self.const(None)))

    def emit_return_value(self: FunctionCompiler, sv: SugaredValue) -> None:
        generators.check_not_escaping(self, sv, "returned from a scripted function")
        v = sv.value(self)
        if self.return_type is not None:  # `-> float` returning `x.item() + 1` converts
            v = self.number_as(v, self.return_type)
            v = self.convert_to(v, self.return_type, "the return value")
        self.env.set(RET_VAL, SimpleValue(v))
        if self.uses_ret_flag:
            self.env.set(RET_FLAG, SimpleValue(self.const(True)))
            self.env.may_set.add(RET_FLAG)
        self.env.dead = self.env.exited = True

    def build_Break(self: FunctionCompiler, stmt: ast.Break) -> None:
        self._loop_exit(BREAK_FLAG, "break")

    def build_Continue(self: FunctionCompiler, stmt: ast.Continue) -> None:
        self._loop_exit(CONTINUE_FLAG, "continue")

    def _loop_exit(self: FunctionCompiler, flag: str, word: str) -> None:
        if self.env.lookup(flag) is None:
            self.fail(f"expected '{word}' inside a loop, found it outside any loop")
        self.env.set(flag, SimpleValue(self.const(True)))
        self.env.may_set.add(flag)
        self.env.exited = True

    def build_If(self: FunctionCompiler, stmt: ast.If) -> None:
        self.emit_conditional(stmt.test, lambda: self.emit_statements(stmt.body),
                              lambda: self.emit_statements(stmt.orelse))  # fmt: skip

    def emit_conditional(self: FunctionCompiler, test: ast.expr, then: Callable[[], None],
                         orelse: Callable[[], None]) -> None:  # fmt: skip
        cond = self.emit_condition(test)
        if cond.static is not None:
            self.apply_refinements(cond.refine[0] if cond.static else cond.refine[1])
            (then if cond.static else orelse)()
            return
        self.emit_if(cond.value, then, orelse, cond.refine)

    def build_Raise(self: FunctionCompiler, stmt: ast.Raise) -> None:
        if stmt.exc is None:
            self.fail("expected an exception to raise, found a bare 'raise'")
        self.emit_raise(self.emit_expr(stmt.exc))

    def build_Assert(self: FunctionCompiler, stmt: ast.Assert) -> None:
        cond = self.emit_condition(stmt.test)
        if cond.static is True:
            self.apply_refinements(cond.refine[0])
            return

        def fail_branch() -> None:
            msg = self.emit_expr(stmt.msg).value(self) if stmt.msg is not None else None
            self.raise_with(AssertionError, msg)

        if cond.static is False:
            fail_branch()
            return
        self.emit_if(cond.value, lambda: None, fail_branch)
        self.apply_refinements(cond.refine[0])

    def build_Delete(self: FunctionCompiler, stmt: ast.Delete) -> None:
        for target in stmt.targets:
            self.emit_delete(target)

    def build_With(self: FunctionCompiler, stmt: ast.With) -> None:
        """`with torch.no_grad():` as grad-mode switches around the body::

        prev = is_grad_enabled(); set_grad_enabled(False); <body>; set_grad_enabled(prev)
        """
        modes = [self.check_context_manager(item) for item in stmt.items]
        saved = []
        for mode in modes:
            saved.append(self.call_builtin_values("aten::is_grad_enabled", [], {}))
            self.call_builtin_values("aten::set_grad_enabled", [self.const(mode)], {})
        self.emit_statements(stmt.body)
        with self.at(stmt):
            for prev in reversed(saved):
                self.call_builtin_values("aten::set_grad_enabled", [prev], {})

    def build_While(self: FunctionCompiler, stmt: ast.While) -> None:
        if stmt.orelse:
            self.emit_statements(lower_loop_else(stmt))
            return
        cond = self.emit_condition(stmt.test)
        if cond.static is False:
            return
        first = cond.value if cond.static is None else self.const(True)
        self.emit_loop(self.const(INT_MAX), first, None, stmt.target if False else None,
                       stmt.body, while_test=stmt.test)  # fmt: skip

    def build_For(self: FunctionCompiler, stmt: ast.For) -> None:
        if stmt.orelse:
            self.emit_statements(lower_loop_else(stmt))
            return
        iterable = self.emit_expr(stmt.iter)
        if generators.emit_for(self, iterable, stmt):
            return
        it = iterable.iteration(self)
        if it.unrolled is not None:
            self.emit_unrolled(it, stmt)
            return
        assert it.length is not None
        self.emit_loop(it.length, self.const(True), it, stmt.target, stmt.body)

    def emit_unrolled(self: FunctionCompiler, it: Iteration, stmt: ast.For) -> None:
        """A loop over modules or a tuple, one copy of the body per item; a `break` or
        `continue` sets a flag, and each later copy runs `if not stop`."""
        if not (_has(stmt.body, ast.Break) or _has(stmt.body, ast.Continue)):
            self._emit_copies(it, stmt, stmt.body, None)
            return
        k = next(_UNROLLED)
        stop, skip = f"$ustop{k}", f"$uskip{k}"
        body = inline_ast.lower_exits(copy.deepcopy(stmt.body), generators.loop_exits(stop, skip))
        self.env.set(stop, SimpleValue(self.const(False)))
        self._emit_copies(it, stmt, body, (stop, skip))

    def _emit_copies(self: FunctionCompiler, it: Iteration, stmt: ast.For, body: list[ast.stmt],
                     flags: tuple[str, str] | None) -> None:  # fmt: skip
        for i, item in enumerate(it.unrolled or []):
            stopped = None if flags is None else self._static_flag(flags[0])
            if stopped:
                return  # a `break` every input takes
            if flags is not None:
                self.env.set(flags[1], SimpleValue(self.const(False)))
            if stopped is None and flags is not None and isinstance(item, SimpleValue):
                name = f"{flags[0]}_item{i}"  # the target is assigned only if this copy runs
                self.env.set(name, item)
                assign = inline_ast.located(ast.Assign([stmt.target], inline_ast.load(name)), stmt)
                self._emit_unless(flags[0], [assign, *body], stmt)  # type: ignore[list-item]
            else:
                self.assign_to(stmt.target, item)  # (a module: no run-time value to choose)
                if stopped is None and flags is not None:
                    self._emit_unless(flags[0], body, stmt)
                else:
                    self.emit_statements(body)
            if self.env.exited or self.env.may_set:
                if self.env.may_set:
                    self.fail("expected no early return in a loop unrolled at compile time")
                return

    def _static_flag(self: FunctionCompiler, name: str) -> bool | None:
        """The compile-time value of a hidden bool, or None where it is known at run time."""
        sv = self.env.lookup(name)
        v = sv.v if isinstance(sv, SimpleValue) else None
        if v is not None and v.node.kind == "prim::Constant" and v.type == T.BoolType:
            return bool(v.node["value"])
        return None

    def _emit_unless(self: FunctionCompiler, flag: str, body: list[ast.stmt], at: ast.stmt) -> None:
        test = ast.UnaryOp(ast.Not(), inline_ast.load(flag))
        self.emit_statements([inline_ast.located(ast.If(test, body, []), at)])  # type: ignore[list-item]

    # -- loops -------------------------------------------------------------------------------
    def emit_loop(self: FunctionCompiler, trip: Value, first: Value, it: Iteration | None,
                  target: ast.expr | None, body: list[ast.stmt],
                  while_test: ast.expr | None = None) -> None:  # fmt: skip
        stmts = body if target is None else [ast.Assign([target], ast.Constant(0)), *body]
        scanned = stmts if while_test is None else [*stmts, ast.Expr(while_test)]
        written = assigned_names(stmts) + self.names_written_by_calls(scanned)  # nonlocal
        carried = [n for n in dict.fromkeys(written) if self.env.lookup(n) is not None]
        has_return = _has_return(body)
        if has_return:
            carried += [RET_FLAG, RET_VAL]
        carried = [n for n in carried if isinstance(self.env.lookup(n), SimpleValue)]
        types = {n: self.env.lookup(n).v.type for n in carried}  # type: ignore[union-attr]
        for _ in range(4):
            node, body_env, outs = self._emit_loop_once(trip, first, it, target, body,
                                                        while_test, carried, types)  # fmt: skip
            widened = self._widen(carried, types, outs)
            if widened is None:
                break
            node.destroy()
            types = widened
        else:
            self.fail("expected loop-carried variables to settle on one type")
        for name, out in zip(carried, node.outputs):
            if not is_hidden(name):
                out.set_debug_name(debug_name(name))
            self.env.set(name, SimpleValue(out))
        self.env.may_set |= body_env.may_set & {RET_FLAG}

    def _widen(self: FunctionCompiler, carried: list[str], types: dict[str, T.Type],
               outs: list[Value]) -> dict[str, T.Type] | None:  # fmt: skip
        # deferred: compiler.py imports this module
        from hybridjit.frontend.script.compiler import UNKNOWN

        new = dict(types)
        for name, out in zip(carried, outs):
            declared = types[name]
            if declared == UNKNOWN and out.type != UNKNOWN:
                new[name] = out.type
            elif not T.is_subtype(out.type, declared) and out.type != UNKNOWN:
                joined = T.unify(declared, out.type)
                if joined is None:
                    self.fail(f"expected '{debug_name(name)}' to keep type '{declared}' in the loop, "
                              f"found '{out.type}'", where=self.sites.get(out))  # fmt: skip
                new[name] = joined
        return None if new == types else new

    def _emit_loop_once(self: FunctionCompiler, trip: Value, first: Value, it: Iteration | None,
                        target: ast.expr | None, body: list[ast.stmt], while_test: ast.expr | None,
                        carried: list[str], types: dict[str, T.Type]) -> tuple[Node, Env, list[Value]]:  # fmt: skip
        inits = [self._loop_init(n, types[n]) for n in carried]
        node = self.emit("prim::Loop", [trip, first, *inits], [types[n] for n in carried])
        block = node.add_block()
        counter_name = target.id if isinstance(target, ast.Name) and it and it.is_counter else None
        counter = block.add_input(T.IntType, counter_name and debug_name(counter_name))
        env = Env(self.env, block)
        for name in carried:
            env.set(name, SimpleValue(block.add_input(types[name], debug_name(name))))
        outs: list[Value] = []

        def fill() -> None:
            if RET_FLAG in carried:  # the body only runs while nothing has returned
                env.set(RET_FLAG, SimpleValue(self.const(False)))
            if _has(body, ast.Break):
                env.set(BREAK_FLAG, SimpleValue(self.const(False)))
            if _has(body, ast.Continue):
                env.set(CONTINUE_FLAG, SimpleValue(self.const(False)))
            if it is not None and target is not None:
                self.assign_to(target, it.item(counter) if it.item else SimpleValue(counter))
            self.emit_statements(body)
            cond = self._continue_condition(env, while_test)
            outs.extend([cond] + [env.lookup(n).value(self) for n in carried])  # type: ignore[union-attr]

        self.run_in_block(env, block, fill)
        for v in outs:
            block.register_output(v)
        return node, env, outs[1:]

    def _loop_init(self: FunctionCompiler, name: str, t: T.Type) -> Value:
        v = self.env.lookup(name).v  # type: ignore[union-attr]
        if v.type != t and v.node.kind == "prim::Uninitialized":
            return self.uninitialized(t)
        return v

    def _continue_condition(self: FunctionCompiler, env: Env, while_test: ast.expr | None) -> Value:
        """`False` after a break or return, else the loop test (TorchScript's shape: after a
        `continue` the test is evaluated on that path too, so the exit folds into one If)."""
        stops = sorted(env.may_set & {BREAK_FLAG, RET_FLAG})
        exits = stops or sorted(env.may_set & {CONTINUE_FLAG})
        if not exits:
            return self._while_test(while_test)
        node = self.emit("prim::If", [self.any_flag(exits)], [T.BoolType])
        t, f = node.add_block(), node.add_block()
        with self.graph.inserting_into(t):
            t.register_output(self.const(False) if stops else self._while_test(while_test))
        with self.graph.inserting_into(f):
            f.register_output(self._while_test(while_test))
        return node.output

    def _while_test(self: FunctionCompiler, while_test: ast.expr | None) -> Value:
        if while_test is None:
            return self.const(True)
        with self.at(while_test):
            cond = self.emit_condition(while_test)
        return self.const(cond.static) if cond.static is not None else cond.value


def _then(c: FunctionCompiler, refinements: dict, fn: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        c.apply_refinements(refinements)
        fn()

    return run


def _deadish(env: Env) -> bool:
    return env.dead


def _merge_candidates(t: Env, f: Env) -> list[str]:
    names: list[str] = []
    for env, other in ((t, f), (f, t)):
        for name in env.vars:
            real = name not in env.refined or _deadish(other)
            if real and name not in names:
                names.append(name)
    return names
