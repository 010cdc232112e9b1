"""Corpus of programs for tracing (the `torch.jit.trace` counterpart of the script corpora).

Each `TraceCase` describes one program to trace:

* ``make()`` returns a fresh plain function or ``nn.Module`` instance (modules are seeded with
  ``torch.manual_seed(0)`` before they are built, so two calls give identical parameters).
* ``example`` is the tuple of example inputs the program is traced with.
* ``others`` are further input tuples the trace is run on afterwards (other values, and other
  shapes wherever the program allows them).
* ``warns`` is True iff ``torch.jit.trace`` emits a ``torch.jit.TracerWarning`` while tracing
  ``example`` (observed with torch 2.13, ``check_trace`` as given by the case).
* ``generalizes`` is False when the trace legitimately bakes in example-specific behaviour
  (Python numbers/bools taken from tensors, unrolled loops, Python-level branches on ``dim()``...).
  For those, ``others`` must be compared against the torch.jit trace, not against eager.
* ``check_trace`` is False for programs with nondeterministic nodes.

All example/other tensors are built deterministically (private generators with fixed seeds).
Outputs are tensors or (nested) tuples of tensors: list/dict *outputs* need
``torch.jit.trace(..., strict=False)`` and are therefore not used here; list/dict *inputs* are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class TraceCase:
    name: str
    make: Callable[[], Any]
    example: tuple
    others: list[tuple] = field(default_factory=list)
    warns: bool = False
    atol: float = 1e-6
    generalizes: bool = True
    check_trace: bool = True


# ---------------------------------------------------------------------------------------------
# deterministic input helpers


def _randn(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g).to(dtype)


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g)


def _randint(low: int, high: int, *shape: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(low, high, shape, generator=g)


def _fn(f: Callable[..., Any]) -> Callable[[], Callable[..., Any]]:
    """`make` for a plain function: returns the function itself."""
    return lambda: f


def _mod(build: Callable[[], nn.Module], eval_mode: bool = True) -> Callable[[], nn.Module]:
    """`make` for a module: seeds, builds, and (by default) switches to eval()."""

    def make() -> nn.Module:
        torch.manual_seed(0)
        m = build()
        if eval_mode:
            m.eval()
        return m

    return make


TRACE_CASES: list[TraceCase] = []


def _add(*cases: TraceCase) -> None:
    TRACE_CASES.extend(cases)


# ---------------------------------------------------------------------------------------------
# tutorial pieces


def tutorial_abs(x):
    return torch.abs(2 * x)


class TutorialFloorSqrt(nn.Module):
    def forward(self, x):
        x = x.type(torch.float32)
        return torch.floor(torch.sqrt(x) / 5.0)


_add(
    TraceCase(
        "tutorial_abs",
        _fn(tutorial_abs),
        (_rand(seed=1),),
        [(_rand(seed=2),), (torch.tensor(-3.5),), (_randn(4, seed=3),), (_randn(2, 3, seed=4),)],
        warns=False,
    ),
    TraceCase(
        "tutorial_floor_sqrt_module",
        _mod(TutorialFloorSqrt),
        (torch.tensor(42.0),),
        [
            (torch.tensor(2.0),),
            (torch.tensor(1000.0),),
            (torch.tensor(81),),
            (_rand(3, seed=5) * 400,),
        ],
        warns=False,
    ),
)

# ---------------------------------------------------------------------------------------------
# elementwise math and broadcasting


def ew_add_mul(x, y):
    return x * 2 + y - 0.5


def ew_broadcast_outer(x, y):
    return x + y * x


def ew_broadcast_scalar_tensor(x, s):
    return x / (s.abs() + 1) + s


def ew_math_chain(x):
    return torch.sin(x) + torch.exp(-x.abs()) + torch.log(x.abs() + 1) + torch.sqrt(x * x + 1)


def ew_activations(x):
    return torch.tanh(x) * torch.sigmoid(x) + torch.relu(x - 0.1)


def ew_pow_div_rsub(x, y):
    return 1 - x**2 / (y.abs() + 2) + 3 ** x.clamp(max=1.0)


def ew_clamp_where_max(x, y):
    return torch.where(x > y, x.clamp(min=-0.5), torch.maximum(x, y) * 2)


def ew_int_arith(a, b):
    return (a * 3 + b) // 2 % 5


def ew_compare_logical(x, y):
    m = (x > 0) & (y < 0.5)
    return m, m.logical_not() | (x == y)


_add(
    TraceCase(
        "ew_add_mul",
        _fn(ew_add_mul),
        (_randn(2, 3, seed=1), _randn(2, 3, seed=2)),
        [(_randn(4, 5, seed=3), _randn(4, 5, seed=4)), (_randn(3, seed=5), _randn(3, seed=6))],
    ),
    TraceCase(
        "ew_broadcast_outer",
        _fn(ew_broadcast_outer),
        (_randn(3, 1, seed=1), _randn(1, 4, seed=2)),
        [
            (_randn(5, 1, seed=3), _randn(1, 2, seed=4)),
            (_randn(2, 3, 1, seed=5), _randn(3, 6, seed=6)),
        ],
    ),
    TraceCase(
        "ew_broadcast_scalar_tensor",
        _fn(ew_broadcast_scalar_tensor),
        (_randn(2, 3, seed=1), torch.tensor(0.7)),
        [(_randn(5, seed=2), torch.tensor(-2.0)), (_randn(1, 2, 2, seed=3), torch.tensor(3.0))],
    ),
    TraceCase(
        "ew_math_chain",
        _fn(ew_math_chain),
        (_randn(3, 4, seed=1),),
        [(_randn(6, seed=2),), (_randn(2, 2, 2, seed=3),)],
    ),
    TraceCase(
        "ew_activations",
        _fn(ew_activations),
        (_randn(3, 4, seed=1),),
        [(_randn(7, seed=2),), (_randn(2, 1, 3, seed=3),)],
    ),
    TraceCase(
        "ew_pow_div_rsub",
        _fn(ew_pow_div_rsub),
        (_randn(3, 4, seed=1), _randn(3, 4, seed=2)),
        [(_randn(5, seed=3), _randn(5, seed=4)), (_randn(2, 3, seed=5), _randn(3, seed=6))],
    ),
    TraceCase(
        "ew_clamp_where_max",
        _fn(ew_clamp_where_max),
        (_randn(3, 4, seed=1), _randn(3, 4, seed=2)),
        [(_randn(2, 6, seed=3), _randn(2, 6, seed=4)), (_randn(4, seed=5), _randn(4, seed=6))],
    ),
    TraceCase(
        "ew_int_arith",
        _fn(ew_int_arith),
        (_randint(0, 20, 6, seed=1), _randint(0, 20, 6, seed=2)),
        [(_randint(0, 100, 3, 4, seed=3), _randint(0, 100, 3, 4, seed=4))],
    ),
    TraceCase(
        "ew_compare_logical",
        _fn(ew_compare_logical),
        (_randn(3, 4, seed=1), _randn(3, 4, seed=2)),
        [(_randn(8, seed=3), _randn(8, seed=4))],
    ),
)

# ---------------------------------------------------------------------------------------------
# matmul and reductions


def mm_2d(a, b):
    return a @ b


def mm_batched_broadcast(a, b):
    return torch.matmul(a, b) + 1


def mm_einsum(a, b):
    return torch.einsum("bij,bjk->bik", a, b)


def red_sum_keepdim(x):
    return x.sum(dim=1, keepdim=True) - x


def red_mean_multi_dim(x):
    return x.mean(dim=(0, 2)), torch.mean(x, dim=-1, keepdim=True)


def red_max_dim_tuple(x):
    values, indices = x.max(dim=1)
    return values, indices


def red_argmax_std_var(x):
    return x.argmax(dim=-1), torch.std(x, dim=0, unbiased=False), x.var(dim=1, keepdim=True)


def red_cumsum_logsumexp_prod(x):
    return torch.cumsum(x, dim=0), torch.logsumexp(x, dim=1), x.prod(dim=-1), x.amin(dim=0)


def red_full_and_norm(x):
    return x.sum() + x.norm(dim=-1).mean() + x.abs().max()


def red_topk_sort(x):
    v, i = torch.topk(x, 2, dim=-1)
    s, _ = torch.sort(x, dim=0, descending=True)
    return v, i, s


_add(
    TraceCase(
        "mm_2d",
        _fn(mm_2d),
        (_randn(3, 4, seed=1), _randn(4, 5, seed=2)),
        [(_randn(1, 2, seed=3), _randn(2, 7, seed=4))],
        atol=1e-5,
    ),
    TraceCase(
        "mm_batched_broadcast",
        _fn(mm_batched_broadcast),
        (_randn(2, 3, 4, seed=1), _randn(4, 5, seed=2)),
        [
            (_randn(5, 2, 3, seed=3), _randn(5, 3, 2, seed=4)),
            (_randn(4, seed=5), _randn(4, seed=6)),
        ],
        atol=1e-5,
    ),
    TraceCase(
        "mm_einsum",
        _fn(mm_einsum),
        (_randn(2, 3, 4, seed=1), _randn(2, 4, 5, seed=2)),
        [(_randn(3, 2, 2, seed=3), _randn(3, 2, 6, seed=4))],
        atol=1e-5,
    ),
    TraceCase(
        "red_sum_keepdim",
        _fn(red_sum_keepdim),
        (_randn(3, 4, seed=1),),
        [(_randn(5, 2, seed=2),), (_randn(2, 3, 4, seed=3),)],
        atol=1e-5,
    ),
    TraceCase(
        "red_mean_multi_dim",
        _fn(red_mean_multi_dim),
        (_randn(2, 3, 4, seed=1),),
        [(_randn(4, 2, 5, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "red_max_dim_tuple",
        _fn(red_max_dim_tuple),
        (_randn(3, 5, seed=1),),
        [(_randn(6, 2, seed=2),), (_randn(2, 4, 3, seed=3),)],
    ),
    TraceCase(
        "red_argmax_std_var",
        _fn(red_argmax_std_var),
        (_randn(4, 5, seed=1),),
        [(_randn(6, 3, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "red_cumsum_logsumexp_prod",
        _fn(red_cumsum_logsumexp_prod),
        (_randn(3, 4, seed=1),),
        [(_randn(5, 2, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "red_full_and_norm",
        _fn(red_full_and_norm),
        (_randn(3, 4, seed=1),),
        [(_randn(7, seed=2),), (_randn(2, 2, 5, seed=3),)],
        atol=1e-5,
    ),
    TraceCase(
        "red_topk_sort",
        _fn(red_topk_sort),
        (_randn(4, 5, seed=1),),
        [(_randn(3, 2, seed=2),), (_randn(6, 8, seed=3),)],
    ),
)

# ---------------------------------------------------------------------------------------------
# cat / stack / chunk, views and reshapes


def cat_dim1(x, y):
    return torch.cat([x, y * 2], dim=1)


def stack_dim0(x, y):
    return torch.stack((x, y, x - y), dim=0)


def chunk_outputs(x):
    a, b = x.chunk(2, dim=1)
    return a * b, torch.cat([b, a], dim=1)


def view_reshape_permute(x):
    y = x.permute(2, 0, 1).contiguous()
    return y.view(-1), x.transpose(0, 1).reshape(x.size(1), -1)


def reshape_size0(x):
    return x.reshape(x.size(0), -1).sum(dim=1)


def view_shape1(x):
    b, c = x.shape[0], x.shape[1]
    return x.view(b * c, -1).t()


def flatten_unsqueeze_expand(x):
    y = x.unsqueeze(1).expand(-1, 3, -1)
    return y.flatten(0, 1), x.squeeze(0).repeat(2, 1)


def view_alias_write(x):
    y = x.clone()
    v = y.view(-1)
    v[0] = 5.0
    return y, v


_add(
    TraceCase(
        "cat_dim1",
        _fn(cat_dim1),
        (_randn(2, 3, seed=1), _randn(2, 4, seed=2)),
        [(_randn(5, 1, seed=3), _randn(5, 6, seed=4))],
    ),
    TraceCase(
        "stack_dim0",
        _fn(stack_dim0),
        (_randn(2, 3, seed=1), _randn(2, 3, seed=2)),
        [
            (_randn(4, seed=3), _randn(4, seed=4)),
            (_randn(1, 2, 2, seed=5), _randn(1, 2, 2, seed=6)),
        ],
    ),
    TraceCase(
        "chunk_outputs",
        _fn(chunk_outputs),
        (_randn(3, 4, seed=1),),
        [(_randn(5, 6, seed=2),), (_randn(2, 2, seed=3),)],
    ),
    TraceCase(
        "view_reshape_permute",
        _fn(view_reshape_permute),
        (_randn(2, 3, 4, seed=1),),
        [(_randn(3, 5, 2, seed=2),)],
    ),
    TraceCase(
        "reshape_size0",
        _fn(reshape_size0),
        (_randn(2, 3, 4, seed=1),),
        [(_randn(5, 2, 2, seed=2),), (_randn(3, 7, seed=3),)],
        atol=1e-5,
    ),
    TraceCase(
        "view_shape1",
        _fn(view_shape1),
        (_randn(2, 3, 4, seed=1),),
        [(_randn(4, 2, 3, seed=2),), (_randn(1, 5, 2, seed=3),)],
    ),
    TraceCase(
        "flatten_unsqueeze_expand",
        _fn(flatten_unsqueeze_expand),
        (_randn(2, 4, seed=1),),
        [(_randn(5, 3, seed=2),)],
    ),
    TraceCase(
        "view_alias_write",
        _fn(view_alias_write),
        (_randn(2, 3, seed=1),),
        [(_randn(4, 4, seed=2),), (_randn(2, 2, 2, seed=3),)],
    ),
)

# ---------------------------------------------------------------------------------------------
# indexing and slicing, in-place ops


def idx_slice_cols(x):
    return x[:, 1:3]


def idx_none(x):
    return x[None] * 2


def idx_ellipsis_last(x):
    return x[..., 0] + x[..., -1]


def idx_int_neg_step(x):
    return x[1], x[:, -1], x[::2]


def idx_none_middle(x):
    return x[:, None, :] - x[None, :, :]


def idx_bool_mask(x):
    return x[x > 0]


def idx_tensor_index(x, i):
    return x[i], x.index_select(1, i.clamp(max=1)), torch.gather(x, 0, i.unsqueeze(1).expand(-1, 2))


def inplace_add_on_clone(x):
    y = x.clone()
    y.add_(1)
    y.mul_(x)
    return y


def inplace_setitem(x):
    y = x.clone()
    y[0] = 3
    return y


def inplace_slice_ops(x):
    y = x.clone()
    y[:, 0].mul_(2)
    y[1:, 1:] = 0.5
    y.masked_fill_(y < -1, -1.0)
    return y


def inplace_relu_on_intermediate(x):
    y = x * 3
    torch.relu_(y)
    y.clamp_(max=2.0)
    return y


_add(
    TraceCase(
        "idx_slice_cols",
        _fn(idx_slice_cols),
        (_randn(3, 5, seed=1),),
        [(_randn(6, 4, seed=2),), (_randn(2, 3, 2, seed=3),)],
    ),
    TraceCase(
        "idx_none",
        _fn(idx_none),
        (_randn(3, 4, seed=1),),
        [(_randn(2, seed=2),), (_randn(1, 2, 3, seed=3),)],
    ),
    TraceCase(
        "idx_ellipsis_last",
        _fn(idx_ellipsis_last),
        (_randn(2, 3, 4, seed=1),),
        # `...` is resolved against the example's rank: keep the rank fixed
        [(_randn(5, 2, 3, seed=2),), (_randn(1, 4, 6, seed=3),)],
    ),
    TraceCase(
        "idx_int_neg_step",
        _fn(idx_int_neg_step),
        (_randn(4, 5, seed=1),),
        [(_randn(3, 2, seed=2),), (_randn(7, 3, seed=3),)],
    ),
    TraceCase(
        "idx_none_middle",
        _fn(idx_none_middle),
        (_randn(3, 2, seed=1),),
        [(_randn(5, 4, seed=2),)],
    ),
    TraceCase(
        "idx_bool_mask",
        _fn(idx_bool_mask),
        (_randn(3, 4, seed=1),),
        [(_randn(5, 5, seed=2),), (_randn(6, seed=3),)],
    ),
    TraceCase(
        "idx_tensor_index",
        _fn(idx_tensor_index),
        (_randn(4, 2, seed=1), torch.tensor([3, 0, 1])),
        [
            (_randn(5, 2, seed=2), torch.tensor([4, 4])),
            (_randn(3, 2, seed=3), torch.tensor([0, 1, 2, 1, 0])),
        ],
    ),
    TraceCase(
        "inplace_add_on_clone",
        _fn(inplace_add_on_clone),
        (_randn(2, 3, seed=1),),
        [(_randn(4, seed=2),), (_randn(3, 2, 2, seed=3),)],
    ),
    TraceCase(
        "inplace_setitem",
        _fn(inplace_setitem),
        (_randn(3, 4, seed=1),),
        [(_randn(2, 2, seed=2),), (_randn(5, seed=3),)],
    ),
    TraceCase(
        "inplace_slice_ops",
        _fn(inplace_slice_ops),
        (_randn(3, 4, seed=1),),
        [(_randn(5, 2, seed=2),)],
    ),
    TraceCase(
        "inplace_relu_on_intermediate",
        _fn(inplace_relu_on_intermediate),
        (_randn(3, 4, seed=1),),
        [(_randn(6, seed=2),)],
    ),
)

# ---------------------------------------------------------------------------------------------
# dtype conversions


def dtype_float_of_int(x):
    return x.float() / 2


def dtype_to_float64(x):
    return x.to(torch.float64) * 1.5


def dtype_type_float32(x):
    return x.type(torch.float32) + 1


def dtype_long_and_bool(x):
    return (x * 3).long(), x.bool(), x.double().sum()


def dtype_to_like(x, y):
    return x.to(y.dtype) + y, y.to(dtype=torch.float32, copy=True)


_add(
    TraceCase(
        "dtype_float_of_int",
        _fn(dtype_float_of_int),
        (_randint(-5, 5, 3, 4, seed=1),),
        [(_randint(-50, 50, 7, seed=2),)],
    ),
    TraceCase(
        "dtype_to_float64",
        _fn(dtype_to_float64),
        (_randn(2, 3, seed=1),),
        [(_randn(4, seed=2),), (_randint(0, 9, 2, 2, seed=3),)],
    ),
    TraceCase(
        "dtype_type_float32",
        _fn(dtype_type_float32),
        (_randn(2, 3, seed=1, dtype=torch.float64),),
        [(_randn(5, seed=2, dtype=torch.float64),), (_randint(0, 9, 3, seed=3),)],
    ),
    TraceCase(
        "dtype_long_and_bool",
        _fn(dtype_long_and_bool),
        (_randn(3, 4, seed=1),),
        [(_randn(5, seed=2),)],
    ),
    TraceCase(
        "dtype_to_like",
        _fn(dtype_to_like),
        (_randint(0, 10, 2, 3, seed=1), _randn(2, 3, seed=2, dtype=torch.float64)),
        [(_randint(0, 10, 4, seed=3), _randn(4, seed=4, dtype=torch.float64))],
    ),
)

# ---------------------------------------------------------------------------------------------
# structured inputs and outputs


def io_tuple_input(t):
    a, b = t
    return a + b * 2


def io_list_input(xs):
    return xs[0] * xs[1] - xs[2]


def io_dict_input(d):
    return d["a"] - d["b"].sum()


def io_multiple_outputs(x):
    return x + 1, x * 2, x.sum()


def io_nested_tuple_output(x, y):
    return x, (y, (x + y, x * y))


def io_nested_tuple_input(p):
    (a, b), c = p
    return (a @ b) + c


def io_identity_and_alias(x):
    return x, x.view(-1)


_add(
    TraceCase(
        "io_tuple_input",
        _fn(io_tuple_input),
        ((_randn(2, 3, seed=1), _randn(2, 3, seed=2)),),
        [((_randn(4, seed=3), _randn(4, seed=4)),)],
    ),
    TraceCase(
        "io_list_input",
        _fn(io_list_input),
        ([_randn(3, seed=1), _randn(3, seed=2), _randn(3, seed=3)],),
        [([_randn(2, 2, seed=4), _randn(2, 2, seed=5), _randn(2, 2, seed=6)],)],
    ),
    TraceCase(
        "io_dict_input",
        _fn(io_dict_input),
        ({"a": _randn(2, 3, seed=1), "b": _randn(4, seed=2)},),
        [({"a": _randn(5, seed=3), "b": _randn(2, 2, seed=4)},)],
    ),
    TraceCase(
        "io_multiple_outputs",
        _fn(io_multiple_outputs),
        (_randn(2, 3, seed=1),),
        [(_randn(5, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "io_nested_tuple_output",
        _fn(io_nested_tuple_output),
        (_randn(2, 3, seed=1), _randn(2, 3, seed=2)),
        [(_randn(4, seed=3), _randn(4, seed=4))],
    ),
    TraceCase(
        "io_nested_tuple_input",
        _fn(io_nested_tuple_input),
        (((_randn(2, 3, seed=1), _randn(3, 4, seed=2)), _randn(4, seed=3)),),
        [(((_randn(5, 2, seed=4), _randn(2, 2, seed=5)), _randn(5, 2, seed=6)),)],
        atol=1e-5,
    ),
    TraceCase(
        "io_identity_and_alias",
        _fn(io_identity_and_alias),
        (_randn(2, 3, seed=1),),
        [(_randn(4, seed=2),)],
    ),
)

# ---------------------------------------------------------------------------------------------
# tensor -> Python value conversions and Python control flow (baked into the trace)


def py_int_of_tensor(x):
    n = int(x.max())
    return x * n


def py_float_of_sum(x):
    return x / float(x.sum())


def py_item(x):
    return x + x.sum().item()


def py_data_dependent_branch(x):
    if x.sum() > 0:
        return x * 2
    return -x


def py_tolist(x):
    first = x.tolist()[0]
    return x - first


def py_bool_any(x):
    if bool((x > 1).any()):
        return x.clamp(max=1.0)
    return x + 1


def py_iterate_rows(x):
    acc = torch.zeros_like(x[0])
    for i, row in enumerate(x):
        acc = acc + row * (i + 1)
    return acc


def py_len_loop(x):
    acc = torch.zeros_like(x[0])
    for i in range(len(x)):
        acc = acc + x[i] * (i + 1)
    return acc


def py_size_branch(x):
    # x.size(0) is a traced 0-dim tensor during tracing: the comparison becomes a Python bool.
    if x.size(0) > 2:
        return x * 2
    return x - 1


def py_range_size_loop(x):
    # range() takes x.size(0) through __index__ silently: unrolled with no TracerWarning.
    out = x[0]
    for i in range(1, x.size(0)):
        out = out * x[i]
    return out


def py_dim_branch(x):
    # dim() is a plain Python int during tracing: no warning, but the branch is baked in.
    if x.dim() == 2:
        return x.sum(dim=1)
    return x * 10


def py_numel_scale(x):
    return x / x.numel()


def py_shape_in_tensor(x):
    return x + torch.tensor(x.shape[0])


_add(
    TraceCase(
        "py_int_of_tensor",
        _fn(py_int_of_tensor),
        (torch.tensor([1.0, 2.5, 3.0]),),
        [(torch.tensor([7.0, 1.0, 0.5]),), (torch.tensor([1.0, 1.0, 1.0]),)],
        warns=True,
        generalizes=False,
    ),
    TraceCase(
        "py_float_of_sum",
        _fn(py_float_of_sum),
        (torch.tensor([1.0, 2.0, 3.0]),),
        [(torch.tensor([4.0, 4.0, 4.0]),), (_randn(2, 3, seed=2),)],
        warns=True,
        generalizes=False,
    ),
    TraceCase(
        "py_item",
        _fn(py_item),
        (torch.tensor([1.0, 2.0, 3.0]),),
        [(torch.tensor([-1.0, 0.0, 5.0]),), (_randn(2, 2, seed=2),)],
        warns=True,
        generalizes=False,
    ),
    TraceCase(
        "py_data_dependent_branch",
        _fn(py_data_dependent_branch),
        (torch.tensor([1.0, 2.0, -0.5]),),
        [(torch.tensor([-1.0, -2.0, 0.5]),), (torch.tensor([3.0, 0.0, 0.0]),)],
        warns=True,
        generalizes=False,
    ),
    TraceCase(
        "py_tolist",
        _fn(py_tolist),
        (torch.tensor([1.0, 2.0, 3.0]),),
        [(torch.tensor([5.0, 6.0, 7.0]),), (torch.tensor([1.0, 0.0]),)],
        warns=True,
        generalizes=False,
    ),
    TraceCase(
        "py_bool_any",
        _fn(py_bool_any),
        (torch.tensor([0.5, 2.0, -1.0]),),
        [(torch.tensor([0.5, 0.0, -1.0]),), (torch.tensor([3.0, 4.0]),)],
        warns=True,
        generalizes=False,
    ),
    TraceCase(
        "py_iterate_rows",
        _fn(py_iterate_rows),
        (_randn(3, 2, seed=1),),
        # the loop is unrolled over unbind() of 3 rows: another row count fails to run
        # ("Expected 3 elements in a list"), so `others` keep 3 rows and then agree.
        [(_randn(3, 4, seed=2),), (_randn(3, 1, seed=3),)],
        warns=True,
        generalizes=True,
    ),
    TraceCase(
        "py_len_loop",
        _fn(py_len_loop),
        (_randn(3, 2, seed=1),),
        # unrolled for 3 rows; larger inputs still run but ignore the extra rows
        [(_randn(5, 2, seed=2),), (_randn(4, 3, seed=3),)],
        warns=True,
        generalizes=False,
    ),
    TraceCase(
        "py_size_branch",
        _fn(py_size_branch),
        (_randn(3, 2, seed=1),),
        [(_randn(1, 2, seed=2),), (_randn(5, 3, seed=3),)],
        warns=True,
        generalizes=False,
    ),
    TraceCase(
        "py_range_size_loop",
        _fn(py_range_size_loop),
        (_randn(3, 2, seed=1),),
        [(_randn(3, 5, seed=2),), (_randn(5, 2, seed=3),)],
        warns=False,
        generalizes=False,
    ),
    TraceCase(
        "py_dim_branch",
        _fn(py_dim_branch),
        (_randn(3, 4, seed=1),),
        [(_randn(5, 2, seed=2),), (_randn(2, 3, 4, seed=3),)],
        warns=False,
        generalizes=False,
    ),
    TraceCase(
        "py_numel_scale",
        _fn(py_numel_scale),
        (_randn(3, 4, seed=1),),
        [(_randn(3, 4, seed=2),), (_randn(2, 5, seed=3),)],
        warns=False,
        generalizes=True,
    ),
    TraceCase(
        "py_shape_in_tensor",
        _fn(py_shape_in_tensor),
        (_randn(3, 4, seed=1),),
        # warns (torch.tensor is registered as a constant), yet x.shape[0] is a traced size
        # tensor, so the data flow survives and the trace generalizes.
        [(_randn(3, 2, seed=2),), (_randn(6, 4, seed=3),)],
        warns=True,
        generalizes=True,
    ),
)

# ---------------------------------------------------------------------------------------------
# autograd regions


def ag_no_grad_region(x):
    with torch.no_grad():
        y = x * 2
    return y + x


def ag_detach(x):
    return x.detach() * 3 + x


_add(
    TraceCase(
        "ag_no_grad_region",
        _fn(ag_no_grad_region),
        (_randn(2, 3, seed=1),),
        [(_randn(5, seed=2),)],
    ),
    TraceCase(
        "ag_detach",
        _fn(ag_detach),
        (_randn(2, 3, seed=1),),
        [(_randn(4, 2, seed=2),)],
    ),
)

# ---------------------------------------------------------------------------------------------
# torch.nn.functional


def nnf_relu_softmax(x):
    return F.softmax(F.relu(x), dim=-1), F.log_softmax(x, dim=0)


def nnf_gelu_silu(x):
    return F.gelu(x) + F.silu(x) + F.leaky_relu(x, 0.2)


def nnf_layer_norm(x, w, b):
    return F.layer_norm(x, (4,), w, b, eps=1e-5)


def nnf_linear(x, w, b):
    return F.linear(x, w, b)


def nnf_conv2d(x, w):
    return F.conv2d(x, w, padding=1)


def nnf_max_pool2d(x):
    return F.max_pool2d(x, 2), F.avg_pool2d(x, kernel_size=2, stride=1)


def nnf_dropout_eval(x):
    return F.dropout(x, p=0.5, training=False) * 2


def nnf_pad_normalize(x):
    return F.normalize(F.pad(x, (1, 2), value=0.5), dim=-1)


def nnf_losses(x, y, t):
    return F.mse_loss(x, y), F.cross_entropy(x, t), F.smooth_l1_loss(x, y, reduction="sum")


def nnf_one_hot(i):
    return F.one_hot(i, num_classes=6).float()


_add(
    TraceCase(
        "nnf_relu_softmax",
        _fn(nnf_relu_softmax),
        (_randn(3, 4, seed=1),),
        [(_randn(5, 2, seed=2),)],
    ),
    TraceCase(
        "nnf_gelu_silu",
        _fn(nnf_gelu_silu),
        (_randn(3, 4, seed=1),),
        [(_randn(7, seed=2),)],
    ),
    TraceCase(
        "nnf_layer_norm",
        _fn(nnf_layer_norm),
        (_randn(2, 3, 4, seed=1), _randn(4, seed=2), _randn(4, seed=3)),
        [(_randn(5, 4, seed=4), _randn(4, seed=5), _randn(4, seed=6))],
        atol=1e-5,
    ),
    TraceCase(
        "nnf_linear",
        _fn(nnf_linear),
        (_randn(2, 4, seed=1), _randn(3, 4, seed=2), _randn(3, seed=3)),
        [(_randn(5, 2, 4, seed=4), _randn(3, 4, seed=5), _randn(3, seed=6))],
        atol=1e-5,
    ),
    TraceCase(
        "nnf_conv2d",
        _fn(nnf_conv2d),
        (_randn(1, 2, 5, 5, seed=1), _randn(3, 2, 3, 3, seed=2)),
        [(_randn(2, 2, 4, 6, seed=3), _randn(3, 2, 3, 3, seed=4))],
        atol=1e-5,
    ),
    TraceCase(
        "nnf_max_pool2d",
        _fn(nnf_max_pool2d),
        (_randn(1, 2, 4, 4, seed=1),),
        [(_randn(2, 3, 6, 8, seed=2),)],
    ),
    TraceCase(
        "nnf_dropout_eval",
        _fn(nnf_dropout_eval),
        (_randn(3, 4, seed=1),),
        [(_randn(6, seed=2),)],
    ),
    TraceCase(
        "nnf_pad_normalize",
        _fn(nnf_pad_normalize),
        (_randn(2, 3, seed=1),),
        [(_randn(4, 5, seed=2),)],
    ),
    TraceCase(
        "nnf_losses",
        _fn(nnf_losses),
        (_randn(3, 5, seed=1), _randn(3, 5, seed=2), torch.tensor([0, 4, 2])),
        [(_randn(6, 5, seed=3), _randn(6, 5, seed=4), torch.tensor([1, 1, 0, 3, 4, 2]))],
        atol=1e-5,
        warns=True,
    ),
    TraceCase(
        "nnf_one_hot",
        _fn(nnf_one_hot),
        (torch.tensor([0, 5, 2]),),
        [(torch.tensor([[1, 2], [3, 4]]),)],
    ),
)

# ---------------------------------------------------------------------------------------------
# factory functions


def fac_zeros_like_dtype(x):
    return torch.zeros_like(x, dtype=torch.float64) + x, torch.ones_like(x) * 2


def fac_ones_shape(x):
    return torch.ones(x.shape) + x


def fac_arange_size0(x):
    return torch.arange(x.size(0)) * 2, x + torch.arange(x.size(1), dtype=torch.float32)


def fac_zeros_sizes_kwargs(x):
    z = torch.zeros(x.size(0), 3, dtype=torch.float64, device=x.device)
    return z + x.sum(dim=1, keepdim=True)


def fac_full_like_new_ones(x):
    return torch.full_like(x, 7.0), x.new_ones(x.shape) - x, x.new_zeros((2, x.size(-1)))


def fac_eye_size(x):
    return torch.eye(x.size(0)) @ x


def fac_constant_tensor(x):
    return x + torch.tensor([1.0, 2.0, 3.0])


def fac_linspace_const(x):
    return x * torch.linspace(0, 1, steps=4)


_add(
    TraceCase(
        "fac_zeros_like_dtype",
        _fn(fac_zeros_like_dtype),
        (_randn(2, 3, seed=1),),
        [(_randn(4, seed=2),)],
    ),
    TraceCase(
        "fac_ones_shape",
        _fn(fac_ones_shape),
        (_randn(2, 3, seed=1),),
        # the size list has the example's length: keep the rank fixed
        [(_randn(4, 1, seed=2),), (_randn(5, 7, seed=3),)],
    ),
    TraceCase(
        "fac_arange_size0",
        _fn(fac_arange_size0),
        (_randn(3, 4, seed=1),),
        [(_randn(6, 2, seed=2),)],
    ),
    TraceCase(
        "fac_zeros_sizes_kwargs",
        _fn(fac_zeros_sizes_kwargs),
        (_randn(2, 5, seed=1),),
        [(_randn(4, 1, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "fac_full_like_new_ones",
        _fn(fac_full_like_new_ones),
        (_randn(2, 3, seed=1),),
        [(_randn(4, 5, seed=2),)],
    ),
    TraceCase(
        "fac_eye_size",
        _fn(fac_eye_size),
        (_randn(3, 2, seed=1),),
        [(_randn(5, 4, seed=2),)],
    ),
    TraceCase(
        "fac_constant_tensor",
        _fn(fac_constant_tensor),
        (_randn(2, 3, seed=1),),
        [(_randn(4, 3, seed=2),)],
        warns=True,
    ),
    TraceCase(
        "fac_linspace_const",
        _fn(fac_linspace_const),
        (_randn(2, 4, seed=1),),
        [(_randn(3, 4, seed=2),)],
    ),
)

# ---------------------------------------------------------------------------------------------
# nondeterministic programs (check_trace=False); outputs are deterministic by construction


def rand_mask_always_true(x):
    keep = (torch.rand_like(x) >= 0).float()
    return x * keep


_add(
    TraceCase(
        "rand_mask_always_true",
        _fn(rand_mask_always_true),
        (_randn(3, 4, seed=1),),
        [(_randn(5, seed=2),)],
        check_trace=False,
    ),
    TraceCase(
        "mod_dropout_p0_train",
        _mod(lambda: nn.Sequential(nn.Linear(4, 4), nn.Dropout(p=0.0)), eval_mode=False),
        (_randn(2, 4, seed=1),),
        [(_randn(5, 4, seed=2),)],
        check_trace=False,
        atol=1e-5,
    ),
)

# ---------------------------------------------------------------------------------------------
# nn.Modules


class CustomWithBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 6)
        self.norm = nn.LayerNorm(6)
        self.scale = nn.Parameter(torch.randn(6))
        self.register_buffer("offset", torch.arange(6, dtype=torch.float32) / 10)

    def forward(self, x):
        h = self.norm(self.proj(x))
        return torch.relu(h * self.scale + self.offset)


class ModuleListIter(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(5, 5) for _ in range(3)])

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = torch.tanh(layer(x)) + x * (i + 1) * 0.1
        return x


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 16)
        self.fc3 = nn.Linear(16, 3)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.relu(self.conv2(x))
        x = self.pool(x).flatten(1)
        return self.fc(x)


class LSTMWrap(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 8, batch_first=True)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return out, (h, c)


class LSTMHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 8, num_layers=2, batch_first=True)
        self.head = nn.Linear(8, 2)

    def forward(self, x, h0, c0):
        out, _ = self.lstm(x, (h0, c0))
        return self.head(out[:, -1])


class GRUWrap(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 6, batch_first=True, bidirectional=True)

    def forward(self, x):
        return self.gru(x)


class MHAWrap(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x)


class MHACross(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2)

    def forward(self, q, kv):
        out, w = self.attn(q, kv, kv, need_weights=True)
        return out, w


class BatchNormEval(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4)
        with torch.no_grad():
            self.bn.running_mean.copy_(torch.randn(4))
            self.bn.running_var.copy_(torch.rand(4) + 0.5)
            self.bn.weight.copy_(torch.randn(4))
            self.bn.bias.copy_(torch.randn(4))

    def forward(self, x):
        return self.bn(x)


class SharedSubmodule(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        return self.lin(self.lin(x)) + self.lin.bias


class ModuleDictRoute(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(4, 3)})

    def forward(self, x):
        return self.heads["a"](x), self.heads["b"](x)


_add(
    TraceCase(
        "mod_linear",
        _mod(lambda: nn.Linear(4, 3)),
        (_randn(2, 4, seed=1),),
        [(_randn(5, 4, seed=2),), (_randn(1, 4, seed=3),), (_randn(2, 3, 4, seed=4),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_conv1d",
        _mod(lambda: nn.Conv1d(3, 6, 3, padding=1)),
        (_randn(2, 3, 10, seed=1),),
        [(_randn(1, 3, 7, seed=2),), (_randn(4, 3, 3, seed=3),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_conv2d",
        _mod(lambda: nn.Conv2d(3, 8, 3, stride=2, padding=1)),
        (_randn(2, 3, 8, 8, seed=1),),
        [(_randn(1, 3, 5, 7, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_conv2d_groups_nobias",
        _mod(lambda: nn.Conv2d(4, 4, 3, groups=2, bias=False, dilation=2)),
        (_randn(1, 4, 9, 9, seed=1),),
        [(_randn(2, 4, 6, 5, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_batchnorm2d_eval",
        _mod(BatchNormEval),
        (_randn(2, 4, 3, 3, seed=1),),
        [(_randn(5, 4, 2, 6, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_layernorm",
        _mod(lambda: nn.LayerNorm(8)),
        (_randn(2, 3, 8, seed=1),),
        [(_randn(4, 8, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_embedding",
        _mod(lambda: nn.Embedding(10, 4)),
        (_randint(0, 10, 2, 5, seed=1),),
        [(_randint(0, 10, 3, 7, seed=2),), (torch.tensor([9, 0]),)],
    ),
    TraceCase(
        "mod_embedding_padding_idx",
        _mod(lambda: nn.Embedding(6, 3, padding_idx=0)),
        (torch.tensor([[0, 1, 5], [2, 0, 3]]),),
        [(torch.tensor([4, 0, 0, 1]),)],
    ),
    TraceCase(
        "mod_relu",
        _mod(nn.ReLU),
        (_randn(3, 4, seed=1),),
        [(_randn(7, seed=2),)],
    ),
    TraceCase(
        "mod_gelu_tanh",
        _mod(lambda: nn.GELU(approximate="tanh")),
        (_randn(3, 4, seed=1),),
        [(_randn(2, 2, 2, seed=2),)],
    ),
    TraceCase(
        "mod_sequential",
        _mod(
            lambda: nn.Sequential(
                nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2)
            )
        ),
        (_randn(3, 4, seed=1),),
        [(_randn(6, 4, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_sequential_conv_flatten",
        _mod(
            lambda: nn.Sequential(
                nn.Conv2d(1, 4, 3),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Dropout(0.3),
                nn.Softmax(dim=1),
            )
        ),
        (_randn(2, 1, 6, 6, seed=1),),
        [(_randn(3, 1, 6, 6, seed=2),), (_randn(1, 1, 8, 8, seed=3),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_custom_buffer_param",
        _mod(CustomWithBuffer),
        (_randn(2, 4, seed=1),),
        [(_randn(5, 4, seed=2),), (_randn(2, 3, 4, seed=3),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_modulelist_iter",
        _mod(ModuleListIter),
        (_randn(2, 5, seed=1),),
        [(_randn(4, 5, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_mlp3",
        _mod(MLP),
        (_randn(4, 8, seed=1),),
        [(_randn(1, 8, seed=2),), (_randn(10, 8, seed=3),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_small_cnn",
        _mod(SmallCNN),
        (_randn(2, 3, 8, 8, seed=1),),
        [(_randn(1, 3, 12, 10, seed=2),), (_randn(3, 3, 8, 8, seed=3),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_lstm",
        _mod(LSTMWrap),
        (_randn(2, 5, 4, seed=1),),
        [(_randn(3, 7, 4, seed=2),), (_randn(1, 2, 4, seed=3),)],
        atol=1e-5,
        warns=True,
    ),
    TraceCase(
        "mod_lstm_state_head",
        _mod(LSTMHead),
        (_randn(2, 5, 4, seed=1), _randn(2, 2, 8, seed=2), _randn(2, 2, 8, seed=3)),
        [(_randn(3, 4, 4, seed=4), _randn(2, 3, 8, seed=5), _randn(2, 3, 8, seed=6))],
        atol=1e-5,
        warns=True,
    ),
    TraceCase(
        "mod_gru",
        _mod(GRUWrap),
        (_randn(2, 5, 4, seed=1),),
        [(_randn(3, 2, 4, seed=2),)],
        atol=1e-5,
        warns=True,
    ),
    TraceCase(
        "mod_multihead_attention",
        _mod(MHAWrap),
        (_randn(2, 5, 16, seed=1),),
        [(_randn(3, 4, 16, seed=2),), (_randn(1, 7, 16, seed=3),)],
        atol=1e-5,
        # check_trace re-traces under no_grad, where MHA takes its fused fast path: graphs differ
        check_trace=False,
        warns=True,
    ),
    TraceCase(
        "mod_multihead_attention_cross",
        _mod(MHACross),
        (_randn(3, 2, 8, seed=1), _randn(5, 2, 8, seed=2)),
        [(_randn(4, 1, 8, seed=3), _randn(2, 1, 8, seed=4))],
        atol=1e-5,
        warns=True,
    ),
    TraceCase(
        "mod_transformer_encoder_layer",
        _mod(lambda: nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0)),
        (_randn(5, 2, 16, seed=1),),
        [(_randn(3, 4, 16, seed=2),), (_randn(7, 1, 16, seed=3),)],
        atol=1e-5,
        warns=True,
    ),
    TraceCase(
        "mod_shared_submodule",
        _mod(SharedSubmodule),
        (_randn(2, 4, seed=1),),
        [(_randn(3, 4, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_moduledict_route",
        _mod(ModuleDictRoute),
        (_randn(2, 4, seed=1),),
        [(_randn(5, 4, seed=2),)],
        atol=1e-5,
    ),
    TraceCase(
        "mod_conv_transpose2d",
        _mod(lambda: nn.ConvTranspose2d(2, 3, 3, stride=2)),
        (_randn(1, 2, 4, 4, seed=1),),
        [(_randn(2, 2, 3, 5, seed=2),)],
        atol=1e-5,
    ),
)

_names = [c.name for c in TRACE_CASES]
assert len(_names) == len(set(_names)), "duplicate trace case names"
del _names
