"""Control flow: `prim::If`, `prim::Loop` and `prim::RaiseException`.

Their semantics, written as Python (the interpreter below is exactly this)::

    prim::If(cond)                 outs = run(block0) if cond else run(block1)
    prim::Loop(max, go, *carried)  i = 0
                                   while go and i < max:
                                       go, *carried = run(body, i, *carried); i += 1
                                   outs = carried
    prim::RaiseException(msg, cls) raise make_exception(msg, cls)
"""

from __future__ import annotations

import builtins
from typing import Any, Callable, Sequence

from hybridjit.ir import types as T
from hybridjit.ops.impl import Binder, Operand, OpImpl
from hybridjit.ops.prims.base import VARIADIC as V
from hybridjit.ops.prims.base import Fail, Prim, compatible, expect_subtypes, register, types_str

# -- prim::If ---------------------------------------------------------------------------------


def _interpret_if(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    block = node.blocks[0] if env[node.inputs[0]] else node.blocks[1]
    env.update(zip(node.outputs, ip.run_block(block, env, ())))


def _emit_if(gen: Any, node: Any, depth: int) -> None:
    outs = [gen.local(v) for v in node.outputs]
    gen.line(depth, f"if {gen.src(node.inputs[0])}:", node)
    for keyword_, block in zip(("", "else:"), node.blocks):
        start = len(gen.lines)
        if keyword_:
            gen.line(depth, keyword_)
        gen.coalesce(block, block.outputs, outs, lambda k, n: True)  # the outputs are fresh names
        gen.block(block, depth + 1, outs)
        if keyword_ and gen.lines[start + 1 :] == [f"{gen.indent * (depth + 1)}pass"]:
            del gen.lines[start:]  # an empty else


def _verify_if(node: Any, fail: Fail) -> None:
    """`y = block0() if cond else block1()`."""
    if len(node.inputs) != 1 or not compatible(node.inputs[0].type, T.BoolType):
        fail(node, f"prim::If expects one bool input, found {types_str(node.inputs)}")
    if len(node.blocks) != 2:
        fail(node, f"prim::If expects 2 blocks, found {len(node.blocks)}")
    out_types = [o.type for o in node.outputs]
    for i, block in enumerate(node.blocks):
        if block.inputs:
            fail(node, f"prim::If block{i} expects no inputs, found {len(block.inputs)}")
        expect_subtypes(node, fail, f"outputs of block{i}", block.outputs, out_types)


def _export_if(ctx: Any, node: Any) -> None:
    cond = node.inputs[0]
    if ctx.is_static(cond):
        block = node.blocks[0] if ctx.static(cond) else node.blocks[1]
        outs = ctx.lower_block(block)
        if outs is not None:
            for v, b in zip(node.outputs, outs):
                ctx.bind(v, b)
        return
    c = ctx.cast(ctx.value(cond), ctx.scalar_dtype("bool"))
    if _is_select(node):
        _export_select_if(ctx, node, c)
        return
    # lists appended to inside the branches are extra outputs (no aliasing in ONNX)
    lists = ctx.mutated_lists([node])
    before = [ctx.carried_list(v, _elem_kind(v)) for v in lists]
    # lower a block that always raises after the other, so placeholders can copy its types
    branches = [None, None]
    order = sorted(range(2), key=lambda i: _always_raises(node.blocks[i]))
    for i in order:
        for v, b in zip(lists, before):
            ctx.bind_list(v, b)
        br = branches[i] = ctx.branch(node.blocks[i], "then" if i == 0 else "else")
        if br.outputs is not None:
            br.outputs = br.outputs + [ctx.binding(v) for v in lists]
    results = ctx.emit_if(c, branches, len(node.outputs) + len(lists))
    for v, r in zip(node.outputs, results):
        ctx.bind(v, r)
    for v, r in zip(lists, results[len(node.outputs) :]):
        ctx.bind_list(v, r)


# Python-number ops that cannot fail: an `if` made of these (e.g. the `while ... break`
# condition `False if hit else n < max_len`) computes both sides and selects (no ONNX If)
_SELECT_OPS = {"prim::Constant", "aten::eq", "aten::ne", "aten::lt", "aten::gt", "aten::le",
               "aten::ge", "aten::__not__", "aten::add", "aten::sub", "aten::mul", "aten::neg",
               "aten::__and__", "aten::__or__", "aten::__xor__"}  # fmt: skip
_NUMBER_TYPES = (T.IntType, T.FloatType, T.BoolType)
_SELECT_MAX_NODES = 4


def _is_select(node: Any) -> bool:
    """Whether the `if` only picks between Python numbers computed by a few cheap ops."""
    if not node.outputs or not all(o.type in _NUMBER_TYPES for o in node.outputs):
        return False
    for block in node.blocks:
        nodes = list(block.nodes)
        if len(nodes) > _SELECT_MAX_NODES:
            return False
        for n in nodes:
            if n.kind not in _SELECT_OPS or n.blocks:
                return False
            if not all(v.type in _NUMBER_TYPES for v in (*n.inputs, *n.outputs)):
                return False
    return True


def _export_select_if(ctx: Any, node: Any, c: Any) -> None:
    """`a if c else b` on numbers: both sides are computed, then And/Or/Not or Where."""
    sides = [ctx.lower_block(b) for b in node.blocks]
    if any(s is None for s in sides):
        raise ctx.error("internal: a branch of a number-selecting `if` raised")
    for v, a, b in zip(node.outputs, *sides):
        kind = {T.IntType: "int", T.FloatType: "float", T.BoolType: "bool"}[v.type]
        ctx.bind(v, _select(ctx, c, a, b, kind))


def _select(ctx: Any, c: Any, a: Any, b: Any, kind: str) -> Any:
    sa = ctx.static_binding(a)
    sb = ctx.static_binding(b)
    if sa is not None and sb is not None and sa[0] == sb[0]:
        return a
    dt = ctx.scalar_dtype(kind)
    if kind == "bool":
        if sa is not None and sb is not None:  # c or not c
            return c if sa[0] else ctx.op("Not", [c])[0]
        if sa is not None:  # c ? const : b
            bv = ctx.cast(ctx.materialize(b), dt)
            return (ctx.op("Or", [c, bv]) if sa[0] else
                    ctx.op("And", [ctx.op("Not", [c])[0], bv]))[0]  # fmt: skip
        if sb is not None:  # c ? a : const
            av = ctx.cast(ctx.materialize(a), dt)
            return (ctx.op("Or", [ctx.op("Not", [c])[0], av]) if sb[0] else
                    ctx.op("And", [c, av]))[0]  # fmt: skip
    av, bv = (ctx.cast(ctx.materialize(x), dt) for x in (a, b))
    return ctx.op("Where", [c, av, bv])[0]


def _elem_kind(v: Any) -> str:
    e = v.type.elem if isinstance(v.type, T.ListType) else None
    if isinstance(e, T.TensorType):
        return "tensor"
    return {T.IntType: "int", T.FloatType: "float", T.BoolType: "bool"}.get(e, "any")


def _always_raises(block: Any) -> bool:
    return any(n.kind == "prim::RaiseException" for n in block.nodes)


register(Prim("prim::If", "if cond: run block 0 else block 1; outputs are the block outputs",
              n_outputs=V, n_inputs=1, blocks=2, interpret=_interpret_if, emit=_emit_if,
              verify=_verify_if, export=_export_if))  # fmt: skip


# -- prim::Loop -------------------------------------------------------------------------------


def _interpret_loop(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    max_trip, go, *carried = (env[v] for v in node.inputs)
    body, i = node.blocks[0], 0
    while go and i < max_trip:
        go, *carried = ip.run_block(body, env, (i, *carried))
        i += 1
    env.update(zip(node.outputs, carried))


def _emit_loop(gen: Any, node: Any, depth: int) -> None:
    """`for i in range(max): body; carried = outs; if not go: break` (under `if go0:`), or
    `go = go0; while go: body; carried = outs; go = go'` for a `while` loop."""
    max_trip, go0, *init = node.inputs
    body = node.blocks[0]
    carried = [gen.local(v) for v in node.outputs]
    for param, name in zip(body.inputs[1:], carried):
        gen.alias(param, name)
    gen.assign(depth, carried, init)
    counter = body.inputs[0]
    go_var = None
    if gen.constants.get(max_trip) == _WHILE_TRIPS and not counter.uses:
        go_var = "True" if gen.is_constant(go0, True) else gen.fresh("go")
        if go_var != "True":
            gen.line(depth, f"{go_var} = {gen.src(go0)}")
        gen.line(depth, f"while {go_var}:", node)
    else:
        if not gen.is_constant(go0, True):
            gen.line(depth, f"if {gen.src(go0)}:")
            depth += 1
        index = gen.local(counter) if counter.uses else "_"
        gen.line(depth, f"for {index} in range({gen.src(max_trip)}):", node)
    start = len(gen.lines)
    gen.coalesce(body, body.outputs[1:], carried, _carried_free(body))
    gen.nodes(body, depth + 1)
    go, *outs = body.outputs
    go_src = gen.src(go)
    if not gen.is_constant(go, True) and go_src in carried:
        fresh = gen.fresh("go")
        gen.line(depth + 1, f"{fresh} = {go_src}")
        go_src = fresh
    gen.assign(depth + 1, carried, outs)
    if gen.is_constant(go, False):
        gen.line(depth + 1, "break")
    elif gen.is_constant(go, True):
        pass
    elif go_var not in (None, "True"):
        gen.line(depth + 1, f"{go_var} = {go_src}")
    else:
        gen.line(depth + 1, f"if not {go_src}:")
        gen.line(depth + 2, "break")
    gen.close_body(depth + 1, start)


def _carried_free(body: Any) -> Callable[[int, Any], bool]:
    """Whether carried value k may be written by `node`: no later read of its parameter."""
    index = {n: i for i, n in enumerate(body.nodes)}
    end = len(index)

    def top(user: Any) -> int:
        while user.owning_block is not body:
            owner = user.owning_block.owning_node if user.owning_block else None
            if owner is None:
                return end
            user = owner
        return index.get(user, end)  # the return node reads last

    def free(k: int, node: Any) -> bool:
        param = body.inputs[k + 1]
        at = index[node]
        for use in param.uses:
            where = top(use.user)
            if where > at or (where == at and node.kind == "prim::Loop"):
                return False
        return True

    return free


def _verify_loop(node: Any, fail: Fail) -> None:
    """`i, c = 0, c0; while i < max_trips and cond: cond, c = body(i, c); i += 1`."""
    if len(node.inputs) < 2:
        fail(node, "prim::Loop expects (int, bool, carried...) inputs, found "
             f"{types_str(node.inputs)}")  # fmt: skip
    expect_subtypes(node, fail, "prim::Loop inputs", node.inputs[:2], [T.IntType, T.BoolType])
    if len(node.blocks) != 1:
        fail(node, f"prim::Loop expects 1 block, found {len(node.blocks)}")
    body = node.blocks[0]
    carried = node.inputs[2:]
    body_types = [v.type for v in body.inputs]
    if len(body.inputs) != len(carried) + 1:
        fail(node, f"the loop body expects {len(carried) + 1} inputs (iteration, carried...), "
             f"found {len(body.inputs)}")  # fmt: skip
    expect_subtypes(node, fail, "the loop body's iteration input", body.inputs[:1], [T.IntType])
    expect_subtypes(node, fail, "prim::Loop carried inputs", carried, body_types[1:])
    expect_subtypes(node, fail, "the loop body's outputs (condition, carried...)", body.outputs,
                    [T.BoolType, *body_types[1:]])  # fmt: skip
    if len(node.outputs) != len(carried):
        fail(node, f"prim::Loop expects {len(carried)} outputs (one per carried value), "
             f"found {len(node.outputs)}")  # fmt: skip
    expect_subtypes(node, fail, "the loop body's carried outputs", body.outputs[1:],
                    [o.type for o in node.outputs])  # fmt: skip


_WHILE_TRIPS = 9223372036854775807  # a `while` loop's max trip count: ONNX Loop gets no M


def _export_loop(ctx: Any, node: Any) -> None:
    max_trip, cond0, *carried = node.inputs
    body = node.blocks[0]
    if ctx.is_static(max_trip) and ctx.static(max_trip) >= _WHILE_TRIPS:
        m = None
    else:
        m = ctx.cast(ctx.value(max_trip), ctx.scalar_dtype("int"))
    c0 = ctx.cast(ctx.value(cond0), ctx.scalar_dtype("bool"))
    # lists appended to inside the body are carried too (no aliasing in ONNX)
    lists = ctx.mutated_lists([node])
    # a carried tuple is one carried value per element (`structs`: each one's tuple shape)
    structs = [ctx.tuple_struct(ctx.binding(v)) for v in carried]
    init = [ctx.materialize(leaf) for v, st in zip(carried, structs)
            for leaf in ctx.tuple_leaves(ctx.binding(v), st)]  # fmt: skip
    init += [ctx.carried_list(v, _elem_kind(v)) for v in lists]
    names = [v for v, st in zip(carried, structs) for _ in range(ctx.tuple_size(st))] + lists
    n_flat = len(init) - len(lists)
    carried = [*carried, *lists]
    with ctx.new_scope("loop_body") as scope:
        scope.is_loop = True
        it = ctx.graph_input(dtype=ctx.scalar_dtype("int"), rank=0, name="iter")
        ctx.graph_input(dtype=ctx.scalar_dtype("bool"), rank=0, name="cond")
        ins = [ctx.graph_input(like=v, name="carried") for v in init]
        ctx.bind(body.inputs[0], it)
        for v, x in zip(body.inputs[1:], ctx.tuple_regroup(structs, ins[:n_flat])):
            ctx.bind(v, x)
        for v, x in zip(lists, ins[n_flat:]):
            ctx.bind_list(v, x)
        outs = ctx.lower_block(body)
        if outs is None:  # the body always raises: stop after the first iteration
            cond_out = ctx.const(False)
            outs_v = [ctx.placeholder(x) for x in ins]
        else:
            cond_out = ctx.cast(ctx.materialize(outs[0]), ctx.scalar_dtype("bool"))
            outs_v = []
            for b, st in zip(outs[1:], structs):
                if ctx.tuple_struct(b) != st:
                    raise ctx.error("a loop-carried tuple changes its length inside the loop")
                outs_v += [ctx.materialize(leaf) for leaf in ctx.tuple_leaves(b, st)]
            outs_v += [ctx.materialize(ctx.binding(v)) for v in lists]
        for x, y, v in zip(ins, outs_v, names):
            if ctx.dtype(x) != ctx.dtype(y) or (x.type != y.type):
                raise ctx.error(f"the loop-carried value %{v.debug_name} changes type inside the "
                                f"loop ({x.type} -> {y.type}); an ONNX Loop needs one type",
                                hint="convert it to its final dtype before the loop")  # fmt: skip
            if ctx.rank(x) != ctx.rank(y):
                x.shape = None
        # an error (a raise, a failed check) stops the loop: its code is carried out
        raises = ctx.may_fail()
        safe = outs is not None and ctx.err_is_safe()
        flag = ctx.err_flag(scope.err) if raises else None
        if flag is not None:  # one check: carry its bool, make the code after the loop
            ctx.graph_input(dtype=ctx.scalar_dtype("bool"), rank=0, name="ok")
            ok = flag[0]
            cond_out = ctx.op("And", [cond_out, ok])[0]
            outs_v.append(ok)
        elif raises:
            ctx.graph_input(dtype=ctx.scalar_dtype("int"), rank=0, name="err")
            err = scope.err
            ok = ctx.op("Equal", [err, ctx.const(0)])[0]
            cond_out = ctx.op("And", [cond_out, ok])[0]
            outs_v.append(err)
        graph_outs = [ctx._own(cond_out)] + [ctx._own(v) for v in outs_v]
        scope.graph.outputs.extend(graph_outs)
    pre_err = None
    if scope.pre_checks:  # loop-invariant checks: the loop starts only when they hold
        ran = c0 if m is None else ctx.op("And", [c0, ctx.op("Greater", [m, ctx.const(0)])[0]])[0]
        pre_err = ctx.const(0)
        for ok, code in reversed(scope.pre_checks):  # the first failing one wins
            pre_err = ctx.op("Where", [ok, pre_err, ctx.const(code)])[0]
            c0 = ctx.op("And", [c0, ok])[0]
        pre_err = ctx.op("Where", [ran, pre_err, ctx.const(0)])[0]
    if not raises and pre_err is None and not lists:
        fast = ctx.vectorized_loop(scope.graph, m, c0, init)
        if fast is not None:
            for v, r in zip(node.outputs, ctx.tuple_regroup(structs, list(fast))):
                ctx.bind(v, r)
            return
    loop_inputs = [m, c0, *init] + ([ctx.const(flag is not None)] if flag is not None else
                                    [ctx.const(0)] if raises else [])  # fmt: skip
    results = ctx.op("Loop", loop_inputs, {"body": scope.graph}, n=len(init) + (1 if raises else 0))
    for r, x in zip(results, ins + ([None] if raises else [])):
        if x is not None:
            ctx.set_type(r, like=x)
            if x.shape is None:
                r.shape = None
        else:
            ctx.set_type(r, dtype=ctx.scalar_dtype("bool" if flag else "int"), rank=0)
    if pre_err is not None:
        ctx.merge_err(pre_err, True)
    if raises:
        err = results[-1]
        if flag is not None:
            err = ctx.op("Where", [err, ctx.const(0), ctx.const(flag[1])])[0]
        ctx.merge_err(err, safe)
        results = results[:-1]
    for v, r in zip(node.outputs, ctx.tuple_regroup(structs, results[:n_flat])):
        ctx.bind(v, r)
    for v, r in zip(lists, results[n_flat:]):
        ctx.bind_list(v, r)


register(Prim("prim::Loop", "Loop(max_trip_count, cond, *carried): i = 0; while i < max and cond: "
              "cond, *carried = block(i, *carried); i += 1; outputs are the final carried",
              n_outputs=V, blocks=1, interpret=_interpret_loop, emit=_emit_loop,
              verify=_verify_loop, export=_export_loop))  # fmt: skip


# -- prim::RaiseException ---------------------------------------------------------------------

EXCEPTIONS: dict[str, type[BaseException]] = {
    name: obj for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, BaseException)
}  # fmt: skip


# Exception classes outside builtins that `cls` may name, by qualified name (hybridjit's
# errors, dataclasses.FrozenInstanceError): filled by `prims.exceptions`.
QUALIFIED_EXCEPTIONS: dict[str, type[BaseException]] = {}


def make_exception(msg: str, cls: str | None = None) -> BaseException:
    """The exception `prim::RaiseException(msg, cls)` raises, with its Python class.

    TorchScript passes `builtins.ValueError` style names; an `assert` passes no class and a
    message starting with `AssertionError: `.
    """
    if cls is None:
        head, sep, rest = msg.partition(": ")
        if sep and head in EXCEPTIONS:
            return EXCEPTIONS[head](rest)
        return RuntimeError(msg)
    if cls in QUALIFIED_EXCEPTIONS:
        return QUALIFIED_EXCEPTIONS[cls](msg)
    short = cls.rpartition(".")[2]
    if short in EXCEPTIONS and cls in (short, f"builtins.{short}"):
        return EXCEPTIONS[short](msg)
    return Exception(f"{cls}: {msg}")


def raise_exception(msg: str, cls: str | None = None) -> None:
    raise make_exception(msg, cls)


def _emit_raise(ops: Sequence[Operand], binder: Binder) -> str:
    return f"raise {binder.bind(make_exception, 'make_exception')}({', '.join(o.src for o in ops)})"


def _export_raise(ctx: Any, node: Any) -> None:
    msg_v = node.inputs[0]
    cls = (
        ctx.static(node.inputs[1])
        if len(node.inputs) > 1 and ctx.is_static(node.inputs[1])
        else None
    )
    msg = ctx.static(msg_v) if ctx.is_static(msg_v) else None
    ctx.raise_here(cls, msg)


register(
    Prim(
        "prim::RaiseException",
        "raise the exception class named by input 1 with message input 0",
        n_outputs=0,
        impl=OpImpl(raise_exception, _emit_raise, stmt=True),
        export=_export_raise,
    )
)
