"""The traceability matrix: every requirement with its cases, their results per level and UAT, a status.

This is the contract between the matrix (`uatkit.trace.matrix`, its html/xlsx/json outputs, `uatkit trace`)
and the sign-off (`uatkit.trace.signoff`, signoff.html, `uatkit signoff`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from uatkit.model import AUTOMATED_LEVELS, UAT_LAYER, Priority, SignOff

#: The columns of the matrix, in order: the automated levels, then UAT.
LEVELS = (*(level.value for level in AUTOMATED_LEVELS), UAT_LAYER)


class Outcome(StrEnum):
    """The verdict of the acceptance meeting (`uatkit signoff`)."""

    GO = "GO"
    GO_WITH_CONDITIONS = "GO WITH CONDITIONS"
    NO_GO = "NO-GO"


class TraceStatus(StrEnum):
    """A requirement's status (docs/trace.md): how far it is verified and accepted."""

    UNCOVERED = "UNCOVERED"  # no scenario
    NOT_RUN = "NOT RUN"  # scenarios, but not every automated level has a result yet, and nothing failed
    FAILED = "FAILED"  # any level failed (automated failed or broken, or a UAT Fail)
    PASSED = "PASSED"  # every automated level passed; UAT pending or not needed
    ACCEPTED = "ACCEPTED"  # automated passed, every UAT case passed (fresh marks), and its packs signed off

    @property
    def slug(self) -> str:
        """Return the status as a CSS class names it: "not-run"."""
        return self.value.lower().replace(" ", "-")

    @property
    def fill(self) -> str:
        """Return the status's colour (six lower-case hex digits): chips, workbook cells and chart bars."""
        return _LOOKS[self][0]

    @property
    def ink(self) -> str:
        """Return the colour of text on the status's fill (six lower-case hex digits)."""
        return _LOOKS[self][1]

    @property
    def rule(self) -> str:
        """Return when a requirement has this status; the rules apply in RULE_ORDER, the first one wins."""
        return _LOOKS[self][2]


#: Statuses from best to worst: the order of summaries, stacked bars and legends.
STATUS_ORDER = (
    TraceStatus.ACCEPTED,
    TraceStatus.PASSED,
    TraceStatus.NOT_RUN,
    TraceStatus.UNCOVERED,
    TraceStatus.FAILED,
)
#: The order the status rules apply in (`uatkit.trace.matrix.requirement_status`): the first one wins.
RULE_ORDER = (
    TraceStatus.UNCOVERED,
    TraceStatus.FAILED,
    TraceStatus.NOT_RUN,
    TraceStatus.ACCEPTED,
    TraceStatus.PASSED,
)
#: Each status's (fill, ink, rule), as the page, the workbook and the sign-off show them.
_LOOKS = {
    TraceStatus.UNCOVERED: ("e8a317", "3b2a00", "no scenario carries a case ID of the requirement"),
    TraceStatus.FAILED: (
        "cf222e",
        "ffffff",
        "a case failed or broke at unit, integration or e2e, or a current UAT mark is Fail",
    ),
    TraceStatus.NOT_RUN: (
        "afb8c1",
        "24292f",
        "a case has no passed result at a level it is tagged with (every example row), "
        "or a manual case has no current Pass or N/A mark",
    ),
    TraceStatus.ACCEPTED: (
        "1a7f37",
        "ffffff",
        "every case that needs UAT has current Pass or N/A marks on every row, and every "
        "pack holding them is signed off Accepted (or with conditions)",
    ),
    TraceStatus.PASSED: (
        "8fd19e",
        "0d3b18",
        "everything else: the automated levels passed; UAT is pending, blocked, stale or not signed off, "
        "or not needed",
    ),
}


#: How many characters of a run ID or of a fingerprint's hex the pages and the workbook show (JSON has all).
SHORT_ID = 12


def short_id(value: str) -> str:
    """Return a run ID or a fingerprint as shown: its first SHORT_ID characters, without "sha256:"."""
    return value.removeprefix("sha256:")[:SHORT_ID]


@dataclass(frozen=True)
class RowEvidence:
    """What one counted result or UAT mark of a case row rests on: its run or mark, and its scenario version.

    Automated levels fill `run_id` and the run's facts (from its run record, "" where it gives none); UAT
    fills `mark_id`, `tester` and `pack_id`. `fingerprint` is the scenario version the result ran or the
    mark was made against; `at` is when: the result's stop time (ISO, UTC) or the mark's test date.
    """

    key: str
    status: str
    fingerprint: str = ""
    at: str = ""
    run_id: str = ""
    app_version: str = ""
    app_build: str = ""
    environment: str = ""
    #: False when the result names a run of which no run record was found (or names none).
    recorded: bool = False
    mark_id: int | None = None
    tester: str = ""
    pack_id: str = ""

    def as_dict(self) -> dict[str, object]:
        """Return the evidence as JSON-ready data, the same keys at every level (docs/trace.md)."""
        return {
            "key": self.key,
            "status": self.status,
            "fingerprint": self.fingerprint,
            "at": self.at,
            "run_id": self.run_id,
            "run_recorded": self.recorded,
            "app_version": self.app_version,
            "app_build": self.app_build,
            "environment": self.environment,
            "mark_id": self.mark_id,
            "tester": self.tester,
            "pack_id": self.pack_id,
        }


@dataclass(frozen=True)
class LevelResult:
    """The outcome of one case at one level.

    `status` is an Allure status (passed, failed, broken, skipped, unknown) or "" when it was not run;
    for UAT it is derived from the ledger's current mark (Pass → passed, Fail → failed, Blocked → broken,
    N/A → skipped) and is "" for no mark, a stale mark or a conflict. `runs` counts results (outline rows).
    """

    level: str
    status: str = ""
    runs: int = 0
    passed: int = 0
    #: The Allure result to link to (its uuid), when there is one.
    result_uuid: str = ""
    message: str = ""
    #: Results of a scenario that has changed since they ran: not counted in `status` or `runs`.
    stale: int = 0
    #: What each counted result or current mark rests on, one per case row, in row order.
    evidence: tuple[RowEvidence, ...] = ()


@dataclass(frozen=True)
class CaseTrace:
    """One case (scenario) of a requirement and how each level went."""

    case_id: str
    title: str
    #: The levels the scenario is tagged with (unit, integration, e2e, manual) and whether UAT covers it.
    planned: tuple[str, ...]
    uat_required: bool
    results: dict[str, LevelResult]
    defects: tuple[str, ...] = ()
    stale: int = 0
    conflicts: int = 0
    #: The packs holding the case's UAT rows.
    packs: tuple[str, ...] = ()
    source: str = ""
    #: How many runs each level needs: the outline's example rows (1 for a plain scenario).
    rows: int = 1


@dataclass(frozen=True)
class RequirementTrace:
    """A requirement's row of the matrix."""

    id: str
    title: str
    module: str
    priority: Priority
    owner: str
    status: TraceStatus
    cases: tuple[CaseTrace, ...]
    #: Per level: the worst status over the requirement's cases ("" when none ran at that level).
    levels: dict[str, str]
    defects: tuple[str, ...] = ()
    stale: int = 0
    url: str = ""
    #: Why the status is what it is, in a few words (for the meeting): "UAT pending", "e2e failed", ….
    reason: str = ""
    #: "added" or "changed" since the latest baseline ("" when unchanged, or when there is no baseline).
    changed_since_baseline: str = ""
    #: The approved change requests that cover that change (none: the change is not approved).
    change_requests: tuple[str, ...] = ()
    #: The story's epic and labels, as its backlog gave them ("" and () when it names none).
    epic: str = ""
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemovedRequirement:
    """A requirement of the latest baseline the catalogue no longer has, and the requests covering that."""

    id: str
    title: str
    change_requests: tuple[str, ...] = ()


@dataclass(frozen=True)
class Matrix:
    """The whole matrix: requirements in catalogue order, pack sign-offs, and what it was built from."""

    requirements: tuple[RequirementTrace, ...]
    signoffs: dict[str, SignOff]
    #: Every pack known to the ledger (pack ID → its business owner), signed off or not.
    packs: dict[str, str]
    #: UAT progress over the cases in packs: executed and total.
    uat_executed: int
    uat_cases: int
    generated_at: dt.datetime
    results_folders: tuple[str, ...] = ()
    #: Relative link from the report folder to the Allure report's index.html ("" when there is none).
    allure_report: str = ""
    project: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: The evidence set the matrix was built from (None only for a matrix built outside `load_matrix`).
    evidence: EvidenceSet | None = None
    #: The latest baseline the requirements are compared with ("" when the project has none).
    baseline: str = ""
    #: The requirements of that baseline the catalogue no longer has: reported, never dropped.
    removed: tuple[RemovedRequirement, ...] = ()
    #: A pack of an earlier round (pack ID) → the later re-test round of its release and group whose
    #: sign-off counts for it: the business owner's latest decision on that group, not the first one.
    superseded: dict[str, str] = field(default_factory=dict)
    #: Each pack's round (1 for a pack issued in full, 2, 3 … for re-test rounds).
    rounds: dict[str, int] = field(default_factory=dict)
    #: Each pack's rows that hold a mark recorded from the pack (live, stale or in conflict), and its rows:
    #: a sign-off rests on them. A pack not listed is not known to the matrix (a matrix built by hand).
    marked_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Change requests whose file says approved but whose approval the ledger's audit does not hold: they
    #: cover nothing, and the changes_approved gate names them.
    unrecorded_approvals: tuple[str, ...] = ()
    #: True when the ledger's audit records creating the latest baseline with other content than its file's.
    baseline_unrecorded: bool = False
    #: True when the ledger holds no creation of the latest baseline at all (it was begun after it).
    baseline_unknown: bool = False

    def round_text(self, pack: str) -> str:
        """Return a pack's round as the pages and workbook show it, naming the round that decides it."""
        number = str(self.rounds.get(pack, 1))
        later = self.superseded.get(pack)
        return f"{number} (decided by {later})" if later else number

    def counts(self) -> dict[TraceStatus, int]:
        """Return how many requirements have each status."""
        counts = dict.fromkeys(TraceStatus, 0)
        for requirement in self.requirements:
            counts[requirement.status] += 1
        return counts


class EvidenceKind(StrEnum):
    """Which results a matrix or a verdict was built from (docs/trace.md, "The evidence set")."""

    #: The set `uatkit report` merged and declared in its evidence manifest.
    REPORT = "report"
    #: Folders given with --results: not the evidence set of the report.
    GIVEN = "given"
    #: No report yet: the configured raw results folders, as they are.
    UNREPORTED = "unreported"


@dataclass(frozen=True)
class RunFacts:
    """One pytest run the evidence comes from, as its run record says ("" for what it does not say)."""

    run_id: str
    #: The results folder the run's record (or its results) were found in, as the project names it.
    folder: str
    started: str = ""
    stopped: str = ""
    levels: tuple[str, ...] = ()
    tests: int = 0
    app_version: str = ""
    app_build: str = ""
    environment: str = ""
    base_url: str = ""
    browser: str = ""
    commit: str = ""
    #: False when results name the run but no run record of it was found.
    recorded: bool = True
    #: The shard this record is of ("2/4"; the shards of one run share its ID), "" for a whole run.
    shard: str = ""
    #: The machine the run (or the shard) ran on, "" when its record does not say.
    host: str = ""

    @property
    def version(self) -> str:
        """Return the application's version with its build: "2.4.1 (build 77)"."""
        build = f"build {self.app_build}" if self.app_build else ""
        if self.app_version and build:
            return f"{self.app_version} ({build})"
        return self.app_version or build


#: The facts of the runs a matrix and a verdict name, in the order they are shown: (label, RunFacts field).
RUN_FACTS = (
    ("version", "version"),
    ("environment", "environment"),
    ("base URL", "base_url"),
    ("commit", "commit"),
    ("browser", "browser"),
)


@dataclass(frozen=True)
class EvidenceSet:
    """The results a matrix or a verdict rests on: which set, its hash, the runs, and what differs now.

    `drift` says what newer evidence exists than the set (raw results the report did not merge, a changed
    ledger); `notes` say the rest a reader must know (a set given with --results, no report yet).
    """

    kind: EvidenceKind
    #: The folders read, as the project names them, and their paths.
    folders: tuple[str, ...]
    paths: tuple[Path, ...] = field(default=(), compare=False, repr=False)
    #: sha256 over the result files read (names and bytes) and their count.
    results_hash: str = ""
    results: int = 0
    #: The report's manifest: its ID and when it was written (for GIVEN, the report's set it is not).
    manifest_id: str = ""
    created: str = ""
    #: The folders the report merged (REPORT only).
    sources: tuple[str, ...] = ()
    release: str = ""
    #: The project's commit when the set was declared (REPORT) or read (else).
    commit: str = ""
    runs: tuple[RunFacts, ...] = ()
    #: The UAT ledger's state as read now: a digest over its marks and decisions, and the mark count.
    ledger_digest: str = ""
    ledger_marks: int = 0
    #: A digest over the project's case rows and their scenario fingerprints as the set was read: what the
    #: evidence was judged against (a changed criterion changes it).
    scenarios_digest: str = ""
    drift: tuple[str, ...] = ()
    #: The folders whose results changed after the report declared the set (REPORT only).
    unreported: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Return how the set is named in one line: "evidence set 1a2b3c4d5e6f (uatkit report, …)"."""
        if self.kind is EvidenceKind.REPORT:
            return f"evidence set {self.manifest_id} (uatkit report, {self.created})"
        short = self.results_hash.removeprefix("sha256:")[:12]
        if self.kind is EvidenceKind.GIVEN:
            return f"results given with --results (sha256 {short}), not the evidence set of the report"
        return f"unreported results (sha256 {short}): no `uatkit report` has declared an evidence set"

    def facts(self) -> list[tuple[str, str]]:
        """Return the release and what the runs say (version, environment, base URL, commit, browser)."""
        found = [("release", self.release or "not set")]
        recorded = [run for run in self.runs if run.recorded]
        for label, attribute in RUN_FACTS:
            # The shards of one run count once: one run, whatever number of runners it was spread over.
            per_run = {(run.run_id, getattr(run, attribute)): None for run in recorded}
            value = run_values([value for _, value in per_run])
            if attribute == "commit" and not recorded and self.commit:
                # Without run records only the project's commit when the set was read or declared is known.
                value = f"{self.commit} (the project's, not recorded by a run)"
            found.append((label, value))
        return found

    def as_dict(self) -> dict[str, object]:
        """Return the set as JSON-ready data (docs/trace.md describes the keys)."""
        return {
            "kind": self.kind.value,
            "name": self.name,
            "manifest_id": self.manifest_id,
            "created": self.created,
            "folders": list(self.folders),
            "sources": list(self.sources),
            "results": self.results,
            "results_hash": self.results_hash,
            "ledger_digest": self.ledger_digest,
            "ledger_marks": self.ledger_marks,
            "scenarios_digest": self.scenarios_digest,
            "release": self.release,
            "commit": self.commit,
            "facts": dict(self.facts()),
            "runs": [
                {
                    "run_id": run.run_id,
                    "folder": run.folder,
                    "started": run.started,
                    "stopped": run.stopped,
                    "levels": list(run.levels),
                    "tests": run.tests,
                    "app_version": run.app_version,
                    "app_build": run.app_build,
                    "environment": run.environment,
                    "base_url": run.base_url,
                    "browser": run.browser,
                    "commit": run.commit,
                    "recorded": run.recorded,
                    "shard": run.shard,
                    "host": run.host,
                }
                for run in self.runs
            ],
            "drift": list(self.drift),
            "unreported": list(self.unreported),
            "notes": list(self.notes),
        }


def run_names(runs: Sequence[RunFacts], show: Callable[[str], str] = str) -> str:
    """Return the runs as one line: each run ID once, with its shards' count and "(no record)" as they apply.

    "3f2a… (4 shards), 9be1…" · "" for no runs.
    """
    shards: dict[str, list[RunFacts]] = {}
    for run in runs:
        shards.setdefault(run.run_id, []).append(run)
    parts = []
    for run_id, found in shards.items():
        count = len({run.shard for run in found if run.shard})
        part = show(run_id) + (f" ({count} shard{'s' if count != 1 else ''})" if count else "")
        parts.append(part + ("" if any(run.recorded for run in found) else " (no record)"))
    return ", ".join(parts)


def run_values(values: list[str]) -> str:
    """Return one fact over the runs: the value they share, or each with its count when they differ.

    "staging" · "staging (2 runs), uat (1 run)" · "not recorded" · "no run records".
    """
    if not values:
        return "no run records"
    counts: dict[str, int] = {}
    for value in values:
        shown = value or "not recorded"
        counts[shown] = counts.get(shown, 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{value} ({n} run{'s' if n != 1 else ''})" for value, n in counts.items())
