"""`uatkit doctor`: one table of what this machine and project have, and what to do about what is missing."""

from __future__ import annotations

import typer
from rich.text import Text

from uatkit.cli.common import Format, FormatOption, ProjectOption, cells, echo_report, out, table
from uatkit.errors import EXIT_CHECK

_STYLE = {"ok": "green", "missing": "bold red", "failed": "bold red", "skipped": "dim"}


def register(app: typer.Typer) -> None:
    """Add the doctor command to the app."""
    app.command()(doctor)


def doctor(project: ProjectOption = None, output: FormatOption = Format.TABLE) -> None:
    """Check what uatkit needs here: Python, extras, Node, Allure CLI, browser, config, ledger, base URL.

    Prints one table, each row with its status and what to do when it is missing. Exits 0 when every
    required thing is fine, else 1; a browser, LibreOffice and the base URL are reported but not required.

    Example: uatkit doctor --format json
    """
    from uatkit.doctor import diagnose

    findings = diagnose(project)
    blocking = [f for f in findings if f.blocking]
    if output is Format.JSON:
        data = {"ok": not blocking, "checks": [f.as_dict() for f in findings]}
        echo_report("doctor", data)
    else:
        listing = table("uatkit doctor", "check", "status", "found", "required", "what to do")
        for f in findings:
            status = Text(f.health.value, _STYLE[f.health.value])
            listing.add_row(*cells(f.name), status, *cells(f.found, "yes" if f.required else "no", f.fix))
        out.print(listing)
        out.print(
            "all required things are fine" if not blocking else f"{len(blocking)} required thing(s) to fix"
        )
    if blocking:
        raise typer.Exit(EXIT_CHECK)
