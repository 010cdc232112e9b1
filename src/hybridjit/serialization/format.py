"""The archive layout: entry names, the format version, and what `manifest.json` holds.

manifest.json          {"format": "hybridjit", "format_version": 1 | 2 | 3, "hybridjit_version",
                        "torch_version", "root": {"kind": "module" | "function", "ref"}}
model.json             {"functions": [...], "types": [...], "modules": [...], "enums": [...],
                        "objects": [...]}  ("enums" only when a graph uses enum constants:
                       see `enums.py`; "objects" only when an attribute holds a script
                       object: see `values.ObjectWriter`)
code/<qualname>.graph  the graph text of each function and method
tensors.json           one view record per tensor (see `tensors.py`)
tensors.safetensors    each storage once, as bytes
extra/<name>           the caller's `_extra_files`
"""

from __future__ import annotations

FORMAT_NAME = "hybridjit"
FORMAT_VERSION = 3  # the newest version this hybridjit reads
# An archive records the oldest version that reads it: 1, 2 when it holds enums (a reader of
# version 1 would leave enum constants unbound instead of refusing the archive), 3 when a
# function lists `wrapped_numbers` (an older reader would run them as Double tensors) or
# model.json has an `objects` table.
ENUMS_VERSION = 2
WRAPPED_NUMBERS_VERSION = OBJECTS_VERSION = 3
MANIFEST = "manifest.json"
MODEL = "model.json"
TENSORS_JSON = "tensors.json"
TENSORS = "tensors.safetensors"
CODE_DIR = "code/"
GRAPH_SUFFIX = ".graph"
EXTRA_DIR = "extra/"
FIXED_ENTRIES = frozenset({MANIFEST, MODEL, TENSORS_JSON, TENSORS})


def graph_entry(qualified_name: str) -> str:
    return f"{CODE_DIR}{qualified_name}{GRAPH_SUFFIX}"


def extra_entry(name: str) -> str:
    return f"{EXTRA_DIR}{name}"
