"""Malformed and hostile archives end in ArchiveError, quickly and in bounded memory."""

from __future__ import annotations

import builtins
import io
import json
import pickle
import sys
import time
import zipfile

import pytest
import torch

import hybridjit
from hybridjit.runtime.function import ScriptFunction

from .archive_edits import edit, edit_json, entries, rebuild, small_archive
from .helpers import load_bytes, save_bytes


@pytest.fixture(scope="module")
def good() -> bytes:
    return small_archive()


def refused(data: bytes, match: str, **kwargs) -> None:  # noqa: ANN003
    start = time.perf_counter()
    with pytest.raises(hybridjit.ArchiveError, match=match):
        load_bytes(data, **kwargs)
    assert time.perf_counter() - start < 5


def test_the_fixture_loads(good: bytes) -> None:
    m = load_bytes(good)
    assert m(torch.ones(1, 3)).shape == (1, 2)


@pytest.mark.parametrize("data", [b"", b"PK", b"not a zip at all", b"PK\x03\x04" + b"\x00" * 40])
def test_garbage_is_refused(data: bytes) -> None:
    refused(data, "zip|hybridjit archive")


def test_every_truncation_is_refused(good: bytes) -> None:
    for n in range(0, len(good), max(1, len(good) // 97)):
        with pytest.raises(hybridjit.ArchiveError):
            load_bytes(good[:n])


def test_torch_jit_archives_are_refused_without_unpickling(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "m.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(path))
    refused(path.read_bytes(), "not a hybridjit archive")


def test_newer_format_versions_are_refused_clearly(good: bytes) -> None:
    data = edit_json(good, "manifest.json", lambda m: m.update(format_version=99))
    refused(data, "format version 99 is newer than this hybridjit supports")


@pytest.mark.parametrize(
    "name", ["../evil.json", "/etc/passwd", "code/../../x.graph", "a\\b", "x/./y"]
)
def test_path_traversal_names_are_refused(good: bytes, name: str) -> None:
    refused(rebuild([*entries(good).items(), (name, b"{}")]), "unsafe zip entry name")


def test_duplicate_entries_are_refused(good: bytes) -> None:
    items = list(entries(good).items())
    with pytest.warns(UserWarning):
        data = rebuild([*items, ("model.json", b"{}")])
    refused(data, "duplicate zip entry 'model.json'")


def test_unexpected_and_missing_entries_are_refused(good: bytes) -> None:
    refused(edit(good, **{"evil_json": b"{}"}), "unexpected archive entry")
    refused(edit(good, tensors_json=None), "missing entries: tensors.json")


def test_zip_bomb_is_refused_before_decompressing(good: bytes) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries(good).items():
            if name != "model.json":
                zf.writestr(name, content)
        with zf.open("model.json", "w", force_zip64=True) as f:
            chunk = b" " * (1 << 20)
            for _ in range(80):  # 80 MiB of spaces: ~80 KiB compressed
                f.write(chunk)
    refused(buffer.getvalue(), "declares .* bytes of text")


def test_lying_sizes_are_refused(good: bytes) -> None:
    data = bytearray(good)
    at = 0
    while True:  # the central directory record of model.json
        at = data.index(b"PK\x01\x02", at + 1)
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_len] == b"model.json":
            break
    data[at + 24 : at + 28] = (0xFFFFFFF0).to_bytes(4, "little")  # uncompressed size: ~4 GiB
    refused(bytes(data), "impossible size")


def _local_header(data: bytes, name: bytes) -> int:
    at = -1
    while True:
        at = data.index(b"PK\x03\x04", at + 1)
        name_len = int.from_bytes(data[at + 26 : at + 28], "little")
        if data[at + 30 : at + 30 + name_len] == name:
            return at


def test_a_flipped_weight_byte_fails_the_crc(good: bytes) -> None:
    # weights are read as a view of the archive, not through zipfile: the CRC is still checked
    data = bytearray(good)
    at = _local_header(good, b"tensors.safetensors")
    data[at + 30 + len(b"tensors.safetensors") + 8 + 4] ^= 0x01  # inside the safetensors header
    refused(bytes(data), "tensors.safetensors.*corrupt: Bad CRC-32")
    data = bytearray(good)
    data[data.index(b"PK\x01\x02") - 5] ^= 0x01  # the last data byte before the central directory
    refused(bytes(data), "corrupt")


def test_a_local_header_that_names_another_entry_is_refused(good: bytes) -> None:
    data = bytearray(good)
    at = _local_header(good, b"tensors.safetensors")
    data[at + 30 : at + 31] = b"T"
    refused(bytes(data), "tensors.safetensors.*local header does not match")
    data = bytearray(good)
    data[at : at + 4] = b"PK\x09\x09"
    refused(bytes(data), "tensors.safetensors.*bad local header")


def test_wrong_json_types_are_refused(good: bytes) -> None:
    refused(edit_json(good, "model.json", lambda m: m.update(functions={})), "functions")
    refused(
        edit_json(good, "model.json", lambda m: m["modules"][0].update(training="yes")), "training"
    )
    refused(edit_json(good, "tensors.json", lambda t: t[0].update(shape="big")), "shape")
    refused(edit_json(good, "manifest.json", lambda m: m.update(root={"kind": "python"})), "kind")


def test_deep_json_nesting_is_refused_quickly(good: bytes) -> None:
    refused(edit(good, model_json=b"[" * 200_000 + b"]" * 200_000), "nests deeper")


def test_deep_graph_nesting_is_refused(good: bytes) -> None:
    lines = [
        "graph(%self : __torch__.Small, %x.1 : Tensor):",
        "  %c : bool = prim::Constant[value=1]()",
    ]
    depth = 300
    for i in range(depth):
        pad = "  " * (2 * i + 1)
        lines += [f"{pad}%v{i} : Tensor = prim::If(%c)", f"{pad}  block0():"]
    lines.append("  " * (2 * depth + 1) + "-> (%x.1)")
    items = entries(good)
    lines[0] = items[forward_entry(good)].decode().splitlines()[0]
    items[forward_entry(good)] = ("\n".join(lines) + "\n").encode()
    refused(rebuild(items), "nest|deep")


@pytest.mark.parametrize(("change", "match"), [
    (lambda t: t[0].update(shape=[1 << 40, 1 << 40]), "reach byte|elements"),
    (lambda t: t[0].update(stride=[1 << 50, 1]), "reach byte"),
    (lambda t: t[0].update(offset=10**9), "reach byte"),
    (lambda t: t[0].update(offset=-1), "negative"),
    (lambda t: t[0].update(stride=[-1, 1]), "negative"),
    (lambda t: t[0].update(shape=[1] * 100, stride=[1] * 100), "at most"),
    (lambda t: t[0].update(dtype="object"), "dtype"),
    (lambda t: t[0].update(storage=7), "storage"),
    (lambda t: t[0].update(device="cuda:0; rm -rf /"), "device"),
])  # fmt: skip
def test_absurd_tensor_records_are_refused(good: bytes, change, match: str) -> None:  # noqa: ANN001
    refused(edit_json(good, "tensors.json", change), match)


def test_safetensors_header_beyond_the_data_is_refused(good: bytes) -> None:
    blob = entries(good)["tensors.safetensors"]
    refused(
        edit(good, tensors_safetensors=(1 << 60).to_bytes(8, "little") + blob[8:]), "header length"
    )
    header_len = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8 : 8 + header_len])
    header["storage.0"]["data_offsets"] = [0, 1 << 40]
    head = json.dumps(header).encode()
    refused(edit(good, tensors_safetensors=len(head).to_bytes(8, "little") + head + blob[8 + header_len :]),
            "data_offsets")  # fmt: skip


def forward_entry(data: bytes) -> str:
    return next(n for n in entries(data) if n.endswith("Small.forward.graph"))


def _graph_edit(good: bytes, old: str, new: str) -> bytes:
    items = entries(good)
    text = items[forward_entry(good)].decode()
    assert old in text
    items[forward_entry(good)] = text.replace(old, new, 1).encode()
    return rebuild(items)


def test_unknown_operators_are_refused(good: bytes) -> None:
    refused(_graph_edit(good, "aten::mul", "aten::definitely_not_an_op"), "definitely_not_an_op")


def test_python_ops_are_refused(good: bytes) -> None:
    refused(_graph_edit(good, "aten::mul", "prim::PythonOp"), "PythonOp")


def test_file_touching_operators_need_an_opt_in(tmp_path) -> None:  # noqa: ANN001
    target = tmp_path / "blob.bin"
    target.write_bytes(b"\x00" * 16)
    text = ("graph(%path : str):\n  %none : NoneType = prim::Constant()\n"
            "  %n : int = prim::Constant[value=4]()\n"
            "  %t : Tensor = aten::from_file(%path, %none, %n, %none, %none, %none, %none)\n"
            "  return (%t)\n")  # fmt: skip
    data = save_bytes(ScriptFunction("reader", hybridjit.parse_ir(text)))
    refused(data, "aten::from_file touches files.*allow_unsafe_ops=True")
    fn = load_bytes(data, allow_unsafe_ops=True)
    assert fn(str(target)).shape == (4,)


@pytest.mark.parametrize("name", ["__class__", "__dict__", "_modules", "state_dict", "forward"])
def test_get_attr_of_python_internals_is_refused(good: bytes, name: str) -> None:
    refused(_graph_edit(good, 'prim::GetAttr[name="k"]', f'prim::GetAttr[name="{name}"]'),
            "no saved member")  # fmt: skip


def test_call_method_of_python_internals_is_refused(good: bytes) -> None:
    refused(_graph_edit(good, 'CallMethod[name="forward"]', 'CallMethod[name="register_forward_hook"]'),
            "no saved method")  # fmt: skip


@pytest.mark.parametrize(
    "name", ["__class__", "state_dict", "a.b", "x y", "_hj_methods", "__init__", ""]
)
def test_hostile_member_names_are_refused(good: bytes, name: str) -> None:
    def rename(model):  # noqa: ANN001, ANN202
        model["modules"][0]["attributes"].append([name, "int", 1])

    refused(edit_json(good, "model.json", rename), "name")


def test_module_cycles_are_refused(good: bytes) -> None:
    refused(edit_json(good, "model.json", lambda m: m["modules"][1]["submodules"].append(["back", 0])),
            "cycle")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# nothing is unpickled, imported or executed while loading


def test_loading_never_unpickles_imports_or_executes(good: bytes, monkeypatch) -> None:  # noqa: ANN001
    data = save_bytes(load_bytes(good), extra={"x.txt": "1"})
    load_bytes(data)  # warm up: every module the loader needs is imported now
    before = set(sys.modules)
    real_import = builtins.__import__

    def forbidden(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("called during load")

    def guarded_import(name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        module = real_import(name, *args, **kwargs)
        if name.split(".")[0] not in sys.stdlib_module_names and name not in before:
            raise AssertionError(f"load imported {name}")
        return module

    for target in (pickle, "_pickle"):
        mod = sys.modules[target] if isinstance(target, str) else target
        for attr in ("loads", "load", "Unpickler"):
            monkeypatch.setattr(mod, attr, forbidden)
    monkeypatch.setattr(builtins, "__import__", guarded_import)
    for name in ("exec", "eval", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    m = load_bytes(data, _extra_files={"x.txt": ""})
    monkeypatch.undo()
    assert m(torch.ones(1, 3)).shape == (1, 2)
    assert set(sys.modules) - before == set()


# ---------------------------------------------------------------------------------------------
# code injection through names and strings loads as inert data


HOSTILE = "\"); import os; os.system(\"touch PWNED\") #\n'''\\"


def test_hostile_string_constants_are_data(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    from hybridjit.ir.printer import quote_string

    text = (f"graph(%x : int):\n  %s : str = prim::Constant[value={quote_string(HOSTILE)}]()\n"
            "  return (%s)\n")  # fmt: skip
    fn = load_bytes(save_bytes(ScriptFunction("f", hybridjit.parse_ir(text))))
    assert fn(1) == HOSTILE
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    "name", ["__import__", "exec", "os", "self", "None", "def", "lambda", "1x", "__builtins__"]
)
def test_hostile_value_names_are_inert(name: str) -> None:
    text = (f"graph(%{name} : int):\n  %one : int = prim::Constant[value=1]()\n"
            f"  %r : int = aten::add(%{name}, %one)\n  return (%r)\n")  # fmt: skip
    fn = load_bytes(save_bytes(ScriptFunction("f", hybridjit.parse_ir(text))))
    assert fn(41) == 42


@pytest.mark.parametrize(
    "cls", ["exec", "eval", "os.system", "__import__", "builtins.exec", "breakpoint"]
)
def test_hostile_exception_class_names_do_not_run_code(tmp_path, monkeypatch, cls: str) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    from hybridjit.ir.printer import quote_string

    payload = quote_string("open('PWNED', 'w')")
    text = (f"graph(%x : int):\n  %m : str = prim::Constant[value={payload}]()\n"
            f"  %c : str = prim::Constant[value={quote_string(cls)}]()\n"
            "   = prim::RaiseException(%m, %c)\n  return (%x)\n")  # fmt: skip
    fn = load_bytes(save_bytes(ScriptFunction("f", hybridjit.parse_ir(text))))
    with pytest.raises(Exception):  # noqa: B017 - any exception, as long as nothing ran
        fn(1)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("name", ["f(): pass\nimport os\ndef g", "__class__", "a-b", "1f"])
def test_hostile_function_names_are_refused(name: str) -> None:
    fn = ScriptFunction("f", hybridjit.parse_ir("graph(%x : int):\n  return (%x)\n"))
    data = save_bytes(fn)
    refused(edit_json(data, "model.json", lambda m: m["functions"][0].update(name=name)), "name")
