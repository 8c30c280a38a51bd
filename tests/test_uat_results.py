"""UAT results in Allure: read back the JSON allure-python-commons wrote for marks in the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import socket
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from uatkit.allure.mapping import case_info, defect_ids, scenario_info
from uatkit.config import Config
from uatkit.model import Case, Mark, Priority, SourceLocation, Status, Story
from uatkit.uat.ledger import Ledger
from uatkit.uat.pack import PackInfo, PackRow, ReadPack
from uatkit.uat.results import ResultsNotWritten, write_uat_results

D1 = dt.date(2026, 11, 20)
MIDNIGHT_MS = int(dt.datetime(2026, 11, 20, tzinfo=dt.UTC).timestamp() * 1000)


def case(key: str = "REQ-101.AC-1", scenario: str = "Order total includes every line", **kwargs: Any) -> Case:
    """Return a UAT case of REQ-101."""
    values: dict[str, Any] = {
        "key": key,
        "case_id": key.partition("#")[0],
        "requirement": "REQ-101",
        "requirement_title": "Place an order",
        "module": "Sales",
        "owner": "Sales operations",
        "priority": Priority.MUST,
        "language": "en",
        "scenario": scenario,
        "preconditions": ('a customer "ACME Ltd" exists',),
        "steps": ("I place an order for 3 Widget", "I open the order"),
        "expected": ("the order total is 29.97",),
        "test_data": "",
        "tags": ("manual",),
        "source": SourceLocation("features/sales/REQ-101.feature", 7),
        "fingerprint": "fp1",
    }
    values.update(kwargs)
    return Case(**values)


def mark(key: str = "REQ-101.AC-1", status: Status = Status.PASS, **kwargs: Any) -> Mark:
    """Return a tester's mark on row 5 of the Test cases sheet."""
    values: dict[str, Any] = {"tester": "Alice", "date": D1, "actual": "Total 29.97 shown", "comments": "ok"}
    values.update(kwargs)
    return Mark(key, status, source=SourceLocation("x.xlsx", sheet="Test cases", row=5), **values)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a project configured with requirement and defect URL templates."""
    return Config(
        root=tmp_path,
        requirement_url="https://jira.example.com/browse/{id}",
        defect_url="https://bugs.example.com/{id}",
    )


def run(
    tmp_path: Path, config: Config, cases: list[Case], *packs: tuple[str, list[Mark]]
) -> tuple[int, dict[str, dict[str, Any]], Path]:
    """Import each (pack ID, marks) as a file and write the results; return count, results by name, folder."""
    folder = tmp_path / "returned"
    folder.mkdir(exist_ok=True)
    out = tmp_path / "reports" / "uat-results"
    with Ledger.open(tmp_path / "uat.db") as ledger:
        for n, (pack_id, marks) in enumerate(packs):
            info = PackInfo(
                pack_id, "R1", "Sales", "Sales operations", "en", "Demo", dt.datetime(2026, 11, 1)
            )
            rows = [PackRow(m.key, 5, "fp1") for m in marks]
            ledger.import_pack(ReadPack(folder / f"{n}.xlsx", f"{n:064d}", info, rows, marks))
        states = ledger.states({c.key: c.fingerprint for c in cases})
        count = write_uat_results(config, cases, states, ledger, out)
    results = [json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*-result.json")]
    return count, {r["name"]: r for r in results}, out


def labels(result: dict[str, Any], name: str) -> list[str]:
    """Return the values of a result's labels with this name."""
    return [label["value"] for label in result["labels"] if label["name"] == name]


def test_a_passed_mark_becomes_a_uat_result_mapped_like_the_automated_runs(
    tmp_path: Path, config: Config
) -> None:
    count, results, _ = run(tmp_path, config, [case()], ("R1-sales", [mark(defect="BUG-7, BUG-8")]))
    assert count == 1
    result = results["Order total includes every line [uat]"]
    assert result["status"] == "passed" and result["stage"] == "finished"
    assert result["statusDetails"] == {"message": "Total 29.97 shown", "trace": "ok"}
    assert labels(result, "epic") == ["Sales"]
    assert labels(result, "feature") == ["REQ-101 Place an order"]
    assert labels(result, "story") == ["Order total includes every line"]
    assert labels(result, "layer") == ["uat"]
    assert labels(result, "severity") == ["critical"]
    assert labels(result, "case") == ["REQ-101.AC-1"]
    assert labels(result, "owner") == ["Alice"]
    assert labels(result, "businessOwner") == ["Sales operations"]
    assert labels(result, "tag") == ["uat"]
    assert result["links"] == [
        {"type": "tms", "url": "https://jira.example.com/browse/REQ-101", "name": "REQ-101"},
        {"type": "issue", "url": "https://bugs.example.com/BUG-7", "name": "BUG-7"},
        {"type": "issue", "url": "https://bugs.example.com/BUG-8", "name": "BUG-8"},
    ]
    assert result["start"] == result["stop"] == MIDNIGHT_MS
    assert result["historyId"] == hashlib.md5(b"REQ-101.AC-1[uat]").hexdigest()
    description = result["description"]
    assert "Steps:\n1. I place an order for 3 Widget\n2. I open the order" in description
    assert "Preconditions:\n1. a customer" in description and "Expected result:\n1. the order" in description
    assert "Marked in pack R1-sales, Test cases, row 5, file returned/0.xlsx" in description


def test_the_test_case_id_is_the_one_the_plugin_gives_the_same_case(tmp_path: Path, config: Config) -> None:
    _, results, _ = run(tmp_path, config, [case()], ("R1-sales", [mark()]))
    (result,) = results.values()
    story = Story(
        "REQ-101",
        "Place an order",
        SourceLocation("stories/REQ-101.md"),
        module="Sales",
        owner="Sales operations",
    )
    plugin = scenario_info(
        config, story, "REQ-101 Place an order", "AC-1 Order total", "REQ-101.AC-1", "uat", []
    )
    assert result["testCaseId"] == plugin.test_case_id == hashlib.md5(b"REQ-101.AC-1[uat]").hexdigest()
    uat = case_info(config, case(), "uat", [])
    assert (uat.epic, uat.feature, uat.links, uat.owner) == (
        plugin.epic,
        plugin.feature,
        plugin.links,
        plugin.owner,
    )


def test_the_storys_epic_and_labels_reach_allure(tmp_path: Path, config: Config) -> None:
    labelled = case(epic="SAL-1 Order totals", labels=("checkout", "uat", "checkout"))
    _, results, _ = run(tmp_path, config, [labelled], ("R1-sales", [mark()]))
    (result,) = results.values()
    # The epic label is the story's epic, its module a label of its own; each story label a tag, once.
    assert labels(result, "epic") == ["SAL-1 Order totals"]
    assert labels(result, "module") == ["Sales"]
    assert labels(result, "tag") == ["uat", "checkout"]
    story = Story(
        "REQ-101",
        "Place an order",
        SourceLocation("stories/REQ-101.md"),
        module="Sales",
        epic="SAL-1 Order totals",
        labels=("checkout", "uat"),
    )
    plugin = scenario_info(config, story, "REQ-101 Place an order", "AC-1", "REQ-101.AC-1", "e2e", [])
    uat = case_info(config, labelled, "uat", [])
    assert (plugin.epic, plugin.module) == (uat.epic, uat.module) == ("SAL-1 Order totals", "Sales")
    assert plugin.tags == ("checkout", "uat")
    # Without an epic of its own, the epic label stays the module and no module label is added.
    plain = scenario_info(config, replace(story, epic=""), "F", "S", "REQ-101.AC-1", "e2e", [])
    assert (plain.epic, plain.module) == ("Sales", "")


def test_the_plugin_mapping_is_unchanged_for_scenarios_without_a_case_id(config: Config) -> None:
    info = scenario_info(config, None, "Orders", "Place one", "", "e2e", ["BUG-1"])
    assert info.test_case_id == hashlib.md5(b"Orders/Place one[e2e]").hexdigest()
    assert info.links == (("https://bugs.example.com/BUG-1", "BUG-1", "issue"),)


@pytest.mark.parametrize(
    ("status", "allure"),
    [(Status.FAIL, "failed"), (Status.BLOCKED, "broken"), (Status.NA, "skipped")],
)
def test_each_status_maps_onto_allure(tmp_path: Path, config: Config, status: Status, allure: str) -> None:
    _, results, _ = run(tmp_path, config, [case()], ("R1-sales", [mark(status=status)]))
    (result,) = results.values()
    assert result["status"] == allure


def test_cases_that_need_no_uat_and_have_no_mark_write_nothing(tmp_path: Path, config: Config) -> None:
    automated = case("REQ-101.AC-2", "Unknown customers are rejected", tags=("integration",))
    automated = dataclasses.replace(automated, priority=Priority.COULD)
    count, results, _ = run(tmp_path, config, [case(), automated], ("R1-sales", [mark()]))
    assert count == 1 and list(results) == ["Order total includes every line [uat]"]


def test_a_case_awaiting_uat_is_skipped_and_says_which_pack_holds_it(tmp_path: Path, config: Config) -> None:
    waiting = case("REQ-101.AC-2", "Unknown customers are rejected")
    never = case("REQ-101.AC-3", "Totals are rounded")
    cases = [case(), waiting, never]
    out = tmp_path / "uat-results"
    with Ledger.open(tmp_path / "uat.db") as ledger:
        info = PackInfo(
            "R1-sales",
            "R1",
            "Sales",
            "Sales operations",
            "en",
            "Demo",
            dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC),
        )
        ledger.register_pack(info, [PackRow(case().key, 2, "fp1"), PackRow(waiting.key, 3, "fp1")])
        ledger.import_pack(
            ReadPack(tmp_path / "R1-sales.xlsx", "0" * 64, info, [PackRow(case().key, 2, "fp1")], [mark()])
        )
        count = write_uat_results(
            config, cases, ledger.states({c.key: c.fingerprint for c in cases}), ledger, out
        )
    results = {
        r["name"]: r for r in (json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*-result.json"))
    }
    assert count == 3
    assert results["Order total includes every line [uat]"]["status"] == "passed"
    held = results["Unknown customers are rejected [uat]"]
    assert held["status"] == "skipped"
    assert held["statusDetails"]["message"] == (
        "Awaiting UAT: issued to Sales operations in pack R1-sales on 2026-11-02; no mark yet"
    )
    alone = results["Totals are rounded [uat]"]
    assert alone["status"] == "skipped"
    assert alone["statusDetails"]["message"] == (
        "Awaiting UAT: not issued in a pack yet (uatkit uat export); no mark yet"
    )
    for result in (held, alone):
        assert "awaiting-uat" in labels(result, "tag") and labels(result, "layer") == ["uat"]
        assert "passed" not in json.dumps(result["statusDetails"])
    assert labels(alone, "case") == ["REQ-101.AC-3"]


def test_a_stale_mark_is_unknown_and_says_to_test_again(tmp_path: Path, config: Config) -> None:
    _, results, _ = run(tmp_path, config, [case(fingerprint="fp2")], ("R1-sales", [mark()]))
    (result,) = results.values()
    assert result["status"] == "unknown"
    assert result["statusDetails"]["message"] == (
        "Marked Pass on 2026-11-20 against an older version of this scenario; test it again"
        "\n\nTotal 29.97 shown"
    )
    assert labels(result, "tag") == ["uat", "stale"]


def test_a_conflict_is_unknown_and_lists_the_disagreeing_marks(tmp_path: Path, config: Config) -> None:
    _, results, _ = run(
        tmp_path,
        config,
        [case()],
        ("R1-sales", [mark(defect="BUG-1")]),
        ("R1-finance", [mark(status=Status.FAIL, tester="Bob", defect="BUG-2")]),
    )
    (result,) = results.values()
    assert result["status"] == "unknown"
    message = result["statusDetails"]["message"]
    assert "Pass by Alice in R1-sales (row 5)" in message and "Fail by Bob in R1-finance (row 5)" in message
    assert labels(result, "tag") == ["uat", "conflict"] and labels(result, "owner") == []
    assert [link["name"] for link in result["links"]] == ["REQ-101", "BUG-1", "BUG-2"]
    assert "Marked in pack R1-sales" in result["description"]
    assert "Marked in pack R1-finance" in result["description"]


def test_evidence_is_attached_from_the_ledger(tmp_path: Path, config: Config) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "screen.PNG").write_bytes(b"\x89PNG shot")
    (folder / "log").write_bytes(b"raw log")
    _, results, out = run(tmp_path, config, [case()], ("R1-sales", [mark(evidence=("screen.PNG", "log"))]))
    (result,) = results.values()
    shot, log = result["attachments"]
    assert (shot["name"], shot["type"]) == ("screen.PNG", "image/png")
    assert shot["source"].endswith("-attachment.png")
    assert (out / shot["source"]).read_bytes() == b"\x89PNG shot"
    assert (log["name"], log["type"]) == ("log", "application/octet-stream")
    assert (out / log["source"]).read_bytes() == b"raw log"


def test_outline_rows_share_the_case_but_not_the_history(tmp_path: Path, config: Config) -> None:
    cases = [
        case("REQ-101.AC-5#1", "Discounts", test_data="quantity = 10\ndiscount = 5%"),
        case("REQ-101.AC-5#2", "Discounts again", test_data="quantity = 100\ndiscount = 10%"),
    ]
    _, results, _ = run(
        tmp_path, config, cases, ("R1-sales", [mark("REQ-101.AC-5#1"), mark("REQ-101.AC-5#2")])
    )
    first, second = results["Discounts [uat]"], results["Discounts again [uat]"]
    assert first["testCaseId"] == second["testCaseId"] == hashlib.md5(b"REQ-101.AC-5[uat]").hexdigest()
    assert first["historyId"] != second["historyId"]
    assert first["parameters"] == [
        {"name": "quantity", "value": "10"},
        {"name": "discount", "value": "5%"},
    ]


def test_writing_again_replaces_only_earlier_results(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "reports" / "uat-results"
    out.mkdir(parents=True)
    for name in ("old-result.json", "old-container.json", "old-attachment.png", "keep.txt", "executor.json"):
        (out / name).write_text("{}")
    run(tmp_path, config, [case()], ("R1-sales", [mark()]))
    names = sorted(p.name for p in out.iterdir())
    assert "old-result.json" not in names and "old-attachment.png" not in names
    assert "old-container.json" not in names
    assert {"keep.txt", "executor.json"} <= set(names)
    assert len([n for n in names if n.endswith("-result.json")]) == 1


def test_defect_ids_split_on_commas_semicolons_and_spaces() -> None:
    assert defect_ids(" BUG-1, BUG-2;BUG-3  BUG-4 ") == ["BUG-1", "BUG-2", "BUG-3", "BUG-4"]
    assert defect_ids("") == []


def test_one_evidence_file_named_by_many_marks_is_written_once(tmp_path: Path, config: Config) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    shot = b"\x89PNG " + bytes(range(256)) * 400  # ~100 KB
    (folder / "shot.png").write_bytes(shot)
    (folder / "same.png").write_bytes(shot)
    cases = [case(f"REQ-101.AC-{n}", f"Scenario {n}") for n in range(1, 201)]
    marks = [mark(c.key, evidence=("shot.png", "same.png")) for c in cases]
    count, results, out = run(tmp_path, config, cases, ("R1-sales", marks))
    assert count == 200
    files = list(out.glob("*-attachment.*"))
    digest = hashlib.sha256(shot).hexdigest()
    assert [f.name for f in files] == [f"{digest}-attachment.png"]
    assert files[0].read_bytes() == shot
    sources = {a["source"] for r in results.values() for a in r["attachments"]}
    names = sorted({a["name"] for r in results.values() for a in r["attachments"]})
    assert sources == {files[0].name} and names == ["same.png", "shot.png"]
    assert sum(p.stat().st_size for p in out.iterdir()) < 2 * len(shot) + 200 * 4096


def test_folders_an_interrupted_run_left_are_removed_and_nothing_else(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "reports" / "uat-results"
    # A run killed (SIGKILL) while it builds the new folder, as `kill -9` during an import does.
    killed = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from uatkit.atomic import fresh_folder
        with fresh_folder(Path({str(out)!r}), lambda _: True) as work:
            for n in range(50):
                (work / f"{{n}}-result.json").write_text("{{}}")
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    died = subprocess.run([sys.executable, "-c", killed], check=False)
    assert died.returncode == -9
    (left,) = tmp_path.joinpath("reports").glob(".uat-results.*")
    assert len(list(left.glob("*-result.json"))) == 50
    marker = (left / ".uatkit-partial").read_text(encoding="utf-8")
    assert marker.startswith(f"{socket.gethostname()} ")
    # An old folder whose removal was cut short, marked by the same dead process.
    removal_cut_short = tmp_path / "reports" / ".uat-results.old-1a2b3c4d"
    removal_cut_short.mkdir()
    (removal_cut_short / ".uatkit-partial").write_text(marker, encoding="utf-8")
    (removal_cut_short / "x-result.json").write_text("{}")
    unmarked = tmp_path / "reports" / ".uat-results.mine"
    unmarked.mkdir()
    (unmarked / "notes.txt").write_text("mine")
    other = tmp_path / "reports" / ".allure-results.x1"
    other.mkdir()
    (other / ".uatkit-partial").write_text(marker, encoding="utf-8")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]) as running:
        # A folder another command (still running) is building right now.
        building = tmp_path / "reports" / ".uat-results.b7x9k2q1"
        building.mkdir()
        (building / ".uatkit-partial").write_text(f"{socket.gethostname()} {running.pid}\n", encoding="utf-8")
        foreign = tmp_path / "reports" / ".uat-results.f00dcafe"
        foreign.mkdir()
        (foreign / ".uatkit-partial").write_text("another-host 1\n", encoding="utf-8")
        run(tmp_path, config, [case()], ("R1-sales", [mark()]))
        running.kill()
    assert not left.exists() and not removal_cut_short.exists()
    assert (unmarked / "notes.txt").read_text() == "mine" and other.is_dir()
    assert building.is_dir() and foreign.is_dir()
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        ".allure-results.x1",
        ".uat-results.b7x9k2q1",
        ".uat-results.f00dcafe",
        ".uat-results.mine",
        "uat-results",
    ]
    assert not (out / ".uatkit-partial").exists()


def test_results_that_cannot_be_written_say_the_marks_are_recorded(tmp_path: Path, config: Config) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "uat-results").write_text("a file")
    with pytest.raises(ResultsNotWritten, match="what was recorded stays in the ledger") as caught:
        run(tmp_path, config, [case()], ("R1-sales", [mark()]))
    assert "is a file, not a folder" in str(caught.value)
    with Ledger.open(tmp_path / "uat.db") as ledger:
        assert [m.mark.key for m in ledger.marks()] == ["REQ-101.AC-1"]
