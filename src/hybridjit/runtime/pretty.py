"""`.code`: a graph as readable Python, like TorchScript's `.code`.

It is the code generator's output with readable names in place of bound globals
(`torch.zeros`, `torch.float64`, `CONSTANTS.c0`), type annotations on the signature, and no
source comments::

    def forward(self, x: Tensor) -> Tensor:
        z = torch.ones([1], dtype=torch.int64)
        for i in range(int(x)):
            z = z.mul((i + 1))
        return z
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph, Node
from hybridjit.ops.prims.objects import attr_src
from hybridjit.runtime.codegen import _NOT_IDENT, _Codegen

_NAMESPACES = (("torch", torch), ("torch.nn.functional", torch.nn.functional),
               ("torch.linalg", torch.linalg), ("torch.special", torch.special),
               ("math", __import__("math")))  # fmt: skip


def graph_to_code(graph: Graph, name: str = "forward") -> str:
    """Readable Python-like source for `graph`, as the function `name`."""
    return _Pretty(graph).function_source(name)


def code_with_constants(graph: Graph, name: str = "forward") -> tuple[str, ConstMap]:
    """`.code` and the tensors it names `CONSTANTS.c0`, `CONSTANTS.c1`, ... (as torch.jit's
    `code_with_constants`)."""
    pretty = _Pretty(graph)
    code = pretty.function_source(name)
    return code, ConstMap(pretty.tensor_constants)


def schema_text(name: str, graph: Graph, signature: Any) -> str:
    """TorchScript's schema of a compiled function: `forward(__torch__.Net self, Tensor x,
    int k=3) -> Tensor`."""
    params = list(signature.parameters.values()) if signature is not None else []
    if len(params) != len(graph.inputs):
        params = []
    args = []
    for i, v in enumerate(graph.inputs):
        pname = params[i].name if params else v.debug_name.partition(".")[0] or f"arg{i}"
        default = params[i].default if params else inspect.Parameter.empty
        shown = "" if default is inspect.Parameter.empty else f"={_schema_default(default)}"
        args.append(f"{T.unrefined(v.type)} {pname}{shown}")
    outs = [str(T.unrefined(v.type)) for v in graph.outputs]
    result = outs[0] if len(outs) == 1 else f"({', '.join(outs)})"
    return f"{name}({', '.join(args)}) -> {result}"


def _schema_default(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return repr(value).replace("'", '"')
    return repr(value)


class ConstMap:
    """The tensor constants of `.code`: `consts.c0` is what the code calls `CONSTANTS.c0`."""

    def __init__(self, constants: list[torch.Tensor]) -> None:
        self.const_mapping = {f"c{i}": t for i, t in enumerate(constants)}

    def __getattr__(self, name: str) -> torch.Tensor:
        try:
            return self.__dict__["const_mapping"][name]
        except KeyError:
            raise AttributeError(f"no constant {name!r} (there are "
                                 f"{len(self.__dict__['const_mapping'])})") from None  # fmt: skip

    def __len__(self) -> int:
        return len(self.const_mapping)


class _Pretty(_Codegen):
    def __init__(self, graph: Graph) -> None:
        super().__init__(graph)
        self.tensor_constants: list[torch.Tensor] = []

    def bind(self, obj: Any, hint: str) -> str:
        name = self._bound.get(id(obj))
        if name is None:
            name = self._bound[id(obj)] = self._readable(obj, hint)
            self.globals[name] = obj
        return name

    def _readable(self, obj: Any, hint: str) -> str:
        if isinstance(obj, (torch.dtype, torch.layout, torch.memory_format)):
            return str(obj)
        if isinstance(obj, torch.Tensor):
            self.tensor_constants.append(obj)
            return f"CONSTANTS.c{len(self.tensor_constants) - 1}"
        if isinstance(obj, torch.device):
            return f"torch.device({str(obj)!r})"
        name = getattr(obj, "__name__", None)
        for prefix, module in _NAMESPACES:
            if name and getattr(module, name, None) is obj:
                return f"{prefix}.{name}"
        if type(obj).__name__ == "OpOverload":
            return f"ops.{obj.name().replace('::', '.')}"
        return hint

    def get_attr(self, node: Node) -> str:
        return attr_src(self.src(node.inputs[0]), node["name"])

    def set_field(self, obj: str, name: str, value: str) -> str:
        return f"{attr_src(obj, name)} = {value}"

    def call_method(self, node: Node) -> str:
        method = attr_src(self.src(node.inputs[0]), node["name"])
        return f"{method}({', '.join(self.src(v) for v in node.inputs[1:])})"

    def callee(self, node: Node) -> str:
        callee = node.inputs[0].type.callee  # type: ignore[attr-defined]
        name = getattr(callee, "__name__", None) or node.inputs[0].node.attributes.get("name")
        return _NOT_IDENT.sub("_", name or "fn")

    def line(self, depth: int, text: str, node: Node | None = None) -> None:
        super().line(depth, text, None)

    def header(self, name: str) -> str:
        self.function_name = name
        params = []
        for v in self.graph.inputs:
            local = self.local(v)
            is_self = isinstance(v.type, T.ClassType)
            params.append(local if is_self else f"{local}: {v.type.python_str()}")
        return f"def {name}({', '.join(params)}) -> {_return_annotation(self.graph)}:"


def _return_annotation(graph: Graph) -> str:
    types = [v.type.python_str() for v in graph.outputs]
    if len(types) == 1:
        return types[0]
    return f"Tuple[{', '.join(types)}]" if types else "None"
