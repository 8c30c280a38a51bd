"""Commands on stories and features: `uatkit generate` and `uatkit check`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.cells import cell_len, chop_cells

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
from uatkit.errors import EXIT_CHECK, UatkitError
from uatkit.text import shown_text

if TYPE_CHECKING:
    from uatkit.check import Finding


def register(app: typer.Typer) -> None:
    """Add the story commands to the app."""
    app.command("stories")(list_stories)
    app.command()(generate)
    app.command()(check)


def list_stories(
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """List the story catalogue: every requirement with its module, priority, criteria and levels.

    Example: uatkit stories --format json
    """
    with user_errors():
        catalogue = project_for(project).catalogue
    rows = [
        {
            "id": s.id,
            "title": s.title,
            "module": s.module,
            "priority": s.priority.value,
            "language": s.language,
            "owner": s.owner,
            "epic": s.epic,
            "labels": list(s.labels),
            "criteria": len(s.criteria),
            "manual": sum(c.manual for c in s.criteria),
            "outlines": sum(c.examples is not None for c in s.criteria),
            "levels": sorted({level.value for c in s.criteria for level in c.levels}),
            "source": str(s.source),
        }
        for s in catalogue.stories
    ]
    if output is Format.JSON:
        echo_report("stories", {"stories": rows, "warnings": list(catalogue.warnings)})
        return
    header = ("ID", "title", "module", "priority", "criteria", "manual", "levels")
    values = [
        (
            str(row["id"]),
            str(row["title"]),
            str(row["module"]),
            str(row["priority"]),
            str(row["criteria"]),
            str(row["manual"]),
            ", ".join(row["levels"]),  # type: ignore[arg-type]
        )
        for row in rows
    ]
    if len(values) > LARGE_TABLE:
        typer.echo(columns(f"{len(rows)} stories", header, values, title_column=1, width=out.width), nl=False)
    else:
        listing = table(f"{len(rows)} stories", *header)
        for value in values:
            listing.add_row(*cells(*value))
        out.print(listing)
    _warn(catalogue.warnings)


#: Above this many rows a listing is printed as plain aligned columns: Rich measures and lays out every cell
#: of a table, which takes seconds for thousands of stories; the columns are measured once and stay aligned.
LARGE_TABLE = 200
_GAP = "  "


def columns(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], title_column: int, width: int
) -> str:
    """Return rows as plain text columns under a header, every value complete and shown as written.

    Each column is as wide as its widest value (in terminal cells, so Chinese text stays aligned); the one
    at `title_column` gets what is left of `width` and wraps at spaces (or anywhere, for text without
    them) onto continuation lines, so no value is cut short.
    """
    shown = [[shown_text(value).replace("\n", " ").replace("\t", " ") for value in row] for row in rows]
    widths = [cell_len(name) for name in header]
    for row in shown:
        for index, value in enumerate(row):
            size = cell_len(value)
            if size > widths[index]:
                widths[index] = size
    others = sum(w for i, w in enumerate(widths) if i != title_column) + len(_GAP) * (len(header) - 1)
    widths[title_column] = max(min(widths[title_column], width - others), 20, cell_len(header[title_column]))
    lines = [title, _line(header, widths), _line(["─" * w for w in widths], widths)]
    for row in shown:
        wrapped = _wrap(row[title_column], widths[title_column])
        lines.append(_line([*row[:title_column], wrapped[0], *row[title_column + 1 :]], widths))
        blank = [""] * len(row)
        for more in wrapped[1:]:
            blank[title_column] = more
            lines.append(_line(blank, widths))
    return "\n".join(lines) + "\n"


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    return _GAP.join(
        value + " " * (width - cell_len(value)) for value, width in zip(values, widths, strict=True)
    ).rstrip()


def _wrap(text: str, width: int) -> list[str]:
    """Return `text` in lines of at most `width` cells, broken at spaces where it has them."""
    if cell_len(text) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if cell_len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = chop_cells(word, width) if cell_len(word) > width else [word]
        lines += pieces[:-1]
        current = pieces[-1]
    lines.append(current)
    return lines


def generate(
    project: ProjectOption = None,
    check_only: Annotated[
        bool,
        typer.Option("--check", help="Change nothing; exit 1 when any feature is missing, stale or edited."),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite features that were edited by hand.")
    ] = False,
    output: FormatOption = Format.TABLE,
) -> None:
    """Generate one Gherkin feature per story under features/<module>/.

    Stale features are regenerated; features edited by hand are listed and kept unless --force;
    features whose story is gone are listed as orphaned, never deleted.

    Example: uatkit generate --check --format json
    """
    from uatkit.gherkin import sync

    with user_errors():
        loaded = project_for(project)
        config, catalogue = loaded.config, loaded.catalogue
        planned = sync.plan(catalogue, config, force=force, existing=loaded.feature_files.texts)
        if not check_only:
            sync.apply(planned)
    counts = Counter(item.action for item in planned)
    out_of_sync = check_only and any(item.action in sync.OUT_OF_SYNC for item in planned)
    if output is Format.JSON:
        features = [
            {"action": i.action.value, "path": config.relative(i.path), "story": i.story_id, "note": i.note}
            for i in planned
        ]
        totals = {
            "check_only": check_only,
            "stories": len(catalogue.stories),
            "criteria": sum(len(s.criteria) for s in catalogue.stories),
            "counts": {action.value: counts[action] for action in sync.Action},
            "out_of_sync": out_of_sync,
        }
        echo_report("generate", {**totals, "features": features, "warnings": list(catalogue.warnings)})
        if out_of_sync:
            raise typer.Exit(EXIT_CHECK)
        return
    _warn(catalogue.warnings)
    shown = [item for item in planned if item.action is not sync.Action.UNCHANGED]
    if shown:
        verb = "would" if check_only else "did"
        listing = table(
            f"Features ({'check only' if check_only else 'generated'})", verb, "feature", "story", "note"
        )
        for item in shown:
            listing.add_row(*cells(item.action.value, config.relative(item.path), item.story_id, item.note))
        out.print(listing)
    summary = ", ".join(
        f"{n} {action.value}" for action, n in sorted(counts.items(), key=lambda kv: kv[0].value)
    )
    out.print(
        f"{len(catalogue.stories)} stories, "
        f"{sum(len(s.criteria) for s in catalogue.stories)} criteria → "
        f"{config.features}/: {summary or 'nothing'}",
        markup=False,
    )
    if out_of_sync:
        out.print("features are out of date with the stories: run `uatkit generate`", markup=False)
        raise typer.Exit(EXIT_CHECK)


def check(
    project: ProjectOption = None,
    output: FormatOption = Format.TABLE,
    steps: Annotated[
        bool, typer.Option("--steps/--no-steps", help="Also ask pytest-bdd for steps with no definition.")
    ] = True,
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence/--no-evidence",
            help="Also list results and UAT marks made against an older version of their scenario.",
        ),
    ] = True,
    results: Annotated[
        list[Path] | None,
        typer.Option(
            "--results",
            help="Allure results folder to look in for stale evidence (repeatable; default: as trace).",
            exists=True,
            file_okay=False,
            metavar="DIR",
        ),
    ] = None,
    skeleton: Annotated[
        bool,
        typer.Option(
            "--skeleton",
            help="Print pytest-bdd step definitions to start from for the undefined steps, and nothing else.",
        ),
    ] = False,
) -> None:
    """Check stories, features and step definitions against each other; exit 1 when anything is wrong.

    Reports requirements with no scenario, scenarios with no known requirement, duplicate case IDs,
    stale, missing, hand-edited and orphaned features, Gherkin syntax errors, (with --steps)
    scenarios no test runs and steps with no definition, and (with --evidence) stale evidence: automated
    results and UAT marks made against an older version of their scenario, or recording none.

    An undefined step is listed once per step text, with every scenario that uses it; --skeleton prints
    a step definition for each (one for texts that differ only in their values), to paste into steps/.

    Example: uatkit check --format json
    Example: uatkit check --skeleton >> steps/conftest.py
    """
    from uatkit.check import check_project

    if skeleton:
        _skeleton(project, output)
        return
    with user_errors():
        loaded = project_for(project)
        findings = check_project(loaded, steps=steps, evidence=evidence, results=results or ())
        catalogue = loaded.catalogue
    if output is Format.JSON:
        data = {"findings": [f.as_dict() for f in findings], "warnings": list(catalogue.warnings)}
        # 2: an undefined step is one finding per step text, with `count` and `uses` (1 had one per use).
        echo_report("check", data, schema=2)
        _exit(findings)
        return
    _warn(catalogue.warnings)
    if findings:
        listing = table(f"{len(findings)} finding(s)", "kind", "where", "what", "what to do")
        for finding in findings:
            listing.add_row(*cells(finding.kind, _where(finding), finding.message, finding.hint))
        out.print(listing)
    else:
        criteria = sum(len(s.criteria) for s in catalogue.stories)
        out.print(
            f"OK: {len(catalogue.stories)} requirements, {criteria} criteria, features in step.", markup=False
        )
    _exit(findings)


_SHOWN_USES = 5


def _where(finding: Finding) -> str:
    """Return where a finding is: an undefined step's uses one a line (the first few), else its location."""
    if finding.undefined is None or len(finding.undefined.uses) == 1:
        return str(finding.location)
    uses = finding.undefined.uses
    lines = [f"{use.location} ({use.scenario})" for use in uses[:_SHOWN_USES]]
    if len(uses) > _SHOWN_USES:
        lines.append(f"… and {len(uses) - _SHOWN_USES} more")
    return "\n".join(lines)


def _skeleton(project: Path | None, output: Format) -> None:
    """Print step definitions for the project's undefined steps; what kept steps unchecked goes to stderr."""
    from uatkit.check import step_findings
    from uatkit.gherkin.skeleton import skeleton

    with user_errors():
        if output is Format.JSON:
            raise UatkitError("--skeleton prints Python code: leave out --format json")
        loaded = project_for(project)
        findings = step_findings(loaded.config, loaded.features)
    for finding in findings:
        if finding.undefined is None:
            err.print(
                f"note: {finding.location}: {finding.message} (its steps were not checked)", markup=False
            )
    code = skeleton([f.undefined.step for f in findings if f.undefined is not None])
    if code:
        typer.echo(code, nl=False)
    else:
        err.print("no undefined steps: nothing to write", markup=False)


def _exit(findings: list[Finding]) -> None:
    if findings:
        raise typer.Exit(EXIT_CHECK)


def _warn(warnings: tuple[str, ...]) -> None:
    """Print what reading the stories noticed without refusing it."""
    for warning in warnings:
        err.print(f"warning: {warning}", markup=False)
