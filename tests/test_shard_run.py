"""A CI farm in miniature: the demo's unit and integration levels run as 4 shard processes (one with -n 2)
sharing one run ID, and serially; `uatkit report`, `trace` and `signoff` on the 4 shard folders give the
serial run's matrix and verdict (real pytest sessions and CLI commands in subprocesses, the real Allure CLI).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO
from uatkit.allure.runs import RUN_LABEL, read_run_records
from uatkit.cli import app
from uatkit.pytest_plugin.shard import SHARD_LABEL

SHARDS = 4
LEVELS = "unit,integration"
#: The demo project's own files (what `uatkit init` would lay out), copied for each run.
PROJECT_FILES = ("pyproject.toml", "conftest.py", "allurerc.mjs", "package.json")
PROJECT_FOLDERS = ("stories", "features", "steps", "fixtures", "baselines")
runner = CliRunner()

pytestmark = pytest.mark.skipif(
    shutil.which("npx") is None or not (REPO / "node_modules" / "allure" / "package.json").is_file(),
    reason="the Allure CLI is not installed (npm ci)",
)


def demo_copy(target: Path) -> Path:
    """Copy the demo QA project (no reports, no ledger) to `target`, with the repository's Allure CLI."""
    target.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(REPO / name, target / name)
    for name in PROJECT_FOLDERS:
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    return target


def environment(**extra: str) -> dict[str, str]:
    """Return this process's environment without any shard or run ID of its own, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("UATKIT_SHARD", "UATKIT_RUN_ID")}
    return env | {"PYTHONDONTWRITEBYTECODE": "1"} | extra


def pytest_command(results: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "--uatkit-level", LEVELS,
            "--alluredir", results, *args]  # fmt: skip


def uatkit(project: Path, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    done = runner.invoke(app, [*args, "-C", str(project)])
    assert done.exit_code in ok, done.output[-3000:]
    return done.stdout


def json_out(text: str) -> dict[str, Any]:
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


def case_results(matrix: dict[str, Any]) -> dict[str, Any]:
    """Return every requirement row with its cases' results, without what names one result file or run.

    A result's UUID (and its report link) is new at every run, its `at` is when it stopped, its run ID is
    the run's: those must differ. Everything else — statuses, counts, passed, messages, stale flags,
    fingerprints, versions, builds, environments, evidence counts and order — must be the same.
    """
    rows = []
    for requirement in matrix["requirements"]:
        cases = []
        for case in requirement["cases"]:
            results = {}
            for level, result in case["results"].items():
                evidence = [
                    {k: v for k, v in e.items() if k not in ("at", "run_id")} | {"run": bool(e["run_id"])}
                    for e in result["evidence"]
                ]
                kept = {k: v for k, v in result.items() if k not in ("result_uuid", "link", "evidence")}
                results[level] = kept | {"evidence": evidence}
            cases.append({**case, "results": results})
        rows.append({**requirement, "cases": cases})
    return {"requirements": rows}


def test_four_shards_merge_into_the_serial_runs_matrix_and_verdict(tmp_path: Path) -> None:
    sharded, serial = demo_copy(tmp_path / "sharded"), demo_copy(tmp_path / "serial")
    # The CI matrix: N runners started together, each with its shard and the pipeline's run ID.
    runners = [
        subprocess.Popen(
            pytest_command(
                f"ci-artifacts/shard-{k}", *(["-n", "2"] if k == 2 else []), "--uatkit-shard", f"{k}/{SHARDS}"
            ),
            cwd=sharded,
            env=environment(UATKIT_RUN_ID="pipeline-4711-1"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for k in range(1, SHARDS + 1)
    ]
    outputs = [runner.communicate()[0] for runner in runners]
    for process, output in zip(runners, outputs, strict=True):
        assert process.returncode == 0, output[-3000:]
    done = subprocess.run(
        pytest_command("reports/allure-results"),
        cwd=serial,
        env=environment(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]

    # Each shard recorded its own part of the one run: same run ID, its shard and host, on every result.
    folders = [sharded / "ci-artifacts" / f"shard-{k}" for k in range(1, SHARDS + 1)]
    tests, shards = 0, set()
    for k, folder in enumerate(folders, start=1):
        (record,), problems = read_run_records(folder)
        assert problems == [] and record.run_id == "pipeline-4711-1" and record.shard == f"{k}/{SHARDS}"
        assert record.host and record.path.name == f"uatkit-run-pipeline-4711-1-shard-{k}-of-{SHARDS}.json"
        tests += record.tests
        shards.add(record.shard)
        for path in folder.glob("*-result.json"):
            labels = {
                label["name"]: label["value"] for label in json.loads(path.read_text("utf-8"))["labels"]
            }
            assert labels[RUN_LABEL] == "pipeline-4711-1" and labels[SHARD_LABEL] == f"{k}/{SHARDS}"
            assert labels["host"]
    (whole,), _ = read_run_records(serial / "reports" / "allure-results")
    assert tests == whole.tests > 0 and whole.shard is None

    merged = json_out(uatkit(sharded, "report", "--results", "ci-artifacts/shard-*", "--format", "json"))
    alone = json_out(uatkit(serial, "report", "--format", "json"))
    assert merged["results"] == alone["results"] and merged["by_layer"] == alone["by_layer"]
    assert merged["clashes"] == [] and merged["skipped"] == []
    for project in (sharded, serial):
        uatkit(project, "trace", "--format", "json")
    a = json_out((sharded / "reports" / "traceability.json").read_text("utf-8"))
    b = json_out((serial / "reports" / "traceability.json").read_text("utf-8"))

    # The matrix: every requirement row, case, level status, count and evidence is the serial run's.
    assert case_results(a) == case_results(b)
    assert a["requirements"] and any(r["status"] == "PASSED" for r in a["requirements"])
    same = ("schema", "project", "results_folders", "allure_report", "summary", "levels", "packs", "baseline")
    assert {k: a[k] for k in (*same, "removed", "notes")} == {k: b[k] for k in (*same, "removed", "notes")}
    # The evidence set: the same kind, results, ledger and scenarios; the shards are one run.
    ea, eb = a["evidence"], b["evidence"]
    strict = ("kind", "folders", "results", "ledger_digest", "ledger_marks", "scenarios_digest", "release")
    assert {k: ea[k] for k in strict} == {k: eb[k] for k in strict}
    assert ea["sources"] == [f"ci-artifacts/shard-{k}" for k in range(1, SHARDS + 1)]
    assert eb["sources"] == ["reports/allure-results"]
    # The base URL is each runner's own demo server: the one fact that must differ.
    facts = {k: v for k, v in ea["facts"].items() if k != "base URL"}
    assert facts == {k: v for k, v in eb["facts"].items() if k != "base URL"}
    assert {run["run_id"] for run in ea["runs"]} == {"pipeline-4711-1"}
    assert {run["shard"] for run in ea["runs"]} == shards and len(eb["runs"]) == 1
    assert sum(run["tests"] for run in ea["runs"]) == eb["runs"][0]["tests"]
    assert sorted({lvl for run in ea["runs"] for lvl in run["levels"]}) == eb["runs"][0]["levels"]

    # The sign-off: the same verdict, gates and reasons.
    verdicts = []
    for project in (sharded, serial):
        verdict = json_out(uatkit(project, "signoff", "--format", "json", "--no-write", ok=(0, 1)))
        verdicts.append({k: v for k, v in verdict.items() if k not in ("evidence", "generated_at")})
    assert verdicts[0] == verdicts[1]
    shown = uatkit(sharded, "trace")
    assert f"runs: pipeline ({SHARDS} shards)" in shown
    page = (sharded / "reports" / "traceability.html").read_text(encoding="utf-8")
    assert all(f"shard {k}/{SHARDS}" in page for k in range(1, SHARDS + 1))
