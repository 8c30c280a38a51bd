"""The evidence set: the manifest `uatkit report` writes, trace and signoff reading exactly that set and
naming it, newer evidence said as such, and the sign-off record with its history (issue 10, items 2, 6)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, write
from tests.test_uat_roundtrip import fill, passed
from uatkit.allure.merge import MANIFEST_FILE
from uatkit.allure.runs import RunRecord, run_file_name, run_record_text
from uatkit.cli import app, common
from uatkit.model import Mark, SourceLocation, Status
from uatkit.project import Project, load_project
from uatkit.trace.evidence import (
    EMPTY_LEDGER,
    RecordState,
    choose_evidence,
    folder_hash,
    manifest_id,
    manifest_text,
    merge_and_declare,
    read_manifest,
    record_status,
)
from uatkit.trace.model import EvidenceKind, EvidenceSet, RunFacts
from uatkit.uat.ledger import Ledger, RecordedGate, SignoffRecord
from uatkit.uat.ledger_schema import MIGRATIONS
from uatkit.uat.pack import PackInfo, PackRow, ReadPack

runner = CliRunner()
ALLURE_CLI = REPO / "node_modules" / "allure" / "package.json"
needs_allure = pytest.mark.skipif(
    shutil.which("npx") is None or not ALLURE_CLI.is_file(),
    reason="the Allure 3 CLI is not installed: Node.js with npm, then `npm ci` (make test does both)",
)
CASE = "REQ-1.AC-1"
STORY = """
---
id: REQ-1
module: Sales
priority: must
levels: [integration]
---
# Place an order

## AC-1 An order is confirmed
Given a customer "ACME" exists
When I place an order for 3 "Widget"
Then the order total is 29.97
"""
SETTINGS = """
[tool.uatkit.uat]
release = "R1"

[[tool.uatkit.signoff.gates]]
rule = "not_failed"
"""


@pytest.fixture
def evidence_project(project: Path) -> Path:
    """Return a project with one story and its feature, release R1, one gate (nothing FAILED)."""
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(SETTINGS)
    write(project / "stories" / "REQ-1.md", STORY)
    assert runner.invoke(app, ["generate", "-C", str(project)]).exit_code == 0
    if ALLURE_CLI.is_file():
        (project / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    return project


def run(
    folder: Path,
    status: str = "passed",
    *,
    environment: str = "staging",
    version: str = "2.4.1",
    record: bool = True,
    stop: int = 1_700_000_000_000,
) -> str:
    """Write a pytest run into a folder as the plugin does: a result labelled with the run, a run record."""
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Label, TestResult

    run_id = uuid.uuid4().hex
    # The scenario as it is now: the project holding the folder gives the case row's fingerprint.
    fingerprint = load_project(next(p for p in folder.parents if p.is_dir())).fingerprints[CASE]
    logger: Any = AllureFileLogger(str(folder))
    logger.report_result(
        TestResult(
            uuid=str(uuid.uuid4()),
            historyId=f"{CASE}[integration]",
            name=f"{CASE} [integration]",
            status=status,
            labels=[
                Label("case", CASE),
                Label("layer", "integration"),
                Label("runId", run_id),
                Label("caseKey", CASE),
                Label("fingerprint", fingerprint),
            ],
            start=stop - 1_000,
            stop=stop,
        )
    )
    if record:
        started = dt.datetime.fromtimestamp((stop - 1_000) / 1000, dt.UTC).isoformat(timespec="seconds")
        facts = RunRecord(
            run_id=run_id,
            started=started,
            stopped=started,
            levels=("integration",),
            tests=1,
            base_url="http://qa.example/",
            browser_name=None,
            browser_version=None,
            commit="abc1234",
            dirty=False,
            app_version=version,
            app_build="77",
            environment=environment,
            project="Demo",
            path=folder / run_file_name(run_id),
        )
        facts.path.write_text(run_record_text(facts), encoding="utf-8")
    return run_id


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def as_json(*args: str) -> dict[str, Any]:
    done = invoke(*args, "--format", "json")
    assert done.exit_code in (0, 1), done.output
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def declare(project: Path, *folders: Path) -> str:
    """Merge folders and write their manifest as `uatkit report` does, without building the Allure report."""
    loaded = load_project(project)
    _summary, manifest, problems = merge_and_declare(loaded, list(folders), {}, None)
    assert problems == []
    return manifest.id


# --- the manifest ----------------------------------------------------------------------------------------


def test_the_manifest_declares_each_folder_its_runs_the_ledger_and_the_merged_set(
    evidence_project: Path,
) -> None:
    a, b = evidence_project / "ci" / "a", evidence_project / "ci" / "b"
    first = run(a, stop=1_700_000_000_000)
    second = run(b, environment="uat", stop=1_700_000_600_000)
    unrecorded = run(b, record=False, stop=1_700_000_900_000)
    ident = declare(evidence_project, a, b)

    merged = evidence_project / "reports" / "merged-results"
    path = merged / MANIFEST_FILE
    manifest = read_manifest(path)
    assert manifest is not None and manifest.id == ident == manifest_id(manifest)
    assert path.read_text(encoding="utf-8") == manifest_text(manifest)  # deterministic: sorted keys
    assert list(json.loads(path.read_text(encoding="utf-8"))) == sorted(json.loads(path.read_text()))
    assert [s.path for s in manifest.sources] == ["ci/a", "ci/b"]
    assert [s.results for s in manifest.sources] == [1, 2]
    assert [s.hash for s in manifest.sources] == [folder_hash(a)[0], folder_hash(b)[0]]
    assert manifest.sources[1].first_start == "2023-11-14T22:23:19+00:00"
    assert manifest.sources[1].last_stop == "2023-11-14T22:28:20+00:00"
    runs = {r.run_id: r for s in manifest.sources for r in s.runs}
    assert set(runs) == {first, second, unrecorded}
    assert (runs[first].environment, runs[first].version, runs[first].commit) == (
        "staging",
        "2.4.1 (build 77)",
        "abc1234",
    )
    assert runs[first].base_url == "http://qa.example/" and runs[first].levels == ("integration",)
    assert runs[second].environment == "uat" and not runs[unrecorded].recorded
    # The three runs ran the same test: the merged set keeps the last.
    assert (manifest.merged.path, manifest.merged.results) == ("reports/merged-results", 1)
    assert manifest.merged.hash == folder_hash(merged)[0]
    assert (manifest.ledger, manifest.release, manifest.project) == (None, "R1", manifest.project)

    # The same evidence declared again has the same ID; other evidence has another.
    assert declare(evidence_project, a, b) == ident
    run(a)
    assert declare(evidence_project, a, b) != ident


def test_an_edited_or_damaged_manifest_is_one_clear_error(evidence_project: Path) -> None:
    run(evidence_project / "reports" / "allure-results")
    declare(evidence_project, evidence_project / "reports" / "allure-results")
    path = evidence_project / "reports" / "merged-results" / MANIFEST_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["sources"][0]["results"] = 99
    path.write_text(json.dumps(data), encoding="utf-8")
    done = invoke("trace", "-C", str(evidence_project), "--no-write")
    assert done.exit_code == 2 and "Traceback" not in done.output
    assert "the manifest does not match its ID: it was edited after `uatkit report`" in done.output
    path.write_text("{", encoding="utf-8")
    done = invoke("signoff", "-C", str(evidence_project), "--no-write")
    assert done.exit_code == 2 and "not a readable evidence manifest" in done.output


# --- which set trace and signoff read --------------------------------------------------------------------


@needs_allure
def test_report_results_a_then_trace_and_signoff_use_a_and_name_it(evidence_project: Path) -> None:
    a, raw = evidence_project / "ci" / "a", evidence_project / "reports" / "allure-results"
    run(a, stop=1_700_000_000_000)
    run(raw, "failed", environment="uat", stop=1_800_000_000_000)
    for path in raw.iterdir():  # the other folder's files are the newest on disk
        os.utime(path, (4_000_000_000, 4_000_000_000))
    done = invoke("report", "-C", str(evidence_project), "--results", "ci/a")
    assert done.exit_code == 0, done.output
    manifest = read_manifest(evidence_project / "reports" / "merged-results" / MANIFEST_FILE)
    assert manifest is not None and [s.path for s in manifest.sources] == ["ci/a"]
    assert f"Evidence set {manifest.id}: 1 results in reports/merged-results" in done.output
    assert "  from ci/a: 1 result files, 1 run" in done.output and "environment: staging" in done.output

    data = as_json("trace", "-C", str(evidence_project))
    evidence = data["evidence"]
    assert (evidence["kind"], evidence["manifest_id"], evidence["sources"]) == (
        "report",
        manifest.id,
        ["ci/a"],
    )
    assert data["results_folders"] == ["reports/merged-results"]
    assert data["requirements"][0]["status"] == "PASSED"  # A's pass, not the newer failure elsewhere
    assert evidence["facts"] == {
        "release": "R1",
        "version": "2.4.1 (build 77)",
        "environment": "staging",
        "base URL": "http://qa.example/",
        "commit": "abc1234",
        "browser": "not recorded",
    }
    assert evidence["drift"] == []
    assert "reports/allure-results: not in this evidence set (the report merged ci/a)" in evidence["notes"]
    shown = invoke("trace", "-C", str(evidence_project))
    assert f"Evidence: evidence set {manifest.id} (uatkit report, " in shown.output
    assert "version: 2.4.1 (build 77) · environment: staging" in shown.output
    html = (evidence_project / "reports" / "traceability.html").read_text(encoding="utf-8")
    assert f'data-manifest="{manifest.id}"' in html and f"evidence set {manifest.id}" in html
    book = openpyxl.load_workbook(evidence_project / "reports" / "traceability.xlsx")
    summary = [str(c.value) for row in book["Summary"].iter_rows() for c in row if c.value]
    assert any(f"evidence set {manifest.id}" in text for text in summary)
    assert "staging" in summary and "2.4.1 (build 77)" in summary

    verdict = as_json("signoff", "-C", str(evidence_project))
    assert verdict["outcome"] == "GO" and verdict["evidence"]["manifest_id"] == manifest.id
    page = (evidence_project / "reports" / "signoff.html").read_text(encoding="utf-8")
    assert (
        "release: R1 · version: 2.4.1 (build 77) · environment: staging" in page and "commit: abc1234" in page
    )
    assert '<dd data-fact="base URL">http://qa.example/</dd>' in page
    assert f"evidence set {manifest.id}" in page and manifest.created in page

    # Other folders are read when asked for, and every output says they are not the report's set.
    given = as_json("trace", "-C", str(evidence_project), "--results", str(raw), "--no-write")
    assert given["evidence"]["kind"] == "given" and given["requirements"][0]["status"] == "FAILED"
    assert given["evidence"]["notes"][0] == (
        "read from the folders given with --results: not the evidence set of the report "
        f"(the report's evidence set is {manifest.id} (reports/merged-results))"
    )
    assert given["evidence"]["facts"]["environment"] == "uat"
    shown = invoke("signoff", "-C", str(evidence_project), "--results", str(raw))
    assert "not the evidence set of the report" in shown.output
    page = (evidence_project / "reports" / "signoff.html").read_text(encoding="utf-8")
    assert "not the evidence set of the report" in page and 'data-kind="given"' in page


def test_without_a_report_the_raw_folders_are_an_unreported_set(evidence_project: Path) -> None:
    raw = evidence_project / "reports" / "allure-results"
    run(raw)
    data = as_json("trace", "-C", str(evidence_project), "--no-write")
    evidence = data["evidence"]
    assert evidence["kind"] == "unreported" and evidence["folders"] == ["reports/allure-results"]
    assert evidence["name"].startswith("unreported results (sha256 ")
    assert evidence["results_hash"] != folder_hash(raw)[0]  # the set's hash names each folder with its own
    assert "no `uatkit report` yet" in evidence["notes"][0]
    assert data["requirements"][0]["status"] == "PASSED"


def test_a_changed_ledger_is_newer_evidence(evidence_project: Path) -> None:
    run(evidence_project / "reports" / "allure-results")
    declare(evidence_project, evidence_project / "reports" / "allure-results")
    loaded = load_project(evidence_project)
    assert choose_evidence(loaded).drift == ()
    import_mark(loaded)
    current = choose_evidence(load_project(evidence_project))
    assert current.drift == (
        "the UAT ledger changed after `uatkit report` (1 marks now, 0 then): "
        "run `uatkit report` to declare the evidence set again",
    )


def import_mark(project: Project) -> None:
    """Import one Pass mark into the project's ledger from a pack file."""
    info = PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "Demo", dt.datetime.now(dt.UTC))
    source = SourceLocation("R1-sales.xlsx", sheet="Test cases", row=2)
    mark = Mark(CASE, Status.PASS, "Alice", dt.date(2026, 11, 20), source=source, fingerprint="fp")
    read = ReadPack(project.root / "R1-sales.xlsx", uuid.uuid4().hex, info, [PackRow(CASE, 2, "fp")], [mark])
    with Ledger.open(project.ledger_path) as ledger:
        ledger.import_pack(read)


# --- the sign-off record ---------------------------------------------------------------------------------


@needs_allure
def test_a_recorded_go_is_superseded_when_a_criterion_changes_without_a_new_run(
    evidence_project: Path,
) -> None:
    raw = evidence_project / "reports" / "allure-results"
    run(raw, stop=1_700_000_000_000)
    assert invoke("report", "-C", str(evidence_project)).exit_code == 0
    done = invoke("signoff", "-C", str(evidence_project), "--record", "--by", "Ann Lee")
    assert done.exit_code == 0, done.output

    # The expected total changes and the feature is regenerated; the results and the ledger stay as they were.
    write(evidence_project / "stories" / "REQ-1.md", STORY.replace("29.97", "32.97"))
    assert invoke("generate", "-C", str(evidence_project)).exit_code == 0
    assert invoke("report", "-C", str(evidence_project)).exit_code == 0

    (status,) = as_json("signoff", "-C", str(evidence_project), "--history")["records"]
    assert status["outcome"] == "GO" and status["state"] == "superseded"
    # The report rewrote the UAT results from the ledger too (the changed case is stale): both are said.
    assert "the scenarios changed (a criterion was edited and its feature regenerated)" in status["reason"]
    (requirement,) = as_json("trace", "-C", str(evidence_project), "--no-write")["requirements"]
    assert (requirement["status"], requirement["reason"]) == ("NOT RUN", "integration stale: AC-1")


def test_a_recorded_signoff_is_kept_and_superseded_by_newer_evidence(
    evidence_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = evidence_project / "reports" / "allure-results"
    run(raw, stop=1_700_000_000_000)
    assert invoke("report", "-C", str(evidence_project)).exit_code == 0
    first = read_manifest(evidence_project / "reports" / "merged-results" / MANIFEST_FILE)
    assert first is not None
    done = invoke(
        "signoff", "-C", str(evidence_project), "--record", "--by", "Ann Lee", "--note", "meeting 24 Nov"
    )
    assert done.exit_code == 0, done.output
    assert f"recorded sign-off 1: GO by Ann Lee on evidence set {first.id} (release R1)" in done.output
    page = (evidence_project / "reports" / "signoff.html").read_text(encoding="utf-8")
    assert 'data-state="current"' in page and "Recorded as sign-off 1: GO by Ann Lee" in page
    # The same command again (a retry) names the first record instead of adding a copy to the history.
    again = invoke(
        "signoff", "-C", str(evidence_project), "--record", "--by", "Ann Lee", "--note", "meeting 24 Nov"
    )
    assert again.exit_code == 0 and "already recorded as sign-off 1: GO by Ann Lee" in again.output

    (status,) = as_json("signoff", "-C", str(evidence_project), "--history")["records"]
    assert {k: status[k] for k in ("id", "recorded_by", "note", "release", "outcome", "evidence_id")} == {
        "id": 1,
        "recorded_by": "Ann Lee",
        "note": "meeting 24 Nov",
        "release": "R1",
        "outcome": "GO",
        "evidence_id": first.id,
    }
    assert (status["results_hash"], status["ledger_digest"]) == (first.merged.hash, EMPTY_LEDGER.digest)
    assert (status["version"], status["environment"], status["commit"]) == (
        "2.4.1 (build 77)",
        "staging",
        "abc1234",
    )
    assert [(g["rule"], g["passed"]) for g in status["gates"]] == [("not_failed", True)]
    assert (status["state"], status["reason"]) == ("current", "")
    monkeypatch.setattr(common.out, "width", 200)  # one line a record, whatever the terminal
    table = invoke("signoff", "-C", str(evidence_project), "--history")
    assert table.exit_code == 0 and "Ann Lee" in table.output and "version 2.4.1 (build 77)" in table.output
    assert "│ current" in table.output

    # A run after the report: the set is not refreshed yet, and nothing can be recorded on it.
    run(raw, "failed", environment="uat", stop=1_700_000_600_000)
    shown = invoke("trace", "-C", str(evidence_project), "--no-write")
    assert (
        "warning: reports/allure-results holds results the evidence set does not (2 result files now, 1 when "
        "reported): run `uatkit report` to declare the evidence set again"
    ) in shown.output
    refused = invoke("signoff", "-C", str(evidence_project), "--record", "--by", "Bob")
    assert (
        refused.exit_code == 2
        and "error: --record: newer evidence than the report's set exists" in refused.output
    )
    (status,) = as_json("signoff", "-C", str(evidence_project), "--history")["records"]
    assert status["state"] == "superseded"
    assert status["reason"] == "results changed after the report in reports/allure-results"

    # The report declares the new set; the record is superseded by it, and the page says so.
    assert invoke("report", "-C", str(evidence_project)).exit_code == 0
    second = read_manifest(evidence_project / "reports" / "merged-results" / MANIFEST_FILE)
    assert second is not None and second.id != first.id
    (status,) = as_json("signoff", "-C", str(evidence_project), "--history")["records"]
    assert status["state"] == "superseded"
    assert status["reason"] == f"newer results: evidence set {second.id} ({second.created})"
    verdict = invoke("signoff", "-C", str(evidence_project))
    assert verdict.exit_code == 1 and "NO-GO" in verdict.output
    assert (
        "last recorded sign-off 1: GO by Ann Lee" in verdict.output
        and ": superseded (newer results" in verdict.output
    )
    page = (evidence_project / "reports" / "signoff.html").read_text(encoding="utf-8")
    assert 'data-state="superseded"' in page and "is superseded by newer evidence" in page
    assert "environment: staging (1 run), uat (1 run)" in page

    # A NO-GO is recorded as such; the history keeps both, the newer one current.
    recorded = invoke("signoff", "-C", str(evidence_project), "--record", "--by", "Bob")
    assert recorded.exit_code == 1 and "recorded sign-off 2: NO-GO by Bob" in recorded.output
    records = as_json("signoff", "-C", str(evidence_project), "--history")["records"]
    assert [(r["id"], r["outcome"], r["state"]) for r in records] == [
        (1, "GO", "superseded"),
        (2, "NO-GO", "current"),
    ]
    assert records[1]["environment"] == "staging (1 run), uat (1 run)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record"], "--record needs --by NAME"),
        (["--by", "Ann"], "--by and --note go with --record"),
        (
            ["--record", "--by", "Ann", "--results", "RAW"],
            "--record takes the report's evidence set",
        ),
        (["--record", "--by", "Ann"], "--record needs an evidence set: run `uatkit report` first"),
        (["--history", "--record"], "--history lists the records"),
    ],
)
def test_a_record_names_one_declared_evidence_set_or_is_refused(
    evidence_project: Path, args: list[str], message: str
) -> None:
    raw = evidence_project / "reports" / "allure-results"
    run(raw)
    done = invoke("signoff", "-C", str(evidence_project), *(str(raw) if a == "RAW" else a for a in args))
    assert done.exit_code == 2 and f"error: {message}" in done.output and "Traceback" not in done.output
    assert not (evidence_project / "reports" / "uat.db").exists()


def test_history_without_records_says_how_to_record(evidence_project: Path) -> None:
    done = invoke("signoff", "-C", str(evidence_project), "--history")
    assert (
        done.exit_code == 0 and "No sign-off recorded yet: uatkit signoff --record --by NAME" in done.output
    )
    assert as_json("signoff", "-C", str(evidence_project), "--history")["records"] == []


# --- the parts -------------------------------------------------------------------------------------------


def test_the_runs_facts_show_each_value_when_shards_differ() -> None:
    runs = (
        RunFacts("a", "shard-1", environment="staging", app_version="2.4.1", app_build="77"),
        RunFacts("b", "shard-2", environment="staging", app_version="2.4.1", app_build="77"),
        RunFacts("c", "shard-3", environment="uat", app_version="2.4.1", app_build="78"),
        RunFacts("d", "shard-3", recorded=False),
    )
    facts = dict(EvidenceSet(EvidenceKind.REPORT, ("merged",), release="R1", runs=runs).facts())
    assert facts["release"] == "R1"
    assert facts["environment"] == "staging (2 runs), uat (1 run)"
    assert facts["version"] == "2.4.1 (build 77) (2 runs), 2.4.1 (build 78) (1 run)"
    assert facts["base URL"] == "not recorded"
    assert dict(EvidenceSet(EvidenceKind.GIVEN, ()).facts())["environment"] == "no run records"


def test_the_ledger_digest_covers_marks_and_decisions_not_signoff_records(evidence_project: Path) -> None:
    loaded = load_project(evidence_project)
    with Ledger.open(loaded.ledger_path) as ledger:
        assert ledger.state() == EMPTY_LEDGER
        record = SignoffRecord(
            release="R1", outcome="GO", recorded_by="Ann", note="", evidence_id="e1", results_hash="sha256:r",
            ledger_digest=EMPTY_LEDGER.digest, version="1.0", environment="uat", commit="abc",
            gates=(RecordedGate("not_failed", "no must/should requirement FAILED", "no-go", True, "none"),),
            evidence="{}",
        )  # fmt: skip
        stored = ledger.record_signoff(record)
        assert ledger.state() == EMPTY_LEDGER
        assert ledger.signoff_records() == [stored] and stored.id == 1 and stored.recorded_at is not None
    import_mark(loaded)
    with Ledger.open(loaded.ledger_path) as ledger:
        state = ledger.state()
    assert (state.marks, state.decisions) == (1, 0) and state.digest != EMPTY_LEDGER.digest
    current = EvidenceSet(EvidenceKind.REPORT, (), results_hash="sha256:r", ledger_digest=state.digest)
    assert (
        record_status(stored, current).reason
        == "the UAT ledger changed: its marks or pack decisions (0 marks now)"
    )
    assert record_status(stored, EvidenceSet(EvidenceKind.UNREPORTED, ())).state is RecordState.UNKNOWN


def test_a_ledger_of_the_previous_schema_gains_the_record_table(tmp_path: Path) -> None:
    path = tmp_path / "uat.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    with Ledger.open(path) as ledger:
        assert ledger.signoff_records() == [] and ledger.state() == EMPTY_LEDGER


# --- a stale UAT mark ------------------------------------------------------------------------------------


def test_a_stale_uat_mark_counts_as_stale_in_every_output_never_as_passed(evidence_project: Path) -> None:
    folder = str(evidence_project)
    assert invoke("uat", "export", "-C", folder, "--all").exit_code == 0
    (pack,) = (evidence_project / "uat_packs" / "R1").glob("*.xlsx")
    fill(pack, {CASE: passed()})
    done = invoke("uat", "import", "-C", folder, str(pack))
    assert done.exit_code == 0, done.output
    (requirement,) = as_json("trace", "-C", folder, "--no-write")["requirements"]
    assert (requirement["levels"]["uat"], requirement["stale"]) == ("passed", 0)

    # The expected total changes and the feature is regenerated: the Pass was given to the old scenario.
    write(evidence_project / "stories" / "REQ-1.md", STORY.replace("29.97", "32.97"))
    assert invoke("generate", "-C", folder).exit_code == 0
    (requirement,) = as_json("trace", "-C", folder, "--no-write")["requirements"]
    uat = requirement["cases"][0]["results"]["uat"]
    assert (uat["status"], uat["runs"], uat["passed"], uat["stale"], uat["result_uuid"]) == ("", 0, 0, 1, "")
    assert (requirement["status"], requirement["levels"]["uat"], requirement["stale"]) == ("NOT RUN", "", 1)
    assert requirement["reason"] == "integration not run: AC-1; stale UAT marks: AC-1"

    shown = invoke("trace", "-C", folder)
    assert shown.exit_code == 0, shown.output
    assert "REQ-1 NOT RUN: integration not run: AC-1; stale UAT marks: AC-1" in shown.output
    book = openpyxl.load_workbook(evidence_project / "reports" / "traceability.xlsx")
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert "stale" in cells and "passed" not in cells
    page = (evidence_project / "reports" / "traceability.html").read_text(encoding="utf-8")
    assert ">stale</span>" in page and ">passed<" not in page
