"""A throw-away PostgreSQL cluster for the ledger's tests: initdb + pg_ctl in a temporary folder.

The cluster listens on 127.0.0.1 at a free port and on a unix socket in its folder, with trust
authentication (nothing leaves the machine), and is stopped and removed at the end of the session. As root
it runs as the `postgres` user: the server refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def server_programs() -> Path | None:
    """Return the folder holding initdb and pg_ctl, or None when PostgreSQL's server is not installed."""
    for found in (shutil.which("pg_ctl"), shutil.which("initdb")):
        if found:
            folder = Path(found).resolve().parent
            if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
                return folder
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    return versions[0].parent if versions else None


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its port, and who may connect as the superuser."""

    port: int
    folder: Path

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        """Return the URL of a database of the cluster (no password: trust authentication)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        """Run statements as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql.encode("utf-8"))

    def new_database(self) -> str:
        """Create an empty database; return its URL."""
        name = f"ledger_{uuid.uuid4().hex[:12]}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)


def _run_as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_cluster(programs: Path) -> Iterator[Cluster]:
    """Start a cluster in a temporary folder; stop it and remove the folder afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="uatkit-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    subprocess.run(
        _run_as_server_user(
            [
                str(programs / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--locale=C",
                "--encoding=UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
    subprocess.run(
        _run_as_server_user(
            [
                str(programs / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield Cluster(port, folder)
    finally:
        subprocess.run(
            _run_as_server_user([str(programs / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def query(location: str | Path, sql: str) -> list[tuple[object, ...]]:
    """Return the rows of a query on a ledger's database, SQLite file or PostgreSQL URL."""
    if isinstance(location, Path):
        import sqlite3

        with sqlite3.connect(location) as conn:
            return [tuple(row) for row in conn.execute(sql)]
    import psycopg

    with psycopg.connect(location, autocommit=True) as conn:
        return [tuple(row) for row in conn.execute(sql.encode("utf-8"))]


def dump(location: str | Path) -> list[str]:
    """Return everything in a ledger's database as text lines, to compare it before and after."""
    if isinstance(location, Path):
        import sqlite3

        with sqlite3.connect(location) as conn:
            return list(conn.iterdump())
    tables = query(
        location,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " ORDER BY table_name",
    )
    lines = []
    for (table,) in tables:
        rows = query(location, f"SELECT * FROM {table}")
        lines += sorted(f"{table}: {row!r}" for row in rows)
    return lines
