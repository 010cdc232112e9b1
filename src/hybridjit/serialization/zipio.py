"""Zip containers: a deterministic writer and a defensive, size-bounded reader.

The writer gives the same bytes for the same entries: sorted names, a fixed timestamp and
fixed attributes, `STORED` for binary data and `DEFLATED` (level 6) for text.  The reader
trusts nothing in the file: it refuses unsafe or duplicate names, compression methods other
than those two, encrypted entries, and sizes beyond its caps; it reads at most the declared
size of an entry and turns every low-level failure into an `ArchiveError`.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from typing import BinaryIO

from hybridjit.errors import ArchiveError

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
TEXT_SUFFIXES = (".json", ".graph", ".txt")
DEFLATE_LEVEL = 6
# Deflate cannot expand more than ~1032:1, so a larger declared ratio is a lie (a zip bomb).
MAX_DEFLATE_RATIO = 1100
MAX_ENTRIES = 100_000
MAX_NAME_LENGTH = 1024
# What the loader will decompress: metadata and graph text, not tensor data (always stored).
MAX_TEXT_ENTRY_BYTES = 64 << 20
MAX_TOTAL_DEFLATED_BYTES = 256 << 20
_LOCAL_HEADER_SIZE = 30

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")
_LOW_LEVEL_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                     OverflowError, NotImplementedError, RuntimeError, IndexError,
                     KeyError, struct.error)  # fmt: skip


def check_entry_name(name: str) -> None:
    """Refuse names that could escape a directory if extracted, or that are not plain."""
    if len(name) > MAX_NAME_LENGTH:
        raise ArchiveError(
            f"zip entry name is {len(name)} characters long (limit {MAX_NAME_LENGTH})"
        )
    parts = name.split("/")
    if not _SAFE_NAME.match(name) or any(p in (".", "..") for p in parts):
        raise ArchiveError(
            f"unsafe zip entry name {name!r}: expected relative names of letters, digits, "
            "'_', '-', '.' separated by '/', without '.' or '..' components"
        )


# An entry's content: bytes, or consecutive pieces of it (a model's weights, uncopied).
EntryData = bytes | list[bytes | memoryview]


def write_zip(entries: dict[str, EntryData], out: BinaryIO) -> None:
    """Write `entries` to the binary stream `out` as a deterministic zip."""
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        for name in sorted(entries):
            check_entry_name(name)
            data = entries[name]
            if isinstance(data, bytes):
                zf.writestr(_zip_info(name), data, compresslevel=DEFLATE_LEVEL)
            else:
                _write_pieces(zf, _zip_info(name), data)


def _write_pieces(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, pieces: list[bytes | memoryview]
) -> None:
    # The size is set first, as `writestr` does, so the bytes are the same as one writestr's.
    info.file_size = sum(memoryview(p).nbytes for p in pieces)
    with zf.open(info, "w") as dest:
        for piece in pieces:
            dest.write(piece)


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = (
        zipfile.ZIP_DEFLATED if name.endswith(TEXT_SUFFIXES) else zipfile.ZIP_STORED
    )
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


class ZipReader:
    """Random access to the entries of an untrusted zip, with every size checked first."""

    def __init__(self, data: bytes) -> None:
        self.size = len(data)
        self._data = memoryview(data)
        _check_entry_count(data)
        try:
            self._zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zf.infolist()
        except _LOW_LEVEL_ERRORS as e:
            raise ArchiveError(f"not a readable zip archive: {e}") from None
        self.infos = _index(infos, self.size)
        self._deflated_budget = MAX_TOTAL_DEFLATED_BYTES

    def names(self) -> list[str]:
        return sorted(self.infos)

    def has(self, name: str) -> bool:
        return name in self.infos

    def read(self, name: str) -> bytes:
        """The bytes of entry `name`, decompressing no more than it declares (and the caps)."""
        info = self.infos.get(name)
        if info is None:
            raise ArchiveError(f"archive has no entry {name!r}")
        if info.compress_type == zipfile.ZIP_DEFLATED:
            self._charge(info)
        try:
            with self._zf.open(info) as f:
                data = f.read(info.file_size + 1)
        except _LOW_LEVEL_ERRORS as e:
            raise ArchiveError(f"zip entry {name!r} is corrupt: {e}") from None
        if len(data) != info.file_size:
            raise ArchiveError(
                f"zip entry {name!r} declares {info.file_size} bytes but holds {len(data)}"
            )
        return data

    def view(self, name: str) -> memoryview:
        """Like `read`, but a stored entry (a model's weights) is a view of the archive's bytes,
        not a copy; its CRC-32 is checked as `read` checks it."""
        info = self.infos.get(name)
        if info is None or info.compress_type != zipfile.ZIP_STORED:
            return memoryview(self.read(name))
        start = self._data_start(info)
        data = self._data[start : start + info.file_size]
        if zlib.crc32(data) != info.CRC:
            raise ArchiveError(f"zip entry {name!r} is corrupt: Bad CRC-32")
        return data

    def _data_start(self, info: zipfile.ZipInfo) -> int:
        """Where `info`'s data begins: after its local header, which must name the entry."""
        at = info.header_offset
        local = bytes(self._data[at : at + _LOCAL_HEADER_SIZE])
        if len(local) < _LOCAL_HEADER_SIZE or not local.startswith(b"PK\x03\x04"):
            raise ArchiveError(f"zip entry {info.filename!r} is corrupt: bad local header")
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        name = bytes(self._data[at + _LOCAL_HEADER_SIZE : at + _LOCAL_HEADER_SIZE + name_length])
        start = at + _LOCAL_HEADER_SIZE + name_length + extra_length
        if name != info.orig_filename.encode("utf-8") or start + info.file_size > self.size:
            raise ArchiveError(f"zip entry {info.filename!r} is corrupt: its local header "
                               "does not match the central directory")  # fmt: skip
        return start

    def read_text(self, name: str) -> str:
        try:
            return self.read(name).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ArchiveError(f"zip entry {name!r} is not valid UTF-8: {e}") from None

    def _charge(self, info: zipfile.ZipInfo) -> None:
        if info.file_size > MAX_TEXT_ENTRY_BYTES:
            raise ArchiveError(f"zip entry {info.filename!r} declares {info.file_size} bytes of "
                               f"text (limit {MAX_TEXT_ENTRY_BYTES})")  # fmt: skip
        if info.file_size > self._deflated_budget:
            raise ArchiveError(f"archive decompresses to more than {MAX_TOTAL_DEFLATED_BYTES} "
                               "bytes of text")  # fmt: skip
        self._deflated_budget -= info.file_size


def _check_entry_count(data: bytes) -> None:
    """Refuse more than MAX_ENTRIES entries before zipfile parses them: it builds an object
    per central-directory record, and a million records take seconds. The records are
    counted by their signature in the central directory (the whole file when its end record
    is not found or points outside), which can only over-count."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - (22 + 0xFFFF)))
    start, stop = 0, len(data)
    if end >= 0 and end + 22 <= len(data):
        size, offset = struct.unpack("<LL", data[end + 12 : end + 20])
        if offset + size <= end:
            start, stop = offset, offset + size
    records = data.count(b"PK\x01\x02", start, stop)
    if records > MAX_ENTRIES:
        raise ArchiveError(f"archive has {records} entries (limit {MAX_ENTRIES})")


def _index(infos: list[zipfile.ZipInfo], archive_size: int) -> dict[str, zipfile.ZipInfo]:
    if len(infos) > MAX_ENTRIES:
        raise ArchiveError(f"archive has {len(infos)} entries (limit {MAX_ENTRIES})")
    table: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        _check_info(info, archive_size)
        if info.filename in table:
            raise ArchiveError(f"duplicate zip entry {info.filename!r}")
        table[info.filename] = info
    return table


def _check_info(info: zipfile.ZipInfo, archive_size: int) -> None:
    name = info.filename
    check_entry_name(name)
    if info.flag_bits & 0x1:
        raise ArchiveError(f"zip entry {name!r} is encrypted")
    if info.compress_type == zipfile.ZIP_STORED:
        if info.file_size != info.compress_size or info.file_size > archive_size:
            raise ArchiveError(f"stored zip entry {name!r} declares {info.file_size} bytes "
                               f"in {info.compress_size} (archive is {archive_size} bytes)")  # fmt: skip
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        if info.compress_size > archive_size or info.file_size > MAX_DEFLATE_RATIO * (
            info.compress_size + 1
        ):
            raise ArchiveError(f"zip entry {name!r} declares an impossible size "
                               f"({info.compress_size} bytes inflating to {info.file_size})")  # fmt: skip
    else:
        raise ArchiveError(f"zip entry {name!r} uses compression method {info.compress_type}; "
                           "expected stored (0) or deflated (8)")  # fmt: skip
