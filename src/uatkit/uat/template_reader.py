"""Read marks from a client's own UAT spreadsheet through its mapping, with every problem at its cell.

The file passes the same guards as a pack (`uatkit.xlsxguard` limits, python-calamine) and its rows the
same checks (`uatkit.uat.checks`: statuses, dates, testers, evidence inside the folder, Fail needs an
actual result); the sign-off block the mapping names is read as a pack's Sign-off sheet is
(`uatkit.uat.template_signoff`). What a pack's metadata says, the mapping and the project say here: a row
names its case by a case ID column or by its scenario title (exact after whitespace normalisation; an
unknown or ambiguous one is an error at its cell), and its mark is recorded against the scenario as the
project holds it now.
A uatkit pack is refused: its signature is checked by `uatkit uat import` alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from uatkit.config import LimitsConfig, UatChecksConfig
from uatkit.errors import Problem
from uatkit.model import Case, PackLanguage, SourceLocation, Status
from uatkit.stories.excel import Cell, column_letter, text_of
from uatkit.text import shown_text, slug
from uatkit.uat import layout
from uatkit.uat.checks import Expected, Sheet, check_cases
from uatkit.uat.pack import PackInfo, PackRow, ReadPack
from uatkit.uat.reader import capped, saved_at
from uatkit.uat.template_mapping import (
    READ_FIELDS,
    SignoffSpec,
    TemplateMapping,
    cell_position,
    choose_sheet,
    find_column,
    find_header_row,
    normal,
)
from uatkit.uat.template_signoff import read_signoff
from uatkit.xlsxguard import WorkbookRefused, read_checked

_ZIP_MAGIC = b"PK\x03\x04"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: How far down a header row is looked for when the mapping does not say.
_HEADER_SEARCH = 30
#: The columns `uatkit.uat.checks` reads, by its keys (the scenario title is the mapping's own).
_CHECKED = ("case", "status", "actual", "defect", "tester", "date", "evidence", "comments")


@dataclass(frozen=True)
class TemplateRow:
    """A row of the template as read: where it is, the case it names, and what the tester entered."""

    row: int
    key: str
    word: str
    status: Status | None
    tester: str
    date: str
    #: What the row names its case by, as written (its case ID, else its title): shown when no case is found.
    named: str = ""


@dataclass
class TemplateRead:
    """A client template read through its mapping: the pack-like read the ledger takes, and its rows."""

    read: ReadPack
    mapping: TemplateMapping
    sheet: str = ""
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    rows: list[TemplateRow] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, location: SourceLocation, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(location, message)


def template_pack_id(release: str, name: str, path: Path) -> str:
    """Return the pack ID a client template's marks are recorded under: release, mapping and file name."""
    return f"{release}-template-{slug(name) or 'mapping'}-{slug(path.stem) or 'file'}"


def read_template(
    path: Path,
    mapping: TemplateMapping,
    cases: Sequence[Case],
    *,
    release: str,
    project: str,
    limits: LimitsConfig | None = None,
    rules: UatChecksConfig | None = None,
    today: dt.date | None = None,
) -> TemplateRead:
    """Return a client template read and checked: its marks as a pack's, every problem located."""
    limits = limits or LimitsConfig()
    display = str(path)
    try:
        data = read_checked(path, limits)
    except WorkbookRefused as exc:
        return TemplateRead(ReadPack(path, "", errors=[Problem(SourceLocation(display), str(exc))]), mapping)
    out = TemplateRead(ReadPack(path, hashlib.sha256(data).hexdigest()), mapping)
    out.read.saved_at = saved_at(data)
    try:
        _read(data, out, cases, release, project, rules or UatChecksConfig(), today or dt.date.today())
    except _Refused as exc:
        out.read.info, out.read.marks, out.read.rows = None, [], []
        out.read.errors, out.read.warnings, out.rows = [exc.problem], [], []
    out.read.errors = capped(out.read.errors, limits.problems, display)
    out.read.warnings = capped(out.read.warnings, limits.problems, display)
    return out


def _read(
    data: bytes,
    out: TemplateRead,
    cases: Sequence[Case],
    release: str,
    project: str,
    rules: UatChecksConfig,
    today: dt.date,
) -> None:
    from python_calamine import CalamineError, CalamineWorkbook

    read, mapping = out.read, out.mapping
    display = str(read.path)
    where = SourceLocation(display)
    if not data.startswith(_ZIP_MAGIC):
        raise _Refused(where, "not an Excel workbook (.xlsx); open it in Excel and save it as .xlsx")
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            names = list(workbook.sheet_names)
            _refuse_packs(workbook, names, where)
            try:
                name = choose_sheet(names, mapping)
            except ValueError as exc:
                raise _Refused(where, str(exc)) from None
            cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            spec = mapping.signoff
            signoff_name, signoff_cells = name, cells
            if spec is not None and spec.sheet not in ("", name):
                try:
                    signoff_name = choose_sheet(names, mapping, spec.sheet)
                except ValueError as exc:
                    raise _Refused(where, f"[signoff] {exc}") from None
                signoff_cells = workbook.get_sheet_by_name(signoff_name).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as exc:
        raise _Refused(where, f"not an Excel workbook (.xlsx) ({exc}); save it again as .xlsx") from None
    sheet = Sheet(display, name)
    header = _header_row(cells, mapping, sheet)
    headers = [normal(text_of(v)) for v in (cells[header - 1] if header <= len(cells) else [])]
    columns = _columns(headers, mapping, sheet, header)
    out.sheet, out.header_row = name, header
    out.columns = {key: column_letter(index) for key, index in columns.items()}
    language = _language(mapping, headers)
    info = PackInfo(
        pack_id=template_pack_id(release, mapping.name, read.path),
        release=release,
        group=mapping.name,
        owner=mapping.table.owner,
        language=language,
        project=project,
        generated_at=read.saved_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
        schema=layout.SCHEMA_VERSION,
    )
    read.info = info
    if spec is not None and signoff_name == name:
        cells = _without_block(cells, spec, columns, cases, sheet, header)
    grid, keys = _rows(cells, columns, headers, mapping, cases, sheet, header, out)
    current = {case.key: case.fingerprint for case in cases}
    read.rows = [PackRow(key, row, current[key]) for key, row in keys.items()]
    expected = Expected(info, {r.key: r for r in read.rows}, {key: () for key in keys})
    width = max((len(row) for row in grid), default=0)
    # A field the template has no column for reads as an empty cell, one past its widest row.
    checked = {key: columns.get("title" if key == "case" else key, width) for key in _CHECKED}
    if "case" in columns:
        checked["case"] = columns["case"]
    grid = [[*row, *([""] * (width + 1 - len(row)))] if row else row for row in grid]
    labels = {
        key: headers[index] for key, index in columns.items() if index < len(headers) and headers[index]
    }
    labels.pop("title", None)
    check_cases(
        grid,
        checked,
        sheet,
        expected,
        current,
        read.folder,
        today,
        read,
        rules,
        first_row=header,
        labels=labels,
        status_labels=mapping.words(language),
    )
    if spec is not None:
        signoff_sheet = Sheet(display, signoff_name)
        read_signoff(signoff_cells, signoff_sheet, mapping, spec, info, today, rules.earliest_date, read)
    # Left to right, top to bottom, as the tester meets the cells.
    read.errors.sort(key=_reading_order)
    read.warnings.sort(key=_reading_order)


def _without_block(
    cells: list[list[Cell]],
    spec: SignoffSpec,
    columns: Mapping[str, int],
    cases: Sequence[Case],
    sheet: Sheet,
    header: int,
) -> list[list[Cell]]:
    """Return the sheet without the sign-off block's rows: they are no test rows, though the block's date
    may sit in the date column. A mapping that puts a sign-off cell on a case's row is refused."""
    refs = [ref for ref in (spec.decision, spec.name, spec.date, spec.conditions) if ref]
    block = {cell_position(ref)[0]: ref for ref in refs}
    known = {case.key for case in cases} | {normal(case.scenario) for case in cases}
    for index, ref in sorted(block.items()):
        row = cells[index] if index < len(cells) else []
        named = [
            normal(text_of(row[columns[key]]))
            for key in ("case", "title")
            if key in columns and columns[key] < len(row)
        ]
        case = next((f"case {text!r}" for text in named if text in known), "")
        status = columns["status"]
        if not case and f"{column_letter(status)}{index + 1}" not in refs and status < len(row):
            # A status entered on the block's row is a tester's mark, never dropped unread.
            case = normal(text_of(row[status])) and f"a status {normal(text_of(row[status]))!r}"
        if index >= header and case:
            raise _Refused(
                sheet.at(ref.rstrip("0123456789"), index + 1),
                f"the mapping's [signoff] cell {ref} is on a test row (it holds {case}); name the "
                "cells of the sign-off block, outside the test rows",
            )
    return [[] if index in block else row for index, row in enumerate(cells)]


def _reading_order(problem: Problem) -> tuple[int, int, str]:
    column = problem.location.column or ""
    return problem.location.row or 0, len(column), column


def _refuse_packs(workbook: object, names: Sequence[str], where: SourceLocation) -> None:
    """Refuse a uatkit pack: its marks import with `uatkit uat import`, where its signature is checked."""
    keys = layout.sheet_keys_by_name()
    meta = layout.SHEET_LABELS["meta"]["en"].casefold()
    found = [n for n in names if n.strip().casefold() == meta]
    if not found:
        cases = [n for n in names if keys.get(n.strip()) == "cases"]
        for name in cases:
            first = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)[:1]  # type: ignore[attr-defined]
            labels = layout.column_keys_by_label()
            seen = {labels.get(normal(text_of(v)).casefold()) for v in (first[0] if first else [])}
            if {"case", *layout.INPUT_COLUMNS} <= seen:
                found.append(name)
    if found:
        raise _Refused(
            where,
            "this is a uatkit UAT pack, not a client's own template: import it with `uatkit uat import "
            f"{where.path}`, which checks its signature (a pack whose metadata was removed or changed is "
            "refused there too; export it again)",
        )


def _header_row(cells: list[list[Cell]], mapping: TemplateMapping, sheet: Sheet) -> int:
    """Return the header row: the mapping's, else the first that holds `find` or the fields' headers."""
    rows = [[text_of(v) for v in row] for row in cells[:_HEADER_SEARCH]]
    found = find_header_row(rows, mapping, ("status",))
    if found:
        return found
    what = (
        ", ".join(repr(h) for h in mapping.table.find)
        if mapping.table.find
        else "a status column and a case ID or scenario column"
    )
    raise _Refused(
        sheet.at(None, None),
        f"no row among the first {_HEADER_SEARCH} holds the headers {what}; set header_row (or find) in "
        f"{mapping.path}",
    )


def _columns(headers: Sequence[str], mapping: TemplateMapping, sheet: Sheet, row: int) -> dict[str, int]:
    """Return the 0-based column of each field the template has; refuse one the mapping names but lacks."""
    columns: dict[str, int] = {}
    missing: list[str] = []
    for key in READ_FIELDS:
        spec = mapping.columns.get(key)
        index = find_column(headers, spec, key)
        if index is not None:
            columns[key] = index
        elif spec is not None:
            missing.append(f"columns.{key} ({spec.header or spec.regex!r})")
    shown = ", ".join(repr(h) for h in headers if h) or "none"
    if missing:
        raise _Refused(
            sheet.at(None, row),
            f"the header row has no column for {', '.join(missing)} (its headers are {shown}); fix the "
            f"mapping {mapping.path} or header_row",
        )
    needed = [key for key in ("status", "tester", "date") if key not in columns]
    if "case" not in columns and "title" not in columns:
        needed.insert(0, "case or title")
    if needed:
        raise _Refused(
            sheet.at(None, row),
            f"the header row has no column for {', '.join(needed)} (its headers are {shown}); name them "
            f"under [columns] in the mapping {mapping.path}",
        )
    return columns


def _language(mapping: TemplateMapping, headers: Sequence[str]) -> str:
    chosen = mapping.table.language
    if chosen != PackLanguage.AUTO:
        return str(chosen)
    return PackLanguage.ZH_CN if any(_CJK.search(h) for h in headers) else PackLanguage.EN


def _rows(
    cells: list[list[Cell]],
    columns: Mapping[str, int],
    headers: Sequence[str],
    mapping: TemplateMapping,
    cases: Sequence[Case],
    sheet: Sheet,
    header: int,
    out: TemplateRead,
) -> tuple[list[list[Cell]], dict[str, int]]:
    """Return the sheet with each row's case key and canonical status in place, and each key's row.

    A row whose case or status cannot be told is reported here and left out (nothing else of it can count).
    """
    errors = out.read.errors
    by_key = {case.key: case for case in cases}
    by_title: dict[str, list[Case]] = {}
    for case in cases:
        by_title.setdefault(normal(case.scenario), []).append(case)
    words = ", ".join(
        dict.fromkeys(mapping.words(out.read.info.language if out.read.info else "en").values())
    )

    def cell(row: list[Cell], key: str) -> Cell:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else ""

    def text(row: list[Cell], key: str) -> str:
        value = cell(row, key)
        return normal(value if isinstance(value, str) else text_of(value))

    def at(key: str, number: int) -> SourceLocation:
        return sheet.at(column_letter(columns[key]), number)

    grid: list[list[Cell]] = [[] for _ in range(header)]
    keys: dict[str, int] = {}
    for index in range(header, len(cells)):
        number, row = index + 1, list(cells[index])
        given = {key: text(row, key) for key in READ_FIELDS if key in columns}
        word = given.get("status", "")
        status = mapping.status(word) if word else Status.NOT_RUN
        entered = any(v for k, v in given.items() if k not in ("case", "title", "status"))
        if not entered and status is Status.NOT_RUN:
            grid.append([])  # a blank or untested row (its case and title filled in at export)
            continue
        key = _key(given, by_key, by_title, columns, number, at, errors, mapping.table.match)
        if key and key in keys:
            errors.append(
                Problem(
                    at("case" if "case" in columns else "title", number),
                    f"case {key!r} is on rows {keys[key]} and {number}; keep one row for it",
                )
            )
            key = ""
        date = cell(row, "date")
        named = shown_text(given.get("case") or given.get("title", ""))
        out.rows.append(
            TemplateRow(number, key, word, status, given.get("tester", ""), _shown_date(date), named)
        )
        if status is None:
            errors.append(
                Problem(
                    at("status", number),
                    f"unknown status {shown_text(word)!r}; write one of: {words} "
                    f"(or add the word under [statuses] in {mapping.path})",
                )
            )
        if not key or status is None:
            grid.append([])
            continue
        keys[key] = number
        if (
            "title" in given
            and given.get("case")
            and given["title"]
            and given["title"] != normal(by_key[key].scenario)
        ):
            out.read.warnings.append(
                Problem(
                    at("title", number),
                    f"the scenario is titled {by_key[key].scenario!r} in the project, not "
                    f"{shown_text(given['title'])!r}; the mark is recorded for case {key} as the project "
                    "holds it",
                )
            )
        # The checks read the case's key and a status they know where the tester's cells were.
        place = columns["case"] if "case" in columns else columns["title"]
        width = max(place, columns["status"]) + 1
        row += [""] * (width - len(row))
        row[place] = key
        row[columns["status"]] = status.value
        grid.append(row)
    return grid, keys


def _key(
    given: Mapping[str, str],
    by_key: Mapping[str, Case],
    by_title: Mapping[str, list[Case]],
    columns: Mapping[str, int],
    number: int,
    locate: Callable[[str, int], SourceLocation],
    errors: list[Problem],
    match: str = "auto",
) -> str:
    """Return the case a row names (by ID, else by title), or "" after an error saying why not.

    `match` is the mapping's: "id" reads only case IDs, "title" only titles, "auto" the ID, else the title.
    """
    case_id = given.get("case", "") if match != "title" else ""
    title = given.get("title", "") if match != "id" else ""
    if case_id:
        if case_id in by_key:
            return case_id
        errors.append(
            Problem(
                locate("case", number),
                f"case {shown_text(case_id)!r} is not in the project; write a case ID uatkit knows (uatkit "
                "uat export --template lists them), or fix the typo",
            )
        )
        return ""
    if not title:
        where = "case" if "case" in columns else "title"
        errors.append(
            Problem(
                locate(where, number),
                "the row has results but names no case (no case ID, no scenario title); fill it in or "
                "clear the row",
            )
        )
        return ""
    found = by_title.get(title, [])
    if len(found) == 1:
        return found[0].key
    if not found:
        message = (
            f"no scenario of the project is titled {shown_text(title)!r} (compared exactly, spacing aside); "
            "correct the title or add a case ID column"
        )
    else:
        keys = ", ".join(c.key for c in found)
        message = (
            f"the title {shown_text(title)!r} is ambiguous: {len(found)} scenarios have it ({keys}); "
            "write the case ID in a case ID column (columns.case in the mapping)"
        )
    errors.append(Problem(locate("title", number), message))
    return ""


def _shown_date(value: Cell) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return shown_text(text_of(value)).strip() if value not in ("", None) else ""
