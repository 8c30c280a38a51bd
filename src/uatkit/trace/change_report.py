"""The change-impact report for the client: change-impact.html and change-impact.xlsx from a diff's data.

The data is `uatkit.change.impact.report_data`, the same the JSON report prints, so the three agree.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from uatkit.atomic import atomic_write_bytes, atomic_write_text
from uatkit.model import PackLanguage
from uatkit.trace.model import STATUS_ORDER
from uatkit.trace.pages import render_page

#: What each column of the Changes sheet holds, and its width.
_COLUMNS = (
    ("Requirement", 13),
    ("Title", 36),
    ("Change", 10),
    ("Part", 12),
    ("Part change", 11),
    ("Before", 44),
    ("After", 44),
    ("Change requests", 26),
    ("Covered", 9),
    ("Reopens", 44),
)


def render_change_impact(data: Mapping[str, Any], project: str, version: str, generated_at: str) -> str:
    """Return the change-impact page."""
    return render_page(
        "change-impact.html.j2",
        data=data,
        project=project,
        version=version,
        generated_at=generated_at,
        statuses=STATUS_ORDER,
    )


def change_impact_xlsx(data: Mapping[str, Any], project: str) -> bytes:
    """Return the change-impact workbook: a row a changed part of a requirement, text cells only."""
    from openpyxl import Workbook

    from uatkit.xlsx import Sheet, add_styles, print_setup, put_text

    book = Workbook()
    add_styles(book, PackLanguage.EN)
    sheet: Sheet = book.active
    sheet.title = "Changes"
    for column, (title, width) in enumerate(_COLUMNS, start=1):
        put_text(sheet.cell(1, column), title, "uat-header")
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = width
    row = 2
    for r in data["requirements"]:
        requests = ", ".join(f"{c['id']} ({c['status']})" for c in r["requests"]) or "none"
        effect = r["impact"]
        reopens = "; ".join(
            part
            for part in (
                ", ".join(effect["features"]),
                f"{len(effect['stale_results'])} stale result(s)" if effect["stale_results"] else "",
                f"{len(effect['stale_marks'])} stale mark(s)" if effect["stale_marks"] else "",
                f"packs {', '.join(effect['packs'])}" if effect["packs"] else "",
            )
            if part
        )
        for part in r["parts"] or [{"part": "", "change": "", "old": "", "new": ""}]:
            values = (
                r["id"],
                r["title"],
                r["change"],
                part["part"],
                part["change"],
                part["old"],
                part["new"],
                requests,
                "yes" if r["covered"] else "no",
                reopens,
            )
            for column, value in enumerate(values, start=1):
                put_text(sheet.cell(row, column), str(value), "uat-text")
            row += 1
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{sheet.cell(max(row - 1, 1), len(_COLUMNS)).coordinate}"
    packs = book.create_sheet("Re-test")
    for column, (title, width) in enumerate((("What", 20), ("Who / level", 24), ("Cases or rows", 80)), 1):
        put_text(packs.cell(1, column), title, "uat-header")
        packs.column_dimensions[packs.cell(1, column).column_letter].width = width
    lines = [("Run again", level, ", ".join(ids)) for level, ids in data["rerun"].items()]
    lines += [
        ("Issue again in UAT", i["owner"] or "(no owner)", ", ".join(i["rows"])) for i in data["reissue"]
    ]
    lines += [("Pack reopened", f"{p['pack']} ({p['owner']})", ", ".join(p["rows"])) for p in data["packs"]]
    for number, line in enumerate(lines, start=2):
        for column, value in enumerate(line, start=1):
            put_text(packs.cell(number, column), value, "uat-text")
    for each in book.worksheets:
        print_setup(each, project, PackLanguage.EN)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_change_impact(
    data: Mapping[str, Any],
    folder: Path,
    project: str,
    version: str,
    generated_at: str,
    *,
    html: bool,
    xlsx: bool,
) -> list[Path]:
    """Write change-impact.html and/or .xlsx into the report folder, atomically; return what was written."""
    written = []
    if html:
        path = folder / "change-impact.html"
        atomic_write_text(path, render_change_impact(data, project, version, generated_at))
        written.append(path)
    if xlsx:
        path = folder / "change-impact.xlsx"
        atomic_write_bytes(path, change_impact_xlsx(data, project))
        written.append(path)
    return written
