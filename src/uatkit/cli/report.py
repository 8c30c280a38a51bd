"""`uatkit report`: merge every results folder and build one Allure report."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from uatkit.cli.common import (
    Format,
    FormatOption,
    ProjectOption,
    cells,
    echo_report,
    err,
    out,
    project_for,
    table,
    user_errors,
)
from uatkit.config import Config
from uatkit.errors import UatkitError

if TYPE_CHECKING:
    from uatkit.project import Project
    from uatkit.uat.ledger import LedgerState

_GLOB = re.compile(r"[*?[]")


def register(app: typer.Typer) -> None:
    """Add the report command to the app."""
    app.command()(report)


def report(
    results: Annotated[
        list[str] | None,
        typer.Option(
            "--results",
            metavar="DIR|GLOB",
            help="Results folder or glob, relative to the project; repeatable "
            "(default: [tool.uatkit.report] results: reports/allure-results, reports/uat-results).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Report folder (default: reports/allure-report).", file_okay=False)
    ] = None,
    single_file: Annotated[
        bool | None,
        typer.Option(
            "--single-file/--no-single-file",
            help="One index.html to mail or archive, or a folder of files (default: a single file up to "
            "[tool.uatkit.report] single_file_max_results and single_file_max_mb, a folder above).",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(metavar="TEXT", help="The report's title.")] = None,
    base_url: Annotated[
        str | None, typer.Option(metavar="URL", help="URL of the system tested, shown in the environment.")
    ] = None,
    app_version: Annotated[
        str | None,
        typer.Option(metavar="TEXT", help="Version of the application tested, shown in the environment."),
    ] = None,
    project: ProjectOption = None,
    output_format: FormatOption = Format.TABLE,
) -> None:
    """Merge every results folder (automated levels, UAT, shards) and build one Allure report.

    Retries collapse to the last result of each test; the runs' environments are joined; executor and
    defect categories are added once; history is kept between reports. The merged folder gets an evidence
    manifest (uatkit-evidence.json: each folder's content hash, results, runs, the UAT ledger's state):
    `uatkit trace` and `uatkit signoff` read exactly that set. With a UAT ledger, the UAT results are
    first brought up to date from it and always merged (with --results too), so any checkout reports the
    ledger's current state. Exits 0: the verdict is `uatkit signoff`'s job.

    Example: uatkit report --results 'ci-artifacts/shard-*' --app-version 2.4.1 --format json
    """
    import msgspec
    from allure_commons.model2 import Status

    from uatkit.allure.generate import (
        generate_report,
        plan_report,
        report_environment,
        report_executor,
        report_name,
    )
    from uatkit.secrets import secret_rules
    from uatkit.trace.evidence import manifest_lines, merge_and_declare

    with user_errors():
        loaded = project_for(project)
        config = loaded.config
        merged = loaded.merged_results
        title = report_name(config, name)
        environment = report_environment(
            config, commit=loaded.commit, base_url=base_url or "", app_version=app_version or ""
        )
        # The UAT results come from the ledger, not from what this checkout last imported.
        with _uat_results_held(loaded) as state:
            folders = _folders(config, results, merged)
            if state is not None and all(f.resolve() != loaded.uat_results.resolve() for f in folders):
                folders.append(loaded.uat_results)
            summary, manifest, unread = merge_and_declare(
                loaded,
                folders,
                environment,
                report_executor(
                    title, loaded.commit, secret_rules(config.secrets.fields, config.secrets.env)
                ),
                state=state,
            )
        target = output or loaded.report_output
        mode = plan_report(config, merged, loaded.report_history, single_file)
        if mode.reason:
            err.print(f"note: {mode.reason}", markup=False)
        with err.status("Building the Allure report (npx allure generate) ..."):
            index = generate_report(
                config,
                merged,
                target,
                single_file=mode.single_file,
                history=loaded.report_history,
                name=title,
            )
    for problem in summary.problems:
        err.print(f"warning: skipped {problem}", markup=False)
    for clash in summary.clashes:
        err.print(f"warning: two files share a name: {clash}", markup=False)
    for line in unread:
        err.print(f"warning: {line}", markup=False)
    if output_format is Format.JSON:
        data = {
            "folders": [loaded.shown(folder) for folder in folders],
            "results_in": summary.results_in,
            "results": summary.results_out,
            "retries_collapsed": summary.duplicates,
            "environment_entries": summary.environment_keys,
            "by_layer": {layer: dict(counts) for layer, counts in summary.by_layer.items()},
            "skipped": [str(problem) for problem in summary.problems],
            "clashes": list(summary.clashes),
            "evidence": msgspec.to_builtins(manifest),
            "report": loaded.shown(index),
            "single_file": mode.single_file,
            "mode_note": mode.reason,
            "open_with": "" if mode.single_file else serve_hint(loaded.shown(index.parent)),
        }
        echo_report("report", data)
        return
    shown = (Status.PASSED, Status.FAILED, Status.BROKEN, Status.SKIPPED, Status.UNKNOWN)
    listing = table(
        f"{summary.results_out} results from {len(folders)} folder(s); "
        f"{summary.duplicates} retries collapsed; {summary.environment_keys} environment entries",
        "layer",
        *shown,
    )
    for layer, counts in summary.by_layer.items():
        listing.add_row(*cells(layer, *(str(counts.get(s, 0)) for s in shown)))
    out.print(listing)
    for line in manifest_lines(manifest):
        out.print(line, markup=False)
    out.print(f"Allure report: {loaded.shown(index)}", markup=False)
    if not mode.single_file:
        out.print(f"open it through a web server: {serve_hint(loaded.shown(index.parent))}", markup=False)


@contextmanager
def _uat_results_held(project: Project) -> Iterator[LedgerState | None]:
    """Bring the UAT results up to date with the project's ledger and hold its write lock for the block:
    yield the ledger's state they were written from (None, and nothing written, without a ledger).

    The report then merges, and its manifest names, one state of the ledger, whichever checkout runs it;
    on PostgreSQL the lock is an advisory lock, which a read-only database user may take too.
    """
    from uatkit.uat.ledger_location import has_ledger, open_ledger
    from uatkit.uat.results import results_held

    if not has_ledger(project):
        yield None
        return
    with open_ledger(project) as ledger, results_held(project, ledger) as (_, state):
        yield state


def _folders(config: Config, given: list[str] | None, merged: Path) -> list[Path]:
    """Expand the results folders (globs relative to the project); skip missing defaults with a note
    (a default glob matching nothing, silently)."""
    from uatkit.allure.read import expand_folders

    found: list[Path] = []
    for pattern in given or config.report.results:
        matches = [m for m in expand_folders(config.root, [pattern]) if m.resolve() != merged.resolve()]
        if not matches and given:
            raise UatkitError(f"--results {pattern}: no such folder in {config.root}")
        # A configured glob (`reports/imported-results/*`) stands for whatever is there: none is no news.
        if not matches and not _GLOB.search(pattern):
            err.print(f"note: no {pattern} folder; nothing from it in the report", markup=False)
        found += [m for m in matches if m not in found]
    if not found:
        raise UatkitError(
            "no results to report: run the tests with --alluredir reports/allure-results "
            "(or import UAT packs) first, or say where results are with --results"
        )
    return found


def serve_hint(folder: str) -> str:
    """Return how to open a folder report: a browser reads its data files only from a web server."""
    return (
        f"python -m http.server --directory {shlex.quote(folder)} 8080, then http://localhost:8080/ "
        "(a browser opening its index.html from disk shows an empty report)"
    )
