"""openpyxl helpers uatkit's workbooks share: styles, text that never turns into a formula, row heights,
print setup.

Imported only by the writers of the UAT packs (`uatkit.uat.workbook`) and of traceability.xlsx
(`uatkit.trace.workbook`), so openpyxl loads only when a workbook is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from copy import copy
from typing import Any

from openpyxl.styles import (
    Alignment,
    Border,
    Font,
    NamedStyle,
    PatternFill,
    Protection,
    Side,
)
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from uatkit.model import PackLanguage, Status
from uatkit.text import cell_text

#: openpyxl's workbooks, worksheets and cells are untyped; the aliases say which one is meant.
Book = Any
Sheet = Any
Cell = Any

#: Status colours (fill, font), shared by the Test cases sheet's formatting and the Instructions legend.
STATUS_COLOURS: dict[Status, tuple[str, str]] = {
    Status.NOT_RUN: ("FFFFFF", "000000"),
    Status.PASS: ("C6EFCE", "006100"),
    Status.FAIL: ("FFC7CE", "9C0006"),
    Status.BLOCKED: ("FFEB9C", "9C5700"),
    Status.NA: ("D9D9D9", "404040"),
}
LOCKED_FILL = "F2F2F2"
DATE_FORMAT = "yyyy-mm-dd"
FONT_SIZE = 10
#: Excel's tallest row, in points.
MAX_ROW_HEIGHT = 409.0

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What a text starts with that a spreadsheet would take for a formula: `put_text` gives it quotePrefix.
FORMULA_START = _FORMULA_START
_WIDE = "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_HAS_WIDE = re.compile(f"[{_WIDE}]")
_NARROW, _FULL = 0.8, 1.6
# A full-width character, or a word with the spaces after it: the units Excel and LibreOffice wrap at.
_TOKENS = re.compile(f"[{_WIDE}]|[^\\s{_WIDE}]+\\s*|\\s+")


def put_text(cell: Cell, text: str, style: str | None = None) -> str:
    """Write text that must stay text (never a formula) to `cell`; return exactly what was written."""
    if style:
        cell.style = style
    text = cell_text(text)
    if not text:
        return text
    cell.value = text
    # openpyxl turns a str starting with "=" into a formula and "#N/A" into an error. Forcing the string
    # type writes an inline string, which Excel and LibreOffice read as text and never evaluate, and the
    # text stays exactly as written (no apostrophe or invisible prefix), so what a reader gets back is what
    # we hashed; a LibreOffice round trip keeps it a text cell (tests/test_uat_export.py checks both).
    # quotePrefix is Excel's "typed with a leading apostrophe" flag: when a tester edits such a cell (a
    # carried-forward comment, say), Excel keeps it text instead of evaluating it.
    cell.data_type = "s"
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True
    return text


def row_height(cells: Iterable[tuple[str, float]], minimum_lines: int = 1) -> float:
    """Return a row height in points that shows every (text, column width) pair, wrapped, in full."""
    # LibreOffice does not grow a row to its wrapped text when it opens a file (Excel need not either), so
    # the height is estimated here, erring on the tall side: cut text is worse than a little white space.
    # Lines of 10 pt text measured 11.7 pt apart in LibreOffice, 14.5 pt with Chinese characters.
    lines, wide = minimum_lines, False
    for text, width in cells:
        lines = max(lines, text_lines(text, width))
        wide = wide or bool(_HAS_WIDE.search(text))
    per_line = 14.5 if wide else 12.0
    return min(MAX_ROW_HEIGHT, lines * per_line + 4.0)


def text_lines(text: str, width: float) -> int:
    """Return about how many lines `text` wraps to in a column `width` characters wide (rather more)."""
    # Measured in LibreOffice with DejaVu Sans, wider than Excel's Calibri: a 10 pt character takes about
    # 0.75 of a width unit, a full-width (Chinese) one 1.45. Rounded up, so that no text is cut.
    capacity = max(width - 0.6, 1.0)
    count = 0
    for paragraph in text.split("\n"):
        if _size(paragraph) <= capacity:
            count += 1
            continue
        used, lines = 0.0, 1
        for token in _TOKENS.findall(paragraph):
            size = _size(token)
            visible = size - _NARROW * (len(token) - len(token.rstrip()))
            if used and used + visible > capacity:
                lines, used = lines + 1, 0.0
            if visible > capacity:
                lines += math.ceil(visible / capacity) - 1
                used = visible % capacity
            else:
                used += size
        count += lines
    return count


def _size(token: str) -> float:
    if token.isascii():
        return _NARROW * len(token)
    wide = len(_HAS_WIDE.findall(token))
    return _FULL * wide + _NARROW * (len(token) - wide)


def protect(sheet: Sheet, password: str | None) -> None:
    """Protect a sheet's locked cells, still letting users filter, sort and resize rows and columns."""
    protection = sheet.protection
    protection.sheet = True
    # In SheetProtection, True means "protected" (not allowed); False lifts the protection of an action.
    protection.autoFilter = False
    protection.sort = False
    protection.formatColumns = False
    protection.formatRows = False
    if password:
        protection.password = password


def print_setup(
    sheet: Sheet, header: str, language: str, *, title_rows: str = "", landscape: bool = True
) -> None:
    """Set A4, one page wide, modest margins, `header` and the sheet name on top, page numbers below."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4  # a write-only sheet lacks the class's constants
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.25, footer=0.25)
    if title_rows:
        sheet.print_title_rows = title_rows
    # "&" starts a code in header and footer text; "&&" prints one.
    sheet.oddHeader.left.text = cell_text(header).replace("&", "&&")
    sheet.oddHeader.right.text = "&A"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页" if language == PackLanguage.ZH_CN else "Page &P of &N"


def add_styles(workbook: Book, language: str) -> dict[str, Any]:
    """Register the pack's named styles; return their style arrays by name, for `copy_style`."""
    name = "等线" if language == PackLanguage.ZH_CN else "Calibri"
    edge = Side(style="thin", color="BFBFBF")
    grid = Border(left=edge, right=edge, top=edge, bottom=edge)
    top = Alignment(wrap_text=True, vertical="top")
    line = Alignment(vertical="top")
    white = Font(name=name, size=FONT_SIZE, bold=True, color="FFFFFF")
    specs: dict[str, dict[str, Any]] = {
        "uat-header": {
            "fill": "595959",
            "font": white,
            "align": Alignment(wrap_text=True, vertical="center"),
        },
        "uat-header-input": {
            "fill": "1F4E78",
            "font": white,
            "align": Alignment(wrap_text=True, vertical="center"),
        },
        "uat-locked": {"fill": LOCKED_FILL, "border": grid},
        "uat-input": {"fill": "FFFFFF", "border": grid, "locked": False},
        "uat-input-date": {
            "fill": "FFFFFF",
            "border": grid,
            "locked": False,
            "number_format": DATE_FORMAT,
            "align": Alignment(horizontal="left", vertical="top"),
        },
        "uat-title": {"font": Font(name=name, size=18, bold=True, color="1F4E78"), "align": line},
        "uat-heading": {"font": Font(name=name, size=12, bold=True, color="1F4E78"), "align": line},
        "uat-note": {"font": Font(name=name, size=FONT_SIZE, italic=True, color="595959"), "align": line},
        "uat-label": {"font": Font(name=name, size=FONT_SIZE, bold=True)},
        "uat-text": {},
        "uat-number": {"align": Alignment(horizontal="left", vertical="top")},
        "uat-step": {"align": Alignment(horizontal="right", vertical="top")},
        "uat-legend": {"font": Font(name=name, size=FONT_SIZE, bold=True), "border": grid},
    }
    arrays: dict[str, Any] = {}
    for key, spec in specs.items():
        style = NamedStyle(name=key)
        style.font = spec.get("font", Font(name=name, size=FONT_SIZE))
        if "fill" in spec:
            style.fill = PatternFill(fill_type="solid", start_color=spec["fill"], end_color=spec["fill"])
        if "border" in spec:
            style.border = spec["border"]
        style.alignment = spec.get("align", top)
        style.protection = Protection(locked=spec.get("locked", True))
        style.number_format = spec.get("number_format", "General")
        workbook.add_named_style(style)
        arrays[key] = style.as_tuple()
    return arrays


def copy_style(cell: Cell, array: Any) -> None:
    """Give `cell` a registered named style, as `cell.style = name` does without its name look-ups."""
    # openpyxl's own setter copies the style's array the same way, after two linear searches by name: on
    # the 160,000 cells of a 10,000-case pack those searches cost more than a second.
    cell._style = copy(array)
