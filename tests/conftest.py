"""Shared helpers for uatkit's own tests."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg_cluster import Cluster, running_cluster, server_programs
from uatkit.config import Config

REPO = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    """Write dedented text, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return an empty QA project folder with a [tool.uatkit] pyproject.toml."""
    write(
        tmp_path / "pyproject.toml",
        """
        [tool.uatkit]
        stories = ["stories"]
        requirement_pattern = "REQ-[0-9]+"
        """,
    )
    (tmp_path / "stories").mkdir()
    return tmp_path


@pytest.fixture
def config(project: Path) -> Config:
    """Return the configuration of the `project` fixture."""
    from uatkit.config import load_config

    return load_config(project)


pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """Start a throw-away PostgreSQL cluster for this session (this xdist worker); stop it at the end."""
    programs = server_programs()
    if programs is None:
        pytest.skip(
            "PostgreSQL's server (initdb, pg_ctl) is not installed and could not be: `make setup` installs "
            "it as root (apt-get install postgresql)"
        )
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[postgresql]'")
    with running_cluster(programs) as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """Return the URL of a new, empty database of the session's PostgreSQL cluster."""
    return pg_cluster.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_at(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Return where a new ledger goes: a SQLite file, then a PostgreSQL database (each test runs on both)."""
    if request.param == "sqlite":
        return tmp_path / "reports" / "uat.db"
    return str(request.getfixturevalue("pg_url"))
