"""Fill a client's own blank UAT template with the cases, keeping its styles: .xlsx bytes in, bytes out.

The mapping says where each field goes; the cases are written from the row under the header down, each
cell as text that never becomes a formula (`uatkit.xlsx.put_text`), in the style of the template's first
blank row. A cell that is not blank, or is part of a merged range, is never written over: the template is
refused, naming the cell. Nothing uatkit-specific is added to the workbook: it stays the client's own.
A field the template has no column for is named with how many cases hold it (the command says so); the
preconditions, without a column of their own, head the steps cell so the tester still reads them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from typing import Any

from uatkit.cases import numbered
from uatkit.config import LimitsConfig
from uatkit.errors import InputError, Problem
from uatkit.model import Case, PackLanguage, SourceLocation, Status
from uatkit.stories.excel import column_letter
from uatkit.uat import layout
from uatkit.uat.template_mapping import FIELDS, TemplateMapping, choose_sheet, find_column, find_header_row
from uatkit.xlsxguard import check_package

#: How far down the header row is looked for when the mapping does not say.
_HEADER_SEARCH = 30


@dataclass(frozen=True)
class Filled:
    """A filled template: its bytes, the sheet and rows written, and the column each field went to."""

    data: bytes
    sheet: str
    header_row: int
    first_row: int
    columns: dict[str, str]
    #: The fields the template has no column for, with how many of the cases written hold each.
    unplaced: dict[str, int] = field(default_factory=dict)
    #: True when the preconditions were written at the top of the steps cell (no column of their own).
    merged_preconditions: bool = False


def case_texts(case: Case, language: str) -> dict[str, str]:
    """Return what each field of the mapping shows for a case."""
    lang = PackLanguage.ZH_CN if language == PackLanguage.ZH_CN else PackLanguage.EN
    return {
        "case": case.key,
        "title": case.scenario,
        "requirement": case.requirement,
        "requirement_title": case.requirement_title,
        "module": case.module,
        "preconditions": numbered(case.preconditions),
        "steps": numbered(case.steps),
        "expected": numbered(case.expected),
        "data": case.test_data,
        "priority": layout.PRIORITY_LABELS[case.priority][lang],
    }


def fill_template(
    data: bytes,
    display: str,
    mapping: TemplateMapping,
    cases: Sequence[Case],
    limits: LimitsConfig | None = None,
) -> Filled:
    """Return the template's bytes with one row a case written under its header; raise InputError."""
    from openpyxl import load_workbook
    from openpyxl.cell.cell import MergedCell

    from uatkit.xlsx import put_text

    check_package(data, limits or LimitsConfig())
    where = SourceLocation(display)
    try:
        workbook = load_workbook(io.BytesIO(data))
    except Exception as exc:  # openpyxl raises many kinds for a file it cannot read
        message = f"cannot be opened as an .xlsx workbook ({exc}); save it again as .xlsx"
        raise InputError([Problem(where, message)]) from None
    try:
        name = choose_sheet(workbook.sheetnames, mapping)
    except ValueError as exc:
        raise InputError([Problem(where, str(exc))]) from None
    sheet = workbook[name]
    rows = [
        ["" if v is None else str(v) for v in row]
        for row in sheet.iter_rows(min_row=1, max_row=_HEADER_SEARCH, values_only=True)
    ]
    header = find_header_row(rows, mapping, ())
    if not header:
        raise InputError(
            [
                Problem(
                    SourceLocation(display, sheet=name),
                    f"no row among the first {_HEADER_SEARCH} holds a case ID or scenario header; set "
                    f"header_row in the mapping {mapping.path}",
                )
            ]
        )
    headers = ["" if c.value is None else str(c.value) for c in sheet[header]]
    columns: dict[str, int] = {}
    for key in FIELDS:
        index = find_column(headers, mapping.columns.get(key), key)
        if index is not None:
            columns[key] = index
    if "case" not in columns and "title" not in columns:
        raise InputError(
            [
                Problem(
                    SourceLocation(display, sheet=name, row=header),
                    f"the header row has no case ID or scenario column; name one under [columns] in "
                    f"{mapping.path}",
                )
            ]
        )
    language = _language(mapping, headers)
    merged = "preconditions" not in columns and "steps" in columns
    first = header + 1
    problems: list[Problem] = []
    for offset in range(len(cases)):
        for index in columns.values():
            cell = sheet.cell(first + offset, index + 1)
            if isinstance(cell, MergedCell) or _merged_anchor(sheet, cell.coordinate):
                problems.append(_taken(display, name, cell.coordinate, "is part of merged cells"))
            elif cell.value not in (None, ""):
                problems.append(_taken(display, name, cell.coordinate, f"holds {str(cell.value)[:40]!r}"))
    if problems:
        raise InputError(problems[:20])
    styles = {index: sheet.cell(first, index + 1) for index in columns.values()}
    height = sheet.row_dimensions[first].height
    for offset, case in enumerate(cases):
        number = first + offset
        texts = case_texts(case, language)
        if merged:
            texts["steps"] = preconditions_in_steps(texts, language)
        for key, index in columns.items():
            target: Any = sheet.cell(number, index + 1)
            model: Any = styles[index]
            if offset and model.has_style and not target.has_style:
                target._style = copy(model._style)
            text = texts.get(key, "")
            if text:
                put_text(target, text)
        if offset and height is not None and sheet.row_dimensions[number].height is None:
            sheet.row_dimensions[number].height = height
    if "status" in columns:
        _status_list(
            sheet, mapping, language, column_letter(columns["status"]), first, first + len(cases) - 1
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    unplaced: dict[str, int] = {}
    for case in cases:
        for key, text in case_texts(case, language).items():
            if key not in columns and text:
                unplaced[key] = unplaced.get(key, 0) + 1
    return Filled(
        buffer.getvalue(),
        name,
        header,
        first,
        {key: column_letter(index) for key, index in columns.items()},
        unplaced,
        merged and "preconditions" in unplaced,
    )


def unplaced_notes(filled: Filled) -> list[str]:
    """Return a line for each field the template has no column for, saying what the testers miss."""
    notes = []
    for key, count in filled.unplaced.items():
        name = key.replace("_", " ")
        if key == "preconditions" and filled.merged_preconditions:
            lost = f"{count} case(s) have {name}, written at the top of their steps cell instead"
        else:
            lost = f"{count} case(s) have {name} the testers will not see"
        notes.append(
            f"the template has no column for {name}: {lost}; map it with [columns] {key} = … in the "
            "mapping, or add the column"
        )
    return notes


def preconditions_in_steps(texts: Mapping[str, str], language: str) -> str:
    """Return the steps cell's text headed by the preconditions, each under its label in `language`."""
    if not texts.get("preconditions"):
        return texts.get("steps", "")
    colon = "：" if language == PackLanguage.ZH_CN else ": "
    parts = [
        f"{layout.COLUMN_BY_KEY[key].label(language)}{colon}\n{texts[key]}"
        for key in ("preconditions", "steps")
        if texts.get(key)
    ]
    return "\n\n".join(parts)


def _merged_anchor(sheet: object, coordinate: str) -> bool:
    ranges = sheet.merged_cells.ranges  # type: ignore[attr-defined]
    return any(coordinate in r for r in ranges)


def _taken(display: str, sheet: str, coordinate: str, why: str) -> Problem:
    letters = coordinate.rstrip("0123456789")
    return Problem(
        SourceLocation(display, sheet=sheet, row=int(coordinate[len(letters) :]), column=letters),
        f"the template's cell {why}, where a case goes; give a blank template with room under the header "
        "(the cases are never written over the template's content)",
    )


def _language(mapping: TemplateMapping, headers: Sequence[str]) -> str:
    if mapping.table.language != PackLanguage.AUTO:
        return str(mapping.table.language)
    return PackLanguage.ZH_CN if any(any("\u3400" <= ch <= "\u9fff" for ch in h) for h in headers) else "en"


def _status_list(
    sheet: object, mapping: TemplateMapping, language: str, letter: str, first: int, last: int
) -> None:
    """Offer the mapping's status words as a dropdown, unless the template already validates the column."""
    from openpyxl.worksheet.datavalidation import DataValidation

    validations = sheet.data_validations  # type: ignore[attr-defined]
    if last < first or any(f"{letter}{first}" in dv.sqref for dv in validations.dataValidation):
        return
    words = [w for w in _words(mapping.words(language)) if "," not in w and '"' not in w]
    listed = ",".join(words)
    if not words or len(listed) > 250:
        return
    validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
    validation.add(f"{letter}{first}:{letter}{last}")
    validations.append(validation)


def _words(words: Mapping[Status, str]) -> list[str]:
    return list(dict.fromkeys(words.values()))
