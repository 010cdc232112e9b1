"""ExportError: what cannot be expressed names the op and the user's source line."""

from __future__ import annotations

import re

import pytest
import torch

import hybridjit
import hybridjit.onnx


def uses_unsupported(x):
    y = torch.nonzero_static(x, size=2)
    return y


def mutates_input(x):
    x.add_(1)
    return x


@pytest.mark.parametrize("fn, op", [(uses_unsupported, "nonzero_static"), (mutates_input, "add_")])
def test_export_error_names_op_and_line(fn, op, tmp_path) -> None:
    with pytest.raises(hybridjit.ExportError) as info:
        hybridjit.onnx.export(hybridjit.script(fn), tmp_path / "m.onnx", (torch.rand(3),))
    msg = str(info.value)
    assert op in msg
    assert "test_onnx_errors.py" in msg
    assert "instead:" in msg
    assert isinstance(info.value, hybridjit.Error)


def test_a_missing_onnx_extra_names_the_install_command() -> None:
    from hybridjit.backends.onnx import extra

    with pytest.raises(hybridjit.ExportError, match=re.escape("pip install -e '.[onnx]'")):
        extra.require("onnx", "no_such_module_for_hybridjit")
    extra.require(*extra.RUNTIME)  # the test extra installs all of them
