"""Property: whatever is done to a valid archive, `load` either works or raises hybridjit.Error.

Mutations: byte flips anywhere, truncation, flips inside one (decompressed) entry, JSON edits
at random paths, and entries dropped or duplicated; and, on an archive holding an enum, edits
of its enum record and flips in its graph text.  CI runs 600 examples; the slow tests run
10,000 + 2,000 (`pytest -m slow tests/serialization/test_fuzz.py`).
"""

from __future__ import annotations

import enum
import io
import json
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hybridjit

from .archive_edits import entries, rebuild, small_archive
from .helpers import save_bytes

GOOD = small_archive()
ENTRIES = entries(GOOD)
JSON_NAMES = sorted(n for n in ENTRIES if n.endswith(".json"))
NAMES = sorted(ENTRIES)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def check_load(data: bytes) -> None:
    try:
        m = hybridjit.load(io.BytesIO(data))
    except hybridjit.Error:
        return
    assert m is not None


def flip_bytes(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for position, value in flips:
        if out:
            out[position % len(out)] = value
    return bytes(out)


def edit_json_path(doc: Any, path: list[int], value: Any) -> Any:
    """Replace the node reached by following `path` (indices modulo each container's size)."""
    if not path or not isinstance(doc, (list, dict)) or not doc:
        return value
    if isinstance(doc, list):
        i = path[0] % len(doc)
        doc[i] = edit_json_path(doc[i], path[1:], value)
    else:
        key = sorted(doc)[path[0] % len(doc)]
        doc[key] = edit_json_path(doc[key], path[1:], value)
    return doc


mutations = st.one_of(
    st.tuples(st.just("flip"), st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 255)), min_size=1, max_size=8)),
    st.tuples(st.just("truncate"), st.integers(0, len(GOOD))),
    st.tuples(st.just("entry_flip"), st.sampled_from(NAMES),
              st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 255)), min_size=1, max_size=4)),
    st.tuples(st.just("json"), st.sampled_from(JSON_NAMES), st.lists(st.integers(0, 50), max_size=6), json_values),
    st.tuples(st.just("drop"), st.sampled_from(NAMES)),
    st.tuples(st.just("duplicate"), st.sampled_from(NAMES)),
)  # fmt: skip


def mutate(mutation: tuple[Any, ...]) -> bytes:
    kind = mutation[0]
    if kind == "flip":
        return flip_bytes(GOOD, mutation[1])
    if kind == "truncate":
        return GOOD[: mutation[1]]
    items = dict(ENTRIES)
    if kind == "entry_flip":
        items[mutation[1]] = flip_bytes(items[mutation[1]], mutation[2])
    elif kind == "json":
        doc = json.loads(items[mutation[1]])
        items[mutation[1]] = json.dumps(edit_json_path(doc, mutation[2], mutation[3])).encode()
    elif kind == "drop":
        del items[mutation[1]]
    else:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return rebuild([*items.items(), (mutation[1], items[mutation[1]])])
    return rebuild(items)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutations)
def test_mutated_archives_load_or_raise_hybridjit_errors(mutation: tuple[Any, ...]) -> None:
    check_load(mutate(mutation))


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutations)
def test_mutated_archives_long_run(mutation: tuple[Any, ...]) -> None:
    check_load(mutate(mutation))


class Color(enum.Enum):
    RED = 1
    GREEN = 2


def pick(i: int) -> Color:
    if i == 1:
        return Color.RED
    return Color.GREEN


ENUM_GOOD = save_bytes(hybridjit.script(pick))
ENUM_ENTRIES = entries(ENUM_GOOD)
enum_edits = st.tuples(
    st.sampled_from(sorted(n for n in ENUM_ENTRIES if not n.endswith(".safetensors"))),
    st.lists(st.integers(0, 50), max_size=6), json_values, st.integers(0, 10**6),
    st.integers(0, 255),
)  # fmt: skip


def mutate_enum_archive(edit: tuple[Any, ...]) -> bytes:
    """A JSON edit (model.json: mostly its "enums" record) or a byte flip in a graph entry."""
    name, path, value, position, byte = edit
    items = dict(ENUM_ENTRIES)
    if name.endswith(".json"):
        doc = json.loads(items[name])
        if name == "model.json":
            doc["enums"] = edit_json_path(doc["enums"], path, value) if path else doc["enums"]
        else:
            doc = edit_json_path(doc, path, value)
        items[name] = json.dumps(doc).encode()
    else:
        items[name] = flip_bytes(items[name], [(position, byte)])
    return rebuild(items)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(enum_edits)
def test_mutated_enum_archives_load_or_raise_hybridjit_errors(edit: tuple[Any, ...]) -> None:
    check_load(mutate_enum_archive(edit))


@pytest.mark.slow
@settings(max_examples=2_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(enum_edits)
def test_mutated_enum_archives_long_run(edit: tuple[Any, ...]) -> None:
    check_load(mutate_enum_archive(edit))


def test_the_unmutated_archives_load() -> None:
    assert hybridjit.load(io.BytesIO(ENUM_GOOD))(1).name == "RED"
    assert hybridjit.load(io.BytesIO(GOOD))(torch.ones(1, 3)).shape == (1, 2)
