"""The CLI on the demo project, as a user runs it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.conftest import REPO
from uatkit.cli import app

runner = CliRunner()


def test_stories_lists_the_demo_catalogue() -> None:
    result = runner.invoke(app, ["stories", "--project", str(REPO), "--format", "json"])
    assert result.exit_code == 0, result.output
    stories = {s["id"]: s for s in json.loads(result.stdout)["stories"]}
    assert len(stories) >= 12
    assert sum(s["criteria"] for s in stories.values()) >= 35
    assert {s["module"] for s in stories.values()} == {"Sales", "Inventory", "Reporting", "Access control"}
    assert sum(s["language"] == "zh-CN" for s in stories.values()) >= 2
    assert any(s["manual"] for s in stories.values()) and any(s["outlines"] for s in stories.values())


def test_stories_table_shows_text_as_written(project) -> None:  # type: ignore[no-untyped-def]
    (project / "stories" / "r.md").write_text(
        "---\nid: REQ-1\n---\n# [b]x[/b]\n\n## AC-1 A\nfree text\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["stories", "--project", str(project)])
    assert result.exit_code == 0
    assert "[b]x[/b]" in result.output


def test_demo_check_without_steps_is_clean() -> None:
    result = runner.invoke(app, ["check", "--project", str(REPO), "--no-steps"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")


def test_commands_outside_a_project_say_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for args in (["stories"], ["trace"], ["uat", "status"]):
        result = runner.invoke(app, [*args, "--project", str(tmp_path)])
        assert result.exit_code == 2
        assert "no uatkit project in" in result.output and "uatkit init" in result.output


def test_signoff_refuses_a_results_folder_that_does_not_exist(project) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["signoff", "--project", str(project), "--results", str(project / "nowhere")])
    assert result.exit_code == 2 and "no such results folder" in result.output
    assert not (project / "reports" / "signoff.html").exists()


def test_an_empty_release_is_refused(project) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["uat", "export", "--project", str(project), "--release", ""])
    assert result.exit_code == 2 and "release" in result.output
