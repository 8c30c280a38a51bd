"""Defects as files a tracker imports: Jira's CSV importer and ZenTao's 导入Bug workbook (.xlsx).

Text cells never become formulas: a CSV cell that starts with = + - @ (or a tab or carriage return) gets
a leading apostrophe, the common neutralisation of CSV injection; the workbook writes text cells
(`uatkit.xlsx.put_text`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from uatkit.atomic import atomic_write_bytes
from uatkit.config import DefectsConfig
from uatkit.defects.describe import jira_description, zentao_steps
from uatkit.defects.model import JIRA_PRIORITY, LABEL, ZENTAO_PRIORITY, ZENTAO_SEVERITY, Defect
from uatkit.text import cell_characters


class Target(StrEnum):
    """The file a tracker imports."""

    JIRA_CSV = "jira-csv"
    ZENTAO = "zentao"

    @property
    def file_name(self) -> str:
        """Return the file's default name in the report folder."""
        return "defects-jira.csv" if self is Target.JIRA_CSV else "defects-zentao.xlsx"


#: Jira's CSV importer maps these headers onto its fields by name; several Labels columns give several labels.
JIRA_COLUMNS = (
    "Summary",
    "Issue Type",
    "Priority",
    "Description",
    "Labels",
    "Labels",
    "Labels",
    "Component",
    "Environment",
    "Affects Version/s",
    "Assignee",
)
#: ZenTao's 导入Bug template headers (module/bug/lang/zh-cn.php), in the order of its template fields.
ZENTAO_COLUMNS = (
    "所属产品",
    "所属模块",
    "Bug标题",
    "关键词",
    "严重程度",
    "优先级",
    "Bug类型",
    "指派给",
    "重现步骤",
    "影响版本",
)
#: ZenTao's Bug类型 for a failed check: 代码错误 (codeerror), the type its own form proposes; a Blocked
#: UAT row (the tester could not test: no data, the system down) is no known code error: 其他 (others).
ZENTAO_TYPE = "代码错误"
ZENTAO_BLOCKED_TYPE = "其他"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def jira_rows(defects: Sequence[Defect], settings: DefectsConfig) -> list[list[str]]:
    """Return the CSV's header and one row a defect."""
    rows = [list(JIRA_COLUMNS)]
    for d in defects:
        environment = ", ".join(p for p in (d.environment, d.version) if p)
        rows.append(
            [
                d.summary,
                settings.issue_type,
                JIRA_PRIORITY[d.priority],
                jira_description(d),
                LABEL,
                d.id,
                d.level,
                d.module,
                environment,
                d.release,
                settings.assignee,
            ]
        )
    return rows


def jira_csv(defects: Sequence[Defect], settings: DefectsConfig) -> bytes:
    """Return the Jira CSV file (UTF-8, as Jira's importer reads by default), every cell neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in jira_rows(defects, settings):
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def safe_cell(text: str) -> str:
    """Return a CSV cell that no spreadsheet evaluates: a leading = + - @ gets an apostrophe before it."""
    text = cell_characters(text)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def zentao_rows(defects: Sequence[Defect], settings: DefectsConfig) -> list[list[str | int]]:
    """Return the workbook's header and one row a defect."""
    rows: list[list[str | int]] = [list(ZENTAO_COLUMNS)]
    for d in defects:
        rows.append(
            [
                settings.zentao_product,
                d.module,
                d.summary,
                f"{LABEL} {d.id}",
                ZENTAO_SEVERITY[d.priority],
                ZENTAO_PRIORITY[d.priority],
                ZENTAO_BLOCKED_TYPE if d.status == "Blocked" else ZENTAO_TYPE,
                settings.assignee,
                zentao_steps(d),
                settings.zentao_build,
            ]
        )
    return rows


#: Column widths of the ZenTao workbook, in characters.
_WIDTHS = (16, 14, 48, 30, 9, 8, 10, 10, 80, 14)


def zentao_xlsx(defects: Sequence[Defect], settings: DefectsConfig) -> bytes:
    """Return the ZenTao workbook: one sheet, the template's headers, text cells that stay text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from uatkit.xlsx import put_text

    book = Workbook()
    sheet: Any = book.active
    sheet.title = "Bug"
    top = Alignment(wrap_text=True, vertical="top")
    for row_number, row in enumerate(zentao_rows(defects, settings), start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row_number, column)
            if isinstance(value, int):
                cell.value = value
            else:
                put_text(cell, value)
            cell.alignment = top
            if row_number == 1:
                cell.font = Font(bold=True)
    for column, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + column - 1)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_bytes(target: Target, defects: Sequence[Defect], settings: DefectsConfig) -> bytes:
    """Return the file for a tracker."""
    if target is Target.JIRA_CSV:
        return jira_csv(defects, settings)
    return zentao_xlsx(defects, settings)


def write_export(path: Path, target: Target, defects: Sequence[Defect], settings: DefectsConfig) -> Path:
    """Write the file for a tracker atomically; return its path."""
    atomic_write_bytes(path, export_bytes(target, defects, settings))
    return path
