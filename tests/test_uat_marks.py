"""Marks that cannot be lost: carried-forward evidence and text, testers in conflict, corrected dates.

Each test runs the commands a QA engineer runs (`uatkit uat export / import / status / resolve`, `trace`) on a
real project, real .xlsx packs filled in with openpyxl as a tester would, and a real SQLite ledger.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.test_uat_roundtrip import fill, invoke, status_json, uat
from uatkit.model import Mark, SourceLocation, Status
from uatkit.text import MAX_CELL_TEXT
from uatkit.uat import layout
from uatkit.uat.ledger import Ledger
from uatkit.uat.pack import PackInfo, PackRow, ReadPack
from uatkit.uat.reader import read_pack

TODAY = dt.date.today()
EARLIER = TODAY - dt.timedelta(days=3)
KEY = "REQ-1.AC-1"
STORY = """
---
id: REQ-1
module: Sales
priority: must
owner: Sales operations
levels: [integration]
---
# Place an order

## AC-1 An order is confirmed
Given a customer "ACME" exists
When I place an order for 3 "Widget"
Then the order total is 29.97

## AC-2 The order shows its lines
The order page lists each line with its quantity and price.
"""


@pytest.fixture
def uat_project(project: Path) -> Path:
    """Return a project with one must story (an automated and a manual criterion), features generated."""
    (project / "stories" / "REQ-1.md").write_text(STORY.lstrip(), encoding="utf-8")
    invoke(project, "generate")
    return project


def sales(project: Path, release: str = "R1") -> Path:
    return project / "uat_packs" / release / f"{release}-sales.xlsx"


def ledger_marks(project: Path, key: str = KEY) -> list[Any]:
    with Ledger.open(project / "reports" / "uat.db") as ledger:
        return [m for m in ledger.marks() if m.mark.key == key]


def evidence_of(project: Path, mark_id: int) -> list[tuple[str, bytes]]:
    with Ledger.open(project / "reports" / "uat.db") as ledger:
        return ledger.evidence(mark_id)


def cell(path: Path, key: str, column: str) -> Any:
    """Return the value of a case row's cell in a pack, by column key."""
    sheet = load_workbook(path)[layout.SHEET_LABELS["cases"]["en"]]
    index = [c.key for c in layout.COLUMNS].index(column)
    return next(row[index].value for row in sheet.iter_rows(min_row=2) if row[0].value == key)


def failed(tester: str = "Bob", date: dt.date = TODAY, **more: Any) -> dict[str, Any]:
    return {"status": "Fail", "tester": tester, "date": date, "actual": "The total is 30.00", **more}


# --- problem 4: a carried-forward row keeps its evidence --------------------------------------------


def test_problem4_export_all_and_import_keep_the_evidence_of_a_carried_mark(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    pack = sales(uat_project)
    shot = pack.parent / "shot.png"
    shot.write_bytes(b"\x89PNG the wrong total")
    fill(pack, {KEY: failed(evidence="shot.png")})
    uat(uat_project, "import", str(pack))
    (first,) = ledger_marks(uat_project)
    shot.unlink()  # the screenshot stays with the tester; the ledger has its content

    exported = uat(uat_project, "export", "--release", "R1", "--all")
    assert "import it first" not in exported.output.casefold()
    assert cell(pack, KEY, "evidence") == "shot.png" and cell(pack, KEY, "status") == "Fail"
    result = uat(uat_project, "import", str(pack))

    assert _counts(result.output) == ("0", "0", "1")
    (still,) = ledger_marks(uat_project)
    assert still.id == first.id and still.superseded_by is None
    assert still.mark.status is Status.FAIL and still.mark.evidence == ("shot.png",)
    assert evidence_of(uat_project, still.id) == [("shot.png", b"\x89PNG the wrong total")]
    # Nothing new in the pack: a second export --all replaces it without asking for an import.
    again = uat(uat_project, "export", "--release", "R1", "--all")
    assert "R1-sales" in again.output
    results = list((uat_project / "reports" / "uat-results").glob("*-attachment*"))
    assert [p.read_bytes() for p in results] == [b"\x89PNG the wrong total"]


def test_an_evidence_file_with_new_content_is_a_new_mark_that_keeps_the_old_one(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    pack = sales(uat_project)
    (pack.parent / "shot.png").write_bytes(b"first screenshot")
    fill(pack, {KEY: failed(evidence="shot.png")})
    uat(uat_project, "import", str(pack))
    (pack.parent / "shot.png").write_bytes(b"second screenshot, same name")
    fill(pack, {KEY: failed(evidence="shot.png", comments="retaken")})
    uat(uat_project, "import", str(pack))

    old, new = ledger_marks(uat_project)
    assert evidence_of(uat_project, old.id) == [("shot.png", b"first screenshot")]
    assert evidence_of(uat_project, new.id) == [("shot.png", b"second screenshot, same name")]
    assert old.superseded_by == new.id and old.reason == "correction"


def test_a_changed_row_that_names_a_file_left_behind_keeps_its_content(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    pack = sales(uat_project)
    (pack.parent / "shot.png").write_bytes(b"evidence")
    fill(pack, {KEY: failed(evidence="shot.png")})
    uat(uat_project, "import", str(pack))
    (pack.parent / "shot.png").unlink()
    uat(uat_project, "export", "--release", "R1", "--all")
    fill(pack, {KEY: failed(evidence="shot.png", defect="BUG-9")})  # the tester adds the defect ID
    uat(uat_project, "import", str(pack))

    old, new = ledger_marks(uat_project)
    assert new.mark.defect == "BUG-9" and old.superseded_by == new.id
    assert evidence_of(uat_project, new.id) == [("shot.png", b"evidence")]


# --- problem 5: two testers, one pack, same day -------------------------------------------------------


def _two_copies(project: Path, date: dt.date = TODAY) -> tuple[Path, Path]:
    uat(project, "export", "--release", "R1")
    pack = sales(project)
    bob = project / "returned" / "bob" / pack.name
    alice = project / "returned" / "alice" / pack.name
    for copy in (bob, alice):
        copy.parent.mkdir(parents=True)
        shutil.copy(pack, copy)
    fill(bob, {KEY: failed("Bob", date)})
    fill(alice, {KEY: {"status": "Pass", "tester": "Alice", "date": date}})
    return bob, alice


def _conflict(project: Path) -> list[tuple[str, str]]:
    (conflict,) = status_json(project)["conflicts"]
    assert conflict["case"] == KEY and conflict["resolve"].startswith(f"uatkit uat resolve {KEY} --keep")
    return sorted((m["tester"], m["status"]) for m in conflict["marks"])


def test_problem5_two_testers_marking_one_pack_conflict_whatever_the_import_order(uat_project: Path) -> None:
    bob, alice = _two_copies(uat_project)
    shutil.copy(uat_project / "reports" / "uat.db", uat_project / "exported.db")
    first = uat(uat_project, "import", str(bob), str(alice))
    assert "conflict" in first.output and KEY in first.output
    one_way = _conflict(uat_project)
    # The other order into the ledger as it was after the export (it holds the key the packs are signed with).
    shutil.copy(uat_project / "exported.db", uat_project / "reports" / "uat.db")
    uat(uat_project, "import", str(alice))
    uat(uat_project, "import", str(bob))
    other_way = _conflict(uat_project)

    assert one_way == other_way == [("Alice", "Pass"), ("Bob", "Fail")]
    data = status_json(uat_project)
    assert (data["total"]["pass"], data["total"]["fail"], data["total"]["conflicts"]) == (0, 0, 1)
    table = uat(uat_project, "status").output
    assert "conflicts: keep one mark with" in table and "Alice" in table and "Bob" in table
    trace = json.loads(invoke(uat_project, "trace", "--format", "json").stdout)
    (requirement,) = trace["requirements"]
    assert requirement["status"] not in ("PASSED", "ACCEPTED")
    (case,) = [c for c in requirement["cases"] if c["case_id"] == KEY]
    assert case["conflicts"] == 1 and "marks disagree" in case["results"]["uat"]["message"]
    signoff = invoke(uat_project, "signoff", "--format", "json", code=1)
    accepted = next(g for g in json.loads(signoff.stdout)["gates"] if g["rule"] == "accepted")
    assert not accepted["passed"] and "UAT marks in conflict: AC-1" in accepted["reason"]


def test_marks_of_one_day_that_say_different_things_conflict_even_when_both_pass(uat_project: Path) -> None:
    bob, alice = _two_copies(uat_project)
    fill(bob, {KEY: {"status": "Pass", "tester": "Bob", "date": TODAY, "comments": "only on Chrome"}})
    uat(uat_project, "import", str(bob), str(alice))
    assert _conflict(uat_project) == [("Alice", "Pass"), ("Bob", "Pass")]


def test_resolve_keeps_one_mark_and_records_who_when_and_why(uat_project: Path) -> None:
    bob, alice = _two_copies(uat_project)
    uat(uat_project, "import", str(bob), str(alice))
    (conflict,) = status_json(uat_project)["conflicts"]
    ids = {m["tester"]: m["id"] for m in conflict["marks"]}

    wrong = uat(uat_project, "resolve", KEY, "--keep", "999", "--by", "Dana", "--reason", "x", code=2)
    assert f"mark #999 is not in the conflict of case {KEY}; keep one of #" in wrong.output
    assert "Traceback" not in wrong.output
    nobody = uat(uat_project, "resolve", KEY, "--keep", str(ids["Bob"]), "--by", " ", "--reason", "x", code=2)
    assert "say who resolves the conflict" in nobody.output
    done = uat(
        uat_project, "resolve", KEY, "--keep", str(ids["Bob"]), "--by", "Dana Lee", "--reason", "reproduced"
    )
    assert f"mark #{ids['Bob']} counts" in done.output

    data = status_json(uat_project)
    assert data["conflicts"] == [] and (data["total"]["fail"], data["total"]["pass"]) == (1, 0)
    (resolution,) = data["resolutions"]
    assert (resolution["case"], resolution["kept"], resolution["replaced"]) == (
        KEY,
        ids["Bob"],
        [ids["Alice"]],
    )
    assert (resolution["by"], resolution["why"]) == ("Dana Lee", "reproduced")
    assert dt.datetime.fromisoformat(resolution["at"]).date() == dt.datetime.now(dt.UTC).date()
    again = uat(
        uat_project, "resolve", KEY, "--keep", str(ids["Bob"]), "--by", "Dana", "--reason", "x", code=2
    )
    assert f"case {KEY} has no conflict to resolve: mark #{ids['Bob']} is current" in again.output
    # Alice's file read again (a copy saved elsewhere) does not reopen what was decided.
    copy = alice.parent / "copy" / alice.name
    copy.parent.mkdir()
    fill(alice, {"P2": None})
    shutil.copy(alice, copy)
    uat(uat_project, "import", str(copy))
    assert status_json(uat_project)["conflicts"] == []


def test_a_later_mark_settles_a_conflict(uat_project: Path) -> None:
    bob, alice = _two_copies(uat_project, EARLIER)
    uat(uat_project, "import", str(bob), str(alice))
    assert len(status_json(uat_project)["conflicts"]) == 1
    fill(bob, {KEY: {"status": "Pass", "tester": "Bob", "date": TODAY, "comments": "fixed in build 12"}})
    uat(uat_project, "import", str(bob))
    data = status_json(uat_project)
    assert data["conflicts"] == [] and data["total"]["pass"] == 1 and data["resolutions"] == []


# --- problem 7: a corrected date, a long text, control characters ------------------------------------


def test_problem7_a_date_corrected_to_an_earlier_day_is_a_correction(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    pack = sales(uat_project)
    fill(pack, {KEY: failed("Ann", TODAY)})
    uat(uat_project, "import", str(pack))
    fill(pack, {KEY: failed("Ann", EARLIER)})  # Ann ran it three days ago and says so

    result = uat(uat_project, "import", str(pack))

    assert f"corrected 1: {KEY}" in result.output
    assert _counts(result.output) == ("0", "1", "0")
    wrong, right = ledger_marks(uat_project)
    assert wrong.superseded_by == right.id and wrong.reason == "correction"
    assert right.mark.date == EARLIER and right.superseded_by is None
    data = status_json(uat_project)
    assert data["total"]["fail"] == 1 and data["conflicts"] == []


def test_another_testers_earlier_mark_is_no_correction(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    pack = sales(uat_project)
    fill(pack, {KEY: failed("Ann", TODAY)})
    uat(uat_project, "import", str(pack))
    fill(pack, {KEY: {"status": "Pass", "tester": "Bob", "date": EARLIER}})
    result = uat(uat_project, "import", str(pack))
    assert _counts(result.output) == ("1", "0", "0")
    assert status_json(uat_project)["total"]["fail"] == 1  # Ann's later mark still counts


def test_problem7b_a_40000_character_actual_result_survives_export_and_import(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    fingerprints = _fingerprints(uat_project)
    long = "".join(f"step {n}: the total was wrong. " for n in range(1_400))[:40_000]
    assert len(long) == 40_000
    _import_directly(uat_project, Mark(KEY, Status.FAIL, "Ann", EARLIER, actual=long), fingerprints[KEY])

    uat(uat_project, "export", "--release", "R1", "--all")
    pack = sales(uat_project)
    shown = cell(pack, KEY, "actual")
    (stored,) = ledger_marks(uat_project)
    assert len(shown) <= MAX_CELL_TEXT and long.startswith(shown[: shown.index("\n\n[uatkit:")])
    assert shown.endswith(f"the full text is mark #{stored.id} in the UAT ledger]")
    read = read_pack(pack, fingerprints)
    assert read.warnings == [] and read.marks[0].actual == shown

    result = uat(uat_project, "import", str(pack))

    assert _counts(result.output) == ("0", "0", "1")
    (still,) = ledger_marks(uat_project)
    assert still.id == stored.id and still.mark.actual == long
    uat(uat_project, "export", "--release", "R1", "--all")  # nothing new: no "import it first"
    fill(pack, {KEY: {"status": "Pass"}})  # Ann corrects the status and leaves the cut text as it is
    corrected = uat(uat_project, "import", str(pack))
    assert f"corrected 1: {KEY}" in corrected.output
    old, new = ledger_marks(uat_project)
    assert new.mark.status is Status.PASS and new.mark.actual == long and old.superseded_by == new.id


def test_control_characters_dropped_by_the_writer_do_not_make_a_carried_mark_new(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    pack = sales(uat_project)
    # Excel writes a control character a tester pasted as an escape the reader turns back into it.
    fill(pack, {KEY: failed("Ann", actual="bell_x0007_ rang; total 30.00")})
    uat(uat_project, "import", str(pack))
    (first,) = ledger_marks(uat_project)
    assert first.mark.actual == "bell\x07 rang; total 30.00"
    uat(uat_project, "export", "--release", "R1", "--all")
    assert cell(pack, KEY, "actual") == "bell rang; total 30.00"
    result = uat(uat_project, "import", str(pack))
    assert _counts(result.output) == ("0", "0", "1")
    assert [m.id for m in ledger_marks(uat_project)] == [first.id]


def test_a_full_cell_is_a_warning_that_text_may_be_missing(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    pack = sales(uat_project)
    fill(pack, {KEY: failed("Ann", actual="x" * 40_000)})  # Excel would refuse it; the reader gets 32,767
    read = read_pack(pack, _fingerprints(uat_project))
    (warning,) = [str(w) for w in read.warnings]
    assert "K2: the cell holds Excel's maximum of 32,767 characters" in warning


# --- the ledger's history ------------------------------------------------------------------------------


def test_marks_are_never_changed_or_deleted_by_corrections_or_resolutions(uat_project: Path) -> None:
    bob, alice = _two_copies(uat_project)
    uat(uat_project, "import", str(bob))
    db = uat_project / "reports" / "uat.db"
    before = _mark_rows(db)
    uat(uat_project, "import", str(alice))
    fill(bob, {KEY: failed("Bob", EARLIER)})
    uat(uat_project, "import", str(bob))
    (conflict,) = status_json(uat_project)["conflicts"] or [None]
    assert conflict is None  # Bob's corrected, earlier mark no longer ties with Alice's
    after = _mark_rows(db)
    assert after[: len(before)] == before and len(after) == 3
    with sqlite3.connect(db) as conn:
        events = conn.execute("SELECT mark_id, replaced_by, reason, by_name FROM mark_events").fetchall()
        sightings = conn.execute("SELECT COUNT(*) FROM mark_sightings").fetchone()[0]
    assert events == [(before[0][0], after[2][0], "correction", "Bob")]
    assert sightings == 0


def _mark_rows(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM marks ORDER BY id").fetchall()


def _fingerprints(project: Path) -> dict[str, str]:
    from uatkit.project import load_project

    return dict(load_project(project).fingerprints)


def _import_directly(project: Path, mark: Mark, fingerprint: str) -> None:
    """Record a mark as an earlier uatkit (or another tool writing the ledger) could have."""
    info = PackInfo("R0-sales", "R0", "Sales", "Sales operations", "en", "demo", dt.datetime(2026, 1, 1))
    located = Mark(**{**mark.__dict__, "source": SourceLocation("old.xlsx", sheet="Test cases", row=2)})
    read = ReadPack(project / "old.xlsx", "f" * 64, info, [PackRow(mark.key, 2, fingerprint)], [located])
    with Ledger.open(project / "reports" / "uat.db") as ledger:
        ledger.import_pack(read)


def _row(output: str) -> str:
    return next((line for line in output.splitlines() if line.startswith("│") and "R1-sales" in line), "")


def _counts(output: str) -> tuple[str, str, str]:
    """Return the added, corrected and unchanged counts of the import table's first pack row."""
    cells = [c.strip() for c in _row(output).split("│") if c.strip()]
    return cells[2], cells[3], cells[4]
