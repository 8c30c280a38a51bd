"""Check a returned pack's Test cases sheet: the marks of its executed rows, every problem at its cell.

Errors keep the file out of the ledger (a row that cannot be trusted); warnings are reported and the marks
import (a changed locked cell, a stale case, a missing evidence file). Column names and statuses in the
messages are the pack's own labels, so a tester finds them in the sheet they filled.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from hashlib import sha256
from operator import itemgetter
from pathlib import Path, PureWindowsPath

from uatkit.config import UatChecksConfig
from uatkit.errors import Problem
from uatkit.model import Mark, SourceLocation, Status
from uatkit.stories.excel import Cell, column_letter, text_of
from uatkit.text import MAX_CELL_TEXT, quoted
from uatkit.uat import layout
from uatkit.uat.celltext import is_cut
from uatkit.uat.dates import latest_date, out_of_range, parse_date
from uatkit.uat.pack import PackInfo, PackRow, ReadPack

_EVIDENCE_SEPARATORS = re.compile(r"[\r\n,;，；]+")
#: Characters no file name should hold (C0 and C1 controls, DEL): a NUL arrives as `_x0000_` in the xlsx.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: The longest evidence name, in characters, as most file systems allow for one file name.
MAX_EVIDENCE_NAME = 255
_SHA256 = sha256()
#: Locked columns whose text repeats from row to row (a story's criteria share its requirement, title and
#: preconditions): their hashes are remembered. Scenarios, steps and expected results are one a case.
_REPEATED_COLUMNS = frozenset({"requirement", "title", "preconditions", "data", "priority"})


@dataclass(frozen=True)
class Sheet:
    """A sheet of the file being read, to locate its cells."""

    display: str
    name: str

    def at(self, column: str | None, row: int | None) -> SourceLocation:
        """Return the location of a cell (or of a row, or the sheet)."""
        return SourceLocation(self.display, sheet=self.name, row=row, column=column)


@dataclass(frozen=True)
class Expected:
    """What the pack's metadata sheet says it holds: its identity and, per case, its row and hashes."""

    info: PackInfo
    rows: dict[str, PackRow]
    hashes: dict[str, tuple[str, ...]]


def check_cases(
    cells: list[list[Cell]],
    columns: Mapping[str, int],
    sheet: Sheet,
    expected: Expected,
    current: Mapping[str, str] | None,
    folder: Path,
    today: dt.date,
    out: ReadPack,
    rules: UatChecksConfig | None = None,
    *,
    first_row: int = layout.HEADER_ROW,
    labels: Mapping[str, str] | None = None,
    status_labels: Mapping[Status, str] | None = None,
) -> None:
    """Append the marks of the executed rows and every problem of every row to `out`.

    Rows after `first_row` (the header row) are read. `labels` and `status_labels` name columns and
    statuses in messages as the sheet does, where it is not a pack (a client's own template).
    """
    checker = _Cases(columns, sheet, expected, current, folder.resolve(), today, out, rules)
    checker.label.update(labels or {})
    checker.status_label.update(status_labels or {})
    for index in range(first_row, len(cells)):
        row = cells[index]
        if any(row):
            checker.row(index + 1, row)
    for key, packed in expected.rows.items():
        if key not in checker.seen:
            out.warnings.append(
                Problem(
                    sheet.at(None, None),
                    f"case {key!r} (row {packed.row} when exported) is missing from the sheet; "
                    "nothing is recorded for it",
                )
            )


def _cell_hash(text: str) -> str:
    """Return layout.cell_hash of a text without CR, faster: it runs for every locked cell of every row."""
    hasher = _SHA256.copy()  # copying an empty hasher is cheaper than making one
    hasher.update(text.encode())
    return hasher.hexdigest()[:8]


#: The text columns every row reads, in the order `_Cases.row` unpacks them.
_TEXT_COLUMNS = ("case", "status", "actual", "defect", "tester", "evidence", "comments")


class _Cases:
    """The checks of the Test cases sheet, with the lookups every row uses built once.

    Thousands of rows a pack pass through `row`: it reads cells through prebuilt getters and dictionaries,
    and builds messages only for rows with problems.
    """

    def __init__(
        self,
        columns: Mapping[str, int],
        sheet: Sheet,
        expected: Expected,
        current: Mapping[str, str] | None,
        folder: Path,
        today: dt.date,
        out: ReadPack,
        rules: UatChecksConfig | None,
    ) -> None:
        self.sheet, self.expected, self.current = sheet, expected, current
        self.folder, self.today, self.out = folder, today, out
        rules = rules or UatChecksConfig()
        self.latest, self.earliest = latest_date(today), rules.earliest_date
        self.max_bytes, self.max_mb = rules.evidence_max_bytes, rules.evidence_max_mb
        # The longest name of one folder entry, in bytes (255 on ext4, APFS and NTFS).
        try:
            self.name_max = os.pathconf(folder, "PC_NAME_MAX")
        except (OSError, ValueError):
            self.name_max = 255
        # Each folder's entries by their NFC form, listed the first time a name needs it.
        self.listed: dict[Path, dict[str, str]] = {}
        language = expected.info.language
        self.label = {c.key: c.label(language) for c in layout.COLUMNS}
        self.letter = {key: column_letter(index) for key, index in columns.items()}
        self.status_label = {status: layout.status_label(status, language) for status in Status}
        self.statuses = {"": Status.NOT_RUN} | {
            text: status
            for status, labels in layout.STATUS_LABELS.items()
            for label in labels.values()
            for text in (label, label.casefold())
        }
        self.texts = itemgetter(*(columns[key] for key in _TEXT_COLUMNS))
        self.date_column = columns["date"]
        self.status_letter = self.letter["status"]
        # The Case ID cell is not compared: the row is the case its text names (unknown or repeated IDs
        # are errors of their own).
        present = [
            (position, key)
            for position, key in enumerate(layout.LOCKED_COLUMNS)
            if key in columns and key != "case"
        ]
        self.wanted = itemgetter(*(position for position, _ in present), 0)
        # The extra index keeps each getter returning a tuple however few locked columns are left; zip()
        # stops at the shortest.
        self.locked = itemgetter(*(columns[key] for _, key in present), 0)
        self.locked_where = tuple(
            (self.letter[key], self.label[key], key in _REPEATED_COLUMNS) for _, key in present
        )
        self.hashed: dict[str, str] = {}
        self.seen: dict[str, int] = {}

    def error(self, key: str, row: int, message: str) -> None:
        self.out.errors.append(Problem(self.sheet.at(self.letter[key], row), message))

    def warning(self, key: str, row: int, message: str) -> None:
        self.out.warnings.append(Problem(self.sheet.at(self.letter[key], row), message))

    def row(self, number: int, row: list[Cell]) -> None:
        """Check one sheet row; append its mark when it was executed."""
        texts = [value if value.__class__ is str else text_of(value) for value in self.texts(row)]
        key, status_text, actual, defect, tester, evidence, comments = map(str.strip, texts)
        date_cell = row[self.date_column]
        dated = date_cell.strip() != "" if date_cell.__class__ is str else True
        if not key:
            if status_text or tester or dated or actual or defect or evidence or comments:
                self.error(
                    "case", number, "the row has results but no Case ID; record results on the pack's rows"
                )
            return
        packed = self.expected.rows.get(key)
        if packed is None:
            self.error(
                "case", number, f"case {key!r} is not in this pack; export a new pack to test new cases"
            )
        elif self.seen.setdefault(key, number) != number:
            first = self.seen[key]
            self.error("case", number, f"case {key!r} is on rows {first} and {number}; keep one row for it")
            packed = None
        else:
            self.locked_cells(number, row, self.expected.hashes[key])
        status = self.statuses.get(status_text) or layout.status_from_label(status_text)
        if status is None:
            choices = ", ".join(self.status_label.values())
            self.error("status", number, f"unknown status {status_text!r}; pick one from the list: {choices}")
            return
        if status is Status.NOT_RUN:
            if tester or dated or actual:
                self.warning(
                    "status",
                    number,
                    f"the row has results but {self.label['status']} is {self.status_label[status]}; "
                    "nothing recorded for it",
                )
            return
        # Problems are listed left to right, as the tester meets the cells.
        if status is Status.FAIL and not actual and not comments:
            self.error(
                "actual",
                number,
                f"{self.status_label[status]} needs an {self.label['actual']} or {self.label['comments']}; "
                "say what happened instead",
            )
        if not tester:
            self.error("tester", number, self.needs(status, "tester", "enter the name of who ran it"))
        elif control := _CONTROL.search(tester):
            # A name is shown on terminals, pages and the sign-off: an escape in it could rewrite them.
            self.error(
                "tester",
                number,
                f"the tester name {_shown(tester)} holds a control character (U+{ord(control.group()):04X}); "
                "type the name again",
            )
        if date_cell.__class__ is dt.date and self.earliest <= date_cell <= self.latest:  # nothing to parse
            date: dt.date | None = date_cell
        else:
            date = self.run_date(number, date_cell, dated, status)
        names = self.evidence(number, evidence) if evidence else ()
        if len(actual) >= MAX_CELL_TEXT or len(comments) >= MAX_CELL_TEXT:
            self.full_cells(number, actual, comments)
        if status is Status.BLOCKED and not comments:
            self.error("comments", number, self.needs(status, "comments", "say what blocks it"))
        if packed is None:
            return
        if self.current is not None and self.current.get(key) != packed.fingerprint:
            self.stale(number, packed, self.current)
        self.out.marks.append(
            # Positional, in Mark's field order: cheaper than keywords over thousands of rows (the tests
            # compare whole marks, so a reordered model fails them).
            Mark(
                key,
                status,
                tester,
                date,
                actual,
                defect,
                names,
                comments,
                packed.fingerprint,
                self.expected.info.pack_id,
                SourceLocation(self.sheet.display, None, self.sheet.name, number, self.status_letter),
            )
        )

    def locked_cells(self, number: int, row: list[Cell], hashes: tuple[str, ...]) -> None:
        """Warn about every locked cell whose text is not what the pack was exported with."""
        if len(hashes) != len(layout.LOCKED_COLUMNS):
            return  # a metadata row without every hash has nothing to compare with
        hashed = self.hashed
        for value, want, (letter, label, repeats) in zip(
            self.locked(row), self.wanted(hashes), self.locked_where, strict=False
        ):
            if value.__class__ is not str:
                got = layout.cell_hash(text_of(value))
            elif "\r" in value:
                got = layout.cell_hash(value)
            elif repeats:
                known = hashed.get(value)
                if known is None:
                    known = hashed[value] = _cell_hash(value)
                got = known
            else:
                got = _cell_hash(value)
            if got != want:
                self.out.warnings.append(
                    Problem(
                        self.sheet.at(letter, number),
                        f"the {label} text was changed; the pack's original scenario is what counts",
                    )
                )

    def full_cells(self, number: int, actual: str, comments: str) -> None:
        """Warn that a cell at Excel's limit may hold less than was typed: nothing is cut silently."""
        for key, text in (("actual", actual), ("comments", comments)):
            # A carried-forward text cut by uatkit ends with a note naming the ledger mark that holds it all.
            if len(text) >= MAX_CELL_TEXT and not is_cut(text):
                self.warning(
                    key,
                    number,
                    f"the cell holds Excel's maximum of {MAX_CELL_TEXT:,} characters: any text beyond it "
                    f"was not read; put the rest in a file and name it under {self.label['evidence']}",
                )

    def needs(self, status: Status, key: str, todo: str) -> str:
        return f"the row is marked {self.status_label[status]} but {self.label[key]} is empty; {todo}"

    def run_date(self, number: int, cell: Cell, dated: bool, status: Status) -> dt.date | None:
        """Return the row's date; an executed row needs one, from the past."""
        if not dated:
            self.error("date", number, self.needs(status, "date", "enter the day it was run"))
            return None
        try:
            date = parse_date(cell)
        except ValueError as exc:
            self.error("date", number, str(exc))
            return None
        if date is not None and (wrong := out_of_range(date, self.today, self.earliest)):
            self.error("date", number, f"{wrong}; enter the day it was run")
        return date

    def stale(self, number: int, packed: PackRow, current: Mapping[str, str]) -> None:
        """Warn when the project's scenario is no longer the one the tester ran."""
        key = packed.key
        now = current.get(key)
        if now is None:
            self.warning(
                "case", number, f"case {key!r} is no longer in the project; its mark is kept as stale"
            )
        elif now != packed.fingerprint:
            self.warning(
                "case",
                number,
                f"case {key!r} changed in the project since this pack was exported; its mark is kept as "
                "stale, export a new pack to test it again",
            )

    def evidence(self, number: int, text: str) -> tuple[str, ...]:
        """Return the evidence names inside the workbook's folder; report those outside it or missing."""
        kept: list[str] = []
        for part in _EVIDENCE_SEPARATORS.split(text):
            name = part.strip().replace("\\", "/")
            if not name:
                continue
            if wrong := self.bad_name(name):
                self.error("evidence", number, f"{_shown(name)}: {wrong}")
                continue
            if PureWindowsPath(name).anchor or Path(name).is_absolute():
                resolved = None
            else:
                resolved = (self.folder / name).resolve()
            if resolved is None or not resolved.is_relative_to(self.folder):
                self.error(
                    "evidence",
                    number,
                    f"{quoted(part.strip())}: evidence must be a file in the same folder as the workbook; "
                    "copy it there and enter its file name",
                )
                continue
            if not resolved.is_file():
                # A name typed on one system may be spelled in another Unicode form on disk (macOS: NFD).
                found = self.same_name(name)
                if found is not None:
                    name, resolved = found, (self.folder / found).resolve()
            if not resolved.is_file():
                self.warning(
                    "evidence",
                    number,
                    f"evidence file {quoted(name)} is not in the workbook's folder; copy it there (the mark "
                    "imports naming it, with the content the ledger already holds for it, if any)",
                )
            elif (size := _size(resolved)) > self.max_bytes:
                self.error(
                    "evidence",
                    number,
                    f"evidence file {quoted(name)} is {size / 1_000_000:,.1f} MB, over the limit of "
                    f"{self.max_mb:,} MB; make it smaller (compress it, cut the recording) or raise "
                    "[tool.uatkit.uat.checks] evidence_max_mb",
                )
                continue
            # A carried-forward row names files the ledger holds: the name stays part of the mark.
            kept.append(name)
        return tuple(kept)

    def bad_name(self, name: str) -> str:
        """Return why a name cannot be a file name ("" when it can), with what to do."""
        if control := _CONTROL.search(name):
            return (
                f"the evidence name holds a control character (U+{ord(control.group()):04X}); "
                "type the file name again"
            )
        if len(name) > MAX_EVIDENCE_NAME:
            return (
                f"the evidence name is {len(name):,} characters long, over {MAX_EVIDENCE_NAME}; "
                "rename the file shorter and enter its new name"
            )
        for piece in name.split("/"):
            if len(piece.encode("utf-8")) > self.name_max:
                return (
                    f"a part of the evidence name is {len(piece.encode('utf-8')):,} bytes long, over the "
                    f"file system's {self.name_max}; rename the file shorter and enter its new name"
                )
        return ""

    def same_name(self, name: str) -> str | None:
        """Return the name as the folder spells it when it differs only in Unicode normalisation."""
        folder, parts = self.folder, []
        for piece in name.split("/"):
            entries = self.listed.get(folder)
            if entries is None:
                try:
                    listing = os.listdir(folder)
                except OSError:
                    listing = []
                entries = self.listed[folder] = {unicodedata.normalize("NFC", e): e for e in listing}
            real = entries.get(unicodedata.normalize("NFC", piece))
            if real is None:
                return None
            parts.append(real)
            folder = folder / real
        return "/".join(parts)


def _size(path: Path) -> int:
    """Return a file's size without reading it (0 when it cannot be asked)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _shown(name: str) -> str:
    """Return a name as a message shows it: controls spelled out, a long one cut."""
    visible = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)
    # Not repr(): it would double the backslash each spelled-out control starts with.
    return f"'{visible}'" if len(visible) <= 60 else f"'{visible[:57]}…'"


def check_signoff(
    date_cell: Cell,
    text: Mapping[str, str],
    label: Mapping[str, str],
    today: dt.date,
    earliest: dt.date,
    error: Callable[[str, str], None],
) -> dt.date | None:
    """Check a sign-off's date and that a decision names who signed and when (a pack's Sign-off sheet and a
    client template's sign-off block alike); report each problem through `error(field, message)`; return the
    date read, or None."""
    date = None
    try:
        date = parse_date(date_cell)
    except ValueError as exc:
        error("date", str(exc))
    if date is not None and (wrong := out_of_range(date, today, earliest)):
        error("date", f"{wrong}; enter the day of the sign-off")
    if text["decision"]:
        for key, todo in (("name", "enter who signs off"), ("date", "enter the day of the sign-off")):
            if not text[key]:
                error(key, f"{label['decision']} is filled but {label[key]} is empty; {todo}")
    return date
