"""`hybridjit.save` and `hybridjit.load`: Python-free archives of functions and modules.

    m = hybridjit.script(MyModule())
    hybridjit.save(m, "m.hj", _extra_files={"notes.txt": "v1"})
    extra = {"notes.txt": ""}
    m2 = hybridjit.load("m.hj", map_location="cpu", _extra_files=extra)   # extra["notes.txt"] == b"v1"

The format (see `format.py`) is a zip of JSON, graph text and safetensors-layout tensors.
No pickle is involved and loading never executes or imports anything from the archive;
every kind of malformed input ends in `hybridjit.ArchiveError`.
"""

from __future__ import annotations

import io
import os
import tempfile
from typing import Any, BinaryIO

from hybridjit.errors import ArchiveError, Error
from hybridjit.runtime.function import ARCHIVE_WRITERS
from hybridjit.serialization import format as F
from hybridjit.serialization.reader import Contents, read_archive
from hybridjit.serialization.writer import archive_entries
from hybridjit.serialization.zipio import EntryData, write_zip

PathOrFile = str | os.PathLike | BinaryIO


def save(obj: Any, f: PathOrFile, _extra_files: dict[str, Any] | None = None) -> None:
    """Save a ScriptFunction or ScriptModule to `f` (a path or a writable binary file).

    Saving to a path is atomic: the archive is written to a temporary file in the same
    directory and renamed over `f`.  The same object always gives the same bytes.
    """
    entries = archive_entries(obj, _extra_files)
    if isinstance(f, (str, os.PathLike)):
        _write_atomically(os.fspath(f), entries)
    else:
        buffer = io.BytesIO()
        write_zip(entries, buffer)
        f.write(buffer.getbuffer())


def _write_atomically(path: str, entries: dict[str, EntryData]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".hybridjit-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            write_zip(entries, out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, _default_mode())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def load(f: PathOrFile, map_location: Any = None, _extra_files: dict[str, Any] | None = None,
         *, allow_unsafe_ops: bool = False) -> Any:  # fmt: skip
    """Load what `save` wrote: a ScriptFunction or a ScriptModule.

    `map_location` (a device, a device string, or a dict from saved to wanted device strings)
    moves tensors; `_extra_files` names extra files to read back (their contents replace the
    dict's values, as bytes).  Operators that touch files or other processes are refused
    unless `allow_unsafe_ops` is true.  Raises `ArchiveError` for anything malformed.
    """
    contents = load_contents(f, map_location, allow_unsafe_ops)
    if _extra_files is not None:
        read_extra_files(contents, _extra_files)
    return contents.root


def load_contents(
    f: PathOrFile, map_location: Any = None, allow_unsafe_ops: bool = False
) -> Contents:
    """Like `load`, but returns the root with the manifest, functions, modules and extra files."""
    data = _read_bytes(f)
    try:
        return read_archive(data, map_location, allow_unsafe_ops)
    except ArchiveError:
        raise
    except Error as e:
        raise ArchiveError(str(e)) from None
    except (RecursionError, MemoryError) as e:
        raise ArchiveError(
            f"archive is too deeply nested or too large ({type(e).__name__})"
        ) from None


def read_extra_files(contents: Contents, extra: dict[str, Any]) -> None:
    """Fill `extra[name]` with the bytes of each requested extra file (`b""` if absent)."""

    for name in list(extra):
        entry = F.extra_entry(str(name))
        present = contents.reader is not None and contents.reader.has(entry)
        extra[name] = contents.reader.read(entry) if present else b""  # type: ignore[union-attr]


def _read_bytes(f: PathOrFile) -> bytes:
    try:
        if isinstance(f, (str, os.PathLike)):
            with open(f, "rb") as fh:
                return fh.read()
        data = f.read()
    except OSError as e:
        raise ArchiveError(f"cannot read archive: {e}") from None
    if not isinstance(data, (bytes, bytearray)):
        raise ArchiveError(f"load() needs a binary file; read() returned {type(data).__name__}")
    return bytes(data)


ARCHIVE_WRITERS.append(save)
