"""Who may do what in a PostgreSQL ledger: three group roles, enforced by the database's own grants.

- uatkit_read: read everything but the project key (`uat status`, `trace`, `report`, `signoff` without
  --record).
- uatkit_import: read, and import packs, evidence and client templates, export packs, push defects.
- uatkit_approve: read, and resolve conflicts, record sign-offs, baselines, change requests, trusted files.

Marks and imports are append-only for every role (no UPDATE or DELETE is granted on them). The database
user behind an import, an audit row or a sign-off record is filled in by the server (DEFAULT current_user,
a column no role may write), so it cannot be forged. `mark_events` holds both a tester's corrections (written
by an import) and recorded resolutions (an approval): row-level security lets each role add only its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from uatkit.errors import UatkitError
from uatkit.uat.ledger_db import LedgerDb, connect_pg
from uatkit.uat.ledger_schema import PG_SCHEMA_VERSION, migrate_pg, pg_version

READ, IMPORT, APPROVE = "uatkit_read", "uatkit_import", "uatkit_approve"
ROLES = (READ, IMPORT, APPROVE)

# What each writing role may do, table by table: privileges, optionally on some columns only.
_IMPORT_GRANTS = (
    ("INSERT, UPDATE", "packs"),
    ("INSERT, UPDATE, DELETE", "pack_rows"),
    ("INSERT (sha256, path, pack_id, imported_at, marks, warnings, saved_at)", "imports"),
    ("UPDATE (added, unchanged, updated)", "imports"),
    ("INSERT", "marks"),
    ("INSERT", "evidence"),
    ("INSERT", "mark_evidence"),
    ("INSERT", "mark_sightings"),
    ("INSERT", "carried_marks"),
    ("INSERT", "signoffs"),
    ("INSERT", "template_imports"),
    ("INSERT", "project_key"),
    ("INSERT", "signed_packs"),
    ("INSERT, UPDATE", "pack_rounds"),
    ("INSERT, DELETE", "round_rows"),
    ("INSERT", "filed_defects"),
    ("INSERT (mark_id, replaced_by, reason, by_name, at, why, import_id)", "mark_events"),
)
_APPROVE_GRANTS = (
    ("INSERT (mark_id, replaced_by, reason, by_name, at, why, import_id)", "mark_events"),
    (
        "INSERT (recorded_at, recorded_by, note, release, outcome, evidence_id, results_hash, ledger_digest,"
        " version, environment, commit_sha, gates, evidence)",
        "signoff_records",
    ),
    ("INSERT (at, os_user, action, subject, detail)", "audit"),
    ("INSERT", "trusted_files"),
)
_POLICIES = (
    "CREATE POLICY uatkit_read_events ON mark_events FOR SELECT USING (true)",
    f"CREATE POLICY uatkit_corrections ON mark_events FOR INSERT TO {IMPORT}"
    " WITH CHECK (reason = 'correction')",
    f"CREATE POLICY uatkit_resolutions ON mark_events FOR INSERT TO {APPROVE}"
    " WITH CHECK (reason = 'resolution')",
)
_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.@-]{0,62}")


@dataclass(frozen=True)
class InitDb:
    """What `uatkit uat init-db` did: the schema version, the roles made, and who was granted which."""

    where: str
    schema_from: int
    schema_to: int
    created_roles: tuple[str, ...]
    granted: tuple[tuple[str, str], ...]


def init_db(url: str, grants: Mapping[str, Sequence[str]], *, wait: float) -> InitDb:
    """Create or migrate the ledger's schema, the three group roles and their grants; grant users roles.

    Run by the database's owner (who needs CREATEROLE to make the roles the first time). `grants` maps a
    role (uatkit_read, uatkit_import, uatkit_approve) to existing login roles to make members of it.
    """
    for users in grants.values():
        for user in users:
            if not _USER.fullmatch(user):
                raise UatkitError(f"{user!r} is not a database user name: give the login role's name")
    db = connect_pg(url, wait=wait)
    try:
        _can_create_roles(db)
        before = pg_version(db)
        migrate_pg(db)
        with db.transaction():
            created = _create_roles(db)
            _grant(db)
            granted = []
            for role, users in grants.items():
                for user in users:
                    _check_login(db, user)
                    db.execute(f"GRANT {role} TO {db.identifier(user)}")
                    granted.append((role, user))
    finally:
        db.close()
    return InitDb(db.where, before, PG_SCHEMA_VERSION, tuple(created), tuple(granted))


def _can_create_roles(db: LedgerDb) -> None:
    """Refuse, before anything is made, when roles are missing and this user may not create them."""
    missing = [
        r for r in ROLES if db.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (r,)).fetchone() is None
    ]
    (allowed,) = db.execute(
        "SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if missing and not allowed:
        user = db.user
        raise UatkitError(
            f"{db.where}: database user {user} may not create the roles {', '.join(missing)}: making "
            "them needs CREATEROLE (owning the database is not enough); ask an administrator to run "
            f"`ALTER ROLE {user} CREATEROLE` (or to run `uatkit uat init-db` once as a superuser), then run "
            "it again; nothing was changed"
        )


def _create_roles(db: LedgerDb) -> list[str]:
    made = []
    for role in ROLES:
        if db.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (role,)).fetchone() is None:
            db.execute(f"CREATE ROLE {role} NOLOGIN")
            made.append(role)
    for role in (IMPORT, APPROVE):
        db.execute(f"GRANT {READ} TO {role}")
    return made


def _grant(db: LedgerDb) -> None:
    schema = db.identifier(str(db.execute("SELECT current_schema()").fetchone()[0]))
    db.execute(f"GRANT USAGE ON SCHEMA {schema} TO {READ}")
    db.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {READ}")
    # The project key signs packs: only those who export, import or trust packs may read it.
    db.execute(f"REVOKE SELECT ON project_key FROM {READ}")
    db.execute(f"GRANT SELECT ON project_key TO {IMPORT}, {APPROVE}")
    db.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {IMPORT}, {APPROVE}")
    for role, table_grants in ((IMPORT, _IMPORT_GRANTS), (APPROVE, _APPROVE_GRANTS)):
        for privileges, table in table_grants:
            db.execute(f"GRANT {privileges} ON {table} TO {role}")
    db.execute("ALTER TABLE mark_events ENABLE ROW LEVEL SECURITY")
    for policy in _POLICIES:
        name = policy.split()[2]  # our own names: nothing to quote
        db.execute(f"DROP POLICY IF EXISTS {name} ON mark_events")
        db.execute(policy)


def _check_login(db: LedgerDb, user: str) -> None:
    if db.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (user,)).fetchone() is None:
        raise UatkitError(
            f"{db.where}: there is no database user {user}: create the login first "
            f"(CREATE ROLE {db.identifier(user)} LOGIN), then run uatkit uat init-db again"
        )
