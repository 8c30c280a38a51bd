"""The sign-off verdict: check the matrix against the configured gates, and the page for the meeting."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from allure_commons.model2 import Status as AllureStatus

from uatkit.atomic import atomic_write_text
from uatkit.config import CONDITIONS, NO_GO, Config, Gate, GateRule
from uatkit.errors import UatkitError
from uatkit.model import UAT_LAYER, Decision, Priority
from uatkit.project import Project
from uatkit.trace.evidence import RecordStatus, choose_evidence, record_status, signoff_records
from uatkit.trace.model import (
    LEVELS,
    STATUS_ORDER,
    EvidenceKind,
    EvidenceSet,
    LevelResult,
    Matrix,
    Outcome,
    RequirementTrace,
    RowEvidence,
    TraceStatus,
)
from uatkit.trace.pages import render_page
from uatkit.trace.views import summary_view
from uatkit.uat.ledger import RecordedGate, SignoffRecord
from uatkit.uat.ledger_location import open_ledger

#: The rules that look at requirements of the gate's priorities; uat_executed and packs_signed look at every
#: UAT case and pack, whatever their priority.
PRIORITY_SCOPED: frozenset[GateRule] = frozenset({"accepted", "not_failed", "no_stale"})
#: How many IDs a gate's one-line reason names before "and N more".
SHOWN = 5


@dataclass(frozen=True)
class GateResult:
    """One gate checked: passed or not, why in one line, and the requirements and packs it is about."""

    gate: Gate
    passed: bool
    reason: str
    requirements: tuple[str, ...] = ()
    packs: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """Return what the gate demands, in words."""
        return describe(self.gate)

    @property
    def label(self) -> str:
        """Return the gate's rule as a short label ("uat_executed ≥ 95 %")."""
        if self.gate.rule == "uat_executed":
            return f"{self.gate.rule} ≥ {self.gate.min_percent:g} %"
        return self.gate.rule

    @property
    def scope(self) -> str:
        """Return the priorities the rule looks at ("all"), or "-" for a rule about every case or pack."""
        if self.gate.rule not in PRIORITY_SCOPED:
            return "-"
        return ", ".join(p.value for p in self.gate.priorities) or "all"


@dataclass(frozen=True)
class Verdict:
    """GO, GO WITH CONDITIONS or NO-GO, every gate's result and the conditions attached."""

    outcome: Outcome
    gates: tuple[GateResult, ...]
    conditions: tuple[str, ...]
    project: str
    generated_at: dt.datetime
    #: What the current UAT marks were made on (their packs' targets), with how many marks each.
    uat_targets: tuple[tuple[str, int], ...] = ()
    #: What the meeting must know that no gate decides: UAT marks made on no named target, or on another.
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the verdict as JSON-ready data."""
        gates = [
            {**asdict(r.gate), "title": r.title, "passed": r.passed, "reason": r.reason}
            | {"requirements": list(r.requirements), "packs": list(r.packs)}
            for r in self.gates
        ]
        when = self.generated_at.isoformat(timespec="seconds")
        return {"outcome": self.outcome.value, "project": self.project, "generated_at": when} | {
            "conditions": list(self.conditions),
            "gates": gates,
            "uat_targets": [{"target": target, "marks": n} for target, n in self.uat_targets],
            "warnings": list(self.warnings),
        }

    @property
    def uat_basis(self) -> str:
        """Return what the UAT marks rest on, in one line: "2.4.1 (build 77), UAT: 40 marks; no target: 3"."""
        return "; ".join(f"{target}: {n} mark{'s' if n != 1 else ''}" for target, n in self.uat_targets)


def evaluate(matrix: Matrix, gates: Sequence[Gate]) -> Verdict:
    """Check every gate against the matrix and decide GO, GO WITH CONDITIONS or NO-GO."""
    results = tuple(_RULES[gate.rule](matrix, gate) for gate in gates)
    failed = [r for r in results if not r.passed]
    # A pack accepted with conditions is named once: by the gate that failed on it, or here.
    named = {pack for r in failed for pack in r.packs}
    conditions = [r.reason for r in failed if r.gate.on_fail == CONDITIONS]
    conditions += [
        f'{pack} accepted with conditions: "{s.conditions.strip()}"'
        for pack, s in sorted(matrix.signoffs.items())
        # An earlier round's conditions are settled by its re-test round's sign-off (as packs_signed counts).
        if s.decision is Decision.WITH_CONDITIONS and pack not in named and pack not in matrix.superseded
    ]
    if any(r.gate.on_fail == NO_GO for r in failed):
        outcome = Outcome.NO_GO
    elif conditions:
        outcome = Outcome.GO_WITH_CONDITIONS
    else:
        outcome = Outcome.GO
    targets, warnings = uat_targets(matrix)
    return Verdict(
        outcome, results, tuple(conditions), matrix.project, matrix.generated_at, targets, warnings
    )


#: How a mark made on no named version, build or environment is counted.
NO_TARGET = "no target"


def uat_targets(matrix: Matrix) -> tuple[tuple[tuple[str, int], ...], tuple[str, ...]]:
    """Return what the current UAT marks were made on (each target with its mark count, most first) and
    a warning for marks whose pack named no target and for marks made on another version or build than the
    automated runs checked.

    A warning, not a gate: the verdict's gates judge the evidence; which build it was gathered on is for
    the meeting to weigh (a UAT round on the previous build may be what was agreed), but it must be said.
    """
    marks = [
        e for r in matrix.requirements for c in r.cases for e in c.results.get(UAT_LAYER, _NONE).evidence
    ]
    automated = [
        e for r in matrix.requirements for c in r.cases for level, result in c.results.items()
        if level != UAT_LAYER for e in result.evidence
    ]  # fmt: skip
    versions = sorted({e.app_version for e in automated if e.app_version})
    builds = sorted({e.app_build for e in automated if e.app_build})
    counts: dict[str, int] = {}
    for evidence in marks:
        shown = _target(evidence) or NO_TARGET
        counts[shown] = counts.get(shown, 0) + 1
    ordered = tuple(sorted(counts.items(), key=lambda item: (item[0] == NO_TARGET, -item[1], item[0])))
    warnings: list[str] = []
    untargeted = [e for e in marks if not _target(e)]
    if untargeted:
        warnings.append(
            f"{_marks(untargeted)} {'rests' if len(untargeted) == 1 else 'rest'} on no named version, build "
            "or environment: "
            f"{_packs(untargeted)} named no target when exported, so what was tested is not recorded "
            "(export the next round with --app-version, --app-build and --environment)"
        )
    other = [
        e
        for e in marks
        if (e.app_version and versions and e.app_version not in versions)
        or (e.app_build and builds and e.app_build not in builds)
    ]
    if other:
        made_on = _listed(sorted({_target(e) for e in other}))
        checked = _listed([*versions, *(f"build {b}" for b in builds)])
        warnings.append(
            f"{_marks(other)} {'was' if len(other) == 1 else 'were'} made on {made_on}, not on what the "
            f"automated runs checked ({checked}): "
            f"{_packs(other)}"
        )
    return ordered, tuple(warnings)


def _target(evidence: RowEvidence) -> str:
    """Return a mark's target as shown: "2.4.1 (build 77), UAT" ("" for none)."""
    build = f"build {evidence.app_build}" if evidence.app_build else ""
    version = f"{evidence.app_version} ({build})" if evidence.app_version and build else evidence.app_version
    return ", ".join(filter(None, (version or build, evidence.environment)))


def _marks(found: Sequence[RowEvidence]) -> str:
    return f"{len(found)} UAT mark{'s' if len(found) != 1 else ''}"


def _packs(found: Sequence[RowEvidence]) -> str:
    packs = sorted({e.pack_id for e in found if e.pack_id})
    return f"pack{'s' if len(packs) != 1 else ''} {_listed(packs)}" if packs else "their packs"


def describe(gate: Gate) -> str:
    """Return a gate's demand in words: "every must requirement ACCEPTED"."""
    words: dict[GateRule, str] = {
        "accepted": f"every {_noun(gate, 1)} ACCEPTED",
        "not_failed": f"no {_noun(gate, 1)} FAILED",
        "uat_executed": f"UAT executed ≥ {gate.min_percent:g} %",
        "no_stale": f"no stale UAT mark or result on {_noun(gate, 2)}"
        + (f" at {', '.join(gate.levels)}" if gate.levels else ""),
        "packs_signed": "every UAT pack signed off Accepted",
        "changes_approved": "every change since the baseline approved by a change request",
    }
    return words[gate.rule]


def _selected(matrix: Matrix, gate: Gate) -> list[RequirementTrace]:
    return [r for r in matrix.requirements if not gate.priorities or r.priority in gate.priorities]


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return f"{shown} and {len(items) - SHOWN} more" if len(items) > SHOWN else shown


def _noun(gate: Gate, count: int) -> str:
    """Return "must/should requirements" (every priority when the gate names none)."""
    which = "/".join(p.value for p in gate.priorities)
    return f"{which} requirement{'s' if count != 1 else ''}".lstrip()


def _accepted(matrix: Matrix, gate: Gate) -> GateResult:
    selected = _selected(matrix, gate)
    bad = [r for r in selected if r.status is not TraceStatus.ACCEPTED]
    if not selected:
        return GateResult(gate, True, f"no {_noun(gate, 2)} to accept")
    if not bad:
        n = len(selected)
        return GateResult(gate, True, f"{n} of {n} {_noun(gate, n)} {'are' if n != 1 else 'is'} ACCEPTED")
    why = [f"{r.id} ({r.status}{': ' + r.reason if r.reason else ''})" for r in bad]
    return GateResult(
        gate,
        False,
        f"{len(bad)} of {len(selected)} {_noun(gate, len(selected))} "
        f"{'are' if len(bad) != 1 else 'is'} not ACCEPTED: {_listed(why)}",
        tuple(r.id for r in bad),
    )


def _not_failed(matrix: Matrix, gate: Gate) -> GateResult:
    selected = _selected(matrix, gate)
    bad = [r for r in selected if r.status is TraceStatus.FAILED]
    if not bad:
        return GateResult(gate, True, f"none of {len(selected)} {_noun(gate, 2)} FAILED")
    why = [f"{r.id} ({r.reason or 'failed'})" for r in bad]
    return GateResult(
        gate,
        False,
        f"{len(bad)} of {len(selected)} {_noun(gate, len(selected))} FAILED: {_listed(why)}",
        tuple(r.id for r in bad),
    )


def _uat_executed(matrix: Matrix, gate: Gate) -> GateResult:
    if not matrix.uat_cases:
        return GateResult(gate, False, "no UAT packs were imported")
    done, total = matrix.uat_executed, matrix.uat_cases
    share = f"{done} of {total} UAT cases executed ({done / total * 100:.1f} %)"
    # Compared in whole numbers so 57 of 60 against 95 % is not lost to float rounding.
    if done * 100 >= gate.min_percent * total:
        return GateResult(gate, True, f"{share}; {gate.min_percent:g} % required")
    pending = [
        r.id
        for r in matrix.requirements
        if any(c.uat_required and not c.results.get(UAT_LAYER, _NONE).status for c in r.cases)
    ]
    where = f"; UAT pending on {_listed(pending)}" if pending else ""
    return GateResult(gate, False, f"only {share}, {gate.min_percent:g} % required{where}", tuple(pending))


def _no_stale(matrix: Matrix, gate: Gate) -> GateResult:
    selected = _selected(matrix, gate)
    levels = set(gate.levels or LEVELS)
    marks = {r.id: (r.stale or sum(c.stale for c in r.cases)) if UAT_LAYER in levels else 0 for r in selected}
    runs = {
        r.id: sum(
            result.stale
            for c in r.cases
            for level, result in c.results.items()
            if level in levels and level != UAT_LAYER  # counted as marks
        )
        for r in selected
    }
    bad = [(r, marks[r.id] + runs[r.id]) for r in selected if marks[r.id] + runs[r.id]]
    where = f" at {', '.join(level for level in LEVELS if level in levels)}" if gate.levels else ""
    if not bad:
        return GateResult(
            gate, True, f"no stale UAT marks or results on {len(selected)} {_noun(gate, 2)}{where}"
        )
    why = [f"{r.id} ({n} stale)" for r, n in bad]
    kinds = " and ".join(
        kind
        for kind, counts in (("UAT marks", marks), ("automated results", runs))
        if any(counts[r.id] for r, _ in bad)
    )
    return GateResult(
        gate,
        False,
        f"{len(bad)} {_noun(gate, len(bad))} {'have' if len(bad) != 1 else 'has'} {kinds} made "
        f"against an older scenario or recording none (mark again, run again){where}: {_listed(why)}",
        tuple(r.id for r, _ in bad),
    )


def _changes_approved(matrix: Matrix, gate: Gate) -> GateResult:
    if not matrix.baseline:
        return GateResult(gate, True, "no baseline: nothing to compare")
    if matrix.baseline_unrecorded:
        return GateResult(
            gate,
            False,
            f"baseline {matrix.baseline} is not the one the ledger records creating (its file was changed "
            "since uatkit baseline create): restore the file from version control, or create a new baseline "
            "with uatkit baseline create",
        )
    changed = [r for r in matrix.requirements if r.changed_since_baseline]
    bad = [f"{r.id} ({r.changed_since_baseline})" for r in changed if not r.change_requests]
    bad += [f"{r.id} (removed)" for r in matrix.removed if not r.change_requests]
    removed = [r.id for r in matrix.removed]
    gone = f"; removed since {matrix.baseline}: {_listed(removed)}" if removed else ""
    if matrix.unrecorded_approvals:
        says = ", ".join(matrix.unrecorded_approvals)
        gone += (
            f"; {says} {'says' if len(matrix.unrecorded_approvals) == 1 else 'say'} approved, but the "
            "ledger holds no such decision: set the status back to proposed and approve with "
            "uatkit change approve"
        )
    unknown = (
        f" (the ledger holds no record of creating baseline {matrix.baseline}: it was begun after it)"
        if matrix.baseline_unknown
        else ""
    )
    gone += unknown
    total = len(changed) + len(matrix.removed)
    if not total:
        return GateResult(gate, True, f"no requirement changed since baseline {matrix.baseline}{unknown}")
    if not bad:
        return GateResult(
            gate,
            True,
            f"{total} change(s) since baseline {matrix.baseline}, each by an approved request{gone}",
        )
    return GateResult(
        gate,
        False,
        f"{len(bad)} of {total} change(s) since baseline {matrix.baseline} without an approved change "
        f"request (raise one: uatkit change new; see uatkit baseline diff): {_listed(bad)}{gone}",
        tuple(ident.partition(" ")[0] for ident in bad),
    )


def _packs_signed(matrix: Matrix, gate: Gate) -> GateResult:
    if not matrix.packs:
        return GateResult(gate, True, "no UAT packs to sign off")
    bad: dict[str, str] = {}
    # A re-test round's sign-off is its owner's current decision on the group: earlier rounds count by it.
    current = sorted(p for p in matrix.packs if p not in matrix.superseded)
    for pack in current:
        signoff = matrix.signoffs.get(pack)
        decision = signoff.decision if signoff else None
        marked, rows = matrix.marked_rows.get(pack, (0, 0))
        if decision in (Decision.ACCEPTED, Decision.WITH_CONDITIONS) and rows and not marked:
            # A decision on a pack that records no result is a signature under nothing: the tester's marks
            # went elsewhere (other columns, another copy), and the owner cannot have judged them.
            bad[pack] = (
                f"{pack} signed {decision} but none of its {rows} "
                f"row{'s' if rows != 1 else ''} has a mark (fill Status, Tester and Date in the pack's own "
                "columns, import it again)"
            )
        elif signoff is not None and decision is Decision.WITH_CONDITIONS:
            bad[pack] = f'{pack} accepted with conditions: "{signoff.conditions.strip()}"'
        elif decision is not Decision.ACCEPTED:
            bad[pack] = f"{pack} {'rejected' if decision is Decision.REJECTED else 'not signed off'}"
    earlier = f" (earlier rounds decided by their re-test: {_listed(sorted(matrix.superseded))})"
    later = earlier if matrix.superseded else ""
    n = len(current)
    if not bad:
        # Rows left Not run do not undo a decision (uat_executed judges how much was run), but are named.
        unmarked = [
            f"{pack} {rows - marked} of {rows}"
            for pack in current
            for marked, rows in (matrix.marked_rows.get(pack, (0, 0)),)
            if marked < rows
        ]
        gaps = f"; rows without a mark: {_listed(unmarked)}" if unmarked else ""
        return GateResult(
            gate, True, f"{n} of {n} UAT pack{'s' if n != 1 else ''} signed off Accepted{gaps}{later}"
        )
    counts_as = {p: matrix.superseded.get(p, p) for p in matrix.packs}
    involved = tuple(
        r.id
        for r in matrix.requirements
        if any({counts_as.get(p, p) for p in c.packs} & set(bad) for c in r.cases)
    )
    listed = _listed(list(bad.values()))
    text = f"{len(bad)} of {n} UAT pack{'s' if n != 1 else ''} not Accepted: {listed}{later}"
    return GateResult(gate, False, text, involved, tuple(bad))


_RULES: dict[GateRule, Callable[[Matrix, Gate], GateResult]] = {
    "accepted": _accepted,
    "not_failed": _not_failed,
    "uat_executed": _uat_executed,
    "no_stale": _no_stale,
    "packs_signed": _packs_signed,
    "changes_approved": _changes_approved,
}
_NONE = LevelResult(UAT_LAYER)


#: What counts as failing at an automated level, and in UAT (where "broken" is a Blocked mark, not a failure).
_FAILING = ((AllureStatus.FAILED, AllureStatus.BROKEN), (AllureStatus.FAILED,))


@dataclass(frozen=True)
class OpenFailure:
    """A failing case of a FAILED requirement, at one level, with its message and defects."""

    requirement: RequirementTrace
    case_id: str
    case_title: str
    level: str
    message: str
    defects: tuple[str, ...]


def open_failures(matrix: Matrix) -> tuple[OpenFailure, ...]:
    """Return every failing case of the FAILED requirements, level by level."""
    rows: list[OpenFailure] = []
    for requirement in matrix.requirements:
        if requirement.status is not TraceStatus.FAILED:
            continue
        found = [
            OpenFailure(requirement, case.case_id, case.title, level, result.message, case.defects)
            for case in requirement.cases
            for level in LEVELS
            if (result := case.results.get(level)) is not None
            and result.status in _FAILING[level == UAT_LAYER]
        ]
        # The status may come from elsewhere (a UAT conflict, say): the requirement still gets a row.
        rows += found or [OpenFailure(requirement, "", "", "", requirement.reason, requirement.defects)]
    return tuple(rows)


@dataclass(frozen=True)
class StatusCounts:
    """How many requirements of one group (a module, a priority) have each status."""

    name: str
    counts: dict[TraceStatus, int]

    @property
    def total(self) -> int:
        """Return the number of requirements in the group."""
        return sum(self.counts.values())


def status_counts(matrix: Matrix, by: str = "module") -> tuple[StatusCounts, ...]:
    """Return the status counts per module or per priority, in catalogue (or priority) order."""
    requirements = list(matrix.requirements)
    if by == "priority":
        requirements.sort(key=lambda r: list(Priority).index(r.priority))
    groups: dict[str, dict[TraceStatus, int]] = {}
    for requirement in requirements:
        name = requirement.priority.value if by == "priority" else requirement.module
        groups.setdefault(name, dict.fromkeys(STATUS_ORDER, 0))[requirement.status] += 1
    return tuple(StatusCounts(name, counts) for name, counts in groups.items())


def render_signoff(
    matrix: Matrix, verdict: Verdict, config: Config, latest: RecordStatus | None = None
) -> str:
    """Return the sign-off page: the verdict, the evidence it rests on, its gates, charts, failures, packs."""
    return render_page(
        "signoff.html.j2",
        matrix=matrix,
        verdict=verdict,
        evidence=matrix.evidence,
        latest=latest,
        failures=open_failures(matrix),
        charts=(
            ("Status by module", status_counts(matrix, "module")),
            ("Status by priority", status_counts(matrix, "priority")),
        ),
        totals=StatusCounts("all", {s: matrix.counts()[s] for s in STATUS_ORDER}),
        statuses=STATUS_ORDER,
        levels=LEVELS,
        summary=summary_view,
        allure=matrix.allure_report,
        project=verdict.project or config.project_name,
        defect_url=lambda d: config.defect_url.replace("{id}", d) if config.defect_url else "",
    )


def write_signoff(html: str, folder: Path) -> Path:
    """Write signoff.html into the report folder atomically and return its path."""
    path = folder / "signoff.html"
    atomic_write_text(path, html)
    return path


@dataclass(frozen=True)
class RecordRequest:
    """`uatkit signoff --record --by NAME --note TEXT`: who records the verdict, and why."""

    by: str
    note: str = ""


@dataclass(frozen=True)
class SignoffRun:
    """What `uatkit signoff` did: the matrix, the verdict, the page (None with --no-write), the record."""

    matrix: Matrix
    verdict: Verdict
    page: Path | None
    shown_page: str = ""
    #: The record stored by --record, and the release's latest record with its state against the evidence.
    recorded: SignoffRecord | None = None
    latest: RecordStatus | None = None
    #: True when --record found the same verdict by the same person on the same evidence already recorded.
    already: bool = False


def sign_off(
    project: Project,
    results: Sequence[Path] | None = None,
    write: bool = True,
    record: RecordRequest | None = None,
) -> SignoffRun:
    """Build the matrix from the evidence set, check the gates, record the verdict if asked, write a page."""
    from uatkit.trace.matrix import allure_link, load_matrix

    evidence = choose_evidence(project, results)
    if record is not None:
        _recordable(evidence, record)
    matrix = load_matrix(project, evidence, allure_report=allure_link(project))
    config = project.config
    verdict = evaluate(matrix, config.signoff.gates)
    recorded, already = None, False
    if record is not None:
        wanted = signoff_record(verdict, evidence, record)
        with open_ledger(project) as ledger:
            # The same verdict by the same person on the same evidence is one sign-off, said once: a second
            # --record (a retried command) names the first instead of adding a copy to the history.
            recorded = next((r for r in ledger.signoff_records() if _same(r, wanted)), None)
            already = recorded is not None
            if recorded is None:
                recorded = ledger.record_signoff(wanted)
    release = [r for r in signoff_records(project) if r.release == evidence.release]
    latest = record_status(release[-1], evidence) if release else None
    if not write:
        return SignoffRun(matrix, verdict, None, recorded=recorded, latest=latest, already=already)
    page = write_signoff(render_signoff(matrix, verdict, config, latest), project.report_folder)
    return SignoffRun(matrix, verdict, page, project.relative(page), recorded, latest, already)


def _same(stored: SignoffRecord, wanted: SignoffRecord) -> bool:
    """Return True when a stored record says what `wanted` would: verdict, person, note and evidence alike."""
    fields = ("release", "outcome", "recorded_by", "note", "evidence_id", "results_hash", "ledger_digest")
    return all(getattr(stored, name) == getattr(wanted, name) for name in fields)


def _recordable(evidence: EvidenceSet, request: RecordRequest) -> None:
    """Refuse to record a verdict that would not name one declared, current evidence set."""
    if not request.by.strip():
        raise UatkitError("--record needs --by NAME: who records the sign-off")
    if evidence.kind is EvidenceKind.GIVEN:
        raise UatkitError(
            "--record takes the report's evidence set, not folders given with --results: "
            "run `uatkit report --results ...` to declare them, then `uatkit signoff --record`"
        )
    if evidence.kind is EvidenceKind.UNREPORTED:
        raise UatkitError(
            "--record needs an evidence set: run `uatkit report` first, then record the sign-off"
        )
    if evidence.drift:
        raise UatkitError(f"--record: newer evidence than the report's set exists: {evidence.drift[0]}")


def signoff_record(verdict: Verdict, evidence: EvidenceSet, request: RecordRequest) -> SignoffRecord:
    """Return the record of a verdict: its outcome and gates, and the evidence set it rests on."""
    facts = dict(evidence.facts())
    gates = tuple(
        RecordedGate(r.gate.rule, r.title, r.gate.on_fail, r.passed, r.reason) for r in verdict.gates
    )
    return SignoffRecord(
        release=evidence.release,
        outcome=verdict.outcome.value,
        recorded_by=request.by.strip(),
        note=request.note.strip(),
        evidence_id=evidence.manifest_id,
        results_hash=evidence.results_hash,
        ledger_digest=evidence.ledger_digest,
        version=facts["version"],
        environment=facts["environment"],
        commit=facts["commit"] if evidence.runs else evidence.commit,
        gates=gates,
        evidence=json.dumps(evidence.as_dict(), ensure_ascii=False, sort_keys=True),
    )


def signoff_history(project: Project) -> tuple[EvidenceSet, list[RecordStatus]]:
    """Return the current evidence set and every sign-off record with its state against it, oldest first."""
    evidence = choose_evidence(project)
    return evidence, [record_status(r, evidence) for r in signoff_records(project)]
