"""What changed since the baseline, what it reopens, and the changes_approved gate, on real projects."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import textwrap
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.test_change import create, init, run
from tests.test_pages import SHOTS
from uatkit.change.diff import Op, word_diff
from uatkit.model import Mark, SourceLocation, Status
from uatkit.project import load_project
from uatkit.uat.ledger import Ledger
from uatkit.uat.pack import PackInfo, PackRow, ReadPack

CASE = "REQ-10.AC-1"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a scaffolded project with three stories and a baseline R1 approved on 2026-12-01."""
    folder = init(tmp_path)
    create(folder)
    return folder


def as_json(project: Path, *args: str, code: int = 0) -> dict[str, Any]:
    """Run a command with --format json and the expected exit code; return its report."""
    data: dict[str, Any] = json.loads(run(project, *args, "--format", "json", code=code).stdout)
    return data


def write_result(project: Path, key: str, start: int = 1_700_000_000_000) -> None:
    """Write a passed integration result of a case as the plugin does, with the case's current fingerprint."""
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Label, TestResult

    fingerprint = load_project(project).fingerprints[key]
    logger: Any = AllureFileLogger(str(project / "reports" / "allure-results"))
    logger.report_result(
        TestResult(
            uuid=str(uuid.uuid4()),
            historyId=f"{key}[integration]",
            name=f"{key} [integration]",
            status="passed",
            labels=[
                Label("case", key),
                Label("layer", "integration"),
                Label("caseKey", key),
                Label("fingerprint", fingerprint),
            ],
            start=start,
            stop=start + 1_000,
        )
    )


def import_mark(project: Path, key: str) -> None:
    """Import a Pass mark of a case, made against its current scenario, from a pack of Sales operations."""
    fingerprint = load_project(project).fingerprints[key]
    info = PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "Acme", dt.datetime.now(dt.UTC))
    source = SourceLocation("R1-sales.xlsx", sheet="Test cases", row=2)
    mark = Mark(key, Status.PASS, "Alice", dt.date(2026, 12, 2), source=source, fingerprint=fingerprint)
    read = ReadPack(project / "R1-sales.xlsx", uuid.uuid4().hex, info, [PackRow(key, 2, fingerprint)], [mark])
    with Ledger.open(project / "reports" / "uat.db") as ledger:
        ledger.import_pack(read)


def edit(project: Path, story: str, old: str, new: str) -> None:
    """Change a story's text and regenerate its feature."""
    path = project / "stories" / f"{story}.md"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    run(project, "generate")


def signoff(project: Path) -> tuple[str, dict[str, Any]]:
    """Return the sign-off's outcome and its changes_approved gate."""
    from typer.testing import CliRunner

    from uatkit.cli import app

    done = CliRunner().invoke(app, ["signoff", "--format", "json", "-C", str(project)])
    assert done.exit_code in (0, 1), done.output
    data = json.loads(done.stdout)
    (found,) = [g for g in data["gates"] if g["rule"] == "changes_approved"]
    return data["outcome"], found


def test_word_diff_keeps_every_word_once() -> None:
    segments = word_diff("Then it works", "Then it works quickly")
    assert [(s.op, s.text) for s in segments] == [(Op.EQUAL, "Then it works"), (Op.INSERT, " quickly")]
    assert word_diff("a b c", "a x c") == (
        word_diff("a b c", "a x c")[0],
        *word_diff("a b c", "a x c")[1:],
    )
    assert "".join(s.text for s in word_diff("a b c", "a x c") if s.op is not Op.INSERT) == "a b c"
    assert "".join(s.text for s in word_diff("a b c", "a x c") if s.op is not Op.DELETE) == "a x c"


def test_an_unapproved_edit_is_listed_reopens_evidence_and_fails_the_gate_until_a_request_is_approved(
    project: Path,
) -> None:
    write_result(project, CASE)
    import_mark(project, CASE)
    assert signoff(project)[1]["passed"] is True  # nothing changed yet
    edit(project, "REQ-10", "Then it works", "Then it works within two seconds")

    data = as_json(project, "baseline", "diff", code=1)
    assert data["covered"] is False
    (change,) = data["requirements"]
    assert (change["id"], change["change"], change["covered"]) == ("REQ-10", "changed", False)
    assert change["criteria"] == {"added": [], "changed": ["AC-1"], "removed": []}
    (part,) = change["parts"]
    assert ["insert", " within two seconds"] in part["words"]
    assert "".join(t for op, t in part["words"] if op != "insert") == part["old"]
    impact = change["impact"]
    assert impact["stale_results"] == [{"key": CASE, "level": "integration", "status": "passed"}]
    # The level whose result went stale is among the levels to run again.
    assert "integration" in impact["levels"] and CASE in data["rerun"]["integration"]
    assert [m["key"] for m in impact["stale_marks"]] == [CASE]
    assert impact["packs"] == ["R1-sales"]
    assert data["reissue"] == [{"owner": "Sales operations", "rows": [CASE]}]
    assert data["packs"][0]["rows"] == [CASE]

    outcome, found = signoff(project)
    assert outcome == "NO-GO" and found["passed"] is False
    assert "REQ-10 (changed)" in found["reason"]
    trace = as_json(project, "trace")
    (row,) = [r for r in trace["requirements"] if r["id"] == "REQ-10"]
    assert (row["changed_since_baseline"], row["change_requests"]) == ("changed", [])

    # A proposed request covers nothing; once approved after the baseline, it does.
    run(project, "change", "new", "--title", "Faster", "--changes", "REQ-10", "--reason", "SLA",
        "--requested-by", "Ann", "--date", "2026-12-03")  # fmt: skip
    data = as_json(project, "baseline", "diff", code=1)
    assert data["requirements"][0]["requests"][0]["covers"] is False
    run(project, "change", "approve", "CR-1", "--by", "Ann Lee", "--date", "2026-12-04")
    data = as_json(project, "baseline", "diff")
    assert data["covered"] is True and data["requirements"][0]["covered_by"] == ["CR-1"]
    assert signoff(project)[1]["passed"] is True
    trace = as_json(project, "trace")
    (row,) = [r for r in trace["requirements"] if r["id"] == "REQ-10"]
    assert row["change_requests"] == ["CR-1"]

    # Once the changed scenario has run again and been re-tested in UAT, nothing is left to re-do.
    write_result(project, CASE, start=1_700_000_100_000)  # a later run than the first
    import_mark(project, CASE)
    done = as_json(project, "baseline", "diff")
    impact = done["requirements"][0]["impact"]
    assert (impact["stale_results"], impact["stale_marks"], impact["packs"]) == ([], [], [])
    assert (done["packs"], done["reissue"]) == ([], [])
    # The integration run is done; the unit level the case is tagged with never ran, so it is still due.
    assert done["rerun"] == {"unit": [CASE]}


def test_removed_and_added_requirements_are_reported(project: Path) -> None:
    (project / "stories" / "REQ-2.md").unlink()
    story = (project / "stories" / "REQ-10.md").read_text("utf-8")
    (project / "stories" / "REQ-11.md").write_text(story.replace("REQ-10", "REQ-11"), "utf-8")
    run(project, "generate")
    data = as_json(project, "baseline", "diff", code=1)
    kinds = {r["id"]: (r["change"], r["covered"]) for r in data["requirements"]}
    assert kinds == {"REQ-2": ("removed", False), "REQ-11": ("added", False)}
    assert data["counts"]["removed"] == 1 and data["counts"]["added"] == 1
    outcome, found = signoff(project)
    assert outcome == "NO-GO"
    assert "REQ-2 (removed)" in found["reason"] and "REQ-11 (added)" in found["reason"]
    assert "removed since R1: REQ-2" in found["reason"]
    trace = as_json(project, "trace")
    assert trace["removed"] == [{"id": "REQ-2", "title": "Story 2", "change_requests": []}]


def test_no_baseline_passes_the_gate(tmp_path: Path) -> None:
    project = init(tmp_path)
    _, found = signoff(project)
    assert found["passed"] is True and found["reason"] == "no baseline: nothing to compare"
    done = run(project, "baseline", "diff", code=2)
    assert "no baseline yet" in done.output


def test_change_impact_page_and_workbook(project: Path) -> None:
    write_result(project, CASE)
    import_mark(project, CASE)
    edit(project, "REQ-10", "Then it works", "Then it <b>works</b> fast")
    run(project, "baseline", "diff", "--html", "--xlsx", code=1)
    html = (project / "reports" / "change-impact.html").read_text("utf-8")
    assert "<ins> &lt;b&gt;works&lt;/b&gt; fast</ins>" in html or "&lt;b&gt;" in html
    assert "<del>" in html and "<ins>" in html and "<b>works</b>" not in html
    book = openpyxl.load_workbook(project / "reports" / "change-impact.xlsx")
    rows = list(book["Changes"].iter_rows(values_only=True))
    assert rows[1][:5] == ("REQ-10", "Story 10", "changed", "AC-1", "changed")
    assert all(c.data_type == "s" for row in book["Changes"].iter_rows() for c in row if c.value is not None)


#: The Chinese headings of the change-impact page, and English words that must be gone from it.
ZH_HEADINGS = ("变更影响报告", "<h2>变更</h2>", "<h2>重新打开的 UAT 包</h2>", "<h2>重新测试工作量</h2>")
EN_WORDS = ("Change impact", "Requirement", "Covered", "Reopens", "Effort to re-test", "Written by", "stale")


def test_change_impact_in_chinese_keeps_the_story_text_and_the_word_diff(project: Path) -> None:
    write_result(project, CASE)
    import_mark(project, CASE)
    edit(project, "REQ-10", "Then it works", "Then it works within two seconds")
    run(project, "baseline", "diff", "--html", "--xlsx", "--lang", "zh-CN", code=1)
    html = (project / "reports" / "change-impact.html").read_text("utf-8")
    assert '<html lang="zh-CN">' in html
    for heading in ZH_HEADINGS:
        assert heading in html
    assert "<th>需求</th><th>变更</th><th>验收标准</th><th>变更请求</th><th>已覆盖</th>" in html
    assert (
        "1 项自动化结果失效（REQ-10.AC-1 · integration）；1 项 UAT 标记失效（REQ-10.AC-1 · R1-sales）" in html
    )
    assert "在 UAT 中重新下发" in html
    assert not [word for word in EN_WORDS if word in html]
    # The story is quoted as written, and the word diff marks what was put in.
    assert "Story 10" in html and "<ins> within two seconds</ins>" in html
    book = openpyxl.load_workbook(project / "reports" / "change-impact.xlsx")
    assert book.sheetnames == ["变更", "重新测试"]
    rows = list(book["变更"].iter_rows(values_only=True))
    assert rows[0] == (
        "需求",
        "需求名称",
        "变更",
        "部分",
        "部分变更",
        "变更前",
        "变更后",
        "变更请求",
        "已覆盖",
        "重新打开",
    )
    assert rows[1][:5] == ("REQ-10", "Story 10", "修改", "AC-1", "修改") and rows[1][8] == "否"
    assert rows[1][6].endswith("within two seconds")
    assert next(book["重新测试"].iter_rows(values_only=True)) == ("事项", "人员 / 层级", "用例或行")
    assert book["变更"]["A1"].font.name == "等线"


def test_change_impact_language_auto_follows_the_stories(project: Path) -> None:
    from tests.test_documents import CHINESE

    for story in (project / "stories").glob("*.md"):
        story.unlink()
    (project / "stories" / "REQ-1.md").write_text(textwrap.dedent(CHINESE["REQ-1.md"]).lstrip(), "utf-8")
    run(project, "generate")
    run(project, "baseline", "diff", "--html", "--lang", "auto", code=1)
    html = (project / "reports" / "change-impact.html").read_text("utf-8")
    assert '<html lang="zh-CN">' in html and "下单时检查库存" in html
    # REQ-1 is rewritten in Chinese, REQ-2 and REQ-10 are gone.
    assert (
        '<span class="kind k-changed">修改</span>' in html
        and '<span class="kind k-removed">删除</span>' in html
    )
    # Without --lang, [tool.uatkit.uat] language (`auto` in a new project) chooses the same.
    run(project, "baseline", "diff", "--html", code=1)
    again = (project / "reports" / "change-impact.html").read_text("utf-8")
    assert again[: again.index("<footer>")] == html[: html.index("<footer>")]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_change_impact_page_in_chromium(project: Path, page: Any, lang: str) -> None:
    write_result(project, CASE)
    import_mark(project, CASE)
    edit(project, "REQ-10", "Then it works", "Then it works within two seconds")
    (project / "stories" / "REQ-2.md").unlink()
    run(project, "generate")
    run(project, "baseline", "diff", "--html", "--lang", lang, code=1)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((project / "reports" / "change-impact.html").as_uri())
    assert page.locator("section#REQ-10 tbody ins").first.inner_text() == " within two seconds"
    assert page.locator("section#REQ-2 tbody del").count() == 1
    assert page.locator("h2").all_inner_texts()[-1] == (
        "Effort to re-test" if lang == "en" else "重新测试工作量"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"change-impact-{lang}.png"), full_page=True)
    assert errors == []


def test_a_diff_before_generate_says_the_impact_counts_the_old_scenarios(project: Path) -> None:
    story = project / "stories" / "REQ-10.md"
    story.write_text(story.read_text("utf-8").replace("Then it works", "Then it works at once"), "utf-8")
    data = as_json(project, "baseline", "diff", code=1)
    (warning,) = data["warnings"]
    assert "the features of REQ-10 are not generated from the stories yet" in warning
    run(project, "generate")
    assert as_json(project, "baseline", "diff", code=1)["warnings"] == []


def test_a_request_edited_by_hand_to_say_approved_does_not_pass_the_gate(project: Path) -> None:
    edit(project, "REQ-10", "Then it works", "Then it works within two seconds")
    run(project, "change", "new", "--title", "Faster", "--changes", "REQ-10", "--reason", "SLA",
        "--requested-by", "Ann", "--date", "2026-12-03")  # fmt: skip
    path = project / "changes" / "CR-1.md"
    proposed = path.read_text("utf-8")
    path.write_text(
        proposed.replace("status: proposed", "status: approved\ndecided_by: Ann Lee\ndecided_on: 2026-12-04"),
        "utf-8",
    )
    outcome, found = signoff(project)
    assert outcome == "NO-GO" and found["passed"] is False
    assert "REQ-10 (changed)" in found["reason"]
    assert "CR-1 says approved, but the ledger holds no such decision" in found["reason"]
    assert "uatkit change approve" in found["reason"]
    # Put back to proposed and approved through uatkit, the same decision counts.
    path.write_text(proposed, "utf-8")
    run(project, "change", "approve", "CR-1", "--by", "Ann Lee", "--date", "2026-12-04")
    assert signoff(project)[1]["passed"] is True
    # A scope widened by hand after the approval is not the decision the ledger holds.
    text = path.read_text("utf-8")
    path.write_text(text.replace("changes: [REQ-10]", "changes: [REQ-10, REQ-2]"), "utf-8")
    edit(project, "REQ-2", "Then it works", "Then it works at once")
    found = signoff(project)[1]
    assert found["passed"] is False and "CR-1 says approved, but the ledger holds" in found["reason"]


def test_a_baseline_changed_since_the_ledger_recorded_it_does_not_pass_the_gate(
    project: Path, tmp_path: Path
) -> None:
    assert signoff(project)[1]["passed"] is True
    # The same catalogue frozen in another copy, with its own ledger, and the file brought over by hand: this
    # ledger holds no record of it (a ledger begun after the baseline), which the gate says but accepts.
    other = init(tmp_path / "other")
    create(other, "R2", "--date", "2026-12-02")
    shutil.copyfile(other / "baselines" / "R2.json", project / "baselines" / "R2.json")
    outcome, found = signoff(project)
    assert found["passed"] is True, found
    assert "the ledger holds no record of creating baseline R2" in found["reason"]
    # A baseline this ledger records creating, then replaced by another valid file of that name (its own
    # digest checks out), is not the one the client signed.
    create(project, "R3", "--date", "2026-12-03")
    create(other, "R3", "--date", "2026-12-05")
    shutil.copyfile(other / "baselines" / "R3.json", project / "baselines" / "R3.json")
    outcome, found = signoff(project)
    assert outcome == "NO-GO" and found["passed"] is False
    assert "baseline R3 is not the one the ledger records creating" in found["reason"]
    assert "uatkit baseline create" in found["reason"]
