"""`uatkit signoff`: the verdict for the acceptance meeting, its gates, and the sign-off page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from uatkit.cli.common import Format, FormatOption, ProjectOption, cells, out, project_for, table, user_errors
from uatkit.errors import EXIT_CHECK
from uatkit.trace.model import Outcome

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
            help="Allure results folder (repeatable; default: the merged results, else [tool.uatkit.report] "
            "results).",
        ),
    ] = None,
    output: FormatOption = Format.TABLE,
    no_write: Annotated[bool, typer.Option("--no-write", help="Do not write reports/signoff.html.")] = False,
    project: ProjectOption = None,
) -> None:
    """Decide GO / GO WITH CONDITIONS / NO-GO from the traceability matrix and the sign-off gates.

    Checks every gate of [tool.uatkit.signoff] and writes the one-page signoff.html for the acceptance
    meeting. Exit code 0 for GO and GO WITH CONDITIONS, 1 for NO-GO.

    Example: uatkit signoff --format json
    """
    from uatkit.trace.signoff import sign_off

    with user_errors():
        run = sign_off(project_for(project), results or None, write=not no_write)
    verdict = run.verdict
    if output is Format.JSON:
        data = verdict.as_dict()
        data["page"] = str(run.page) if run.page else ""
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        when = verdict.generated_at.strftime("%Y-%m-%d %H:%M")
        out.print(
            Text.assemble((f"  {verdict.outcome}  ", _STYLE[verdict.outcome]), f"  {verdict.project}  {when}")
        )
        listing = table("Sign-off gates", "", "rule", "priorities", "on fail", "reason")
        for result in verdict.gates:
            mark = Text("✓", "green") if result.passed else Text("✗", "red")
            listing.add_row(mark, *cells(result.label, result.scope, result.gate.on_fail, result.reason))
        out.print(listing)
        for condition in verdict.conditions if verdict.outcome is not Outcome.NO_GO else ():
            out.print(Text.assemble(("condition: ", "dark_orange"), condition))
        if run.page:
            out.print(f"sign-off page: {run.shown_page}", markup=False)
    if verdict.outcome is Outcome.NO_GO:
        raise typer.Exit(EXIT_CHECK)
