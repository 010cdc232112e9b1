"""hybridjit's structural `prim::` operators: the ones typed by their shape, not a schema.

TorchScript's control flow, construction and call nodes (`prim::If`, `prim::ListConstruct`,
`prim::CallMethod`, ...) have no operator schema: their inputs and outputs are typed by the
node itself (a `ListConstruct` of ints produces `int[]`). `PRIMS` records, per kind, how many
outputs and nested blocks a node has, which attributes it carries, and what it means, for the
verifier, the executors and the frontends. Prims that *do* have a schema in torch's registry
(`prim::min`, `prim::dtype`, `prim::NumToTensor`, `prim::RaiseException`, `prim::Print`, ...)
are resolved through `ops.registry` like aten ops.
"""

from __future__ import annotations

import dataclasses

VARIADIC = -1  # any number of outputs (or of inputs)


@dataclasses.dataclass(frozen=True)
class PrimInfo:
    """The structural rule of one prim kind.

    `n_outputs`/`n_inputs`: exact counts or VARIADIC. `blocks`: nested blocks. `attributes`:
    attribute names the node may carry. `pure`: no side effect (dead nodes may be removed).
    """

    kind: str
    n_outputs: int
    n_inputs: int
    blocks: int
    attributes: tuple[str, ...]
    pure: bool
    doc: str


def _p(kind: str, outs: int, ins: int, doc: str, *, blocks: int = 0,
       attrs: tuple[str, ...] = (), pure: bool = True) -> PrimInfo:  # fmt: skip
    return PrimInfo(f"prim::{kind}", outs, ins, blocks, attrs, pure, doc)


V = VARIADIC
PRIMS: dict[str, PrimInfo] = {
    p.kind: p
    for p in (
        _p("Constant", 1, 0, "a constant; `value` attribute absent means None", attrs=("value",)),
        _p("If", V, 1, "if cond: run block 0 else block 1; outputs are the block outputs",
           blocks=2, pure=False),
        _p("Loop", V, V,
           "Loop(max_trip_count, cond, *carried): i = 0; while i < max and cond: "
           "cond, *carried = block(i, *carried); i += 1; outputs are the final carried",
           blocks=1, pure=False),
        _p("ListConstruct", 1, V, "[*inputs] with the output's list type"),
        _p("ListUnpack", V, 1, "the elements of a list of known length"),
        _p("TupleConstruct", 1, V, "(*inputs), a tuple or NamedTuple per the output type"),
        _p("TupleUnpack", V, 1, "the elements of a tuple"),
        _p("TupleIndex", 1, 2, "tup[i] for a constant or dynamic index"),
        _p("TupleSlice", 1, 1, "tup[beg:end]", attrs=("beg", "end")),
        _p("DictConstruct", 1, V, "{k0: v0, k1: v1, ...} from alternating keys and values"),
        _p("DictIndex", 1, 2, "d[k]"),
        _p("GetAttr", 1, 1, "getattr(obj, name)", attrs=("name",)),
        _p("SetAttr", 0, 2, "setattr(obj, name, value)", attrs=("name",), pure=False),
        _p("CallFunction", V, V, "inputs[0]'s function type's callee(*inputs[1:])", pure=False),
        _p("CallMethod", V, V, "getattr(inputs[0], name)(*inputs[1:])", attrs=("name",),
           pure=False),
        _p("RaiseException", 0, V, "raise the exception class named by input 1 with message "
           "input 0", pure=False),
        _p("Print", 0, V, "print(*inputs)", pure=False),
        _p("NumToTensor", 1, 1, "torch.tensor(number) as a 0-dim tensor"),
        _p("Uninitialized", 1, 0, "a placeholder for a value that is never read (after raise)"),
        _p("unchecked_cast", 1, 1, "the input, with the output's (narrower) type"),
        _p("unchecked_unwrap_optional", 1, 1, "the input of an Optional type, known not None"),
        _p("isinstance", 1, 1, "whether the input's type is one of the `types`",
           attrs=("types",)),
        _p("device", 1, 1, "tensor.device"),
        _p("dtype", 1, 1, "tensor.dtype as a ScalarType int"),
        _p("layout", 1, 1, "tensor.layout as an int"),
        _p("EnumValue", 1, 1, "enum_member.value"),
        _p("EnumName", 1, 1, "enum_member.name"),
        _p("CreateObject", 1, 0, "a fresh, uninitialized object of the output's class type"),
        _p("min", 1, V, "min(a, b) / min(list)"),
        _p("max", 1, V, "max(a, b) / max(list)"),
        _p("abs", 1, 1, "abs(x)"),
        _p("data", 1, 1, "tensor.data"),
        _p("grad", 1, 1, "tensor.grad"),
        _p("requires_grad", 1, 1, "tensor.requires_grad"),
        _p("is_cuda", 1, 1, "tensor.is_cuda"),
        _p("AutogradZero", 1, 0, "an undefined gradient"),
        _p("id", 1, 1, "id(obj)"),
        _p("rangelist", 1, 1, "list(range(n))"),
        _p("StringIndex", 1, 2, "s[i]"),
        _p("tolist", 1, V, "tensor.tolist() with the output's list type"),
        _p("Enter", 1, 1, "enter a `with` context", pure=False),
        _p("Exit", 0, 1, "exit a `with` context", pure=False),
        _p("Closure", 1, 0, "a nested function definition", blocks=1),
        _p("ModuleContainerIndex", 1, 2, "a submodule of a ModuleList/ModuleDict"),
        # hybridjit's own, beyond TorchScript:
        _p("format", 1, 2, "format(value, spec): Python's formatting of one f-string field"),
        _p("int_pow", 1, 2, "a ** b of two ints, as Python: an int when b >= 0, else a float"),
    )
}  # fmt: skip


def prim_info(kind: str) -> PrimInfo | None:
    """The structural rule for `kind` (e.g. `prim::If`), or None if it is not a known prim."""
    return PRIMS.get(kind)


def is_structural(kind: str) -> bool:
    """Whether `kind` is typed by the node itself (no schema to resolve)."""
    return kind in PRIMS
