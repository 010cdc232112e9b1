"""The tracing frontend's machinery (the public API is `hybridjit.frontend.trace`).

state    frames being recorded, tensor -> Value maps, the user's frame
mode     the TorchFunctionMode that sees torch calls as the user wrote them
special  calls handled by hand: sizes, indexing, casts, hazards
record   resolve a call to a schema (the shared resolution table) and emit its node
values   Python arguments -> constants, ListConstructs, `aten::Int` of traced sizes
indexing `x[i]` / `x[i] = v` as slice / select / index nodes
calls    submodule, scripted and traced calls: CallMethod / CallFunction
modules  GetAttr chains, module types, the TracedModule result
io       graph inputs and outputs (tuples, lists, dicts of tensors)
check    check_trace: re-trace, graph diff, output comparison
hazards  the TracerWarnings
"""

from hybridjit.frontend.tracer.state import current, is_tracing

__all__ = ["current", "is_tracing"]
