"""The UAT ledger: marks, supersession, conflicts, stale marks, evidence, atomic imports, progress."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.pg_cluster import dump, query
from uatkit.errors import InputError, Problem, UatkitError
from uatkit.model import Case, Decision, Mark, Priority, SignOff, SourceLocation, Status
from uatkit.uat import ledger_import
from uatkit.uat.ledger import Ledger
from uatkit.uat.ledger_schema import SCHEMA_VERSION
from uatkit.uat.pack import PackInfo, PackRow, ReadPack
from uatkit.uat.progress import summarise

D1 = dt.date(2026, 11, 20)
D2 = dt.date(2026, 11, 21)
GENERATED = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def info(pack: str = "R1-sales", generated: dt.datetime = GENERATED, group: str = "Sales") -> PackInfo:
    """Return a pack's identity."""
    return PackInfo(pack, "R1", group, "Sales operations", "en", "Demo", generated, commit="abc123")


def mark(
    key: str = "REQ-101.AC-1",
    status: Status = Status.PASS,
    date: dt.date | None = D1,
    tester: str = "Alice",
    row: int = 2,
    **kwargs: Any,
) -> Mark:
    """Return a mark as the reader gives it (the fingerprint comes from the pack's rows)."""
    return Mark(
        key, status, tester, date, source=SourceLocation("x.xlsx", sheet="Test cases", row=row), **kwargs
    )


def pack(
    folder: Path,
    marks: list[Mark],
    name: str = "R1-sales.xlsx",
    pack_id: str = "R1-sales",
    fingerprint: str = "fp1",
    rows: list[PackRow] | None = None,
    **kwargs: Any,
) -> ReadPack:
    """Return a read pack whose file is `folder/name`; its SHA-256 depends on the name and the marks."""
    if rows is None:
        rows = [PackRow(m.key, m.source.row if m.source and m.source.row else 2, fingerprint) for m in marks]
    sha = hashlib.sha256(f"{name}{marks}".encode()).hexdigest()
    return ReadPack(folder / name, sha, info(pack_id), rows, marks, **kwargs)


@pytest.fixture
def db(ledger_at: Path | str) -> Path | str:
    """Return where the test's ledger lives: a SQLite file, then a PostgreSQL database."""
    return ledger_at


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    """Return where the test's SQLite ledger lives (the tests of SQLite's own schema history)."""
    return tmp_path / "reports" / "uat.db"


def test_open_creates_folders_and_the_schema(sqlite_db: Path) -> None:
    with Ledger.open(sqlite_db) as ledger:
        assert ledger.marks() == []
    with sqlite3.connect(sqlite_db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "packs",
        "pack_rows",
        "imports",
        "marks",
        "evidence",
        "mark_evidence",
        "signoffs",
        "audit",
    } <= tables
    with Ledger.open(sqlite_db) as ledger:  # opening again migrates nothing
        assert ledger.packs() == []


def test_a_newer_schema_or_another_file_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(UatkitError, match="newer uatkit"):
        Ledger.open(newer)
    other = tmp_path / "other.db"
    other.write_text("not a database " * 100)
    with pytest.raises(UatkitError, match="not a uatkit ledger"):
        Ledger.open(other)


def test_a_registered_pack_is_listed_with_nothing_done(db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        ledger.register_pack(info(), [PackRow("REQ-101.AC-1", 2, "fp1"), PackRow("REQ-101.AC-2", 3, "fp2")])
        (summary,) = ledger.packs()
        states = ledger.states({"REQ-101.AC-1": "fp1", "REQ-101.AC-2": "fp2"})
    assert summary.pack_id == "R1-sales"
    assert summary.info.group == "Sales" and summary.info.commit == "abc123"
    assert [r.key for r in summary.rows] == ["REQ-101.AC-1", "REQ-101.AC-2"]
    assert summary.imports == 0 and summary.last_imported is None
    assert [s.status for s in states] == [None, None]


def test_the_latest_revision_of_a_pack_replaces_its_rows(db: Path | str) -> None:
    later = GENERATED + dt.timedelta(days=1)
    with Ledger.open(db) as ledger:
        ledger.register_pack(info(), [PackRow("A", 2, "fp1")])
        ledger.register_pack(info(generated=later), [PackRow("B", 2, "fp1")])
        ledger.register_pack(info(), [PackRow("C", 2, "fp1")])  # an older copy arriving late
        (summary,) = ledger.packs()
    assert [r.key for r in summary.rows] == ["B"]
    assert summary.info.generated_at == later


def test_an_import_records_each_mark_with_where_it_came_from(tmp_path: Path, db: Path | str) -> None:
    read = pack(tmp_path, [mark(actual="ok", defect="BUG-1", comments="fine"), mark("REQ-101.AC-2", row=3)])
    with Ledger.open(db) as ledger:
        outcome = ledger.import_pack(read)
        stored = ledger.marks()
        (summary,) = ledger.packs()
    assert (outcome.added, outcome.unchanged, outcome.corrected, outcome.duplicate_file) == (2, 0, (), False)
    assert outcome.pack_id == "R1-sales" and outcome.path == read.path
    first = stored[0]
    assert first.path == str(read.path) and first.sha256 == read.sha256
    assert first.mark.pack_id == "R1-sales" and first.mark.fingerprint == "fp1"
    assert first.mark.source == SourceLocation(str(read.path), sheet="Test cases", row=2)
    assert (first.mark.tester, first.mark.date, first.mark.actual) == ("Alice", D1, "ok")
    assert summary.imports == 1 and summary.last_imported is not None


def test_the_same_file_twice_adds_nothing(tmp_path: Path, db: Path | str) -> None:
    read = pack(tmp_path, [mark()])
    with Ledger.open(db) as ledger:
        ledger.import_pack(read)
        before = dump(db)
        outcome = ledger.import_pack(read)
        assert ledger.is_imported(read.sha256)
    assert outcome.duplicate_file and outcome.added == 0
    assert dump(db) == before


def test_an_identical_mark_from_another_file_adds_nothing(tmp_path: Path, db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark(), mark("REQ-101.AC-2", Status.FAIL)]))
        # The pack re-issued for R2 carries both marks forward, plus one new one.
        reissued = [mark(), mark("REQ-101.AC-2", Status.FAIL), mark("REQ-101.AC-3")]
        outcome = ledger.import_pack(pack(tmp_path, reissued, "R2-sales.xlsx", "R2-sales"))
        assert len(ledger.marks()) == 3
    assert (outcome.added, outcome.unchanged, outcome.corrected) == (1, 2, ())


def test_a_newer_mark_supersedes_an_older_one(tmp_path: Path, db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark(status=Status.FAIL)]))
        ledger.import_pack(pack(tmp_path, [mark(date=D2)], "retest.xlsx", "R1-sales-retest"))
        (state,) = ledger.states({"REQ-101.AC-1": "fp1"})
    assert state.status is Status.PASS and state.mark is not None and state.mark.date == D2
    assert state.history == 2 and not state.conflict


def test_an_older_file_imported_late_does_not_overwrite_the_newer_mark(
    tmp_path: Path, db: Path | str
) -> None:
    # The files say when they were saved: the first one, filled before the second, arrives last.
    saved = dt.datetime(2026, 11, 21, 17, 0, tzinfo=dt.UTC)
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark(date=D2)], "second.xlsx", saved_at=saved))
        late = pack(tmp_path, [mark(status=Status.FAIL)], "first.xlsx", saved_at=saved - dt.timedelta(days=1))
        outcome = ledger.import_pack(late)
        (state,) = ledger.states({"REQ-101.AC-1": "fp1"})
    assert (outcome.added, outcome.corrected) == (1, ())
    assert state.status is Status.PASS and state.history == 2


def test_a_resent_pack_corrects_its_own_mark_for_the_same_date(tmp_path: Path, db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark()], "sent.xlsx"))
        outcome = ledger.import_pack(pack(tmp_path, [mark(status=Status.FAIL, actual="no")], "resent.xlsx"))
        (state,) = ledger.states({"REQ-101.AC-1": "fp1"})
        first, second = ledger.marks()
        # A copy of the first file (another file, the same content) is a mark the ledger holds: an old
        # copy imported late must not undo the correction.
        again = ledger.import_pack(pack(tmp_path, [mark()], "copy of sent.xlsx"))
        (final,) = ledger.states({"REQ-101.AC-1": "fp1"})
    assert (outcome.added, outcome.corrected, outcome.conflicts) == (0, ("REQ-101.AC-1",), [])
    assert state.status is Status.FAIL and not state.conflict and state.history == 2
    assert first.superseded_by == second.id and second.superseded_by is None
    assert first.reason == "correction"
    assert (again.added, again.unchanged, again.corrected) == (0, 1, ())
    assert final.status is Status.FAIL and final.history == 2


def test_two_packs_that_disagree_on_the_latest_date_are_a_conflict(tmp_path: Path, db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark()], "sales.xlsx", "R1-sales"))
        outcome = ledger.import_pack(
            pack(tmp_path, [mark(status=Status.FAIL, tester="Bob")], "finance.xlsx", "R1-finance")
        )
        (state,) = ledger.states({"REQ-101.AC-1": "fp1"})
        current = ledger.current_marks({"REQ-101.AC-1": "fp1"})
        stored = ledger.marks()
        resolved = ledger.import_pack(pack(tmp_path, [mark(date=D2)], "retest.xlsx", "R1-sales"))
        (after,) = ledger.states({"REQ-101.AC-1": "fp1"})
    assert outcome.conflicts == ["REQ-101.AC-1"]
    assert state.mark is None and state.status is None and state.mark_id is None
    assert [(m.pack_id, m.status) for m in state.conflict] == [
        ("R1-sales", Status.PASS),
        ("R1-finance", Status.FAIL),
    ]
    assert current == {} and len(stored) == 2 and all(s.superseded_by is None for s in stored)
    assert resolved.conflicts == [] and after.status is Status.PASS and not after.conflict


def test_two_packs_that_agree_are_no_conflict(tmp_path: Path, db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark()], "sales.xlsx", "R1-sales"))
        outcome = ledger.import_pack(pack(tmp_path, [mark(tester="Bob")], "finance.xlsx", "R1-finance"))
        (state,) = ledger.states({"REQ-101.AC-1": "fp1"})
    assert outcome.conflicts == [] and not state.conflict
    assert state.mark is not None and state.mark.tester == "Bob"


def test_a_mark_is_stale_when_its_scenario_changed_or_is_gone(tmp_path: Path, db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark("A"), mark("B"), mark("C")]))
        states = {s.key: s for s in ledger.states({"A": "fp1", "B": "fp2", "D": "fp1"})}
        current = ledger.current_marks({"A": "fp1", "B": "fp2", "D": "fp1"})
    assert not states["A"].stale and states["A"].status is Status.PASS
    assert states["B"].stale and states["B"].status is None and states["B"].mark is not None
    assert states["C"].stale and states["C"].gone
    assert states["D"].mark is None and not states["D"].stale and states["D"].history == 0
    assert list(states) == ["A", "B", "D", "C"]
    assert set(current) == {"A", "B"}  # the exporter compares fingerprints itself


def test_not_run_rows_record_nothing(tmp_path: Path, db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark()]))
        outcome = ledger.import_pack(pack(tmp_path, [mark(status=Status.NOT_RUN)], "blank.xlsx"))
        (state,) = ledger.states({"REQ-101.AC-1": "fp1"})
    assert outcome.added == 0 and state.status is Status.PASS


def test_a_pack_with_errors_is_refused_and_the_ledger_untouched(tmp_path: Path, db: Path | str) -> None:
    problem = Problem(SourceLocation("x.xlsx", sheet="Test cases", row=4, column="J"), "unknown status")
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark()]))
        before = dump(db)
        with pytest.raises(InputError, match="unknown status"):
            ledger.import_pack(pack(tmp_path, [mark("B")], "bad.xlsx", errors=[problem]))
        with pytest.raises(UatkitError, match="not a uatkit pack"):
            ledger.import_pack(ReadPack(tmp_path / "odd.xlsx", "0" * 64))
    assert dump(db) == before


def test_an_interrupted_import_leaves_the_ledger_as_it_was(
    tmp_path: Path, db: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shot.png").write_bytes(b"png")
    marks = [mark(f"K{n}", evidence=("shot.png",), row=n + 2) for n in range(10)]
    read = pack(tmp_path, marks, signoff=SignOff("R1-sales", decision=Decision.ACCEPTED, name="Eve"))
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark()], "earlier.xlsx"))
        before = dump(db)
        real = ledger_import._mark_values
        calls = []

        def failing(*args: Any) -> tuple[object, ...]:
            calls.append(args)
            if len(calls) > 3:
                raise OSError("disk full")
            return real(*args)

        monkeypatch.setattr(ledger_import, "_mark_values", failing)
        with pytest.raises(OSError, match="disk full"):
            ledger.import_pack(read)
        assert dump(db) == before
        monkeypatch.setattr(ledger_import, "_mark_values", real)
        assert ledger.import_pack(read).added == 10  # the file was not recorded as imported
    assert len(calls) == 4


def test_evidence_is_kept_in_the_ledger_once_and_never_from_outside(tmp_path: Path, db: Path | str) -> None:
    folder = tmp_path / "returned"
    (folder / "shots").mkdir(parents=True)
    (folder / "shots" / "one.png").write_bytes(b"\x89PNG same")
    (folder / "copy.png").write_bytes(b"\x89PNG same")
    (tmp_path / "secret.txt").write_text("password")
    (folder / "link.txt").symlink_to(tmp_path / "secret.txt")
    names = ("shots/one.png", "../secret.txt", "link.txt", "missing.png", "copy.png")
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(folder, [mark(evidence=names)]))
        (stored,) = ledger.marks()
        for path in folder.rglob("*.png"):
            path.unlink()  # the evidence survives the workbook's folder going away
        files = ledger.evidence(stored.id)
    assert stored.mark.evidence == names
    assert files == [("shots/one.png", b"\x89PNG same"), ("copy.png", b"\x89PNG same")]
    assert query(db, "SELECT COUNT(*) FROM evidence") == [(1,)]


def test_the_latest_signoff_of_each_pack_counts(tmp_path: Path, db: Path | str) -> None:
    rejected = SignOff("R1-sales", "Sales operations", Decision.REJECTED, "", "Eve", D1)
    accepted = SignOff("R1-sales", "Sales operations", Decision.ACCEPTED, "", "Eve", D2)
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(tmp_path, [mark()], "a.xlsx", signoff=accepted))
        ledger.import_pack(pack(tmp_path, [mark("B")], "b.xlsx", signoff=rejected))  # older, imported late
        ledger.import_pack(pack(tmp_path, [mark("C")], "c.xlsx", signoff=SignOff("R1-sales", "Sales ops")))
        signoffs = ledger.signoffs()
    assert signoffs == {"R1-sales": accepted}


def test_progress_per_pack_module_and_tester(tmp_path: Path, db: Path | str) -> None:
    keys = ["A", "B", "C", "D", "E", "F"]
    cases = {k: _case(k, "Sales" if k < "D" else "Finance") for k in keys}
    rows = [PackRow(k, n, "fp1") for n, k in enumerate(keys, 2)]
    marks = [mark("A"), mark("B", Status.FAIL), mark("C", Status.NA, tester="Bob"), mark("E")]
    with Ledger.open(db) as ledger:
        ledger.register_pack(info(), rows)
        ledger.import_pack(pack(tmp_path, marks, rows=rows))
        ledger.import_pack(pack(tmp_path, [mark("A", Status.FAIL, tester="Bob")], "f.xlsx", "R1-finance"))
        states = {s.key: s for s in ledger.states({k: "fp2" if k == "E" else "fp1" for k in keys})}
        progress = summarise(ledger.packs(), cases, states)
    data = progress.as_dict()
    assert list(data) == ["total", "packs", "modules", "testers", "conflicts", "resolutions"]
    total = data["total"]
    assert list(total) == [
        "cases", "executed", "executed_pct", "pass", "fail", "blocked", "na", "stale", "conflicts", "not_run"
    ]  # fmt: skip
    assert (total["cases"], total["executed"], total["executed_pct"]) == (6, 2, 33.3)
    assert (total["pass"], total["fail"], total["na"], total["stale"], total["conflicts"]) == (0, 1, 1, 1, 1)
    assert [(r["pack"], r["cases"], r["executed"]) for r in data["packs"]] == [
        ("R1-finance", 1, 0),
        ("R1-sales", 6, 2),
    ]
    assert [(r["module"], r["cases"], r["executed"], r["conflicts"]) for r in data["modules"]] == [
        ("Sales", 3, 2, 1),
        ("Finance", 3, 0, 0),
    ]
    assert [(r["tester"], r["cases"], r["executed"], r["stale"]) for r in data["testers"]] == [
        ("Alice", 3, 1, 1),
        ("Bob", 2, 1, 0),
    ]


def test_twenty_packs_of_2500_rows_import_whole(tmp_path: Path, db: Path | str) -> None:
    # How fast is benchmarks/uat_import.py's job (benchmarks/RESULTS.md): a test asserts no time.
    reads = [
        pack(tmp_path, [mark(f"REQ-{p}.AC-{n}", row=n + 2) for n in range(2500)], f"{p}.xlsx", f"R1-{p}")
        for p in range(20)
    ]
    with Ledger.open(db) as ledger:
        for read in reads:
            assert ledger.import_pack(read).added == 2500
        states = ledger.states({})
    assert len(states) == 50_000
    assert {state.mark.status for state in states if state.mark is not None} == {Status.PASS}


def _case(key: str, module: str) -> Case:
    return Case(
        key,
        key,
        "REQ-1",
        "Orders",
        module,
        "Ops",
        Priority.MUST,
        "en",
        key,
        (),
        ("do",),
        ("see",),
        "",
        (),
        SourceLocation("f.feature", 1),
        "fp1",
    )


def test_a_ledger_of_schema_1_moves_its_corrections_into_events(sqlite_db: Path) -> None:
    from uatkit.uat.ledger_schema import MIGRATIONS

    sqlite_db.parent.mkdir(parents=True)
    with sqlite3.connect(sqlite_db) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO packs VALUES (?, 'R1', 'Sales', 'Ops', 'en', 'Demo', '2026-11-01T09:00', '', NULL)",
            ("R1-sales",),
        )
        conn.execute(
            "INSERT INTO imports (id, sha256, path, pack_id, imported_at) VALUES (?, ?, ?, 'R1-sales', ?)",
            (1, "a", "a.xlsx", "2026-11-20T10:00:00+00:00"),
        )
        conn.execute(
            "INSERT INTO imports (id, sha256, path, pack_id, imported_at) VALUES (?, ?, ?, 'R1-sales', ?)",
            (2, "b", "b.xlsx", "2026-11-21T10:00:00+00:00"),
        )
        for mark_id, import_id, status, tester in ((1, 1, "Pass", "Ann"), (2, 2, "Fail", "Ann")):
            conn.execute(
                "INSERT INTO marks (id, import_id, pack_id, key, status, tester, test_date, actual, defect,"
                " evidence, comments, fingerprint, sheet, row, identity)"
                " VALUES (?, ?, 'R1-sales', 'K', ?, ?, '2026-11-20', 'x', '', '[]', '', 'fp1', 'Test cases',"
                " 2, '')",
                (mark_id, import_id, status, tester),
            )
        conn.execute("UPDATE marks SET superseded_by = 2 WHERE id = 1")
    with Ledger.open(sqlite_db) as ledger:
        first, second = ledger.marks()
        (state,) = ledger.states({"K": "fp1"})
    assert (first.superseded_by, first.reason, second.superseded_by) == (2, "correction", None)
    assert state.status is Status.FAIL and state.mark_id == 2
    with sqlite3.connect(sqlite_db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM marks WHERE superseded_by IS NOT NULL").fetchone()[0] == 0
        event = conn.execute(
            "SELECT mark_id, replaced_by, reason, by_name, at, import_id FROM mark_events"
        ).fetchall()
    assert event == [(1, 2, "correction", "Ann", "2026-11-21T10:00:00+00:00", 2)]


def test_evidence_is_part_of_a_mark_by_its_content(tmp_path: Path, db: Path | str) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, content in ((first, b"screenshot one"), (second, b"screenshot two")):
        folder.mkdir()
        (folder / "shot.png").write_bytes(content)
    with Ledger.open(db) as ledger:
        ledger.import_pack(pack(first, [mark(evidence=("shot.png",))], "a.xlsx", "R1-sales"))
        same = ledger.import_pack(pack(first, [mark(evidence=("shot.png",))], "b.xlsx", "R1-other"))
        other = ledger.import_pack(pack(second, [mark(evidence=("shot.png",))], "c.xlsx", "R1-other"))
        stored = ledger.marks()
    assert (same.unchanged, same.added) == (1, 0)
    assert (other.unchanged, other.added, other.conflicts) == (0, 1, ["REQ-101.AC-1"])
    assert [s.hashes for s in stored] == [
        (hashlib.sha256(b"screenshot one").hexdigest(),),
        (hashlib.sha256(b"screenshot two").hexdigest(),),
    ]


def test_resolve_refuses_what_is_not_a_conflict(tmp_path: Path, db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        with pytest.raises(UatkitError, match=r"holds no marks for case 'REQ-101\.AC-1'"):
            ledger.resolve("REQ-101.AC-1", 1, "Dana", "why")
        ledger.import_pack(pack(tmp_path, [mark()], "a.xlsx", "R1-sales"))
        with pytest.raises(UatkitError, match="has no conflict to resolve: mark #1 is current"):
            ledger.resolve("REQ-101.AC-1", 1, "Dana", "why")
        ledger.import_pack(pack(tmp_path, [mark(status=Status.FAIL, tester="Bob")], "b.xlsx", "R1-sales"))
        before = dump(db)
        with pytest.raises(
            UatkitError, match=r"mark #7 is not in the conflict .* keep one of #1 Pass by Alice"
        ):
            ledger.resolve("REQ-101.AC-1", 7, "Dana", "why")
        with pytest.raises(UatkitError, match="say why this mark is kept"):
            ledger.resolve("REQ-101.AC-1", 2, "Dana", "  ")
        assert dump(db) == before
        resolution = ledger.resolve("REQ-101.AC-1", 2, "Dana", "reproduced")
        (state,) = ledger.states({"REQ-101.AC-1": "fp1"})
    assert (resolution.kept, resolution.replaced, resolution.by) == (2, (1,), "Dana")
    assert state.mark_id == 2 and state.status is Status.FAIL and state.history == 2


def test_one_evidence_file_named_by_many_rows_is_read_and_stored_once(
    tmp_path: Path, db: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "shot.png").write_bytes(b"\x89PNG " * 1000)
    reads: list[Path] = []
    real = Path.read_bytes

    def counted(path: Path) -> bytes:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    marks = [mark(f"REQ-101.AC-{n}", row=n + 2, evidence=("shot.png",)) for n in range(100)]
    with Ledger.open(db) as ledger:
        assert ledger.import_pack(pack(folder, marks)).added == 100
        files = [ledger.evidence_files(stored.id) for stored in ledger.marks()]
    assert reads.count((folder / "shot.png").resolve()) == 1
    digest = hashlib.sha256(b"\x89PNG " * 1000).hexdigest()
    assert files == [[("shot.png", digest)]] * 100
    assert query(db, "SELECT COUNT(*) FROM evidence") == [(1,)]


def test_the_audit_keeps_each_action_in_order_and_is_no_part_of_the_evidence_digest(db: Path | str) -> None:
    with Ledger.open(db) as ledger:
        before = ledger.state()
        first = ledger.record_audit("baseline.create", "R1", {"file": "baselines/R1.json", "sha256": "ab"})
        ledger.record_audit("change.approve", "CR-7", {"decided_by": "Ann Lee", "decided_on": "2026-12-03"})
        # A baseline or a decision is not UAT evidence: recorded sign-offs resting on the digest stay valid.
        assert ledger.state() == before
    with Ledger.open(db) as ledger:
        rows = ledger.audit()
        (only,) = ledger.audit("CR-7")
    assert [(r.id, r.action, r.subject) for r in rows] == [
        (first.id, "baseline.create", "R1"),
        (first.id + 1, "change.approve", "CR-7"),
    ]
    assert rows[0].detail == {"file": "baselines/R1.json", "sha256": "ab"}
    assert only.detail["decided_by"] == "Ann Lee" and only.os_user and only.os_user == first.os_user
    assert only.at.tzinfo is not None and abs((dt.datetime.now(dt.UTC) - only.at).total_seconds()) < 60


def test_a_ledger_of_the_schema_before_the_audit_gains_it_and_keeps_its_records(sqlite_db: Path) -> None:
    from uatkit.uat.ledger_schema import MIGRATIONS

    # The schema just before the audit's migration (later ones, e.g. the rounds, come after it).
    before = next(n for n, migration in enumerate(MIGRATIONS) if "CREATE TABLE audit" in migration)
    sqlite_db.parent.mkdir(parents=True)
    with sqlite3.connect(sqlite_db) as conn:
        for migration in MIGRATIONS[:before]:
            conn.executescript(migration)
        conn.execute(f"PRAGMA user_version = {before:d}")
        conn.execute(
            "INSERT INTO packs VALUES"
            " ('R1-sales', 'R1', 'Sales', 'Ops', 'en', 'Demo', '2026-11-01T09:00', '', NULL)"
        )
        assert "audit" not in {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    with Ledger.open(sqlite_db) as ledger:
        assert [p.pack_id for p in ledger.packs()] == ["R1-sales"] and ledger.audit() == []
        ledger.record_audit("baseline.create", "R1", {})
        assert [r.subject for r in ledger.audit()] == ["R1"]
    with sqlite3.connect(sqlite_db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_ledger_from_before_rounds_counts_its_packs_as_round_1(sqlite_db: Path) -> None:
    from uatkit.uat.ledger_schema import MIGRATIONS

    # The schema just before the rounds' migration (later ones, e.g. the filed defects, come after it).
    before = next(n for n, migration in enumerate(MIGRATIONS) if "CREATE TABLE pack_rounds" in migration)
    sqlite_db.parent.mkdir(parents=True)
    with sqlite3.connect(sqlite_db) as conn:
        for migration in MIGRATIONS[:before]:
            conn.executescript(migration)
        conn.execute(f"PRAGMA user_version = {before:d}")
        conn.execute(
            "INSERT INTO packs VALUES"
            " ('R1-sales', 'R1', 'Sales', 'Ops', 'en', 'Demo', '2026-11-01T09:00:00+00:00', '', NULL)"
        )
        conn.execute("INSERT INTO pack_rows VALUES ('R1-sales', 'REQ-1.AC-1', 2, 'sha256:ab')")
    with Ledger.open(sqlite_db) as ledger:
        assert [(p.pack_id, p.round) for p in ledger.packs()] == [("R1-sales", 1)]
        latest = ledger.rounds.latest("R1-sales")
        assert latest is not None and (latest.number, latest.issued_at.day) == (1, 1)
        assert ledger.rounds.reasons("R1-sales") == {"REQ-1.AC-1": ""}
