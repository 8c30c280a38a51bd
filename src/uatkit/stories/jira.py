"""Read stories from a Jira "Export CSV (all fields)" of issues.

- The file is decoded with `[tool.uatkit.jira] encoding` (default utf-8-sig) and read with the csv module.
- Columns are matched by name, ignoring case. A name that repeats (Labels, Labels) is a multi-valued field:
  every non-empty value is collected; a single-valued field takes the first non-empty one.
- Rows whose "Issue Type" is set and not one of `jira.issue_types` (default: Story) are skipped, and so are
  blank rows.
- Issue key gives the ID, Summary the title, Priority the priority (Jira's names, P0–P4 and others through
  `priority_map`, which `[tool.uatkit] priority_map` extends).
- Jira wiki markup becomes plain text (`uatkit.stories.wiki`) in the title, the narrative and the criteria.
- Description gives the narrative: its lines before an "Acceptance criteria" heading, written as
  `h3. Acceptance criteria`, `*Acceptance criteria*`, `Acceptance criteria:` (any case) or 验收标准. The
  section under that heading runs to the next heading of the same or a higher level (to the end when the
  heading is not an `h1.`–`h6.` heading); text after it belongs to the narrative again.
- The acceptance criteria are the `jira.criteria_column` field when it is not empty, else the description's
  section, read by the rules of `uatkit.stories.cells`.
- The module column is `jira.module_column` when set, else the first of Component/s, Components and
  Component the header has. Its first value is the module; the story's other components become labels
  after its Labels. With no module value the module is the first label that is not a level, else General;
  a file whose header has none of those columns says so once, as a warning naming the headers looked for.
- Labels: every value of the (repeated) Labels columns is a label; those named unit, integration, e2e or
  manual are also its levels.
- The epic: the first non-empty of `jira.epic_column`, Custom field (Epic Link), Parent key and Parent (a
  numeric parent ID is turned into the key of the exported issue with that ID), followed by the epic's name:
  Parent summary, else the Custom field (Epic Name) or Summary of that epic when the export holds it. So
  "ACC-1 Accounts", or the key or the name alone.
- A "Language" or "Custom field (Language)" column, when present, gives the Gherkin language.
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

from uatkit.config import MODULE_COLUMNS, Config
from uatkit.errors import Problem
from uatkit.gherkin.dialects import keywords, known_languages
from uatkit.model import LEVEL_TAGS, SourceLocation
from uatkit.stories import wiki
from uatkit.stories.build import RawStory
from uatkit.stories.cells import criteria_from_text, is_criteria_heading

if TYPE_CHECKING:
    from _csv import Reader

REQUIRED_COLUMNS = ("Issue key", "Summary")
#: The columns an epic's key is read from after `jira.epic_column`; Data Center, then Cloud exports.
EPIC_COLUMNS = ("Custom field (Epic Link)", "Parent key", "Parent")
_EPIC_NAME_COLUMNS = ("Custom field (Epic Name)", "Summary")
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


def read_jira(
    path: Path, display: str, config: Config, problems: list[Problem], warnings: list[Problem] | None = None
) -> list[RawStory]:
    """Return one raw story per exported issue; problems and warnings are appended with file and line."""
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
    module_column = _module_column(columns, config)
    if module_column is None and warnings is not None:
        looked_for = (config.jira.module_column,) if config.jira.module_column else MODULE_COLUMNS
        warnings.append(
            Problem(
                SourceLocation(display, line=1),
                f"no module column (looked for {', '.join(repr(c) for c in looked_for)}): each story's "
                "module is its first label, else General",
                "export the Components field, or name its column in [tool.uatkit.jira] module_column",
            )
        )
    rows = [_Record(display, start, fields, columns) for start, fields in records[1:]]
    rows = [record for record in rows if any(value.strip() for value in record.fields)]
    epics = _Epics.of(rows)
    return [_story(r, config, module_column, epics) for r in rows if _wanted(r, config)]


def _module_column(columns: dict[str, list[int]], config: Config) -> str | None:
    """Return the header the module is read from, or None when the file has none of them."""
    wanted = (config.jira.module_column,) if config.jira.module_column else MODULE_COLUMNS
    return next((name for name in wanted if name.strip().casefold() in columns), None)


@dataclass(frozen=True)
class _Epics:
    """What the export says of the issues a story's epic field may name: keys by issue ID, names by key."""

    keys: dict[str, str]
    names: dict[str, str]

    @classmethod
    def of(cls, records: list[_Record]) -> _Epics:
        keys: dict[str, str] = {}
        names: dict[str, str] = {}
        for record in records:
            key = record.first("Issue key")[1].strip()
            issue_id = record.first("Issue id")[1].strip()
            if key and issue_id:
                keys[issue_id] = key
            if key and record.first("Issue Type")[1].strip().casefold() == "epic":
                name = next((v for c in _EPIC_NAME_COLUMNS if (v := record.first(c)[1].strip())), "")
                names[key] = " ".join(name.split())
        return cls(keys, names)

    def epic(self, record: _Record, config: Config) -> tuple[int | None, str]:
        """Return where a story's epic was read and the epic: its key and name, or either alone."""
        index, key = None, ""
        for column in dict.fromkeys((config.jira.epic_column, *EPIC_COLUMNS)):
            index, key = record.first(column)
            key = key.strip()
            if key:
                break
        key = self.keys.get(key, key)
        name = " ".join(record.first("Parent summary")[1].split()) or self.names.get(key, "")
        if key.isdigit() and name:
            # An issue ID the export does not hold says nothing to a reader; the name does.
            key = ""
        return index, " ".join(part for part in (key, wiki.inline(name)) if part)


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


def _story(record: _Record, config: Config, module_column: str | None, epics: _Epics) -> RawStory:
    """Return the raw story of one exported issue."""
    raw = RawStory(source=record.at(None))
    fields = {
        "id": "Issue key",
        "title": "Summary",
        "priority": "Priority",
        "language": next((c for c in _LANGUAGE_COLUMNS if c.casefold() in record.columns), "Language"),
    }
    for name, column in fields.items():
        index, value = record.first(column)
        setattr(raw, name, value.strip())
        if index is not None:
            raw.where[name] = record.at(index)
    raw.title = wiki.inline(raw.title)
    epic_index, raw.epic = epics.epic(record, config)
    if epic_index is not None:
        raw.where["epic"] = record.at(epic_index)
    labels = record.values("Labels")
    raw.labels = [value.strip() for _, value in labels]
    raw.levels = [label for label in raw.labels if label.casefold() in LEVEL_TAGS]
    if labels:
        raw.where["labels"] = raw.where["levels"] = record.at(labels[0][0])
    components = [(i, " ".join(v.split())) for i, v in record.values(module_column)] if module_column else []
    plain_labels = [label for label in raw.labels if label.casefold() not in LEVEL_TAGS]
    if components:
        raw.module, raw.where["module"] = components[0][1], record.at(components[0][0])
        # A story in several components belongs to the first; the others stay visible as its labels.
        raw.labels += [c for _, c in components[1:] if c not in raw.labels]
    elif plain_labels:
        raw.module = plain_labels[0]
    description_index, description = record.first("Description")
    narrative, section, offset = split_description(description)
    raw.narrative = wiki.plain_lines(narrative)
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
