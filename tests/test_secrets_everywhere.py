"""No secret reaches a report: known secrets are written through every path a real project has — the base
URL, step text, an outline's Examples, a login's token, the environment, the application build, CI's
BUILD_URL and a UAT mark — and every file under reports/ (the generated Allure report's embedded data
decoded too) is searched for them (issue 11, item 5)."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import uatkit.stories.markdown  # noqa: F401  (loaded before pytester snapshots and restores sys.modules)
from tests.conftest import REPO, write
from tests.test_report import needs_allure
from tests.test_uat_roundtrip import fill, passed
from uatkit.cli import app
from uatkit.secrets import MASK

runner = CliRunner()

SECRETS = {
    "base URL password": "BASEPASS-7f3k",
    "password in step text": "STEPPASS-91xq",
    "password in an Examples row": "OUTLINEPASS-3x",
    "token the system returned": "TOKENVAL-55ab",
    "environment variable with a secret name": "ENVPASS-22zz",
    "environment variable the project names": "PINV-77",
    "application build URL password": "BUILDPASS-8q",
    "CI BUILD_URL token": "CITOKEN-4d4d",
}

STORY = """
---
id: REQ-1
module: Accounts
priority: must
levels: [integration]
---
# Log in

## AC-1 A clerk logs in
When I log in as "clara" with password "STEPPASS-91xq"
Then the administrator's password from the environment is refused

## AC-2 Each user logs in
When I log in as "<user>" with password "<password>"
Then my token works

Examples:
  | user | password       |
  | max  | OUTLINEPASS-3x |
"""

CONFTEST = """
import os

from pytest_bdd import parsers, then, when


@when(parsers.parse('I log in as "{user}" with password "{password}"'), target_fixture="login")
def log_in(api, user, password):
    return api.login(user, password)


@then("the administrator's password from the environment is refused")
def admin_refused(api):
    secret = os.environ["DEMO_ADMIN_PASSWORD"]
    pin = os.environ["SHOP_PIN"]
    response = api.post("api/login", json={"username": "admin", "pwd": secret, "pin": pin})
    # Fails on purpose: the message, the HTTP exchanges and the step parameters all carry secrets.
    assert response.status_code == 200, f"admin with {secret} (pin {pin}) refused at {api.base_url}"


@then("my token works")
def token_works(api, login):
    assert api.get("api/me").json()["user"] == "max"
"""


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        ok = body.get("password") in ("STEPPASS-91xq", "OUTLINEPASS-3x")
        self.answer(200 if ok else 401, {"token": "TOKENVAL-55ab", "user": body.get("username")})

    def do_GET(self) -> None:
        # The base URL's user-info becomes basic auth (requests), so the session's cookie says who it is.
        if "TOKENVAL-55ab" in (self.headers.get("Cookie") or ""):
            self.answer(200, {"user": "max", "token": "TOKENVAL-55ab"})
        else:
            self.answer(200 if self.path == "/" else 401, {})

    def answer(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "session=TOKENVAL-55ab; HttpOnly")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


@pytest.fixture
def system() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def every_text(folder: Path) -> Iterator[tuple[Path, str]]:
    """Yield each file's text, and the data a single-file Allure report embeds, base64-decoded."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        yield path, text
        for name, data in re.findall(r'd\("([^"]+)","([A-Za-z0-9+/=]*)"\)', text):
            yield path / name, base64.b64decode(data).decode("utf-8", "replace")


@needs_allure
def test_no_known_secret_reaches_any_file_under_reports(
    pytester: pytest.Pytester, system: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = pytester.path
    write(
        root / "pyproject.toml",
        f"""
        [tool.uatkit]
        stories = ["stories"]
        requirement_pattern = "REQ-[0-9]+"
        base_url = "http://qa:BASEPASS-7f3k@127.0.0.1:{system}/"

        [tool.uatkit.secrets]
        env = ["SHOP_PIN"]

        [tool.uatkit.uat]
        release = "R1"

        [tool.pytest.ini_options]
        addopts = ["-p", "no:cacheprovider"]
        """,
    )
    write(root / "stories" / "REQ-1.md", STORY)
    write(root / "conftest.py", CONFTEST)
    write(root / "test_features.py", 'from pytest_bdd import scenarios\nscenarios("features")\n')
    (root / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "ENVPASS-22zz")
    monkeypatch.setenv("SHOP_PIN", "PINV-77")
    monkeypatch.setenv("BUILD_URL", "https://jenkins:CITOKEN-4d4d@ci.example/job/7/?token=CITOKEN-4d4d")
    monkeypatch.setenv("JENKINS_URL", "https://ci.example/")  # the Allure CLI then reads BUILD_URL itself
    monkeypatch.setenv("BUILD_NUMBER", "7")

    def uatkit(*args: str) -> None:
        done = runner.invoke(app, [*args, "-C", str(root)])
        assert done.exit_code in (0, 1), done.output  # 1: the sign-off verdict is NO-GO, as it should be

    uatkit("generate")
    runner.invoke(app, ["uat", "export", "-C", str(root)])
    (pack,) = (root / "uat_packs").rglob("*.xlsx")
    fill(pack, {"REQ-1.AC-1": passed(), "REQ-1.AC-2#1": passed()})
    uatkit("uat", "import")
    result = pytester.runpytest_subprocess(
        "--alluredir=reports/allure-results",
        "--uatkit-app-build=https://ci:BUILDPASS-8q@ci.example/job/7",
        "--uatkit-environment=staging",
    )
    result.assert_outcomes(passed=1, failed=1)
    uatkit("report")
    uatkit("trace")
    uatkit("signoff")

    reports = root / "reports"
    found = {
        f"{what} in {path.relative_to(reports)}"
        for path, text in every_text(reports)
        for what, secret in SECRETS.items()
        if secret in text
    }
    assert found == set()
    # What the report keeps is still useful: the exchanges, the step text and the failure, masked.
    results = [json.loads(p.read_text("utf-8")) for p in (reports / "allure-results").glob("*-result.json")]
    steps = {step["name"] for result in results for step in result["steps"]}
    assert 'When I log in as "clara" with password "•••"' in steps
    messages = " ".join(r["statusDetails"].get("message", "") for r in results if r.get("statusDetails"))
    assert f"admin with {MASK} (pin {MASK}) refused at http://127.0.0.1:" in messages
    exchanges = "".join(p.read_text("utf-8") for p in (reports / "allure-results").glob("*-attachment.txt"))
    assert "POST http://127.0.0.1:" in exchanges and "HTTP 401" in exchanges


def test_an_unreachable_system_is_named_without_its_password(pytester: pytest.Pytester) -> None:
    write(
        pytester.path / "pyproject.toml",
        """
        [tool.uatkit]
        stories = ["stories"]
        requirement_pattern = "REQ-[0-9]+"
        default_levels = ["integration"]
        """,
    )
    write(pytester.path / "stories" / "REQ-1.md", STORY)
    write(pytester.path / "conftest.py", CONFTEST)
    generated = runner.invoke(app, ["generate", "-C", str(pytester.path)])
    assert generated.exit_code == 0, generated.output
    write(pytester.path / "test_features.py", 'from pytest_bdd import scenarios\nscenarios("features")\n')
    result = pytester.runpytest_subprocess("--base-url=http://qa:BASEPASS-7f3k@127.0.0.1:9/?api_key=K3Y-42")
    text = result.stdout.str() + result.stderr.str()
    assert "is unreachable" in text and "http://127.0.0.1:9/?api_key=•••" in text
    assert "BASEPASS-7f3k" not in text and "K3Y-42" not in text


def test_the_api_fixture_needs_no_browser_extra_and_a_projects_base_url_fixture_wins(
    pytester: pytest.Pytester, system: int
) -> None:
    write(
        pytester.path / "pyproject.toml",
        f"""
        [tool.uatkit]
        stories = ["stories"]
        requirement_pattern = "REQ-[0-9]+"
        base_url = "http://127.0.0.1:{system}/"
        """,
    )
    (pytester.path / "stories").mkdir()
    write(
        pytester.path / "test_api.py",
        """
        def test_login(api):
            assert api.login("max", "OUTLINEPASS-3x").status_code == 200
        """,
    )
    # Without pytest-base-url (the browser extra brings it) the configured base URL is used.
    pytester.runpytest_subprocess("-p", "no:base_url", "-p", "no:playwright").assert_outcomes(passed=1)
    # A project's own base_url fixture (one that starts the system, say) is the one the session uses.
    write(
        pytester.path / "conftest.py",
        f"""
        import pytest

        @pytest.fixture(scope="session")
        def base_url():
            return "http://127.0.0.1:{system}/"
        """,
    )
    (pytester.path / "pyproject.toml").write_text(
        '[tool.uatkit]\nstories = ["stories"]\nrequirement_pattern = "REQ-[0-9]+"\n', encoding="utf-8"
    )
    pytester.runpytest_subprocess("-p", "no:base_url", "-p", "no:playwright").assert_outcomes(passed=1)
