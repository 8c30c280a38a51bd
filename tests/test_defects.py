"""`uatkit defects`: the failures without a defect ID, their Jira CSV and ZenTao workbook, LibreOffice too."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from tests.defects_helpers import ACTUAL, TESTER, make_project
from tests.uat_helpers import convert_with_libreoffice
from uatkit.cli import app
from uatkit.config import DefectsConfig
from uatkit.defects.describe import jira_description, zentao_steps
from uatkit.defects.export import JIRA_COLUMNS, ZENTAO_COLUMNS, jira_csv, safe_cell, zentao_xlsx
from uatkit.defects.find import _sorted_out
from uatkit.defects.model import Defect, KnownDefect, stable_id
from uatkit.model import Case, Priority, SourceLocation

runner = CliRunner()
SOFFICE = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


@pytest.fixture
def failing(project: Path) -> Path:
    """Return a project with a failed integration result, a UAT Fail without a defect ID and one with."""
    return make_project(project)


def listed(root: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["defects", "-C", str(root), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_lists_failures_without_a_defect_id_with_what_a_developer_needs(failing: Path) -> None:
    data = listed(failing)
    assert data["command"] == "defects" and data["release"] == ""
    automated, uat = data["defects"]
    assert (uat["case"], uat["level"], uat["status"], uat["pack"]) == (
        "REQ-1.AC-2",
        "uat",
        "Fail",
        "R1-sales",
    )
    assert (uat["tester"], uat["date"], uat["actual"], uat["evidence"]) == (
        TESTER, "2026-11-20", ACTUAL, ["total.png"],
    )  # fmt: skip
    assert uat["requirement"] == "REQ-1" and uat["title"] == "AC-2 下单后显示合计" and uat["mark_id"] == 1
    assert uat["id"] == stable_id("REQ-1.AC-2", "uat")
    assert (automated["case"], automated["level"], automated["status"]) == (
        "REQ-1.AC-1",
        "integration",
        "failed",
    )
    assert automated["actual"] == "expected 29.97, got 30.00" and automated["run_id"] == "run-0001"
    assert automated["evidence"] == ["abc-attachment.json"]
    md5 = hashlib.md5(automated["result_uuid"].encode()).hexdigest()
    assert automated["allure_link"] == f"reports/allure-report/index.html#{md5}"
    assert automated["source"].startswith("reports/allure-results/")
    (known,) = data["known"]
    assert (known["case"], known["defect_ids"]) == ("REQ-2.AC-1", ["BUG-7"])


def test_the_table_names_each_failure_and_those_with_a_defect(failing: Path) -> None:
    result = runner.invoke(app, ["defects", "-C", str(failing)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "REQ-1.AC-2" in result.stdout and "R1-sales" in result.stdout and TESTER in result.stdout
    assert "2 failures without a defect ID" in result.stdout
    assert "REQ-2.AC-1 (R1-sales, Fail): has defect ID BUG-7" in result.stdout


def test_another_release_lists_no_uat_mark(failing: Path) -> None:
    data = listed(failing, "--release", "R2")
    assert [d["level"] for d in data["defects"]] == ["integration"] and data["known"] == []


def test_a_defect_tag_or_a_filed_defect_counts_as_the_defect_id() -> None:
    defect = _defect()
    case = Case(
        "REQ-1.AC-2", "REQ-1.AC-2", "REQ-1", "Place an order", "Sales", "Ops", Priority.MUST, "en", "x", (),
        (), (), "", ("case:REQ-1.AC-2", "manual", "defect:BUG-9"), SourceLocation("f.feature"), "fp",
    )  # fmt: skip
    known = _sorted_out(defect, (), case, {})
    assert isinstance(known, KnownDefect) and known.ids == ("BUG-9",) and known.said == "has defect ID BUG-9"
    untagged = replace(case, tags=("case:REQ-1.AC-2",))
    assert _sorted_out(defect, (), untagged, {}) == defect


def _defect(**changes: Any) -> Defect:
    values: dict[str, Any] = {
        "id": stable_id("REQ-1.AC-2", "uat"), "level": "uat", "status": "Fail", "case_key": "REQ-1.AC-2",
        "case_id": "REQ-1.AC-2", "requirement": "REQ-1", "requirement_title": "Place an order",
        "requirement_url": "https://jira.example.com/browse/REQ-1", "title": "下单后显示合计",
        "module": "Sales", "priority": Priority.MUST, "owner": "Ops", "language": "en",
        "preconditions": ("a customer exists",), "steps": ("I place an order", "I open it"),
        "expected": ("the total is 29.97",), "test_data": "", "tester": TESTER, "date": "2026-11-20",
        "actual": ACTUAL, "comments": "", "evidence": ("total.png", "log.txt"), "pack_id": "R1-sales",
        "source": "R1-sales.xlsx › Test cases › row 3", "mark_id": 4, "run_id": "", "result_uuid": "u-1",
        "allure_link": "https://qa.example.com/report/index.html#abc", "release": "R1",
        "environment": "UAT", "version": "",
    }  # fmt: skip
    return Defect(**(values | changes))


def test_the_description_holds_steps_expected_actual_tester_evidence_and_links() -> None:
    text = jira_description(_defect(actual="it said {noformat} then [x|javascript:alert(1)]"))
    for part in (
        "REQ-1 Place an order (https://jira.example.com/browse/REQ-1)", "REQ-1.AC-2 下单后显示合计",
        "UAT pack R1-sales, marked Fail", f"{TESTER}, 2026-11-20", "# I place an order\n# I open it",
        "# the total is 29.97", "* total.png", "* log.txt", "https://qa.example.com/report/index.html#abc",
        "R1-sales.xlsx › Test cases › row 3", stable_id("REQ-1.AC-2", "uat"),
    ):  # fmt: skip
        assert part in text, part
    # The tester's text is one literal block it cannot close early.
    assert "{noformat}\nit said  then [x|javascript:alert(1)]\n{noformat}" in text


def test_zentao_steps_follow_its_template_and_escape_every_text() -> None:
    steps = zentao_steps(_defect(actual="<script>alert(1)</script>"))
    assert steps.startswith("<p>[步骤]</p>") and "<p>[结果]</p>" in steps and "<p>[期望]</p>" in steps
    assert "<script>" not in steps and "&lt;script&gt;" in steps
    assert "1. I place an order<br/>2. I open it" in steps and f"测试人：{TESTER}" in steps
    assert "证据文件：total.png、log.txt" in steps


def test_no_csv_cell_starts_a_formula() -> None:
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("+1") == "'+1" and safe_cell("-1") == "'-1"
    assert (
        safe_cell("@SUM(A1)") == "'@SUM(A1)"
        and safe_cell("\t=1") == "'\t=1"
        and safe_cell("ok =1") == "ok =1"
    )
    data = jira_csv([_defect(module="=cmd|'/c calc'!A1", release="@R1")], DefectsConfig())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert tuple(rows[0]) == JIRA_COLUMNS
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["Component"] == "'=cmd|'/c calc'!A1" and cells["Affects Version/s"] == "'@R1"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def jira_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_export_to_jira_csv(failing: Path) -> None:
    result = runner.invoke(app, ["defects", "export", "--to", "jira-csv", "-C", str(failing)])
    assert result.exit_code == 0, result.output
    assert "wrote reports/defects-jira.csv: 2 defects for Jira (CSV)" in result.stdout
    header, automated, uat = jira_rows(failing / "reports" / "defects-jira.csv")
    assert tuple(header) == JIRA_COLUMNS
    row = dict(zip(header, uat, strict=True))
    assert row["Summary"] == "[UAT Fail] REQ-1.AC-2 下单后显示合计"
    assert (row["Issue Type"], row["Priority"], row["Component"]) == ("Bug", "High", "Sales")
    assert [c for h, c in zip(header, uat, strict=True) if h == "Labels"] == [
        "uatkit", stable_id("REQ-1.AC-2", "uat"), "uat",
    ]  # fmt: skip
    assert ACTUAL in row["Description"] and "total.png" in row["Description"] and TESTER in row["Description"]
    assert dict(zip(header, automated, strict=True))["Summary"].startswith("[integration failed] REQ-1.AC-1")


def test_export_to_zentao_writes_its_template_headers_as_text(failing: Path) -> None:
    target = failing / "out" / "bugs.xlsx"
    result = runner.invoke(
        app,
        ["defects", "export", "--to", "zentao", "--out", str(target), "-C", str(failing), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (
        data["command"] == "defects export" and data["to"] == "zentao" and data["written"] == "out/bugs.xlsx"
    )
    # No product configured: the workbook's 所属产品 column is empty, and the table output says so.
    table = runner.invoke(
        app, ["defects", "export", "--to", "zentao", "--out", str(target), "-C", str(failing)]
    )
    assert table.exit_code == 0 and "the 所属产品 column is empty" in table.stderr
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert tuple(rows[0]) == ZENTAO_COLUMNS and len(rows) == 3
    row = dict(zip(rows[0], rows[2], strict=True))
    assert row["Bug标题"] == "[UAT Fail] REQ-1.AC-2 下单后显示合计" and row["影响版本"] == "主干(#trunk)"
    assert row["严重程度"] == 2 and row["优先级"] == 1 and row["Bug类型"] == "代码错误"
    assert "合计显示 30.00" in row["重现步骤"] and TESTER in row["重现步骤"]
    book = openpyxl.load_workbook(target)
    assert {c.data_type for r in book.active.iter_rows(min_row=2) for c in r if isinstance(c.value, str)} == {
        "s"
    }


def test_a_blocked_row_goes_to_zentao_as_other_not_as_a_code_error(tmp_path: Path) -> None:
    data = zentao_xlsx([_defect(status="Blocked"), _defect()], DefectsConfig(zentao_product="订单管理(#1)"))
    path = tmp_path / "z.xlsx"
    path.write_bytes(data)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    kinds = [dict(zip(rows[0], row, strict=True))["Bug类型"] for row in rows[1:]]
    assert kinds == ["其他", "代码错误"]


def test_an_unknown_target_is_one_line(failing: Path) -> None:
    result = runner.invoke(app, ["defects", "export", "--to", "bugzilla", "-C", str(failing)])
    assert result.exit_code == 2 and "export to jira-csv or zentao" in result.output


def libreoffice_csv(path: Path, out: Path) -> Path:
    """Return the CSV opened as UTF-8 (filter token 76) and saved as .xlsx by LibreOffice Calc."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(out / '.profile').as_uri()}", "--headless",
         "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return out / f"{path.stem}.xlsx"


@SOFFICE
def test_libreoffice_opens_the_jira_csv_with_its_columns_and_no_formula(tmp_path: Path) -> None:
    path = tmp_path / "defects-jira.csv"
    path.write_bytes(jira_csv([_defect(module="=1+1")], DefectsConfig()))
    book = openpyxl.load_workbook(libreoffice_csv(path, tmp_path / "lo"))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert tuple(rows[0]) == JIRA_COLUMNS
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Summary"] == "[UAT Fail] REQ-1.AC-2 下单后显示合计" and row["Component"] == "'=1+1"
    assert ACTUAL in row["Description"]
    assert all(c.data_type != "f" for r in book.active.iter_rows() for c in r)


@SOFFICE
def test_libreoffice_opens_the_zentao_workbook_with_chinese_intact(tmp_path: Path) -> None:
    path = tmp_path / "defects-zentao.xlsx"
    path.write_bytes(
        zentao_xlsx([_defect(title="=下单后显示合计")], DefectsConfig(zentao_product="订单管理(#1)"))
    )
    book = openpyxl.load_workbook(convert_with_libreoffice(path, tmp_path / "lo"))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert tuple(rows[0]) == ZENTAO_COLUMNS
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["所属产品"] == "订单管理(#1)" and row["Bug标题"] == "[UAT Fail] REQ-1.AC-2 =下单后显示合计"
    assert f"测试人：{TESTER}" in row["重现步骤"] and row["影响版本"] == "主干(#trunk)"
    assert all(c.data_type != "f" for r in book.active.iter_rows() for c in r)


def test_the_groups_options_hold_for_the_command_after_it(failing: Path) -> None:
    result = runner.invoke(
        app, ["defects", "-C", str(failing), "--release", "R2", "export", "--to", "jira-csv"]
    )
    assert result.exit_code == 0, result.output
    assert "1 defect for Jira (CSV)" in result.stdout
    assert [row[0] for row in jira_rows(failing / "reports" / "defects-jira.csv")[1:]] == [
        "[integration failed] REQ-1.AC-1 An order is confirmed"
    ]


def test_a_uat_failure_links_the_uat_result_uatkit_wrote_for_its_mark(failing: Path) -> None:
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Label, TestResult

    from uatkit.allure.mapping import stable_test_case_id

    logger: Any = AllureFileLogger(str(failing / "reports" / "uat-results"))
    history = stable_test_case_id("REQ-1.AC-2", "uat")
    logger.report_result(
        TestResult(uuid="uat-result-1", historyId=history, name="AC-2 [uat]", status="failed",
                   labels=[Label("case", "REQ-1.AC-2"), Label("layer", "uat")], start=1, stop=1)
    )  # fmt: skip
    (uat,) = [d for d in listed(failing)["defects"] if d["level"] == "uat"]
    assert uat["result_uuid"] == "uat-result-1"
    assert (
        uat["allure_link"] == "reports/allure-report/index.html#" + hashlib.md5(b"uat-result-1").hexdigest()
    )
