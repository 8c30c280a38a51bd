"""What a browser scenario keeps in its Allure result under each tracing mode: real pytest sessions (pytester,
in subprocesses), a real Chromium and a real HTTP server; one scenario passes and one fails."""

from __future__ import annotations

import json
import textwrap
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from uatkit.browsers import find_chromium
from uatkit.pytest_plugin.browser import TRACE_NAME

pytestmark = pytest.mark.skipif(find_chromium("") is None, reason="no Chromium on this machine")

STORY = """\
---
id: REQ-7
module: Sales
priority: must
levels: [e2e]
---
# Greet the visitor

## AC-1 The start page greets the visitor
Given I open the start page
Then the page says "Hello"

## AC-2 The start page says goodbye
Given I open the start page
Then the page says "Goodbye"
"""

FEATURE = """\
@REQ-7
Feature: REQ-7 Greet the visitor

  @case:REQ-7.AC-1 @e2e
  Scenario: AC-1 The start page greets the visitor
    Given I open the start page
    Then the page says "Hello"

  @case:REQ-7.AC-2 @e2e
  Scenario: AC-2 The start page says goodbye
    Given I open the start page
    Then the page says "Goodbye"
"""

CONFTEST = """
from pytest_bdd import given, parsers, then


@given("I open the start page")
def open_start_page(uatkit_page, base_url):
    uatkit_page.goto(base_url)


@then(parsers.parse('the page says "{text}"'))
def page_says(uatkit_page, text):
    assert text in uatkit_page.inner_text("body"), f"the page does not say {text!r}"
"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>Greeting</title><h1>Hello, visitor</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """Serve one HTML page on a free port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def project(pytester: pytest.Pytester, settings: str = "") -> pytest.Pytester:
    """Write a QA project whose one feature has a passing and a failing browser scenario."""
    pytester.makepyprojecttoml(
        textwrap.dedent(
            """
            [tool.uatkit]
            stories = ["stories"]
            requirement_pattern = "REQ-[0-9]+"
            default_levels = ["e2e"]
            """
        )
        + settings
        + '\n[tool.pytest.ini_options]\naddopts = ["-p", "no:cacheprovider", "-p", "no:randomly"]\n'
    )
    (pytester.path / "stories").mkdir()
    (pytester.path / "stories" / "REQ-7.md").write_text(STORY, encoding="utf-8")
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "req7.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_features='from pytest_bdd import scenarios\nscenarios("features")\n')
    return pytester


def kept(pytester: pytest.Pytester, site: str, *options: str) -> dict[str, tuple[str, set[str]]]:
    """Run the project; return each scenario's status and the names of its attachments."""
    results = pytester.path / "allure-results"
    run = pytester.runpytest_subprocess(f"--alluredir={results}", f"--base-url={site}", *options)
    run.assert_outcomes(passed=1, failed=1)
    found = {}
    for path in results.glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        attachments = result.get("attachments", [])
        for attachment in attachments:
            assert (results / attachment["source"]).is_file(), attachment
        story = next(label["value"] for label in result["labels"] if label["name"] == "story")
        found[story.split()[0]] = (result["status"], {a["name"] for a in attachments})
    return found


def test_off_keeps_no_trace_and_a_screenshot_of_the_failure(pytester: pytest.Pytester, site: str) -> None:
    found = kept(project(pytester), site, "--uatkit-tracing", "off")
    assert found == {"AC-1": ("passed", set()), "AC-2": ("failed", {"screenshot"})}


def test_on_keeps_every_scenarios_trace(pytester: pytest.Pytester, site: str) -> None:
    found = kept(project(pytester), site, "--uatkit-tracing=on")
    assert found == {"AC-1": ("passed", {TRACE_NAME}), "AC-2": ("failed", {"screenshot", TRACE_NAME})}
    results = pytester.path / "allure-results"
    traces = [p for p in results.iterdir() if p.suffix == ".zip"]
    assert len(traces) == 2
    with zipfile.ZipFile(traces[0]) as archive:  # a trace Playwright's viewer opens: its action log inside
        assert any(name.endswith(".trace") for name in archive.namelist())


def test_retain_on_failure_is_the_default_and_keeps_the_failed_scenarios_trace_only(
    pytester: pytest.Pytester, site: str
) -> None:
    found = kept(project(pytester), site)
    assert found == {"AC-1": ("passed", set()), "AC-2": ("failed", {"screenshot", TRACE_NAME})}


def test_the_project_setting_chooses_and_the_option_overrides_it(
    pytester: pytest.Pytester, site: str
) -> None:
    project(pytester, '\n[tool.uatkit.e2e]\ntracing = "on"\n')
    assert kept(pytester, site)["AC-1"] == ("passed", {TRACE_NAME})
    assert kept(pytester, site, "--clean-alluredir", "--uatkit-tracing", "off")["AC-2"] == (
        "failed",
        {"screenshot"},
    )


def test_a_word_the_setting_does_not_know_is_one_located_error(pytester: pytest.Pytester) -> None:
    project(pytester, '\n[tool.uatkit.e2e]\ntracing = "always"\n')
    run = pytester.runpytest_subprocess("--co")
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stderr.fnmatch_lines(["*tracing*"])
    assert "Traceback" not in run.stderr.str()
