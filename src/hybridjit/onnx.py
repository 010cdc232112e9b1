"""`hybridjit.onnx.export`: write a scripted / traced function or module as an ONNX model.

Control flow stays control flow (`prim::If` -> `If`, `prim::Loop` -> `Loop`, never
unrolled); calls are inlined; parameters and buffers become initializers; input dims are
symbolic (`dynamic_shapes=True`).  A model whose weights pass 2 GB keeps them in
`<file>.data` beside it (ONNX external data).  Programs that can raise get an extra int64 output
`hybridjit_error` (see `hybridjit.backends.onnx.exporter`).  What cannot be expressed raises
`hybridjit.ExportError` naming the construct and the source line.

Needs the optional dependencies: `pip install -e '.[onnx]'`.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from hybridjit.backends.onnx import extra
from hybridjit.errors import ExportError


def export(obj: Any, f: Any, example_inputs: Sequence[Any] | Any = None, *,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           dynamic_shapes: bool = True, opset: int | None = None, method: str = "forward") -> Any:  # fmt: skip
    """Export `obj` to the file (path or binary file object) `f`; returns the `onnx.ModelProto`.

    `obj`: a ScriptFunction, a ScriptModule / traced module (any mix), a plain function or
    nn.Module (scripted, else traced with `example_inputs`), or the path of an archive
    saved with `hybridjit.save`.  `example_inputs` fix the dtypes and ranks of the inputs
    (taken from a trace's recorded types when omitted).
    """
    extra.require(*extra.EXPORT)
    # imported after the check: they need the optional onnx packages
    from hybridjit.backends.onnx.exporter import export_graph, write_model
    from hybridjit.backends.onnx.targets import resolve

    graph, self_obj, examples = resolve(obj, example_inputs, method)
    exported = export_graph(graph, examples, self_obj=self_obj, input_names=input_names,
                            output_names=output_names, dynamic_shapes=dynamic_shapes,
                            opset=opset)  # fmt: skip
    if isinstance(f, (str, os.PathLike)):
        write_model(exported, os.fspath(f))
    elif f is not None:
        if exported.large:
            raise ExportError("a model whose weights pass 2 GB is written to a path (its "
                              "weights go to a file beside it), not to a file object")  # fmt: skip
        f.write(exported.model.SerializeToString())
    return exported.model
