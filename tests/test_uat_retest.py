"""Re-test rounds as users run them: export, fill, import, then `uat export --retest` issues what is due."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import write
from tests.test_uat_roundtrip import STORY_ZH, fill, invoke, status_json, uat
from uatkit.uat import layout

TODAY = dt.date.today()
EARLIER = TODAY - dt.timedelta(days=2)

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

## AC-2 A discount applies
Given a customer "ACME" exists
When I place an order for 10 "Widget"
Then the order total is 89.91

## AC-3 An invoice is sent
Given a customer "ACME" exists
When I place an order for 1 "Widget"
Then an invoice is sent to ACME

## AC-4 A receipt is printed
Given a customer "ACME" exists
When I place an order for 2 "Widget"
Then a receipt is printed

## AC-5 Stock goes down
Given a customer "ACME" exists
When I place an order for 4 "Widget"
Then the stock of "Widget" goes down by 4
"""

CR = """---
id: CR-1
title: Discounts from 5 widgets
changes: [REQ-1]
reason: The client's price list changed.
requested_by: Ann Lee
requested_on: {day}
status: approved
decided_by: Ann Lee
decided_on: {day}
---
Discounts start at 5 widgets instead of 10.
"""


@pytest.fixture
def project_r1(project: Path) -> Path:
    """Return a project with a five-criterion English story and a Chinese one, its R1 packs exported."""
    write(project / "stories" / "REQ-1.md", STORY)
    write(project / "stories" / "REQ-2.md", STORY_ZH)
    invoke(project, "generate")
    uat(project, "export", "--release", "R1")
    return project


def mark(status: str, tester: str = "Li Wei", date: dt.date = EARLIER, **more: Any) -> dict[str, Any]:
    return {"status": status, "tester": tester, "date": date, **more}


def rows_of(path: Path) -> dict[str, dict[str, Any]]:
    """Return a pack's Test cases rows by case ID, each cell by column key (any language's header)."""
    workbook = load_workbook(path)
    sheet = next(workbook[n] for n in workbook.sheetnames if layout.sheet_keys_by_name().get(n) == "cases")
    keys = layout.column_keys_by_label()
    columns = {keys[str(c.value).casefold()]: c.column for c in sheet[layout.HEADER_ROW]}
    rows = {}
    for row in range(layout.HEADER_ROW + 1, sheet.max_row + 1):
        cells = {key: sheet.cell(row, column) for key, column in columns.items()}
        rows[str(cells["case"].value)] = {key: cell.value for key, cell in cells.items()} | {
            "_locked": {key: cell.protection.locked for key, cell in cells.items()}
        }
    return rows


def first_round(project: Path) -> Path:
    """Fill and import R1-sales: a pass, a fail, a blocked, one left empty, a pass whose scenario changes."""
    sales = project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(
        sales,
        {
            "REQ-1.AC-1": mark("Pass"),
            "REQ-1.AC-2": mark("Fail", actual="no discount"),
            "REQ-1.AC-3": mark("Blocked", tester="Ann", comments="mail server down"),
            "REQ-1.AC-5": mark("Pass"),
        },
    )
    uat(project, "import", str(sales))
    story = project / "stories" / "REQ-1.md"
    story.write_text(
        story.read_text(encoding="utf-8").replace("goes down by 4", "drops by 4"), encoding="utf-8"
    )
    invoke(project, "generate")
    return sales


def test_a_retest_round_holds_only_what_needs_testing_again_each_saying_why(project_r1: Path) -> None:
    first_round(project_r1)

    result = uat(project_r1, "export", "--release", "R1", "--retest", "--format", "json")
    report = json.loads(result.stdout)
    packs = {p["pack_id"]: p for p in report["packs"]}
    assert set(packs) == {"R1-sales-r2", "R1-reporting-r2"} and report["retest"] is True
    assert packs["R1-sales-r2"]["round"] == 2
    assert packs["R1-sales-r2"]["reasons"] == {"fail": 1, "blocked": 1, "not-run": 1, "stale": 1}

    folder = project_r1 / "uat_packs" / "R1"
    rows = rows_of(folder / "R1-sales-r2.xlsx")
    assert list(rows) == ["REQ-1.AC-2", "REQ-1.AC-3", "REQ-1.AC-4", "REQ-1.AC-5"]
    assert {key: row["retest"] for key, row in rows.items()} == {
        "REQ-1.AC-2": "Failed last time",
        "REQ-1.AC-3": "Blocked last time",
        "REQ-1.AC-4": "Not yet run",
        "REQ-1.AC-5": "Scenario changed since the last mark",
    }
    assert rows["REQ-1.AC-2"]["previous"] == f"Fail · Li Wei · {EARLIER.isoformat()}"
    assert rows["REQ-1.AC-3"]["previous"] == f"Blocked · Ann · {EARLIER.isoformat()}"
    assert rows["REQ-1.AC-4"]["previous"] == "(none)"
    # The tester starts afresh: the earlier mark is shown read-only, the inputs are empty.
    for row in rows.values():
        assert (row["status"], row["tester"], row["date"], row["actual"]) == ("Not run", None, None, None)
        assert row["_locked"]["retest"] and row["_locked"]["previous"] and not row["_locked"]["status"]
    zh = rows_of(folder / "R1-reporting-r2.xlsx")
    assert zh["REQ-2.AC-1"]["retest"] == "尚未执行" and zh["REQ-2.AC-1"]["previous"] == "（无）"

    fill(folder / "R1-sales-r2.xlsx", {key: mark("Pass", date=TODAY) for key in rows})
    imported = uat(project_r1, "import", str(folder / "R1-sales-r2.xlsx"))
    assert "imported" in imported.output

    data = status_json(project_r1)
    by_pack = {row["pack"]: row for row in data["packs"]}
    assert (by_pack["R1-sales"]["round"], by_pack["R1-sales-r2"]["round"]) == (1, 2)
    assert (by_pack["R1-sales-r2"]["cases"], by_pack["R1-sales-r2"]["pass"]) == (4, 4)
    # Every Sales case now passed on its current scenario: the first pack counts them too.
    assert (by_pack["R1-sales"]["pass"], by_pack["R1-sales"]["stale"]) == (5, 0)
    assert "by pack" in uat(project_r1, "status").output

    # The next round holds only what is still due: the Chinese pack's case, in round 3.
    again = json.loads(uat(project_r1, "export", "--release", "R1", "--retest", "--format", "json").stdout)
    assert [(p["pack_id"], p["cases"]) for p in again["packs"]] == [("R1-reporting-r3", 1)]


def test_nothing_to_retest_writes_no_pack_and_says_so(project_r1: Path) -> None:
    folder = project_r1 / "uat_packs" / "R1"
    fill(folder / "R1-sales.xlsx", {f"REQ-1.AC-{n}": mark("Pass") for n in range(1, 6)})
    fill(folder / "R1-reporting.xlsx", {"REQ-2.AC-1": mark("N/A", tester="王芳")})
    uat(project_r1, "import", str(folder))
    before = sorted(p.name for p in folder.iterdir())

    result = uat(project_r1, "export", "--release", "R1", "--retest")
    assert "nothing to re-test" in result.output
    assert sorted(p.name for p in folder.iterdir()) == before


def test_an_approved_change_request_sends_its_requirement_again(project_r1: Path) -> None:
    folder = project_r1 / "uat_packs" / "R1"
    fill(folder / "R1-sales.xlsx", {f"REQ-1.AC-{n}": mark("Pass") for n in range(1, 6)})
    fill(folder / "R1-reporting.xlsx", {"REQ-2.AC-1": mark("Pass", tester="王芳")})
    uat(project_r1, "import", str(folder))
    # Decided after the packs were issued (the next day): every REQ-1 row goes out again.
    write(project_r1 / "changes" / "CR-1.md", CR.format(day=(TODAY + dt.timedelta(days=1)).isoformat()))

    result = uat(project_r1, "export", "--release", "R1", "--retest", "--by", "owner", "--lang", "zh-CN")
    assert "1 re-test UAT packs for R1" in result.output
    rows = rows_of(folder / "R1-sales-operations-r2.xlsx")
    assert len(rows) == 5 and {row["retest"] for row in rows.values()} == {"变更请求 CR-1 已更改需求"}
    assert rows["REQ-1.AC-1"]["previous"] == f"通过 · Li Wei · {EARLIER.isoformat()}"
    assert not (folder / "R1-财务部-r2.xlsx").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_retest_pack_renders_for_print(project_r1: Path, tmp_path: Path) -> None:
    first_round(project_r1)
    uat(project_r1, "export", "--release", "R1", "--retest")
    pack = project_r1 / "uat_packs" / "R1" / "R1-sales-r2.xlsx"
    out = Path(__file__).parent.parent / "reports" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(pack)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "R1-sales-r2.pdf"
    assert pdf.stat().st_size > 0
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), str(out / "uat-retest-pack")], check=True, timeout=120
        )
        assert list(out.glob("uat-retest-pack*.png"))


def signoff_json(project: Path) -> dict[str, Any]:
    """Return the project's sign-off verdict as JSON (whatever the verdict is)."""
    from tests.test_uat_roundtrip import runner
    from uatkit.cli import app

    done = runner.invoke(app, ["signoff", "--project", str(project), "--no-write", "--format", "json"])
    assert done.exit_code in (0, 1), done.output
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def packs_gate(project: Path) -> dict[str, Any]:
    """Return the packs_signed gate of the project's sign-off verdict."""
    gates = signoff_json(project)["gates"]
    return next(g for g in gates if g["rule"] == "packs_signed")


def test_a_retest_round_signed_accepted_settles_the_first_rounds_conditions(project_r1: Path) -> None:
    sales = project_r1 / "uat_packs" / "R1" / "R1-sales.xlsx"
    conditions = {
        "decision": "Accepted with conditions",
        "conditions": "fix AC-2",
        "name": "Ann",
        "date": EARLIER,
    }
    marks = {f"REQ-1.AC-{n}": mark("Pass") for n in range(1, 6)}
    fill(sales, {**marks, "REQ-1.AC-2": mark("Fail", actual="no discount")}, conditions)
    uat(project_r1, "import", str(sales))
    before = packs_gate(project_r1)
    assert not before["passed"] and 'R1-sales accepted with conditions: "fix AC-2"' in before["reason"]

    uat(project_r1, "export", "--release", "R1", "--retest", "--by", "module")
    retest = project_r1 / "uat_packs" / "R1" / "R1-sales-r2.xlsx"
    accepted = {"decision": "Accepted", "name": "Ann", "date": TODAY}
    fill(retest, {"REQ-1.AC-2": mark("Pass", date=TODAY)}, accepted)
    uat(project_r1, "import", str(retest))
    after = packs_gate(project_r1)
    verdict = signoff_json(project_r1)
    assert not any("R1-sales accepted with conditions" in c for c in verdict["conditions"])
    # The owner's latest decision on the Sales group is round 2's; round 1's conditions are settled by it.
    assert "R1-sales accepted with conditions" not in after["reason"]
    assert after["reason"] == (
        "1 of 2 UAT packs not Accepted: R1-reporting-r2 not signed off "
        "(earlier rounds decided by their re-test: R1-reporting, R1-sales)"
    )


def test_the_matrix_shows_each_packs_round(project_r1: Path) -> None:
    from tests.test_uat_roundtrip import runner
    from uatkit.cli import app

    first_round(project_r1)
    uat(project_r1, "export", "--release", "R1", "--retest")
    done = runner.invoke(app, ["trace", "--project", str(project_r1), "--format", "json"])
    assert done.exit_code in (0, 1), done.output
    packs = {p["pack"]: p for p in json.loads(done.stdout)["packs"]}
    assert (packs["R1-sales"]["round"], packs["R1-sales"]["superseded_by"]) == (1, "R1-sales-r2")
    assert (packs["R1-sales-r2"]["round"], packs["R1-sales-r2"]["superseded_by"]) == (2, "")
    page = (project_r1 / "reports" / "traceability.html").read_text(encoding="utf-8")
    assert "<td>1 (decided by R1-sales-r2)</td>" in page


def test_a_same_day_retest_is_the_current_mark_not_a_conflict(project_r1: Path) -> None:
    sales = project_r1 / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-2": mark("Fail", date=TODAY, actual="no discount")})
    uat(project_r1, "import", str(sales))
    uat(project_r1, "export", "--release", "R1", "--retest")
    retest = project_r1 / "uat_packs" / "R1" / "R1-sales-r2.xlsx"
    fill(retest, {"REQ-1.AC-2": mark("Pass", tester="Bo", date=TODAY)})  # fixed and re-tested the same day
    imported = uat(project_r1, "import", str(retest))
    assert "conflict" not in imported.output  # the import says what `uat status` shows
    data = status_json(project_r1)
    assert data["conflicts"] == [] and data["total"]["fail"] == 0 and data["total"]["pass"] == 1


def test_a_retest_pass_equal_to_a_corrected_mark_is_recorded_not_taken_as_seen(project_r1: Path) -> None:
    sales = project_r1 / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-2": mark("Pass", date=TODAY)})
    uat(project_r1, "import", str(sales))
    fill(sales, {"REQ-1.AC-2": mark("Fail", date=TODAY, actual="no discount")})  # the tester corrects it
    assert "corrected 1" in uat(project_r1, "import", str(sales)).output
    uat(project_r1, "export", "--release", "R1", "--retest")
    retest = project_r1 / "uat_packs" / "R1" / "R1-sales-r2.xlsx"
    # Fixed and re-tested: the same entries as the first mark the correction replaced, in another pack.
    fill(retest, {"REQ-1.AC-2": mark("Pass", date=TODAY)})
    imported = json.loads(uat(project_r1, "import", "--format", "json", str(retest)).output)["imported"]
    assert [(o["added"], o["unchanged"]) for o in imported] == [(1, 0)]
    data = status_json(project_r1)
    assert data["conflicts"] == [] and data["total"]["fail"] == 0 and data["total"]["pass"] == 1
