"""Text from workbooks and stories reaches the terminal, HTML and XLSX without control characters or markup.

A tester's cell can hold escape sequences (Excel writes ESC as `_x001B_`, which the reader turns back into
ESC): printed raw they set the window title or clear the screen of whoever runs `uatkit uat status`.
"""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import pytest
from rich.text import Text
from typer.testing import CliRunner

from tests.test_uat_marks import KEY, _two_copies, uat, uat_project  # noqa: F401  (the fixture)
from tests.test_uat_roundtrip import STORY_EN, fill
from uatkit.cli import app
from uatkit.cli.common import CleanConsole, cells, table
from uatkit.text import cell_characters, shown_text

HOSTILE = "Ann\x1b]0;pwned\x07[bold red]x\x1b[2J\x9b31m\x00"
#: The same as a tester's workbook holds it (Excel's escapes for control characters).
HOSTILE_CELL = "Ann_x001B_]0;pwned_x0007_[bold red]x_x001B_[2J"


def test_escape_sequences_and_controls_go_whole_tab_and_newline_stay() -> None:
    assert shown_text(HOSTILE) == "Ann[bold red]x"
    assert shown_text("line 1\r\nline 2\tcol\x7f\x85") == "line 1\nline 2\tcol"
    assert shown_text("中文 é ✓") == "中文 é ✓"
    assert cell_characters("a\x1b]0;t\x07b\x9bc\nd") == "ab\nd"


def test_the_console_prints_user_text_literally_and_clean() -> None:
    buffer = io.StringIO()
    console = CleanConsole(file=buffer, force_terminal=True, color_system="standard", width=100)
    listing = table("Marks", "tester")
    listing.add_row(*cells(HOSTILE))
    console.print(listing)
    console.print(f"error: {HOSTILE}")
    # A Text made by hand has lost its BEL to Rich already: the title sequence runs on and goes whole.
    console.print(Text.assemble(("tester: ", "bold"), HOSTILE))
    printed = buffer.getvalue()
    assert printed.count("Ann[bold red]x") == 2 and "tester: \x1b[0mAnn\n" in printed
    assert "pwned" not in printed and "\x07" not in printed and "\x9b" not in printed
    assert "\x1b[2J" not in printed and "\x1b]" not in printed
    assert "\x1b[1m" in printed  # Rich's own styling still reaches a terminal


def test_uat_status_shows_a_hostile_tester_name_as_text(uat_project: Path) -> None:  # noqa: F811
    bob, alice = _two_copies(uat_project)
    # A tester name with a control character is refused at its cell; markup in it is only text.
    fill(bob, {KEY: {"status": "Fail", "tester": HOSTILE_CELL, "actual": HOSTILE_CELL}})
    refused = uat(uat_project, "import", str(bob), code=2).output
    assert "holds a control character (U+001B); type the name again" in refused
    assert "\x1b" not in refused and "\x07" not in refused
    fill(bob, {KEY: {"status": "Fail", "tester": "Ann[bold red]x", "actual": HOSTILE_CELL}})
    uat(uat_project, "import", str(bob), str(alice))
    printed = uat(uat_project, "status").output
    # Markup read as markup would leave "Ann" alone; a narrow terminal may cut the rest of the name short.
    assert "Ann[bold r" in printed, printed
    assert "\x1b" not in printed and "\x07" not in printed and "pwned" not in printed


def test_pages_show_story_and_tester_text_without_controls() -> None:
    from uatkit.trace.pages import environment

    page = environment().from_string("<p>{{ name }}</p>").render(name=HOSTILE + "<b>")
    assert page == "<p>Ann[bold red]x&lt;b&gt;</p>"


def strings(data: object) -> list[str]:
    """Return every string value in JSON data."""
    if isinstance(data, dict):
        return [s for value in data.values() for s in strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in strings(value)]
    return [data] if isinstance(data, str) else []


TITLE = "Place \x1b]0;pwned\x07an order \u009b2J now\x7f"


@pytest.mark.parametrize("command", [["stories"], ["trace", "--no-write"], ["signoff", "--no-write"]])
@pytest.mark.parametrize("mode", ["table", "json"])
def test_story_text_reaches_stdout_without_controls(project: Path, command: list[str], mode: str) -> None:
    story = STORY_EN.replace("# Place an order", f"# {TITLE}")
    (project / "stories" / "REQ-1.md").write_text(story.lstrip("\n"), encoding="utf-8")
    assert CliRunner().invoke(app, ["generate", "--project", str(project)]).exit_code == 0
    done = CliRunner().invoke(app, [*command, "--project", str(project), "--format", mode])
    assert done.exit_code in (0, 1), done.output
    printed = done.stdout
    assert "REQ-1" in printed
    assert not [c for c in printed if unicodedata.category(c) == "Cc" and c not in "\n"], repr(printed)
    if mode == "json" and command[0] != "signoff":  # the verdict without gates names no requirement's title
        # JSON keeps the value, escaped: a program reading it gets the title as the story holds it.
        assert "\\u001b]0;pwned\\u0007" in printed and "\\u009b2J" in printed
        assert TITLE in strings(json.loads(printed))
    else:
        assert "pwned" not in printed
