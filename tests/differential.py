"""One-call differential checks, like PyTorch's `checkScript` / `checkModule`.

`check_script(fn, inputs)` compiles `fn` once and runs every input through eager Python, the
code generator, the interpreter (every frame interpreted, callees included), torch.jit
(when TorchScript accepts the program) and a save/load round trip of the compiled function,
and asserts that all of them agree: equal values with equal Python types and dtypes, or the
same exception type. `check_module` does the same for an `nn.Module`; `check_script_raises`
asserts that one input raises eager's exception everywhere.
"""

from __future__ import annotations

import enum
import io
from typing import Any, Callable, Sequence

import torch
from tests.frontend.script_helpers import check_same_outcome, clone_args, outcome

import hybridjit

Runner = Callable[..., Any]


def round_trip(compiled: Any) -> Any:
    """`compiled` saved to bytes and loaded back."""
    buffer = io.BytesIO()
    hybridjit.save(compiled, buffer)
    buffer.seek(0)
    return hybridjit.load(buffer)


def runners_of(compiled: Any, reference: Any, torchscript: bool) -> dict[str, Runner]:
    """Every way of running `compiled` (a ScriptFunction or ScriptModule), by name."""
    runners: dict[str, Runner] = {"codegen": compiled, "interpreter": _interpreted(compiled)}
    runners["save/load"] = round_trip(compiled)
    if torchscript:
        runners["torch.jit"] = torch.jit.script(reference)
    return runners


def _interpreted(compiled: Any) -> Runner:
    return compiled.using("interpreter")


def check_script(fn: Callable[..., Any], inputs: Sequence[tuple[Any, ...]], *,
                 atol: float = 0.0, torchscript: bool = True, name: str | None = None) -> Any:  # fmt: skip
    """Script `fn` and compare every runner with eager on each of `inputs`; returns the
    compiled function."""
    compiled = hybridjit.script(fn)
    _compare(fn, runners_of(compiled, fn, torchscript), inputs, atol, name or fn.__name__)
    return compiled


def check_module(module: torch.nn.Module, inputs: Sequence[tuple[Any, ...]], *,
                 atol: float = 1e-6, torchscript: bool = True) -> Any:  # fmt: skip
    """`check_script` for an `nn.Module` (scripted recursively), under `torch.no_grad()`."""
    with torch.no_grad():
        compiled = hybridjit.script(module)
        runners = runners_of(compiled, module, torchscript)
        _compare(module, runners, inputs, atol, type(module).__name__)
    return compiled


def check_script_raises(fn: Callable[..., Any], args: tuple[Any, ...],
                        exception: type[BaseException], *, torchscript: bool = True) -> None:  # fmt: skip
    """Eager raises `exception` on `args`, and so does every hybridjit runner (torch.jit
    raises its own class and is only required to raise)."""
    compiled = hybridjit.script(fn)
    kind, raised = outcome(fn, args)
    assert (kind, raised) == ("raise", exception), f"eager: expected {exception}, got {raised}"
    for who, run in runners_of(compiled, fn, torchscript).items():
        gkind, graised = outcome(run, args)
        assert gkind == "raise", f"{who} did not raise on {args!r}"
        if who != "torch.jit":
            assert issubclass(graised, exception), f"{who}: raised {graised.__name__}"


def _compare(reference: Runner, runners: dict[str, Runner], inputs: Sequence[tuple[Any, ...]],
             atol: float, name: str) -> None:  # fmt: skip
    for args in inputs:
        expected = outcome(reference, clone_args(args))
        for who, run in runners.items():
            got = outcome(run, clone_args(args))
            if who == "torch.jit" and expected[0] == "raise":
                # torch.jit raises its own error class; the others must keep eager's.
                assert got[0] == "raise", f"{name}{args!r}: torch.jit did not raise"
                continue
            want = expected
            if who == "save/load":
                # A loaded archive rebuilds its enum classes (nothing is imported from it).
                want, got = _by_name(expected), _by_name(got)
            check_same_outcome(want, got, f"{name}{args!r} [{who}]", atol)


def _by_name(result: tuple[str, Any]) -> tuple[str, Any]:
    kind, value = result
    if kind == "ok" and isinstance(value, enum.Enum):
        return kind, (type(value).__name__, value.name, value.value)
    return result
