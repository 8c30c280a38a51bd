"""The UAT round trip as users run it: export packs, fill them as business users, import, follow progress."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.conftest import write
from uatkit.cli import app
from uatkit.uat import layout

runner = CliRunner()
TODAY = dt.date.today()

STORY_EN = """
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

## AC-2 Quantities must be positive
Given a customer "ACME" exists
When I place an order for <quantity> "Widget"
Then the order is rejected

| quantity |
|---|
| 0 |
| -1 |
"""

STORY_ZH = """
---
id: REQ-2
module: Reporting
priority: should
owner: 财务部
language: zh-CN
---
# 销售报表

## AC-1 报表容易阅读
报表列出每天的订单数和销售额，业务人员不需要帮助就能看懂。
"""


@pytest.fixture
def uat_project(project: Path) -> Path:
    """Return a project with an English must story and a Chinese manual one, features generated."""
    write(project / "stories" / "REQ-1.md", STORY_EN)
    write(project / "stories" / "REQ-2.md", STORY_ZH)
    invoke(project, "generate")
    return project


def invoke(project: Path, *args: str, code: int = 0) -> Any:
    """Run a uatkit command on the project and check its exit code."""
    result = runner.invoke(app, [args[0], "--project", str(project), *args[1:]])
    assert result.exit_code == code, result.output
    return result


def uat(project: Path, *args: str, code: int = 0) -> Any:
    """Run `uatkit uat …` on the project and check its exit code."""
    result = runner.invoke(app, ["uat", args[0], "--project", str(project), *args[1:]])
    assert result.exit_code == code, result.output + (str(result.exception) if result.exception else "")
    return result


def fill(path: Path, marks: dict[str, dict[str, Any]], signoff: dict[str, Any] | None = None) -> None:
    """Fill a pack as a business user does in Excel: inputs by column header, dates as real dates."""
    workbook = load_workbook(path)
    sheets = {layout.sheet_keys_by_name().get(name): workbook[name] for name in workbook.sheetnames}
    sheet = sheets["cases"]
    columns = {layout.column_keys_by_label()[str(c.value).casefold()]: c.column for c in sheet[1] if c.value}
    for row in range(2, sheet.max_row + 1):
        key = sheet.cell(row, columns["case"]).value
        for field, value in marks.get(str(key), {}).items():
            sheet.cell(row, columns[field]).value = value
    if signoff:
        sign = next(
            workbook[n] for n in workbook.sheetnames if layout.sheet_keys_by_name().get(n) == "signoff"
        )
        for offset, field in enumerate(layout.SIGNOFF_FIELDS):
            if field.key in signoff:
                sign.cell(layout.SIGNOFF_FIRST_ROW + offset, 2).value = signoff[field.key]
    workbook.save(path)


def passed(tester: str = "Li Wei", date: dt.date = TODAY) -> dict[str, Any]:
    return {"status": "Pass", "tester": tester, "date": date}


def status_json(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(uat(project, "status", "--format", "json").stdout)
    return data


def test_export_fill_import_and_status(uat_project: Path) -> None:
    result = uat(uat_project, "export", "--release", "R1")
    packs = sorted((uat_project / "uat_packs" / "R1").glob("*.xlsx"))
    assert [p.name for p in packs] == ["R1-reporting.xlsx", "R1-sales.xlsx"]
    assert "R1-sales" in result.output
    sales = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(
        sales,
        {
            "REQ-1.AC-1": passed(),
            "REQ-1.AC-2#1": {"status": "Fail", "tester": "Li Wei", "date": TODAY, "actual": "accepted 0"},
            "REQ-1.AC-2#2": {"status": "Blocked", "tester": "Li Wei", "date": TODAY, "comments": "no data"},
        },
        {"decision": "Rejected", "name": "Ann Lee", "date": TODAY},
    )
    reporting = uat_project / "uat_packs" / "R1" / "R1-reporting.xlsx"
    fill(reporting, {"REQ-2.AC-1": {"status": "通过", "tester": "王芳", "date": "2026年1月5日"}})

    result = uat(uat_project, "import", str(uat_project / "uat_packs" / "R1"))
    assert "imported" in result.output
    results = list((uat_project / "reports" / "uat-results").glob("*-result.json"))
    statuses = sorted(json.loads(p.read_text(encoding="utf-8"))["status"] for p in results)
    assert statuses == ["broken", "failed", "passed", "passed"]

    data = status_json(uat_project)
    by_pack = {row["pack"]: row for row in data["packs"]}
    # The blocked case could not be executed: 2 of 3 executed, 1 blocked, none "not run".
    sales = by_pack["R1-sales"]
    assert (sales["cases"], sales["executed"], sales["blocked"], sales["not_run"]) == (3, 2, 1, 0)
    assert (by_pack["R1-sales"]["pass"], by_pack["R1-sales"]["fail"], by_pack["R1-sales"]["blocked"]) == (
        1,
        1,
        1,
    )
    assert by_pack["R1-reporting"]["pass"] == 1

    again = uat(uat_project, "import", str(uat_project / "uat_packs" / "R1"))
    assert "already" in again.output
    assert status_json(uat_project) == data


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_pack_saved_by_libreoffice_imports_the_same(uat_project: Path, tmp_path: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed(), "REQ-1.AC-2#1": passed(), "REQ-1.AC-2#2": passed("Ann")})
    returned = tmp_path / "returned"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "xlsx",
         "--outdir", str(returned), str(sales)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    saved = returned / "R1-sales.xlsx"
    assert saved.read_bytes() != sales.read_bytes()
    workbook = load_workbook(saved)
    assert workbook["_uatkit"].sheet_state in ("hidden", "veryHidden")

    result = uat(uat_project, "import", str(saved))
    assert "imported" in result.output and "warning" not in result.output
    data = status_json(uat_project)
    assert {row["pack"]: (row["executed"], row["pass"]) for row in data["packs"]}["R1-sales"] == (3, 3)
    testers = {row["tester"] for row in data["testers"]}
    assert testers == {"Li Wei", "Ann"}


def test_changed_scenarios_go_back_to_not_run_and_marks_carry_forward(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed(), "REQ-1.AC-2#1": passed(), "REQ-1.AC-2#2": passed()})
    uat(uat_project, "import", str(sales))
    story = uat_project / "stories" / "REQ-1.md"
    story.write_text(story.read_text(encoding="utf-8").replace("29.97", "32.97"), encoding="utf-8")
    invoke(uat_project, "generate")

    assert status_json(uat_project)["packs"][-1]["stale"] >= 1
    result = uat(uat_project, "export", "--release", "R1")
    assert "R1-sales" in result.output
    workbook = load_workbook(sales)
    sheet = workbook[layout.SHEET_LABELS["cases"]["en"]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    status_col = [c.key for c in layout.COLUMNS].index("status")
    comments_col = [c.key for c in layout.COLUMNS].index("comments")
    assert rows["REQ-1.AC-1"][status_col].value == "Not run"
    assert "changed" in str(rows["REQ-1.AC-1"][comments_col].value)
    assert rows["REQ-1.AC-2#1"][status_col].value == "Pass"

    again = uat(uat_project, "import", str(sales))
    assert "imported" in again.output
    sales_row = next(r for r in status_json(uat_project)["packs"] if r["pack"] == "R1-sales")
    assert (sales_row["executed"], sales_row["pass"]) == (2, 2)


def test_two_packs_that_disagree_on_a_day_are_a_conflict(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    uat(uat_project, "export", "--release", "R1b", "--by", "owner")
    first = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    second = uat_project / "uat_packs" / "R1b" / "R1b-sales-operations.xlsx"
    fill(first, {"REQ-1.AC-1": passed()})
    fill(second, {"REQ-1.AC-1": {"status": "Fail", "tester": "Ann", "date": TODAY, "actual": "wrong total"}})
    result = uat(uat_project, "import", str(first), str(second))
    assert "conflict" in result.output and "REQ-1.AC-1" in result.output
    data = status_json(uat_project)
    assert sum(row["conflicts"] for row in data["packs"]) == 2
    assert all(row["pass"] == 0 and row["fail"] == 0 for row in data["packs"])


def test_a_bad_file_fails_alone_and_the_exit_code_says_so(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    folder = uat_project / "uat_packs" / "R1"
    fill(folder / "R1-sales.xlsx", {"REQ-1.AC-1": {"status": "Passed", "tester": "Li", "date": TODAY}})
    fill(folder / "R1-reporting.xlsx", {"REQ-2.AC-1": passed()})
    (folder / "notes.xlsx").write_text("not a workbook", encoding="utf-8")
    result = uat(uat_project, "import", str(folder), code=2)
    assert "notes.xlsx" in result.output and "R1-sales.xlsx › Test cases › J2" in result.output
    data = status_json(uat_project)
    assert {row["pack"]: row["executed"] for row in data["packs"]} == {"R1-reporting": 1, "R1-sales": 0}


def test_export_never_overwrites_marks_not_yet_imported(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed()})
    result = uat(uat_project, "export", "--release", "R1", code=2)
    assert "not in the ledger" in result.output and "uatkit uat import" in result.output
    result = uat(uat_project, "export", "--release", "R1", "--force")
    kept = list((uat_project / "reports" / "replaced-packs").glob("R1-sales.*.xlsx"))
    assert len(kept) == 1 and "kept the replaced pack" in result.output
