"""The client's own UAT template: a real Chinese spreadsheet built with openpyxl (a title row, merged cells,
its own status words), filled in as a tester does, imported through a mapping (dry run first), and filled
by `uat export --template`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Border, Font, PatternFill, Side
from typer.testing import CliRunner

from tests.conftest import write
from uatkit.cli import app
from uatkit.model import Decision, Status

runner = CliRunner()
TODAY = dt.date.today()
SHEET = "UAT测试记录"
HEADERS = ("序号", "用例编号", "测试场景", "测试结果", "实际结果", "测试人员", "测试日期", "备注")
#: Column letters of the client's template, by header.
COL = {header: chr(ord("A") + n) for n, header in enumerate(HEADERS)}

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

## AC-2 报表可以导出
报表可以导出为 Excel 文件，导出的数字与页面一致。
"""

MAPPING = """
# The client's UAT record (客户的 UAT 测试记录表)
name = "acme"
release = "R1"
sheet = "UAT测试记录"
find = ["用例编号", "测试结果"]

[columns]
case = "用例编号"
title = "测试场景"
status = "测试结果"
actual = "实际结果"
tester = "测试人员"
date = "测试日期"
comments = "备注"

[statuses]
"通过" = "Pass"
"不通过" = "Fail"
"阻塞" = "Blocked"
"不适用" = "N/A"
"""


def uat(project: Path, *args: str, code: int = 0) -> Any:
    """Run `uatkit uat …` on the project and check its exit code."""
    result = runner.invoke(app, ["uat", args[0], "--project", str(project), *args[1:]])
    assert result.exit_code == code, result.output + (str(result.exception) if result.exception else "")
    return result


@pytest.fixture
def uat_project(project: Path) -> Path:
    """Return a project with an English must story (with an outline) and a Chinese manual one, generated,
    and the client's mapping beside it."""
    write(project / "stories" / "REQ-1.md", STORY_EN)
    write(project / "stories" / "REQ-2.md", STORY_ZH)
    write(project / "acme-uat.toml", MAPPING)
    done = runner.invoke(app, ["generate", "--project", str(project)])
    assert done.exit_code == 0, done.output
    return project


def client_template(path: Path, rows: int = 12) -> Path:
    """Write the client's blank template: a merged title row, a project row, the header on row 3, numbered
    blank rows with borders, and an instructions sheet."""
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    sheet.title = SHEET
    sheet["A1"] = "某某公司订单系统 用户验收测试记录表"
    sheet["A1"].font = Font(bold=True, size=16)
    sheet.merge_cells("A1:H1")
    sheet["A2"] = "项目：订单系统"
    sheet.merge_cells("A2:D2")
    sheet["E2"] = "版本：R1"
    edge = Side(style="thin", color="000000")
    grid = Border(left=edge, right=edge, top=edge, bottom=edge)
    for n, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(3, n, header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", start_color="305496", end_color="305496")
        cell.border = grid
    for row in range(4, 4 + rows):
        sheet.cell(row, 1, row - 3).border = grid
        for n in range(2, len(HEADERS) + 1):
            sheet.cell(row, n).border = grid
    workbook.create_sheet("填写说明")["A1"] = "请在测试结果列填写：通过 / 不通过 / 阻塞 / 不适用"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def rows_by_case(path: Path) -> dict[str, int]:
    """Return the sheet row of each case ID the filled template holds."""
    sheet = openpyxl.load_workbook(path)[SHEET]
    return {
        str(sheet.cell(row, 2).value): row for row in range(4, sheet.max_row + 1) if sheet.cell(row, 2).value
    }


def fill(path: Path, cells: dict[str, Any]) -> Path:
    """Set cells ("D4": "通过") of the client's sheet as a tester does, and save."""
    workbook = openpyxl.load_workbook(path)
    for address, value in cells.items():
        workbook[SHEET][address] = value
    workbook.save(path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ledger_digest(path: Path) -> str:
    """Return the SHA-256 of the ledger file and of its write-ahead log, if one is left beside it."""
    wal = path.with_name(path.name + "-wal")
    return hashlib.sha256(path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).hexdigest()


def exported(project: Path) -> Path:
    """Return the client's template filled with the project's UAT cases by `uat export --template`."""
    blank = client_template(project / "client" / "客户UAT模板.xlsx")
    mapping = str(project / "acme-uat.toml")
    result = uat(project, "export", "--release", "R1", "--template", str(blank), "--mapping", mapping)
    path = project / "uat_packs" / "R1" / "R1-客户UAT模板.xlsx"
    assert "5 case(s) for R1 written to uat_packs/R1/R1-客户UAT模板.xlsx" in result.output
    return path


def filled_by_testers(path: Path, rows: dict[str, int]) -> Path:
    """Fill the exported template as the client's testers do: their words, real dates, one row by title."""
    return fill(
        path,
        {
            f"D{rows['REQ-1.AC-1']}": "通过",
            f"F{rows['REQ-1.AC-1']}": "王芳",
            f"G{rows['REQ-1.AC-1']}": TODAY,
            f"D{rows['REQ-2.AC-1']}": "不通过",
            f"E{rows['REQ-2.AC-1']}": "销售额没有千位分隔符",
            f"F{rows['REQ-2.AC-1']}": "李伟",
            f"G{rows['REQ-2.AC-1']}": TODAY.strftime("%Y年%m月%d日"),
            f"D{rows['REQ-2.AC-2']}": "阻塞",
            f"F{rows['REQ-2.AC-2']}": "李伟",
            f"G{rows['REQ-2.AC-2']}": TODAY,
            f"H{rows['REQ-2.AC-2']}": "测试环境无法导出",
            # This row names its case by its scenario title alone.
            f"B{rows['REQ-2.AC-2']}": None,
        },
    )


def test_the_clients_template_round_trips_dry_run_first(uat_project: Path) -> None:
    path = exported(uat_project)
    rows = rows_by_case(path)
    assert sorted(rows) == ["REQ-1.AC-1", "REQ-1.AC-2#1", "REQ-1.AC-2#2", "REQ-2.AC-1", "REQ-2.AC-2"]
    filled_by_testers(path, rows)
    ledger = uat_project / "reports" / "uat.db"
    mapping = str(uat_project / "acme-uat.toml")

    dry = uat(uat_project, "import", "--template", mapping, "--dry-run", str(path))
    assert not ledger.exists(), "a dry run creates no ledger"
    assert "would add" in dry.output and "dry run: nothing was recorded" in dry.output
    assert "would add 3 mark(s), 0 correction(s), 0 unchanged, 0 new conflict(s)" in dry.output
    data = json.loads(
        uat(uat_project, "import", "--template", mapping, "--dry-run", "--format", "json", str(path)).stdout
    )
    assert not ledger.exists()
    (only,) = data["templates"]
    assert only["pack_id"] == "R1-template-acme-r1-客户uat模板" and only["header_row"] == 3
    by_row = {row["row"]: row for row in only["rows"]}
    assert by_row[rows["REQ-2.AC-1"]] | {"date": ""} == {
        "row": rows["REQ-2.AC-1"],
        "case": "REQ-2.AC-1",
        "status": "Fail",
        "word": "不通过",
        "tester": "李伟",
        "date": "",
        "ledger": "new",
    }
    assert by_row[rows["REQ-2.AC-2"]]["case"] == "REQ-2.AC-2"  # found by its title
    assert only["signoff"] is None, "a mapping without [signoff] records no sign-off"

    done = uat(uat_project, "import", "--template", mapping, str(path))
    assert "added 3 mark(s)" in done.output
    status = json.loads(uat(uat_project, "status", "--format", "json").stdout)
    pack = next(p for p in status["packs"] if p["pack"] == "R1-template-acme-r1-客户uat模板")
    assert (pack["pass"], pack["fail"], pack["blocked"]) == (1, 1, 1)

    trace = runner.invoke(app, ["trace", "--project", str(uat_project), "--format", "json", "--no-write"])
    assert trace.exit_code in (0, 1), trace.output
    text = trace.stdout
    assert "R1-template-acme-r1-客户uat模板" in text and "李伟" in text and "王芳" in text

    # The ledger records where each mark came from: the client's file and the mapping, each by SHA-256.
    with closing(sqlite3.connect(ledger)) as conn:
        kind = conn.execute(
            "SELECT kind FROM packs WHERE pack_id = 'R1-template-acme-r1-客户uat模板'"
        ).fetchone()
        source = conn.execute(
            "SELECT imports.path, imports.sha256, mapping, mapping_sha256, sheet, header_row"
            " FROM template_imports JOIN imports ON imports.id = template_imports.import_id"
        ).fetchall()
    assert kind == ("template",)
    assert source == [
        (str(path), digest(path), "acme-uat.toml", digest(uat_project / "acme-uat.toml"), SHEET, 3)
    ]

    # The tester corrects a row and sends the file again: a dry run says so and leaves the ledger as it is.
    fill(path, {f"E{rows['REQ-2.AC-1']}": "销售额没有千位分隔符，合计也错了"})
    before = ledger_digest(ledger)
    again = uat(uat_project, "import", "--template", mapping, "--dry-run", "--format", "json", str(path))
    assert ledger_digest(ledger) == before, "a dry run leaves the ledger byte-identical"
    actions = {r["case"]: r["ledger"] for r in json.loads(again.stdout)["templates"][0]["rows"]}
    assert actions == {"REQ-1.AC-1": "unchanged", "REQ-2.AC-1": "correction", "REQ-2.AC-2": "unchanged"}
    uat(uat_project, "import", "--template", mapping, str(path))
    assert ledger_digest(ledger) != before
    status = json.loads(uat(uat_project, "status", "--format", "json").stdout)
    assert status["total"]["conflicts"] == 0 and status["total"]["fail"] == 1


def test_every_problem_is_located_at_its_cell_and_nothing_is_recorded(uat_project: Path) -> None:
    path = exported(uat_project)
    rows = rows_by_case(path)
    later = TODAY + dt.timedelta(days=10)
    fill(
        path,
        {
            # A status word the mapping does not know.
            f"D{rows['REQ-1.AC-1']}": "成功了",
            f"F{rows['REQ-1.AC-1']}": "王芳",
            f"G{rows['REQ-1.AC-1']}": TODAY,
            # A date in the future.
            f"D{rows['REQ-2.AC-1']}": "通过",
            f"F{rows['REQ-2.AC-1']}": "李伟",
            f"G{rows['REQ-2.AC-1']}": later,
            # A case ID the project does not have.
            f"B{rows['REQ-2.AC-2']}": "REQ-9.AC-1",
            f"D{rows['REQ-2.AC-2']}": "通过",
            f"F{rows['REQ-2.AC-2']}": "李伟",
            f"G{rows['REQ-2.AC-2']}": TODAY,
            # A title two scenarios share (an outline's rows), without its case ID.
            f"B{rows['REQ-1.AC-2#1']}": None,
            f"D{rows['REQ-1.AC-2#1']}": "通过",
            f"F{rows['REQ-1.AC-2#1']}": "王芳",
            f"G{rows['REQ-1.AC-2#1']}": TODAY,
        },
    )
    ledger = uat_project / "reports" / "uat.db"
    mapping = str(uat_project / "acme-uat.toml")
    result = uat(uat_project, "import", "--template", mapping, "--dry-run", str(path), code=2)
    where = f"{path} › {SHEET} › "
    output = result.output
    assert (
        f"{where}D{rows['REQ-1.AC-1']}: unknown status '成功了'; write one of: 通过, 不通过, 阻塞, 不适用, "
        "未执行" in output
    )
    assert f"{where}G{rows['REQ-2.AC-1']}: {later.isoformat()} is in the future" in output
    assert f"{where}B{rows['REQ-2.AC-2']}: case 'REQ-9.AC-1' is not in the project" in output
    assert (
        f"{where}C{rows['REQ-1.AC-2#1']}: the title 'AC-2 Quantities must be positive' is ambiguous: "
        "2 scenarios have it (REQ-1.AC-2#1, REQ-1.AC-2#2)"
    ) in output
    assert "? REQ-9.AC-1" in output and "would not be imported" in output
    assert not ledger.exists()

    # The real import refuses the file as a whole: a ledger that existed stays byte-identical.
    uat(uat_project, "export", "--release", "R1")
    before = ledger_digest(ledger)
    uat(uat_project, "import", "--template", mapping, str(path), code=2)
    assert ledger_digest(ledger) == before


def test_a_uatkit_pack_is_refused_as_a_template_even_without_its_metadata_sheet(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    pack = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    mapping = str(uat_project / "acme-uat.toml")
    result = uat(uat_project, "import", "--template", mapping, str(pack), code=2)
    assert "this is a uatkit UAT pack, not a client's own template" in result.output
    workbook = openpyxl.load_workbook(pack)
    del workbook["_uatkit"]
    stripped = uat_project / "returned" / "R1-sales.xlsx"
    stripped.parent.mkdir()
    workbook.save(stripped)
    result = uat(uat_project, "import", "--template", mapping, str(stripped), code=2)
    assert "this is a uatkit UAT pack" in result.output


def test_a_bad_mapping_is_refused_at_its_lines(uat_project: Path) -> None:
    bad = write(
        uat_project / "bad.toml",
        """
        release = "R1"
        colour = "blue"
        [columns]
        status = { header = "测试结果", column = "D" }
        [statuses]
        "通过" = "passed"
        """,
    )
    blank = client_template(uat_project / "client.xlsx")
    result = uat(uat_project, "import", "--template", str(bad), str(blank), code=2)
    assert f"{bad}:2: the file's top level: unknown key(s) colour" in result.output
    assert f"{bad}:4: columns.status must name exactly one of header, column or regex" in result.output
    assert f"{bad}:6: statuses.\"通过\" = 'passed' is not one of Not run | Pass | Fail | Blocked | N/A" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_export_never_replaces_a_filled_template_without_saying_so(uat_project: Path) -> None:
    path = exported(uat_project)
    fill(path, {"D4": "通过"})
    blank = uat_project / "client" / "客户UAT模板.xlsx"
    mapping = str(uat_project / "acme-uat.toml")
    args = ("export", "--release", "R1", "--template", str(blank), "--mapping", mapping)
    refused = uat(uat_project, *args, code=2)
    assert "already exists" in refused.output and "--force" in refused.output
    assert openpyxl.load_workbook(path)[SHEET]["D4"].value == "通过"
    forced = uat(uat_project, *args, "--force")
    assert "the file it replaced is kept as reports/replaced-packs/" in forced.output
    kept = next((uat_project / "reports" / "replaced-packs").glob("R1-客户UAT模板.*.xlsx"))
    assert openpyxl.load_workbook(kept)[SHEET]["D4"].value == "通过"
    assert openpyxl.load_workbook(path)[SHEET]["D4"].value is None


def test_export_keeps_the_clients_layout_and_writes_text_not_formulas(uat_project: Path) -> None:
    write(
        uat_project / "stories" / "REQ-3.md",
        """
        ---
        id: REQ-3
        module: Sales
        priority: must
        ---
        # Formulas stay text

        ## AC-1 =HYPERLINK("http://example.com")
        Given a customer "ACME" exists
        Then the order total is 0
        """,
    )
    assert runner.invoke(app, ["generate", "--project", str(uat_project)]).exit_code == 0
    blank = client_template(uat_project / "client" / "客户UAT模板.xlsx", rows=3)
    # No mapping: the usual headers and the first sheet.
    result = uat(uat_project, "export", "--release", "R1", "--template", str(blank))
    path = uat_project / "uat_packs" / "R1" / "R1-客户UAT模板.xlsx"
    assert "case → B, title → C, status → D" in result.output
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[SHEET]
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A1:H1", "A2:D2"]
    assert sheet["A1"].value == "某某公司订单系统 用户验收测试记录表" and sheet["A1"].font.b
    assert sheet["B3"].fill.start_color.rgb == "00305496"
    assert workbook.sheetnames == [SHEET, "填写说明"]
    formula = next(r for r in range(4, sheet.max_row + 1) if sheet.cell(r, 2).value == "REQ-3.AC-1")
    assert sheet.cell(formula, 3).data_type == "s"
    assert sheet.cell(formula, 3).value == 'AC-1 =HYPERLINK("http://example.com")'
    with zipfile.ZipFile(path) as package:
        assert "<f>" not in package.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # Rows past the template's numbered ones take the style of its first blank row.
    last = sheet.max_row
    assert last == 3 + 6 and sheet.cell(last, 2).border.left.style == "thin"
    validations = [str(v.sqref) for v in sheet.data_validations.dataValidation]
    assert validations == [f"D4:D{last}"]


def test_a_template_filled_too_far_is_refused_at_the_cell_in_the_way(uat_project: Path) -> None:
    blank = client_template(uat_project / "client" / "客户UAT模板.xlsx", rows=2)
    fill(blank, {"B6": "签字：", "A7": "日期："})
    workbook = openpyxl.load_workbook(blank)
    workbook[SHEET].merge_cells("C7:E7")
    workbook.save(blank)
    mapping = str(uat_project / "acme-uat.toml")
    result = uat(
        uat_project, "export", "--release", "R1", "--template", str(blank), "--mapping", mapping, code=2
    )
    assert f"{blank} › {SHEET} › B6: the template's cell holds '签字：', where a case goes" in result.output
    assert f"{blank} › {SHEET} › C7: the template's cell is part of merged cells" in result.output
    assert not (uat_project / "uat_packs" / "R1" / "R1-客户UAT模板.xlsx").exists()


def test_columns_by_letter_and_regex_and_the_header_row_found(uat_project: Path) -> None:
    path = exported(uat_project)
    rows = rows_by_case(path)
    fill(
        path,
        {f"D{rows['REQ-1.AC-1']}": "pass", f"F{rows['REQ-1.AC-1']}": "Ann", f"G{rows['REQ-1.AC-1']}": TODAY},
    )
    mapping = write(
        uat_project / "letters.toml",
        """
        release = "R1"
        [columns]
        case = { column = "B" }
        status = { regex = "测试结果|Status" }
        tester = { regex = "^测试人" }
        date = "测试日期"
        """,
    )
    data = json.loads(
        uat(
            uat_project, "import", "--template", str(mapping), "--dry-run", "--format", "json", str(path)
        ).stdout
    )
    (only,) = data["templates"]
    assert only["header_row"] == 3 and only["problems"] == []
    assert [(r["case"], r["status"], r["ledger"]) for r in only["rows"]] == [("REQ-1.AC-1", "Pass", "new")]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_an_exported_template_opens_in_libreoffice(uat_project: Path, tmp_path: Path) -> None:
    path = exported(uat_project)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "R1-客户UAT模板.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


def test_two_testers_disagreeing_in_two_files_is_a_conflict_the_dry_run_shows(uat_project: Path) -> None:
    path = exported(uat_project)
    rows = rows_by_case(path)
    row = rows["REQ-2.AC-1"]
    mapping = str(uat_project / "acme-uat.toml")
    fill(path, {f"D{row}": "通过", f"F{row}": "李伟", f"G{row}": TODAY})
    uat(uat_project, "import", "--template", mapping, str(path))
    other = path.with_name("R1-客户UAT模板-王芳.xlsx")
    shutil.copy(path, other)
    fill(other, {f"D{row}": "不通过", f"E{row}": "合计错误", f"F{row}": "王芳"})
    dry = uat(uat_project, "import", "--template", mapping, "--dry-run", "--format", "json", str(other))
    (only,) = json.loads(dry.stdout)["templates"]
    assert [(r["case"], r["ledger"]) for r in only["rows"]] == [("REQ-2.AC-1", "conflict")]
    assert only["conflicts"] == ["REQ-2.AC-1"]
    uat(uat_project, "import", "--template", mapping, str(other))
    status = json.loads(uat(uat_project, "status", "--format", "json").stdout)
    assert status["total"]["conflicts"] == 1


def test_a_dry_run_on_an_older_ledger_migrates_only_its_copy(uat_project: Path) -> None:
    from uatkit.uat.ledger_schema import MIGRATIONS, SCHEMA_VERSION

    ledger = uat_project / "reports" / "uat.db"
    ledger.parent.mkdir(parents=True)
    with closing(sqlite3.connect(ledger)) as conn:
        for migration in MIGRATIONS[: SCHEMA_VERSION - 1]:
            conn.executescript(migration)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1:d}")
    before = ledger_digest(ledger)
    path = exported(uat_project)
    rows = rows_by_case(path)
    fill(
        path,
        {f"D{rows['REQ-1.AC-1']}": "通过", f"F{rows['REQ-1.AC-1']}": "王芳", f"G{rows['REQ-1.AC-1']}": TODAY},
    )
    result = uat(
        uat_project, "import", "--template", str(uat_project / "acme-uat.toml"), "--dry-run", str(path)
    )
    assert "would add 1 mark(s)" in result.output
    assert ledger_digest(ledger) == before
    assert sorted(p.name for p in ledger.parent.iterdir()) == ["uat.db"], "no backup, no log left"


def test_the_documented_mapping_is_valid(tmp_path: Path) -> None:
    from tests.conftest import REPO
    from uatkit.uat.template_mapping import load_mapping

    section = (REPO / "docs" / "uat.md").read_text(encoding="utf-8").split("## The client's own template")[1]
    example = write(tmp_path / "acme-uat.toml", section.split("```toml\n")[1].split("```")[0])
    mapping = load_mapping(example)
    assert mapping.name == "acme" and mapping.status("不通过") is Status.FAIL
    assert mapping.columns["defect"].column == "I"
    assert mapping.signoff is not None and mapping.signoff.decision == "C18"
    assert mapping.decision("同意验收") is Decision.ACCEPTED and mapping.decision("有条件通过") is (
        Decision.WITH_CONDITIONS
    )


SIGNOFF = """
[signoff]
decision = "C18"
name = "C19"
date = "G19"
conditions = "C20"
"""


def signoff_block(path: Path, decision: Any, name: Any, date: Any, conditions: Any = None) -> Path:
    """Write the client's sign-off block under the test rows, as its template lays it out (labels in A and
    E, the values in merged cells; the date in the test date column)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[SHEET]
    for cell, value in {"A18": "验收结论", "A19": "签字人", "E19": "日期", "A20": "附加条件"}.items():
        sheet[cell] = value
    sheet.merge_cells("C18:H18")
    sheet.merge_cells("C20:H20")
    for cell, value in {"C18": decision, "C19": name, "G19": date, "C20": conditions}.items():
        sheet[cell] = value
    workbook.save(path)
    return path


def test_a_signed_off_client_template_accepts_its_requirement(uat_project: Path) -> None:
    write(uat_project / "acme-uat.toml", MAPPING + SIGNOFF)
    path = exported(uat_project)
    rows = rows_by_case(path)
    fill(
        path,
        {
            **{f"D{rows[key]}": "通过" for key in ("REQ-2.AC-1", "REQ-2.AC-2")},
            **{f"F{rows[key]}": "李伟" for key in ("REQ-2.AC-1", "REQ-2.AC-2")},
            **{f"G{rows[key]}": TODAY for key in ("REQ-2.AC-1", "REQ-2.AC-2")},
        },
    )
    signoff_block(path, "验收通过", "张敏", TODAY)
    mapping = str(uat_project / "acme-uat.toml")
    pack = "R1-template-acme-r1-客户uat模板"

    dry = uat(uat_project, "import", "--template", mapping, "--dry-run", str(path))
    assert f"would record the sign-off of pack {pack}: Accepted by 张敏 on {TODAY.isoformat()}" in dry.output
    assert "would add 2 mark(s)" in dry.output, "the sign-off block's rows are no test rows"
    assert not (uat_project / "reports" / "uat.db").exists()

    done = json.loads(uat(uat_project, "import", "--template", mapping, "--format", "json", str(path)).stdout)
    assert done["templates"][0]["signoff"] == {
        "decision": "Accepted",
        "name": "张敏",
        "date": TODAY.isoformat(),
        "conditions": "",
    }
    with closing(sqlite3.connect(uat_project / "reports" / "uat.db")) as conn:
        recorded = conn.execute("SELECT pack_id, decision, name, signed_on FROM signoffs").fetchall()
    assert recorded == [(pack, "Accepted", "张敏", TODAY.isoformat())]

    status = json.loads(uat(uat_project, "status", "--format", "json").stdout)
    signed = next(p for p in status["packs"] if p["pack"] == pack)
    assert signed["signoff"] == "Accepted"
    trace = runner.invoke(app, ["trace", "--project", str(uat_project), "--format", "json", "--no-write"])
    assert trace.exit_code in (0, 1), trace.output
    requirement = next(r for r in json.loads(trace.stdout)["requirements"] if r["id"] == "REQ-2")
    assert requirement["status"] == "ACCEPTED"


def test_a_bad_sign_off_block_is_located_at_its_cells(uat_project: Path) -> None:
    write(uat_project / "acme-uat.toml", MAPPING + SIGNOFF)
    path = exported(uat_project)
    rows = rows_by_case(path)
    fill(
        path,
        {f"D{rows['REQ-2.AC-1']}": "通过", f"F{rows['REQ-2.AC-1']}": "李伟", f"G{rows['REQ-2.AC-1']}": TODAY},
    )
    signoff_block(path, "同意", None, TODAY)
    mapping = str(uat_project / "acme-uat.toml")
    result = uat(uat_project, "import", "--template", mapping, "--dry-run", str(path), code=2)
    where = f"{path} › {SHEET} › "
    assert (
        f"{where}C18: unknown decision '同意'; write one of: 通过, 接受 (Accepted); 有条件通过, 有条件接受 "
        "(Accepted with conditions); 不通过, 拒绝 (Rejected)"
    ) in result.output
    assert f"{where}C19: 验收结论 is filled but 签字人 is empty; enter who signs off" in result.output

    # Accepted with conditions needs them; a word of the mapping's own is understood.
    write(uat_project / "acme-uat.toml", MAPPING + SIGNOFF + '[signoff.decisions]\n"同意" = "Accepted"\n')
    signoff_block(path, "有条件通过", "张敏", TODAY)
    result = uat(uat_project, "import", "--template", mapping, "--dry-run", str(path), code=2)
    assert f"{where}C20: 有条件通过 needs the 附加条件; write them" in result.output
    signoff_block(path, "同意", "张敏", TODAY)
    result = uat(uat_project, "import", "--template", mapping, "--dry-run", str(path))
    assert (
        "would record the sign-off of pack R1-template-acme-r1-客户uat模板: Accepted by 张敏" in result.output
    )


def test_a_bad_sign_off_mapping_is_refused_at_its_lines(uat_project: Path) -> None:
    bad = write(uat_project / "bad.toml", MAPPING + '[signoff]\ndecision = "row 18"\nname = "C19"\n')
    path = exported(uat_project)
    result = uat(uat_project, "import", "--template", str(bad), "--dry-run", str(path), code=2)
    assert f"{bad}:22: signoff.decision = 'row 18' is not a cell reference" in result.output
    write(bad, MAPPING + '[signoff]\ndecision = "C18"\nname = "C19"\n')
    result = uat(uat_project, "import", "--template", str(bad), "--dry-run", str(path), code=2)
    assert f"{bad}:21: signoff has no date; name the cell of each" in result.output

    # A sign-off cell on a case's row would hide the tester's marks there: refused at the cell.
    rows = rows_by_case(path)
    write(bad, MAPPING + f'[signoff]\ndecision = "E{rows["REQ-2.AC-1"]}"\nname = "C19"\ndate = "G19"\n')
    result = uat(uat_project, "import", "--template", str(bad), "--dry-run", str(path), code=2)
    cell = f"E{rows['REQ-2.AC-1']}"
    assert (
        f"{SHEET} › {cell}: the mapping's [signoff] cell {cell} is on a test row (it holds case 'REQ-2.AC-1')"
    ) in result.stderr, result.stderr


def test_export_names_the_fields_the_template_has_no_column_for(uat_project: Path) -> None:
    blank = client_template(uat_project / "client" / "客户UAT模板.xlsx")
    mapping = str(uat_project / "acme-uat.toml")
    result = uat(uat_project, "export", "--release", "R1", "--template", str(blank), "--mapping", mapping)
    assert (
        "warning: the template has no column for preconditions: 3 case(s) have preconditions the testers "
        "will not see; map it with [columns] preconditions = … in the mapping, or add the column"
    ) in result.stderr
    assert "no column for steps" in result.stderr and "no column for expected" in result.stderr
    assert "sign-off" not in result.output.lower(), "the client's template holds its own sign-off block"


def test_preconditions_without_a_column_head_the_steps_cell(uat_project: Path) -> None:
    workbook = openpyxl.load_workbook(client_template(uat_project / "client" / "客户UAT模板.xlsx"))
    workbook[SHEET]["I3"] = "操作步骤"
    blank = uat_project / "client" / "带步骤模板.xlsx"
    workbook.save(blank)
    mapping = str(uat_project / "acme-uat.toml")
    result = uat(uat_project, "export", "--release", "R1", "--template", str(blank), "--mapping", mapping)
    assert (
        "warning: the template has no column for preconditions: 3 case(s) have preconditions, written at the "
        "top of their steps cell instead"
    ) in result.stderr
    sheet = openpyxl.load_workbook(uat_project / "uat_packs" / "R1" / "R1-带步骤模板.xlsx")[SHEET]
    steps = {sheet.cell(r, 2).value: sheet.cell(r, 9).value for r in range(4, 9)}
    # The pack's language is the template's: its headers are Chinese.
    assert (
        steps["REQ-1.AC-1"]
        == '前置条件：\n1. a customer "ACME" exists\n\n操作步骤：\n1. I place an order for 3 "Widget"'
    )
    assert not steps["REQ-2.AC-1"].startswith("前置条件"), "a case without preconditions keeps its steps"
