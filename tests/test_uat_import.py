"""Returned UAT packs: real .xlsx files filled in with openpyxl (and LibreOffice), read back and checked."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string

from tests.uat_helpers import (
    LETTER,
    convert_with_libreoffice,
    fill,
    fingerprint,
    locked,
    sample_cases,
    write_pack,
)
from uatkit.errors import UatkitError
from uatkit.model import Case, Decision, Mark, Priority, SignOff, SourceLocation, Status
from uatkit.uat.dates import ACCEPTED_FORMS, parse_date
from uatkit.uat.pack import PackInfo, PackRow, ReadPack
from uatkit.uat.reader import find_packs, read_pack

PACK = "packs/R1-sales.xlsx"
CASES = f"{PACK} › Test cases"
SIGNOFF = f"{PACK} › Sign-off"
KEYS = ("REQ-101.AC-1", "REQ-102.AC-1", "REQ-103.AC-1")
RUN = dt.date(2026, 11, 2)
PASSED = {"J2": "Pass", "M2": "Ann", "N2": RUN}


@pytest.fixture
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a fresh three-case English pack at packs/R1-sales.xlsx (relative, so messages read short)."""
    monkeypatch.chdir(tmp_path)
    Path("packs").mkdir()
    return write_pack(Path("packs"))


def read(
    path: Path, cells: Mapping[str, object] | None = None, current: Mapping[str, str] | None = None
) -> ReadPack:
    """Fill `cells` of the Test cases sheet and read the pack."""
    if cells:
        fill(path, cells)
    return read_pack(path, current)


def errors(result: ReadPack) -> list[str]:
    return [str(problem) for problem in result.errors]


def warnings(result: ReadPack) -> list[str]:
    return [str(problem) for problem in result.warnings]


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 11, 24), dt.date(2026, 11, 24)),
        (dt.datetime(2026, 11, 24, 15, 30), dt.date(2026, 11, 24)),
        (46350, dt.date(2026, 11, 24)),
        (46350.75, dt.date(2026, 11, 24)),
        ("2026-11-24", dt.date(2026, 11, 24)),
        ("2026-11-24T10:30:00", dt.date(2026, 11, 24)),
        (" 2026-11-24 10:30 ", dt.date(2026, 11, 24)),
        ("24/11/2026", dt.date(2026, 11, 24)),
        ("5/1/2026", dt.date(2026, 1, 5)),
        ("2026/11/24", dt.date(2026, 11, 24)),
        ("2026年11月24日", dt.date(2026, 11, 24)),
        ("2026年1月5日", dt.date(2026, 1, 5)),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_every_accepted_date_form_parses(value: object, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("11/24/2026", "'11/24/2026' is not a real date (month must be in 1..12)"),
        ("2026-02-30", "'2026-02-30' is not a real date (day is out of range for month)"),
        ("24.11.2026", "'24.11.2026' is not a date uatkit can read"),
        ("next week", "'next week' is not a date uatkit can read"),
        (12, "12 is not a date between 1990 and 2199 (as an Excel serial number)"),
        (1e9, "1e+09 is not a date between 1990 and 2199 (as an Excel serial number)"),
        (True, "True is not a date"),
        (dt.time(9, 30), "09:30:00 is not a date"),
        (dt.time(0), "the cell holds Excel's day 0 (1899-12-31, time 00:00:00), not the day it was run"),
    ],
)
def test_other_dates_are_refused_listing_the_accepted_forms(value: object, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_date(value)
    assert str(caught.value) == f"{reason}; write it as {ACCEPTED_FORMS}"


# --- a good pack -----------------------------------------------------------------------------------


def test_a_filled_pack_gives_its_identity_rows_marks_and_sign_off(pack: Path) -> None:
    (pack.parent / "total.png").write_bytes(b"png")
    (pack.parent / "log.txt").write_text("log")
    fill(
        pack,
        {
            **PASSED,
            "O2": "total.png; log.txt",
            "J3": "Fail",
            "K3": "The total is 30.00",
            "L3": "BUG-7",
            "M3": "Bob",
            "N3": "2026-11-03",
            "J4": "Blocked",
            "M4": "Cy",
            "N4": "2026年11月4日",
            "P4": "No test data",
        },
    )
    fill(pack, {"B5": "Accepted", "B7": "Dee", "B8": dt.date(2026, 11, 20)}, "signoff")

    result = read_pack(pack)

    assert (result.errors, result.warnings, result.ok) == ([], [], True)
    assert result.sha256 == hashlib.sha256(pack.read_bytes()).hexdigest()
    assert result.info == PackInfo(
        pack_id="R1-sales",
        release="R1",
        group="Sales",
        owner="Sales operations",
        language="en",
        project="demo",
        generated_at=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC),
        commit="abc1234",
    )
    assert result.rows == [
        PackRow(case["case"], row, fingerprint(case["case"]), locked(case))
        for row, case in enumerate(sample_cases(), start=2)
    ]

    def common(index: int) -> dict[str, object]:
        at = SourceLocation(PACK, sheet="Test cases", row=index + 2, column="J")
        return {"fingerprint": fingerprint(KEYS[index]), "pack_id": "R1-sales", "source": at}

    assert result.marks == [
        Mark(KEYS[0], Status.PASS, "Ann", RUN, evidence=("total.png", "log.txt"), **common(0)),
        Mark(KEYS[1], Status.FAIL, "Bob", dt.date(2026, 11, 3), "The total is 30.00", "BUG-7", **common(1)),
        Mark(KEYS[2], Status.BLOCKED, "Cy", dt.date(2026, 11, 4), comments="No test data", **common(2)),
    ]
    assert str(result.marks[0].source) == f"{CASES} › J2"
    assert result.signoff == SignOff(
        "R1-sales",
        owner="Sales operations",
        decision=Decision.ACCEPTED,
        name="Dee",
        date=dt.date(2026, 11, 20),
    )


def test_not_run_and_empty_statuses_record_nothing(pack: Path) -> None:
    result = read(pack, {"J2": "Not run", "J3": None, "J4": "N/A", "M4": "Ann", "N4": RUN})
    assert [(m.key, m.status) for m in result.marks] == [(KEYS[2], Status.NA)]
    assert result.ok
    assert result.signoff == SignOff("R1-sales", owner="Sales operations")


@pytest.mark.parametrize("label", ["Pass", "pass", " PASS ", "通过"])
def test_a_status_reads_in_any_language_and_case(pack: Path, label: str) -> None:
    result = read(pack, {**PASSED, "J2": label})
    assert [m.status for m in result.marks] == [Status.PASS]


@pytest.mark.parametrize(
    "cell",
    [
        RUN,
        dt.datetime(2026, 11, 2, 14, 5),
        46328,
        "2026-11-02",
        "2026-11-02 14:05",
        "02/11/2026",
        "2026/11/02",
        "2026年11月2日",
    ],
)
def test_the_date_column_takes_every_accepted_form(pack: Path, cell: object) -> None:
    result = read(pack, {**PASSED, "N2": cell})
    assert result.errors == []
    assert result.marks[0].date == RUN


def test_a_chinese_pack_reads_with_its_own_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("packs").mkdir()
    pack = write_pack(Path("packs"), language="zh-CN")
    fill(
        pack,
        {
            "J2": "通过",
            "M2": "王芳",
            "N2": "2026年11月2日",
            "J3": "失败",
            "N3": "2026/11/3",
            "P3": "合计错误",
        },
    )
    fill(pack, {"B5": "有条件接受", "B6": "下周修复缺陷", "B7": "李雷", "B8": "2026年11月20日"}, "signoff")

    result = read_pack(pack)

    assert result.info is not None
    assert result.info.language == "zh-CN"
    assert [(m.status, m.tester, m.date) for m in result.marks] == [
        (Status.PASS, "王芳", RUN),
        (Status.FAIL, "", dt.date(2026, 11, 3)),
    ]
    assert errors(result) == [
        f"{PACK} › 测试用例 › M3: the row is marked 失败 but 测试人 is empty; enter the name of who ran it"
    ]
    assert result.signoff == SignOff(
        "R1-sales",
        "Sales operations",
        Decision.WITH_CONDITIONS,
        "下周修复缺陷",
        "李雷",
        dt.date(2026, 11, 20),
    )


# --- row checks: each bad cell, exactly one located problem ---------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {**PASSED, "J2": "Passed"},
            "J2: unknown status 'Passed'; pick one from the list: Not run, Pass, Fail, Blocked, N/A",
        ),
        (
            {**PASSED, "M2": None},
            "M2: the row is marked Pass but Tester is empty; enter the name of who ran it",
        ),
        ({**PASSED, "N2": None}, "N2: the row is marked Pass but Date is empty; enter the day it was run"),
        (
            {**PASSED, "N2": "24.11.2026"},
            f"N2: '24.11.2026' is not a date uatkit can read; write it as {ACCEPTED_FORMS}",
        ),
        (
            {**PASSED, "N2": "11/24/2026"},
            f"N2: '11/24/2026' is not a real date (month must be in 1..12); write it as {ACCEPTED_FORMS}",
        ),
        (
            {**PASSED, "J2": "Fail"},
            "K2: Fail needs an Actual result or Comments; say what happened instead",
        ),
        (
            {**PASSED, "J2": "Blocked", "K2": "Could not log in"},
            "P2: the row is marked Blocked but Comments is empty; say what blocks it",
        ),
        (
            {**PASSED, "A2": "REQ-999.AC-1", "J3": "Pass", "M3": "Bob", "N3": RUN},
            "A2: case 'REQ-999.AC-1' is not in this pack; export a new pack to test new cases",
        ),
        (
            {**PASSED, "A3": KEYS[0]},
            "A3: case 'REQ-101.AC-1' is on rows 2 and 3; keep one row for it",
        ),
        (
            {"A5": None, "J5": "Pass", "M5": "Ann", "N5": RUN},
            "A5: the row has results but no Case ID; record results on the pack's rows",
        ),
    ],
)
def test_each_bad_row_gets_one_located_error(pack: Path, cells: Mapping[str, object], expected: str) -> None:
    result = read(pack, cells)
    assert errors(result) == [f"{CASES} › {expected}"]
    assert not result.ok


def test_a_future_date_is_an_error(pack: Path) -> None:
    later = dt.date.today() + dt.timedelta(days=3)
    result = read(pack, {**PASSED, "N2": later})
    assert errors(result) == [f"{CASES} › N2: {later.isoformat()} is in the future; enter the day it was run"]


def test_a_failure_needs_actual_result_or_comments_not_both(pack: Path) -> None:
    cells = {"J2": "Fail", "M2": "Ann", "N2": RUN, "P2": "Total wrong"}
    cells |= {"J3": "Fail", "M3": "Ann", "N3": RUN, "K3": "30.00"}
    result = read(pack, cells)
    assert result.ok
    assert [m.status for m in result.marks] == [Status.FAIL, Status.FAIL]


def test_every_problem_of_every_row_is_listed(pack: Path) -> None:
    result = read(pack, {"J2": "Fail", "J3": "Blocked", "M3": "Bob", "N3": "soon"})
    assert errors(result) == [
        f"{CASES} › K2: Fail needs an Actual result or Comments; say what happened instead",
        f"{CASES} › M2: the row is marked Fail but Tester is empty; enter the name of who ran it",
        f"{CASES} › N2: the row is marked Fail but Date is empty; enter the day it was run",
        f"{CASES} › N3: 'soon' is not a date uatkit can read; write it as {ACCEPTED_FORMS}",
        f"{CASES} › P3: the row is marked Blocked but Comments is empty; say what blocks it",
    ]


def test_a_duplicated_row_keeps_the_first_mark_and_the_other_case_is_missing(pack: Path) -> None:
    result = read(pack, {**PASSED, "A3": KEYS[0], "J3": "Fail", "M3": "Bob", "N3": RUN, "K3": "x"})
    assert [(m.key, m.status) for m in result.marks] == [(KEYS[0], Status.PASS)]
    assert warnings(result) == [
        f"{CASES}: case 'REQ-102.AC-1' (row 3 when exported) is missing from the sheet; "
        "nothing is recorded for it"
    ]


def test_a_deleted_row_is_a_warning(pack: Path) -> None:
    workbook = openpyxl.load_workbook(pack)
    workbook["Test cases"].delete_rows(3)
    workbook.save(pack)
    result = read(pack, PASSED)
    assert result.ok
    assert warnings(result) == [
        f"{CASES}: case 'REQ-102.AC-1' (row 3 when exported) is missing from the sheet; "
        "nothing is recorded for it"
    ]


def test_results_on_a_not_run_row_are_a_warning(pack: Path) -> None:
    result = read(pack, {"M2": "Ann", "N2": RUN, "K2": "fine"})
    assert (result.ok, result.marks) == (True, [])
    assert warnings(result) == [
        f"{CASES} › J2: the row has results but Status is Not run; nothing recorded for it"
    ]


def test_a_changed_locked_cell_is_a_warning_and_the_mark_imports(pack: Path) -> None:
    result = read(pack, {**PASSED, "F2": "1. Open the order\n2. Order 9 widgets", "C3": "Renamed"})
    assert warnings(result) == [
        f"{CASES} › F2: the Steps text was changed; the pack's original scenario is what counts",
        f"{CASES} › C3: the Requirement title text was changed; the pack's original scenario is what counts",
    ]
    assert result.ok
    assert len(result.marks) == 1


def test_line_ends_do_not_count_as_a_change(pack: Path) -> None:
    result = read(pack, {"F2": "1. Open the order\r\n2. Order 1 widgets"})
    assert result.warnings == []


def test_stale_marks_are_warned_about_and_still_returned(pack: Path) -> None:
    cells = {**PASSED, "J3": "Pass", "M3": "Bob", "N3": RUN, "J4": "Pass", "M4": "Cy", "N4": RUN}
    current = {KEYS[0]: fingerprint(KEYS[0]), KEYS[1]: "sha256:reworded"}
    result = read(pack, cells, current)
    assert warnings(result) == [
        f"{CASES} › A3: case 'REQ-102.AC-1' changed in the project since this pack was exported; "
        "its mark is kept as stale, export a new pack to test it again",
        f"{CASES} › A4: case 'REQ-103.AC-1' is no longer in the project; its mark is kept as stale",
    ]
    assert result.ok
    assert [m.fingerprint for m in result.marks] == [fingerprint(key) for key in KEYS]


def test_evidence_must_be_in_the_workbook_folder(pack: Path, tmp_path: Path) -> None:
    folder = pack.parent
    (folder / "shot.png").write_bytes(b"png")
    (folder / "sub").mkdir()
    (folder / "sub" / "trace.zip").write_bytes(b"zip")
    (tmp_path / "secret.txt").write_text("secret")
    (folder / "link.txt").symlink_to(tmp_path / "secret.txt")
    evidence = "shot.png\nsub/trace.zip, ../secret.txt; /etc/passwd\nlink.txt,missing.png;C:\\Users\\a.png"
    result = read(pack, {**PASSED, "O2": evidence})
    must = "evidence must be a file in the same folder as the workbook; copy it there and enter its file name"
    assert errors(result) == [
        f"{CASES} › O2: '../secret.txt': {must}",
        f"{CASES} › O2: '/etc/passwd': {must}",
        f"{CASES} › O2: 'link.txt': {must}",
        f"{CASES} › O2: 'C:\\Users\\a.png': {must}",  # as typed, not with repr's doubled backslashes
    ]
    assert warnings(result) == [
        f"{CASES} › O2: evidence file 'missing.png' is not in the workbook's folder; copy it there "
        "(the mark imports naming it, with the content the ledger already holds for it, if any)"
    ]
    assert result.marks[0].evidence == ("shot.png", "sub/trace.zip", "missing.png")


def test_warnings_alone_leave_the_pack_importable(pack: Path) -> None:
    result = read(pack, {**PASSED, "O2": "missing.png"})
    assert (result.ok, len(result.warnings), result.marks[0].evidence) == (True, 1, ("missing.png",))


# --- the Sign-off sheet ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"B5": "OK", "B7": "Dee", "B8": RUN},
            "B5: unknown decision 'OK'; pick one from the list: Accepted, Accepted with conditions, Rejected",
        ),
        ({"B5": "Accepted", "B8": RUN}, "B7: Decision is filled but Name is empty; enter who signs off"),
        (
            {"B5": "Rejected", "B7": "Dee"},
            "B8: Decision is filled but Date is empty; enter the day of the sign-off",
        ),
        (
            {"B5": "Accepted with conditions", "B7": "Dee", "B8": RUN},
            "B6: Accepted with conditions needs the Conditions; write them",
        ),
        (
            {"B5": "Accepted", "B7": "Dee", "B8": "tomorrow"},
            f"B8: 'tomorrow' is not a date uatkit can read; write it as {ACCEPTED_FORMS}",
        ),
        (
            {"B5": "Accepted", "B7": "Dee", "B8": dt.date.today() + dt.timedelta(days=2)},
            f"B8: {dt.date.today() + dt.timedelta(days=2)} is in the future; enter the day of the sign-off",
        ),
    ],
)
def test_each_bad_sign_off_gets_one_located_error(
    pack: Path, cells: Mapping[str, object], expected: str
) -> None:
    fill(pack, cells, "signoff")
    assert errors(read_pack(pack)) == [f"{SIGNOFF} › {expected}"]


def test_a_missing_sign_off_sheet_is_a_warning(pack: Path) -> None:
    write_pack(pack.parent, sheets=("instructions", "cases", "meta"))
    result = read(pack, PASSED)
    assert result.ok
    assert result.signoff is None
    assert warnings(result) == [f"{PACK}: the pack has no Sign-off sheet; it is read as not signed off"]


# --- files that are not packs: one error each, nothing else read ----------------------------------

RESAVE = "open it in Excel and save it as an Excel Workbook (.xlsx)"
UNREADABLE = "close it in Excel and check you are allowed to read it"
NOT_A_PACK = (
    "not a uatkit UAT pack, or its hidden _uatkit sheet was deleted; export it again with `uatkit uat export`"
)


def ole(*streams: str) -> bytes:
    """Return the start of an OLE compound file naming `streams` in its directory, as Office writes them."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + b"".join(s.encode("utf-16-le") for s in streams)
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"Case ID,Status\nREQ-101.AC-1,Pass\n", f"not an Excel workbook (.xlsx); {RESAVE}"),
        (b"", f"not an Excel workbook (.xlsx); {RESAVE}"),
        (
            ole("EncryptionInfo", "EncryptedPackage"),
            "is password-protected (encrypted); save it without a password to open it",
        ),
        (
            ole("Workbook", "SummaryInformation"),
            f"is a legacy Excel 97-2003 workbook (.xls), not .xlsx; {RESAVE}",
        ),
        (ole("WordDocument"), f"is a legacy or password-protected Office file, not .xlsx; {RESAVE}"),
    ],
)
def test_a_file_that_is_no_workbook_gets_one_error(pack: Path, content: bytes, expected: str) -> None:
    pack.write_bytes(content)
    result = read_pack(pack)
    assert (errors(result), result.warnings, result.marks, result.info) == (
        [f"{PACK}: {expected}"],
        [],
        [],
        None,
    )
    assert result.sha256 == hashlib.sha256(content).hexdigest()


def test_a_zip_that_is_no_workbook_gets_one_error(pack: Path) -> None:
    with zipfile.ZipFile(pack, "w") as archive:
        archive.writestr("hello.txt", "hello")
    [problem] = errors(read_pack(pack))
    assert problem.startswith(f"{PACK}: not an Excel workbook (.xlsx) (")
    assert problem.endswith(f"); {RESAVE}")


def test_a_workbook_without_the_metadata_sheet_is_not_a_pack(pack: Path) -> None:
    write_pack(pack.parent, sheets=("instructions", "cases", "signoff"))
    result = read(pack)
    assert errors(result) == [f"{PACK}: {NOT_A_PACK}"]
    assert (result.ok, result.warnings) == (False, [])


def test_a_renamed_test_cases_sheet_is_named_not_blamed_on_the_metadata(pack: Path) -> None:
    workbook = openpyxl.load_workbook(pack)
    workbook["Test cases"].title = "My cases"
    workbook.save(pack)
    result = read(pack)
    assert errors(result) == [
        f"{PACK}: the 'Test cases' or '测试用例' sheet is missing or was renamed (the workbook's sheets are "
        "'Instructions', 'My cases', 'Sign-off', '_uatkit'); rename it back, or export it again with "
        "`uatkit uat export`"
    ]
    assert (result.ok, result.warnings) == (False, [])


def test_missing_columns_are_named(pack: Path) -> None:
    workbook = openpyxl.load_workbook(pack)
    sheet = workbook["Test cases"]
    sheet.delete_cols(13)  # Tester
    sheet.delete_cols(10)  # Status
    sheet.delete_cols(6)  # Steps, locked: alone it would only be a warning
    workbook.save(pack)
    assert errors(read_pack(pack)) == [
        f"{CASES} › row 1: the header row has no 'Status', 'Tester' column(s); "
        "put the headers back as exported, or export it again with `uatkit uat export`"
    ]


def test_a_deleted_locked_column_is_a_warning(pack: Path) -> None:
    workbook = openpyxl.load_workbook(pack)
    workbook["Test cases"].delete_cols(column_index_from_string(LETTER["data"]))
    workbook.save(pack)
    result = read_pack(pack)
    assert result.ok
    assert warnings(result) == [
        f"{CASES} › row 1: the Test data column was deleted; the pack's original scenario is what counts"
    ]


def test_a_pack_from_a_newer_uatkit_says_to_upgrade(pack: Path) -> None:
    write_pack(pack.parent, meta={"schema": 3})
    assert errors(read_pack(pack)) == [
        f"{PACK}: the pack was written by a newer uatkit (pack schema 3; this uatkit reads up to 2); "
        "upgrade uatkit (pip install --upgrade uatkit) to read it"
    ]


@pytest.mark.parametrize(
    ("meta", "what"),
    [
        ({"pack_id": ""}, "no pack_id"),
        ({"schema": "x"}, "no schema version"),
        ({"generated_at": "?"}, "no generated_at time"),
    ],
)
def test_a_damaged_metadata_sheet_says_to_export_again(
    pack: Path, meta: dict[str, object], what: str
) -> None:
    write_pack(pack.parent, meta=meta)
    assert errors(read_pack(pack)) == [
        f"{PACK} › _uatkit: the hidden _uatkit sheet is damaged ({what}); "
        "export it again with `uatkit uat export`"
    ]


def test_a_hidden_rather_than_very_hidden_metadata_sheet_reads_the_same(pack: Path) -> None:
    write_pack(pack.parent, state="hidden")
    result = read(pack, PASSED)
    assert (result.ok, [m.key for m in result.marks]) == (True, [KEYS[0]])


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else False, reason="root reads any file")
def test_an_unreadable_file_is_named(pack: Path) -> None:
    pack.chmod(0)
    try:
        assert errors(read_pack(pack)) == [f"{PACK}: cannot be read (Permission denied); {UNREADABLE}"]
    finally:
        pack.chmod(0o644)


def test_a_folder_named_like_a_pack_is_named(pack: Path) -> None:
    folder = pack.parent / "odd.xlsx"
    folder.mkdir()
    assert errors(read_pack(folder)) == [f"packs/odd.xlsx: cannot be read (Is a directory); {UNREADABLE}"]


# --- round trips through the real writer and LibreOffice ------------------------------------------


def test_a_pack_written_by_uatkit_and_filled_in_reads_back(tmp_path: Path) -> None:
    from uatkit.uat.workbook import build_pack

    info = PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "demo", dt.datetime(2026, 11, 1, 9))
    cases = [
        Case(
            key=key,
            case_id=key,
            requirement=key.partition(".")[0],
            requirement_title="Order total",
            module="Sales",
            owner="Sales operations",
            priority=Priority.MUST,
            language="en",
            scenario="Order widgets",
            preconditions=("A customer exists",),
            steps=("Open the order", "=Order 3 widgets"),
            expected=("The total is 29.97",),
            test_data="qty=3",
            tags=("manual",),
            source=SourceLocation("features/orders.feature", 7),
            fingerprint=f"sha256:{n}",
        )
        for n, key in enumerate(KEYS)
    ]
    pack = tmp_path / "R1-sales.xlsx"
    pack.write_bytes(build_pack(info, cases, {}, {}))
    fill(pack, {**PASSED, "J3": "Fail", "M3": "Bob", "N3": "2026-11-03", "K3": "29.99"})
    fill(pack, {"B5": "Rejected", "B7": "Dee", "B8": dt.date(2026, 11, 20)}, "signoff")

    result = read_pack(pack, {c.key: c.fingerprint for c in cases})

    assert (result.errors, result.warnings) == ([], [])
    assert result.info == info
    assert [(m.key, m.status, m.fingerprint) for m in result.marks] == [
        (KEYS[0], Status.PASS, "sha256:0"),
        (KEYS[1], Status.FAIL, "sha256:1"),
    ]
    assert result.signoff is not None
    assert result.signoff.decision is Decision.REJECTED


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_pack_saved_again_by_libreoffice_reads_the_same(pack: Path, tmp_path: Path) -> None:
    (pack.parent / "shot.png").write_bytes(b"png")
    cells = {**PASSED, "O2": "shot.png", "J3": "Fail", "M3": "Bob", "N3": "2026-11-03", "K3": "Total 30.00"}
    fill(pack, cells)
    fill(pack, {"B5": "Accepted", "B7": "Dee", "B8": dt.date(2026, 11, 20)}, "signoff")
    before = read_pack(pack)

    converted = convert_with_libreoffice(pack, tmp_path / "packs" / "lo")
    (converted.parent / "shot.png").write_bytes(b"png")
    after = read_pack(converted)

    workbook = openpyxl.load_workbook(converted)
    assert workbook["_uatkit"].sheet_state == "hidden"
    assert (after.errors, after.warnings) == ([], [])
    assert [str(m.source) for m in after.marks] == [f"{converted} › Test cases › J{row}" for row in (2, 3)]
    strip = [(m.key, m.status, m.tester, m.date, m.actual, m.evidence, m.fingerprint) for m in before.marks]
    assert [
        (m.key, m.status, m.tester, m.date, m.actual, m.evidence, m.fingerprint) for m in after.marks
    ] == strip
    assert (after.info, after.rows, after.signoff) == (before.info, before.rows, before.signoff)


# --- finding packs -------------------------------------------------------------------------------


def test_find_packs_searches_folders_and_skips_lock_files(tmp_path: Path) -> None:
    for name in ("b.xlsx", "sub/a.xlsx", "~$b.xlsx", ".~lock.b.xlsx#", "notes.txt", "sub/.~lock.a.xlsx"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    single = tmp_path / "b.xlsx"
    assert find_packs([tmp_path, single]) == [single, tmp_path / "sub" / "a.xlsx"]
    assert find_packs([tmp_path / "sub"]) == [tmp_path / "sub" / "a.xlsx"]


def test_find_packs_names_a_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(UatkitError, match=r"nowhere: no such file or folder"):
        find_packs([tmp_path / "nowhere"])


def test_the_sample_cases_are_what_the_helper_writes(pack: Path) -> None:
    # Guards the tests above: their cell addresses assume this layout.
    assert sample_cases()[0]["case"] == KEYS[0]
    assert LETTER["status"] == "J"
    assert LETTER["comments"] == "P"
