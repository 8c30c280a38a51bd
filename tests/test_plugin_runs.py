"""Each pytest run's record: run ID on every result, levels that ran, the application's version, the config
found from the project whichever way --alluredir is written (real pytest sessions in subprocesses)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.test_plugin import allure_results, bdd_project, labels
from uatkit.allure.merge import ENVIRONMENT_FILE, read_properties
from uatkit.allure.runs import RUN_FILE_GLOB, RUN_LABEL, RunRecord, read_run_records
from uatkit.pytest_plugin.appversion import endpoint, json_field

#: Labels that name the machine or process a result ran in, not what it is.
PER_PROCESS = {"host", "thread", RUN_LABEL}


@pytest.fixture
def bdd(pytester: pytest.Pytester) -> pytest.Pytester:
    """The small QA project of test_plugin.py: REQ-1's AC-1 at unit and integration, AC-2 manual."""
    return bdd_project(pytester)


def one_record(folder: Path) -> RunRecord:
    records, problems = read_run_records(folder)
    assert problems == [] and len(records) == 1, (records, problems)
    return records[0]


def mapping(folder: Path) -> dict[str, tuple[Any, ...]]:
    """Return each result's status, name, labels (but the per-process ones) and links, by testCaseId."""
    found = {}
    for result in allure_results(folder):
        named = {k: sorted(v) for k, v in labels(result).items() if k not in PER_PROCESS}
        links = sorted((link["type"], link["url"], link["name"]) for link in result.get("links", []))  # type: ignore[attr-defined]
        found[str(result["testCaseId"])] = (result["status"], result["name"], named, links)
    return found


def test_every_alluredir_form_gives_the_same_results_and_one_record(bdd: pytest.Pytester) -> None:
    forms = {
        "space": lambda folder: ["--alluredir", str(folder)],
        "equals": lambda folder: [f"--alluredir={folder}"],
        "space -n 2": lambda folder: ["-n", "2", "--alluredir", str(folder)],
        "equals -n 2": lambda folder: ["-n", "2", f"--alluredir={folder}"],
    }
    mapped, run_ids = {}, set()
    for name, args in forms.items():
        # Outside the project, and existing: pytest takes the value after a space for a test path.
        folder = bdd.path.parent / f"{bdd.path.name}-{name.replace(' ', '')}"
        folder.mkdir()
        bdd.runpytest_subprocess(*args(folder)).assert_outcomes(passed=2, skipped=1)
        mapped[name] = mapping(folder)
        record = one_record(folder)
        assert (record.levels, record.tests) == (("integration", "unit"), 2), name
        assert {labels(r)[RUN_LABEL][0] for r in allure_results(folder)} == {record.run_id}, name
        assert read_properties(folder / ENVIRONMENT_FILE)["Levels"] == "integration, unit", name
        run_ids.add(record.run_id)
    assert len(run_ids) == len(forms)
    first = mapped["equals"]
    assert len(first) == 2 and all(status == "passed" for status, *_ in first.values())
    (unit,) = [m for m in first.values() if m[2]["layer"] == ["unit"]]
    assert unit[2]["epic"] == ["Sales"] and unit[2]["severity"] == ["critical"]
    assert unit[2]["businessOwner"] == ["Sales operations"]
    assert ("tms", "https://jira.example.com/browse/REQ-1", "REQ-1") in unit[3]
    for name, found in mapped.items():
        assert found == first, name


@pytest.mark.parametrize(
    ("args", "levels", "tests"),
    [
        (["--uatkit-level", "integration"], ("integration",), 1),
        (["-m", "unit"], ("unit",), 1),
        (["-m", "manual"], (), 0),
    ],
)
def test_the_record_names_only_the_levels_that_ran(
    bdd: pytest.Pytester, args: list[str], levels: tuple[str, ...], tests: int
) -> None:
    bdd.runpytest_subprocess("--alluredir=out", *args)
    record = one_record(bdd.path / "out")
    assert (record.levels, record.tests) == (levels, tests)
    environment = read_properties(bdd.path / "out" / ENVIRONMENT_FILE)
    assert environment.get("Levels", "") == ", ".join(levels)
    assert environment["Run ID"] == record.run_id
    assert record.project == bdd.path.name and record.started <= record.stopped


class VersionServer(ThreadingHTTPServer):
    """A system under test that publishes its version at /api/version and counts who asks."""

    asked = 0


class VersionHandler(BaseHTTPRequestHandler):
    server: VersionServer

    def do_GET(self) -> None:
        if self.path == "/api/version":
            self.server.asked += 1
            body, status = json.dumps({"app": {"version": "2.4.1", "build": 77}}).encode(), 200
        elif self.path == "/":
            body, status = b"{}", 200
        else:
            body, status = b"no such page", 404
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


@pytest.fixture
def system() -> Iterator[VersionServer]:
    server = VersionServer(("127.0.0.1", 0), VersionHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def versioned(pytester: pytest.Pytester, server: VersionServer, version_url: str) -> pytest.Pytester:
    port = server.server_address[1]
    return bdd_project(
        pytester,
        f"""
        base_url = "http://qa:s3cret@127.0.0.1:{port}/"

        [tool.uatkit.run]
        environment = "staging"
        version_url = "{version_url}"
        version_field = "app.version"
        build_field = "app.build"
        """,
    )


def test_the_version_comes_from_the_system_and_the_base_url_loses_its_password(
    pytester: pytest.Pytester, system: VersionServer
) -> None:
    project = versioned(pytester, system, "api/version")
    result = project.runpytest_subprocess("--alluredir=out", "--uatkit-level", "integration")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["uatkit: application version 2.4.1, build 77, environment staging"])
    record = one_record(project.path / "out")
    port = system.server_address[1]
    assert (record.app_version, record.app_build, record.environment) == ("2.4.1", "77", "staging")
    assert record.base_url == f"http://127.0.0.1:{port}/"
    assert system.asked == 1
    environment = read_properties(project.path / "out" / ENVIRONMENT_FILE)
    assert environment["Application version"] == "2.4.1" and environment["Environment"] == "staging"
    written = "".join(p.read_text(encoding="utf-8") for p in (project.path / "out").iterdir())
    assert "s3cret" not in written + result.stdout.str()
    # A unit-only run does not talk to the system, so it does not ask it either.
    unit_only = project.runpytest_subprocess("--alluredir=unit", "--uatkit-level", "unit")
    unit_only.assert_outcomes(passed=1, skipped=1)
    assert one_record(project.path / "unit").app_version is None and system.asked == 1


def test_options_and_environment_variables_come_before_the_system(
    pytester: pytest.Pytester, system: VersionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = versioned(pytester, system, "api/version")
    monkeypatch.setenv("UATKIT_APP_BUILD", "88")
    monkeypatch.setenv("UATKIT_ENVIRONMENT", "ignored: the option names it")
    result = project.runpytest_subprocess(
        "--alluredir=out", "--uatkit-app-version", "2.5.0-rc1", "--uatkit-environment", "UAT"
    )
    result.assert_outcomes(passed=2, skipped=1)
    record = one_record(project.path / "out")
    assert (record.app_version, record.app_build, record.environment) == ("2.5.0-rc1", "88", "UAT")
    assert system.asked == 0, "everything was given, so the system was not asked"


def test_a_version_the_system_does_not_give_is_a_warning_not_a_failure(
    pytester: pytest.Pytester, system: VersionServer
) -> None:
    project = versioned(pytester, system, "status/version")
    result = project.runpytest_subprocess("--alluredir=out")
    result.assert_outcomes(passed=2, skipped=1)
    port = system.server_address[1]
    warning = f"version unknown: http://127.0.0.1:{port}/status/version answered HTTP 404"
    result.stdout.fnmatch_lines([f"uatkit: warning: {warning}"])
    record = one_record(project.path / "out")
    assert (record.app_version, record.app_build, record.environment) == (None, None, "staging")
    assert read_properties(project.path / "out" / ENVIRONMENT_FILE)["Application version"] == warning
    # A version the options give stays known: only the build the system was asked for is unknown.
    given = project.runpytest_subprocess("--alluredir=given", "--uatkit-app-version", "2.5.0")
    given.assert_outcomes(passed=2, skipped=1)
    assert "version unknown" not in given.stdout.str()
    given.stdout.fnmatch_lines([f"uatkit: warning: build unknown: http://127.0.0.1:{port}/status/version*"])
    properties = read_properties(project.path / "given" / ENVIRONMENT_FILE)
    assert properties["Application version"] == "2.5.0"
    assert properties["Application build"].startswith("build unknown: ")


def test_outside_a_uatkit_project_no_run_is_recorded(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\naddopts = ["-p", "no:cacheprovider"]\n')
    (pytester.path / "one.feature").write_text(
        "Feature: Plain\n  Scenario: Adding\n    Given nothing\n", encoding="utf-8"
    )
    pytester.makepyfile(
        test_plain='from pytest_bdd import given, scenarios\nscenarios("one.feature")\n\n'
        '@given("nothing")\ndef nothing():\n    pass\n'
    )
    pytester.runpytest_subprocess("--alluredir=out").assert_outcomes(passed=1)
    (result,) = allure_results(pytester.path / "out")
    # The plugin still maps the result (issue 12 makes it inert here), but records no run.
    assert RUN_LABEL not in labels(result)
    assert list((pytester.path / "out").glob(RUN_FILE_GLOB)) == []
    assert not (pytester.path / "out" / ENVIRONMENT_FILE).exists()


def test_version_fields_are_dotted_paths_into_the_answer() -> None:
    answer = {"version": "1.0", "app": {"build": 77, "flag": True, "parts": [1]}}
    assert json_field(answer, "version") == ("1.0", "")
    assert json_field(answer, "app.build") == ("77", "")
    assert json_field(answer, "app.version") == (None, "has no field 'app.version'")
    assert json_field(answer, "version.major") == (None, "has no field 'version.major'")
    for path in ("app.flag", "app.parts", "app"):
        assert json_field(answer, path) == (None, f"field {path!r} is not a text or a number")
    assert endpoint("http://qa.example/shop", "api/version") == "http://qa.example/shop/api/version"
    assert endpoint("http://qa.example/shop/", "/version") == "http://qa.example/version"
    assert endpoint("http://qa.example/", "https://ops.example/v") == "https://ops.example/v"


#: A session fixture that starts the system under test itself, as projects do: the version endpoint is up only
#: once a test has set it up (the port comes from the environment, or a free one).
STARTED_BY_FIXTURE = """
import json, os, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"app": {"version": "3.1.0", "build": 12}}).encode()
        self.send_response(200 if self.path in ("/", "/api/version") else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def started_system():
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("SYSTEM_PORT", "0"))), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
"""


def started_by_fixture(pytester: pytest.Pytester, fixture: str) -> pytest.Pytester:
    project = bdd_project(
        pytester,
        """
        [tool.uatkit.run]
        version_url = "api/version"
        version_field = "app.version"
        build_field = "app.build"
        """,
    )
    conftest = project.path / "conftest.py"
    conftest.write_text(conftest.read_text(encoding="utf-8") + STARTED_BY_FIXTURE + fixture, encoding="utf-8")
    return project


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_a_base_url_fixture_that_starts_the_system_is_the_system_under_test(
    pytester: pytest.Pytester, workers: list[str]
) -> None:
    fixture = (
        '\n\n@pytest.fixture(scope="session")\ndef base_url(started_system):\n    return started_system\n'
    )
    project = started_by_fixture(pytester, fixture)
    result = project.runpytest_subprocess("--alluredir=out", *workers)
    result.assert_outcomes(passed=2, skipped=1)
    record = one_record(project.path / "out")
    assert record.base_url is not None and record.base_url.startswith("http://127.0.0.1:")
    assert (record.app_version, record.app_build) == ("3.1.0", "12")
    result.stdout.fnmatch_lines(
        [
            "uatkit: system under test not given (a base_url fixture may give it)",
            f"uatkit: checked the system under test at {record.base_url}"
            " (from the project's base_url fixture)",
            "uatkit: application version 3.1.0, build 12",
        ]
    )
    environment = read_properties(project.path / "out" / ENVIRONMENT_FILE)
    assert environment["Base URL"] == record.base_url and environment["Application version"] == "3.1.0"


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_the_version_is_asked_once_the_fixture_that_starts_the_system_has_run(
    pytester: pytest.Pytester, workers: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setenv("SYSTEM_PORT", str(port))
    # Started for the integration test only: the one process that runs it starts the system on that port.
    fixture = (
        "\n\n@pytest.fixture(autouse=True)\ndef system_up(request, uatkit_level):\n"
        "    if uatkit_level == 'integration':\n        request.getfixturevalue('started_system')\n"
    )
    project = started_by_fixture(pytester, fixture)
    url = f"http://127.0.0.1:{port}/"
    result = project.runpytest_subprocess("--alluredir=out", "--base-url", url, *workers)
    result.assert_outcomes(passed=2, skipped=1)
    assert "unknown" not in result.stdout.str()
    record = one_record(project.path / "out")
    assert (record.base_url, record.app_version, record.app_build) == (url, "3.1.0", "12")
    result.stdout.fnmatch_lines([f"uatkit: checked the system under test at {url}"])


def test_a_fixture_that_starts_the_system_can_say_its_version(pytester: pytest.Pytester) -> None:
    project = bdd_project(pytester)  # no version_url: the fixture knows what it started
    fixture = (
        '\n\n@pytest.fixture(scope="session")\ndef base_url(started_system):\n'
        '    os.environ["UATKIT_APP_VERSION"] = "7.0.3"\n    return started_system\n'
    )
    conftest = project.path / "conftest.py"
    conftest.write_text(conftest.read_text(encoding="utf-8") + STARTED_BY_FIXTURE + fixture, encoding="utf-8")
    result = project.runpytest_subprocess("--alluredir=out", "-n", "2")
    result.assert_outcomes(passed=2, skipped=1)
    assert one_record(project.path / "out").app_version == "7.0.3"
    result.stdout.fnmatch_lines(["uatkit: application version 7.0.3"])
