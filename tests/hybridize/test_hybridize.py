"""`hybridjit.hybridize`: eager models with data-dependent control flow become graph-mode
models equal to eager, with a report naming what was traced and what was scripted."""

from __future__ import annotations

import inspect
import pathlib
import runpy
import sys
import warnings

import pytest
import torch
from tests.hybridize import helpers, models
from tests.hybridize.models import CASES, Case

import hybridjit
from hybridjit.auto_hybrid import HybridizeReport, _difference, perturbations

ROOT = pathlib.Path(__file__).resolve().parents[2]
TUTORIAL_VALUES = [0, 0, -5, 20, 190, -4377, -59051]


def site(module: object, text: str) -> str:
    """`file.py:LINE: text` for the line of `module`'s source that holds `text`."""
    path = pathlib.Path(module.__file__)  # type: ignore[attr-defined]
    lines = path.read_text().splitlines()
    line = next(i for i, s in enumerate(lines, 1) if text in s)
    return f"{path.name}:{line}: {text}"


class Hybridized:
    """Each case's eager model, hybridized model and report, made once, on first use (one
    failing case fails its own tests only)."""

    def __init__(self) -> None:
        self.done: dict[str, tuple[object, object, HybridizeReport]] = {}

    def __getitem__(self, name: str) -> tuple[object, object, HybridizeReport]:
        if name not in self.done:
            case = next(c for c in CASES if c.name == name)
            eager = case.make()
            with warnings.catch_warnings():
                warnings.simplefilter("error", hybridjit.TracerWarning)  # none may leak out
                model, report = hybridjit.hybridize(eager, case.example)
            self.done[name] = (eager, model, report)
        return self.done[name]


@pytest.fixture(scope="module")
def hybridized() -> Hybridized:
    return Hybridized()


def equal(got: object, want: object) -> bool:
    return _difference(got, want, 1e-5) is None


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("executor", ["codegen", "interpreter"])
def test_equal_to_eager_on_inputs_that_change_the_control_flow(hybridized, case: Case,
                                                               executor: str) -> None:  # fmt: skip
    eager, model, report = hybridized[case.name]
    assert report.ok, str(report)
    run = model if executor == "codegen" else model.using(executor)
    for args in case.inputs:
        assert equal(run(*args), eager(*args)), (args, str(report))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_report_names_the_scripted_and_traced_parts(hybridized, case: Case) -> None:
    _, _, report = hybridized[case.name]
    assert sorted(report.scripted) == sorted(case.scripted), str(report)
    assert set(case.traced) <= set(report.traced), str(report)
    text = str(report)
    for name in case.scripted:
        part = report.part(name)
        assert f"scripted  {name}:" in text
        assert part.reason  # why: the warning, a differing graph, or Python arguments


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_save_load_round_trip(hybridized, case: Case, tmp_path: pathlib.Path) -> None:
    eager, model, _ = hybridized[case.name]
    hybridjit.save(model, tmp_path / "m.hjz")
    loaded = hybridjit.load(tmp_path / "m.hjz")
    for args in case.inputs:
        assert equal(loaded(*args), eager(*args)), args


def test_the_control_flow_inputs_do_change_the_control_flow(hybridized) -> None:
    """A trace of each model on its example differs from eager on some of its inputs."""
    for case in CASES:
        eager = case.make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", hybridjit.TracerWarning)
            try:
                traced = hybridjit.trace(eager, case.example, check_trace=False, strict=False)
            except hybridjit.FrontendError:  # a Python int input: trace refuses it
                assert any(not isinstance(a, torch.Tensor) for a in case.example)
                continue
        wrong = 0
        for args in case.inputs:
            try:
                wrong += not equal(traced(*args), eager(*args))
            except Exception:  # noqa: BLE001 - a baked shape failing counts as wrong
                wrong += 1
        assert wrong, case.name


# --- the tutorial ----------------------------------------------------------------------------


def test_tutorial_net_from_plain_eager_equals_the_hand_written_hybrid(hybridized) -> None:
    _, model, report = hybridized["tutorial"]
    hand = runpy.run_path(str(ROOT / "examples" / "seed_tutorial.py"))["n_traced"]
    for executor in ("codegen", "interpreter"):
        run = model if executor == "codegen" else model.using(executor)
        got = [run(torch.tensor([x])) for x in range(1, 8)]
        assert [int(g.item()) for g in got] == TUTORIAL_VALUES
        assert all(torch.equal(g, hand(torch.tensor([x]))) for g, x in zip(got, range(1, 8)))
    # the same shape of program as the tutorial's n_traced: two calls of functions / methods
    kinds = [n.kind for n in model.graph.nodes() if n.kind.startswith("prim::Call")]
    assert kinds == ["prim::CallFunction", "prim::CallMethod", "prim::CallMethod"]
    assert report.part("Net.traced_module").kind == "traced"
    assert "at models.py:" in str(report) and "for i in range(int(x)):" in str(report)
    assert "if int(torch.fmod(x, 2.0)) == 0.0:" in str(report)


def test_the_hand_written_hybrid_stays_traced_and_keeps_its_compiled_parts(capsys) -> None:
    g = runpy.run_path(str(ROOT / "examples" / "seed_tutorial.py"))
    capsys.readouterr()
    model, report = hybridjit.hybridize(g["n"], torch.tensor([5]))
    assert report.scripted == []
    assert report.traced == ["Net"]
    assert sorted(p.name for p in report.parts if p.kind == "compiled") == [
        "Net.script_module",
        "Net.traced_module",
        "fn()",
        "script_fn()",
    ]
    assert [int(model(torch.tensor([x])).item()) for x in range(1, 8)] == TUTORIAL_VALUES


def test_hybridize_leaves_the_eager_model_and_its_functions_alone(hybridized) -> None:
    eager, _, _ = hybridized["tutorial"]
    assert type(eager.script_module) is models.ScriptModule
    assert type(eager.traced_module) is models.TracedModule
    assert models.script_fn.__class__.__name__ == "function"
    assert helpers.normalize.__class__.__name__ == "function"
    assert equal(eager(torch.tensor([5])), torch.tensor([190.0]))


# --- models that need no scripting -----------------------------------------------------------


def test_a_traceable_model_stays_fully_traced() -> None:
    model, report = hybridjit.hybridize(models.MLP(), torch.randn(2, 4))
    assert report.scripted == []
    assert report.traced[0] == "MLP" and "MLP.net" in report.traced
    assert isinstance(model, hybridjit.ScriptModule)
    assert not any(n.kind in ("prim::If", "prim::Loop") for n in model.graph.all_nodes())
    x = torch.randn(5, 4)
    assert equal(model(x), models.MLP()(x))
    assert any(d.startswith("sizes") for d in report.inputs)  # other batch sizes were checked


def test_a_traceable_function_stays_traced() -> None:
    def f(x, y):
        return torch.relu(x) * y + 1

    model, report = hybridjit.hybridize(f, (torch.randn(3), torch.randn(3)))
    assert report.traced == ["test_a_traceable_function_stays_traced.<locals>.f()"]
    assert isinstance(model, hybridjit.ScriptFunction)
    x, y = torch.randn(7), torch.randn(7)
    assert equal(model(x, y), f(x, y))


# --- the report ------------------------------------------------------------------------------


def test_report_text_quotes_the_warning_and_the_source_line(hybridized) -> None:
    _, _, report = hybridized["converge"]
    text = str(report)
    assert text.startswith("hybridize(Converge): equal to eager on ")
    assert "under codegen and interpreter" in text
    squash = report.part("Converge.squash")
    assert squash.kind == "scripted"
    assert 'TracerWarning: "Converting a tensor to a Python boolean"' in squash.reason
    assert squash.sites == [site(models, "while bool((x.abs() > 1.0).any()) and steps < 20:")]
    assert squash.checked == len(report.inputs)
    assert report.part("Converge.proj").kind == "traced"
    assert "the example" in report.inputs


def test_report_says_why_a_graph_that_warns_nothing_was_scripted(hybridized) -> None:
    _, _, report = hybridized["sequence_rnn"]
    assert "graph differs between inputs" in report.part("SequenceRNN").reason
    assert any("dim 1 3 -> 4" in d for d in report.inputs)


def test_report_says_a_submodule_called_with_python_values_is_scripted(hybridized) -> None:
    _, _, report = hybridized["greedy_decoding"]
    reason = report.part("GreedyDecoder.pos").reason
    assert reason.startswith("called with Python values") and "step=0" in reason


def test_report_names_the_function_and_its_caller(hybridized) -> None:
    _, model, report = hybridized["normalized"]
    part = report.part("normalize()")
    assert "(called from Normalized)" in part.reason
    assert part.sites == [site(helpers, "top = x.abs().max().item()")]
    calls = [n for n in model.graph.nodes() if n.kind == "prim::CallFunction"]
    assert len(calls) == 1


def test_a_function_returning_a_number_makes_its_caller_scripted(hybridized) -> None:
    _, _, report = hybridized["helper_returns_int"]
    part = report.part("RepeatPositive")
    assert part.sites == [site(models, "return int((x > 0).sum())")]
    assert "count_positive() returns int, which a trace of its caller would bake in" in part.reason
    assert [p.name for p in report.parts] == ["RepeatPositive"]


def test_break_in_a_loop_over_modules_is_scripted() -> None:
    eager = models.EarlyExitBreak()
    model, report = hybridjit.hybridize(eager, torch.tensor([0.1, 0.2, -0.3, 0.4]))
    assert report.ok and report.part("EarlyExitBreak").kind == "scripted"
    for x in (torch.tensor([0.1, 0.2, -0.3, 0.4]), torch.tensor([3.0, -2.0, 1.0, 0.5]), torch.zeros(4)):
        assert torch.equal(model(x), eager(x))


def test_a_part_that_cannot_be_scripted_is_reported_clearly() -> None:
    eager = models.EarlyExitReturn()
    with pytest.raises(hybridjit.TracingCheckError, match="EarlyExitReturn"):
        hybridjit.hybridize(eager, torch.tensor([0.1, 0.2, -0.3, 0.4]))
    model, report = hybridjit.hybridize(eager, torch.tensor([0.1, 0.2, -0.3, 0.4]),
                                        strict=False)  # fmt: skip
    assert not report.ok
    part = report.part("EarlyExitReturn")
    assert part.kind == "failed"
    assert "scripting it failed: expected no early return" in part.reason
    lines, start = inspect.getsourcelines(models.EarlyExitReturn.forward)
    line = start + next(i for i, s in enumerate(lines) if "for layer in self.layers:" in s)
    assert f"models.py:{line}: for layer in self.layers:" in part.reason
    assert "NOT equal to eager" in str(report)


def test_a_model_in_training_mode_is_told_to_call_eval() -> None:
    eager = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5))
    model, report = hybridjit.hybridize(eager, torch.randn(3, 4), strict=False)
    assert not report.ok and "call .eval() before hybridize" in str(report)
    model, report = hybridjit.hybridize(eager.eval(), torch.randn(3, 4))
    assert report.ok and report.scripted == []


# --- perturbations ---------------------------------------------------------------------------


def test_perturbations_keep_shapes_then_change_one_dimension_at_a_time() -> None:
    example = (torch.ones(2, 3), torch.tensor(4), 7)
    found = perturbations(example, values=2, sizes=3, seed=0)
    same = [args for desc, args in found if desc.startswith("other values")]
    numbers = next(args for desc, args in found if desc == "other Python numbers")
    assert numbers[0] is example[0] and numbers[2] == 8
    assert len(same) == 2
    for args in same:
        assert args[0].shape == (2, 3) and args[1].shape == () and args[2] == 7
        assert args[1].dtype == torch.int64 and not torch.equal(args[0], example[0])
    descs = [d for d, _ in found]
    assert "sizes: tensor 1, dim 0 2 -> 3" in descs and "sizes: every 3 -> 4" in descs
    again = perturbations(example, values=2, sizes=3, seed=0)
    assert all(torch.equal(a[1][0], b[1][0]) for a, b in zip(found, again))


def test_inputs_the_eager_model_rejects_are_dropped() -> None:
    model, report = hybridjit.hybridize(torch.nn.Linear(3, 2), torch.randn(2, 3))
    assert report.ok
    assert all("dim 1" not in d for d in report.inputs)  # Linear(3, 2) needs 3 features
    assert any("dim 0" in d for d in report.inputs)


def test_check_inputs_are_checked_too() -> None:
    model, report = hybridjit.hybridize(models.CountLoop(), (torch.tensor(2), torch.ones(2)),
                                        check_inputs=[(torch.tensor(9), torch.ones(2))],
                                        perturb=0, perturb_sizes=0)  # fmt: skip
    assert report.inputs == ["the example", "check input 1"]
    assert report.scripted == ["CountLoop"]


def test_compiled_input_is_refused() -> None:
    with pytest.raises(hybridjit.FrontendError, match="already compiled"):
        hybridjit.hybridize(hybridjit.script(models.CountLoop()), (torch.tensor(1), torch.ones(1)))


def test_hybridize_is_exported_lazily() -> None:
    assert "hybridize" in dir(hybridjit)
    assert hybridjit.hybridize.__module__ == "hybridjit.auto_hybrid"
    assert "hybridjit.auto_hybrid" in sys.modules
