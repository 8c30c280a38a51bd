"""`uatkit signoff`: the verdict for the acceptance meeting, its gates, the page, and the sign-off records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from uatkit.cli.common import (
    ClientOption,
    Format,
    FormatOption,
    LangOption,
    ProjectOption,
    VendorOption,
    cells,
    echo_report,
    err,
    out,
    project_for,
    table,
    user_errors,
)
from uatkit.errors import EXIT_CHECK, UatkitError
from uatkit.trace.model import Outcome

if TYPE_CHECKING:
    from uatkit.model import PackLanguage
    from uatkit.project import Project
    from uatkit.trace.evidence import RecordStatus
    from uatkit.trace.model import EvidenceSet
    from uatkit.trace.signoff import SignoffRun

#: The verdict's colours in the terminal, as on the page.
_STYLE = {
    Outcome.GO: "bold white on green",
    Outcome.GO_WITH_CONDITIONS: "bold black on dark_orange",
    Outcome.NO_GO: "bold white on red",
}


def register(app: typer.Typer) -> None:
    """Add the signoff command to the app."""
    app.command()(signoff)


def signoff(
    results: Annotated[
        list[Path] | None,
        typer.Option(
            "--results",
            metavar="DIR",
            help="Allure results folder (repeatable) to read instead of the evidence set `uatkit report` "
            "declared (default: that set; with no report yet, [tool.uatkit.report] results).",
        ),
    ] = None,
    output: FormatOption = Format.TABLE,
    no_write: Annotated[bool, typer.Option("--no-write", help="Do not write reports/signoff.html.")] = False,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Store the verdict in the UAT ledger with the evidence set it rests on (needs --by and the "
            "report's current evidence set; a NO-GO is stored as NO-GO).",
        ),
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who records the sign-off (with --record).")
    ] = None,
    note: Annotated[
        str, typer.Option("--note", metavar="TEXT", help="A note kept with the record (with --record).")
    ] = "",
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="List the recorded sign-offs, each marked current or superseded by newer evidence.",
        ),
    ] = False,
    certificate: Annotated[
        bool,
        typer.Option(
            "--certificate",
            help="Also write reports/acceptance-certificate.html and .pdf for signature; needs a recorded GO "
            "or GO WITH CONDITIONS on the current evidence set.",
        ),
    ] = False,
    lang: LangOption = None,
    client: ClientOption = "",
    vendor: VendorOption = "",
    project: ProjectOption = None,
) -> None:
    """Decide GO / GO WITH CONDITIONS / NO-GO from the traceability matrix and the sign-off gates.

    Checks every gate of [tool.uatkit.signoff] against the evidence set `uatkit report` declared and
    writes the one-page signoff.html for the acceptance meeting. --record --by NAME stores the verdict in
    the UAT ledger with that evidence; --history lists the records; --certificate writes the acceptance
    certificate on the recorded sign-off. Exit code 0 for GO and GO WITH CONDITIONS, 1 for NO-GO.

    Example: uatkit signoff --record --by "Ann Lee" --note "acceptance meeting 24 Nov"
    """
    from uatkit.cli.trace import settle
    from uatkit.trace.signoff import RecordRequest, sign_off, signoff_history

    with user_errors():
        if history:
            if record or by or note or results or certificate:
                raise UatkitError(
                    "--history lists the records; it takes no --record, --by, --note, --results or "
                    "--certificate"
                )
            current, records = signoff_history(project_for(project))
        else:
            if (by or note) and not record:
                raise UatkitError("--by and --note go with --record: uatkit signoff --record --by NAME")
            if record and not by:
                raise UatkitError("--record needs --by NAME: who records the sign-off")
            if (lang or client or vendor) and not certificate:
                raise UatkitError(
                    "--lang, --client and --vendor go with --certificate: uatkit signoff --certificate"
                )
            request = RecordRequest(by or "", note) if record else None
            loaded = project_for(project)
            # The project's cases are derived once, here, and kept out of the collector's way (settle).
            loaded.fingerprints  # noqa: B018
            settle()
            run = sign_off(loaded, results or None, write=not no_write, record=request)
            documents = _certificate(loaded, run, lang, client, vendor) if certificate else []
    if history:
        _history(current, records, output)
        return
    verdict = run.verdict
    evidence = run.matrix.evidence
    if output is Format.JSON:
        data = verdict.as_dict()
        data["page"] = str(run.page) if run.page else ""
        data["evidence"] = evidence.as_dict() if evidence else None
        data["recorded"] = run.recorded.id if run.recorded else None
        data["already_recorded"] = run.already
        data["latest_record"] = run.latest.as_dict() if run.latest else None
        data["certificate"] = [loaded.relative(p) for p in documents]
        echo_report("signoff", data)
        for line in evidence.drift if evidence else ():
            err.print(f"warning: {line}", markup=False)
        for line in verdict.warnings:
            err.print(f"warning: {line}", markup=False)
        for note in run.matrix.notes:
            err.print(f"note: {note}", markup=False)
    else:
        from uatkit.cli.trace import show_evidence

        when = verdict.generated_at.strftime("%Y-%m-%d %H:%M")
        out.print(
            Text.assemble((f"  {verdict.outcome}  ", _STYLE[verdict.outcome]), f"  {verdict.project}  {when}")
        )
        if evidence:
            show_evidence(evidence)
        if verdict.uat_targets:
            out.print(Text(f"  UAT marks made on: {verdict.uat_basis}"))
        for warning in verdict.warnings:
            out.print(Text(f"warning: {warning}", "dark_orange"))
        listing = table("Sign-off gates", "", "rule", "priorities", "on fail", "reason")
        for result in verdict.gates:
            mark = Text("✓", "green") if result.passed else Text("✗", "red")
            listing.add_row(mark, *cells(result.label, result.scope, result.gate.on_fail, result.reason))
        out.print(listing)
        for condition in verdict.conditions if verdict.outcome is not Outcome.NO_GO else ():
            out.print(Text.assemble(("condition: ", "dark_orange"), condition))
        if run.recorded:
            r = run.recorded
            said = "already recorded as" if run.already else "recorded"
            out.print(
                f"{said} sign-off {r.id}: {r.outcome} by {r.who} on evidence set {r.evidence_id} "
                f"(release {r.release or 'not set'})",
                markup=False,
            )
        elif run.latest:
            out.print(_latest_line(run.latest), markup=False)
        if run.page:
            out.print(f"sign-off page: {run.shown_page}", markup=False)
        if documents:
            shown = ", ".join(loaded.relative(p) for p in documents)
            out.print(f"acceptance certificate: {shown}", markup=False)
        # What the matrix could not read (an unreadable result, no ledger) is said where the verdict is.
        for note in run.matrix.notes:
            out.print(Text(f"note: {note}", "dim"))
    if verdict.outcome is Outcome.NO_GO:
        raise typer.Exit(EXIT_CHECK)


def _certificate(
    loaded: Project, run: SignoffRun, lang: PackLanguage | None, client: str, vendor: str
) -> list[Path]:
    """Write the acceptance certificate on the release's latest record, or say why it cannot be written."""
    from uatkit.change.baseline import list_baselines
    from uatkit.change.model import RequestStatus
    from uatkit.change.requests import read_requests
    from uatkit.documents.certificate import (
        CertificateData,
        DefectLine,
        RecordLine,
        refusal,
        write_certificate,
    )
    from uatkit.documents.meta import document_language
    from uatkit.trace.signoff import open_failures

    latest = run.latest
    line = RecordLine(latest.record, latest.state.value, latest.reason) if latest else None
    why = refusal(line, run.verdict.outcome.value)
    if line is None or why:
        raise UatkitError(f"no acceptance certificate: {why}")
    baselines = list_baselines(loaded)
    baseline = baselines[-1] if baselines else None
    # The scope signed is the latest baseline and what was approved since; without one there is neither.
    requests = (
        tuple(
            r
            for r in read_requests(loaded)
            if r.status is RequestStatus.APPROVED
            and r.decided_on
            and r.decided_on >= baseline.approved_on
            # An approval the ledger does not hold is not part of the scope signed.
            and r.id not in run.matrix.unrecorded_approvals
        )
        if baseline
        else ()
    )
    record = line.record
    defects = tuple(
        DefectLine(f.requirement.id, f.requirement.title, f.case_id, f.level, f.message, f.defects)
        for f in open_failures(run.matrix)
    )
    data = CertificateData(
        project=run.verdict.project or loaded.config.project_name,
        release=record.release,
        version=record.version,
        environment=record.environment,
        commit=record.commit,
        evidence_id=record.evidence_id,
        results_hash=record.results_hash,
        record=line,
        conditions=run.verdict.conditions,
        matrix=run.matrix,
        defects=defects,
        baseline=baseline,
        requests=requests,
        language=document_language(loaded.catalogue, lang or loaded.config.uat.language),
        generated_at=run.verdict.generated_at,
        client=client,
        vendor=vendor,
    )
    return write_certificate(data, loaded.report_folder)


def _latest_line(status: RecordStatus) -> str:
    r = status.record
    when = r.recorded_at.strftime("%Y-%m-%d %H:%M") if r.recorded_at else ""
    said = f"last recorded sign-off {r.id}: {r.outcome} by {r.who} {when}"
    state = f"{status.state}" + (f" ({status.reason})" if status.reason else "")
    return f"{said} on evidence set {r.evidence_id}: {state}"


def _history(evidence: EvidenceSet, records: list[RecordStatus], output: Format) -> None:
    """Print the sign-off records, oldest first, each current or superseded by newer evidence."""
    if output is Format.JSON:
        data = {"evidence": evidence.as_dict(), "records": [s.as_dict() for s in records]}
        echo_report("signoff --history", data)
        return
    if not records:
        out.print("No sign-off recorded yet: uatkit signoff --record --by NAME", markup=False)
        return
    listing = table(
        "Recorded sign-offs (oldest first)", "#", "recorded", "by", "verdict", "evidence set", "what", "state"
    )
    for status in records:
        r = status.record
        when = r.recorded_at.strftime("%Y-%m-%d %H:%M") if r.recorded_at else ""
        what = " · ".join(
            f"{label} {value}"
            for label, value in (
                ("release", r.release),
                ("version", r.version),
                ("environment", r.environment),
            )
            if value
        ) + (f" · commit {r.commit}" if r.commit else "")
        state = Text(status.state.value, "green" if status.state == "current" else "dark_orange")
        if status.reason:
            state.append(f": {status.reason}", "dim")
        listing.add_row(*cells(str(r.id), when, r.who, r.outcome, r.evidence_id, what), state)
    out.print(listing)
    out.print(Text(f"current evidence: {evidence.name}", "dim"))
