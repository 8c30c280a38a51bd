"""Markdown stories: the model they give, and every problem reported at once with file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import write
from uatkit.cli import app
from uatkit.config import Config
from uatkit.errors import InputError
from uatkit.model import Level, Priority
from uatkit.stories import load_catalogue

DATA = Path(__file__).parent / "data" / "stories"


def problems(config: Config) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_catalogue(config)
    return [str(p) for p in caught.value.problems]


def test_story_model_from_markdown(project: Path, config: Config) -> None:
    write(project / "stories" / "a.md", (DATA / "REQ-101-place-order.md").read_text(encoding="utf-8"))
    (story,) = load_catalogue(config).stories
    assert (story.id, story.module, story.priority, story.owner) == (
        "REQ-101",
        "Sales",
        Priority.MUST,
        "Sales operations",
    )
    assert story.levels == (Level.INTEGRATION, Level.E2E)
    assert story.narrative[0] == "As a sales clerk"
    assert str(story.source) == "stories/a.md:1"
    ac1, ac2, ac3, ac4 = story.criteria
    assert [s.kind for s in ac1.steps] == ["given", "and", "when", "then"]
    assert ac1.levels == (Level.INTEGRATION, Level.E2E) and str(ac1.source) == "stories/a.md:14"
    assert ac2.levels == (Level.UNIT,) and ac2.tags == ("uat",)
    assert ac2.examples is not None and ac2.examples.header == ("price", "quantity", "total")
    assert ac3.steps[0].table == (("name", "price"), ("Widget", "9.99"), ("Gadget", "24.50"))
    assert ac4.manual and ac4.levels == (Level.MANUAL,) and ac4.text.startswith("The confirmation page")


def test_chinese_story(project: Path, config: Config) -> None:
    write(project / "stories" / "z.md", (DATA / "REQ-201-zh.md").read_text(encoding="utf-8"))
    (story,) = load_catalogue(config).stories
    assert story.language == "zh-CN" and story.module == "库存"
    assert [s.keyword for s in story.criteria[0].steps] == ["假如", "当", "那么"]
    assert story.criteria[2].manual


def test_every_problem_is_reported_at_once(project: Path, config: Config) -> None:
    write(
        project / "stories" / "one.md",
        "---\nid: REQ-1\npriority: urgent\nlevels: [unit, smoke]\n---\n# One\n",
    )
    write(project / "stories" / "two.md", "---\nid: REQ-1\n---\n# Two\n")
    write(project / "stories" / "three.md", "---\nid: REQ-3\nmodul: Sales\n---\n\n## AC-1\n")
    write(project / "stories" / "four.md", "---\nid: [unclosed\n---\n# Four\n")
    write(project / "stories" / "five.md", "# No front matter\n")
    write(project / "stories" / "six.md", "---\nid: TICKET-6\nlanguage: xx\n---\n# Six\n")
    write(
        project / "stories" / "seven.md",
        """
        ---
        id: REQ-7
        ---
        # Seven

        ## AC-1 Outline with a missing column
        Given <price> and <tax>

        | price |
        |-------|
        | 1     |

        ## AC-1 Duplicate criterion
        Given x

        ## Untitled criterion without an ID first
        """,
    )
    found = problems(config)
    expected = [
        "stories/five.md:1: no YAML front matter",
        "stories/one.md:3: unknown priority 'urgent'",
        "stories/one.md:4: unknown level 'smoke'",
        "stories/seven.md:6: step 'Given <price> and <tax>' uses <tax>, which is not a column",
        "stories/seven.md:13: criterion ID AC-1 is used twice in REQ-7",
        "stories/seven.md:16: criterion heading needs an ID first",
        "stories/six.md:2: requirement ID 'TICKET-6' does not match the pattern",
        "stories/six.md:3: unknown Gherkin language 'xx'",
        "stories/three.md:3: unknown front matter key 'modul' (did you mean 'module'?)",
        "stories/three.md:1: the story has no title",
        "stories/three.md:6: criterion AC-1 has no title",
        "stories/three.md:6: criterion AC-1 has no content",
        "stories/two.md:2: duplicate requirement ID REQ-1 (it is already used at stories/one.md:2",
    ]
    # The YAML parser names the line where it gave up: the unclosed list's line or the end of the block.
    assert any(re.match(r"stories/four\.md:[23]: malformed front matter: ", line) for line in found), found
    for text in expected:
        assert any(line.startswith(text) or text in line for line in found), f"{text!r} not in {found}"


def test_cli_reports_problems_with_exit_2_and_no_traceback(project: Path) -> None:
    write(project / "stories" / "one.md", "---\nid: REQ-1\npriority: urgent\n---\n# One\n")
    result = CliRunner().invoke(app, ["generate", "--project", str(project)])
    assert result.exit_code == 2
    assert "stories/one.md:3: unknown priority 'urgent'" in result.output
    assert "Traceback" not in result.output
    assert not (project / "features").exists()


def test_readme_and_lock_files_are_not_stories(project: Path, config: Config) -> None:
    write(project / "stories" / "README.md", "# About these stories\n")
    write(project / "stories" / "~$backlog.xlsx", "lock")
    assert load_catalogue(config).stories == ()


def test_missing_stories_folder_is_reported(project: Path, config: Config) -> None:
    (project / "stories").rmdir()
    assert problems(config) == [
        "stories: no such file or folder (fix 'stories' in [tool.uatkit])",
    ]


def test_non_utf8_story_is_reported(project: Path, config: Config) -> None:
    (project / "stories" / "latin.md").write_bytes("---\nid: REQ-1\n---\n# Caf\xe9\n".encode("latin-1"))
    (found,) = problems(config)
    assert found.startswith("stories/latin.md: not UTF-8 text") and "save it as UTF-8" in found
