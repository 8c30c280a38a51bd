"""Markdown stories: the model they give, and every problem reported at once with file and line."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from gherkin.parser import Parser
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import write
from uatkit.cli import app
from uatkit.config import Config
from uatkit.errors import InputError, Problem
from uatkit.gherkin import sync
from uatkit.model import Level, Priority
from uatkit.stories import load_catalogue
from uatkit.stories.markdown import read_markdown

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


def test_front_matter_epic_and_labels(project: Path, config: Config) -> None:
    story_text = """
        ---
        id: REQ-5
        module: Sales
        priority: P2
        epic: SAL-1 Order totals
        labels: [checkout, pricing]
        ---
        # Show the total

        ## AC-1 Total shown
        The total is shown before confirming.
        """
    write(project / "stories" / "five.md", story_text)
    write(
        project / "stories" / "six.md",
        story_text.replace("REQ-5", "REQ-6").replace("[checkout, pricing]", "web"),
    )
    five, six = load_catalogue(config).stories
    assert (five.epic, five.labels, five.priority) == (
        "SAL-1 Order totals",
        ("checkout", "pricing"),
        Priority.SHOULD,
    )
    assert six.labels == ("web",)


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


def alias_bomb(levels: int = 9) -> str:
    """Return the classic "billion laughs" YAML: each level names the one before it nine times."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]")
    return "\n".join(lines)


def test_an_alias_bomb_in_front_matter_is_refused_at_its_line(project: Path) -> None:
    story = f"---\nid: REQ-1\nmodule: Sales\n{alias_bomb()}\n---\n# One\n"
    write(project / "stories" / "bomb.md", story)
    result = CliRunner().invoke(app, ["generate", "--project", str(project)])
    assert result.exit_code == 2
    assert result.output.count("stories/bomb.md:") == 1, result.output
    assert "stories/bomb.md:4: the front matter uses a YAML anchor or alias (& or *)" in result.output
    assert "Traceback" not in result.output and "MemoryError" not in result.output
    assert not (project / "features").exists()


def test_a_plain_alias_is_refused_where_it_is_written(project: Path, config: Config) -> None:
    write(project / "stories" / "one.md", "---\nid: REQ-1\nmodule: Sales\nowner: *someone\n---\n# One\n")
    assert problems(config) == [
        "stories/one.md:4: the front matter uses a YAML anchor or alias (& or *) "
        "(write each value out in full)"
    ]


def test_front_matter_over_the_size_limit_is_refused_unread(project: Path, config: Config) -> None:
    filler = "".join(f"# {'x' * 70}\n" for _ in range(1000))  # 73 KB of YAML comments
    write(project / "stories" / "big.md", f"---\nid: REQ-1\nmodule: Sales\n{filler}---\n# Big\n")
    (found,) = problems(config)
    assert found.startswith("stories/big.md:2: the front matter is 73,")
    assert "over the limit of 65,536" in found


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


def test_a_broken_link_named_like_a_story_is_an_error_not_skipped(project: Path, config: Config) -> None:
    write(project / "stories" / "a.md", (DATA / "REQ-101-place-order.md").read_text(encoding="utf-8"))
    (project / "stories" / "REQ-102.md").symlink_to(project / "elsewhere" / "REQ-102.md")
    (found,) = problems(config)
    assert found == (
        f"stories/REQ-102.md: a symbolic link to {project / 'elsewhere' / 'REQ-102.md'}, which does not "
        "exist (point the link at the story file, or remove the link)"
    )


def test_a_folder_named_like_a_story_is_an_error_not_skipped(project: Path, config: Config) -> None:
    (project / "stories" / "REQ-103.md").mkdir()
    assert problems(config) == [
        "stories/REQ-103.md: a folder named like a story file (.md) (rename the folder: names ending in "
        ".md, .xlsx, .csv are read as story files)"
    ]


def test_a_pipe_named_like_a_story_is_an_error(project: Path, config: Config) -> None:
    os.mkfifo(project / "stories" / "REQ-104.md")
    assert problems(config) == [
        "stories/REQ-104.md: not a regular file (replace it with the story file, or remove it)"
    ]


def test_a_story_that_cannot_be_read_is_a_located_problem(tmp_path: Path) -> None:
    # Listed, then gone (or unreadable) by the time it is read: a problem with the file, not a traceback.
    found: list[Problem] = []
    assert read_markdown(tmp_path / "gone.md", "stories/gone.md", found) is None
    assert [str(p) for p in found] == [
        "stories/gone.md: cannot read the file (No such file or directory) (check that it is readable)"
    ]


def test_stories_and_check_refuse_a_broken_story_link_naming_it(project: Path) -> None:
    write(project / "stories" / "a.md", (DATA / "REQ-101-place-order.md").read_text(encoding="utf-8"))
    (project / "stories" / "b.md").symlink_to("missing.md")
    for command in (["stories"], ["check", "--no-steps"]):
        done = CliRunner().invoke(app, [*command, "-C", str(project)])
        assert done.exit_code == 2, done.output
        assert "stories/b.md: a symbolic link to missing.md, which does not exist" in done.stderr
        assert "Traceback" not in done.output and "REQ-101" not in done.stdout


def generated(project: Path, config: Config) -> str:
    """Generate the features as `uatkit generate` does and return the only one written."""
    sync.apply(sync.plan(load_catalogue(config), config))
    (path,) = (project / "features").rglob("*.feature")
    return path.read_text(encoding="utf-8")


def scenarios(feature: str) -> list[dict[str, Any]]:
    """Return the scenarios of a feature as gherkin-official parses them."""
    return [child["scenario"] for child in Parser().parse(feature)["feature"]["children"]]


FENCED_STORY = """
    ---
    id: REQ-7
    ---
    # Publish release notes

    ## AC-1 Release notes keep their Markdown
    Given the release notes
    {open}
    # Release 2.0
    ## Fixed
    <!-- kept: a comment inside a block is content -->
    {close}
    When I publish them
    Then the page shows "Release 2.0"

    ## AC-2 Release notes can be withdrawn
    Given published release notes
    When I withdraw them
    Then the page is gone
    """


@pytest.mark.parametrize(
    ("opening", "closing"), [("```", "```"), ("```markdown", "```"), ("~~~", "~~~"), ("~~~~", "~~~~")]
)
def test_fenced_block_with_heading_lines_stays_in_its_criterion(
    project: Path, config: Config, opening: str, closing: str
) -> None:
    write(project / "stories" / "notes.md", FENCED_STORY.format(open=opening, close=closing))
    feature = generated(project, config)
    ac1, ac2 = scenarios(feature)
    assert [ac1["name"], ac2["name"]] == [
        "AC-1 Release notes keep their Markdown",
        "AC-2 Release notes can be withdrawn",
    ]
    assert feature.count("@case:REQ-7.AC-1 ") == 1
    content = "# Release 2.0\n## Fixed\n<!-- kept: a comment inside a block is content -->"
    assert ac1["steps"][0]["docString"]["content"] == content
    assert "\n".join(f"      {line}" for line in content.splitlines()) in feature
    assert [s["text"] for s in ac1["steps"]] == [
        "the release notes",
        "I publish them",
        'the page shows "Release 2.0"',
    ]
    (story,) = load_catalogue(config).stories
    assert [str(c.source) for c in story.criteria] == ["stories/notes.md:6", "stories/notes.md:16"]


def test_doc_string_with_heading_and_fence_lines_stays_in_its_criterion(
    project: Path, config: Config
) -> None:
    # A `"""` doc string is Gherkin, not Markdown: to Markdown its `## ` line is a heading and its
    # ``` line opens a fenced block that would run over the criteria after it.
    write(
        project / "stories" / "notes.md",
        '''
        ---
        id: REQ-7
        ---
        # Publish release notes

        ## AC-1 Release notes keep their Markdown
        Given the release notes
        """
        # Release 2.0
        ## Fixed
        ```
        """
        When I publish them
        Then the page shows "Release 2.0"

        ## AC-2 Release notes can be withdrawn
        Given published release notes
        Then the page is gone
        ''',
    )
    feature = generated(project, config)
    ac1, ac2 = scenarios(feature)
    assert feature.count("@case:REQ-7.AC-1 ") == 1 and ac2["name"] == "AC-2 Release notes can be withdrawn"
    assert ac1["steps"][0]["docString"]["content"] == "# Release 2.0\n## Fixed\n```"
    assert "      # Release 2.0\n      ## Fixed\n" in feature
    assert [s["text"] for s in ac1["steps"][1:]] == ["I publish them", 'the page shows "Release 2.0"']


def test_line_numbers_stay_exact_after_fenced_blocks(project: Path, config: Config) -> None:
    write(
        project / "stories" / "eight.md",
        '''
        ---
        id: REQ-8
        module: Pricing
        ---
        # Import prices

        ## AC-1 The file is read as written
        Given the price file
        ```
        ## not a criterion
        # not a title
        ```
        When I import it
        Then 2 prices are stored

        ## AC-2 A ragged data table
        Given the prices
        | name   | price |
        | Widget |
        When I import them

        ## AC-3 A doc string never closed
        Given a note
        """
        it runs to the end
        ''',
    )
    assert problems(config) == [
        "stories/eight.md:19: this data table row has 1 cells, the first row has 2 "
        "(give every row of the table the same number of cells)",
        'stories/eight.md:24: """ opened here is never closed (close it)',
    ]


def test_unclosed_fence_does_not_hide_the_criteria_after_it(project: Path, config: Config) -> None:
    write(
        project / "stories" / "help.md",
        """
        ---
        id: REQ-9
        ---
        # Help page

        ## AC-1 The help shows an example
        The help page shows this example:
        ```

        ## AC-2 Totals are exact
        Given an order of 3 "Widget" at 9.99
        Then the order total is 29.97
        """,
    )
    (story,) = load_catalogue(config).stories
    ac1, ac2 = story.criteria
    assert ac1.manual and ac1.text == "The help page shows this example:\n```"
    assert (ac2.id, str(ac2.source), len(ac2.steps)) == ("AC-2", "stories/help.md:10", 2)


def test_examples_table_after_a_fenced_doc_string(project: Path, config: Config) -> None:
    write(
        project / "stories" / "totals.md",
        """
        ---
        id: REQ-10
        levels: [unit]
        ---
        # Order totals

        ## AC-1 Totals for several lines
        Given an order with this heading
        ```
        ## <lines> lines
        ```
        And the prices
        | product | price |
        | Widget  | 9.99  |
        When I total it
        Then the total is <total>

        | lines | total |
        |-------|-------|
        | 1     | 9.99  |
        | 3     | 29.97 |
        """,
    )
    (outline,) = scenarios(generated(project, config))
    assert outline["keyword"] == "Scenario Outline"
    assert outline["steps"][0]["docString"]["content"] == "## <lines> lines"
    assert [[c["value"] for c in row["cells"]] for row in outline["steps"][1]["dataTable"]["rows"]] == [
        ["product", "price"],
        ["Widget", "9.99"],
    ]
    examples = outline["examples"][0]
    assert [c["value"] for c in examples["tableHeader"]["cells"]] == ["lines", "total"]
    assert [[c["value"] for c in row["cells"]] for row in examples["tableBody"]] == [
        ["1", "9.99"],
        ["3", "29.97"],
    ]


def test_chinese_story_with_a_doc_string(project: Path, config: Config) -> None:
    write(
        project / "stories" / "zh.md",
        '''
        ---
        id: REQ-11
        module: 库存
        language: zh-CN
        ---
        # 导出库存报表

        作为仓库管理员
        我想要导出库存报表
        以便核对库存

        ## AC-1 报表保留标题
        假如 库存报表模板为
        """
        # 库存报表
        ## 明细
        """
        当 我导出报表
        那么 文件的第一行是 "# 库存报表"

        ## AC-2 报表易读  @manual
        业务人员无需帮助即可看懂报表。
        ''',
    )
    feature = generated(project, config)
    assert feature.startswith("# language: zh-CN\n")
    ac1, ac2 = scenarios(feature)
    assert ac1["name"] == "AC-1 报表保留标题" and feature.count("@case:REQ-11.AC-1 ") == 1
    assert [s["keyword"].strip() for s in ac1["steps"]] == ["假如", "当", "那么"]
    assert ac1["steps"][0]["docString"]["content"] == "# 库存报表\n## 明细"
    assert ac2["name"] == "AC-2 报表易读"


def test_comments_outside_blocks_are_ignored(project: Path, config: Config) -> None:
    write(
        project / "stories" / "comments.md",
        """
        ---
        id: REQ-12
        ---
        <!-- the title follows -->
        # Comments

        ## AC-1 Only the steps count
        Given a step
        <!--
        ## AC-2 A criterion left out for now
        Given another step
        -->
        Then it is the only criterion
        """,
    )
    (story,) = load_catalogue(config).stories
    (ac1,) = story.criteria
    assert story.title == "Comments" and story.narrative == ()
    assert [s.text for s in ac1.steps] == ["a step", "it is the only criterion"]


# --- the line-by-line reading agrees with markdown-it where no block can hide a heading -------------------

_PIECES = [
    "",
    "# Title",
    "## AC-1 Title",
    "## AC-2 Title ##",
    "## C#",
    "##",
    "# #",
    "### Deeper",
    "#hashtag",
    "Given a customer exists",
    "- a list item",
    "* ## not a heading",
    "> ## quoted",
    "1. first",
    "| a | b |",
    "|---|---|",
    "---",
    "***",
    "    indented code",
    "## 中文 标题  @e2e",
    "## AC-9\ttabbed #",
    "```",
    '    """',
    "~~~~ text",
    "    indented",
]


@settings(max_examples=300, database=None, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_plain_headings_are_what_markdown_it_finds(lines: list[str]) -> None:
    from uatkit.stories import markdown

    assert not any(markdown._NEEDS_PARSER.match(line) for line in lines)
    assert markdown._structure(lines) == markdown._parsed_structure(markdown._masked(lines))


@pytest.mark.parametrize(
    "line",
    ["<!-- note -->", "  ## in a list item", "    ## code", "\t# code", "   <div>", "## a\x00"],
)
def test_a_block_that_can_hide_a_heading_goes_to_markdown_it(line: str) -> None:
    from uatkit.stories import markdown

    assert markdown._NEEDS_PARSER.match(line)


# --- free text stays free text ---------------------------------------------------------------------------

HALF_GHERKIN = """\
---
id: REQ-9
module: Sales
levels: [integration]
---
# Order list

## AC-1 Newest first
When the clerk opens the order list, the newest orders show first.
The list can be sorted by customer.

## AC-2 A checklist
* The page loads
* The totals add up

## AC-3 Out of order
When I open it
Then it shows
Given a customer exists

## AC-4 Real Gherkin
Only for active users.
Given a customer exists
When I open the order list
Then the newest order is first
"""


def test_free_text_that_starts_like_gherkin_stays_free_text(project: Path, config: Config) -> None:
    write(project / "stories" / "REQ-9.md", HALF_GHERKIN)
    catalogue = load_catalogue(config)
    (story,) = catalogue.stories
    first, checklist, disordered, gherkin = story.criteria
    assert first.manual and first.steps == () and first.levels == (Level.MANUAL,)
    assert first.text.splitlines() == [
        "When the clerk opens the order list, the newest orders show first.",
        "The list can be sorted by customer.",
    ]
    assert checklist.manual and checklist.text == "* The page loads\n* The totals add up"
    assert disordered.manual and disordered.text.splitlines()[-1] == "Given a customer exists"
    assert not gherkin.manual and gherkin.description == "Only for active users." and len(gherkin.steps) == 3
    assert [w.split(": ", 1)[0] for w in catalogue.warnings] == [
        "stories/REQ-9.md:8",
        "stories/REQ-9.md:12",
        "stories/REQ-9.md:16",
    ]
    assert "criterion AC-1 mixes steps with prose after them: it is a manual check" in catalogue.warnings[0]
    assert "has no When or Then step" in catalogue.warnings[1]
    assert "has a Given step after a When or Then" in catalogue.warnings[2]


def test_generate_warns_and_writes_the_text_as_a_manual_scenario(project: Path) -> None:
    write(project / "stories" / "REQ-9.md", HALF_GHERKIN)
    result = CliRunner().invoke(app, ["generate", "-C", str(project)])
    assert result.exit_code == 0, result.output
    assert "warning: stories/REQ-9.md:8: criterion AC-1 mixes steps with prose after them" in result.output
    (feature,) = (project / "features" / "sales").glob("REQ-9*.feature")
    text = feature.read_text(encoding="utf-8")
    scenario = text.split("Scenario: AC-1 Newest first\n", 1)[1].split("\n\n", 1)[0]
    assert scenario.splitlines() == [
        "    Given Newest first",
        '      """',
        "      When the clerk opens the order list, the newest orders show first.",
        "      The list can be sorted by customer.",
        '      """',
    ]
    assert "@case:REQ-9.AC-1 @manual" in text
