"""Read stories from an Excel backlog (.xlsx): one story a row, columns named in `[tool.uatkit.excel]`.

- The sheet is `excel.sheet` (matched exactly, else ignoring case) or the workbook's first sheet.
- The header row is `excel.header_row` (1-based); headers match `excel.columns` ignoring case and extra
  white space. The ID and Title columns are required; the others are optional.
- Every later row with a value in a mapped column is a story (notes in other columns make none).
  Numbers lose a spurious ".0" (1404732.0 gives "1404732"), dates read 2024-03-01, times 09:30; merged
  cells give their value to every cell they cover.
- The narrative is the "As a", "I want" and "So that" cells, one line each, prefixed with their
  phrase: "sales clerk" gives "As a sales clerk", "an auditor" gives "As an auditor", Chinese text gets
  作为 / 我想要 / 以便. A cell that already starts with its phrase's first word (As …, I …, So …, 作为,
  我, 以便, 从而) is kept as written.
- Levels and labels are separated by commas, semicolons, 、 or spaces; acceptance criteria follow
  `uatkit.stories.cells`. The Epic cell is the story's epic, as written.
- The module is the Module column (`excel.columns` module); a sheet without it may use a Jira-style
  Component/s, Components or Component column instead. A sheet with none of them says so once, as a warning
  naming the headers looked for; each story's module is then General.
- Every field is located by its cell, as in "backlog.xlsx › Stories › C4"; the story by its ID cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from uatkit.config import MODULE_COLUMNS, REQUIRED_EXCEL_FIELDS, Config
from uatkit.errors import Problem
from uatkit.gherkin.dialects import keywords, known_languages
from uatkit.model import SourceLocation
from uatkit.stories.build import RawStory
from uatkit.stories.cells import criteria_from_text
from uatkit.xlsxguard import WorkbookRefused, read_checked

if TYPE_CHECKING:
    from python_calamine import CalamineSheet

Cell = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta

_NARRATIVE = ("as_a", "i_want", "so_that")
_PHRASES = {"as_a": ("As a", "作为"), "i_want": ("I want", "我想要"), "so_that": ("So that", "以便")}
_KEPT_STARTS = {
    "as_a": ("as ", "作为"),
    "i_want": ("i ", "i'", "我"),
    "so_that": ("so ", "以便", "从而", "这样"),
}
_LEVEL_SEPARATORS = re.compile(r"[\s,;，；、]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_BAD_WORKBOOK_HINT = "open it in Excel and save it again as an Excel Workbook (.xlsx)"
_PASSWORD_HINT = "remove the password (File › Info › Protect Workbook) and save it again"


def read_excel(
    path: Path, display: str, config: Config, problems: list[Problem], warnings: list[Problem] | None = None
) -> list[RawStory]:
    """Return one raw story per backlog row; problems and warnings are appended with file, sheet and cell."""
    rows = _read_sheet(path, display, config, problems)
    if rows is None:
        return []
    sheet, cells = rows
    header_row = config.excel.header_row
    header = cells[header_row - 1] if len(cells) >= header_row else []
    columns = _match_columns(header, config.excel.columns)
    missing = [config.excel.columns[name] for name in REQUIRED_EXCEL_FIELDS if name not in columns]
    if missing:
        present = [h for h in (text_of(value) for value in header) if h]
        found = ", ".join(repr(h) for h in present) if present else "no headers at all"
        problems.append(
            Problem(
                SourceLocation(display, sheet=sheet, row=header_row),
                f"missing column(s) {', '.join(repr(m) for m in missing)}; the header row has {found}",
                "rename the headers, or map them in [tool.uatkit.excel] columns / header_row",
            )
        )
        return []
    if "module" not in columns:
        components = _match_columns(header, {name: name for name in MODULE_COLUMNS})
        if components:
            columns["module"] = next(iter(components.values()))
        elif warnings is not None:
            warnings.append(_no_module(config, SourceLocation(display, sheet=sheet, row=header_row)))
    letters = {name: column_letter(col) for name, col in columns.items()}
    stories: list[RawStory] = []
    for index in range(header_row, len(cells)):
        row = cells[index]
        values = {name: text_of(row[col]) for name, col in columns.items() if col < len(row)}
        if any(value.strip() for value in values.values()):
            where = SourceLocation(display, sheet=sheet, row=index + 1)
            stories.append(_story(values, letters, where, config))
    return stories


def _read_sheet(
    path: Path, display: str, config: Config, problems: list[Problem]
) -> tuple[str, list[list[Cell]]] | None:
    """Return the chosen sheet's name and its cells from A1, or None after appending a problem.

    The file is inspected against `[tool.uatkit.limits]` before python-calamine opens it.
    """
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    where = SourceLocation(display)
    wanted = config.excel.sheet
    try:
        data = read_checked(path, config.limits)
    except WorkbookRefused as exc:
        problems.append(Problem(where, str(exc)))
        return None
    try:
        # A zip is read from the bytes just inspected; anything else (an encrypted or legacy file, which
        # python-calamine tells apart by its name) from the path, so it says what the file is.
        opened = (
            CalamineWorkbook.from_filelike(io.BytesIO(data))
            if data.startswith(b"PK\x03\x04")
            else CalamineWorkbook.from_path(str(path))
        )
        with opened as workbook:
            names = list(workbook.sheet_names)
            name = _pick_sheet(names, wanted)
            if name is None:
                listed = ", ".join(repr(n) for n in names)
                problems.append(
                    Problem(
                        where,
                        f"the workbook has no sheet named {wanted!r}; its sheets are {listed}",
                        "set [tool.uatkit.excel] sheet to one of them",
                    )
                )
                return None
            sheet = workbook.get_sheet_by_name(name)
            return name, _fill_merged(sheet, sheet.to_python(skip_empty_area=False))
    except PasswordError:
        problems.append(Problem(where, "not a readable .xlsx workbook (it has a password)", _PASSWORD_HINT))
    except (CalamineError, OSError, ValueError) as exc:
        problems.append(Problem(where, f"not a readable .xlsx workbook ({exc})", _BAD_WORKBOOK_HINT))
    return None


def _no_module(config: Config, where: SourceLocation) -> Problem:
    """Return the warning of a sheet with no module column, naming the headers looked for."""
    wanted = dict.fromkeys((config.excel.columns.get("module", "Module"), *MODULE_COLUMNS))
    return Problem(
        where,
        f"no module column (looked for {', '.join(repr(c) for c in wanted)}): each story's module is General",
        "add a Module column, or name yours in [tool.uatkit.excel] columns",
    )


def _pick_sheet(names: list[str], wanted: str | None) -> str | None:
    if wanted is None:
        return names[0] if names else None
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def _fill_merged(sheet: CalamineSheet, cells: list[list[Cell]]) -> list[list[Cell]]:
    """Give every cell of a merged range the value of its top-left cell."""
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
        if top >= len(cells) or left >= len(cells[top]):
            continue
        value = cells[top][left]
        for row in range(top, min(bottom + 1, len(cells))):
            for col in range(left, min(right + 1, len(cells[row]))):
                cells[row][col] = value
    return cells


def _match_columns(header: list[Cell], wanted: dict[str, str]) -> dict[str, int]:
    """Return the column index of every field whose header is present (the first one wins)."""
    index: dict[str, int] = {}
    for col, value in enumerate(header):
        index.setdefault(_folded(text_of(value)), col)
    return {name: index[_folded(text)] for name, text in wanted.items() if _folded(text) in index}


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def text_of(value: Cell) -> str:
    """Return a cell's value as the text a reader of the sheet sees."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def column_letter(index: int) -> str:
    """Return the letters of a 0-based column index: 0 gives A, 27 gives AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _story(values: dict[str, str], letters: dict[str, str], row: SourceLocation, config: Config) -> RawStory:
    """Return the raw story of one row; `letters` names the column of every mapped field."""
    where = {
        name: SourceLocation(row.path, sheet=row.sheet, row=row.row, column=letter)
        for name, letter in letters.items()
    }
    raw = RawStory(source=where["id"], where=where)
    raw.id = values.get("id", "").strip()
    raw.title = values.get("title", "")
    for name in ("priority", "module", "owner", "language", "epic"):
        setattr(raw, name, values.get(name, "").strip())
    raw.levels = [part for part in _LEVEL_SEPARATORS.split(values.get("levels", "")) if part]
    raw.labels = list(
        dict.fromkeys(part for part in _LEVEL_SEPARATORS.split(values.get("labels", "")) if part)
    )
    raw.narrative = narrative(values)
    present = [name for name in _NARRATIVE if values.get(name, "").strip()]
    if present:
        raw.where["narrative"] = raw.where[present[0]]
    if values.get("criteria", "").strip():
        language = raw.language if raw.language in known_languages() else config.default_language
        raw.criteria = criteria_from_text(values["criteria"], raw.where["criteria"], keywords(language))
    return raw


def narrative(values: dict[str, str]) -> list[str]:
    """Return the narrative lines of the "As a" / "I want" / "So that" cells."""
    lines: list[str] = []
    for name in _NARRATIVE:
        text = values.get(name, "").strip()
        if not text:
            continue
        english, chinese = _PHRASES[name]
        if _CJK.match(text) and not text.startswith(_KEPT_STARTS[name]):
            text = f"{chinese}{text}"
        elif name == "as_a" and text.casefold().startswith(("a ", "an ")):
            text = f"As {text}"
        elif not _CJK.match(text) and not text.casefold().startswith(_KEPT_STARTS[name]):
            text = f"{english} {text}"
        lines.extend(line.strip() for line in text.splitlines() if line.strip())
    return lines
