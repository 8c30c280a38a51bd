"""The traceability matrix: each status rule, level results, outputs (html, xlsx, json) and `uatkit trace`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, write
from tests.uat_helpers import convert_with_libreoffice
from uatkit.allure.mapping import CASE_KEY_LABEL, FINGERPRINT_LABEL
from uatkit.allure.read import ResultRecord
from uatkit.cli import app
from uatkit.config import Config, ReportConfig
from uatkit.model import Case, Catalogue, Decision, Mark, Priority, SignOff, SourceLocation, Status, Story
from uatkit.project import Project, load_project
from uatkit.trace.evidence import choose_evidence
from uatkit.trace.matrix import build_matrix, load_matrix
from uatkit.trace.model import EvidenceKind, EvidenceSet, Matrix, RequirementTrace, RunFacts, TraceStatus
from uatkit.trace.outputs import matrix_data, matrix_html, matrix_json, matrix_xlsx, write_matrix
from uatkit.trace.views import summary_view
from uatkit.uat.ledger import CaseState, PackSummary
from uatkit.uat.pack import PackInfo, PackRow

runner = CliRunner()
NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
PACK = "R1-sales"
MUST, COULD = Priority.MUST, Priority.COULD


def story(id: str = "REQ-1", title: str = "Place an order", priority: Priority = MUST) -> Story:
    return Story(
        id=id, title=title, source=SourceLocation(f"stories/{id}.md"), module="Sales", priority=priority
    )


def case(key: str, *tags: str, priority: Priority = MUST, scenario: str = "") -> Case:
    """Return a case row; the requirement is the key's part before the first dot."""
    case_id = key.partition("#")[0]
    return Case(
        key=key,
        case_id=case_id,
        requirement=case_id.rpartition(".")[0],
        requirement_title="Place an order",
        module="Sales",
        owner="Sales operations",
        priority=priority,
        language="en",
        scenario=scenario or f"{case_id.rpartition('.')[2]} An order is confirmed",
        preconditions=(),
        steps=("I place an order",),
        expected=("it is confirmed",),
        test_data="",
        tags=(f"case:{case_id}", *tags),
        source=SourceLocation("features/orders.feature", 3),
        fingerprint=f"sha256:{key}",
    )


def result(case_id: str, layer: str, status: str = "passed", **changes: Any) -> ResultRecord:
    """Return an Allure result of a case at a layer, as read back from a results folder."""
    values: dict[str, Any] = {
        "path": Path(f"{uuid.uuid4()}-result.json"),
        "uuid": str(uuid.uuid4()),
        "history_id": str(uuid.uuid4()),
        "name": f"{case_id} [{layer}]",
        "status": status,
        "start": 1,
        "stop": 2,
        "case_id": case_id,
        "layer": layer,
        "links": (),
        "message": "expected 29.97, got 30.00" if status != "passed" else "",
        # Run against the scenario as it is now (the fingerprint `case` gives an unnumbered row).
        "case_key": case_id,
        "fingerprint": f"sha256:{case_id}",
    }
    return ResultRecord(**(values | changes))


def row_result(key: str, layer: str, status: str = "passed", **changes: Any) -> ResultRecord:
    """Return the result of one outline row, run against the row as it is now."""
    case_id = key.partition("#")[0]
    return result(case_id, layer, status, case_key=key, fingerprint=f"sha256:{key}", **changes)


def state(key: str, status: Status = Status.PASS, *, stale: bool = False, **mark: Any) -> CaseState:
    """Return a case's UAT state with a current mark (stale when asked)."""
    current = Mark(key, status, tester="Li Wei", date=NOW.date(), pack_id=PACK, **mark)
    return CaseState(key=key, case_id=key.partition("#")[0], mark=current, mark_id=1, stale=stale, history=1)


def conflict(key: str) -> CaseState:
    marks = (Mark(key, Status.PASS, pack_id="R1-a"), Mark(key, Status.FAIL, pack_id="R1-b"))
    return CaseState(key=key, case_id=key.partition("#")[0], conflict=marks, history=2)


def pack(*keys: str, pack_id: str = PACK) -> PackSummary:
    info = PackInfo(pack_id, "R1", "Sales", "Sales operations", "en", "Demo", NOW)
    return PackSummary(info, tuple(PackRow(k, n, f"sha256:{k}") for n, k in enumerate(keys, 2)))


def signed(decision: Decision = Decision.ACCEPTED, pack_id: str = PACK) -> dict[str, SignOff]:
    return {pack_id: SignOff(pack_id, "Sales operations", decision, "", "Ann Lee", NOW.date())}


def build(
    cases: Sequence[Case] = (),
    results: Sequence[ResultRecord] = (),
    states: Sequence[CaseState] = (),
    packs: Sequence[PackSummary] = (),
    signoffs: dict[str, SignOff] | None = None,
    stories: Sequence[Story] | None = None,
    config: Config | None = None,
) -> Matrix:
    return build_matrix(
        config or Config(root=Path("/project")),
        Catalogue(tuple(stories if stories is not None else [story()])),
        cases,
        results,
        {s.key: s for s in states},
        packs,
        signoffs or {},
        now=NOW,
    )


def only(matrix: Matrix) -> RequirementTrace:
    (requirement,) = matrix.requirements
    return requirement


AC1, AC2 = "REQ-1.AC-1", "REQ-1.AC-2"
#: name → (the matrix, the expected status, text the reason contains)
RULES: dict[str, tuple[Callable[[], Matrix], TraceStatus, str]] = {
    "no scenario": (lambda: build(), TraceStatus.UNCOVERED, "no scenario"),
    "automated failed": (
        lambda: build([case(AC1, "integration")], [result(AC1, "integration", "failed")]),
        TraceStatus.FAILED,
        "integration failed: AC-1",
    ),
    "automated broken beats a level not run": (
        lambda: build([case(AC1, "e2e"), case(AC2, "unit")], [result(AC1, "e2e", "broken")]),
        TraceStatus.FAILED,
        "e2e broken: AC-1",
    ),
    "UAT Fail": (
        lambda: build([case(AC1, "manual")], states=[state(AC1, Status.FAIL)], packs=[pack(AC1)]),
        TraceStatus.FAILED,
        "UAT Fail: AC-1",
    ),
    "a stale Fail is no failure": (
        lambda: build(
            [case(AC1, "integration", "uat")],
            [result(AC1, "integration")],
            [state(AC1, Status.FAIL, stale=True)],
            [pack(AC1)],
            signed(),
        ),
        TraceStatus.PASSED,
        "stale UAT marks: AC-1",
    ),
    "UAT Blocked is no failure": (
        lambda: build([case(AC1, "unit")], [result(AC1, "unit")], [state(AC1, Status.BLOCKED)], [pack(AC1)]),
        TraceStatus.PASSED,
        "UAT blocked: AC-1",
    ),
    "a planned level without a result": (
        lambda: build([case(AC1, "unit", "integration")], [result(AC1, "unit")]),
        TraceStatus.NOT_RUN,
        "integration not run: AC-1",
    ),
    "an outline row without a result": (
        lambda: build(
            [case(f"{AC1}#1", "unit"), case(f"{AC1}#2", "unit")],
            [row_result(f"{AC1}#1", "unit")],
        ),
        TraceStatus.NOT_RUN,
        "unit rows not run: AC-1",
    ),
    "a skipped level": (
        lambda: build([case(AC1, "unit")], [result(AC1, "unit", "skipped")]),
        TraceStatus.NOT_RUN,
        "unit skipped: AC-1",
    ),
    "a manual case without a mark": (
        lambda: build([case(AC1, "manual")], packs=[pack(AC1)]),
        TraceStatus.NOT_RUN,
        "UAT pending: AC-1",
    ),
    "a manual case passed, its pack not signed": (
        lambda: build([case(AC1, "manual")], states=[state(AC1)], packs=[pack(AC1)]),
        TraceStatus.PASSED,
        "pack not signed off: R1-sales",
    ),
    "a manual case passed and signed off": (
        lambda: build([case(AC1, "manual")], states=[state(AC1)], packs=[pack(AC1)], signoffs=signed()),
        TraceStatus.ACCEPTED,
        "",
    ),
    "accepted with conditions": (
        lambda: build(
            [case(AC1, "manual")],
            states=[state(AC1)],
            packs=[pack(AC1)],
            signoffs=signed(Decision.WITH_CONDITIONS),
        ),
        TraceStatus.ACCEPTED,
        "accepted with conditions: R1-sales",
    ),
    "a rejected pack": (
        lambda: build(
            [case(AC1, "manual")], states=[state(AC1)], packs=[pack(AC1)], signoffs=signed(Decision.REJECTED)
        ),
        TraceStatus.PASSED,
        "pack rejected: R1-sales",
    ),
    "N/A counts as done": (
        lambda: build(
            [case(AC1, "unit"), case(AC2, "manual")],
            [result(AC1, "unit")],
            [state(AC1, Status.NA), state(AC2)],
            [pack(AC1, AC2)],
            signed(),
        ),
        TraceStatus.ACCEPTED,
        "",
    ),
    "no UAT needed": (
        lambda: build(
            [case(AC1, "unit", priority=COULD)], [result(AC1, "unit")], stories=[story(priority=COULD)]
        ),
        TraceStatus.PASSED,
        "UAT not needed",
    ),
    "UAT pending": (
        lambda: build([case(AC1, "integration")], [result(AC1, "integration")], packs=[pack(AC1)]),
        TraceStatus.PASSED,
        "UAT pending: AC-1",
    ),
    "UAT marks in conflict": (
        lambda: build([case(AC1, "unit")], [result(AC1, "unit")], [conflict(AC1)], [pack(AC1)], signed()),
        TraceStatus.PASSED,
        "UAT marks in conflict: AC-1",
    ),
    "a must case not exported yet": (
        lambda: build([case(AC1, "unit")], [result(AC1, "unit")], [state(AC1)]),
        TraceStatus.PASSED,
        "not in a UAT pack: AC-1",
    ),
    "some outline rows marked": (
        lambda: build(
            [case(f"{AC1}#1", "unit"), case(f"{AC1}#2", "unit")],
            [row_result(f"{AC1}#1", "unit"), row_result(f"{AC1}#2", "unit")],
            [state(f"{AC1}#1")],
            [pack(f"{AC1}#1", f"{AC1}#2")],
            signed(),
        ),
        TraceStatus.PASSED,
        "UAT pending: AC-1",
    ),
}


@pytest.mark.parametrize("name", RULES)
def test_status_rule(name: str) -> None:
    make, status, reason = RULES[name]
    requirement = only(make())
    assert requirement.status is status
    assert reason in requirement.reason if reason else requirement.reason == ""


def test_outline_rows_fold_into_their_case_with_the_worst_result_linked() -> None:
    rows = [case(f"{AC1}#{n}", "unit", "integration") for n in (1, 2, 3)]
    failed = row_result(rows[1].key, "unit", "failed", message="row 2: expected 3")
    results = [row_result(rows[0].key, "unit"), failed, row_result(rows[2].key, "unit")]
    results += [row_result(r.key, "integration") for r in rows]
    requirement = only(build(rows, results))
    (trace,) = requirement.cases
    unit = trace.results["unit"]
    assert (trace.rows, unit.status, unit.runs, unit.passed) == (3, "failed", 3, 2)
    assert (unit.result_uuid, unit.message) == (failed.uuid, "row 2: expected 3")
    assert trace.results["integration"].status == "passed" and trace.results["e2e"].runs == 0
    assert requirement.levels == {"unit": "failed", "integration": "passed", "e2e": "", "uat": ""}
    assert trace.planned == ("unit", "integration") and trace.uat_required  # a must requirement


def test_uat_level_comes_from_the_ledger_and_links_the_uat_result() -> None:
    uat_result = result(AC1, "uat", "failed")
    marks = [
        state(f"{AC1}#1"),
        state(f"{AC1}#2", Status.FAIL, actual="the total is 30.00", defect="DEF-7 DEF-8"),
    ]
    rows = [case(f"{AC1}#1", "manual"), case(f"{AC1}#2", "manual")]
    (trace,) = only(build(rows, [uat_result], marks, [pack(f"{AC1}#1", f"{AC1}#2")])).cases
    uat = trace.results["uat"]
    assert (uat.status, uat.runs, uat.passed, uat.message) == ("failed", 2, 1, "the total is 30.00")
    assert uat.result_uuid == uat_result.uuid and trace.packs == (PACK,)
    assert trace.defects == ("DEF-7", "DEF-8")


def test_defects_come_from_issue_links_and_marks_once_each() -> None:
    links = (("DEF-1", "https://bugs/DEF-1", "issue"), ("REQ-1", "https://jira/REQ-1", "tms"))
    results = [result(AC1, "unit", "failed", links=links), result(AC2, "unit", links=links[:1])]
    matrix = build([case(AC1, "unit"), case(AC2, "unit")], results, [state(AC2, defect="DEF-2, DEF-1")])
    assert only(matrix).defects == ("DEF-1", "DEF-2")


def test_uat_progress_counts_the_project_rows_of_every_pack() -> None:
    keys = [AC1, AC2, "REQ-1.AC-3"]
    states = [state(AC1), state(AC2, stale=True), conflict("REQ-1.AC-3")]
    packs = [pack(AC1, AC2), pack("REQ-1.AC-3", "REQ-1.AC-9", pack_id="R1-other")]
    matrix = build([case(k, "manual") for k in keys], states=states, packs=packs)
    assert (matrix.uat_executed, matrix.uat_cases) == (1, 3)  # AC-9 is gone from the features
    assert matrix.packs == {PACK: "Sales operations", "R1-other": "Sales operations"}
    (requirement,) = matrix.requirements
    assert (requirement.stale, sum(c.conflicts for c in requirement.cases)) == (1, 1)


def test_requirements_follow_the_catalogue_with_links_and_notes() -> None:
    config = Config(root=Path("/p"), requirement_url="https://jira.example.com/browse/{id}")
    stories = [story("REQ-2"), story("REQ-1")]
    cases = [case(AC1, "unit"), case("REQ-2.AC-1", "unit"), case("REQ-9.AC-1", "unit")]
    results = [result("REQ-7.AC-1", "unit"), result("", "unit")]
    matrix = build(cases, results, stories=stories, config=config)
    assert [r.id for r in matrix.requirements] == ["REQ-2", "REQ-1"]
    assert matrix.requirements[0].url == "https://jira.example.com/browse/REQ-2"
    assert matrix.counts()[TraceStatus.NOT_RUN] == 2
    notes = " | ".join(matrix.notes)
    assert "REQ-9.AC-1" in notes and "REQ-7.AC-1" in notes and "1 result(s) have no case label" in notes


def test_json_has_a_stable_documented_structure() -> None:
    matrix = build([case(AC1, "unit", "manual")], [result(AC1, "unit")], [state(AC1)], [pack(AC1)], signed())
    data = json.loads(matrix_json(matrix))
    assert list(data) == [
        "schema", "project", "generated_at", "results_folders", "evidence", "allure_report",
        "summary", "levels", "requirements", "packs", "baseline", "removed", "notes",
    ]  # fmt: skip
    assert (data["baseline"], data["removed"]) == (None, [])
    assert data["summary"] == {
        "requirements": 1,
        "statuses": {"ACCEPTED": 1, "PASSED": 0, "NOT RUN": 0, "UNCOVERED": 0, "FAILED": 0},
        "uat_executed": 1,
        "uat_cases": 1,
    }
    (requirement,) = data["requirements"]
    assert requirement["status"] == "ACCEPTED" and requirement["levels"]["uat"] == "passed"
    (trace,) = requirement["cases"]
    assert set(trace["results"]) == {"unit", "integration", "e2e", "uat"}
    assert set(trace["results"]["unit"]) == {
        "status",
        "runs",
        "passed",
        "result_uuid",
        "link",
        "message",
        "stale",
        "evidence",
    }
    assert data["packs"] == [
        {"pack": PACK, "round": 1, "superseded_by": "", "owner": "Sales operations", "decision": "Accepted",
         "conditions": "", "signed_by": "Ann Lee", "date": "2026-11-24"},
    ]  # fmt: skip
    assert data["generated_at"] == "2026-11-24T09:30:00+00:00"


def test_case_results_link_into_the_allure_3_report_by_md5_of_the_uuid() -> None:
    passed = result(AC1, "unit", uuid="3629717f-33b6-43e1-bb5d-b38710880b5c")
    matrix = build_matrix(
        Config(root=Path("/p")), Catalogue((story(),)), [case(AC1, "unit")], [passed], {}, [], {},
        now=NOW, allure_report="allure-report/index.html",
    )  # fmt: skip
    link = matrix_data(matrix)["requirements"][0]["cases"][0]["results"]["unit"]["link"]
    assert link == "allure-report/index.html#5583e995383be8f0bdc6cbc1ee5e0168"
    assert link.endswith(hashlib.md5(passed.uuid.encode()).hexdigest())
    assert f'href="{link}"' in matrix_html(matrix)
    assert (
        matrix_data(build([case(AC1, "unit")], [passed]))["requirements"][0]["cases"][0]["results"]["unit"][
            "link"
        ]
        == ""
    )


EVIL_TITLE = "<script>alert(1)</script>"
EVIL_FORMULA = '=HYPERLINK("http://x","y")'


def evil_matrix() -> Matrix:
    stories = [story("REQ-1", EVIL_TITLE), story("REQ-2", EVIL_FORMULA)]
    cases = [case(AC1, "unit", scenario="+SUM(1,2)"), case("REQ-2.AC-1", "unit", scenario="@cmd")]
    return build(cases, [result(AC1, "unit", "failed", message="-1 <img src=x>")], stories=stories)


def test_story_text_is_escaped_in_the_page() -> None:
    html = matrix_html(evil_matrix())
    assert EVIL_TITLE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x>" not in html and "&lt;img src=x&gt;" in html
    assert html.count("<script>") == 1  # the page's own sort-and-filter script


def _assert_text_cells(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    found = {}
    for sheet in ("Requirements", "Cases"):
        for row in book[sheet].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@<":
                    found[cell.value] = cell.data_type
    assert found.get(EVIL_TITLE) == "s" and found.get(EVIL_FORMULA) == "s"
    assert found.get("+SUM(1,2)") == "s" and found.get("@cmd") == "s"
    assert set(found.values()) == {"s"}


def test_story_text_stays_text_in_the_workbook(tmp_path: Path) -> None:
    path = tmp_path / "traceability.xlsx"
    path.write_bytes(matrix_xlsx(evil_matrix()))
    _assert_text_cells(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Requirements", "Cases"]
    sheet = book["Requirements"]
    assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref == "A1:Q3"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    status = next(c for c in sheet[2] if c.value == "FAILED")
    assert status.fill.fgColor.rgb.endswith("CF222E")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_story_text_stays_text_after_libreoffice_saves_the_workbook(tmp_path: Path) -> None:
    path = tmp_path / "traceability.xlsx"
    path.write_bytes(matrix_xlsx(evil_matrix()))
    _assert_text_cells(convert_with_libreoffice(path, tmp_path / "lo"))


STORY = """
---
id: REQ-1
module: Sales
priority: must
levels: [integration, unit]
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


@pytest.fixture
def traced(project: Path) -> Path:
    """Return a project with one story, its features generated, and automated results of some levels."""
    write(project / "stories" / "REQ-1.md", STORY)
    assert runner.invoke(app, ["generate", "-C", str(project)]).exit_code == 0
    folder = project / "reports" / "allure-results"
    fingerprints = load_project(project).fingerprints
    for n, (case_id, layer, status, stop) in enumerate(
        [
            ("REQ-1.AC-1", "integration", "failed", 1),  # a retry that passed later, in the other shard
            ("REQ-1.AC-1", "integration", "passed", 5),
            ("REQ-1.AC-1", "unit", "passed", 2),
            ("REQ-1.AC-2", "integration", "passed", 3),
            ("REQ-1.AC-2", "integration", "broken", 4),
            ("REQ-1.AC-2", "unit", "passed", 3),
        ]
    ):
        history = f"{case_id}[{layer}]" + ("" if case_id.endswith("AC-1") else f"#{n % 2}")
        key = case_id if case_id.endswith("AC-1") else f"{case_id}#{n % 2 + 1}"
        _allure_result(folder, key, fingerprints[key], layer, status, history, stop)
    return project


def _allure_result(
    folder: Path, key: str, fingerprint: str, layer: str, status: str, history: str, stop: int
) -> None:
    """Write a result as the pytest plugin labels it, through allure-python-commons."""
    case_id = key.partition("#")[0]
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Label, Link, TestResult

    logger: Any = AllureFileLogger(str(folder))
    logger.report_result(
        TestResult(
            uuid=str(uuid.uuid4()),
            historyId=history,
            name=f"{case_id} [{layer}]",
            status=status,
            labels=[
                Label("case", case_id),
                Label("layer", layer),
                Label(CASE_KEY_LABEL, key),
                Label(FINGERPRINT_LABEL, fingerprint),
            ],
            links=[Link("issue", "DEF-3", "DEF-3")] if status == "broken" else [],
            start=stop - 1,
            stop=stop,
        )
    )


def without_run_details(matrix: Matrix) -> dict[str, Any]:
    data = matrix_data(matrix)
    del data["generated_at"], data["results_folders"], data["evidence"]
    return data


def test_two_shards_give_the_same_matrix_as_one_folder(traced: Path) -> None:
    from uatkit.config import load_config

    config = load_config(traced)
    everything = traced / "reports" / "allure-results"
    shards = [traced / "shard1", traced / "shard2"]
    for n, path in enumerate(sorted(everything.glob("*-result.json"))):
        shards[n % 2].mkdir(exist_ok=True)
        shutil.copy(path, shards[n % 2] / path.name)
    whole = load_matrix(Project(config), choose_evidence(Project(config), [everything]))
    sharded = load_matrix(Project(config), choose_evidence(Project(config), shards))
    assert without_run_details(sharded) == without_run_details(whole)
    assert sharded.results_folders == ("shard1", "shard2")
    (requirement,) = whole.requirements
    assert requirement.status is TraceStatus.FAILED and requirement.reason == "integration broken: AC-2"
    assert requirement.defects == ("DEF-3",)
    assert [c.results["integration"].status for c in requirement.cases] == ["passed", "broken"]
    assert any("no UAT ledger" in note for note in whole.notes)


def test_missing_results_folders_are_skipped_with_a_note(traced: Path) -> None:
    from uatkit.config import load_config

    gone = EvidenceSet(EvidenceKind.GIVEN, ("nowhere",), (traced / "nowhere",))
    matrix = load_matrix(Project(load_config(traced)), gone)
    assert only(matrix).status is TraceStatus.NOT_RUN
    assert "nowhere: no such results folder (skipped)" in matrix.notes


def test_write_matrix_writes_three_files(tmp_path: Path) -> None:
    paths = write_matrix(evil_matrix(), tmp_path / "reports")
    assert [p.name for p in paths] == ["traceability.html", "traceability.xlsx", "traceability.json"]
    assert json.loads(paths[2].read_text(encoding="utf-8"))["requirements"][1]["title"] == EVIL_FORMULA
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == sorted(p.name for p in paths)


def test_cli_prints_the_matrix_and_writes_its_files(traced: Path) -> None:
    shown = runner.invoke(app, ["trace", "-C", str(traced)])
    assert shown.exit_code == 0, shown.output
    assert "REQ-1" in shown.output and "FAILED" in shown.output
    assert "1 requirements: 0 ACCEPTED, 0 PASSED, 0 NOT RUN, 0 UNCOVERED, 1 FAILED" in shown.output
    assert "wrote reports/traceability.xlsx" in shown.output
    assert (traced / "reports" / "traceability.html").is_file()
    (traced / "reports" / "traceability.json").unlink()
    as_json = runner.invoke(app, ["trace", "-C", str(traced), "--format", "json", "--no-write"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["requirements"][0]["status"] == "FAILED"
    assert not (traced / "reports" / "traceability.json").exists()


def test_cli_reads_the_given_folders_and_refuses_missing_ones(traced: Path) -> None:
    empty = traced / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["trace", "-C", str(traced), "--results", str(empty), "--no-write"])
    assert result.exit_code == 0 and "NOT RUN" in result.output
    missing = runner.invoke(app, ["trace", "-C", str(traced), "--results", str(traced / "nowhere")])
    assert missing.exit_code == 2


def test_cli_never_reads_a_merged_folder_without_its_manifest(traced: Path) -> None:
    config = Config(root=traced, report=ReportConfig())
    (config.root / config.report.merged).mkdir(parents=True)
    data = json.loads(
        runner.invoke(app, ["trace", "-C", str(traced), "--format", "json", "--no-write"]).stdout
    )
    assert data["results_folders"] == ["reports/allure-results"]
    assert data["evidence"]["kind"] == "unreported"
    assert "reports/merged-results has no evidence manifest and is not read" in data["evidence"]["notes"][0]
    assert data["requirements"][0]["status"] == "FAILED"


@pytest.mark.skipif(
    not (REPO / "reports" / "uat.db").is_file() or not (REPO / "reports" / "allure-results").is_dir(),
    reason="the demo has not run (make demo)",
)
def test_cli_on_the_demo_project() -> None:
    result = runner.invoke(app, ["trace", "-C", str(REPO), "--format", "json", "--no-write"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ids = [r["id"] for r in data["requirements"]]
    assert "REQ-101" in ids and data["summary"]["requirements"] == len(ids)
    assert data["summary"]["uat_cases"] > 0 and data["packs"]


def test_the_page_sorts_filters_and_opens_requirements(tmp_path: Path, page: Any) -> None:
    matrix = build(
        [case(AC1, "unit"), case("REQ-2.AC-1", "unit")],
        [result(AC1, "unit"), result("REQ-2.AC-1", "unit", "failed")],
        stories=[story("REQ-1"), story("REQ-2", "Sales by day")],
    )
    (path,) = [p for p in write_matrix(matrix, tmp_path) if p.suffix == ".html"]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(path.as_uri())
    order = "bs => bs.map(b => b.dataset.kId)"
    assert page.locator("tbody.req").evaluate_all(order) == ["REQ-1", "REQ-2"]
    page.click('th[data-key="status"]')
    assert page.locator("tbody.req").evaluate_all(order) == ["REQ-2", "REQ-1"]  # FAILED first
    page.fill("#filter", "sales by")
    assert page.inner_text("#shown") == "1 of 2 requirements"
    assert page.locator("tbody.req:visible").evaluate_all(order) == ["REQ-2"]
    page.locator("tbody.req:visible tr.main td").nth(2).click()
    assert page.locator("tbody.req:visible tr.cases").is_visible()
    assert "REQ-2.AC-1" in page.inner_text("tbody.req:visible tr.cases")
    page.fill("#filter", "")
    page.select_option("#f-status", "NOT RUN")
    assert page.inner_text("#shown") == "0 of 2 requirements" and page.is_visible("#nothing")
    assert errors == []


def test_a_uat_row_whose_marks_disagree_never_looks_passed() -> None:
    matrix = build(
        [case("REQ-1.AC-1#1", "manual"), case("REQ-1.AC-1#2", "manual")],
        states=[state("REQ-1.AC-1#1"), conflict("REQ-1.AC-1#2")],
        packs=[pack("REQ-1.AC-1#1", "REQ-1.AC-1#2")],
        signoffs=signed(),
    )
    uat = only(matrix).cases[0].results["uat"]
    assert uat.status == "unknown" and "marks disagree" in uat.message
    assert only(matrix).status is not TraceStatus.ACCEPTED


def test_the_matrix_counts_only_the_configured_releases_packs() -> None:
    from dataclasses import replace

    from uatkit.config import UatConfig
    from uatkit.uat.ledger import release_packs

    old = pack("REQ-1.AC-1", pack_id="R0-sales")
    old = PackSummary(replace(old.info, release="R0"), old.rows)
    current = pack("REQ-1.AC-1")
    config = Config(root=Path("/project"), uat=UatConfig(release="R1"))
    assert release_packs([old, current], config.uat.release) == [current]
    assert release_packs([old, current], Config(root=Path("/project")).uat.release) == [old, current]


# --- evidence: what each level of a case rests on ---------------------------------------------------------

RUN = "3f2a9c1e0a1b4c5d9e8f7a6b5c4d3e2f"
FP = "sha256:" + "ab12cd34ef56" + "0" * 52
MARK_FP = "sha256:" + "9988776655aa" + "1" * 52
STAGING = RunFacts(RUN, "reports/allure-results", app_version="2.4.1", app_build="77", environment="staging")
#: 2026-11-25 14:03:20 UTC in milliseconds, as Allure stamps results.
STOP = 1_795_615_400_000


def evidenced(runs: Sequence[RunFacts] = (STAGING,)) -> Matrix:
    """Return a matrix whose one case passed e2e in a recorded run and UAT by Li Wei's mark #1."""
    current = replace(case(AC1, "e2e"), fingerprint=FP)
    passed = result(AC1, "e2e", run_id=RUN, fingerprint=FP, stop=STOP)
    return build_matrix(
        Config(root=Path("/project")), Catalogue((story(),)), [current], [passed],
        {AC1: state(AC1, fingerprint=MARK_FP)}, [pack(AC1)], signed(), now=NOW, runs=runs,
    )  # fmt: skip


def test_each_level_names_the_run_or_the_mark_it_rests_on_in_the_json() -> None:
    results = matrix_data(evidenced())["requirements"][0]["cases"][0]["results"]
    assert results["e2e"]["evidence"] == [
        {"key": AC1, "status": "passed", "fingerprint": FP, "at": "2026-11-25T14:03:20+00:00", "run_id": RUN,
         "run_recorded": True, "app_version": "2.4.1", "app_build": "77", "environment": "staging",
         "mark_id": None, "tester": "", "pack_id": ""},
    ]  # fmt: skip
    assert results["uat"]["evidence"] == [
        {"key": AC1, "status": "passed", "fingerprint": MARK_FP, "at": "2026-11-24", "run_id": "",
         "run_recorded": False, "app_version": "", "app_build": "", "environment": "",
         "mark_id": 1, "tester": "Li Wei", "pack_id": PACK},
    ]  # fmt: skip
    assert results["unit"]["evidence"] == []


def test_a_result_whose_run_has_no_record_says_so() -> None:
    e2e = only(evidenced(runs=())).cases[0].results["e2e"]
    (evidence,) = e2e.evidence
    assert (evidence.run_id, evidence.recorded, evidence.environment) == (RUN, False, "")
    assert "run 3f2a9c1e0a1b · no run record" in text_of(matrix_html(evidenced(runs=())))


def text_of(html: str) -> str:
    """Return a page's text without its tags (an evidence line's parts are spans of their own)."""
    return re.sub(r"<[^>]+>", "", html)


def test_the_page_shows_the_evidence_under_each_case_chip() -> None:
    raw = matrix_html(evidenced())
    html = text_of(raw)
    assert "run 3f2a9c1e0a1b · v2.4.1 b77 · staging" in html
    assert "2026-11-25 14:03 UTC · scenario ab12cd34ef56" in html
    assert "Li Wei · 2026-11-24 · mark #1" in html and f"pack {PACK} · scenario 9988776655aa" in html
    # Every row in full in the tooltip: the whole run ID.
    assert f'title="passed in run {RUN} · v2.4.1 b77 · staging · 2026-11-25 14:03 UTC' in raw


def test_the_cases_sheet_has_an_evidence_column_per_level(tmp_path: Path) -> None:
    path = tmp_path / "traceability.xlsx"
    facts = EvidenceSet(EvidenceKind.GIVEN, ("results",), runs=(replace(STAGING, base_url="http://x"),))
    path.write_bytes(matrix_xlsx(replace(evidenced(), evidence=facts)))
    sheet = openpyxl.load_workbook(path)["Cases"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert [h for h in header if str(h).endswith("evidence")] == [
        "Unit evidence", "Integration evidence", "E2E evidence", "UAT evidence",
    ]  # fmt: skip
    e2e, uat = row["E2E evidence"], row["UAT evidence"]
    assert (
        e2e.value
        == f"passed in run {RUN} · v2.4.1 b77 · staging · 2026-11-25 14:03 UTC · scenario ab12cd34ef56"
    )
    assert uat.value == f"Pass by Li Wei on 2026-11-24 · mark #1 · pack {PACK} · scenario 9988776655aa"
    assert e2e.data_type == uat.data_type == "s" and row["Unit evidence"].value is None
    summary = [c.value for r in openpyxl.load_workbook(path)["Summary"].iter_rows() for c in r]
    assert "Base URL" in summary and "Base url" not in summary


def test_an_outline_counts_its_rows_evidence_by_tester_and_lists_every_row() -> None:
    keys = [f"{AC1}#{n}" for n in (1, 2, 3)]
    states = [
        state(keys[0]),
        replace(state(keys[1]), mark_id=7),
        CaseState(keys[2], AC1, Mark(keys[2], Status.PASS, tester="Bo", date=dt.date(2026, 12, 2),
                                     pack_id=PACK), mark_id=12),
    ]  # fmt: skip
    matrix = build([case(k, "manual") for k in keys], states=states, packs=[pack(*keys)])
    uat = only(matrix).cases[0].results["uat"]
    assert [e.mark_id for e in uat.evidence] == [1, 7, 12]
    raw = matrix_html(matrix)
    html = text_of(raw)
    assert "3 rows: Li Wei 2026-11-24 ×2, Bo 2026-12-02 ×1" in html
    assert f"pack {PACK} · marks #1, #7, #12" in html
    assert f"{keys[2]}: Pass by Bo on 2026-12-02 · mark #12" in raw  # every row in the tooltip
    data = matrix_data(matrix)["requirements"][0]["cases"][0]["results"]["uat"]["evidence"]
    assert [(e["key"], e["tester"], e["mark_id"]) for e in data] == [
        (keys[0], "Li Wei", 1), (keys[1], "Li Wei", 7), (keys[2], "Bo", 12),
    ]  # fmt: skip


def test_a_requirement_of_one_case_shows_its_count_like_the_others() -> None:
    one_case = build([case(AC1, "manual")], states=[state(AC1)], packs=[pack(AC1)])
    three = build(
        [case(f"REQ-1.AC-{n}", "manual") for n in (1, 2, 3)],
        states=[state(f"REQ-1.AC-{n}") for n in (1, 2, 3)],
        packs=[pack(*(f"REQ-1.AC-{n}" for n in (1, 2, 3)))],
    )
    assert summary_view(only(one_case), "uat").count == "1/1"
    assert summary_view(only(three), "uat").count == "3/3"
    assert '<span class="lv lv-passed">Pass</span><span class="count">1/1</span>' in matrix_html(one_case)


LONG_URL = "https://staging.orders.example.com/a/very/long/base/path/that/should/wrap/inside/its/cell/" * 2


def test_the_pages_fit_1300_pixels_with_evidence(tmp_path: Path, page: Any) -> None:
    from uatkit.config import DEFAULT_GATES
    from uatkit.trace.signoff import evaluate, render_signoff, write_signoff

    commit = "0123456789abcdef" * 2 + "-dirty"
    run = replace(STAGING, base_url=LONG_URL, started="2026-11-25T14:00:00+00:00", levels=("e2e",), tests=1)
    runs = (replace(run, stopped="2026-11-25T14:03:20+00:00", browser="chromium 131", commit=commit),)
    evidence = EvidenceSet(EvidenceKind.REPORT, ("reports/merged-results",), manifest_id="1a2b3c4d5e6f",
                           created="2026-11-20T15:00:00+00:00", release="R1", runs=runs)  # fmt: skip
    matrix = replace(evidenced(runs), evidence=evidence, project="Order management")
    write_matrix(matrix, tmp_path)
    signoff = write_signoff(
        render_signoff(matrix, evaluate(matrix, DEFAULT_GATES), Config(root=tmp_path)), tmp_path
    )
    page.set_viewport_size({"width": 1300, "height": 900})
    shots = REPO / "reports" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.goto((tmp_path / "traceability.html").as_uri())
    page.click("#expand")
    page.screenshot(path=str(shots / "traceability-evidence.png"), full_page=True)
    wide = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    assert page.evaluate(wide)
    assert "run 3f2a9c1e0a1b · v2.4.1 b77 · staging" in page.inner_text("tr.cases")
    page.goto(signoff.as_uri())
    page.screenshot(path=str(shots / "signoff-evidence.png"), full_page=True)
    assert page.evaluate(wide)
    run = page.locator("table.runs td.run-id")
    assert run.inner_text() == RUN[:12] and run.get_attribute("title") == RUN
    # One line: the ID no longer breaks into "dcc / bde / ac".
    lines = "td => { const r = document.createRange(); r.selectNodeContents(td); "
    lines += "return r.getClientRects().length; }"
    assert run.evaluate(lines) == 1
    main = page.locator("main").evaluate("m => m.getBoundingClientRect().right")
    assert page.locator("table.runs").evaluate("t => t.getBoundingClientRect().right") <= main
    assert "Li Wei · 2026-11-24 · mark #1" in page.inner_text("table.requirements")


def test_the_matrix_shows_each_requirements_epic_and_labels(tmp_path: Path) -> None:
    tagged_story = replace(story(), epic="SAL-1 Order totals", labels=("checkout", "<b>web</b>"))
    matrix = build(
        [case(AC1, "unit")], [result(AC1, "unit")], stories=[tagged_story, story("REQ-2", "Plain")]
    )
    first, plain = matrix_data(matrix)["requirements"]
    assert (first["epic"], first["labels"]) == ("SAL-1 Order totals", ["checkout", "<b>web</b>"])
    assert (plain["epic"], plain["labels"]) == ("", [])
    html = matrix_html(matrix)
    assert "Epic: SAL-1 Order totals" in text_of(html)
    assert (
        '<span class="label">checkout</span>' in html
        and '<span class="label">&lt;b&gt;web&lt;/b&gt;</span>' in html
    )
    # The filter box finds a requirement by its epic and its labels.
    assert 'data-text="req-1 place an order sales' in html and "sal-1 order totals checkout" in html
    path = tmp_path / "traceability.xlsx"
    path.write_bytes(matrix_xlsx(matrix))
    sheet = openpyxl.load_workbook(path)["Requirements"]
    header = [c.value for c in sheet[1]]
    row = {name: cell.value for name, cell in zip(header, sheet[2], strict=True)}
    assert (row["Epic"], row["Labels"]) == ("SAL-1 Order totals", "checkout, <b>web</b>")
