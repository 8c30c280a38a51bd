"""The matrix as a workbook: a Summary, the Requirements and their Cases; filterable, coloured, printable.

Imported only when traceability.xlsx is written, so openpyxl loads only then.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from allure_commons.model2 import Status as AllureStatus
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from uatkit.model import UAT_LAYER, Level, PackLanguage
from uatkit.trace.model import (
    LEVELS,
    RULE_ORDER,
    STATUS_ORDER,
    EvidenceSet,
    Matrix,
    RequirementTrace,
    TraceStatus,
)
from uatkit.trace.views import NOT_RUN, LevelView, cell_view, summary_view, tagged
from uatkit.xlsx import Sheet, add_styles, print_setup, put_text, row_height

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


def workbook_bytes(matrix: Matrix) -> bytes:
    """Return the workbook's bytes."""
    book = Workbook()
    add_styles(book, PackLanguage.EN)
    summary: Sheet = book.active
    summary.title = "Summary"
    _summary(summary, matrix)
    columns = [("ID", 12), ("Requirement", 44), ("Module", 16), ("Priority", 9), ("Owner", 18)]
    columns += [(TITLES[level], 12) for level in LEVELS]
    columns += [("Defects", 14), ("Stale", 7), ("Status", 13), ("Reason", 44)]
    columns += [("Since baseline", 11), ("Change requests", 16), ("Epic", 20), ("Labels", 20)]
    requirements = book.create_sheet("Requirements")
    _table(requirements, columns, [_requirement(r) for r in matrix.requirements], "C2")
    columns = [("Requirement", 12), ("Case", 16), ("Scenario", 44), ("Tagged", 18), ("UAT needed", 8)]
    columns += [("Rows", 6), *((TITLES[level], 12) for level in LEVELS)]
    columns += [(f"{TITLES[level]} evidence", 40) for level in LEVELS]
    columns += [("UAT packs", 22), ("Defects", 14)]
    columns += [("Stale", 7), ("Conflicts", 9), ("Messages", 44), ("Source", 40)]
    rows = [_case(matrix, r, n) for r in matrix.requirements for n in range(len(r.cases))]
    _table(book.create_sheet("Cases"), columns, rows, "D2")
    for sheet in book.worksheets:
        print_setup(sheet, matrix.project, PackLanguage.EN)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _requirement(r: RequirementTrace) -> list[Value]:
    levels = [summary_view(r, level) for level in LEVELS]
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


def _case(matrix: Matrix, r: RequirementTrace, n: int) -> list[Value]:
    case = r.cases[n]
    cells = [cell_view(matrix, case, level) for level in LEVELS]
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
    sheet: Sheet, columns: Sequence[tuple[str, float]], rows: Sequence[list[Value]], freeze: str
) -> None:
    """Write a header and rows with colours and links; freeze the header, filter on every column."""
    for col, (name, width) in enumerate(columns, 1):
        put_text(sheet.cell(1, col), name, "uat-header")
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.row_dimensions[1].height = 28
    for number, values in enumerate(rows, 2):
        for col, value in enumerate(values, 1):
            _put(sheet.cell(number, col), value)
        texts = [(str(v.value), columns[c][1]) for c, v in enumerate(values) if isinstance(v.value, str)]
        sheet.row_dimensions[number].height = row_height(texts)
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
    sheet.print_title_rows = "1:1"


def _put(cell: Sheet, value: Value) -> None:
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
    if value.link and value.value:
        cell.hyperlink = value.link


def _summary(sheet: Sheet, matrix: Matrix) -> None:
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


def _evidence(sheet: Sheet, row: int, evidence: EvidenceSet) -> int:
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
    runs = ", ".join(run.run_id + ("" if run.recorded else " (no record)") for run in evidence.runs)
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


def _line(sheet: Sheet, row: int, values: Sequence[Value], style: str = "", *, wide: bool = False) -> int:
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
