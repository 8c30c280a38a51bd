"""Commands on the QA project itself: `uatkit init`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uatkit.cli.common import out, user_errors


def register(app: typer.Typer) -> None:
    """Add the project commands to the app."""
    app.command()(init)


def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder to create the QA project in (created if missing).")
    ],
) -> None:
    """Create a new QA project: stories/, features/, steps/, fixtures/, uat_packs/, reports/ and a config.

    It holds a sample story whose feature is generated at once and whose steps are defined,
    so `uatkit check` and `pytest` pass in it straight away. Existing files are never overwritten.

    Example: uatkit init acme-acceptance
    """
    from uatkit.gherkin import sync
    from uatkit.project import load_project
    from uatkit.scaffold import init_project

    with user_errors():
        written = init_project(directory)
        created = load_project(directory)
        sync.apply(sync.plan(created.catalogue, created.config, existing=created.feature_files.texts))
    out.print(f"Created {directory}/ with {len(written)} files:", markup=False)
    for rel in written:
        out.print(f"  {rel}", markup=False)
    out.print(f"Next: cd {directory} && uatkit generate && uatkit check && pytest", markup=False)
