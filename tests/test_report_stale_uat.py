"""`uatkit report` shows a UAT mark made against an older version of its scenario as stale, not as marked,
as the matrix and the sign-off do, without waiting for the next `uat import` to rewrite the UAT results."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.conftest import REPO, write
from tests.test_report import needs_allure
from uatkit.cli import app
from uatkit.model import Mark, SourceLocation, Status
from uatkit.project import load_project
from uatkit.uat.ledger import Ledger
from uatkit.uat.pack import PackInfo, PackRow, ReadPack
from uatkit.uat.results import write_uat_results
from uatkit.uat.stale_results import mark_stale

runner = CliRunner()
STORY = """---
id: REQ-1
module: Sales
priority: must
levels: [manual]
---
# Place an order

## AC-1 An order is confirmed
Given a customer "ACME" exists
When I place an order for 3 "Widget"
Then the order total is 29.97

## AC-2 An order can be cancelled
Given an order exists
When I cancel it
Then it is cancelled
"""
AC1, AC2 = "REQ-1.AC-1", "REQ-1.AC-2"


def marked(project: Path) -> None:
    """Give the project its features, a pack whose two rows were marked Pass, and its UAT results."""
    write(project / "stories" / "REQ-1.md", STORY)
    assert runner.invoke(app, ["generate", "-C", str(project)]).exit_code == 0
    loaded = load_project(project)
    current = loaded.fingerprints
    passes(project, loaded.ledger_path)
    with Ledger.open(loaded.ledger_path) as ledger:
        states = ledger.states(current)
        write_uat_results(loaded.config, loaded.cases, states, ledger, loaded.uat_results)
    (project / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)


def passes(project: Path, location: Path | str) -> None:
    """Import a pack whose two rows were marked Pass."""
    loaded = load_project(project)
    info = PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "Demo", dt.datetime(2026, 11, 1))
    marks = [
        Mark(
            key,
            Status.PASS,
            tester="Li Wei",
            date=dt.date(2026, 11, 2),
            source=SourceLocation("p.xlsx", row=n),
        )
        for n, key in enumerate((AC1, AC2), 5)
    ]
    rows = [PackRow(m.key, n, loaded.fingerprints[m.key]) for n, m in enumerate(marks, 5)]
    with Ledger.open(location) as ledger:
        ledger.import_pack(ReadPack(project / "p.xlsx", "0" * 64, info, rows, marks))


def uat_results(folder: Path) -> dict[str, dict[str, Any]]:
    found = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*-result.json")]
    return {
        next(label["value"] for label in r["labels"] if label["name"] == "caseKey"): r
        for r in found
        if {"name": "layer", "value": "uat"} in r["labels"]
    }


def tags(result: dict[str, Any]) -> list[str]:
    return [label["value"] for label in result["labels"] if label["name"] == "tag"]


def report(project: Path) -> tuple[dict[str, Any], str]:
    done = runner.invoke(app, ["report", "-C", str(project), "--format", "json", "--no-single-file"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout), done.stderr


@needs_allure
def test_report_shows_a_mark_whose_story_changed_since_as_stale(project: Path) -> None:
    marked(project)
    data, said = report(project)
    assert data["by_layer"]["uat"] == {"passed": 2}
    assert "older version" not in said

    # The story's AC-1 changes after the marks were imported; no `uat import` runs since.
    story = project / "stories" / "REQ-1.md"
    story.write_text(STORY.replace("29.97", "32.97"), encoding="utf-8")
    assert runner.invoke(app, ["generate", "-C", str(project)]).exit_code == 0

    data, said = report(project)
    assert data["by_layer"]["uat"] == {"passed": 1, "unknown": 1}
    merged = uat_results(project / "reports" / "merged-results")
    assert merged[AC1]["status"] == "unknown" and "stale" in tags(merged[AC1])
    message = merged[AC1]["statusDetails"]["message"]
    assert message.startswith("Marked Pass") and "against an older version of this scenario" in message
    assert merged[AC2]["status"] == "passed" and "stale" not in tags(merged[AC2])
    # The report brought the UAT results folder up to date from the ledger first: it says the same.
    source = uat_results(project / "reports" / "uat-results")
    assert source[AC1]["status"] == "unknown" and "stale" in tags(source[AC1])
    # The evidence set the report declares holds what it shows; the matrix of that set says the same.
    trace = runner.invoke(app, ["trace", "-C", str(project), "--format", "json"])
    assert trace.exit_code == 0, trace.output
    (case,) = [c for c in json.loads(trace.stdout)["requirements"][0]["cases"] if c["case_id"] == AC1]
    assert case["stale"] == 1


def test_uat_results_record_the_scenario_version_their_mark_was_made_against(project: Path) -> None:
    marked(project)
    current = load_project(project).fingerprints
    results = uat_results(project / "reports" / "uat-results")
    for key in (AC1, AC2):
        labels = {label["name"]: label["value"] for label in results[key]["labels"]}
        assert labels["fingerprint"] == current[key]


def test_only_uat_results_of_another_scenario_version_are_rewritten(tmp_path: Path, project: Path) -> None:
    marked(project)
    folder = project / "reports" / "uat-results"
    current = load_project(project).fingerprints
    assert mark_stale(folder, current) == []
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    changed = {**current, AC2: "sha256:" + "f" * 64}
    (found,) = mark_stale(folder, changed)
    assert (found.key, found.was) == (AC2, "passed")
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert [name for name in before if before[name] != after[name]] == [
        next(p.name for p in folder.glob("*-result.json") if AC2 in p.read_text(encoding="utf-8"))
    ]
    # Judged once: a result already shown as stale is not rewritten again.
    assert mark_stale(folder, changed) == []
    # A case the project no longer has: its mark proves nothing either.
    gone = {key: value for key, value in current.items() if key != AC1}
    (found,) = mark_stale(folder, gone)
    assert found.key == AC1
    message = uat_results(folder)[AC1]["statusDetails"]["message"]
    assert message.startswith("Marked Pass on a case the project no longer has")
