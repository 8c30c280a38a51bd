"""The generic step library, used by a project as any user would: HTTP, browser (real Chromium) and data."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PAGE = """<!doctype html><html><body>
<form onsubmit="document.getElementById('out').textContent = 'Hello, ' +
  document.getElementById('n').value + '!'; return false;">
<label for="n">User name</label><input id="n"><button type="submit">Greet</button></form>
<p id="out"></p></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/page":
            self._send(200, PAGE.encode(), "text/html")
        else:
            self._send(
                200, json.dumps({"user": {"name": "clara", "role": "clerk"}}).encode(), "application/json"
            )

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(201, body, "application/json")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def one_feature_project(pytester: pytest.Pytester, feature: str, conftest: str) -> None:
    """Lay out a project with one feature, a conftest and a test module binding it."""
    # A project using uatkit's steps is a uatkit project: outside one the plugin is inert.
    pytester.makepyprojecttoml("[tool.uatkit]\n\n[tool.pytest.ini_options]\n")
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "f.feature").write_text(feature, encoding="utf-8")
    pytester.makeconftest(conftest)
    pytester.makepyfile(test_f='from pytest_bdd import scenarios\nscenarios("features")\n')


def failed_attachments(pytester: pytest.Pytester, server: str) -> list[dict[str, str]]:
    """Run the project, expect its one scenario to fail, and return its Allure attachments."""
    result = pytester.runpytest_subprocess(
        "--base-url", server, "--alluredir", "results", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    (result_file,) = (pytester.path / "results").glob("*-result.json")
    attachments: list[dict[str, str]] = json.loads(result_file.read_text(encoding="utf-8"))["attachments"]
    return attachments


FEATURE = '''Feature: generic steps
  @integration
  Scenario: HTTP
    When I send a GET request to "/api/me"
    Then the response status is 200
    And the response field "user.role" is "clerk"
    When I send a POST request to "/api/customers" with:
      """
      {"name": "ACME <Ltd>"}
      """
    Then the response status is 201
    And the response contains "ACME <Ltd>"

  @unit
  Scenario: Data
    Given a customer exists
    Then the customer has a name

  @e2e
  Scenario: Browser
    When I open the page "/page"
    And I fill "User name" with "Ada"
    And I click the button "Greet"
    Then I see "Hello, Ada!"
'''

CONFTEST = """
import pytest
from pytest_bdd import then

pytest_plugins = ["uatkit.steps.http", "uatkit.steps.browser", "uatkit.steps.data"]

@pytest.fixture
def uatkit_factories():
    return {"customer": lambda faker: {"name": faker.company()}}

@then("the customer has a name")
def has_name(uatkit_created):
    assert uatkit_created["customer"]["name"]
"""


def test_generic_steps_against_a_real_server_and_browser(pytester: pytest.Pytester, server: str) -> None:
    # pytest-playwright 0.10's base_url fixture warns under pytest 9; a project filters it in its own
    # configuration (uatkit edits no warning filter).
    pytester.makepyprojecttoml(
        '[tool.uatkit]\n\n[tool.pytest.ini_options]\naddopts = ["--strict-markers"]\n'
        'filterwarnings = ["ignore:Session-scoped fixtures defined as instance methods"]\n'
    )
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "generic.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_generic='from pytest_bdd import scenarios\nscenarios("features")\n')
    result = pytester.runpytest_subprocess("--base-url", server, "-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_http[[]integration[]] PASSED*", "*test_browser[[]e2e[]] PASSED*"])
    assert "warning" not in result.stdout.str()


def test_a_failing_browser_check_attaches_screenshot_and_trace(
    pytester: pytest.Pytester, server: str
) -> None:
    one_feature_project(
        pytester,
        'Feature: f\n  @e2e\n  Scenario: s\n    When I open the page "/page"\n    Then I see "Goodbye"\n',
        'pytest_plugins = ["uatkit.steps.browser"]\n',
    )
    attachments = failed_attachments(pytester, server)
    names = {a["name"] for a in attachments}
    assert "screenshot" in names and any("trace" in n for n in names)
    screenshot = next(a for a in attachments if a["name"] == "screenshot")
    assert (pytester.path / "results" / screenshot["source"]).read_bytes().startswith(b"\x89PNG")


def test_failing_http_check_attaches_exchanges_without_secrets(
    pytester: pytest.Pytester, server: str
) -> None:
    one_feature_project(
        pytester,
        "Feature: f\n  @integration\n  Scenario: s\n    Given I log in\n"
        '    When I send a GET request to "/api/me"\n    Then the response status is 404\n',
        """
from pytest_bdd import given
pytest_plugins = ["uatkit.steps.http"]

@given("I log in")
def log_in(api):
    api.headers["Cookie"] = "session=cookie-value-123"
    api.login("clara", "clara-secret")
""",
    )
    attachments = failed_attachments(pytester, server)
    (attachment,) = [a for a in attachments if a["name"] == "HTTP exchanges (secrets masked)"]
    text = (pytester.path / "results" / attachment["source"]).read_text(encoding="utf-8")
    assert "POST " in text and "GET " in text and '"username": "clara"' in text
    for written in (pytester.path / "results").iterdir():
        content = written.read_bytes()
        assert b"clara-secret" not in content and b"cookie-value-123" not in content, written.name


def test_remote_browser_over_cdp(
    pytester: pytest.Pytester, server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import shutil
    import socket
    import subprocess
    import time
    import urllib.request

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no system Chromium to act as the remote browser")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    profile = tmp_path_factory.mktemp("remote-profile")
    remote = subprocess.Popen(
        [
            chromium,
            "--headless",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/json/version", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        one_feature_project(
            pytester,
            'Feature: f\n  @e2e\n  Scenario: s\n    When I open the page "/page"\n'
            '    And I fill "User name" with "Ada"\n    And I click the button "Greet"\n'
            '    Then I see "Hello, Ada!"\n',
            'pytest_plugins = ["uatkit.steps.browser"]\n',
        )
        result = pytester.runpytest_subprocess(
            "--base-url", server, "--uatkit-browser-cdp-endpoint", endpoint, "-p", "no:cacheprovider"
        )
        result.assert_outcomes(passed=1)
    finally:
        remote.terminate()
        remote.wait(timeout=10)
