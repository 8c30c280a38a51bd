"""Where a project's UAT ledger is (a SQLite file or a PostgreSQL URL) and opening it, for every command."""

from __future__ import annotations

import os
from pathlib import Path

from uatkit.errors import UatkitError
from uatkit.project import Project
from uatkit.uat.ledger import Ledger
from uatkit.uat.ledger_db import LEDGER_URL_ENV, check_url, is_url, shown


def ledger_location(project: Project) -> Path | str:
    """Return the UAT ledger: a PostgreSQL URL (UATKIT_LEDGER_URL, else [tool.uatkit.uat] ledger), or the
    SQLite file. A URL holding a password is refused: PGPASSWORD or ~/.pgpass gives it."""
    url = os.environ.get(LEDGER_URL_ENV, "").strip()
    if url and not is_url(url):
        raise UatkitError(
            f"{LEDGER_URL_ENV}={shown(url)!r} is not a PostgreSQL URL: use "
            "postgresql://USER@HOST:PORT/DATABASE, or unset it to use [tool.uatkit.uat] ledger"
        )
    if not url and is_url(project.config.uat.ledger):
        url = project.config.uat.ledger
    return check_url(url) if url else project.ledger_path


def has_ledger(project: Project) -> bool:
    """Return True when there is a ledger to read: a PostgreSQL ledger always, a SQLite one once made."""
    location = ledger_location(project)
    return isinstance(location, str) or location.exists()


def ledger_shown(project: Project) -> str:
    """Return the ledger as messages name it: its URL, or its path relative to the project."""
    location = ledger_location(project)
    return location if isinstance(location, str) else project.shown(location)


def open_ledger(project: Project, *, dry_run: bool = False) -> Ledger:
    """Open the project's UAT ledger, SQLite or PostgreSQL; with `dry_run` nothing done to it stays."""
    wait = project.config.uat.busy_timeout
    if dry_run:
        return Ledger.copy_in_memory(ledger_location(project), wait=wait)
    return Ledger.open(ledger_location(project), wait=wait)
