"""UAT results brought up to date: only what changed is written, and the folder ends as a full rebuild."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.test_uat_results import case, mark
from uatkit.config import Config
from uatkit.model import Case, Mark, Status
from uatkit.project import Project
from uatkit.uat.ledger import Ledger
from uatkit.uat.pack import PackInfo, PackRow, ReadPack
from uatkit.uat.results import INDEX_FILE, ResultsNotWritten, update_results, write_uat_results

D2 = dt.date(2026, 11, 21)
SHOT = b"\x89PNG first screenshot"
OTHER = b"\x89PNG second screenshot"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a project configured with requirement and defect URL templates."""
    return Config(root=tmp_path, requirement_url="https://jira.example.com/browse/{id}")


def cases() -> list[Case]:
    """Return six UAT cases of REQ-101."""
    return [case(f"REQ-101.AC-{n}", f"Scenario {n}") for n in range(1, 7)]


def returned(tmp_path: Path, name: str, files: dict[str, bytes]) -> Path:
    """Return a folder for a returned pack holding these evidence files."""
    folder = tmp_path / name
    folder.mkdir()
    for file, content in files.items():
        (folder / file).write_bytes(content)
    return folder


def import_marks(ledger: Ledger, folder: Path, number: int, marks: list[Mark]) -> None:
    """Import marks as the file `number` of pack R1-sales, which holds every case."""
    info = PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "Demo", dt.datetime(2026, 11, 1))
    rows = [PackRow(m.key, 5, "fp1") for m in marks]
    ledger.import_pack(ReadPack(folder / f"{number}.xlsx", f"{number:064d}", info, rows, marks))


def write(config: Config, ledger: Ledger, out: Path, project: list[Case], *, rebuild: bool = False) -> int:
    """Write the results of the ledger's current state."""
    states = ledger.states({c.key: c.fingerprint for c in project})
    return write_uat_results(config, project, states, ledger, out, rebuild=rebuild)


def content(out: Path) -> tuple[Counter[str], dict[str, bytes], dict[str, bytes]]:
    """Return a folder's results without their per-write UUID, its attachments, and its other files."""
    results: Counter[str] = Counter()
    attachments, others = {}, {}
    for path in out.iterdir():
        if path.name.endswith("-result.json"):
            body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            assert path.name == f"{body.pop('uuid')}-result.json"
            results[json.dumps(body, sort_keys=True)] += 1
        elif "-attachment." in path.name:
            attachments[path.name] = path.read_bytes()
        elif path.name != INDEX_FILE:
            others[path.name] = path.read_bytes()
    return results, attachments, others


def names(out: Path) -> dict[str, str]:
    """Return each result's file name by its test name."""
    found = {}
    for path in out.glob("*-result.json"):
        found[json.loads(path.read_text(encoding="utf-8"))["name"]] = path.name
    return found


def test_an_import_writes_what_it_changed_and_ends_as_a_full_rebuild(tmp_path: Path, config: Config) -> None:
    project = cases()
    out, rebuilt = tmp_path / "reports" / "uat-results", tmp_path / "rebuilt"
    first = returned(tmp_path, "first", {"shot.png": SHOT})
    second = returned(tmp_path, "second", {"other.png": OTHER})
    with Ledger.open(tmp_path / "uat.db") as ledger:
        info = PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "Demo", dt.datetime(2026, 11, 1))
        ledger.register_pack(info, [PackRow(c.key, n, "fp1") for n, c in enumerate(project, 2)])
        import_marks(
            ledger,
            first,
            1,
            [
                mark("REQ-101.AC-1", evidence=("shot.png",)),
                mark("REQ-101.AC-2", evidence=("shot.png",)),
                mark("REQ-101.AC-3"),
            ],
        )
        assert write(config, ledger, out, project) == 6
        (out / "executor.json").write_text('{"name": "kept"}')
        before = names(out)
        # A later mark replaces case 2's (and its screenshot); case 3 gets a conflicting mark of the same
        # day; case 4 its first mark.
        import_marks(
            ledger,
            second,
            2,
            [
                mark("REQ-101.AC-2", Status.FAIL, date=D2, evidence=("other.png",), defect="BUG-9"),
                mark("REQ-101.AC-3", Status.FAIL, tester="Bob"),
                mark("REQ-101.AC-4"),
            ],
        )
        assert write(config, ledger, out, project) == 6
        after = names(out)
        assert write(config, ledger, rebuilt, project) == 6
    assert content(out)[:2] == content(rebuilt)[:2]
    assert content(out)[2] == {"executor.json": b'{"name": "kept"}'}
    unchanged = ("Scenario 1 [uat]", "Scenario 5 [uat]", "Scenario 6 [uat]")
    assert all(after[name] == before[name] for name in unchanged)
    assert all(
        after[name] != before[name] for name in ("Scenario 2 [uat]", "Scenario 3 [uat]", "Scenario 4 [uat]")
    )
    statuses = {name: json.loads((out / file).read_text())["status"] for name, file in after.items()}
    assert statuses["Scenario 3 [uat]"] == "unknown"  # the conflict is shown
    assert statuses["Scenario 2 [uat]"] == "failed"
    # Case 1 still points at the first screenshot, case 2 now at the second.
    assert sorted(content(out)[1].values()) == [SHOT, OTHER]


def test_a_screenshot_no_result_points_at_is_removed(tmp_path: Path, config: Config) -> None:
    project = cases()[:1]
    out, rebuilt = tmp_path / "uat-results", tmp_path / "rebuilt"
    with Ledger.open(tmp_path / "uat.db") as ledger:
        import_marks(ledger, returned(tmp_path, "a", {"shot.png": SHOT}), 1, [mark(evidence=("shot.png",))])
        write(config, ledger, out, project)
        import_marks(
            ledger, returned(tmp_path, "b", {"other.png": OTHER}), 2, [mark(date=D2, evidence=("other.png",))]
        )
        write(config, ledger, out, project)
        write(config, ledger, rebuilt, project)
    assert content(out) == content(rebuilt)
    (attachment,) = content(out)[1].values()
    assert attachment == OTHER


def test_writing_again_with_nothing_changed_touches_nothing(tmp_path: Path, config: Config) -> None:
    project = cases()
    out = tmp_path / "uat-results"
    with Ledger.open(tmp_path / "uat.db") as ledger:
        import_marks(ledger, returned(tmp_path, "a", {}), 1, [mark()])
        assert write(config, ledger, out, project) == 6
        stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
        inode = out.stat().st_ino
        assert write(config, ledger, out, project) == 6
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps
    assert out.stat().st_ino == inode


def test_a_case_gone_from_the_project_loses_its_result(tmp_path: Path, config: Config) -> None:
    project = cases()
    out, rebuilt = tmp_path / "uat-results", tmp_path / "rebuilt"
    with Ledger.open(tmp_path / "uat.db") as ledger:
        import_marks(ledger, returned(tmp_path, "a", {}), 1, [mark(c.key) for c in project])
        write(config, ledger, out, project)
        assert write(config, ledger, out, project[1:]) == 5
        write(config, ledger, rebuilt, project[1:])
    assert content(out) == content(rebuilt)
    assert "Scenario 1 [uat]" not in names(out)


@pytest.mark.parametrize("damage", ["no index", "stray result", "missing result", "bad index", "rebuild"])
def test_a_folder_its_index_does_not_describe_is_rebuilt(tmp_path: Path, config: Config, damage: str) -> None:
    project = cases()
    out, rebuilt = tmp_path / "uat-results", tmp_path / "rebuilt"
    with Ledger.open(tmp_path / "uat.db") as ledger:
        import_marks(ledger, returned(tmp_path, "a", {}), 1, [mark(c.key) for c in project[:3]])
        write(config, ledger, out, project)
        import_marks(ledger, returned(tmp_path, "b", {}), 2, [mark("REQ-101.AC-4")])
        inode = out.stat().st_ino
        if damage == "no index":
            (out / INDEX_FILE).unlink()
        elif damage == "stray result":
            (out / "0000-result.json").write_text("{}")
        elif damage == "missing result":
            next(out.glob("*-result.json")).unlink()
        elif damage == "bad index":
            (out / INDEX_FILE).write_text("{not json")
        write(config, ledger, out, project, rebuild=damage == "rebuild")
        write(config, ledger, rebuilt, project)
    assert out.stat().st_ino != inode  # swapped in whole, as a full rebuild is
    assert content(out) == content(rebuilt)
    assert not list(tmp_path.glob(".uat-results.*"))


def test_another_configuration_rebuilds_every_result(tmp_path: Path, config: Config) -> None:
    project = cases()[:2]
    out = tmp_path / "uat-results"
    with Ledger.open(tmp_path / "uat.db") as ledger:
        import_marks(ledger, returned(tmp_path, "a", {}), 1, [mark(c.key) for c in project])
        write(config, ledger, out, project)
        other = Config(root=tmp_path, requirement_url="https://tracker.example.com/{id}")
        write(other, ledger, out, project)
    links = [json.loads(p.read_text())["links"] for p in out.glob("*-result.json")]
    assert all(link[0]["url"].startswith("https://tracker.example.com/") for link in links)


def test_a_ledger_another_command_holds_leaves_the_results_for_later(tmp_path: Path, config: Config) -> None:
    project = Project(config)
    project.__dict__["cases"] = tuple(cases())  # as the loaded project holds them
    with Ledger.open(project.ledger_path, wait=0.1) as ledger:
        import_marks(ledger, returned(tmp_path, "a", {}), 1, [mark()])
        other = sqlite3.connect(project.ledger_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ResultsNotWritten, match="another uatkit command is using the ledger"):
                update_results(project, ledger)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert not project.uat_results.exists()
        assert update_results(project, ledger) == 6
        assert [m.mark.key for m in ledger.marks()] == ["REQ-101.AC-1"]
