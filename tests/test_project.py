"""One loaded project: each command reads pyproject.toml, every story and every feature file once."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import write
from uatkit.cli import app
from uatkit.project import CACHE_FOLDER, Project, load_project

runner = CliRunner()

STORY = """
---
id: {id}
module: Sales
priority: must
levels: [integration, manual]
---
# Story {id}

## AC-1 An order is confirmed
Given a customer "ACME" exists
When I place an order for 3 "Widget"
Then the order total is 29.97

## AC-2 Quantities must be positive
Given a customer "ACME" exists
When I place an order for <quantity> "Widget"
Then the order is rejected

| quantity |
|---|
| 0 |
| -1 |
"""


@pytest.fixture
def counted(project: Path, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Return a project with three stories, features and a ledger, and count each input read from now on."""
    for n in (1, 2, 3):
        write(project / "stories" / f"REQ-{n}.md", STORY.format(id=f"REQ-{n}"))
    for command in (["generate"], ["uat", "export", "--release", "R1", "--all"]):
        result = runner.invoke(app, [*command, "-C", str(project)])
        assert result.exit_code == 0, result.output
    reads: Counter[str] = Counter()

    import gherkin.parser

    import uatkit.config
    import uatkit.stories

    def counting(name: str, original: Any, key: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            reads[f"{name} {key(*args)}"] += 1
            return original(*args, **kwargs)

        return wrapper

    toml = uatkit.config._parse_toml
    monkeypatch.setattr(uatkit.config, "_parse_toml", counting("toml", toml, lambda text: "pyproject"))
    parse = gherkin.parser.Parser.parse
    feature_key = lambda self, text, *_: text.split("@REQ-", 1)[1].split()[0]  # noqa: E731
    monkeypatch.setattr(gherkin.parser.Parser, "parse", counting("parsed", parse, feature_key))
    read_bytes = Path.read_bytes

    def reading(path: Path) -> bytes:
        if path.suffix == ".feature":
            reads[f"feature file {path.name.split('-story')[0]}"] += 1
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", reading)
    read_raw = uatkit.stories.read_raw
    monkeypatch.setattr(uatkit.stories, "read_raw", counting("story", read_raw, lambda path, *_: path.name))
    return reads


EACH_ONCE = {
    "toml pyproject": 1,
    **{f"story REQ-{n}.md": 1 for n in (1, 2, 3)},
    **{f"parsed {n}": 1 for n in (1, 2, 3)},
    **{f"feature file REQ-{n}": 1 for n in (1, 2, 3)},
}


#: Each command reads pyproject.toml and the feature files; the cases come from the cases cache.
WARM = {"toml pyproject": 1, **{f"feature file REQ-{n}": 1 for n in (1, 2, 3)}}
STORIES = {f"story REQ-{n}.md": 1 for n in (1, 2, 3)}


@pytest.mark.parametrize(
    ("command", "reads"),
    [
        (["trace", "--no-write"], WARM | STORIES),
        (["signoff", "--no-write"], WARM | STORIES),
        (["uat", "status"], WARM),
        (["uat", "export", "--release", "R1", "--all"], WARM),
        (["uat", "import"], WARM),
        (["check", "--no-steps"], EACH_ONCE),
        (["check"], EACH_ONCE),
        # generate compares the files' text with the stories and has no need to parse them.
        (["generate", "--check"], WARM | STORIES),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_a_command_reads_the_config_each_story_and_each_feature_once(
    counted: Counter[str], project: Path, command: list[str], reads: dict[str, int]
) -> None:
    result = runner.invoke(app, [*command, "-C", str(project)])
    assert result.exit_code in (0, 1), result.output
    assert dict(counted) == reads


@pytest.mark.parametrize(
    "command", [["uat", "status"], ["uat", "import"], ["trace", "--no-write"]], ids=" ".join
)
def test_without_the_cases_cache_a_command_parses_each_story_and_feature_once(
    counted: Counter[str], project: Path, command: list[str]
) -> None:
    shutil.rmtree(project / CACHE_FOLDER)
    result = runner.invoke(app, [*command, "-C", str(project)])
    assert result.exit_code in (0, 1), result.output
    assert dict(counted) == EACH_ONCE


def test_inputs_are_read_when_first_asked_for(counted: Counter[str], project: Path) -> None:
    shutil.rmtree(project / CACHE_FOLDER)
    loaded = load_project(project)
    assert dict(counted) == {"toml pyproject": 1}
    assert [c.key for c in loaded.cases][:3] == ["REQ-1.AC-1", "REQ-1.AC-2#1", "REQ-1.AC-2#2"]
    assert loaded.fingerprints == {c.key: c.fingerprint for c in loaded.cases}
    assert dict(counted) == EACH_ONCE


def test_cases_read_from_the_cache_are_the_cases_derived(project: Path) -> None:
    for n in (1, 2):
        write(project / "stories" / f"REQ-{n}.md", STORY.format(id=f"REQ-{n}"))
    assert runner.invoke(app, ["generate", "-C", str(project)]).exit_code == 0
    derived = load_project(project)
    cases = derived.cases
    (cached,) = (project / CACHE_FOLDER).iterdir()
    assert cached == derived.cases_cache and cached.name.startswith("cases-")
    again = load_project(project)
    assert again.cases == cases
    assert "catalogue" not in again.__dict__ and "features" not in again.__dict__  # nothing parsed


def test_a_changed_feature_or_story_names_another_cache_and_is_derived_again(project: Path) -> None:
    write(project / "stories" / "REQ-1.md", STORY.format(id="REQ-1"))
    assert runner.invoke(app, ["generate", "-C", str(project)]).exit_code == 0
    first = load_project(project)
    before = first.cases
    feature = next((project / "features").rglob("*.feature"))
    feature.write_text(feature.read_text(encoding="utf-8").replace("29.97", "30.00"), encoding="utf-8")
    changed = load_project(project)
    assert changed.cases_cache != first.cases_cache
    after = {c.key: c for c in changed.cases}
    assert after["REQ-1.AC-1"].fingerprint != before[0].fingerprint
    assert after["REQ-1.AC-1"].expected == ("the order total is 30.00",)
    story = project / "stories" / "REQ-1.md"
    story.write_text(story.read_text(encoding="utf-8").replace("module: Sales", "module: Billing"))
    moved = load_project(project)
    assert moved.cases_cache != changed.cases_cache
    assert {c.module for c in moved.cases} == {"Billing"}
    # Only the latest list is kept.
    assert [p.name for p in (project / CACHE_FOLDER).iterdir()] == [moved.cases_cache.name]


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"fields": ["key"], "cases": []}', b'{"fields": 1}'])
def test_a_damaged_cache_is_derived_again(project: Path, damage: bytes) -> None:
    write(project / "stories" / "REQ-1.md", STORY.format(id="REQ-1"))
    assert runner.invoke(app, ["generate", "-C", str(project)]).exit_code == 0
    cases = load_project(project).cases
    cached = load_project(project).cases_cache
    cached.write_bytes(damage)
    assert load_project(project).cases == cases
    assert load_project(project).cases == cases  # and written again whole


def test_no_project_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["trace", "-C", str(tmp_path)])
    assert result.exit_code == 2
    assert "no uatkit project in" in result.output and "uatkit init DIR" in result.output


def test_a_project_is_its_configuration_until_asked_for_more(project: Path) -> None:
    loaded = Project(load_project(project).config)
    assert loaded.root == project and loaded.ledger_path == project / "reports" / "uat.db"
    assert loaded.relative(loaded.uat_results) == "reports/uat-results"
    assert loaded.shown(project.parent) == str(project.parent)
