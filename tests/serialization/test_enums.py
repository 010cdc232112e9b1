"""Enum constants in archives: stored as names and values, rebuilt without importing anything.

A loaded program returns members of a rebuilt class (`enum.Enum(name, [(member, value)])`),
so results are compared by class name, member name and value, never by identity.
"""

from __future__ import annotations

import builtins
import enum
import io
import json
import math
import pickle
import sys
import zipfile
from typing import Any, Callable, List, Tuple

import pytest
import torch

import hybridjit
from hybridjit.runtime.function import ScriptFunction
from hybridjit.serialization.enums import bind_enum_constants

from .archive_edits import edit_json, entries, rebuild
from .helpers import load_bytes, save_bytes


class Color(enum.Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


class Mode(enum.Enum):
    FAST = "fast"
    SLOW = "slow"


class Weight(enum.Enum):
    HALF = 0.5
    HUGE = math.inf


def pick(i: int) -> Color:
    if i == 1:
        return Color.RED
    return Color.GREEN


def names(x: int) -> List[str]:
    out = [Mode.FAST.name]
    for m in [Mode.FAST, Mode.SLOW]:
        if m == Mode.SLOW:
            out.append(m.name)
    return out


def pair(x: int) -> Tuple[Mode, Weight]:
    if x > 0:
        return Mode.SLOW, Weight.HUGE
    return Mode.FAST, Weight.HALF


def is_red(c: Color) -> bool:
    return c == Color.RED


class Scaled(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if pick(2) == Color.GREEN:
            return x * 2
        return x


def as_data(value: Any) -> Any:
    """Enum members as (class name, member name, value); everything else unchanged."""
    if isinstance(value, enum.Enum):
        return (type(value).__name__, value.name, value.value)
    if isinstance(value, (list, tuple)):
        return type(value)(as_data(v) for v in value)
    return value


def model_json(data: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return json.loads(zf.read("model.json"))


@pytest.fixture(scope="module")
def pick_archive() -> bytes:
    return save_bytes(hybridjit.script(pick))


def refused(data: bytes, *fragments: str) -> None:
    with pytest.raises(hybridjit.ArchiveError) as info:
        load_bytes(data)
    for fragment in fragments:
        assert fragment in str(info.value)


# ---------------------------------------------------------------------------------------------
# round trips


@pytest.mark.parametrize(
    ("fn", "inputs"),
    [(pick, [(1,), (2,)]), (names, [(0,)]), (pair, [(1,), (0,)])],
    ids=["int_values", "str_values_in_a_loop", "float_values_in_a_tuple"],
)
def test_enum_constants_round_trip(fn: Callable[..., Any], inputs: list[tuple[Any, ...]]) -> None:
    data = save_bytes(hybridjit.script(fn))
    loaded = load_bytes(data)
    for args in inputs:
        assert as_data(loaded(*args)) == as_data(fn(*args))
    assert save_bytes(loaded) == data


def test_the_archive_stores_names_and_values_and_rebuilds_an_equivalent_class(
    pick_archive: bytes,
) -> None:
    assert model_json(pick_archive)["enums"] == [{
        "name": f"__torch__.{__name__}.Color", "value_type": "int",
        "members": [["RED", 1], ["GREEN", 2], ["BLUE", 3]],
    }]  # fmt: skip
    red = load_bytes(pick_archive)(1)
    cls = type(red)
    assert cls is not Color and issubclass(cls, enum.Enum)
    assert [(m.name, m.value) for m in cls] == [("RED", 1), ("GREEN", 2), ("BLUE", 3)]
    assert cls.__module__ == "hybridjit.serialization.enums"


def test_non_finite_float_values_are_saved_as_strings() -> None:
    data = save_bytes(hybridjit.script(pair))
    weight = next(e for e in model_json(data)["enums"] if e["name"].endswith("Weight"))
    assert weight["members"] == [["HALF", 0.5], ["HUGE", "inf"]]
    assert load_bytes(data)(1)[1].value == math.inf


def test_a_module_calling_a_function_with_enums_round_trips() -> None:
    data = save_bytes(hybridjit.script(Scaled()))
    loaded = load_bytes(data)
    assert torch.equal(loaded(torch.ones(2)), torch.full((2,), 2.0))
    assert save_bytes(loaded) == data
    assert len(model_json(data)["enums"]) == 1


def test_enum_inputs_compare_with_the_rebuilt_members() -> None:
    loaded = load_bytes(save_bytes(hybridjit.script(is_red)))
    # The loaded graph's constant is a member of the rebuilt class; so are the inputs to pass.
    constant = next(n["value"] for n in loaded.graph.all_nodes()
                    if isinstance(n.attributes.get("value"), enum.Enum))  # fmt: skip
    assert loaded(constant) is True
    assert loaded(type(constant).GREEN) is False


def test_enum_members_inside_list_constants_round_trip() -> None:
    graph = hybridjit.parse_ir(
        "graph():\n"
        "  %0 : Enum<__torch__.Palette>[] = prim::Constant[value=[__torch__.Palette.BLUE, "
        "__torch__.Palette.RED]]()\n"
        "  return (%0)\n"
    )
    bind_enum_constants(graph, {"__torch__.Palette": Color}, "test")
    assert graph.outputs[0].node["value"] == [Color.BLUE, Color.RED]
    data = save_bytes(ScriptFunction("palette", graph, qualified_name="__torch__.palette"))
    assert model_json(data)["enums"][0]["name"] == "__torch__.Palette"
    loaded = load_bytes(data)
    assert as_data(loaded()) == [("Palette", "BLUE", 3), ("Palette", "RED", 1)]
    assert save_bytes(loaded) == data


def manifest_version(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return json.loads(zf.read("manifest.json"))["format_version"]


def test_only_archives_with_enums_need_format_version_2(pick_archive: bytes) -> None:
    def plain(x: int) -> int:
        return x + 1

    data = save_bytes(hybridjit.script(plain))
    assert "enums" not in model_json(data) and manifest_version(data) == 1
    assert manifest_version(pick_archive) == 2


def test_loading_enums_never_unpickles_imports_or_executes(
    pick_archive: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_bytes(pick_archive)  # warm up: every module the loader needs is imported now
    before = set(sys.modules)
    real_import = builtins.__import__

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("called during load")

    def guarded_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] not in sys.stdlib_module_names and name not in before:
            raise AssertionError(f"load imported {name}")
        return real_import(name, *args, **kwargs)

    for attr in ("loads", "load", "Unpickler"):
        monkeypatch.setattr(pickle, attr, forbidden)
    monkeypatch.setattr(builtins, "__import__", guarded_import)
    for name in ("exec", "eval", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    loaded = load_bytes(pick_archive)
    monkeypatch.undo()
    assert as_data(loaded(1)) == ("Color", "RED", 1)
    assert set(sys.modules) == before


# ---------------------------------------------------------------------------------------------
# refused on save


class Mixed(enum.Enum):
    ONE = 1
    HALF = 0.5


class Flags(enum.Enum):
    ON = True
    OFF = False


class Pairs(enum.Enum):
    A = (1, 2)


@pytest.mark.parametrize("member", [Mixed.ONE, Flags.ON, Pairs.A], ids=["mixed", "bool", "tuple"])
def test_enums_with_other_than_int_float_or_str_values_are_refused_on_save(member: Any) -> None:
    graph = hybridjit.script(pick).graph.copy()
    node = next(n for n in graph.all_nodes() if isinstance(n.attributes.get("value"), Color))
    node.attributes["value"] = member
    fn = ScriptFunction("pick", graph, qualified_name="__torch__.pick")
    with pytest.raises(
        hybridjit.ArchiveError, match="values must all be int, all float or all str"
    ):
        save_bytes(fn)


def test_two_enum_classes_under_one_name_are_refused_on_save() -> None:
    class Color(enum.Enum):  # same qualified name in graph text, different class
        RED = 1

    graph = hybridjit.script(pick).graph.copy()
    node = next(n for n in graph.all_nodes() if n.attributes.get("value") is globals()["Color"].RED)
    node.attributes["value"] = Color.RED
    fn = ScriptFunction("pick", graph, qualified_name="__torch__.pick")
    with pytest.raises(hybridjit.ArchiveError, match="two different enum classes"):
        save_bytes(fn)


# ---------------------------------------------------------------------------------------------
# hostile enum records


def with_enum(data: bytes, change: Callable[[dict[str, Any]], Any]) -> bytes:
    return edit_json(data, "model.json", lambda m: change(m["enums"][0]) and None)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [(True, "got JSON bool"), ("1", "got JSON str"), (1.5, "got JSON float"), ([1], "got JSON list"),
     (None, "got JSON NoneType"), (2**64, "does not fit in 64 bits")],
)  # fmt: skip
def test_member_values_of_the_wrong_json_type_are_refused(
    pick_archive: bytes, value: Any, fragment: str
) -> None:
    refused(with_enum(pick_archive, lambda e: e["members"][0].__setitem__(1, value)), fragment)


@pytest.mark.parametrize(
    "name", ["__eq__", "_sunder_", "_x", "mro", "class", "a b", "", "RED;import os", "é", "x" * 300]
)
def test_member_names_that_are_not_plain_identifiers_are_refused(
    pick_archive: bytes, name: str
) -> None:
    refused(with_enum(pick_archive, lambda e: e["members"][2].__setitem__(0, name)), "enum")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda e: e.__setitem__("value_type", "bool"), "value_type must be int, float or str"),
        (lambda e: e.__setitem__("value_type", 1), "'value_type' must be str"),
        (lambda e: e.__setitem__("name", "__torch__.a-b"), "is not a dotted identifier"),
        (lambda e: e.__setitem__("members", []), "1 to 10000 members"),
        (lambda e: e.__setitem__("members", {"RED": 1}), "must be list"),
        (lambda e: e["members"].append(["RED", 9]), "duplicate name 'RED'"),
        (lambda e: e["members"][1].__setitem__(1, 1), "values must be distinct"),
        (lambda e: e["members"].__setitem__(0, ["RED"]), "[name, value] pair"),
        (lambda e: e.pop("members"), "missing field 'members'"),
        (lambda e: e["members"].__setitem__(0, ["BLACK", 1]), "has no member 'RED'"),
        (lambda e: e.__setitem__("name", "__torch__.Other"), "does not define"),
        (lambda e: e["members"].extend([[f"M{i}", i + 10] for i in range(10_000)]), "members"),
    ],
    ids=["bad_value_type", "value_type_not_str", "bad_name", "no_members", "members_not_list",
         "duplicate_member", "alias_value", "short_pair", "missing_members", "missing_member",
         "other_enum", "too_many_members"],
)  # fmt: skip
def test_malformed_enum_records_are_refused(
    pick_archive: bytes, change: Any, fragment: str
) -> None:
    refused(with_enum(pick_archive, change), fragment)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda m: m.__setitem__("enums", {"a": 1}), '"enums" must be a list'),
        (lambda m: m["enums"].append(m["enums"][0]), "defined twice"),
        (lambda m: m["enums"].__setitem__(0, "Color"), "expected a JSON object"),
        (lambda m: m.pop("enums") and None, "does not define"),
        (
            lambda m: m["enums"].extend(
                {
                    "name": f"__torch__.E{i}",
                    "value_type": "int",
                    "members": [[f"M{j}", j] for j in range(10_000)],
                }
                for i in range(10)
            ),
            "more than 100000 members in all",
        ),
    ],
    ids=["not_a_list", "twice", "not_an_object", "missing", "too_many_in_all"],
)
def test_malformed_enum_lists_are_refused(pick_archive: bytes, change: Any, fragment: str) -> None:
    refused(edit_json(pick_archive, "model.json", change), fragment)


def test_an_enum_named_like_a_module_type_is_refused() -> None:
    data = save_bytes(hybridjit.script(Scaled()))
    module_type = model_json(data)["types"][0]["name"]
    clash = edit_json(data, "model.json", lambda m: m["enums"][0].__setitem__("name", module_type))
    refused(clash, "both as a module type and as an enum")


def test_graph_text_naming_an_enum_member_that_is_not_stored_is_refused(
    pick_archive: bytes,
) -> None:
    items = entries(pick_archive)
    name = next(n for n in items if n.startswith("code/"))
    items[name] = items[name].replace(b"Color.GREEN]", b"Color.PURPLE]")
    refused(rebuild(items), "has no member 'PURPLE'")


class Palette:
    """A script-class object whose fields hold enum members."""

    def __init__(self) -> None:
        self.main = Color.BLUE
        self.modes: List[Mode] = [Mode.SLOW, Mode.FAST]


class Configured(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.color = Color.GREEN
        self.weights: List[Weight] = [Weight.HALF, Weight.HUGE]
        self.palette = Palette()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.color == Color.GREEN and self.palette.main == Color.BLUE:
            x = x + self.weights[0].value
        if self.palette.modes[0] == Mode.SLOW:
            x = x * 2
        return x


def test_enum_members_held_by_module_attributes_and_objects_round_trip() -> None:
    model, x = Configured(), torch.ones(2)
    data = save_bytes(hybridjit.script(model))
    saved = {r["name"].rsplit(".", 1)[-1] for r in model_json(data)["enums"]}
    assert saved == {"Color", "Weight", "Mode"}
    loaded = load_bytes(data)
    torch.testing.assert_close(loaded(x), model(x))
    torch.testing.assert_close(loaded(x), torch.jit.script(model)(x))
    assert (loaded.color.name, [w.name for w in loaded.weights]) == ("GREEN", ["HALF", "HUGE"])
    assert type(loaded.color) is not Color  # the rebuilt class: nothing imported
    assert (loaded.palette.main.name, [m.value for m in loaded.palette.modes]) == ("BLUE", ["slow", "fast"])  # noqa: E501


def test_an_attribute_naming_a_member_its_enum_lacks_is_refused() -> None:
    data = save_bytes(hybridjit.script(Configured()))

    def rename(m: Any) -> None:
        root = next(r for r in m["modules"] if any(a[0] == "color" for a in r["attributes"]))
        next(a for a in root["attributes"] if a[0] == "color")[2] = "PURPLE"

    refused(edit_json(data, "model.json", rename), "has no member 'PURPLE'")
