"""`hybridjit.hybridize`: the hybrid frontend's workflow (trace this, script that, check each
step against eager), done for the user.

    >>> net = Net()                                   # plain eager PyTorch, no decorators
    >>> model, report = hybridjit.hybridize(net, torch.tensor([5]))
    >>> print(report)                                 # which parts were traced, which scripted
    >>> model(torch.tensor([3]))                      # graph mode, equal to net(...)

How it works, per *unit* (the model, or a submodule of it):

1. The model runs eagerly on the example inputs and on perturbed ones (other values, other
   sizes; a perturbation the eager model rejects is dropped); forward hooks record what
   every submodule was called with and returned.
2. The unit is traced on each of its recorded inputs with TracerWarnings collected
   (`tracer.hazards.recording`: each warning knows the modules being traced and the Python
   frames that were running).  The first trace must give the same graphs as the others and
   the eager outputs on every input.
3. Where a trace would bake a value, the smallest responsible part is scripted instead:
   a warning inside a submodule's code makes that submodule its own unit (step 2 again, on
   what it was called with); a warning inside a plain function called from the unit's code
   scripts that function (the unit is re-traced with the function's global name bound to the
   `ScriptFunction`, so the trace records a `prim::CallFunction` to it) — or the function
   that called it, if it cannot be scripted or returns Python values; a warning in the
   unit's own methods, or graphs that differ between inputs, script the whole unit, after
   its submodules have been hybridized (traceable ones traced), so the scripted unit calls
   them.  A unit called with Python values (ints, flags, None) is scripted too: a trace
   would bake them.
4. Every part is checked against eager on what it was called with; the final model is
   checked on all inputs under both executors (codegen and interpreter).

The user's model is never modified: submodules and global functions are swapped only while a
trace or a script compile runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import os
import re
import types
import warnings
from typing import Any, Callable, Iterator, NamedTuple, Sequence

import torch

from hybridjit.errors import Error, FrontendError, TracerWarning, TracingCheckError
from hybridjit.frontend.api import script
from hybridjit.frontend.trace import trace
from hybridjit.frontend.tracer import check, hazards
from hybridjit.frontend.tracer.modules import TracedModule
from hybridjit.ir import types as T
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule

__all__ = ["HybridizeReport", "Hybridized", "Part", "hybridize", "perturbations"]

EXECUTORS = ("codegen", "interpreter")
_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__))
# Warnings that do not mean a value was baked: torch.tensor of constant data is a constant.
_BENIGN = (hazards.TENSOR_CONSTANT, "Trace had nondeterministic nodes")
_MAX_TRACES = 8  # traces per unit (its recorded calls, distinct shapes first)
_MAX_CALLS = 64  # recorded calls kept per submodule
_MAX_ROUNDS = 8


# ---------------------------------------------------------------------------------------------
# the report


@dataclasses.dataclass
class Part:
    """One part of the hybridized model: a module (by attribute path) or a function."""

    name: str  # "Net", "Net.decoder", "script_fn()"
    kind: str  # "traced", "scripted", "compiled" (given compiled), "failed"
    reason: str  # why it was traced / scripted, one line
    sites: list[str] = dataclasses.field(default_factory=list)  # "file:line: source"
    checked: int = 0  # calls compared with eager (0: checked as part of its caller)

    def lines(self) -> list[str]:
        out = [f"  {self.kind:<9} {self.name}: {self.reason}"]
        out += [f"              at {s}" for s in self.sites]
        if self.checked:
            out.append(f"              equal to eager on {self.checked} call"
                       f"{'s' if self.checked != 1 else ''}")  # fmt: skip
        return out


@dataclasses.dataclass
class HybridizeReport:
    """What `hybridize` did: the parts, why each was traced or scripted, what was checked."""

    model: str
    parts: list[Part]
    inputs: list[str]  # descriptions of the top-level inputs checked
    executors: tuple[str, ...]
    failures: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def names(self, kind: str) -> list[str]:
        return [p.name for p in self.parts if p.kind == kind]

    @property
    def scripted(self) -> list[str]:
        return self.names("scripted")

    @property
    def traced(self) -> list[str]:
        return self.names("traced")

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)

    def __str__(self) -> str:
        head = f"hybridize({self.model}): "
        if self.ok:
            head += (f"equal to eager on {len(self.inputs)} inputs under "
                     f"{' and '.join(self.executors)}")  # fmt: skip
        else:
            head += "NOT equal to eager"
        lines = [head, "parts:"]
        for p in self.parts:
            lines += p.lines()
        lines.append("inputs checked:")
        lines += [f"  {d}" for d in self.inputs]
        if self.failures:
            lines.append("failures:")
            lines += [f"  {f}" for f in self.failures]
        return "\n".join(lines)


class Hybridized(NamedTuple):
    """`hybridize`'s result: `model, report = hybridjit.hybridize(...)`."""

    model: Any  # a ScriptModule (traced or scripted at the top) or a ScriptFunction
    report: HybridizeReport


# ---------------------------------------------------------------------------------------------
# the entry point


def hybridize(model: torch.nn.Module | Callable[..., Any], example_inputs: Any, *,
              check_inputs: Sequence[Any] | None = None, perturb: int = 3,
              perturb_sizes: int = 4, seed: int = 0, tolerance: float = 1e-5,
              strict: bool = True) -> Hybridized:  # fmt: skip
    """Turn an eager `nn.Module` or function into a graph-mode model: trace what traces
    correctly, script what has data-dependent control flow, and check it all against eager.

    `example_inputs`: a tuple of positional arguments (a single tensor is wrapped).
    `check_inputs`: more argument tuples to check on (and to decide by).  `perturb` /
    `perturb_sizes`: how many perturbed inputs with other values / other sizes to derive from
    the example (deterministic for a given `seed`; those the eager model rejects are dropped).
    Outputs must match eager within `tolerance`.  With `strict`, a model that still differs
    from eager raises `TracingCheckError` with the report; otherwise the report lists the
    failures (`report.ok` is False).

    Returns `Hybridized(model, report)`; `print(report)` shows which parts were traced, which
    scripted and why (the TracerWarning and the source line), and what was checked.

    The model runs eagerly on every input: call `.eval()` first (dropout makes eager differ
    from itself, and batch norm in training mode updates its statistics on each run).
    """
    if isinstance(model, (ScriptModule, ScriptFunction)):
        raise FrontendError("hybridize expects an eager nn.Module or function; this one is "
                            "already compiled")  # fmt: skip
    if not callable(model):
        raise FrontendError(f"hybridize expects an nn.Module or a function, found "
                            f"{type(model).__name__}")  # fmt: skip
    example = _as_tuple(example_inputs)
    inputs = [("the example", example)]
    inputs += [(f"check input {i + 1}", _as_tuple(c)) for i, c in enumerate(check_inputs or [])]
    inputs += perturbations(example, perturb, 0, seed)
    h = _Hybridizer(model, tolerance)
    inputs = h.run_eager(inputs)
    sized = [c for c in perturbations(example, 0, perturb_sizes, seed)
             if not _same_shapes(c[1], example)]  # fmt: skip
    inputs += h.run_eager(sized, limit=perturb_sizes)
    if isinstance(model, torch.nn.Module):
        compiled = h.module_unit(model, _class_name(model), h.root_calls)
    else:
        compiled = h.function_unit(model, h.root_calls)
    if any(p.kind == "traced" for p in h.parts):
        h.note_given_functions(compiled)
    failures = h.final_check(compiled, inputs)
    if failures and getattr(model, "training", False):
        failures.append("the model is in training mode: call .eval() before hybridize (dropout "
                        "and batch norm make eager runs differ)")  # fmt: skip
    order = {name: i for i, name in enumerate(h.paths.values())}
    parts = sorted(h.parts, key=lambda p: order.get(p.name, len(order)))
    report = HybridizeReport(_class_name(model) if isinstance(model, torch.nn.Module)
                             else f"{model.__name__}()", parts,  # type: ignore[union-attr]
                             [d for d, _ in inputs], EXECUTORS, failures)  # fmt: skip
    if failures and strict:
        raise TracingCheckError(f"hybridize could not match eager:\n{report}")
    return Hybridized(compiled, report)


# ---------------------------------------------------------------------------------------------
# perturbed inputs


def perturbations(example: tuple[Any, ...], values: int = 3, sizes: int = 3, seed: int = 0
                  ) -> list[tuple[str, tuple[Any, ...]]]:  # fmt: skip
    """Inputs derived from `example`: `values` with the same shapes and other values (and
    one with other Python numbers: ints + 1, bools flipped), then candidates with other sizes: each dimension of each tensor alone (size + 1, x 2, - 1),
    then every dimension of one size in all tensors together (batch and sequence lengths
    usually agree across inputs).  Each is `(description, args)`; Python values are kept.
    `hybridize` keeps the first `sizes` of the size candidates that the eager model accepts.
    """
    gen = torch.Generator().manual_seed(seed)
    out: list[tuple[str, tuple[Any, ...]]] = []
    for i in range(values):
        out.append((f"other values {i + 1}", _map_tensors(example, lambda t, i=i: _other_values(
            t, t.shape, gen, i))))  # fmt: skip
    found: list[Any] = []
    numbers = _map_numbers(example, lambda v: found.append(v) or _other_number(v))
    if values > 0 and found:
        out.append(("other Python numbers", numbers))
    tensors = _tensors(example)
    if sizes <= 0:
        return out
    rules = (lambda d: d + 1, lambda d: 2 * d, lambda d: d - 1)
    for rule in rules:
        for k, t in enumerate(tensors):
            for axis, d in enumerate(t.shape):
                n = rule(d)
                if n < 0 or n == d:
                    continue

                def one(u: torch.Tensor, t: torch.Tensor = t, axis: int = axis, n: int = n
                        ) -> torch.Tensor:  # fmt: skip
                    shape = [*u.shape]
                    if u is t:
                        shape[axis] = n
                    return _other_values(u, shape, gen, 1)

                where = f"tensor {k + 1}, " if len(tensors) > 1 else ""
                out.append((f"sizes: {where}dim {axis} {d} -> {n}",
                            _map_tensors(example, one)))  # fmt: skip
    for d in sorted({d for t in tensors for d in t.shape}):
        for n in (rule(d) for rule in rules):
            if n < 0 or n == d:
                continue

            def every(u: torch.Tensor, d: int = d, n: int = n) -> torch.Tensor:
                return _other_values(u, [n if s == d else s for s in u.shape], gen, 1)

            out.append((f"sizes: every {d} -> {n}", _map_tensors(example, every)))
    return out


def _other_values(t: torch.Tensor, shape: Sequence[int], gen: torch.Generator, k: int
                  ) -> torch.Tensor:  # fmt: skip
    if t.dtype == torch.bool:
        return torch.rand(shape, generator=gen) < 0.5
    if t.is_floating_point() or t.is_complex():
        base = t.detach().abs().float()
        scale = max(float(base.max()) if base.numel() else 1.0, 1.0)
        r = torch.randn(shape, generator=gen) * scale
        return (r if k % 3 != 2 else -r.abs() if k % 2 else r.abs()).to(t.dtype)
    lo = 0 if t.numel() == 0 or int(t.min()) >= 0 else 2 * int(t.min())
    hi = max(int(t.max()) if t.numel() else 1, 1)
    hi = max(hi + 3, 2 * hi) if k else hi + 1
    return torch.randint(lo, hi + 1, tuple(shape), generator=gen).to(t.dtype)


def _other_number(v: bool | int | float) -> bool | int | float:
    if isinstance(v, bool):
        return not v
    return v + 1 if isinstance(v, int) else v * 1.5 + 0.5


def _map_numbers(v: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(v, (bool, int, float)):
        return fn(v)
    if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
        return type(v)(_map_numbers(e, fn) for e in v)
    return v


def _map_tensors(v: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    if isinstance(v, torch.Tensor):
        return fn(v)
    if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
        return type(v)(_map_tensors(e, fn) for e in v)
    if isinstance(v, dict):
        return {k: _map_tensors(e, fn) for k, e in v.items()}
    return v


def _tensors(v: Any) -> list[torch.Tensor]:
    if isinstance(v, torch.Tensor):
        return [v]
    if isinstance(v, (list, tuple)):
        return [t for e in v for t in _tensors(e)]
    if isinstance(v, dict):
        return [t for e in v.values() for t in _tensors(e)]
    return []


def _shapes(args: Any) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(t.shape) for t in _tensors(args))


def _same_shapes(a: Any, b: Any) -> bool:
    return _shapes(a) == _shapes(b)


def _only_tensors(v: Any) -> bool:
    if isinstance(v, torch.Tensor):
        return True
    if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
        return len(v) > 0 and all(map(_only_tensors, v))
    return False


# ---------------------------------------------------------------------------------------------
# the work


@dataclasses.dataclass
class _Call:
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: Any

    @property
    def tensor_only(self) -> bool:
        return all(map(_only_tensors, self.args)) and all(map(_only_tensors,
                                                              self.kwargs.values()))  # fmt: skip


@dataclasses.dataclass
class _Traced:
    """The traces of one unit on its calls: the first one, hazards, graphs, mismatches."""

    first: Any = None
    hazards: list[hazards.Hazard] = dataclasses.field(default_factory=list)
    differing: list[str] = dataclasses.field(default_factory=list)  # module paths, "" = unit
    mismatch: str | None = None
    error: str | None = None


class _Swaps:
    """Submodules and global functions replaced while a unit is traced or scripted."""

    def __init__(self) -> None:
        self.modules: list[tuple[torch.nn.Module, str, torch.nn.Module]] = []
        self.functions: list[tuple[Any, str, ScriptFunction]] = []

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        saved_m = [(p, n, p._modules[n]) for p, n, _ in self.modules]
        saved_f = [(ns, n, _get(ns, n)) for ns, n, _ in self.functions]
        try:
            for parent, name, new in self.modules:
                parent._modules[name] = new
            for ns, name, fn in self.functions:
                _set(ns, name, fn)
            yield
        finally:
            for parent, name, old in reversed(saved_m):
                parent._modules[name] = old
            for ns, name, old in reversed(saved_f):
                _set(ns, name, old)


def _get(ns: Any, name: str) -> Any:
    return ns[name] if isinstance(ns, dict) else getattr(ns, name)


def _set(ns: Any, name: str, value: Any) -> None:
    if isinstance(ns, dict):
        ns[name] = value
    else:
        setattr(ns, name, value)


class _Hybridizer:
    def __init__(self, root: Any, tolerance: float) -> None:
        self.root = root
        self.tolerance = tolerance
        self.parts: list[Part] = []
        self.calls: dict[int, list[_Call]] = {}
        self.root_calls: list[_Call] = []
        self.done: dict[int, Any] = {}  # id(module) -> its compiled replacement
        self.scripted_functions: set[int] = set()
        self.rejected: list[str] = []  # why no smaller part could be scripted (last attempt)
        self.paths: dict[int, str] = {}
        if isinstance(root, torch.nn.Module):
            base = _class_name(root)
            for path, m in root.named_modules():
                self.paths.setdefault(id(m), f"{base}.{path}" if path else base)

    # -- eager runs --------------------------------------------------------------------------
    def run_eager(self, inputs: list[tuple[str, tuple[Any, ...]]], limit: int | None = None
                  ) -> list[tuple[str, tuple[Any, ...]]]:  # fmt: skip
        """Run eager on the inputs, keeping those it accepts (the first `limit` of them) and
        recording what every submodule was called with."""
        kept: list[tuple[str, tuple[Any, ...]]] = []
        seen = {_shapes(c.args) for c in self.root_calls}
        subs = [m for m in self.root.modules() if m is not self.root] \
            if isinstance(self.root, torch.nn.Module) else []  # fmt: skip
        handles = [m.register_forward_hook(self._hook, with_kwargs=True) for m in subs]
        try:
            for i, (desc, args) in enumerate(inputs):
                if limit is not None and (len(kept) >= limit or _shapes(args) in seen):
                    continue
                before = {k: len(v) for k, v in self.calls.items()}
                try:
                    with torch.no_grad():
                        out = self.root(*check.clone(args))
                except Exception:
                    if i == 0 and not self.root_calls:
                        raise
                    for k, n in before.items():  # drop what the failed run recorded
                        del self.calls[k][n:]
                    for k in set(self.calls) - set(before):
                        del self.calls[k]
                    continue
                kept.append((desc, args))
                seen.add(_shapes(args))
                self.root_calls.append(_Call(args, {}, out))
        finally:
            for handle in handles:
                handle.remove()
        return kept

    def _hook(self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any],
              output: Any) -> None:  # fmt: skip
        found = self.calls.setdefault(id(module), [])
        if len(found) < _MAX_CALLS:
            found.append(_Call(check.clone(args), check.clone(kwargs), check.clone(output)))

    # -- units -------------------------------------------------------------------------------
    def module_unit(self, module: torch.nn.Module, name: str, calls: list[_Call]) -> Any:
        """The compiled replacement of `module`, given what it was called with."""
        if id(module) in self.done:
            return self.done[id(module)]
        if isinstance(module, ScriptModule):
            self.parts.append(Part(name, "compiled", "already compiled; kept as it is"))
            self.done[id(module)] = module
            return module
        python_args = next((c for c in calls if not c.tensor_only), None)
        if python_args is not None:
            why = ("called with Python values, which a trace would bake in: "
                   f"{_describe_call(module.forward, python_args)}")  # fmt: skip
            return self._script_module(module, name, calls, why, [])
        swaps = _Swaps()
        for _ in range(_MAX_ROUNDS):
            traced = self._trace_all(module, calls, swaps)
            if traced.error is not None:
                return self._script_module(module, name, calls, traced.error, [])
            own: list[hazards.Hazard] = []
            inner: dict[int, torch.nn.Module] = {}
            for hz in traced.hazards:
                m = hz.modules[-1] if hz.modules else module
                if m is module or id(m) in self.done:
                    own.append(hz)
                else:
                    inner[id(m)] = m
            for path in traced.differing:
                m = module.get_submodule(path) if path else module
                if m is not module and id(m) not in self.done:
                    inner[id(m)] = m
            if inner:
                for m in _deepest(module, inner.values()):
                    self._replace(module, m, swaps)
                continue
            if own:
                if self._script_functions(module, own, swaps):
                    continue
                why, sites = _hazard_reason(own)
                return self._script_module(module, name, calls, why + self._not_smaller(), sites)
            if traced.differing:
                return self._script_module(module, name, calls, traced.mismatch or
                                           "its traced graph differs between inputs", [])  # fmt: skip
            if traced.mismatch is not None:
                return self._script_module(module, name, calls, traced.mismatch, [])
            n = len(calls)
            self.parts.append(Part(name, "traced", "no value baked in: no TracerWarning, the "
                                   f"same graph on {min(n, _MAX_TRACES)} input"
                                   f"{'s' if n != 1 else ''}", checked=n))  # fmt: skip
            self._note_inside(module, name)
            self.done[id(module)] = traced.first
            return traced.first
        return self._script_module(module, name, calls, "tracing did not settle", [])

    def function_unit(self, fn: Callable[..., Any], calls: list[_Call]) -> Any:
        name = f"{getattr(fn, '__qualname__', fn.__name__)}()"  # type: ignore[attr-defined]
        if any(not c.tensor_only for c in calls):
            return self._script_function(fn, name, calls, "called with Python values, which "
                                         "a trace would bake in", [])  # fmt: skip
        swaps = _Swaps()
        for _ in range(_MAX_ROUNDS):
            traced = self._trace_all(fn, calls, swaps)
            if traced.error is not None:
                return self._script_function(fn, name, calls, traced.error, [])
            if traced.hazards:
                if self._script_functions(fn, traced.hazards, swaps):
                    continue
                why, sites = _hazard_reason(traced.hazards)
                return self._script_function(fn, name, calls, why + self._not_smaller(), sites)
            if traced.differing or traced.mismatch is not None:
                return self._script_function(fn, name, calls, traced.mismatch or
                                             "its traced graph differs between inputs", [])  # fmt: skip
            self.parts.append(Part(name, "traced", "no value baked in: no TracerWarning, the "
                                   "same graph on every input", checked=len(calls)))  # fmt: skip
            return traced.first
        return self._script_function(fn, name, calls, "tracing did not settle", [])

    def _replace(self, unit: torch.nn.Module, sub: torch.nn.Module, swaps: _Swaps) -> None:
        compiled = self.module_unit(sub, self.paths.get(id(sub), type(sub).__name__),
                                    self.calls.get(id(sub), []))  # fmt: skip
        for parent in unit.modules():
            for name, child in parent._modules.items():
                if child is sub:
                    swaps.modules.append((parent, name, compiled))

    def _note_inside(self, module: torch.nn.Module, name: str) -> None:
        """Submodules traced as part of `module`'s trace get a line each."""
        for sub in module.modules():
            if sub is module or id(sub) in self.done or id(sub) not in self.calls:
                continue
            path = self.paths.get(id(sub), type(sub).__name__)
            if any(p.name == path for p in self.parts) or any(
                    id(sub) in {id(s) for s in c.modules()} for c in module.modules()
                    if isinstance(c, ScriptModule) and c is not sub):  # fmt: skip
                continue
            if isinstance(sub, ScriptModule):
                self.parts.append(Part(path, "compiled", "already compiled; called as it is"))
            else:
                self.parts.append(Part(path, "traced", f"inside the trace of {name}"))

    # -- scripting ---------------------------------------------------------------------------
    def _script_module(self, module: torch.nn.Module, name: str, calls: list[_Call], why: str,
                       sites: list[str]) -> Any:  # fmt: skip
        """Script `module`, its called submodules hybridized first (traceable ones traced)."""
        swaps = _Swaps()
        self._hybridize_children(module, swaps)
        try:
            with swaps.installed(), _quiet():
                scripted = script(module)
        except Error as e:
            self.parts.append(Part(name, "failed", f"needs scripting ({why}), but scripting it "
                                   f"failed: {_first_line(e)}", sites))  # fmt: skip
            traced = self._trace_all(module, calls[:1], swaps).first
            self.done[id(module)] = traced if traced is not None else module
            return self.done[id(module)]
        mismatch = self._compare(scripted, module, calls, traced=False)
        part = Part(name, "scripted", why, sites, len(calls))
        if mismatch is not None:
            part.kind, part.reason = "failed", f"{why}; scripted, but {mismatch}"
        self.parts.append(part)
        self.done[id(module)] = scripted
        return scripted

    def _script_function(self, fn: Callable[..., Any], name: str, calls: list[_Call], why: str,
                         sites: list[str]) -> Any:  # fmt: skip
        try:
            with _quiet():
                scripted = script(fn)
        except Error as e:
            self.parts.append(Part(name, "failed", f"needs scripting ({why}), but scripting it "
                                   f"failed: {_first_line(e)}", sites))  # fmt: skip
            traced = self._trace_all(fn, calls[:1], _Swaps()).first
            return traced if traced is not None else fn
        mismatch = self._compare(scripted, fn, calls, traced=False)
        part = Part(name, "scripted", why, sites, len(calls))
        if mismatch is not None:
            part.kind, part.reason = "failed", f"{why}; scripted, but {mismatch}"
        self.parts.append(part)
        return scripted

    def _hybridize_children(self, module: torch.nn.Module, swaps: _Swaps) -> None:
        """Hybridize the submodules that were called (through containers that were not)."""
        for child_name, child in module._modules.items():
            if child is None or isinstance(child, ScriptModule) and id(child) not in self.calls:
                continue
            if id(child) in self.calls or id(child) in self.done:
                compiled = self.module_unit(child, self.paths.get(id(child), child_name),
                                            self.calls.get(id(child), []))  # fmt: skip
                swaps.modules.append((module, child_name, compiled))
            else:
                self._hybridize_children(child, swaps)

    def _script_functions(self, unit: Any, found: list[hazards.Hazard], swaps: _Swaps) -> bool:
        """Script the plain functions (called from `unit`'s own code) that baked values, each
        the innermost one that scripts and returns tensors; False when some hazard is in the
        unit's own code (or no function in its chain can be scripted and patched)."""
        by_site: dict[tuple[Any, Any], list[hazards.Hazard]] = {}
        for hz in found:
            by_site.setdefault((hz.filename, hz.lineno), []).append(hz)
        chosen: list[tuple[Any, str, Callable[..., Any], ScriptFunction, list[hazards.Hazard]]] = []
        for group in by_site.values():
            pick = self._pick_function(unit, group[0])
            if pick is None or any(ns is pick[0] and a == pick[1] for ns, a, _ in swaps.functions):
                return False  # none scripts, or scripting it did not stop the warning
            if all(pick[3] is not c[3] for c in chosen):
                chosen.append((*pick, group))
            else:
                next(c for c in chosen if c[3] is pick[3])[4].extend(group)
        for ns, attr, fn, scripted, group in chosen:
            swaps.functions.append((ns, attr, scripted))
            if id(scripted) not in self.scripted_functions:
                self.scripted_functions.add(id(scripted))
                why, sites = _hazard_reason(group)
                caller = self.paths.get(id(unit)) or f"{getattr(unit, '__name__', unit)}()"
                self.parts.append(Part(f"{fn.__qualname__}()", "scripted",
                                       f"{why} (called from {caller})", sites))  # fmt: skip
        return True

    def _not_smaller(self) -> str:
        found, self.rejected = self.rejected, []
        return f"; not only the function: {'; '.join(dict.fromkeys(found))}" if found else ""

    def _pick_function(self, unit: Any, hz: hazards.Hazard
                       ) -> tuple[Any, str, Callable[..., Any], ScriptFunction] | None:  # fmt: skip
        """The innermost function on `hz`'s stack, below `unit`'s own frame, that can be
        scripted (returning tensors) and is reached through a name the caller looks up."""
        stack = hz.stack
        own = next((i for i, e in enumerate(stack) if _is_own_frame(unit, e)), None)
        if own is None:
            return None
        for i in range(own):
            entry, caller = stack[i], stack[i + 1]
            if entry.code.co_filename.startswith(_TORCH_DIR) or entry.self is not None:
                continue
            binding = _binding(caller.globals, entry.code)
            if binding is None:
                self.rejected.append(f"{entry.code.co_name}() is not called through a global name")
                continue
            ns, attr, fn = binding
            try:
                with _quiet():
                    scripted = script(fn)
            except Error as e:
                self.rejected.append(f"scripting {fn.__qualname__}() failed: {_first_line(e)}")
                continue
            if all(_is_tensor_type(v.type) for v in scripted.graph.outputs):
                return ns, attr, fn, scripted
            returns = ", ".join(str(v.type) for v in scripted.graph.outputs)
            self.rejected.append(f"{fn.__qualname__}() returns {returns}, which a trace of its "
                                 "caller would bake in")  # fmt: skip
        return None

    # -- tracing and checking ----------------------------------------------------------------
    def _trace_all(self, unit: Any, calls: list[_Call], swaps: _Swaps) -> _Traced:
        result = _Traced()
        chosen = _choose(calls)
        texts: list[dict[str, tuple[str, ...]]] = []
        with swaps.installed():
            for call in chosen:
                with hazards.recording() as found, _quiet():
                    try:
                        traced = trace(unit, _tensor_args(unit, call), check_trace=False,
                                       strict=False)  # fmt: skip
                    except Error as e:
                        result.error = f"tracing failed: {_first_line(e)}"
                        return result
                result.hazards += [h for h in found if not h.message.startswith(_BENIGN)]
                if result.first is None:
                    result.first = traced
                texts.append(_method_texts(traced))
        first = texts[0]
        for other in texts[1:]:
            for path in sorted(set(first) | set(other)):
                if first.get(path) != other.get(path) and path not in result.differing:
                    result.differing.append(path)
        result.differing = _innermost_paths(result.differing)
        if result.differing:
            result.mismatch = "its traced graph differs between inputs of other values or sizes"
        else:
            result.mismatch = self._compare(result.first, unit, calls, traced=True)
        return result

    def _compare(self, compiled: Any, eager: Any, calls: list[_Call], traced: bool
                 ) -> str | None:  # fmt: skip
        """None when `compiled` gives every call's recorded output, else what differed."""
        for i, call in enumerate(calls):
            args = _tensor_args(eager, call) if traced else check.clone(call.args)
            kwargs = {} if traced else check.clone(call.kwargs)
            try:
                with torch.no_grad(), _quiet():
                    got = compiled(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - any failure is a mismatch to report
                return f"input {i + 1} fails: {type(e).__name__}: {_first_line(e)}"
            why = _difference(got, call.output, self.tolerance)
            if why is not None:
                return f"input {i + 1} gives another result than eager ({why})"
        return None

    def final_check(self, compiled: Any, inputs: list[tuple[str, tuple[Any, ...]]]) -> list[str]:
        failures = [f"{p.name}: {p.reason}" for p in self.parts if p.kind == "failed"]
        if not isinstance(compiled, (ScriptModule, ScriptFunction)):
            return failures or ["the model could be neither traced nor scripted"]
        for executor in EXECUTORS:
            run = compiled if executor == "codegen" else compiled.using(executor)
            for (desc, args), call in zip(inputs, self.root_calls):
                try:
                    with torch.no_grad(), _quiet():
                        got = run(*check.clone(args))
                except Exception as e:  # noqa: BLE001 - reported, not raised
                    failures.append(f"{executor}, {desc}: {type(e).__name__}: {_first_line(e)}")
                    continue
                why = _difference(got, call.output, self.tolerance)
                if why is not None:
                    failures.append(f"{executor}, {desc}: {why}")
        return failures

    def note_given_functions(self, compiled: Any) -> None:
        """Compiled functions the user's code called (`prim::CallFunction`s not ours)."""
        graphs = [compiled.graph] if isinstance(compiled, ScriptFunction) else [
            f.graph for m in compiled.modules() if isinstance(m, TracedModule)
            for f in m._hj_methods.values()]  # fmt: skip
        seen: set[int] = set()
        for graph in graphs:
            for node in graph.all_nodes():
                if node.kind != "prim::Constant":
                    continue
                fn = getattr(node.output.type, "callee", None)
                if not isinstance(fn, ScriptFunction) or id(fn) in seen:
                    continue
                seen.add(id(fn))
                if id(fn) not in self.scripted_functions:
                    self.parts.append(Part(f"{fn.name}()", "compiled",
                                           "already compiled; called as it is"))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# helpers


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TracerWarning)
        yield


def _as_tuple(v: Any) -> tuple[Any, ...]:
    return v if isinstance(v, tuple) else (v,)


def _class_name(m: Any) -> str:
    return type(m).__name__


def _first_line(e: BaseException) -> str:
    """The message's first line; for a FrontendError, where and which source line too."""
    lines = [line.strip() for line in str(e).strip().splitlines() if line.strip()]
    if not lines:
        return type(e).__name__
    where = re.match(r'File "(.*)", line (\d+)', lines[1]) if len(lines) > 2 else None
    if where is None:
        return lines[0]
    return f"{lines[0].rstrip(':')} at {_short(where[1])}:{where[2]}: {lines[2]}"


def _tensor_args(unit: Any, call: _Call) -> tuple[Any, ...]:
    """The call's arguments as positional example inputs for a trace (all tensors here)."""
    if not call.kwargs:
        return check.clone(call.args)
    fn = unit.forward if isinstance(unit, torch.nn.Module) else unit
    bound = inspect.signature(fn).bind(*call.args, **call.kwargs)
    return check.clone(tuple(bound.args))


def _choose(calls: list[_Call]) -> list[_Call]:
    """Up to _MAX_TRACES calls to trace on: the first, then one per other input signature,
    then the rest in order."""
    chosen: list[_Call] = []
    signatures: set[Any] = set()
    for call in calls:
        sig = tuple((tuple(t.shape), t.dtype) for t in _tensors((call.args, call.kwargs)))
        if sig not in signatures:
            signatures.add(sig)
            chosen.append(call)
    chosen += [c for c in calls if all(c is not d for d in chosen)]
    return chosen[:_MAX_TRACES]


def _method_texts(traced: Any) -> dict[str, tuple[str, ...]]:
    """Module path -> canonical text of each traced method ("" is the unit itself)."""
    if isinstance(traced, ScriptFunction):
        return {"": (check.canonical_text(traced.graph),)}
    out = {}
    for path, m in traced.named_modules():
        if isinstance(m, TracedModule):
            out[path] = tuple(check.canonical_text(f.graph) for f in m._hj_methods.values())
    return out


def _innermost_paths(paths: list[str]) -> list[str]:
    """Drop a path when one of its descendants is in the list too."""

    def is_ancestor(a: str, b: str) -> bool:
        return a != b and (a == "" or b.startswith(a + "."))

    return [p for p in paths if not any(is_ancestor(p, q) for q in paths)]


def _deepest(unit: torch.nn.Module, mods: Any) -> list[torch.nn.Module]:
    """The modules of `mods` that contain none of the others (deepest first to fix)."""
    mods = list(mods)
    out = []
    for m in mods:
        inside = {id(s) for s in m.modules() if s is not m}
        if not any(id(o) in inside for o in mods if o is not m):
            out.append(m)
    return out


def _is_own_frame(unit: Any, entry: hazards.StackEntry) -> bool:
    if isinstance(unit, torch.nn.Module):
        return entry.self is unit
    return entry.code is getattr(unit, "__code__", None)


def _binding(globals_: dict[str, Any], code: types.CodeType
             ) -> tuple[Any, str, Callable[..., Any]] | None:  # fmt: skip
    """Where a caller finds the function of `code`: a global name, or an attribute of an
    imported module (`helpers.f`)."""
    for name, value in list(globals_.items()):
        if getattr(value, "__code__", None) is code:
            return globals_, name, value
    for value in list(globals_.values()):
        if isinstance(value, types.ModuleType) and not value.__name__.startswith("torch"):
            for name, attr in list(vars(value).items()):
                if getattr(attr, "__code__", None) is code:
                    return value, name, attr
    return None


def _is_tensor_type(t: T.Type) -> bool:
    if isinstance(t, T.TensorType):
        return True
    if isinstance(t, T.TupleType):
        return all(map(_is_tensor_type, t.elems))
    if isinstance(t, T.ListType):
        return _is_tensor_type(t.elem)
    return False


def _hazard_reason(found: list[hazards.Hazard]) -> tuple[str, list[str]]:
    """The first warning (shortened to its first sentence) and each distinct site quoted."""
    message = found[0].message.split(" might cause")[0].split(". ")[0]
    sites: list[str] = []
    for hz in found:
        where = f"{_short(hz.filename)}:{hz.lineno}: {hz.line}"
        if where not in sites:
            sites.append(where)
    kinds = sorted({h.message.split(" might cause")[0].split(". ")[0] for h in found})
    extra = f" (and {len(kinds) - 1} other kind{'s' if len(kinds) > 2 else ''})" \
        if len(kinds) > 1 else ""  # fmt: skip
    return f'TracerWarning: "{message}"{extra}: the trace would bake the value in', sites


def _short(filename: str | None) -> str:
    if filename is None:
        return "<unknown>"
    return os.path.basename(filename)


def _describe_call(fn: Callable[..., Any], call: _Call) -> str:
    try:
        bound = inspect.signature(fn).bind(*call.args, **call.kwargs)
        named = list(bound.arguments.items())
    except (TypeError, ValueError):
        named = [(f"input{i}", a) for i, a in enumerate(call.args)] + list(call.kwargs.items())
    return ", ".join(f"{n}={v!r}" for n, v in named if not _only_tensors(v))


def _difference(got: Any, want: Any, tolerance: float) -> str | None:
    """None when `got` equals `want` (tensors within `tolerance`, same dtype), else why."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"{type(got).__name__} instead of a tensor"
        if got.shape != want.shape or got.dtype != want.dtype:
            return (f"{got.dtype}{list(got.shape)} instead of {want.dtype}"
                    f"{list(want.shape)}")  # fmt: skip
        try:
            torch.testing.assert_close(got, want, rtol=tolerance, atol=tolerance, equal_nan=True)
        except AssertionError:
            return "values differ"
        return None
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            return f"{got!r:.60} instead of {want!r:.60}"
        for g, w in zip(got, want):
            why = _difference(g, w, tolerance)
            if why is not None:
                return why
        return None
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return "another dict"
        for k in want:
            why = _difference(got[k], want[k], tolerance)
            if why is not None:
                return why
        return None
    return None if got == want else f"{got!r:.60} instead of {want!r:.60}"
