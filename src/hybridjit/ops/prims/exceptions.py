"""Catching and re-raising: `prim::Try`, `prim::Reraise`, `prim::RaiseFrom`, `prim::ExceptionArgs`.

Their semantics, written as Python (the interpreter below is exactly this)::

    prim::Try[exceptions=[[A], [B, C], []]]()    try:
      block0():  -> (outs...)                        outs = run(block0)
      block1(%e : Exception):  -> (outs...)      except A as e: outs = run(block1, e)
      block2(%e : Exception):  -> (outs...)      except (B, C) as e: outs = run(block2, e)
      block3(%e : Exception):  -> (outs...)      except BaseException as e: outs = run(block3, e)
    prim::Reraise(%e)                            raise e
    prim::RaiseFrom(%msg, %cls, %cause)          raise make_exception(msg, cls) from cause
    %a : str[] = prim::ExceptionArgs(%e)         a = [str(x) for x in e.args]

`exceptions` names classes of one fixed table (`EXCEPTION_CLASSES`: Python's builtin
exceptions, spelled `builtins.ValueError`, hybridjit's errors, `hybridjit.ArchiveError`, and
`dataclasses.FrozenInstanceError`);
an empty list is a bare `except:`. Nothing else can be named, so an archive never imports a
class. A `finally` is lowered by the frontend to a catch-all handler that runs it and
re-raises, plus the same statements after the `Try` on the normal path.
"""

from __future__ import annotations

import builtins
import dataclasses
from typing import Any, Sequence

from hybridjit import errors
from hybridjit.ir import types as T
from hybridjit.ops.impl import Binder, Operand, OpImpl
from hybridjit.ops.prims.base import VARIADIC as V
from hybridjit.ops.prims.base import Fail, Prim, expect_subtypes, register, types_str
from hybridjit.ops.prims.control import QUALIFIED_EXCEPTIONS, make_exception

EXCEPTION_CLASSES: dict[str, type[BaseException]] = {
    **{f"builtins.{name}": obj for name, obj in vars(builtins).items()
       if isinstance(obj, type) and issubclass(obj, BaseException)},
    **{f"hybridjit.{name}": obj for name, obj in vars(errors).items()
       if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == errors.__name__},
}  # fmt: skip
EXCEPTION_CLASSES["dataclasses.FrozenInstanceError"] = dataclasses.FrozenInstanceError
EXCEPTION_NAMES: dict[type[BaseException], str] = {c: n for n, c in EXCEPTION_CLASSES.items()}
QUALIFIED_EXCEPTIONS.update(
    {n: c for n, c in EXCEPTION_CLASSES.items() if not n.startswith("builtins.")}
)


def exception_classes(names: Sequence[str]) -> tuple[type[BaseException], ...]:
    """The classes a handler catches (`()`: a bare `except`, which catches BaseException)."""
    if not names:
        return (BaseException,)
    return tuple(EXCEPTION_CLASSES[n] for n in names)


# -- prim::Try --------------------------------------------------------------------------------


def _handlers(node: Any) -> list[tuple[type[BaseException], ...]]:
    return [exception_classes(names) for names in node["exceptions"]]


def _interpret_try(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    handlers = _handlers(node)
    try:
        outs = ip.run_block(node.blocks[0], env, ())
    except BaseException as e:  # noqa: BLE001 - re-raised unless a handler matches
        for classes, block in zip(handlers, node.blocks[1:]):
            if isinstance(e, classes):
                outs = ip.run_block(block, env, (e,))
                break
        else:
            raise
    env.update(zip(node.outputs, outs))


def _emit_try(gen: Any, node: Any, depth: int) -> None:
    outs = [gen.local(v) for v in node.outputs]
    gen.line(depth, "try:", node)
    gen.block(node.blocks[0], depth + 1, outs)
    for names, block in zip(node["exceptions"], node.blocks[1:]):
        bound = [gen.bind(cls, cls.__name__) for cls in exception_classes(names)]
        caught = bound[0] if len(bound) == 1 else f"({', '.join(bound)})"
        param = block.inputs[0]
        name = f" as {gen.local(param)}" if param.uses else ""
        gen.line(depth, f"except {caught}{name}:")
        gen.block(block, depth + 1, outs)


def _verify_try(node: Any, fail: Fail) -> None:
    """`outs = block0()`, or `block_i(e)` for the first handler i whose classes `e` has."""
    if node.inputs:
        fail(node, f"prim::Try expects no inputs, found {types_str(node.inputs)}")
    names = node.attributes.get("exceptions")
    if not isinstance(names, list) or len(node.blocks) != len(names) + 1:
        fail(node, "prim::Try expects a body block and one handler block per entry of its "
             f"'exceptions' attribute, found {len(node.blocks)} blocks and {names!r}")  # fmt: skip
    for entry in names:
        if not isinstance(entry, list) or any(n not in EXCEPTION_CLASSES for n in entry):
            fail(node, f"prim::Try handler classes must be known exception names (like "
                 f"'builtins.ValueError'), found {entry!r}")  # fmt: skip
    out_types = [o.type for o in node.outputs]
    for i, block in enumerate(node.blocks):
        params = [v.type for v in block.inputs]
        if i == 0 and params:
            fail(node, f"prim::Try block0 expects no inputs, found {len(params)}")
        if i > 0 and params != [T.ExceptionType]:
            fail(node, f"prim::Try handler block{i} expects one Exception input, found "
                 f"{types_str(block.inputs)}")  # fmt: skip
        expect_subtypes(node, fail, f"outputs of block{i}", block.outputs, out_types)


_NEVER_RAISE = {"prim::Constant", "prim::Uninitialized"}


def _export_try(ctx: Any, node: Any) -> None:
    body = node.blocks[0]
    if all(n.kind in _NEVER_RAISE for n in body.nodes):  # nothing to catch: the body is all
        outs = ctx.lower_block(body)
        for v, b in zip(node.outputs, outs or []):
            ctx.bind(v, b)
        return
    raise ctx.error("prim::Try (a try/except or try/finally statement) has no ONNX equivalent",
                    hint="check the condition before the operation instead of catching its "
                    "error, or keep this function on the codegen backend")  # fmt: skip


register(Prim("prim::Try", "try: run block 0; except exceptions[i] as e: run block i+1 (e); "
              "outputs are the block outputs", n_outputs=V, n_inputs=0, blocks=V,
              attributes=("exceptions",), interpret=_interpret_try, emit=_emit_try,
              verify=_verify_try, export=_export_try))  # fmt: skip


# -- prim::Reraise / prim::RaiseFrom ----------------------------------------------------------


def reraise(e: BaseException) -> None:
    raise e


def raise_from(msg: str, cls: str | None, cause: BaseException | None) -> None:
    raise make_exception(msg, cls) from cause


def _emit_reraise(ops: Sequence[Operand], binder: Binder) -> str:
    return f"raise {ops[0].src}"


def _emit_raise_from(ops: Sequence[Operand], binder: Binder) -> str:
    make = binder.bind(make_exception, "make_exception")
    return f"raise {make}({ops[0].src}, {ops[1].src}) from {ops[2].src}"


def _verify_reraise(node: Any, fail: Fail) -> None:
    expect_subtypes(node, fail, "prim::Reraise inputs", node.inputs, [T.ExceptionType])
    if node.outputs:
        fail(node, "prim::Reraise has no outputs")


def _verify_raise_from(node: Any, fail: Fail) -> None:
    cause = T.OptionalType(T.ExceptionType)
    expect_subtypes(node, fail, "prim::RaiseFrom inputs", node.inputs,
                    [T.StrType, T.StrType, cause])  # fmt: skip
    if node.outputs:
        fail(node, "prim::RaiseFrom has no outputs")


def _export_raise_from(ctx: Any, node: Any) -> None:
    cls = ctx.static(node.inputs[1]) if ctx.is_static(node.inputs[1]) else None
    msg = ctx.static(node.inputs[0]) if ctx.is_static(node.inputs[0]) else None
    ctx.raise_here(cls, msg)


def _unsupported_export(what: str) -> Any:
    def export(ctx: Any, node: Any) -> None:
        raise ctx.error(f"{node.kind} ({what}) has no ONNX equivalent",
                        hint="raise a new exception instead of the caught one")  # fmt: skip

    return export


register(Prim("prim::Reraise", "raise the caught exception input 0 again", n_outputs=0,
              n_inputs=1, impl=OpImpl(reraise, _emit_reraise, stmt=True),
              verify=_verify_reraise, export=_unsupported_export("re-raising a caught exception")))  # fmt: skip
register(Prim("prim::RaiseFrom", "raise make_exception(msg, cls) from cause", n_outputs=0,
              n_inputs=3, impl=OpImpl(raise_from, _emit_raise_from, stmt=True),
              verify=_verify_raise_from, export=_export_raise_from))  # fmt: skip


# -- prim::ExceptionArgs ----------------------------------------------------------------------


def exception_args(e: BaseException) -> list[str]:
    return [str(a) for a in e.args]


def _emit_exception_args(ops: Sequence[Operand], binder: Binder) -> str:
    return f"{binder.bind(exception_args, 'exception_args')}({ops[0].src})"


register(Prim("prim::ExceptionArgs", "[str(a) for a in e.args]: a caught exception's arguments",
              n_inputs=1, impl=OpImpl(exception_args, _emit_exception_args),
              export=_unsupported_export("a caught exception's arguments")))  # fmt: skip


# -- prim::ExceptionMatches -------------------------------------------------------------------


def _interpret_matches(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    env[node.output] = isinstance(env[node.inputs[0]], exception_classes(node["exceptions"]))


def _emit_matches(gen: Any, node: Any, depth: int) -> None:
    bound = [gen.bind(cls, cls.__name__) for cls in exception_classes(node["exceptions"])]
    classes = bound[0] if len(bound) == 1 else f"({', '.join(bound)})"
    subject = gen.src(node.inputs[0])
    gen.line(depth, f"{gen.local(node.output)} = isinstance({subject}, {classes})", node)


def _verify_matches(node: Any, fail: Fail) -> None:
    expect_subtypes(node, fail, "prim::ExceptionMatches inputs", node.inputs, [T.ExceptionType])
    names = node.attributes.get("exceptions")
    if not isinstance(names, list) or not names or any(n not in EXCEPTION_CLASSES for n in names):
        fail(node, f"prim::ExceptionMatches needs known exception names, found {names!r}")


register(
    Prim(
        "prim::ExceptionMatches",
        "isinstance(e, exceptions): whether a caught exception has one of the classes",
        n_inputs=1,
        attributes=("exceptions",),
        interpret=_interpret_matches,
        emit=_emit_matches,
        verify=_verify_matches,
        export=_unsupported_export("isinstance of a caught exception"),
    )
)
