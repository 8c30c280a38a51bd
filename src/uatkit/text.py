"""Text helpers every layer may use: a file-name-safe slug."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"\W+")


def slug(text: str, limit: int | None = None) -> str:
    """Return a lower-case, file-name-safe slug of `text`, at most `limit` characters long."""
    # \w keeps letters of any script: a Chinese module name gives a Chinese folder name, not an empty one.
    value = _NOT_WORD.sub("-", text.strip().lower()).strip("-_")
    return value if limit is None else value[:limit].rstrip("-_")
