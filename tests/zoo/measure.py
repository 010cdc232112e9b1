"""Tally the torchvision zoo under hybridjit.script and hybridjit.trace, by cause of failure.

    python -m tests.zoo.measure [--models a,b,...] [--per-process 4] [--out zoo.jsonl] [--onnx]

Each model runs eagerly, then scripted (compared with eager, saved and loaded back, compared
again), then — where torch.jit.trace accepts it — traced the same way. With `--onnx`, each
scripted and traced model also runs on the onnxruntime backend (exported, compared with
eager) as `script_onnx` / `trace_onnx`. A few models per subprocess keep memory bounded. Prints one line per model and the tallies at the end; with
`--out`, one JSON object per model as well.
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import subprocess
import sys
import time
import traceback
import warnings
from typing import Any


def _cause(error: BaseException) -> str:
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first[:160]}"


def _round_trip(compiled: Any) -> Any:
    import hybridjit  # noqa: PLC0415 — the child process only

    buffer = io.BytesIO()
    hybridjit.save(compiled, buffer)
    buffer.seek(0)
    return hybridjit.load(buffer)


def _outcome(name: str, run: Any, inputs: tuple, expected: Any, prefix: str = "") -> str | None:
    """`run(*inputs)` compared with eager's `expected`: None, or what went wrong."""
    from tests.zoo.models import assert_close, comparable  # noqa: PLC0415 — child only

    try:
        got = comparable(name, run(*inputs), True)
    except Exception as e:  # noqa: BLE001 — tallied
        return f"{prefix}run: " + _cause(e)
    try:
        assert_close(expected, got, name)
    except AssertionError as e:
        return f"{prefix}mismatch: " + str(e).splitlines()[0][:160]
    return None


def _check(name: str, compiled: Any, inputs: tuple, expected: Any) -> str | None:
    failed = _outcome(name, compiled, inputs, expected)
    if failed:
        return failed
    try:
        loaded = _round_trip(compiled)
    except Exception as e:  # noqa: BLE001
        return "save/load: " + _cause(e)
    return _outcome(name, loaded, inputs, expected, "loaded ")


def _check_onnx(name: str, compiled: Any, inputs: tuple, expected: Any) -> str | None:
    import hybridjit  # noqa: PLC0415 — the child process only

    run = hybridjit.compile(compiled, backend="onnxruntime", threads=1)  # exports at the call
    return _outcome(name, run, inputs, expected, "onnx ")


def measure_one(name: str, onnx: bool = False) -> dict[str, Any]:
    import torch  # noqa: PLC0415 — child only
    from tests.zoo.models import build, comparable  # noqa: PLC0415

    import hybridjit  # noqa: PLC0415

    row: dict[str, Any] = {"model": name}
    start = time.perf_counter()
    warnings.simplefilter("ignore")
    with torch.no_grad():
        try:
            model, inputs = build(name)
            expected = comparable(name, model(*inputs), False)
        except Exception as e:  # noqa: BLE001
            row["eager"] = _cause(e)
            return row
        row["eager"] = None
        try:
            compiled = hybridjit.script(model)
        except Exception as e:  # noqa: BLE001
            row["script"] = "compile: " + _cause(e)
            if not isinstance(e, hybridjit.Error):
                row["script_tb"] = traceback.format_exc()[-1500:]
        else:
            row["script"] = _check(name, compiled, inputs, expected)
            if onnx and row["script"] is None:
                row["script_onnx"] = _check_onnx(name, compiled, inputs, expected)
        row["script_s"] = round(time.perf_counter() - start, 1)
        try:
            torch.jit.trace(model, inputs, check_trace=False, strict=False)
        except Exception as e:  # noqa: BLE001
            row["trace"] = "torch.jit.trace fails: " + _cause(e)
        else:
            try:
                traced = hybridjit.trace(model, inputs, check_trace=False, strict=False)
            except Exception as e:  # noqa: BLE001
                row["trace"] = "compile: " + _cause(e)
                if not isinstance(e, hybridjit.Error):
                    row["trace_tb"] = traceback.format_exc()[-1500:]
            else:
                row["trace"] = _check(name, traced, inputs, expected)
                if onnx and row["trace"] is None:
                    row["trace_onnx"] = _check_onnx(name, traced, inputs, expected)
    row["total_s"] = round(time.perf_counter() - start, 1)
    return row


def _child(names: list[str], onnx: bool) -> None:
    for name in names:
        print(json.dumps(measure_one(name, onnx)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="")
    parser.add_argument("--per-process", type=int, default=4)
    parser.add_argument("--out", default="")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--onnx", action="store_true")
    args = parser.parse_args()
    if args.child:
        return _child(args.models.split(","), args.onnx)
    from tests.zoo.models import all_models  # noqa: PLC0415 — the parent lists only

    names = args.models.split(",") if args.models else all_models()
    rows = []
    out = open(args.out, "a") if args.out else None  # noqa: SIM115
    for i in range(0, len(names), args.per_process):
        chunk = names[i : i + args.per_process]
        proc = subprocess.run(
            [sys.executable, "-m", "tests.zoo.measure", "--child", "--models", ",".join(chunk),
             *(["--onnx"] if args.onnx else [])],
            capture_output=True, text=True,
        )  # fmt: skip
        done = {}
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                done[row["model"]] = row
        for name in chunk:
            row = done.get(name) or {"model": name, "eager": "crash: " + proc.stderr[-300:]}
            rows.append(row)
            print(name, row.get("eager"), "|", row.get("script"), "|", row.get("trace"),
                  *(["|", row.get("script_onnx"), "|", row.get("trace_onnx")] if args.onnx else []),
                  row.get("total_s"), flush=True)  # fmt: skip
            if out:
                out.write(json.dumps(row) + "\n")
                out.flush()
    _report(rows)


def _report(rows: list[dict[str, Any]]) -> None:
    runs = [r for r in rows if r.get("eager") is None]
    print(f"\n{len(rows)} models, eager runs on {len(runs)}")
    for kind in ("script", "trace"):
        eligible = [r for r in runs if not str(r.get(kind)).startswith("torch.jit.trace fails")]
        passed = [r for r in eligible if r.get(kind) is None]
        print(f"{kind}: {len(passed)} pass of {len(eligible)} eligible")
        causes = collections.Counter(r[kind] for r in eligible if r.get(kind) is not None)
        for cause, count in causes.most_common():
            print(f"  {count:3d}  {cause}")
        tried = [r for r in passed if f"{kind}_onnx" in r]
        if tried:
            ok = [r for r in tried if r[f"{kind}_onnx"] is None]
            print(f"{kind} on onnxruntime: {len(ok)} match eager of {len(tried)}")
            causes = collections.Counter(r[f"{kind}_onnx"] for r in tried if r[f"{kind}_onnx"])
            for cause, count in causes.most_common():
                print(f"  {count:3d}  {cause}")


if __name__ == "__main__":
    main()
