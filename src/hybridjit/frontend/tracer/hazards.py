"""Where a trace bakes a value in: the TracerWarnings, worded as torch.jit words them.

Each warning points at the user's file and line (the innermost frame that is not plumbing).
"""

from __future__ import annotations

import types
import warnings

from hybridjit.errors import TracerWarning

_GENERALIZE = (
    " might cause the trace to be incorrect. We can't record the data flow of Python values, "
    "so this value will be treated as a constant in the future. This means that the trace "
    "might not generalize to other inputs!"
)

# Tensor method name -> what the tensor becomes.
CONVERSIONS: dict[str, str] = {
    "__bool__": "a Python boolean",
    "__int__": "a Python integer",
    "__float__": "a Python float",
    "__complex__": "a Python complex",
    "item": "a Python number",
    "tolist": "a Python list",
    "numpy": "a NumPy array",
    "__array__": "a NumPy array",
}

LEN = (
    "Using len to get tensor shape might cause the trace to be incorrect. Recommended usage "
    "would be tensor.shape[0]. Passing a tensor of different shape might lead to errors or "
    "silently give incorrect results."
)
ITERATION = (
    "Iterating over a tensor might cause the trace to be incorrect. Passing a tensor of "
    "different shape won't change the number of iterations executed (and might lead to errors "
    "or silently give incorrect results)."
)
TENSOR_CONSTANT = (
    "torch.tensor results are registered as constants in the trace. You can safely ignore this "
    "warning if you use this function to create tensors out of constant variables that would "
    "be the same every time you call this function. In any other case, this might cause the "
    "trace to be incorrect."
)
NONDETERMINISTIC = (
    "Trace had nondeterministic nodes. Did you forget call .eval() on your model? Nodes:\n{nodes}"
    "\nThis may cause errors in trace checking. To disable trace checking, pass "
    "check_trace=False to hybridjit.trace()"
)


def unrecorded_message(func: object) -> str:
    name = getattr(func, "__qualname__", None) or repr(func)
    return (
        f"hybridjit could not record the call of {name}: its result is a constant in the "
        "trace, which might not generalize to other inputs."
    )


def conversion_message(method: str) -> str:
    return f"Converting a tensor to {CONVERSIONS[method]}{_GENERALIZE}"


def warn_at(message: str, site: types.FrameType | None) -> None:
    """Issue a TracerWarning attributed to `site` (the user's frame), not to hybridjit."""
    if site is None:
        warnings.warn(message, TracerWarning, stacklevel=2)
        return
    module_globals = site.f_globals
    warnings.warn_explicit(
        message, TracerWarning, site.f_code.co_filename, site.f_lineno,
        module=module_globals.get("__name__", "<unknown>"),
        registry=module_globals.setdefault("__warningregistry__", {}),
        # Without a file (`python -c`) the loader cannot give the source line: skip it.
        module_globals=module_globals if "__file__" in module_globals else None,
    )  # fmt: skip
