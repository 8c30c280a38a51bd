"""Jira CSV exports: the sample export, wiki markup, multi-valued columns, encodings and located problems."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from uatkit.config import Config, JiraConfig
from uatkit.errors import InputError
from uatkit.gherkin.dialects import keywords
from uatkit.model import Catalogue, Level, Priority, SourceLocation
from uatkit.stories import load_catalogue, wiki
from uatkit.stories.cells import criteria_from_text
from uatkit.stories.jira import split_description

SAMPLE = Path(__file__).parent / "data" / "jira" / "jira-export-sample.csv"
SHARED_SAMPLE = Path(__file__).parents[2] / "shared" / "examples" / "jira-export-sample.csv"
KEYS = "[A-Z]+-[0-9]+"
HEADER = ["Summary", "Issue key", "Issue Type", "Priority", "Description", "Component/s", "Labels", "Labels"]


def export(
    folder: Path, rows: Sequence[Sequence[str]], encoding: str = "utf-8", name: str = "export.csv"
) -> Path:
    """Write a CSV the way Jira does: CRLF line ends, quoted cells with line breaks."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path = folder / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def config(root: Path, name: str = "export.csv", **values: Any) -> Config:
    return Config(root=root, stories=(name,), requirement_pattern=KEYS, **values)


def load(root: Path, name: str = "export.csv", **values: Any) -> Catalogue:
    return load_catalogue(config(root, name, **values))


def problems(root: Path, **values: Any) -> list[str]:
    with pytest.raises(InputError) as caught:
        load(root, **values)
    return [str(p) for p in caught.value.problems]


def test_sample_export(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "export.csv")
    reset, lock = load(tmp_path).stories
    assert (reset.id, reset.title, reset.priority) == (
        "ACC-7",
        "Customer can reset a forgotten password",
        Priority.MUST,
    )
    assert (reset.module, reset.labels, reset.epic) == ("Accounts", ("security",), "ACC-1")
    assert reset.narrative == (
        "As a registered customer",
        "I want to reset my password by e-mail",
        "So that I can sign in again",
    )
    (email,) = reset.criteria
    assert (email.id, email.title) == ("AC-1", "an e-mail with a reset link valid for 30 minutes is sent")
    assert [s.kind for s in email.steps] == ["given", "when", "then"]
    assert email.steps[0].text == 'a customer "lee@example.com" is registered'
    assert str(reset.source) == "export.csv:2" and str(email.source) == "export.csv:4"
    assert (lock.id, lock.priority, lock.labels, str(lock.source)) == (
        "ACC-8",
        Priority.MUST,
        ("security", "login"),
        "export.csv:7",
    )
    assert lock.narrative == (
        "As a security officer I want accounts locked after 5 failed sign-ins"
        " so that passwords cannot be guessed.",
    )
    assert [(c.id, c.title, str(c.source)) for c in lock.criteria] == [
        ("AC-1", "After 5 failed attempts the account is locked for 15 minutes", "export.csv:10"),
        ("AC-2", "The customer is told how long the lock lasts", "export.csv:11"),
        ("AC-3", "A successful sign-in resets the counter", "export.csv:12"),
    ]
    assert all(c.manual for c in lock.criteria)


@pytest.mark.skipif(not SHARED_SAMPLE.is_file(), reason="shared/examples is not beside this checkout")
def test_the_copied_sample_matches_the_shared_one() -> None:
    assert SAMPLE.read_bytes() == SHARED_SAMPLE.read_bytes()


def test_priorities_map_onto_moscow(tmp_path: Path) -> None:
    rows = [HEADER] + [
        [f"Story {p}", f"P-{i}", "Story", p]
        for i, p in enumerate(("Highest", "High", "Medium", "Low", "Lowest"))
    ]
    export(tmp_path, rows)
    priorities = [s.priority for s in load(tmp_path).stories]
    assert priorities == [Priority.MUST, Priority.MUST, Priority.SHOULD, Priority.COULD, Priority.WONT]


def test_multi_valued_columns_module_and_levels(tmp_path: Path) -> None:
    header = [*HEADER, "Component/s", "Labels"]
    rows = [
        header,
        ["Two components", "M-1", "Story", "", "", "", "e2e", "billing", "Payments", "unit"],
        ["Labels only", "M-2", "Story", "", "", "", "Manual", "", "", "billing"],
        ["Nothing", "M-3", "Story"],
    ]
    export(tmp_path, rows)
    both, labels, nothing = load(tmp_path).stories
    assert (both.module, both.labels, both.levels) == (
        "Payments",
        ("e2e", "billing", "unit"),
        (Level.E2E, Level.UNIT),
    )
    assert (labels.module, labels.levels) == ("billing", (Level.MANUAL,))
    assert (nothing.module, nothing.labels, nothing.levels) == ("General", (), (Level.INTEGRATION,))


def test_issue_types_filter_rows(tmp_path: Path) -> None:
    rows = [HEADER, ["A story", "T-1", "Story"], ["A bug", "T-2", "Bug"], ["A task", "T-3", "task"], []]
    export(tmp_path, rows)
    assert [s.id for s in load(tmp_path).stories] == ["T-1"]
    assert [s.id for s in load(tmp_path, jira=JiraConfig(issue_types=("Story", "Task"))).stories] == [
        "T-1",
        "T-3",
    ]
    export(tmp_path, [["Issue key", "Summary"], ["T-4", "No type column"]])
    assert [s.id for s in load(tmp_path).stories] == ["T-4"]


@pytest.mark.parametrize(
    "heading",
    [
        "h3. Acceptance criteria",
        "*Acceptance Criteria*",
        "Acceptance criteria:",
        "ACCEPTANCE CRITERIA",
        "验收标准：",
    ],
)
def test_acceptance_criteria_heading_variants(heading: str) -> None:
    narrative, section, offset = split_description(
        f"As a user\r\nI want it\r\n\r\n{heading}\r\n* One\r\n* Two"
    )
    assert (narrative, section, offset) == (["As a user", "I want it", ""], "* One\n* Two", 4)


def test_the_section_ends_at_the_next_heading_of_its_level() -> None:
    text = "Intro\nh3. Acceptance criteria\nh4. AC-1: Inner\nGiven a\nThen b\nh3. Notes\nSee the wiki"
    narrative, section, offset = split_description(text)
    assert narrative == ["Intro", "h3. Notes", "See the wiki"]
    assert (section, offset) == ("h4. AC-1: Inner\nGiven a\nThen b", 2)
    assert split_description("No heading here") == (["No heading here"], "", 0)


def test_wiki_markup_in_gherkin_criteria() -> None:
    text = (
        "h4. AC-1: Totals {{per line}}\r\n{code}\r\n* Given the prices\r\n||name||price||\r\n"
        "|Widget|9.99|\r\n* When I order\r\n* Then I pay *9.99*\r\n{code}\r\n----\r\n"
        "# (/) Given a second case\r\n# (x) Then it holds"
    )
    where = SourceLocation("export.csv", line=20)
    totals, second = criteria_from_text(text, where, keywords("en"))
    assert (totals.id, totals.title, totals.source) == ("AC-1", "Totals per line", where.at_line(20))
    assert totals.lines == [
        (22, "Given the prices"),
        (23, "|name|price|"),
        (24, "|Widget|9.99|"),
        (25, "When I order"),
        (26, "Then I pay *9.99*"),
    ]
    assert (second.id, second.title, str(second.source)) == ("AC-2", "it holds", "export.csv:29")


def test_gherkin_in_the_description_section(tmp_path: Path) -> None:
    description = (
        "As a clerk I want totals so that invoices are right.\r\n\r\nh3. Acceptance criteria\r\n"
        "* Given the prices\r\n||name||price||\r\n|Widget|9.99|\r\n"
        '* When I order 2 "Widget"\r\n* Then I pay 19.98'
    )
    export(tmp_path, [HEADER, ["Totals", "INV-1", "Story", "Medium", description, "Billing"]])
    (story,) = load(tmp_path).stories
    (totals,) = story.criteria
    assert totals.title == "I pay 19.98" and totals.steps[0].table == (("name", "price"), ("Widget", "9.99"))
    assert str(totals.source) == "export.csv:5" and story.narrative == (
        "As a clerk I want totals so that invoices are right.",
    )


def test_the_criteria_column_wins_over_the_description(tmp_path: Path) -> None:
    header = [*HEADER, "Custom field (Acceptance Criteria)"]
    description = "Narrative\nh3. Acceptance criteria\n* Old item"
    export(tmp_path, [header, ["Both", "W-1", "Story", "", description, "", "", "", "- New item"]])
    (story,) = load(tmp_path).stories
    assert [c.title for c in story.criteria] == ["New item"] and story.narrative == ("Narrative",)


def test_chinese_export(tmp_path: Path) -> None:
    header = [*HEADER, "Custom field (Language)", "Custom field (Epic Link)"]
    criteria = 'h3. 验收标准\r\n* 假如库存为 0\r\n* 当我下单\r\n* 那么我看到"库存不足"'
    export(
        tmp_path,
        [header, ["下单检查库存", "KC-1", "Story", "High", criteria, "库存", "", "", "zh-CN", "KC-0"]],
    )
    (story,) = load(tmp_path).stories
    assert (story.title, story.module, story.language, story.epic) == (
        "下单检查库存",
        "库存",
        "zh-CN",
        "KC-0",
    )
    (ac,) = story.criteria
    assert ac.title == '我看到"库存不足"' and [s.keyword for s in ac.steps] == ["假如", "当", "那么"]


def test_chinese_export_in_gbk_with_the_encoding_set(tmp_path: Path) -> None:
    export(tmp_path, [HEADER, ["库存检查", "KC-2", "Story", "Low", "作为仓管员"]], encoding="gbk")
    (story,) = load(tmp_path, jira=JiraConfig(encoding="gbk")).stories
    assert (story.title, story.narrative, story.priority) == ("库存检查", ("作为仓管员",), Priority.COULD)


@pytest.mark.parametrize(
    ("encoding", "text", "byte"), [("gbk", "库存检查", 94), ("cp1252", "Café order", 97)]
)
def test_wrong_encoding_names_the_line(tmp_path: Path, encoding: str, text: str, byte: int) -> None:
    export(tmp_path, [HEADER, ["Plain", "E-1", "Story"], [text, "E-2", "Story"]], encoding=encoding)
    (problem,) = problems(tmp_path)
    assert problem.startswith("export.csv:3: not utf-8-sig text (invalid ")
    assert f"at byte {byte})" in problem
    assert problem.endswith('(export the CSV as UTF-8 or set [tool.uatkit.jira] encoding = "gbk" / "cp1252")')


def test_unknown_encoding(tmp_path: Path) -> None:
    export(tmp_path, [HEADER, ["Plain", "E-1", "Story"]])
    (problem,) = problems(tmp_path, jira=JiraConfig(encoding="klingon"))
    assert problem.startswith("export.csv: unknown encoding 'klingon'")


def test_missing_columns(tmp_path: Path) -> None:
    export(tmp_path, [["Title", "Key", "Priority"], ["One", "X-1", "High"]])
    assert problems(tmp_path) == [
        "export.csv:1: not a Jira export: missing column(s) 'Issue key', 'Summary';"
        " the columns are 'Title', 'Key', 'Priority'"
        " (export the issues from Jira with 'Export CSV (all fields)')"
    ]
    (tmp_path / "export.csv").write_bytes(b"")
    (problem,) = problems(tmp_path)
    assert "the columns are none" in problem


def test_unreadable_csv(tmp_path: Path) -> None:
    export(tmp_path, [HEADER, ["Huge", "H-1", "Story", "", "x" * 200_000]])
    (problem,) = problems(tmp_path)
    assert problem.startswith("export.csv:2: not a readable CSV file (field larger than field limit")


def test_field_problems_name_their_lines(tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["Fine", "F-1", "Story", "High", "Multi\nline\ndescription"],
        ["Someday", "F-2", "Story", "Someday"],
        ["Bad key", "f_3", "Story"],
        ["", "F-4", "Story"],
        ["Duplicate", "F-1", "Story"],
    ]
    export(tmp_path, rows)
    assert [p.split(" (")[0] for p in problems(tmp_path)] == [
        "export.csv:5: unknown priority 'Someday'",
        "export.csv:6: requirement ID 'f_3' does not match the pattern '[A-Z]+-[0-9]+'",
        "export.csv:7: the story has no title",
        "export.csv:8: duplicate requirement ID F-1",
    ]


# --- exports as Jira Cloud and Data Center write them ----------------------------------------------------

CLOUD_HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Priority",
    "Components",
    "Components",
    "Labels",
    "Labels",
    "Labels",
    "Description",
    "Custom field (Acceptance criteria)",
    "Parent",
    "Parent summary",
]
CLOUD_DESCRIPTION = (
    "h2. Context\r\n"
    "As a *sales clerk*\r\n"
    "I want to _see_ the {{order total}} before I confirm\r\n"
    "So that the customer hears the price ([pricing rules|https://wiki.example.com/x_y_z])\r\n"
    "\r\n"
    "# Open the order\r\n"
    "# Check the {color:#de350b}total{color}\r\n"
    "----\r\n"
    "{noformat}\r\n"
    "raw *stays* as written\r\n"
    "{noformat}"
)
CLOUD_CRITERIA = (
    "h3. AC-1: Totals _per line_\r\n"
    "* Given the prices\r\n"
    "||name||price||\r\n"
    "|Widget|*9.99*|\r\n"
    '* When I order 2 "Widget"\r\n'
    "* Then I pay *19.98*\r\n"
    "\r\n"
    "h3. AC-2: Discounts by customer\r\n"
    "Given the customer <customer>\r\n"
    "When I order for {{<amount>}}\r\n"
    "Then the discount is <discount>\r\n"
    "Examples:\r\n"
    "||customer||amount||discount||\r\n"
    "|ACME|100|5|\r\n"
    "|Initech|50|0|"
)


def test_a_jira_cloud_export(tmp_path: Path) -> None:
    rows = [
        CLOUD_HEADER,
        ["Order totals", "SAL-1", "10001", "Epic", "To Do", "Medium", "", "", "", "", "", "", "", "", ""],
        [
            "Show the *order total*",
            "SAL-12",
            "10012",
            "Story",
            "In Progress",
            "P2",
            "Sales",
            "Billing",
            "checkout",
            "e2e",
            "pricing",
            CLOUD_DESCRIPTION,
            CLOUD_CRITERIA,
            "10001",
            "Order totals",
        ],
    ]
    export(tmp_path, rows)
    (story,) = load(tmp_path).stories
    assert (story.id, story.title, story.priority) == ("SAL-12", "Show the order total", Priority.SHOULD)
    # The first component is the module; the second one stays visible as a label, after the Labels.
    assert (story.module, story.labels) == ("Sales", ("checkout", "e2e", "pricing", "Billing"))
    assert story.levels == (Level.E2E,)
    # Cloud's Parent holds the epic's issue ID: the export's own epic row gives its key.
    assert story.epic == "SAL-1 Order totals"
    assert story.narrative == (
        "Context",
        "As a sales clerk",
        "I want to see the order total before I confirm",
        "So that the customer hears the price (pricing rules (https://wiki.example.com/x_y_z))",
        "1. Open the order",
        "2. Check the total",
        "raw *stays* as written",
    )
    totals, discounts = story.criteria
    assert (totals.id, totals.title) == ("AC-1", "Totals per line")
    assert [(s.kind, s.text) for s in totals.steps] == [
        ("given", "the prices"),
        ("when", 'I order 2 "Widget"'),
        ("then", "I pay 19.98"),
    ]
    assert totals.steps[0].table == (("name", "price"), ("Widget", "9.99"))
    assert (discounts.id, discounts.title) == ("AC-2", "Discounts by customer")
    assert discounts.steps[1].text == "I order for <amount>"
    assert discounts.examples is not None
    assert discounts.examples.header == ("customer", "amount", "discount")
    assert discounts.examples.rows == (("ACME", "100", "5"), ("Initech", "50", "0"))


def test_a_jira_data_center_export(tmp_path: Path) -> None:
    header = [
        "Summary",
        "Issue key",
        "Issue id",
        "Issue Type",
        "Priority",
        "Component/s",
        "Labels",
        "Description",
        "Custom field (Epic Link)",
        "Custom field (Epic Name)",
    ]
    rows = [
        header,
        ["Sign-in hardening", "ACC-1", "20001", "Epic", "Major", "", "", "", "", "Security"],
        [
            "Lock an account",
            "ACC-8",
            "20008",
            "Story",
            "Blocker",
            "Accounts",
            "security",
            "As an officer I want locks.\r\n\r\nh3. Acceptance criteria\r\n* *5* failed sign-ins lock it",
            "ACC-1",
            "",
        ],
        ["Unlock by mail", "ACC-9", "20009", "Story", "trivial", "Accounts", "", "", "ACC-404", ""],
    ]
    export(tmp_path, rows)
    lock, unlock = load(tmp_path).stories
    assert (lock.priority, lock.module, lock.labels) == (Priority.MUST, "Accounts", ("security",))
    # The epic's own row (its Epic Name) names it; an epic the export does not hold is its key alone.
    assert (lock.epic, unlock.epic) == ("ACC-1 Security", "ACC-404")
    assert unlock.priority == Priority.WONT
    (criterion,) = lock.criteria
    assert criterion.text == "5 failed sign-ins lock it"


def test_an_epic_link_wins_over_the_parent(tmp_path: Path) -> None:
    header = ["Summary", "Issue key", "Components", "Custom field (Epic Link)", "Parent", "Parent summary"]
    export(tmp_path, [header, ["One", "ACC-1", "Accounts", "ACC-100", "777", "Accounts epic"]])
    (story,) = load(tmp_path).stories
    assert story.epic == "ACC-100 Accounts epic"
    export(tmp_path, [header, ["One", "ACC-1", "Accounts", "", "777", "Accounts epic"]])
    # A parent ID the export does not hold says nothing; the parent's summary does.
    assert load(tmp_path).stories[0].epic == "Accounts epic"


def test_the_configured_epic_and_module_columns(tmp_path: Path) -> None:
    header = ["Summary", "Issue key", "Custom field (Area)", "Components", "Custom field (Theme)"]
    export(tmp_path, [header, ["One", "ACC-1", "Payments", "Accounts", "Q3 theme"]])
    jira = JiraConfig(module_column="Custom field (Area)", epic_column="Custom field (Theme)")
    (story,) = load(tmp_path, jira=jira).stories
    assert (story.module, story.epic) == ("Payments", "Q3 theme")


@pytest.mark.parametrize("column", ["Component/s", "Components", "Component", " components "])
def test_every_module_column_name_jira_uses(tmp_path: Path, column: str) -> None:
    export(tmp_path, [["Summary", "Issue key", column], ["One", "ACC-1", "Accounts"]])
    catalogue = load(tmp_path)
    assert catalogue.stories[0].module == "Accounts" and catalogue.warnings == ()


def test_no_module_column_is_said_once(tmp_path: Path) -> None:
    header = ["Summary", "Issue key", "Labels", "Komponenten"]
    export(tmp_path, [header, ["One", "ACC-1", "", "Accounts"], ["Two", "ACC-2", "web", "Accounts"]])
    catalogue = load(tmp_path)
    assert [s.module for s in catalogue.stories] == ["General", "web"]
    assert catalogue.warnings == (
        "export.csv:1: no module column (looked for 'Component/s', 'Components', 'Component'): each "
        "story's module is its first label, else General (export the Components field, or name its "
        "column in [tool.uatkit.jira] module_column)",
    )
    # A configured column that the file lacks is named instead.
    warned = load(tmp_path, jira=JiraConfig(module_column="Module")).warnings
    assert len(warned) == 1 and "(looked for 'Module')" in warned[0]
    assert load(tmp_path, jira=JiraConfig(module_column="Komponenten")).stories[0].module == "Accounts"


def test_the_stories_command_shows_the_module_warning(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from uatkit.cli import app

    export(tmp_path, [["Summary", "Issue key", "Priority"], ["One", "ACC-1", "P1"]])
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.uatkit]\nstories = ["export.csv"]\nrequirement_pattern = "{KEYS}"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["stories", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("no module column") == 1
    assert "looked for 'Component/s', 'Components', 'Component'" in result.output
    listed = CliRunner().invoke(app, ["stories", "--project", str(tmp_path), "--format", "json"])
    data = json.loads(listed.stdout)
    assert data["stories"][0]["epic"] == "" and data["stories"][0]["labels"] == []
    assert len(data["warnings"]) == 1 and "no module column" in data["warnings"][0]


def test_the_shared_sample_still_loads(tmp_path: Path) -> None:
    shutil.copy(SHARED_SAMPLE, tmp_path / "export.csv")
    catalogue = load(tmp_path)
    assert [(s.id, s.module, s.epic, s.labels) for s in catalogue.stories] == [
        ("ACC-7", "Accounts", "ACC-1", ("security",)),
        ("ACC-8", "Accounts", "ACC-1", ("security", "login")),
    ]
    assert catalogue.warnings == ()


PRIORITY_NAMES = {
    Priority.MUST: [
        "P0",
        "p1",
        " P1 ",
        "Blocker",
        "CRITICAL",
        "Highest",
        "high",
        "紧急",
        "最高",
        "高",
        "Must Have",
    ],
    Priority.SHOULD: ["P2", "Major", "Medium", "中", "should  have"],
    Priority.COULD: ["P3", "minor", "Low", "低"],
    Priority.WONT: ["P4", "Trivial", "Lowest", "最低", "Won't have"],
}


@pytest.mark.parametrize(("name", "priority"), [(n, p) for p, names in PRIORITY_NAMES.items() for n in names])
def test_common_priority_names_by_default(tmp_path: Path, name: str, priority: Priority) -> None:
    export(tmp_path, [["Summary", "Issue key", "Priority", "Components"], ["One", "ACC-1", name, "A"]])
    assert load(tmp_path).stories[0].priority == priority


def test_a_configured_priority_name_overrides_the_default(tmp_path: Path) -> None:
    from uatkit.config import load_config

    export(tmp_path, [["Summary", "Issue key", "Priority", "Components"], ["One", "ACC-1", "P1", "A"]])
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.uatkit]\nstories = ["export.csv"]\nrequirement_pattern = "{KEYS}"\n'
        '[tool.uatkit.priority_map]\n" p1 " = "should"\n',
        encoding="utf-8",
    )
    assert load_catalogue(load_config(tmp_path)).stories[0].priority == Priority.SHOULD


@pytest.mark.parametrize(
    ("markup", "plain"),
    [
        ("*bold* and _emphasis_ and ??a citation??", "bold and emphasis and a citation"),
        ("{{code_with *stars*}} stays", "code_with *stars* stays"),
        (
            "[the spec|https://wiki.example.com/a_b_c] and [https://example.com]",
            "the spec (https://wiki.example.com/a_b_c) and https://example.com",
        ),
        (
            "[https://example.com|https://example.com] by [~jdoe], see [^shot.png]",
            "https://example.com by jdoe, see shot.png",
        ),
        ("!screen_1.png|thumbnail! then {color:red}red{color}{anchor:top}", "screen_1.png then red"),
        (r"\*not bold\* and \{{kept}}", "*not bold* and {{kept}}"),
        ("2*3*4, snake_case_name, a * b, price_list_", "2*3*4, snake_case_name, a * b, price_list_"),
        ("| *Widget* | 9.99 |", "| Widget | 9.99 |"),
        ("Then the total is *29.97* (_incl._ VAT)", "Then the total is 29.97 (incl. VAT)"),
        ("plain text, nothing to do", "plain text, nothing to do"),
    ],
)
def test_inline_wiki_markup_becomes_plain_text(markup: str, plain: str) -> None:
    assert wiki.inline(markup) == plain


def test_narrative_markup_becomes_plain_lines() -> None:
    lines = [
        "h1. *Why*",
        "bq. a quote",
        "* one",
        "** two",
        "- three",
        "# first",
        "## second",
        "text",
        "# again first",
        "||Field||Rule||",
        "|Name|[required|https://x.example]|",
        "{panel:title=Note}",
        "in a panel with _markup_",
        "{panel}",
        "{code:sql}",
        "select * from t_orders_  -- as written",
        "{code}",
        "----",
    ]
    assert wiki.plain_lines(lines) == [
        "Why",
        "a quote",
        "- one",
        "- two",
        "- three",
        "1. first",
        "2. second",
        "text",
        "1. again first",
        "Field | Rule",
        "Name | required (https://x.example)",
        "in a panel with markup",
        "select * from t_orders_  -- as written",
    ]
