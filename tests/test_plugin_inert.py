"""Outside a uatkit project the plugin is inert: an unrelated project runs exactly as with `-p no:uatkit`.

The project has no [tool.uatkit]; it uses Faker's own locale and seed fixtures, a `manual` marker of its
own, pytest-playwright's options, a session fixture that starts the server --base-url names, its own
environment.properties in --alluredir, and a pytest-bdd feature with a mistyped tag under
--strict-markers. Each run is made twice in subprocesses, with the plugin and with `-p no:uatkit`, and the
outcomes, the printed output and every file written are compared.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PYPROJECT = """
[project]
name = "unrelated"
version = "1.0"

[tool.pytest.ini_options]
addopts = ["-p", "no:cacheprovider", "-p", "no:randomly"]
markers = ["manual: run by hand in this project, but still run here"]
"""

CONFTEST = """
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

OUT = Path(__file__).parent / "out"


def record(name, value):
    OUT.mkdir(exist_ok=True)
    (OUT / name).write_text(json.dumps(value, sort_keys=True, default=str), encoding="utf-8")


@pytest.fixture(autouse=True)
def faker_locale():
    return ["it_IT"]


@pytest.fixture(autouse=True)
def faker_seed():
    return 4321


class Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"up")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def system(pytestconfig):
    port = int(pytestconfig.getoption("base_url").rsplit(":", 1)[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield
    server.shutdown()


def pytest_sessionfinish(session):
    record("uatkit-modules.json", sorted(m for m in sys.modules if m.startswith("uatkit.")))
"""

TESTS = """
from urllib.request import urlopen

import pytest

from conftest import record


def test_faker_uses_the_projects_locale_and_seed(faker):
    record("faker.json", [faker.locales, faker.name(), faker.address()])
    assert faker.locales == ["it_IT"]


@pytest.mark.manual
def test_a_manual_marker_of_the_project_runs():
    record("manual.json", "ran")


def test_playwright_options_are_pytest_playwrights(browser_type_launch_args, browser_name, pytestconfig):
    record("playwright.json", [browser_name, browser_type_launch_args, pytestconfig.getoption("slowmo")])


def test_the_session_fixture_started_the_server(system, base_url):
    assert urlopen(base_url, timeout=5).read() == b"up"

"""

FEATURE = """\
Feature: Greeting

  @integraton
  Scenario: A mistyped tag
    Given a greeting
"""

BDD_TESTS = """
from pytest_bdd import given, scenarios

scenarios("greeting.feature")


@given("a greeting")
def greeting():
    pass
"""

PROJECT_ENVIRONMENT = "Project=unrelated\\nOwner=someone else\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_project(root: Path) -> None:
    (root / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT), encoding="utf-8")
    (root / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (root / "test_unrelated.py").write_text(TESTS, encoding="utf-8")
    bdd = root / "bdd"
    bdd.mkdir()
    (bdd / "greeting.feature").write_text(FEATURE, encoding="utf-8")
    (bdd / "test_greeting.py").write_text(BDD_TESTS, encoding="utf-8")
    results = root / "results"
    results.mkdir()
    (results / "environment.properties").write_text(PROJECT_ENVIRONMENT, encoding="utf-8")


def files(root: Path) -> dict[str, str]:
    """Return every file the runs wrote under `root`, by name (Allure's random names made stable)."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            name = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", str(path))
            text = path.read_text(encoding="utf-8")
            found[f"{name}#{len(found)}" if name in found else name] = (
                "allure result" if "UUID" in name else text
            )
    return found


def normalised(output: str, root: Path) -> list[str]:
    """Return pytest's output without what differs between any two runs (times, the plugin list)."""
    lines = []
    for line in output.splitlines():
        if line.startswith(("plugins:", "running:", "     in:")):
            continue
        line = re.sub(r" in [0-9.]+s", " in Ns", line.replace(str(root), "ROOT"))
        line = re.sub(r"^=+ (.*) =+$", r"\1", line)  # the rule's width follows the time's
        lines.append(line)
    return lines


def run_both(pytester: pytest.Pytester, *args: str) -> tuple[dict[str, object], dict[str, object]]:
    """Run the project with the plugin, then without it, each in a fresh copy; return what each gave."""
    return run_both_with(sys.executable, pytester.path, *args)


def run_both_with(python: str | Path, work: Path, *args: str) -> tuple[dict[str, object], dict[str, object]]:
    """Run the project with `python` (any environment with pytest), with the plugin and without it."""
    outcomes = []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV"))}
    for extra in ((), ("-p", "no:uatkit")):
        root = work / f"run-{len(list(work.glob('run-*')))}"
        root.mkdir()
        write_project(root)
        done = subprocess.run(
            [str(python), "-m", "pytest", *args, *extra, "-rA"],
            cwd=root,
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        outcomes.append(
            {
                "exit": done.returncode,
                "stdout": normalised(done.stdout, root),
                "stderr": normalised(done.stderr, root),
                "files": {k.replace(str(root), "ROOT"): v for k, v in files(root).items()},
            }
        )
    return outcomes[0], outcomes[1]


def unrelated_args() -> tuple[str, ...]:
    """Return the options the unrelated project runs with: pytest-playwright's, --base-url, --alluredir."""
    return (
        "-v",
        "--base-url",
        f"http://127.0.0.1:{free_port()}",
        "--alluredir",
        "results",
        "--browser",
        "firefox",
        "--browser-channel",
        "firefox-beta",
        "--slowmo",
        "150",
        "--ignore=bdd",
    )


def assert_runs_as_without_the_plugin(with_plugin: dict[str, object], without: dict[str, object]) -> None:
    """The same exit, output and files; only uatkit's entry point and options were imported."""
    assert with_plugin["exit"] == without["exit"] == pytest.ExitCode.OK, with_plugin["stdout"]
    assert with_plugin["stdout"] == without["stdout"]
    assert with_plugin["stderr"] == without["stderr"]
    with_files = dict(with_plugin["files"])  # type: ignore[call-overload]
    without_files = dict(without["files"])  # type: ignore[call-overload]
    modules = json.loads(with_files.pop("ROOT/out/uatkit-modules.json"))
    assert json.loads(without_files.pop("ROOT/out/uatkit-modules.json")) == []
    # The entry point, its options and (for `--alluredir results`, an existing folder that pytest first takes
    # for a test path) the rootdir check are all that loaded: uatkit's engine was not imported.
    assert set(modules) <= {
        "uatkit.pytest_plugin",
        "uatkit.pytest_plugin.options",
        "uatkit.pytest_plugin.session",
    }
    assert with_files == without_files
    assert with_files["ROOT/results/environment.properties"] == PROJECT_ENVIRONMENT
    assert json.loads(with_files["ROOT/out/faker.json"])[0] == ["it_IT"]
    assert json.loads(with_files["ROOT/out/playwright.json"]) == [
        "firefox",
        {"channel": "firefox-beta", "slow_mo": 150.0},
        150.0,
    ]
    assert any(re.search(r"\b4 passed", line) for line in with_plugin["stdout"])  # type: ignore[union-attr]


def test_an_unrelated_project_runs_as_without_the_plugin(pytester: pytest.Pytester) -> None:
    assert_runs_as_without_the_plugin(*run_both(pytester, *unrelated_args()))


def test_a_mistyped_tag_still_fails_under_strict_markers(pytester: pytest.Pytester) -> None:
    with_plugin, without = run_both(pytester, "--strict-markers", "bdd")
    for outcome in (with_plugin, without):
        del outcome["files"]["ROOT/out/uatkit-modules.json"]  # type: ignore[attr-defined]
    assert with_plugin == without
    assert with_plugin["exit"] == pytest.ExitCode.INTERRUPTED
    assert any("'integraton' not found in `markers`" in line for line in with_plugin["stdout"])  # type: ignore[union-attr]


def test_markers_and_fixtures_listed_are_the_same(pytester: pytest.Pytester) -> None:
    for listing in ("--markers", "--fixtures"):
        with_plugin, without = run_both(pytester, listing)
        assert with_plugin["stdout"] == without["stdout"], listing


@pytest.mark.parametrize(
    ("left_out", "option"), [("no:allure_pytest_bdd", "--alluredir"), ("no:playwright", "--base-url")]
)
def test_an_option_of_a_plugin_left_out_stays_pytests_own_error(
    pytester: pytest.Pytester, left_out: str, option: str
) -> None:
    # In a uatkit project a placeholder names the extra (tests/test_plugin_placeholders.py); not here.
    with_plugin, without = run_both(pytester, "-p", left_out, option, "results")
    assert with_plugin == without
    assert with_plugin["exit"] == pytest.ExitCode.USAGE_ERROR
    assert any(f"unrecognized arguments: {option}" in line for line in with_plugin["stderr"])  # type: ignore[union-attr]
