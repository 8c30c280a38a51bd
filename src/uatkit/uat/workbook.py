"""Build a UAT pack as .xlsx bytes: instructions, test cases, sign-off and the hidden metadata sheet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from uatkit.cases import numbered
from uatkit.model import Case, Decision, Mark, PackLanguage, Status
from uatkit.uat import layout
from uatkit.uat.instructions import fill_instructions
from uatkit.uat.layout import PRIORITY_LABELS
from uatkit.uat.pack import PackInfo, PackRow
from uatkit.uat.signing import ProjectKey, SignedPack, sign_pack
from uatkit.xlsx import (
    STATUS_COLOURS,
    Sheet,
    add_styles,
    copy_style,
    print_setup,
    protect,
    put_text,
    row_height,
)

#: The first date the Date cells accept (2000-01-01 as an Excel serial day), to catch typos like 0026.
_MIN_DATE_SERIAL = 36_526
_WIDTHS = {column.key: float(column.width) for column in (*layout.COLUMNS, *layout.RETEST_COLUMNS)}


def build_pack(
    info: PackInfo,
    cases: Sequence[Case],
    previous: Mapping[str, Mark],
    notes: Mapping[str, str],
    password: str | None = None,
    key: ProjectKey | None = None,
    retest: Mapping[str, tuple[str, str]] | None = None,
) -> bytes:
    """Return the .xlsx bytes of a UAT pack for `cases`, carrying `previous` marks and `notes` in."""
    return build_signed_pack(info, cases, previous, notes, password, key, retest)[0]


def build_signed_pack(
    info: PackInfo,
    cases: Sequence[Case],
    previous: Mapping[str, Mark],
    notes: Mapping[str, str],
    password: str | None = None,
    key: ProjectKey | None = None,
    retest: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[bytes, SignedPack | None]:
    """Return a pack's .xlsx bytes and, with `key`, its metadata as signed (without one: unsigned, None).

    `retest` makes a re-test pack: each case's reason and previous mark, shown read-only.
    """
    workbook = Workbook()
    styles = add_styles(workbook, info.language)
    language = info.language if info.language in layout.LANGUAGES else PackLanguage.EN
    sheets: dict[str, Sheet] = {}
    for index, key_name in enumerate(layout.SHEETS):
        sheets[key_name] = workbook.active if index == 0 else workbook.create_sheet()
        sheets[key_name].title = layout.SHEET_LABELS[key_name][language]
    hashes = fill_cases(sheets["cases"], info, cases, previous, notes, styles, retest)
    fill_instructions(sheets["instructions"], info, len(cases), retest is not None)
    fill_signoff(sheets["signoff"], info)
    rows = [
        PackRow(case.key, layout.HEADER_ROW + offset, case.fingerprint, locked)
        for offset, (case, locked) in enumerate(zip(cases, hashes, strict=True), start=1)
    ]
    signed = sign_pack(key, info, rows) if key is not None else None
    fill_meta(sheets["meta"], info, rows, signed)
    for sheet in sheets.values():
        protect(sheet, password)
    # The reader finds sheets by name: a locked structure stops renaming, deleting or unhiding them.
    workbook.security = WorkbookProtection(lockStructure=True)
    if password:
        workbook.security.workbookPassword = password
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), signed


def fill_cases(
    sheet: Sheet,
    info: PackInfo,
    cases: Sequence[Case],
    previous: Mapping[str, Mark],
    notes: Mapping[str, str],
    styles: Mapping[str, Any],
    retest: Mapping[str, tuple[str, str]] | None = None,
) -> list[tuple[str, ...]]:
    """Write the Test cases sheet; return each case's locked-cell hashes as the metadata sheet keeps them."""
    language = info.language
    first = layout.HEADER_ROW + 1
    last = max(first, layout.HEADER_ROW + len(cases))
    columns = layout.pack_columns(retest is not None)
    position = {column.key: index for index, column in enumerate(columns, start=1)}
    for index, column in enumerate(columns, start=1):
        style = "uat-header-input" if column.input else "uat-header"
        put_text(sheet.cell(layout.HEADER_ROW, index), column.label(language), style)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[layout.HEADER_ROW].height = row_height(
        (column.label(language), column.width) for column in columns
    )
    hashes: list[tuple[str, ...]] = []
    for row, case in enumerate(cases, start=first):
        locked = _locked_values(case, language)
        written: dict[str, str] = {}
        for key in layout.LOCKED_COLUMNS:
            cell = sheet.cell(row, position[key])
            copy_style(cell, styles["uat-locked"])
            written[key] = put_text(cell, locked[key])
        hashes.append(tuple(layout.cell_hash(written[key]) for key in layout.LOCKED_COLUMNS))
        if retest is not None:
            for key, text in zip(("retest", "previous"), retest.get(case.key, ("", "")), strict=True):
                # Read-only like the scenario: the reason and the earlier mark are for reference.
                cell = sheet.cell(row, position[key])
                copy_style(cell, styles["uat-locked"])
                written[key] = put_text(cell, text)
        mark = previous.get(case.key)
        written |= _write_inputs(sheet, row, language, mark, notes.get(case.key, ""), styles, position)
        sheet.row_dimensions[row].height = row_height((text, _WIDTHS[key]) for key, text in written.items())
    letters = {key: get_column_letter(index) for key, index in position.items()}
    status_cells = f"{letters['status']}{first}:{letters['status']}{last}"
    sheet.add_data_validation(_status_validation(language, status_cells))
    sheet.add_data_validation(date_validation(language, f"{letters['date']}{first}:{letters['date']}{last}"))
    _status_formatting(sheet, language, status_cells)
    sheet.freeze_panes = sheet.cell(first, 2).coordinate
    sheet.auto_filter.ref = f"A{layout.HEADER_ROW}:{get_column_letter(len(columns))}{last}"
    print_setup(sheet, info.pack_id, info.language, title_rows=f"{layout.HEADER_ROW}:{layout.HEADER_ROW}")
    return hashes


def _locked_values(case: Case, language: str) -> dict[str, str]:
    return {
        "case": case.key,
        "requirement": case.requirement,
        "title": case.requirement_title,
        "scenario": case.scenario,
        "preconditions": numbered(case.preconditions),
        "steps": numbered(case.steps),
        "expected": numbered(case.expected),
        "data": case.test_data,
        "priority": PRIORITY_LABELS[case.priority][
            PackLanguage.ZH_CN if language == PackLanguage.ZH_CN else PackLanguage.EN
        ],
    }


def _write_inputs(
    sheet: Sheet,
    row: int,
    language: str,
    mark: Mark | None,
    note: str,
    styles: Mapping[str, Any],
    position: Mapping[str, int],
) -> dict[str, str]:
    """Write a row's input cells, prefilled from a carried mark or with a note; return the texts written."""
    values = {
        "status": layout.status_label(mark.status if mark else Status.NOT_RUN, language),
        "actual": mark.actual if mark else "",
        "defect": mark.defect if mark else "",
        "tester": mark.tester if mark else "",
        "evidence": "\n".join(mark.evidence) if mark else "",
        "comments": mark.comments if mark else note,
    }
    written: dict[str, str] = {}
    for key in layout.INPUT_COLUMNS:
        cell = sheet.cell(row, position[key])
        if key == "date":
            copy_style(cell, styles["uat-input-date"])
            if mark and mark.date:
                cell.value = mark.date
        else:
            copy_style(cell, styles["uat-input"])
            written[key] = put_text(cell, values[key])
    return written


def _status_validation(language: str, cells: str) -> DataValidation:
    labels = [layout.status_label(status, language) for status in Status]
    zh = language == PackLanguage.ZH_CN
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(labels) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="状态" if zh else "Status",
        error="请从下拉列表中选择：" + "、".join(labels) if zh else "Pick one of: " + ", ".join(labels),
    )
    validation.add(cells)
    return validation


def date_validation(language: str, cells: str) -> DataValidation:
    """Return a validation that takes only dates (from 2000 on) in `cells`, saying how to write one."""
    zh = language == PackLanguage.ZH_CN
    validation = DataValidation(
        type="date",
        operator="greaterThanOrEqual",
        formula1=str(_MIN_DATE_SERIAL),
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="日期" if zh else "Date",
        error="请按 YYYY-MM-DD 格式填写日期，例如 2026-12-01。"
        if zh
        else "Write the date as YYYY-MM-DD, e.g. 2026-12-01.",
        promptTitle="日期" if zh else "Date",
        prompt="YYYY-MM-DD",
    )
    validation.add(cells)
    return validation


def _status_formatting(sheet: Sheet, language: str, cells: str) -> None:
    for status, (fill, font) in STATUS_COLOURS.items():
        if status is not Status.NOT_RUN:
            style = DifferentialStyle(
                fill=PatternFill(start_color=fill, end_color=fill, fill_type="solid"),
                font=Font(color=font, bold=True),
            )
            label = layout.status_label(status, language)
            rule = Rule(type="cellIs", operator="equal", formula=[f'"{label}"'], dxf=style)
            sheet.conditional_formatting.add(cells, rule)


def fill_signoff(sheet: Sheet, info: PackInfo) -> None:
    """Write the Sign-off sheet: title, pack ID and one labelled input row a field."""
    zh = info.language == PackLanguage.ZH_CN
    language = PackLanguage.ZH_CN if zh else PackLanguage.EN
    put_text(sheet.cell(1, 1), layout.SHEET_LABELS["signoff"][language], "uat-title")
    sheet.row_dimensions[1].height = 30
    put_text(sheet.cell(2, 1), "测试包编号" if zh else "Pack ID", "uat-label")
    put_text(sheet.cell(2, 2), info.pack_id, "uat-text")
    hint = (
        "业务负责人在此记录对本测试包的验收结论。"
        if zh
        else "The business owner records the decision on this pack here."
    )
    put_text(sheet.cell(3, 1), hint, "uat-note")
    for offset, field in enumerate(layout.SIGNOFF_FIELDS):
        row = layout.SIGNOFF_FIRST_ROW + offset
        put_text(sheet.cell(row, 1), field.label(language), "uat-label")
        cell = sheet.cell(row, 2)
        if field.key == "date":
            cell.style = "uat-input-date"
            sheet.add_data_validation(date_validation(language, cell.coordinate))
        else:
            put_text(cell, info.owner if field.key == "owner" else "", "uat-input")
        if field.key == "decision":
            labels = [layout.decision_label(decision, language) for decision in Decision]
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(labels) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=field.label(language),
                error=("请选择：" if zh else "Pick one of: ") + ("、" if zh else ", ").join(labels),
            )
            validation.add(cell.coordinate)
            sheet.add_data_validation(validation)
        sheet.row_dimensions[row].height = 90 if field.key == "conditions" else 22
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 70
    print_setup(sheet, info.pack_id, info.language, landscape=False)


def fill_meta(sheet: Sheet, info: PackInfo, rows: Sequence[PackRow], signed: SignedPack | None) -> None:
    """Write the hidden metadata sheet: identity, each case's row, fingerprint and hashes, the signature."""
    values = {
        "schema": str(info.schema),
        "pack_id": info.pack_id,
        "release": info.release,
        "group": info.group,
        "owner": info.owner,
        "language": info.language,
        "generated_at": info.generated_at.isoformat(),
        "commit": info.commit,
        "project": info.project,
        "due": info.due.isoformat() if info.due else "",
        "test_url": info.target.url,
        "app_version": info.target.version,
        "app_build": info.target.build,
        "environment": info.target.environment,
        "contact": info.target.contact,
        "key_id": signed.key_id if signed else "",
        "signature": signed.signature if signed else "",
    }
    keys = layout.META_KEYS
    for row, key in enumerate(keys, start=1):
        put_text(sheet.cell(row, 1), key)
        put_text(sheet.cell(row, 2), values[key])
    header = len(keys) + 1
    for column, text in enumerate((layout.META_CASES_MARK, "row", "fingerprint", "locked"), start=1):
        put_text(sheet.cell(header, column), text)
    for offset, packed in enumerate(rows, start=1):
        row = header + offset
        put_text(sheet.cell(row, 1), packed.key)
        sheet.cell(row, 2).value = packed.row
        put_text(sheet.cell(row, 3), packed.fingerprint)
        put_text(sheet.cell(row, 4), " ".join(packed.locked))
    sheet.sheet_state = "veryHidden"
