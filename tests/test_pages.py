"""The acceptance meeting's three pages in a real Chromium: the Allure report, the matrix, the sign-off.

A small project goes through the whole chain (features, automated results, a UAT pack out and back, report,
trace, sign-off); each page must show requirement IDs, layers, statuses and links, and log no error.
Screenshots are saved under reports/screenshots/ for people to look at.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, write
from tests.test_uat_roundtrip import fill
from uatkit.cli import app

runner = CliRunner()
SHOTS = REPO / "reports" / "screenshots"
pytestmark = pytest.mark.skipif(
    shutil.which("npx") is None or not (REPO / "node_modules" / "allure" / "package.json").is_file(),
    reason="the Allure 3 CLI is not installed: Node.js with npm, then `npm ci` (make test does both)",
)

STORIES = {
    "REQ-1.md": """
        ---
        id: REQ-1
        module: Sales
        priority: must
        owner: Sales operations
        levels: [integration]
        ---
        # Place an order <b>now</b>

        ## AC-1 An order is confirmed
        Given a customer "ACME" exists
        When I place an order for 3 "Widget"
        Then the order total is 29.97

        ## AC-2 The confirmation is easy to read
        The confirmation shows every line, the tax and the total.
        """,
    "REQ-2.md": """
        ---
        id: REQ-2
        module: Reporting
        priority: should
        owner: Finance
        levels: [unit]
        ---
        # Sales by day

        ## AC-1 Days without sales show zero
        Given no order was placed on 2026-11-01
        When I open the sales report for 2026-11-01
        Then the report shows 0 orders
        """,
}


TITLES = {"REQ-1": "REQ-1 Place an order <b>now</b>", "REQ-2": "REQ-2 Sales by day"}


def automated_result(folder: Path, case_id: str, layer: str, status: str, title: str) -> None:
    """Write an automated result as the pytest plugin labels it, with allure-python-commons."""
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Label, Link, StatusDetails, TestResult

    requirement = case_id.partition(".")[0]
    logger: Any = AllureFileLogger(str(folder))
    logger.report_result(
        TestResult(
            uuid=str(uuid.uuid4()),
            historyId=f"{case_id}[{layer}]",
            testCaseId=f"{case_id}[{layer}]",
            name=f"{title} [{layer}]",
            status=status,
            statusDetails=StatusDetails(message="expected 29.97, got 30.00" if status == "failed" else None),
            labels=[
                Label("epic", "Sales" if requirement == "REQ-1" else "Reporting"),
                Label("feature", TITLES[requirement]),
                Label("story", title),
                Label("layer", layer),
                Label("case", case_id),
            ],
            links=[Link("tms", f"https://jira.example.com/browse/{requirement}", requirement)],
            start=1_795_000_000_000,
            stop=1_795_000_001_000,
        )
    )


def ok(*args: str, codes: tuple[int, ...] = (0,)) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code in codes, result.output + str(result.exception or "")
    return result.output


@pytest.fixture(scope="module")
def meeting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Return a project's reports folder after the whole chain ran on it."""
    root = tmp_path_factory.mktemp("meeting")
    write(
        root / "pyproject.toml",
        """
        [tool.uatkit]
        stories = ["stories"]
        requirement_url = "https://jira.example.com/browse/{id}"

        [tool.uatkit.uat]
        release = "R1"
        """,
    )
    for name, text in STORIES.items():
        write(root / "stories" / name, text)
    # The project uses the repository's pinned Allure CLI, as `npm ci` would install it.
    (root / "node_modules").symlink_to(REPO / "node_modules")
    ok("generate", "-C", str(root))
    results = root / "reports" / "allure-results"
    automated_result(results, "REQ-1.AC-1", "integration", "passed", "AC-1 An order is confirmed")
    automated_result(results, "REQ-2.AC-1", "unit", "failed", "AC-1 Days without sales show zero")
    ok("uat", "export", "-C", str(root), "--all")
    today = dt.date.today()
    mark = {"status": "Pass", "tester": "Li Wei", "date": today}
    fill(
        root / "uat_packs" / "R1" / "R1-sales.xlsx",
        {"REQ-1.AC-1": mark, "REQ-1.AC-2": mark},
        {"decision": "Accepted", "name": "Ann Lee", "date": today},
    )
    ok("uat", "import", "-C", str(root))
    ok("report", "-C", str(root))
    ok("trace", "-C", str(root))
    ok("signoff", "-C", str(root), codes=(0, 1))
    yield root / "reports"


def look(page: Any, url: str, shot: str) -> list[str]:
    """Open a page, wait for it to settle, save a screenshot; return the errors it logged."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    return errors


def test_the_allure_report_shows_requirements_layers_and_uat(meeting: Path, page: Any) -> None:
    errors = look(page, (meeting / "allure-report" / "index.html").as_uri(), "allure-report.png")
    page.get_by_text("REQ-2 Sales by day", exact=True).first.wait_for()  # a failed requirement opens itself
    page.get_by_text("Sales", exact=True).first.click()
    page.get_by_text("REQ-1 Place an order", exact=False).first.click()
    page.get_by_text("AC-1 An order is confirmed", exact=True).first.click()
    text = page.inner_text("body")
    assert "REQ-1 Place an order <b>now</b>" in text  # story text as text, never markup
    assert "[integration]" in text and "[uat]" in text and "[unit]" in text
    # REQ-2's cases awaiting UAT are open too (a failed requirement opens itself): pick REQ-1's own.
    page.get_by_text("AC-1 An order is confirmed [uat]", exact=True).first.click()
    page.get_by_text("Labels", exact=False).first.wait_for()
    page.get_by_text("Show more", exact=False).first.click()
    detail = page.inner_text("body")
    assert "layer" in detail and "uat" in detail and "Li Wei" in detail
    assert page.locator('a[href="https://jira.example.com/browse/REQ-1"]').count() >= 1
    page.screenshot(path=str(SHOTS / "allure-report-uat-result.png"))
    assert errors == []


def test_the_traceability_matrix_shows_each_level_and_status(meeting: Path, page: Any) -> None:
    errors = look(page, (meeting / "traceability.html").as_uri(), "traceability.png")
    text = page.inner_text("body")
    for expected in ("REQ-1", "REQ-2", "integration", "uat", "FAILED"):
        assert expected in text, expected
    assert "<b>now</b>" in text  # story text is shown as text, never as markup
    assert page.locator("b", has_text="now").count() == 0
    assert page.locator('a[href="https://jira.example.com/browse/REQ-1"]').count() >= 1
    assert page.locator('a[href*="allure-report"]').count() >= 1
    assert errors == []


def test_the_signoff_page_gives_the_verdict_with_its_reasons(meeting: Path, page: Any) -> None:
    errors = look(page, (meeting / "signoff.html").as_uri(), "signoff.png")
    text = page.inner_text("body")
    assert "NO-GO" in text  # REQ-2, a should requirement, failed at unit level
    assert "REQ-2" in text and "Accepted" in text
    assert page.locator("svg").count() >= 1
    assert page.locator('a[href$="traceability.html"]').count() >= 1
    assert page.locator('a[href*="allure-report"]').count() >= 1
    assert errors == []
