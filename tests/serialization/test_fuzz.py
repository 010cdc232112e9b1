"""Property: whatever is done to a valid archive, `load` either works — and then every method
of what it loaded runs on sample inputs, or raises what eager code would — or raises
`hybridjit.ArchiveError`.

Archives: a module with a submodule and a training branch (archive_edits.Small), a function
returning an enum (`pick`), and a function with loops, lists, dicts, strings and a raise
(`rich`).  Mutations: byte flips anywhere, truncation, flips inside one (decompressed) entry,
JSON edits at random paths, entries dropped or duplicated; and structure-aware ones
(archive_edits): graph text edits (an op kind, a value use, a type, an attribute, a node's
arguments or outputs, a line dropped, duplicated or moved), tensors.json fields, the
safetensors header (its JSON and its length), typed model.json/manifest edits, and zip tricks
(odd entry names, a 300 MiB deflate bomb, bzip2/lzma/unknown compression, thousands of
entries, a long comment).

What each example must do (`check_archive`):
- `load` returns, or raises `ArchiveError`; anything else fails. A load must take under
  `MAX_LOAD_SECONDS` (2 s), raise the process's peak memory by under `MAX_PEAK_BYTES` (1 GB,
  read from the kernel's resident high-water mark, reset before each load where Linux lets us)
  and open no file for writing (a `sys.addaudithook` watch on `open` and on os calls that
  create, rename or delete files: 0 files created).
- every method of every loaded (sub)module, or the loaded function, is called on the base
  archive's sample inputs and on inputs made from the method's declared parameter types.
  A call may return anything, or raise:
  * a `hybridjit.Error` (an `ArgumentError` when the sample does not fit the declared types);
  * the exception the program raises itself (`prim::RaiseException`);
  * a `RuntimeError` (torch's kernels report shapes, dtypes and values so; not RecursionError);
  * `IndexError`, `KeyError`, `ValueError`, `TypeError`, `ZeroDivisionError`, `OverflowError`
    raised outside hybridjit's own source: in torch's Python code, or by a torch kernel or a
    Python operator that the generated code calls — what eager code running that graph raises.
  Anything else is an internal error: any exception whose innermost frame is in hybridjit's
  own modules (src/hybridjit, other than a hybridjit.Error or the program's raise), and
  AttributeError, NameError, UnboundLocalError, AssertionError, RecursionError, MemoryError or
  SystemError from anywhere.  A call still running after `CALL_SECONDS` is stopped and
  counted (a mutated loop bound; eager would run as long).

CI runs 400 + 200 examples (the "ci" profile, derandomized); the documented slow run is
`pytest -m slow -p no:cacheprovider tests/serialization/test_fuzz.py`: 10,000 structure-aware
mutations + 2,000 enum-archive edits; it prints the counts (loads, ArchiveErrors, calls by
outcome, the slowest load, the peak memory).
"""

from __future__ import annotations

import collections
import enum
import io
import json
import os
import resource
import signal
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Tuple

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hybridjit
from hybridjit.ir import types as T

from . import archive_edits as edits
from .archive_edits import entries, rebuild, small_archive
from .helpers import save_bytes

pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")

MAX_LOAD_SECONDS = 2.0
MAX_PEAK_BYTES = 1 << 30
CALL_SECONDS = 2.0


class Color(enum.Enum):
    RED = 1
    GREEN = 2


def pick(i: int) -> Color:
    if i == 1:
        return Color.RED
    return Color.GREEN


def rich(x: torch.Tensor, n: int) -> Tuple[torch.Tensor, List[int], str]:
    acc: List[int] = []
    d: Dict[str, int] = {"a": 1}
    for i in range(n):
        acc.append(i * 2)
        d["k" + str(i)] = i
    if n < 0:
        raise ValueError("negative")
    y = x
    while len(acc) > 3:
        acc.pop()
        y = y + 1.5
    return torch.cat([y, x * float(len(d))]), acc, f"{n}:{len(acc)}"


class Window:
    def __init__(self, lo: int, scale: float) -> None:
        self.lo = lo
        self.scale = scale


class SharedWindows(torch.nn.Module):
    """One script object behind two attributes (model.json's `objects` table)."""

    def __init__(self) -> None:
        super().__init__()
        self.a = Window(1, 2.0)
        self.b = self.a

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.a.lo = self.a.lo + 1
        return x[self.b.lo % 2 :] * self.b.scale


def scaled(x: torch.Tensor) -> torch.Tensor:
    return (x / 5.0 + 2) * 0.5  # traced: wrapped-number constants (`wrapped_numbers`)


GOOD = small_archive()
ENTRIES = entries(GOOD)
JSON_NAMES = sorted(n for n in ENTRIES if n.endswith(".json"))
NAMES = sorted(ENTRIES)
ENUM_GOOD = save_bytes(hybridjit.script(pick))
ENUM_ENTRIES = entries(ENUM_GOOD)
RICH_GOOD = save_bytes(hybridjit.script(rich))

OBJECTS_GOOD = save_bytes(hybridjit.script(SharedWindows()))
WRAPPED_GOOD = save_bytes(hybridjit.trace(scaled, (torch.ones(()),)))

BASES = {"module": GOOD, "enum": ENUM_GOOD, "rich": RICH_GOOD, "objects": OBJECTS_GOOD,
         "wrapped": WRAPPED_GOOD}  # fmt: skip
BASE_ENTRIES = {k: entries(v) for k, v in BASES.items()}
SAMPLES: dict[str, list[tuple[Any, ...]]] = {
    "module": [(torch.ones(1, 3),), (torch.zeros(2, 3),)],
    "enum": [(1,), (2,)],
    "rich": [(torch.ones(2), 5), (torch.ones(2), -1)],
    "objects": [(torch.ones(3),)],
    "wrapped": [(torch.ones((), dtype=torch.bfloat16),), (torch.ones(3),)],
}

# -- what happened, for the slow run's report -----------------------------------------------
STATS: collections.Counter[str] = collections.Counter()
EXTREMES = {"load_seconds": 0.0, "peak_bytes": 0}


# -- watching for files ---------------------------------------------------------------------
_WATCH = {"on": False}
WRITES: list[str] = []
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_FILE_EVENTS = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link",
                "os.truncate", "os.chmod", "shutil.copyfile", "shutil.move", "shutil.rmtree"}  # fmt: skip


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCH["on"]:
        return
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        if writes:
            WRITES.append(f"open({path!r}, {mode!r}, {flags!r})")
    elif event in _FILE_EVENTS:
        WRITES.append(f"{event}{args!r}")


sys.addaudithook(_audit)


# -- memory ---------------------------------------------------------------------------------
def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> int:
    """Reset the kernel's resident high-water mark (Linux), returning the resident size."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    rss = _status_kib("VmRSS")
    return (rss if rss is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _peak() -> int:
    hwm = _status_kib("VmHWM")
    return (hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


# -- calling what loaded --------------------------------------------------------------------
class CallTimeout(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise CallTimeout


HYBRIDJIT_DIR = os.path.dirname(hybridjit.__file__) + os.sep
TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
ALWAYS_INTERNAL = (AttributeError, NameError, UnboundLocalError, AssertionError, RecursionError,
                   MemoryError, SystemError)  # fmt: skip
EAGER_ERRORS = (IndexError, KeyError, ValueError, TypeError, ZeroDivisionError, OverflowError)


def _frames(e: BaseException) -> list[Any]:
    return [f for f, _ in traceback.walk_tb(e.__traceback__)]


def raised_by_program(e: BaseException) -> bool:
    """Raised by `prim::RaiseException`: the interpreter's raise_exception, or a generated
    `raise make_exception(...)` line."""
    for tb in _walk(e.__traceback__):
        code = tb.tb_frame.f_code
        if code.co_name == "raise_exception" and code.co_filename.startswith(HYBRIDJIT_DIR):
            return True
        if code.co_filename.startswith("<hybridjit-codegen") and tb.tb_next is None:
            import linecache

            return "make_exception" in linecache.getline(code.co_filename, tb.tb_lineno)
    return False


def _walk(tb: Any) -> Any:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def internal_error(e: BaseException) -> str | None:
    """Why a call's exception is hybridjit's fault (None when eager code could raise it)."""
    if isinstance(e, hybridjit.Error) or raised_by_program(e):
        return None
    if isinstance(e, ALWAYS_INTERNAL):
        return f"{type(e).__name__} at a call"
    if isinstance(e, RuntimeError):
        return None
    last = None
    for tb in _walk(e.__traceback__):
        last = tb
    origin = last.tb_frame.f_code.co_filename if last is not None else ""
    if isinstance(e, EAGER_ERRORS) and not origin.startswith(HYBRIDJIT_DIR):
        return None
    return f"{type(e).__name__} raised in {origin}:{last.tb_lineno if last else '?'}"


def sample_for(t: T.Type) -> tuple[bool, Any]:
    """(True, a value of type `t`) or (False, None) when no sample is made for it."""
    if isinstance(t, T.TensorType):
        return True, torch.ones(2, 3)
    simple = {T.IntType: 2, T.FloatType: 0.5, T.BoolType: True, T.StrType: "a",
              T.NoneType: None, T.NumberType: 3, T.DeviceType: torch.device("cpu")}  # fmt: skip
    if t in simple:
        return True, simple[t]
    if isinstance(t, T.OptionalType):
        return True, None
    if isinstance(t, T.ListType):
        ok, v = sample_for(t.elem)
        return ok, [v] if ok else None
    if isinstance(t, T.TupleType):
        parts = [sample_for(e) for e in t.elems]
        return all(ok for ok, _ in parts), tuple(v for _, v in parts)
    if isinstance(t, T.DictType):
        ok_k, k = sample_for(t.key)
        ok_v, v = sample_for(t.value)
        return ok_k and ok_v, {k: v} if ok_k and ok_v else None
    return False, None


def calls_of(obj: Any, base: str) -> list[tuple[str, Callable[..., Any], list[tuple[Any, ...]]]]:
    """(name, callable, argument tuples) for every method of every module, or the function."""
    out = []
    if isinstance(obj, hybridjit.ScriptModule):
        for path, module in obj.named_modules():
            for name, method in getattr(module, "_hj_methods", {}).items():
                bound = getattr(module, name)
                types = [v.type for v in method.graph.inputs[1:]]
                samples = SAMPLES[base] if (path, name) == ("", "forward") else []
                out.append((f"{path or 'root'}.{name}", bound, samples + _declared(types)))
    elif callable(obj):
        types = [v.type for v in obj.graph.inputs]
        out.append((getattr(obj, "name", "fn"), obj, SAMPLES[base] + _declared(types)))
    return out


def _declared(types: list[T.Type]) -> list[tuple[Any, ...]]:
    parts = [sample_for(t) for t in types]
    return [tuple(v for _, v in parts)] if all(ok for ok, _ in parts) else []


def check_archive(data: bytes, base: str) -> None:
    WRITES.clear()
    start_rss = _reset_peak()
    _WATCH["on"] = True
    t0 = time.perf_counter()
    try:
        loaded = hybridjit.load(io.BytesIO(data))
    except hybridjit.ArchiveError:
        loaded = None
    finally:
        took = time.perf_counter() - t0
        _WATCH["on"] = False
    peak = max(0, _peak() - start_rss)
    EXTREMES["load_seconds"] = max(EXTREMES["load_seconds"], took)
    EXTREMES["peak_bytes"] = max(EXTREMES["peak_bytes"], peak)
    STATS["examples"] += 1
    assert took < MAX_LOAD_SECONDS, f"load took {took:.2f} s"
    assert peak < MAX_PEAK_BYTES, f"load raised peak memory by {peak / 2**20:.0f} MiB"
    assert not WRITES, f"load wrote files: {WRITES}"
    if loaded is None:
        STATS["ArchiveError"] += 1
        return
    STATS["loaded"] += 1
    for _name, fn, samples in calls_of(loaded, base):
        for args in samples:
            outcome = call(fn, args)
            STATS[f"call: {outcome}"] += 1
    assert not WRITES, f"a call wrote files: {WRITES}"


def call(fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
    _WATCH["on"] = True
    try:
        fn(*args)
        return "returned"
    except CallTimeout:
        return "stopped after CALL_SECONDS"
    except Exception as e:  # noqa: BLE001 - the test is which exceptions are allowed
        why = internal_error(e)
        if why is not None:
            raise AssertionError(f"internal error: {why}: {e!r}") from e
        return f"raised {type(e).__name__}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        _WATCH["on"] = False


def report() -> str:
    lines = [f"{k}: {v}" for k, v in sorted(STATS.items())]
    lines.append(f"slowest load: {EXTREMES['load_seconds']:.3f} s")
    lines.append(f"largest peak-memory rise at a load: {EXTREMES['peak_bytes'] / 2**20:.1f} MiB")
    return "\n".join(lines)


# -- the mutations --------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
ints = st.integers(0, 10**6)


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


GRAPH_EDITS = ("op", "use", "type", "attr", "args", "outputs", "drop", "duplicate", "move")
flips = st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 255)), min_size=1, max_size=8)
one_mutation = st.one_of(
    st.tuples(st.just("flip"), flips),
    st.tuples(st.just("truncate"), ints),
    st.tuples(st.just("entry_flip"), ints, flips),
    st.tuples(st.just("json"), ints, st.lists(st.integers(0, 50), max_size=6), json_values),
    st.tuples(st.just("drop"), ints),
    st.tuples(st.just("duplicate"), ints),
    st.tuples(st.just("graph"), ints, st.sampled_from(GRAPH_EDITS), ints, ints, ints),
    st.tuples(st.just("graph"), ints, st.sampled_from(GRAPH_EDITS), ints, ints, ints),
    st.tuples(st.just("graph"), ints, st.sampled_from(GRAPH_EDITS), ints, ints, ints),
    st.tuples(st.just("tensor"), ints, ints, ints),
    st.tuples(st.just("safetensors"), ints, ints, ints),
    st.tuples(st.just("model"), ints, ints, ints),
    st.tuples(st.just("zip"), ints, ints),
)
mutations = st.tuples(st.sampled_from(sorted(BASES)), st.lists(one_mutation, min_size=1, max_size=3))


def apply(items: dict[str, bytes], data: bytes, m: tuple[Any, ...]) -> bytes:
    """One mutation of the archive `data` (whose entries are `items`)."""
    kind = m[0]
    names = sorted(items)
    if kind == "flip":
        return flip_bytes(data, m[1])
    if kind == "truncate":
        return data[: m[1] % (len(data) + 1)]
    if not names:
        return data
    items = dict(items)
    if kind == "entry_flip":
        name = names[m[1] % len(names)]
        items[name] = flip_bytes(items[name], m[2])
    elif kind == "json":
        json_names = [n for n in names if n.endswith(".json")]
        if not json_names:
            return data
        name = json_names[m[1] % len(json_names)]
        try:
            doc = json.loads(items[name])
        except ValueError:
            return data
        items[name] = json.dumps(edit_json_path(doc, m[2], m[3])).encode()
    elif kind == "drop":
        del items[names[m[1] % len(names)]]
    elif kind == "duplicate":
        name = names[m[1] % len(names)]
        return rebuild([*items.items(), (name, items[name])])
    elif kind == "graph":
        return edits.mutate_graph(items, *m[1:])
    elif kind == "tensor":
        return edits.mutate_tensor_record(items, *m[1:])
    elif kind == "safetensors":
        return edits.mutate_safetensors(items, *m[1:])
    elif kind == "model":
        return edits.mutate_model(items, *m[1:])
    elif kind == "zip":
        return edits.mutate_zip(items, *m[1:])
    return rebuild(items)


def mutate(mutation: tuple[str, list[tuple[Any, ...]]]) -> bytes:
    base, steps = mutation
    data = BASES[base]
    for step in steps:
        try:
            items = entries(data)
        except Exception:  # noqa: BLE001 - an earlier step broke the zip: byte-level steps only
            items = {}
        try:
            data = apply(items, data, step)
        except (ValueError, KeyError, TypeError, UnicodeError, struct_error, OverflowError):
            pass  # the step does not apply to what earlier steps left (e.g. JSON made a list)
        if step[0] == "zip":
            break  # zip tricks come last: later steps would inflate a bomb here, not in load
    return data


struct_error = __import__("struct").error


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutations)
def test_mutated_archives_load_and_run_or_raise_archive_errors(mutation: Any) -> None:
    check_archive(mutate(mutation), mutation[0])


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutations)
def test_mutated_archives_long_run(mutation: Any) -> None:
    check_archive(mutate(mutation), mutation[0])


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
def test_mutated_enum_archives_load_and_run_or_raise_archive_errors(edit: Any) -> None:
    check_archive(mutate_enum_archive(edit), "enum")


@pytest.mark.slow
@settings(max_examples=2_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(enum_edits)
def test_mutated_enum_archives_long_run(edit: Any) -> None:
    check_archive(mutate_enum_archive(edit), "enum")


def test_the_unmutated_archives_load_and_run() -> None:
    assert hybridjit.load(io.BytesIO(ENUM_GOOD))(1).name == "RED"
    assert hybridjit.load(io.BytesIO(GOOD))(torch.ones(1, 3)).shape == (1, 2)
    for base, data in BASES.items():
        loaded = hybridjit.load(io.BytesIO(data))
        for name, fn, samples in calls_of(loaded, base):
            assert samples, name
            for args in samples:
                assert call(fn, args) in ("returned", "raised ValueError"), (name, args)


def test_the_checks_catch_what_they_should() -> None:
    """The harness itself: an internal error is told from an eager one, writes are seen."""
    try:
        [].pop()
    except IndexError as e:
        assert internal_error(e) is None  # raised by Python itself, not hybridjit's source
    try:
        hybridjit.load(io.BytesIO(b"not a zip"))
    except hybridjit.ArchiveError as e:
        assert internal_error(e) is None
    try:
        _ = {}["k"]  # noqa: RUF015
    except KeyError as e:
        e.__traceback__ = None
        assert internal_error(e) is None
    with pytest.raises(AssertionError, match="internal error"):
        call(lambda: None.nope, ())  # type: ignore[attr-defined]
    WRITES.clear()
    _WATCH["on"] = True
    try:
        os.close(os.open(os.devnull, os.O_WRONLY))
    finally:
        _WATCH["on"] = False
    assert WRITES


@pytest.fixture(scope="module", autouse=True)
def _print_counts(request: Any) -> Any:
    yield
    if STATS:
        print(f"\n{request.module.__name__} counts:\n{report()}")
