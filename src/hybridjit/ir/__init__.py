"""The IR: graphs, types, printer, parser, verifier."""

from hybridjit.ir.graph import Block, Graph, Node, SourceRange, Value
from hybridjit.ir.types import Type

__all__ = ["Block", "Graph", "Node", "SourceRange", "Type", "Value"]
