"""`uatkit defects push --to jira` against a small local Jira (http.server in a thread), never a live one."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.defects_helpers import FakeJira, fake_jira, make_project
from uatkit.cli import app
from uatkit.defects.model import stable_id
from uatkit.uat.ledger import Ledger

runner = CliRunner()
UAT_ID = stable_id("REQ-1.AC-2", "uat")
AUTOMATED_ID = stable_id("REQ-1.AC-1", "integration")


@pytest.fixture
def failing(project: Path) -> Path:
    return make_project(project)


def push(root: Path, jira: FakeJira, *args: str, token: str | None = None) -> Any:
    env = {"JIRA_USER": jira.user, "JIRA_TOKEN": jira.token if token is None else token}
    return runner.invoke(
        app,
        [
            "defects",
            "push",
            "--to",
            "jira",
            "--url",
            jira.url,
            "--jira-project",
            "SHOP",
            "-C",
            str(root),
            *args,
        ],
        env=env,
    )


def filed(root: Path) -> list[tuple[str, str, str, int | None, str]]:
    with Ledger.open(root / "reports" / "uat.db") as ledger:
        return [(f.key, f.defect_id, f.how, f.mark_id, f.tracker_user) for f in ledger.defects.all()]


def test_each_defect_is_created_once_across_two_pushes(failing: Path) -> None:
    with fake_jira() as jira:
        first = push(failing, jira)
        assert first.exit_code == 0, first.output
        assert sorted(jira.issues) == ["SHOP-1", "SHOP-2"]
        second = push(failing, jira)
    assert second.exit_code == 0, second.output
    assert sorted(jira.issues) == ["SHOP-1", "SHOP-2"]  # nothing created the second time
    assert f"created SHOP-1 for REQ-1.AC-1 (integration, failed): {jira.url}/browse/SHOP-1" in first.stdout
    assert "REQ-1.AC-2 (R1-sales, Fail): already filed as SHOP-2" in second.stdout
    assert "REQ-2.AC-1 (R1-sales, Fail): has defect ID BUG-7" in second.stdout
    fields = jira.issues["SHOP-2"]["fields"]
    assert fields["project"] == {"key": "SHOP"} and fields["issuetype"] == {"name": "Bug"}
    assert fields["summary"] == "[UAT Fail] REQ-1.AC-2 下单后显示合计"
    assert fields["labels"] == ["uatkit", UAT_ID, "uat"] and fields["priority"] == {"name": "High"}
    assert "合计显示 30.00" in fields["description"] and "total.png" in fields["description"]
    assert "REQ-1 Place an order" in fields["description"] and fields["environment"] == "UAT"
    assert jira.issues["SHOP-1"]["fields"]["labels"] == ["uatkit", AUTOMATED_ID, "integration"]
    assert filed(failing) == [
        ("SHOP-1", AUTOMATED_ID, "created", None, "qa"),
        ("SHOP-2", UAT_ID, "created", 1, "qa"),
    ]
    # A filed key is the failure's defect ID from now on.
    listed = json.loads(runner.invoke(app, ["defects", "-C", str(failing), "--format", "json"]).stdout)
    assert listed["defects"] == []
    assert {k["case"]: k["defect_ids"] for k in listed["known"]} == {
        "REQ-1.AC-1": ["SHOP-1"], "REQ-1.AC-2": ["SHOP-2"], "REQ-2.AC-1": ["BUG-7"],
    }  # fmt: skip
    # The matrix's defects column names them too.
    traced = runner.invoke(app, ["trace", "-C", str(failing), "--format", "json", "--no-write"])
    requirements = {r["id"]: r for r in json.loads(traced.stdout)["requirements"]}
    assert requirements["REQ-1"]["defects"] == ["SHOP-1", "SHOP-2"]
    assert requirements["REQ-2"]["defects"] == ["BUG-7"]


def test_a_defect_already_in_jira_by_its_label_is_recorded_not_created_again(failing: Path) -> None:
    state = FakeJira(search_gone=True)  # Jira Cloud: /search is gone, /search/jql answers
    state.issues["SHOP-7"] = {"id": "10007", "fields": {"labels": ["uatkit", UAT_ID]}}
    with fake_jira(state) as jira:
        result = push(failing, jira, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    outcomes = {d["case"]: (d["outcome"], d["key"]) for d in data["defects"]}
    assert outcomes["REQ-1.AC-2"] == ("already filed", "SHOP-7") and outcomes["REQ-1.AC-1"][0] == "created"
    assert ("GET", "/rest/api/2/search/jql") in {(m, p.split("?")[0]) for m, p in jira.requests}
    assert ("SHOP-7", UAT_ID, "found", 1, "qa") in filed(failing)


def test_refused_credentials_are_one_line_and_nothing_is_recorded(failing: Path) -> None:
    with fake_jira() as jira:
        result = push(failing, jira, token="wrong-token-123456")
    assert result.exit_code == 2
    (line,) = [line for line in result.stderr.splitlines() if line]
    assert "refused the credentials (401 Unauthorized): check JIRA_USER" in line and "JIRA_TOKEN" in line
    assert "wrong-token-123456" not in result.output and jira.issues == {} and filed(failing) == []


def test_a_refused_defect_fails_alone_and_what_succeeded_is_kept(failing: Path) -> None:
    with fake_jira(FakeJira(refuse="REQ-1.AC-2")) as jira:
        result = push(failing, jira)
        assert result.exit_code == 2
        assert (
            "failed for REQ-1.AC-2 (R1-sales, Fail): Jira refused the defect of REQ-1.AC-2 (uat) (400 Bad "
            "Request): priority: Priority name 'High' is not valid" in result.stdout
        )
        assert [key for key, *_ in filed(failing)] == ["SHOP-1"]
        jira.refuse = ""
        again = push(failing, jira)
    assert again.exit_code == 0 and [key for key, *_ in filed(failing)] == ["SHOP-1", "SHOP-2"]
    assert "already filed as SHOP-1" in again.stdout and "created SHOP-2" in again.stdout


def test_an_unreachable_jira_is_one_line(failing: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    jira = FakeJira(url=f"http://127.0.0.1:{port}")
    result = push(failing, jira)
    assert result.exit_code == 2
    assert f"cannot reach Jira at http://127.0.0.1:{port} while checking the credentials" in result.stderr
    assert "check the URL, the network and any proxy" in result.stderr and filed(failing) == []


def test_a_dry_run_sends_and_records_nothing(failing: Path) -> None:
    with fake_jira() as jira:
        result = push(failing, jira, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    would = [d for d in data["defects"] if d["outcome"] == "would create"]
    assert [d["payload"]["fields"]["summary"] for d in would] == [
        "[integration failed] REQ-1.AC-1 An order is confirmed", "[UAT Fail] REQ-1.AC-2 下单后显示合计",
    ]  # fmt: skip
    assert jira.requests == [] and filed(failing) == []


def test_without_a_token_it_says_which_variable_to_set(failing: Path) -> None:
    result = push(failing, FakeJira(url="http://127.0.0.1:9"), token="")
    assert result.exit_code == 2 and "set the environment variable JIRA_TOKEN" in result.stderr


def test_the_token_never_reaches_the_output_or_the_ledger(failing: Path) -> None:
    with fake_jira() as jira:
        result = push(failing, jira, "--format", "json")
    assert result.exit_code == 0
    assert jira.token not in result.output
    assert jira.token.encode() not in (failing / "reports" / "uat.db").read_bytes()


def test_without_requests_it_names_the_extra_to_install(
    failing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uatkit.extras

    real = uatkit.extras.find_spec
    monkeypatch.setattr(uatkit.extras, "find_spec", lambda name: None if name == "requests" else real(name))
    with fake_jira() as jira:
        result = push(failing, jira)
    assert result.exit_code == 2 and "pip install 'uatkit[api]'" in result.stderr and jira.requests == []
