"""Change control: signed baselines and change requests, through the CLI on real projects and ledgers."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from uatkit.atomic import atomic_write_bytes
from uatkit.cli import app
from uatkit.uat.ledger import Ledger

runner = CliRunner()

EXTRA_STORY = """---
id: REQ-{n}
module: {module}
priority: should
---
# Story {n}

As a user
I want feature {n}

## AC-1 It works
Given the system
When feature {n} is used
Then it works
"""


def run(project: Path, *args: str, code: int = 0) -> Result:
    """Run a uatkit command on the project; check its exit code."""
    done = runner.invoke(app, [*args, "-C", str(project)])
    assert done.exit_code == code, done.output
    return done


def report(project: Path, *args: str) -> dict[str, Any]:
    """Run a command with --format json; return its report."""
    data: dict[str, Any] = json.loads(run(project, *args, "--format", "json").stdout)
    assert data["schema"] == 1 and data["command"] == " ".join(args[:2])
    return data


def init(folder: Path) -> Path:
    """Return a project `uatkit init` made in `folder`/acme, with two more stories and their features."""
    done = runner.invoke(app, ["init", str(folder / "acme")])
    assert done.exit_code == 0, done.output
    project = folder / "acme"
    for n, module in ((10, "Billing"), (2, "Billing")):
        (project / "stories" / f"REQ-{n}.md").write_text(EXTRA_STORY.format(n=n, module=module), "utf-8")
    run(project, "generate")
    return project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a scaffolded project with three stories."""
    return init(tmp_path)


def audit(project: Path) -> list[tuple[str, str, dict[str, object]]]:
    """Return the ledger's audit rows as (action, subject, detail)."""
    with Ledger.open(project / "reports" / "uat.db") as ledger:
        return [(row.action, row.subject, row.detail) for row in ledger.audit()]


def create(project: Path, name: str = "R1", *more: str, code: int = 0) -> Result:
    """Create a baseline approved by Ann Lee on a fixed date."""
    return run(
        project,
        "baseline",
        "create",
        name,
        "--approved-by",
        "Ann Lee",
        "--date",
        "2026-12-01",
        *more,
        code=code,
    )


# --- baselines ----------------------------------------------------------------------------------------------


def test_the_same_catalogue_frozen_twice_in_two_copies_gives_the_same_bytes(tmp_path: Path) -> None:
    one, other = init(tmp_path / "one"), init(tmp_path / "other")
    create(one, "R1", "--note", "Contract 7, § 3")
    create(other, "R1", "--note", "Contract 7, § 3")
    text = (one / "baselines" / "R1.json").read_bytes()
    assert text == (other / "baselines" / "R1.json").read_bytes()
    data = json.loads(text)
    assert text.endswith(b"}\n") and "§" in text.decode("utf-8")  # ensure_ascii=False, final newline
    assert [r["id"] for r in data["requirements"]] == ["REQ-1", "REQ-2", "REQ-10"]
    assert list(data) == [
        "schema", "name", "approved_by", "approved_on", "note", "project", "commit", "requirements", "digest"
    ]  # fmt: skip
    first = data["requirements"][0]
    assert first["priority"] == "must" and first["owner"] == "Product owner" and first["levels"] == ["unit"]
    ac1, ac2 = first["criteria"]
    assert ac1["text"].startswith('Given a user named "Ada"\nWhen the user is greeted')
    assert ac1["cases"] == [{"key": "REQ-1.AC-1", "fingerprint": ac1["cases"][0]["fingerprint"]}]
    assert ac2["manual"] is True and ac1["manual"] is False
    assert data["digest"].startswith("sha256:") and len(data["digest"]) == 71


def test_a_criterion_fingerprint_follows_the_signed_wording_not_how_it_is_verified(tmp_path: Path) -> None:
    project = init(tmp_path)
    story = project / "stories" / "REQ-2.md"
    create(project, "R1")
    story.write_text(
        story.read_text("utf-8").replace("priority: should", "priority: should\nowner: Bo"), "utf-8"
    )
    run(project, "baseline", "create", "R2", "--approved-by", "Ann Lee", "--date", "2026-12-02")
    story.write_text(story.read_text("utf-8").replace("## AC-1 It works", "## AC-1 It really works"), "utf-8")
    run(project, "baseline", "create", "R3", "--approved-by", "Ann Lee", "--date", "2026-12-03")
    found = [json.loads((project / "baselines" / f"{n}.json").read_text("utf-8")) for n in ("R1", "R2", "R3")]
    req2 = [next(r for r in b["requirements"] if r["id"] == "REQ-2") for b in found]
    assert req2[0]["fingerprint"] == req2[1]["fingerprint"]  # a new owner: nothing the client signed
    assert req2[1]["criteria"][0]["fingerprint"] != req2[2]["criteria"][0]["fingerprint"]  # a new title
    assert req2[1]["fingerprint"] != req2[2]["fingerprint"]


def test_a_signed_baseline_is_never_replaced_and_a_name_must_be_a_safe_file_name(project: Path) -> None:
    create(project, "R1")
    path = project / "baselines" / "R1.json"
    before = path.read_bytes()
    again = create(project, "R1", code=2)
    assert "baselines/R1.json: a baseline named 'R1' exists already" in again.output
    assert "Traceback" not in again.output and path.read_bytes() == before
    for bad in ("../R1", "a/b", ".hidden", "R1.json", "R 1"):
        refused = create(project, bad, code=2)
        assert "is not a safe file name" in refused.output
    assert sorted(p.name for p in (project / "baselines").glob("*.json")) == ["R1.json"]
    assert [(action, subject) for action, subject, _ in audit(project)] == [("baseline.create", "R1")]


def test_an_exclusive_write_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / "R1.json"
    atomic_write_bytes(path, b"signed", replace=False)
    with pytest.raises(FileExistsError):
        atomic_write_bytes(path, b"another", replace=False)
    assert path.read_bytes() == b"signed" and [p.name for p in tmp_path.iterdir()] == ["R1.json"]


def test_criteria_without_cases_are_said_when_the_features_are_not_generated(project: Path) -> None:
    (project / "stories" / "REQ-3.md").write_text(EXTRA_STORY.format(n=3, module="Billing"), "utf-8")
    made = report(project, "baseline", "create", "R1", "--approved-by", "Ann", "--date", "2026-12-01")
    assert made["warnings"] == [
        "REQ-3.AC-1: the features hold no case for this criterion; run `uatkit generate`"
    ]
    data = json.loads((project / "baselines" / "R1.json").read_text("utf-8"))
    assert [r["criteria"][0]["cases"] for r in data["requirements"] if r["id"] == "REQ-3"] == [[]]


def test_a_catalogue_with_errors_is_not_frozen(project: Path) -> None:
    (project / "stories" / "REQ-2.md").write_text("---\nid: REQ-2\npriority: urgent\n---\n# Bad\n", "utf-8")
    refused = create(project, "R1", code=2)
    assert "stories/REQ-2.md" in refused.output and "nothing was written" in refused.output
    assert not (project / "baselines").exists()


def test_the_audit_records_the_baseline_file_and_its_hash(project: Path) -> None:
    create(project, "R1", "--note", "signed at the kick-off")
    ((action, subject, detail),) = audit(project)
    text = (project / "baselines" / "R1.json").read_bytes()
    assert (action, subject) == ("baseline.create", "R1")
    assert detail["file"] == "baselines/R1.json" and detail["sha256"] == hashlib.sha256(text).hexdigest()
    assert detail["approved_by"] == "Ann Lee" and detail["approved_on"] == "2026-12-01"
    assert detail["note"] == "signed at the kick-off" and detail["digest"] == json.loads(text)["digest"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t[: len(t) // 2], r"baselines/R1\.json:\d+: not valid JSON at column \d+"),
        (
            lambda t: t.replace('"priority": "must"', '"priority": "urgent"'),
            r"baselines/R1\.json: not a uatkit baseline at \$\.requirements\[0\]\.priority: Invalid enum",
        ),
        (
            lambda t: t.replace('"epic": ""', '"epic": "", "extra": 1', 1),
            r"baselines/R1\.json: not a uatkit baseline at \$\.requirements\[0\]: Object contains unknown",
        ),
        (
            lambda t: t.replace("Greet a user by name", "Greet a user by nickname"),
            r"baselines/R1\.json: the baseline was changed after it was approved: .* at \$\.digest",
        ),
        (
            lambda t: t.replace('"schema": 1', '"schema": 9'),
            r"baseline schema 9 at \$\.schema; .*upgrade uatkit",
        ),
    ],
    ids=["truncated", "bad-value", "unknown-key", "edited", "newer"],
)
def test_a_damaged_or_edited_baseline_is_refused_located(project: Path, edit: Any, expected: str) -> None:
    create(project, "R1")
    path = project / "baselines" / "R1.json"
    path.write_text(edit(path.read_text("utf-8")), "utf-8")
    for command in (("baseline", "show"), ("baseline", "list")):
        refused = run(project, *command, code=2)
        assert "Traceback" not in refused.output
        assert re.search(expected, refused.output), refused.output


def test_a_renamed_baseline_file_is_refused(project: Path) -> None:
    create(project, "R1")
    shutil.copy(project / "baselines" / "R1.json", project / "baselines" / "R2.json")
    refused = run(project, "baseline", "list", code=2)
    assert "baselines/R2.json: the file holds baseline 'R1' at $.name but is named R2.json" in refused.output


def test_list_and_show_report_in_json_the_latest_by_approval_date(project: Path) -> None:
    assert report(project, "baseline", "list") == {
        "schema": 1,
        "command": "baseline list",
        "baselines": [],
        "latest": None,
    }
    assert "no baseline yet" in run(project, "baseline", "show", code=2).output
    created = report(project, "baseline", "create", "B-late", "--approved-by", "Ann", "--date", "2026-12-09")
    assert created["warnings"] == [] and set(created["baseline"]) == {
        "name", "file", "approved_by", "approved_on", "note", "project", "commit", "requirements", "criteria",
        "digest",
    }  # fmt: skip
    assert created["baseline"]["requirements"] == 3 and created["baseline"]["criteria"] == 4
    report(project, "baseline", "create", "A-early", "--approved-by", "Ann", "--date", "2026-12-01")
    listed = report(project, "baseline", "list")
    assert [b["name"] for b in listed["baselines"]] == ["A-early", "B-late"] and listed["latest"] == "B-late"
    shown = report(project, "baseline", "show")
    assert shown["baseline"]["name"] == "B-late" and shown["baseline"]["approved_on"] == "2026-12-09"
    assert shown["modules"] == [
        {"module": "Billing", "requirements": 2, "criteria": 2},
        {"module": "Onboarding", "requirements": 1, "criteria": 2},
    ]
    assert report(project, "baseline", "show", "A-early")["baseline"]["name"] == "A-early"
    assert "no baseline named 'Nope'" in run(project, "baseline", "show", "Nope", code=2).output
    table = run(project, "baseline", "show").output
    assert "Approved by: Ann" in table and "Billing" in table and "Total" in table


# --- change requests ----------------------------------------------------------------------------------------


def write_request(project: Path, name: str, front: str, body: str = "# A change\n\nText.\n") -> Path:
    """Write a change request file by hand."""
    path = project / "changes" / f"{name}.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n{body}", "utf-8")
    return path


GOOD = """id: {id}
title: Greet by nickname
changes: [REQ-1]
reason: Users asked
requested_by: Bob
requested_on: 2026-12-02
status: proposed"""


@pytest.mark.parametrize(
    ("name", "front", "expected"),
    [
        (
            "CR-1",
            GOOD.format(id="CR-1") + "\ncolour: red",
            "changes/CR-1.md:9: unknown front matter key 'colour'",
        ),
        (
            "CR-1",
            GOOD.format(id="CR-1").replace("proposed", "done"),
            "changes/CR-1.md:8: unknown status 'done'",
        ),
        (
            "CR-1",
            GOOD.format(id="Change 1"),
            "changes/CR-1.md:2: change request ID 'Change 1' does not match",
        ),
        (
            "CR-1",
            GOOD.format(id="CR-2"),
            "changes/CR-1.md:2: the file of CR-2 is named CR-1.md (rename it CR-2.md)",
        ),
        (
            "CR-1",
            GOOD.format(id="CR-1").replace("proposed", "approved"),
            "changes/CR-1.md:8: approved without decided_by",
        ),
        (
            "CR-1",
            GOOD.format(id="CR-1").replace("proposed", "rejected\ndecided_by: Ann\ndecided_on: 2026-11-30"),
            "changes/CR-1.md:10: decided on 2026-11-30 before it was requested on 2026-12-02",
        ),
        (
            "CR-1",
            GOOD.format(id="CR-1").replace("[REQ-1]", "[REQ-1, REQ-77]"),
            "changes/CR-1.md:4: changes names REQ-77, which is in neither the catalogue nor any baseline",
        ),
        (
            "CR-1",
            GOOD.format(id="CR-1") + "\nremoves: REQ-1",
            "changes/CR-1.md:9: REQ-1 is in both changes and removes",
        ),
        (
            "CR-1",
            GOOD.format(id="CR-1") + "\nadds: [Refunds]",
            "changes/CR-1.md:9: 'Refunds' in adds is not a requirement ID",
        ),
        (
            "CR-1",
            GOOD.format(id="CR-1") + "\nx: &a [1]",
            "changes/CR-1.md:9: the front matter uses a YAML anchor",
        ),
        ("CR-1", "id: CR-1\ntitle: [unclosed", "changes/CR-1.md:4: malformed front matter"),
    ],
    ids=[
        "unknown-key",
        "unknown-status",
        "bad-id",
        "file-name",
        "approved-undated",
        "decided-before-requested",
        "unknown-requirement",
        "in-two-lists",
        "not-a-requirement-id",
        "alias",
        "malformed",
    ],
)
def test_each_bad_change_request_is_refused_at_its_line(
    project: Path, name: str, front: str, expected: str
) -> None:
    write_request(project, name, front)
    refused = run(project, "change", "list", code=2)
    assert expected in refused.output and "Traceback" not in refused.output


def test_duplicate_ids_and_adds_already_signed_are_refused(project: Path) -> None:
    create(project, "R1")
    write_request(project, "CR-1", GOOD.format(id="CR-1"))
    write_request(project, "CR-2", GOOD.format(id="CR-1"))  # a copy whose ID was not changed
    write_request(project, "CR-3", GOOD.format(id="CR-3") + "\nadds: [REQ-10]")
    refused = run(project, "change", "list", code=2).output
    assert (
        "changes/CR-2.md:2: duplicate change request ID CR-1 (it is already used at changes/CR-1.md:2"
        in refused
    )
    assert "changes/CR-2.md:2: the file of CR-1 is named CR-2.md" in refused
    assert "changes/CR-3.md:9: adds names REQ-10, which was already in the latest baseline R1" in refused


def test_a_removed_requirement_may_be_named_when_a_baseline_still_has_it(project: Path) -> None:
    create(project, "R1")
    (project / "stories" / "REQ-10.md").unlink()
    write_request(project, "CR-1", GOOD.format(id="CR-1").replace("changes: [REQ-1]", "removes: [REQ-10]"))
    assert report(project, "change", "list")["requests"][0]["removes"] == ["REQ-10"]


def test_the_id_pattern_is_configurable(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text("utf-8") + '\n[tool.uatkit.change]\nid_pattern = "CHG-[0-9]{4}"\n', "utf-8"
    )
    write_request(project, "CHG-0001", GOOD.format(id="CHG-0001"))
    assert [r["id"] for r in report(project, "change", "list")["requests"]] == ["CHG-0001"]
    write_request(project, "CR-1", GOOD.format(id="CR-1"))
    assert "does not match 'CHG-[0-9]{4}'" in run(project, "change", "list", code=2).output


def test_new_writes_a_proposed_request_with_the_next_free_number(project: Path) -> None:
    write_request(project, "CR-5", GOOD.format(id="CR-5"))
    made = report(
        project,
        "change", "new", "--title", "Card refunds", "--changes", "REQ-1",
        "--adds", "REQ-11", "--adds", "REQ-12", "--reason", "Payments: by card",
        "--requested-by", "Bob Chen", "--date", "2026-12-04",
    )  # fmt: skip
    request = made["request"]
    assert set(request) == {
        "id", "title", "status", "adds", "changes", "removes", "reason", "requested_by", "requested_on",
        "decided_by", "decided_on", "decision_note", "file",
    }  # fmt: skip
    assert (
        request["id"] == "CR-6" and request["status"] == "proposed" and request["file"] == "changes/CR-6.md"
    )
    assert request["adds"] == ["REQ-11", "REQ-12"] and request["decided_by"] is None
    text = (project / "changes" / "CR-6.md").read_text("utf-8")
    assert "adds: [REQ-11, REQ-12]\n" in text and "reason: 'Payments: by card'\n" in text
    assert [r["id"] for r in report(project, "change", "list")["requests"]] == ["CR-5", "CR-6"]
    taken = run(
        project,
        "change",
        "new",
        "--id",
        "CR-6",
        "--title",
        "t",
        "--reason",
        "r",
        "--requested-by",
        "b",
        code=2,
    )
    assert "change request CR-6 exists already" in taken.output
    unknown = run(
        project,
        "change",
        "new",
        "--title",
        "t",
        "--changes",
        "REQ-99",
        "--reason",
        "r",
        "--requested-by",
        "b",
        code=2,
    )
    assert "changes/CR-7.md:5: changes names REQ-99" in unknown.output
    assert not (project / "changes" / "CR-7.md").exists()
    assert [(a, s) for a, s, _ in audit(project)] == [("change.new", "CR-6")]


def test_a_decision_rewrites_only_its_lines_and_keeps_the_body_byte_for_byte(project: Path) -> None:
    body = "# CR-1\r\n\r\nTrailing spaces   \r\n| a | b |\r\n\r\n<!-- a comment -->\r\nno final newline"
    front = "---\r\nid: CR-1   # the ID\r\n" + GOOD.format(id="CR-1").split("\n", 1)[1].replace("\n", "\r\n")
    path = project / "changes" / "CR-1.md"
    path.parent.mkdir()
    path.write_bytes((front + "\r\n---\r\n" + body).encode("utf-8"))
    before = path.read_bytes()
    decided = report(
        project, "change", "approve", "CR-1", "--by", "Ann Lee", "--date", "2026-12-05", "--note", "ok"
    )
    assert decided["request"]["status"] == "approved" and decided["request"]["decided_by"] == "Ann Lee"
    after = path.read_bytes()
    assert after.endswith(b"\r\n---\r\n" + body.encode("utf-8"))
    head = after[: after.index(b"\r\n---\r\n")].decode("utf-8")
    assert head.startswith("---\r\nid: CR-1   # the ID\r\ntitle: Greet by nickname\r\n")
    assert "status: approved\r\ndecided_by: Ann Lee\r\ndecided_on: 2026-12-05\r\ndecision_note: ok" in head
    assert "proposed" not in head and before != after
    (listed,) = report(project, "change", "list")["requests"]
    assert listed["decided_on"] == "2026-12-05" and listed["decision_note"] == "ok"


def test_a_decision_is_never_replaced_and_each_is_audited(project: Path) -> None:
    write_request(project, "CR-1", GOOD.format(id="CR-1"))
    write_request(project, "CR-2", GOOD.format(id="CR-2"))
    run(project, "change", "approve", "CR-1", "--by", "Ann Lee", "--date", "2026-12-05")
    run(project, "change", "reject", "CR-2", "--by", "Ann Lee", "--date", "2026-12-06", "--note", "Not in R1")
    approved = (project / "changes" / "CR-1.md").read_bytes()
    again = run(project, "change", "reject", "CR-1", "--by", "Carl", code=2)
    assert "changes/CR-1.md:8: CR-1 was already approved by Ann Lee on 2026-12-05" in again.output
    assert "a decision is never replaced" in again.output
    assert (project / "changes" / "CR-1.md").read_bytes() == approved
    early = run(project, "change", "approve", "CR-9", "--by", "Ann", code=2)
    assert "no change request CR-9 (requests: CR-1, CR-2)" in early.output
    write_request(project, "CR-3", GOOD.format(id="CR-3"))
    before = run(project, "change", "approve", "CR-3", "--by", "Ann", "--date", "2026-12-01", code=2)
    assert "--date 2026-12-01 is before CR-3 was requested (2026-12-02)" in before.output
    rows = audit(project)
    assert [(a, s) for a, s, _ in rows] == [("change.approve", "CR-1"), ("change.reject", "CR-2")]
    detail = rows[1][2]
    assert detail["file"] == "changes/CR-2.md" and detail["decided_on"] == "2026-12-06"
    assert detail["note"] == "Not in R1" and detail["status"] == "rejected"
    assert detail["sha256"] == hashlib.sha256((project / "changes" / "CR-2.md").read_bytes()).hexdigest()
    table = run(project, "change", "list").output
    assert "CR-2" in table and "rejected" in table and "Ann Lee, 2026-12-06" in table


def test_a_second_baseline_of_the_same_day_is_refused_and_another_language_is_printed_beside(
    project: Path,
) -> None:
    create(project)
    refused = create(project, "R1-zh", code=2).output
    assert "baseline R1 was approved on 2026-12-01 too" in refused
    assert "uatkit baseline documents R1 --lang LANG" in refused
    assert not (project / "baselines" / "R1-zh.json").exists()

    done = report(project, "baseline", "documents", "R1", "--lang", "zh-CN")
    assert done["documents"][:2] == [
        "baselines/specification-r1-zh-CN.html",
        "baselines/specification-r1-zh-CN.xlsx",
    ]
    page = (project / "baselines" / "specification-r1-zh-CN.html").read_text("utf-8")
    assert "需求规格说明书" in page and (project / "baselines" / "specification-r1.html").is_file()

    # Once a story changes, printing it again would not be what was signed.
    story = project / "stories" / "REQ-10.md"
    story.write_text(story.read_text("utf-8").replace("It works", "It works well"), "utf-8")
    changed = run(project, "baseline", "documents", "R1", "--lang", "en", code=2).output
    assert "the stories changed since baseline R1 (REQ-10 (changed))" in changed


def project_files(project: Path) -> dict[str, bytes]:
    """Return the project's files and their bytes, but for the ledger and the cache uatkit keeps."""
    return {
        str(p.relative_to(project)): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file() and not {"reports", ".uatkit-cache"} & set(p.relative_to(project).parts)
    }


def test_a_busy_ledger_leaves_no_baseline_or_request_behind(project: Path) -> None:
    import sqlite3

    write_request(project, "CR-1", GOOD.format(id="CR-1"))
    with Ledger.open(project / "reports" / "uat.db"):
        pass
    before = project_files(project)
    holder = sqlite3.connect(project / "reports" / "uat.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        for args in (
            ("change", "approve", "CR-1", "--by", "Client PM", "--date", "2026-12-05"),
            ("change", "new", "--title", "t", "--changes", "REQ-1", "--reason", "r", "--requested-by", "b"),
            ("baseline", "create", "BL-1", "--approved-by", "Ann Lee", "--date", "2026-12-01"),
        ):
            busy = run(project, *args, code=2)
            assert "another uatkit command is using the ledger" in busy.output, busy.output
            assert project_files(project) == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    run(project, "change", "approve", "CR-1", "--by", "Client PM", "--date", "2026-12-05")
    create(project, "BL-1")
    assert [(a, s) for a, s, _ in audit(project)] == [("change.approve", "CR-1"), ("baseline.create", "BL-1")]


def test_an_audited_write_that_fails_records_no_row_and_a_refused_one_no_file(tmp_path: Path) -> None:
    blocker = tmp_path / "changes"
    blocker.write_text("a file where the folder should be", "utf-8")
    with Ledger.open(tmp_path / "uat.db") as ledger:
        with pytest.raises(OSError):
            ledger.write_audited(blocker / "CR-1.md", b"x", "change.new", "CR-1", {}, replace=False)
        with pytest.raises(FileExistsError):
            ledger.write_audited(blocker, b"x", "change.new", "CR-1", {}, replace=False)
        with pytest.raises(RuntimeError), ledger.audited("change.approve", "CR-1", {}):
            raise RuntimeError("the block failed")
        assert ledger.audit() == []
        entry = ledger.write_audited(tmp_path / "CR-1.md", b"y", "change.new", "CR-1", {"sha256": "s"})
        assert [e.id for e in ledger.audit()] == [entry.id]
    assert blocker.read_text("utf-8") == "a file where the folder should be"
    assert (tmp_path / "CR-1.md").read_bytes() == b"y"
