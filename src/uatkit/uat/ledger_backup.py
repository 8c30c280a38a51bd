"""Backs up the ledger with SQLite's online backup API and turns SQLite faults into one line of advice."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from uatkit.errors import UatkitError

#: How many backups written before schema migrations are kept beside the ledger (the newest ones).
MIGRATION_BACKUPS_KEPT = 3

# `uat.db.bak-<schema>-<time>` before a migration, `uat.db.backup-<time>` on request.
_BACKUP_NAME = re.compile(r"\.(?:bak-\d+|backup)-(\d{8}T\d{6}\d{6}Z)$")


@dataclass(frozen=True)
class Backup:
    """A copy of the ledger: where it is, its size in bytes and what SQLite's integrity check said."""

    path: Path
    size: int
    integrity: str

    @property
    def ok(self) -> bool:
        """Return True when the copy passed the integrity check."""
        return self.integrity == "ok"


def backup(conn: sqlite3.Connection, target: Path) -> Backup:
    """Copy the open ledger to `target` (SQLite's online backup API, then a rename), and check the copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        copy = sqlite3.connect(tmp)
        try:
            conn.backup(copy)
            # The copy stands alone: no -wal file beside it to lose on the way to another disk.
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Backup(target, target.stat().st_size, integrity(target))


def integrity(path: Path) -> str:
    """Return SQLite's integrity check of a database file: "ok" or its first complaints on one line."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        lines = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    return "; ".join(lines)


def default_target(ledger: Path, *, schema: int | None = None) -> Path:
    """Return the name of a new backup beside the ledger: `.bak-<schema>-<time>` before a migration."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    kind = f"bak-{schema:d}" if schema is not None else "backup"
    return ledger.with_name(f"{ledger.name}.{kind}-{stamp}")


def backup_before_migration(conn: sqlite3.Connection, ledger: Path, schema: int) -> Backup:
    """Back up a ledger at `schema` before it is migrated; keep only the newest few such backups."""
    made = backup(conn, default_target(ledger, schema=schema))
    if not made.ok:
        made.path.unlink(missing_ok=True)
        raise UatkitError(
            f"{ledger}: the ledger failed its integrity check ({made.integrity}), so it was not migrated; "
            + restore_advice(ledger)
        )
    earlier = sorted((p for p in backups(ledger) if ".bak-" in p.name), key=lambda p: _stamp(p), reverse=True)
    for old in earlier[MIGRATION_BACKUPS_KEPT:]:
        old.unlink(missing_ok=True)
    return made


def backups(ledger: Path) -> list[Path]:
    """Return the backups beside the ledger, newest first."""
    if not ledger.parent.is_dir():
        return []
    found = [p for p in ledger.parent.glob(f"{glob_escape(ledger.name)}.*") if _BACKUP_NAME.search(p.name)]
    return sorted(found, key=_stamp, reverse=True)


def glob_escape(name: str) -> str:
    """Return a file name with glob's special characters taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _stamp(path: Path) -> str:
    match = _BACKUP_NAME.search(path.name)
    return match.group(1) if match else ""


def _free_space(folder: Path) -> int | None:
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    # A file system without blocks (/proc) says nothing about space.
    return stats.f_bavail * stats.f_frsize if stats.f_blocks else None


def remove_unborn(ledger: Path) -> None:
    """Remove a ledger file this process created whose schema was never committed, with its -wal and -shm.

    A first import on a full disk can leave a page of header behind; it holds nothing, and left there it
    would be taken for a ledger.
    """
    wal = ledger.with_name(ledger.name + "-wal")
    try:
        # A committed schema is in the header (user_version, bytes 60-63) or still in the -wal file.
        with ledger.open("rb") as handle:
            header = handle.read(100)
        if (wal.exists() and wal.stat().st_size) or header[60:64].strip(b"\0"):
            return
    except OSError:
        return
    for path in (ledger, wal, ledger.with_name(ledger.name + "-shm")):
        path.unlink(missing_ok=True)


def restore_advice(ledger: Path) -> str:
    """Say how to restore the ledger: from the newest backup beside it, or from the user's own copies."""
    found = backups(ledger)
    if found:
        return (
            f"restore it from the backup {found[0]} (copy it over {ledger.name} and remove "
            f"{ledger.name}-wal and {ledger.name}-shm), then import the packs returned since"
        )
    return (
        "no backup of it was found beside it: restore it from your own copies (`uatkit uat backup` makes "
        "one), or move it away and import the returned packs again"
    )


def fault(exc: sqlite3.Error, ledger: Path) -> UatkitError:
    """Return one line saying what went wrong with the ledger and what to do about it."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    code = name.split("_")[1] if name.startswith("SQLITE_") else ""
    text = str(exc)
    if code in ("BUSY", "LOCKED"):
        return UatkitError(
            f"{ledger}: another uatkit command is using the ledger; wait for it to finish and retry"
        )
    if code == "FULL":
        return UatkitError(
            f"{ledger}: the disk is full; nothing of the last change was recorded; free space and retry"
        )
    if code == "CORRUPT":
        return UatkitError(f"{ledger}: the ledger is damaged ({text}); {restore_advice(ledger)}")
    if code == "NOTADB":
        # Another file at the ledger's path, or a ledger whose first page is gone: both are possible.
        return UatkitError(
            f"{ledger}: not a uatkit ledger ({text}); if it was the ledger, {restore_advice(ledger)}; "
            "if it is another file, move it away or set [tool.uatkit.uat] ledger"
        )
    if code in ("CANTOPEN", "READONLY", "PERM", "IOERR", "AUTH") or "unable to open" in text:
        return _cannot_write(ledger, text)
    if "no such table" in text or "no such column" in text:
        return UatkitError(
            f"{ledger}: the ledger lacks part of its schema ({text}); it was changed outside uatkit: "
            + restore_advice(ledger)
        )
    if code == "TOOBIG":
        return UatkitError(
            f"{ledger}: a value is too big for the ledger ({text}), an evidence file most likely; nothing of "
            "the last change was recorded: name a smaller file (or none) in the pack and import it again"
        )
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.DataError | sqlite3.ProgrammingError):
        # The ledger refused one change as a whole; its content is as it was. A bug, not damage.
        return UatkitError(
            f"{ledger}: the ledger refused a change ({text}); nothing of it was recorded; please report this "
            "as a uatkit bug with the command you ran"
        )
    return UatkitError(f"{ledger}: the ledger failed ({text}); {restore_advice(ledger)}")


#: Below this much free space a write SQLite calls an I/O error is taken for a full disk.
_NEARLY_FULL = 1 << 20


def _cannot_write(ledger: Path, text: str) -> UatkitError:
    if ledger.is_dir():
        return UatkitError(
            f"{ledger}: is a folder, not the ledger; remove or rename it, or set [tool.uatkit.uat] ledger"
        )
    free = _free_space(ledger.parent)
    if free is not None and free < _NEARLY_FULL:
        # SQLite reports a write the disk had no room for as an I/O error when it creates a file.
        return UatkitError(
            f"{ledger}: no space left for the ledger ({free:,} bytes free on the disk of {ledger.parent}); "
            "nothing was recorded; free space and retry"
        )
    return UatkitError(
        f"{ledger}: the ledger cannot be opened or written ({text}); check that its folder {ledger.parent} "
        "exists and can be written (the ledger writes -wal and -shm files beside itself) and that the disk "
        "has free space"
    )
