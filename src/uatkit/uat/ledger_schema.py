"""The ledger's SQLite schema, its migrations, and the records the ledger hands out."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from uatkit.errors import UatkitError
from uatkit.model import Mark, Status
from uatkit.uat.pack import PackInfo, PackRow

#: Each entry moves the ledger from user_version n to n + 1; append, never edit a released one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE packs (
        pack_id TEXT PRIMARY KEY,
        release TEXT NOT NULL,
        group_name TEXT NOT NULL,
        owner TEXT NOT NULL,
        language TEXT NOT NULL,
        project TEXT NOT NULL,
        generated_at TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        due TEXT
    );
    CREATE TABLE pack_rows (
        pack_id TEXT NOT NULL REFERENCES packs(pack_id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        row INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (pack_id, key)
    );
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        pack_id TEXT NOT NULL REFERENCES packs(pack_id),
        imported_at TEXT NOT NULL,
        marks INTEGER NOT NULL DEFAULT 0,
        added INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE marks (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        pack_id TEXT NOT NULL REFERENCES packs(pack_id),
        key TEXT NOT NULL,
        status TEXT NOT NULL,
        tester TEXT NOT NULL,
        test_date TEXT,
        actual TEXT NOT NULL,
        defect TEXT NOT NULL,
        evidence TEXT NOT NULL,
        comments TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        sheet TEXT NOT NULL,
        row INTEGER,
        identity TEXT NOT NULL,
        superseded_by INTEGER REFERENCES marks(id)
    );
    CREATE INDEX marks_by_key ON marks(key, superseded_by);
    CREATE TABLE evidence (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        content BLOB NOT NULL
    );
    CREATE TABLE mark_evidence (
        mark_id INTEGER NOT NULL REFERENCES marks(id),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL REFERENCES evidence(sha256),
        PRIMARY KEY (mark_id, position)
    );
    CREATE TABLE signoffs (
        import_id INTEGER PRIMARY KEY REFERENCES imports(id),
        pack_id TEXT NOT NULL REFERENCES packs(pack_id),
        owner TEXT NOT NULL,
        decision TEXT,
        conditions TEXT NOT NULL,
        name TEXT NOT NULL,
        signed_on TEXT
    );
    """,
    # Signed pack metadata (uatkit.uat.signing): the project key, kept only here; the metadata of every
    # pack revision signed, to say what changed in a pack that no longer verifies; and the files a user
    # accepted explicitly without a valid signature (`uatkit uat trust`): who, which file hash, when, why.
    """
    CREATE TABLE project_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret BLOB NOT NULL CHECK (length(secret) = 32),
        created_at TEXT NOT NULL
    );
    CREATE TABLE signed_packs (
        signature TEXT PRIMARY KEY,
        pack_id TEXT NOT NULL,
        generated_at TEXT NOT NULL,
        payload TEXT NOT NULL,
        signed_at TEXT NOT NULL
    );
    CREATE INDEX signed_packs_by_pack ON signed_packs(pack_id, generated_at);
    CREATE TABLE trusted_files (
        sha256 TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        pack_id TEXT NOT NULL,
        seal TEXT NOT NULL,
        trusted_by TEXT NOT NULL,
        reason TEXT NOT NULL,
        trusted_at TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the ledger's schema up to SCHEMA_VERSION, one migration a transaction."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise UatkitError(
            f"{path}: the ledger was written by a newer uatkit (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade uatkit"
        )
    for number in range(version, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    conn.execute(statement)
            # PRAGMA takes no parameters; the value is our own integer.
            conn.execute(f"PRAGMA user_version = {number + 1:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


@dataclass(frozen=True)
class ImportOutcome:
    """What importing one returned pack changed in the ledger.

    `added` counts new marks, `updated` new marks that replace the same pack's earlier mark for the same
    date (the tester corrected it), `unchanged` marks the ledger already held word for word.
    """

    path: Path
    pack_id: str
    added: int = 0
    unchanged: int = 0
    updated: int = 0
    duplicate_file: bool = False
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoredMark:
    """A mark as the ledger holds it, with the file it came from."""

    id: int
    mark: Mark
    import_id: int
    path: str
    sha256: str
    imported_at: dt.datetime
    superseded_by: int | None = None
    #: The hash of what the mark says (`ledger_import.mark_identity`), as stored when it was imported.
    identity: str = ""


@dataclass(frozen=True)
class CaseState:
    """Where a case stands: its current mark, whether that is stale, and any conflict.

    `conflict` holds the marks of different packs that disagree on the latest date; then `mark` is None.
    `gone` means the project no longer has the case; its marks are stale.
    """

    key: str
    case_id: str
    mark: Mark | None = None
    mark_id: int | None = None
    stale: bool = False
    conflict: tuple[Mark, ...] = ()
    history: int = 0
    gone: bool = False

    @property
    def status(self) -> Status | None:
        """Return the status that counts: None when not run, stale or in conflict."""
        if self.mark is None or self.stale or self.conflict:
            return None
        return self.mark.status


@dataclass(frozen=True)
class PackSummary:
    """A registered or imported pack: its identity (latest revision), case rows and imports."""

    info: PackInfo
    rows: tuple[PackRow, ...]
    imports: int = 0
    last_imported: dt.datetime | None = None

    @property
    def pack_id(self) -> str:
        """Return the pack's ID."""
        return self.info.pack_id


def resolve(candidates: Sequence[tuple[int, str, str]]) -> tuple[int | None, tuple[int, ...]]:
    """Return the current mark's ID and the IDs in conflict, from live (id, ISO date, status) triples.

    The latest test date wins, not the latest import; marks of that date that disagree on the status
    are a conflict and nobody wins. Among agreeing marks the last one stored is shown.
    """
    if not candidates:
        return None, ()
    latest = max(date for _, date, _ in candidates)
    top = sorted((c for c in candidates if c[1] == latest), key=lambda c: c[0])
    if len({status for _, _, status in top}) > 1:
        return None, tuple(c[0] for c in top)
    return top[-1][0], ()


def date_key(date: dt.date | None) -> str:
    """Return a test date as the ISO text the ledger sorts by (no date sorts first)."""
    return date.isoformat() if date else ""
