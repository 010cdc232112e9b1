"""`hybridjit.compile(obj, backend=..., threads=None)`: run a program with onnxruntime.

* `backend="onnxruntime"`: the program is exported to ONNX once per input signature (each
  argument's dtype and rank, or its Python type) and run by an `InferenceSession`; torch
  tensors in (shared with numpy, no copy for contiguous CPU tensors) and out
  (`torch.from_numpy`, no copy); Python numbers come back as Python numbers; exceptions
  the program raises come back as the same exception type and message (from the model's
  error output; a message computed at run time is re-derived by running the codegen
  executor on the same arguments).  `threads` sets onnxruntime's intra-op thread count.
* `backend="codegen"` / `"interpreter"`: the ordinary hybridjit function.
* `backend="auto"`: onnxruntime, except for *scalar-only* programs, which onnxruntime runs
  slower than Python: a program with no tensor input, or whose loops compute only Python
  numbers (no tensor op inside any loop body), goes to codegen.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Callable

import numpy as np
import torch

from hybridjit.errors import Error

BACKENDS = ("auto", "onnxruntime", "codegen", "interpreter")


def compile(obj: Any, backend: str = "auto", threads: int | None = None, *,  # noqa: A001
            opset: int | None = None, method: str = "forward") -> Callable[..., Any]:  # fmt: skip
    """A callable with `obj`'s signature, run by `backend` (see the module docstring)."""
    from hybridjit.export.onnx.targets import compiled

    if backend not in BACKENDS:
        raise Error(f"backend must be one of {BACKENDS}, got {backend!r}")
    target = compiled(obj, None, method)
    if backend == "codegen":
        return target
    if backend == "interpreter":
        from hybridjit.runtime.function import function_from_graph

        graph, self_obj = _graph_of(target, method)
        fn = function_from_graph(graph, "interpreter")
        return (lambda *a: fn(self_obj, *a)) if self_obj is not None else fn
    if backend == "auto" and is_scalar_only(_graph_of(target, method)[0]):
        return target
    return OrtFunction(target, threads=threads, opset=opset, method=method)


def _graph_of(target: Any, method: str) -> tuple[Any, Any]:
    from hybridjit.runtime.module import ScriptModule

    if isinstance(target, ScriptModule):
        return target._hj_methods[method].graph, target
    return target.graph, None


def is_scalar_only(graph: Any) -> bool:
    """The `auto` rule: no tensor input, or every loop body computes only Python numbers."""
    from hybridjit.ir import types as T

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


class OrtFunction:
    """A program run by onnxruntime; exported once per input signature."""

    def __init__(self, target: Any, threads: int | None = None, opset: int | None = None,
                 method: str = "forward") -> None:  # fmt: skip
        from hybridjit.runtime.module import ScriptModule

        self.target = target
        self.threads = threads
        self.opset = opset
        self.method = method
        if isinstance(target, ScriptModule):
            self._fn = target._hj_methods[method]
            self._self: Any = target
        else:
            self._fn, self._self = target, None
        self.signature = self._fn.signature
        self._sessions: dict[tuple[Any, ...], _Session] = {}
        self.__name__ = getattr(self._fn, "name", "forward")
        self.__signature__ = _public_signature(self.signature, self._self is not None)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        if not kwargs:
            return args
        if self.signature is None:
            raise TypeError(f"{self.__name__}() takes no keyword arguments")
        if self._self is not None:
            args = (self._self, *args)
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        vals = tuple(bound.arguments.values())
        return vals[1:] if self._self is not None else vals

    def session_for(self, args: tuple[Any, ...]) -> _Session:
        key = tuple(_key(a) for a in args)
        s = self._sessions.get(key)
        if s is None:
            s = self._sessions[key] = self._export(args)
        return s

    def _export(self, args: tuple[Any, ...]) -> _Session:
        from hybridjit.export.onnx.exporter import export_graph

        exported = export_graph(self._fn.graph, args, self_obj=self._self, opset=self.opset)
        return _Session(exported, self.threads)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        args = self._bind(args, kwargs)
        sess = self.session_for(args)
        return sess.run(args, self._fallback)

    def _fallback(self, args: tuple[Any, ...]) -> Any:
        return self.target(*args)


def _public_signature(sig: inspect.Signature | None, has_self: bool) -> inspect.Signature | None:
    if sig is None or not has_self:
        return sig
    params = list(sig.parameters.values())[1:]
    return sig.replace(parameters=params)


def _key(a: Any) -> Any:
    if isinstance(a, torch.Tensor):
        return ("T", a.dtype, a.dim())
    return (type(a),)


_NP = {"int": np.int64, "float": np.float64, "bool": np.bool_}


class _Session:
    def __init__(self, exported: Any, threads: int | None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        if threads is not None:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.exported = exported
        self.session = ort.InferenceSession(exported.model.SerializeToString(), opts,
                                            providers=["CPUExecutionProvider"])  # fmt: skip
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.in_spec = [s for s in exported.inputs if s["kind"] != "none"]
        self.errors = exported.errors
        self.has_err = exported.has_error_output
        self.out_spec = exported.outputs
        self._run = self.session.run

    def run(self, args: tuple[Any, ...], fallback: Callable[[tuple[Any, ...]], Any]) -> Any:
        feeds = {}
        names = iter(self.input_names)
        for a in args:
            if a is None:
                continue
            name = next(names)
            if isinstance(a, torch.Tensor):
                feeds[name] = (
                    a.detach().numpy() if a.device.type == "cpu" else a.detach().cpu().numpy()
                )
            else:
                feeds[name] = np.array(a, dtype=_NP["bool" if isinstance(a, bool) else
                                                   "int" if isinstance(a, int) else "float"])  # fmt: skip
        outs = self._run(None, feeds)
        if self.has_err:
            code = int(outs[-1])
            if code:
                self._raise(code, args, fallback)
        return _rebuild(self.out_spec, outs)

    def _raise(self, code: int, args: tuple[Any, ...], fallback: Callable[..., Any]) -> None:
        from hybridjit.export.onnx._hj import make_exception

        entry = self.errors[code - 1]
        if entry["message"] is None:
            fallback(args)  # re-derive the message computed at run time
            raise RuntimeError(f"the exported program raised {entry['class']} at {entry['where']}")
        raise make_exception(entry["message"], entry["class"])


def _rebuild(spec: dict[str, Any], outs: list[Any]) -> Any:
    kind = spec["kind"]
    if kind == "tuple":
        return tuple(_rebuild(s, outs) for s in spec["items"])
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
