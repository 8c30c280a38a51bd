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
from uatkit.trace.change_labels import CHANGE_WORDS, IMPACT
from uatkit.trace.model import STATUS_ORDER
from uatkit.trace.pages import render_page

#: What each column of the Changes sheet holds (an IMPACT label), and its width.
_COLUMNS = (
    ("requirement", 13),
    ("title_column", 36),
    ("change", 10),
    ("part", 12),
    ("part_change", 11),
    ("before", 44),
    ("after", 44),
    ("change_requests", 26),
    ("covered", 9),
    ("reopens", 44),
)


def _shown(language: PackLanguage) -> PackLanguage:
    # `auto` is resolved against the stories by the caller; one left unresolved reads English.
    return PackLanguage.ZH_CN if language == PackLanguage.ZH_CN else PackLanguage.EN


def impact_labels(language: PackLanguage) -> dict[str, str]:
    """Return the report's fixed words and phrases in a language."""
    return {key: text[_shown(language)] for key, text in IMPACT.items()}


def change_words(language: PackLanguage) -> dict[str, str]:
    """Return the change kinds, request statuses and requirement parts as the language shows them."""
    return {key: text[_shown(language)] for key, text in CHANGE_WORDS.items()}


def _feature(line: str, labels: Mapping[str, str], words: Mapping[str, str]) -> str:
    # impact_of says "features/x.feature: orphaned": the path stays, what becomes of it is translated.
    path, _, action = line.rpartition(": ")
    return f"{path}{labels['colon']}{words.get(action, action)}"


def render_change_impact(
    data: Mapping[str, Any],
    project: str,
    version: str,
    generated_at: str,
    language: PackLanguage = PackLanguage.EN,
) -> str:
    """Return the change-impact page."""
    return render_page(
        "change-impact.html.j2",
        data=data,
        project=project,
        version=version,
        generated_at=generated_at,
        language=str(_shown(language)),
        labels=impact_labels(language),
        terms=change_words(language),
        statuses=STATUS_ORDER,
    )


def change_impact_xlsx(
    data: Mapping[str, Any], project: str, language: PackLanguage = PackLanguage.EN
) -> bytes:
    """Return the change-impact workbook: a row a changed part of a requirement, text cells only."""
    from openpyxl import Workbook

    from uatkit.xlsx import Sheet, add_styles, print_setup, put_text

    shown = _shown(language)
    labels, words = impact_labels(shown), change_words(shown)
    book = Workbook()
    add_styles(book, shown)
    sheet: Sheet = book.active
    sheet.title = labels["changes_sheet"]
    for column, (key, width) in enumerate(_COLUMNS, start=1):
        put_text(sheet.cell(1, column), labels[key], "uat-header")
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = width
    row = 2
    for r in data["requirements"]:
        requests = (
            ", ".join(f"{c['id']} ({words.get(c['status'], c['status'])})" for c in r["requests"])
            or labels["none"]
        )
        effect = r["impact"]
        stale_results, stale_marks = len(effect["stale_results"]), len(effect["stale_marks"])
        reopens = labels["semicolon"].join(
            part
            for part in (
                labels["semicolon"].join(_feature(f, labels, words) for f in effect["features"]),
                labels["stale_results_short"].format(count=stale_results) if stale_results else "",
                labels["stale_marks_short"].format(count=stale_marks) if stale_marks else "",
                labels["packs_list"].format(packs=", ".join(effect["packs"])) if effect["packs"] else "",
            )
            if part
        )
        for part in r["parts"] or [{"part": "", "change": "", "old": "", "new": ""}]:
            values = (
                r["id"],
                r["title"],
                words.get(r["change"], r["change"]),
                words.get(part["part"], part["part"]),
                words.get(part["change"], part["change"]),
                part["old"],
                part["new"],
                requests,
                labels["yes"] if r["covered"] else labels["no"],
                reopens,
            )
            for column, value in enumerate(values, start=1):
                put_text(sheet.cell(row, column), str(value), "uat-text")
            row += 1
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{sheet.cell(max(row - 1, 1), len(_COLUMNS)).coordinate}"
    packs = book.create_sheet(labels["retest_sheet"])
    for column, (key, width) in enumerate((("what", 20), ("who_level", 24), ("cases_rows", 80)), 1):
        put_text(packs.cell(1, column), labels[key], "uat-header")
        packs.column_dimensions[packs.cell(1, column).column_letter].width = width
    lines = [(labels["run_again"], level, ", ".join(ids)) for level, ids in data["rerun"].items()]
    lines += [
        (labels["issue_again"], i["owner"] or labels["no_owner"], ", ".join(i["rows"]))
        for i in data["reissue"]
    ]
    lines += [
        (labels["pack_reopened"], f"{p['pack']} ({p['owner']})", ", ".join(p["rows"])) for p in data["packs"]
    ]
    for number, line in enumerate(lines, start=2):
        for column, value in enumerate(line, start=1):
            put_text(packs.cell(number, column), value, "uat-text")
    for each in book.worksheets:
        print_setup(each, project, shown)
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
    language: PackLanguage = PackLanguage.EN,
) -> list[Path]:
    """Write change-impact.html and/or .xlsx into the report folder, atomically; return what was written."""
    written = []
    if html:
        path = folder / "change-impact.html"
        atomic_write_text(path, render_change_impact(data, project, version, generated_at, language))
        written.append(path)
    if xlsx:
        path = folder / "change-impact.xlsx"
        atomic_write_bytes(path, change_impact_xlsx(data, project, language))
        written.append(path)
    return written
