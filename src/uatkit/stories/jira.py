"""Read stories from a Jira "Export CSV (all fields)" of issues.

- The file is decoded with `[tool.uatkit.jira] encoding` (default utf-8-sig) and read with the csv module.
- Columns are matched by name, ignoring case. A name that repeats (Labels, Labels) is a multi-valued field:
  every non-empty value is collected; a single-valued field takes the first non-empty one.
- Rows whose "Issue Type" is set and not one of `jira.issue_types` (default: Story) are skipped, and so are
  blank rows.
- Issue key gives the ID, Summary the title, Priority the priority (Highest and High → must, Medium → should,
  Low → could, Lowest → wont through `priority_map`, which `[tool.uatkit] priority_map` extends).
- Description gives the narrative: its lines before an "Acceptance criteria" heading, written as
  `h3. Acceptance criteria`, `*Acceptance criteria*`, `Acceptance criteria:` (any case) or 验收标准. The
  section under that heading runs to the next heading of the same or a higher level (to the end when the
  heading is not an `h1.`–`h6.` heading); text after it belongs to the narrative again.
- The acceptance criteria are the `jira.criteria_column` field when it is not empty, else the description's
  section, read by the rules of `uatkit.stories.cells`.
- Component/s: the first one is the module; else the first label that is not a level; else General.
- Labels: all of them are the story's labels; those named unit, integration, e2e or manual are also its
  levels.
- `jira.epic_column` gives the epic; a "Language" or "Custom field (Language)" column, when present, the
  Gherkin language.
- Locations are physical lines of the file, as a text editor numbers them: "export.csv:7" is the line where
  the record, or the field, starts. A record spans several lines when its cells hold line breaks, so line
  numbers are more useful than record numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from uatkit.config import Config
from uatkit.errors import Problem
from uatkit.gherkin.dialects import keywords, known_languages
from uatkit.model import LEVEL_TAGS, SourceLocation
from uatkit.stories.build import RawStory
from uatkit.stories.cells import criteria_from_text, is_criteria_heading

if TYPE_CHECKING:
    from _csv import Reader

REQUIRED_COLUMNS = ("Issue key", "Summary")
_LANGUAGE_COLUMNS = ("Language", "Custom field (Language)")
_BREAK = re.compile(r"\r\n|\r|\n")
_HEADING_LEVEL = re.compile(r"\s*h([1-6])\.")
_ENCODING_HINT = 'export the CSV as UTF-8 or set [tool.uatkit.jira] encoding = "gbk" / "cp1252"'


@dataclass(frozen=True)
class _Record:
    """One CSV record: where it starts, its fields, and the header's column positions."""

    display: str
    start: int
    fields: list[str]
    columns: dict[str, list[int]]

    def values(self, name: str) -> list[tuple[int, str]]:
        """Return the non-empty values of a column, which may repeat, with their positions."""
        indexes = self.columns.get(name.strip().casefold(), [])
        return [(i, self.fields[i]) for i in indexes if i < len(self.fields) and self.fields[i].strip()]

    def first(self, name: str) -> tuple[int | None, str]:
        """Return the position and value of a column's first non-empty value, or of its first column."""
        found = self.values(name)
        if found:
            return found[0]
        indexes = self.columns.get(name.strip().casefold(), [])
        return (indexes[0], "") if indexes else (None, "")

    def line(self, index: int) -> int:
        """Return the file line where a field starts."""
        return self.start + sum(len(_BREAK.findall(value)) for value in self.fields[:index])

    def at(self, index: int | None) -> SourceLocation:
        """Return the location of a field, or of the record when there is no such field."""
        return SourceLocation(self.display, line=self.start if index is None else self.line(index))


def read_jira(path: Path, display: str, config: Config, problems: list[Problem]) -> list[RawStory]:
    """Return one raw story per exported issue; problems are appended with file and line."""
    text = _decode(path, display, config.jira.encoding, problems)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(_records(reader))
    except csv.Error as exc:
        problems.append(
            Problem(
                SourceLocation(display, line=reader.line_num),
                f"not a readable CSV file ({exc})",
                "export it again from Jira with 'Export CSV (all fields)'",
            )
        )
        return []
    header = records[0][1] if records else []
    columns: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        columns.setdefault(name.strip().casefold(), []).append(index)
    missing = [name for name in REQUIRED_COLUMNS if name.casefold() not in columns]
    if missing:
        names = ", ".join(repr(m) for m in missing)
        found = ", ".join(repr(n) for n in dict.fromkeys(h.strip() for h in header) if n) or "none"
        problems.append(
            Problem(
                SourceLocation(display, line=1),
                f"not a Jira export: missing column(s) {names}; the columns are {found}",
                "export the issues from Jira with 'Export CSV (all fields)'",
            )
        )
        return []
    stories: list[RawStory] = []
    for start, fields in records[1:]:
        record = _Record(display, start, fields, columns)
        if any(value.strip() for value in fields) and _wanted(record, config):
            stories.append(_story(record, config))
    return stories


def _decode(path: Path, display: str, encoding: str, problems: list[Problem]) -> str | None:
    """Return the file's text, or None after appending a problem that names the bad line."""
    where = SourceLocation(display)
    try:
        data = path.read_bytes()
        return data.decode(encoding)
    except OSError as exc:
        problems.append(Problem(where, f"cannot read the file ({exc.strerror})", "check that it is readable"))
    except LookupError:
        hint = "set [tool.uatkit.jira] encoding to a codec such as utf-8-sig, gbk or cp1252"
        problems.append(Problem(where, f"unknown encoding {encoding!r}", hint))
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not {encoding} text ({exc.reason} at byte {exc.start})"
        problems.append(Problem(where.at_line(line), message, _ENCODING_HINT))
    return None


def _records(reader: Reader) -> Iterator[tuple[int, list[str]]]:
    """Yield every record with the file line it starts on."""
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        yield start, fields


def _wanted(record: _Record, config: Config) -> bool:
    issue_type = record.first("Issue Type")[1].strip().casefold()
    return not issue_type or issue_type in {t.strip().casefold() for t in config.jira.issue_types}


def _story(record: _Record, config: Config) -> RawStory:
    """Return the raw story of one exported issue."""
    raw = RawStory(source=record.at(None))
    fields = {
        "id": "Issue key",
        "title": "Summary",
        "priority": "Priority",
        "epic": config.jira.epic_column,
        "language": next((c for c in _LANGUAGE_COLUMNS if c.casefold() in record.columns), "Language"),
    }
    for name, column in fields.items():
        index, value = record.first(column)
        setattr(raw, name, value.strip())
        if index is not None:
            raw.where[name] = record.at(index)
    raw.labels = [value.strip() for _, value in record.values("Labels")]
    raw.levels = [label for label in raw.labels if label.casefold() in LEVEL_TAGS]
    components = record.values("Component/s")
    plain_labels = [label for label in raw.labels if label.casefold() not in LEVEL_TAGS]
    if components:
        raw.module, raw.where["module"] = components[0][1].strip(), record.at(components[0][0])
    elif plain_labels:
        raw.module = plain_labels[0]
    if raw.labels:
        raw.where["labels"] = raw.where["levels"] = record.at(record.values("Labels")[0][0])
    description_index, description = record.first("Description")
    narrative, section, offset = split_description(description)
    raw.narrative = narrative
    if description_index is not None:
        raw.where["narrative"] = record.at(description_index)
    language = raw.language if raw.language in known_languages() else config.default_language
    criteria_index, criteria = record.first(config.jira.criteria_column)
    if criteria.strip():
        where = record.at(criteria_index)
        raw.criteria = criteria_from_text(criteria, where, keywords(language))
    elif section.strip():
        where = record.at(description_index).at_line(record.line(description_index or 0) + offset)
        raw.criteria = criteria_from_text(section, where, keywords(language))
    else:
        return raw
    raw.where["criteria"] = where
    return raw


def split_description(text: str) -> tuple[list[str], str, int]:
    """Split a description into narrative lines, the criteria section and the section's line offset."""
    lines = _BREAK.split(text)
    for index, line in enumerate(lines):
        if is_criteria_heading(line):
            level = _level(line) or 0
            end = next(
                (j for j in range(index + 1, len(lines)) if 0 < (_level(lines[j]) or 7) <= level),
                len(lines),
            )
            narrative = [*lines[:index], *lines[end:]]
            return [n.rstrip() for n in narrative], "\n".join(lines[index + 1 : end]), index + 1
    return [line.rstrip() for line in lines], "", 0


def _level(line: str) -> int | None:
    match = _HEADING_LEVEL.match(line)
    return int(match[1]) if match else None
