"""One loaded project: each command reads pyproject.toml, every story and every feature file once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import write
from uatkit.cli import app
from uatkit.project import Project, load_project

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


@pytest.mark.parametrize(
    "command",
    [
        ["trace", "--no-write"],
        ["signoff", "--no-write"],
        ["uat", "status"],
        ["uat", "export", "--release", "R1", "--all"],
        ["uat", "import"],
        ["check", "--no-steps"],
        ["check"],
        ["generate", "--check"],
    ],
    ids=" ".join,
)
def test_a_command_reads_the_config_each_story_and_each_feature_once(
    counted: Counter[str], project: Path, command: list[str]
) -> None:
    result = runner.invoke(app, [*command, "-C", str(project)])
    assert result.exit_code in (0, 1), result.output
    # generate compares the files' text with the stories and has no need to parse them.
    parsed = command[0] != "generate"
    assert dict(counted) == {k: n for k, n in EACH_ONCE.items() if parsed or not k.startswith("parsed ")}


def test_inputs_are_read_when_first_asked_for(counted: Counter[str], project: Path) -> None:
    loaded = load_project(project)
    assert dict(counted) == {"toml pyproject": 1}
    assert [c.key for c in loaded.cases][:3] == ["REQ-1.AC-1", "REQ-1.AC-2#1", "REQ-1.AC-2#2"]
    assert loaded.fingerprints == {c.key: c.fingerprint for c in loaded.cases}
    assert dict(counted) == EACH_ONCE


def test_no_project_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["trace", "-C", str(tmp_path)])
    assert result.exit_code == 2
    assert "no uatkit project in" in result.output and "uatkit init DIR" in result.output


def test_a_project_is_its_configuration_until_asked_for_more(project: Path) -> None:
    loaded = Project(load_project(project).config)
    assert loaded.root == project and loaded.ledger_path == project / "reports" / "uat.db"
    assert loaded.relative(loaded.uat_results) == "reports/uat-results"
    assert loaded.shown(project.parent) == str(project.parent)
