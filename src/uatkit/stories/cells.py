"""Turn the acceptance-criteria text of one spreadsheet cell or Jira field into raw criteria.

The rules, in the order they apply:

1. Line breaks are normalised (``\\r\\n`` and ``\\r`` become ``\\n``).
2. Jira wiki markup is stripped line by line: ``{noformat}``, ``{code}``, ``{quote}`` and ``{panel}`` fences
   are dropped (their content stays), ``----`` rules are dropped, ``h1.`` … ``h6.`` headings become title
   lines, list markers (``*``, ``**``, ``-``, ``#``, ``1.``, ``1)``) and checkbox markers (``(/)``, ``(x)``,
   ``[ ]``, ``[x]``) at the start of a line are removed, a ``||header||`` row becomes ``|header|``, and
   inline markup (``*bold*``, ``_em_``, ``{{monospace}}``, ``[text|url]``, ``{color}`` …) becomes plain
   text by ``uatkit.stories.wiki.inline``, except inside ``{code}`` and ``{noformat}``. A line that only
   says "Acceptance criteria" (or 验收标准) is dropped.
3. Gherkin mode: when a line starts with a *Then* keyword of the story's dialect (Then, 那么 …) the text is
   Gherkin. A leading ``*`` is always a list marker here, never Gherkin's ``*`` step. Free text that merely
   starts with "When …" or 当前 … has no Then line and so stays a checklist. In Gherkin mode:

   - a new criterion starts at a title line that follows steps, at a blank line that follows steps, and at a
     Given step that follows a Then step;
   - a title line is any line that is neither a step nor a ``|`` table row; plain lines right under a title
     line, before the first step, are the criterion's description, but a heading, a line with an ID
     ("AC-2: …"), a line starting with a Gherkin block keyword ("Scenario: …") or a line after a blank line
     starts a new criterion;
   - "AC-2: Title", "AC2 - Title", "AC 2. Title" and "AC-2 Title" give the ID AC-2; "Scenario:",
     "Scenario Outline:", "Examples:" and the other block keywords (also 场景： with a full-width colon) are
     dropped from titles; trailing ``@tags`` on a title line become the criterion's tags;
   - a criterion without a title line is titled with the text of its first Then step (or its first step);
   - ``|`` rows and "Examples:" lines stay in the criterion's body, so data tables and outline examples work
     as in Markdown stories; a blank line before a table or an "Examples:" line does not end the criterion;
   - a title line that no step follows becomes a free-text (manual) criterion.

4. Checklist mode (no Then line): every list item is one free-text criterion, verified by hand; a plain line
   right after an item continues it, any other plain line is an item of its own; headings are dropped. When
   there are no list markers at all, every non-empty line is one criterion. The title is the text with its
   white space collapsed and the body is the text; an "AC-n:" prefix gives the ID.
5. Criteria without a written ID are numbered AC-1, AC-2 … by position, skipping numbers that a written ID
   already uses. Empty text gives no criteria. The result depends on nothing but the text.

Every criterion's source is the given location (the cell, or the field's first line); when that location
has a line number, line numbers count from it and each criterion points at its own first line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from uatkit.gherkin.dialects import Keywords, keywords
from uatkit.model import SourceLocation
from uatkit.stories import wiki
from uatkit.stories.build import RawCriterion, split_tags
from uatkit.stories.criteria import closes, opening_fence

_RULE = re.compile(r"-{4,}\Z")
_HEADING = re.compile(r"h[1-6]\.\s*(.*)\Z", re.S)
_LIST_MARKER = re.compile(r"(?:[*#-]+|\d+[.)])\s+")
_CHECKBOX = re.compile(r"(?:\((?:/|x|X)\)|\[[ xX]?\])\s*")
_AC_ID = re.compile(r"AC[\s_-]*(\d+)(?:\s*[:：.)\-–—]\s*|\s+|\Z)(.*)\Z", re.I | re.S)
_CRITERIA_HEADINGS = frozenset({"acceptance criteria", "acceptance criterion", "验收标准", "验收条件"})
_EN_EXAMPLES = ("Examples", "Scenarios")


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    listed: bool = False
    heading: bool = False
    step: tuple[str, str, str] | None = None


@dataclass
class _Draft:
    number: int
    title: str = ""
    ident: str = ""
    tags: list[str] = field(default_factory=list)
    lines: list[tuple[int, str]] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)


def is_criteria_heading(line: str) -> bool:
    """Return True for a line that only announces the acceptance criteria, in any markup."""
    text = line.strip()
    heading = _HEADING.match(text)
    if heading:
        text = heading[1]
    text = text.strip().strip("*_").strip().rstrip(":：").strip().strip("*_").strip()
    return " ".join(text.split()).casefold() in _CRITERIA_HEADINGS


def criteria_from_text(text: str, where: SourceLocation, kw: Keywords) -> list[RawCriterion]:
    """Return the raw criteria written in one cell or field, following the rules above."""
    if not text.strip():
        return []
    lines = _clean_lines(text, where.line if where.line is not None else 1, kw)
    gherkin = any(line.step is not None and line.step[0] == "then" for line in lines)
    drafts = _gherkin(lines, kw) if gherkin else _checklist(lines)
    _number(drafts)
    return [_finish(draft, where) for draft in drafts]


def _clean_lines(text: str, first: int, kw: Keywords) -> list[_Line]:
    cleaned: list[_Line] = []
    literal = False
    docstring: str | None = None
    for offset, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        number = first + offset
        fences = [m[1] for m in wiki.FENCE.finditer(raw)]
        # Text inside {code} and {noformat}, and a doc string's text, is kept as written: no inline markup
        # is removed there (a JSON body's "_id_" stays).
        as_written = literal or docstring is not None or bool(fences and fences[0] in wiki.LITERAL_FENCES)
        literal ^= sum(f in wiki.LITERAL_FENCES for f in fences) % 2 == 1
        if docstring is not None:
            docstring = None if closes(raw, docstring) else docstring
        else:
            docstring = opening_fence(raw)
        line = wiki.FENCE.sub("", raw).strip()
        if not line:
            if not fences:
                cleaned.append(_Line(number, ""))
            continue
        if _RULE.match(line) or is_criteria_heading(line):
            continue
        heading = _HEADING.match(line)
        if heading:
            if heading[1].strip():
                title = heading[1].strip() if as_written else wiki.inline(heading[1].strip())
                cleaned.append(_Line(number, title, heading=True))
            continue
        listed = False
        for marker in (_LIST_MARKER, _CHECKBOX):
            match = marker.match(line)
            if match:
                line, listed = line[match.end() :].strip(), True
        if line.startswith("||"):
            line = re.sub(r"\|\|", "|", line)
        if not as_written:
            line = wiki.inline(line).strip()
        if line:
            cleaned.append(_Line(number, line, listed=listed, step=_step(line, kw)))
    return cleaned


def _step(text: str, kw: Keywords) -> tuple[str, str, str] | None:
    match = kw.match_step(text)
    return match if match and match[0] != "*" else None


@cache
def _patterns(kw: Keywords) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Return the patterns of an examples line and of a block keyword (either colon), for one dialect."""
    blocks = sorted(
        {block[:-1] for block in (*kw.blocks, *keywords("en").blocks)}, key=lambda b: (-len(b), b)
    )
    examples = "|".join(re.escape(name) for name in (kw.examples, *_EN_EXAMPLES))
    block = "|".join(re.escape(name) for name in blocks)
    return re.compile(rf"(?:{examples})[:：]"), re.compile(rf"(?:{block})[:：]\s*")


def _examples_line(text: str, kw: Keywords) -> str | None:
    match = _patterns(kw)[0].match(text)
    return f"{kw.examples}:{text[match.end() :]}" if match else None


def _gherkin(lines: list[_Line], kw: Keywords) -> list[_Draft]:
    drafts: list[_Draft] = []
    current: _Draft | None = None
    gap = False
    for index, line in enumerate(lines):
        examples = _examples_line(line.text, kw)
        if not line.text:
            if current is not None and current.steps and not _continues(lines, index + 1, kw):
                current = None
        elif line.text.startswith("|") or examples is not None:
            if current is None:
                current = _new(drafts, line.number)
            current.lines.append((line.number, examples or line.text))
        elif step := line.step:
            if current is None or (step[0] == "given" and any(kind == "then" for kind, _ in current.steps)):
                current = _new(drafts, line.number)
            current.lines.append((line.number, line.text))
            current.steps.append((step[0], step[2]))
        else:
            ident, title, tags, marked = _title(line.text, kw)
            named = current is not None and bool(current.title or current.ident)
            if current is None or current.steps or (named and (marked or line.heading or gap)):
                current = _new(drafts, line.number)
            if current.title:
                current.lines.append((line.number, line.text))
            else:
                current.ident, current.title = ident or current.ident, title
                current.tags = [*current.tags, *tags]
        gap = not line.text
    for draft in drafts:
        if not draft.steps and draft.title:
            draft.lines.insert(0, (draft.number, draft.title))
    return drafts


def _continues(lines: list[_Line], start: int, kw: Keywords) -> bool:
    following = next((line for line in lines[start:] if line.text), None)
    if following is None:
        return False
    return following.text.startswith("|") or _examples_line(following.text, kw) is not None


def _new(drafts: list[_Draft], number: int) -> _Draft:
    draft = _Draft(number)
    drafts.append(draft)
    return draft


def _title(text: str, kw: Keywords) -> tuple[str, str, list[str], bool]:
    """Return a title line's ID, title and tags, and whether an ID or block keyword marked it."""
    written, tags = split_tags(text)
    title = _drop_block(written, kw)
    match = _AC_ID.match(title)
    ident = ""
    if match:
        ident, title = f"AC-{match[1]}", _drop_block(match[2].strip(), kw)
    return ident, title, tags, bool(ident) or title != written


def _drop_block(text: str, kw: Keywords) -> str:
    match = _patterns(kw)[1].match(text)
    return text[match.end() :].strip() if match else text


def _checklist(lines: list[_Line]) -> list[_Draft]:
    listed = any(line.listed for line in lines)
    drafts: list[_Draft] = []
    current: _Draft | None = None
    for line in lines:
        if not line.text or line.heading:
            current = None
            continue
        if current is not None and listed and not line.listed:
            current.lines.append((line.number, line.text))
            continue
        current = _new(drafts, line.number)
        match = _AC_ID.match(line.text)
        text = match[2].strip() if match else line.text
        current.ident = f"AC-{match[1]}" if match else ""
        current.lines.append((line.number, text))
    for draft in drafts:
        draft.title = " ".join(" ".join(text for _, text in draft.lines).split())
    return drafts


def _number(drafts: list[_Draft]) -> None:
    used = {draft.ident for draft in drafts if draft.ident}
    for position, draft in enumerate(drafts, start=1):
        if draft.ident:
            continue
        number = position
        while f"AC-{number}" in used:
            number += 1
        draft.ident = f"AC-{number}"
        used.add(draft.ident)


def _finish(draft: _Draft, where: SourceLocation) -> RawCriterion:
    title = draft.title
    if not title and draft.steps:
        title = next((text for kind, text in draft.steps if kind == "then"), draft.steps[0][1])
    if not title and draft.lines:
        title = draft.lines[0][1]
    source = where if where.line is None else where.at_line(draft.number)
    return RawCriterion(
        id=draft.ident, title=" ".join(title.split()), source=source, lines=draft.lines, tags=draft.tags
    )
