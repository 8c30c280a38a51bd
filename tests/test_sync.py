"""Regeneration: stale files rewritten, hand edits kept, orphans listed, --check changes nothing."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import write
from uatkit.cli import app
from uatkit.config import load_config
from uatkit.gherkin import sync
from uatkit.stories import load_catalogue

STORY = """
---
id: REQ-7
module: Sales
---
# Cancel an order

## AC-1 A confirmed order can be cancelled
Given a confirmed order
When I cancel it
Then its status is "{status}"
"""

runner = CliRunner()


def generate(project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["generate", "--project", str(project), *args])
    return result.exit_code, result.output


def feature(project: Path) -> Path:
    return project / "features" / "sales" / "REQ-7-cancel-an-order.feature"


def test_new_then_unchanged_then_stale(project: Path) -> None:
    write(project / "stories" / "r7.md", STORY.replace("{status}", "cancelled"))
    assert generate(project)[0] == 0
    first = feature(project).read_bytes()
    code, output = generate(project)
    assert code == 0 and "1 unchanged" in output
    assert feature(project).read_bytes() == first
    write(project / "stories" / "r7.md", STORY.replace("{status}", "void"))
    code, output = generate(project, "--check")
    assert code == 1 and "update" in output
    assert feature(project).read_bytes() == first, "--check must change nothing"
    code, output = generate(project)
    assert code == 0 and "1 update" in output
    assert 'Then its status is "void"' in feature(project).read_text(encoding="utf-8")
    assert generate(project, "--check")[0] == 0


def test_hand_edited_feature_is_kept_until_force(project: Path) -> None:
    write(project / "stories" / "r7.md", STORY.replace("{status}", "cancelled"))
    generate(project)
    edited = (
        feature(project).read_text(encoding="utf-8").replace("When I cancel it", "When I cancel it by hand")
    )
    feature(project).write_text(edited, encoding="utf-8")
    write(project / "stories" / "r7.md", STORY.replace("{status}", "void"))
    code, output = generate(project)
    assert code == 0 and "edited by hand" in output and "--force" in output
    assert feature(project).read_text(encoding="utf-8") == edited
    assert generate(project, "--check")[0] == 1
    code, output = generate(project, "--force")
    assert code == 0 and "overwrite" in output
    assert "by hand" not in feature(project).read_text(encoding="utf-8")


def test_orphaned_feature_is_listed_not_deleted(project: Path) -> None:
    write(project / "stories" / "r7.md", STORY.replace("{status}", "cancelled"))
    generate(project)
    (project / "stories" / "r7.md").unlink()
    write(project / "stories" / "r8.md", STORY.replace("REQ-7", "REQ-8").replace("{status}", "x"))
    code, output = generate(project)
    assert code == 0 and "orphaned" in output and "REQ-7" in output
    assert feature(project).exists()
    assert generate(project, "--check")[0] == 1


def test_renamed_story_moves_its_feature(project: Path) -> None:
    write(project / "stories" / "r7.md", STORY.replace("{status}", "cancelled"))
    generate(project)
    write(project / "stories" / "r7.md", STORY.replace("{status}", "cancelled").replace("Cancel", "Void"))
    code, output = generate(project)
    assert code == 0 and "moved" in output
    assert not feature(project).exists()
    assert (project / "features" / "sales" / "REQ-7-void-an-order.feature").exists()


def test_hand_written_file_in_the_way_is_not_overwritten(project: Path) -> None:
    write(project / "stories" / "r7.md", STORY.replace("{status}", "cancelled"))
    write(feature(project), "Feature: mine\n")
    config = load_config(project)
    planned = sync.plan(load_catalogue(config), config)
    assert [p.action for p in planned] == [sync.Action.KEEP_FOREIGN]
    generate(project)
    assert feature(project).read_text(encoding="utf-8") == "Feature: mine\n"


def test_bad_stories_write_nothing(project: Path) -> None:
    write(project / "stories" / "r7.md", STORY.replace("{status}", "cancelled"))
    write(project / "stories" / "bad.md", "---\nid: REQ-9\n---\n# Broken\n\n## AC-1 Empty\n")
    code, output = generate(project)
    assert code == 2
    assert "bad.md:6: criterion AC-1 has no content" in output
    assert not (project / "features").exists()
