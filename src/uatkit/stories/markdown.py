"""Read a story from a Markdown file with YAML front matter."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from uatkit.errors import Problem
from uatkit.model import SourceLocation
from uatkit.stories.build import RawCriterion, RawStory, split_tags

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
    current: RawCriterion | None = None
    in_comment = seen_title = False
    for index in range(start, len(lines)):
        number, line = index + 1, lines[index]
        stripped = line.strip()
        if in_comment or stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        if stripped.startswith("## "):
            heading, tags = split_tags(stripped[3:].strip())
            ident, _, title = heading.partition(" ")
            current = RawCriterion(
                id=ident.rstrip(":."), title=title.strip(), source=where.at_line(number), tags=tags
            )
            raw.criteria.append(current)
        elif current is not None:
            current.lines.append((number, line))
        elif stripped.startswith("# ") and not seen_title:
            seen_title = True
            raw.title = stripped[2:].strip()
            raw.where["title"] = where.at_line(number)
        elif stripped:
            raw.narrative.append(stripped)
