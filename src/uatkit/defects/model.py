"""A defect to file: one failed UAT mark or automated result with everything a developer needs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from uatkit.model import Priority

#: The label every filed defect carries, and the prefix of its own stable label.
LABEL = "uatkit"

#: Jira's default priority scheme, by the requirement's priority.
JIRA_PRIORITY = {
    Priority.MUST: "High",
    Priority.SHOULD: "Medium",
    Priority.COULD: "Low",
    Priority.WONT: "Lowest",
}
#: ZenTao's 严重程度 (severity) and 优先级 (priority), 1 the highest, by the requirement's priority.
ZENTAO_SEVERITY = {Priority.MUST: 2, Priority.SHOULD: 3, Priority.COULD: 4, Priority.WONT: 4}
ZENTAO_PRIORITY = {Priority.MUST: 1, Priority.SHOULD: 2, Priority.COULD: 3, Priority.WONT: 4}


def stable_id(case_key: str, level: str) -> str:
    """Return the defect's stable ID: the label `uatkit-…` its issue carries in the tracker.

    It names the failure of one case row at one level (uat, unit, integration, e2e), not one run of it:
    a row that fails again in a later run or re-test round is the same defect until it is fixed.
    """
    digest = hashlib.sha256(f"{case_key}\0{level}".encode()).hexdigest()
    return f"{LABEL}-{digest[:16]}"


@dataclass(frozen=True)
class Defect:
    """A failure to file: a UAT mark (Fail, Blocked) or an automated result (failed, broken), with context."""

    id: str
    #: "uat" for a UAT mark, else the automated level (unit, integration, e2e).
    level: str
    #: The UAT status (Fail, Blocked) or the Allure status (failed, broken).
    status: str
    case_key: str
    case_id: str
    requirement: str
    requirement_title: str
    requirement_url: str
    title: str
    module: str
    priority: Priority
    owner: str
    language: str
    preconditions: tuple[str, ...]
    steps: tuple[str, ...]
    expected: tuple[str, ...]
    test_data: str
    #: The tester (UAT) or "" (automated); the test date (UAT) or the result's end (automated), ISO 8601.
    tester: str
    date: str
    #: What the tester saw, or the result's failure message.
    actual: str
    comments: str
    #: Evidence file names: the mark's evidence, or the result's attachments.
    evidence: tuple[str, ...]
    #: The UAT pack (UAT only) and where the evidence came from (pack file › sheet › row, or result file).
    pack_id: str
    source: str
    #: The ledger's mark ID (UAT) or the run ID and result uuid (automated; the UAT result's uuid for UAT).
    mark_id: int | None
    run_id: str
    result_uuid: str
    #: The link that opens the result in the Allure report ("" when there is no report yet).
    allure_link: str
    #: The release it affects and the environment and version it was seen on.
    release: str
    environment: str
    version: str

    def as_dict(self) -> dict[str, object]:
        """Return the defect as JSON-ready data (docs/defects.md describes the keys)."""
        return {
            "id": self.id,
            "level": self.level,
            "status": self.status,
            "requirement": self.requirement,
            "requirement_title": self.requirement_title,
            "requirement_url": self.requirement_url,
            "case": self.case_key,
            "title": self.title,
            "module": self.module,
            "priority": self.priority.value,
            "pack": self.pack_id,
            "tester": self.tester,
            "date": self.date,
            "actual": self.actual,
            "comments": self.comments,
            "evidence": list(self.evidence),
            "allure_link": self.allure_link,
            "source": self.source,
            "mark_id": self.mark_id,
            "run_id": self.run_id,
            "result_uuid": self.result_uuid,
            "release": self.release,
            "environment": self.environment,
            "version": self.version,
        }

    @property
    def pack_or_level(self) -> str:
        """Return where it failed: the UAT pack, or the automated level."""
        return self.pack_id if self.level == "uat" and self.pack_id else self.level

    @property
    def summary(self) -> str:
        """Return the one-line title of the issue: "[UAT Fail] REQ-101.AC-1 Order total …"."""
        where = "UAT" if self.level == "uat" else self.level
        # Scenario names open with their criterion's ID ("AC-2 …"), which the case key already says.
        criterion = self.case_id.rpartition(".")[2]
        title = self.title.removeprefix(f"{criterion} ") if criterion else self.title
        return f"[{where} {self.status}] {self.case_key} {title}"[:250]


@dataclass(frozen=True)
class KnownDefect:
    """A failure that already has a defect ID (a Defect cell, an issue link, a tag, or one filed)."""

    defect: Defect
    ids: tuple[str, ...]
    #: The issues `uatkit defects push` filed or found for it (a part of `ids`).
    filed: tuple[str, ...] = ()

    @property
    def said(self) -> str:
        """Return why it needs no new defect: "already filed as ABC-12" or "has defect ID BUG-7"."""
        if self.filed:
            return f"already filed as {', '.join(self.filed)}"
        return f"has defect ID {', '.join(self.ids)}"
