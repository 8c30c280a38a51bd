"""Jira CSV exports: the sample export, wiki markup, multi-valued columns, encodings and located problems."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from uatkit.config import Config, JiraConfig
from uatkit.errors import InputError
from uatkit.gherkin.dialects import keywords
from uatkit.model import Catalogue, Level, Priority, SourceLocation
from uatkit.stories import load_catalogue
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
