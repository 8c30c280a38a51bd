"""The UAT ledger: every imported mark, pack, sign-off and evidence file, in one SQLite database."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from uatkit.errors import InputError, UatkitError
from uatkit.model import Decision, Mark, SignOff, SourceLocation, Status
from uatkit.uat.ledger_import import record_marks
from uatkit.uat.ledger_schema import (
    CaseState,
    ImportOutcome,
    PackSummary,
    StoredMark,
    date_key,
    migrate,
    resolve,
)
from uatkit.uat.ledger_seals import PackSeals
from uatkit.uat.pack import PackInfo, PackRow, ReadPack

__all__ = ["CaseState", "ImportOutcome", "Ledger", "PackSummary", "StoredMark", "UatView"]


class Ledger:
    """The ledger of UAT marks; use it as a context manager so the connection is closed."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    def open(cls, path: Path) -> Ledger:
        """Open (creating it and its folders if needed) the ledger at `path`, migrated to this schema."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: every write below runs in an explicit BEGIN IMMEDIATE … COMMIT.
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA journal_mode = WAL")
            migrate(conn, path)
            conn.row_factory = sqlite3.Row
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise UatkitError(
                f"{path}: not a uatkit ledger ({exc}); move it away or set [tool.uatkit.uat] ledger"
            ) from None
        except BaseException:
            conn.close()
            raise
        return cls(conn)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @property
    def seals(self) -> PackSeals:
        """Return the ledger's project key, the pack revisions it signed and the files accepted on trust."""
        return PackSeals(self._conn)

    def register_pack(self, info: PackInfo, rows: Sequence[PackRow]) -> None:
        """Record an exported pack and its case rows (a newer revision of the pack replaces them)."""
        with self._transaction():
            self._upsert_pack(info, rows)

    def is_imported(self, sha256: str) -> bool:
        """Return True when a file with this SHA-256 was imported."""
        row = self._conn.execute("SELECT 1 FROM imports WHERE sha256 = ?", (sha256,)).fetchone()
        return row is not None

    def import_pack(self, read: ReadPack) -> ImportOutcome:
        """Record a returned pack's marks, evidence and sign-off: all of them or, on any error, none."""
        if read.errors:
            raise InputError(read.errors)
        if read.info is None:
            raise UatkitError(f"{read.path}: not a uatkit pack (no pack metadata); export packs with uatkit")
        info = read.info
        with self._transaction() as conn:
            if self.is_imported(read.sha256):
                return ImportOutcome(read.path, info.pack_id, duplicate_file=True)
            self._upsert_pack(info, read.rows)
            cursor = conn.execute(
                "INSERT INTO imports (sha256, path, pack_id, imported_at, marks, warnings)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (read.sha256, str(read.path), info.pack_id, _now(), len(read.marks), len(read.warnings)),
            )
            import_id = int(cursor.lastrowid or 0)
            outcome = record_marks(conn, read, info, import_id)
            conn.execute(
                "UPDATE imports SET added = ?, unchanged = ?, updated = ? WHERE id = ?",
                (outcome.added, outcome.unchanged, outcome.updated, import_id),
            )
            if read.signoff is not None and _signed(read.signoff):
                _insert_signoff(conn, import_id, info.pack_id, read.signoff)
        return outcome

    def marks(self) -> list[StoredMark]:
        """Return every stored mark, superseded ones included, in the order they were stored."""
        imports = {
            row["id"]: (row["path"], row["sha256"], dt.datetime.fromisoformat(row["imported_at"]))
            for row in self._conn.execute("SELECT id, path, sha256, imported_at FROM imports")
        }
        rows = self._conn.execute("SELECT * FROM marks ORDER BY id")
        return [_stored(row, *imports[row["import_id"]]) for row in rows]

    def states(self, current: Mapping[str, str]) -> list[CaseState]:
        """Return each case's state: the project's cases (`key -> fingerprint`) first, then gone ones."""
        return case_states(self.marks(), current)

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
            out.append(PackSummary(info, tuple(rows.get(info.pack_id, ())), record["imports"], last))
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
            "INSERT OR REPLACE INTO pack_rows (pack_id, key, row, fingerprint) VALUES (?, ?, ?, ?)",
            [(info.pack_id, r.key, r.row, r.fingerprint) for r in rows],
        )


@dataclass(frozen=True)
class UatView:
    """What the ledger says about one release: each case's state, the release's packs and their sign-offs."""

    states: dict[str, CaseState]
    packs: tuple[PackSummary, ...]
    signoffs: dict[str, SignOff]


def read_view(path: Path, current: Mapping[str, str], release: str) -> UatView | None:
    """Return the ledger's view of a release (every pack when unset), or None when there is no ledger."""
    if not path.is_file():
        return None
    with Ledger.open(path) as ledger:
        states = {s.key: s for s in ledger.states(current)}
        packs = tuple(release_packs(ledger.packs(), release))
        ids = {p.pack_id for p in packs}
        signoffs = {pack: s for pack, s in ledger.signoffs().items() if pack in ids}
    return UatView(states, packs, signoffs)


def case_states(marks: Sequence[StoredMark], current: Mapping[str, str]) -> list[CaseState]:
    """Return each case's state from stored marks: the project's cases first, then gone ones."""
    by_key: dict[str, list[StoredMark]] = {}
    for stored in marks:
        by_key.setdefault(stored.mark.key, []).append(stored)
    keys = list(current) + sorted(set(by_key) - set(current))
    return [_state(key, by_key.get(key, []), current.get(key)) for key in keys]


def current_marks(states: Sequence[CaseState]) -> dict[str, Mark]:
    """Return the current mark of each of the project's cases that has one, stale ones included."""
    return {s.key: s.mark for s in states if s.mark is not None and not s.gone}


def release_packs(packs: Sequence[PackSummary], release: str) -> list[PackSummary]:
    """Return the packs of a release (every pack when the release is unset)."""
    return [p for p in packs if not release or p.info.release == release]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _signed(signoff: SignOff) -> bool:
    # The owner is filled in at export; only a decision, a name or a date means someone signed.
    return signoff.decision is not None or bool(signoff.name) or signoff.date is not None


def _insert_signoff(conn: sqlite3.Connection, import_id: int, pack_id: str, signoff: SignOff) -> None:
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


def _stored(row: sqlite3.Row, path: str, sha256: str, imported_at: dt.datetime) -> StoredMark:
    evidence = row["evidence"]
    mark = Mark(
        key=row["key"],
        status=_STATUSES[row["status"]],
        tester=row["tester"],
        date=dt.date.fromisoformat(row["test_date"]) if row["test_date"] else None,
        actual=row["actual"],
        defect=row["defect"],
        evidence=tuple(json.loads(evidence)) if evidence != "[]" else (),
        comments=row["comments"],
        fingerprint=row["fingerprint"],
        pack_id=row["pack_id"],
        source=SourceLocation(path, sheet=row["sheet"] or None, row=row["row"]),
    )
    return StoredMark(
        row["id"], mark, row["import_id"], path, sha256, imported_at, row["superseded_by"], row["identity"]
    )


_STATUSES = {status.value: status for status in Status}


def _state(key: str, stored: list[StoredMark], fingerprint: str | None) -> CaseState:
    live = [s for s in stored if s.superseded_by is None]
    winner, conflict = resolve([(s.id, date_key(s.mark.date), s.mark.status.value) for s in live])
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
    )
