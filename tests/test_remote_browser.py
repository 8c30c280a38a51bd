"""The demo's e2e level through a remote Playwright browser server, and one line when none can be reached.

The server is Playwright's own (`launch-server` of the driver bundled with the Python package, so client and
server are the same version) launching the Chromium this machine has; the run's local Chromium is made
impossible to launch, so a run that ignored the endpoint could not pass.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from uatkit.browsers import QUIET_ARGS, find_chromium

TOKEN = "tok-4f1c9e7a2b"
WS_PATH = "/uatkit-remote-browser"


@dataclass
class Server:
    endpoint: str
    log: Path


@pytest.fixture
def browser_server(tmp_path: Path) -> Iterator[Server]:
    """Start a Playwright browser server on a free port, launching this machine's Chromium."""
    from playwright._impl._driver import compute_driver_executable, get_driver_env

    chromium = find_chromium()
    assert chromium is not None, "the e2e level needs a Chromium (make setup installs one)"
    config = tmp_path / "server.json"
    options = {"headless": True, "args": list(QUIET_ARGS), "port": 0, "wsPath": WS_PATH}
    if not chromium.playwright_build:
        options["executablePath"] = chromium.path
    config.write_text(json.dumps(options), encoding="utf-8")
    log = tmp_path / "server.log"
    node, cli = compute_driver_executable()
    with (
        log.open("w", encoding="utf-8") as errors,
        subprocess.Popen(
            [node, cli, "launch-server", "--browser", "chromium", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**get_driver_env(), "DEBUG": "pw:server"},
        ) as server,
    ):
        try:
            assert server.stdout is not None
            endpoint = server.stdout.readline().strip()  # the server prints its ws:// URL once it listens
            assert endpoint.startswith("ws://"), log.read_text(encoding="utf-8")
            yield Server(endpoint, log)
        finally:
            server.terminate()
            server.wait(timeout=30)


def run_e2e(
    tmp_path: Path, *options: str, **variables: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    report = tmp_path / "e2e.xml"
    # No local Chromium can start: the scenarios pass only through the endpoint.
    env = {**os.environ, "UATKIT_BROWSER": str(tmp_path / "no-such-chromium"), **variables}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--uatkit-level",
            "e2e",
            *options,
            f"--alluredir={tmp_path / 'allure'}",
            f"--junitxml={report}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    found: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        found[f"{case.get('classname')}::{case.get('name')}"] = kinds[0] if kinds else "passed"
    return done, found


def test_the_e2e_level_passes_through_a_remote_playwright_server(
    tmp_path: Path, browser_server: Server
) -> None:
    endpoint = f"{browser_server.endpoint}?token={TOKEN}"
    done, outcomes = run_e2e(tmp_path, "--uatkit-browser-ws-endpoint", endpoint)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    passed = [name for name, outcome in outcomes.items() if outcome == "passed"]
    assert len(passed) >= 10 and all("[e2e" in name for name in passed)
    assert "failure" not in outcomes.values() and "error" not in outcomes.values()

    # The server served the run's connection, on the path and with the token the run was given.
    log = browser_server.log.read_text(encoding="utf-8")
    assert f"serving connection: {WS_PATH}?token={TOKEN}" in log

    # The run records that its browser was remote, and where, the token masked.
    from uatkit.allure.runs import read_run_records

    (record,), problems = read_run_records(tmp_path / "allure")
    assert problems == []
    assert record.levels == ("e2e",)
    assert record.browser_name == "chromium" and record.browser_version
    assert record.browser_endpoint == f"{browser_server.endpoint}?token=•••"
    written = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "allure").iterdir() if p.is_file())
    assert TOKEN not in written
    properties = (tmp_path / "allure" / "environment.properties").read_text(encoding="utf-8")
    browser = next(line for line in properties.splitlines() if line.startswith("Browser="))
    assert "remote" in browser and WS_PATH in browser


def closed_port() -> int:
    with socket.socket() as taken:  # a port nothing listens on once closed
        taken.bind(("127.0.0.1", 0))
        return int(taken.getsockname()[1])


def one_line_naming(done: subprocess.CompletedProcess[str], outcomes: dict[str, str], shown: str) -> str:
    assert done.returncode == 1
    # The product was never tried: each scenario is counted an error, never a failure.
    assert "passed" not in outcomes.values()
    summary = done.stdout.strip().splitlines()[-1]
    assert " error" in summary and "failed" not in summary, summary
    lines = done.stdout.splitlines()
    said = [line for line in lines if line.startswith("uatkit: cannot use the remote browser")]
    assert said and all(
        line.startswith(f"uatkit: cannot use the remote browser at {shown}: ") for line in said
    )
    # pytest's summary repeats it after each test's ID (whole lines when CI is set): the same endpoint.
    mentions = [line for line in lines if "cannot use the remote browser at" in line]
    assert all(f"cannot use the remote browser at {shown}: " in line for line in mentions)
    assert TOKEN not in done.stdout + done.stderr
    assert "Traceback" not in done.stdout and "Call log" not in done.stdout
    assert len(set(said)) == 1  # the session's one attempt, said alike for each scenario
    return said[0]


def allure_statuses(tmp_path: Path) -> set[str]:
    """Return the statuses of the e2e run's Allure results."""
    found = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "allure").glob("*-result.json")]
    assert found
    return {result["status"] for result in found}


def test_an_endpoint_that_cannot_be_reached_is_one_line_naming_it(tmp_path: Path) -> None:
    port = closed_port()
    url = f"ws://127.0.0.1:{port}{WS_PATH}?token={TOKEN}"
    done, outcomes = run_e2e(tmp_path, "--uatkit-browser-ws-endpoint", url)
    line = one_line_naming(done, outcomes, f"ws://127.0.0.1:{port}{WS_PATH}?token=•••")
    assert "browser server" in line and "is running and reachable" in line
    # Allure: broken (no verdict), so no matrix says FAILED and no defect is asked against the product.
    assert allure_statuses(tmp_path) <= {"broken", "skipped"} and "broken" in allure_statuses(tmp_path)


def test_a_selenium_grid_that_cannot_be_reached_is_one_line_naming_it(tmp_path: Path) -> None:
    port = closed_port()
    grid = f"http://qa:{TOKEN}@127.0.0.1:{port}/wd/hub"
    done, outcomes = run_e2e(tmp_path, SELENIUM_REMOTE_URL=grid)
    line = one_line_naming(done, outcomes, f"http://127.0.0.1:{port}/wd/hub")
    assert "Selenium Grid" in line and "drop SELENIUM_REMOTE_URL" in line
    assert allure_statuses(tmp_path) <= {"broken", "skipped"} and "broken" in allure_statuses(tmp_path)
