"""The uatkit pytest plugin, through real pytest sessions (pytester, in subprocesses)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

STORY = """\
---
id: REQ-1
module: Sales
priority: must
owner: Sales operations
---
# Place an order

## AC-1 A line total
Given a price of 3
When I order {quantity}
Then the level is known
"""

FEATURE_TAGS = "@case:REQ-1.AC-1 @unit @integration"

CONFTEST = """
import pytest
from pytest_bdd import given, parsers, then, when

SEEN = []

@given(parsers.parse("a price of {price:d}"), target_fixture="price")
def price(price):
    return price

@when(parsers.parse("I order {quantity:d}"), target_fixture="total")
def order(price, quantity):
    return price * quantity

@then("the level is known")
def level_known(uatkit_level, total, faker):
    assert total == 6, "the total is wrong"
    print(f"LEVEL={uatkit_level} SEED_NAME={faker.name()}")

def pytest_sessionfinish(session):
    pass
"""


@pytest.fixture
def bdd(pytester: pytest.Pytester) -> pytest.Pytester:
    """A small QA project: config, a story, its generated feature, steps and a test module."""
    return bdd_project(pytester)


def bdd_project(pytester: pytest.Pytester, settings: str = "") -> pytest.Pytester:
    """Write the small QA project into pytester's folder, with more `[tool.uatkit]` settings if given."""
    uatkit = """
        [tool.uatkit]
        stories = ["stories"]
        requirement_pattern = "REQ-[0-9]+"
        requirement_url = "https://jira.example.com/browse/{id}"
        default_levels = ["unit"]
        """
    ini = """
        [tool.pytest.ini_options]
        addopts = ["--strict-markers", "-p", "no:cacheprovider"]
        """
    pytester.makepyprojecttoml("".join(textwrap.dedent(part) for part in (uatkit, settings, ini)))
    (pytester.path / "stories").mkdir()
    (pytester.path / "stories" / "REQ-1.md").write_text(STORY.format(quantity=2), encoding="utf-8")
    write_feature(pytester, FEATURE_TAGS, quantity=2, title="A line total")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_features='from pytest_bdd import scenarios\nscenarios("features")\n')
    return pytester


def write_feature(pytester: pytest.Pytester, tags: str, quantity: int, title: str) -> None:
    features = pytester.path / "features"
    features.mkdir(exist_ok=True)
    (features / "req1.feature").write_text(
        f"""@REQ-1
Feature: REQ-1 Place an order

  {tags}
  Scenario: AC-1 {title}
    Given a price of 3
    When I order {quantity}
    Then the level is known

  @case:REQ-1.AC-2 @manual
  Scenario: AC-2 The confirmation is readable
    A person reads it.
""",
        encoding="utf-8",
    )


def test_levels_fan_out_and_manual_is_skipped(bdd: pytest.Pytester) -> None:
    result = bdd.runpytest_subprocess("-v", "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*test_ac1_a_line_total[[]unit[]] *PASSED*",
            "*test_ac1_a_line_total[[]integration[]] *PASSED*",
            "*manual scenario: verified in UAT*",
        ]
    )
    printed = bdd.runpytest_subprocess("-s").stdout.str()
    assert "LEVEL=unit" in printed and "LEVEL=integration" in printed


@pytest.mark.parametrize(
    ("args", "passed", "skipped"),
    [
        (["-m", "unit"], 1, 0),
        (["-m", "integration and not manual"], 1, 0),
        (["-m", "REQ-1"], 2, 1),
        (["-m", "case"], 2, 1),
        (["-m", "manual"], 0, 1),
        (["--uatkit-level", "integration"], 1, 1),
        (["--uatkit-level", "unit,integration", "-m", "not manual"], 2, 0),
    ],
)
def test_tags_are_markers_that_select(
    bdd: pytest.Pytester, args: list[str], passed: int, skipped: int
) -> None:
    result = bdd.runpytest_subprocess(*args)
    result.assert_outcomes(passed=passed, skipped=skipped)


def test_a_config_mistake_is_a_usage_error_with_its_lines(bdd: pytest.Pytester) -> None:
    pyproject = bdd.path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(
        text.replace('default_levels = ["unit"]', 'default_levels = ["unit"]\nrequirment_url = "x"')
    )
    result = bdd.runpytest_subprocess("--co", "-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    assert errors[0].startswith("ERROR: uatkit: [tool.uatkit]: ")
    assert "pyproject.toml:6: " in errors[0] and "requirment_url" in errors[0]
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_the_storys_epic_and_labels_reach_the_allure_results(bdd: pytest.Pytester) -> None:
    story = bdd.path / "stories" / "REQ-1.md"
    text = story.read_text(encoding="utf-8")
    story.write_text(
        text.replace("module: Sales\n", "module: Sales\nepic: SAL-1 Orders\nlabels: [checkout]\n")
    )
    bdd.runpytest_subprocess("--alluredir=out", "-m", "unit").assert_outcomes(passed=1, deselected=2)
    (result,) = [r for r in allure_results(bdd.path / "out") if r["status"] == "passed"]
    found = labels(result)
    assert (found["epic"], found["module"]) == (["SAL-1 Orders"], ["Sales"])
    assert "checkout" in found["tag"] and found["tag"].count("checkout") == 1


def test_unknown_level_is_a_usage_error(bdd: pytest.Pytester) -> None:
    result = bdd.runpytest_subprocess("--uatkit-level", "smoke")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--uatkit-level smoke: use unit, integration, e2e*"])


def allure_results(directory: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*-result.json"))]


def labels(result: dict[str, object]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for label in result["labels"]:  # type: ignore[attr-defined]
        found.setdefault(label["name"], []).append(label["value"])
    return found


def test_allure_results_carry_the_mapping(bdd: pytest.Pytester) -> None:
    bdd.runpytest_subprocess("--alluredir=first").assert_outcomes(passed=2, skipped=1)
    results = [r for r in allure_results(bdd.path / "first") if r["status"] == "passed"]
    assert len(results) == 2
    by_layer = {labels(r)["layer"][0]: r for r in results}
    assert set(by_layer) == {"unit", "integration"}
    for result in by_layer.values():
        found = labels(result)
        assert found["epic"] == ["Sales"]
        assert found["feature"] == ["REQ-1 Place an order"]
        assert found["story"] == ["AC-1 A line total"]
        assert found["severity"] == ["critical"]
        assert found["case"] == ["REQ-1.AC-1"]
        assert found["businessOwner"] == ["Sales operations"]
        assert {"url": "https://jira.example.com/browse/REQ-1", "name": "REQ-1", "type": "tms"} in result[
            "links"
        ]
        assert any(p["name"] == "faker seed" for p in result["parameters"])  # type: ignore[attr-defined]
    assert by_layer["unit"]["testCaseId"] != by_layer["integration"]["testCaseId"]
    # Rewording the scenario keeps its identity: testCaseId and historyId follow the case ID and level.
    write_feature(bdd, FEATURE_TAGS, quantity=2, title="Every line is totalled")
    bdd.runpytest_subprocess("--alluredir=second").assert_outcomes(passed=2, skipped=1)
    again = {labels(r)["layer"][0]: r for r in allure_results(bdd.path / "second") if r["status"] == "passed"}
    for layer in ("unit", "integration"):
        assert again[layer]["name"] != by_layer[layer]["name"]
        assert again[layer]["testCaseId"] == by_layer[layer]["testCaseId"]
        assert again[layer]["historyId"] == by_layer[layer]["historyId"]
    # Manual scenarios are skipped before pytest-bdd starts them, so they never reach Allure as automated.
    assert all(labels(r)["case"] != ["REQ-1.AC-2"] for r in allure_results(bdd.path / "first"))
    # The run records its environment once, for the merged report's Metadata: the levels that ran (not e2e,
    # which the run selected but no test of it was collected).
    from uatkit.allure.merge import read_properties

    environment = read_properties(bdd.path / "first" / "environment.properties")
    assert environment["Levels"] == "integration, unit" and environment["uatkit"]
    assert "Base URL" not in environment  # this project configures no system under test


def test_faker_seed_is_stable_and_replayable(bdd: pytest.Pytester) -> None:
    def names(*args: str) -> list[str]:
        out = bdd.runpytest_subprocess("-s", "-m", "unit", *args).stdout.str()
        return [line.split("SEED_NAME=")[1] for line in out.splitlines() if "SEED_NAME=" in line]

    first, second, other = names(), names(), names("--uatkit-seed", "7")
    assert first == second and len(first) == 1
    assert other != first
    assert names("--uatkit-seed", "7") == other


def test_the_seed_base_is_a_whole_number(bdd: pytest.Pytester) -> None:
    refused = bdd.runpytest_subprocess("-m", "unit", "--uatkit-seed", "abc")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    assert "error: argument --uatkit-seed: expected a whole number such as 0 or 42, not 'abc'" in (
        refused.stderr.str()
    )
    taken = bdd.runpytest_subprocess("-m", "unit", "--uatkit-seed=-7")
    assert taken.ret == pytest.ExitCode.OK
    taken.stdout.fnmatch_lines(["uatkit: faker seed base -7 (replay with --uatkit-seed)"])


def test_unreachable_system_stops_the_session_with_one_message(bdd: pytest.Pytester) -> None:
    result = bdd.runpytest_subprocess("-v", "--base-url", "http://127.0.0.1:9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stdout.str() + result.stderr.str()
    assert text.count("is unreachable") == 1 and "Traceback" not in text
    assert "the system under test at http://127.0.0.1:9 is unreachable (connection refused)" in text
    # Asked once the first integration test was set up: the unit run before it passed, nothing failed.
    assert "failed" not in text and "[integration] PASSED" not in text


def test_unreachable_system_stops_an_xdist_session_without_an_internal_error(bdd: pytest.Pytester) -> None:
    result = bdd.runpytest_subprocess("-n", "2", "--base-url", "http://127.0.0.1:9")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    text = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in text and "Traceback" not in text
    result.stdout.fnmatch_lines(
        ["*Interrupted: uatkit: the system under test at http://127.0.0.1:9 is unreachable*"]
    )


def test_the_system_is_asked_after_a_session_fixture_could_start_it(bdd: pytest.Pytester) -> None:
    # The project's own session fixture starts the system at --base-url; the plugin must not probe earlier.
    bdd.makeconftest(
        CONFTEST
        + """
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass

@pytest.fixture(scope="session", autouse=True)
def system_under_test(pytestconfig):
    port = int(pytestconfig.getoption("base_url").rsplit(":", 1)[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield
    server.shutdown()
"""
    )
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    bdd.runpytest_subprocess("--base-url", f"http://127.0.0.1:{port}").assert_outcomes(passed=2, skipped=1)


def test_unit_level_runs_without_the_system(bdd: pytest.Pytester) -> None:
    bdd.runpytest_subprocess("--base-url", "http://127.0.0.1:9", "--uatkit-level", "unit").assert_outcomes(
        passed=1, skipped=1
    )


def test_a_free_text_criterion_with_hash_lines_is_collected_and_skipped(bdd: pytest.Pytester) -> None:
    (bdd.path / "stories" / "REQ-2.md").write_text(
        "---\nid: REQ-2\nmodule: Sales\n---\n# Print a report\n\n"
        "## AC-1 The report reads as agreed\nThe report shows:\n\n```text\n## Low stock\n# Gadget 3\n```\n",
        encoding="utf-8",
    )
    # In a subprocess: pytester forgets modules first imported during a test, and PyYAML's C loader breaks
    # when imported a second time in one process.
    result = bdd.run(str(Path(sys.executable).with_name("uatkit")), "generate")
    assert result.ret == 0, result.stdout.str()
    (feature,) = (bdd.path / "features" / "sales").glob("REQ-2*.feature")
    assert '    Given The report reads as agreed\n      """\n' in feature.read_text(encoding="utf-8")
    # Before, a `*` step here made pytest-bdd refuse the whole suite at collection.
    outcome = bdd.runpytest_subprocess("-rs")
    # REQ-1's own generated feature runs at its level too; both manual scenarios are skipped.
    outcome.assert_outcomes(passed=3, skipped=2)
    outcome.stdout.fnmatch_lines(["*2*manual scenario: verified in UAT*"])


def test_results_of_a_changed_scenario_are_stale_until_it_runs_again(bdd: pytest.Pytester) -> None:
    uatkit = str(Path(sys.executable).with_name("uatkit"))
    (bdd.path / "features" / "req1.feature").unlink()
    assert bdd.run(uatkit, "generate").ret == 0
    results = bdd.path / "results"

    def run_and_trace() -> dict[str, Any]:
        bdd.runpytest_subprocess(f"--alluredir={results}", "--clean-alluredir").assert_outcomes(passed=1)
        traced = bdd.run(uatkit, "trace", "--results", str(results), "--format", "json", "--no-write")
        (requirement,) = json.loads(traced.stdout.str())["requirements"]
        return requirement

    requirement = run_and_trace()
    unit = requirement["cases"][0]["results"]["unit"]
    assert (requirement["status"], unit["status"], unit["stale"]) == ("PASSED", "passed", 0)

    # The criterion changes and the feature is regenerated; the old results no longer prove it.
    story = bdd.path / "stories" / "REQ-1.md"
    story.write_text(STORY.format(quantity=2) + "And the level is known\n", encoding="utf-8")
    assert bdd.run(uatkit, "generate").ret == 0
    traced = bdd.run(uatkit, "trace", "--results", str(results), "--format", "json", "--no-write")
    (requirement,) = json.loads(traced.stdout.str())["requirements"]
    unit = requirement["cases"][0]["results"]["unit"]
    assert (unit["status"], unit["runs"], unit["stale"]) == ("", 0, 1)
    assert (requirement["status"], requirement["reason"]) == ("NOT RUN", "unit stale: AC-1")
    signed = bdd.run(uatkit, "signoff", "--results", str(results), "--format", "json", "--no-write")
    (gate,) = [g for g in json.loads(signed.stdout.str())["gates"] if g["rule"] == "no_stale"]
    assert (
        not gate["passed"] and "REQ-1 (1 stale)" in gate["reason"] and "automated results" in gate["reason"]
    )
    checked = bdd.run(uatkit, "check", "--no-steps", "--results", str(results), "--format", "json")
    assert checked.ret == 1, checked.stdout.str()
    (finding,) = json.loads(checked.stdout.str())["findings"]
    assert finding["kind"] == "stale evidence"
    assert finding["message"] == "REQ-1.AC-1 at unit: its result ran an older version of the scenario"

    requirement = run_and_trace()
    assert requirement["status"] == "PASSED" and requirement["cases"][0]["results"]["unit"]["stale"] == 0
    assert bdd.run(uatkit, "check", "--no-steps", "--results", str(results)).ret == 0
