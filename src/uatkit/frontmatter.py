"""Read the YAML front matter of a Markdown file (a story, a change request): safe, alias-free, bounded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from uatkit.errors import Problem
from uatkit.model import SourceLocation

#: The largest front matter block read: real ones are a few hundred bytes; YAML that big is nobody's.
MAX_FRONT_MATTER = 64 * 1024


@dataclass(frozen=True)
class Shape:
    """What a kind of file holds in its front matter, as the hints name it."""

    #: The hint for a file without front matter ("start the file with a '---' block holding …").
    opening: str
    #: The hint for front matter over the size limit.
    keep: str
    #: The hint for front matter that is not a mapping ("write id: REQ-101 …").
    example: str


@dataclass(frozen=True)
class FrontMatter:
    """A file split at its front matter: every line, the closing `---` line's index and the mapping."""

    lines: list[str]
    end: int
    meta: dict[str, Any]
    where: SourceLocation

    def key_line(self, key: str) -> int:
        """Return the 1-based line of a top-level front matter key (the opening line when not found)."""
        for i in range(1, self.end):
            if self.lines[i].startswith(f"{key}:"):
                return i + 1
        for i in range(1, self.end):
            if self.lines[i].lstrip().startswith(f"{key}:"):
                return i + 1
        return 1

    def at(self, key: str) -> SourceLocation:
        """Return where a front matter key is written."""
        return self.where.at_line(self.key_line(key))


def read_text(path: Path, where: SourceLocation, problems: list[Problem]) -> str | None:
    """Return a file's UTF-8 text (a BOM dropped), or None with the reason appended to `problems`."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        problems.append(Problem(where, f"cannot read the file ({exc.strerror})", "check that it is readable"))
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(where, f"not UTF-8 text ({exc.reason} at byte {exc.start})", "save it as UTF-8")
        )
    return None


def split(text: str, where: SourceLocation, shape: Shape, problems: list[Problem]) -> FrontMatter | None:
    """Return the text split at its front matter, or None with every problem appended."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(where.at_line(1), "no YAML front matter", shape.opening))
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(
            Problem(where.at_line(1), "the front matter is never closed", "end it with a '---' line")
        )
        return None
    meta = load("\n".join(lines[1:end]), where, shape, problems)
    return None if meta is None else FrontMatter(lines, end, meta, where)


def load(block: str, where: SourceLocation, shape: Shape, problems: list[Problem]) -> dict[str, Any] | None:
    """Return a front matter block as a mapping; lines count from the file's line 2."""
    size = len(block.encode("utf-8"))
    if size > MAX_FRONT_MATTER:
        problems.append(
            Problem(
                where.at_line(2),
                f"the front matter is {size:,} bytes, over the limit of {MAX_FRONT_MATTER:,}",
                shape.keep,
            )
        )
        return None
    # libyaml's loader, where installed, reads front matter ten times faster (benchmarks/RESULTS.md).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # Anchors and aliases are refused before anything is built: a few lines of nested aliases expand
        # to billions of nodes (an "alias bomb"), and front matter never needs them.
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
            Problem(where.at_line(2), "the front matter is not a set of 'key: value' lines", shape.example)
        )
        return None
    return {str(k): v for k, v in meta.items()}


def as_list(value: Any) -> list[str]:
    """Return a front matter value as a list of strings: a YAML list, or words split at commas and spaces."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part for part in str(value).replace(",", " ").split() if part]
