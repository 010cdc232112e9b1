"""Compile errors: FrontendError naming expected vs found, file:line, the line and `~~~`."""

from __future__ import annotations

import re
from typing import List, Tuple

import pytest
import torch

import hybridjit


def uses_undefined(x: int) -> int:
    return x + nowhere  # noqa: F821


def branch_mismatch(flag: bool) -> int:
    if flag:
        v = 1
    else:
        v = "one"
    return 0 if v else 1


def wrong_arity(x: torch.Tensor) -> torch.Tensor:
    return torch.relu(x, x, x)


def bad_annotation(x: NoSuchType) -> int:  # noqa: F821
    return 1


def calls_unscriptable(x: int) -> int:
    return len(open("f"))  # noqa: SIM115


def unsupported_statement(xs: List[int]) -> int:
    match len(xs):
        case 0:
            return 0
    return xs[0]


def _expect(fn, *patterns: str) -> str:
    with pytest.raises(hybridjit.FrontendError) as info:
        hybridjit.script(fn)
    msg = str(info.value)
    for p in patterns:
        assert re.search(p, msg), msg
    return msg


def test_undefined_name_points_at_it() -> None:
    msg = _expect(uses_undefined, r"undefined name 'nowhere'", re.escape("return x + nowhere"))
    assert re.search(r'File ".*test_script_errors\.py", line 15', msg)
    assert msg.rstrip().endswith("<--- HERE")
    caret = msg.rstrip().splitlines()[-1]
    assert caret.strip().startswith("~")


def test_branch_type_mismatch_names_both_types() -> None:
    _expect(branch_mismatch, r"'int' in the true branch and 'str' in the false branch",
            re.escape('v = "one"'))  # fmt: skip


def test_wrong_arity_lists_the_candidates() -> None:
    _expect(wrong_arity, r"aten::relu", re.escape("torch.relu(x, x, x)"))


def test_bad_annotation() -> None:
    _expect(bad_annotation, r"expected a TorchScript type annotation", "NoSuchType")


def test_non_scriptable_callee() -> None:
    _expect(calls_unscriptable, re.escape('open("f")'))


def test_unsupported_statement_names_it() -> None:
    _expect(unsupported_statement, r"expected a supported statement, found Match",
            re.escape("match len(xs):"))


def test_errors_are_hybridjit_errors_not_tracebacks() -> None:
    from tests.corpus.script_rejections import REJECTIONS

    for rej in REJECTIONS:
        try:
            hybridjit.script(rej.fn)
        except hybridjit.FrontendError:
            pass
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"{rej.name}: internal error {type(e).__name__}: {e}")


def test_raise_keeps_python_exception_type_at_run_time() -> None:
    def f(x: int) -> int:
        if x < 0:
            raise ValueError("negative")
        assert x != 3, "three"
        return x

    sf = hybridjit.script(f)
    with pytest.raises(ValueError):
        sf(-1)
    with pytest.raises(AssertionError):
        sf(3)
    assert sf(2) == 2


# -- found by source mutations (tests/property/test_source_mutations.py) ----------------------


def with_undefined_manager(x: torch.Tensor) -> torch.Tensor:
    with hj_undefined_name.no_grad():  # noqa: F821
        pass
    return x


def test_context_manager_is_resolved_not_matched_by_name() -> None:
    _expect(with_undefined_manager, r"undefined name 'hj_undefined_name'",
            re.escape("with hj_undefined_name.no_grad():"))  # fmt: skip


def bool_in_tensor_subscript(x: torch.Tensor) -> torch.Tensor:
    return x[False, 1]


def bool_in_tensor_assignment(x: torch.Tensor) -> torch.Tensor:
    x[1, False] = -1.0
    return x


def test_bool_tensor_index_is_refused() -> None:
    # Eager reads a bool index as a 0-d mask (x[False, 1] is empty); select would read it as 0.
    for fn, line in ((bool_in_tensor_subscript, "return x[False, 1]"),
                     (bool_in_tensor_assignment, "x[1, False] = -1.0")):  # fmt: skip
        _expect(fn, r"tensor index, found 'bool'", re.escape(line))


def list_comprehension_against_annotation(n: int) -> List[int]:
    return [i / i for i in range(1, n)]


def test_comprehension_type_is_not_overwritten_by_the_annotation() -> None:
    # The comprehension's float[] was retyped int[] in place (and failed the verifier).
    _expect(list_comprehension_against_annotation, r"type 'int\[\]', found type 'float\[\]'")


def str_identity(s: str, t: str) -> bool:
    return s is not t


def test_identity_of_interned_values_is_refused() -> None:
    # `is` on equal str/int/float depends on interning: codegen and interpreter disagreed.
    _expect(str_identity, r"expected '==' or '!=' to compare str with str", re.escape("s is not t"))


def unary_plus_str(s: str) -> str:
    return +s


def test_unary_plus_needs_a_number() -> None:
    _expect(unary_plus_str, r"after unary '\+', found str")


def tuple_plus_float(t: Tuple[int, int]) -> Tuple[int, int]:
    t += 1.5  # type: ignore[assignment]
    return t


def test_tuple_concatenation_needs_a_tuple() -> None:
    # Was an internal AssertionError in unpack_tuple, reported without a line.
    _expect(tuple_plus_float, r"expected a tuple to concatenate onto a tuple, found 'float'",
            re.escape("t += 1.5"))  # fmt: skip


def nested_statement(xs: List[int]) -> int:
    total = 0
    for x in xs:
        if x > 0:
            total += x
    return total


def test_a_compiler_bug_is_reported_at_the_innermost_statement(monkeypatch) -> None:
    """A bug inside the compiler still names the user's line it was compiling, not the
    function's first line: the innermost `with at(node)` records where it was raised."""
    from hybridjit.frontend.script.compiler import FunctionCompiler

    def broken(self, stmt):
        raise KeyError("simulated compiler bug")

    monkeypatch.setattr(FunctionCompiler, "build_AugAssign", broken)
    msg = _expect(nested_statement, r"the compiler failed \(KeyError", re.escape("total += x"))
    assert re.search(r'test_script_errors\.py", line \d+', msg)


def test_compile_errors_are_runtime_errors_as_in_torch_jit() -> None:
    # Code written against torch.jit catches its compile errors as RuntimeError.
    for compile_ in (hybridjit.script, torch.jit.script):
        with pytest.raises(RuntimeError, match="nowhere"):
            compile_(uses_undefined)
    with pytest.raises(hybridjit.FrontendError):
        hybridjit.script(uses_undefined)
