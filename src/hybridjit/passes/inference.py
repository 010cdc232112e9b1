"""Rewrites that are only valid for inference on a frozen graph (weights are constants).

- `remove_dropout`: `aten::dropout(%x, %p, %false)` and its variants are `%x`.
- `fold_conv_batchnorm`: `batch_norm(conv(x, w, b), ...)` in eval mode, with every weight a
  constant and the convolution read by nothing else, is one convolution with rescaled
  weights::

      %c = aten::conv2d(%x, %w, %b, ...)             %c = aten::conv2d(%x, %w', %b', ...)
      %y = aten::batch_norm(%c, %g, %beta, %mean,  ==>
             %var, %false, %m, %eps, %cudnn)

  with `s = g / sqrt(var + eps)`, `w' = w * s` (per output channel), `b' = (b - mean) * s +
  beta`.
- `fold_constant_tensors`: a pure tensor op whose inputs are all constants runs once.
"""

from __future__ import annotations

from typing import Any

import torch

from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph, Node, Value
from hybridjit.ops.effects import effects_of
from hybridjit.ops.kernels import kernel_for
from hybridjit.ops.prims.values import constant_value
from hybridjit.passes.constant_propagation import is_constant

DROPOUTS = {"aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::feature_dropout_",
            "aten::alpha_dropout", "aten::alpha_dropout_", "aten::feature_alpha_dropout",
            "aten::feature_alpha_dropout_"}  # fmt: skip
CONVOLUTIONS = {"aten::conv1d", "aten::conv2d", "aten::conv3d"}
SHAPE_READS = {"aten::dim", "aten::size", "aten::sym_size", "aten::numel"}


def remove_dropout(graph: Graph) -> bool:
    """Drop dropouts whose `train` flag is the constant False; True if changed."""
    changed = False
    for node in list(graph.all_nodes()):
        if node.kind in DROPOUTS and _constant_is(node.inputs[2], False):
            node.output.replace_all_uses_with(node.inputs[0])
            node.destroy()
            changed = True
    return changed


def fold_conv_batchnorm(graph: Graph) -> bool:
    """Fold eval-mode batch norms into the convolutions they follow; True if changed."""
    changed = False
    for node in list(graph.all_nodes()):
        if node.kind == "aten::batch_norm" and node.owning_block is not None:
            changed |= _fold_into_conv(graph, node)
    return changed


def _fold_into_conv(graph: Graph, bn: Node) -> bool:
    conv = bn.inputs[0].node
    if conv.kind not in CONVOLUTIONS or not _only_shape_reads_besides(bn.inputs[0], bn):
        return False
    x, weight, bias, *_ = conv.inputs
    gamma, beta, mean, var, training, _, eps, _ = bn.inputs[1:]
    needed = (weight, bias, gamma, beta, mean, var, training, eps)
    if not all(map(is_constant, needed)) or not _constant_is(training, False):
        return False
    w, b, g, bt, mu, v = (constant_value(c.node) for c in (weight, bias, gamma, beta, mean, var))
    if not isinstance(w, torch.Tensor) or not isinstance(mu, torch.Tensor) or v is None:
        return False
    new_w, new_b = _folded(w, b, g, bt, mu, v, float(constant_value(eps.node)))
    with graph.inserting_into(conv.owning_block, conv):  # type: ignore[arg-type]
        w_value = _tensor_constant(graph, new_w, weight, "_fused_bn")
        b_value = _tensor_constant(graph, new_b, bias if bias.has_debug_name else weight,
                                   "_fused_bn" if bias.has_debug_name else "_bias_fused_bn")  # fmt: skip
    conv.replace_input(1, w_value)
    conv.replace_input(2, b_value)
    bn.output.replace_all_uses_with(conv.output)
    bn.destroy()
    return True


def _only_shape_reads_besides(value: Value, reader: Node) -> bool:
    """Whether every use of `value` but `reader` reads only its shape (the fold keeps it)."""
    return all(u.user is reader or u.user.kind in SHAPE_READS for u in value.uses)


def _folded(w: torch.Tensor, b: Any, gamma: Any, beta: Any, mean: torch.Tensor,
            var: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    with torch.no_grad():
        scale = torch.rsqrt(var + eps)
        if gamma is not None:
            scale = scale * gamma
        bias = b if b is not None else torch.zeros_like(mean)
        shift = beta if beta is not None else torch.zeros_like(mean)
        new_w = w * scale.reshape(-1, *([1] * (w.dim() - 1))).to(w.dtype)
        new_b = ((bias - mean) * scale + shift).to(w.dtype)
    return new_w.detach(), new_b.detach()


def fold_constant_tensors(graph: Graph) -> bool:
    """Run pure tensor ops whose inputs are all constants once; True if changed."""
    changed = False
    for node in list(graph.all_nodes()):
        if node.owning_block is None or node.schema is None or node.blocks:
            continue
        effects = effects_of(node)
        if effects.aliases or not effects.removable or effects.nondeterministic:
            continue
        if len(node.outputs) != 1 or not isinstance(node.output.type, T.TensorType):
            continue
        if not all(map(is_constant, node.inputs)):
            continue
        try:
            with torch.no_grad():
                result = kernel_for(node.schema)(*[constant_value(v.node) for v in node.inputs])
        except Exception:  # noqa: BLE001 - it raises at run time too; leave it there
            continue
        if not isinstance(result, torch.Tensor):
            continue
        with graph.inserting_into(node.owning_block, node):  # type: ignore[arg-type]
            const = _tensor_constant(graph, result, node.output, "")
        node.output.replace_all_uses_with(const)
        node.destroy()
        changed = True
    return changed


def _tensor_constant(graph: Graph, tensor: torch.Tensor, like: Value, suffix: str) -> Value:
    const = graph.constant(tensor, T.TensorType.of(tensor), like.node.source_range)
    if like.has_debug_name:
        const.set_debug_name(like.debug_name + suffix)
    return const


def _constant_is(value: Value, expected: Any) -> bool:
    return is_constant(value) and constant_value(value.node) is expected
