"""The sign-off verdict: each gate rule, the outcome, the configured gates, the page and the command."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from uatkit.cli import app
from uatkit.config import DEFAULT_GATES, Config, Gate, parse_config
from uatkit.errors import ConfigError
from uatkit.model import Decision, Priority, SignOff
from uatkit.project import Project
from uatkit.trace.model import (
    CaseTrace,
    EvidenceSet,
    LevelResult,
    Matrix,
    RemovedRequirement,
    RequirementTrace,
    RowEvidence,
    TraceStatus,
)
from uatkit.trace.signoff import (
    GateResult,
    Outcome,
    evaluate,
    open_failures,
    render_signoff,
    status_counts,
    write_signoff,
)

MUST, SHOULD, COULD = Priority.MUST, Priority.SHOULD, Priority.COULD
ACCEPTED, PASSED, FAILED = TraceStatus.ACCEPTED, TraceStatus.PASSED, TraceStatus.FAILED
NOT_RUN, UNCOVERED = TraceStatus.NOT_RUN, TraceStatus.UNCOVERED
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def case(
    case_id: str,
    uat: str = "passed",
    failing: str = "",
    message: str = "",
    stale: int = 0,
    defects: tuple[str, ...] = (),
    packs: tuple[str, ...] = ("R1-Sales",),
) -> CaseTrace:
    """Return a case that passed at integration, with its UAT status and optionally a failing level."""
    results = {"integration": LevelResult("integration", "passed", 1, 1)}
    if uat:
        results["uat"] = LevelResult("uat", uat, 1, int(uat == "passed"))
    if failing:
        results[failing] = LevelResult(failing, "failed", 1, 0, message=message)
    return CaseTrace(case_id, f"{case_id} title", ("integration",), True, results, defects, stale, 0, packs)


def req(
    rid: str,
    status: TraceStatus = ACCEPTED,
    priority: Priority = MUST,
    module: str = "Sales",
    reason: str = "",
    stale: int = 0,
    cases: tuple[CaseTrace, ...] | None = None,
    title: str = "",
) -> RequirementTrace:
    """Return a requirement row; its one case matches the status unless cases are given."""
    if cases is None:
        cases = (
            () if status is UNCOVERED else (case(f"{rid}.AC-1", uat="passed" if status is ACCEPTED else ""),)
        )
    return RequirementTrace(
        rid,
        title or f"{rid} title",
        module,
        priority,
        "Sales operations",
        status,
        cases,
        {},
        (),
        stale,
        "",
        reason,
    )


def accepted(
    pack: str = "R1-Sales", decision: Decision | None = Decision.ACCEPTED, conditions: str = ""
) -> SignOff:
    """Return a pack's sign-off sheet."""
    return SignOff(pack, "Sales operations", decision, conditions, "Ann Smith", dt.date(2026, 5, 2))


def matrix(
    *requirements: RequirementTrace,
    signoffs: Sequence[SignOff] = (),
    packs: Sequence[str] = ("R1-Sales",),
    executed: int = 10,
    cases: int = 10,
) -> Matrix:
    """Return a matrix; every pack is signed off Accepted unless sign-offs are given."""
    sheets = list(signoffs) if signoffs else [accepted(p) for p in packs]
    return Matrix(
        requirements,
        {s.pack_id: s for s in sheets},
        dict.fromkeys(packs, "Sales operations"),
        executed,
        cases,
        dt.datetime(2026, 5, 4, 10, 30),
        project="Order management",
    )


def one(
    rule: str, m: Matrix, on_fail: str = "no-go", priorities: tuple[Priority, ...] = (MUST,), pct: float = 0
) -> GateResult:
    """Return the result of one gate on the matrix."""
    return evaluate(m, [Gate(rule, on_fail, priorities, pct)]).gates[0]


# --- the rules -------------------------------------------------------------------------------------------


def test_accepted_passes_when_every_must_requirement_is_accepted() -> None:
    result = one("accepted", matrix(req("REQ-1"), req("REQ-2"), req("REQ-3", FAILED, SHOULD)))
    assert result.passed and result.reason == "2 of 2 must requirements are ACCEPTED"
    assert result.requirements == ()


def test_accepted_fails_naming_each_requirement_with_its_status_and_counts_uncovered() -> None:
    m = matrix(
        req("REQ-1"),
        req("REQ-2", FAILED, reason="e2e failed"),
        req("REQ-3", PASSED, reason="pack not signed off"),
        req("REQ-4", UNCOVERED),
        req("REQ-5", NOT_RUN, SHOULD),
    )
    result = one("accepted", m)
    assert not result.passed
    assert result.reason == (
        "3 of 4 must requirements are not ACCEPTED: REQ-2 (FAILED: e2e failed), "
        "REQ-3 (PASSED: pack not signed off), REQ-4 (UNCOVERED)"
    )
    assert result.requirements == ("REQ-2", "REQ-3", "REQ-4")
    everything = one("accepted", m, priorities=())
    assert everything.requirements == ("REQ-2", "REQ-3", "REQ-4", "REQ-5")
    assert everything.reason.startswith("4 of 5 requirements are not ACCEPTED")


def test_a_long_list_of_ids_is_cut_short_but_every_id_is_kept() -> None:
    m = matrix(*(req(f"REQ-{n}", PASSED) for n in range(1, 13)))
    result = one("accepted", m)
    assert result.reason.endswith("REQ-5 (PASSED) and 7 more")
    assert "REQ-6" not in result.reason and len(result.requirements) == 12


def test_not_failed_looks_only_at_the_gate_priorities() -> None:
    m = matrix(
        req("REQ-1", PASSED), req("REQ-2", FAILED, SHOULD, reason="UAT failed"), req("REQ-3", FAILED, COULD)
    )
    result = one("not_failed", m, priorities=(MUST, SHOULD))
    assert not result.passed and result.requirements == ("REQ-2",)
    assert result.reason == "1 of 2 must/should requirements FAILED: REQ-2 (UAT failed)"
    assert one("not_failed", m).passed


def test_uat_executed_compares_the_share_with_the_minimum() -> None:
    waiting = req("REQ-2", PASSED)
    assert one("uat_executed", matrix(req("REQ-1"), executed=57, cases=60), pct=95).passed
    result = one("uat_executed", matrix(req("REQ-1"), waiting, executed=56, cases=60), pct=95)
    assert not result.passed
    assert result.reason == "only 56 of 60 UAT cases executed (93.3 %), 95 % required; UAT pending on REQ-2"
    assert result.requirements == ("REQ-2",)


def test_uat_executed_fails_when_no_pack_was_imported() -> None:
    result = one("uat_executed", matrix(req("REQ-1"), packs=(), executed=0, cases=0), pct=0)
    assert not result.passed and result.reason == "no UAT packs were imported"


def test_no_stale_names_requirements_with_marks_against_an_older_scenario() -> None:
    stale_case = case("REQ-2.AC-1", uat="", stale=2)
    m = matrix(req("REQ-1"), req("REQ-2", PASSED, cases=(stale_case,)), req("REQ-3", PASSED, SHOULD, stale=1))
    result = one("no_stale", m)
    assert not result.passed and result.requirements == ("REQ-2",)
    assert "REQ-2 (2 stale)" in result.reason and "REQ-3" not in result.reason
    assert one("no_stale", matrix(req("REQ-1"))).passed


def test_no_stale_looks_only_at_the_gate_s_levels() -> None:
    stale_unit = LevelResult(
        "unit", stale=1, message="the scenario changed after these results: run it again"
    )
    automated = replace(case("REQ-1.AC-1"), results={**case("REQ-1.AC-1").results, "unit": stale_unit})
    m = matrix(
        req("REQ-1", PASSED, cases=(automated,)), req("REQ-2", PASSED, cases=(case("REQ-2.AC-1", stale=1),))
    )

    def gate(*levels: str) -> GateResult:
        return evaluate(m, [Gate("no_stale", "no-go", (MUST,), levels=levels)]).gates[0]

    assert gate().requirements == ("REQ-1", "REQ-2")
    assert gate("uat").requirements == ("REQ-2",) and gate("uat").reason.endswith("at uat: REQ-2 (1 stale)")
    assert gate("unit", "e2e").requirements == ("REQ-1",) and "automated results" in gate("unit").reason
    assert gate("integration").passed and gate("integration").reason.endswith("requirements at integration")


@pytest.mark.parametrize(
    ("sheet", "expected"),
    [
        (
            accepted("R1-Stock", Decision.WITH_CONDITIONS, "Fix the rounding first"),
            'R1-Stock accepted with conditions: "Fix the rounding first"',
        ),
        (accepted("R1-Stock", Decision.REJECTED), "R1-Stock rejected"),
        (accepted("R1-Stock", None), "R1-Stock not signed off"),
    ],
)
def test_packs_signed_fails_unless_every_pack_is_accepted(sheet: SignOff, expected: str) -> None:
    stock = req("REQ-2", PASSED, cases=(case("REQ-2.AC-1", packs=("R1-Stock",)),))
    m = matrix(req("REQ-1"), stock, signoffs=[accepted(), sheet], packs=("R1-Sales", "R1-Stock"))
    result = one("packs_signed", m, priorities=())
    assert not result.passed and result.reason == f"1 of 2 UAT packs not Accepted: {expected}"
    assert result.packs == ("R1-Stock",) and result.requirements == ("REQ-2",)


def test_packs_signed_passes_when_every_pack_is_accepted_or_there_are_none() -> None:
    assert one("packs_signed", matrix(req("REQ-1"), packs=("R1-Sales", "R1-Stock"))).passed
    assert one("packs_signed", matrix(req("REQ-1"), packs=())).reason == "no UAT packs to sign off"
    unsigned = matrix(req("REQ-1"), signoffs=[accepted("R1-Other")], packs=("R1-Sales",))
    assert not one("packs_signed", unsigned).passed


# --- the outcome -----------------------------------------------------------------------------------------


def test_every_gate_passing_is_go() -> None:
    verdict = evaluate(matrix(req("REQ-1"), req("REQ-2", PASSED, COULD)), DEFAULT_GATES)
    assert verdict.outcome is Outcome.GO and verdict.conditions == ()
    assert [g.passed for g in verdict.gates] == [True] * 6
    assert verdict.project == "Order management"


def test_a_failed_no_go_gate_is_no_go_even_with_conditions() -> None:
    m = matrix(req("REQ-1", FAILED, reason="e2e failed"), signoffs=[accepted(decision=None)])
    verdict = evaluate(m, DEFAULT_GATES)
    assert verdict.outcome is Outcome.NO_GO
    assert [g.gate.rule for g in verdict.gates if not g.passed] == ["accepted", "not_failed", "packs_signed"]


def test_a_failed_conditions_gate_is_go_with_conditions() -> None:
    m = matrix(
        req("REQ-1"), signoffs=[accepted(decision=Decision.WITH_CONDITIONS, conditions="Train the staff")]
    )
    verdict = evaluate(m, DEFAULT_GATES)
    assert verdict.outcome is Outcome.GO_WITH_CONDITIONS
    assert verdict.conditions == (
        '1 of 1 UAT pack not Accepted: R1-Sales accepted with conditions: "Train the staff"',
    )


def test_a_pack_accepted_with_conditions_gives_conditions_without_a_packs_gate() -> None:
    m = matrix(
        req("REQ-1"), signoffs=[accepted(decision=Decision.WITH_CONDITIONS, conditions="Train the staff")]
    )
    verdict = evaluate(m, [Gate("accepted", "no-go", (MUST,))])
    assert verdict.outcome is Outcome.GO_WITH_CONDITIONS
    assert verdict.conditions == ('R1-Sales accepted with conditions: "Train the staff"',)


def test_a_no_go_gate_turned_into_a_condition_gives_conditions() -> None:
    m = matrix(req("REQ-1"), req("REQ-2", FAILED, SHOULD))
    gates = [Gate("accepted", "no-go", (MUST,)), Gate("not_failed", "conditions", (SHOULD,))]
    verdict = evaluate(m, gates)
    assert verdict.outcome is Outcome.GO_WITH_CONDITIONS and "REQ-2" in verdict.conditions[0]


@pytest.mark.parametrize(
    ("m", "failing"),
    [
        (matrix(req("REQ-1"), req("REQ-2", UNCOVERED)), ["accepted"]),
        (matrix(req("REQ-1"), req("REQ-2", FAILED, SHOULD)), ["not_failed"]),
        (matrix(req("REQ-1"), executed=9, cases=10), ["uat_executed"]),
        (matrix(req("REQ-1"), req("REQ-2", PASSED, COULD), packs=(), executed=0, cases=0), ["uat_executed"]),
        (matrix(req("REQ-1", stale=1)), ["no_stale"]),
    ],
)
def test_the_default_gates_say_no_go(m: Matrix, failing: list[str]) -> None:
    verdict = evaluate(m, DEFAULT_GATES)
    assert verdict.outcome is Outcome.NO_GO
    assert [g.gate.rule for g in verdict.gates if not g.passed] == failing


def test_the_default_gates_let_an_unsigned_pack_through_as_a_condition() -> None:
    verdict = evaluate(matrix(req("REQ-1"), signoffs=[accepted(decision=None)]), DEFAULT_GATES)
    assert verdict.outcome is Outcome.GO_WITH_CONDITIONS
    assert verdict.conditions == ("1 of 1 UAT pack not Accepted: R1-Sales not signed off",)


def test_the_verdict_as_json() -> None:
    data = json.loads(json.dumps(evaluate(matrix(req("REQ-1", PASSED)), DEFAULT_GATES).as_dict()))
    assert data["outcome"] == "NO-GO" and data["generated_at"] == "2026-05-04T10:30:00"
    assert data["gates"][0] | {"reason": ""} == {
        "rule": "accepted",
        "on_fail": "no-go",
        "priorities": ["must"],
        "min_percent": 0.0,
        "levels": [],
        "title": "every must requirement ACCEPTED",
        "passed": False,
        "reason": "",
        "requirements": ["REQ-1"],
        "packs": [],
    }


# --- the configured gates --------------------------------------------------------------------------------

GATES_TOML = """
[tool.uatkit.signoff]
[[tool.uatkit.signoff.gates]]
rule = "accepted"
priorities = ["must", "Should"]

[[tool.uatkit.signoff.gates]]
rule = "uat_executed"
min_percent = 80
on_fail = "conditions"
"""


def gates_of(text: str) -> tuple[Gate, ...]:
    """Return the gates a [tool.uatkit] TOML text configures."""
    return parse_config(tomllib.loads(text)["tool"]["uatkit"], root=Path(".")).signoff.gates


def test_custom_gates_are_read_in_order() -> None:
    assert gates_of(GATES_TOML) == (
        Gate("accepted", "no-go", (MUST, SHOULD)),
        Gate("uat_executed", "conditions", (), 80.0),
    )
    assert gates_of("[tool.uatkit]\n") == DEFAULT_GATES
    assert gates_of("[tool.uatkit.signoff]\n") == DEFAULT_GATES


def test_an_empty_gate_list_is_refused_rather_than_always_go() -> None:
    with pytest.raises(ConfigError, match="needs at least one gate"):
        gates_of("[tool.uatkit.signoff]\ngates = []\n")


@pytest.mark.parametrize(
    ("gate", "message"),
    [
        ('rule = "signed"', "signoff.gates[1]: rule = 'signed' is not one of accepted, not_failed"),
        ('rule = "accepted"\non_fail = "warn"', "on_fail = 'warn' is not one of no-go, conditions"),
        ('rule = "accepted"\npriorities = ["urgent"]', "priorities = 'urgent' is not one of must | should"),
        ('rule = "uat_executed"\nmin_percent = 150', "min_percent must be a number from 0 to 100, got 150"),
        ('rule = "uat_executed"\nmin_percent = true', "min_percent must be a number from 0 to 100, got True"),
        ('rule = "accepted"\nlevel = "e2e"', "signoff.gates[1]: unknown key(s) level"),
    ],
)
def test_a_bad_gate_is_refused_naming_the_gate_and_value(gate: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        gates_of(f"[[tool.uatkit.signoff.gates]]\n{gate}\n")


def test_gates_must_be_a_list_of_tables() -> None:
    with pytest.raises(ConfigError, match=re.escape("signoff.gates must be a list of tables")):
        gates_of('[tool.uatkit.signoff]\ngates = "accepted"\n')


# --- what the page shows ---------------------------------------------------------------------------------


def meeting() -> Matrix:
    """Return a matrix with a bit of everything, hostile text included."""
    return matrix(
        req("REQ-1", module="Sales"),
        req("REQ-2", module="Sales"),
        req(
            "REQ-3",
            FAILED,
            module="Sales",
            reason="e2e failed",
            title=f"Orders {SCRIPT}",
            cases=(case("REQ-3.AC-1", failing="e2e", message=f"expected 29.97 {IMG}", defects=("BUG-7",)),),
        ),
        req("REQ-4", PASSED, SHOULD, module="库存"),
        req("REQ-5", UNCOVERED, COULD, module="库存"),
        signoffs=[accepted(), accepted("R1-库存", Decision.WITH_CONDITIONS, f"Fix it {IMG} {SCRIPT}")],
        packs=("R1-Sales", "R1-库存"),
    )


def page(m: Matrix, config: Config | None = None) -> str:
    """Return the sign-off page of a matrix under the default gates."""
    return render_signoff(m, evaluate(m, DEFAULT_GATES), config or Config(root=Path("/nowhere")))


def test_open_failures_list_each_failing_level_with_defects() -> None:
    rows = open_failures(meeting())
    assert [(f.requirement.id, f.case_id, f.level, f.defects) for f in rows] == [
        ("REQ-3", "REQ-3.AC-1", "e2e", ("BUG-7",))
    ]
    bare = open_failures(matrix(req("REQ-9", FAILED, reason="UAT conflict", cases=(case("REQ-9.AC-1"),))))
    assert [(f.requirement.id, f.level, f.message) for f in bare] == [("REQ-9", "", "UAT conflict")]


def test_status_counts_by_module_and_priority() -> None:
    by_module = {
        g.name: (g.total, {s.value: n for s, n in g.counts.items() if n}) for g in status_counts(meeting())
    }
    assert by_module == {
        "Sales": (3, {"ACCEPTED": 2, "FAILED": 1}),
        "库存": (2, {"PASSED": 1, "UNCOVERED": 1}),
    }
    assert [g.name for g in status_counts(meeting(), "priority")] == ["must", "should", "could"]


def test_hostile_text_is_escaped() -> None:
    html = page(meeting())
    for raw in (SCRIPT, IMG):
        assert raw not in html
    assert "Orders &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Fix it &lt;img src=x onerror=alert(1)&gt;" in html
    assert "expected 29.97 &lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html


def test_the_page_shows_the_verdict_gates_packs_and_links() -> None:
    html = page(meeting(), Config(root=Path("/nowhere"), defect_url="https://bugs.example.com/{id}"))
    assert 'data-outcome="NO-GO"' in html and "2026-05-04 10:30" in html and "Order management" in html
    assert re.findall(r'data-rule="(\w+)"', html) == [
        "accepted",
        "not_failed",
        "uat_executed",
        "no_stale",
        "packs_signed",
        "changes_approved",
    ]
    assert '<a href="https://bugs.example.com/BUG-7">BUG-7</a>' in html
    assert 'href="traceability.html"' in html
    assert "Accepted with conditions" in html and "Ann Smith" in html and "2026-05-02" in html


def test_each_requirement_shows_per_level_the_run_or_the_mark_it_rests_on() -> None:
    run = RowEvidence(
        "REQ-1.AC-1", "passed", "sha256:ab12cd34ef56ff", "2026-05-03T08:00:00+00:00",
        run_id="dccbdeac0123456789", app_version="2.4.1", app_build="77", environment="staging",
        recorded=True,
    )  # fmt: skip
    mark = RowEvidence(
        "REQ-1.AC-1", "passed", "sha256:9988", "2026-05-02", mark_id=12, tester="Alice", pack_id="R1"
    )
    results = {
        "e2e": LevelResult("e2e", "passed", 1, 1, evidence=(run,)),
        "uat": LevelResult("uat", "passed", 1, 1, evidence=(mark,)),
    }
    trace = CaseTrace("REQ-1.AC-1", "AC-1", ("e2e",), True, results, packs=("R1",))
    passed = replace(req("REQ-1", cases=(trace,)), levels={"e2e": "passed", "uat": "passed"})
    html = page(matrix(passed, req("REQ-2", UNCOVERED)))
    section = html[html.index("<h2>Requirements (2)</h2>") : html.index("<h2>UAT pack sign-offs</h2>")]
    text = re.sub(r"<[^>]+>", "", section)
    assert "run dccbdeac0123 · v2.4.1 b77 · staging" in text
    assert "2026-05-03 08:00 UTC · scenario ab12cd34ef56" in text
    assert "Alice · 2026-05-02 · mark #12" in text and "pack R1 · scenario 9988" in text
    assert 'data-requirement="REQ-2"' in section and "UNCOVERED" in text


def test_the_allure_report_is_linked_when_there_is_one() -> None:
    assert "Allure report" not in page(meeting())
    html = page(replace(meeting(), allure_report="allure-report/index.html"))
    assert html.count('href="allure-report/index.html"') == 2


def test_the_charts_are_svg_stacked_bars_with_the_counts() -> None:
    html = page(meeting())
    charts = [ET.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", html, re.S)]
    assert len(charts) == 2
    bars = {
        g.get("data-group"): (
            g.get("data-total"),
            {r.get("data-status"): r.get("data-count") for r in g.iter("rect")},
        )
        for g in charts[0].iter("g")
    }
    assert bars == {
        "Sales": ("3", {"ACCEPTED": "2", "FAILED": "1"}),
        "库存": ("2", {"PASSED": "1", "UNCOVERED": "1"}),
    }
    widths = [float(r.get("width", "0")) for r in charts[0].iter("rect")]
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.2)  # bars share one scale
    assert "ACCEPTED (2)" in html and "FAILED (1)" in html  # the legend


def test_write_signoff_writes_the_page_in_the_report_folder(tmp_path: Path) -> None:
    path = write_signoff("<p>x</p>", tmp_path / "reports")
    assert path == tmp_path / "reports" / "signoff.html" and path.read_text(encoding="utf-8") == "<p>x</p>"
    assert [p.name for p in path.parent.iterdir()] == ["signoff.html"]


# --- the command -----------------------------------------------------------------------------------------


@pytest.fixture
def fake_matrix(monkeypatch: pytest.MonkeyPatch) -> Callable[[Matrix], list[Any]]:
    """Make load_matrix return a given matrix and record what it was asked for."""

    def install(m: Matrix) -> list[Any]:
        calls: list[Any] = []

        def load_matrix(project: Project, evidence: EvidenceSet, allure_report: str = "") -> Matrix:
            calls.append((list(evidence.paths), allure_report))
            return replace(m, evidence=evidence)

        monkeypatch.setattr("uatkit.trace.matrix.load_matrix", load_matrix)
        return calls

    return install


runner = CliRunner()


def test_no_go_exits_1_and_writes_the_page(project: Path, fake_matrix: Callable[[Matrix], list[Any]]) -> None:
    calls = fake_matrix(meeting())
    (project / "reports" / "merged-results").mkdir(parents=True)
    result = runner.invoke(app, ["signoff", "-C", str(project)])
    assert result.exit_code == 1, result.output
    assert "NO-GO" in result.output and "REQ-3 (e2e failed)" in result.output
    assert "sign-off page: reports/signoff.html" in result.output
    assert (project / "reports" / "signoff.html").is_file()
    # A merged folder without the manifest `uatkit report` writes is not an evidence set: it is not read.
    assert calls == [([], "")]
    assert (
        "unreported results" in result.output and "has no evidence manifest and is not read" in result.output
    )


def test_go_with_conditions_exits_0_and_prints_them(
    project: Path, fake_matrix: Callable[[Matrix], list[Any]]
) -> None:
    m = matrix(
        req("REQ-1"), signoffs=[accepted(decision=Decision.WITH_CONDITIONS, conditions="Train the staff")]
    )
    calls = fake_matrix(m)
    (project / "reports" / "uat-results").mkdir(parents=True)
    result = runner.invoke(app, ["signoff", "-C", str(project), "--no-write"])
    assert result.exit_code == 0, result.output
    assert "GO WITH CONDITIONS" in result.output and "condition: 1 of 1 UAT pack" in result.output
    assert not (project / "reports" / "signoff.html").exists()
    assert calls[0][0] == [project / "reports" / "uat-results"]


def test_go_as_json(project: Path, fake_matrix: Callable[[Matrix], list[Any]], tmp_path: Path) -> None:
    calls = fake_matrix(matrix(req("REQ-1")))
    result = runner.invoke(
        app, ["signoff", "-C", str(project), "--format", "json", "--results", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["outcome"] == "GO" and data["page"].endswith("signoff.html")
    assert calls[0][0] == [tmp_path]


def test_a_bad_gate_in_the_config_is_a_user_error(project: Path) -> None:
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('[[tool.uatkit.signoff.gates]]\nrule = "everything"\n')
    result = runner.invoke(app, ["signoff", "-C", str(project)])
    assert result.exit_code == 2 and "rule = 'everything' is not one of" in result.output


def test_the_real_matrix_of_a_project_without_results_is_no_go(project: Path) -> None:
    (project / "stories" / "r.md").write_text(
        "---\nid: REQ-1\npriority: must\n---\n# Place an order\n\n## AC-1 A\nfree text\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["signoff", "-C", str(project), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["outcome"] == "NO-GO"
    reasons = {g["rule"]: g["reason"] for g in data["gates"] if not g["passed"]}
    assert reasons["accepted"] == "1 of 1 must requirement is not ACCEPTED: REQ-1 (UNCOVERED: no scenario)"
    assert reasons["uat_executed"] == "no UAT packs were imported"
    assert "REQ-1" in (project / "reports" / "signoff.html").read_text(encoding="utf-8")


def test_changes_approved_needs_an_approved_request_for_each_change_and_lists_the_removed() -> None:
    assert one("changes_approved", matrix(req("REQ-1"))).reason == "no baseline: nothing to compare"
    changed = replace(req("REQ-1"), changed_since_baseline="changed")
    added = replace(req("REQ-3"), changed_since_baseline="added", change_requests=("CR-2",))
    m = replace(matrix(changed, added), baseline="R1", removed=(RemovedRequirement("REQ-2", "Old"),))
    result = one("changes_approved", m, priorities=())
    assert not result.passed and result.requirements == ("REQ-1", "REQ-2")
    assert "2 of 3 change(s) since baseline R1" in result.reason
    assert result.reason.endswith("REQ-1 (changed), REQ-2 (removed); removed since R1: REQ-2")
    approved = replace(
        m,
        requirements=(replace(changed, change_requests=("CR-1",)), added),
        removed=(RemovedRequirement("REQ-2", "Old", ("CR-1",)),),
    )
    result = one("changes_approved", approved, priorities=())
    assert result.passed and "each by an approved request" in result.reason
