"""Text helpers every layer may use: a file-name-safe slug, and the text a spreadsheet cell can hold."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"\W+")
#: Excel's limit on a cell's text: longer text would be cut behind our back (and the hash would not match).
MAX_CELL_TEXT = 32_767
#: Characters XML 1.0 cannot hold, which spreadsheet writers drop.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def slug(text: str, limit: int | None = None) -> str:
    """Return a lower-case, file-name-safe slug of `text`, at most `limit` characters long."""
    # \w keeps letters of any script: a Chinese module name gives a Chinese folder name, not an empty one.
    value = _NOT_WORD.sub("-", text.strip().lower()).strip("-_")
    return value if limit is None else value[:limit].rstrip("-_")


def cell_text(text: str) -> str:
    """Return `text` as a cell can hold it: no XML-illegal control characters, at most Excel's length."""
    return cell_characters(text)[:MAX_CELL_TEXT]


def cell_characters(text: str) -> str:
    """Return `text` without the control characters XML (and so an .xlsx cell) cannot hold."""
    return _ILLEGAL.sub("", text)
