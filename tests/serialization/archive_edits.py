"""Editing archives byte by byte and entry by entry (for hostile-input tests)."""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from typing import Any, Callable

import torch

import hybridjit
from hybridjit.runtime.module import ScriptModule
from hybridjit.serialization.zipio import MAX_ENTRIES

from .helpers import module_from_torch, save_bytes


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rebuild(items: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    """A zip of exactly these entries (any names, duplicates allowed), deflating text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in items.items() if isinstance(items, dict) else items:
            kind = zipfile.ZIP_STORED if name.endswith(".safetensors") else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = kind
            zf.writestr(info, content)
    return buffer.getvalue()


def edit(data: bytes, **changes: bytes | None) -> bytes:
    """`data` with entries replaced (keyword `model_json` names `model.json`) or removed."""
    items = entries(data)
    for key, value in changes.items():
        name = _entry_name(key)
        if value is None:
            items.pop(name, None)
        else:
            items[name] = value
    return rebuild(items)


def edit_json(data: bytes, name: str, change: Callable[[Any], Any]) -> bytes:
    items = entries(data)
    doc = json.loads(items[name])
    result = change(doc)
    items[name] = json.dumps(doc if result is None else result).encode()
    return rebuild(items)


def _entry_name(key: str) -> str:
    if key.startswith("code_"):
        return "code/" + key[5:] + ".graph"
    return key.replace("_json", ".json").replace("_safetensors", ".safetensors")


class Small(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)
        self.k: int = 2
        self.register_buffer("view", self.lin.weight.detach()[:, 1:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return self.lin(x) * self.k
        return self.lin(x) - 1


def small_module() -> ScriptModule:
    torch.manual_seed(0)
    return module_from_torch(Small())


def small_archive() -> bytes:
    return save_bytes(small_module())


def _plus_one(x: torch.Tensor) -> torch.Tensor:
    return x + 1


def function_archive() -> bytes:
    """The archive of a scripted one-input function (`x + 1`)."""
    buf = io.BytesIO()
    hybridjit.save(hybridjit.script(_plus_one), buf)
    return buf.getvalue()


def with_graph(archive: bytes, body: list[str]) -> bytes:
    """`archive` with its function's graph text replaced by `graph(%x : Tensor):` + `body`."""
    items = entries(archive)
    name = next(n for n in items if n.endswith(".graph"))
    items[name] = "\n".join(["graph(%x : Tensor):", *body, ""]).encode()
    return rebuild(items)


# -- structure-aware mutations (tests/serialization/test_fuzz.py) ----------------------------
# Each takes the archive's entries (name -> bytes) and parameters drawn by hypothesis, and
# returns the archive's new bytes: every edit keeps the zip well-formed and (mostly) the JSON
# parseable, so that the reader's later checks — the verifier above all — are what is tested.

OPS = (
    "aten::add", "aten::sub", "aten::mul", "aten::div", "aten::linear", "aten::relu",
    "aten::size", "aten::len", "aten::__getitem__", "aten::append", "aten::cat", "aten::select",
    "aten::unsqueeze", "aten::ones", "aten::zeros", "aten::eq", "aten::lt", "aten::Int",
    "aten::item", "aten::format", "aten::str", "aten::dim", "aten::pop", "aten::_set_item",
    "aten::__range_length", "aten::__derive_index", "aten::list", "aten::copy_", "aten::t",
    "prim::Constant", "prim::If", "prim::Loop", "prim::GetAttr", "prim::SetAttr",
    "prim::CallMethod", "prim::CallFunction", "prim::TupleConstruct", "prim::TupleUnpack",
    "prim::TupleIndex", "prim::ListConstruct", "prim::ListUnpack", "prim::DictConstruct",
    "prim::RaiseException", "prim::Print", "prim::Uninitialized", "prim::unchecked_cast",
    "prim::NumToTensor", "prim::device", "prim::dtype", "prim::isinstance", "prim::min",
    "prim::EnumValue", "prim::EnumName", "prim::data", "aten::__is__", "aten::__not__",
    "prim::PythonOp", "aten::save", "aten::warn", "prim::Enter", "prim::Exit", "prim::fork",
    "aten::wait", "prim::nope", "aten::nope",
)  # fmt: skip
TYPES = (
    "Tensor", "int", "float", "bool", "str", "NoneType", "int[]", "Tensor[]", "float[]",
    "(int, int)", "(Tensor, int)", "Dict(str, int)", "int?", "Tensor?", "Any", "Scalar",
    "Device", "__torch__.torch.nn.modules.linear.Linear",
    "__torch__.tests.serialization.archive_edits.Small", "Enum<__torch__.nope.Color>",
    "Future[int]", "Union[int, str]", "t", "(int)[]", "Dict(Tensor, int)", "int[][]",
    "Float(2, 3, strides=[3, 1], requires_grad=0, device=cpu)", "Nope",
)  # fmt: skip
ATTR_VALUES = (
    "0", "1", "-1", "3", "1000", "9223372036854775807", "9223372036854775808", "-2.5", "inf",
    "nan", '"a"', '"forward"', '""', "None", "[1, 2]", "[]", "cpu", '"cpu"', '"cuda"', '"xpu:0"',
    "__torch__.tests.serialization.test_fuzz.Color.RED", "__torch__.nope.Color.RED",
    "True", "<Tensor>", "1e400",
)  # fmt: skip
ATTR_NAMES = ("value", "name", "training", "lin", "k", "weight", "bias", "view", "forward",
              "__init__", "nope", "_c", "__class__")  # fmt: skip

_KIND = re.compile(r"= ([a-z]+::[A-Za-z_0-9]+)")
_VALUE = re.compile(r"%[A-Za-z0-9_.]+")
_ATTR = re.compile(r"\[(\w+)=((?:\"[^\"]*\"|[^\]])*)\]")
_TYPE = re.compile(r"(%[A-Za-z0-9_.]+ : )([^,=)]+?)(?=,|\)| =|$|:)")
_ARGS = re.compile(r"(::[A-Za-z_0-9]+(?:\[[^\]]*\])?)\(([^()]*)\)")


def _graph_names(items: dict[str, bytes]) -> list[str]:
    return sorted(n for n in items if n.endswith(".graph"))


def mutate_graph(items: dict[str, bytes], which: int, kind: str, line: int, pick: int,
                 other: int) -> bytes:  # fmt: skip
    """One edit of one graph's text: an op kind, a value use, a type, an attribute, the
    arguments or outputs of a node, or a whole line dropped, duplicated or moved."""
    names = _graph_names(items)
    if not names:
        return rebuild(items)
    name = names[which % len(names)]
    lines = items[name].decode("utf-8", "replace").split("\n")
    i = line % len(lines)
    text = lines[i]
    values = sorted({v for ln in lines for v in _VALUE.findall(ln)}) + ["%nope"]
    if kind == "op":
        text = _KIND.sub(f"= {OPS[pick % len(OPS)]}", text, count=1)
    elif kind == "use":
        uses = list(_VALUE.finditer(text.split("=", 1)[1] if "=" in text else text))
        offset = text.index("=") + 1 if "=" in text else 0
        if uses:
            m = uses[pick % len(uses)]
            new = values[other % len(values)]
            text = text[: offset + m.start()] + new + text[offset + m.end() :]
    elif kind == "type":
        found = list(_TYPE.finditer(text))
        if found:
            m = found[pick % len(found)]
            text = text[: m.start(2)] + TYPES[other % len(TYPES)] + text[m.end(2) :]
    elif kind == "attr":
        found = list(_ATTR.finditer(text))
        if found:
            m = found[pick % len(found)]
            if other % 3 == 0:
                text = text[: m.start(1)] + ATTR_NAMES[pick % len(ATTR_NAMES)] + text[m.end(1) :]
            else:
                text = text[: m.start(2)] + ATTR_VALUES[other % len(ATTR_VALUES)] + text[m.end(2) :]
        else:
            text = _KIND.sub(lambda k: k.group(0) + f"[value={ATTR_VALUES[other % len(ATTR_VALUES)]}]",
                             text, count=1)  # fmt: skip
    elif kind == "args":
        m = _ARGS.search(text)
        if m:
            args = [a for a in m.group(2).split(", ") if a]
            if pick % 3 == 0 and args:
                del args[other % len(args)]
            elif pick % 3 == 1:
                args.insert(other % (len(args) + 1), values[pick % len(values)])
            else:
                args = args * (2 + other % 3)
            text = text[: m.start(2)] + ", ".join(args) + text[m.end(2) :]
    elif kind == "outputs":
        if " = " in text and text.lstrip().startswith("%"):
            if pick % 2:
                text = text.replace("%", f"%extra{other} : {TYPES[other % len(TYPES)]}, %", 1)
            else:
                head, _, rest = text.partition(" = ")
                outs = head.split(", ")
                text = ", ".join(outs[:-1]) + (" = " if len(outs) > 1 else "  = ") + rest
        else:
            text = text.replace("return (", f"return ({values[other % len(values)]}, ", 1)
    elif kind == "drop":
        del lines[i]
        text = None  # type: ignore[assignment]
    elif kind == "duplicate":
        lines.insert(i, text)
    elif kind == "move":
        j = other % len(lines)
        lines[i], lines[j] = lines[j], lines[i]
        text = lines[i]
    if text is not None:
        lines[i] = text
    items = dict(items)
    items[name] = "\n".join(lines).encode()
    return rebuild(items)


TENSOR_FIELDS = {
    "dtype": ["float64", "int64", "bool", "float16", "bfloat16", "complex64", "uint8", "int8",
              "float8_e4m3fn", "qint8", "nope", 3, None],
    "shape": [[2, 3], [3, 3], [100, 100], [-1, 3], [0], [], [2**40, 2**40], [1] * 70, "2", None],
    "stride": [[1, 1], [0, 0], [-1, 1], [3, 1, 1], [2**62, 1], [], None],
    "offset": [0, 1, 5, 8, -1, 2**63, 1.5, None],
    "storage": [0, 1, 2, -1, 10**9, "0", None],
    "device": ["cpu", "cuda", "cuda:0", "xpu", "mps", "meta", "cpu:1", "nope", "", 0],
    "requires_grad": [True, False, 1, "yes", None],
}  # fmt: skip


def mutate_tensor_record(items: dict[str, bytes], record: int, field: int, value: int) -> bytes:
    """One field of one tensors.json record set to another value (of its kind or not)."""
    if "tensors.json" not in items:
        return rebuild(items)
    records = json.loads(items["tensors.json"])
    if not records:
        return rebuild(items)
    r = records[record % len(records)]
    key = sorted(TENSOR_FIELDS)[field % len(TENSOR_FIELDS)]
    pool = TENSOR_FIELDS[key]
    r[key] = pool[value % len(pool)]
    items = dict(items)
    items["tensors.json"] = json.dumps(records).encode()
    return rebuild(items)


SAFETENSORS_EDITS = {
    "dtype": ["F32", "F64", "I64", "BOOL", "U8", "F8_E4M3", "X", 1],
    "shape": [[8], [0], [1000], [2**40], [-8], [4, 2], "8", []],
    "data_offsets": [[0, 8], [8, 0], [0, 10**9], [-8, 0], [24, 32], [0, 24], [0], "x", None],
    "header_length": [0, 1, 7, 10**6, 2**63, 2**64 - 1],
    "metadata": [None, {}, {"format": "pt"}, [1], "x", {"format": 1}],
    "extra_tensor": [{"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                     {"dtype": "U8", "shape": [10**6], "data_offsets": [0, 10**6]}, 0],
}  # fmt: skip


def mutate_safetensors(items: dict[str, bytes], key: int, field: int, value: int) -> bytes:
    """An edit of the safetensors header (its JSON and its 8-byte length)."""
    name = next((n for n in items if n.endswith(".safetensors")), None)
    if name is None:
        return rebuild(items)
    data = items[name]
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    kind = sorted(SAFETENSORS_EDITS)[field % len(SAFETENSORS_EDITS)]
    pool = SAFETENSORS_EDITS[kind]
    new_value = pool[value % len(pool)]
    tensors = sorted(k for k in header if k != "__metadata__")
    length = None
    if kind == "header_length":
        length = new_value
    elif kind == "metadata":
        header["__metadata__"] = new_value
    elif kind == "extra_tensor":
        header[f"storage.{len(tensors) + key % 3}"] = new_value
    elif tensors:
        header[tensors[key % len(tensors)]][kind] = new_value
    text = json.dumps(header).encode()
    length = len(text) if length is None else length
    items = dict(items)
    items[name] = struct.pack("<Q", length) + text + body
    return rebuild(items)


MODEL_EDITS = (
    ("attribute_type", ["float", "str", "Tensor", "int[]", "bool", "NoneType", "int?", "Any",
                        "Dict(str, int)", "(int, int)", "__torch__.nope.X", "t", ""]),
    ("attribute_value", [2.5, "2", None, [2], True, 2**63, -(2**63) - 1, {"a": 1}, 10**400]),
    ("ref", [0, 1, 2, 3, -1, 10**6, "0", None, 1.0]),
    ("method", ["__torch__.torch.nn.modules.linear.Linear.forward",
                "__torch__.tests.serialization.archive_edits.Small.forward",
                "__torch__.tests.serialization.test_fuzz.pick", "__torch__.nope", "", None]),
    ("training", [False, True, 0, "no", None]),
    ("manifest", [{"kind": "module", "ref": 1}, {"kind": "module", "ref": 5},
                  {"kind": "function", "ref": "__torch__.nope"}, {"kind": "function", "ref": 0},
                  {"kind": "nope"}, None]),
)  # fmt: skip


def _json_object(items: dict[str, bytes], name: str) -> dict[str, Any] | None:
    """The member as a JSON object, or None where an earlier edit left it something else."""
    try:
        doc = json.loads(items.get(name, b""))
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def mutate_model(items: dict[str, bytes], edit: int, where: int, value: int) -> bytes:
    """A typed edit of model.json (attribute types and values, member references, method
    names, training flags) or of the manifest's root."""
    kind, pool = MODEL_EDITS[edit % len(MODEL_EDITS)]
    new = pool[value % len(pool)]
    items = dict(items)
    if kind == "manifest":
        doc = _json_object(items, "manifest.json")
        if doc is None:
            return rebuild(items)
        doc["root"] = new
        items["manifest.json"] = json.dumps(doc).encode()
        return rebuild(items)
    doc = _json_object(items, "model.json")
    if doc is None:
        return rebuild(items)
    modules = doc.get("modules") or []
    functions = doc.get("functions") or []
    if kind == "method" and functions and not modules:
        functions[where % len(functions)]["qualified_name"] = new
    elif modules:
        m = modules[where % len(modules)]
        if kind == "training":
            m["training"] = new
        elif kind in ("attribute_type", "attribute_value") and m["attributes"]:
            attr = m["attributes"][where % len(m["attributes"])]
            attr[1 if kind == "attribute_type" else 2] = new
        elif kind == "ref":
            members = [x for f in ("parameters", "buffers", "submodules") for x in m[f]]
            if members:
                members[where % len(members)][1] = new
        elif kind == "method" and m["methods"]:
            m["methods"][where % len(m["methods"])][1] = new
    items["model.json"] = json.dumps(doc).encode()
    return rebuild(items)


_BOMB: list[bytes] = []


def _bomb_entry() -> bytes:
    """300 MiB of spaces, deflated (about 300 KiB): inflating it must be refused."""
    if not _BOMB:
        z = zlib.compressobj(9, zlib.DEFLATED, -15)
        chunk = b" " * (1 << 20)
        raw = b"".join(z.compress(chunk) for _ in range(300)) + z.flush()
        _BOMB.append(raw)
    return _BOMB[0]


ODD_NAMES = ("../evil.graph", "/abs/evil.json", "code/../../evil.graph", "C:\\evil.json",
             "code/", "x" * 2000, "code/\u00e9\u00e8.graph", "tensors.json/", ".", "")  # fmt: skip


def mutate_zip(items: dict[str, bytes], trick: int, which: int) -> bytes:
    """Zip-level tricks: odd entry names, a deflate bomb, bzip2/lzma/unknown compression,
    thousands of entries, a comment, an entry whose header lies about its size."""
    names = sorted(items)
    target = names[which % len(names)]
    trick %= 8
    if trick == 0:  # an extra entry under an odd name (path traversal, absolute, directory)
        return rebuild([*items.items(), (ODD_NAMES[which % len(ODD_NAMES)], b"{}")])
    if trick == 1:  # an entry renamed oddly
        renamed = [(ODD_NAMES[which % len(ODD_NAMES)] if n == target else n, b)
                   for n, b in items.items()]  # fmt: skip
        return rebuild(renamed)
    if trick == 2:  # a deflate bomb in place of an entry
        return _raw_zip([(n, b, None) for n, b in items.items() if n != target]
                        + [(target, _bomb_entry(), 300 << 20)])  # fmt: skip
    if trick in (3, 4):  # another compression method for one entry
        method = zipfile.ZIP_BZIP2 if trick == 3 else zipfile.ZIP_LZMA
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for n, b in items.items():
                zf.writestr(n, b, compress_type=method if n == target else zipfile.ZIP_DEFLATED)
        return buffer.getvalue()
    if trick == 5:  # thousands of small extra entries, or one more than the reader's cap
        count = 3000 if which % 2 else MAX_ENTRIES + 1
        extra = ((f"extra/{k}", b"x", None) for k in range(count))
        return _raw_zip([*((n, b, None) for n, b in items.items()), *extra])
    if trick == 6:  # a long archive comment
        buffer = io.BytesIO(rebuild(items))
        with zipfile.ZipFile(buffer, "a") as zf:
            zf.comment = b"c" * 60000
        return buffer.getvalue()
    # trick 7: the local header claims an unknown compression method (99: AES)
    data = bytearray(rebuild(items))
    for sig, field in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # first entry's method field
        at = data.find(sig)
        if at >= 0:
            data[at + field : at + field + 2] = struct.pack("<H", 99)
    return bytes(data)


def _raw_zip(parts: list[tuple[str, bytes, int | None]]) -> bytes:
    """A zip written by hand (fast for 100,000 entries): plain entries stored (size None), the
    bomb as raw deflate data with its true inflated size (so it is never inflated here)."""
    body = bytearray()
    directory = bytearray()
    for name, content, size in parts:
        raw, crc, method = content, 0, 0  # plain entries are stored
        if size is None:
            crc, size = zlib.crc32(content), len(content)
        else:
            crc, method = _bomb_crc(), 8
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(raw), size,
                            len(encoded), 0) + encoded + raw  # fmt: skip
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc,
                                 len(raw), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded  # fmt: skip
    n = min(len(parts), 0xFFFF)  # (the count field is 16 bits; the records are all there)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(directory), len(body), 0)
    return bytes(body + directory + end)


_BOMB_CRC: list[int] = []


def _bomb_crc() -> int:
    if not _BOMB_CRC:
        crc = 0
        chunk = b" " * (1 << 20)
        for _ in range(300):
            crc = zlib.crc32(chunk, crc)
        _BOMB_CRC.append(crc)
    return _BOMB_CRC[0]
