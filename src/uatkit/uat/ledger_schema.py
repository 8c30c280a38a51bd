"""The ledger's schema on SQLite and on PostgreSQL, their migrations, and the records the ledger hands out."""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from uatkit.errors import UatkitError
from uatkit.model import Mark, Status
from uatkit.uat.ledger_backup import backup_before_migration
from uatkit.uat.ledger_db import LedgerDb, _sqlite_transaction
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
    # Marks become append-only: what replaced a mark (a tester's correction, a recorded resolution of a
    # conflict) is an event of its own, and the rows a mark was read from again or carried into are kept.
    # marks.superseded_by moves into mark_events and is no longer written or read.
    """
    CREATE TABLE mark_events (
        id INTEGER PRIMARY KEY,
        mark_id INTEGER NOT NULL REFERENCES marks(id),
        replaced_by INTEGER NOT NULL REFERENCES marks(id),
        reason TEXT NOT NULL CHECK (reason IN ('correction', 'resolution')),
        by_name TEXT NOT NULL,
        at TEXT NOT NULL,
        why TEXT NOT NULL,
        import_id INTEGER REFERENCES imports(id)
    );
    CREATE INDEX mark_events_by_mark ON mark_events(mark_id);
    INSERT INTO mark_events (mark_id, replaced_by, reason, by_name, at, why, import_id)
        SELECT old.id, old.superseded_by, 'correction', new.tester, imports.imported_at,
            'the same pack sent again with another mark for the same date', new.import_id
        FROM marks AS old
        JOIN marks AS new ON new.id = old.superseded_by
        JOIN imports ON imports.id = new.import_id
        ORDER BY old.id;
    UPDATE marks SET superseded_by = NULL WHERE superseded_by IS NOT NULL;
    CREATE TABLE mark_sightings (
        mark_id INTEGER NOT NULL REFERENCES marks(id),
        import_id INTEGER NOT NULL REFERENCES imports(id),
        sheet TEXT NOT NULL,
        row INTEGER,
        PRIMARY KEY (mark_id, import_id)
    );
    ALTER TABLE imports ADD COLUMN saved_at TEXT;
    CREATE TABLE carried_marks (
        pack_id TEXT NOT NULL REFERENCES packs(pack_id),
        key TEXT NOT NULL,
        mark_id INTEGER NOT NULL REFERENCES marks(id),
        PRIMARY KEY (pack_id, key, mark_id)
    );
    """,
    # The project's sign-off records (`uatkit signoff --record`): the verdict with the evidence it rests on.
    """
    CREATE TABLE signoff_records (
        id INTEGER PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        note TEXT NOT NULL,
        release TEXT NOT NULL,
        outcome TEXT NOT NULL,
        evidence_id TEXT NOT NULL,
        results_hash TEXT NOT NULL,
        ledger_digest TEXT NOT NULL,
        version TEXT NOT NULL,
        environment TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        gates TEXT NOT NULL,
        evidence TEXT NOT NULL
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
    # The audit: who did what to the project's signed records (a baseline created, a change request
    # approved or rejected), when and as which operating-system user; rows are only ever appended.
    # `detail` is JSON text (the file relative to the project, its SHA-256, who decided, the dates).
    """
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        os_user TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX audit_by_subject ON audit(subject, id);
    """,
    # Re-test rounds: each pack ID's round (1 for a pack issued in full, 2, 3 … for each `uat export
    # --retest` of the same release and group, whose pack it follows: `base_id`), when it was issued, and
    # which rows it holds and why (reason codes, comma-separated; "" in a round 1). Packs exported before
    # are round 1, issued when they were generated.
    """
    CREATE TABLE pack_rounds (
        pack_id TEXT PRIMARY KEY REFERENCES packs(pack_id),
        base_id TEXT NOT NULL,
        round INTEGER NOT NULL CHECK (round >= 1),
        issued_at TEXT NOT NULL
    );
    CREATE INDEX pack_rounds_by_base ON pack_rounds(base_id, round);
    CREATE TABLE round_rows (
        pack_id TEXT NOT NULL REFERENCES pack_rounds(pack_id),
        key TEXT NOT NULL,
        reasons TEXT NOT NULL,
        PRIMARY KEY (pack_id, key)
    );
    INSERT INTO pack_rounds (pack_id, base_id, round, issued_at)
        SELECT pack_id, pack_id, 1, generated_at FROM packs;
    INSERT INTO round_rows (pack_id, key, reasons) SELECT pack_id, key, '' FROM pack_rows;
    """,
    # A client's own UAT template (`uatkit uat import --template MAPPING`): its marks are recorded under a
    # pack of kind 'template' (uatkit's packs are of kind 'pack'), and each import of one records the
    # mapping that read it (its path and SHA-256), the sheet and header row read, and who imported it. The
    # file itself (path, SHA-256) is the import's, as for a pack.
    """
    ALTER TABLE packs ADD COLUMN kind TEXT NOT NULL DEFAULT 'pack' CHECK (kind IN ('pack', 'template'));
    CREATE TABLE template_imports (
        import_id INTEGER PRIMARY KEY REFERENCES imports(id),
        mapping TEXT NOT NULL,
        mapping_sha256 TEXT NOT NULL,
        sheet TEXT NOT NULL,
        header_row INTEGER NOT NULL,
        os_user TEXT NOT NULL
    );
    """,
    # Defects filed in a tracker (`uatkit defects push`): which failure (a UAT mark by its ID, or an
    # automated result by its case row, level, run ID and result uuid), its stable ID (the issue's
    # `uatkit-…` label), the tracker (kind and site), the key and URL, whether uatkit created it or
    # found it filed already, and who (operating-system user and tracker account) when. Only appended.
    """
    CREATE TABLE filed_defects (
        id INTEGER PRIMARY KEY,
        defect_id TEXT NOT NULL,
        case_key TEXT NOT NULL,
        level TEXT NOT NULL,
        mark_id INTEGER REFERENCES marks(id),
        run_id TEXT NOT NULL,
        result_uuid TEXT NOT NULL,
        tracker TEXT NOT NULL,
        tracker_url TEXT NOT NULL,
        issue_key TEXT NOT NULL,
        issue_url TEXT NOT NULL,
        how TEXT NOT NULL CHECK (how IN ('created', 'found')),
        filed_by TEXT NOT NULL,
        tracker_user TEXT NOT NULL,
        filed_at TEXT NOT NULL,
        UNIQUE (tracker, tracker_url, defect_id)
    );
    CREATE INDEX filed_defects_by_defect ON filed_defects(defect_id);
    """,
    # The database user behind each import, audit row and sign-off record. On PostgreSQL the server fills
    # it in (DEFAULT current_user, a column the ledger's roles may not write); SQLite has no database
    # users, so it stays "" there and os_user says who.
    """
    ALTER TABLE imports ADD COLUMN db_user TEXT NOT NULL DEFAULT '';
    ALTER TABLE audit ADD COLUMN db_user TEXT NOT NULL DEFAULT '';
    ALTER TABLE signoff_records ADD COLUMN db_user TEXT NOT NULL DEFAULT '';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

#: The same schema on PostgreSQL: the same tables and columns (dates as ISO text, BYTEA for blobs), so the
#: ledger's digest of the same content is the same on both. Each entry moves `uatkit_schema.version` from n
#: to n + 1 in one transaction (PostgreSQL's DDL is transactional); append, never edit a released one.
PG_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE uatkit_schema (version INTEGER NOT NULL);
    INSERT INTO uatkit_schema (version) VALUES (0);
    CREATE TABLE packs (
        pack_id TEXT PRIMARY KEY,
        release TEXT NOT NULL,
        group_name TEXT NOT NULL,
        owner TEXT NOT NULL,
        language TEXT NOT NULL,
        project TEXT NOT NULL,
        generated_at TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        due TEXT,
        kind TEXT NOT NULL DEFAULT 'pack' CHECK (kind IN ('pack', 'template'))
    );
    CREATE TABLE pack_rows (
        pack_id TEXT NOT NULL REFERENCES packs(pack_id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        row INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (pack_id, key)
    );
    CREATE TABLE imports (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        pack_id TEXT NOT NULL REFERENCES packs(pack_id),
        imported_at TEXT NOT NULL,
        marks INTEGER NOT NULL DEFAULT 0,
        added INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0,
        saved_at TEXT,
        db_user TEXT NOT NULL DEFAULT current_user
    );
    CREATE TABLE marks (
        id BIGINT PRIMARY KEY,
        import_id BIGINT NOT NULL REFERENCES imports(id),
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
        superseded_by BIGINT REFERENCES marks(id)
    );
    CREATE INDEX marks_by_key ON marks(key, superseded_by);
    CREATE TABLE evidence (
        sha256 TEXT PRIMARY KEY,
        size BIGINT NOT NULL,
        content BYTEA NOT NULL
    );
    CREATE TABLE mark_evidence (
        mark_id BIGINT NOT NULL REFERENCES marks(id),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL REFERENCES evidence(sha256),
        PRIMARY KEY (mark_id, position)
    );
    CREATE TABLE signoffs (
        import_id BIGINT PRIMARY KEY REFERENCES imports(id),
        pack_id TEXT NOT NULL REFERENCES packs(pack_id),
        owner TEXT NOT NULL,
        decision TEXT,
        conditions TEXT NOT NULL,
        name TEXT NOT NULL,
        signed_on TEXT
    );
    CREATE TABLE mark_events (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        mark_id BIGINT NOT NULL REFERENCES marks(id),
        replaced_by BIGINT NOT NULL REFERENCES marks(id),
        reason TEXT NOT NULL CHECK (reason IN ('correction', 'resolution')),
        by_name TEXT NOT NULL,
        at TEXT NOT NULL,
        why TEXT NOT NULL,
        import_id BIGINT REFERENCES imports(id)
    );
    CREATE INDEX mark_events_by_mark ON mark_events(mark_id);
    CREATE TABLE mark_sightings (
        mark_id BIGINT NOT NULL REFERENCES marks(id),
        import_id BIGINT NOT NULL REFERENCES imports(id),
        sheet TEXT NOT NULL,
        row INTEGER,
        PRIMARY KEY (mark_id, import_id)
    );
    CREATE TABLE carried_marks (
        pack_id TEXT NOT NULL REFERENCES packs(pack_id),
        key TEXT NOT NULL,
        mark_id BIGINT NOT NULL REFERENCES marks(id),
        PRIMARY KEY (pack_id, key, mark_id)
    );
    CREATE TABLE signoff_records (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        note TEXT NOT NULL,
        release TEXT NOT NULL,
        outcome TEXT NOT NULL,
        evidence_id TEXT NOT NULL,
        results_hash TEXT NOT NULL,
        ledger_digest TEXT NOT NULL,
        version TEXT NOT NULL,
        environment TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        gates TEXT NOT NULL,
        evidence TEXT NOT NULL,
        db_user TEXT NOT NULL DEFAULT current_user
    );
    CREATE TABLE project_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret BYTEA NOT NULL CHECK (length(secret) = 32),
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
    CREATE TABLE audit (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at TEXT NOT NULL,
        os_user TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL,
        db_user TEXT NOT NULL DEFAULT current_user
    );
    CREATE INDEX audit_by_subject ON audit(subject, id);
    CREATE TABLE pack_rounds (
        pack_id TEXT PRIMARY KEY REFERENCES packs(pack_id),
        base_id TEXT NOT NULL,
        round INTEGER NOT NULL CHECK (round >= 1),
        issued_at TEXT NOT NULL
    );
    CREATE INDEX pack_rounds_by_base ON pack_rounds(base_id, round);
    CREATE TABLE round_rows (
        pack_id TEXT NOT NULL REFERENCES pack_rounds(pack_id),
        key TEXT NOT NULL,
        reasons TEXT NOT NULL,
        PRIMARY KEY (pack_id, key)
    );
    CREATE TABLE template_imports (
        import_id BIGINT PRIMARY KEY REFERENCES imports(id),
        mapping TEXT NOT NULL,
        mapping_sha256 TEXT NOT NULL,
        sheet TEXT NOT NULL,
        header_row INTEGER NOT NULL,
        os_user TEXT NOT NULL
    );
    CREATE TABLE filed_defects (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        defect_id TEXT NOT NULL,
        case_key TEXT NOT NULL,
        level TEXT NOT NULL,
        mark_id BIGINT REFERENCES marks(id),
        run_id TEXT NOT NULL,
        result_uuid TEXT NOT NULL,
        tracker TEXT NOT NULL,
        tracker_url TEXT NOT NULL,
        issue_key TEXT NOT NULL,
        issue_url TEXT NOT NULL,
        how TEXT NOT NULL CHECK (how IN ('created', 'found')),
        filed_by TEXT NOT NULL,
        tracker_user TEXT NOT NULL,
        filed_at TEXT NOT NULL,
        UNIQUE (tracker, tracker_url, defect_id)
    );
    CREATE INDEX filed_defects_by_defect ON filed_defects(defect_id);
    """,
)
PG_SCHEMA_VERSION = len(PG_MIGRATIONS)


def migrate(conn: sqlite3.Connection, path: Path, *, backup: bool = True) -> None:
    """Bring the ledger's schema up to SCHEMA_VERSION, one migration a transaction.

    Without `backup` no copy is written first (an in-memory copy of the ledger, which is no ledger).
    """
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise UatkitError(
            f"{path}: the ledger was written by a newer uatkit (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade uatkit"
        )
    if backup and 0 < version < SCHEMA_VERSION:
        # A ledger holding marks is copied before its schema changes (SQLite's online backup API).
        backup_before_migration(conn, path, version)
    for number in range(version, SCHEMA_VERSION):
        with _sqlite_transaction(conn):
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    conn.execute(statement)
            # PRAGMA takes no parameters; the value is our own integer.
            conn.execute(f"PRAGMA user_version = {number + 1:d}")


def migrate_pg(db: LedgerDb) -> int:
    """Bring a PostgreSQL ledger's schema up to PG_SCHEMA_VERSION; return the version it had.

    Each migration runs in one transaction under the ledger's write lock, so two processes opening a new
    ledger at once create its schema once.
    """
    version = pg_version(db)
    if version == PG_SCHEMA_VERSION:
        return version
    with db.transaction():
        version = pg_version(db)
        if version > PG_SCHEMA_VERSION:
            raise UatkitError(
                f"{db.where}: the ledger was written by a newer uatkit (schema {version}, this one knows "
                f"{PG_SCHEMA_VERSION}); upgrade uatkit"
            )
        for number in range(version, PG_SCHEMA_VERSION):
            for statement in PG_MIGRATIONS[number].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute("UPDATE uatkit_schema SET version = ?", (number + 1,))
    return version


def pg_version(db: LedgerDb) -> int:
    """Return a PostgreSQL ledger's schema version (0 for an empty database)."""
    if "uatkit_schema" not in db.tables():
        return 0
    row = db.execute("SELECT version FROM uatkit_schema").fetchone()
    return int(row[0]) if row is not None else 0


@contextmanager
def transaction(conn: LedgerDb | sqlite3.Connection) -> Iterator[LedgerDb]:
    """Run the block in one write transaction: all of it is committed, or nothing of it stays."""
    if isinstance(conn, sqlite3.Connection):
        with _sqlite_transaction(conn):
            yield LedgerDb(conn)
        return
    with conn.transaction():
        yield conn


def missing_tables(db: LedgerDb) -> list[str]:
    """Return the tables of this schema a migrated ledger lacks (removed outside uatkit)."""
    return sorted(_schema_tables() - db.tables())


@functools.cache
def _schema_tables() -> frozenset[str]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn, Path(":memory:"))
        return frozenset(
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        )
    finally:
        conn.close()


@dataclass(frozen=True)
class ImportOutcome:
    """What importing one returned pack changed in the ledger.

    `added` counts new marks; `corrected` names the cases whose new mark replaced the same tester's earlier
    mark from a row of the same pack (`ledger_import` states the rule); `unchanged` counts rows holding a
    mark the ledger already had (the same content, even read back without its evidence file or cut).
    """

    path: Path
    pack_id: str
    added: int = 0
    unchanged: int = 0
    corrected: tuple[str, ...] = ()
    duplicate_file: bool = False
    conflicts: list[str] = field(default_factory=list)
    #: What recording did with each executed row, by sheet row: new, unchanged, correction or conflict.
    rows: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateSource:
    """What read a client's own template: the mapping (path and SHA-256), the sheet and its header row."""

    mapping: str
    mapping_sha256: str
    sheet: str
    header_row: int


@dataclass(frozen=True)
class StoredMark:
    """A mark as the ledger holds it, with the file it came from and what replaced it, if anything."""

    id: int
    mark: Mark
    import_id: int
    path: str
    sha256: str
    imported_at: dt.datetime
    #: The mark that replaced this one by a correction or a resolution (`mark_events`), None while live.
    superseded_by: int | None = None
    #: The hash of what the mark says (`ledger_import.mark_identity`), as stored when it was imported.
    identity: str = ""
    #: The SHA-256 of each evidence file's content, in `mark.evidence` order; "" for a file never received.
    hashes: tuple[str, ...] = ()
    #: Why it was replaced: "correction" or "resolution"; "" while live.
    reason: str = ""


@dataclass(frozen=True)
class CaseState:
    """Where a case stands: its current mark, whether that is stale, and any conflict.

    `conflict` holds the live marks of the latest date that say different things (`conflict_ids` their
    ledger IDs, in the same order); then `mark` is None. `gone` means the project no longer has the case;
    its marks are stale.
    """

    key: str
    case_id: str
    mark: Mark | None = None
    mark_id: int | None = None
    stale: bool = False
    conflict: tuple[Mark, ...] = ()
    history: int = 0
    gone: bool = False
    conflict_ids: tuple[int, ...] = ()

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
    #: 1 for a pack issued in full, 2, 3 … for each re-test round of its release and group.
    round: int = 1

    @property
    def pack_id(self) -> str:
        """Return the pack's ID."""
        return self.info.pack_id


#: What a mark says, apart from who said it and when: two marks of one day that say different things conflict.
Says = tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]]


def says(mark: Mark, hashes: Sequence[str]) -> Says:
    """Return what a mark says: status, actual result, defect, comments, evidence names and their hashes."""
    return (mark.status.value, mark.actual, mark.defect, mark.comments, mark.evidence, tuple(hashes))


def current_mark(live: Sequence[tuple[int, str, Says]]) -> tuple[int | None, tuple[int, ...]]:
    """Return the current mark's ID and the IDs in conflict, from live (id, ISO date, says) triples.

    The latest test date wins, not the latest import. Marks of that date that say different things are a
    conflict and none wins; among marks that say the same thing the last one stored is shown.
    """
    if not live:
        return None, ()
    latest = max(date for _, date, _ in live)
    top = sorted((c for c in live if c[1] == latest), key=lambda c: c[0])
    if len({said for _, _, said in top}) > 1:
        return None, tuple(c[0] for c in top)
    return top[-1][0], ()


def date_key(date: dt.date | None) -> str:
    """Return a test date as the ISO text the ledger sorts by (no date sorts first)."""
    return date.isoformat() if date else ""


def mark_order(mark: Mark, rounds: Mapping[str, int]) -> str:
    """Return what orders a case's marks: the test date, then (same date) the round of the mark's pack.

    Of two marks of one date, the later re-test round's is the re-test the earlier one asked for.
    """
    return f"{date_key(mark.date)}/{rounds.get(mark.pack_id, 1):04d}"


def same_tester(one: str, other: str) -> bool:
    """Return True when two Tester cells name the same person (case and spacing aside)."""
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


@dataclass(frozen=True)
class RecordedGate:
    """One gate of a recorded sign-off: its rule, what it demanded, whether it passed and why."""

    rule: str
    title: str
    on_fail: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class SignoffRecord:
    """A verdict recorded with `uatkit signoff --record`: who, when, and the evidence it rests on.

    `results_hash` and `ledger_digest` name the evidence; `evidence` is the evidence set as JSON text,
    kept as it was recorded. `version`, `environment` and `commit` are the runs' values as the page
    showed them ("2.4.1 (build 77)", "staging (2 runs), uat (1 run)").
    """

    release: str
    outcome: str
    recorded_by: str
    note: str
    evidence_id: str
    results_hash: str
    ledger_digest: str
    version: str
    environment: str
    commit: str
    gates: tuple[RecordedGate, ...]
    evidence: str
    recorded_at: dt.datetime | None = None
    id: int = 0
    #: The database user who recorded it on PostgreSQL (set by the server, cannot be forged); "" on SQLite.
    db_user: str = ""

    @property
    def who(self) -> str:
        """Return who recorded it: the name given, and the database user where the database says one."""
        if self.db_user and self.db_user != self.recorded_by:
            return f"{self.recorded_by} (database user {self.db_user})"
        return self.recorded_by


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit: an action on a subject (a baseline's name, a change request's ID)."""

    id: int
    at: dt.datetime
    os_user: str
    action: str
    subject: str
    #: The JSON object recorded with it (file, sha256, who approved, dates).
    detail: dict[str, object]
    #: The database user who wrote it on PostgreSQL (set by the server); "" on SQLite.
    db_user: str = ""


@dataclass(frozen=True)
class LedgerState:
    """What the ledger holds as evidence, in one digest: every mark and every pack decision."""

    digest: str
    marks: int
    decisions: int
