"""Read a story from a Markdown file with YAML front matter."""

from __future__ import annotations

import difflib
import functools
import itertools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from uatkit import frontmatter
from uatkit.errors import Problem
from uatkit.frontmatter import Shape
from uatkit.model import SourceLocation
from uatkit.stories.build import RawCriterion, RawStory, split_tags
from uatkit.stories.criteria import closes, opening_fence

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

FRONT_MATTER_KEYS = ("id", "module", "priority", "levels", "owner", "language", "labels", "epic", "title")


#: What a story's front matter holds, as the hints name it.
STORY_SHAPE = Shape(
    opening="start the file with a '---' block holding id, module …",
    keep="keep only id, module, priority, levels, owner … in it and move the rest to the story's text",
    example="write id: REQ-101 …",
)


def read_markdown(path: Path, display: str, problems: list[Problem]) -> RawStory | None:
    """Return the raw story in `path`; problems are appended with file and line."""
    where = SourceLocation(display)
    text = frontmatter.read_text(path, where, problems)
    if text is None:
        return None
    found = frontmatter.split(text, where, STORY_SHAPE, problems)
    if found is None:
        return None
    raw = RawStory(source=where.at_line(1))
    for key, value in found.meta.items():
        raw.where[key] = found.at(key)
        if key not in FRONT_MATTER_KEYS:
            close = difflib.get_close_matches(str(key), FRONT_MATTER_KEYS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(FRONT_MATTER_KEYS)}"
            problems.append(Problem(found.at(key), f"unknown front matter key {key!r}", hint))
            continue
        if key in ("levels", "labels"):
            setattr(raw, key, frontmatter.as_list(value))
        elif value is not None:
            setattr(raw, key, str(value))
    _body(found.lines, found.end + 1, raw, where)
    return raw


def _body(lines: list[str], start: int, raw: RawStory, where: SourceLocation) -> None:
    headings, comments = _structure(lines[start:])
    current: RawCriterion | None = None
    seen_title = False
    for index in range(start, len(lines)):
        number, line = index + 1, lines[index]
        if index - start in comments:
            continue
        level, heading = headings.get(index - start, (0, ""))
        if level == 2:
            heading, tags = split_tags(heading)
            ident, _, title = heading.partition(" ")
            current = RawCriterion(
                id=ident.rstrip(":."), title=title.strip(), source=where.at_line(number), tags=tags
            )
            raw.criteria.append(current)
        elif current is not None:
            current.lines.append((number, line))
        elif level == 1 and not seen_title:
            seen_title = True
            raw.title = heading
            raw.where["title"] = where.at_line(number)
        elif line.strip():
            raw.narrative.append(line.strip())


def _structure(lines: list[str]) -> tuple[dict[int, tuple[int, str]], set[int]]:
    """Return the `#` and `##` headings (level and text by line index) and the comment lines of a body."""
    shown = _masked(lines)
    if not any(_NEEDS_PARSER.match(line) for line in shown):
        return _plain_headings(shown), set()
    return _parsed_structure(shown)


def _masked(lines: list[str]) -> list[str]:
    """Return the lines with fenced blocks and doc strings hidden, found as the criterion parser finds them.

    A block is whatever parse_body takes for one (a delimiter at any indentation, closed by a run at least
    as long), so that no line inside it is a heading for either. A delimiter never closed is blanked
    alone: the lines after it stay structure, and parse_body reports it at its line.
    """
    shown = list(lines)
    index = 0
    while index < len(lines):
        fence = opening_fence(lines[index])
        if fence is None:
            index += 1
            continue
        end = next((j for j in range(index + 1, len(lines)) if closes(lines[j], fence)), None)
        for hidden in range(index, (end if end is not None else index) + 1):
            shown[hidden] = _TEXT
        index = (end if end is not None else index) + 1
    return shown


#: What a hidden line becomes: paragraph text, which is never structure.
_TEXT = "."
#: A line that can change which lines are headings once blocks are hidden: HTML (comments), a `#` line
#: that is indented (it may belong to a list item), a NUL (markdown-it replaces it). Without one, the
#: headings are the `#`/`##` lines, as markdown-it finds them (tests/test_stories_markdown.py checks).
_NEEDS_PARSER = re.compile(r" {0,3}<|[ \t]+#|[^\x00]*\x00")
_HEADING = re.compile(r"(#{1,2})(?=[ \t]|$)(.*)")


def _plain_headings(lines: list[str]) -> dict[int, tuple[int, str]]:
    """Return the headings of a body with no block that could hide one, as markdown-it reads them."""
    headings: dict[int, tuple[int, str]] = {}
    for index, line in enumerate(lines):
        if match := _HEADING.match(line):
            text = match.group(2).rstrip(" \t")
            # A closing run of #s goes when a space precedes it (CommonMark's ATX heading).
            bare = text.rstrip("#")
            if len(bare) < len(text) and bare[-1:] in (" ", "\t"):
                text = bare
            headings[index] = (len(match.group(1)), text.strip())
    return headings


def _parsed_structure(lines: list[str]) -> tuple[dict[int, tuple[int, str]], set[int]]:
    """Return the headings and comment lines of a body as markdown-it's block parser finds them."""
    headings: dict[int, tuple[int, str]] = {}
    comments: set[int] = set()
    tokens = _parser().parse("\n".join(lines))
    # Only top-level blocks are structure: a heading in a list or a quote is text of its criterion.
    for token, following in itertools.pairwise(tokens):
        if token.level or token.map is None:
            continue
        if token.type == "heading_open" and token.tag in ("h1", "h2"):
            headings[token.map[0]] = (int(token.tag[1]), following.content)
        elif token.type == "html_block" and token.content.lstrip().startswith("<!--"):
            comments.update(range(*token.map))
    return headings, comments


@functools.cache
def _parser() -> MarkdownIt:
    """Return a CommonMark block parser (no inline markup, no setext headings)."""
    # Imported here: markdown-it takes tens of milliseconds to import, and only Markdown stories need it.
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark")
    # Only block structure is needed: inline markup never changes which line is a heading, and a
    # setext underline ("---" under a line) is a rule here, since criteria are `## ` headings.
    parser.disable(["inline", "text_join", "lheading"])
    return parser
