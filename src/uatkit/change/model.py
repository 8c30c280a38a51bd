"""Baselines and change requests as typed values, and the fingerprints that say what the client signed.

The fingerprint rule. The client signs the wording, so:

- a criterion's fingerprint covers its ID, its title and its text: the description before its steps, each
  step as written (keyword and text, its data table, its doc string) and its examples table, or its free
  text; white space inside a line is folded and blank lines around the text do not count;
- a requirement's fingerprint covers its ID, title, narrative and priority and the ID and fingerprint of each
  of its criteria, in order.

How a requirement is verified (its levels, tags, owner, module, labels, epic) is no part of what the client
signs: changing those changes no fingerprint. Each is `sha256:` and 64 hexadecimal digits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from uatkit.model import Criterion, Level, Priority, SourceLocation, Step, Story


class RequestStatus(StrEnum):
    """Where a change request stands."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class BaselineCriterion:
    """An acceptance criterion as it was signed, with the cases the features derived for it."""

    id: str
    title: str
    text: str
    levels: tuple[Level, ...]
    manual: bool
    fingerprint: str
    #: (case key, case fingerprint) of each case the features derived for the criterion, in file order.
    cases: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BaselineRequirement:
    """A requirement as it was signed."""

    id: str
    title: str
    module: str
    priority: Priority
    owner: str
    language: str
    levels: tuple[Level, ...]
    narrative: tuple[str, ...]
    epic: str
    labels: tuple[str, ...]
    #: The story file it was read from, relative to the project.
    source: str
    fingerprint: str
    criteria: tuple[BaselineCriterion, ...]


@dataclass(frozen=True)
class Baseline:
    """The requirements the client signed, frozen under a name; `digest` covers all of it but itself."""

    name: str
    approved_by: str
    approved_on: dt.date
    note: str
    project: str
    commit: str
    requirements: tuple[BaselineRequirement, ...]
    digest: str

    @property
    def criteria(self) -> int:
        """Return how many criteria the baseline holds."""
        return sum(len(r.criteria) for r in self.requirements)

    def by_id(self) -> dict[str, BaselineRequirement]:
        """Return the requirements keyed by ID."""
        return {r.id: r for r in self.requirements}


@dataclass(frozen=True)
class ChangeRequest:
    """A change request: the requirements it adds, changes and removes, why, and its decision."""

    id: str
    title: str
    adds: tuple[str, ...]
    changes: tuple[str, ...]
    removes: tuple[str, ...]
    reason: str
    requested_by: str
    requested_on: dt.date | None
    status: RequestStatus
    decided_by: str
    decided_on: dt.date | None
    body: str
    source: SourceLocation
    #: The note given with the decision ("" when none).
    decision_note: str = ""
    #: The line of each front matter key, to locate problems found across requests.
    key_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def at(self, key: str) -> SourceLocation:
        """Return where a front matter key of the request is written (its first line when absent)."""
        return self.source.at_line(self.key_lines.get(key, 1))

    @property
    def requirements(self) -> tuple[str, ...]:
        """Return every requirement the request names, adds first."""
        return (*self.adds, *self.changes, *self.removes)


def _folded(text: str) -> str:
    """Return a line with its runs of white space folded to one space and its ends trimmed."""
    return " ".join(text.split())


def _step(step: Step) -> list[object]:
    table = [[_folded(cell) for cell in row] for row in step.table]
    docstring = None if step.docstring is None else [line.rstrip() for line in step.docstring.split("\n")]
    return [_folded(step.keyword), _folded(step.text), table, docstring]


def _lines(text: str) -> list[str]:
    """Return a text's lines folded, without the blank lines around it."""
    lines = [_folded(line) for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _digest(value: object) -> str:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def criterion_fingerprint(criterion: Criterion) -> str:
    """Return the fingerprint of what the client signs of a criterion: ID, title and text."""
    examples = (
        None
        if criterion.examples is None
        else [
            [_folded(c) for c in criterion.examples.header],
            [[_folded(c) for c in row] for row in criterion.examples.rows],
        ]
    )
    return _digest(
        [
            _folded(criterion.id),
            _folded(criterion.title),
            _lines(criterion.description),
            [_step(step) for step in criterion.steps],
            _lines(criterion.text),
            examples,
        ]
    )


def requirement_fingerprint(story: Story, criteria: Iterable[tuple[str, str]]) -> str:
    """Return a requirement's fingerprint from its wording and its criteria's (ID, fingerprint) pairs."""
    return _digest(
        [
            _folded(story.id),
            _folded(story.title),
            [_folded(line) for line in story.narrative if line.strip()],
            story.priority.value,
            [list(pair) for pair in criteria],
        ]
    )


def criterion_text(criterion: Criterion) -> str:
    """Return a criterion's text as a reader of the baseline sees it: its steps as written, or its text."""
    if not criterion.steps:
        return criterion.text.strip("\n")
    out = [line for line in criterion.description.split("\n") if line.strip()]
    for step in criterion.steps:
        out.append(f"{step.keyword.strip()} {step.text}")
        out += ["  | " + " | ".join(row) + " |" for row in step.table]
        if step.docstring is not None:
            out += ['  """', *(f"  {line}" for line in step.docstring.split("\n")), '  """']
    if criterion.examples is not None:
        out.append("Examples:")
        out += [
            "  | " + " | ".join(row) + " |" for row in (criterion.examples.header, *criterion.examples.rows)
        ]
    return "\n".join(out)
