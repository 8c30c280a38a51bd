"""Compare the catalogue with a baseline: requirements added, changed and removed, word by word, and the
change requests that cover each.

Changed means a different fingerprint (change/model.py's rule): a new wording, not a new level or owner.
A change is covered by an approved request that names the requirement (in adds, changes or removes) and was
decided on or after the baseline's approval date; proposed, rejected and older requests are listed beside it
but cover nothing. A removed requirement is reported like any other change, never dropped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from uatkit.change.model import (
    Baseline,
    BaselineRequirement,
    ChangeRequest,
    RequestStatus,
    criterion_fingerprint,
    criterion_text,
    requirement_fingerprint,
)
from uatkit.model import Case, Catalogue, Story
from uatkit.stories import natural_key


class ChangeKind(StrEnum):
    """How a requirement or a criterion differs from the baseline."""

    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"


class Op(StrEnum):
    """What a segment of a word diff is: kept, taken out or put in."""

    EQUAL = "equal"
    DELETE = "delete"
    INSERT = "insert"


@dataclass(frozen=True)
class Segment:
    """A run of words of a word diff and what happened to it."""

    op: Op
    text: str


@dataclass(frozen=True)
class TextChange:
    """One part of a requirement that changed: its title, narrative or priority, or a criterion."""

    #: "title", "narrative", "priority", or the criterion's ID (AC-2).
    part: str
    kind: ChangeKind
    old: str
    new: str
    words: tuple[Segment, ...]


@dataclass(frozen=True)
class Coverage:
    """A change request naming a requirement, and whether it covers the change."""

    request: str
    title: str
    status: RequestStatus
    decided_on: str
    covers: bool
    #: Why a request does not cover the change ("" when it does).
    why_not: str = ""


@dataclass(frozen=True)
class RequirementChange:
    """A requirement added, changed or removed since the baseline."""

    id: str
    title: str
    module: str
    owner: str
    kind: ChangeKind
    #: What changed, part by part: title, narrative, priority, then each criterion added, removed or changed.
    parts: tuple[TextChange, ...]
    requests: tuple[Coverage, ...]
    #: The requirement's case IDs now (for a removed one: as the baseline recorded them).
    cases: tuple[str, ...] = ()
    #: The case rows (keys) whose scenario is not the one the baseline recorded: their evidence is to redo.
    rows: tuple[str, ...] = ()

    @property
    def covering(self) -> tuple[str, ...]:
        """Return the IDs of the approved requests that cover the change."""
        return tuple(c.request for c in self.requests if c.covers)

    @property
    def covered(self) -> bool:
        """Return whether an approved request covers the change."""
        return bool(self.covering)

    def changed(self, kind: ChangeKind) -> tuple[str, ...]:
        """Return the criteria added, removed or changed (by kind)."""
        return tuple(p.part for p in self.parts if p.kind is kind and p.part not in _WORDING)


@dataclass(frozen=True)
class ScopeDiff:
    """The catalogue against a baseline: each requirement that differs, in ID order."""

    baseline: str
    approved_on: str
    approved_by: str
    changes: tuple[RequirementChange, ...]
    unchanged: int

    @property
    def uncovered(self) -> tuple[RequirementChange, ...]:
        """Return the changes no approved request covers."""
        return tuple(c for c in self.changes if not c.covered)

    @property
    def removed(self) -> tuple[RequirementChange, ...]:
        """Return the requirements removed since the baseline."""
        return tuple(c for c in self.changes if c.kind is ChangeKind.REMOVED)

    @property
    def covered(self) -> bool:
        """Return whether every change is covered by an approved request."""
        return not self.uncovered

    def by_id(self) -> dict[str, RequirementChange]:
        """Return the changes keyed by requirement ID."""
        return {c.id: c for c in self.changes}


#: The parts of a requirement's own wording, before its criteria.
_WORDING = ("title", "narrative", "priority")
_TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> tuple[Segment, ...]:
    """Return the word diff of two texts: runs of kept, deleted and inserted words, white space kept."""
    before, after = _TOKEN.findall(old), _TOKEN.findall(new)
    # Junk-free matching: a space is a token like any other, so runs stay whole words.
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(out, Op.EQUAL, "".join(before[i1:i2]))
            continue
        if tag in ("delete", "replace"):
            _add(out, Op.DELETE, "".join(before[i1:i2]))
        if tag in ("insert", "replace"):
            _add(out, Op.INSERT, "".join(after[j1:j2]))
    return tuple(out)


def _add(out: list[Segment], op: Op, text: str) -> None:
    if not text:
        return
    if out and out[-1].op is op:
        out[-1] = Segment(op, out[-1].text + text)
    else:
        out.append(Segment(op, text))


def _part(part: str, kind: ChangeKind, old: str, new: str) -> TextChange:
    return TextChange(part, kind, old, new, word_diff(old, new))


def _story_parts(old: BaselineRequirement, story: Story) -> list[TextChange]:
    parts = []
    if " ".join(old.title.split()) != " ".join(story.title.split()):
        parts.append(_part("title", ChangeKind.CHANGED, old.title, story.title))
    before = "\n".join(line for line in old.narrative if line.strip())
    after = "\n".join(line for line in story.narrative if line.strip())
    if " ".join(before.split()) != " ".join(after.split()):
        parts.append(_part("narrative", ChangeKind.CHANGED, before, after))
    if old.priority is not story.priority:
        parts.append(_part("priority", ChangeKind.CHANGED, old.priority.value, story.priority.value))
    signed = {c.id: c for c in old.criteria}
    now = {c.id: c for c in story.criteria}
    for criterion in story.criteria:
        was = signed.get(criterion.id)
        text = _criterion(criterion.title, criterion_text(criterion))
        if was is None:
            parts.append(_part(criterion.id, ChangeKind.ADDED, "", text))
        elif was.fingerprint != criterion_fingerprint(criterion):
            parts.append(_part(criterion.id, ChangeKind.CHANGED, _criterion(was.title, was.text), text))
    parts += [
        _part(c.id, ChangeKind.REMOVED, _criterion(c.title, c.text), "")
        for c in old.criteria
        if c.id not in now
    ]
    return parts


def _criterion(title: str, text: str) -> str:
    return f"{title}\n{text}" if text else title


def _coverage(ident: str, requests: Sequence[ChangeRequest], baseline: Baseline) -> tuple[Coverage, ...]:
    found = []
    for request in requests:
        if ident not in request.requirements:
            continue
        decided = request.decided_on.isoformat() if request.decided_on else ""
        why = ""
        if request.status is not RequestStatus.APPROVED:
            why = f"{request.status.value}, not approved"
        elif request.decided_on is None or request.decided_on < baseline.approved_on:
            why = f"approved before baseline {baseline.name} ({baseline.approved_on})"
        found.append(Coverage(request.id, request.title, request.status, decided, not why, why))
    return tuple(found)


def diff_catalogue(
    baseline: Baseline, catalogue: Catalogue, cases: Sequence[Case], requests: Sequence[ChangeRequest]
) -> ScopeDiff:
    """Return what differs between the catalogue and the baseline, with the requests covering each change."""
    case_ids: dict[str, list[str]] = {}
    rows: dict[str, list[tuple[str, str]]] = {}
    for case in cases:
        ids = case_ids.setdefault(case.requirement, [])
        if case.case_id not in ids:
            ids.append(case.case_id)
        rows.setdefault(case.requirement, []).append((case.key, case.fingerprint))
    signed = baseline.by_id()
    stories = catalogue.by_id()
    changes: list[RequirementChange] = []
    unchanged = 0
    for ident in sorted(set(signed) | set(stories), key=natural_key):
        old, story = signed.get(ident), stories.get(ident)
        if story is None and old is not None:
            parts = [_part(c.id, ChangeKind.REMOVED, _criterion(c.title, c.text), "") for c in old.criteria]
            recorded = tuple(dict.fromkeys(key.partition("#")[0] for c in old.criteria for key, _ in c.cases))
            changes.append(
                RequirementChange(
                    ident,
                    old.title,
                    old.module,
                    old.owner,
                    ChangeKind.REMOVED,
                    tuple(parts),
                    _coverage(ident, requests, baseline),
                    recorded,
                )
            )
            continue
        assert story is not None
        now = tuple(case_ids.get(ident, ()))
        signed_rows = {pair for c in old.criteria for pair in c.cases} if old is not None else set()
        redo = tuple(key for key, fp in rows.get(ident, ()) if (key, fp) not in signed_rows)
        if old is None:
            parts = [
                _part(c.id, ChangeKind.ADDED, "", _criterion(c.title, criterion_text(c)))
                for c in story.criteria
            ]
            kind = ChangeKind.ADDED
        else:
            current = requirement_fingerprint(
                story, ((c.id, criterion_fingerprint(c)) for c in story.criteria)
            )
            if current == old.fingerprint:
                unchanged += 1
                continue
            parts = _story_parts(old, story)
            kind = ChangeKind.CHANGED
        changes.append(
            RequirementChange(
                ident,
                story.title,
                story.module,
                story.owner,
                kind,
                tuple(parts),
                _coverage(ident, requests, baseline),
                now,
                redo,
            )
        )
    return ScopeDiff(
        baseline=baseline.name,
        approved_on=baseline.approved_on.isoformat(),
        approved_by=baseline.approved_by,
        changes=tuple(changes),
        unchanged=unchanged,
    )
