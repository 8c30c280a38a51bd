"""The matrix as a workbook: a Summary, the Requirements and their Cases; filterable, coloured, printable.

Imported only when traceability.xlsx is written, so openpyxl loads only then.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from typing import Any

from allure_commons.model2 import Status as AllureStatus
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from uatkit.model import UAT_LAYER, Level, PackLanguage
from uatkit.text import cell_text
from uatkit.trace.model import (
    LEVELS,
    RULE_ORDER,
    STATUS_ORDER,
    CaseTrace,
    EvidenceSet,
    Matrix,
    RequirementTrace,
    TraceStatus,
    run_names,
)
from uatkit.trace.views import NOT_RUN, LevelView, MatrixViews, matrix_views, tagged
from uatkit.xlsx import FORMULA_START, Book, Cell, Sheet, add_styles, print_setup, put_text, row_height

#: (fill, font) colours of a level cell by its view's kind, the same as the HTML page's level chips.
LEVEL_COLOURS = {
    AllureStatus.PASSED: ("DAFBE1", "116329"),
    AllureStatus.FAILED: ("FFEBE9", "A40E26"),
    AllureStatus.BROKEN: ("FFF1E5", "953800"),
    AllureStatus.SKIPPED: ("EAEEF2", "424A53"),
    AllureStatus.UNKNOWN: ("FBEFFF", "6E40C9"),
    NOT_RUN: ("FFFFFF", "59636E"),
}
SUMMARY_WIDTHS = (24.0, 20.0, 24.0, 44.0, 24.0, 12.0)
SUMMARY_COLUMNS = len(SUMMARY_WIDTHS)
TITLES = {Level.UNIT: "Unit", Level.INTEGRATION: "Integration", Level.E2E: "E2E", UAT_LAYER: "UAT"}


@dataclass(frozen=True)
class Value:
    """One cell to write: text (never a formula) or a number, its colours, an optional link."""

    value: str | int
    colours: tuple[str, str] | None = None
    link: str = ""
    bold: bool = False


def workbook_bytes(matrix: Matrix, views: MatrixViews | None = None) -> bytes:
    """Return the workbook's bytes; `views` are the matrix's cells as shown (computed when not given)."""
    shown = views or matrix_views(matrix)
    # Write-only: each row goes to the file as it is made, so memory does not grow with the matrix.
    book = Workbook(write_only=True)
    add_styles(book, PackLanguage.EN)
    summary = _Rows(_sheet(book, "Summary", matrix))
    _summary(summary, matrix)
    summary.flush()
    columns = [("ID", 12), ("Requirement", 44), ("Module", 16), ("Priority", 9), ("Owner", 18)]
    columns += [(TITLES[level], 12) for level in LEVELS]
    columns += [("Defects", 14), ("Stale", 7), ("Status", 13), ("Reason", 44)]
    columns += [("Since baseline", 11), ("Change requests", 16), ("Epic", 20), ("Labels", 20)]
    requirements = (
        _requirement(r, levels) for r, levels in zip(matrix.requirements, shown.summaries, strict=True)
    )
    sheet = _sheet(book, "Requirements", matrix)
    _table(sheet, columns, requirements, len(matrix.requirements), "C2")
    columns = [("Requirement", 12), ("Case", 16), ("Scenario", 44), ("Tagged", 18), ("UAT needed", 8)]
    columns += [("Rows", 6), *((TITLES[level], 12) for level in LEVELS)]
    columns += [(f"{TITLES[level]} evidence", 40) for level in LEVELS]
    columns += [("UAT packs", 22), ("Defects", 14)]
    columns += [("Stale", 7), ("Conflicts", 9), ("Messages", 44), ("Source", 40)]
    cases = (
        _case(r, case, cells)
        for r, found in zip(matrix.requirements, shown.cells, strict=True)
        for case, cells in zip(r.cases, found, strict=True)
    )
    count = sum(len(r.cases) for r in matrix.requirements)
    _table(_sheet(book, "Cases", matrix), columns, cases, count, "D2")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(book: Book, title: str, matrix: Matrix) -> Sheet:
    """Add a write-only sheet, set up for print before its first row (its properties are written then)."""
    sheet = book.create_sheet(title)
    print_setup(sheet, matrix.project, PackLanguage.EN)
    return sheet


class _Rows:
    """A write-only sheet's rows gathered before they are written, for a sheet written out of order (the
    Summary): cells by row and column, row heights and merged ranges, as a worksheet takes them."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.column_dimensions = sheet.column_dimensions
        self.row_dimensions = sheet.row_dimensions
        self.cells: dict[int, dict[int, Cell]] = {}

    def cell(self, row: int, column: int) -> Cell:
        cell = WriteOnlyCell(self.sheet)
        cell.row, cell.column = row, column
        self.cells.setdefault(row, {})[column] = cell
        return cell

    def merge_cells(self, *, start_row: int, start_column: int, end_row: int, end_column: int) -> None:
        self.sheet.merged_cells.add(
            CellRange(min_row=start_row, min_col=start_column, max_row=end_row, max_col=end_column)
        )

    def flush(self) -> None:
        """Write every row in order; a row with no cell is written empty."""
        for row in range(1, max(self.cells, default=0) + 1):
            found = self.cells.get(row, {})
            self.sheet.append([found.get(col) for col in range(1, max(found, default=0) + 1)])


def _requirement(r: RequirementTrace, levels: Sequence[LevelView]) -> list[Value]:
    return [
        Value(r.id, link=r.url, bold=True),
        Value(r.title),
        Value(r.module),
        Value(r.priority.value),
        Value(r.owner),
        *(_level(v) for v in levels),
        Value(", ".join(r.defects)),
        Value(r.stale),
        _status(r.status),
        Value(r.reason),
        Value(r.changed_since_baseline),
        Value(", ".join(r.change_requests)),
        Value(r.epic),
        Value(", ".join(r.labels)),
    ]


def _case(r: RequirementTrace, case: CaseTrace, cells: Sequence[LevelView]) -> list[Value]:
    messages = [
        f"{TITLES[level]}: {case.results[level].message}"
        for level in LEVELS
        if level in case.results
        and case.results[level].message
        and case.results[level].status != AllureStatus.PASSED
    ]
    return [
        Value(r.id, link=r.url),
        Value(case.case_id, bold=True),
        Value(case.title),
        Value(", ".join(tagged(case))),
        Value("yes" if case.uat_required else "no"),
        Value(case.rows),
        *(_level(v) for v in cells),
        *(Value(v.detail) for v in cells),
        Value(", ".join(case.packs)),
        Value(", ".join(case.defects)),
        Value(case.stale),
        Value(case.conflicts),
        Value("\n".join(messages)),
        Value(case.source),
    ]


def _level(view: LevelView) -> Value:
    return Value(f"{view.word} {view.count}".strip(), LEVEL_COLOURS.get(view.kind))


def _status(status: TraceStatus) -> Value:
    # openpyxl writes colours as given; Excel's own files spell them in capitals.
    return Value(status.value, (status.fill.upper(), status.ink.upper()), bold=True)


def _table(
    sheet: Sheet, columns: Sequence[tuple[str, float]], rows: Iterable[list[Value]], count: int, freeze: str
) -> None:
    """Write a header and `count` rows with colours and links; freeze the header, filter on every column."""
    # Widths, panes and the filter first: a write-only sheet writes its head with the first row.
    for col, (_name, width) in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(count + 1, 2)}"
    sheet.print_title_rows = "1:1"
    header = []
    for col, (name, _width) in enumerate(columns, 1):
        header.append(cell := _cell(sheet, 1, col))
        put_text(cell, name, "uat-header")
    sheet.row_dimensions[1].height = 28
    sheet.append(header)
    looks: dict[tuple[object, ...], Any] = {}
    for number, values in enumerate(rows, 2):
        cells = []
        for col, value in enumerate(values, 1):
            cells.append(cell := _cell(sheet, number, col))
            _put(cell, value, looks)
        texts = [(str(v.value), columns[c][1]) for c, v in enumerate(values) if isinstance(v.value, str)]
        sheet.row_dimensions[number].height = row_height(texts)
        sheet.append(cells)
        del sheet.row_dimensions[number]  # written with its row


def _cell(sheet: Sheet, row: int, column: int) -> Cell:
    cell = WriteOnlyCell(sheet)
    cell.row, cell.column = row, column
    return cell


def _put(cell: Cell, value: Value, looks: dict[tuple[object, ...], Any] | None = None) -> None:
    """Write one value with its look; `looks` keeps the style array of each look, built once, for reuse."""
    number = isinstance(value.value, int)
    text = "" if isinstance(value.value, int) else cell_text(value.value)
    look = (number, value.colours, bool(value.link), value.bold, text.startswith(FORMULA_START))
    array = looks.get(look) if looks is not None else None
    if array is None:
        _styled(cell, value)
        if looks is not None:
            looks[look] = copy(cell._style)
    else:
        # The look is known: its style array is copied as openpyxl's own setters would leave it, and the
        # value written as put_text writes it (text stays text), without a Font and a fill built per cell.
        cell._style = copy(array)
        if number:
            cell.value = value.value
        elif text:
            cell._value = text
            cell.data_type = "s"
    if value.link and value.value:
        cell.hyperlink = value.link


def _styled(cell: Cell, value: Value) -> None:
    if isinstance(value.value, int):
        cell.style = "uat-number"
        cell.value = value.value
    else:
        put_text(cell, value.value, "uat-text")
    colour = value.colours[1] if value.colours else ("0563C1" if value.link else None)
    if value.colours:
        cell.fill = PatternFill(fill_type="solid", start_color=value.colours[0], end_color=value.colours[0])
    if colour or value.bold:
        cell.font = Font(
            name="Calibri", size=10, bold=value.bold, color=colour, underline="single" if value.link else None
        )


def _summary(sheet: _Rows, matrix: Matrix) -> None:
    """Write the title, the counts by status, UAT progress, the packs' sign-offs and the status rule."""
    for col, width in enumerate(SUMMARY_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    row = _line(sheet, 1, [Value("Traceability matrix")], "uat-title")
    sheet.row_dimensions[1].height = 26
    row = _line(sheet, row, [Value(matrix.project)], "uat-heading")
    generated = f"Generated {matrix.generated_at.strftime('%Y-%m-%d %H:%M')}"
    row = _line(sheet, row, [Value(generated)], "uat-note")
    if matrix.results_folders:
        row = _line(sheet, row, [Value("From " + ", ".join(matrix.results_folders))], "uat-note")
    if matrix.evidence is not None:
        row = _evidence(sheet, row + 1, matrix.evidence)
    row = _line(sheet, row + 1, [Value("Requirements by status")], "uat-heading")
    counts = matrix.counts()
    for status in STATUS_ORDER:
        row = _line(sheet, row, [_status(status), Value(counts[status])])
    row = _line(sheet, row, [Value("Total", bold=True), Value(len(matrix.requirements))])
    share = f" ({matrix.uat_executed / matrix.uat_cases * 100:.1f} %)" if matrix.uat_cases else ""
    executed = f"{matrix.uat_executed} of {matrix.uat_cases} UAT cases executed{share}"
    row = _line(sheet, row + 1, [Value("UAT", bold=True), Value(executed)], wide=True)
    row = _line(sheet, row + 1, [Value("UAT packs")], "uat-heading")
    names = ("Pack", "Round", "Business owner", "Decision", "Conditions", "Signed by", "Date")
    row = _line(sheet, row, [Value(name) for name in names], "uat-header")
    for pack, owner in sorted(matrix.packs.items()):
        s = matrix.signoffs.get(pack)
        decision = s.decision.value if s and s.decision else "not signed off"
        date = s.date.isoformat() if s and s.date else ""
        values = [
            pack,
            matrix.round_text(pack),
            (s.owner if s and s.owner else owner),
            decision,
            s.conditions if s else "",
            s.name if s else "",
        ]
        sheet.row_dimensions[row].height = row_height(zip(values, SUMMARY_WIDTHS, strict=False))
        row = _line(sheet, row, [*(Value(v) for v in values), Value(date)])
    row = _line(
        sheet, row + 1, [Value("How the status is decided (the first rule that applies)")], "uat-heading"
    )
    for status in RULE_ORDER:
        row = _line(sheet, row, [_status(status), Value(status.rule)], wide=True)
    if matrix.notes:
        row = _line(sheet, row + 1, [Value("Notes")], "uat-heading")
        for note in matrix.notes:
            row = _line(sheet, row, [Value(note)], wide=True)


def _evidence(sheet: _Rows, row: int, evidence: EvidenceSet) -> int:
    """Write the evidence set the matrix rests on: its name, folders, runs, their facts, what changed."""
    row = _line(sheet, row, [Value("Evidence")], "uat-heading")
    row = _line(sheet, row, [Value("Set", bold=True), Value(evidence.name)], wide=True)
    folders = ", ".join(evidence.folders) + (
        f" (merged from {', '.join(evidence.sources)})" if evidence.sources else ""
    )
    row = _line(
        sheet, row, [Value("Results", bold=True), Value(f"{evidence.results} in {folders}")], wide=True
    )
    row = _line(sheet, row, [Value("Results hash", bold=True), Value(evidence.results_hash)], wide=True)
    runs = run_names(evidence.runs)
    row = _line(sheet, row, [Value("Runs", bold=True), Value(runs or "none recorded")], wide=True)
    for label, value in evidence.facts():
        # Only the first letter goes up: "base URL" stays "Base URL", as the pages spell it.
        row = _line(sheet, row, [Value(label[:1].upper() + label[1:], bold=True), Value(value)], wide=True)
    ledger = f"{evidence.ledger_marks} marks, {evidence.ledger_digest}"
    row = _line(sheet, row, [Value("UAT ledger", bold=True), Value(ledger)], wide=True)
    for line in evidence.drift:
        row = _line(sheet, row, [Value("Newer evidence", bold=True), Value(line)], wide=True)
    for line in evidence.notes:
        row = _line(sheet, row, [Value("Note", bold=True), Value(line)], wide=True)
    return row


def _line(sheet: _Rows, row: int, values: Sequence[Value], style: str = "", *, wide: bool = False) -> int:
    """Write one row of the Summary; `wide` spreads the last value to column F. Return the next row."""
    for col, value in enumerate(values, 1):
        cell = sheet.cell(row, col)
        if style:
            put_text(cell, str(value.value), style)
        else:
            _put(cell, value)
    if wide:
        sheet.merge_cells(start_row=row, start_column=len(values), end_row=row, end_column=SUMMARY_COLUMNS)
        span = sum(SUMMARY_WIDTHS[len(values) - 1 :])
        sheet.row_dimensions[row].height = row_height([(str(values[-1].value), span)])
    return row + 1
