"""Copy a SQLite ledger into PostgreSQL and prove the copy: every table's row count and content hash.

The copy is one PostgreSQL transaction under the ledger's write lock: the target must be empty, every row
of every table goes across with its IDs, and the copy is committed only when each table's count and content
hash, and the ledger's evidence digest (`Ledger.state`), are the same on both sides; otherwise nothing of it
stays.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uatkit.errors import UatkitError
from uatkit.uat.ledger import Ledger
from uatkit.uat.ledger_db import LedgerDb

#: Every table of the ledger, parents before the tables that refer to them.
TABLES = (
    "packs",
    "pack_rows",
    "imports",
    "marks",
    "evidence",
    "mark_evidence",
    "signoffs",
    "mark_events",
    "mark_sightings",
    "carried_marks",
    "signoff_records",
    "project_key",
    "signed_packs",
    "trusted_files",
    "audit",
    "pack_rounds",
    "round_rows",
    "template_imports",
    "filed_defects",
)
#: The tables whose `id` PostgreSQL numbers itself: its counter continues after the copied IDs.
_NUMBERED = ("imports", "mark_events", "signoff_records", "audit", "filed_defects")
_BATCH = 500


@dataclass(frozen=True)
class TableCopy:
    """One table copied: its rows and content hash in the source and in the target."""

    table: str
    rows: int
    copied: int
    source_hash: str
    target_hash: str

    @property
    def ok(self) -> bool:
        """Return True when the target holds what the source holds."""
        return (self.rows, self.source_hash) == (self.copied, self.target_hash)


@dataclass(frozen=True)
class LedgerCopy:
    """A ledger copied: from where to where, each table, and the evidence digest on both sides."""

    source: str
    target: str
    tables: tuple[TableCopy, ...]
    source_digest: str
    target_digest: str

    @property
    def ok(self) -> bool:
        """Return True when every table and the evidence digest match."""
        return all(t.ok for t in self.tables) and self.source_digest == self.target_digest


def copy_to_postgresql(source: Path, url: str, *, wait: float) -> LedgerCopy:
    """Copy the SQLite ledger at `source` into the empty PostgreSQL ledger at `url`; verify, then commit."""
    if not source.is_file():
        raise UatkitError(f"no SQLite ledger at {source}: nothing to copy (give --from PATH)")
    with Ledger.open(source, wait=wait) as old, Ledger.open(url, wait=wait) as new:
        src = old.db
        # One read transaction on the source: what is copied and what it is compared with is one state.
        src.execute("BEGIN")
        try:
            done = _copy(source, old, new)
        finally:
            src.execute("ROLLBACK")
    return done


def _copy(source: Path, old: Ledger, new: Ledger) -> LedgerCopy:
    src, dst = old.db, new.db
    assert src.sqlite is not None
    with dst.transaction():
        _check_empty(dst)
        copies = []
        for table in TABLES:
            copied = _copy_table(src.sqlite, dst, table)
            copies.append(
                TableCopy(table, _count(src, table), _count(dst, table), _content(src, table), copied)
            )
        for table in _NUMBERED:
            # Our own table names: nothing to quote.
            dst.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false)"
                f" FROM {table}"
            )
        done = LedgerCopy(str(source), dst.where, tuple(copies), old.state().digest, new.state().digest)
        if not done.ok:
            wrong = [t.table for t in copies if not t.ok] or ["the evidence digest"]
            raise UatkitError(
                f"{dst.where}: the copy of {source} does not match it ({', '.join(wrong)}); nothing was "
                "copied; please report this as a uatkit bug"
            )
    return done


def _check_empty(db: LedgerDb) -> None:
    held = [(table, _count(db, table)) for table in TABLES]
    full = [f"{table} ({rows:,} rows)" for table, rows in held if rows]
    if full:
        raise UatkitError(
            f"{db.where}: the target ledger is not empty ({', '.join(full[:3])}); copy into a new, empty "
            "database (uatkit uat init-db --url … creates its schema and roles)"
        )


def _copy_table(source: sqlite3.Connection, target: LedgerDb, table: str) -> str:
    """Copy one table's rows in batches; return the content hash of what was read from the source."""
    cursor = source.execute(f"SELECT * FROM {table}")
    columns = [d[0] for d in cursor.description]
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    while batch := cursor.fetchmany(_BATCH):
        target.executemany(insert, [tuple(row) for row in batch])
    return _content(target, table)


def _count(db: LedgerDb, table: str) -> int:
    return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _content(db: LedgerDb, table: str) -> str:
    """Return a hash of a table's content, whatever order the database returns its rows in."""
    digests = sorted(_row_digest(row) for row in db.execute(f"SELECT * FROM {table}"))
    return hashlib.sha256(b"".join(digests)).hexdigest()


def _row_digest(row: Any) -> bytes:
    line = json.dumps(dict(row), sort_keys=True, ensure_ascii=False, default=_hex)
    return hashlib.sha256(line.encode("utf-8")).digest()


def _hex(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot hash {type(value).__name__}")
