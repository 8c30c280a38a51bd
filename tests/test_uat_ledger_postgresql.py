"""The ledger on PostgreSQL: roles enforced by the database, concurrent imports, the copy from SQLite."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from typer.testing import CliRunner

from tests.conftest import write
from tests.pg_cluster import Cluster, query
from uatkit.cli import app
from uatkit.errors import UatkitError
from uatkit.model import Decision, Mark, SignOff, SourceLocation, Status
from uatkit.uat.ledger import Ledger, RecordedGate, SignoffRecord
from uatkit.uat.ledger_location import has_ledger, ledger_location, open_ledger
from uatkit.uat.pack import PackInfo, PackRow, ReadPack

runner = CliRunner()
D1 = dt.date(2026, 11, 20)
GENERATED = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def read_pack(folder: Path, name: str, marks: list[Mark]) -> ReadPack:
    """Return a read pack of R1-sales whose file is `folder/name` (its SHA-256 follows name and marks)."""
    info = PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "Demo", GENERATED, commit="abc")
    rows = [PackRow(m.key, m.source.row if m.source and m.source.row else 2, "fp1") for m in marks]
    sha = hashlib.sha256(f"{name}{marks}".encode()).hexdigest()
    return ReadPack(folder / name, sha, info, rows, marks)


def mark(key: str, status: Status = Status.PASS, tester: str = "Alice", row: int = 2) -> Mark:
    """Return a mark as the reader gives it."""
    return Mark(key, status, tester, D1, source=SourceLocation("x.xlsx", sheet="Test cases", row=row))


def as_user(url: str, user: str) -> str:
    """Return the URL of the same database for another database user."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}@{parts.hostname}:{parts.port}"))


def signoff_record() -> SignoffRecord:
    """Return a sign-off record as `uatkit signoff --record` makes one."""
    gate = RecordedGate("uat", "UAT executed", "fail", True, "100 %")
    return SignoffRecord("R1", "GO", "Carol", "", "ev1", "rh", "ld", "1.0", "uat", "abc", (gate,), "{}")


@pytest.fixture
def users(pg_cluster: Cluster) -> dict[str, str]:
    """Make three login roles (a reader, an importer, an approver); return their names by kind."""
    tag = uuid.uuid4().hex[:8]
    made = {kind: f"{kind}_{tag}" for kind in ("reader", "importer", "approver")}
    pg_cluster.admin("; ".join(f"CREATE ROLE {name} LOGIN" for name in made.values()))
    return made


def test_each_role_may_do_only_its_part_and_says_so_otherwise(
    project: Path, tmp_path: Path, pg_url: str, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reader, importer, approver = users["reader"], users["importer"], users["approver"]
    done = runner.invoke(
        app,
        [
            "uat",
            "init-db",
            "--url",
            pg_url,
            "--grant-read",
            reader,
            "--grant-import",
            importer,
            "--grant-approve",
            approver,
            "-C",
            str(project),
        ],
    )
    assert done.exit_code == 0, done.output
    assert f"granted uatkit_import to {importer}" in done.output and "roles created" in done.output
    first = read_pack(tmp_path, "a.xlsx", [mark("K1", Status.PASS, "Alice")])
    second = read_pack(tmp_path, "b.xlsx", [mark("K1", Status.FAIL, "Bob")])

    with Ledger.open(as_user(pg_url, reader)) as ledger:
        assert ledger.states({"K1": "fp1"})[0].mark is None  # reading is allowed
        with pytest.raises(UatkitError) as refused:
            ledger.import_pack(first)
    assert str(refused.value).startswith(f"{pg_url.rsplit('/', 1)[0].replace('postgres@', reader + '@')}")
    assert f"database user {reader} may not import packs, evidence or defects, or export packs" in str(
        refused.value
    ) and f"grant uatkit_import (uatkit uat init-db --grant-import {reader})" in str(refused.value)
    assert query(pg_url, "SELECT COUNT(*) FROM imports") == [(0,)]

    with Ledger.open(as_user(pg_url, importer)) as ledger:
        assert ledger.import_pack(first).added == 1
        assert ledger.import_pack(second).conflicts == ["K1"]
        (state,) = ledger.states({"K1": "fp1"})
        approve_only = [
            lambda: ledger.resolve("K1", state.conflict_ids[0], "Carol", "retested"),
            lambda: ledger.record_signoff(signoff_record()),
            lambda: ledger.record_audit("baseline.create", "R1", {"file": "baselines/R1.json"}),
        ]
        for action in approve_only:
            with pytest.raises(UatkitError, match="may not resolve conflicts, record sign-offs") as denied:
                action()
            assert f"grant uatkit_approve (uatkit uat init-db --grant-approve {importer})" in str(
                denied.value
            )
    assert query(pg_url, "SELECT db_user FROM imports ORDER BY id") == [(importer,), (importer,)]
    assert query(pg_url, "SELECT COUNT(*) FROM mark_events") == [(0,)]
    assert query(pg_url, "SELECT COUNT(*) FROM audit") == [(0,)]
    # The command says it in one line and exits 2.
    monkeypatch.setenv("UATKIT_LEDGER_URL", as_user(pg_url, importer))
    keep = str(state.conflict_ids[0])
    cli = runner.invoke(
        app, ["uat", "resolve", "K1", "--keep", keep, "--by", "Carol", "--reason", "x", "-C", str(project)]
    )
    assert cli.exit_code == 2 and "Traceback" not in cli.output, cli.output
    assert f"database user {importer} may not resolve conflicts" in cli.output
    monkeypatch.delenv("UATKIT_LEDGER_URL")

    with Ledger.open(as_user(pg_url, approver)) as ledger:
        resolution = ledger.resolve("K1", state.conflict_ids[0], "Carol", "retested")
        entry = ledger.record_audit("baseline.create", "R1", {})
        recorded = ledger.record_signoff(signoff_record())
        with pytest.raises(UatkitError, match="may not import packs"):
            ledger.import_pack(read_pack(tmp_path, "c.xlsx", [mark("K2")]))
    assert resolution.kept == state.conflict_ids[0] and recorded.id == 1
    assert entry.db_user == approver and entry.os_user
    # The resolution is in the audit too, with the database user the server says made it.
    assert query(pg_url, "SELECT action, subject, db_user FROM audit ORDER BY id") == [
        ("conflict.resolve", "K1", approver),
        ("baseline.create", "R1", approver),
    ]
    assert query(pg_url, "SELECT db_user FROM signoff_records") == [(approver,)]
    # The record names the person given and the database user the server recorded, as read back too.
    assert recorded.db_user == approver and recorded.who == f"Carol (database user {approver})"
    with Ledger.open(as_user(pg_url, approver)) as ledger:
        assert [r.who for r in ledger.signoff_records()] == [f"Carol (database user {approver})"]


def test_the_database_refuses_what_no_role_may_do_outside_uatkit(
    project: Path, pg_url: str, users: dict[str, str], tmp_path: Path
) -> None:
    import psycopg

    importer, approver, reader = users["importer"], users["approver"], users["reader"]
    done = runner.invoke(
        app,
        [
            "uat",
            "init-db",
            "--url",
            pg_url,
            "--grant-read",
            reader,
            "--grant-import",
            importer,
            "--grant-approve",
            approver,
            "-C",
            str(project),
        ],
    )
    assert done.exit_code == 0, done.output
    with Ledger.open(as_user(pg_url, importer)) as ledger:
        ledger.import_pack(read_pack(tmp_path, "a.xlsx", [mark("K1"), mark("K2", row=3)]))
    refused = [
        (reader, "SELECT secret FROM project_key"),  # the key that signs packs is not for readers
        (importer, "UPDATE marks SET status = 'Fail'"),  # marks are append-only, for every role
        (importer, "DELETE FROM marks"),
        (importer, "UPDATE imports SET db_user = 'someone'"),
        (
            approver,
            "INSERT INTO audit (at, os_user, action, subject, detail, db_user)"
            " VALUES ('x', 'x', 'x', 'x', '{}', 'someone else')",
        ),  # the server says who
        (
            importer,
            "INSERT INTO mark_events (mark_id, replaced_by, reason, by_name, at, why)"
            " VALUES (1, 2, 'resolution', 'x', 'x', 'x')",
        ),  # a resolution is an approval
    ]
    for user, statement in refused:
        with (
            psycopg.connect(as_user(pg_url, user), autocommit=True) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(statement.encode())
    assert query(pg_url, "SELECT COUNT(*), MIN(status) FROM marks") == [(2, "Pass")]
    assert query(pg_url, "SELECT COUNT(*) FROM mark_events") == [(0,)]


def test_init_db_by_a_user_who_does_not_own_the_database_is_one_clear_line(
    project: Path, pg_url: str, users: dict[str, str]
) -> None:
    reader = users["reader"]
    assert (
        runner.invoke(
            app, ["uat", "init-db", "--url", pg_url, "--grant-read", reader, "-C", str(project)]
        ).exit_code
        == 0
    )
    done = runner.invoke(app, ["uat", "init-db", "--url", as_user(pg_url, reader), "-C", str(project)])
    assert done.exit_code == 2
    assert f"database user {reader} may not do this" in done.output and "Traceback" not in done.output
    missing = runner.invoke(
        app, ["uat", "init-db", "--url", pg_url, "--grant-import", "nobody_here", "-C", str(project)]
    )
    assert missing.exit_code == 2 and "there is no database user nobody_here" in missing.output


def test_init_db_by_an_owner_who_may_not_create_roles_says_so_and_changes_nothing(
    pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uatkit.uat import ledger_roles

    tag = uuid.uuid4().hex[:8]
    owner, database = f"owner_{tag}", f"owned_{tag}"
    pg_cluster.admin(f"CREATE ROLE {owner} LOGIN")
    pg_cluster.admin(f"CREATE DATABASE {database} OWNER {owner}")
    # The group roles exist in this cluster once any test made them: a role still to make stands for them.
    monkeypatch.setattr(ledger_roles, "ROLES", (*ledger_roles.ROLES, f"uatkit_new_{tag}"))
    url = pg_cluster.url(database, owner)
    with pytest.raises(UatkitError) as refused:
        ledger_roles.init_db(url, {}, wait=5)
    said = str(refused.value)
    assert f"database user {owner} may not create the roles uatkit_new_{tag}" in said
    assert f"ALTER ROLE {owner} CREATEROLE" in said and "nothing was changed" in said
    assert query(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def _import_all(location: str, folder: str, order: list[int], start: Any) -> list[tuple[int, int, bool]]:
    """Import the shared files in `order` and one file of its own; return (added, unchanged, duplicate)."""
    files = _shared_files(Path(folder))
    own = files[order[0]].marks[:10]  # the same marks as a shared file, sent in another file
    start.wait()
    outcomes = []
    with Ledger.open(location, wait=120) as ledger:
        for number in order:
            outcome = ledger.import_pack(files[number])
            outcomes.append((outcome.added, outcome.unchanged, outcome.duplicate_file))
        outcome = ledger.import_pack(read_pack(Path(folder), f"own-{order[0]}.xlsx", own))
        outcomes.append((outcome.added, outcome.unchanged, outcome.duplicate_file))
    return outcomes


def _shared_files(folder: Path) -> list[ReadPack]:
    return [
        read_pack(folder, f"f{f}.xlsx", [mark(f"K{f}-{n}", row=n + 2) for n in range(25)]) for f in range(8)
    ]


def _worker(location: str, folder: str, order: list[int], start: Any, results: Any) -> None:
    results.put(_import_all(location, folder, order, start))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_four_processes_importing_overlapping_files_lose_and_duplicate_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    location: str = (
        str(request.getfixturevalue("pg_url")) if backend == "postgresql" else str(tmp_path / "uat.db")
    )
    with Ledger.open(location if backend == "postgresql" else Path(location)):
        pass  # the schema exists before the race: the race is about the imports
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(4), context.Queue()
    orders = [[(w * 2 + i) % 8 for i in range(8)] for w in range(4)]  # each starts elsewhere, all import all
    workers = [
        context.Process(target=_worker, args=(location, str(tmp_path), order, start, results))
        for order in orders
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    where: Path | str = location if backend == "postgresql" else Path(location)
    shared = [o for run in outcomes for o in run[:8]]
    own = [run[8] for run in outcomes]
    # Each shared file is imported once (the other three see it imported), every mark stored once.
    assert sum(1 for added, _, duplicate in shared if not duplicate) == 8
    assert sum(added for added, _, _ in shared) == 200
    assert sum(1 for _, _, duplicate in shared if duplicate) == 24
    assert own == [(0, 10, False)] * 4  # marks already held, from another file: recorded as seen again
    assert query(where, "SELECT COUNT(*), COUNT(DISTINCT key), COUNT(DISTINCT identity) FROM marks") == [
        (200, 200, 200)
    ]
    assert query(where, "SELECT COUNT(*), COUNT(DISTINCT sha256) FROM imports") == [(12, 12)]
    assert query(where, "SELECT COUNT(*) FROM mark_sightings") == [(40,)]
    with Ledger.open(where) as ledger:
        states = ledger.states({})
    assert len(states) == 200
    assert all(s.mark is not None and s.mark.status is Status.PASS and not s.conflict for s in states)


def test_migrate_copies_a_sqlite_ledger_and_proves_the_copy(
    project: Path, tmp_path: Path, pg_url: str
) -> None:
    sqlite = tmp_path / "old" / "uat.db"
    (tmp_path / "shot.png").write_bytes(b"\x89PNG evidence")
    with_evidence = Mark(
        "K3",
        Status.FAIL,
        "Bob",
        D1,
        evidence=("shot.png",),
        source=SourceLocation("x.xlsx", sheet="Test cases", row=4),
    )
    with Ledger.open(sqlite) as ledger:
        ledger.import_pack(read_pack(tmp_path, "a.xlsx", [mark("K1"), mark("K2", row=3), with_evidence]))
        ledger.import_pack(read_pack(tmp_path, "b.xlsx", [mark("K1", Status.FAIL, "Bob")]))
        (state,) = [s for s in ledger.states({"K1": "fp1"}) if s.key == "K1"]
        ledger.resolve("K1", state.conflict_ids[1], "Carol", "retested")
        signed = read_pack(tmp_path, "c.xlsx", [mark("K4", row=5)])
        signed.signoff = SignOff("R1-sales", decision=Decision.ACCEPTED, name="Eve", date=D1)
        ledger.import_pack(signed)
        ledger.record_audit("baseline.create", "R1", {"file": "baselines/R1.json"})
        ledger.record_signoff(signoff_record())
        ledger.seals.key()
        before = ledger.state()
        marks_before = ledger.marks()

    done = runner.invoke(
        app, ["uat", "migrate", "--to", pg_url, "--from", str(sqlite), "--format", "json", "-C", str(project)]
    )
    assert done.exit_code == 0, done.output
    assert '"ok": true' in done.output and before.digest in done.output
    with Ledger.open(pg_url) as ledger:
        assert ledger.state() == before
        assert ledger.marks() == marks_before
        assert ledger.evidence(3) == [("shot.png", b"\x89PNG evidence")]
        assert [e.action for e in ledger.audit()] == ["conflict.resolve", "baseline.create"]
        # New rows continue after the copied IDs.
        assert ledger.record_audit("change.approve", "CR-1", {}).id == 3
        assert ledger.import_pack(read_pack(tmp_path, "d.xlsx", [mark("K9", row=9)])).added == 1
    assert query(pg_url, "SELECT MAX(id) FROM imports") == [(4,)]

    again = runner.invoke(app, ["uat", "migrate", "--to", pg_url, "--from", str(sqlite), "-C", str(project)])
    assert again.exit_code == 2 and "the target ledger is not empty" in again.output


def test_a_dry_run_on_postgresql_leaves_nothing(tmp_path: Path, pg_url: str) -> None:
    with Ledger.open(pg_url) as ledger:
        ledger.import_pack(read_pack(tmp_path, "a.xlsx", [mark("K1")]))
    with Ledger.copy_in_memory(pg_url) as dry:
        assert dry.import_pack(read_pack(tmp_path, "b.xlsx", [mark("K2", row=3)])).added == 1
        assert len(dry.marks()) == 2
    assert query(pg_url, "SELECT key FROM marks") == [("K1",)]


def test_where_the_ledger_is_and_what_is_refused(
    project: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uatkit.project import load_project

    monkeypatch.setenv("UATKIT_LEDGER_URL", pg_url)
    loaded = load_project(project)
    assert ledger_location(loaded) == pg_url and has_ledger(loaded)
    with open_ledger(loaded) as ledger:
        assert ledger.kind == "postgresql"
    backup = runner.invoke(app, ["uat", "backup", "-C", str(project)])
    assert backup.exit_code == 2 and "pg_dump" in backup.output
    doctor = runner.invoke(app, ["doctor", "-C", str(project), "--format", "json"])
    assert "PostgreSQL, connected as database user postgres" in doctor.stdout, doctor.output

    # A password in any form a libpq user may write is refused and never printed: in the user part, as a
    # URL parameter, in a key=value connection string.
    for given in (
        "postgresql://alice:s3cret@db.example.com/uat",
        "postgresql://db.example.com:5432/uat?password=s3cret&user=alice",
        "postgresql://alice@db.example.com/uat?sslpassword=s3cret",
        "host=db.example.com user=alice password=s3cret",
    ):
        monkeypatch.setenv("UATKIT_LEDGER_URL", given)
        for command in (["uat", "status", "-C", str(project)], ["doctor", "-C", str(project)]):
            refused = runner.invoke(app, command)
            assert "s3cret" not in refused.output, (given, command, refused.output)
            assert "Traceback" not in refused.output
        assert refused.exit_code != 0
        refused = runner.invoke(app, ["uat", "status", "-C", str(project)])
        assert refused.exit_code == 2 and "password" in refused.output.lower(), refused.output
    refused = runner.invoke(app, ["uat", "init-db", "-C", str(project), "--url", "host=h password=s3cret"])
    assert refused.exit_code == 2 and "s3cret" not in refused.output and "password=***" in refused.output

    monkeypatch.delenv("UATKIT_LEDGER_URL")
    with pytest.raises(
        UatkitError, match=r"cannot connect to the PostgreSQL ledger \(host 127.0.0.1, port 9,"
    ):
        Ledger.open("postgresql://nobody@127.0.0.1:9/uat", wait=1)


def _round_trip(project: Path) -> dict[str, Any]:
    """Export, fill, import (twice), resolve a conflict, export again and read the status and the trace."""
    from tests.test_uat_roundtrip import STORY_EN, TODAY, fill, invoke, passed, status_json, uat

    write(project / "stories" / "REQ-1.md", STORY_EN)
    invoke(project, "generate")
    uat(project, "export", "--release", "R1")
    sales = project / "uat_packs" / "R1" / "R1-sales.xlsx"
    copy = project / "returned" / "R1-sales-bob.xlsx"
    copy.parent.mkdir()
    copy.write_bytes(sales.read_bytes())
    fill(
        sales,
        {
            "REQ-1.AC-1": passed(),
            "REQ-1.AC-2#1": {"status": "Fail", "tester": "Li Wei", "date": TODAY, "actual": "0"},
        },
        {"decision": "Rejected", "name": "Ann Lee", "date": TODAY},
    )
    fill(copy, {"REQ-1.AC-1": {"status": "Fail", "tester": "Bob", "date": TODAY, "actual": "no total"}})
    assert "imported" in uat(project, "import", str(sales)).output
    assert "already" in uat(project, "import", str(sales)).output
    uat(project, "import", str(copy))
    status = status_json(project)
    (conflict,) = status["conflicts"]
    uat(
        project,
        "resolve",
        "REQ-1.AC-1",
        "--keep",
        str(conflict["marks"][0]["id"]),
        "--by",
        "Ann",
        "--reason",
        "x",
    )
    uat(project, "export", "--release", "R1", "--force")
    trace = json.loads(invoke(project, "trace", "--format", "json").stdout)
    return {"status": status_json(project), "trace": [(r["id"], r["status"]) for r in trace["requirements"]]}


def _lines(answer: dict[str, Any]) -> list[str]:
    text = json.dumps(answer, indent=1, sort_keys=True, ensure_ascii=False)
    return [line for line in text.splitlines() if not line.strip().startswith('"at":')]


def test_the_commands_give_the_same_answers_on_both_backends(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = []
    for backend in ("sqlite", "postgresql"):
        project = tmp_path / backend
        write(
            project / "pyproject.toml",
            '[tool.uatkit]\nstories = ["stories"]\nrequirement_pattern = "REQ-[0-9]+"\n',
        )
        if backend == "postgresql":
            monkeypatch.setenv("UATKIT_LEDGER_URL", pg_url)
        answers.append(_round_trip(project))
    sqlite, postgresql = answers
    # The same answers, line by line, but for the moment each resolution was recorded.
    assert _lines(postgresql) == _lines(sqlite)
    assert sqlite["status"]["conflicts"] == [] and sqlite["trace"] == [("REQ-1", "FAILED")]
    assert query(pg_url, "SELECT COUNT(*) FROM imports") == [(2,)]
    assert not (tmp_path / "postgresql" / "reports" / "uat.db").exists()


def test_both_backends_have_the_same_tables_and_columns_and_the_copy_takes_them_all(
    tmp_path: Path, pg_url: str
) -> None:
    from uatkit.uat.ledger_copy import TABLES

    sqlite = tmp_path / "uat.db"
    for where in (sqlite, pg_url):
        Ledger.open(where).close()
    tables = {name for (name,) in query(sqlite, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(TABLES) == tables  # a table added by a migration must be copied (and given to a role)
    on_sqlite = {t: {row[1] for row in query(sqlite, f"PRAGMA table_info({t})")} for t in tables}
    on_postgresql: dict[str, set[object]] = {}
    for table, column in query(
        pg_url,
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
    ):
        on_postgresql.setdefault(str(table), set()).add(column)
    assert on_postgresql.pop("uatkit_schema") == {"version"}
    assert on_postgresql == on_sqlite


def test_a_writer_waits_for_another_and_then_says_the_ledger_is_busy(tmp_path: Path, pg_url: str) -> None:
    from uatkit.uat.ledger_db import LedgerBusy

    with Ledger.open(pg_url) as holder, holder.exclusive(), Ledger.open(pg_url, wait=0.2) as other:
        assert other.states({}) == []  # readers are never blocked
        with pytest.raises(LedgerBusy, match="another uatkit command is using the ledger; wait"):
            other.import_pack(read_pack(tmp_path, "a.xlsx", [mark("K1")]))
    assert query(pg_url, "SELECT COUNT(*) FROM imports") == [(0,)]


def test_an_import_only_user_approves_nothing_and_leaves_the_project_as_it_was(
    tmp_path: Path, pg_url: str, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_change import GOOD, init, project_files, write_request

    project = init(tmp_path)
    importer, approver = users["importer"], users["approver"]
    granted = runner.invoke(
        app,
        ["uat", "init-db", "--url", pg_url, "--grant-import", importer, "--grant-approve", approver,
         "-C", str(project)],
    )  # fmt: skip
    assert granted.exit_code == 0, granted.output
    write_request(project, "CR-1", GOOD.format(id="CR-1"))
    monkeypatch.setenv("UATKIT_LEDGER_URL", as_user(pg_url, importer))
    before = project_files(project)
    attempts = [
        ["change", "approve", "CR-1", "--by", "Client PM", "--date", "2026-12-05"],
        ["change", "new", "--title", "t", "--changes", "REQ-1", "--reason", "r", "--requested-by", "b"],
        ["baseline", "create", "BL-1", "--approved-by", "Ann Lee", "--date", "2026-12-01"],
    ]
    for args in attempts:
        refused = runner.invoke(app, [*args, "-C", str(project)])
        assert refused.exit_code == 2 and "Traceback" not in refused.output, refused.output
        assert len(refused.output.strip().splitlines()) == 1, refused.output
        assert f"database user {importer} may not" in refused.output and "--grant-approve" in refused.output
        assert project_files(project) == before
    assert query(pg_url, "SELECT COUNT(*) FROM audit") == [(0,)]

    monkeypatch.setenv("UATKIT_LEDGER_URL", as_user(pg_url, approver))
    for args in attempts:
        done = runner.invoke(app, [*args, "-C", str(project)])
        assert done.exit_code == 0, done.output
    assert "status: approved" in (project / "changes" / "CR-1.md").read_text("utf-8")
    assert (project / "changes" / "CR-2.md").is_file() and (project / "baselines" / "BL-1.json").is_file()
    assert query(pg_url, "SELECT action, subject, db_user FROM audit ORDER BY id") == [
        ("change.approve", "CR-1", approver),
        ("change.new", "CR-2", approver),
        ("baseline.create", "BL-1", approver),
    ]
