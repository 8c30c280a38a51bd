"""`uatkit init` scaffolds a project that checks clean and runs; `uatkit check` finds what is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import write
from uatkit.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("init") / "acme-acceptance"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    return target


def check(project: Path, *args: str) -> tuple[int, list[dict[str, str]]]:
    result = runner.invoke(app, ["check", "--project", str(project), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def test_init_creates_the_layout(scaffolded: Path) -> None:
    for folder in ("stories", "features", "steps", "fixtures", "uat_packs", "reports"):
        assert (scaffolded / folder).is_dir()
    assert 'name = "acme-acceptance"' in (scaffolded / "pyproject.toml").read_text(encoding="utf-8")
    assert (scaffolded / ".gitignore").is_file()
    assert (scaffolded / "features" / "onboarding" / "REQ-1-greet-a-user-by-name.feature").is_file()


def test_init_never_overwrites(scaffolded: Path) -> None:
    result = runner.invoke(app, ["init", str(scaffolded)])
    assert result.exit_code == 2
    assert "never overwrites" in result.output and "pyproject.toml" in result.output


def test_scaffold_checks_clean_and_its_tests_run(scaffolded: Path) -> None:
    assert check(scaffolded) == (0, [])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider"],
        cwd=scaffolded,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 skipped" in done.stdout
    assert "manual scenario: verified in UAT" in done.stdout


def test_check_finds_every_kind_of_problem(project: Path) -> None:
    write(
        project / "stories" / "r1.md",
        """
        ---
        id: REQ-1
        ---
        # Covered

        ## AC-1 Works
        Given a thing
        When it runs
        Then it works
        """,
    )
    write(project / "stories" / "r2.md", "---\nid: REQ-2\n---\n# No criteria yet\n")
    assert runner.invoke(app, ["generate", "--project", str(project)]).exit_code == 0
    write(
        project / "features" / "extra.feature",
        """
        @REQ-99
        Feature: hand-written
          @case:REQ-1.AC-1
          Scenario: duplicate case
            Given a thing
          @case:REQ-1.AC-9 @REQ-1O
          Scenario: unknown criterion
            Given a thing
        """,
    )
    write(
        project / "features" / "broken.feature", "Feature: broken\n  Scenario: s\n    Given x\n  @bad tag\n"
    )
    code, findings = check(project, "--no-steps")
    assert code == 1
    kinds = {(f["kind"], f["location"]) for f in findings}
    assert ("uncovered", "stories/r2.md:1") in kinds
    (duplicate,) = [f for f in findings if f["kind"] == "duplicate case"]
    assert duplicate["message"] == "case ID REQ-1.AC-1 is used twice"
    assert {duplicate["location"], duplicate["hint"]} == {
        "features/general/REQ-1-covered.feature:8",
        "first at features/extra.feature:4",
    }
    assert ("unknown case", "features/extra.feature:7") in kinds
    assert ("syntax", "features/broken.feature:4") in kinds
    # A tag that names no story, or nearly spells one, is found although the case tags name REQ-1.
    tags = [(f["location"], f["message"], f["hint"]) for f in findings if f["kind"] == "unknown requirement"]
    assert tags == [
        (
            "features/extra.feature:4",
            "tag @REQ-99 names no requirement in the stories",
            "fix the tag, or add the requirement's story",
        ),
        (
            "features/extra.feature:7",
            "tag @REQ-1O looks like requirement REQ-1 but is not one",
            "did you mean @REQ-1?",
        ),
    ]
    write(project / "features" / "other.feature", "Feature: untagged\n  Scenario: s\n    Given x\n")
    _, findings = check(project, "--no-steps")
    untagged = [f for f in findings if f["location"] == "features/other.feature:2"]
    assert [f["kind"] for f in untagged] == ["unknown requirement"]


def test_check_reports_stale_and_undefined_steps(scaffolded: Path, tmp_path: Path) -> None:
    project = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(scaffolded), str(project)], check=True)
    story = project / "stories" / "REQ-1-greet-a-user.md"
    story.write_text(
        story.read_text(encoding="utf-8").replace(
            "When the user is greeted", "When the user is greeted twice"
        ),
        encoding="utf-8",
    )
    code, findings = check(project)
    assert code == 1
    assert [f["kind"] for f in findings] == ["stale"]
    assert runner.invoke(app, ["generate", "--project", str(project)]).exit_code == 0
    code, findings = check(project)
    assert code == 1
    (finding,) = findings
    assert finding["kind"] == "undefined step"
    assert finding["location"] == "features/onboarding/REQ-1-greet-a-user-by-name.feature:13"
    assert finding["message"] == "When the user is greeted twice has no step definition"
    (project / "steps" / "test_features.py").unlink()
    _, findings = check(project)
    assert [(f["kind"], f["location"]) for f in findings] == [
        ("no test", "features/onboarding/REQ-1-greet-a-user-by-name.feature:11")
    ]


def test_what_pytest_cannot_collect_is_a_finding(scaffolded: Path, tmp_path: Path) -> None:
    project = tmp_path / "broken"
    subprocess.run(["cp", "-r", str(scaffolded), str(project)], check=True)
    (project / "steps" / "test_broken.py").write_text("raise RuntimeError('the steps module is broken')\n")
    _, findings = check(project)
    errors = [f for f in findings if f["kind"] == "collection error"]
    assert [f["location"] for f in errors] == ["steps/test_broken.py"]
    assert "RuntimeError: the steps module is broken" in errors[0]["message"]


def test_outline_steps_are_checked_row_by_row_as_pytest_bdd_runs_them(project: Path) -> None:
    write(
        project / "stories" / "r1.md",
        """
        ---
        id: REQ-1
        levels: [unit]
        ---
        # Counting

        ## AC-1 Numbers are counted
        Given <count> apples
        Then there are <count> apples

        | count |
        |-------|
        | 3     |
        | three |
        """,
    )
    assert runner.invoke(app, ["generate", "--project", str(project)]).exit_code == 0
    write(
        project / "steps" / "test_features.py", 'from pytest_bdd import scenarios\nscenarios("../features")\n'
    )
    write(
        project / "steps" / "conftest.py",
        """
        from pytest_bdd import given, parsers, then

        @given(parsers.parse("{count:d} apples"))
        def apples(count):
            pass

        @then(parsers.parse("there are {count:d} apples"))
        def there_are(count):
            pass
        """,
    )
    code, findings = check(project)
    assert code == 1
    assert sorted(f["message"] for f in findings) == [
        "Given three apples has no step definition",
        "Then there are three apples has no step definition",
    ]
