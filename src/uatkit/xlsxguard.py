"""Inspect a workbook (.xlsx) as a zip before python-calamine or openpyxl opens it.

A reader sizes its memory from what the file says: one cell at XFD1048576 (a 12 KB file) makes it try to
allocate hundreds of GiB, and a small file can unpack to gigabytes. So the zip's entries, their unpacked
sizes and compression ratios, and every worksheet's used range (its declared `<dimension ref>` and the
rows and cells it really holds, scanned as a stream: python-calamine aborts on a far cell even under a
small declared dimension) are checked against `[tool.uatkit.limits]` first.
A file over a limit is refused with one message naming the limit and the key that raises it.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from uatkit.config import LimitsConfig
from uatkit.errors import UatkitError

_ZIP_MAGIC = b"PK\x03\x04"
_MB = 1024 * 1024
_CHUNK = 1024 * 1024
#: The declared dimension sits near the top of a sheet's XML; no writer puts it further than this.
_HEAD = 64 * 1024
#: Small entries (styles, a sheet of a few rows) compress very well and are harmless.
_RATIO_FLOOR = _MB
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml\Z", re.IGNORECASE)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([^\"]*)\"")
# <row r="12"> and <c r="B12"> place rows and cells. The patterns start with a literal (no \s before
# r=), which makes them several times faster; another attribute ending in r (footer="1") only ever
# overstates the range, and a small number at that.
_ROW_NUMBER = re.compile(rb"r=\"[A-Z]{0,3}([0-9]{1,9})\"")
_COLUMN_LETTERS = re.compile(rb"r=\"([A-Z]{1,3})[0-9]")
_CELL = re.compile(r"\$?([A-Z]{1,3})?\$?([0-9]{1,9})?\Z")
_TAIL = 32
_UNREADABLE = "close it in Excel and check you are allowed to read it"


class WorkbookRefused(UatkitError):
    """A workbook is over a limit, or is no regular file; the message names the limit."""


@dataclass(frozen=True)
class _Extent:
    """The rows and columns a sheet's used range spans."""

    rows: int
    columns: int


def read_checked(path: Path, limits: LimitsConfig) -> bytes:
    """Return a workbook file's bytes once it is a regular file within `limits`; raise WorkbookRefused."""
    try:
        info = path.stat()
    except OSError as exc:
        raise WorkbookRefused(f"cannot be read ({exc.strerror or exc}); {_UNREADABLE}") from None
    # A folder fails to read below, as "Is a directory"; a FIFO or device would block or never end.
    if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
        raise WorkbookRefused(
            f"not a regular file ({_kind(info.st_mode)}); give the path of an .xlsx workbook"
        )
    if info.st_size > limits.file_mb * _MB:
        raise _over(f"the file is {_mb(info.st_size)}", f"{limits.file_mb} MB", "file_mb")
    # O_NONBLOCK: a file swapped for a FIFO after the check must not hang the run.
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as stream:
            data = stream.read(limits.file_mb * _MB + 1)
    except OSError as exc:
        raise WorkbookRefused(f"cannot be read ({exc.strerror or exc}); {_UNREADABLE}") from None
    if len(data) > limits.file_mb * _MB:
        raise _over("the file grew while it was read", f"{limits.file_mb} MB", "file_mb")
    check_package(data, limits)
    return data


def check_package(data: bytes, limits: LimitsConfig) -> None:
    """Refuse a zip package over `limits`; leave anything that is not a zip to the reader's own checks."""
    if not data.startswith(_ZIP_MAGIC):
        return
    import io

    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # the reader says the file is no workbook
    with package:
        entries = package.infolist()
        if len(entries) > limits.entries:
            raise _over(f"the workbook holds {len(entries):,} files", f"{limits.entries:,}", "entries")
        total = 0
        for entry in entries:
            _check_entry(entry, limits)
            total += entry.file_size
            if total > limits.total_mb * _MB:
                raise _over(
                    f"its files unpack to more than {_mb(total)}", f"{limits.total_mb} MB", "total_mb"
                )
        for entry in entries:
            if _SHEET.match(entry.filename):
                _check_sheet(package, entry, limits)


def _check_entry(entry: zipfile.ZipInfo, limits: LimitsConfig) -> None:
    name = entry.filename
    if entry.file_size > limits.entry_mb * _MB:
        raise _over(f"{name} unpacks to {_mb(entry.file_size)}", f"{limits.entry_mb} MB", "entry_mb")
    if entry.file_size > _RATIO_FLOOR:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > limits.ratio:
            raise _over(f"{name} is compressed {ratio:,.0f} to 1", f"{limits.ratio} to 1", "ratio")


def _check_sheet(package: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: LimitsConfig) -> None:
    """Check a worksheet's declared dimension, then the rows and cells it holds, reading it as a stream."""
    try:
        with package.open(entry) as stream:
            head = stream.read(_HEAD)
            declared = _DIMENSION.search(head)
            if declared is not None:
                _check_extent(entry.filename, "declares", _range_extent(declared.group(1)), limits)
            _check_extent(entry.filename, "holds", _scan(stream, head), limits)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return  # a damaged entry: the reader reports the file as no workbook


def _scan(stream: IO[bytes], head: bytes) -> _Extent:
    """Return the furthest row and column the sheet's row and cell references reach."""
    rows = columns = 0
    tail = b""
    chunk = head
    while chunk:
        text = tail + chunk
        # A reference cut at the chunk's end is found again whole in the next one (the tail overlaps).
        # Whole-chunk findall and max keep the scan a small share of reading the pack.
        rows = max(rows, max(map(int, _ROW_NUMBER.findall(text)), default=0))
        letters = set(_COLUMN_LETTERS.findall(text))
        if letters:
            columns = max(columns, _column_number(max(letters, key=lambda s: (len(s), s))))
        tail = text[-_TAIL:]
        chunk = stream.read(_CHUNK)
    return _Extent(rows, columns)


def _range_extent(ref: bytes) -> _Extent:
    """Return the extent of a range such as A1:P2600 (or one cell): its last row and column."""
    rows = columns = 0
    for part in ref.decode("ascii", "replace").upper().split(":"):
        found = _CELL.match(part.strip())
        if found is None:
            continue
        letters, number = found.groups()
        if letters:
            columns = max(columns, _column_number(letters.encode()))
        if number:
            rows = max(rows, int(number))
    return _Extent(rows, columns)


def _check_extent(name: str, how: str, extent: _Extent, limits: LimitsConfig) -> None:
    where = f"{name} {how} a range of {extent.rows:,} rows × {extent.columns:,} columns"
    if extent.rows > limits.rows:
        raise _over(where, f"{limits.rows:,} rows", "rows")
    if extent.columns > limits.columns:
        raise _over(where, f"{limits.columns:,} columns", "columns")
    if extent.rows * extent.columns > limits.cells:
        raise _over(f"{where} ({extent.rows * extent.columns:,} cells)", f"{limits.cells:,} cells", "cells")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _over(what: str, limit: str, key: str) -> WorkbookRefused:
    return WorkbookRefused(
        f"refused before opening it: {what}, over the limit of {limit}; if the file is genuine, raise "
        f"[tool.uatkit.limits] {key}"
    )


def _mb(size: int) -> str:
    return f"{size / _MB:,.1f} MB"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"
