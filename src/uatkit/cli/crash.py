"""The CLI's last line of defence: a bug becomes one line, exit code 3 and a log file with the traceback."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from uatkit.atomic import atomic_write_text
from uatkit.cli.common import err
from uatkit.errors import EXIT_INTERNAL, UatkitError

log = logging.getLogger(__name__)

ISSUES = "https://github.com/uatkit/uatkit/issues"


class CrashReportingGroup(TyperGroup):
    """The root command: user errors that escaped a command exit 2, anything else is reported as a bug."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; turn an unexpected exception into a crash log and exit code 3."""
        try:
            return super().invoke(ctx)
        except UatkitError as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            if _command_line_flow(exc):
                raise
            where = write_crash_log(exc)
            err.print(
                f"uatkit hit a bug: {type(exc).__name__}: {_first_line(exc)}; the traceback is in {where}; "
                f"please report it at {ISSUES}",
                markup=False,
            )
            raise typer.Exit(EXIT_INTERNAL) from None


def write_crash_log(exc: BaseException) -> Path:
    """Write the traceback and the command line to reports/ of the project around, else the temp folder."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = _reports_folder(Path.cwd())
    text = "".join(
        [
            f"uatkit {_version()} crashed at {dt.datetime.now().isoformat()}\n",
            f"command: {' '.join(['uatkit', *sys.argv[1:]])}\n\n",
            *traceback.format_exception(exc),
        ]
    )
    path = folder / f"uatkit-crash-{stamp}.log"
    try:
        atomic_write_text(path, text)
    except OSError:
        path = Path(tempfile.gettempdir()) / path.name
        atomic_write_text(path, text)
    log.debug("crash log written to %s", path)
    return path


def _reports_folder(start: Path) -> Path:
    """Return reports/ of the nearest folder whose pyproject.toml has a [tool.uatkit] table, else tmp."""
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        try:
            if "[tool.uatkit" in pyproject.read_text(encoding="utf-8", errors="replace"):
                return folder / "reports"
        except OSError:
            continue
    return Path(tempfile.gettempdir())


def _command_line_flow(exc: Exception) -> bool:
    """Return True for typer's and click's own exceptions (exit, abort, usage errors): not bugs."""
    return isinstance(exc, (typer.Exit, typer.Abort)) or type(exc).__module__.startswith(("click", "typer"))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "(no message)"


def _version() -> str:
    from uatkit.cli.common import uatkit_version

    return uatkit_version()
