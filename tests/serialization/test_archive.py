"""Round trips through hybridjit.save / hybridjit.load: behaviour, data and bytes survive."""

from __future__ import annotations

import inspect
import io
import json
import os
import zipfile
from typing import Any

import pytest
import torch

import hybridjit
from hybridjit.ir.types import FunctionType
from hybridjit.runtime.function import ScriptFunction
from hybridjit.runtime.module import ScriptModule

from .archive_edits import edit_json, entries
from .helpers import function_from_torch, load_bytes, module_from_torch, save_bytes


def loop_add(x: torch.Tensor, n: int) -> torch.Tensor:
    y = x * 2
    for _ in range(n):
        y = y + 1
    return y


class Sub(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 4)
        self.scale: int = 3
        self.register_buffer("offset", torch.arange(4.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return self.lin(x) * self.scale + self.offset
        return self.lin(x)


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = Sub()
        self.b = torch.nn.ReLU()
        self.names = ["x", "y"]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, int]:
        return self.b(self.a(x)), len(self.names)


@pytest.fixture
def net() -> ScriptModule:
    torch.manual_seed(0)
    return module_from_torch(Net())


def test_function_round_trip_runs_and_prints_the_same_graph() -> None:
    fn = function_from_torch(loop_add)
    loaded = load_bytes(save_bytes(fn))
    assert isinstance(loaded, ScriptFunction)
    assert str(loaded.graph) == str(fn.graph)
    x = torch.randn(5)
    assert torch.equal(loaded(x, 3), loop_add(x, 3))


def test_saving_is_deterministic_and_load_then_save_gives_the_same_bytes(net: ScriptModule) -> None:
    data = save_bytes(net)
    assert save_bytes(net) == data
    assert save_bytes(load_bytes(data)) == data


def test_zip_entries_are_sorted_with_fixed_timestamps(net: ScriptModule) -> None:
    infos = zipfile.ZipFile(io.BytesIO(save_bytes(net))).infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    kinds = {i.filename: i.compress_type for i in infos}
    assert kinds["tensors.safetensors"] == zipfile.ZIP_STORED
    assert kinds["model.json"] == zipfile.ZIP_DEFLATED


def test_module_round_trip_keeps_members_and_behaviour(net: ScriptModule) -> None:
    loaded = load_bytes(save_bytes(net))
    assert isinstance(loaded, ScriptModule)
    x = torch.randn(2, 3)
    assert torch.equal(loaded(x)[0], net(x)[0]) and loaded(x)[1] == 2
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in net.named_parameters()]
    assert [n for n, _ in loaded.named_modules()] == [n for n, _ in net.named_modules()]
    for (k, v), (k2, v2) in zip(net.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(v, v2)
    assert loaded.a.scale == 3 and loaded.names == ["x", "y"]
    assert isinstance(loaded.a.lin.weight, torch.nn.Parameter) and loaded.a.lin.weight.requires_grad
    assert str(loaded.graph) == str(net.graph)


def test_train_and_eval_switch_the_training_branch(net: ScriptModule) -> None:
    loaded = load_bytes(save_bytes(net))
    x = torch.randn(2, 3)
    loaded.eval()
    net.eval()
    assert not loaded.a.training
    assert torch.equal(loaded(x)[0], net(x)[0])
    assert save_bytes(loaded) == save_bytes(net)  # the training flag is saved
    assert not load_bytes(save_bytes(loaded)).a.training


def test_shared_storage_and_tied_parameters_stay_shared() -> None:
    m = ScriptModule()
    base = torch.arange(12.0)
    m.register_buffer("base", base)
    m.register_buffer("view", base[2:8].view(2, 3).t())  # a strided, offset view
    shared = torch.nn.Parameter(torch.ones(3))
    m.add_module("left", ScriptModule())
    m.add_module("right", ScriptModule())
    m.left.w = shared
    m.right.w = shared
    loaded = load_bytes(save_bytes(m))
    assert loaded.view.stride() == (1, 3) and loaded.view.storage_offset() == 2
    assert torch.equal(loaded.view, m.view)
    loaded.base.add_(100)
    assert torch.equal(loaded.view, m.view + 100), "views must share their base's storage"
    assert loaded.left.w is loaded.right.w
    assert len(list(loaded.parameters())) == 1


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64, torch.int8,
                                   torch.int64, torch.uint8, torch.bool, torch.complex64])  # fmt: skip
def test_dtypes_and_values_survive(dtype: torch.dtype) -> None:
    m = ScriptModule()
    m.register_buffer("t", (torch.arange(6) % 3).to(dtype).reshape(2, 3))
    m.register_buffer("empty", torch.empty(0, 4, dtype=dtype))
    loaded = load_bytes(save_bytes(m))
    assert loaded.t.dtype == dtype and torch.equal(loaded.t, m.t)
    assert loaded.empty.shape == (0, 4)


def test_none_members_and_non_persistent_buffers() -> None:
    m = ScriptModule()
    m.register_parameter("bias", None)
    m.register_buffer("cache", torch.zeros(2), persistent=False)
    loaded = load_bytes(save_bytes(m))
    assert loaded.bias is None and "bias" in loaded._parameters
    assert "cache" not in loaded.state_dict() and torch.equal(loaded.cache, torch.zeros(2))


def _graph_with_tensor_constant(value: torch.Tensor) -> ScriptFunction:
    g = hybridjit.parse_ir(
        "graph(%x : Tensor):\n  %one : int = prim::Constant[value=1]()\n  return (%x)\n"
    )
    with g.inserting_into(g.block, g.block.nodes[0]):
        c = g.constant(value, torch_tensor_type())
    out = g.insert_node(
        "aten::add", [g.inputs[0], c, g.block.nodes[1].output], [torch_tensor_type()]
    )
    g.block.return_node.replace_input(0, out.output)
    return ScriptFunction("add_const", g)


def torch_tensor_type():  # noqa: ANN201
    from hybridjit.ir.types import TENSOR

    return TENSOR


def test_tensor_constants_are_stored_by_reference_with_exact_values() -> None:
    value = torch.linspace(0, 1, 30, dtype=torch.float64).reshape(5, 6)[:, ::2]
    fn = _graph_with_tensor_constant(value)
    data = save_bytes(fn)
    text = zipfile.ZipFile(io.BytesIO(data)).read("code/__torch__.add_const.graph").decode()
    assert "prim::Constant[value=<Tensor>]()" in text
    loaded = load_bytes(data)
    x = torch.ones(5, 3, dtype=torch.float64)
    assert torch.equal(loaded(x), x + value)
    assert save_bytes(loaded) == data


def test_called_functions_are_saved_and_relinked() -> None:
    def helper(x: torch.Tensor) -> torch.Tensor:
        return x * 3

    def outer(x: torch.Tensor) -> torch.Tensor:
        return helper(x) + 1

    helper_fn = function_from_torch(helper)
    graph = hybridjit.parse_ir(str(torch.jit.script(outer).graph))
    calls = [
        n
        for n in graph.all_nodes()
        if n.kind == "prim::Constant" and isinstance(n.output.type, FunctionType)
    ]
    assert len(calls) == 1
    calls[0].output.type = FunctionType(callee=helper_fn)
    outer_fn = ScriptFunction("outer", graph)
    data = save_bytes(outer_fn)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "code/__torch__.helper.graph" in names
    loaded = load_bytes(data)
    callee = (
        next(
            n
            for n in loaded.graph.all_nodes()
            if isinstance(n.outputs[0].type, FunctionType)
            if n.outputs
        )
        .outputs[0]
        .type.callee
    )
    assert isinstance(callee, ScriptFunction) and callee.qualified_name == "__torch__.helper"
    x = torch.randn(3)
    assert torch.equal(loaded(x), x * 3 + 1)
    assert save_bytes(loaded) == data


def test_signature_defaults_and_keywords_survive() -> None:
    fn = function_from_torch(loop_add)
    fn.signature = inspect.Signature([
        inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("n", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=2),
    ])  # fmt: skip
    loaded = load_bytes(save_bytes(fn))
    assert str(loaded.signature) == "(x, n=2)"
    x = torch.zeros(2)
    assert torch.equal(loaded(x), x * 2 + 2) and torch.equal(loaded(x=x, n=1), x + 1)


def test_extra_files_round_trip_as_bytes(net: ScriptModule) -> None:
    data = save_bytes(net, extra={"notes.txt": "héllo", "meta/blob.bin": b"\x00\x01"})
    extra = {"notes.txt": "", "meta/blob.bin": "", "absent": ""}
    load_bytes(data, _extra_files=extra)
    assert extra == {"notes.txt": "héllo".encode(), "meta/blob.bin": b"\x00\x01", "absent": b""}


@pytest.mark.parametrize("name", ["../evil", "/abs", "a/../../b", "x\\y", ""])
def test_unsafe_extra_file_names_are_refused_when_saving(net: ScriptModule, name: str) -> None:
    with pytest.raises(hybridjit.ArchiveError, match="unsafe zip entry name"):
        save_bytes(net, extra={name: "x"})


def test_map_location_moves_tensors(net: ScriptModule) -> None:
    data = save_bytes(net)
    for where in ("cpu", torch.device("cpu"), {"cpu": "cpu"}):
        loaded = load_bytes(data, map_location=where)
        assert loaded.a.lin.weight.device.type == "cpu"
    with pytest.raises(hybridjit.ArchiveError, match="map_location"):
        load_bytes(data, map_location="not-a-device")


def test_save_to_a_path_is_atomic(tmp_path, net: ScriptModule, monkeypatch) -> None:  # noqa: ANN001
    path = tmp_path / "m.hj"
    net.save(str(path))
    before = path.read_bytes()
    assert isinstance(hybridjit.load(path), ScriptModule)

    def broken(entries, out):  # noqa: ANN001, ANN202
        out.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr("hybridjit.serialization.archive.write_zip", broken)
    with pytest.raises(OSError, match="disk full"):
        hybridjit.save(net, path)
    assert path.read_bytes() == before, "a failed save must leave the old file untouched"
    assert os.listdir(tmp_path) == ["m.hj"], "the temporary file must be removed"


def test_saving_something_else_is_an_archive_error() -> None:
    with pytest.raises(hybridjit.ArchiveError, match="ScriptFunction or ScriptModule"):
        save_bytes(lambda x: x)


def test_python_op_nodes_cannot_be_saved() -> None:
    g = hybridjit.parse_ir("graph(%x : Tensor):\n  return (%x)\n")
    g.insert_node("prim::PythonOp", [g.inputs[0]], [])
    with pytest.raises(hybridjit.ArchiveError, match="prim::PythonOp"):
        save_bytes(ScriptFunction("f", g))


class Coder:
    """torchvision's BoxCoder pattern: a plain class held by a module, its methods scripted."""

    def __init__(self, weights: tuple[float, float], clip: float) -> None:
        self.weights = weights
        self.clip = clip
        self.steps: list[int] = [1, 2]
        self.scale: torch.Tensor = torch.tensor([0.5, 2.0])

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        return (x * self.weights[0]).clamp(max=self.clip) * self.scale + len(self.steps)


class HoldsCoder(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.coder = Coder((2.0, 3.0), 1.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.coder.apply(x)


def test_script_class_objects_held_by_modules_round_trip() -> None:
    model, x = HoldsCoder(), torch.randn(2)
    loaded = load_bytes(save_bytes(hybridjit.script(model)))
    torch.testing.assert_close(loaded(x), model(x))
    torch.testing.assert_close(loaded(x), torch.jit.script(model)(x))
    coder = loaded.coder
    assert type(coder).__name__ == "Coder" and not isinstance(coder, Coder)  # never imported
    assert (coder.weights, coder.clip, coder.steps) == ((2.0, 3.0), 1.5, [1, 2])
    torch.testing.assert_close(coder.scale, model.coder.scale)


class SharesObjects(torch.nn.Module):
    """Two attributes holding one object."""

    def __init__(self) -> None:
        super().__init__()
        self.first = Coder((2.0, 3.0), 1.5)
        self.second = self.first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.first.clip = self.first.clip + 1.0  # seen through `second` too
        return self.second.apply(x)


def test_objects_keep_their_sharing_through_save_and_load() -> None:
    model, x = SharesObjects(), torch.randn(2) * 4
    data = save_bytes(hybridjit.script(model))
    loaded = load_bytes(data)
    assert loaded.first is loaded.second
    assert len(json.loads(entries(data)["model.json"])["objects"]) == 1
    oracle = torch.jit.script(SharesObjects())
    for _ in range(2):  # the write through `first` shows through `second`
        torch.testing.assert_close(loaded(x), oracle(x))
    assert json.loads(entries(data)["manifest.json"])["format_version"] == 3


class Link:
    def __init__(self, value: float) -> None:
        self.value = value
        self.next = None  # typed NoneType, by torch.jit too (no recursive class types)


class HoldsLinks(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.head = Link(1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.head.value


def test_a_field_holding_what_its_type_cannot_is_refused_on_save() -> None:
    model = hybridjit.script(HoldsLinks())
    model.head.next = Link(2.0)  # a NoneType field: saving it as None would lose it
    with pytest.raises(hybridjit.ArchiveError, match="attribute 'head': expected None"):
        save_bytes(model)


def _object_table_edit(data: bytes, change: Any) -> bytes:
    def edit_objects(model: dict[str, Any]) -> None:
        change(model["objects"])

    return edit_json(data, "model.json", edit_objects)


@pytest.mark.parametrize("change, match", [
    (lambda objects: objects.__setitem__(0, {"type": "__torch__.Link", "fields": [1.0, None]}),
     "expected object 0 to be a"),
    (lambda objects: objects[0]["fields"].pop(), "fields, got"),
    (lambda objects: objects.clear(), "object index 0 out of range"),
    (lambda objects: objects.__setitem__(0, "Coder"), "expected object 0 to be a"),
])  # fmt: skip
def test_a_bad_object_table_is_an_archive_error(change: Any, match: str) -> None:
    data = save_bytes(hybridjit.script(HoldsCoder()))
    with pytest.raises(hybridjit.ArchiveError, match=match):
        load_bytes(_object_table_edit(data, change))


def test_an_object_whose_field_is_missing_is_an_archive_error() -> None:
    scripted = hybridjit.script(HoldsCoder())
    del scripted.coder.steps
    with pytest.raises(hybridjit.ArchiveError, match="field 'steps'"):
        save_bytes(scripted)


def cast(x: torch.Tensor, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return x.to(dtype)


def test_torch_enum_defaults_are_saved_as_their_numbers() -> None:
    loaded = load_bytes(save_bytes(hybridjit.script(cast)))
    x = torch.ones(2, dtype=torch.int32)
    assert loaded(x).dtype == torch.float64
    assert loaded(x, torch.float16).dtype == torch.float16
