"""A Python number a traced op takes for a Tensor parameter (`x / 5.`, `x + 2`) is what
torch's argument parser makes of it, a *wrapped number*: a 0-dim Double/Long/bool tensor
that type promotion ranks below every tensor operand.  The trace keeps it as torch.jit does
(printed `Double(requires_grad=0, device=cpu)`) and runs it as the number, so a 0-dim
bfloat16 or half input keeps its dtype; a save/load round trip keeps the mark."""

from __future__ import annotations

import io
import json
import warnings
import zipfile

import pytest
import torch
from tests.differential import round_trip
from tests.serialization.archive_edits import edit_json
from tests.serialization.helpers import load_bytes, save_bytes

import hybridjit


def _scaled(x: torch.Tensor) -> torch.Tensor:
    return (x / 5.0 + 2) - 0.5


INPUTS = [
    torch.ones((), dtype=torch.bfloat16),
    torch.ones((), dtype=torch.float16),
    torch.ones((), dtype=torch.float64),
    torch.ones((), dtype=torch.int32),
    torch.ones(3, dtype=torch.int64),
    torch.ones(2, 2, dtype=torch.float16),
]


def _trace(fn, x):  # noqa: ANN001, ANN202
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hybridjit.trace(fn, (x,)), torch.jit.trace(fn, (x,))


@pytest.mark.parametrize("x", INPUTS, ids=lambda x: f"{x.dtype}{list(x.shape)}")
def test_result_dtype_is_eagers_under_every_runner(x: torch.Tensor) -> None:
    traced, oracle = _trace(_scaled, x)
    expected = _scaled(x)
    loaded = round_trip(traced)
    for run in (traced, traced.using("interpreter"), loaded, oracle):
        got = run(x)
        assert got.dtype == expected.dtype
        torch.testing.assert_close(got, expected)


def test_constants_print_with_torch_jits_types() -> None:
    traced, oracle = _trace(_scaled, torch.ones(()))
    ours = [line.split(" = ")[0].split(" : ")[1] for line in str(traced.graph).splitlines()
            if "prim::Constant[value={" in line]  # fmt: skip
    theirs = [line.split(" = ")[0].split(" : ")[1] for line in str(oracle.graph).splitlines()
              if "prim::Constant[value={" in line]  # fmt: skip
    assert ours == theirs == ["Double(requires_grad=0, device=cpu)",
                              "Long(requires_grad=0, device=cpu)",
                              "Double(requires_grad=0, device=cpu)"]  # fmt: skip


def test_a_tensor_constant_is_not_a_wrapped_number() -> None:
    """`torch.tensor(5., dtype=float64)` is a real Double tensor: it promotes a 0-dim float."""

    def f(x: torch.Tensor) -> torch.Tensor:
        return x / torch.tensor(5.0, dtype=torch.float64)

    x = torch.ones(())
    traced, _ = _trace(f, x)
    assert traced(x).dtype == round_trip(traced)(x).dtype == f(x).dtype == torch.float64


def test_archive_lists_the_wrapped_numbers_and_needs_format_3() -> None:
    traced, _ = _trace(_scaled, torch.ones(()))
    data = save_bytes(traced)
    model = json.loads(_entry(data, "model.json"))
    assert model["functions"][0]["wrapped_numbers"] == [0, 1, 2]
    assert json.loads(_entry(data, "manifest.json"))["format_version"] == 3


@pytest.mark.parametrize("bad, match", [
    ([7], "wrapped_numbers: expected a list of indices below 3"),
    ("0", "wrapped_numbers: expected a list of indices"),
    ([True], "wrapped_numbers: expected a list of indices"),
])  # fmt: skip
def test_bad_wrapped_number_lists_are_refused(bad: object, match: str) -> None:
    traced, _ = _trace(_scaled, torch.ones(()))

    def change(model: dict) -> None:
        model["functions"][0]["wrapped_numbers"] = bad

    with pytest.raises(hybridjit.ArchiveError, match=match):
        load_bytes(edit_json(save_bytes(traced), "model.json", change))


def test_a_wrapped_number_must_be_a_0_dim_number_tensor() -> None:
    weights = torch.ones(2, dtype=torch.float64)

    def f(x: torch.Tensor) -> torch.Tensor:
        return x * weights / 5.0  # `weights` is a tensor constant of the trace

    traced, _ = _trace(f, torch.ones(2))

    def change(model: dict) -> None:
        model["functions"][0]["wrapped_numbers"] = [0, 1]  # 0 is `weights`

    with pytest.raises(hybridjit.ArchiveError, match="expected a wrapped number to be a 0-dim"):
        load_bytes(edit_json(save_bytes(traced), "model.json", change))


def _entry(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)
