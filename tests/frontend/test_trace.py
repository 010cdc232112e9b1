"""hybridjit.trace: graphs, module structure, dynamic sizes, hazards, check_trace, composition."""

from __future__ import annotations

import re
import warnings
from typing import Any

import expecttest
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import hybridjit
from hybridjit.ir import types as T
from hybridjit.runtime.function import function_from_graph


def _trace(fn: Any, *inputs: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hybridjit.TracerWarning)
        return hybridjit.trace(fn, inputs, **kwargs)


def _kinds(graph: Any) -> list[str]:
    return [n.kind for n in graph.nodes() if n.kind != "prim::Constant"]


def _tracer_warnings(fn: Any, *inputs: Any, **kwargs: Any) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hybridjit.trace(fn, inputs, **kwargs)
    return [w for w in caught if issubclass(w.category, hybridjit.TracerWarning)]


def _both_executors(traced: Any, *inputs: Any) -> list[Any]:
    return [function_from_graph(traced.graph, e)(*inputs) for e in ("codegen", "interpreter")]


class TestGraphs(expecttest.TestCase):
    def test_tutorial_part1_graph(self) -> None:
        def fn(x):
            return torch.abs(2 * x)

        traced = _trace(fn, torch.tensor(0.5))
        self.assertExpectedInline(traced.graph.str(print_source_ranges=False), """\
graph(%x : Float(requires_grad=0, device=cpu)):
  %2 : Long(requires_grad=0, device=cpu) = prim::Constant[value={2}]()
  %3 : Float(requires_grad=0, device=cpu) = aten::mul(%x, %2)
  %4 : Float(requires_grad=0, device=cpu) = aten::abs(%3)
  return (%4)
""")  # fmt: skip

    def test_defaults_become_constant_inputs(self) -> None:
        def fn(x):
            return x.sum(1)

        traced = _trace(fn, torch.ones(2, 3))
        self.assertExpectedInline(traced.graph.str(print_source_ranges=False), """\
graph(%x : Float(2, 3, strides=[3, 1], requires_grad=0, device=cpu)):
  %2 : int = prim::Constant[value=1]()
  %3 : int[] = prim::ListConstruct(%2)
  %4 : bool = prim::Constant[value=0]()
  %5 : NoneType = prim::Constant()
  %6 : Float(2, strides=[1], requires_grad=0, device=cpu) = aten::sum(%x, %3, %4, %5)
  return (%6)
""")  # fmt: skip

    def test_type_cast_is_aten_to_with_device(self) -> None:
        class M(nn.Module):
            def forward(self, x):
                x = x.type(torch.float32)
                return torch.floor(torch.sqrt(x) / 5.0)

        traced = _trace(M(), torch.tensor(4))
        assert _kinds(traced.graph) == ["aten::to", "aten::sqrt", "aten::div", "aten::floor"]
        to = next(n for n in traced.graph.nodes() if n.kind == "aten::to")
        assert len(to.inputs) == 6 and to.inputs[1].type == T.DeviceType
        assert [v.debug_name for v in traced.graph.inputs] == ["self", "x.1"]
        assert to.output.debug_name == "x"

    def test_source_ranges_point_at_user_code(self) -> None:
        def fn(x):
            return x.relu()  # the line the node comes from

        traced = _trace(fn, torch.ones(2))
        relu = next(n for n in traced.graph.nodes() if n.kind == "aten::relu")
        assert relu.source_range.filename == __file__
        assert "the line the node comes from" in relu.source_range.source_line()


class TestModules:
    def test_structure_getattr_callmethod(self) -> None:
        class Inner(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(2, 2)

            def forward(self, x):
                return self.lin(x) * 2

        class Outer(nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = Inner()
                self.w = nn.Parameter(torch.ones(2))

            def forward(self, x):
                return self.inner(x) + self.w

        m = Outer()
        traced = _trace(m, torch.randn(3, 2))
        assert isinstance(traced, hybridjit.ScriptModule)
        kinds = _kinds(traced.graph)
        assert kinds == ["prim::GetAttr", "prim::GetAttr", "prim::CallMethod", "aten::add"]
        self_type = str(traced.graph.inputs[0].type)
        assert self_type.startswith("__torch__.") and self_type.endswith("callmethod.Outer")
        assert _kinds(traced.inner.graph) == ["prim::GetAttr", "prim::CallMethod", "aten::mul"]
        assert _kinds(traced.inner.lin.graph) == ["prim::GetAttr", "prim::GetAttr", "aten::linear"]
        assert traced.inner.lin.weight is m.inner.lin.weight  # shared, not copied
        x = torch.randn(5, 2)
        torch.testing.assert_close(traced(x), m(x))
        run = function_from_graph(traced.graph, "interpreter")
        torch.testing.assert_close(run(traced, x), m(x))

    def test_sequential_and_reused_submodule(self) -> None:
        lin = nn.Linear(3, 3)
        seq = nn.Sequential(lin, nn.ReLU(), lin)
        traced = _trace(seq, torch.randn(2, 3))
        getattrs = [n["name"] for n in traced.graph.nodes() if n.kind == "prim::GetAttr"]
        assert sorted(getattrs) == ["0", "1"]  # the same Linear is reached as "0" twice
        x = torch.randn(4, 3)
        torch.testing.assert_close(traced(x), seq(x))

    def test_trace_module_several_methods(self) -> None:
        class M(nn.Module):
            def forward(self, x):
                return x + 1

            def twice(self, x):
                return x * 2

        traced = hybridjit.trace_module(M(), {"forward": torch.ones(2), "twice": torch.ones(2)})
        assert torch.equal(traced.twice(torch.ones(3)), torch.full((3,), 2.0))
        assert torch.equal(traced(torch.ones(3)), torch.full((3,), 2.0))

    def test_bound_method_and_kwarg_inputs(self) -> None:
        class M(nn.Module):
            def forward(self, x, y):
                return x - y

        traced = hybridjit.trace(
            M(), example_kwarg_inputs={"y": torch.ones(2), "x": torch.zeros(2)}
        )
        assert [v.debug_name for v in traced.graph.inputs] == ["self", "x", "y"]
        assert torch.equal(traced(torch.ones(2), torch.ones(2)), torch.zeros(2))


class TestSemantics:
    def test_sizes_stay_dynamic(self) -> None:
        def fn(x):
            return x.view(x.size(0) * x.shape[1], -1).sum(dim=0) / x.numel()

        traced = _trace(fn, torch.randn(2, 3, 4))
        assert "aten::size" in _kinds(traced.graph) and "aten::Int" in _kinds(traced.graph)
        x = torch.randn(5, 2, 3)
        for got in [traced(x), *_both_executors(traced, x)]:
            torch.testing.assert_close(got, fn(x))

    def test_inplace_and_views(self) -> None:
        def fn(x):
            y = x.clone()
            v = y.view(-1)
            v[0] = 7.0
            y[1:, :1] += 1
            y.mul_(2)
            return y, v

        traced = _trace(fn, torch.zeros(3, 2))
        x = torch.randn(4, 3)
        for got in [traced(x.clone()), *_both_executors(traced, x.clone())]:
            torch.testing.assert_close(got, fn(x.clone()))

    def test_structured_inputs_and_outputs(self) -> None:
        def fn(pair, xs, d):
            a, b = pair
            return {"s": a + xs[1]}, [b * d["k"]]

        inputs = ((torch.ones(2), torch.ones(2)), [torch.ones(2), torch.ones(2)],
                  {"k": torch.full((2,), 3.0)})  # fmt: skip
        traced = _trace(fn, *inputs, strict=False)
        out = traced(*inputs)
        assert torch.equal(out[0]["s"], torch.full((2,), 2.0))
        assert torch.equal(out[1][0], torch.full((2,), 3.0))

    def test_list_output_warns_and_dict_output_needs_strict_false(self) -> None:
        # As torch.jit.trace: a list output is a TracerWarning, a dict output an error.
        with pytest.warns(hybridjit.TracerWarning, match="strict=False"):
            traced = hybridjit.trace(lambda x: [x, x + 1], (torch.ones(1),))
        assert traced(torch.zeros(1)) == [torch.zeros(1), torch.ones(1)]
        with pytest.raises(hybridjit.FrontendError, match="strict=False"):
            _trace(lambda x: {"x": x}, torch.ones(1))

    def test_non_tensor_input_is_rejected(self) -> None:
        with pytest.raises(hybridjit.FrontendError, match="cannot trace an input of type int"):
            _trace(lambda x, n: x * n, torch.ones(1), 3)

    def test_no_grad_region(self) -> None:
        def fn(x):
            with torch.no_grad():
                y = x * 2
            return y + x

        x = torch.ones(2, requires_grad=True)
        traced = _trace(fn, x)
        y = next(n for n in traced.graph.nodes() if n.kind == "aten::mul").output
        assert y.type.requires_grad is False
        torch.testing.assert_close(traced(torch.full((2,), 2.0)), torch.full((2,), 6.0))

    def test_functional_python_body_is_traced_through(self) -> None:
        def fn(x):
            return F.normalize(x, dim=-1)

        traced = _trace(fn, torch.randn(2, 3))
        assert "aten::norm" in _kinds(traced.graph) or "aten::linalg_vector_norm" in _kinds(
            traced.graph)  # fmt: skip
        x = torch.randn(4, 5)
        torch.testing.assert_close(traced(x), fn(x))


class TestHazards:
    @pytest.mark.parametrize(
        ("body", "what"),
        [
            (lambda x: x * int(x.max()), "a Python integer"),
            (lambda x: x * float(x.sum()), "a Python float"),
            (lambda x: x + x.sum().item(), "a Python number"),
            (lambda x: x - x.tolist()[0], "a Python list"),
            (lambda x: x * 2 if x.sum() > 0 else x, "a Python boolean"),
        ],
    )
    def test_conversions_warn_at_the_users_line(self, body: Any, what: str) -> None:
        caught = _tracer_warnings(body, torch.tensor([1.0, 2.0]), check_trace=False)
        assert [str(w.message).split(" might")[0] for w in caught] == [
            f"Converting a tensor to {what}"
        ]
        assert caught[0].filename == __file__

    def test_len_and_iteration_warn(self) -> None:
        def fn(x):
            acc = x[0]
            for row in x:
                acc = acc + row
            return acc * len(x)

        messages = [str(w.message) for w in _tracer_warnings(fn, torch.ones(3, 2))]
        assert any(m.startswith("Iterating over a tensor") for m in messages)
        assert any(m.startswith("Using len to get tensor shape") for m in messages)

    def test_sizes_and_dims_do_not_warn(self) -> None:
        def fn(x):
            out = x[0]
            for i in range(1, x.size(0)):
                out = out * x[i]
            return out if x.dim() == 2 else -out

        assert _tracer_warnings(fn, torch.randn(3, 2)) == []

    def test_tensor_constant_warns(self) -> None:
        caught = _tracer_warnings(lambda x: x + torch.tensor([1.0, 2.0]), torch.ones(2))
        assert str(caught[0].message).startswith("torch.tensor results are registered")


class TestCheckTrace:
    def test_divergent_trace_shows_a_graph_diff(self) -> None:
        def fn(x):
            return x * int(x.max())

        with pytest.raises(hybridjit.TracingCheckError) as info:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", hybridjit.TracerWarning)
                hybridjit.trace(fn, torch.tensor([1.0, 3.0]), check_inputs=[torch.tensor([5.0])])
        message = str(info.value)
        assert "Graphs differed across invocations!" in message
        assert re.search(r"-\s+%\S+ : Tensor = prim::Constant\[value=\{3\}\]\(\)", message)
        assert re.search(r"\+\s+%\S+ : Tensor = prim::Constant\[value=\{5\}\]\(\)", message)
        assert f"traced at: {__file__}" in message

    def test_consistent_check_inputs_pass(self) -> None:
        traced = hybridjit.trace(lambda x: x.relu() + 1, torch.randn(3),
                                 check_inputs=[torch.randn(5), (torch.randn(2, 2),)])  # fmt: skip
        assert torch.equal(traced(torch.zeros(1)), torch.ones(1))

    def test_nondeterminism_is_reported_not_mistaken_for_divergence(self) -> None:
        model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))  # training mode
        caught = _tracer_warnings(model, torch.randn(2, 4))
        assert any("nondeterministic nodes" in str(w.message) for w in caught)

    def test_eval_dropout_is_deterministic(self) -> None:
        model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)).eval()
        assert _tracer_warnings(model, torch.randn(2, 4)) == []


class TestComposition:
    def test_scripted_and_traced_functions_become_call_function(self) -> None:
        def fn(x):
            return x * 2

        traced_fn = _trace(fn, torch.ones(1))

        def top(x):
            return traced_fn(x) + 1

        traced = _trace(top, torch.ones(1))
        const, call = traced.graph.nodes()[:2]
        assert const.kind == "prim::Constant" and const["name"] == "fn"
        assert isinstance(const.output.type, T.FunctionType)
        assert const.output.type.callee is traced_fn
        assert call.kind == "prim::CallFunction" and str(call.output.type) == "Tensor"
        assert torch.equal(traced(torch.full((2,), 3.0)), torch.full((2,), 7.0))

    def test_script_module_submodule_keeps_control_flow(self) -> None:
        class Branchy(hybridjit.ScriptModule):
            @hybridjit.script_method
            def forward(self, x):
                if bool(x.sum() > 0):
                    return x * 10
                return -x

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.b = Branchy()

            def forward(self, x):
                return self.b(x) + 1

        traced = _trace(Net(), torch.ones(2))
        assert "prim::CallMethod" in _kinds(traced.graph)
        assert traced.b is not None and "prim::If" in [n.kind for n in traced.b.graph.nodes()]
        assert torch.equal(traced(-torch.ones(2)), torch.full((2,), 2.0))
        assert torch.equal(traced(torch.ones(2)), torch.full((2,), 11.0))

    def test_is_tracing(self) -> None:
        seen = []

        def fn(x):
            seen.append(hybridjit.is_tracing())
            return x

        _trace(fn, torch.ones(1), check_trace=False)
        assert seen == [True] and not hybridjit.is_tracing()

    def test_tracing_compiled_object_is_a_no_op(self) -> None:
        traced = _trace(lambda x: x + 1, torch.ones(1))
        with pytest.warns(UserWarning, match="already compiled"):
            assert hybridjit.trace(traced, torch.ones(1)) is traced


def _scale_then_add(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return a * 2 + b


class _Pair(torch.nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a - b


def test_one_tensor_passed_for_two_inputs_is_two_graph_inputs() -> None:
    x = torch.ones(2)
    traced = hybridjit.trace(_scale_then_add, (x, x), check_trace=False)
    ones, zeros = torch.ones(2), torch.zeros(2)
    assert torch.equal(traced(ones, zeros), _scale_then_add(ones, zeros))
    assert torch.equal(traced.using("interpreter")(ones, zeros), torch.full((2,), 2.0))
    module = hybridjit.trace(_Pair(), (x, x), check_trace=False)
    assert torch.equal(module(ones, zeros), ones)


class _Images:
    def __init__(self, tensors: torch.Tensor) -> None:
        self.tensors = tensors


class _MakesImages(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> _Images:
        return _Images(x * 2)


class _UsesImages(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pre = _MakesImages()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pre(x).tensors + 1


def test_a_submodule_returning_a_user_object_is_refused_by_name() -> None:
    # Was an internal TypeError ("no IR type for a value of Python type ...").
    with pytest.raises(hybridjit.FrontendError,
                       match=r"_MakesImages\.forward to return tensors.*found _Images"):  # fmt: skip
        hybridjit.trace(_UsesImages(), (torch.ones(3),))
    # nothing of the failed trace is left behind
    assert hybridjit.trace(lambda x: x + 1, (torch.ones(1),))(torch.ones(1)).item() == 2.0
