"""Well-formed but ill-typed graphs are refused at load (ArchiveError naming the node), not at
their first call; every well-typed graph still loads and runs."""

from __future__ import annotations

import io

import pytest
import torch

import hybridjit

from .archive_edits import entries, function_archive, rebuild, with_graph
from .helpers import load_bytes


@pytest.fixture(scope="module")
def fn_archive() -> bytes:
    return function_archive()


C = "  %c : int = prim::Constant[value=1]()"
ILL_TYPED = [
    ([C, "  %r : Tensor = aten::relu(%c)", "  return (%r)"], "aten::relu(%c): no schema"),
    ([C, "  %r : Tensor = aten::add(%c, %x, %c)", "  return (%r)"], "aten::add(%c, %x, %c)"),
    (["  %r : NoneType = prim::Print(%x)", "  return (%x)"], "prim::Print(%x): no schema"),
    (["  %r : int = aten::relu(%x)", "  return (%x)"], "output 0 (%r) has type int"),
    (["  %r : float = aten::relu(%x)", "  %s : float = aten::mul(%r, %r)", "  return (%s)"],
     "aten::relu(%x): output 0 (%r) has type float"),
    (["  %r : int = aten::size(%x)", "  return (%r)"], "aten::size(%x)"),
    ([C, "  %r : Tensor = aten::__getitem__(%x, %c)", "  return (%r)"], "aten::__getitem__"),
    (["  %r : Tensor, %q : Tensor = aten::relu(%x)", "  return (%q)"], "aten::relu(%x)"),
]  # fmt: skip


@pytest.mark.parametrize("body, names", ILL_TYPED)
def test_ill_typed_graphs_are_refused_at_load_naming_the_node(fn_archive: bytes, body, names):  # noqa: ANN001
    with pytest.raises(hybridjit.ArchiveError, match="graph does not verify") as info:
        load_bytes(with_graph(fn_archive, body))
    assert names in str(info.value)


def test_well_typed_hand_written_graphs_load_and_run(fn_archive: bytes) -> None:
    body = [C, "  %r : Tensor = aten::add(%x, %x, %c)", "  %n : int = aten::dim(%r)",
            "  %s : int[] = aten::size(%r)", "  = prim::Print(%r, %n)", "  return (%r)"]  # fmt: skip
    f = load_bytes(with_graph(fn_archive, body))
    assert torch.equal(f(torch.ones(2)), torch.full((2,), 2.0))


# -- found by the structure-aware archive fuzz (test_fuzz.py): refused at load, not at a call --
FUZZ_FOUND = [
    (["  %s : str = prim::Constant[value=None]()", "  return (%x)"],
     "value absent (None) is not a str"),  # codegen wrote `None.format(...)`
    (["  %s : int = prim::Constant[value=\"a\"]()", "  return (%x)"], "'a' is not a int"),
    (["  %d : Device = prim::Constant[value=\"nope\"]()", "  return (%x)"], "is not a Device"),
    (["  %r : bool = prim::isinstance(%x)", "  return (%x)"],
     "prim::isinstance needs the attribute 'types'"),  # codegen read node['types']: KeyError
    # a dict typed as something else reached an attribute read: AttributeError at the call
    (["  %d : int = prim::DictConstruct(%x)", "  return (%x)"],
     "prim::DictConstruct expects 1 dict output"),
    (["  %s : str = prim::Constant[value=\"k\"]()", "  %d : Dict(str, int) = prim::DictConstruct(%s, %x)",
      "  return (%x)"], "dict items: value 1 (%x) has type"),
    (["  %s : str = prim::Constant[value=\"k\"]()", "  %n : int = prim::StringIndex(%s, %s)",
      "  return (%x)"], "prim::StringIndex"),
    (["  %t : (Tensor, Tensor) = prim::TupleConstruct(%x, %x)", "  %c : int = prim::Constant[value=0]()",
      "  %i : int = prim::TupleIndex(%t, %c)", "  return (%x)"], "prim::TupleIndex of a"),
    (["  %l : Tensor[] = prim::ListConstruct(%x)", "  %a : int = prim::ListUnpack(%l)",
      "  return (%x)"], "prim::ListUnpack of a Tensor[]"),
]  # fmt: skip


@pytest.mark.parametrize("body, names", FUZZ_FOUND)
def test_prim_counts_attributes_and_constant_values_are_checked_at_load(
    fn_archive: bytes, body, names
):  # noqa: ANN001
    with pytest.raises(hybridjit.ArchiveError, match="graph does not verify") as info:
        load_bytes(with_graph(fn_archive, body))
    assert names in str(info.value)


def test_a_call_must_fit_the_callee_it_calls() -> None:
    """A mutated callee that returns two values where its caller expects one is refused at
    load (it used to load, then fail inside the caller with an AttributeError)."""

    class Inner(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + 1

    class Outer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = Inner()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner(x).relu()

    buffer = io.BytesIO()
    hybridjit.save(hybridjit.script(Outer()), buffer)
    items = entries(buffer.getvalue())
    name = next(n for n in items if n.endswith("Inner.forward.graph"))
    text = items[name].decode()
    start = text.rindex("return (") + len("return (")
    value = text[start : text.index(")", start)]
    items[name] = (text[:start] + f"{value}, {value})\n").encode()
    with pytest.raises(hybridjit.ArchiveError, match="callee returns"):
        load_bytes(rebuild(items))
