"""The domain model shared by every stage: stories, acceptance criteria, steps and cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Priority(StrEnum):
    """MoSCoW priority of a requirement."""

    MUST = "must"
    SHOULD = "should"
    COULD = "could"
    WONT = "wont"


class Level(StrEnum):
    """A level at which a criterion is verified."""

    UNIT = "unit"
    INTEGRATION = "integration"
    E2E = "e2e"
    MANUAL = "manual"


LEVEL_TAGS = frozenset(level.value for level in Level)
#: The levels a machine runs, in the order results are shown (manual scenarios are verified in UAT).
AUTOMATED_LEVELS = (Level.UNIT, Level.INTEGRATION, Level.E2E)
#: The layer of UAT results: the matrix's column after the automated levels, the Allure `layer` label's value.
UAT_LAYER = "uat"
#: Tags with a value: `@case:REQ-101.AC-1` names a scenario's stable case ID, `@defect:BUG-7` a known defect.
CASE_TAG = "case"
CASE_PREFIX = f"{CASE_TAG}:"
DEFECT_TAG = "defect"
#: The tag that sends an automated scenario to the business users' UAT packs as well.
UAT_TAG = "uat"


class PackGrouping(StrEnum):
    """What one UAT pack holds: the cases of one module or of one business owner."""

    MODULE = "module"
    OWNER = "owner"


class PackLanguage(StrEnum):
    """The language of a UAT pack's labels; `auto` follows the stories' language."""

    AUTO = "auto"
    EN = "en"
    ZH_CN = "zh-CN"


@dataclass(frozen=True)
class SourceLocation:
    """Where something came from: a file and, when known, a line, or a sheet, row and cell."""

    path: str
    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.sheet is not None or self.column is not None:
            parts = [self.path]
            if self.sheet is not None:
                parts.append(self.sheet)
            if self.column is not None and self.row is not None:
                parts.append(f"{self.column}{self.row}")
            elif self.row is not None:
                parts.append(f"row {self.row}")
            return " › ".join(parts)
        if self.row is not None:
            return f"{self.path}:row {self.row}"
        if self.line is not None:
            return f"{self.path}:{self.line}"
        return self.path

    def at_line(self, line: int) -> SourceLocation:
        """Return this location moved to another line of the same file."""
        return SourceLocation(self.path, line, self.sheet, self.row, self.column)


@dataclass(frozen=True)
class Step:
    """One Gherkin step: its kind (given/when/then/and/but/*), the keyword as written, its text."""

    kind: str
    keyword: str
    text: str
    table: tuple[tuple[str, ...], ...] = ()
    docstring: str | None = None


@dataclass(frozen=True)
class Examples:
    """The examples table of a Scenario Outline."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Criterion:
    """An acceptance criterion: steps (automatable) or free text (verified by hand)."""

    id: str
    title: str
    source: SourceLocation
    steps: tuple[Step, ...] = ()
    text: str = ""
    description: str = ""
    examples: Examples | None = None
    levels: tuple[Level, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def manual(self) -> bool:
        """Return True when nobody can automate this criterion as written."""
        return not self.steps or Level.MANUAL in self.levels


@dataclass(frozen=True)
class Story:
    """A user story: a requirement with its narrative and acceptance criteria."""

    id: str
    title: str
    source: SourceLocation
    narrative: tuple[str, ...] = ()
    module: str = "General"
    priority: Priority = Priority.SHOULD
    levels: tuple[Level, ...] = ()
    owner: str = ""
    language: str = "en"
    criteria: tuple[Criterion, ...] = ()
    labels: tuple[str, ...] = ()
    epic: str = ""

    def case_id(self, criterion: Criterion) -> str:
        """Return the stable case ID of one of this story's criteria."""
        return f"{self.id}.{criterion.id}"


@dataclass(frozen=True)
class Catalogue:
    """Every story of a project, in a stable order."""

    stories: tuple[Story, ...] = field(default_factory=tuple)
    #: What reading the stories noticed without refusing them (located, one line each).
    warnings: tuple[str, ...] = ()

    def by_id(self) -> dict[str, Story]:
        """Return the stories keyed by requirement ID."""
        return {story.id: story for story in self.stories}


class Status(StrEnum):
    """A UAT mark's status, as the business user picks it from the pack's dropdown."""

    NOT_RUN = "Not run"
    PASS = "Pass"
    FAIL = "Fail"
    BLOCKED = "Blocked"
    NA = "N/A"


class Decision(StrEnum):
    """A business owner's decision on a UAT pack."""

    ACCEPTED = "Accepted"
    WITH_CONDITIONS = "Accepted with conditions"
    REJECTED = "Rejected"


@dataclass(frozen=True)
class Case:
    """A scenario, or one example row of an outline, in plain language: what all evidence is about.

    Automated results name its case ID and level; a UAT pack holds one row a case. `key` is the case ID,
    with `#n` for the n-th example row of an outline (REQ-101.AC-5#2); `fingerprint` covers what is done
    and checked, so a reworded title keeps the evidence and a changed step makes it stale.
    """

    key: str
    case_id: str
    requirement: str
    requirement_title: str
    module: str
    owner: str
    priority: Priority
    language: str
    scenario: str
    preconditions: tuple[str, ...]
    steps: tuple[str, ...]
    expected: tuple[str, ...]
    test_data: str
    tags: tuple[str, ...]
    source: SourceLocation
    fingerprint: str
    #: Its story's epic and labels: shown beside the case (Allure), no part of the fingerprint.
    epic: str = ""
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mark:
    """A business user's result for one case, as read from one row of a returned pack."""

    key: str
    status: Status
    tester: str = ""
    date: dt.date | None = None
    actual: str = ""
    defect: str = ""
    evidence: tuple[str, ...] = ()
    comments: str = ""
    fingerprint: str = ""
    pack_id: str = ""
    source: SourceLocation | None = None

    @property
    def case_id(self) -> str:
        """Return the case ID without an outline's example row number."""
        return self.key.partition("#")[0]


@dataclass(frozen=True)
class SignOff:
    """The Sign-off sheet of a returned pack."""

    pack_id: str
    owner: str = ""
    decision: Decision | None = None
    conditions: str = ""
    name: str = ""
    date: dt.date | None = None
