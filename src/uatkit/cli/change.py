"""`uatkit baseline` and `uatkit change`: freeze the signed scope, raise and decide change requests."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

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
    uatkit_version,
    user_errors,
)
from uatkit.documents.meta import SpecMeta, document_language
from uatkit.errors import EXIT_CHECK, UatkitError

if TYPE_CHECKING:
    from pathlib import Path

    from rich.text import Text

    from uatkit.change.model import Baseline, ChangeRequest
    from uatkit.project import Project

baseline_app = typer.Typer(
    name="baseline",
    help="The requirements baseline the client signed: freeze it, list and show baselines. "
    'Example: uatkit baseline create R1 --approved-by "Ann Lee (client)"',
    no_args_is_help=True,
    rich_markup_mode=None,
)
change_app = typer.Typer(
    name="change",
    help="Change requests against the baseline (changes/CR-7.md): raise, approve, reject, list. "
    'Example: uatkit change new --title "Refunds by card" --changes REQ-7 --reason "…" --requested-by Ann',
    no_args_is_help=True,
    rich_markup_mode=None,
)

DateOption = Annotated[str | None, typer.Option("--date", help="The date, YYYY-MM-DD (default: today).")]
Requirements = Annotated[list[str] | None, typer.Option(help="A requirement ID; repeat it for more.")]


def register(app: typer.Typer) -> None:
    """Add the baseline and change command groups to the app."""
    app.add_typer(baseline_app)
    app.add_typer(change_app)


def _date(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UatkitError(f"--date {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-15") from None


def _summary(loaded: Project, baseline: Baseline) -> dict[str, Any]:
    from uatkit.change.baseline import baseline_path

    return {
        "name": baseline.name,
        "file": loaded.relative(baseline_path(loaded, baseline.name)),
        "approved_by": baseline.approved_by,
        "approved_on": baseline.approved_on.isoformat(),
        "note": baseline.note,
        "project": baseline.project,
        "commit": baseline.commit,
        "requirements": len(baseline.requirements),
        "criteria": baseline.criteria,
        "digest": baseline.digest,
    }


@baseline_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The baseline's name (its file: baselines/NAME.json).")],
    approved_by: Annotated[str, typer.Option("--approved-by", help="Who signed the requirements.")],
    date: DateOption = None,
    note: Annotated[str, typer.Option(help="A note kept in the baseline (the contract, the meeting).")] = "",
    lang: LangOption = None,
    client: ClientOption = "",
    vendor: VendorOption = "",
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Freeze the catalogue as the requirements the client signed: baselines/NAME.json, never replaced.

    Each requirement and criterion is kept with its text and fingerprint, priority, owner and levels; the
    file is deterministic and carries a digest, and the ledger's audit records who created it. Beside it go
    the requirements specification to sign: baselines/specification-NAME.html, .xlsx and .pdf.

    Example: uatkit baseline create R1 --approved-by "Ann Lee (client)" --date 2026-12-01 --client ACME
    """
    from uatkit.change.baseline import baselines_folder, create_baseline, uncovered

    with user_errors():
        loaded = project_for(project)
        baseline, path = create_baseline(loaded, name, approved_by, _date(date), note)
    # Said, not refused: the client signs the stories; the cases are what evidence will be checked against.
    warnings = [
        f"{case_id}: the features hold no case for this criterion; run `uatkit generate`"
        for case_id in uncovered(baseline)
    ]
    # The baseline is created whatever happens to its documents: a machine without Chromium still gets the
    # HTML and the workbook, and is told how to print the PDF.
    meta = SpecMeta(
        project=loaded.config.project_name,
        baseline=baseline.name,
        approved_by=baseline.approved_by,
        approved_on=baseline.approved_on,
        commit=baseline.commit,
        language=lang or loaded.config.uat.language,
        client=client,
        vendor=vendor,
    )
    documents, missing = _specification(loaded, meta, baselines_folder(loaded))
    warnings += missing
    if output is Format.JSON:
        echo_report(
            "baseline create",
            {"baseline": _summary(loaded, baseline), "documents": documents, "warnings": warnings},
        )
        return
    for warning in warnings:
        err.print(f"warning: {warning}", markup=False)
    from uatkit.uat.ledger_location import ledger_shown

    out.print(
        f"{loaded.relative(path)}: baseline {baseline.name} of {len(baseline.requirements)} requirements and "
        f"{baseline.criteria} criteria, approved by {baseline.approved_by} on {baseline.approved_on} "
        f"({baseline.digest[:19]}…); recorded in {ledger_shown(loaded)}",
        markup=False,
    )
    out.print(f"specification for signature: {', '.join(documents)}", markup=False)


def _specification(loaded: Project, meta: SpecMeta, folder: Path) -> tuple[list[str], list[str]]:
    """Write the specification beside the baseline; return the files written and what stopped the PDF."""
    # The CLI writes the documents, not uatkit.change: change and documents are one layer and stay apart.
    from uatkit.documents.specification import specification_paths, write_specification

    # Names the file name folds alike (R1 and r1) would share the documents: a signed one is never replaced.
    if taken := [loaded.relative(p) for p in specification_paths(meta, folder) if p.exists()]:
        return [], [f"{', '.join(taken)} exist already and were not replaced: they print another baseline"]
    try:
        paths = write_specification(loaded.catalogue, meta, folder)
    except UatkitError as exc:
        # The HTML and the workbook are written before the PDF is printed: only the PDF can be missing.
        shown = [loaded.relative(p) for p in specification_paths(meta, folder)[:2] if p.is_file()]
        return shown, [f"the specification's PDF was not written ({' and '.join(shown)} were): {exc}"]
    return [loaded.relative(p) for p in paths], []


@baseline_app.command("documents")
def documents(
    name: Annotated[str, typer.Argument(help="The baseline whose specification to print again.")],
    lang: LangOption = None,
    client: ClientOption = "",
    vendor: VendorOption = "",
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Print a baseline's specification for signature again, in another language, beside the first.

    Only while the stories say what the baseline froze (no change since it): the document prints the stories.
    The files are named by the language (baselines/specification-NAME-zh-CN.pdf); none is ever replaced.

    Example: uatkit baseline documents R1 --lang zh-CN
    """
    from uatkit.change.baseline import baselines_folder, find_baseline
    from uatkit.change.diff import diff_catalogue
    from uatkit.documents.meta import document_language

    with user_errors():
        loaded = project_for(project)
        baseline = find_baseline(loaded, name)
        scope = diff_catalogue(baseline, loaded.catalogue, loaded.cases, [])
        if scope.changes:
            changed = ", ".join(f"{c.id} ({c.kind})" for c in scope.changes)
            raise UatkitError(
                f"the stories changed since baseline {baseline.name} ({changed}): a specification printed "
                "now would not be what was signed; print it from the commit the baseline names "
                f"({baseline.commit or 'see baseline show'})"
            )
    language = document_language(loaded.catalogue, lang or loaded.config.uat.language)
    meta = SpecMeta(
        project=loaded.config.project_name,
        baseline=baseline.name,
        approved_by=baseline.approved_by,
        approved_on=baseline.approved_on,
        commit=baseline.commit,
        language=language,
        client=client,
        vendor=vendor,
        file_suffix=f"-{language}",
    )
    written, missing = _specification(loaded, meta, baselines_folder(loaded))
    if output is Format.JSON:
        echo_report(
            "baseline documents", {"baseline": baseline.name, "documents": written, "warnings": missing}
        )
        return
    for warning in missing:
        err.print(f"warning: {warning}", markup=False)
    if written:
        out.print(f"specification for signature ({language}): {', '.join(written)}", markup=False)


@baseline_app.command("list")
def list_(project: ProjectOption = None, output: FormatOption = Format.TABLE) -> None:
    """List the project's baselines by approval date; the last one is the latest.

    Example: uatkit baseline list
    """
    from uatkit.change.baseline import list_baselines

    with user_errors():
        loaded = project_for(project)
        every = list_baselines(loaded)
    if output is Format.JSON:
        echo_report(
            "baseline list",
            {
                "baselines": [_summary(loaded, b) for b in every],
                "latest": every[-1].name if every else None,
            },
        )
        return
    if not every:
        out.print(
            'no baseline yet; freeze the signed scope with uatkit baseline create NAME --approved-by "WHO"'
        )
        return
    listing = table("Baselines", "Name", "Approved by", "On", "Requirements", "Criteria", "Digest")
    for b in every:
        listing.add_row(
            *cells(b.name, b.approved_by, str(b.approved_on), str(len(b.requirements)), str(b.criteria)),
            *cells(b.digest[:19] + "…"),
        )
    out.print(listing)
    out.print(f"latest: {every[-1].name}", markup=False)


@baseline_app.command("show")
def show(
    name: Annotated[str | None, typer.Argument(help="The baseline (default: the latest).")] = None,
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Show a baseline: who approved it and when, its digest, its requirements and criteria by module.

    Example: uatkit baseline show R1
    """
    from uatkit.change.baseline import find_baseline

    with user_errors():
        loaded = project_for(project)
        baseline = find_baseline(loaded, name)
    requirements = Counter(r.module for r in baseline.requirements)
    criteria: Counter[str] = Counter()
    for r in baseline.requirements:
        criteria[r.module] += len(r.criteria)
    modules = [
        {"module": module, "requirements": requirements[module], "criteria": criteria[module]}
        for module in sorted(requirements)
    ]
    if output is Format.JSON:
        echo_report("baseline show", {"baseline": _summary(loaded, baseline), "modules": modules})
        return
    summary = _summary(loaded, baseline)
    for label, key in (
        ("Baseline", "name"),
        ("File", "file"),
        ("Approved by", "approved_by"),
        ("Approved on", "approved_on"),
        ("Note", "note"),
        ("Project", "project"),
        ("Commit", "commit"),
        ("Digest", "digest"),
    ):
        if summary[key]:
            out.print(f"{label}: {summary[key]}", markup=False)
    listing = table("Requirements by module", "Module", "Requirements", "Criteria")
    for row in modules:
        listing.add_row(*cells(str(row["module"]), str(row["requirements"]), str(row["criteria"])))
    listing.add_row(*cells("Total", str(len(baseline.requirements)), str(baseline.criteria)))
    out.print(listing)


#: How the terminal shows a word diff's segments: taken out red and struck, put in green; marked as git's
#: --word-diff=plain does so a log without colour still tells them apart.
_STYLES = {"delete": ("[-", "-]", "red strike"), "insert": ("{+", "+}", "green"), "equal": ("", "", "")}


def _words(segments: list[list[str]]) -> Text:
    from rich.text import Text

    from uatkit.text import shown_text

    text = Text()
    for op, words in segments:
        before, after, style = _STYLES[op]
        text.append(f"{before}{shown_text(words)}{after}", style=style)
    return text


@baseline_app.command("diff")
def diff(
    name: Annotated[str | None, typer.Argument(help="The baseline (default: the latest).")] = None,
    html: Annotated[bool, typer.Option("--html", help="Write reports/change-impact.html.")] = False,
    xlsx: Annotated[bool, typer.Option("--xlsx", help="Write reports/change-impact.xlsx.")] = False,
    lang: LangOption = None,
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Compare the catalogue with a baseline: what changed, word by word, who approved it, what it reopens.

    Exit 0 when every change is covered by an approved change request, 1 when one is not, 2 for input errors.

    The page and the workbook are in English or Chinese (--lang); the story text stays as written.

    Example: uatkit baseline diff R1 --html --xlsx --lang zh-CN
    """
    import datetime as dt

    from uatkit.change.baseline import find_baseline
    from uatkit.change.diff import diff_catalogue
    from uatkit.change.impact import impact_of, report_data
    from uatkit.change.requests import read_requests
    from uatkit.trace.change_report import write_change_impact
    from uatkit.trace.evidence import choose_evidence

    with user_errors():
        loaded = project_for(project)
        baseline = find_baseline(loaded, name)
        requests = read_requests(loaded)
        scope = diff_catalogue(baseline, loaded.catalogue, loaded.cases, requests)
        data = report_data(scope, impact_of(scope, loaded, choose_evidence(loaded).paths))
        now = dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
        written = write_change_impact(
            data,
            loaded.report_folder,
            loaded.config.project_name,
            uatkit_version(),
            now,
            html=html,
            xlsx=xlsx,
            language=document_language(loaded.catalogue, lang or loaded.config.uat.language),
        )
    # Until the features follow the stories, the cases (and so stale results and marks) are the old ones.
    pending = [r["id"] for r in data["requirements"] if r["impact"]["features"] and r["change"] != "removed"]
    warnings = (
        [
            f"the features of {', '.join(pending)} are not generated from the stories yet, so the impact "
            "below counts the old scenarios: run `uatkit generate`, then diff again"
        ]
        if pending
        else []
    )
    if output is Format.JSON:
        echo_report(
            "baseline diff", {**data, "files": [loaded.relative(p) for p in written], "warnings": warnings}
        )
    else:
        for warning in warnings:
            err.print(f"warning: {warning}", markup=False)
        _print_diff(data)
        for path in written:
            out.print(f"wrote {loaded.relative(path)}", markup=False)
    if not scope.covered:
        raise typer.Exit(EXIT_CHECK)


def _print_diff(data: dict[str, Any]) -> None:
    counts = data["counts"]
    base = data["baseline"]
    out.print(
        f"baseline {base['name']} (approved by {base['approved_by']} on {base['approved_on']}): "
        f"{counts['added']} added, {counts['changed']} changed, {counts['removed']} removed, "
        f"{counts['unchanged']} unchanged",
        markup=False,
    )
    if not data["requirements"]:
        return
    listing = table(
        "Changes since the baseline", "Requirement", "Change", "Part", "Words", "Requests", "Covered"
    )
    for r in data["requirements"]:
        requests = ", ".join(f"{c['id']} ({c['status']})" for c in r["requests"]) or "none"
        covered = "yes" if r["covered"] else "NO"
        for n, part in enumerate(r["parts"] or [{"part": "", "change": "", "words": []}]):
            head = cells(f"{r['id']} {r['title']}", r["change"]) if n == 0 else cells("", "")
            tail = cells(requests, covered) if n == 0 else cells("", "")
            listing.add_row(
                *head, *cells(f"{part['part']} {part['change']}".strip()), _words(part["words"]), *tail
            )
    out.print(listing)
    effects = table(
        "What it reopens", "Requirement", "Features", "Stale results", "Stale marks", "Packs", "Re-run"
    )
    for r in data["requirements"]:
        i = r["impact"]
        effects.add_row(
            *cells(
                r["id"],
                "\n".join(i["features"]),
                ", ".join(f"{s['key']} {s['level']}" for s in i["stale_results"]),
                ", ".join(f"{m['key']} ({m['pack']})" for m in i["stale_marks"]),
                ", ".join(i["packs"]),
                ", ".join(i["rerun"]) + (f" at {', '.join(i['levels'])}" if i["levels"] else ""),
            )
        )
    out.print(effects)
    for item in data["reissue"]:
        out.print(f"issue again to {item['owner'] or '(no owner)'}: {', '.join(item['rows'])}", markup=False)
    uncovered = [r["id"] for r in data["requirements"] if not r["covered"]]
    if uncovered:
        out.print(
            f"not covered by an approved change request: {', '.join(uncovered)}; raise one with "
            "uatkit change new --changes REQ-… and have it approved",
            markup=False,
        )
    else:
        out.print("every change is covered by an approved change request", markup=False)


def _request(loaded: Project, request: ChangeRequest, path: Path | None = None) -> dict[str, Any]:
    from uatkit.change.requests import changes_folder

    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": request.id,
        "title": request.title,
        "status": request.status.value,
        "adds": list(request.adds),
        "changes": list(request.changes),
        "removes": list(request.removes),
        "reason": request.reason,
        "requested_by": request.requested_by,
        "requested_on": day(request.requested_on),
        "decided_by": request.decided_by or None,
        "decided_on": day(request.decided_on),
        "decision_note": request.decision_note,
        "file": loaded.relative(path or changes_folder(loaded) / f"{request.id}.md"),
    }


def _said(request: ChangeRequest) -> str:
    parts = [
        f"{what} {', '.join(ids)}"
        for what, ids in (
            ("adds", request.adds),
            ("changes", request.changes),
            ("removes", request.removes),
        )
        if ids
    ]
    return "; ".join(parts) or "names no requirement"


@change_app.command("new")
def new(
    title: Annotated[str, typer.Option(help="What changes, in a line.")],
    reason: Annotated[str, typer.Option(help="Why the change is asked for.")],
    requested_by: Annotated[str, typer.Option("--requested-by", help="Who asks for the change.")],
    ident: Annotated[str | None, typer.Option("--id", help="The ID (default: the next free CR-n).")] = None,
    adds: Requirements = None,
    changes: Requirements = None,
    removes: Requirements = None,
    date: DateOption = None,
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Write a proposed change request, changes/CR-n.md, to review in git and decide.

    Example: uatkit change new --title "Card refunds" --changes REQ-7 --reason "By card" --requested-by Ann
    """
    from uatkit.change.requests import new_request

    with user_errors():
        loaded = project_for(project)
        request, path = new_request(
            loaded, ident, title, adds or [], changes or [], removes or [], reason, requested_by, _date(date)
        )
    if output is Format.JSON:
        echo_report("change new", {"request": _request(loaded, request, path)})
        return
    out.print(f"{loaded.relative(path)}: {request.id} proposed ({_said(request)})", markup=False)


def _decide(
    approve: bool, ident: str, by: str, date: str | None, note: str, project: Path | None, output: Format
) -> None:
    from uatkit.change.requests import decide

    with user_errors():
        loaded = project_for(project)
        request, path = decide(loaded, ident, approve, by, _date(date), note)
    if output is Format.JSON:
        echo_report(
            f"change {'approve' if approve else 'reject'}", {"request": _request(loaded, request, path)}
        )
        return
    from uatkit.uat.ledger_location import ledger_shown

    out.print(
        f"{loaded.relative(path)}: {request.id} {request.status.value} by {request.decided_by} on "
        f"{request.decided_on}; recorded in {ledger_shown(loaded)}",
        markup=False,
    )


@change_app.command("approve")
def approve(
    request: Annotated[str, typer.Argument(metavar="ID", help="The change request, e.g. CR-7.")],
    by: Annotated[str, typer.Option("--by", help="Who approves it.")],
    date: DateOption = None,
    note: Annotated[str, typer.Option(help="A note kept with the decision.")] = "",
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Approve a proposed change request: its status, who and when go into its file and the ledger's audit.

    Example: uatkit change approve CR-7 --by "Ann Lee (client)" --date 2026-12-10
    """
    _decide(True, request, by, date, note, project, output)


@change_app.command("reject")
def reject(
    request: Annotated[str, typer.Argument(metavar="ID", help="The change request, e.g. CR-7.")],
    by: Annotated[str, typer.Option("--by", help="Who rejects it.")],
    date: DateOption = None,
    note: Annotated[str, typer.Option(help="Why it is rejected, kept with the decision.")] = "",
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Reject a proposed change request: its status, who and when go into its file and the ledger's audit.

    Example: uatkit change reject CR-8 --by "Ann Lee (client)" --note "Out of scope for R1"
    """
    _decide(False, request, by, date, note, project, output)


@change_app.command("list")
def list_requests(project: ProjectOption = None, output: FormatOption = Format.TABLE) -> None:
    """List the change requests with their status, requirements and decision.

    Example: uatkit change list --format json
    """
    from uatkit.change.requests import read_requests

    with user_errors():
        loaded = project_for(project)
        requests = read_requests(loaded)
    counts = Counter(r.status.value for r in requests)
    if output is Format.JSON:
        echo_report(
            "change list",
            {"requests": [_request(loaded, r) for r in requests], "counts": dict(sorted(counts.items()))},
        )
        return
    if not requests:
        out.print(
            "no change request yet; raise one with uatkit change new --title … --reason … --requested-by …"
        )
        return
    listing = table("Change requests", "ID", "Title", "Status", "Requirements", "Decided")
    for r in requests:
        decided = f"{r.decided_by}, {r.decided_on}" if r.decided_by else ""
        listing.add_row(*cells(r.id, r.title, r.status.value, _said(r), decided))
    out.print(listing)
