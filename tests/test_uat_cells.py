"""Evidence names and dates a tester cannot mean: each one error at its cell, the ledger as it was.

Every crafted input is made here: a NUL typed as `_x0000_` into a real .xlsx (as Excel stores it), names
too long for the file system, a macOS (NFD) file name, a sparse 1.1 GB file (no disk used, never read), and
dates before the floor or a day past the tester's time zone.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.test_uat_roundtrip import fill as fill_marks
from tests.test_uat_roundtrip import invoke, uat
from tests.uat_helpers import fill, write_pack
from uatkit.config import UatChecksConfig
from uatkit.uat.pack import ReadPack
from uatkit.uat.reader import read_pack

PACK = "packs/R1-sales.xlsx"
CASES = f"{PACK} › Test cases"
SIGNOFF = f"{PACK} › Sign-off"
TODAY = dt.date.today()
PASSED = {"J2": "Pass", "M2": "Ann", "N2": TODAY}
TYPE_AGAIN = "the evidence name holds a control character ({}); type the file name again"


@pytest.fixture
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a fresh three-case English pack at packs/R1-sales.xlsx (relative, so messages read short)."""
    monkeypatch.chdir(tmp_path)
    Path("packs").mkdir()
    return write_pack(Path("packs"))


def read(path: Path, cells: Mapping[str, object], rules: UatChecksConfig | None = None) -> ReadPack:
    fill(path, cells)
    return read_pack(path, None, rules=rules)


def errors(result: ReadPack) -> list[str]:
    return [str(problem) for problem in result.errors]


def sparse(path: Path, size: int) -> Path:
    """Make a file of `size` bytes that takes no disk space (a hole): only its size is ever asked."""
    with path.open("wb") as file:
        file.truncate(size)
    return path


# --- evidence names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown", "code"),
    [("x_x0000_.png", "x\\x00.png", "U+0000"), ("a_x001B_[2J.png", "a\\x1b[2J.png", "U+001B")],
    ids=["nul", "escape"],
)
def test_an_evidence_name_with_a_control_character_is_a_cell_error(
    pack: Path, typed: str, shown: str, code: str
) -> None:
    result = read(pack, {**PASSED, "O2": typed})
    assert errors(result) == [f"{CASES} › O2: '{shown}': {TYPE_AGAIN.format(code)}"]
    assert not result.ok and result.marks[0].evidence == ()


def test_an_evidence_name_over_255_characters_is_a_cell_error(pack: Path) -> None:
    name = "screenshot-" + "x" * 300 + ".png"
    result = read(pack, {**PASSED, "O2": f"ok.png, {name}"})
    (error,) = errors(result)
    assert error.startswith(f"{CASES} › O2: 'screenshot-xxx")
    assert error.endswith(
        "…': the evidence name is 315 characters long, over 255; "
        "rename the file shorter and enter its new name"
    )


def test_an_evidence_name_part_over_the_file_systems_limit_is_a_cell_error(pack: Path) -> None:
    name = "证据/" + "截图" * 50 + ".png"  # 104 characters, a part of 304 bytes in UTF-8
    result = read(pack, {**PASSED, "O2": name})
    (error,) = errors(result)
    assert error.startswith(f"{CASES} › O2: '证据/截图截图")
    assert "a part of the evidence name is 304 bytes long, over the file system's 255" in error


@pytest.mark.parametrize(("on_disk", "typed"), [("NFD", "NFC"), ("NFC", "NFD")])
def test_a_name_in_another_unicode_form_is_the_file_and_its_real_name_is_kept(
    pack: Path, on_disk: str, typed: str
) -> None:
    name = "Café/Ünïcode résumé.png"
    real = unicodedata.normalize(on_disk, name)  # type: ignore[arg-type]
    (pack.parent / real).parent.mkdir()
    (pack.parent / real).write_bytes(b"png")
    result = read(pack, {**PASSED, "O2": unicodedata.normalize(typed, name)})  # type: ignore[arg-type]
    assert result.errors == [] and result.warnings == []
    assert result.marks[0].evidence == (real,)


def test_an_evidence_file_over_the_size_limit_is_a_cell_error_and_never_read(pack: Path) -> None:
    sparse(pack.parent / "recording.mp4", 1_100_000_000)
    result = read(pack, {**PASSED, "O2": "recording.mp4"})
    assert errors(result) == [
        f"{CASES} › O2: evidence file 'recording.mp4' is 1,100.0 MB, over the limit of 50 MB; make it "
        "smaller (compress it, cut the recording) or raise [tool.uatkit.uat.checks] evidence_max_mb"
    ]
    allowed = read_pack(pack, None, rules=UatChecksConfig(evidence_max_mb=2_000))
    assert allowed.ok and allowed.marks[0].evidence == ("recording.mp4",)


# --- dates -------------------------------------------------------------------------------------------


def test_a_tester_a_day_ahead_has_their_today_accepted_and_the_day_after_refused(pack: Path) -> None:
    tomorrow, later = TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=2)
    result = read(pack, {**PASSED, "N2": tomorrow, "J3": "Pass", "M3": "Bo", "N3": later.isoformat()})
    assert errors(result) == [f"{CASES} › N3: {later.isoformat()} is in the future; enter the day it was run"]
    assert result.marks[0].date == tomorrow


@pytest.mark.parametrize("cell", ["0001-01-01", "1899-12-31", "31/12/1999", dt.date(1999, 12, 31)])
def test_a_date_before_the_floor_is_a_cell_error(pack: Path, cell: object) -> None:
    result = read(pack, {**PASSED, "N2": cell})
    (error,) = errors(result)
    assert error.startswith(f"{CASES} › N2: ")
    assert error.endswith(
        " is before 2000-01-01, the earliest date accepted ([tool.uatkit.uat.checks] earliest_date); "
        "enter the day it was run"
    )


def test_the_floor_is_configurable_and_holds_for_the_sign_off_date(pack: Path) -> None:
    fill(pack, {"B5": "Accepted", "B7": "Dee", "B8": dt.date(2025, 12, 31)}, sheet="signoff")
    rules = UatChecksConfig(earliest_date=dt.date(2026, 1, 1))
    result = read(pack, {**PASSED, "N2": dt.date(2025, 6, 1)}, rules)
    floor = "is before 2026-01-01, the earliest date accepted ([tool.uatkit.uat.checks] earliest_date)"
    assert errors(result) == [
        f"{CASES} › N2: 2025-06-01 {floor}; enter the day it was run",
        f"{SIGNOFF} › B8: 2025-12-31 {floor}; enter the day of the sign-off",
    ]
    assert read_pack(pack, None).ok  # the default floor takes both


# --- through `uatkit uat import`: exit 2, one located line, the ledger as it was -------------------------

STORY = """---
id: REQ-1
module: Sales
priority: must
levels: [integration]
---
# Place an order

## AC-1 An order is confirmed
The order is confirmed on screen.
"""
KEY = "REQ-1.AC-1"


def ledger_dump(project: Path) -> tuple[str, list[str]]:
    """Return the ledger's integrity check and its whole content as SQL."""
    with sqlite3.connect(project / "reports" / "uat.db") as db:
        (check,) = db.execute("PRAGMA integrity_check").fetchone()
        return check, list(db.iterdump())


@pytest.mark.parametrize(
    ("mark", "expected"),
    [
        ({"evidence": "x_x0000_.png"}, f"'x\\x00.png': {TYPE_AGAIN.format('U+0000')}"),
        ({"evidence": "y" * 300 + ".png"}, "the evidence name is 304 characters long, over 255"),
        ({"evidence": "big.mp4"}, "evidence file 'big.mp4' is 1,100.0 MB, over the limit of 50 MB"),
        ({"date": "1899-12-31"}, "1899-12-31 is before 2000-01-01, the earliest date accepted"),
        ({"date": "0001-01-01"}, "0001-01-01 is before 2000-01-01, the earliest date accepted"),
        ({"date": dt.datetime(1899, 12, 31)}, "the cell holds Excel's day 0 (1899-12-31, time 00:00:00)"),
        (
            {"tester": "Eve_x001B_]0;PWNED_x0007_ Smith"},
            "the tester name 'Eve\\x1b]0;PWNED\\x07 Smith' holds a control character (U+001B); "
            "type the name again",
        ),
    ],
    ids=["nul", "long-name", "1.1-GB-file", "1899-12-31", "0001-01-01", "day-0-cell", "escape-in-tester"],
)
def test_import_refuses_the_file_with_one_located_error_and_the_ledger_unchanged(
    project: Path, mark: dict[str, object], expected: str
) -> None:
    (project / "stories" / "REQ-1.md").write_text(STORY, encoding="utf-8")
    invoke(project, "generate")
    uat(project, "export", "--release", "R1")
    pack = project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill_marks(pack, {KEY: {"status": "Pass", "tester": "Ann", "date": TODAY}})
    uat(project, "import", str(pack))
    before = ledger_dump(project)
    sparse(pack.parent / "big.mp4", 1_100_000_000)
    fill_marks(pack, {KEY: {"status": "Fail", "tester": "Ann", "date": TODAY, "actual": "wrong", **mark}})
    result = uat(project, "import", str(pack), code=2)
    located = [line for line in result.output.splitlines() if "R1-sales.xlsx › Test cases ›" in line]
    assert len(located) == 1 and expected in located[0], result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert ledger_dump(project) == before and before[0] == "ok"
