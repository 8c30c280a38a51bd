"""The acceptance certificate for signature: the release, its scope, the evidence and the recorded sign-off.

It takes plain data the CLI assembles (`CertificateData`), so that documents never import the sign-off
stage: the verdict arrives as the recorded sign-off and its gates, the open failures as `DefectLine`s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uatkit.atomic import atomic_write_text
from uatkit.change.model import Baseline, ChangeRequest
from uatkit.documents.labels import LABELS, OUTCOMES, RECORD_STATES, SIGNATORIES, STATUSES
from uatkit.model import PackLanguage
from uatkit.trace.model import STATUS_ORDER, Matrix, RequirementTrace, TraceStatus
from uatkit.trace.pages import render_page
from uatkit.uat.ledger_schema import SignoffRecord

#: The certificate's files in the report folder.
CERTIFICATE = "acceptance-certificate"
_RECORD_FIRST = "record one first with `uatkit signoff --record --by NAME`"


@dataclass(frozen=True)
class RecordLine:
    """The release's latest sign-off record and whether it rests on the current evidence set."""

    record: SignoffRecord
    #: "current", "superseded" or "unknown" (trace.evidence.RecordState's values).
    state: str
    reason: str = ""


@dataclass(frozen=True)
class DefectLine:
    """An open failure: a failing case of a FAILED requirement, at one level, with its defect IDs."""

    requirement: str
    title: str
    case_id: str
    level: str
    message: str
    defects: tuple[str, ...]


@dataclass(frozen=True)
class ModuleStatus:
    """One module's requirements and how many have each status."""

    name: str
    requirements: tuple[RequirementTrace, ...]

    def count(self, status: TraceStatus) -> int:
        """Return how many of the module's requirements have `status`."""
        return sum(1 for r in self.requirements if r.status is status)


@dataclass(frozen=True)
class CertificateData:
    """What the certificate states: the verdict's record, the matrix, the baseline and the requests since."""

    project: str
    release: str
    version: str
    environment: str
    commit: str
    evidence_id: str
    results_hash: str
    record: RecordLine
    #: The verdict's conditions (GO WITH CONDITIONS), as the sign-off gives them.
    conditions: tuple[str, ...]
    matrix: Matrix
    defects: tuple[DefectLine, ...]
    #: The latest baseline and the change requests approved since it (None and () without a baseline).
    baseline: Baseline | None
    requests: tuple[ChangeRequest, ...]
    #: Already chosen: en or zh-CN, never auto.
    language: PackLanguage
    generated_at: dt.datetime
    client: str = ""
    vendor: str = ""


def refusal(record: RecordLine | None, outcome_now: str) -> str | None:
    """Return why no certificate can be written on this record (None when one can)."""
    if record is None:
        return f"no sign-off is recorded for this release: {_RECORD_FIRST}"
    r = record.record
    if record.state != "current":
        why = f" ({record.reason})" if record.reason else ""
        return (
            f"the last recorded sign-off {r.id} ({r.outcome} by {r.recorded_by}) does not rest on the "
            f"current evidence{why}: {_RECORD_FIRST}"
        )
    if r.outcome == "NO-GO":
        return (
            f"the recorded sign-off {r.id} by {r.recorded_by} is NO-GO, and a certificate of acceptance "
            "cannot rest on NO-GO: fix what the gates name, run `uatkit report`, then record a GO"
        )
    if outcome_now != r.outcome:
        return (
            f"the gates now give {outcome_now} while the recorded sign-off {r.id} says {r.outcome} (the "
            f"[tool.uatkit.signoff] gates changed since): {_RECORD_FIRST}"
        )
    return None


def modules(matrix: Matrix) -> list[ModuleStatus]:
    """Return the matrix's requirements grouped by module, in catalogue order."""
    groups: dict[str, list[RequirementTrace]] = {}
    for requirement in matrix.requirements:
        groups.setdefault(requirement.module, []).append(requirement)
    return [ModuleStatus(name, tuple(group)) for name, group in groups.items()]


def certificate_title(data: CertificateData) -> str:
    """Return the line printed on top of each page: the project, the document and the release."""
    parts = [data.project, LABELS["certificate"][data.language], data.release]
    return " · ".join(part for part in parts if part)


def certificate_html(data: CertificateData) -> str:
    """Return the certificate as a self-contained HTML page that prints on A4."""
    return render_page("certificate.html.j2", **_values(data))


def write_certificate(data: CertificateData, folder: Path, *, browser_path: str | None = None) -> list[Path]:
    """Write acceptance-certificate.html and .pdf into `folder`; return their paths.

    The HTML is written first, so that when no browser can print the PDF (an error saying what to install)
    it is there to print from any browser.
    """
    # Playwright loads only when the PDF is printed.
    from uatkit.documents.pdf import html_to_pdf

    html, pdf = folder / f"{CERTIFICATE}.html", folder / f"{CERTIFICATE}.pdf"
    page = certificate_html(data)
    atomic_write_text(html, page)
    html_to_pdf(page, pdf, browser_path=browser_path, title=certificate_title(data), written=html)
    return [html, pdf]


def _values(data: CertificateData) -> dict[str, Any]:
    # The caller chooses between the two from the stories; `auto` left unchosen reads as English.
    language = PackLanguage.EN if data.language is PackLanguage.AUTO else data.language
    record = data.record.record
    return {
        "data": data,
        "record": record,
        "language": str(language),
        "labels": {key: text[language] for key, text in LABELS.items()},
        "outcome": OUTCOMES[record.outcome][language],
        "outcome_class": record.outcome.lower().replace(" ", "-"),
        "state": RECORD_STATES.get(data.record.state, {}).get(language, data.record.state),
        "status_names": {s: STATUSES[s.value][language] for s in STATUS_ORDER},
        "modules": modules(data.matrix),
        "signatories": list(zip((p[language] for p in SIGNATORIES), (data.client, data.vendor), strict=True)),
        # base.html.j2's status chips.
        "statuses": STATUS_ORDER,
    }
