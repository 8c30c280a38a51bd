"""Build the traceability matrix: each requirement's cases, their result at each level and in UAT, a status.

The status of a requirement, first rule that applies (docs/trace.md says the same):

1. UNCOVERED: no scenario carries a case ID of the requirement.
2. FAILED: a result of one of its cases at an automated level (unit, integration, e2e) is failed or broken,
   or a fresh UAT mark of one of its cases is Fail.
3. NOT RUN: a case lacks a passed result at a level it is tagged with (unit, integration, e2e) for each of
   its rows (an outline's example rows), or a case with no automated level lacks a fresh Pass or N/A mark
   on a row.
4. ACCEPTED: some case needs UAT, every case that needs it has a fresh Pass or N/A mark on every row, and
   every pack holding those rows is signed off Accepted or Accepted with conditions.
5. PASSED: everything else; `reason` says what UAT still lacks, or "UAT not needed".
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from allure_commons.model2 import Status as AllureStatus

from uatkit.allure.mapping import UAT_STATUS, defect_ids, requirement_link
from uatkit.allure.read import ResultRecord, read_results, worst
from uatkit.cases import by_case_id, select_cases
from uatkit.config import Config
from uatkit.model import AUTOMATED_LEVELS, UAT_LAYER, Case, Catalogue, Decision, Level, Mark, SignOff, Status
from uatkit.project import Project
from uatkit.trace.model import (
    LEVELS,
    CaseTrace,
    EvidenceSet,
    LevelResult,
    Matrix,
    RemovedRequirement,
    RequirementTrace,
    RowEvidence,
    RunFacts,
    TraceStatus,
)
from uatkit.uat.ledger import CaseState, PackSummary, read_view
from uatkit.uat.ledger_location import ledger_location, ledger_shown
from uatkit.uat.pack import PackTarget

#: The Allure statuses that fail a level.
BAD = (AllureStatus.FAILED, AllureStatus.BROKEN)
SIGNED = (Decision.ACCEPTED, Decision.WITH_CONDITIONS)
#: How many case or pack IDs one part of a reason names before "and N more".
SHOWN = 4
MESSAGE = 500


def build_matrix(
    config: Config,
    catalogue: Catalogue,
    cases: Sequence[Case],
    results: Sequence[ResultRecord],
    states: Mapping[str, CaseState],
    packs: Sequence[PackSummary],
    signoffs: Mapping[str, SignOff],
    *,
    now: dt.datetime,
    allure_report: str = "",
    runs: Sequence[RunFacts] = (),
    filed: Mapping[str, Sequence[str]] | None = None,
    targets: Mapping[int, PackTarget] | None = None,
) -> Matrix:
    """Return the matrix of every requirement of the catalogue, in catalogue order; `runs` give run facts.

    `filed` gives the issues `uatkit defects push` filed for each case row: defects of their case too.
    `targets` gives what each UAT mark's pack said to test (version, build, environment), by mark ID.
    """
    facts = {run.run_id: run for run in runs}
    superseded = later_rounds(packs)
    # A group's latest re-test round carries its owner's current decision for every pack of the group.
    counted = {pack: signoffs[later] for pack, later in superseded.items() if later in signoffs}
    signed = {**{k: v for k, v in signoffs.items() if k not in superseded}, **counted}
    rows = by_case_id(cases)
    by_requirement: dict[str, list[str]] = {}
    for case_id, case_rows in rows.items():
        by_requirement.setdefault(case_rows[0].requirement, []).append(case_id)
    records: dict[tuple[str, str], list[ResultRecord]] = {}
    for record in results:
        records.setdefault((record.case_id, record.layer), []).append(record)
    in_scope = {c.case_id for c in select_cases(cases, config.uat.select)}
    holders: dict[str, set[str]] = {}
    for pack in packs:
        for row in pack.rows:
            holders.setdefault(row.key, set()).add(pack.pack_id)
    requirements = []
    for story in catalogue.stories:
        traces = tuple(
            _case(
                rows[case_id],
                records,
                states,
                holders,
                case_id in in_scope,
                facts,
                filed or {},
                targets or {},
            )
            for case_id in by_requirement.get(story.id, ())
        )
        status, reason = requirement_status(traces, signed)
        requirements.append(
            RequirementTrace(
                id=story.id,
                title=story.title,
                module=story.module,
                priority=story.priority,
                owner=story.owner,
                epic=story.epic,
                labels=story.labels,
                status=status,
                cases=traces,
                levels={level: worst(c.results[level].status for c in traces) for level in LEVELS},
                defects=tuple(dict.fromkeys(d for c in traces for d in c.defects)),
                stale=sum(c.stale for c in traces),
                url=requirement_link(config, story.id),
                reason=reason,
            )
        )
    keys = {c.key for c in cases}
    in_packs = dict.fromkeys(row.key for pack in packs for row in pack.rows if row.key in keys)
    # A blocked case was not executed: its tester could not run it (issue: "100 % executed" with one blocked).
    executed = sum(
        1 for key in in_packs if (s := states.get(key)) is not None and s.status not in (None, Status.BLOCKED)
    )
    return Matrix(
        requirements=tuple(requirements),
        signoffs=dict(signoffs),
        packs={pack.pack_id: pack.info.owner for pack in packs},
        superseded=superseded,
        rounds={pack.pack_id: pack.round for pack in packs},
        marked_rows={pack.pack_id: (_marked_rows(pack, states), len(pack.rows)) for pack in packs},
        uat_executed=executed,
        uat_cases=len(in_packs),
        generated_at=now,
        allure_report=allure_report,
        project=config.project_name,
        notes=tuple(_notes(catalogue, rows, results)),
    )


def later_rounds(packs: Sequence[PackSummary]) -> dict[str, str]:
    """Return each pack of an earlier round → the latest re-test round of its release and group."""
    latest: dict[tuple[str, str], PackSummary] = {}
    for pack in packs:
        group = (pack.info.release, pack.info.group)
        if group not in latest or pack.round > latest[group].round:
            latest[group] = pack
    return {
        pack.pack_id: last.pack_id
        for pack in packs
        if (last := latest[(pack.info.release, pack.info.group)]).pack_id != pack.pack_id
        and last.round > pack.round
    }


def _marked_rows(pack: PackSummary, states: Mapping[str, CaseState]) -> int:
    """Return how many of a pack's rows hold a mark recorded from that pack (a later pack's mark is not)."""
    return sum(
        1
        for row in pack.rows
        if (state := states.get(row.key)) is not None
        and any(m.pack_id == pack.pack_id for m in (*state.conflict, *((state.mark,) if state.mark else ())))
    )


def requirement_status(
    cases: Sequence[CaseTrace], signoffs: Mapping[str, SignOff]
) -> tuple[TraceStatus, str]:
    """Return a requirement's status and the reason for it, by the rule in this module's docstring."""
    if not cases:
        return TraceStatus.UNCOVERED, "no scenario"
    failed = [
        (f"{level} {c.results[level].status}", c)
        for c in cases
        for level in AUTOMATED_LEVELS
        if c.results[level].status in BAD
    ]
    failed += [("UAT Fail", c) for c in cases if c.results[UAT_LAYER].status == AllureStatus.FAILED]
    if failed:
        return TraceStatus.FAILED, _reason(failed)
    not_run = [(why, c) for c in cases for why in _not_run(c)]
    if not_run:
        return TraceStatus.NOT_RUN, _reason(not_run)
    needed = [c for c in cases if c.uat_required]
    if not needed:
        return TraceStatus.PASSED, "UAT not needed"
    pending = [(why, c) for c in needed for why in _uat_gaps(c)]
    pending += [("not in a UAT pack", c) for c in needed if not c.packs]
    packs = sorted({p for c in needed for p in c.packs})
    rejected = [p for p in packs if _decision(signoffs, p) is Decision.REJECTED]
    waiting = [p for p in packs if _decision(signoffs, p) not in (*SIGNED, Decision.REJECTED)]
    parts = [_reason(pending)] if pending else []
    parts += [_listed("pack rejected", rejected)] if rejected else []
    parts += [_listed("pack not signed off", waiting)] if waiting else []
    if parts:
        return TraceStatus.PASSED, "; ".join(parts)
    conditions = [p for p in packs if _decision(signoffs, p) is Decision.WITH_CONDITIONS]
    return TraceStatus.ACCEPTED, _listed("accepted with conditions", conditions) if conditions else ""


def _case(
    rows: Sequence[Case],
    records: Mapping[tuple[str, str], Sequence[ResultRecord]],
    states: Mapping[str, CaseState],
    holders: Mapping[str, set[str]],
    in_scope: bool,
    facts: Mapping[str, RunFacts],
    filed: Mapping[str, Sequence[str]],
    targets: Mapping[int, PackTarget],
) -> CaseTrace:
    first = rows[0]
    current = {row.key: row.fingerprint for row in rows}
    results = {
        level.value: _automated(level.value, records.get((first.case_id, level), ()), current, facts)
        for level in AUTOMATED_LEVELS
    }
    row_states = [s for row in rows if (s := states.get(row.key)) is not None]
    uat_records = records.get((first.case_id, UAT_LAYER), ())
    results[UAT_LAYER] = _uat(row_states, uat_records, targets)
    marks = [m for s in row_states for m in (s.conflict or ((s.mark,) if s.mark else ()))]
    found = [r for level in LEVELS for r in records.get((first.case_id, level), ())]
    defects = [d for r in found for d in r.defects] + [d for m in marks for d in defect_ids(m.defect)]
    defects += [key for row in rows for key in filed.get(row.key, ())]
    packs = tuple(sorted({p for row in rows for p in holders.get(row.key, ())}))
    return CaseTrace(
        case_id=first.case_id,
        title=first.scenario,
        planned=tuple(level.value for level in Level if level in first.tags),
        uat_required=in_scope or bool(packs),
        results=results,
        defects=tuple(dict.fromkeys(defects)),
        stale=results[UAT_LAYER].stale,
        conflicts=sum(1 for s in row_states if s.conflict),
        packs=packs,
        source=f"{first.source.path}:{first.source.line}" if first.source.line else first.source.path,
        rows=len(rows),
    )


def _automated(
    level: str, found: Sequence[ResultRecord], current: Mapping[str, str], facts: Mapping[str, RunFacts]
) -> LevelResult:
    """Return a case's result at a level from the results of its scenario as it is now."""
    # A result records the fingerprint of the case row it ran; another fingerprint means the scenario has
    # changed since, and the result proves nothing about it now. A result that records none is unversioned
    # (a run before uatkit recorded fingerprints, another tool's result): it cannot say what it proves, so it
    # counts as stale too.
    records = [r for r in found if r.fingerprint and current.get(r.case_key) == r.fingerprint]
    stale = len(found) - len(records)
    if not records:
        message = ""
        if stale:
            message = (
                "the results record no scenario version: run it again"
                if all(not r.fingerprint for r in found)
                else "the scenario changed after these results: run it again"
            )
        return LevelResult(level, stale=stale, message=message)
    status = worst(r.status for r in records)
    # The worst result stands for the level: it is the one the meeting needs to open.
    shown = next(r for r in records if r.status == status)
    passed = sum(1 for r in records if r.status == AllureStatus.PASSED)
    evidence = tuple(_ran(r, facts.get(r.run_id)) for r in sorted(records, key=lambda r: _row(r.case_key)))
    return LevelResult(
        level, status, len(records), passed, shown.uuid, shown.message[:MESSAGE], stale, evidence
    )


def _ran(record: ResultRecord, run: RunFacts | None) -> RowEvidence:
    """Return what an automated result rests on: its run (and what the run's record says) and its scenario."""
    stop = dt.datetime.fromtimestamp(record.stop / 1000, dt.UTC).isoformat(timespec="seconds")
    return RowEvidence(
        key=record.case_key,
        status=record.status,
        fingerprint=record.fingerprint,
        at=stop if record.stop else "",
        run_id=record.run_id,
        app_version=run.app_version if run else "",
        app_build=run.app_build if run else "",
        environment=run.environment if run else "",
        recorded=run is not None and run.recorded,
    )


def _marked(state: CaseState, mark: Mark, targets: Mapping[int, PackTarget]) -> RowEvidence:
    """Return what a current UAT mark rests on: its ledger ID, tester, date, pack, scenario version, and
    the version, build and environment its pack said to test."""
    target = targets.get(state.mark_id) if state.mark_id is not None else None
    return RowEvidence(
        key=state.key,
        status=UAT_STATUS[mark.status],
        fingerprint=mark.fingerprint,
        at=mark.date.isoformat() if mark.date else "",
        mark_id=state.mark_id,
        tester=mark.tester,
        pack_id=mark.pack_id,
        app_version=target.version if target else "",
        app_build=target.build if target else "",
        environment=target.environment if target else "",
    )


def _row(key: str) -> tuple[str, int]:
    """Return a case row's sort key: outline rows by number (#2 before #10)."""
    case_id, _, number = key.partition("#")
    return case_id, int(number) if number.isdigit() else 0


def _uat(
    states: Sequence[CaseState], records: Sequence[ResultRecord], targets: Mapping[int, PackTarget]
) -> LevelResult:
    marked = [(UAT_STATUS[s.status], s) for s in states if s.status in UAT_STATUS]
    # A row whose marks disagree is unknown: the case must not look passed while a pack says Fail.
    status = worst([*(allure for allure, _ in marked), *(AllureStatus.UNKNOWN for s in states if s.conflict)])
    shown = next((s for allure, s in marked if allure == status), None)
    message = ""
    if shown is not None and shown.mark is not None and status != AllureStatus.PASSED:
        message = shown.mark.actual or shown.mark.comments
    elif any(s.conflict for s in states):
        contested = [s for s in states if s.conflict]
        message = "marks disagree: " + ", ".join(
            f"{f'#{i} ' if i else ''}{m.status} by {m.tester or '?'} ({m.pack_id})"
            for s in contested
            for i, m in zip(s.conflict_ids or (0,) * len(s.conflict), s.conflict, strict=True)
        )
        message += f"; keep one with uatkit uat resolve {contested[0].key} --keep MARK-ID"
    elif any(s.stale and s.mark is not None for s in states):
        message = "the scenario changed after it was marked: mark it again"
    # A mark made against an older version of the scenario proves nothing about it now, as a stale automated
    # result does not: it is counted as stale, never in the status, and its UAT result is not linked.
    stale = sum(1 for s in states if s.mark is not None and s.stale and not s.conflict)
    # The UAT results written by `uatkit uat import` carry the same statuses; link the worst of them.
    record = next((r for r in records if r.status == status), records[0] if records else None)
    link = record.uuid if record is not None and status else ""
    passed = sum(1 for allure, _ in marked if allure == AllureStatus.PASSED)
    counted = sorted(((s, s.mark) for _, s in marked if s.mark is not None), key=lambda m: _row(m[0].key))
    evidence = tuple(_marked(s, mark, targets) for s, mark in counted)
    return LevelResult(UAT_LAYER, status, len(marked), passed, link, message[:MESSAGE], stale, evidence)


def _not_run(case: CaseTrace) -> list[str]:
    levels = [level for level in case.planned if level in AUTOMATED_LEVELS]
    if not levels:
        return _uat_gaps(case)
    out = []
    for level in levels:
        result = case.results[level]
        if not result.runs and result.stale:
            out.append(f"{level} stale")
        elif not result.runs:
            out.append(f"{level} not run")
        elif result.status != AllureStatus.PASSED:
            out.append(f"{level} {result.status}")
        elif result.runs < case.rows:
            out.append(f"{level} rows not run")
    # Marks in conflict or stale are news whatever else is missing: the reason (and the sign-off) names them.
    if out and case.conflicts:
        out.append("UAT marks in conflict")
    if out and case.stale:
        out.append("stale UAT marks")
    return out


def _uat_gaps(case: CaseTrace) -> list[str]:
    """Return why a case's UAT is not done: no mark, blocked, stale, in conflict, rows left."""
    result = case.results[UAT_LAYER]
    gaps = ["UAT marks in conflict"] if case.conflicts else []
    gaps += ["stale UAT marks"] if case.stale else []
    gaps += ["UAT blocked"] if result.status == AllureStatus.BROKEN else []
    gaps += ["UAT pending"] if result.runs + case.stale + case.conflicts < case.rows else []
    return gaps


def _decision(signoffs: Mapping[str, SignOff], pack: str) -> Decision | None:
    signoff = signoffs.get(pack)
    return signoff.decision if signoff else None


def _reason(items: Iterable[tuple[str, CaseTrace]]) -> str:
    """Return "e2e failed: AC-2, AC-3; UAT Fail: AC-4": each kind once, with the cases it is about."""
    kinds: dict[str, list[str]] = {}
    for why, case in items:
        short = case.case_id.rpartition(".")[2] or case.case_id
        kinds.setdefault(why, [])
        if short not in kinds[why]:
            kinds[why].append(short)
    return "; ".join(_listed(why, ids) for why, ids in kinds.items())


def _listed(what: str, ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:SHOWN]) + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")
    return f"{what}: {shown}"


def _notes(
    catalogue: Catalogue, rows: Mapping[str, Sequence[Case]], results: Sequence[ResultRecord]
) -> list[str]:
    known = {story.id for story in catalogue.stories}
    notes = [
        f"{c[0].case_id} ({c[0].source}): no story {c[0].requirement or '(none)'}; it is not in the matrix"
        for c in rows.values()
        if c[0].requirement not in known
    ]
    unknown = sorted({r.case_id for r in results if r.case_id and r.case_id not in rows})
    if unknown:
        notes.append(_listed(f"{len(unknown)} case ID(s) in the results match no scenario", unknown))
    unlabelled = sum(1 for r in results if not r.case_id)
    if unlabelled:
        notes.append(f"{unlabelled} result(s) have no case label and are not in the matrix")
    return notes


def allure_link(project: Project) -> str:
    """Return the Allure report's index.html relative to the report folder ("" when it does not exist)."""
    index = project.report_output / "index.html"
    if not index.is_file():
        return ""
    return Path(os.path.relpath(index, project.report_folder)).as_posix()


def load_matrix(project: Project, evidence: EvidenceSet, allure_report: str = "") -> Matrix:
    """Read the evidence set's results and build the project's matrix from its stories, cases and ledger."""
    present = [f for f in evidence.paths if f.is_dir()]
    notes = [
        f"{project.relative(f)}: no such results folder (skipped)" for f in evidence.paths if not f.is_dir()
    ]
    results, problems = read_results(present)
    notes += [str(problem) for problem in problems]
    view = read_view(
        ledger_location(project),
        project.fingerprints,
        project.config.uat.release,
        wait=project.config.uat.busy_timeout,
    )
    if view is None:
        ledger = ledger_shown(project)
        notes.append(f"no UAT ledger at {ledger}: no UAT marks (run `uatkit uat import`)")
    now = dt.datetime.now().astimezone().replace(microsecond=0)
    matrix = build_matrix(
        project.config,
        project.catalogue,
        project.cases,
        results,
        view.states if view else {},
        view.packs if view else (),
        view.signoffs if view else {},
        now=now,
        allure_report=allure_report,
        runs=evidence.runs,
        filed=view.filed if view else {},
        targets=view.targets if view else {},
    )
    matrix = replace(
        matrix, results_folders=evidence.folders, notes=(*notes, *matrix.notes), evidence=evidence
    )
    return with_baseline(matrix, project)


def with_baseline(matrix: Matrix, project: Project) -> Matrix:
    """Return the matrix with what changed since the latest baseline and the approved requests covering it.

    A project without baselines reads one missing folder and nothing else.
    """
    from uatkit.change.baseline import is_recorded, list_baselines

    baselines = tuple(list_baselines(project))
    if not baselines:
        return matrix
    from uatkit.change.diff import diff_catalogue
    from uatkit.change.model import RequestStatus
    from uatkit.change.requests import Scope, read_requests, unrecorded_approvals

    scope = Scope(frozenset(project.catalogue.by_id()), baselines)
    requests = read_requests(project, scope)
    # An approval the ledger does not hold covers nothing: the gate rests on recorded decisions only.
    unrecorded = unrecorded_approvals(project, requests)
    requests = [replace(r, status=RequestStatus.PROPOSED) if r.id in unrecorded else r for r in requests]
    diff = diff_catalogue(baselines[-1], project.catalogue, project.cases, requests)
    changes = diff.by_id()
    requirements = tuple(
        replace(r, changed_since_baseline=change.kind.value, change_requests=change.covering)
        if (change := changes.get(r.id)) is not None
        else r
        for r in matrix.requirements
    )
    removed = tuple(RemovedRequirement(c.id, c.title, c.covering) for c in diff.removed)
    notes = [
        f"{c.id} ({c.title}) is in baseline {diff.baseline} but no longer in the catalogue"
        + (
            f"; removed by {', '.join(c.covering)}"
            if c.covering
            else "; no approved change request removes it"
        )
        for c in diff.removed
    ]
    recorded = is_recorded(project, baselines[-1])
    return replace(
        matrix,
        requirements=requirements,
        baseline=diff.baseline,
        removed=removed,
        notes=(*matrix.notes, *notes, *(_unrecorded(ident) for ident in unrecorded)),
        unrecorded_approvals=tuple(unrecorded),
        baseline_unrecorded=recorded is False,
        baseline_unknown=recorded is None,
    )


def _unrecorded(ident: str) -> str:
    return (
        f"{ident} says approved, but the ledger holds no such decision: set its status back to proposed "
        "and approve it with uatkit change approve"
    )
