"""`prim::Try` and friends: the text format, the verifier, what passes may do to them, the
executors, archives, ONNX export; user context managers and script classes in archives.

The corpus (`tests/corpus/python/exceptions.py`, `classes.py`) compares whole programs with
plain Python; these tests pin the IR and the rules around it.
"""

from __future__ import annotations

import dataclasses
import io
import re
from typing import List

import pytest
import torch

import hybridjit
from hybridjit import pipeline
from hybridjit.errors import ExportError, FrontendError, VerificationError
from hybridjit.ir.parser import parse_ir
from hybridjit.ir.verifier import verify
from hybridjit.ops.effects import effects_of, may_raise
from hybridjit.ops.prims.control import make_exception
from hybridjit.runtime.function import function_from_graph

TRY_TEXT = """\
graph(%xs : int[],
      %i : int):
  %2 : int = prim::Constant[value=-1]()
  %3 : str = prim::Constant[value="missing"]()
  %r : int = prim::Try[exceptions=[["builtins.IndexError", "builtins.KeyError"], []]]()
    block0():
      %r.1 : int = aten::__getitem__(%xs, %i)
      -> (%r.1)
    block1(%e : Exception):
       = prim::Print(%3)
      -> (%2)
    block2(%e.1 : Exception):
       = prim::Reraise(%e.1)
      -> (%2)
  return (%r)
"""


def _strip_ranges(text: str) -> str:
    return re.sub(r" # [^\n]*", "", text)


def _round_trip(compiled):
    buffer = io.BytesIO()
    hybridjit.save(compiled, buffer)
    buffer.seek(0)
    return hybridjit.load(buffer)


# -- the text format -----------------------------------------------------------------------------
def test_try_prints_and_parses_back_identically() -> None:
    graph = parse_ir(TRY_TEXT)
    verify(graph, schemas=True)
    assert str(graph) == TRY_TEXT
    assert str(parse_ir(str(graph))) == TRY_TEXT


def test_parsed_try_runs_under_both_executors() -> None:
    for executor in ("codegen", "interpreter"):
        fn = function_from_graph(parse_ir(TRY_TEXT), executor)
        assert fn([1, 2], 1) == 2
        assert fn([1, 2], 5) == -1


def pick(xs: List[int], i: int) -> int:
    try:
        r = xs[i]
    except IndexError as e:
        print(str(e))
        r = -1
    return r


def test_compiled_try_graph_shape() -> None:
    text = _strip_ranges(hybridjit.script(pick).graph.str(False))
    assert 'prim::Try[exceptions=[["builtins.IndexError"]]]()' in text
    assert "block1(%e : Exception):" in text
    assert "aten::str(%e)" in text
    assert str(parse_ir(str(hybridjit.script(pick).graph))) == str(hybridjit.script(pick).graph)


def test_code_reads_as_python_try() -> None:
    code = hybridjit.script(pick).code
    assert "try:" in code and "except IndexError as e:" in code


# -- the verifier -------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, problem", [
    ('[["os.system"], []]', "known exception names"),
    ('[[]]', "one handler block per entry"),
])  # fmt: skip
def test_verifier_refuses_malformed_try(bad: str, problem: str) -> None:
    text = TRY_TEXT.replace('[["builtins.IndexError", "builtins.KeyError"], []]', bad)
    with pytest.raises(VerificationError, match=problem):
        verify(parse_ir(text))


def test_verifier_wants_an_exception_input_per_handler() -> None:
    text = TRY_TEXT.replace("block1(%e : Exception):", "block1():")
    with pytest.raises(VerificationError, match="one Exception input"):
        verify(parse_ir(text))


# -- effects and passes ---------------------------------------------------------------------------
def probe(xs: List[int], i: int) -> int:
    try:
        xs[i]  # unused, but its IndexError is the point
        print("in range")
    except IndexError:
        return -1
    return 1


def test_try_is_never_removed_and_its_body_keeps_raising_nodes() -> None:
    graph = hybridjit.script(probe).graph
    try_node = next(n for n in graph.all_nodes() if n.kind == "prim::Try")
    assert not effects_of(try_node).removable
    kinds = [n.kind for n in try_node.blocks[0].nodes]
    assert "aten::__getitem__" in kinds
    fn = hybridjit.script(probe)
    for run in (fn, fn.using("interpreter"), _round_trip(fn)):
        assert run([1], 0) == 1 and run([1], 3) == -1


def test_dead_code_outside_try_bodies_is_still_removed() -> None:
    def f(xs: List[int], i: int) -> int:
        xs[i]
        return 0

    kinds = {n.kind for n in hybridjit.script(f).graph.all_nodes()}
    assert "aten::__getitem__" not in kinds  # as TorchScript's DCE


def test_may_raise_is_conservative() -> None:
    graph = parse_ir(TRY_TEXT)
    kinds = {n.kind: may_raise(n) for n in graph.all_nodes()}
    assert kinds["prim::Constant"] is False and kinds["aten::__getitem__"] is True
    assert kinds["prim::Try"] is True


def unused_try_output(x: torch.Tensor, k: int) -> torch.Tensor:
    y = x
    try:
        y = x[k]
        unused = x * 2  # noqa: F841 - an output DCE prunes
    except IndexError:
        unused = x  # noqa: F841
    return y


def test_unused_try_outputs_are_pruned() -> None:
    graph = hybridjit.script(unused_try_output).graph
    node = next(n for n in graph.all_nodes() if n.kind == "prim::Try")
    assert [o.debug_name for o in node.outputs] == ["y"]


def loop_with_try(x: torch.Tensor, w: torch.Tensor, n: int) -> torch.Tensor:
    acc = x
    for i in range(n):
        wt = w.t()  # loop-invariant: cached in the first iteration
        try:
            acc = acc @ wt
            r = acc[i]  # noqa: F841 - raises IndexError for i >= 2
        except IndexError:
            acc = acc + 1
    return acc


def test_loop_invariant_caching_leaves_the_try_alone() -> None:
    graph = hybridjit.script(loop_with_try).graph
    fast = pipeline.for_codegen(graph)
    verify(fast)
    node = next(n for n in fast.all_nodes() if n.kind == "prim::Try")
    assert [n.kind for n in node.blocks[0].nodes if n.kind != "prim::Constant"][:1] == [
        "aten::matmul"
    ]
    x, w = torch.eye(2), torch.ones(2, 2)
    fn = hybridjit.script(loop_with_try)
    for n in (0, 1, 4):
        expected = loop_with_try(x, w, n)
        for run in (fn, fn.using("interpreter"), _round_trip(fn)):
            assert torch.equal(run(x, w, n), expected)


def _helper(xs: List[int]) -> int:
    try:
        return xs[0]
    except IndexError:
        return -1


def calls_helper(xs: List[int]) -> int:
    return _helper(xs) + 1


def test_inlining_copies_try_blocks() -> None:
    compiled = hybridjit.script(calls_helper)
    inlined = compiled.inlined_graph
    verify(inlined)
    assert any(n.kind == "prim::Try" for n in inlined.all_nodes())
    for executor in ("codegen", "interpreter"):
        fn = function_from_graph(inlined.copy(), executor)
        assert fn([5]) == 6 and fn([]) == 0


# -- raising --------------------------------------------------------------------------------------
def reraise_from(d: dict[str, int], k: str) -> int:
    try:
        return d[k]
    except KeyError as e:
        raise ValueError("no " + k) from e


def test_raise_from_keeps_the_cause() -> None:
    fn = hybridjit.script(reraise_from)
    for run in (fn, fn.using("interpreter"), _round_trip(fn)):
        with pytest.raises(ValueError, match="no b") as info:
            run({"a": 1}, "b")
        assert isinstance(info.value.__cause__, KeyError)


def test_exception_messages_match_python() -> None:
    def f(s: str) -> str:
        try:
            raise ValueError("bad " + s)
        except ValueError as e:
            return str(e) + "|" + e.args[0]

    fn = hybridjit.script(f)
    for run in (fn, fn.using("interpreter"), _round_trip(fn)):
        assert run("x") == f("x") == "bad x|bad x"


def test_frozen_instance_error_is_in_the_fixed_table() -> None:
    e = make_exception("cannot assign to field 'a'", "dataclasses.FrozenInstanceError")
    assert type(e) is dataclasses.FrozenInstanceError
    assert type(make_exception("x", "os.system")) is Exception  # never imported


# -- rejections -----------------------------------------------------------------------------------
class _Mine(Exception):
    pass


def catches_user_class(n: int) -> int:
    try:
        return n
    except _Mine:
        return 0


def bare_raise_outside(n: int) -> int:
    raise


@pytest.mark.parametrize("fn, words", [
    (catches_user_class, "except Exception"),
    (bare_raise_outside, "inside an 'except' block"),
])  # fmt: skip
def test_unsupported_constructs_are_clean_frontend_errors(fn, words: str) -> None:
    with pytest.raises(FrontendError) as info:
        hybridjit.script(fn)
    assert words in str(info.value) and re.search(r"line \d+", str(info.value))


# -- ONNX --------------------------------------------------------------------------------------------
def tensor_try(x: torch.Tensor) -> torch.Tensor:
    try:
        y = x[3]
    except IndexError:
        y = x.sum()
    return y


def test_onnx_export_names_the_try() -> None:
    pytest.importorskip("onnx")
    import hybridjit.onnx

    with pytest.raises(ExportError, match="prim::Try"):
        hybridjit.onnx.export(hybridjit.script(tensor_try), io.BytesIO(), (torch.ones(2),))


# -- classes in archives ------------------------------------------------------------------------
@dataclasses.dataclass
class _Pair:
    a: int
    b: int = 2


class _Box:
    def __init__(self, v: int):
        self.v = v

    def __enter__(self):
        return self.v

    def __exit__(self, exc_type, exc, tb) -> bool:
        return exc is not None


def make_pair(n: int) -> _Pair:
    return _Pair(n)


def with_box(n: int) -> int:
    r = 0
    with _Box(n) as v:
        r = v
        if n < 0:
            raise RuntimeError("suppressed")
        r = r + 1
    return r


def test_loaded_dataclass_prints_and_compares_like_the_dataclass() -> None:
    loaded = _round_trip(hybridjit.script(make_pair))
    got = loaded(3)
    assert repr(got) == repr(_Pair(3)) == "_Pair(a=3, b=2)"
    assert got == loaded(3) and got != loaded(4)
    assert type(got).__module__ == "hybridjit.loaded"  # a stand-in: nothing was imported


def test_object_graph_uses_create_object() -> None:
    kinds = {n.kind for n in hybridjit.script(make_pair).graph.all_nodes()}
    assert "prim::CreateObject" in kinds and "prim::CallFunction" not in kinds


def test_context_manager_suppresses_under_every_runner() -> None:
    fn = hybridjit.script(with_box)
    for run in (fn, fn.using("interpreter"), _round_trip(fn)):
        assert run(2) == 3 and run(-2) == -2


# -- in a module ----------------------------------------------------------------------------------
class _Guard:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        return exc is not None


class _Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 3)

    def forward(self, x: torch.Tensor, k: int) -> torch.Tensor:
        pair = _Pair(k)
        try:
            y = self.lin(x)[k]
        except IndexError:
            y = x.sum(0)
        with _Guard():
            if k > 5:
                raise ValueError("suppressed by the guard")
            pair.b += 1
        return y * pair.b


def test_module_with_try_context_manager_and_dataclass_survives_save_load() -> None:
    net = _Net().eval()
    scripted = hybridjit.script(net)
    loaded = _round_trip(scripted)
    x = torch.randn(2, 3)
    with torch.no_grad():
        for k in (1, 3, 7):
            expected = net(x, k)
            for run in (scripted, loaded):
                assert torch.allclose(run(x, k), expected)
