"""`uatkit evidence import`: other tools' JUnit XML, Cucumber JSON and Allure results as evidence of a level.

The fixtures in tests/data/evidence are written as the tools write them (Maven Surefire, pytest --junitxml,
jest-junit, Playwright's junit reporter, trx2junit, cucumber-jvm, cucumber-js, behave, an Allure adapter).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, write
from uatkit.allure.mapping import stable_test_case_id
from uatkit.cli import app
from uatkit.project import load_project

runner = CliRunner()
DATA = REPO / "tests" / "data" / "evidence"
IMPORTED = Path("reports") / "imported-results"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a QA project with three stories, their features generated, and unit evidence from outside."""
    write(
        tmp_path / "pyproject.toml",
        """
        [tool.uatkit]
        stories = ["stories"]
        requirement_pattern = "REQ-[0-9]+"
        requirement_url = "https://jira.example.com/browse/{id}"

        [tool.uatkit.evidence]
        external_levels = ["unit"]
        """,
    )
    shutil.copytree(DATA / "stories", tmp_path / "stories")
    done = runner.invoke(app, ["generate", "-C", str(tmp_path)])
    assert done.exit_code == 0, done.output
    return tmp_path


def evidence(project: Path, *args: str, code: int = 0) -> dict[str, Any]:
    """Run `uatkit evidence import ARGS --format json` and return its report."""
    done = runner.invoke(app, ["evidence", "import", *args, "-C", str(project), "--format", "json"])
    assert done.exit_code == code, done.output
    data: dict[str, Any] = json.loads(done.stdout)
    assert data["schema"] == 1 and data["command"] == "evidence import"
    return data


def counts(report: dict[str, Any]) -> dict[str, list[str]]:
    return {test["name"]: test["counts_for"] for test in report["tests"]}


def results(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*-result.json"))]


def labels(result: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for label in result["labels"]:
        out.setdefault(label["name"], []).append(label["value"])
    return out


def trace(project: Path) -> dict[str, dict[str, Any]]:
    done = runner.invoke(app, ["trace", "-C", str(project), "--format", "json", "--no-write"])
    assert done.exit_code == 0, done.output
    return {r["id"]: r for r in json.loads(done.stdout)["requirements"]}


def case_results(requirement: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        case["case_id"]: {level: result["status"] for level, result in case["results"].items()}
        for case in requirement["cases"]
    }


def test_surefire_reports_link_by_name_and_mapping_and_list_the_unlinked(project: Path) -> None:
    report = evidence(
        project,
        str(DATA / "surefire"),
        "--from",
        "junit",
        "--map",
        str(DATA / "orders-map.toml"),
        "--source",
        "orders-service",
    )
    # The folder's failsafe-summary.xml is no test report: only TEST-*.xml are read.
    assert [f["tool"] for f in report["files"]] == ["maven-surefire"]
    assert counts(report) == {
        "totalIncludesEveryLine_REQ_101_AC_1": ["REQ-101.AC-1"],
        "rejectsUnknownCustomer": ["REQ-102.AC-1"],  # REQ-102 by mapping: its case tagged @unit
        "appliesQuantityDiscount": ["REQ-101.AC-2#1"],  # one example row, by mapping
        "roundsHalfUp": [],
    }
    by = {t["name"]: t["linked_by"] for t in report["tests"]}
    assert by["totalIncludesEveryLine_REQ_101_AC_1"] == "name" and by["rejectsUnknownCustomer"] == "mapping"
    assert [t["name"] for t in report["unlinked"]] == ["roundsHalfUp"]
    assert report["state"] == "imported" and report["folder"] == "reports/imported-results/orders-service"
    folder = project / IMPORTED / "orders-service"
    written = results(folder)
    # Unlinked tests are written too, for the report, with no case label: they count for no case.
    assert len(written) == report["results"] == 4
    unlinked = [r for r in written if "case" not in labels(r)]
    assert [r["name"] for r in unlinked] == ["roundsHalfUp [unit]"] and unlinked[0]["status"] == "skipped"
    matrix = trace(project)
    assert case_results(matrix["REQ-101"])["REQ-101.AC-1"]["unit"] == "passed"
    assert case_results(matrix["REQ-101"])["REQ-101.AC-2"]["unit"] == "failed"
    assert matrix["REQ-101"]["status"] == "FAILED" and matrix["REQ-101"]["levels"]["unit"] == "failed"
    assert case_results(matrix["REQ-102"])["REQ-102.AC-1"]["unit"] == "passed"


def test_the_table_names_each_test_what_it_counts_for_and_the_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uatkit.cli import common

    monkeypatch.setattr(common.out, "width", 200)  # one line a row, whatever the terminal
    args = [str(DATA / "surefire"), "--from", "junit", "--source", "orders-service", "-C", str(project)]
    done = runner.invoke(app, ["evidence", "import", *args])
    assert done.exit_code == 0, done.output
    assert "OrderServiceTest › totalIncludesEveryLine_REQ_101_AC_1" in done.stdout
    assert "REQ-101.AC-1" in done.stdout and "unlinked: counts for no case" in done.stdout
    assert "Wrote 4 result(s) to reports/imported-results/orders-service" in done.stdout


def test_results_carry_uatkits_mapping_and_their_provenance(project: Path) -> None:
    report = evidence(project, str(DATA / "pytest-junit.xml"), "--from", "junit")
    folder = project / IMPORTED / "pytest-junit"
    (record_file,) = folder.glob("uatkit-run-*.json")
    record = json.loads(record_file.read_text(encoding="utf-8"))
    imported = record["imported"]
    data = (DATA / "pytest-junit.xml").read_bytes()
    assert imported["files"] == [
        {"path": str(DATA / "pytest-junit.xml"), "sha256": "sha256:" + hashlib.sha256(data).hexdigest()}
    ]
    assert imported["format"] == "junit" and imported["tools"] == ["pytest"]
    assert imported["imported_by"] == getpass.getuser() and imported["imported_at"]
    assert record["levels"] == ["unit"] and record["run_id"] == report["run_id"]
    # The times inside the file, not the time of the import.
    assert record["started"].startswith("2026-11-30T10:15:02")
    fingerprints = load_project(project).fingerprints
    linked = [r for r in results(folder) if "case" in labels(r)]
    assert sorted(labels(r)["caseKey"][0] for r in linked) == ["REQ-101.AC-2#1", "REQ-101.AC-2#2"]
    for result in linked:
        found = labels(result)
        key = found["caseKey"][0]
        assert found["fingerprint"] == [fingerprints[key]] and found["layer"] == ["unit"]
        assert found["runId"] == [report["run_id"]] and found["severity"] == ["critical"]
        assert found["feature"] == ["REQ-101 Place an order"] and found["epic"] == ["Sales"]
        # Its own test case (not the scenario's): several developer tests of a case are not retries.
        assert result["testCaseId"] != stable_test_case_id("REQ-101.AC-2", "unit")
        assert {"type": "tms", "url": "https://jira.example.com/browse/REQ-101", "name": "REQ-101"} in result[
            "links"
        ]
        assert "sha256:" in result["description"] and "pytest-junit.xml" in result["description"]
    assert len({r["testCaseId"] for r in linked}) == len(linked) == 2  # two tests, never one with a retry
    # Each parametrized test names its example row's values: it counts for that row only.
    rows = {r["name"]: labels(r)["caseKey"] for r in linked}
    assert rows == {
        "test_REQ_101_ac2[10-5%] [unit]": ["REQ-101.AC-2#1"],
        "test_REQ_101_ac2[100-10%] [unit]": ["REQ-101.AC-2#2"],
    }


def test_what_the_imported_run_tested_is_recorded_when_said_and_changes_the_import(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("UATKIT_APP_VERSION", "UATKIT_APP_BUILD", "UATKIT_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    args = [str(DATA / "jest-junit.xml"), "--from", "junit"]
    first = evidence(project, *args)
    (record_file,) = (project / IMPORTED / "jest-junit").glob("uatkit-run-*.json")
    record = json.loads(record_file.read_text(encoding="utf-8"))
    assert (record["app_version"], record["app_build"], record["environment"], record["commit"]) == (
        None,
        None,
        None,
        None,
    )
    monkeypatch.setenv("UATKIT_APP_BUILD", "ci-4711")
    said = evidence(project, *args, "--app-version", "2.4.1", "--environment", "CI", "--commit", "9f1c2e7")
    # The same files said to test a known build are a new import of the source, replacing the unsaid one.
    assert said["state"] == "replaced" and said["run_id"] != first["run_id"]
    (record_file,) = (project / IMPORTED / "jest-junit").glob("uatkit-run-*.json")
    record = json.loads(record_file.read_text(encoding="utf-8"))
    assert (record["app_version"], record["app_build"], record["environment"], record["commit"]) == (
        "2.4.1",
        "ci-4711",
        "CI",
        "9f1c2e7",
    )


def test_an_id_that_names_nothing_is_a_located_problem_and_the_test_stays_unlinked(project: Path) -> None:
    report = evidence(project, str(DATA / "pytest-junit.xml"), "--from", "junit")
    (problem,) = report["problems"]
    assert "pytest-junit.xml" in problem and "test_req_999_is_not_a_story" in problem and "req-999" in problem
    assert [t["name"] for t in report["unlinked"]] == ["test_req_999_is_not_a_story"]


def test_importing_the_same_file_again_writes_nothing(project: Path) -> None:
    args = [str(DATA / "jest-junit.xml"), "--from", "junit"]
    first = evidence(project, *args)
    folder = project / IMPORTED / "jest-junit"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = evidence(project, *args)
    assert again["state"] == "already imported" and again["run_id"] == first["run_id"]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_new_version_of_a_sources_file_replaces_its_results(project: Path, tmp_path: Path) -> None:
    report = tmp_path / "TEST-orders.xml"
    report.write_bytes((DATA / "trx2junit.xml").read_bytes())
    first = evidence(project, str(report), "--from", "junit", "--source", "dotnet")
    fixed = report.read_text(encoding="utf-8")
    start = fixed.index("<error")
    fixed = fixed[:start] + fixed[fixed.index("</error>") + len("</error>") :]
    report.write_text(fixed, encoding="utf-8")
    second = evidence(project, str(report), "--from", "junit", "--source", "dotnet")
    assert second["state"] == "replaced" and second["replaced"] == first["run_id"]
    folder = project / IMPORTED / "dotnet"
    assert [p.name for p in folder.glob("uatkit-run-*.json")] == [f"uatkit-run-{second['run_id']}.json"]
    assert {r["status"] for r in results(folder)} == {"passed"}
    done = runner.invoke(
        app, ["evidence", "import", str(report), "--from", "junit", "--source", "dotnet", "-C", str(project)]
    )
    assert "Already imported" in done.stdout and "nothing was written" in done.stdout


def test_a_dry_run_links_and_writes_nothing(project: Path) -> None:
    report = evidence(project, str(DATA / "trx2junit.xml"), "--from", "junit", "--dry-run")
    assert report["state"] == "dry run" and counts(report)["Unknown_customer_is_refused_REQ_102_AC_1"] == [
        "REQ-102.AC-1"
    ]
    assert not (project / IMPORTED).exists()


@pytest.mark.parametrize(
    ("file", "level", "tool", "expected"),
    [
        (
            "jest-junit.xml",
            "unit",
            "jest-junit",
            {
                "Order total REQ-101 AC-1 includes every line": ["REQ-101.AC-1"],
                "Order total blocked customers are refused @case:REQ-102.AC-2": ["REQ-102.AC-2"],
                "Order total formats the amount": [],
            },
        ),
        (
            "playwright-junit.xml",
            "e2e",
            "playwright",
            {
                # A case property, and a requirement property: every e2e case of REQ-103.
                "shop › places an order @REQ-103": ["REQ-103.AC-1"],
                "shop › refuses to check out an empty basket": ["REQ-103.AC-1", "REQ-103.AC-2"],
            },
        ),
        (
            "trx2junit.xml",
            "unit",
            "trx2junit",
            {
                "Unknown_customer_is_refused_REQ_102_AC_1": ["REQ-102.AC-1"],
                "Blocked_customer_is_refused_REQ_102_AC_2": ["REQ-102.AC-2"],
            },
        ),
        (
            "cucumber-jvm.json",
            "unit",
            "cucumber-jvm",
            {
                "AC-1 Order total includes every line": ["REQ-101.AC-1"],
                # Each example row is its own scenario; its steps tell which row it ran.
                "AC-2 Discounts grow with the quantity (line 24)": ["REQ-101.AC-2#1"],
                "AC-2 Discounts grow with the quantity (line 25)": ["REQ-101.AC-2#2"],
            },
        ),
        (
            "cucumber-js.json",
            "unit",
            "cucumber-js",
            {
                "AC-1 Unknown customers are refused": ["REQ-102.AC-1"],
                "AC-2 Blocked customers are refused": ["REQ-102.AC-2"],
            },
        ),
        ("behave.json", "e2e", "behave", {"AC-2 An empty basket cannot be checked out": ["REQ-103.AC-2"]}),
    ],
)
def test_each_tools_report_links_its_tests(
    project: Path, file: str, level: str, tool: str, expected: dict[str, list[str]]
) -> None:
    fmt = "cucumber" if file.endswith(".json") else "junit"
    report = evidence(project, str(DATA / file), "--from", fmt, "--level", level)
    assert [f["tool"] for f in report["files"]] == [tool]
    assert counts(report) == expected


def test_cucumber_statuses_hooks_durations_and_a_changed_scenario(project: Path) -> None:
    evidence(project, str(DATA / "cucumber-jvm.json"), "--from", "cucumber", "--source", "jvm")
    jvm = {r["name"]: r for r in results(project / IMPORTED / "jvm")}
    failed = jvm["AC-2 Discounts grow with the quantity (line 25) [unit]"]
    assert failed["status"] == "failed"
    assert failed["statusDetails"]["message"] == "java.lang.AssertionError: expected:<10%> but was:<5%>"
    # Nanoseconds: three steps and two hooks of AC-1 took 9.3 ms from the recorded start.
    first = jvm["AC-1 Order total includes every line [unit]"]
    assert first["stop"] - first["start"] == 9
    assert next(s["name"] for s in first["steps"]) == 'Given the product "Widget" costs 9.99'
    report = evidence(project, str(DATA / "cucumber-js.json"), "--from", "cucumber", "--source", "js")
    # Its AC-2 ran 'is on hold' where the scenario now says 'is blocked': recorded as stale.
    stale = {t["name"]: t["stale"] for t in report["tests"]}
    assert stale == {
        "AC-1 Unknown customers are refused": [],
        "AC-2 Blocked customers are refused": ["REQ-102.AC-2"],
    }
    js = {r["name"]: r for r in results(project / IMPORTED / "js")}
    embedded = js["AC-1 Unknown customers are refused [unit]"]["steps"][2]["attachments"][0]
    assert (project / IMPORTED / "js" / embedded["source"]).read_bytes() == b'{"error": "unknown customer"}'
    matrix = trace(project)
    unit = {c["case_id"]: c["results"]["unit"] for c in matrix["REQ-102"]["cases"]}
    assert unit["REQ-102.AC-1"]["status"] == "passed" and unit["REQ-102.AC-2"]["stale"] == 1
    behave = evidence(project, str(DATA / "behave.json"), "--from", "cucumber", "--level", "e2e")
    (result,) = results(project / IMPORTED / "behave")
    # Seconds: 0.000412 + 1.204511 + 0.25011 s.
    assert behave["files"][0]["tool"] == "behave" and result["status"] == "passed"


def test_foreign_allure_results_are_relabelled_with_their_attachments(project: Path) -> None:
    report = evidence(project, str(DATA / "allure"), "--from", "allure", "--level", "e2e", "--source", "shop")
    assert counts(report) == {"shows the confirmation": ["REQ-103.AC-1"]}
    folder = project / IMPORTED / "shop"
    (result,) = results(folder)
    found = labels(result)
    assert found["layer"] == ["e2e"] and found["case"] == ["REQ-103.AC-1"]
    assert found["feature"] == ["REQ-103 Customers order in the web shop"]
    assert {"smoke", "imported"} <= set(found["tag"])
    assert {"name": "SHOP-12", "url": "https://jira.example.com/browse/SHOP-12", "type": "issue"} in result[
        "links"
    ]
    assert {"name": "Project", "value": "chromium"} in [
        {"name": p["name"], "value": p["value"]} for p in result["parameters"]
    ]
    (attachment,) = result["steps"][1]["attachments"]
    original = (DATA / "allure" / "5d3c2f8e-1b7a-4c55-9e0e-2a6f4b1e9c11-attachment.png").read_bytes()
    assert (folder / attachment["source"]).read_bytes() == original
    assert attachment["name"] == "screenshot" and attachment["type"] == "image/png"
    matrix = trace(project)
    assert case_results(matrix["REQ-103"])["REQ-103.AC-1"]["e2e"] == "passed"


def test_trace_shows_each_level_per_requirement_from_several_sources(project: Path) -> None:
    evidence(project, str(DATA / "trx2junit.xml"), "--from", "junit")
    evidence(project, str(DATA / "cucumber-jvm.json"), "--from", "cucumber")
    evidence(project, str(DATA / "playwright-junit.xml"), "--from", "junit", "--level", "e2e")
    matrix = trace(project)
    assert {r: m["levels"]["unit"] for r, m in matrix.items()} == {
        "REQ-101": "failed",
        "REQ-102": "broken",
        "REQ-103": "",
    }
    assert matrix["REQ-103"]["levels"]["e2e"] == "failed"
    done = runner.invoke(app, ["trace", "-C", str(project), "--format", "json", "--no-write"])
    runs = {run["run_id"] for run in json.loads(done.stdout)["evidence"]["runs"]}
    assert len(runs) == 3 and all(run.startswith("import-") for run in runs)


@pytest.mark.parametrize(
    ("file", "fmt", "where", "says"),
    [
        ("bad/malformed.xml", "junit", "malformed.xml:4", "not well-formed XML"),
        ("bad/entities.xml", "junit", "entities.xml", "DTD, entity or external reference is refused"),
        ("bad/not-junit.xml", "junit", "not-junit.xml", "its root element is <html>"),
        ("bad/truncated.json", "cucumber", "truncated.json:6", "not valid JSON"),
        ("jest-junit.xml", "cucumber", "jest-junit.xml:1", "not JSON: the file is XML"),
        ("cucumber-js.json", "junit", "cucumber-js.json:1", "not XML: the file is JSON"),
        ("behave.json", "allure", "behave.json", "not an Allure result"),
        ("no-such-report.xml", "junit", "no-such-report.xml", "no such file or folder"),
    ],
)
def test_a_file_that_is_not_its_format_is_one_located_error_and_nothing_is_written(
    project: Path, file: str, fmt: str, where: str, says: str
) -> None:
    # A good file beside the bad one: the import is one transaction, so it is not written either.
    args = ["evidence", "import", str(DATA / "trx2junit.xml"), str(DATA / file), "--from", fmt]
    done = runner.invoke(app, [*args, "--source", "mixed", "-C", str(project)])
    assert done.exit_code == 2
    assert "Traceback" not in done.output
    (line,) = [line for line in done.stderr.splitlines() if where in line]
    assert says in line
    assert not (project / IMPORTED).exists()


def test_a_mapping_that_names_no_case_is_refused_at_its_line(project: Path, tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "map.toml",
        """
        [links]
        'rejectsUnknownCustomer' = "REQ-102"
        'roundsHalfUp' = "REQ-101.AC-9"
        """,
    )
    args = ["evidence", "import", str(DATA / "surefire"), "--from", "junit", "--map", str(mapping)]
    done = runner.invoke(app, [*args, "-C", str(project)])
    assert done.exit_code == 2
    assert "map.toml:3" in done.stderr and "REQ-101.AC-9" in done.stderr
    assert not (project / IMPORTED).exists()


def test_report_folders_include_the_imported_results_by_default(project: Path) -> None:
    evidence(project, str(DATA / "trx2junit.xml"), "--from", "junit", "--source", "dotnet")
    assert "reports/imported-results/*" in load_project(project).config.report.results
    done = runner.invoke(app, ["trace", "-C", str(project), "--format", "json", "--no-write"])
    assert "reports/imported-results/dotnet" in json.loads(done.stdout)["evidence"]["folders"]


def test_external_levels_need_no_pytest_run_and_no_step_definitions(tmp_path: Path) -> None:
    done = runner.invoke(app, ["init", str(tmp_path / "acme")])
    assert done.exit_code == 0, done.output
    acme = tmp_path / "acme"
    shutil.copy(DATA / "stories" / "REQ-102-customers.md", acme / "stories")
    pyproject = acme / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8") + '\n[tool.uatkit.evidence]\nexternal_levels = ["unit"]\n',
        encoding="utf-8",
    )
    assert runner.invoke(app, ["generate", "-C", str(acme)]).exit_code == 0
    done = runner.invoke(app, ["check", "-C", str(acme), "--format", "json", "--no-evidence"])
    findings = json.loads(done.stdout)["findings"]
    places = {(f["kind"], f["location"].rpartition(":")[0]) for f in findings}
    feature = next(str(p.relative_to(acme)) for p in (acme / "features").rglob("REQ-102-*.feature"))
    # AC-1 is @unit only, verified by imported results: no test, no step definitions asked for.
    lines = feature_lines(acme / feature)
    assert not any(f["location"] == f"{feature}:{lines['AC-1']}" for f in findings)
    assert not any(
        f["kind"] == "undefined step"
        and lines["AC-1"] < int(f["location"].rpartition(":")[2]) < lines["AC-2"]
        for f in findings
    )
    # AC-2 is @integration: its steps still need definitions.
    assert ("undefined step", feature) in places
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "steps"],
        cwd=acme,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "ac-1-unknown-customers-are-refused" not in collected.stdout.lower().replace("_", "-")
    assert "deselected" in collected.stdout


def feature_lines(feature: Path) -> dict[str, int]:
    """Return the line of each criterion's scenario in a generated feature."""
    out = {}
    for number, line in enumerate(feature.read_text(encoding="utf-8").splitlines(), 1):
        for marker in ("AC-1", "AC-2"):
            if line.strip().startswith("Scenario") and f": {marker} " in line:
                out[marker] = number
    return out


def test_playwright_projects_running_one_test_stay_two_results(project: Path, tmp_path: Path) -> None:
    suite = """
    <testsuite name="orders.spec.ts" timestamp="2026-11-30T10:30:00.512Z" hostname="{browser}" tests="1"
      failures="0" skipped="0" time="1.9" errors="0">
    <testcase name="shop › places an order" classname="orders.spec.ts" time="1.92">
    <properties><property name="case" value="REQ-103.AC-1"></property></properties>
    </testcase>
    </testsuite>"""
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites id="" name="" tests="2" failures="0" skipped="0" errors="0" time="4.0">'
        + suite.format(browser="chromium")
        + suite.format(browser="firefox")
        + "</testsuites>",
        encoding="utf-8",
    )
    found = evidence(project, str(report), "--from", "junit", "--level", "e2e")
    assert [t["linked_by"] for t in found["tests"]] == ["property", "property"]
    written = results(project / IMPORTED / "junit")
    assert len({r["historyId"] for r in written}) == 2
    e2e = {c["case_id"]: c["results"]["e2e"] for c in trace(project)["REQ-103"]["cases"]}
    assert e2e["REQ-103.AC-1"]["runs"] == 2 and e2e["REQ-103.AC-1"]["status"] == "passed"


def test_a_case_link_at_a_level_the_case_is_not_tagged_with_says_so(project: Path) -> None:
    # REQ-103's cases are tagged @e2e only: imported as unit results they show, and are not needed.
    found = evidence(project, str(DATA / "playwright-junit.xml"), "--from", "junit", "--level", "unit")
    placed = next(t for t in found["tests"] if t["name"] == "shop › places an order @REQ-103")
    assert placed["counts_for"] == ["REQ-103.AC-1"]
    assert placed["notes"] == [
        "REQ-103.AC-1 not tagged @unit: the result shows and a failure counts, but the case does not need it"
    ]
    # The requirement link counts for the requirement's cases tagged @unit: none.
    refused = next(t for t in found["tests"] if t["name"] == "shop › refuses to check out an empty basket")
    assert refused["counts_for"] == [] and refused["notes"] == [
        "REQ-103 has no case tagged @unit: the result counts for none"
    ]


def test_a_foreign_attachment_is_copied_only_from_a_plain_file_beside_its_result(
    project: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "allure-results"
    shutil.copytree(DATA / "allure", folder)
    (result_file,) = folder.glob("*-result.json")
    data = json.loads(result_file.read_text(encoding="utf-8"))
    secret = write(tmp_path / "secret.txt", "not evidence\n")
    (folder / "linked-attachment.txt").symlink_to(secret)
    data["attachments"] = [
        {"name": "a link", "source": "linked-attachment.txt", "type": "text/plain"},
        {"name": "elsewhere", "source": "../secret.txt", "type": "text/plain"},
    ]
    result_file.write_text(json.dumps(data), encoding="utf-8")
    found = evidence(project, str(folder), "--from", "allure", "--level", "e2e")
    assert len(found["warnings"]) == 3  # the two attachments, and e2e is not an external level
    assert all("not copied" in w for w in found["warnings"][:2])
    (written,) = results(project / IMPORTED / "allure-results")
    assert written.get("attachments", []) == []
    assert not any(b"not evidence" in p.read_bytes() for p in (project / IMPORTED).rglob("*") if p.is_file())
