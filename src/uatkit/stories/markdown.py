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

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.parser_block import RuleFuncBlockType
    from markdown_it.ruler import RuleOptionsType
    from markdown_it.rules_block import StateBlock

FRONT_MATTER_KEYS = ("id", "module", "priority", "levels", "owner", "language", "labels", "epic", "title")


def read_markdown(path: Path, display: str, problems: list[Problem]) -> RawStory | None:
    """Return the raw story in `path`; problems are appended with file and line."""
    where = SourceLocation(display)
    try:
        text = path.read_text(encoding="utf-8-sig")
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


def _front_matter(block: str, where: SourceLocation, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        # libyaml's loader, where installed, reads front matter ten times faster (benchmarks/RESULTS.md).
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        meta = yaml.load(block, Loader=loader) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
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
    if not any(_NEEDS_PARSER.match(line) for line in lines):
        return _plain_headings(lines), set()
    return _parsed_structure(lines)


#: A line that can change which lines are headings: a fence or doc string, HTML (comments), a `#` line
#: that is indented (it may belong to a list item). Without one, the headings are the `#`/`##` lines.
_NEEDS_PARSER = re.compile(r' {0,3}(?:```|~~~|"""|<)|[ \t]+#')
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
    # Only top-level blocks are structure: a heading in a list or a quote, or a line in a fenced
    # block or doc string, is text of the criterion it stands in.
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
    """Return a CommonMark block parser that also reads Gherkin `\"\"\"` doc strings as fences."""
    # Imported here: markdown-it takes tens of milliseconds to import, and only Markdown stories need it.
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import fence, make_fence_rule

    parser = MarkdownIt("commonmark")
    # Only block structure is needed: inline markup never changes which line is a heading, and a
    # setext underline ("---" under a line) is a rule here, since criteria are `## ` headings.
    parser.disable(["inline", "text_join", "lheading"])
    interrupts: RuleOptionsType = {"alt": ["paragraph", "reference", "blockquote", "list"]}
    parser.block.ruler.at("fence", _closed_only(fence), interrupts)
    # A `"""` doc string is Gherkin, not Markdown: without this rule a `## ` line inside one would be
    # a heading, and a ``` line inside one would open a fence that hides the criteria after it.
    docstring = make_fence_rule(markers=('"',), token_type="docstring", disallow_marker_in_info=())
    parser.block.ruler.before("fence", "docstring", _closed_only(docstring), interrupts)
    return parser


def _closed_only(rule: RuleFuncBlockType) -> RuleFuncBlockType:
    """Wrap a fence rule so that a fence never closed stays plain text."""

    # Markdown runs an unclosed fence to the end of the file; here that would silently turn every
    # later criterion into text, so the opening line stays text and parse_body reports it instead.
    def closed(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if not rule(state, start, end, silent):
            return False
        if silent:
            return True
        token = state.tokens[-1]
        assert token.map is not None
        last = token.map[1] - 1
        text = state.src[state.bMarks[last] + state.tShift[last] : state.eMarks[last]].rstrip()
        closes = last > start and len(text) >= len(token.markup) and text == token.markup[0] * len(text)
        if token.map[1] < end or closes:
            return True
        state.tokens.pop()
        state.line = start
        return False

    return closed
