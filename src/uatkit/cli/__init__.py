"""The `uatkit` command: thin commands that parse options, call the library and print."""

from __future__ import annotations

import typer

from uatkit.cli import demo, project, report, signoff, stories, trace, uat

app = typer.Typer(
    name="uatkit",
    help="Test management and UAT automation: stories → Gherkin → checks → UAT packs → report and sign-off.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
stories.register(app)
project.register(app)
uat.register(app)
demo.register(app)
report.register(app)
signoff.register(app)
trace.register(app)


def main() -> None:
    """Run the command line."""
    app()
