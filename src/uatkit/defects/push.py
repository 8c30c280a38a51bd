"""File defects in Jira, each once: the ledger first, then a search by the defect's label, then a new issue.

Each issue created (or found filed already) is recorded in the ledger at once, in a transaction of its own:
what succeeded stays recorded when a later defect fails; nothing is recorded for a defect that failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from uatkit.defects.find import Findings
from uatkit.defects.jira import JiraClient, JiraSite, Refused, TrackerError, issue_payload
from uatkit.defects.model import Defect
from uatkit.project import Project
from uatkit.uat.ledger import FiledDefect, Ledger, os_user
from uatkit.uat.ledger_location import open_ledger

TRACKER = "jira"


class Outcome(StrEnum):
    """What happened to one defect."""

    CREATED = "created"
    #: Filed before: recorded in the ledger, found by its label, or named by a defect ID already.
    ALREADY = "already filed"
    WOULD_CREATE = "would create"
    FAILED = "failed"
    NOT_TRIED = "not tried"


@dataclass(frozen=True)
class Pushed:
    """One defect's outcome: the issue's key and URL, or why it failed."""

    defect: Defect
    outcome: Outcome
    key: str = ""
    url: str = ""
    message: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PushRun:
    """A push: each defect's outcome, the account it ran as, and the fault that stopped it, if any."""

    items: tuple[Pushed, ...]
    account: str = ""
    stopped: str = ""

    @property
    def failed(self) -> bool:
        """Return True when a defect could not be filed."""
        return bool(self.stopped) or any(item.outcome is Outcome.FAILED for item in self.items)


def push_to_jira(project: Project, findings: Findings, site: JiraSite, *, dry_run: bool = False) -> PushRun:
    """File each failure without a defect ID; say of each one filed before where it is."""
    items: list[Pushed] = []
    for known in findings.known:
        items.append(Pushed(known.defect, Outcome.ALREADY, ", ".join(known.ids), message=known.said))
    if dry_run:
        # A dry run sends nothing and records nothing: it shows what a push would send.
        for defect in findings.new:
            items.append(Pushed(defect, Outcome.WOULD_CREATE, payload=issue_payload(defect, site)))
        return PushRun(tuple(items))
    if not findings.new:
        return PushRun(tuple(items))
    client = JiraClient(site)
    try:
        try:
            account = client.myself()
        except TrackerError as exc:
            return PushRun(tuple(items), stopped=str(exc))
        with open_ledger(project) as ledger:
            stopped = ""
            for defect in findings.new:
                if stopped:
                    items.append(Pushed(defect, Outcome.NOT_TRIED))
                    continue
                try:
                    items.append(_file(ledger, client, defect, account))
                except Refused as exc:
                    items.append(Pushed(defect, Outcome.FAILED, message=str(exc)))
                except TrackerError as exc:
                    stopped = str(exc)
                    items.append(Pushed(defect, Outcome.FAILED, message=stopped))
    finally:
        client.close()
    return PushRun(tuple(items), account, stopped)


def _file(ledger: Ledger, client: JiraClient, defect: Defect, account: str) -> Pushed:
    site = client.site
    recorded = ledger.defects.find(defect.id, TRACKER, site.url)
    if recorded is not None:
        return Pushed(defect, Outcome.ALREADY, recorded.key, recorded.url, f"already filed as {recorded.key}")
    found = client.find(defect.id)
    if found is not None:
        _record(ledger, defect, site, found.key, found.url, "found", account)
        return Pushed(defect, Outcome.ALREADY, found.key, found.url, f"already filed as {found.key}")
    issue = client.create(issue_payload(defect, site), f"the defect of {defect.case_key} ({defect.level})")
    _record(ledger, defect, site, issue.key, issue.url, "created", account)
    return Pushed(defect, Outcome.CREATED, issue.key, issue.url)


def _record(
    ledger: Ledger, defect: Defect, site: JiraSite, key: str, url: str, how: str, account: str
) -> FiledDefect:
    return ledger.defects.record(
        FiledDefect(
            defect_id=defect.id,
            case_key=defect.case_key,
            level=defect.level,
            mark_id=defect.mark_id,
            run_id=defect.run_id,
            result_uuid=defect.result_uuid,
            tracker=TRACKER,
            tracker_url=site.url,
            key=key,
            url=url,
            how=how,
            filed_by=os_user(),
            tracker_user=account,
        )
    )


def counts(run: PushRun) -> dict[str, int]:
    """Return how many defects had each outcome."""
    return {outcome.value: sum(1 for i in run.items if i.outcome is outcome) for outcome in Outcome}


def first_lines(items: Sequence[Pushed]) -> list[str]:
    """Return one line a defect, for the terminal."""
    lines = []
    for item in items:
        d = item.defect
        head = f"{d.case_key} ({d.pack_or_level}, {d.status})"
        if item.outcome is Outcome.CREATED:
            lines.append(f"created {item.key} for {head}: {item.url}")
        elif item.outcome is Outcome.ALREADY:
            lines.append(f"{head}: {item.message}")
        elif item.outcome is Outcome.WOULD_CREATE:
            lines.append(f"would create for {head}: {d.summary}")
        elif item.outcome is Outcome.FAILED:
            lines.append(f"failed for {head}: {item.message}")
        else:
            lines.append(f"not tried for {head}: the push stopped")
    return lines
