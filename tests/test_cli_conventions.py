"""CLI conventions: --format json with a schema on every reporting command, exit codes, -h, -v, --version,
shell completion and `uatkit doctor`."""

from __future__ import annotations

import errno
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO
from tests.test_report import needs_allure, uat_project
from uatkit.cli import app
from uatkit.cli.common import os_error_message, uatkit_version

runner = CliRunner()


def report(*args: str, code: int = 0) -> dict[str, Any]:
    """Run a command with --format json; return the one JSON object it printed on stdout."""
    done = runner.invoke(app, [*args, "--format", "json"])
    assert done.exit_code == code, done.output
    data: dict[str, Any] = json.loads(done.stdout)
    assert data["schema"] == 1
    return data


@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    """Return a project `uatkit init` made (a sample story, its feature, step definitions)."""
    done = runner.invoke(app, ["init", str(tmp_path / "acme")])
    assert done.exit_code == 0, done.output
    return tmp_path / "acme"


def test_the_story_and_uat_commands_report_in_json(scaffold: Path) -> None:
    generated = report("generate", "-C", str(scaffold), "--check")
    assert generated["command"] == "generate" and generated["out_of_sync"] is False
    assert generated["counts"]["unchanged"] == len(generated["features"]) >= 1
    assert report("stories", "-C", str(scaffold))["command"] == "stories"
    exported = report("uat", "export", "-C", str(scaffold), "--release", "R1", "--all")
    (pack,) = exported["packs"]
    assert exported["command"] == "uat export" and (scaffold / pack["file"]).is_file() and pack["cases"] >= 1
    imported = report("uat", "import", str(scaffold / pack["file"]), "-C", str(scaffold))
    assert imported["command"] == "uat import" and imported["refused"] == []
    assert [i["pack_id"] for i in imported["imported"]] == [pack["pack_id"]]
    assert imported["uat_results"]["folder"] == "reports/uat-results"
    status = report("uat", "status", "-C", str(scaffold))
    assert status["command"] == "uat status" and status["total"]["cases"] == pack["cases"]
    backup = report("uat", "backup", "-C", str(scaffold), "--to", str(scaffold / "copy.db"))
    assert backup["ok"] is True and backup["integrity"] == "ok" and Path(backup["copy"]).is_file()


def test_generate_check_in_json_exits_1_when_a_feature_is_stale(scaffold: Path) -> None:
    (feature,) = (scaffold / "features").rglob("*.feature")
    feature.unlink()
    generated = report("generate", "-C", str(scaffold), "--check", code=1)
    assert generated["out_of_sync"] is True and generated["counts"]["create"] == 1
    assert not feature.exists()  # --check writes nothing


def test_a_refused_pack_is_reported_in_json_and_exits_2(scaffold: Path) -> None:
    bad = scaffold / "uat_packs" / "not-a-pack.xlsx"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"this is not a workbook")
    imported = report("uat", "import", str(bad), "-C", str(scaffold), code=2)
    (refused,) = imported["refused"]
    assert refused["file"].endswith("not-a-pack.xlsx") and refused["problems"]


@needs_allure
def test_report_in_json_names_its_evidence_set_and_the_report(project: Path) -> None:
    uat_project(project)
    data = report("report", "-C", str(project))
    assert data["command"] == "report" and data["results"] == 6
    assert data["by_layer"]["uat"] == {"failed": 1, "broken": 1}
    assert data["evidence"]["id"] and data["report"] == "reports/allure-report/index.html"


def test_trace_and_signoff_json_keep_their_schema_and_name_the_command(scaffold: Path) -> None:
    traced = report("trace", "-C", str(scaffold), "--no-write")
    assert traced["command"] == "trace" and traced["written"] == [] and traced["requirements"]
    signed = report("signoff", "-C", str(scaffold), "--no-write", code=1)
    assert signed["command"] == "signoff" and signed["outcome"] == "NO-GO"


def test_trace_json_lists_the_files_it_wrote_in_written_and_keeps_stderr_free_of_them(scaffold: Path) -> None:
    done = runner.invoke(app, ["trace", "-C", str(scaffold), "--format", "json"])
    assert done.exit_code == 0, done.output
    written = json.loads(done.stdout)["written"]
    assert written == ["reports/traceability.html", "reports/traceability.xlsx", "reports/traceability.json"]
    assert all((scaffold / path).is_file() for path in written)
    assert "traceability" not in done.stderr


def test_generate_json_holds_its_warnings_and_stderr_stays_empty(scaffold: Path) -> None:
    (story,) = (scaffold / "stories").glob("*.md")
    prose = "\n## AC-3 Sorting\nWhen the clerk opens the list, the newest show first.\nIt can be sorted.\n"
    story.write_text(story.read_text(encoding="utf-8") + prose, encoding="utf-8")
    done = runner.invoke(app, ["generate", "-C", str(scaffold), "--format", "json"])
    assert done.exit_code == 0, done.output
    (warning,) = json.loads(done.stdout)["warnings"]
    assert "criterion AC-3" in warning and done.stderr == ""
    # `uatkit stories` says the same warnings: in its JSON, and on stderr below its table.
    listed = runner.invoke(app, ["stories", "-C", str(scaffold), "--format", "json"])
    assert json.loads(listed.stdout)["warnings"] == [warning] and listed.stderr == ""
    shown = runner.invoke(app, ["stories", "-C", str(scaffold)])
    assert shown.exit_code == 0 and "criterion AC-3" in shown.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["trace"],
        ["trace", "--results", "{results}"],
        ["signoff"],
        ["uat", "export", "--release", "R1", "--all"],
    ],
    ids=["trace", "trace-writing", "signoff", "uat-export"],
)
def test_a_file_where_the_reports_folder_goes_is_named_with_what_to_do(
    scaffold: Path, command: list[str]
) -> None:
    (scaffold / "results").mkdir()
    shutil.rmtree(scaffold / "reports")
    (scaffold / "reports").write_text("not a folder\n", encoding="utf-8")
    args = [arg.format(results=scaffold / "results") for arg in command]
    done = runner.invoke(app, [*args, "-C", str(scaffold)], catch_exceptions=False)
    assert done.exit_code == 2, done.output
    assert f"{scaffold / 'reports'} is a file" in done.stderr
    assert "move or remove that file" in done.stderr
    assert "close the file" not in done.stderr and "Traceback" not in done.output


def test_other_file_errors_keep_their_advice() -> None:
    denied = PermissionError(errno.EACCES, "Permission denied", "reports/R1-sales.xlsx")
    assert os_error_message(denied) == (
        "reports/R1-sales.xlsx: Permission denied; close the file if another program has it open, "
        "and check that the folder can be written"
    )


def test_a_bug_exits_3_with_one_line_and_the_traceback_in_a_log(
    scaffold: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uatkit.gherkin import sync

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the planner broke\nsecond line")

    monkeypatch.setattr(sync, "plan", broken)
    monkeypatch.chdir(scaffold)
    done = runner.invoke(app, ["generate"])
    assert done.exit_code == 3
    (line,) = done.stderr.strip().splitlines()
    (log,) = (scaffold / "reports").glob("uatkit-crash-*.log")
    assert line.startswith("uatkit hit a bug: RuntimeError: the planner broke; the traceback is in ")
    assert str(log) in line and "please report it" in line
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "second line" in text and "generate" in text


def test_a_bug_outside_a_project_logs_to_the_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from uatkit import doctor

    monkeypatch.setattr(doctor, "diagnose", lambda root: 1 / 0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(app, ["doctor"])
    assert done.exit_code == 3 and "ZeroDivisionError" in done.stderr
    assert len(list((tmp_path / "tmp").glob("uatkit-crash-*.log"))) == 1


def test_usage_mistakes_stay_exit_2_and_are_not_bugs(scaffold: Path) -> None:
    done = runner.invoke(app, ["generate", "--no-such-option"])
    assert done.exit_code == 2 and "hit a bug" not in done.output
    assert not (scaffold / "reports").exists() or not list((scaffold / "reports").glob("uatkit-crash-*"))


def all_commands() -> list[list[str]]:
    found = [[c.name or (c.callback.__name__ if c.callback else "")] for c in app.registered_commands]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        name = group.name or group.typer_instance.info.name or ""
        found += [
            [name, c.name or (c.callback.__name__ if c.callback else "")]
            for c in group.typer_instance.registered_commands
        ]
    return found


@pytest.mark.parametrize("command", all_commands(), ids=" ".join)
def test_h_is_help_on_every_command(command: list[str]) -> None:
    short, long = runner.invoke(app, [*command, "-h"]), runner.invoke(app, [*command, "--help"])
    assert short.exit_code == 0 and short.stdout == long.stdout and "Example:" in short.stdout


@pytest.mark.parametrize(
    "command",
    [c for c in all_commands() if c not in (["init"], ["demo", "serve"])],
    ids=" ".join,
)
def test_every_reporting_command_offers_json(command: list[str]) -> None:
    assert "--format" in runner.invoke(app, [*command, "--help"]).stdout


def test_version_is_the_installed_one() -> None:
    from importlib.metadata import version

    done = runner.invoke(app, ["--version"])
    assert done.exit_code == 0 and done.stdout == f"uatkit {version('uatkit')}\n"
    assert uatkit_version() == version("uatkit")


def test_verbose_says_what_it_does_through_logging(scaffold: Path) -> None:
    quiet = runner.invoke(app, ["stories", "-C", str(scaffold)])
    loud = runner.invoke(app, ["-v", "stories", "-C", str(scaffold)])
    assert quiet.exit_code == loud.exit_code == 0
    assert "INFO uatkit.cli: project" not in quiet.stderr
    assert f"INFO uatkit.cli: project {scaffold}" in loud.stderr
    assert loud.stdout == quiet.stdout  # the log goes to stderr only
    assert logging.getLogger("uatkit").level == logging.INFO


def test_shell_completion_is_on() -> None:
    done = runner.invoke(app, ["--show-completion", "bash"])
    assert done.exit_code == 0 and "_uatkit_completion" in done.stdout and "complete " in done.stdout


def test_doctor_in_the_repository_finds_everything_required() -> None:
    data = report("doctor", "-C", str(REPO))
    checks = {c["name"]: c for c in data["checks"]}
    assert data["ok"] is True and data["command"] == "doctor"
    assert checks["Python"]["health"] == "ok" and checks["config [tool.uatkit]"]["health"] == "ok"
    assert checks["Allure CLI (the project's node_modules)"]["found"].startswith("allure 3.")
    assert checks["Node.js >= 20"]["health"] == "ok"
    assert all(c["fix"] for c in data["checks"] if c["health"] in ("missing", "failed"))


def test_doctor_says_what_to_do_and_exits_1_when_a_required_thing_is_missing(scaffold: Path) -> None:
    data = report("doctor", "-C", str(scaffold), code=1)
    allure = next(c for c in data["checks"] if c["name"].startswith("Allure CLI"))
    assert data["ok"] is False and allure["health"] == "missing" and allure["fix"].startswith("npm ci")
    table = runner.invoke(app, ["doctor", "-C", str(scaffold)])
    assert table.exit_code == 1 and "npm ci" in table.stdout and "1 required thing(s) to fix" in table.stdout


def test_doctor_reports_a_broken_config_as_one_row(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.uatkit]\nstories = 5\n", encoding="utf-8")
    data = report("doctor", "-C", str(tmp_path), code=1)
    config = next(c for c in data["checks"] if c["name"] == "config [tool.uatkit]")
    assert config["health"] == "failed" and "stories" in config["found"]
