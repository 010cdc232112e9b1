"""`hybridjit run` arguments: `.npy` and `.safetensors` files written by numpy and safetensors
themselves (the oracles), and literals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from hybridjit.ir.types import TENSOR, IntType
from hybridjit.serialization.inputs import InputError, parse_argument

ARRAYS = {
    "float32": np.arange(6, dtype=np.float32).reshape(2, 3),
    "float64": np.linspace(-1, 1, 5),
    "int64": np.array([[1, -2], [3, 2**40]], dtype=np.int64),
    "int8": np.array([-128, 0, 127], dtype=np.int8),
    "uint8": np.array([0, 255], dtype=np.uint8),
    "bool": np.array([True, False, True]),
    "complex64": np.array([1 + 2j, -3j], dtype=np.complex64),
    "fortran": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
    "scalar": np.array(2.5, dtype=np.float32),
    "empty": np.zeros((0, 3), dtype=np.float32),
}


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_npy_files_written_by_numpy_read_back_exactly(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.npy"
    np.save(path, ARRAYS[name])
    got = parse_argument(str(path), TENSOR)
    expected = torch.from_numpy(np.array(ARRAYS[name], order="C"))
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert torch.equal(got, expected)


def test_big_endian_npy_files_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "be.npy"
    np.save(path, np.arange(3, dtype=">f4"))
    with pytest.raises(InputError, match="little-endian numbers only"):
        parse_argument(str(path))


def test_truncated_npy_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.npy"
    np.save(path, np.arange(100, dtype=np.float32))
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(InputError, match="needs 400"):
        parse_argument(str(path))


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    path = tmp_path / "w.safetensors"
    save_file({"a": torch.arange(4.0), "b": torch.ones(2, 2, dtype=torch.int32)}, str(path))
    return path


def test_a_named_tensor_of_a_safetensors_file(weights: Path) -> None:
    assert torch.equal(parse_argument(f"{weights}:b"), torch.ones(2, 2, dtype=torch.int32))
    assert torch.equal(parse_argument(f"{weights}:a"), torch.arange(4.0))


def test_a_safetensors_file_with_several_tensors_needs_a_name(weights: Path) -> None:
    with pytest.raises(InputError, match="holds 2 tensors; name one as w.safetensors:NAME"):
        parse_argument(str(weights))
    with pytest.raises(InputError, match="has no tensor 'c'"):
        parse_argument(f"{weights}:c")


def test_a_single_tensor_safetensors_file_needs_no_name(tmp_path: Path) -> None:
    path = tmp_path / "one.safetensors"
    save_file({"only": torch.full((2,), 7, dtype=torch.float16)}, str(path))
    assert torch.equal(parse_argument(str(path)), torch.full((2,), 7, dtype=torch.float16))


@pytest.mark.parametrize(
    ("text", "expected", "value"),
    [("5", IntType, 5), ("5", TENSOR, torch.tensor(5)), ("[1.0, 2.0]", TENSOR, torch.tensor([1.0, 2.0])),
     ("'text'", None, "text"), ("None", None, None), ("True", None, True)],
)  # fmt: skip
def test_literals(text: str, expected: object, value: object) -> None:
    got = parse_argument(text, expected)
    if isinstance(value, torch.Tensor):
        assert isinstance(got, torch.Tensor) and torch.equal(got, value)
    else:
        assert got == value and type(got) is type(value)


@pytest.mark.parametrize(
    "text", ["__import__('os')", "x + 1", "missing.npy", "missing.safetensors"]
)
def test_code_and_missing_files_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_argument(text)
