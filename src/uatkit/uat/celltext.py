"""The text a carried-forward mark's cell holds, and how the reader gets it back: never cut silently.

The ledger keeps a tester's text whole; a pack cell holds at most Excel's 32,767 characters and no XML-illegal
control characters. When a carried text does not fit, the cell holds its start and a note naming the ledger
mark that holds all of it. `same_text` tells whether a cell read back is such a carried copy of a ledger
text, so that re-importing it is the same mark and never replaces the full text with the cut one.
"""

from __future__ import annotations

import re

from uatkit.model import PackLanguage
from uatkit.text import MAX_CELL_TEXT, cell_characters

#: The note closing a cut text; `shown` and `total` count characters, `mark` names the ledger's mark.
CUT_NOTES = {
    PackLanguage.EN: (
        "\n\n[uatkit: only the first {shown:,} of {total:,} characters fit in this cell; the full text is "
        "{mark} in the UAT ledger]"
    ),
    PackLanguage.ZH_CN: (
        "\n\n[uatkit：此单元格只显示前 {shown:,} 个字符（共 {total:,} 个）；完整文本见 UAT 台账中的{mark}]"
    ),
}
_MARK_NAMES = {PackLanguage.EN: ("mark #{id}", "the mark"), PackLanguage.ZH_CN: ("记录 #{id}", "该记录")}
_CUT_NOTE = re.compile(r"\n\n\[uatkit[:：][^\[\]]*\]\Z")


def carried_text(text: str, mark: int | None, language: str = PackLanguage.EN) -> str:
    """Return what a pack cell holds for a ledger text of mark `mark`: all of it, or its start and a note."""
    kept = cell_characters(text)
    if len(kept) <= MAX_CELL_TEXT:
        return kept
    key = PackLanguage.ZH_CN if language == PackLanguage.ZH_CN else PackLanguage.EN
    known, unknown = _MARK_NAMES[key]
    name = known.format(id=mark) if mark is not None else unknown
    template = CUT_NOTES[key]
    # The note's length depends on the count it gives: size it for the largest count, then fill.
    room = MAX_CELL_TEXT - len(template.format(shown=MAX_CELL_TEXT, total=len(kept), mark=name))
    start = kept[:room].rstrip()
    return start + template.format(shown=len(start), total=len(kept), mark=name)


def read_back(text: str, mark: int | None, language: str = PackLanguage.EN) -> str:
    """Return what the reader gets from a cell written with `carried_text`: line ends as LF, stripped."""
    return carried_text(text, mark, language).replace("\r\n", "\n").replace("\r", "\n").strip()


def same_text(read: str, held: str, mark: int) -> bool:
    """Return True when a cell read back is the ledger's text `held` of mark `mark`, carried into a pack."""
    if read == held:
        return True
    return any(read == read_back(held, mark, language) for language in (PackLanguage.EN, PackLanguage.ZH_CN))


def is_cut(read: str) -> bool:
    """Return True when a cell read back holds the start of a text uatkit cut, closed by its note."""
    return _CUT_NOTE.search(read) is not None
