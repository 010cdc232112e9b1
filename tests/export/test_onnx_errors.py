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


def mutates_input_in_a_loop(x):
    for _ in range(int(x.sum())):
        x.add_(1)  # (outside a loop an input's writes come back: test_onnx_view_writes.py)
    return x


def mutates_what_a_view_sees(a):
    x = a + 0
    first = x[0]
    x.relu_()  # `first` sees this: rebinding `x` in ONNX would not show it to `first`
    return first


def mutates_what_a_list_holds(a):
    x = a + 0
    kept = [x]
    x.clamp_(min=0.0)
    return kept[0]


@pytest.mark.parametrize("fn, op", [(uses_unsupported, "nonzero_static"), (mutates_input_in_a_loop, "add_"),
                                    (mutates_what_a_view_sees, "relu_"),
                                    (mutates_what_a_list_holds, "clamp_")])  # fmt: skip
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
