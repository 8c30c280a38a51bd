"""Turn Jira wiki markup into the plain text a catalogue, a feature file and a UAT pack show.

Jira's "Export CSV" keeps a description or a text custom field as the wiki markup it was typed in. A
Markdown converter (jira2markdown) would give Markdown, not plain text, turns `|` rows into Markdown
tables (a separator row Gherkin reads as data) and costs tens of milliseconds a field, so these few rules
are kept here, one line at a time (line numbers stay those of the file):

- `inline`: `*bold*`, `_emphasis_` and `??citation??` keep their words; `{{monospace}}` its text, as written;
  `[text|url]` gives "text (url)", `[url]` the URL, `[~user]` the user and `[^file]` the file name;
  `!image.png!` and `!image.png|thumbnail!` give the file name; `{color:…}` … `{color}` and `{anchor:…}`
  vanish; a backslash before a markup character (`\\*`) keeps the character. A mark needs a word boundary
  outside and text inside, as in Jira: `2*3*4`, `snake_case_name` and `a * b` stay as they are.
- `plain_lines` (a narrative): besides `inline`, `{code}`, `{noformat}`, `{quote}` and `{panel}` fences
  and `----` rules vanish, the text inside `{code}` and `{noformat}` stays as written, `h1.`–`h6.` and
  `bq.` lose their mark, `*`/`-` list items become "- item", `#` items "1. item", "2. item" …, and a
  `||head||` or `|cell|` row becomes "head | head".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: A fence line: `{code}`, `{code:java}`, `{noformat}`, `{quote}`, `{panel:title=…}`.
FENCE = re.compile(r"\{(noformat|code|quote|panel)(?::[^}]*)?\}")
#: The fences whose text Jira shows as written (no markup inside).
LITERAL_FENCES = frozenset({"noformat", "code"})
_RULE = re.compile(r"-{4,}\Z")
_HEADING = re.compile(r"(?:h[1-6]|bq)\.\s+(.*)\Z", re.S)
_LIST = re.compile(r"([*#-]+)\s+(.*)\Z", re.S)
_ESCAPE = re.compile(r"\\([*_?{}\[\]|!~^+\\-])")
_MONOSPACE = re.compile(r"\{\{([^{}]+?)\}\}")
_LINK = re.compile(r"\[([^\[\]|]*)\|([^\[\]]*)\]|\[([~^#]?)([^\[\]|\s][^\[\]|]*)\]")
_IMAGE = re.compile(r"!([^\s!|]+\.(?:png|jpe?g|gif|svg|bmp|webp))(?:\|[^!]*)?!", re.I)
_MACROS = re.compile(r"\{(?:color(?::[^}]*)?|anchor:[^}]*)\}")
# The text inside a mark holds no mark character, so that a line of unclosed marks is read in linear time.
_MARKS = tuple(
    re.compile(rf"(?<![\w{m}]){m}(?=[^\s{c}])([^{c}]+?)(?<=[^\s{c}]){m}(?![\w{c}])")
    for m, c in ((re.escape("*"), re.escape("*")), ("_", "_"), (re.escape("??"), re.escape("?")))
)
# Text taken out of the line while marks are removed: private-use characters no export holds around a number.
_HOLD = re.compile("\ue000(\\d+)\ue001")


def inline(text: str) -> str:
    """Return one line of wiki markup as plain text (the rules in this module's docstring)."""
    if not any(ch in text for ch in "*_?{[!\\") or "\ue000" in text:
        # Nothing to convert, or a text holding the private-use character the conversion marks with.
        return text
    held: list[str] = []

    def hold(value: str) -> str:
        held.append(value)
        return f"\ue000{len(held) - 1}\ue001"

    line = _ESCAPE.sub(lambda m: hold(m[1]), text)
    line = _MONOSPACE.sub(lambda m: hold(m[1]), line)
    line = _LINK.sub(lambda m: hold(_link(m)), line)
    line = _IMAGE.sub(lambda m: hold(m[1]), line)
    line = _MACROS.sub("", line)
    for mark in _MARKS:
        previous = None
        while previous != line:
            previous, line = line, mark.sub(r"\1", line)
    # Held text may hold more held text (an escape inside {{…}}): one pass per level.
    for _ in held:
        if not _HOLD.search(line):
            break
        line = _HOLD.sub(lambda m: held[int(m[1])], line)
    return line


def _link(match: re.Match[str]) -> str:
    if match[2] is not None:
        text, url = inline(match[1]).strip(), match[2].strip()
        return url if not text or text == url else f"{text} ({url})"
    return match[4].strip()


def plain_lines(lines: Iterable[str]) -> list[str]:
    """Return narrative lines without their markup; fences and rules leave no line."""
    out: list[str] = []
    literal = False
    number = 0
    for raw in lines:
        fences = [m[1] for m in FENCE.finditer(raw)]
        line = FENCE.sub("", raw) if fences else raw
        if literal or (fences and fences[0] in LITERAL_FENCES):
            # Inside {code} or {noformat}: the text as written.
            literal ^= sum(f in LITERAL_FENCES for f in fences) % 2 == 1
            if line.strip():
                out.append(line.rstrip())
            continue
        text = line.strip()
        if (fences and not text) or _RULE.match(text):
            continue
        heading, listed = _HEADING.match(text), _LIST.match(text)
        numbered = bool(listed and listed[1].endswith("#"))
        number = number + 1 if numbered else 0
        if heading:
            text = inline(heading[1])
        elif listed:
            text = f"{number}. {inline(listed[2])}" if numbered else f"- {inline(listed[2])}"
        elif text.startswith("|"):
            cells = inline(text).strip("|").split("|")
            text = " | ".join(cell.strip() for cell in cells if cell.strip())
        else:
            text = inline(text)
        out.append(text)
    return out
