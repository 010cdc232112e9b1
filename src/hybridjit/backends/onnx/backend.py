"""`hybridjit.compile(obj, backend=..., threads=None, prepack=None)`: run a program with
onnxruntime.

* `backend="onnxruntime"`: the program is exported to ONNX once per input signature (each
  argument's dtype and rank, or its Python type) and run by an `InferenceSession`; torch
  tensors in and out without copies: contiguous CPU tensors are bound to the session by
  pointer (IO binding, re-bound only when a tensor's address or shape changes), results
  come back through DLPack; Python numbers go in and out through preallocated 0-d buffers
  and come back as Python numbers.  Exceptions the program raises come back as the same
  exception type and message (from the model's error output; a message computed at run
  time is re-derived by running the codegen executor on the same arguments, and so is any
  error onnxruntime itself reports, e.g. a shape mismatch torch would have reported).
  Results never require grad (onnxruntime does not record autograd): a call with a tensor
  argument that requires grad runs on the codegen executor instead, so autograd sees it.
  A list argument the program mutates is written back into the caller's list after the
  call (the model returns its final value as an extra output); a call where that list is
  also passed as another argument runs on the codegen executor.
  `threads` sets onnxruntime's intra-op thread count; `None` follows
  `torch.get_num_threads()` at export time.  The session runs sequentially with
  `ORT_ENABLE_ALL` graph optimizations.  `fn.backend` is `"onnxruntime"`.
  `prepack`: whether onnxruntime pre-packs the model's constant MatMul/Gemm weights, which
  is faster from a few rows on and slower for one (benchmarks/bench_onnx.py).  `None`: off
  for calls whose tensor arguments all have rank < 2 or a size-1 dim among their first two
  (batch 1, batch- or sequence-first), on otherwise: two sessions of one export, each call
  going to its own; a model without such weights has one session.
* `backend="codegen"` / `"interpreter"`: the ordinary hybridjit function.
* `backend="auto"`: onnxruntime, except for *scalar-only* programs, which onnxruntime runs
  slower than Python: a program with no tensor input, or whose loops compute only Python
  numbers (no tensor op inside any loop body), goes to codegen (the ScriptFunction itself
  is returned).  `backend_of(fn)` says which one a callable from `compile` uses.

Per call, the fast path is straight-line code generated per input signature: one type /
dtype / rank check per argument, a pointer and shape compare per tensor, one
`run_with_iobinding`, one DLPack hand-over per tensor result.  Programs with list or
sequence inputs/outputs take the general path (`InferenceSession.run` with numpy feeds).
"""

from __future__ import annotations

import builtins
import inspect
import json
from typing import Any, Callable

import numpy as np
import torch

from hybridjit.backends.onnx import extra
from hybridjit.backends.onnx.targets import compiled
from hybridjit.errors import Error
from hybridjit.ir import types as T
from hybridjit.ops.prims.control import make_exception
from hybridjit.ops.prims.values import named_tuple_class
from hybridjit.runtime.executors import register_executor
from hybridjit.runtime.function import ScriptFunction, function_from_graph
from hybridjit.runtime.module import ScriptModule

BACKENDS = ("auto", "onnxruntime", "codegen", "interpreter")


def compile(obj: Any, backend: str = "auto", threads: int | None = None, *,  # noqa: A001
            opset: int | None = None, method: str = "forward",
            prepack: bool | None = None) -> Callable[..., Any]:  # fmt: skip
    """A callable with `obj`'s signature, run by `backend` (see the module docstring)."""
    if backend not in BACKENDS:
        raise Error(f"backend must be one of {BACKENDS}, got {backend!r}")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise Error(f"threads must be a positive int or None, got {threads!r}")
    if prepack not in (None, True, False):
        raise Error(f"prepack must be True, False or None, got {prepack!r}")
    target = compiled(obj, None, method)
    if backend == "codegen":
        return target
    if backend == "interpreter":
        graph, self_obj = _graph_of(target, method)
        fn = function_from_graph(graph, "interpreter")
        return (lambda *a: fn(self_obj, *a)) if self_obj is not None else fn
    if backend == "auto" and is_scalar_only(_graph_of(target, method)[0]):
        return target
    return OrtFunction(target, threads=threads, opset=opset, method=method, prepack=prepack)


def backend_of(fn: Any) -> str:
    """Which backend a callable returned by `compile` runs on."""
    return getattr(fn, "backend", None) if isinstance(fn, OrtFunction) else "codegen"


def _graph_of(target: Any, method: str) -> tuple[Any, Any]:
    if isinstance(target, ScriptModule):
        return target._hj_methods[method].graph, target
    return target.graph, None


def is_scalar_only(graph: Any) -> bool:
    """The `auto` rule: no tensor input, or every loop body computes only Python numbers."""
    if not any(isinstance(v.type, T.TensorType) for v in graph.inputs):
        return True
    loops = [n for n in graph.all_nodes() if n.kind == "prim::Loop"]
    if not loops:
        return False
    for loop in loops:
        for n in loop.blocks[0].all_nodes():
            if any(isinstance(o.type, T.TensorType) for o in n.outputs):
                return False
    return True


_MISS = object()  # the fast path's "not this signature"
# the error class of inputs a model leaves to Python (e.g. sorting floats that hold a NaN):
# the runner runs the program with the codegen executor for that call
RUN_IN_PYTHON = "hybridjit.RunInPython"


class OrtFunction:
    """A program run by onnxruntime; exported once per input signature."""

    backend = "onnxruntime"

    def __init__(self, target: Any, threads: int | None = None, opset: int | None = None,
                 method: str = "forward", prepack: bool | None = None) -> None:  # fmt: skip
        self.target = target
        self.threads = threads
        self.opset = opset
        self.method = method
        self.prepack = prepack
        if isinstance(target, ScriptModule):
            self._fn = target._hj_methods[method]
            self._self: Any = target
        else:
            self._fn, self._self = target, None
        self.signature = self._fn.signature
        n = len(self.signature.parameters) if self.signature is not None else None
        self._nargs = n - (self._self is not None) if n is not None else None
        if self.signature is not None and any(
                p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in self.signature.parameters.values()):
            self._nargs = -1  # `*args` / `**kwargs`: every call is bound to the signature
        self._exported: dict[tuple[Any, ...], Any] = {}
        self._sessions: dict[tuple[Any, ...], _Session] = {}
        self._fast: Callable[[tuple[Any, ...]], Any] | None = None  # the last session's
        self.__name__ = getattr(self._fn, "name", "forward")
        self.__signature__ = _public_signature(self.signature, self._self is not None)

    @property
    def exports(self) -> int:
        """How many input signatures have been exported."""
        return len(self._exported)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        if self.signature is None:
            if kwargs:
                raise TypeError(f"{self.__name__}() takes no keyword arguments")
            return args
        if self._self is not None:
            args = (self._self, *args)
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        vals = tuple(bound.arguments.values())
        return vals[1:] if self._self is not None else vals

    def session_for(self, args: tuple[Any, ...]) -> _Session:
        key = (*(_key(a) for a in args), _one_object(args))
        exported = self._exported.get(key)
        if exported is None:
            exported = self._exported[key] = self._export(args)
        few_rows = _few_rows(args) if self.prepack is None and exported.prepacks else None
        s = self._sessions.get((key, few_rows))
        if s is None:
            prepack = self.prepack if self.prepack is not None else not few_rows
            threads = self.threads if self.threads is not None else torch.get_num_threads()
            s = self._sessions[key, few_rows] = _Session(exported, threads, self._fallback,
                                                         prepack, few_rows)  # fmt: skip
        return s

    def _export(self, args: tuple[Any, ...]) -> Any:
        extra.require(*extra.RUNTIME)
        # deferred: the onnx extra is optional; this module loads without it (the CLI imports it)
        from hybridjit.backends.onnx.exporter import export_graph

        return export_graph(self._fn.graph, args, self_obj=self._self, opset=self.opset)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != self._nargs:
            args = self._bind(args, kwargs)
        fast = self._fast
        if fast is not None:
            r = fast(args)
            if r is not _MISS:
                return r
        sess = self.session_for(args)
        if sess.fast is not None:
            self._fast = sess.fast
            r = sess.fast(args)
            if r is not _MISS:
                return r
        return sess.run(args)

    def _fallback(self, args: tuple[Any, ...]) -> Any:
        return self.target(*args)


def _public_signature(sig: inspect.Signature | None, has_self: bool) -> inspect.Signature | None:
    if sig is None or not has_self:
        return sig
    params = list(sig.parameters.values())[1:]
    return sig.replace(parameters=params)


def _few_rows(args: tuple[Any, ...]) -> bool:
    """Whether every tensor argument is `_one_row`: a batch of one, whose matrix products
    have one row (the generated fast path checks the same per argument)."""
    return all(_one_row(a.shape) for a in args if isinstance(a, torch.Tensor))


def _one_row(shape: torch.Size) -> bool:
    """Rank < 2, or a size-1 dim among the first two (batch-first or sequence-first)."""
    return len(shape) < 2 or shape[0] == 1 or shape[1] == 1


def _one_object(args: tuple[Any, ...]) -> tuple[tuple[int, int], ...]:
    """(j, i) for each tensor argument j that is argument i < j itself: the export gives
    them one input (see `Exported.identity_sensitive`)."""
    tensors = [(i, a) for i, a in enumerate(args) if isinstance(a, torch.Tensor)]
    return tuple((j, next(i for i, b in tensors if b is a)) for j, a in tensors
                 if any(b is a for i, b in tensors if i < j))  # fmt: skip


def _key(a: Any) -> Any:
    """What an export is specialized on: dtype and rank, Python type, element kinds."""
    if isinstance(a, torch.Tensor):
        return ("T", a.dtype, a.dim())
    if type(a) is tuple:
        return ("tuple", *map(_key, a))
    if type(a) is list:
        if a and isinstance(a[0], torch.Tensor):  # the model may assume one element rank
            return ("list", _key(a[0]), frozenset(e.dim() for e in a if isinstance(e, torch.Tensor)))
        return ("list", _key(a[0]) if a else None)
    return (type(a),)


_NP = {"int": np.int64, "float": np.float64, "bool": np.bool_}
_ORT_NP = {"tensor(int64)": np.int64, "tensor(double)": np.float64, "tensor(bool)": np.bool_,
           "tensor(float)": np.float32, "tensor(int32)": np.int32}  # fmt: skip
_PY = {"int": int, "float": float, "bool": bool}


def session_options(threads: int, prepack: bool = True) -> Any:
    """The options every hybridjit session uses (`threads` intra-op threads; `prepack`:
    whether onnxruntime pre-packs constant weights for its matrix products)."""
    # deferred: the onnx extra is optional; this module loads without it (the CLI imports it)
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if not prepack:
        opts.add_session_config_entry("session.disable_prepacking", "1")
    return opts


class _Session:
    def __init__(self, exported: Any, threads: int, fallback: Callable[..., Any],
                 prepack: bool = True, few_rows: bool | None = None) -> None:  # fmt: skip
        # deferred: the onnx extra is optional; this module loads without it (the CLI imports it)
        import onnxruntime as ort

        self.exported = exported
        self.threads = threads
        self.few_rows = few_rows  # the calls this session is for (None: any call)
        self.options = session_options(threads, prepack)
        model = exported.saved if exported.large else exported.model.SerializeToString()
        self.session = ort.InferenceSession(model, self.options, providers=["CPUExecutionProvider"])
        self._sess = self.session._sess
        # made once: a run given None builds default run options itself, ~2 us per call
        self.run_options = ort.RunOptions()
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.in_spec = exported.inputs
        self.errors = exported.errors
        self.has_err = exported.has_error_output
        self.out_spec = exported.outputs
        self.writeback = exported.writeback
        self.fallback = fallback
        self.fast: Callable[[tuple[Any, ...]], Any] | None = _compile_fast(self)

    def run(self, args: tuple[Any, ...]) -> Any:
        """The general path: numpy feeds, `InferenceSession.run`."""
        # deferred: the onnx extra is optional; this module loads without it (the CLI imports it)
        from hybridjit.backends.onnx.exporter import feeds as make_feeds

        if self.writeback and _shares_a_list(args, self.writeback):
            return self.fallback(args)  # one list passed twice: ONNX values cannot alias
        if _needs_python(args):
            return self.fallback(args)  # autograd (the codegen executor records it), sparse
        feeds = make_feeds(self.in_spec, args)
        try:
            outs = self._sess.run(self.output_names, feeds, self.run_options)
        except Exception as e:
            return self.ort_failed(e, args)
        if self.has_err:
            code = int(outs[-1])
            if code:
                return self.raise_error(code, args)
        for wb in self.writeback:
            if wb["kind"] == "tensor":
                args[wb["arg"]].copy_(_rebuild(wb, outs))
            else:
                args[wb["arg"]][:] = _rebuild(wb, outs)
        return _rebuild(self.out_spec, outs)

    def ort_failed(self, e: Exception, args: tuple[Any, ...]) -> Any:
        """onnxruntime reported an error (a shape mismatch torch would also report, or work
        done ahead of time, e.g. a loop's rows multiplied before the loop, that the program
        never reaches): the result is what the codegen executor gives for these arguments,
        its exception included."""
        return self.fallback(args)

    def raise_error(self, code: int, args: tuple[Any, ...]) -> Any:
        entry = self.errors[code - 1]
        if entry["class"] == RUN_IN_PYTHON:
            return self.fallback(args)  # an input the model does not compute (documented)
        if entry["message"] is None:
            self.fallback(args)  # re-derive the message computed at run time
            raise RuntimeError(f"the exported program raised {entry['class']} at {entry['where']}")
        raise make_exception(entry["message"], entry["class"])


def _compile_fast(s: _Session) -> Callable[[tuple[Any, ...]], Any] | None:
    """Straight-line Python for one input signature, or None where only `run` can do it."""
    # deferred: the onnx extra is optional; this module loads without it (the CLI imports it)
    from onnxruntime.capi import _pybind_state as C

    # deferred: the onnx extra is optional; this module loads without it (the CLI imports it)
    from hybridjit.backends.onnx.values import torch_to_onnx_dtype

    if s.writeback:
        return None
    in_meta = {m.name: m for m in s._sess.inputs_meta}
    out_meta = s._sess.outputs_meta
    dev = C.OrtDevice(C.OrtDevice.cpu(), C.OrtDevice.default_memory(), 0)
    b = C.SessionIOBinding(s._sess)
    env: dict[str, Any] = {"Tensor": torch.Tensor, "STRIDED": torch.strided, "MISS": _MISS,
                           "dev": dev, "b": b,
                           "bind": b.bind_input, "bind_out": b.bind_output, "run": s._sess.run_with_iobinding, "ro": s.run_options,
                           "outs": b.get_outputs, "dl": getattr(torch._C, "_from_dlpack", torch.from_dlpack), "s": s,
                           "np_bind": _np_bind, "fnp": torch.from_numpy, "one_row": _one_row}  # fmt: skip
    params = [f"a{i}" for i in range(len(s.in_spec))]
    checks: list[str] = []
    body: list[str] = []
    state: list[str] = []
    for i, spec in enumerate(s.in_spec):
        a, kind = params[i], spec["kind"]
        if kind == "none":
            checks.append(f"{a} is not None")
            continue
        if kind == "same":  # exported for the call that passed argument `as` again here
            checks.append(f"{a} is not a{spec['as']}")
            continue
        name = spec["name"]
        if name not in in_meta:
            return None
        if kind == "tensor":
            dtype = getattr(torch, spec["dtype"])
            env[f"D{i}"], env[f"E{i}"] = dtype, int(torch_to_onnx_dtype(dtype))
            # each tensor attribute costs a C call: read each once (the rank from the shape)
            checks.append(f"not isinstance({a}, Tensor) or {a}.dtype is not D{i} "
                          f"or not {a}.is_cpu or {a}.requires_grad "
                          f"or {a}.layout is not STRIDED")  # fmt: skip
            state += [f"p{i}", f"s{i}"]
            body += [f"sh = {a}.shape",
                     f"if len(sh) != {spec['rank']}: return MISS",
                     *(["few = few and one_row(sh)"] if s.few_rows is not None else []),
                     f"if not {a}.is_contiguous(): {a} = {a}.contiguous()",
                     f"p = {a}.data_ptr()",
                     f"if p != p{i} or sh != s{i}:",
                     f"    if p: bind({name!r}, dev, E{i}, sh, p); p{i} = p; s{i} = sh",
                     f"    else: np_bind(b, {name!r}, {a}); p{i} = None"]  # fmt: skip
        elif kind in _NP:
            buf = env[f"B{i}"] = np.zeros((), _NP[kind])
            b.bind_input(name, buf)
            checks.append(f"{a}.__class__ is not {_PY[kind].__name__}")
            body.append(f"B{i}[()] = {a}")
        else:
            return None
    if s.exported.identity_sensitive:  # the others were distinct objects at export
        distinct = [params[i] for i, spec in enumerate(s.in_spec) if spec["kind"] == "tensor"]
        checks += [f"{a} is {b}" for k, a in enumerate(distinct) for b in distinct[k + 1:]]
    # outputs
    flat = []
    _flat_spec(s.out_spec, flat)
    conv: dict[int, str] = {}
    rebind_out: list[str] = []
    for idx, (meta, name) in enumerate(zip(out_meta, s.output_names)):
        is_err = s.has_err and idx == len(out_meta) - 1
        kind = "error" if is_err else flat[idx] if idx < len(flat) else None
        if kind is None or kind not in ("tensor", "int", "float", "bool", "error"):
            return None
        np_t = _ORT_NP.get(meta.type)
        if kind != "tensor" and np_t is not None and list(meta.shape) == []:
            buf = env[f"O{idx}"] = np.zeros((), np_t)
            b.bind_output(name, dev, buf.dtype, [], buf.ctypes.data)
            conv[idx] = f"O{idx}.item()" if kind == "error" else f"{kind}(O{idx}.item())"
        else:
            # bound afresh before every run: ORT would otherwise write into the last result
            b.bind_output(name, dev)  # fixes the name's place in get_outputs()
            rebind_out.append(f"bind_out({name!r}, dev)")
            conv[idx] = (f"dl(o[{idx}].to_dlpack())" if kind == "tensor" and meta.type != "tensor(bool)"
                         else f"fnp(o[{idx}].numpy().copy())" if kind == "tensor"
                         else f"int(o[{idx}].numpy())" if kind == "error"
                         else f"{kind}(o[{idx}].numpy())")  # fmt: skip
    needs_o = any("o[" in c for c in conv.values())
    ret = _return_expr(s.out_spec, conv, env)
    lines = [f"def make({', '.join(['_'] + [f'{k}={k}' for k in env])}):"]
    lines += [f"    {v} = None" for v in state]
    lines.append("    def fast(args):")
    if state:
        lines.append(f"        nonlocal {', '.join(state)}")
    lines.append(f"        if len(args) != {len(params)}: return MISS")
    if params:
        lines.append(f"        {', '.join(params)}, = args")
    for c in checks:
        lines.append(f"        if {c}: return MISS")
    if s.few_rows is not None:  # the session is for batch-of-one calls only, or for others
        body = ["few = True", *body, f"if few is not {s.few_rows}: return MISS"]
    lines += [f"        {x}" for x in body + rebind_out]
    lines += ["        try: run(b, ro)",
              "        except Exception as e: return s.ort_failed(e, args)"]  # fmt: skip
    if needs_o:
        lines.append("        o = outs()")
    if s.has_err:
        e = conv[len(out_meta) - 1]
        lines += [f"        e = {e}", "        if e: return s.raise_error(e, args)"]
    lines.append(f"        return {ret}")
    lines.append("    return fast")
    src = "\n".join(lines)
    ns: dict[str, Any] = {}
    exec(builtins.compile(src, f"<hybridjit onnxruntime runner {id(s):x}>", "exec"), env, ns)  # noqa: S102
    fast = ns["make"](None)
    fast.source = src  # type: ignore[attr-defined]
    return fast


def _needs_python(args: Any) -> bool:
    """Whether a tensor in `args` requires grad or is not dense (ONNX tensors are)."""
    for a in args:
        if isinstance(a, torch.Tensor):
            if a.requires_grad or a.layout is not torch.strided:
                return True
        elif isinstance(a, (list, tuple)) and _needs_python(a):
            return True
    return False


def _shares_a_list(args: tuple[Any, ...], writeback: list[dict[str, Any]]) -> bool:
    """Whether a list or tensor the program mutates is also passed as (or inside) another
    argument, or shares the other's memory (ONNX values cannot alias)."""
    for wb in writeback:
        mine = args[wb["arg"]]
        for j, a in enumerate(args):
            if j != wb["arg"] and (a is mine or (isinstance(a, (list, tuple))
                                                 and any(e is mine for e in a))  # fmt: skip
                                   or _same_memory(a, mine)):
                return True
    return False


def _same_memory(a: Any, b: Any) -> bool:
    return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and \
        a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()  # fmt: skip


def _np_bind(b: Any, name: str, t: torch.Tensor) -> None:
    b.bind_input(name, t.detach().numpy())


def _flat_spec(spec: dict[str, Any], flat: list[str]) -> None:
    kind = spec["kind"]
    if kind in ("tuple", "dict"):
        for x in spec["items"]:
            _flat_spec(x, flat)
    elif kind != "none":
        while len(flat) <= spec["index"]:
            flat.append("")
        flat[spec["index"]] = kind


def _return_expr(spec: dict[str, Any], conv: dict[int, str], env: dict[str, Any]) -> str:
    kind = spec["kind"]
    if kind == "tuple":
        items = [_return_expr(x, conv, env) for x in spec["items"]]
        if "namedtuple" in spec:
            name = f"NT{len(env)}"
            env[name] = _named_tuple_of(spec)
            return f"{name}({', '.join(items)})"
        return "(" + "".join(f"{x}, " for x in items) + ")"
    if kind == "dict":
        items = [_return_expr(x, conv, env) for x in spec["items"]]
        return "{" + ", ".join(f"{k!r}: {x}" for k, x in zip(spec["keys"], items)) + "}"
    if kind == "none":
        return "None"
    return conv[spec["index"]]


def _named_tuple_of(spec: dict[str, Any]) -> type:
    nt = spec["namedtuple"]
    return named_tuple_class(nt["name"], tuple(nt["fields"]))


def _rebuild(spec: dict[str, Any], outs: list[Any]) -> Any:
    kind = spec["kind"]
    if kind == "tuple":
        items = tuple(_rebuild(s, outs) for s in spec["items"])
        return _named_tuple_of(spec)(*items) if "namedtuple" in spec else items
    if kind == "dict":
        return {k: _rebuild(s, outs) for k, s in zip(spec["keys"], spec["items"])}
    if kind == "none":
        return None
    v = outs[spec["index"]]
    if kind == "tensor":
        return torch.from_numpy(v)
    if kind == "int":
        return int(v)
    if kind == "float":
        return float(v)
    if kind == "bool":
        return bool(v)
    if kind == "tensor_list":
        return [torch.from_numpy(x) for x in v]
    if kind in ("int_list", "float_list", "bool_list"):
        return np.asarray(v).tolist()
    raise Error(f"unknown output kind {kind}")


def describe(exported: Any) -> str:
    return json.dumps({"inputs": exported.inputs, "outputs": exported.outputs,
                       "errors": exported.errors})  # fmt: skip


def _compile_graph(graph: Any, name: str) -> Callable[..., Any]:
    """The `onnxruntime` executor: a function's graph, exported per input signature."""
    if graph.inputs and isinstance(graph.inputs[0].type, T.ClassType):
        raise Error("the onnxruntime executor runs functions; for a module's method use "
                    "hybridjit.compile(module, backend='onnxruntime', method=...)")  # fmt: skip
    return OrtFunction(ScriptFunction(name, graph))


register_executor("onnxruntime", _compile_graph)
