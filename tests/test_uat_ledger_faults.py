"""Ledger faults as one line of advice, and ledger backups: real SQLite files, locks, damage and folders."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import write
from tests.test_uat_roundtrip import STORY_EN, fill, invoke, passed, status_json, uat
from uatkit.cli import app
from uatkit.errors import UatkitError
from uatkit.model import Mark, SourceLocation, Status
from uatkit.uat import ledger_schema
from uatkit.uat.ledger import Ledger
from uatkit.uat.ledger_backup import MIGRATION_BACKUPS_KEPT, backups, integrity
from uatkit.uat.ledger_schema import SCHEMA_VERSION, migrate
from uatkit.uat.pack import PackInfo, PackRow, ReadPack

GENERATED = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def read_pack(folder: Path, count: int = 20, name: str = "R1-sales.xlsx") -> ReadPack:
    """Return a read pack of `count` passed marks, each naming one 4 KB evidence file in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    marks, rows = [], []
    for n in range(count):
        (folder / f"shot{n}.png").write_bytes(bytes([n % 256]) * 4096)
        key = f"REQ-101.AC-{n + 1}"
        source = SourceLocation(str(folder / name), sheet="Test cases", row=n + 2)
        marks.append(
            Mark(key, Status.PASS, "Alice", dt.date(2026, 11, 20), evidence=(f"shot{n}.png",), source=source)
        )
        rows.append(PackRow(key, n + 2, "fp"))
    info = PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "Demo", GENERATED, commit="abc")
    return ReadPack(folder / name, f"{name:0>64}"[-64:], info, rows, marks)


def dump(path: Path) -> list[str]:
    """Return the database as SQL text, to compare it before and after."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Return a ledger holding one imported pack of 20 marks with evidence."""
    path = tmp_path / "reports" / "uat.db"
    with Ledger.open(path) as ledger:
        ledger.import_pack(read_pack(tmp_path / "returned"))
    return path


@pytest.fixture
def holder(db: Path) -> Iterator[sqlite3.Connection]:
    """Hold the ledger in an exclusive transaction from a second connection, as another process would."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    yield conn
    conn.execute("ROLLBACK")
    conn.close()


def test_a_ledger_held_by_another_process_says_wait_and_retry(
    db: Path, tmp_path: Path, holder: sqlite3.Connection
) -> None:
    before = dump(db)
    with (
        pytest.raises(UatkitError, match="another uatkit command is using the ledger; wait") as caught,
        Ledger.open(db, wait=0.05) as ledger,
    ):
        ledger.import_pack(read_pack(tmp_path / "other", 3, "R1-other.xlsx"))
    assert str(caught.value).startswith(f"{db}: ")
    holder.execute("ROLLBACK")
    holder.execute("BEGIN")  # the fixture's ROLLBACK ends this one
    assert dump(db) == before
    assert integrity(db) == "ok"


def test_a_full_disk_at_commit_records_nothing_and_says_free_space(db: Path, tmp_path: Path) -> None:
    before = dump(db)
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, db)
    conn.row_factory = sqlite3.Row
    # SQLite's own cap on the file's pages gives the same fault (SQLITE_FULL) as a full disk.
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with (
        pytest.raises(UatkitError, match="the disk is full; nothing of the last change was recorded; free"),
        Ledger(conn, db) as ledger,
    ):
        ledger.import_pack(read_pack(tmp_path / "more", 40, "R1-more.xlsx"))
    assert dump(db) == before
    assert integrity(db) == "ok"


def test_a_value_too_big_for_sqlite_records_nothing_and_says_what(db: Path, tmp_path: Path) -> None:
    before = dump(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    # SQLite's length limit, lowered, gives the fault a 1.1 GB evidence file gives (SQLITE_TOOBIG).
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 2048)
    with (
        pytest.raises(UatkitError, match="a value is too big for the ledger") as caught,
        Ledger(conn, db) as ledger,
    ):
        big = read_pack(tmp_path / "big", 2, "R1-big.xlsx")
        for shot in (tmp_path / "big").glob("*.png"):
            shot.write_bytes(b"another screenshot " * 500)
        ledger.import_pack(big)
    assert "nothing of the last change was recorded" in str(caught.value)
    assert "restore" not in str(caught.value)
    assert dump(db) == before


def damage(path: Path, how: str) -> None:
    """Damage a ledger file as a disk or a copy gone wrong does: cut short, or pages overwritten."""
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    else:
        page = 4096
        path.write_bytes(data[: page * 2] + b"\xa5" * (len(data) - page * 2))


@pytest.mark.parametrize("how", ["truncated", "garbled"])
def test_damaged_pages_say_restore_from_the_newest_backup(db: Path, how: str) -> None:
    with Ledger.open(db) as ledger:
        older = ledger.backup()
        newest = ledger.backup()
    assert older.ok and newest.ok and newest.path != older.path
    damage(db, how)
    with pytest.raises(UatkitError, match="the ledger is damaged") as caught, Ledger.open(db) as ledger:
        ledger.marks()
        ledger.state()
    message = str(caught.value)
    assert f"restore it from the backup {newest.path} " in message and "\n" not in message
    assert "move it away" not in message


def test_a_missing_table_names_it_and_says_restore(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE mark_events")
    with pytest.raises(UatkitError, match="has no table mark_events") as caught:
        Ledger.open(db)
    assert "no backup of it was found beside it" in str(caught.value)
    assert str(caught.value).startswith(f"{db}: ")


def test_a_folder_at_the_ledger_path_is_named_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "reports" / "uat.db"
    (folder / "inside").mkdir(parents=True)
    with pytest.raises(UatkitError, match="is a folder, not the ledger; remove or rename it"):
        Ledger.open(folder)
    assert (folder / "inside").is_dir()


def test_a_folder_that_cannot_be_written_is_not_called_another_file(tmp_path: Path) -> None:
    # Tests run as root, where chmod does not stop a write; /proc refuses new files to root too.
    with pytest.raises(UatkitError, match="check that its folder /proc exists and can be written") as caught:
        Ledger.open(Path("/proc/uatkit-test-ledger.db"))
    assert "move it away" not in str(caught.value) and "not a uatkit ledger" not in str(caught.value)
    under_a_file = tmp_path / "reports"
    under_a_file.write_text("a file where the reports folder should be")
    with pytest.raises(UatkitError, match="cannot create the ledger's folder"):
        Ledger.open(under_a_file / "uat.db")
    assert under_a_file.read_text() == "a file where the reports folder should be"


def old_ledger(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write a ledger at the schema before this one, holding a pack."""
    with monkeypatch.context() as patched:
        patched.setattr(ledger_schema, "SCHEMA_VERSION", SCHEMA_VERSION - 1)
        conn = sqlite3.connect(path, isolation_level=None)
        migrate(conn, path)
        conn.execute(
            "INSERT INTO packs (pack_id, release, group_name, owner, language, project, generated_at,"
            " commit_sha) VALUES ('R1-sales', 'R1', 'Sales', 'Ops', 'en', 'Demo',"
            " '2026-11-01T09:00:00+00:00', 'abc')"
        )
        conn.close()


def test_a_migration_is_preceded_by_a_backup_and_the_newest_few_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "uat.db"
    for _ in range(MIGRATION_BACKUPS_KEPT + 2):
        for leftover in tmp_path.glob("uat.db*"):
            if ".bak-" not in leftover.name:
                leftover.unlink()
        old_ledger(path, monkeypatch)
        with Ledger.open(path) as ledger:
            assert [p.pack_id for p in ledger.packs()] == ["R1-sales"]
    kept = backups(path)
    assert len(kept) == MIGRATION_BACKUPS_KEPT
    assert all(p.name.startswith(f"uat.db.bak-{SCHEMA_VERSION - 1}-") for p in kept)
    copy = sqlite3.connect(kept[0])
    try:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION - 1
        assert copy.execute("SELECT pack_id FROM packs").fetchall() == [("R1-sales",)]
    finally:
        copy.close()
    assert integrity(kept[0]) == "ok"


def test_a_new_ledger_is_not_backed_up(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "uat.db"):
        pass
    assert backups(tmp_path / "uat.db") == []


runner = CliRunner()


def test_uat_backup_prints_the_copy_its_size_and_integrity(project: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["uat", "backup", "--project", str(project)])
    assert result.exit_code == 2 and "nothing to back up yet" in result.output
    ledger = project / "reports" / "uat.db"
    with Ledger.open(ledger) as opened:
        opened.import_pack(read_pack(tmp_path / "returned", 5))
    target = tmp_path / "copies" / "uat-copy.db"
    result = runner.invoke(app, ["uat", "backup", "--project", str(project), "--to", str(target)])
    assert result.exit_code == 0, result.output
    size = target.stat().st_size
    assert f"to {target} ({size:,} bytes); integrity check: ok" in result.output
    assert dump(target) == dump(ledger)
    beside = runner.invoke(app, ["uat", "backup", "--project", str(project)])
    assert beside.exit_code == 0, beside.output
    (made,) = backups(ledger)
    assert made.name.startswith("uat.db.backup-") and str(made) in beside.output
    assert dump(made) == dump(ledger)
    # A backup replaces nothing: the same file again is refused, a folder gets a new copy each time.
    again = runner.invoke(app, ["uat", "backup", "--project", str(project), "--to", str(target)])
    assert again.exit_code == 2 and "already exists: name a new file or a folder" in again.output
    assert target.stat().st_size == size
    for _ in range(2):
        into = runner.invoke(app, ["uat", "backup", "--project", str(project), "--to", str(target.parent)])
        assert into.exit_code == 0, into.output
    assert len(list(target.parent.glob("uat.db.backup-*"))) == 2


def test_uat_backup_of_a_damaged_ledger_is_one_line(project: Path, tmp_path: Path) -> None:
    ledger = project / "reports" / "uat.db"
    with Ledger.open(ledger) as opened:
        opened.import_pack(read_pack(tmp_path / "returned", 20))
        earlier = opened.backup()
    damage(ledger, "truncated")
    result = runner.invoke(app, ["uat", "backup", "--project", str(project)])
    assert result.exit_code == 2
    assert result.output == (
        f"error: {ledger}: the ledger is damaged (database disk image is malformed); restore it from the "
        f"backup {earlier.path} (copy it over uat.db and remove uat.db-wal and uat.db-shm), then import the "
        "packs returned since\n"
    )
    assert backups(ledger) == [earlier.path]  # no half-made copy is left beside it


@pytest.fixture
def uat_project(project: Path) -> Path:
    """Return a project with one story, its features generated."""
    write(project / "stories" / "REQ-1.md", STORY_EN)
    invoke(project, "generate")
    return project


def test_results_folder_being_a_file_records_the_marks_then_says_so(uat_project: Path) -> None:
    exported = json.loads(uat(uat_project, "export", "--release", "R1", "--format", "json").stdout)
    issued = sum(pack["cases"] for pack in exported["packs"])
    assert exported["results"] == {"written": issued, "error": ""}
    sales = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed()})
    # The export wrote the issued cases' results (awaiting UAT); a file now stands where they go.
    shutil.rmtree(uat_project / "reports" / "uat-results")
    (uat_project / "reports" / "uat-results").write_text("not a folder")
    result = uat(uat_project, "import", str(sales), code=2)
    assert "R1-sales" in result.stdout and "imported" in result.stdout
    assert "error: the UAT results could not be written" in result.stderr
    assert "is a file, not a folder" in result.stderr and "import` again" in result.stderr
    assert "Traceback" not in result.output
    assert status_json(uat_project)["total"]["executed"] == 1
    (uat_project / "reports" / "uat-results").unlink()
    again = uat(uat_project, "import", str(sales))
    assert f"{issued} UAT result(s) for Allure" in again.stdout
    assert status_json(uat_project)["total"]["executed"] == 1


def exported(project: Path) -> Path:
    """Export the project's pack and fill it with a Pass; return it."""
    uat(project, "export", "--release", "R1")
    sales = project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed()})
    return sales


COMMANDS = {
    "import": ["uat", "import", "{pack}"],
    "status": ["uat", "status"],
    "export": ["uat", "export", "--release", "R1", "--force"],
    "resolve": ["uat", "resolve", "REQ-1.AC-1", "--keep", "1", "--by", "Ann", "--reason", "checked"],
    "backup": ["uat", "backup"],
    "trust": ["uat", "trust", "{pack}", "--by", "Ann", "--reason", "sent by mail"],
    "trace": ["trace", "--no-write"],
    "signoff": ["signoff", "--no-write"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_names_a_folder_at_the_ledger_path_a_folder(uat_project: Path, command: str) -> None:
    pack = exported(uat_project)
    ledger = uat_project / "reports" / "uat.db"
    for path in uat_project.glob("reports/uat.db*"):
        path.unlink()
    (ledger / "inside").mkdir(parents=True)
    args = [a.format(pack=pack) for a in COMMANDS[command]]
    result = CliRunner().invoke(app, [*args, "--project", str(uat_project)])
    assert result.exit_code == 2, result.output
    errors = result.stderr.strip().splitlines()
    assert errors[-1] == (
        f"error: {ledger}: is a folder, not the ledger; remove or rename it, or set [tool.uatkit.uat] ledger"
    )
    assert "Traceback" not in result.output and "no UAT ledger" not in result.output
    assert (ledger / "inside").is_dir()


HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()  # hold the lock until the test closes stdin
"""


def test_import_while_another_process_holds_the_ledger_says_busy_and_changes_nothing(
    uat_project: Path,
) -> None:
    with (uat_project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.uatkit.uat]\nbusy_timeout = 0.2\n")
    pack = exported(uat_project)
    ledger = uat_project / "reports" / "uat.db"
    before = dump(ledger)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ledger)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        result = CliRunner().invoke(app, ["uat", "import", str(pack), "--project", str(uat_project)])
    finally:
        holder.communicate("")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: {ledger}: another uatkit command is using the ledger; wait for it to finish and retry"
    ]
    assert holder.returncode == 0
    assert dump(ledger) == before
    assert integrity(ledger) == "ok"
    assert status_json(uat_project)["total"]["executed"] == 0


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """Return a folder on a 1 MB tmpfs of its own (root only; skipped elsewhere)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tiny tmpfs needs root and mount")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("free_kb", [0, 4, 8])
def test_a_full_disk_at_ledger_creation_says_free_space_and_leaves_no_ledger(
    tiny_disk: Path, free_kb: int
) -> None:
    filler = tiny_disk / "filler"
    with filler.open("wb") as handle:
        try:
            handle.write(b"\0" * (1024 - free_kb) * 1024)
            handle.flush()
        except OSError:
            pass  # the disk is full: what the filler is for
    ledger = tiny_disk / "reports" / "uat.db"
    with pytest.raises(UatkitError, match="free space and retry") as caught:
        Ledger.open(ledger)
    assert "not a uatkit ledger" not in str(caught.value) and "restore" not in str(caught.value)
    assert str(caught.value).startswith(f"{ledger}: ")
    assert sorted(p.name for p in ledger.parent.iterdir()) == []  # nothing claiming to be a ledger

    filler.unlink()
    with Ledger.open(ledger) as book:
        assert book.state().marks == 0
    assert integrity(ledger) == "ok"
