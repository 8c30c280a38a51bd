"""Feature generation: golden files, exact text, gherkin-official parsing, determinism."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from gherkin.parser import Parser

from tests.conftest import REPO
from uatkit.config import Config, load_config
from uatkit.gherkin import sync
from uatkit.gherkin.render import render_feature
from uatkit.model import Catalogue
from uatkit.stories import load_catalogue

DATA = Path(__file__).parent / "data" / "stories"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def catalogue(project: Path) -> tuple[Config, Catalogue]:
    shutil.copytree(DATA, project / "stories", dirs_exist_ok=True)
    config = load_config(project)
    return config, load_catalogue(config)


def test_features_match_golden_files(catalogue: tuple[Config, Catalogue]) -> None:
    _, cat = catalogue
    for story in cat.stories:
        text = render_feature(story, story.source.path)
        golden = GOLDEN / f"{story.id}.feature"
        if os.environ.get("UATKIT_UPDATE_GOLDEN"):
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), f"{story.id} differs from {golden}"


def test_every_generated_feature_parses_and_keeps_text(catalogue: tuple[Config, Catalogue]) -> None:
    _, cat = catalogue
    for story in cat.stories:
        doc = Parser().parse(render_feature(story, story.source.path))
        feature = doc["feature"]
        assert feature["name"] == f"{story.id} {story.title}"
        assert [t["name"] for t in feature["tags"]] == [f"@{story.id}"]
        assert [line.strip() for line in feature["description"].splitlines()] == list(story.narrative)
        scenarios = [child["scenario"] for child in feature["children"]]
        assert len(scenarios) == len(story.criteria)
        for criterion, scenario in zip(story.criteria, scenarios, strict=True):
            assert scenario["name"] == f"{criterion.id} {criterion.title}"
            assert f"@case:{story.id}.{criterion.id}" in [t["name"] for t in scenario["tags"]]
            if criterion.steps:
                assert [s["text"] for s in scenario["steps"]] == [s.text for s in criterion.steps]
                assert [s["keyword"].strip() for s in scenario["steps"]] == [
                    s.keyword for s in criterion.steps
                ]
            elif scenario["steps"]:
                assert scenario["steps"][0]["docString"]["content"] == criterion.text
            else:
                lines = [line.strip() for line in scenario["description"].splitlines()]
                assert lines == criterion.text.splitlines()


def test_tricky_text_is_kept_exactly(catalogue: tuple[Config, Catalogue]) -> None:
    _, cat = catalogue
    story = cat.by_id()["REQ-102"]
    doc = Parser().parse(render_feature(story, story.source.path))
    feature = doc["feature"]
    assert feature["name"] == 'REQ-102 Notes with "quotes", <script>alert(1)</script> and =SUM(A1:A9)'
    steps = feature["children"][0]["scenario"]["steps"]
    assert steps[0]["text"] == 'a note "=HYPERLINK(\\"http://x\\")" exists'
    assert steps[1]["text"] == "I save the note <script>alert('x')</script>"
    assert steps[2]["text"] == "the note reads \"+cmd|' /C calc'!A0\""
    assert steps[3]["docString"]["content"] == 'line with """ inside\n@not-a-tag\n# not a comment'
    manual = feature["children"][1]["scenario"]
    assert [t["name"] for t in manual["tags"]] == ["@case:REQ-102.AC-2", "@manual"]
    assert manual["steps"][0]["docString"]["content"] == (
        "@ the start of a line is an at sign\n"
        "# and this line starts with a hash\n"
        "Scenario: this is not a scenario"
    )


def test_chinese_story_uses_zh_cn_keywords(catalogue: tuple[Config, Catalogue]) -> None:
    _, cat = catalogue
    story = cat.by_id()["REQ-201"]
    text = render_feature(story, story.source.path)
    assert text.startswith("# language: zh-CN\n")
    doc = Parser().parse(text)
    feature = doc["feature"]
    assert feature["keyword"] == "功能"
    keywords = [child["scenario"]["keyword"] for child in feature["children"]]
    assert keywords == ["场景", "场景大纲", "场景"]
    outline = feature["children"][1]["scenario"]
    assert outline["examples"][0]["keyword"] == "例子"
    assert [c["value"] for c in outline["examples"][0]["tableHeader"]["cells"]] == ["库存", "数量", "状态"]


def test_outline_has_examples(catalogue: tuple[Config, Catalogue]) -> None:
    _, cat = catalogue
    story = cat.by_id()["REQ-101"]
    scenario = Parser().parse(render_feature(story, story.source.path))["feature"]["children"][1]["scenario"]
    assert scenario["keyword"] == "Scenario Outline"
    rows = [[c["value"] for c in row["cells"]] for row in scenario["examples"][0]["tableBody"]]
    assert rows == [["10.00", "1", "11.00"], ["10.00", "10", "104.50"]]
    assert [t["name"] for t in scenario["tags"]] == ["@case:REQ-101.AC-2", "@unit", "@uat"]


def test_demo_features_are_generated_and_parse() -> None:
    config = load_config(REPO)
    cat = load_catalogue(config)
    assert len(cat.stories) >= 12
    planned = sync.plan(cat, config)
    assert {p.action for p in planned} == {sync.Action.UNCHANGED}, (
        "run `uatkit generate` and commit features/"
    )
    for path in sorted(config.features_dir.rglob("*.feature")):
        assert Parser().parse(path.read_text(encoding="utf-8"))["feature"]


def test_generation_is_deterministic(project: Path) -> None:
    shutil.copytree(DATA, project / "stories", dirs_exist_ok=True)
    config = load_config(project)
    sync.apply(sync.plan(load_catalogue(config), config))
    first = {p: p.read_bytes() for p in sorted(config.features_dir.rglob("*.feature"))}
    for path in first:
        path.unlink()
    sync.apply(sync.plan(load_catalogue(config), config))
    assert {p: p.read_bytes() for p in sorted(config.features_dir.rglob("*.feature"))} == first
    assert sorted(p.relative_to(project).as_posix() for p in first) == [
        "features/sales/REQ-101-place-an-order-for-an-existing-customer.feature",
        "features/sales/REQ-102-notes-with-quotes-script-alert-1-script-and-sum-a1.feature",
        "features/库存/REQ-201-库存不足时拒绝订单.feature",
    ]
