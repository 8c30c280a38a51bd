"""`uatkit report` at any size: single file below the configured limit, a folder above; a lean merge."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import write
from tests.test_report import needs_allure, result, uat_project
from uatkit.allure.generate import ReportSize, choose_mode, measure_report, trim_history
from uatkit.allure.merge import MARKER, merge_results
from uatkit.allure.read import MAX_DEPTH, load_json, read_result_set, read_results
from uatkit.cli import app
from uatkit.config import ReportConfig
from uatkit.errors import UatkitError

runner = CliRunner()


def limit(project: Path, text: str) -> None:
    """Add a [tool.uatkit.report] table to the project's configuration."""
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(f"\n[tool.uatkit.report]\n{text}\n")


@needs_allure
def test_a_report_above_the_limit_is_a_folder_and_says_why(project: Path) -> None:
    uat_project(project)
    report = project / "reports" / "allure-report"
    below = runner.invoke(app, ["report", "-C", str(project), "--format", "json"])
    assert below.exit_code == 0, below.output
    data = json.loads(below.stdout)
    assert data["single_file"] is True and data["mode_note"] == "" and data["open_with"] == ""
    assert (report / "index.html").is_file() and not (report / "data").exists()

    limit(project, "single_file_max_results = 5")  # the project has 6 results
    above = runner.invoke(app, ["report", "-C", str(project), "--format", "json"])
    assert above.exit_code == 0, above.output
    data = json.loads(above.stdout)
    assert data["single_file"] is False
    assert data["mode_note"].startswith("a folder report, not a single file: 6 results, ")
    assert "more than single_file_max_results = 5 ([tool.uatkit.report])" in data["mode_note"]
    # A browser reads a folder report's data only from a web server: the command says how to serve it.
    assert data["open_with"].startswith("python -m http.server --directory reports/allure-report 8080")
    assert (report / "index.html").is_file() and (report / "data" / "test-results").is_dir()
    assert "googletagmanager" not in (report / "index.html").read_text(encoding="utf-8")

    table = runner.invoke(app, ["report", "-C", str(project)])
    assert table.exit_code == 0, table.output
    (note,) = [line for line in table.output.splitlines() if line.startswith("note: a folder report")]
    assert "6 results" in note and "single_file_max_results = 5" in note
    assert (
        "open it through a web server: python -m http.server --directory reports/allure-report"
        in table.output
    )


def test_an_explicit_single_file_above_the_limit_is_one_clear_error(project: Path) -> None:
    for n in range(3):
        result(project / "reports" / "allure-results", f"h{n}", "passed")
    limit(project, "single_file_max_results = 2")
    done = runner.invoke(app, ["report", "-C", str(project), "--single-file"])
    assert done.exit_code == 2
    assert "error: --single-file: the report is too large for one HTML file (3 results" in done.output
    assert "more than single_file_max_results = 2" in done.output and "--no-single-file" in done.output
    assert "Traceback" not in done.output
    assert not (project / "reports" / "allure-report").exists()


def test_the_mode_follows_results_bytes_and_what_was_asked() -> None:
    report = ReportConfig(single_file_max_results=100, single_file_max_mb=2)
    small, many, heavy = ReportSize(100, 2 * 2**20), ReportSize(101, 10), ReportSize(3, 2 * 2**20 + 1)
    assert choose_mode(small, report, None).single_file is True
    assert choose_mode(many, report, None).reason.endswith(
        "101 results, 0 MB with attachments and history: more than single_file_max_results = 100 "
        "([tool.uatkit.report])"
    )
    assert "more than single_file_max_mb = 2" in choose_mode(heavy, report, None).reason
    assert choose_mode(heavy, report, False) == choose_mode(small, report, False)
    assert not choose_mode(small, report, False).single_file
    # single_file = false in the configuration: a folder, nothing to explain.
    folder = ReportConfig(single_file=False, single_file_max_results=1)
    assert (
        choose_mode(many, folder, None).single_file is False and choose_mode(many, folder, None).reason == ""
    )
    with pytest.raises(UatkitError, match="--single-file: the report is too large for one HTML file"):
        choose_mode(heavy, report, True)


def test_the_size_counts_results_attachments_and_history(tmp_path: Path) -> None:
    merged = tmp_path / "merged"
    result(merged, "h1", "passed", attachment=b"x" * 1000)
    result(merged, "h2", "passed")
    write(tmp_path / "history.jsonl", "{}\n")
    size = measure_report(merged, tmp_path / "history.jsonl")
    files = sum(p.stat().st_size for p in merged.iterdir())
    assert size == ReportSize(2, files + 3)
    assert measure_report(merged, tmp_path / "none.jsonl") == ReportSize(2, files)


def test_history_keeps_its_newest_reports_within_the_limit(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    lines = [json.dumps({"uuid": str(n), "pad": "x" * 80}) + "\n" for n in range(5)]
    history.write_text("".join(lines), encoding="utf-8")
    assert trim_history(history, limit=10_000) == 0
    assert trim_history(history, limit=2 * len(lines[0]) + 1) == 3
    assert history.read_text(encoding="utf-8") == "".join(lines[3:])
    assert trim_history(history, limit=10) == 1  # the newest report is kept even when alone it is larger
    assert history.read_text(encoding="utf-8") == lines[4]
    assert trim_history(tmp_path / "none.jsonl") == 0


def digests(folder: Path) -> dict[str, str]:
    """Return name → sha256 of every file in a folder."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def test_the_lean_merge_writes_what_the_full_read_picks_byte_for_byte(tmp_path: Path) -> None:
    rng = random.Random(11)
    shards = [tmp_path / "shard-1", tmp_path / "shard-2"]
    for n in range(30):
        for attempt in range(rng.choice((1, 1, 2, 3))):
            data = b"log %d %d" % (n, attempt) if rng.random() < 0.4 else None
            status = rng.choice(("passed", "failed", "broken"))
            layer = rng.choice(("integration", "uat"))
            result(
                rng.choice(shards), f"case-{n}", status, stop=n * 10 + attempt, layer=layer, attachment=data
            )
    write(shards[0] / "bad-result.json", "[1, 2")
    write(shards[1] / "0000-container.json", '{"uuid": "c", "children": []}')
    shutil.copytree(shards[0], tmp_path / "copy-of-1")
    folders = [*shards, tmp_path / "copy-of-1"]
    summary = merge_results(folders, tmp_path / "merged", {}, None)

    # What the full read (every record whole, as before) picks: its results, their attachments.
    full = read_result_set(folders)
    kept = {r.path.name for r in full.latest}
    attachments = {a for r in full.latest for a in r.attachments}
    found = digests(tmp_path / "merged")
    sources = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for f in folders for p in f.iterdir()}
    assert {n for n in found if n.endswith("-result.json")} == kept
    assert {n for n in found if "-attachment" in n} == attachments
    assert "0000-container.json" in found and (tmp_path / "merged" / MARKER).exists()
    assert all(found[name] == sources[name] for name in kept | attachments)
    assert (summary.results_out, summary.duplicates) == (len(full.latest), len(full.superseded))
    assert [str(p) for p in summary.problems] == [str(p) for p in full.problems]
    assert summary.results_in == len(full.latest) + len(full.superseded) + len(full.problems)
    counts: dict[str, dict[str, int]] = {}
    for record in full.latest:
        layer = counts.setdefault(record.layer, {})
        layer[record.status] = layer.get(record.status, 0) + 1
    assert summary.by_layer == dict(sorted(counts.items()))
    merged, problems = read_results([tmp_path / "merged"])
    assert problems == []
    assert [r.history_id for r in merged] == [r.history_id for r in full.latest]


def depth_of_walk(data: Any) -> bool:
    """Return whether `data` nests no deeper than MAX_DEPTH, walking the parsed objects (the former check)."""
    level: list[Any] = [data]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for node in level
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return True
    return False


def nested(rng: random.Random, depth: int) -> Any:
    """Return random JSON data up to `depth` deep, with brackets and quotes inside its strings."""
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(['a "[quoted]" {x}', "\\", "中文", 1, None, True, "]}", '\\"['])
    if rng.random() < 0.5:
        return [nested(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    return {f"k{n}[": nested(rng, depth - 1) for n in range(rng.randint(0, 3))}


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
def test_the_depth_limit_is_the_one_the_walk_gave(depth: int) -> None:
    text = "[" * depth + '"]]["' + "]" * depth
    if depth <= MAX_DEPTH:
        assert load_json(text) == json.loads(text)
    else:
        with pytest.raises(ValueError, match=f"more than {MAX_DEPTH} deep"):
            load_json(text)
    # Many brackets, shallow: brackets in strings and siblings do not count as depth.
    wide = [[[]] for _ in range(depth)] + ["[" * depth, '{"\\"' * depth]
    assert load_json(json.dumps(wide)) == wide
    rng = random.Random(depth)
    for _ in range(200):
        data = [nested(rng, 8) for _ in range(rng.choice((1, 30)))]
        text = json.dumps(data, ensure_ascii=rng.random() < 0.5, indent=rng.choice((None, 1)))
        assert load_json(text) == data and depth_of_walk(data)
