"""The traceability matrix: every requirement with its cases, their results per level and UAT, a status.

This is the contract between the matrix (`uatkit.trace.matrix`, its html/xlsx/json outputs, `uatkit trace`)
and the sign-off (`uatkit.trace.signoff`, signoff.html, `uatkit signoff`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

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

    def counts(self) -> dict[TraceStatus, int]:
        """Return how many requirements have each status."""
        counts = dict.fromkeys(TraceStatus, 0)
        for requirement in self.requirements:
            counts[requirement.status] += 1
        return counts
