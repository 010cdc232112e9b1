"""A graph as Graphviz DOT: one box per node, one edge per use, one cluster per block.

    digraph forward {
      n0 [shape=box, label="aten::mul"];
      in_x -> n0 [label="%x"];
      ...
    }

Every label is escaped, so names and string constants from an archive stay inert text.
"""

from __future__ import annotations

from typing import Any

from hybridjit.ir.graph import Block, Graph, Node

MAX_LABEL = 80


def graph_to_dot(graph: Graph, name: str = "graph") -> str:
    """The DOT text of `graph` (deterministic: node ids follow printing order)."""
    ids: dict[int, str] = {}
    lines = [f"digraph {quote(name)} {{", "  rankdir=TB;", '  node [fontname="monospace"];']
    for i, v in enumerate(graph.inputs):
        ids[id(v)] = f"in{i}"
        lines.append(f"  in{i} [shape=ellipse, label={quote(f'%{v.debug_name} : {v.type}')}];")
    _block(graph.block, ids, lines, "  ", [0])
    lines.append(f"  out [shape=ellipse, label={quote('return')}];")
    lines.extend(_edges(graph.outputs, "out", ids, "  "))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _block(
    block: Block, ids: dict[int, str], lines: list[str], indent: str, counter: list[int]
) -> None:
    for node in block.nodes:
        nid = f"n{counter[0]}"
        counter[0] += 1
        lines.append(f"{indent}{nid} [shape=box, label={quote(_label(node))}];")
        lines.extend(_edges(node.inputs, nid, ids, indent))
        for out in node.outputs:
            ids[id(out)] = nid
        for b, sub in enumerate(node.blocks):
            _cluster(sub, f"{nid}_b{b}", ids, lines, indent, counter)


def _cluster(block: Block, cid: str, ids: dict[int, str], lines: list[str], indent: str,
             counter: list[int]) -> None:  # fmt: skip
    lines.append(f"{indent}subgraph cluster_{cid} {{")
    inner = indent + "  "
    lines.append(f"{inner}label={quote(cid.split('_')[-1])};")
    params = ", ".join(f"%{v.debug_name}" for v in block.inputs)
    lines.append(f"{inner}{cid}_in [shape=plaintext, label={quote(f'({params})')}];")
    for v in block.inputs:
        ids[id(v)] = f"{cid}_in"
    _block(block, ids, lines, inner, counter)
    lines.append(f"{inner}{cid}_out [shape=plaintext, label={quote('->')}];")
    lines.extend(_edges(block.outputs, f"{cid}_out", ids, inner))
    lines.append(f"{indent}}}")


def _edges(values: Any, target: str, ids: dict[int, str], indent: str) -> list[str]:
    return [f"{indent}{ids[id(v)]} -> {target} [label={quote('%' + v.debug_name)}];"
            for v in values if id(v) in ids]  # fmt: skip


def _label(node: Node) -> str:
    attrs = ", ".join(f"{k}={_short(v)}" for k, v in node.attributes.items())
    outs = ", ".join(f"%{v.debug_name} : {v.type}" for v in node.outputs)
    head = node.kind + (f"[{attrs}]" if attrs else "")
    return f"{outs}\n{head}" if outs else head


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 3] + "..."


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as `\\n`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{escaped}"'
