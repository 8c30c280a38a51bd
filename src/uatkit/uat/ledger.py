"""The UAT ledger: every imported mark, pack, sign-off and evidence file, in one SQLite or PostgreSQL
database (`ledger_db`)."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from uatkit.atomic import atomic_write_bytes, file_in_the_way
from uatkit.errors import InputError, UatkitError
from uatkit.model import Decision, Mark, SignOff, SourceLocation, Status
from uatkit.uat.ledger_backup import Backup, backup, default_target, fault, remove_unborn, restore_advice
from uatkit.uat.ledger_db import LedgerDb, connect_pg, is_url
from uatkit.uat.ledger_defects import FiledDefect, FiledDefects
from uatkit.uat.ledger_import import plan_marks, record_marks
from uatkit.uat.ledger_rounds import PackRounds
from uatkit.uat.ledger_schema import (
    AuditEntry,
    CaseState,
    ImportOutcome,
    LedgerState,
    PackSummary,
    RecordedGate,
    SignoffRecord,
    StoredMark,
    TemplateSource,
    current_mark,
    mark_order,
    migrate,
    migrate_pg,
    missing_tables,
    says,
    transaction,
)
from uatkit.uat.ledger_seals import PackSeals
from uatkit.uat.pack import PackInfo, PackRow, PackTarget, ReadPack
from uatkit.uat.signing import decode

__all__ = [
    "AuditEntry",
    "Backup",
    "CaseState",
    "FiledDefect",
    "ImportOutcome",
    "Ledger",
    "LedgerState",
    "PackSummary",
    "RecordedGate",
    "Resolution",
    "SignoffRecord",
    "StoredMark",
    "TemplateSource",
    "UatView",
]


#: How long a write waits for another process's write to the ledger, in seconds.
BUSY_WAIT = 5.0


class Ledger:
    """The ledger of UAT marks; use it as a context manager so the connection is closed.

    Marks are never changed or deleted once stored: a correction or a resolution is an event of its own
    (`mark_events`), and which mark is current is computed from the marks and their events (`case_states`).
    """

    def __init__(self, conn: LedgerDb, path: Path | str) -> None:
        self._conn = conn
        #: The SQLite file, or the PostgreSQL URL as messages show it.
        self.path = path

    @property
    def db(self) -> LedgerDb:
        """Return the connection to the ledger's database (copies and role set-up work on it)."""
        return self._conn

    @property
    def kind(self) -> str:
        """Return the database the ledger is in: "sqlite" or "postgresql"."""
        return self._conn.kind

    @classmethod
    def open(cls, path: Path | str, *, wait: float = BUSY_WAIT) -> Ledger:
        """Open (creating it and its folders if needed) the ledger at `path`, migrated to this schema.

        `path` is a file (SQLite) or a `postgresql://` URL. A write waits up to `wait` seconds for another
        process's write to finish. Database faults, here and in the `with` block, become one `UatkitError`
        line saying what to do (`ledger_backup.fault`, `LedgerDb.fault`).
        """
        if isinstance(path, str):
            if is_url(path):
                return cls._open_pg(path, wait=wait)
            path = Path(path)
        if path.is_dir():
            raise fault(sqlite3.OperationalError("unable to open database file"), path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            blocking = file_in_the_way(exc)
            if blocking is not None:
                raise UatkitError(
                    f"{path}: cannot create the ledger's folder: {blocking} is a file, not a folder; move or "
                    "remove that file, or choose another place with [tool.uatkit.uat] ledger"
                ) from None
            raise UatkitError(
                f"{path}: cannot create the ledger's folder ({exc.strerror or exc}); check that it can be "
                "written, or choose another place with [tool.uatkit.uat] ledger"
            ) from None
        conn: sqlite3.Connection | None = None
        created = not path.exists()
        try:
            # Autocommit mode: every write below runs in an explicit BEGIN IMMEDIATE … COMMIT.
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000):d}")
            conn.execute("PRAGMA journal_mode = WAL")
            migrate(conn, path)
            missing = missing_tables(LedgerDb(conn))
            if missing:
                raise UatkitError(
                    f"{path}: the ledger has no table {', '.join(missing)} (its schema says it should); it "
                    f"was changed outside uatkit: {restore_advice(path)}"
                )
            conn.row_factory = sqlite3.Row
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            error = fault(exc, path)
            if created:
                remove_unborn(path)
            raise error from None
        except BaseException:
            if conn is not None:
                conn.close()
            if created:
                remove_unborn(path)
            raise
        return cls(LedgerDb(conn, where=str(path)), path)

    @classmethod
    def _open_pg(cls, url: str, *, wait: float, dry: bool = False) -> Ledger:
        db = connect_pg(url, wait=wait, dry=dry)
        try:
            migrate_pg(db)
            missing = missing_tables(db)
            if missing:
                raise UatkitError(
                    f"{db.where}: the ledger has no table {', '.join(missing)} (its schema says it should); "
                    "it was changed outside uatkit: restore it from your last pg_dump"
                )
        except BaseException:
            db.close()
            raise
        return cls(db, db.where)

    @property
    def db_user(self) -> str:
        """Return the database user this ledger is open as on PostgreSQL ("" on SQLite, which has none)."""
        return self._conn.user

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
        if isinstance(exc, sqlite3.Error) and isinstance(self.path, Path):
            raise fault(exc, self.path) from None

    def backup(self, target: Path | None = None) -> Backup:
        """Copy the ledger (SQLite's online backup API) to `target` or a file beside it; check the copy."""
        if self._conn.sqlite is None or not isinstance(self.path, Path):
            raise UatkitError(
                f"{self.path}: a PostgreSQL ledger is backed up by the database's own tools: "
                "pg_dump --format=custom (restore with pg_restore)"
            )
        try:
            return backup(self._conn.sqlite, target or default_target(self.path))
        except sqlite3.Error as exc:
            raise fault(exc, self.path) from None

    def record_audit(self, action: str, subject: str, detail: Mapping[str, object]) -> AuditEntry:
        """Append one row to the audit: now, this operating-system user, the action, its subject, detail.

        On PostgreSQL the server records the database user too (a column no ledger role may write).
        """
        with transaction(self._conn) as conn:
            return _audit(conn, action, subject, detail)

    @contextmanager
    def audited(self, action: str, subject: str, detail: Mapping[str, object]) -> Iterator[AuditEntry]:
        """Record one audit row, then run the block in the same transaction; commit when it ends.

        A user who may not write the audit (a PostgreSQL role) is refused before the block runs; an error in
        the block, or a failed commit, leaves no row.
        """
        with transaction(self._conn) as conn:
            yield _audit(conn, action, subject, detail)

    def write_audited(
        self,
        path: Path,
        data: bytes,
        action: str,
        subject: str,
        detail: Mapping[str, object],
        *,
        replace: bool = True,
    ) -> AuditEntry:
        """Write a project file atomically under its audit row: both stay, or neither does.

        The row is recorded first (a refused user writes nothing), the file written inside the transaction,
        and, when the commit fails, the file is put back as it was (removed when it was new).
        """
        before = path.read_bytes() if replace and path.is_file() else None
        written = False
        try:
            with self.audited(action, subject, detail) as entry:
                atomic_write_bytes(path, data, replace=replace)
                written = True
        except BaseException:
            if written:
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    atomic_write_bytes(path, before)
            raise
        return entry

    def audit(self, subject: str | None = None) -> list[AuditEntry]:
        """Return the audit's rows, oldest first (only those about `subject` when given)."""
        rows = self._conn.execute(
            "SELECT * FROM audit WHERE ? IS NULL OR subject = ? ORDER BY id", (subject, subject)
        )
        return [
            AuditEntry(
                row["id"],
                dt.datetime.fromisoformat(row["at"]),
                row["os_user"],
                row["action"],
                row["subject"],
                json.loads(row["detail"]),
                row["db_user"],
            )
            for row in rows
        ]

    @property
    def seals(self) -> PackSeals:
        """Return the ledger's project key, the pack revisions it signed and the files accepted on trust."""
        return PackSeals(self._conn)

    @property
    def defects(self) -> FiledDefects:
        """Return the defects filed in a tracker: which failure, which issue, who filed it and when."""
        return FiledDefects(self._conn)

    @property
    def rounds(self) -> PackRounds:
        """Return the re-test rounds: each pack ID's round, when it was issued, its rows and why."""
        return PackRounds(self._conn)

    def register_pack(self, info: PackInfo, rows: Sequence[PackRow]) -> None:
        """Record an exported pack and its case rows (a newer revision of the pack replaces them)."""
        with transaction(self._conn):
            self._upsert_pack(info, rows)

    def is_imported(self, sha256: str) -> bool:
        """Return True when a file with this SHA-256 was imported."""
        row = self._conn.execute("SELECT 1 FROM imports WHERE sha256 = ?", (sha256,)).fetchone()
        return row is not None

    @classmethod
    def copy_in_memory(cls, path: Path | str, *, wait: float = BUSY_WAIT) -> Ledger:
        """Return an in-memory copy of the ledger at `path` (an empty one when there is none), migrated.

        What is done to the copy never reaches the file: `uatkit uat import --dry-run` records into it. The
        file is opened read-only and never created. A PostgreSQL ledger is not copied: the work is done in
        one transaction that closing the ledger rolls back.
        """
        if isinstance(path, str):
            if is_url(path):
                return cls._open_pg(path, wait=wait, dry=True)
            path = Path(path)
        if path.is_dir():
            raise fault(sqlite3.OperationalError("unable to open database file"), path)
        memory = sqlite3.connect(":memory:", isolation_level=None)
        try:
            if path.exists():
                source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                try:
                    source.execute(f"PRAGMA busy_timeout = {int(wait * 1000):d}")
                    source.backup(memory)
                finally:
                    source.close()
            memory.execute("PRAGMA foreign_keys = ON")
            migrate(memory, path, backup=False)
            memory.row_factory = sqlite3.Row
        except sqlite3.Error as exc:
            memory.close()
            raise fault(exc, path) from None
        except BaseException:
            memory.close()
            raise
        return cls(LedgerDb(memory, where=str(path)), path)

    def import_pack(self, read: ReadPack, template: TemplateSource | None = None) -> ImportOutcome:
        """Record a returned pack's marks, evidence and sign-off: all of them or, on any error, none.

        With `template`, `read` is a client's own template read through a mapping: its pack is of kind
        'template', and the import records the mapping that read it.
        """
        if read.errors:
            raise InputError(read.errors)
        if read.info is None:
            raise UatkitError(f"{read.path}: not a uatkit pack (no pack metadata); export packs with uatkit")
        info = read.info
        with transaction(self._conn) as conn:
            if self.is_imported(read.sha256):
                rows = {m.source.row: "already imported" for m in read.marks if m.source and m.source.row}
                return ImportOutcome(read.path, info.pack_id, duplicate_file=True, rows=rows)
            if template is not None:
                self._claim_template(info.pack_id)
            self._upsert_pack(info, read.rows)
            inserted = conn.execute(
                "INSERT INTO imports (sha256, path, pack_id, imported_at, marks, warnings, saved_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    read.sha256,
                    str(read.path),
                    info.pack_id,
                    _now(),
                    len(read.marks),
                    len(read.warnings),
                    read.saved_at.isoformat() if read.saved_at else None,
                ),
            )
            import_id = int(inserted.fetchone()[0])
            if template is not None:
                conn.execute(
                    "INSERT INTO template_imports (import_id, mapping, mapping_sha256, sheet, header_row,"
                    " os_user) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        import_id,
                        template.mapping,
                        template.mapping_sha256,
                        template.sheet,
                        template.header_row,
                        os_user(),
                    ),
                )
            outcome = record_marks(conn, read, info, import_id, _now())
            conn.execute(
                "UPDATE imports SET added = ?, unchanged = ?, updated = ? WHERE id = ?",
                (outcome.added, outcome.unchanged, len(outcome.corrected), import_id),
            )
            if read.signoff is not None and _signed(read.signoff):
                _insert_signoff(conn, import_id, info.pack_id, read.signoff)
        return outcome

    def _claim_template(self, pack_id: str) -> None:
        """Make `pack_id` a client template's pack; refuse when uatkit exported a pack of that ID."""
        row = self._conn.execute("SELECT kind FROM packs WHERE pack_id = ?", (pack_id,)).fetchone()
        if row is not None and row[0] != "template":
            raise UatkitError(
                f"the client template's pack ID {pack_id} is a uatkit pack's ID in this ledger; rename "
                "the file or set name = … in the mapping"
            )
        if row is None:
            self._conn.execute(
                "INSERT INTO packs (pack_id, release, group_name, owner, language, project, generated_at,"
                " commit_sha, kind) VALUES (?, '', '', '', 'en', '', '0001-01-01T00:00:00+00:00', '',"
                " 'template')",
                (pack_id,),
            )

    def template_source(self, import_id: int) -> TemplateSource | None:
        """Return the mapping that read a client template's import, or None for a pack's import."""
        row = self._conn.execute(
            "SELECT mapping, mapping_sha256, sheet, header_row FROM template_imports WHERE import_id = ?",
            (import_id,),
        ).fetchone()
        return TemplateSource(row[0], row[1], row[2], row[3]) if row is not None else None

    def unrecorded(self, read: ReadPack) -> list[Mark]:
        """Return the marks of a read pack the ledger does not hold (what importing it would add)."""
        if read.info is None:
            return list(read.marks)
        plan = plan_marks(self._conn, read, read.info)
        return [item.mark for item in plan.new]

    def marks(self) -> list[StoredMark]:
        """Return every stored mark, replaced ones included, in the order they were stored."""
        imports = {
            row["id"]: (row["path"], row["sha256"], dt.datetime.fromisoformat(row["imported_at"]))
            for row in self._conn.execute("SELECT id, path, sha256, imported_at FROM imports")
        }
        hashes: dict[int, dict[int, str]] = {}
        for mark_id, position, digest in self._conn.execute(
            "SELECT mark_id, position, sha256 FROM mark_evidence"
        ):
            hashes.setdefault(mark_id, {})[position] = digest
        # A mark is replaced at most once: only live marks are corrected or resolved.
        events = {
            row["mark_id"]: (row["replaced_by"], row["reason"])
            for row in self._conn.execute("SELECT mark_id, replaced_by, reason FROM mark_events ORDER BY id")
        }
        rows = self._conn.execute("SELECT * FROM marks ORDER BY id")
        return [
            _stored(row, *imports[row["import_id"]], hashes.get(row["id"], {}), events.get(row["id"]))
            for row in rows
        ]

    def mark_targets(self) -> dict[int, PackTarget]:
        """Return what each mark's pack said to test: the target of the pack's revision signed last before
        the mark's file was imported (the one in the tester's hands); marks of packs without one are left out.
        """
        rows = self._conn.execute(
            "SELECT marks.id AS mark_id, (SELECT signature FROM signed_packs"
            " WHERE signed_packs.pack_id = marks.pack_id AND signed_packs.signed_at <= imports.imported_at"
            " ORDER BY signed_packs.signed_at DESC, signed_packs.generated_at DESC LIMIT 1) AS signature"
            " FROM marks JOIN imports ON imports.id = marks.import_id"
        )
        # A pack's thousand marks name one signed revision: each revision's payload is decoded once.
        said: dict[str, PackTarget | None] = {}
        targets: dict[int, PackTarget] = {}
        for row in rows:
            signature = row["signature"]
            if signature is None:
                continue
            if signature not in said:
                said[signature] = self._signed_target(signature)
            target = said[signature]
            if target:
                targets[row["mark_id"]] = target
        return targets

    def _signed_target(self, signature: str) -> PackTarget | None:
        """Return the target a signed pack revision names (None when it names none)."""
        (payload,) = self._conn.execute(
            "SELECT payload FROM signed_packs WHERE signature = ?", (signature,)
        ).fetchone()
        said = decode(payload).get("pack", {}).get("target") if payload else None
        if not said:
            return None
        return PackTarget(
            **{k: str(said.get(k, "")) for k in ("url", "version", "build", "environment", "contact")}
        )

    def resolve(self, key: str, keep: int, by: str, why: str) -> Resolution:
        """Settle a conflict on a case: keep one of its marks, record who decided, when and why."""
        if not by.strip():
            raise UatkitError("say who resolves the conflict: --by NAME")
        if not why.strip():
            raise UatkitError("say why this mark is kept: --reason TEXT")
        with transaction(self._conn) as conn:
            stored = [s for s in self.marks() if s.mark.key == key]
            if not stored:
                raise UatkitError(f"the ledger holds no marks for case {key!r}; check the case ID and row")
            state = _state(key, stored, None, self.rounds.numbers())
            if not state.conflict:
                current = f": mark #{state.mark_id} is current" if state.mark_id is not None else ""
                raise UatkitError(f"case {key} has no conflict to resolve{current}")
            choices = ", ".join(conflict_choices(state))
            if keep not in state.conflict_ids:
                raise UatkitError(f"mark #{keep} is not in the conflict of case {key}; keep one of {choices}")
            now = _now()
            others = [i for i in state.conflict_ids if i != keep]
            conn.executemany(
                "INSERT INTO mark_events (mark_id, replaced_by, reason, by_name, at, why)"
                " VALUES (?, ?, 'resolution', ?, ?, ?)",
                [(other, keep, by.strip(), now, why.strip()) for other in others],
            )
            # The audit says who decided as which operating-system (and, on PostgreSQL, database) user.
            detail = {"kept": keep, "replaced": others, "by": by.strip(), "reason": why.strip()}
            _audit(conn, "conflict.resolve", key, detail)
        return Resolution(key, keep, tuple(others), by.strip(), dt.datetime.fromisoformat(now), why.strip())

    def record_carried(self, pack_id: str, carried: Mapping[str, int]) -> None:
        """Record which ledger mark each case row of an exported pack was prefilled with."""
        with transaction(self._conn) as conn:
            conn.executemany(
                "INSERT INTO carried_marks (pack_id, key, mark_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(pack_id, key, mark_id) for key, mark_id in carried.items()],
            )

    def resolutions(self) -> list[Resolution]:
        """Return every recorded resolution of a conflict, oldest first."""
        groups: dict[tuple[str, int, str, str, str], list[int]] = {}
        for key, keep, other, by, at, why in self._conn.execute(
            "SELECT marks.key, replaced_by, mark_id, by_name, at, why FROM mark_events"
            " JOIN marks ON marks.id = mark_events.mark_id"
            " WHERE reason = 'resolution' ORDER BY mark_events.id"
        ):
            groups.setdefault((key, keep, by, at, why), []).append(other)
        return [
            Resolution(key, keep, tuple(others), by, dt.datetime.fromisoformat(at), why)
            for (key, keep, by, at, why), others in groups.items()
        ]

    def states(self, current: Mapping[str, str]) -> list[CaseState]:
        """Return each case's state: the project's cases (`key -> fingerprint`) first, then gone ones."""
        return case_states(self.marks(), current, self.rounds.numbers())

    def current_marks(self, current: Mapping[str, str]) -> dict[str, Mark]:
        """Return the current mark of each of the project's cases that has one, stale ones included."""
        return current_marks(self.states(current))

    def packs(self) -> list[PackSummary]:
        """Return every registered or imported pack with its case rows, by pack ID."""
        rows: dict[str, list[PackRow]] = {}
        for pack_id, key, row, fingerprint in self._conn.execute(
            "SELECT pack_id, key, row, fingerprint FROM pack_rows ORDER BY pack_id, row"
        ):
            rows.setdefault(pack_id, []).append(PackRow(key, row, fingerprint))
        numbers = self.rounds.numbers()
        out = []
        for record in self._conn.execute(
            "SELECT packs.*, COUNT(imports.id) AS imports, MAX(imports.imported_at) AS last FROM packs"
            " LEFT JOIN imports ON imports.pack_id = packs.pack_id"
            " GROUP BY packs.pack_id ORDER BY packs.pack_id"
        ):
            info = PackInfo(
                pack_id=record["pack_id"],
                release=record["release"],
                group=record["group_name"],
                owner=record["owner"],
                language=record["language"],
                project=record["project"],
                generated_at=dt.datetime.fromisoformat(record["generated_at"]),
                commit=record["commit_sha"],
                due=dt.date.fromisoformat(record["due"]) if record["due"] else None,
            )
            last = dt.datetime.fromisoformat(record["last"]) if record["last"] else None
            out.append(
                PackSummary(
                    info,
                    tuple(rows.get(info.pack_id, ())),
                    record["imports"],
                    last,
                    numbers.get(info.pack_id, 1),
                )
            )
        return out

    def signoffs(self) -> dict[str, SignOff]:
        """Return each pack's latest sign-off: the latest signing date, then the latest import."""
        out: dict[str, SignOff] = {}
        for pack_id, owner, decision, conditions, name, signed_on in self._conn.execute(
            "SELECT pack_id, owner, decision, conditions, name, signed_on FROM signoffs"
            " ORDER BY COALESCE(signed_on, ''), import_id"
        ):
            out[pack_id] = SignOff(
                pack_id=pack_id,
                owner=owner,
                decision=Decision(decision) if decision else None,
                conditions=conditions,
                name=name,
                date=dt.date.fromisoformat(signed_on) if signed_on else None,
            )
        return out

    def evidence(self, mark_id: int) -> list[tuple[str, bytes]]:
        """Return a mark's evidence files as (name, content), in the order the tester listed them."""
        rows = self._conn.execute(
            "SELECT mark_evidence.name, evidence.content FROM mark_evidence"
            " JOIN evidence ON evidence.sha256 = mark_evidence.sha256"
            " WHERE mark_evidence.mark_id = ? ORDER BY mark_evidence.position",
            (mark_id,),
        )
        return [(name, bytes(content)) for name, content in rows]

    def evidence_files(self, mark_id: int) -> list[tuple[str, str]]:
        """Return a mark's evidence files as (name, SHA-256 of the content), in the tester's order."""
        rows = self._conn.execute(
            "SELECT name, sha256 FROM mark_evidence WHERE mark_id = ? ORDER BY position", (mark_id,)
        )
        return [(name, digest) for name, digest in rows]

    def evidence_index(self) -> dict[int, list[tuple[str, str]]]:
        """Return every mark's evidence files as `evidence_files` does, by mark ID, in one query."""
        index: dict[int, list[tuple[str, str]]] = {}
        for mark_id, name, digest in self._conn.execute(
            "SELECT mark_id, name, sha256 FROM mark_evidence ORDER BY mark_id, position"
        ):
            index.setdefault(mark_id, []).append((name, digest))
        return index

    @contextmanager
    def exclusive(self) -> Iterator[Ledger]:
        """Hold the ledger's write lock for the block: what it reads stays as it is until the block ends.

        Writers of the UAT results take it, so the results match one state of the ledger and two commands
        never update the results folder at once.
        """
        with transaction(self._conn):
            yield self

    def evidence_content(self, sha256: str) -> bytes:
        """Return the content of the evidence file with this SHA-256."""
        row = self._conn.execute("SELECT content FROM evidence WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise UatkitError(
                f"{self.path}: the ledger has no evidence file {sha256}; {self._restore_advice()}"
            )
        return bytes(row[0])

    def _restore_advice(self) -> str:
        if isinstance(self.path, Path):
            return restore_advice(self.path)
        return "restore the ledger from your last pg_dump"

    def _upsert_pack(self, info: PackInfo, rows: Sequence[PackRow]) -> None:
        old = self._conn.execute(
            "SELECT generated_at FROM packs WHERE pack_id = ?", (info.pack_id,)
        ).fetchone()
        # An older copy of a pack, imported late, must not roll the pack's rows back; the same revision
        # (registered at export, or imported before) has the same rows already.
        if old is not None and _utc(info.generated_at) <= _utc(dt.datetime.fromisoformat(old[0])):
            return
        self._conn.execute(
            "INSERT INTO packs (pack_id, release, group_name, owner, language, project, generated_at,"
            " commit_sha, due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (pack_id) DO UPDATE SET release = excluded.release,"
            " group_name = excluded.group_name, owner = excluded.owner, language = excluded.language,"
            " project = excluded.project, generated_at = excluded.generated_at,"
            " commit_sha = excluded.commit_sha, due = excluded.due",
            (
                info.pack_id,
                info.release,
                info.group,
                info.owner,
                info.language,
                info.project,
                info.generated_at.isoformat(),
                info.commit,
                info.due.isoformat() if info.due else None,
            ),
        )
        self._conn.execute("DELETE FROM pack_rows WHERE pack_id = ?", (info.pack_id,))
        self._conn.executemany(
            "INSERT INTO pack_rows (pack_id, key, row, fingerprint) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (pack_id, key) DO UPDATE SET row = excluded.row,"
            " fingerprint = excluded.fingerprint",
            [(info.pack_id, r.key, r.row, r.fingerprint) for r in rows],
        )

    # The sign-off records and the ledger's state as evidence (`uatkit signoff --record` and --history).

    def state(self) -> LedgerState:
        """Return the digest of what the ledger holds as evidence, with counts.

        It covers every mark (replaced ones too) and its evidence, every decision that changed which mark
        is current (corrections, resolutions), every file accepted on trust and every pack decision.
        """
        digest = hashlib.sha256()
        counts = []
        # Every column of every row, by name: a column added later is covered without a change here.
        for table, order in (
            ("marks", "id"),
            ("signoffs", "import_id"),
            ("mark_evidence", "mark_id, position"),
            ("mark_events", "id"),
            ("trusted_files", "sha256"),
            ("template_imports", "import_id"),
        ):
            rows = self._conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            counts.append(len(rows))
            for row in rows:
                line = json.dumps({table: dict(row)}, sort_keys=True, ensure_ascii=False, default=_hex)
                digest.update(line.encode("utf-8") + b"\n")
        return LedgerState(f"sha256:{digest.hexdigest()}", counts[0], counts[1])

    def record_signoff(self, record: SignoffRecord) -> SignoffRecord:
        """Store a sign-off record; return it with its number and the time it was recorded."""
        now = _now()
        gates = json.dumps([asdict(gate) for gate in record.gates], ensure_ascii=False)
        with transaction(self._conn) as conn:
            inserted = conn.execute(
                "INSERT INTO signoff_records (recorded_at, recorded_by, note, release, outcome, evidence_id,"
                " results_hash, ledger_digest, version, environment, commit_sha, gates, evidence)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, db_user",
                (
                    now,
                    record.recorded_by,
                    record.note,
                    record.release,
                    record.outcome,
                    record.evidence_id,
                    record.results_hash,
                    record.ledger_digest,
                    record.version,
                    record.environment,
                    record.commit,
                    gates,
                    record.evidence,
                ),
            )
            number, db_user = inserted.fetchone()
        return replace(record, id=int(number), recorded_at=dt.datetime.fromisoformat(now), db_user=db_user)

    def signoff_records(self) -> list[SignoffRecord]:
        """Return every sign-off record, oldest first."""
        return [
            SignoffRecord(
                release=row["release"],
                outcome=row["outcome"],
                recorded_by=row["recorded_by"],
                note=row["note"],
                evidence_id=row["evidence_id"],
                results_hash=row["results_hash"],
                ledger_digest=row["ledger_digest"],
                version=row["version"],
                environment=row["environment"],
                commit=row["commit_sha"],
                gates=tuple(RecordedGate(**gate) for gate in json.loads(row["gates"])),
                evidence=row["evidence"],
                recorded_at=dt.datetime.fromisoformat(row["recorded_at"]),
                id=row["id"],
                db_user=row["db_user"],
            )
            for row in self._conn.execute("SELECT * FROM signoff_records ORDER BY id")
        ]


@dataclass(frozen=True)
class UatView:
    """What the ledger says about one release: each case's state, the release's packs and their sign-offs."""

    states: dict[str, CaseState]
    packs: tuple[PackSummary, ...]
    signoffs: dict[str, SignOff]
    resolutions: tuple[Resolution, ...] = ()
    #: The issues `uatkit defects push` filed (or found filed) for each case row, in the order filed.
    filed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Each mark's target (the build, version and environment its pack said to test), by mark ID.
    targets: dict[int, PackTarget] = field(default_factory=dict)


def read_view(
    path: Path | str, current: Mapping[str, str], release: str, *, wait: float = BUSY_WAIT
) -> UatView | None:
    """Return the ledger's view of a release (every pack when unset), or None when there is no ledger."""
    if isinstance(path, Path) and not path.exists():
        return None  # a folder at the path is refused by `Ledger.open`, not taken for no ledger
    with Ledger.open(path, wait=wait) as ledger:
        states = {s.key: s for s in ledger.states(current)}
        packs = tuple(release_packs(ledger.packs(), release))
        ids = {p.pack_id for p in packs}
        signoffs = {pack: s for pack, s in ledger.signoffs().items() if pack in ids}
        resolutions = tuple(ledger.resolutions())
        filed: dict[str, tuple[str, ...]] = {}
        for defect in ledger.defects.all():
            if defect.key not in filed.get(defect.case_key, ()):
                filed[defect.case_key] = (*filed.get(defect.case_key, ()), defect.key)
        targets = ledger.mark_targets()
    return UatView(states, packs, signoffs, resolutions, filed, targets)


def case_states(
    marks: Sequence[StoredMark], current: Mapping[str, str], rounds: Mapping[str, int] | None = None
) -> list[CaseState]:
    """Return each case's state from stored marks: the project's cases first, then gone ones.

    `rounds` gives each pack ID's re-test round: of two marks of the same test date, the one from the later
    round is the re-test the earlier one asked for, so it is current rather than a conflict.
    """
    by_key: dict[str, list[StoredMark]] = {}
    for stored in marks:
        by_key.setdefault(stored.mark.key, []).append(stored)
    keys = list(current) + sorted(set(by_key) - set(current))
    return [_state(key, by_key.get(key, []), current.get(key), rounds or {}) for key in keys]


def current_marks(states: Sequence[CaseState]) -> dict[str, Mark]:
    """Return the current mark of each of the project's cases that has one, stale ones included."""
    return {s.key: s.mark for s in states if s.mark is not None and not s.gone}


def release_packs(packs: Sequence[PackSummary], release: str) -> list[PackSummary]:
    """Return the packs of a release (every pack when the release is unset)."""
    return [p for p in packs if not release or p.info.release == release]


def _hex(value: object) -> str:
    """Return a BLOB as hex text for the ledger's digest."""
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot digest {type(value).__name__}")


def os_user() -> str:
    """Return the operating-system user running uatkit ("unknown" where the system cannot say)."""
    # getpass reads LOGNAME/USER/… then the password database, which a container may lack.
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError, ImportError):
        return "unknown"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _audit(conn: LedgerDb, action: str, subject: str, detail: Mapping[str, object]) -> AuditEntry:
    """Append one audit row in the caller's transaction; the server adds the database user on PostgreSQL."""
    now, user = _now(), os_user()
    text = json.dumps(dict(detail), ensure_ascii=False, sort_keys=True)
    row = conn.execute(
        "INSERT INTO audit (at, os_user, action, subject, detail) VALUES (?, ?, ?, ?, ?)"
        " RETURNING id, db_user",
        (now, user, action, subject, text),
    ).fetchone()
    return AuditEntry(
        int(row[0]), dt.datetime.fromisoformat(now), user, action, subject, dict(detail), row[1]
    )


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _signed(signoff: SignOff) -> bool:
    # The owner is filled in at export; only a decision, a name or a date means someone signed.
    return signoff.decision is not None or bool(signoff.name) or signoff.date is not None


def _insert_signoff(conn: LedgerDb, import_id: int, pack_id: str, signoff: SignOff) -> None:
    conn.execute(
        "INSERT INTO signoffs (import_id, pack_id, owner, decision, conditions, name, signed_on)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            import_id,
            pack_id,
            signoff.owner,
            signoff.decision.value if signoff.decision else None,
            signoff.conditions,
            signoff.name,
            signoff.date.isoformat() if signoff.date else None,
        ),
    )


def _stored(
    row: Mapping[str, Any],
    path: str,
    sha256: str,
    imported_at: dt.datetime,
    hashes: Mapping[int, str],
    event: tuple[int, str] | None,
) -> StoredMark:
    evidence = row["evidence"]
    names = tuple(json.loads(evidence)) if evidence != "[]" else ()
    mark = Mark(
        key=row["key"],
        status=_STATUSES[row["status"]],
        tester=row["tester"],
        date=dt.date.fromisoformat(row["test_date"]) if row["test_date"] else None,
        actual=row["actual"],
        defect=row["defect"],
        evidence=names,
        comments=row["comments"],
        fingerprint=row["fingerprint"],
        pack_id=row["pack_id"],
        source=SourceLocation(path, sheet=row["sheet"] or None, row=row["row"]),
    )
    return StoredMark(
        row["id"],
        mark,
        row["import_id"],
        path,
        sha256,
        imported_at,
        superseded_by=event[0] if event else None,
        identity=row["identity"],
        hashes=tuple(hashes.get(position, "") for position in range(len(names))),
        reason=event[1] if event else "",
    )


_STATUSES = {status.value: status for status in Status}


def _state(
    key: str, stored: list[StoredMark], fingerprint: str | None, rounds: Mapping[str, int]
) -> CaseState:
    live = [s for s in stored if s.superseded_by is None]
    # The test date decides; on the same date a later re-test round's mark follows the earlier round's.
    winner, conflict = current_mark(
        [(s.id, mark_order(s.mark, rounds), says(s.mark, s.hashes)) for s in live]
    )
    by_id = {s.id: s.mark for s in live}
    mark = by_id[winner] if winner is not None else None
    gone = fingerprint is None
    return CaseState(
        key=key,
        case_id=key.partition("#")[0],
        mark=mark,
        mark_id=winner,
        stale=bool(stored) and (gone or (mark is not None and mark.fingerprint != fingerprint)),
        conflict=tuple(by_id[i] for i in conflict),
        history=len(stored),
        gone=gone,
        conflict_ids=conflict,
    )


@dataclass(frozen=True)
class Resolution:
    """A recorded decision on a conflict: the mark kept, the ones it replaced, who decided, when and why."""

    key: str
    kept: int
    replaced: tuple[int, ...]
    by: str
    at: dt.datetime
    why: str


def conflict_choices(state: CaseState) -> list[str]:
    """Return each mark of a case's conflict as `#ID Status by Tester (pack, file › sheet › row)`."""
    out = []
    for mark_id, mark in zip(state.conflict_ids, state.conflict, strict=True):
        where = f"{mark.pack_id}, {mark.source}" if mark.source else mark.pack_id
        out.append(f"#{mark_id} {mark.status.value} by {mark.tester or 'an unnamed tester'} ({where})")
    return out
