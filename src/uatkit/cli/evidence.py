"""`uatkit evidence import`: other tools' JUnit XML, Cucumber JSON or Allure results as a level's evidence."""

from __future__ import annotations

import os
import re
from enum import StrEnum
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
    table,
    user_errors,
)

if TYPE_CHECKING:
    from uatkit.evidence.linking import Linked
    from uatkit.evidence.write import ImportReport
    from uatkit.project import Project

evidence_app = typer.Typer(
    name="evidence",
    help="Results of other tools (JUnit XML, Cucumber JSON, Allure) as evidence of a level. "
    "Example: uatkit evidence import target/surefire-reports --from junit --level unit",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class Source(StrEnum):
    """The formats `--from` reads."""

    JUNIT = "junit"
    CUCUMBER = "cucumber"
    ALLURE = "allure"


class Level(StrEnum):
    """The levels imported results can stand for."""

    UNIT = "unit"
    INTEGRATION = "integration"
    E2E = "e2e"


_SHOWN = {"passed": ("passed", "green"), "failed": ("FAILED", "bold red"), "broken": ("BROKEN", "bold red")}


def register(app: typer.Typer) -> None:
    """Add the evidence command group to the app."""
    app.add_typer(evidence_app)


@evidence_app.command("import")
def import_(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Report files, or folders of them (a folder's TEST-*.xml, *.json, *-result.json)."
        ),
    ],
    source_format: Annotated[
        Source,
        typer.Option(
            "--from", help="The files' format: junit (XML), cucumber (JSON), allure (*-result.json)."
        ),
    ],
    level: Annotated[Level, typer.Option(help="The level the results stand for.")] = Level.UNIT,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--map",
            metavar="MAPPING",
            help="A TOML file whose [links] table maps regular expressions (on class.name) to IDs.",
            dir_okay=False,
        ),
    ] = None,
    source: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help="The source's name: its results go to reports/imported-results/NAME/, which each new import "
            "of it replaces (default: the first file's or folder's name).",
        ),
    ] = "",
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Read and link the files, print what would be written, write nothing."
        ),
    ] = False,
    app_version: Annotated[
        str | None,
        typer.Option(help="The version of the system the run tested (default: UATKIT_APP_VERSION)."),
    ] = None,
    app_build: Annotated[
        str | None,
        typer.Option(help="The build the run tested (default: UATKIT_APP_BUILD)."),
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option(help="Where the run ran (default: UATKIT_ENVIRONMENT)."),
    ] = None,
    commit: Annotated[
        str | None,
        typer.Option(help="The commit of the system's code the run tested (default: none recorded)."),
    ] = None,
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Import another tool's test results as evidence of a level, linked to the cases they verify.

    Each test is linked by a tag or property holding a requirement or case ID, a --map rule, or the ID in its
    name; a test linked to a requirement only counts for that requirement's cases tagged with the level.
    Unlinked tests are listed and written too, counting for no case. Importing the same files again writes
    nothing; a new version of a source's files replaces its results. A file that is not of the format given
    is refused with its line, and nothing is written.

    The files do not say which version and build of the system they tested: --app-version, --app-build,
    --environment and --commit say it (default: the UATKIT_APP_* variables CI sets), else "not recorded".

    Example: uatkit evidence import target/surefire-reports --from junit --level unit --source orders-service
    """
    from uatkit.evidence.model import Format as InputFormat
    from uatkit.evidence.write import Tested, import_evidence

    def said(value: str | None, variable: str) -> str:
        return (value if value is not None else os.environ.get(variable, "")).strip()

    tested = Tested(
        version=said(app_version, "UATKIT_APP_VERSION"),
        build=said(app_build, "UATKIT_APP_BUILD"),
        environment=said(environment, "UATKIT_ENVIRONMENT"),
        commit=(commit or "").strip(),
    )

    with user_errors():
        loaded = project_for(project)
        report = import_evidence(
            loaded,
            paths,
            InputFormat(source_format.value),
            level.value,
            source=source,
            mapping=mapping,
            dry_run=dry_run,
            tested=tested,
        )
    if output is Format.JSON:
        echo_report("evidence import", _json(loaded, report))
        return
    _print(loaded, report)


def _json(project: Project, report: ImportReport) -> dict[str, object]:
    record = report.record.imported
    assert record is not None
    files = {project.shown(f.path): f for f in report.read.files}
    return {
        "source": report.source,
        "format": report.format.value,
        "level": report.level,
        "state": report.state,
        "run_id": report.run_id,
        "replaced": report.replaced,
        "folder": project.shown(report.folder),
        "results": report.results,
        "imported_by": record.imported_by,
        "imported_at": record.imported_at,
        "files": [
            {
                "path": path,
                "sha256": sha,
                "tool": files[path].flavour if path in files else "",
                "tests": files[path].tests if path in files else 0,
            }
            for path, sha in record.files
        ],
        "tests": [_test(project, item) for item in report.linked],
        "unlinked": [_test(project, item) for item in report.linked if not item.targets],
        "problems": [str(p) for p in report.problems],
        "warnings": list(report.warnings),
    }


def _test(project: Project, item: Linked) -> dict[str, object]:
    test = item.test
    return {
        "name": test.name,
        "class": test.classname,
        "file": project.shown(Path(test.file)),
        "status": test.status,
        "linked_by": item.by if item.targets else "",
        "ids": list(item.ids),
        "counts_for": [t.case.key for t in item.targets],
        "stale": [t.case.key for t in item.targets if t.fingerprint != t.case.fingerprint],
        "notes": list(item.notes),
    }


def _name(classname: str, name: str) -> str:
    """Return a test's name as a reader knows it: its class's short name (Java, .NET) and its own."""
    dotted = re.fullmatch(r"(?:[A-Za-z_]\w*\.)+([A-Z]\w*)", classname)
    owner = dotted.group(1) if dotted else classname
    return name if not owner or owner in name or name in owner else f"{owner} › {name}"


def _print(project: Project, report: ImportReport) -> None:
    tools = ", ".join(dict.fromkeys(f.flavour for f in report.read.files))
    count = len(report.linked)
    out.print(
        f"{count} test{'s' if count != 1 else ''} from {len(report.read.files)} file(s) "
        f"({report.format.value}, {tools}) as {report.level} evidence, source {report.source}"
    )
    shown = table("", "Test", "Result", "Counts for", "Linked by")
    for item in report.linked:
        test = item.test
        word, style = _SHOWN.get(test.status, (test.status, "yellow"))
        counts = ", ".join(t.case.key for t in item.targets) or "— unlinked: counts for no case"
        stale = [t.case.key for t in item.targets if t.fingerprint != t.case.fingerprint]
        if stale:
            counts += f" (ran another version of the scenario: stale for {', '.join(stale)})"
        if item.notes:
            counts += "; " + "; ".join(item.notes)
        by = f"{item.by} ({item.targets[0].scope})" if item.targets else ""
        name, linked, how = cells(_name(test.classname, test.name), counts, by)
        shown.add_row(name, Text(word, style=style), linked, how)
    out.print(shown)
    unlinked = [i for i in report.linked if not i.targets]
    if unlinked:
        out.print(
            f"{len(unlinked)} test(s) linked to no case: written to the report, counted for none "
            "(tag them with a case or requirement ID, or link them with --map)"
        )
    for problem in report.problems:
        out.print(f"problem: {problem}")
    for warning in report.warnings:
        err.print(f"warning: {warning}")
    where = project.shown(report.folder)
    record = report.record.imported
    assert record is not None
    if report.state == "already imported":
        out.print(
            f"Already imported: these files were imported as run {report.run_id} by {record.imported_by} on "
            f"{record.imported_at}; nothing was written ({where})"
        )
        return
    if report.state == "dry run":
        out.print(f"Dry run: {report.results} result(s) would be written to {where}; nothing was written")
        return
    replaced = f", replacing the previous import of {report.source} (run {report.replaced})"
    out.print(
        f"Wrote {report.results} result(s) to {where} as run {report.run_id}"
        f"{replaced if report.replaced else ''}; `uatkit report` and `uatkit trace` read them"
    )
