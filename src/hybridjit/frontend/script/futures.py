"""`torch.jit.fork(fn, *args)` and `torch.jit.wait(future)` in scripted code.

`fork` compiles the call as any call of `fn` would be compiled (arguments bound, defaults
filled, the callee scripted), then turns that `prim::CallFunction` / `prim::CallMethod` into a
`prim::fork` whose output is a `Future` of the call's result (see `ops/prims/futures.py`).
`wait` is `aten::wait`, typed by the future's element type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from hybridjit.frontend.script import special_forms
from hybridjit.frontend.script.sugared import SimpleValue, SugaredValue
from hybridjit.ir import types as T
from hybridjit.ops.registry import lookup

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C

_CALLS = ("prim::CallFunction", "prim::CallMethod")


def fork_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    if not args:
        c.fail("expected a function to fork, found fork() with no arguments")
    result = args[0].call(c, args[1:], kwargs).value(c)
    call = result.node
    if call.kind not in _CALLS or result.uses or len(call.outputs) != 1:
        c.fail(f"expected a scripted function or module method to fork, found "
               f"{args[0].describe()} (it compiles to {call.kind}); wrap the work in a def "
               f"and fork that")  # fmt: skip
    attrs = {"name": call["name"]} if call.kind == "prim::CallMethod" else {}
    future = c.emit("prim::fork", list(call.inputs), [T.FutureType(result.type)], attrs).output
    call.destroy()
    return SimpleValue(future)


def wait_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    if len(args) != 1 or kwargs:
        c.fail(f"expected wait(future), found {len(args)} arguments")
    future = args[0].value(c)
    if not isinstance(future.type, T.FutureType):
        c.fail(f"expected a Future to wait on, found a value of type '{future.type}'")
    wait = c.emit("aten::wait", [future], [future.type.elem], schema=lookup("aten::wait"))
    return SimpleValue(wait.output)


special_forms.register(torch.jit.fork, fork_form)
special_forms.register(torch.jit.wait, wait_form)
