"""UAT pack export: real .xlsx files, read with openpyxl and python-calamine, and saved by LibreOffice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.protection import hash_password
from python_calamine import CalamineWorkbook

from tests.conftest import write
from tests.uat_helpers import convert_with_libreoffice
from uatkit.config import Config
from uatkit.errors import UatkitError
from uatkit.model import Case, Mark, Priority, SourceLocation, Status
from uatkit.project import Project
from uatkit.uat import layout
from uatkit.uat.export import plan_export, write_packs
from uatkit.uat.pack import PackInfo
from uatkit.uat.reader import read_pack
from uatkit.uat.workbook import build_pack
from uatkit.vcs import commit as source_commit

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
COL = {column.key: index for index, column in enumerate(layout.COLUMNS, start=1)}
LETTER = {key: openpyxl.utils.get_column_letter(index) for key, index in COL.items()}
EVIL = ['=HYPERLINK("http://x","y")', "=1+1", "+1+2", "-2+3", "@SUM(A1)", "\t=1+1", "#N/A", " =1+1 "]
FEATURE = """
    @REQ-7
    Feature: REQ-7 Discounts

      @case:REQ-7.AC-1 @uat
      Scenario: AC-1 A plain order
        Given a customer "ACME" exists
        And I am logged in as a clerk
        When I order 3 "Widget"
        Then the total is 29.97

      @case:REQ-7.AC-2 @uat
      Scenario Outline: AC-2 Discounts depend on the total
        Given a customer "ACME" exists
        When I order <quantity> "Widget"
        Then the discount is <discount>%

        Examples:
          | quantity | discount |
          | 1        | 0        |
          | 20       | 10       |

      @case:REQ-7.AC-3 @manual @uat
      Scenario: AC-3 The invoice is easy to read
        The invoice fits on one page
        and the total stands out.
"""


def case(key: str = "REQ-1.AC-1", **changes: Any) -> Case:
    """Return a case with plain values; `changes` replace any field."""
    values: dict[str, Any] = {
        "key": key,
        "case_id": key.partition("#")[0],
        "requirement": key.partition(".")[0],
        "requirement_title": "Orders",
        "module": "Sales",
        "owner": "Sales operations",
        "priority": Priority.MUST,
        "language": "en",
        "scenario": f"{key} Place an order",
        "preconditions": ("a customer exists",),
        "steps": ("I place an order",),
        "expected": ("the order is confirmed",),
        "test_data": "",
        "tags": ("uat",),
        "source": SourceLocation("features/orders.feature", 3),
        "fingerprint": f"sha256:{key.encode().hex()[:16]}",
    }
    values.update(changes)
    return Case(**values)


def info(language: str = "en", **changes: Any) -> PackInfo:
    """Return a pack identity for tests."""
    values: dict[str, Any] = {
        "pack_id": "R1-sales",
        "release": "R1",
        "group": "Sales",
        "owner": "Sales operations",
        "language": language,
        "project": "shop",
        "generated_at": NOW,
        "commit": "abc1234",
        "due": dt.date(2026, 12, 8),
    }
    values.update(changes)
    return PackInfo(**values)


def save(
    folder: Path,
    cases: Sequence[Case],
    pack: PackInfo | None = None,
    previous: Mapping[str, Mark] | None = None,
    notes: Mapping[str, str] | None = None,
    password: str | None = None,
) -> Path:
    """Build a pack and write it to `folder`; return its path."""
    pack = pack or info()
    path = folder / f"{pack.pack_id}.xlsx"
    path.write_bytes(build_pack(pack, cases, previous or {}, notes or {}, password))
    return path


def sheet(path: Path, key: str, language: str = "en") -> Any:
    """Return one sheet of a saved pack, by sheet key."""
    return openpyxl.load_workbook(path)[layout.SHEET_LABELS[key][language]]


def calamine_rows(path: Path, key: str, language: str = "en") -> list[list[Any]]:
    """Return a sheet's values as python-calamine (the reader's library) reads them."""
    with CalamineWorkbook.from_path(str(path)) as workbook:
        name = layout.SHEET_LABELS[key][language]
        rows: list[list[Any]] = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        return rows


def validations(ws: Any) -> dict[str, Any]:
    """Return the sheet's data validations by their first cell."""
    return {str(v.sqref).split(":")[0]: v for v in ws.data_validations.dataValidation}


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_sheets_headers_and_labels_follow_the_pack_language(tmp_path: Path, language: str) -> None:
    path = save(tmp_path, [case()], info(language))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [layout.SHEET_LABELS[key][language] for key in layout.SHEETS]
    assert [ws.sheet_state for ws in workbook.worksheets] == ["visible", "visible", "visible", "veryHidden"]
    cases = sheet(path, "cases", language)
    assert [c.value for c in cases[1]] == [column.label(language) for column in layout.COLUMNS]
    assert cases[f"{LETTER['status']}2"].value == layout.status_label(Status.NOT_RUN, language)
    signoff = sheet(path, "signoff", language)
    labels = [signoff.cell(layout.SIGNOFF_FIRST_ROW + n, 1).value for n in range(len(layout.SIGNOFF_FIELDS))]
    assert labels == [field.label(language) for field in layout.SIGNOFF_FIELDS]
    assert signoff.cell(layout.SIGNOFF_FIRST_ROW, 2).value == "Sales operations"
    texts = {c.value for row in sheet(path, "instructions", language).iter_rows() for c in row if c.value}
    assert ("用户验收测试包" if language == "zh-CN" else "User acceptance test pack") in texts
    assert {"R1-sales", "2026-12-08", "1"} <= texts


def test_case_rows_hold_plain_outline_and_manual_scenarios_as_numbered_text(
    config: Config, project: Path
) -> None:
    write(project / "features" / "discounts.feature", FEATURE)
    cases = list(Project(config).cases)
    assert [c.key for c in cases] == ["REQ-7.AC-1", "REQ-7.AC-2#1", "REQ-7.AC-2#2", "REQ-7.AC-3"]
    ws = sheet(save(project, cases), "cases")
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_col=len(layout.COLUMNS))]
    assert rows[0][: COL["status"]] == [
        "REQ-7.AC-1",
        "REQ-7",
        "Discounts",
        "AC-1 A plain order",
        '1. a customer "ACME" exists\n2. I am logged in as a clerk',
        '1. I order 3 "Widget"',
        "1. the total is 29.97",
        None,
        "Should",
        "Not run",
    ]
    assert rows[2][COL["steps"] - 1] == '1. I order 20 "Widget"'
    assert rows[2][COL["data"] - 1] == "quantity = 20\ndiscount = 10"
    assert rows[3][COL["steps"] - 1] == "1. The invoice fits on one page and the total stands out."
    assert rows[3][COL["expected"] - 1] == "1. The invoice is easy to read"
    date = ws[f"{LETTER['date']}2"]
    assert date.value is None and date.number_format == "yyyy-mm-dd"
    # Every case row is at least two lines of text tall (LibreOffice does not grow rows by itself).
    assert all(ws.row_dimensions[row].height >= 2 * 11.7 for row in range(2, 6))


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_status_decision_and_date_cells_take_only_what_the_dropdowns_offer(
    tmp_path: Path, language: str
) -> None:
    path = save(tmp_path, [case("REQ-1.AC-1"), case("REQ-1.AC-2")], info(language))
    found = validations(sheet(path, "cases", language))
    status = found[f"{LETTER['status']}2"]
    labels = [layout.status_label(s, language) for s in Status]
    assert (status.type, status.formula1) == ("list", '"' + ",".join(labels) + '"')
    assert str(status.sqref) == f"{LETTER['status']}2:{LETTER['status']}3"
    assert status.showErrorMessage and not status.showDropDown  # openpyxl: showDropDown=True hides it
    assert found[f"{LETTER['date']}2"].type == "date"
    on_signoff = validations(sheet(path, "signoff", language))
    decision = on_signoff[f"B{layout.SIGNOFF_FIRST_ROW + 1}"]
    decisions = ",".join(layout.DECISION_LABELS[d][language] for d in layout.DECISION_LABELS)
    assert (decision.type, decision.formula1) == ("list", f'"{decisions}"')
    assert on_signoff[f"B{layout.SIGNOFF_FIRST_ROW + 4}"].type == "date"


def test_only_the_testers_cells_are_unlocked_and_every_sheet_is_protected(tmp_path: Path) -> None:
    path = save(tmp_path, [case("REQ-1.AC-1"), case("REQ-1.AC-2")])
    workbook = openpyxl.load_workbook(path)
    ws = workbook[layout.SHEET_LABELS["cases"]["en"]]
    for row in (1, 2, 3):
        for column in layout.COLUMNS:
            locked = ws.cell(row, COL[column.key]).protection.locked
            assert locked is (row == 1 or not column.input), (row, column.key)
    for each in workbook.worksheets:
        protection = each.protection
        assert protection.sheet and protection.password is None
        # True means "protected": filtering, sorting and resizing are allowed, inserting rows is not.
        assert not (
            protection.autoFilter or protection.sort or protection.formatRows or protection.formatColumns
        )
        assert protection.insertRows and protection.deleteRows and protection.formatCells
    signoff = workbook[layout.SHEET_LABELS["signoff"]["en"]]
    first, last = layout.SIGNOFF_FIRST_ROW, layout.SIGNOFF_FIRST_ROW + len(layout.SIGNOFF_FIELDS) - 1
    assert [signoff.cell(row, 2).protection.locked for row in range(first, last + 1)] == [False] * 5
    assert signoff.cell(first, 1).protection.locked
    assert workbook.security.lockStructure


def test_a_password_protects_every_sheet_and_the_structure(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(save(tmp_path, [case()], password="s3cret"))
    assert {ws.protection.password for ws in workbook.worksheets} == {hash_password("s3cret")}
    assert workbook.security.workbookPassword == hash_password("s3cret")


def test_header_is_frozen_filtered_coloured_and_printed_on_a4_landscape(tmp_path: Path) -> None:
    ws = sheet(save(tmp_path, [case("REQ-1.AC-1"), case("REQ-1.AC-2")]), "cases")
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:{LETTER['comments']}3"
    assert [ws.column_dimensions[LETTER[c.key]].width for c in layout.COLUMNS] == [
        c.width for c in layout.COLUMNS
    ]
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("595959")
    assert ws["A2"].fill.fgColor.rgb.endswith("F2F2F2")
    assert ws[f"{LETTER['actual']}2"].fill.fgColor.rgb.endswith("FFFFFF")
    assert ws["D2"].alignment.wrap_text and ws["D2"].alignment.vertical == "top"
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert "R1-sales" in ws.oddHeader.left.text and "&P" in ws.oddFooter.center.text
    rules = {str(rng.sqref): [rule.formula[0] for rule in rng.rules] for rng in ws.conditional_formatting}
    assert rules == {f"{LETTER['status']}2:{LETTER['status']}3": ['"Pass"', '"Fail"', '"Blocked"', '"N/A"']}


def test_metadata_rows_and_hashes_match_what_calamine_reads(tmp_path: Path) -> None:
    cases = [
        case("REQ-1.AC-1"),
        case("REQ-1.AC-2#1", test_data="quantity = 2\r\nprice = 9.99", scenario="  spaced  "),
        case("REQ-1.AC-3", preconditions=(), steps=("bell\x07 rings", "中文步骤"), priority=Priority.WONT),
    ]
    path = save(tmp_path, cases)
    meta = calamine_rows(path, "meta")
    keys = list(layout.META_KEYS)
    assert [row[0] for row in meta[: len(keys)]] == keys
    values = {row[0]: row[1] for row in meta[: len(keys)]}
    assert values["schema"] == "1" and values["generated_at"] == NOW.isoformat()
    assert values["due"] == "2026-12-08" and values["language"] == "en"
    assert all(isinstance(value, str) for value in values.values())
    assert meta[len(keys)][:4] == [layout.META_CASES_MARK, "row", "fingerprint", "locked"]
    listed = meta[len(keys) + 1 :]
    assert [(row[0], row[1], row[2]) for row in listed] == [
        (c.key, n, c.fingerprint) for n, c in enumerate(cases, 2)
    ]
    shown = calamine_rows(path, "cases")
    for row, entry in zip(shown[1:], listed, strict=True):
        texts = [str(row[COL[key] - 1]) for key in layout.LOCKED_COLUMNS]
        assert entry[3] == " ".join(layout.cell_hash(text) for text in texts)
    assert (
        shown[3][COL["steps"] - 1] == "1. bell rings\n2. 中文步骤"
    )  # the control character cannot be stored
    read = read_pack(path, {c.key: c.fingerprint for c in cases})
    assert read.ok and not read.warnings and read.info is not None and read.info.due == dt.date(2026, 12, 8)


def _evil_pack(folder: Path) -> tuple[Path, list[Case]]:
    cases = [
        case(f"REQ-1.AC-{n}", requirement_title=text, scenario=text, steps=(text,), test_data=text)
        for n, text in enumerate(EVIL, start=1)
    ]
    mark = Mark(
        cases[0].key, Status.FAIL, "=1+1", dt.date(2026, 11, 20), "+SUM(1)", comments='=HYPERLINK("x")'
    )
    mark = dataclasses.replace(mark, fingerprint=cases[0].fingerprint, evidence=("=a.png",))
    return save(folder, cases, info(project="=1+1", owner="@owner"), {cases[0].key: mark}), cases


def _assert_all_text(path: Path, cases: Sequence[Case]) -> None:
    ws = sheet(path, "cases")
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert cells and {c.data_type for c in cells} == {"s"}
    shown = calamine_rows(path, "cases")
    for row, text in zip(shown[1:], EVIL, strict=True):
        assert row[COL["title"] - 1] == text and row[COL["scenario"] - 1] == text
        assert row[COL["data"] - 1] == text and row[COL["steps"] - 1] == f"1. {text}"
    assert shown[1][COL["tester"] - 1 : COL["tester"]] == ["=1+1"]
    assert shown[1][COL["comments"] - 1] == '=HYPERLINK("x")'
    read = read_pack(path, {c.key: c.fingerprint for c in cases})
    assert read.ok and not [w for w in read.warnings if "changed" in w.message], (read.errors, read.warnings)


def test_story_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path) -> None:
    path, cases = _evil_pack(tmp_path)
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        formulas = {n: archive.read(n).count(b"<f>") for n in sheets}
    # Only the Instructions sheet's own progress counters are formulas.
    assert formulas == {
        "xl/worksheets/sheet1.xml": 7,
        "xl/worksheets/sheet2.xml": 0,
        "xl/worksheets/sheet3.xml": 0,
        "xl/worksheets/sheet4.xml": 0,
    }
    ws = sheet(path, "cases")
    assert ws["C2"].quotePrefix and not ws["A2"].quotePrefix
    _assert_all_text(path, cases)
    values = {row[0]: row[1] for row in calamine_rows(path, "meta")}
    assert values["project"] == "=1+1" and values["owner"] == "@owner"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_formula_like_text_is_still_text_after_libreoffice_saves_the_pack(tmp_path: Path) -> None:
    path, cases = _evil_pack(tmp_path)
    _assert_all_text(convert_with_libreoffice(path, tmp_path / "lo"), cases)


def _config(root: Path) -> Config:
    return Config(root=root)


def test_unchanged_cases_carry_their_marks_and_changed_ones_start_again(tmp_path: Path) -> None:
    same, changed, fresh = case("REQ-1.AC-1"), case("REQ-1.AC-2"), case("REQ-1.AC-3")
    previous = {
        same.key: Mark(
            same.key,
            Status.PASS,
            "Ann",
            dt.date(2026, 11, 20),
            evidence=("a.png", "b.png"),
            comments="ok",
            fingerprint=same.fingerprint,
        ),
        changed.key: Mark(changed.key, Status.PASS, "Bob", dt.date(2026, 11, 20), fingerprint="sha256:old"),
    }
    [pack] = plan_export(
        _config(tmp_path),
        [same, changed, fresh],
        release="R1",
        by="module",
        language="en",
        previous=previous,
        now=NOW,
    )
    assert (pack.carried, pack.reset) == (1, 1)
    write_packs([pack])
    ws = sheet(pack.path, "cases")
    row = {key: ws.cell(2, COL[key]).value for key in layout.INPUT_COLUMNS}
    assert row == {
        "status": "Pass",
        "actual": None,
        "defect": None,
        "tester": "Ann",
        "date": dt.datetime(2026, 11, 20),
        "evidence": "a.png\nb.png",
        "comments": "ok",
    }
    assert ws.cell(2, COL["date"]).number_format == "yyyy-mm-dd"
    assert ws.cell(3, COL["status"]).value == "Not run" and ws.cell(3, COL["tester"]).value is None
    assert ws.cell(3, COL["comments"]).value == (
        "The scenario changed after your mark of 2026-11-20 (Pass); please test it again."
    )
    assert ws.cell(4, COL["comments"]).value is None
    zh = dataclasses.replace(changed, language="zh-CN")
    [chinese] = plan_export(
        _config(tmp_path), [zh], release="R1", by="module", language="auto", previous=previous, now=NOW
    )
    assert chinese.notes == {zh.key: "您于 2026-11-20 记录结果（通过）之后，该场景已更改，请重新测试。"}


def test_packs_are_grouped_with_stable_ids_paths_owners_and_languages(tmp_path: Path) -> None:
    cases = [
        case("REQ-1.AC-1", module="Sales", owner="Sales operations"),
        case("REQ-2.AC-1", module="Inventory", owner="仓储部", language="zh-CN"),
        case("REQ-1.AC-2", module="Sales", owner="Finance"),
    ]
    config = _config(tmp_path)

    def plan(by: str, language: str = "auto") -> list[tuple[str, str, str, str, int]]:
        planned = plan_export(config, cases, release="R1.0", by=by, language=language, previous={}, now=NOW)
        return [
            (p.info.pack_id, str(p.path.relative_to(tmp_path)), p.info.owner, p.info.language, len(p.cases))
            for p in planned
        ]

    assert plan("module") == [
        ("R1.0-sales", "uat_packs/R1.0/R1.0-sales.xlsx", "Sales operations, Finance", "en", 2),
        ("R1.0-inventory", "uat_packs/R1.0/R1.0-inventory.xlsx", "仓储部", "zh-CN", 1),
    ]
    assert plan("module") == plan("module")
    assert [row[:4] for row in plan("owner", "en")] == [
        ("R1.0-sales-operations", "uat_packs/R1.0/R1.0-sales-operations.xlsx", "Sales operations", "en"),
        ("R1.0-仓储部", "uat_packs/R1.0/R1.0-仓储部.xlsx", "仓储部", "en"),
        ("R1.0-finance", "uat_packs/R1.0/R1.0-finance.xlsx", "Finance", "en"),
    ]
    [unassigned] = plan_export(
        config, [case(owner="")], release="R1", by="owner", language="en", previous={}, now=NOW
    )
    assert (unassigned.info.pack_id, unassigned.info.owner) == ("R1-unassigned", "")


@pytest.mark.parametrize("release", ["", "  ", "../R1", "R1/2", "R1\\2", "..", "R1..2", "R1.", "a:b"])
def test_a_release_that_cannot_name_a_folder_is_refused(tmp_path: Path, release: str) -> None:
    with pytest.raises(UatkitError, match="release"):
        plan_export(
            _config(tmp_path), [case()], release=release, by="module", language="en", previous={}, now=NOW
        )


def test_groups_that_would_share_a_pack_file_are_refused(tmp_path: Path) -> None:
    cases = [case("REQ-1.AC-1", module="Sales"), case("REQ-2.AC-1", module="sales")]
    with pytest.raises(UatkitError, match=r"'Sales' and 'sales' would both be written to R1-sales\.xlsx"):
        plan_export(_config(tmp_path), cases, release="R1", by="module", language="en", previous={}, now=NOW)


def test_write_packs_writes_every_pack_and_reports_each(tmp_path: Path) -> None:
    cases = [case("REQ-1.AC-1", module="Sales"), case("REQ-2.AC-1", module="Billing")]
    planned = plan_export(
        _config(tmp_path), cases, release="R1", by="module", language="en", previous={}, now=NOW, commit="abc"
    )
    seen: list[str] = []
    write_packs(planned, progress=lambda pack: seen.append(pack.info.pack_id))
    assert seen == ["R1-sales", "R1-billing"]
    folder = tmp_path / "uat_packs" / "R1"
    assert sorted(p.name for p in folder.iterdir()) == ["R1-billing.xlsx", "R1-sales.xlsx"]
    values = {row[0]: row[1] for row in calamine_rows(folder / "R1-sales.xlsx", "meta")}
    assert (values["pack_id"], values["commit"], values["project"]) == ("R1-sales", "abc", tmp_path.name)


def test_source_commit_is_the_short_head_or_empty_outside_git(tmp_path: Path) -> None:
    assert source_commit(tmp_path) == ""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    names = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
    }
    env = {**os.environ, **names}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, env=env)
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", "x"],
        cwd=tmp_path,
        check=True,
        env=env,
    )
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=tmp_path, capture_output=True, text=True
    )
    assert source_commit(tmp_path) == head.stdout.strip() != ""
