"""The `uatkit` command: thin commands that parse options, call the library and print."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from uatkit.cli import change, defects, demo, doctor, evidence, project, report, signoff, stories, trace, uat
from uatkit.cli.common import out, uatkit_version
from uatkit.cli.crash import CrashReportingGroup

app = typer.Typer(
    name="uatkit",
    help="Test management and UAT automation: stories → Gherkin → checks → UAT packs → report and sign-off. "
    "Exit codes: 0 ok, 1 a check failed or NO-GO, 2 input to fix, 3 a bug in uatkit.",
    cls=CrashReportingGroup,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
stories.register(app)
project.register(app)
uat.register(app)
demo.register(app)
report.register(app)
signoff.register(app)
trace.register(app)
doctor.register(app)
change.register(app)
defects.register(app)
evidence.register(app)


def _show_version(value: bool) -> None:
    if value:
        out.print(f"uatkit {uatkit_version()}", markup=False)
        raise typer.Exit()


@app.callback()
def root(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="Say more on stderr: -v what it does, -vv debugging detail."
        ),
    ] = 0,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print uatkit's version and exit."
        ),
    ] = False,
) -> None:
    """Set up logging for the command (the options before it)."""
    del version
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING
    logger = logging.getLogger("uatkit")
    for handler in [h for h in logger.handlers if getattr(h, "uatkit_cli", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.uatkit_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)


def main() -> None:
    """Run the command line."""
    app()
