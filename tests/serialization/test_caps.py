"""Load time linear in archive size: documented caps, each a clear ArchiveError, checked
before any work that grows faster than linearly (the archive tests of issue 12)."""

from __future__ import annotations

import time

import pytest

import hybridjit
from hybridjit.serialization import reader as R
from hybridjit.serialization import tensors as TS

from .archive_edits import edit_json, function_archive, small_archive, with_graph
from .helpers import load_bytes


@pytest.fixture(scope="module")
def fn_archive() -> bytes:
    return function_archive()


def timed_load(data: bytes, match: str | None = None) -> float:
    """Seconds to load `data` (or to refuse it with an ArchiveError matching `match`)."""
    start = time.perf_counter()
    if match is None:
        load_bytes(data)
    else:
        with pytest.raises(hybridjit.ArchiveError, match=match):
            load_bytes(data)
    return time.perf_counter() - start


C = "  %c : int = prim::Constant[value=1]()"


def test_one_op_with_100000_arguments_is_refused_quickly(fn_archive: bytes) -> None:
    args = ", ".join(["%c"] * 100_000)
    for line in (f"  %l : int[] = prim::ListConstruct({args})",
                 f"  %r : Tensor = aten::add(%x, {args})"):  # fmt: skip
        data = with_graph(fn_archive, [C, line, "  return (%x)"])
        assert timed_load(data, "names more than 10000 values") < 2
    data = with_graph(fn_archive, [f"  return ({', '.join(['%x'] * 100_000)})"])
    assert timed_load(data, "names more than 10000 values") < 2
    outs = ", ".join(f"%o{i} : int" for i in range(100_000))
    data = with_graph(fn_archive, [C, "  %l : int[] = prim::ListConstruct(%c)",
                                   f"  {outs} = prim::ListUnpack(%l)", "  return (%x)"])  # fmt: skip
    assert timed_load(data, "names more than 10000 values|characters long") < 2


def test_nodes_up_to_the_line_cap_load(fn_archive: bytes) -> None:
    args = ", ".join(["%c"] * (R.MAX_LINE_VALUES - 1))
    data = with_graph(fn_archive, [C, f"  %l : int[] = prim::ListConstruct({args})",
                                   "  return (%x)"])  # fmt: skip
    assert timed_load(data) < 2


def test_200000_extra_constants_are_refused_quickly(fn_archive: bytes) -> None:
    consts = [f"  %k{i} : int = prim::Constant[value={i}]()" for i in range(200_000)]
    data = with_graph(fn_archive, [*consts, "  return (%x)"])
    assert timed_load(data, f"limit {R.MAX_GRAPH_LINES} nodes") < 2

    def add_constants(doc):  # noqa: ANN001, ANN202 - in model.json: a type's constants
        doc["types"][0]["constants"].extend([f"k{i}", "int", i] for i in range(200_000))

    data = edit_json(small_archive(), "model.json", add_constants)
    assert timed_load(data, f"limit {R.MAX_MEMBERS}") < 2


def test_long_lines_and_huge_graph_texts_are_refused(fn_archive: bytes) -> None:
    big = "a" * (R.MAX_LINE_BYTES + 1)
    data = with_graph(fn_archive, [f'  %s : str = prim::Constant[value="{big}"]()',
                                   "  return (%x)"])  # fmt: skip
    assert timed_load(data, "characters long") < 2


def test_archive_wide_graph_line_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    data = small_archive()  # two graphs
    monkeypatch.setattr(R, "MAX_ARCHIVE_GRAPH_LINES", 5)
    with pytest.raises(hybridjit.ArchiveError, match="lines in all"):
        load_bytes(data)


def test_too_many_tensor_records_are_refused() -> None:
    def more(records):  # noqa: ANN001, ANN202
        records.extend([records[0]] * TS.MAX_TENSORS)

    data = edit_json(small_archive(), "tensors.json", more)
    assert timed_load(data, f"limit {TS.MAX_TENSORS}") < 10  # (most of it parsing the JSON)


def test_the_caps_are_documented() -> None:
    import hybridjit.serialization as S

    doc = S.__doc__ or ""
    for name in ("MAX_GRAPH_LINES", "MAX_ARCHIVE_GRAPH_LINES", "MAX_GRAPH_BYTES", "MAX_LINE_BYTES",
                 "MAX_LINE_VALUES", "MAX_MEMBERS", "MAX_GRAPH_NESTING", "MAX_TENSORS"):  # fmt: skip
        assert name in doc


def test_more_entries_than_the_cap_are_refused_before_zipfile_parses_them() -> None:
    # Found by the archive fuzz: a million entries took 4 s inside zipfile before the count
    # was checked; the central directory's records are now counted first.
    from .archive_edits import entries, mutate_zip

    data = mutate_zip(entries(small_archive()), 5, 0)  # MAX_ENTRIES + 1 extra entries
    t0 = time.perf_counter()
    with pytest.raises(hybridjit.ArchiveError, match="entries"):
        load_bytes(data)
    assert time.perf_counter() - t0 < 0.5
