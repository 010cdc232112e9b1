"""`prim::fork`: a call whose result arrives later, as a `Future[T]` (`torch.jit.fork`).

    %fut : Future[Tensor] = prim::fork(%fn, %x)              fork(fn, x)
    %fut : Future[Tensor] = prim::fork[name="forward"](%m, %x)   fork(m.forward, x)
    %y : Tensor = aten::wait(%fut)                            wait(fut)

The callee's exception is kept in the future and raised by `wait`, as in torch.jit. The code
generator runs the call on a thread pool (torch ops release the GIL, so forked tensor work
overlaps); the interpreter, the reference, runs it on the spot. A fork made from a pool thread
runs on the spot too, so nested forks can never wait on a pool that has no thread left.
"""

from __future__ import annotations

import concurrent.futures
import threading
from typing import Any, Callable

import torch

from hybridjit.ir import types as T
from hybridjit.ops.prims.base import VARIADIC as V
from hybridjit.ops.prims.base import Fail, Prim, register

_POOL: concurrent.futures.ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_IN_POOL = threading.local()


def completed(run: Callable[[], Any]) -> torch.futures.Future:
    """A future holding `run()`'s result, or the exception it raised."""
    future: torch.futures.Future = torch.futures.Future()
    try:
        future.set_result(run())
    except Exception as e:  # noqa: BLE001 - `wait` raises it
        future.set_exception(e)
    return future


def fork_async(fn: Callable[..., Any], *args: Any) -> torch.futures.Future:
    """`fn(*args)` on the fork pool; on the spot when called from a pool thread."""
    if getattr(_IN_POOL, "active", False):
        return completed(lambda: fn(*args))
    future: torch.futures.Future = torch.futures.Future()

    def work() -> None:
        _IN_POOL.active = True
        try:
            future.set_result(fn(*args))
        except Exception as e:  # noqa: BLE001 - `wait` raises it
            future.set_exception(e)

    _pool().submit(work)
    return future


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            workers = max(2, torch.get_num_interop_threads())
            _POOL = concurrent.futures.ThreadPoolExecutor(workers, "hybridjit-fork")
        return _POOL


def _verify_fork(node: Any, fail: Fail) -> None:
    if len(node.outputs) != 1 or not isinstance(node.output.type, T.FutureType):
        fail(node, f"prim::fork expects one Future output, found "
                   f"{[str(o.type) for o in node.outputs]}")  # fmt: skip
    if not node.inputs:
        fail(node, "prim::fork expects the callee as its first input, found none")


def _interpret_fork(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    target, *args = (env[v] for v in node.inputs)
    if "name" in node.attributes:
        env[node.output] = completed(lambda: ip.call_method(target, node["name"], args))
    else:
        env[node.output] = completed(lambda: ip.call(_callee(node), args))


def _emit_fork(gen: Any, node: Any, depth: int) -> None:
    fork = gen.bind(fork_async, "fork_async")
    args = [gen.src(v) for v in node.inputs[1:]]
    if "name" in node.attributes:
        callee = f"getattr({gen.src(node.inputs[0])}, {node['name']!r})"
    else:
        callee = gen.callee(node)
    gen.line(depth, f"{gen.local(node.output)} = {fork}({', '.join([callee, *args])})", node)


def _callee(node: Any) -> Callable[..., Any]:
    return node.inputs[0].type.callee


register(Prim("prim::fork", "Future of inputs[0](*inputs[1:]) (or of inputs[0].<name>(...))",
              n_outputs=1, n_inputs=V, verify=_verify_fork,
              interpret=_interpret_fork, emit=_emit_fork))  # fmt: skip
