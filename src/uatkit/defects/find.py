"""Which failures need a defect: UAT Fail/Blocked current marks and failed or broken automated results
that no defect ID names (the mark's Defect cell, the result's issue link, a `@defect:` tag of the scenario,
or a defect `uatkit defects push` filed)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from allure_commons.model2 import Status as AllureStatus

from uatkit.allure.mapping import defect_ids, requirement_link, stable_test_case_id
from uatkit.allure.read import ResultRecord, read_results
from uatkit.defects.model import Defect, KnownDefect, stable_id
from uatkit.model import AUTOMATED_LEVELS, DEFECT_TAG, UAT_LAYER, Case, Status
from uatkit.project import Project
from uatkit.trace.model import EvidenceSet, RunFacts
from uatkit.uat.ledger import CaseState, FiledDefect, read_view
from uatkit.uat.ledger_location import has_ledger, ledger_location, ledger_shown, open_ledger

#: The UAT statuses and Allure statuses that are a failure to file.
FAILED_MARKS = (Status.FAIL, Status.BLOCKED)
FAILED_RESULTS = (AllureStatus.FAILED, AllureStatus.BROKEN)


@dataclass(frozen=True)
class Findings:
    """The failures without a defect ID (`new`), those with one (`known`), and what was left out and why."""

    new: tuple[Defect, ...]
    known: tuple[KnownDefect, ...]
    release: str
    notes: tuple[str, ...] = ()
    #: What was read: the evidence set's name, and the ledger ("" when there is none).
    evidence: str = ""
    ledger: str = ""


def find_defects(project: Project, evidence: EvidenceSet, release: str = "") -> Findings:
    """Return the project's failures to file: the release's UAT marks and the evidence set's results."""
    release = release or project.config.uat.release
    cases = {case.key: case for case in project.cases}
    present = [folder for folder in evidence.paths if folder.is_dir()]
    results, problems = read_results(present)
    notes = [str(problem) for problem in problems]
    view = read_view(
        ledger_location(project), project.fingerprints, release, wait=project.config.uat.busy_timeout
    )
    filed = filed_defects(project)
    link = _linker(project)
    runs = {run.run_id: run for run in evidence.runs}
    found: list[Defect | KnownDefect] = []
    if view is None:
        notes.append(f"no UAT ledger at {ledger_shown(project)}: no UAT marks (run `uatkit uat import`)")
    else:
        in_release = {pack.pack_id for pack in view.packs}
        uat_results = {r.history_id: r for r in results if r.layer == UAT_LAYER}
        stale = conflicts = 0
        for state in view.states.values():
            if (
                state.conflict
                and not state.gone
                and any(m.pack_id in in_release or not release for m in state.conflict)
            ):
                conflicts += 1
            mark = state.mark
            if mark is None or state.gone or mark.status not in FAILED_MARKS:
                continue
            if release and mark.pack_id not in in_release:
                continue
            if state.stale:
                stale += 1
                continue
            result = uat_results.get(stable_test_case_id(state.key, UAT_LAYER))
            defect = _from_mark(project, cases[state.key], state, result, release, link)
            found.append(_sorted_out(defect, defect_ids(mark.defect), cases[state.key], filed))
        if conflicts:
            notes.append(
                f"{conflicts} UAT row(s) left out: their marks disagree (settle them: `uatkit uat resolve`)"
            )
        if stale:
            notes.append(
                f"{stale} Fail/Blocked UAT mark(s) left out: the scenario changed after they were marked "
                "(re-test them)"
            )
    stale = 0
    for record in results:
        if record.layer not in AUTOMATED_LEVELS or record.status not in FAILED_RESULTS:
            continue
        case = cases.get(record.case_key)
        if case is None or not record.fingerprint or record.fingerprint != case.fingerprint:
            stale += 1
            continue
        defect = _from_result(project, case, record, runs.get(record.run_id), release, link)
        found.append(_sorted_out(defect, record.defects, case, filed))
    if stale:
        notes.append(
            f"{stale} failed automated result(s) left out: they ran an older scenario or name no case "
            "(run them again)"
        )
    ordered = sorted(found, key=lambda item: _order(item if isinstance(item, Defect) else item.defect))
    return Findings(
        new=tuple(item for item in ordered if isinstance(item, Defect)),
        known=tuple(item for item in ordered if isinstance(item, KnownDefect)),
        release=release,
        notes=tuple(notes),
        evidence=evidence.name,
        ledger=ledger_shown(project) if view is not None else "",
    )


def filed_defects(project: Project) -> dict[str, list[FiledDefect]]:
    """Return the defects filed in any tracker, by stable ID (none without a ledger)."""
    if not has_ledger(project):
        return {}
    with open_ledger(project) as ledger:
        out: dict[str, list[FiledDefect]] = {}
        for filed in ledger.defects.all():
            out.setdefault(filed.defect_id, []).append(filed)
        return out


def _sorted_out(
    defect: Defect, named: Sequence[str], case: Case, filed: Mapping[str, Sequence[FiledDefect]]
) -> Defect | KnownDefect:
    """Return the defect as it is, or as known when a defect ID already names it."""
    tagged = [tag.partition(":")[2] for tag in case.tags if tag.startswith(f"{DEFECT_TAG}:")]
    keys = [f.key for f in filed.get(defect.id, ())]
    ids = tuple(dict.fromkeys(d for d in (*named, *tagged, *keys) if d))
    return KnownDefect(defect, ids, tuple(dict.fromkeys(keys))) if ids else defect


def _from_mark(
    project: Project,
    case: Case,
    state: CaseState,
    result: ResultRecord | None,
    release: str,
    link: _Linker,
) -> Defect:
    mark = state.mark
    assert mark is not None
    return Defect(
        **_case_fields(project, case),
        id=stable_id(case.key, UAT_LAYER),
        level=UAT_LAYER,
        status=mark.status.value,
        tester=mark.tester,
        date=mark.date.isoformat() if mark.date else "",
        actual=mark.actual,
        comments=mark.comments,
        evidence=mark.evidence,
        pack_id=mark.pack_id,
        source=str(mark.source) if mark.source else mark.pack_id,
        mark_id=state.mark_id,
        run_id="",
        result_uuid=result.uuid if result else "",
        allure_link=link(result.uuid) if result else "",
        release=release,
        environment="UAT",
        version="",
    )


def _from_result(
    project: Project, case: Case, record: ResultRecord, run: RunFacts | None, release: str, link: _Linker
) -> Defect:
    stop = dt.datetime.fromtimestamp(record.stop / 1000, dt.UTC).isoformat(timespec="seconds")
    return Defect(
        **_case_fields(project, case),
        id=stable_id(case.key, record.layer),
        level=record.layer,
        status=record.status,
        tester="",
        date=stop if record.stop else "",
        actual=record.message,
        comments="",
        evidence=tuple(sorted(record.attachments)),
        pack_id="",
        source=project.shown(record.path),
        mark_id=None,
        run_id=record.run_id,
        result_uuid=record.uuid,
        allure_link=link(record.uuid),
        release=release,
        environment=run.environment if run else "",
        version=run.version if run else "",
    )


def _case_fields(project: Project, case: Case) -> dict[str, Any]:
    return {
        "case_key": case.key,
        "case_id": case.case_id,
        "requirement": case.requirement,
        "requirement_title": case.requirement_title,
        "requirement_url": requirement_link(project.config, case.requirement),
        "title": case.scenario,
        "module": case.module,
        "priority": case.priority,
        "owner": case.owner,
        "language": case.language,
        "preconditions": case.preconditions,
        "steps": case.steps,
        "expected": case.expected,
        "test_data": case.test_data,
    }


class _Linker:
    """Turns a result's uuid into the link that opens it in the Allure 3 report (index.html#md5(uuid))."""

    def __init__(self, base: str) -> None:
        self.base = base

    def __call__(self, uuid: str) -> str:
        if not self.base or not uuid:
            return ""
        return f"{self.base}#{hashlib.md5(uuid.encode()).hexdigest()}"


def _linker(project: Project) -> _Linker:
    """Return the links' base: the published report's URL, else the report's index.html in the project."""
    if project.config.defects.report_url:
        return _Linker(project.config.defects.report_url)
    index = project.report_output / "index.html"
    return _Linker(project.shown(index) if index.is_file() else "")


def _order(defect: Defect) -> tuple[str, str, int, str]:
    case_id, _, row = defect.case_key.partition("#")
    level = (UAT_LAYER, *AUTOMATED_LEVELS)
    return (defect.requirement, case_id, int(row) if row.isdigit() else 0, str(level.index(defect.level)))
