"""Every corpus program, scripted by torch.jit, survives hybridjit's parse → print → run.

For each case: torch.jit's graph text parses and prints back byte-identical, verifies, every
aten node resolves to the same overload torch.jit chose, and both hybridjit executors agree
with the oracle on every input.  Eager Python is the semantic reference where TorchScript
deviates from it (e.g. `str(1.0)` is `"1."` in TorchScript, `math.sqrt(-1.0)` is nan there but
raises in Python): a result equal to either torch.jit's or eager's passes, and an exception
must have the type eager raises.
"""

from __future__ import annotations

import copy
import enum
import functools
import importlib
import inspect
import math
from typing import Any, Callable

import pytest
import torch

import hybridjit
from corpus import script_programs
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph
from hybridjit.ir.printer import EnumConstant
from hybridjit.ir.verifier import verify
from hybridjit.runtime.executors import PYTHON_EXECUTORS as EXECUTORS
from hybridjit.runtime.function import function_from_graph

CASES = [c for c in script_programs.CASES if c.torchscript_ok]
# Kinds that need Python classes the graph text cannot name (script classes, context managers).
UNSUPPORTED_KINDS = {"prim::CreateObject", "prim::Enter", "prim::Exit"}


@functools.cache
def _scripted(fn: Callable[..., Any]) -> Any:
    return torch.jit.script(fn)


def _script_or_skip(fn: Callable[..., Any]) -> Any:
    try:
        return _scripted(fn)
    except Exception as e:  # noqa: BLE001 - the oracle cannot compile it: nothing to compare
        pytest.skip(f"torch.jit.script rejects it: {str(e).strip().splitlines()[0]}")


def _parse(fn: Callable[..., Any], executor: str) -> Graph:
    """hybridjit's graph of torch.jit's text for `fn`, with the Python objects it names bound.

    The text names called functions and enum members but cannot carry them; the frontends
    attach them when they build graphs, and this test does it by name.
    """
    graph = hybridjit.parse_ir(str(_scripted(fn).graph))
    for node in graph.all_nodes():
        if node.kind != "prim::Constant":
            continue
        if isinstance(node.output.type, T.FunctionType):
            callee = _resolve(fn, node["name"])
            node.output.type = T.FunctionType(callee=_compiled(callee, executor))
        elif isinstance(node.attributes.get("value"), EnumConstant):
            node["value"] = _enum_member(str(node["value"]))
    return graph


def _resolve(caller: Callable[..., Any], name: str) -> Callable[..., Any]:
    """The function `caller` calls as `name`: a global of it, or an attribute of a module one."""
    scope = caller.__globals__
    if name in scope:
        return scope[name]
    modules = [
        m
        for m in scope.values()
        if inspect.ismodule(m) and inspect.isfunction(getattr(m, name, None))
    ]
    return getattr(modules[0], name)


def _enum_member(qualified_name: str) -> enum.Enum:
    module, cls, member = qualified_name.removeprefix("__torch__.").rsplit(".", 2)
    return getattr(getattr(importlib.import_module(module), cls), member)


@functools.cache
def _compiled(fn: Callable[..., Any], executor: str) -> Callable[..., Any]:
    return function_from_graph(_parse(fn, executor), executor)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_graph_text_round_trips_and_verifies(case: Any) -> None:
    text = str(_script_or_skip(case.fn).graph)
    graph = hybridjit.parse_ir(text)
    assert str(graph) == text
    verify(graph)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_overload_resolution_agrees_with_torch_jit(case: Any) -> None:
    ts_graph = _script_or_skip(case.fn).graph
    graph = hybridjit.parse_ir(str(ts_graph))
    expected = [n.schema() for n in _torch_nodes(ts_graph.block()) if n.kind().startswith("aten::")]
    actual = [str(n.schema) for n in graph.all_nodes() if n.kind.startswith("aten::")]
    assert actual == expected


def _torch_nodes(block: Any) -> list[Any]:
    nodes = []
    for n in block.nodes():
        nodes.append(n)
        for b in n.blocks():
            nodes += _torch_nodes(b)
    return nodes


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_executor_agrees_with_torch_jit(case: Any, executor: str) -> None:
    scripted = _script_or_skip(case.fn)
    kinds = {n.kind() for n in _torch_nodes(scripted.graph.block())}
    if kinds & UNSUPPORTED_KINDS:
        pytest.skip(f"uses {sorted(kinds & UNSUPPORTED_KINDS)}")
    compiled = _compiled(case.fn, executor)
    for inputs in case.inputs:
        _check_one(case, scripted, compiled, inputs)


def _with_defaults(fn: Callable[..., Any], inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    try:
        bound = inspect.signature(fn).bind(*inputs)
    except TypeError:
        return inputs  # a wrong call: every contender must raise
    bound.apply_defaults()
    return tuple(bound.arguments.values())


def _run(fn: Callable[..., Any], inputs: tuple[Any, ...]) -> tuple[Any, Any, BaseException | None]:
    args = copy.deepcopy(inputs)
    try:
        return fn(*args), args, None
    except Exception as e:  # noqa: BLE001 - compared below
        return None, args, e


def _check_one(case: Any, scripted: Any, compiled: Any, inputs: tuple[Any, ...]) -> None:
    inputs = _with_defaults(case.fn, inputs)
    ts_out, ts_args, ts_err = _run(scripted, inputs)
    py_out, py_args, py_err = _run(case.fn, inputs)
    out, args, err = _run(compiled, inputs)
    where = f"{case.name}{inputs!r}"
    if err is not None:
        assert py_err is not None and type(err) is type(py_err), (
            f"{where}: raised {type(err).__name__}: {err}; eager "
            f"{'raised ' + type(py_err).__name__ if py_err else 'returned ' + repr(py_out)}"
        )
        return
    assert ts_err is None, f"{where}: torch.jit raised {ts_err!r}, hybridjit returned {out!r}"
    tol = case.atol
    assert _same(out, ts_out, tol) or (py_err is None and _same(out, py_out, tol)), (
        f"{where}: hybridjit {out!r}, torch.jit {ts_out!r}, eager {py_out!r}"
    )
    assert _same(args, ts_args, tol) or _same(args, py_args, tol), f"{where}: mutated inputs differ"


def _same(a: Any, b: Any, tol: float) -> bool:
    """Same Python type (tuple vs NamedTuple aside), container shape, dtype and values."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y, tol) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and bool(
            torch.isclose(a, b, atol=tol, rtol=0, equal_nan=True).all()
            if a.dtype.is_floating_point or a.dtype.is_complex else torch.equal(a, b)
        )  # fmt: skip
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k], tol) for k in a)
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol or a == b
    return a == b
