"""`uatkit defects`: failures without a defect ID, out to Jira's CSV importer, ZenTao's workbook, or Jira."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from uatkit.cli.common import (
    Format,
    FormatOption,
    ProjectOption,
    cells,
    echo_report,
    err,
    out,
    project_for,
    user_errors,
)
from uatkit.errors import EXIT_INPUT

if TYPE_CHECKING:
    from uatkit.defects.export import Target
    from uatkit.defects.find import Findings
    from uatkit.project import Project

defects_app = typer.Typer(
    name="defects",
    invoke_without_command=True,
    rich_markup_mode=None,
)

ReleaseOption = Annotated[
    str | None,
    typer.Option(
        help="The release whose UAT marks count (default: [tool.uatkit.uat] release; every pack when unset)."
    ),
]
ResultsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--results",
        help="Allure results folder (repeatable) to read instead of the evidence set `uatkit report` "
        "declared.",
        exists=True,
        file_okay=False,
        metavar="DIR",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the defects command group to the app."""
    app.add_typer(defects_app)


@dataclass(frozen=True)
class _Shared:
    """The group's options, given before a command (`uatkit defects --release R1 export`)."""

    release: str | None
    results: list[Path] | None
    project: Path | None


def _given(
    ctx: typer.Context, project: Path | None, release: str | None, results: list[Path] | None
) -> tuple[Path | None, str | None, list[Path] | None]:
    """Return the command's options, each falling back to the group's when the command has none."""
    shared = ctx.obj if isinstance(ctx.obj, _Shared) else _Shared(None, None, None)
    return project or shared.project, release or shared.release, results or shared.results


def _findings(
    project: Path | None, release: str | None, results: list[Path] | None
) -> tuple[Project, Findings]:
    from uatkit.defects.find import find_defects
    from uatkit.trace.evidence import choose_evidence

    loaded = project_for(project)
    evidence = choose_evidence(loaded, results)
    return loaded, find_defects(loaded, evidence, release or "")


@defects_app.callback()
def defects(
    ctx: typer.Context,
    release: ReleaseOption = None,
    results: ResultsOption = None,
    output: FormatOption = Format.TABLE,
    project: ProjectOption = None,
) -> None:
    """List UAT Fail/Blocked marks and failed or broken automated results that have no defect ID.

    File them with `uatkit defects export` (Jira's CSV importer, ZenTao's 导入Bug workbook) or
    `uatkit defects push` (Jira's REST API). A defect ID is the mark's Defect cell, a result's
    issue link, a @defect: tag of the scenario, or a defect `uatkit defects push` filed. Each row
    says the requirement, case, title, pack or level, tester, date, actual result, evidence files
    and the link to its Allure result.

    Example: uatkit defects --release R1 --format json
    """
    if ctx.invoked_subcommand is not None:
        # `uatkit defects --release R1 export …`: the group's options hold for the command after it.
        ctx.obj = _Shared(release, results, project)
        return
    with user_errors():
        _, findings = _findings(project, release, results)
    if output is Format.JSON:
        echo_report(
            "defects",
            {
                "release": findings.release,
                "evidence": findings.evidence,
                "ledger": findings.ledger,
                "defects": [d.as_dict() for d in findings.new],
                "known": [{**k.defect.as_dict(), "defect_ids": list(k.ids)} for k in findings.known],
                "notes": list(findings.notes),
            },
        )
        return
    _show(findings)


def _show(findings: Findings) -> None:
    """Print the failures without a defect ID as a table, then those with one in a line each."""
    from rich import box
    from rich.table import Table

    release = f" (release {findings.release})" if findings.release else ""
    listing = Table(title=f"Failures without a defect ID{release}", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("case", "title", "pack / level", "status", "tester", "date", "actual result", "evidence"):
        # IDs, statuses and dates stay whole; the text columns wrap.
        whole = name in ("case", "pack / level", "status", "date")
        listing.add_column(name, no_wrap=whole, overflow="fold", min_width=None if whole else 8)
    for d in findings.new:
        listing.add_row(
            *cells(
                d.case_key,
                d.title,
                d.pack_or_level,
                d.status,
                d.tester,
                d.date[:10],
                d.actual,
                ", ".join(d.evidence),
            )
        )
    if findings.new:
        out.print(listing)
    count = len(findings.new)
    out.print(
        Text(
            f"{count} failure{'s' if count != 1 else ''} without a defect ID"
            + (": file them with `uatkit defects export` or `uatkit defects push`" if count else ""),
            "bold" if count else "",
        )
    )
    links = [(d.case_key, d.level, d.allure_link) for d in findings.new if d.allure_link]
    if links:
        out.print("Allure results:", markup=False)
        for key, level, link in links:
            out.print(f"  {key} ({level}): {link}", markup=False)
    if findings.known:
        out.print(f"{_count(len(findings.known), 'failure')} with a defect ID already:", markup=False)
    for known in findings.known:
        d = known.defect
        out.print(f"  {d.case_key} ({d.pack_or_level}, {d.status}): {known.said}", markup=False)
    read = f"read {findings.evidence}" + (f" and the UAT ledger {findings.ledger}" if findings.ledger else "")
    out.print(Text(read, "dim"))
    for note in findings.notes:
        out.print(Text(f"note: {note}", "dim"))


@defects_app.command()
def export(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to", help="jira-csv: Jira's CSV importer; zentao: ZenTao's 导入Bug workbook (.xlsx)."
        ),
    ],
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="The file to write (default: the report folder's defects-jira.csv or defects-zentao.xlsx).",
            dir_okay=False,
            metavar="FILE",
        ),
    ] = None,
    release: ReleaseOption = None,
    results: ResultsOption = None,
    output: FormatOption = Format.TABLE,
    project: ProjectOption = None,
) -> None:
    """Write the failures without a defect ID as a file the team's tracker imports.

    jira-csv: Summary, Issue Type, Priority, Description (steps, expected, actual, tester, evidence,
    requirement, case, the Allure result's link), Labels, Component, Environment, Affects Version/s,
    Assignee, UTF-8. zentao: the headers of ZenTao's 导入Bug template (所属产品, 所属模块, Bug标题, 重现步骤,
    严重程度, 优先级, Bug类型, 影响版本, 指派给 …) in an .xlsx workbook. No cell becomes a formula.

    Example: uatkit defects export --to zentao --out reports/defects-zentao.xlsx
    """
    from uatkit.defects.export import Target, write_export

    with user_errors():
        target = _target(to)
        loaded, findings = _findings(*_given(ctx, project, release, results))
        path = out_file or loaded.report_folder / target.file_name
        write_export(path, target, findings.new, loaded.config.defects)
    shown = loaded.shown(path)
    if output is Format.JSON:
        echo_report(
            "defects export",
            {
                "to": target.value,
                "written": shown,
                "defects": [d.as_dict() for d in findings.new],
                "known": len(findings.known),
                "notes": list(findings.notes),
            },
        )
        return
    tracker = "Jira (CSV)" if target is Target.JIRA_CSV else "ZenTao (导入Bug, xlsx)"
    count = len(findings.new)
    out.print(f"wrote {shown}: {count} defect{'s' if count != 1 else ''} for {tracker}", markup=False)
    for d in findings.new:
        out.print(f"  {d.summary}", markup=False)
    if findings.known:
        out.print(
            f"{_count(len(findings.known), 'more failure')} with a defect ID already (`uatkit defects` lists "
            "them)",
            markup=False,
        )
    for note in findings.notes:
        out.print(Text(f"note: {note}", "dim"))
    if count:
        out.print(Text(f"import it: {_HOW[target]} (docs/defects.md)", "dim"))
    if count and target is Target.ZENTAO and not loaded.config.defects.zentao_product:
        err.print(
            "warning: the 所属产品 column is empty: set [tool.uatkit.defects] zentao_product as ZenTao's "
            "template writes it (订单管理(#1)), or choose the product in ZenTao's import",
            markup=False,
        )


#: Where each tracker imports the file.
_HOW = {
    "jira-csv": "Jira › Filters › View all issues › Import issues from CSV, encoding UTF-8",
    "zentao": "ZenTao › 测试 › Bug › 导入, choose the product first",
}


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _target(value: str) -> Target:
    from uatkit.defects.export import Target
    from uatkit.errors import UatkitError

    try:
        return Target(value)
    except ValueError:
        raise UatkitError(f"--to {value!r}: export to jira-csv or zentao") from None


@defects_app.command()
def push(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="The tracker: jira.")] = "jira",
    url: Annotated[
        str | None,
        typer.Option(help="The Jira site (default: [tool.uatkit.defects] jira_url).", metavar="URL"),
    ] = None,
    jira_project: Annotated[
        str | None,
        typer.Option(
            "--jira-project",
            help="The Jira project key (default: [tool.uatkit.defects] jira_project).",
            metavar="KEY",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be filed; send nothing, record nothing.")
    ] = False,
    release: ReleaseOption = None,
    results: ResultsOption = None,
    output: FormatOption = Format.TABLE,
    project: ProjectOption = None,
) -> None:
    """Create a Jira issue for each failure without a defect ID, once, and record its key in the ledger.

    Before creating one it looks in the ledger and then searches Jira for the defect's label
    (uatkit-…): a defect filed before says "already filed as KEY". The token comes from the environment
    (JIRA_TOKEN, with JIRA_USER for Jira Cloud; [tool.uatkit.defects] can name other variables), never
    from a file. Needs the api extra (requests).

    Example: uatkit defects push --url https://acme.atlassian.net --jira-project SHOP --dry-run
    """
    from uatkit.defects.jira import jira_site
    from uatkit.defects.push import counts, first_lines, push_to_jira
    from uatkit.errors import UatkitError

    with user_errors():
        if to != "jira":
            raise UatkitError(
                f"--to {to!r}: defects are pushed to jira "
                "(for ZenTao, use `uatkit defects export --to zentao`)"
            )
        loaded, findings = _findings(*_given(ctx, project, release, results))
        site = jira_site(loaded.config.defects, url, jira_project)
        run = push_to_jira(loaded, findings, site, dry_run=dry_run)
    if output is Format.JSON:
        echo_report(
            "defects push",
            {
                "tracker": "jira",
                "url": site.url,
                "project": site.project,
                "dry_run": dry_run,
                "account": run.account,
                "counts": counts(run),
                "defects": [
                    {
                        **item.defect.as_dict(),
                        "outcome": item.outcome.value,
                        "key": item.key,
                        "issue_url": item.url,
                        "message": item.message,
                        **({"payload": item.payload} if item.payload else {}),
                    }
                    for item in run.items
                ],
                "stopped": run.stopped,
            },
        )
    else:
        for line in first_lines(run.items):
            out.print(line, markup=False)
        summary = ", ".join(f"{n} {what}" for what, n in counts(run).items() if n)
        out.print(f"Jira {site.url}, project {site.project}: {summary or 'nothing to file'}", markup=False)
    if run.stopped:
        err.print(f"error: {run.stopped}", markup=False)
    if run.failed:
        raise typer.Exit(EXIT_INPUT)
