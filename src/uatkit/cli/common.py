"""What every command shares: the project option, consoles, and turning user errors into messages."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from uatkit.errors import EXIT_INPUT, InputError, UatkitError
from uatkit.project import Project, load_project

# Piped output (CI logs, files) gets a readable width instead of Rich's 80-column fallback.
_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120
out = Console(highlight=False, soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)


class Format(StrEnum):
    """Output formats of reporting commands."""

    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="table for people, json for tools.")]
ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-C",
        help="Folder of the QA project (default: the nearest folder with a [tool.uatkit] pyproject.toml).",
        file_okay=False,
    ),
]


def project_for(option: Path | None) -> Project:
    """Return the project in the folder given with --project, or around the current folder."""
    return load_project(option)


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a user's mistake as plain located lines and exit with its code, never a traceback."""
    try:
        yield
    except InputError as exc:
        count = len(exc.problems)
        err.print(
            f"error: {count} problem{'s' if count != 1 else ''} found; nothing was written:", markup=False
        )
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(exc.exit_code) from None
    except UatkitError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(exc.exit_code) from None
    except OSError as exc:
        # A file held open by Excel, a read-only folder, a full disk: the user's machine, not a bug.
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(
            f"error: {where}{exc.strerror or exc}; close the file if another program has it open, "
            "and check that the folder can be written",
            markup=False,
        )
        raise typer.Exit(EXIT_INPUT) from None


def cells(*values: str) -> list[Text]:
    """Return table cells that show text exactly as written (story text is never read as markup)."""
    return [Text(value) for value in values]


def table(title: str, *columns: str) -> Table:
    """Return a table whose cells wrap instead of cutting paths and messages short."""
    result = Table(title=title, title_justify="left")
    for column in columns:
        result.add_column(column, overflow="fold")
    return result
