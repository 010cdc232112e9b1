"""Objects and calls: attributes, function and method calls, isinstance, `with`, classes.

The interpreter and code generator own how objects are reached (`ip.get_attr`,
`ip.call_method`, `gen.get_attr(node)`, ...): these rules say what each node means.
"""

from __future__ import annotations

import keyword
from typing import Any, Callable, Sequence

import torch

from hybridjit.errors import Error
from hybridjit.ir import types as T
from hybridjit.ops.prims.base import VARIADIC as V
from hybridjit.ops.prims.base import Prim, register


def attr_src(obj: str, name: str) -> str:
    """`obj.name` as Python source (`getattr(obj, 'name')` when `name` is no identifier)."""
    if name.isidentifier() and not keyword.iskeyword(name):
        return f"{obj}.{name}"
    return f"getattr({obj}, {name!r})"


def emit_call(gen: Any, node: Any, depth: int, call: str) -> None:
    """`outs = call` (or just `call` when the node has no outputs)."""
    outs = node.outputs
    if not outs:
        gen.line(depth, call, node)
    elif len(outs) == 1:
        gen.line(depth, f"{gen.local(outs[0])} = {call}", node)
    else:
        gen.line(depth, f"{gen.targets(node)}, = {call}", node)


# -- attributes -------------------------------------------------------------------------------


def _interpret_get_attr(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    env[node.output] = ip.get_attr(env[node.inputs[0]], node["name"])


def _emit_get_attr(gen: Any, node: Any, depth: int) -> None:
    gen.line(depth, f"{gen.local(node.output)} = {gen.get_attr(node)}", node)


def _is_object(v: Any) -> bool:
    """A script class object (not a module): its fields are set directly, as a dataclass's
    own `__init__` does (so frozen dataclasses can be built)."""
    return isinstance(v.type, T.ClassType) and not v.type.is_module


def _interpret_set_attr(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    store = object.__setattr__ if _is_object(node.inputs[0]) else setattr
    store(env[node.inputs[0]], node["name"], env[node.inputs[1]])


def _emit_set_attr(gen: Any, node: Any, depth: int) -> None:
    obj, value = (gen.src(v) for v in node.inputs)
    name = node["name"]
    if _is_object(node.inputs[0]):
        gen.line(depth, gen.set_field(obj, name, value), node)
        return
    if name.isidentifier() and not keyword.iskeyword(name):
        gen.line(depth, f"{obj}.{name} = {value}", node)
    else:
        gen.line(depth, f"setattr({obj}, {name!r}, {value})", node)


def _export_get_attr(ctx: Any, node: Any) -> None:
    """Attributes of the exported module are known at export time (parameters become
    initializers where a tensor is needed)."""
    obj = ctx.static(node.inputs[0], "the module")
    ctx.bind(node.output, getattr(obj, node["name"]))


register(Prim("prim::GetAttr", "getattr(obj, name)", n_inputs=1, attributes=("name",),
              interpret=_interpret_get_attr, emit=_emit_get_attr,
              export=_export_get_attr))  # fmt: skip
register(Prim("prim::SetAttr", "setattr(obj, name, value)", n_outputs=0, n_inputs=2,
              attributes=("name",), interpret=_interpret_set_attr, emit=_emit_set_attr))  # fmt: skip


# -- calls ------------------------------------------------------------------------------------


def callee_of(node: Any) -> Callable[..., Any]:
    """The function a `prim::CallFunction` node calls: the callee on its input's type."""
    callee = getattr(node.inputs[0].type, "callee", None)
    if callee is None:
        raise Error(f"prim::CallFunction: the callee of {node.inputs[0]!r} is unknown")
    return callee


def _interpret_call_function(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    args = [env[v] for v in node.inputs[1:]]
    ip.store(node, env, ip.call(callee_of(node), args))


def _emit_call_function(gen: Any, node: Any, depth: int) -> None:
    args = ", ".join(gen.src(v) for v in node.inputs[1:])
    emit_call(gen, node, depth, f"{gen.callee(node)}({args})")


def _interpret_call_method(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    args = [env[v] for v in node.inputs[1:]]
    ip.store(node, env, ip.call_method(env[node.inputs[0]], node["name"], args))


def _emit_call_method(gen: Any, node: Any, depth: int) -> None:
    emit_call(gen, node, depth, gen.call_method(node))


register(
    Prim(
        "prim::CallFunction",
        "inputs[0]'s function type's callee(*inputs[1:])",
        n_outputs=V,
        interpret=_interpret_call_function,
        emit=_emit_call_function,
    )
)
register(
    Prim(
        "prim::CallMethod",
        "getattr(inputs[0], name)(*inputs[1:])",
        n_outputs=V,
        attributes=("name",),
        interpret=_interpret_call_method,
        emit=_emit_call_method,
    )
)


# -- prim::isinstance -------------------------------------------------------------------------


def isinstance_of(value: Any, types: Sequence[Any]) -> bool:
    """`prim::isinstance[types=[...]]`: whether `value` has one of the IR types."""
    return any(_has_type(value, t) for t in types)


_PY_TYPES: dict[T.Type, type | tuple[type, ...]] = {
    T.IntType: int, T.FloatType: float, T.BoolType: bool, T.StrType: str,
    T.ComplexType: complex, T.DeviceType: torch.device, T.NoneType: type(None),
    T.AnyListType: list, T.AnyTupleType: tuple, T.NumberType: (int, float, complex),
}  # fmt: skip


def _has_type(value: Any, t: Any) -> bool:
    if t == T.AnyType:
        return True
    if isinstance(t, T.TensorType):
        return isinstance(value, torch.Tensor)
    if isinstance(t, T.OptionalType):
        return value is None or _has_type(value, t.elem)
    if isinstance(t, T.ListType):
        return isinstance(value, list) and all(_has_type(v, t.elem) for v in value)
    if isinstance(t, T.TupleType):
        return isinstance(value, tuple) and len(value) == len(t.elems) and all(
            map(_has_type, value, t.elems))  # fmt: skip
    if isinstance(t, T.DictType):
        return isinstance(value, dict)
    if isinstance(t, T.UnionType):
        return any(_has_type(value, m) for m in t.members)
    py_type = _PY_TYPES.get(t)
    if py_type is None:
        return False
    # bool is not an int in TorchScript
    return isinstance(value, py_type) and not (py_type is int and isinstance(value, bool))


def _interpret_isinstance(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    env[node.output] = isinstance_of(env[node.inputs[0]], node["types"])


def _emit_isinstance(gen: Any, node: Any, depth: int) -> None:
    check = gen.bind(isinstance_of, "isinstance_of")
    types = gen.bind(tuple(node["types"]), "types")
    gen.line(depth, f"{gen.local(node.output)} = {check}({gen.src(node.inputs[0])}, {types})",
             node)  # fmt: skip


def _export_isinstance(ctx: Any, node: Any) -> None:
    raise ctx.error("isinstance on a value whose type is not known at export time",
                    hint="annotate the argument with one concrete type")  # fmt: skip


register(
    Prim(
        "prim::isinstance",
        "whether the input's type is one of the `types`",
        n_inputs=1,
        attributes=("types",),
        interpret=_interpret_isinstance,
        emit=_emit_isinstance,
        export=_export_isinstance,
    )
)


# -- kinds TorchScript prints that no hybridjit graph runs ------------------------------------
# (torch.jit's own lowering of `with` and closures; hybridjit's frontend lowers these
# constructs to calls. A graph holding one is refused when it is run, never crashes.)


def new_object(t: Any) -> Any:
    """`prim::CreateObject`: an instance of the class type's Python class, no `__init__` run."""
    cls = getattr(t, "python_class", None)
    if cls is None:
        raise Error(f"prim::CreateObject: no Python class for {t}")
    return cls.__new__(cls)


def _interpret_create_object(ip: Any, node: Any, env: dict[Any, Any]) -> None:
    env[node.output] = new_object(node.output.type)


def _emit_create_object(gen: Any, node: Any, depth: int) -> None:
    cls = node.output.type.python_class
    if cls is None:
        raise Error(f"prim::CreateObject: no Python class for {node.output.type}")
    name = gen.bind(cls, cls.__name__)
    gen.line(depth, f"{gen.local(node.output)} = {name}.__new__({name})", node)


def _verify_create_object(node: Any, fail: Any) -> None:
    if node.inputs or len(node.outputs) != 1 or not _is_object(node.outputs[0]):
        fail(node, "prim::CreateObject expects no inputs and one output of a class type")


register(Prim("prim::CreateObject", "a fresh object of the output's class type (no __init__ run)",
              n_inputs=0, interpret=_interpret_create_object, emit=_emit_create_object,
              verify=_verify_create_object))  # fmt: skip

for _prim in (
    Prim("prim::Enter", "enter a `with` context", n_inputs=1),
    Prim("prim::Exit", "exit a `with` context (torch.jit gives it an output)", n_outputs=V,
         n_inputs=1),
    Prim("prim::Closure", "a nested function definition", n_inputs=0, blocks=1),
    Prim("prim::ModuleContainerIndex", "a submodule of a ModuleList/ModuleDict", n_inputs=2),
):
    register(_prim)
