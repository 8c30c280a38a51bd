"""Excel backlogs: real .xlsx files written with openpyxl, read back as stories, bad input located."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uatkit.config import Config, ExcelConfig
from uatkit.errors import InputError
from uatkit.gherkin.dialects import keywords
from uatkit.model import Catalogue, Level, Priority, SourceLocation
from uatkit.stories import load_catalogue
from uatkit.stories.cells import criteria_from_text
from uatkit.stories.excel import column_letter, narrative, text_of

DATA = Path(__file__).parent / "data" / "excel"
HEADER = [
    "ID",
    "Title",
    "As a",
    "I want",
    "So that",
    "Acceptance criteria",
    "Priority",
    "Module",
    "Levels",
    "Owner",
]
CELL = SourceLocation("backlog.xlsx", sheet="Stories", row=2, column="F")
EN = keywords("en")


def backlog(
    folder: Path,
    rows: Sequence[Sequence[Any]],
    sheet: str = "Stories",
    name: str = "backlog.xlsx",
    **extra: Any,
) -> Path:
    """Write a workbook whose first sheet holds `rows` from A1; `extra` adds sheets before or after it."""
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.title = sheet
    for row in rows:
        first.append(list(row))
    for title, extra_rows in extra.items():
        other = workbook.create_sheet(title)
        for row in extra_rows:
            other.append(list(row))
    path = folder / name
    workbook.save(path)
    return path


def config(root: Path, name: str = "backlog.xlsx", **values: Any) -> Config:
    return Config(root=root, stories=(name,), **values)


def load(root: Path, **values: Any) -> Catalogue:
    return load_catalogue(config(root, **values))


def problems(root: Path, **values: Any) -> list[str]:
    with pytest.raises(InputError) as caught:
        load(root, **values)
    return [str(p) for p in caught.value.problems]


def test_every_field_maps_onto_the_story(tmp_path: Path) -> None:
    criteria = (
        "AC-1: Total is right\nGiven a customer exists\nWhen I order 3 widgets\nThen the total is 29.97"
    )
    row = [
        "REQ-101",
        "Place an order",
        "sales clerk",
        "to place an order",
        "the warehouse ships it",
        criteria,
        "Must",
        "Sales",
        "integration, e2e",
        "Sales operations",
    ]
    backlog(tmp_path, [HEADER, row])
    (story,) = load(tmp_path).stories
    assert (story.id, story.title, story.priority, story.module) == (
        "REQ-101",
        "Place an order",
        Priority.MUST,
        "Sales",
    )
    assert story.levels == (Level.INTEGRATION, Level.E2E) and story.owner == "Sales operations"
    assert story.narrative == (
        "As a sales clerk",
        "I want to place an order",
        "So that the warehouse ships it",
    )
    assert str(story.source) == "backlog.xlsx › Stories › A2" and story.language == "en"
    (ac1,) = story.criteria
    assert (ac1.id, ac1.title, [s.kind for s in ac1.steps]) == (
        "AC-1",
        "Total is right",
        ["given", "when", "then"],
    )
    assert str(ac1.source) == "backlog.xlsx › Stories › F2" and not ac1.manual


def test_numbers_dates_and_booleans_read_as_text(tmp_path: Path) -> None:
    backlog(
        tmp_path, [["ID", "Title", "Owner"], [1404732, dt.date(2024, 3, 1), True], [1404733.0, 12.5, None]]
    )
    first, second = load(tmp_path, requirement_pattern="[0-9]+").stories
    assert (first.id, first.title, first.owner) == ("1404732", "2024-03-01", "TRUE")
    assert (second.id, second.title) == ("1404733", "12.5")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1404732.0, "1404732"),
        (7, "7"),
        (0.1 + 0.2, "0.3"),
        (False, "FALSE"),
        ("  kept  ", "  kept  "),
        (dt.datetime(2024, 3, 1), "2024-03-01"),
        (dt.datetime(2024, 3, 1, 9, 30), "2024-03-01 09:30"),
        (dt.datetime(2024, 3, 1, 9, 30, 15), "2024-03-01 09:30:15"),
        (dt.time(9, 30), "09:30"),
        (dt.timedelta(hours=2), "2:00:00"),
    ],
)
def test_cell_values_as_a_reader_sees_them(value: Any, text: str) -> None:
    assert text_of(value) == text


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_narrative_keeps_the_users_own_phrases() -> None:
    values = {
        "as_a": "As an administrator",
        "i_want": "I need to lock accounts",
        "so_that": "so that data stays safe",
    }
    assert narrative(values) == ["As an administrator", "I need to lock accounts", "so that data stays safe"]
    assert narrative({"as_a": "an auditor", "so_that": "nothing leaks"}) == [
        "As an auditor",
        "So that nothing leaks",
    ]
    assert narrative({"as_a": "仓库管理员", "i_want": "我想要查看库存", "so_that": "及时补货"}) == [
        "作为仓库管理员",
        "我想要查看库存",
        "以便及时补货",
    ]


def test_gherkin_cell_splits_into_criteria() -> None:
    text = "Given a\nWhen b\nThen c\nAnd d\nGiven e\nThen f\n\nAC 7. Explicit one @e2e\nGiven g\nThen h"
    first, second, third = criteria_from_text(text, CELL, EN)
    assert [(c.id, c.title) for c in (first, second, third)] == [
        ("AC-1", "c"),
        ("AC-2", "f"),
        ("AC-7", "Explicit one"),
    ]
    assert first.lines == [(1, "Given a"), (2, "When b"), (3, "Then c"), (4, "And d")]
    assert third.tags == ["e2e"] and all(c.source == CELL for c in (first, second, third))


@pytest.mark.parametrize(
    "title", ["AC-2: Title", "AC2 - Title", "AC 2. Title", "ac-2 Title", "Scenario: AC-2: Title"]
)
def test_title_line_ids(title: str) -> None:
    (criterion,) = criteria_from_text(f"{title}\nGiven a\nThen b", CELL, EN)
    assert (criterion.id, criterion.title) == ("AC-2", "Title")


def test_titles_descriptions_and_trailing_free_text() -> None:
    text = "Scenario: Sign in\nOnly for active users.\nGiven an active user\nThen she sees it\nAudit is kept"
    signed, audit = criteria_from_text(text, CELL, EN)
    assert signed.title == "Sign in" and signed.lines[0] == (2, "Only for active users.")
    assert (audit.id, audit.title, audit.lines) == ("AC-2", "Audit is kept", [(5, "Audit is kept")])
    (alone,) = criteria_from_text("AC-3:\nLogin works @smoke\nGiven a\nThen b", CELL, EN)
    assert (alone.id, alone.title, alone.tags) == ("AC-3", "Login works", ["smoke"])
    assert alone.lines[0] == (3, "Given a")


def test_checklist_cell_gives_manual_criteria(tmp_path: Path) -> None:
    checklist = (
        "- The page loads in under 2 s\n- AC-5: Errors are\n  shown in red\n[x] Help is one click away"
    )
    backlog(tmp_path, [["ID", "Title", "Acceptance criteria"], ["REQ-1", "Page", checklist]])
    (story,) = load(tmp_path).stories
    assert [(c.id, c.title) for c in story.criteria] == [
        ("AC-1", "The page loads in under 2 s"),
        ("AC-5", "Errors are shown in red"),
        ("AC-3", "Help is one click away"),
    ]
    assert all(c.manual and c.levels == (Level.MANUAL,) for c in story.criteria)
    assert story.criteria[1].text == "Errors are\nshown in red"


def test_plain_lines_without_bullets_are_one_criterion_each() -> None:
    found = criteria_from_text("When the user is locked, say so\r\nThe   counter resets\r\n", CELL, EN)
    assert [(c.id, c.title, c.lines) for c in found] == [
        ("AC-1", "When the user is locked, say so", [(1, "When the user is locked, say so")]),
        ("AC-2", "The counter resets", [(2, "The   counter resets")]),
    ]
    assert criteria_from_text(" \n\n ", CELL, EN) == []


def test_outline_with_examples_from_one_cell(tmp_path: Path) -> None:
    outline = (
        "Scenario Outline: Discounts\nGiven a basket worth <amount>\nWhen I pay\n"
        "Then the discount is <discount>\n\nExamples:\n| amount | discount |\n| 100 | 0 |\n| 500 | 25 |"
    )
    backlog(tmp_path, [["ID", "Title", "Acceptance criteria"], ["REQ-2", "Discounts", outline]])
    (criterion,) = load(tmp_path).stories[0].criteria
    assert criterion.title == "Discounts" and criterion.examples is not None
    assert criterion.examples.header == ("amount", "discount")
    assert criterion.examples.rows == (("100", "0"), ("500", "25"))


def test_chinese_backlog(tmp_path: Path) -> None:
    criteria = (
        '场景：库存不足时提示\n假如商品"螺丝"库存为 0\n当我下单 3 件\n那么我看到"库存不足"\n'
        "\n当前库存每小时刷新一次"
    )
    row = [
        "REQ-201",
        "下单时检查库存",
        "销售员",
        "我想要下单前知道库存",
        "避免超卖",
        criteria,
        "should",
        "库存",
        "",
        "",
        "zh-CN",
    ]
    backlog(tmp_path, [[*HEADER, "Language"], row], sheet="需求")
    (story,) = load(tmp_path).stories
    assert (story.title, story.module, story.language) == ("下单时检查库存", "库存", "zh-CN")
    assert story.narrative == ("作为销售员", "我想要下单前知道库存", "以便避免超卖")
    stock, refresh = story.criteria
    assert stock.title == "库存不足时提示" and [s.keyword for s in stock.steps] == ["假如", "当", "那么"]
    assert str(stock.source) == "backlog.xlsx › 需求 › F2"
    assert refresh.title == "前库存每小时刷新一次"  # Gherkin's own rule: 当 is a keyword even in 当前


def test_chinese_free_text_starting_with_a_keyword_stays_a_checklist() -> None:
    found = criteria_from_text("当前库存显示正确\n同时显示单位", CELL, keywords("zh-CN"))
    assert [c.title for c in found] == ["当前库存显示正确", "同时显示单位"]


def test_configurable_sheet_header_row_and_columns(tmp_path: Path) -> None:
    rows = [["Sprint 4 backlog"], [], ["  story  ID ", "SUMMARY", "AC"], ["REQ-9", "Configured", "Works"]]
    backlog(tmp_path, [["notes"]], sheet="Notes", Backlog=rows)
    columns = {"id": "Story ID", "title": "Summary", "criteria": "AC"}
    excel = ExcelConfig(sheet="backlog", header_row=3, columns=columns)
    (story,) = load(tmp_path, excel=excel).stories
    assert (story.id, story.title, str(story.source)) == (
        "REQ-9",
        "Configured",
        "backlog.xlsx › Backlog › A4",
    )
    assert story.criteria[0].text == "Works"


def test_empty_rows_and_unmapped_notes_are_skipped(tmp_path: Path) -> None:
    rows: list[list[str | None]] = [
        ["ID", "Title", "", "Comment"],
        ["REQ-1", "One"],
        [],
        [None, None, None, "just a note"],
        ["REQ-2", "Two"],
    ]
    backlog(tmp_path, rows)
    assert [s.id for s in load(tmp_path).stories] == ["REQ-1", "REQ-2"]


def test_merged_cells_fill_every_row(tmp_path: Path) -> None:
    path = backlog(tmp_path, [["ID", "Title", "Module"], ["REQ-1", "One", "Sales"], ["REQ-2", "Two", None]])
    workbook = openpyxl.load_workbook(path)
    workbook["Stories"].merge_cells("C2:C3")
    workbook.save(path)
    assert [s.module for s in load(tmp_path).stories] == ["Sales", "Sales"]


def test_wrong_sheet(tmp_path: Path) -> None:
    backlog(tmp_path, [HEADER], Notes=[["x"]])
    assert problems(tmp_path, excel=ExcelConfig(sheet="Backlog")) == [
        "backlog.xlsx: the workbook has no sheet named 'Backlog'; its sheets are 'Stories', 'Notes'"
        " (set [tool.uatkit.excel] sheet to one of them)"
    ]


def test_missing_columns(tmp_path: Path) -> None:
    backlog(tmp_path, [["Key", "Priority"], ["REQ-1", "Must"]])
    (problem,) = problems(tmp_path)
    assert problem.startswith(
        "backlog.xlsx › Stories › row 1: missing column(s) 'ID', 'Title'; the header row has"
    )
    assert "'Key', 'Priority'" in problem and "[tool.uatkit.excel]" in problem


def test_header_row_past_the_end(tmp_path: Path) -> None:
    backlog(tmp_path, [["ID", "Title"]])
    (problem,) = problems(tmp_path, excel=ExcelConfig(header_row=5))
    assert problem.startswith(
        "backlog.xlsx › Stories › row 5: missing column(s) 'ID', 'Title'; the header row has no"
    )


@pytest.mark.parametrize("content", [b"ID,Title\nREQ-1,Not a workbook\n", b"PK\x03\x04 truncated", b""])
def test_corrupt_file(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "backlog.xlsx").write_bytes(content)
    (problem,) = problems(tmp_path)
    assert problem.startswith("backlog.xlsx: not a readable .xlsx workbook (")
    assert problem.endswith("(open it in Excel and save it again as an Excel Workbook (.xlsx))")


def test_password_protected_workbook(tmp_path: Path) -> None:
    # Made with msoffcrypto-tool from a two-row backlog; the password is "secret".
    shutil.copy(DATA / "password-protected.xlsx", tmp_path / "backlog.xlsx")
    assert problems(tmp_path) == [
        "backlog.xlsx: not a readable .xlsx workbook (it has a password)"
        " (remove the password (File › Info › Protect Workbook) and save it again)"
    ]


def test_field_problems_name_their_cells(tmp_path: Path) -> None:
    bad_outline = "Given <a>\nThen <b>\nExamples:\n| a | b |\n| 1 |"
    rows = [
        HEADER,
        ["REQ-1", "Fine", "", "", "", "Given a\nThen b", "Must"],
        ["REQ-1", "Duplicate"],
        ["TICKET-3", "Bad ID"],
        ["REQ-4", "Bad priority", "", "", "", "", "Urgent"],
        ["REQ-5", "", "", "", "", "", "", "", "unit, smoke"],
        ["REQ-6", "Bad outline", "", "", "", bad_outline],
    ]
    backlog(tmp_path, rows)
    found = problems(tmp_path)
    assert found[0].startswith(
        "backlog.xlsx › Stories › A3: duplicate requirement ID REQ-1 (it is already used at"
    )
    assert found[1].startswith("backlog.xlsx › Stories › A4: requirement ID 'TICKET-3' does not match")
    assert found[2].startswith("backlog.xlsx › Stories › G5: unknown priority 'Urgent' (use one of:")
    assert found[3].startswith("backlog.xlsx › Stories › B6: the story has no title")
    assert found[4].startswith("backlog.xlsx › Stories › I6: unknown level 'smoke'")
    assert found[5].startswith("backlog.xlsx › Stories › F7: this examples row has 1 cells, the header has 2")
    assert len(found) == 6


@settings(database=None)
@given(
    st.text(alphabet=st.sampled_from(list("GivenThWhAd |:-*#[]x()AC12\n\r\t 场景那么假如当")), max_size=120)
)
def test_criteria_from_any_text_are_deterministic_and_numbered(text: str) -> None:
    first = criteria_from_text(text, CELL, keywords("zh-CN"))
    assert first == criteria_from_text(text, CELL, keywords("zh-CN"))
    count = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for criterion in first:
        assert criterion.id.startswith("AC-") and criterion.source == CELL
        assert all(1 <= number <= count for number, _ in criterion.lines)
        assert [n for n, _ in criterion.lines] == sorted(n for n, _ in criterion.lines)


def test_epic_labels_and_numbered_priorities(tmp_path: Path) -> None:
    header = ["ID", "Title", "Priority", "Module", "Epic", "Labels", "Acceptance criteria"]
    rows = [
        header,
        ["REQ-1", "Reset a password", "P1", "Accounts", "ACC-1 Sign-in", "security, login;web", "Works"],
        ["REQ-2", "Show the total", " p2 ", "Sales", "", "checkout  pricing、web", "Works"],
        ["REQ-3", "Export orders", "P3", "Sales", "Reporting", "", "Works"],
    ]
    backlog(tmp_path, rows)
    catalogue = load(tmp_path)
    assert [(s.priority, s.epic, s.labels) for s in catalogue.stories] == [
        (Priority.MUST, "ACC-1 Sign-in", ("security", "login", "web")),
        (Priority.SHOULD, "", ("checkout", "pricing", "web")),
        (Priority.COULD, "Reporting", ()),
    ]
    assert catalogue.warnings == ()


def test_a_component_column_gives_the_module(tmp_path: Path) -> None:
    backlog(
        tmp_path,
        [["ID", "Title", "Components", "Acceptance criteria"], ["REQ-1", "One", "Accounts", "Works"]],
    )
    catalogue = load(tmp_path)
    assert catalogue.stories[0].module == "Accounts" and catalogue.warnings == ()


def test_no_module_column_is_said_once(tmp_path: Path) -> None:
    rows = [
        ["ID", "Title", "Area", "Acceptance criteria"],
        ["REQ-1", "One", "Accounts", "Works"],
        ["REQ-2", "Two"],
    ]
    backlog(tmp_path, rows)
    catalogue = load(tmp_path)
    assert [s.module for s in catalogue.stories] == ["General", "General"]
    assert catalogue.warnings == (
        "backlog.xlsx › Stories › row 1: no module column (looked for 'Module', 'Component/s', 'Components', "
        "'Component'): each story's module is General (add a Module column, or name yours in "
        "[tool.uatkit.excel] columns)",
    )
    excel = ExcelConfig(columns={"id": "ID", "title": "Title", "module": "Area"})
    assert load(tmp_path, excel=excel).stories[0].module == "Accounts"
