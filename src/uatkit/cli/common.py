"""What every command shares: the project option, consoles, and turning user errors into messages."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from uatkit.atomic import file_in_the_way
from uatkit.errors import EXIT_INPUT, InputError, UatkitError
from uatkit.model import PackLanguage
from uatkit.project import Project, load_project
from uatkit.text import shown_text

log = logging.getLogger("uatkit.cli")


class CleanConsole(Console):
    """A console that never passes on a control character or escape sequence it was given to print.

    Tester names, marks and story text reach it in tables, messages and errors alike; cleaning what each
    print renders (Rich's own colours are added after this) covers every one of them in one place, and
    markup is off so `[bold red]x` in a cell prints as written.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"markup": False, "highlight": False, **options})

    def print(self, *objects: Any, **options: Any) -> None:
        """Print as Rich does; plain strings are cleaned first (Rich would drop a BEL and keep the ESC)."""
        super().print(*(shown_text(o) if isinstance(o, str) else o for o in objects), **options)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterator[Segment]:
        """Render as Rich does, with the text of every segment cleaned (control segments kept)."""
        for segment in super().render(renderable, options):
            if segment.control or not segment.text:
                yield segment
            else:
                yield Segment(shown_text(segment.text), segment.style)


# JSON escapes C0 controls itself; DEL and the C1 controls (U+009B is a one-character CSI on many terminals)
# it passes through with ensure_ascii=False.
_RAW_IN_JSON = {code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0))}
_RAW_IN_JSON_FOUND = re.compile("[\x7f-\x9f]")


#: The version of every command's JSON report: raised only when a key changes meaning or goes away.
JSON_SCHEMA = 1


def echo_report(command: str, data: Mapping[str, object], schema: int = JSON_SCHEMA) -> None:
    """Print a command's --format json report: one object that opens with its schema version and command."""
    echo_json({"schema": schema, "command": command, **{k: v for k, v in data.items() if k != "schema"}})


def echo_json(data: object) -> None:
    """Print data as indented JSON on stdout, every control character escaped (the value is unchanged)."""
    echo_json_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def echo_json_text(text: str) -> None:
    """Print JSON text on stdout with DEL and the C1 controls, which JSON leaves raw, escaped."""
    # translate() looks up every character: on a large report a scan for the few it changes is far quicker.
    typer.echo(text.translate(_RAW_IN_JSON) if _RAW_IN_JSON_FOUND.search(text) else text, nl=False)


#: DEL and the C1 controls in UTF-8.
_RAW_IN_JSON_BYTES = re.compile(rb"\x7f|\xc2[\x80-\x9f]")


def echo_json_bytes(data: bytes) -> None:
    """Print JSON in UTF-8 on stdout as `echo_json_text` prints its text, without decoding a large report."""
    if _RAW_IN_JSON_BYTES.search(data):
        echo_json_text(data.decode("utf-8"))
    else:
        typer.echo(data, nl=False)


# Piped output (CI logs, files) gets a readable width instead of Rich's 80-column fallback.
_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120
out = CleanConsole(soft_wrap=True, width=_WIDTH)
err = CleanConsole(stderr=True, soft_wrap=True, width=_WIDTH)


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
#: The documents for the client (specification, certificate, change impact): their language, the parties.
LangOption = Annotated[
    PackLanguage | None,
    typer.Option(
        "--lang",
        help="The document's language: en, zh-CN, or auto (the stories' language); default: "
        "[tool.uatkit.uat] language, as the UAT packs.",
    ),
]
ClientOption = Annotated[
    str, typer.Option("--client", metavar="NAME", help="The client's name on the document.")
]
VendorOption = Annotated[
    str, typer.Option("--vendor", metavar="NAME", help="The vendor's name on the document.")
]


def project_for(option: Path | None) -> Project:
    """Return the project in the folder given with --project, or around the current folder."""
    loaded = load_project(option)
    log.info("project %s", loaded.config.root)
    return loaded


def uatkit_version() -> str:
    """Return the installed uatkit's version (uatkit.__version__ once it exists, else the metadata's)."""
    import uatkit

    found = getattr(uatkit, "__version__", "")
    if isinstance(found, str) and found:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("uatkit")
    except PackageNotFoundError:
        return "unknown (not installed)"


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
        err.print(f"error: {os_error_message(exc)}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None


def os_error_message(exc: OSError) -> str:
    """Return what went wrong with a file or folder, and what to do about it."""
    blocking = file_in_the_way(exc)
    if blocking is not None:
        # Closing the file would not help: a file stands where uatkit reads or writes a folder.
        return (
            f"{blocking} is a file, but uatkit needs a folder there (for {exc.filename}); "
            "move or remove that file, then run the command again"
        )
    where = f"{exc.filename}: " if exc.filename else ""
    return (
        f"{where}{exc.strerror or exc}; close the file if another program has it open, "
        "and check that the folder can be written"
    )


def cells(*values: str) -> list[Text]:
    """Return table cells that show text as written (never read as markup), without control characters."""
    return [Text(shown_text(value)) for value in values]


def table(title: str, *columns: str) -> Table:
    """Return a table whose cells wrap instead of cutting paths and messages short."""
    result = Table(title=title, title_justify="left")
    for column in columns:
        result.add_column(column, overflow="fold")
    return result
