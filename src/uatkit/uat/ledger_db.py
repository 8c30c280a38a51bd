"""One connection interface for the ledger on SQLite (embedded) or PostgreSQL (shared by a team).

The ledger's SQL is written once, for both: `?` placeholders, `INSERT … ON CONFLICT`, `RETURNING id`. On
PostgreSQL `?` becomes psycopg's `%s` (client-side binding, so an untyped `? IS NULL` works), SQLite's
`json_each` becomes `json_array_elements_text`, and rows read by name and by index as `sqlite3.Row` does.

Writes serialise the same way on both: SQLite's `BEGIN IMMEDIATE` lets one writer in at a time; on
PostgreSQL every write transaction first takes one transaction-scoped advisory lock, so writers from any
process on any host queue behind each other while readers are never blocked. psycopg is imported only for a
PostgreSQL ledger.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from uatkit.errors import UatkitError

if TYPE_CHECKING:
    import psycopg

#: The environment variable naming a PostgreSQL ledger; it overrides `[tool.uatkit.uat] ledger`.
LEDGER_URL_ENV = "UATKIT_LEDGER_URL"

#: The advisory lock every write transaction on a PostgreSQL ledger holds ("uatkit" in ASCII).
WRITE_LOCK = 0x7561746B6974

#: Which group role may write to which table of a PostgreSQL ledger (`ledger_roles`); the rest is read-only.
IMPORT_TABLES = (
    "packs",
    "pack_rows",
    "imports",
    "marks",
    "evidence",
    "mark_evidence",
    "mark_events",
    "mark_sightings",
    "carried_marks",
    "signoffs",
    "template_imports",
    "project_key",
    "signed_packs",
    "pack_rounds",
    "round_rows",
    "filed_defects",
)
APPROVE_TABLES = ("mark_events", "signoff_records", "audit", "trusted_files")

_WHAT = {
    "uatkit_import": "import packs, evidence or defects, or export packs",
    "uatkit_approve": "resolve conflicts, record sign-offs, baselines, change requests or trusted files",
}


class LedgerBusy(UatkitError):
    """Another uatkit command held the ledger's write lock longer than the wait allowed (PostgreSQL)."""


class Rows(Protocol):
    """What a query returns: rows to iterate or fetch."""

    def __iter__(self) -> Iterator[Any]: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


#: A password given as a parameter: `?password=…` in a URL, `password=…` in a libpq `key=value` string.
_SECRET_PARAMETER = re.compile(r"\b(password|sslpassword)\s*=\s*('[^']*'|[^&\s]*)", re.I)


def is_url(location: object) -> bool:
    """Return True when a ledger location is a PostgreSQL URL rather than a file path."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def check_url(url: str) -> str:
    """Return the URL when it holds no password; refuse one that does, saying where a password goes."""
    parts = urlsplit(url)
    if parts.password is not None or any(k in ("password", "sslpassword") for k, _ in parse_qsl(parts.query)):
        raise UatkitError(
            f"the ledger URL {shown(url)} holds a password: remove it from the URL and give it in the "
            "PGPASSWORD environment variable or a ~/.pgpass file (a URL is written in configuration and "
            "shown in messages)"
        )
    return url


def shown(url: str) -> str:
    """Return a ledger location fit to print: every password in it (the user part of a URL, a `password=` or
    `sslpassword=` parameter of a URL's query or of a `key=value` connection string) replaced by ***."""
    text = _SECRET_PARAMETER.sub(lambda found: f"{found.group(1)}=***", url)
    try:
        parts = urlsplit(text)
        if parts.password is None:
            return text
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is no number: mask everything between :// and @
        return re.sub(r"(://[^/@]*?):[^/@]*@", r"\1:***@", text)
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}{port}"))


class LedgerDb:
    """A connection to the ledger's database, SQLite or PostgreSQL, with one interface."""

    def __init__(
        self,
        sqlite: sqlite3.Connection | None = None,
        pg: psycopg.Connection[Any] | None = None,
        *,
        where: str = "",
        dry: bool = False,
    ) -> None:
        self.sqlite = sqlite
        self.pg = pg
        #: The ledger as messages name it: its path, or its URL without a password.
        self.where = where
        #: A dry run on PostgreSQL: one transaction rolled back on close; writes are savepoints in it.
        self.dry = dry

    @property
    def kind(self) -> str:
        """Return "sqlite" or "postgresql"."""
        return "sqlite" if self.sqlite is not None else "postgresql"

    @property
    def user(self) -> str:
        """Return the database user on PostgreSQL ("" on SQLite, which has none)."""
        return self.pg.info.user if self.pg is not None else ""

    def execute(self, sql: str, params: Sequence[object] = ()) -> Rows:
        """Run one statement; return its rows."""
        if self.sqlite is not None:
            return self.sqlite.execute(sql, params)
        assert self.pg is not None
        try:
            return self.pg.execute(_pg_sql(sql), tuple(params))
        except _pg_error() as exc:
            raise self.fault(exc) from None

    def executemany(self, sql: str, seq: Iterable[Sequence[object]]) -> None:
        """Run one statement for each parameter tuple."""
        if self.sqlite is not None:
            self.sqlite.executemany(sql, seq)
            return
        assert self.pg is not None
        try:
            with self.pg.cursor() as cursor:
                cursor.executemany(_pg_sql(sql), [tuple(p) for p in seq])
        except _pg_error() as exc:
            raise self.fault(exc) from None

    @property
    def in_transaction(self) -> bool:
        """Return True while a transaction is open."""
        if self.sqlite is not None:
            return self.sqlite.in_transaction
        assert self.pg is not None
        from psycopg.pq import TransactionStatus

        return self.pg.info.transaction_status != TransactionStatus.IDLE

    @contextmanager
    def transaction(self) -> Iterator[LedgerDb]:
        """Run the block in one write transaction: all of it is committed, or nothing of it stays."""
        if self.sqlite is not None:
            with _sqlite_transaction(self.sqlite):
                yield self
            return
        if self.dry:
            # A dry run waits for writers too (its plan numbers marks as a write would), and holds the
            # lock until its transaction is rolled back on close.
            self.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
            with self._savepoint():
                yield self
            return
        self.execute("BEGIN")
        try:
            # One writer at a time, from any process or host: the next waits here, then sees its writes.
            self.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
            yield self
        except BaseException:
            if self.in_transaction:
                self._quiet("ROLLBACK")
            raise
        try:
            self.execute("COMMIT")
        except BaseException:
            if self.in_transaction:
                self._quiet("ROLLBACK")
            raise

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        self.execute("SAVEPOINT uatkit_write")
        try:
            yield
        except BaseException:
            self._quiet("ROLLBACK TO SAVEPOINT uatkit_write")
            raise
        self.execute("RELEASE SAVEPOINT uatkit_write")

    def _quiet(self, sql: str) -> None:
        assert self.pg is not None
        try:
            self.pg.execute(sql)
        except _pg_error():
            pass  # the connection is gone: the server rolled the transaction back itself

    def close(self) -> None:
        """Close the connection (a dry run's transaction is rolled back first)."""
        if self.sqlite is not None:
            self.sqlite.close()
            return
        assert self.pg is not None
        if self.dry and self.in_transaction:
            self._quiet("ROLLBACK")
        self.pg.close()

    def tables(self) -> set[str]:
        """Return the names of the tables in the ledger's database (its schema on PostgreSQL)."""
        if self.sqlite is not None:
            return {row[0] for row in self.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        # pg_tables lists every table, also those the user may not read (information_schema hides them).
        return {
            row[0]
            for row in self.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        }

    def identifier(self, name: str) -> str:
        """Return a name quoted as a PostgreSQL identifier (a role or a schema)."""
        from psycopg import sql

        assert self.pg is not None
        return sql.Identifier(name).as_string(self.pg)

    def fault(self, exc: Exception) -> UatkitError:
        """Return one line saying what went wrong with the PostgreSQL ledger and what to do."""
        import psycopg.errors as pe

        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if isinstance(exc, pe.InsufficientPrivilege):
            role = _role_needed(text)
            user = self.user or "?"
            if role is None:
                return UatkitError(
                    f"{self.where}: database user {user} may not do this ({text}); ask the ledger's "
                    "administrator to run `uatkit uat init-db` as the database's owner"
                )
            kind = role.removeprefix("uatkit_")
            return UatkitError(
                f"{self.where}: database user {user} may not {_WHAT[role]} ({text}): ask the ledger's "
                f"administrator to grant {role} (uatkit uat init-db --grant-{kind} {user})"
            )
        if isinstance(exc, pe.LockNotAvailable | pe.QueryCanceled):
            return LedgerBusy(
                f"{self.where}: another uatkit command is using the ledger; wait for it to finish and retry"
            )
        if isinstance(exc, pe.UndefinedTable | pe.UndefinedColumn):
            return UatkitError(
                f"{self.where}: the ledger lacks part of its schema ({text}); run `uatkit uat init-db` as "
                "the database's owner"
            )
        if isinstance(exc, pe.IntegrityError | pe.DataError | pe.ProgrammingError):
            return UatkitError(
                f"{self.where}: the ledger refused a change ({text}); nothing of it was recorded; please "
                "report this as a uatkit bug with the command you ran"
            )
        if isinstance(exc, pe.OperationalError):
            return UatkitError(
                f"{self.where}: the connection to the ledger failed ({text}); nothing of the last change "
                "was recorded; check the server and retry"
            )
        return UatkitError(f"{self.where}: the ledger failed ({text})")


def connect_pg(url: str, *, wait: float, dry: bool = False) -> LedgerDb:
    """Connect to a PostgreSQL ledger; a write waits up to `wait` seconds for another one's lock."""
    check_url(url)
    from uatkit.extras import missing

    problem = missing("psycopg", f"the PostgreSQL ledger {shown(url)}")
    if problem:
        raise UatkitError(problem)
    import psycopg

    try:
        conn = psycopg.connect(
            url, autocommit=True, cursor_factory=psycopg.ClientCursor, row_factory=_row_factory
        )
    except psycopg.Error as exc:
        raise _cannot_connect(url, exc) from None
    db = LedgerDb(pg=conn, where=shown(url), dry=dry)
    # lock_timeout bounds the wait for the write lock as busy_timeout does on SQLite.
    # (0 would mean no limit to PostgreSQL; SQLite's 0 means not waiting at all.)
    db.execute(f"SET lock_timeout = '{max(1, int(wait * 1000)):d}ms'")
    if dry:
        db.execute("BEGIN")
    return db


def _cannot_connect(url: str, exc: Exception) -> UatkitError:
    parts = urlsplit(url)
    host = parts.hostname or os.environ.get("PGHOST", "localhost")
    port = parts.port or os.environ.get("PGPORT", "5432")
    database = parts.path.lstrip("/") or os.environ.get("PGDATABASE", "(the user's name)")
    text = " ".join(str(exc).split())
    return UatkitError(
        f"{shown(url)}: cannot connect to the PostgreSQL ledger (host {host}, port {port}, database "
        f"{database}): {text}; check that the server runs and accepts connections from here, the URL in "
        f"[tool.uatkit.uat] ledger or {LEDGER_URL_ENV}, and the password in PGPASSWORD or ~/.pgpass"
    )


def _role_needed(text: str) -> str | None:
    found = re.search(r'(?:table|relation) "?(\w+)"?', text)
    if found is None:
        return None
    table = found.group(1)
    if "row-level security" in text or (table in APPROVE_TABLES and table not in IMPORT_TABLES):
        return "uatkit_approve"
    return "uatkit_import" if table in IMPORT_TABLES else None


@functools.lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    sql = sql.replace("json_each(?)", "json_array_elements_text(CAST(? AS json))")
    return sql.replace("%", "%%").replace("?", "%s")


@functools.cache
def _pg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error


class Row(tuple[Any, ...]):
    """A row read by index or by column name, with `keys()` (as `sqlite3.Row`)."""

    _names: tuple[str, ...] = ()

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            return tuple.__getitem__(self, self._names.index(item))
        return tuple.__getitem__(self, item)

    def keys(self) -> list[str]:
        """Return the column names, in order."""
        return list(self._names)


def _row_factory(cursor: Any) -> Any:
    shape = _shape(tuple(column.name for column in cursor.description or ()))

    def make(values: Sequence[Any]) -> Row:
        return shape(bytes(v) if isinstance(v, memoryview) else v for v in values)

    return make


@functools.lru_cache(maxsize=256)
def _shape(names: tuple[str, ...]) -> type[Row]:
    """Return the row class of one set of column names (made once, as queries repeat)."""
    return type("Row", (Row,), {"_names": names, "__slots__": ()})


@contextmanager
def _sqlite_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        # SQLite rolls back by itself on some faults (a full disk); a second ROLLBACK would hide it.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error:
        # A failed COMMIT (a full disk) may leave the transaction open; nothing of it may stay.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
