"""Text helpers every layer may use: a file-name-safe slug, the text a spreadsheet cell can hold, and text
from workbooks and stories made safe to show (no control characters or terminal escape sequences)."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"\W+")
#: Excel's limit on a cell's text: longer text would be cut behind our back (and the hash would not match).
MAX_CELL_TEXT = 32_767
#: Characters XML 1.0 cannot hold, which spreadsheet writers drop.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Terminal escape sequences, whole (a tester's `_x001B_]0;title_x0007_` is one): CSI, OSC (ended by BEL or
#: ST, or not at all), DCS/SOS/PM/APC strings, two-character escapes, and their C1 forms.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|[\x90\x98\x9e\x9f][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
)
_C1 = dict.fromkeys(range(0x80, 0xA0))
#: What is left to drop: C0 controls but tab and newline, DEL, C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: The characters `cell_characters` drops or starts an escape sequence with: text without them is kept as is.
_UNCELLABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f]")


def slug(text: str, limit: int | None = None) -> str:
    """Return a lower-case, file-name-safe slug of `text`, at most `limit` characters long."""
    # \w keeps letters of any script: a Chinese module name gives a Chinese folder name, not an empty one.
    value = _NOT_WORD.sub("-", text.strip().lower()).strip("-_")
    return value if limit is None else value[:limit].rstrip("-_")


def cell_text(text: str) -> str:
    """Return `text` as a cell can hold it: no XML-illegal control characters, at most Excel's length."""
    return cell_characters(text)[:MAX_CELL_TEXT]


def cell_characters(text: str) -> str:
    """Return `text` without the control characters XML (and so an .xlsx cell) cannot hold.

    Escape sequences go whole (not only their ESC), with the C1 controls, so a cell never carries a
    terminal command to whoever prints it; tab, newline and carriage return stay (multi-line cells).
    """
    # Most text holds none of them: one scan instead of three passes (a workbook has many thousand cells).
    if not _UNCELLABLE.search(text):
        return text
    return _ILLEGAL.sub("", _ESCAPES.sub("", text).translate(_C1))


def shown_text(text: str) -> str:
    """Return text from a workbook or story as it may be shown on a terminal or page: escape sequences and
    control characters removed (tab and newline kept for multi-line cells; a carriage return becomes one)."""
    if not _CONTROLS.search(text):  # a carriage return and every escape sequence's start are controls
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))


def quoted(text: str) -> str:
    """Return a user's text quoted as typed: a Windows path keeps single backslashes (repr doubles them)."""
    return "'" + shown_text(text) + "'"
