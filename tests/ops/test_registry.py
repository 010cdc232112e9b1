"""The registry: torch's operators as schemas, out variants excluded."""

from __future__ import annotations

import io

import pytest
import torch

import hybridjit
from hybridjit.ops import registry
from hybridjit.ops.effects import PRIM_EFFECTS
from hybridjit.ops.prims import PRIMS, VARIADIC, is_structural, prim_info


def _overloads(name: str) -> list[str]:
    return [s.overload_name for s in registry.schemas_for(name)]


def test_out_variants_are_excluded() -> None:
    names = _overloads("aten::add")
    assert "out" not in names and "Scalar_out" not in names
    assert {"Tensor", "Scalar", "int", "float", "str", "t"} <= set(names)
    assert not any(registry.is_out_variant(s) for s in registry.schemas_for("aten::max"))
    assert "dim_max" not in _overloads("aten::max")  # kwarg-only mutable `max`, `max_values`


def test_lookup_finds_out_variants_and_default_overloads() -> None:
    out = registry.lookup("aten::add.out")
    assert out is not None and registry.is_out_variant(out)
    relu = registry.lookup("aten::relu")
    assert relu is not None and str(relu) == "aten::relu(Tensor self) -> Tensor"
    assert registry.lookup("aten::add.nonexistent") is None


def test_torchscript_scalar_overloads_are_in_the_registry() -> None:
    for qualified in ["aten::add.int", "aten::add.str", "aten::Int.Tensor", "aten::len.t",
                      "aten::__getitem__.t", "aten::append.t", "aten::eq.int", "aten::__is__",
                      "aten::dict", "aten::format", "prim::min.int", "prim::max.self_int",
                      "prim::dtype", "prim::device", "prim::NumToTensor.Scalar"]:  # fmt: skip
        assert registry.lookup(qualified) is not None, qualified


def test_order_is_torch_order_c10_operators_first() -> None:
    names = _overloads("aten::add")
    assert names.index("Tensor") < names.index("Scalar") < names.index("int")


def test_has_op() -> None:
    assert registry.has_op("aten::relu") and registry.has_op("prim::min")
    assert not registry.has_op("aten::no_such_op")
    assert not registry.has_op("foo::relu") and not registry.has_op("relu")
    assert not registry.has_op("aten::bad name")
    assert not registry.has_op("prim::name")  # resolves to a plain builtin, not an operator


def test_schemas_are_cached_and_copied() -> None:
    first = registry.schemas_for("aten::mul")
    first.clear()
    assert registry.schemas_for("aten::mul")


def test_op_overload_runs_eagerly() -> None:
    import torch

    schema = registry.lookup("aten::add.Tensor")
    assert schema is not None
    fn = registry.op_overload(schema)
    assert fn(torch.ones(2), torch.ones(2), alpha=2).tolist() == [3.0, 3.0]


def test_prim_table() -> None:
    assert prim_info("prim::If").blocks == 2  # type: ignore[union-attr]
    assert prim_info("prim::Loop").n_outputs == VARIADIC  # type: ignore[union-attr]
    assert prim_info("prim::GetAttr").attributes == ("name",)  # type: ignore[union-attr]
    assert prim_info("prim::Constant").n_inputs == 0  # type: ignore[union-attr]
    assert not PRIM_EFFECTS["prim::SetAttr"].removable
    assert is_structural("prim::ListConstruct") and not is_structural("aten::add")
    assert all(k.startswith("prim::") and v.kind == k for k, v in PRIMS.items())


def test_has_op_agrees_with_schemas_for() -> None:
    names = ["aten::add", "aten::relu", "aten::len", "aten::format", "aten::_foreach_add",
             "aten::max_pool2d", "aten::sum", "prim::min", "prim::Print", "aten::abs"]  # fmt: skip
    assert [registry.has_op(n) for n in names] == [bool(registry.schemas_for(n)) for n in names]


def test_lazy_iteration_gives_the_same_schemas_in_the_same_order() -> None:
    for name in ["aten::add", "aten::max", "aten::len", "prim::min", "aten::relu"]:
        eager = registry.schemas_for(name)
        assert list(registry.iter_schemas(name)) == eager
        assert registry.n_call_overloads(name) == len(eager)
    assert list(registry.iter_schemas("aten::no_such_op")) == []
    assert registry.n_call_overloads("aten::no_such_op") == 0


def test_torch_alias_info_agrees_with_is_out_variant() -> None:
    # `_call_overloads` filters on torch's alias info so it need not convert every schema.
    for name in ["aten::add", "aten::max", "aten::split", "aten::sort", "aten::topk",
                 "aten::cat", "aten::unbind", "aten::index_put_"]:  # fmt: skip
        for schema in registry.all_schemas_for(name):
            fs = registry._torch_schema(name, schema.overload_name or "default")
            assert registry._torch_is_out_variant(fs) == registry.is_out_variant(schema), schema


_LIBRARY = torch.library.Library("hjtest", "DEF")
_LIBRARY.define("scale(Tensor x, float factor) -> Tensor")
_LIBRARY.impl("scale", lambda x, factor: x * factor, "CompositeExplicitAutograd")


def uses_custom_op(x: torch.Tensor) -> torch.Tensor:
    return torch.ops.hjtest.scale(x, 3.0) + 1


def test_ops_of_any_registered_library_are_builtins_and_round_trip() -> None:
    # torchvision's models call `torch.ops.torchvision.nms`; any namespace registered with
    # torch.library resolves the same way, and an archive names the op, not Python code.
    scripted = hybridjit.script(uses_custom_op)
    assert "hjtest::scale" in str(scripted.graph)
    x = torch.randn(3)
    loaded = hybridjit.load(io.BytesIO(_saved(scripted)))
    for run in (scripted, scripted.using("interpreter"), loaded):
        torch.testing.assert_close(run(x), x * 3 + 1)


@pytest.mark.parametrize("name", ["load_library::x", "higher_order::cond", "_dir::x",
                                  "__class__::mro", "nowhere::op", "hjtest::missing"])
def test_names_that_are_no_registered_operator_are_not_ops(name: str) -> None:
    assert not registry.has_op(name)


def _saved(obj: object) -> bytes:
    buffer = io.BytesIO()
    hybridjit.save(obj, buffer)
    return buffer.getvalue()
