"""The requirements specification as a workbook: one row a criterion, and a sheet for the signatures.

Imported only when the specification is written, so openpyxl loads only then.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from uatkit.documents.labels import LABELS, SIGNATORIES
from uatkit.documents.meta import SpecMeta, document_language, document_title
from uatkit.gherkin.dialects import keywords
from uatkit.model import Catalogue, Criterion, PackLanguage, Story
from uatkit.uat.layout import PRIORITY_LABELS
from uatkit.xlsx import Sheet, add_styles, print_setup, put_text, row_height

#: The Requirements sheet's columns: label key and width in characters.
COLUMNS = (
    ("module", 16.0),
    ("id", 11.0),
    ("requirement_title", 34.0),
    ("priority", 9.0),
    ("owner", 18.0),
    ("criterion_id", 10.0),
    ("criterion", 70.0),
)
SHEETS = {
    "requirements": {"en": "Requirements", "zh-CN": "需求"},
    "signatures": {"en": "Signatures", "zh-CN": "签字"},
}


def workbook_bytes(catalogue: Catalogue, meta: SpecMeta) -> bytes:
    """Return the specification workbook's bytes."""
    buffer = io.BytesIO()
    specification_workbook(catalogue, meta).save(buffer)
    return buffer.getvalue()


def specification_workbook(catalogue: Catalogue, meta: SpecMeta) -> Workbook:
    """Return the specification as an openpyxl workbook: the Requirements sheet and the Signatures sheet."""
    language = document_language(catalogue, meta.language)
    book = Workbook()
    add_styles(book, language)
    sheet: Sheet = book.active
    sheet.title = SHEETS["requirements"][language]
    _requirements(sheet, catalogue, language)
    _signatures(book.create_sheet(SHEETS["signatures"][language]), meta, language)
    header = document_title(meta, language)
    print_setup(sheet, header, language, title_rows="1:1")
    print_setup(book.worksheets[1], header, language, landscape=False)
    return book


def criterion_text(criterion: Criterion, language: str) -> str:
    """Return a criterion as the workbook shows it: its title, then its steps or free text, line by line."""
    kw = keywords(language)
    lines = [criterion.title]
    if criterion.description:
        lines.append(criterion.description)
    for step in criterion.steps:
        lines.append(f"{kw.step_keyword(step.kind, step.keyword.strip())} {step.text}")
        lines.extend("  | " + " | ".join(row) + " |" for row in step.table)
        if step.docstring is not None:
            lines.extend("  " + line for line in step.docstring.splitlines())
    if not criterion.steps and criterion.text:
        lines.append(criterion.text)
    if criterion.examples:
        lines.append(f"{LABELS['examples'][language]}:")
        for row in (criterion.examples.header, *criterion.examples.rows):
            lines.append("  | " + " | ".join(row) + " |")
    return "\n".join(lines)


def _requirements(sheet: Sheet, catalogue: Catalogue, language: PackLanguage) -> None:
    for column, (key, width) in enumerate(COLUMNS, start=1):
        put_text(sheet.cell(1, column), LABELS[key][language], "uat-header")
        sheet.column_dimensions[get_column_letter(column)].width = width
    row = 2
    for story in catalogue.stories:
        for criterion in story.criteria or (None,):
            values = _row(story, criterion, language)
            for column, text in enumerate(values, start=1):
                put_text(sheet.cell(row, column), text, "uat-locked")
            sheet.row_dimensions[row].height = row_height(zip(values, (w for _, w in COLUMNS), strict=True))
            row += 1
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(row - 1, 1)}"


def _row(story: Story, criterion: Criterion | None, language: PackLanguage) -> list[str]:
    head = [story.module, story.id, story.title, PRIORITY_LABELS[story.priority][language], story.owner]
    if criterion is None:
        return [*head, "", LABELS["no_criteria"][language]]
    return [*head, criterion.id, criterion_text(criterion, story.language)]


def _signatures(sheet: Sheet, meta: SpecMeta, language: PackLanguage) -> None:
    sheet.column_dimensions["A"].width = 18.0
    for letter in "BC":
        sheet.column_dimensions[letter].width = 40.0
    put_text(sheet.cell(1, 1), LABELS["title"][language], "uat-title")
    facts = [
        ("project", meta.project),
        ("baseline", meta.baseline),
        ("approved_by", meta.approved_by),
        ("approved_on", meta.approved_on.isoformat() if meta.approved_on else ""),
        ("commit", meta.commit),
    ]
    row = 3
    for key, value in facts:
        put_text(sheet.cell(row, 1), LABELS[key][language], "uat-label")
        put_text(sheet.cell(row, 2), value, "uat-text")
        row += 1
    row += 1
    put_text(sheet.cell(row, 1), LABELS["approval"][language], "uat-note")
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    sheet.row_dimensions[row].height = row_height([(LABELS["approval"][language], 98.0)])
    row += 2
    put_text(sheet.cell(row, 1), "", "uat-header")
    parties = zip(SIGNATORIES, (meta.client, meta.vendor), strict=True)
    for column, (party, organisation) in enumerate(parties, start=2):
        put_text(sheet.cell(row, column), party[language], "uat-header")
        put_text(sheet.cell(row + 1, column), organisation, "uat-input")
    put_text(sheet.cell(row + 1, 1), LABELS["organisation"][language], "uat-label")
    for offset, key in enumerate(("name", "role", "signature", "date"), start=2):
        put_text(sheet.cell(row + offset, 1), LABELS[key][language], "uat-label")
        for column in (2, 3):
            put_text(sheet.cell(row + offset, column), "", "uat-input")
        # Room for a handwritten signature on the printed sheet.
        sheet.row_dimensions[row + offset].height = 36.0
