"""What a change since the baseline reopens: features to regenerate, stale results and marks, packs whose
sign-off no longer covers them, and the re-testing it takes.

Stale is decided as `uatkit check` and the matrix decide it: a result or a UAT mark made against a scenario
fingerprint that is not the case row's current one proves nothing about the scenario now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uatkit.allure.read import read_result_set
from uatkit.change.diff import ChangeKind, RequirementChange, ScopeDiff
from uatkit.gherkin import sync
from uatkit.model import AUTOMATED_LEVELS
from uatkit.project import Project
from uatkit.stories import natural_key
from uatkit.uat.ledger import read_view
from uatkit.uat.ledger_location import ledger_location

#: What generation would do to a feature because its story changed.
_REGENERATED = (sync.Action.CREATE, sync.Action.UPDATE, sync.Action.ORPHANED, sync.Action.KEEP_EDITED)


@dataclass(frozen=True)
class StaleResult:
    """An automated result that ran an older scenario (or records none)."""

    key: str
    level: str
    status: str


@dataclass(frozen=True)
class StaleMark:
    """A UAT mark made against an older scenario."""

    key: str
    pack_id: str
    status: str
    tester: str


@dataclass(frozen=True)
class RequirementImpact:
    """What one changed requirement reopens."""

    id: str
    kind: ChangeKind
    #: Feature files and what `uatkit generate` would do to them ("features/x.feature: update").
    features: tuple[str, ...]
    results: tuple[StaleResult, ...]
    marks: tuple[StaleMark, ...]
    #: The packs holding a row of its cases.
    packs: tuple[str, ...]
    #: The case IDs to run again and the automated levels they are tagged with.
    rerun: tuple[str, ...]
    levels: tuple[str, ...]


@dataclass(frozen=True)
class ReopenedPack:
    """A pack holding a row of a changed requirement: its sign-off no longer covers those rows."""

    pack_id: str
    owner: str
    #: The pack's sign-off decision before the change ("" when not signed off).
    decision: str
    rows: tuple[str, ...]


@dataclass(frozen=True)
class Impact:
    """The impact of a scope diff on the evidence."""

    requirements: tuple[RequirementImpact, ...]
    packs: tuple[ReopenedPack, ...]
    #: Per business owner, the UAT rows to issue again (in a new pack).
    reissue: dict[str, tuple[str, ...]]
    #: Per automated level, the case IDs to run again.
    rerun: dict[str, tuple[str, ...]]

    @property
    def stale_results(self) -> int:
        """Return how many automated results became stale."""
        return sum(len(r.results) for r in self.requirements)

    @property
    def stale_marks(self) -> int:
        """Return how many UAT marks became stale."""
        return sum(len(r.marks) for r in self.requirements)


def impact_of(diff: ScopeDiff, project: Project, evidence: Sequence[Path]) -> Impact:
    """Return what the diff reopens; `evidence`: the results folders (the set `uatkit trace` reads)."""
    wanted = {c.id for c in diff.changes}
    current = project.fingerprints
    tagged: dict[str, tuple[str, ...]] = {}
    for case in project.cases:
        if case.requirement in wanted:
            tagged[case.case_id] = tuple(level.value for level in AUTOMATED_LEVELS if level in case.tags)
    features: dict[str, list[str]] = {}
    for item in sync.plan(project.catalogue, project.config, existing=project.feature_files.texts):
        if item.story_id in wanted and item.action in _REGENERATED:
            features.setdefault(item.story_id, []).append(
                f"{project.config.relative(item.path)}: {item.action.value}"
            )
    stale_results: dict[str, list[StaleResult]] = {}
    fresh: set[tuple[str, str]] = set()
    stale_levels: set[tuple[str, str]] = set()
    for record in read_result_set(evidence).latest:
        requirement = record.case_id.rpartition(".")[0]
        key = record.case_key or record.case_id
        if requirement not in wanted or record.layer not in AUTOMATED_LEVELS:
            continue
        if current.get(key) == record.fingerprint:
            fresh.add((record.case_id, record.layer))
            continue
        stale_results.setdefault(requirement, []).append(StaleResult(key, record.layer, record.status))
        stale_levels.add((record.case_id, record.layer))
        # A level whose result went stale is run again, whatever the case's tags say.
        tagged[record.case_id] = tuple(dict.fromkeys((*tagged.get(record.case_id, ()), record.layer)))
    # What already ran on the changed scenario (every row fresh at that level) needs no re-run.
    done = fresh - stale_levels
    tagged = {
        case_id: tuple(lv for lv in levels if (case_id, lv) not in done) for case_id, levels in tagged.items()
    }
    view = read_view(
        ledger_location(project), current, project.config.uat.release, wait=project.config.uat.busy_timeout
    )
    stale_marks: dict[str, list[StaleMark]] = {}
    holders: dict[str, set[str]] = {}
    owners: dict[str, str] = {}
    decisions: dict[str, str] = {}
    if view is not None:
        for state in view.states.values():
            requirement = state.case_id.rpartition(".")[0]
            if requirement in wanted and state.mark is not None and state.stale and not state.conflict:
                mark = state.mark
                stale_marks.setdefault(requirement, []).append(
                    StaleMark(state.key, mark.pack_id, str(mark.status), mark.tester)
                )
        # A row tested again on its changed scenario (a fresh current mark) is settled: no pack reopens for
        # it, and a pack issued with the scenario as it is now (a re-test round) never held an older one.
        settled = {
            key
            for key, state in view.states.items()
            if state.mark is not None and not state.stale and not state.conflict
        }
        for summary in view.packs:
            owners[summary.pack_id] = summary.info.owner
            for row in summary.rows:
                if row.key not in settled and row.fingerprint != current.get(row.key):
                    holders.setdefault(row.key, set()).add(summary.pack_id)
        decisions = {p: s.decision.value for p, s in view.signoffs.items() if s.decision is not None}
    reopened: dict[str, list[str]] = {}
    requirements = []
    for change in diff.changes:
        # The rows whose scenario changed since the baseline, and any row whose mark went stale meanwhile.
        marks = stale_marks.get(change.id, [])
        keys = list(dict.fromkeys((*change.rows, *(m.key for m in marks))))
        packs = sorted({p for key in keys for p in holders.get(key, ())})
        for key in keys:
            for pack in holders.get(key, ()):
                if key not in reopened.setdefault(pack, []):
                    reopened[pack].append(key)
        case_ids = [c for c in dict.fromkeys(key.partition("#")[0] for key in change.rows) if tagged.get(c)]
        levels = sorted({level for c in case_ids for level in tagged.get(c, ())})
        requirements.append(
            RequirementImpact(
                id=change.id,
                kind=change.kind,
                features=tuple(features.get(change.id, ())),
                results=tuple(stale_results.get(change.id, ())),
                marks=tuple(marks),
                packs=tuple(packs),
                rerun=tuple(case_ids),
                levels=tuple(levels),
            )
        )
    reissue: dict[str, list[str]] = {}
    for pack, keys in reopened.items():
        owner = owners.get(pack, "")
        for key in keys:
            # A removed requirement's rows are not issued again: there is nothing left to test.
            if key in current and key not in reissue.setdefault(owner, []):
                reissue[owner].append(key)
    rerun: dict[str, list[str]] = {}
    for impact in requirements:
        for case_id in impact.rerun:
            for level in tagged.get(case_id, ()):
                rerun.setdefault(level, []).append(case_id)
    return Impact(
        requirements=tuple(requirements),
        packs=tuple(
            ReopenedPack(pack, owners.get(pack, ""), decisions.get(pack, ""), tuple(keys))
            for pack, keys in sorted(reopened.items(), key=lambda item: natural_key(item[0]))
        ),
        reissue={owner: tuple(keys) for owner, keys in sorted(reissue.items()) if keys},
        rerun={level: tuple(ids) for level, ids in sorted(rerun.items())},
    )


def report_data(diff: ScopeDiff, impact: Impact) -> dict[str, Any]:
    """Return the diff and its impact as plain data: `uatkit baseline diff --format json` and the page."""
    effects = {r.id: r for r in impact.requirements}
    return {
        "baseline": {"name": diff.baseline, "approved_on": diff.approved_on, "approved_by": diff.approved_by},
        "covered": diff.covered,
        "counts": {
            "added": sum(1 for c in diff.changes if c.kind is ChangeKind.ADDED),
            "changed": sum(1 for c in diff.changes if c.kind is ChangeKind.CHANGED),
            "removed": len(diff.removed),
            "unchanged": diff.unchanged,
            "uncovered": len(diff.uncovered),
            "stale_results": impact.stale_results,
            "stale_marks": impact.stale_marks,
        },
        "requirements": [_change(change, effects[change.id]) for change in diff.changes],
        "packs": [
            {"pack": p.pack_id, "owner": p.owner, "decision": p.decision or None, "rows": list(p.rows)}
            for p in impact.packs
        ],
        "rerun": {level: list(ids) for level, ids in impact.rerun.items()},
        "reissue": [{"owner": owner, "rows": list(keys)} for owner, keys in impact.reissue.items()],
    }


def _change(change: RequirementChange, effect: RequirementImpact) -> dict[str, Any]:
    return {
        "id": change.id,
        "title": change.title,
        "module": change.module,
        "owner": change.owner,
        "change": change.kind.value,
        "covered": change.covered,
        "covered_by": list(change.covering),
        "requests": [
            {
                "id": c.request,
                "title": c.title,
                "status": c.status.value,
                "decided_on": c.decided_on or None,
                "covers": c.covers,
                "why_not": c.why_not,
            }
            for c in change.requests
        ],
        "criteria": {kind.value: list(change.changed(kind)) for kind in ChangeKind},
        "parts": [
            {
                "part": p.part,
                "change": p.kind.value,
                "old": p.old,
                "new": p.new,
                "words": [[s.op.value, s.text] for s in p.words],
            }
            for p in change.parts
        ],
        "cases": list(change.cases),
        "impact": {
            "features": list(effect.features),
            "stale_results": [{"key": r.key, "level": r.level, "status": r.status} for r in effect.results],
            "stale_marks": [
                {"key": m.key, "pack": m.pack_id, "status": m.status, "tester": m.tester}
                for m in effect.marks
            ],
            "packs": list(effect.packs),
            "rerun": list(effect.rerun),
            "levels": list(effect.levels),
        },
    }
