"""`uatkit report` brings the UAT results up to date from the ledger first: whichever checkout runs it (a
fresh CI checkout, a machine that imported before a conflict was resolved elsewhere), the report shows the
ledger's state, and its evidence manifest names the state the UAT results were written from."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, write
from tests.pg_cluster import Cluster
from tests.test_report import needs_allure
from tests.test_report_stale_uat import AC1, AC2, STORY, marked, passes, uat_results
from tests.test_uat_ledger_postgresql import as_user, users  # noqa: F401 (a fixture)
from uatkit.cli import app
from uatkit.model import Mark, SourceLocation, Status
from uatkit.project import load_project
from uatkit.uat.ledger import Ledger
from uatkit.uat.pack import PackInfo, PackRow, ReadPack

runner = CliRunner()


def report(project: Path) -> tuple[dict[str, Any], str]:
    done = runner.invoke(app, ["report", "-C", str(project), "--format", "json", "--no-single-file"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout), done.stderr


def fresh_checkout(project: Path, to: Path, *, ledger: bool) -> Path:
    """Copy the project as a checkout has it: sources, no reports (the SQLite ledger file with `ledger`)."""
    shutil.copytree(project, to, ignore=shutil.ignore_patterns("reports", "node_modules"))
    (to / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    (to / "reports" / "allure-results").mkdir(parents=True)
    if ledger:
        shutil.copy2(project / "reports" / "uat.db", to / "reports" / "uat.db")
    return to


def conflict_on_ac1(project: Path, location: Path | str) -> None:
    """Import a second copy of the pack in which another tester marked AC-1 Fail: a conflict."""
    loaded = load_project(project)
    info = PackInfo(
        "R1-other", "R1", "Sales", "Sales operations, again", "en", "Demo", dt.datetime(2026, 11, 1)
    )
    fail = Mark(
        AC1, Status.FAIL, tester="Bob", date=dt.date(2026, 11, 2), source=SourceLocation("q.xlsx", row=5)
    )
    rows = [PackRow(AC1, 5, loaded.fingerprints[AC1])]
    with Ledger.open(location) as ledger:
        assert ledger.import_pack(ReadPack(project / "q.xlsx", "1" * 64, info, rows, [fail])).conflicts == [
            AC1
        ]


def ledger_digest(location: Path | str) -> str:
    with Ledger.open(location) as ledger:
        return ledger.state().digest


@needs_allure
def test_a_fresh_checkout_with_only_the_sqlite_ledger_reports_its_uat_results(
    tmp_path: Path, project: Path
) -> None:
    marked(project)
    checkout = fresh_checkout(project, tmp_path / "ci", ledger=True)
    data, said = report(checkout)
    assert "no reports/uat-results folder" not in said
    assert data["by_layer"]["uat"] == {"passed": 2}
    assert set(uat_results(checkout / "reports" / "merged-results")) == {AC1, AC2}
    assert data["evidence"]["ledger"]["digest"] == ledger_digest(checkout / "reports" / "uat.db")

    # A conflict, then its resolution, made from another checkout: each next report shows it.
    shared = checkout / "reports" / "uat.db"
    conflict_on_ac1(project, shared)
    data, _ = report(checkout)
    assert data["by_layer"]["uat"].get("passed") == 1 and sum(data["by_layer"]["uat"].values()) == 2
    with Ledger.open(shared) as ledger:
        (state,) = [s for s in ledger.states(load_project(checkout).fingerprints) if s.key == AC1]
        ledger.resolve(AC1, max(state.conflict_ids), "Dana", "reproduced")
    data, _ = report(checkout)
    assert data["by_layer"]["uat"] == {"passed": 1, "failed": 1}
    assert uat_results(checkout / "reports" / "merged-results")[AC1]["status"] == "failed"
    assert data["evidence"]["ledger"]["digest"] == ledger_digest(shared)
    # The trace of that evidence set says the same as the report.
    trace = runner.invoke(app, ["trace", "-C", str(checkout), "--format", "json"])
    assert trace.exit_code == 0, trace.output


@needs_allure
def test_without_a_ledger_the_report_is_as_before(tmp_path: Path, project: Path) -> None:
    marked(project)
    checkout = fresh_checkout(project, tmp_path / "ci", ledger=False)
    data, said = report(checkout)
    assert "note: no reports/uat-results folder; nothing from it in the report" in said
    assert "uat" not in data["by_layer"] and data["evidence"]["ledger"] is None
    assert not (checkout / "reports" / "uat-results").exists()


@needs_allure
def test_a_reader_of_a_postgresql_ledger_reports_its_uat_results(
    tmp_path: Path,
    project: Path,
    pg_url: str,
    pg_cluster: Cluster,
    users: dict[str, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reader = users["reader"]
    with Ledger.open(pg_url):
        pass  # the schema, made by its owner
    # Only SELECT, as a reader has: no table may be written (the cluster's uatkit_* roles are left alone).
    database = pg_url.rsplit("/", 1)[1]
    pg_cluster.admin(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}", database)
    write(project / "stories" / "REQ-1.md", STORY)
    assert runner.invoke(app, ["generate", "-C", str(project)]).exit_code == 0
    passes(project, pg_url)
    checkout = fresh_checkout(project, tmp_path / "ci", ledger=False)
    conflict_on_ac1(project, pg_url)
    monkeypatch.setenv("UATKIT_LEDGER_URL", as_user(pg_url, reader))
    data, said = report(checkout)
    assert "no reports/uat-results folder" not in said
    assert data["by_layer"]["uat"].get("passed") == 1 and sum(data["by_layer"]["uat"].values()) == 2
    assert len(list((checkout / "reports" / "uat-results").glob("*-result.json"))) == 2
    assert data["evidence"]["ledger"]["digest"] == ledger_digest(pg_url)
