"""Commands on the QA project itself: `uatkit init`."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from uatkit.cli.common import out, user_errors
from uatkit.scaffold import Ci, init_project, install_command, installed_direct_url


def register(app: typer.Typer) -> None:
    """Add the project commands to the app."""
    app.command()(init)


def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder to create the QA project in (created if missing).")
    ],
    ci: Annotated[
        Ci,
        typer.Option(
            "--ci",
            help="Write a CI workflow that runs generate --check, check, pytest with Allure results and the "
            "report: github (.github/workflows/acceptance.yml), gitlab (.gitlab-ci.yml) or none.",
        ),
    ] = Ci.GITHUB,
    shards: Annotated[
        int,
        typer.Option(
            "--shards",
            metavar="N",
            help="Spread the CI run over N runners: N shard jobs (pytest --uatkit-shard K/N) sharing one "
            "run ID, then one job merging their results with report, trace and signoff (default 1: one job).",
        ),
    ] = 1,
) -> None:
    """Create a new QA project: stories/, features/, steps/, fixtures/, uat_packs/, reports/, a config and CI.

    It holds a sample story whose feature is generated at once and whose steps are defined, so
    `uatkit check` and `pytest` pass in it straight away; pyproject.toml depends on uatkit[all] and
    package.json pins the Allure CLI that `uatkit report` runs. Existing files are never overwritten.

    Example: uatkit init acme-acceptance --ci gitlab --shards 4
    """
    with user_errors():
        written = init_project(directory, ci, shards)
    out.print(f"Created {directory}/ with {len(written)} files:", markup=False)
    for rel in written:
        out.print(f"  {rel}", markup=False)
    install = install_command(installed_direct_url())
    published = install == "pip install ."
    out.print("Next:", markup=False)
    out.print(f"  cd {shlex.quote(str(directory))}", markup=False)
    why = "uatkit[all], as pyproject.toml declares" if published else "uatkit as installed here, and the rest"
    out.print(f"  {install}   # the project's dependencies: {why}", markup=False)
    out.print("  npm ci   # the Allure Report CLI that package.json pins", markup=False)
    out.print(
        "  uatkit check --no-evidence && pytest --alluredir reports/allure-results && uatkit report",
        markup=False,
    )
    if not published:
        out.print("Once uatkit is on PyPI, `pip install .` alone installs it (uatkit[all]).", markup=False)
