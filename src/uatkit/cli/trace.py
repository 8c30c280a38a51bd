"""`uatkit trace`: the traceability matrix of requirements, cases, levels and UAT, and its three files."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from uatkit.cli.common import (
    Format,
    FormatOption,
    ProjectOption,
    cells,
    echo_json_bytes,
    err,
    out,
    project_for,
    user_errors,
)

if TYPE_CHECKING:
    from uatkit.trace.model import EvidenceSet, Matrix, TraceStatus
    from uatkit.trace.views import LevelView, MatrixViews

#: Narrow terminals squeeze the wrapping columns; below these widths they would be unreadable.
_MIN_WIDTH = {"title": 14, "module": 6, "defects": 7}


def _styles() -> dict[TraceStatus, str]:
    """Return the statuses' styles in the terminal: the page's colours, as terminal colours name them."""
    from uatkit.trace.model import TraceStatus

    return {
        TraceStatus.ACCEPTED: "bold white on green",
        TraceStatus.PASSED: "green",
        TraceStatus.NOT_RUN: "dim",
        TraceStatus.UNCOVERED: "dark_orange",
        TraceStatus.FAILED: "bold white on red",
    }


def _marks() -> dict[str, tuple[str, str]]:
    """Return each level view kind's mark and style: one character, so the columns leave room for titles."""
    from allure_commons.model2 import Status as AllureStatus

    from uatkit.trace.views import NOT_RUN

    return {
        AllureStatus.PASSED: ("✓", "green"),
        AllureStatus.FAILED: ("✗", "bold red"),
        AllureStatus.BROKEN: ("!", "bold dark_orange"),
        AllureStatus.SKIPPED: ("skip", "dim"),
        AllureStatus.UNKNOWN: ("?", "magenta"),
        NOT_RUN: ("○", "dim"),
    }


def _legend() -> str:
    """Return what the marks mean, with the UAT words for the statuses whose words differ."""
    from allure_commons.model2 import Status as AllureStatus

    from uatkit.allure.mapping import UAT_WORDS

    blocked, na = UAT_WORDS[AllureStatus.BROKEN], UAT_WORDS[AllureStatus.SKIPPED]
    return (
        f"✓ passed  ✗ failed  ! broken (UAT: {blocked})  skip skipped (UAT: {na})  ○ not run  "
        "blank: not planned"
    )


def register(app: typer.Typer) -> None:
    """Add the trace command to the app."""
    app.command()(trace)


def trace(
    results: Annotated[
        list[Path] | None,
        typer.Option(
            "--results",
            help="Allure results folder (repeatable) to read instead of the evidence set `uatkit report` "
            "declared (default: that set; with no report yet, [tool.uatkit.report] results).",
            exists=True,
            file_okay=False,
            metavar="DIR",
        ),
    ] = None,
    output: FormatOption = Format.TABLE,
    write: Annotated[
        bool,
        typer.Option(help="Write traceability.html, .xlsx and .json to the report folder."),
    ] = True,
    project: ProjectOption = None,
) -> None:
    """Show the traceability matrix: each requirement, its result per level and in UAT, and its status.

    Statuses: UNCOVERED, NOT RUN, FAILED, PASSED (UAT pending or not needed), ACCEPTED (UAT passed and
    signed off). Also writes traceability.html, .xlsx and .json to the report folder (default reports/).
    Reads the evidence set `uatkit report` declared and names it in every output; says when newer
    results or UAT marks exist than the set holds.

    Example: uatkit trace --format json --no-write
    """
    from uatkit.trace.evidence import choose_evidence
    from uatkit.trace.matrix import allure_link, load_matrix
    from uatkit.trace.outputs import SCHEMA, json_bytes, matrix_data, write_matrix
    from uatkit.trace.views import matrix_views

    with user_errors():
        loaded = project_for(project)
        evidence = choose_evidence(loaded, results)
        settle()
        matrix = load_matrix(loaded, evidence, allure_report=allure_link(loaded))
        settle()
        # The JSON data and the cells as shown are computed once, for every file and the terminal.
        data = matrix_data(matrix) if output is Format.JSON else None
        views = matrix_views(matrix) if write or output is not Format.JSON else None
        paths = write_matrix(matrix, loaded.report_folder, data=data, views=views) if write else []
    if output is Format.JSON:
        written = {"written": [loaded.relative(path) for path in paths]}
        # As echo_report prints it: the schema, the command, then the matrix (json_bytes encodes in C).
        shown = data or {}
        report = {"schema": SCHEMA, "command": "trace", **{k: v for k, v in shown.items() if k != "schema"}}
        echo_json_bytes(json_bytes({**report, **written}))
        for line in evidence.drift:
            err.print(f"warning: {line}", markup=False)
        return
    show_evidence(evidence)
    _show(matrix, views or matrix_views(matrix))
    for path in paths:
        out.print(f"wrote {loaded.relative(path)}", markup=False)


def settle() -> None:
    """Move what the command has built so far, which it keeps to the end, out of the cyclic collector's way.

    The project, the results and the matrix are many small objects that live until the command exits; the
    collector would walk them again and again as the outputs are built (a fifth of the time of a large
    matrix). Frozen objects are still freed when their last reference goes.
    """
    gc.freeze()


def _show(matrix: Matrix, views: MatrixViews) -> None:
    """Print the matrix as a table, the reasons of what is not ACCEPTED, and the counts per status."""
    from rich import box
    from rich.table import Table

    from uatkit.trace.model import LEVELS, STATUS_ORDER, TraceStatus

    styles, marks = _styles(), _marks()

    listing = Table(
        title=f"Traceability: {matrix.project}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for name in ("ID", "title", "module", "priority", *LEVELS, "defects", "status"):
        wraps = name in ("title", "module", "defects")
        listing.add_column(name, no_wrap=not wraps, overflow="fold", min_width=_MIN_WIDTH.get(name))
    for r, levels in zip(matrix.requirements, views.summaries, strict=True):
        listing.add_row(
            *cells(r.id, r.title, r.module, r.priority.value),
            *(_mark(v, marks) for v in levels),
            *cells(", ".join(r.defects)),
            Text(r.status.value, styles[r.status]),
        )
    out.print(listing)
    out.print(Text(_legend(), "dim"))
    for r in matrix.requirements:
        if r.reason and r.status is not TraceStatus.ACCEPTED:
            out.print(Text.assemble(f"{r.id} ", (r.status.value, styles[r.status]), f": {r.reason}"))
    counts = matrix.counts()
    parts: list[str | tuple[str, str]] = [f"{len(matrix.requirements)} requirements: "]
    for n, status in enumerate(STATUS_ORDER):
        parts += [", "] if n else []
        parts.append((f"{counts[status]} {status.value}", styles[status] if counts[status] else ""))
    parts.append(f"; UAT {matrix.uat_executed} of {matrix.uat_cases} cases executed")
    out.print(Text.assemble(*parts))
    for note in matrix.notes:
        out.print(Text(f"note: {note}", "dim"))


def _mark(view: LevelView, marks: dict[str, tuple[str, str]]) -> Text:
    """Return a level's cell: its mark, and the count when some cases are still missing."""
    from uatkit.model import Status

    if view.kind not in marks:
        return Text("")
    mark, style = marks[view.kind]
    # N/A is a tester's own word for a skipped case: shown as written, it needs no legend.
    mark = Status.NA.value if view.word == Status.NA else mark
    return Text(f"{mark} {view.count}" if view.short != view.word else mark, style)


def show_evidence(evidence: EvidenceSet) -> None:
    """Print the evidence set a matrix or verdict rests on: its name, folders, runs, facts, what changed."""
    from uatkit.trace.model import run_names

    out.print(Text.assemble(("Evidence: ", "bold"), evidence.name))
    sources = f", merged from {', '.join(evidence.sources)}" if evidence.sources else ""
    out.print(
        Text(f"  {evidence.results} results in {', '.join(evidence.folders) or '(no folder)'}{sources}")
    )
    runs = run_names(evidence.runs, short_run)
    out.print(Text(f"  runs: {runs or 'none recorded'}"))
    facts = [(label, value) for label, value in evidence.facts() if value != "no run records"]
    out.print(Text("  " + " · ".join(f"{label}: {value}" for label, value in facts)))
    for line in evidence.drift:
        out.print(Text(f"warning: {line}", "dark_orange"))
    for note in evidence.notes:
        out.print(Text(f"note: {note}", "dim"))


def short_run(run_id: str) -> str:
    """Return a run's ID as the terminal shows it: 8 hex digits, after the `import-` of an imported run."""
    prefix = "import-" if run_id.startswith("import-") else ""
    return prefix + run_id[len(prefix) :][:8]
