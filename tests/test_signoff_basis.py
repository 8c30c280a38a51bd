"""What a sign-off rests on: a pack's decision counts only over marks recorded from it, and the verdict names
the version, build and environment the UAT marks were made on, warning of marks made on none or another."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import write
from tests.test_trace import AC1, NOW, PACK, STAGING, build, case, pack, result, signed, state, story
from tests.test_uat_roundtrip import STORY_EN, STORY_ZH, TODAY, fill, invoke, passed, runner, uat
from uatkit.cli import app
from uatkit.config import DEFAULT_GATES, Config, Gate
from uatkit.model import Catalogue, Decision, Mark, Status
from uatkit.trace.matrix import build_matrix
from uatkit.trace.model import Matrix, Outcome, RunFacts
from uatkit.trace.signoff import evaluate, render_signoff
from uatkit.uat.ledger import CaseState
from uatkit.uat.pack import PackTarget

AC2 = "REQ-1.AC-2"
PACKS_SIGNED = Gate("packs_signed", "no-go", ())


def packs_signed(matrix: Matrix) -> tuple[bool, str, tuple[str, ...]]:
    (result,) = evaluate(matrix, [PACKS_SIGNED]).gates
    return result.passed, result.reason, result.packs


# --- a sign-off rests on marks ------------------------------------------------------------------------------


def test_a_pack_signed_accepted_with_no_mark_recorded_is_not_signed_off() -> None:
    # The tester filled the wrong columns: the pack came back signed, its rows recorded nothing.
    matrix = build([case(AC1, "manual"), case(AC2, "manual")], packs=[pack(AC1, AC2)], signoffs=signed())
    assert matrix.marked_rows == {PACK: (0, 2)}
    passed, reason, packs = packs_signed(matrix)
    assert not passed and packs == (PACK,)
    assert reason == (
        f"1 of 1 UAT pack not Accepted: {PACK} signed Accepted but none of its 2 rows has a mark "
        "(fill Status, Tester and Date in the pack's own columns, import it again)"
    )
    assert evaluate(matrix, DEFAULT_GATES).outcome is Outcome.NO_GO


def test_accepted_with_conditions_and_no_mark_is_not_signed_off_either() -> None:
    matrix = build([case(AC1, "manual")], packs=[pack(AC1)], signoffs=signed(Decision.WITH_CONDITIONS))
    passed, reason, _ = packs_signed(matrix)
    assert not passed and "signed Accepted with conditions but none of its 1 row has a mark" in reason


def test_only_marks_recorded_from_the_pack_itself_count_for_its_decision() -> None:
    # The rows hold marks, but from another pack: this pack's signature is still under nothing.
    other = [CaseState(k, k, mark=Mark(k, Status.PASS, pack_id="R1-other"), mark_id=1) for k in (AC1, AC2)]
    matrix = build(
        [case(AC1, "manual"), case(AC2, "manual")], states=other, packs=[pack(AC1, AC2)], signoffs=signed()
    )
    assert matrix.marked_rows == {PACK: (0, 2)}
    assert not packs_signed(matrix)[0]


def test_a_stale_or_contested_mark_from_the_pack_is_a_recorded_mark() -> None:
    marks = (Mark(AC2, Status.PASS, pack_id=PACK), Mark(AC2, Status.FAIL, pack_id=PACK))
    contested = CaseState(AC2, AC2, conflict=marks, history=2)
    matrix = build(
        [case(AC1, "manual"), case(AC2, "manual")],
        states=[state(AC1, stale=True), contested],
        packs=[pack(AC1, AC2)],
        signoffs=signed(),
    )
    assert matrix.marked_rows == {PACK: (2, 2)}
    assert packs_signed(matrix)[0]


def test_rows_left_without_a_mark_keep_the_decision_and_are_named() -> None:
    # How much was run is the uat_executed gate's question; the decision stands on the marks there are.
    matrix = build(
        [case(AC1, "manual"), case(AC2, "manual")],
        states=[state(AC1)],
        packs=[pack(AC1, AC2)],
        signoffs=signed(),
    )
    passed, reason, _ = packs_signed(matrix)
    assert passed and reason == f"1 of 1 UAT pack signed off Accepted; rows without a mark: {PACK} 1 of 2"


def test_a_fully_marked_pack_says_nothing_more() -> None:
    matrix = build([case(AC1, "manual")], states=[state(AC1)], packs=[pack(AC1)], signoffs=signed())
    assert packs_signed(matrix) == (True, "1 of 1 UAT pack signed off Accepted", ())


# --- what the UAT marks were made on ---------------------------------------------------------------------


def marked_on(*targets: PackTarget | None, runs: tuple[RunFacts, ...] = (STAGING,)) -> Matrix:
    """Return a matrix of one e2e case per target, passed in the staging run and marked Pass on the target."""
    keys = [f"REQ-1.AC-{n}" for n in range(1, len(targets) + 1)]
    cases = [replace(case(key, "e2e"), fingerprint=f"sha256:{key}") for key in keys]
    results = [result(key, "e2e", run_id=STAGING.run_id) for key in keys]
    states = {
        key: replace(state(key, fingerprint=f"sha256:{key}"), mark_id=n) for n, key in enumerate(keys, 1)
    }
    found = {n: t for n, t in enumerate(targets, 1) if t is not None}
    return build_matrix(
        Config(root=Path("/project")), Catalogue((story(),)), cases, results, states, [pack(*keys)], signed(),
        now=NOW, runs=runs, targets=found,
    )  # fmt: skip


SAME = PackTarget(version="2.4.1", build="77", environment="staging")


def test_the_verdict_names_what_the_marks_were_made_on_without_a_warning_when_it_is_the_run_s() -> None:
    verdict = evaluate(marked_on(SAME, SAME), DEFAULT_GATES)
    assert verdict.uat_targets == (("2.4.1 (build 77), staging", 2),)
    assert verdict.uat_basis == "2.4.1 (build 77), staging: 2 marks"
    assert verdict.warnings == ()
    assert verdict.outcome is Outcome.GO


def test_marks_of_a_pack_exported_without_a_target_are_counted_and_warned_of_not_gated() -> None:
    verdict = evaluate(marked_on(SAME, None), DEFAULT_GATES)
    assert verdict.uat_targets == (("2.4.1 (build 77), staging", 1), ("no target", 1))
    assert verdict.warnings == (
        f"1 UAT mark rests on no named version, build or environment: pack {PACK} named no target when "
        "exported, so what was tested is not recorded (export the next round with --app-version, "
        "--app-build and --environment)",
    )
    # Said, not decided: the gates are unchanged, so an agreed round on a known build is not NO-GO for it.
    assert verdict.outcome is Outcome.GO


def test_marks_made_on_another_version_or_build_than_the_runs_checked_are_warned_of() -> None:
    older = PackTarget(version="2.4.0", build="70", environment="UAT")
    other_build = PackTarget(version="2.4.1", build="76")
    verdict = evaluate(marked_on(older, other_build, SAME), DEFAULT_GATES)
    (warning,) = verdict.warnings
    assert warning == (
        "2 UAT marks were made on 2.4.0 (build 70), UAT, 2.4.1 (build 76), not on what the automated runs "
        f"checked (2.4.1, build 77): pack {PACK}"
    )


def test_without_automated_facts_nothing_is_compared() -> None:
    verdict = evaluate(marked_on(SAME, runs=()), DEFAULT_GATES)
    assert verdict.warnings == ()


def test_the_page_and_the_json_show_the_targets_and_the_warnings() -> None:
    matrix = marked_on(SAME, None)
    verdict = evaluate(matrix, DEFAULT_GATES)
    html = render_signoff(matrix, verdict, Config(root=Path("/project")))
    assert "UAT marks made on: 2.4.1 (build 77), staging: 1 mark; no target: 1 mark" in html
    assert "1 UAT mark rests on no named version" in html
    data = json.loads(json.dumps(verdict.as_dict()))
    assert data["uat_targets"] == [
        {"target": "2.4.1 (build 77), staging", "marks": 1},
        {"target": "no target", "marks": 1},
    ]
    assert data["warnings"] == list(verdict.warnings)


# --- the same through real packs ------------------------------------------------------------------------


@pytest.fixture
def exported(project: Path) -> Path:
    """Return a project with its R1 packs (Sales, and Reporting in Chinese) exported, naming no target."""
    write(project / "stories" / "REQ-1.md", STORY_EN)
    write(project / "stories" / "REQ-2.md", STORY_ZH)
    invoke(project, "generate")
    uat(project, "export", "--release", "R1")
    return project


def test_a_pack_signed_over_marks_in_the_wrong_columns_is_named_by_the_sign_off(exported: Path) -> None:
    packs = exported / "uat_packs" / "R1"
    # The tester wrote the results in the Comments column; the Status, Tester and Date columns stay empty.
    wrong = {"comments": "Pass, Li Wei"}
    fill(
        packs / "R1-sales.xlsx",
        {"REQ-1.AC-1": wrong, "REQ-1.AC-2#1": wrong, "REQ-1.AC-2#2": wrong},
        {"decision": "Accepted", "name": "Ann Lee", "date": TODAY},
    )
    fill(
        packs / "R1-reporting.xlsx",
        {"REQ-2.AC-1": passed()},
        {"decision": "Accepted", "name": "王芳", "date": TODAY},
    )
    uat(exported, "import", str(packs))
    done = runner.invoke(app, ["signoff", "-C", str(exported), "--format", "json", "--no-write"])
    assert done.exit_code == 1, done.output  # NO-GO: REQ-1 has no mark at all
    data = json.loads(done.stdout)
    (gate,) = [g for g in data["gates"] if g["rule"] == "packs_signed"]
    assert not gate["passed"] and gate["packs"] == ["R1-sales"]
    assert "R1-sales signed Accepted but none of its 3 rows has a mark" in gate["reason"]
    # The packs were exported naming no version, build or environment: the verdict says so.
    assert data["uat_targets"] == [{"target": "no target", "marks": 1}]
    assert any("pack R1-reporting named no target" in w for w in data["warnings"])
