"""`uatkit stories` lists a large catalogue as plain aligned columns, every story and value complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from uatkit.cli import app
from uatkit.cli.stories import LARGE_TABLE, columns

runner = CliRunner()

LONG_TITLE = (
    "Place an order for an existing customer whose account has a credit limit, a discount agreement and "
    "a preferred warehouse, then see the order confirmed"
)


def write_stories(project: Path, count: int) -> None:
    for number in range(1, count + 1):
        title = {1: LONG_TITLE, 2: "第 2 号需求：订单处理与库存提醒", 3: "[b]x[/b] \x1b[31mred\x1b[0m"}.get(
            number, f"Story number {number}"
        )
        language = "language: zh-CN\n" if number == 2 else ""
        (project / "stories" / f"r{number}.md").write_text(
            f"---\nid: REQ-{number}\nmodule: Sales\n{language}---\n# {title}\n\n## AC-1 A\nfree text\n",
            encoding="utf-8",
        )


def stories_of(lines: list[str], title_at: int) -> dict[str, str]:
    """Return each listed story's ID with its title, continuation lines joined."""
    found: dict[str, str] = {}
    current = ""
    for line in lines:
        if line.startswith("REQ-"):
            current = line.split()[0]
            found[current] = line[title_at:].split("  ")[0]
        elif current and line.startswith(" " * title_at):
            found[current] += " " + line[title_at:].split("  ")[0]
    return found


@pytest.fixture
def large(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from uatkit.cli import common

    monkeypatch.setattr(
        common.out, "_width", 120
    )  # as piped output is, whatever the terminal running the tests
    write_stories(project, LARGE_TABLE + 5)
    return project


def test_a_large_catalogue_lists_every_story_in_aligned_columns(large: Path) -> None:
    result = runner.invoke(app, ["stories", "--project", str(large)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    count = LARGE_TABLE + 5
    assert lines[0] == f"{count} stories"
    header = lines[1]
    assert header.split() == ["ID", "title", "module", "priority", "criteria", "manual", "levels"]
    title_at, module_at = header.index("title"), header.index("module")
    listed = stories_of(lines[3:], title_at)
    assert sorted(listed) == sorted(f"REQ-{n}" for n in range(1, count + 1))
    # The long title wraps onto continuation lines in its own column, complete.
    assert listed["REQ-1"] == LONG_TITLE
    assert listed["REQ-7"] == "Story number 7"
    # Text shows as written: no markup read, no escape sequence passed on.
    assert listed["REQ-3"] == "[b]x[/b] red"
    assert "\x1b" not in result.stdout
    # Every story's own line has its module in the module column and its levels.
    for line in lines[3:]:
        if line.startswith("REQ-") and line.split()[0] != "REQ-2":
            assert line[module_at:].split()[:2] == ["Sales", "should"], line
            assert line.endswith("manual")
    assert all(len(line) <= 120 for line in lines if not line.startswith("REQ-2 "))


def test_a_chinese_title_keeps_the_columns_aligned(large: Path) -> None:
    result = runner.invoke(app, ["stories", "--project", str(large)])
    row = next(line for line in result.stdout.splitlines() if line.startswith("REQ-2 "))
    assert "第 2 号需求：订单处理与库存提醒" in row
    # Each Chinese character takes two terminal cells: the module column starts where the header's does.
    header = result.stdout.splitlines()[1]
    title_at, module_at = header.index("title"), header.index("module")
    title = "第 2 号需求：订单处理与库存提醒"
    cells = len(title) + sum(1 for c in title if ord(c) > 0x2E80)
    assert row[title_at + len(title) :].startswith(" " * (module_at - title_at - cells) + "Sales")


def test_the_json_listing_of_a_large_catalogue_is_unchanged(large: Path) -> None:
    result = runner.invoke(app, ["stories", "--project", str(large), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["schema"] == 1 and data["command"] == "stories"
    assert len(data["stories"]) == LARGE_TABLE + 5
    first = next(s for s in data["stories"] if s["id"] == "REQ-1")
    assert first["title"] == LONG_TITLE and first["levels"] == ["manual"] and first["criteria"] == 1
    assert sorted(first) == sorted(
        [
            "id",
            "title",
            "module",
            "priority",
            "language",
            "owner",
            "epic",
            "labels",
            "criteria",
            "manual",
            "outlines",
            "levels",
            "source",
        ]
    )


def test_a_small_catalogue_keeps_its_table(project: Path) -> None:
    write_stories(project, 3)
    result = runner.invoke(app, ["stories", "--project", str(project)])
    assert result.exit_code == 0
    assert "┏" in result.stdout and "3 stories" in result.stdout


def test_a_word_longer_than_its_column_is_split_not_cut() -> None:
    text = columns("t", ["ID", "title"], [["REQ-1", "x" * 50 + " end"]], title_column=1, width=30)
    lines = text.splitlines()
    title = "".join(line[7:].strip() for line in lines[3:])
    assert title == "x" * 50 + " end"
    assert all(len(line) <= 30 for line in lines[3:])
