"""Read a story from a Markdown file with YAML front matter."""

from __future__ import annotations

import difflib
import functools
import itertools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from uatkit.errors import Problem
from uatkit.model import SourceLocation
from uatkit.stories.build import RawCriterion, RawStory, split_tags
from uatkit.stories.criteria import closes, opening_fence

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

FRONT_MATTER_KEYS = ("id", "module", "priority", "levels", "owner", "language", "labels", "epic", "title")


def read_markdown(path: Path, display: str, problems: list[Problem]) -> RawStory | None:
    """Return the raw story in `path`; problems are appended with file and line."""
    where = SourceLocation(display)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        problems.append(Problem(where, f"cannot read the file ({exc.strerror})", "check that it is readable"))
        return None
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(where, f"not UTF-8 text ({exc.reason} at byte {exc.start})", "save it as UTF-8")
        )
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(
                where.at_line(1),
                "no YAML front matter",
                "start the file with a '---' block holding id, module …",
            )
        )
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(
            Problem(where.at_line(1), "the front matter is never closed", "end it with a '---' line")
        )
        return None
    meta = _front_matter("\n".join(lines[1:end]), where, problems)
    if meta is None:
        return None
    raw = RawStory(source=where.at_line(1))
    for key, value in meta.items():
        line = _key_line(lines, end, key)
        raw.where[key] = where.at_line(line)
        if key not in FRONT_MATTER_KEYS:
            close = difflib.get_close_matches(str(key), FRONT_MATTER_KEYS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(FRONT_MATTER_KEYS)}"
            problems.append(Problem(where.at_line(line), f"unknown front matter key {key!r}", hint))
            continue
        if key in ("levels", "labels"):
            setattr(raw, key, _as_list(value))
        elif value is not None:
            setattr(raw, key, str(value))
    _body(lines, end + 1, raw, where)
    return raw


#: The largest front matter block read: real ones are a few hundred bytes; YAML that big is not a story's.
MAX_FRONT_MATTER = 64 * 1024


def _front_matter(block: str, where: SourceLocation, problems: list[Problem]) -> dict[str, Any] | None:
    size = len(block.encode("utf-8"))
    if size > MAX_FRONT_MATTER:
        problems.append(
            Problem(
                where.at_line(2),
                f"the front matter is {size:,} bytes, over the limit of {MAX_FRONT_MATTER:,}",
                "keep only id, module, priority, levels, owner … in it and move the rest to the story's text",
            )
        )
        return None
    # libyaml's loader, where installed, reads front matter ten times faster (benchmarks/RESULTS.md).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # Anchors and aliases are refused before anything is built: a few lines of nested aliases expand
        # to billions of nodes (an "alias bomb"), and a story's keys never need them.
        for event in yaml.parse(block, Loader=loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                mark = event.start_mark
                line = mark.line + 2 if mark is not None else 2
                problems.append(
                    Problem(
                        where.at_line(line),
                        "the front matter uses a YAML anchor or alias (& or *)",
                        "write each value out in full",
                    )
                )
                return None
        meta = yaml.load(block, Loader=loader) if block.strip() else {}
    except yaml.YAMLError as exc:
        problem_mark = getattr(exc, "problem_mark", None)
        line = problem_mark.line + 2 if problem_mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(Problem(where.at_line(line), f"malformed front matter: {problem}", "fix the YAML"))
        return None
    if not isinstance(meta, dict):
        problems.append(
            Problem(
                where.at_line(2), "the front matter is not a set of 'key: value' lines", "write id: REQ-101 …"
            )
        )
        return None
    return {str(k): v for k, v in meta.items()}


def _key_line(lines: list[str], end: int, key: str) -> int:
    for i in range(1, end):
        if lines[i].lstrip().startswith(f"{key}:"):
            return i + 1
    return 1


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part for part in str(value).replace(",", " ").split() if part]


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
