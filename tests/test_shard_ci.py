"""`uatkit init --ci github|gitlab --shards N`: a matrix workflow of N shard jobs and one merge job, whose own
commands, run here one shard after another, merge into one run's report, matrix and verdict."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import REPO
from uatkit.cli import app

runner = CliRunner()
SHARDS = 4


def scaffold(tmp_path: Path, ci: str, *more: str) -> tuple[Path, str, Any]:
    target = tmp_path / "acme"
    result = runner.invoke(app, ["init", str(target), "--ci", ci, "--shards", str(SHARDS), *more])
    assert result.exit_code == 0, result.output
    name = ".github/workflows/acceptance.yml" if ci == "github" else ".gitlab-ci.yml"
    text = (target / name).read_text(encoding="utf-8")
    assert "__" not in text  # every placeholder filled
    return target, text, yaml.safe_load(text)


def github_runs(job: dict[str, Any]) -> list[str]:
    return [" ".join(step["run"].split()) for step in job["steps"] if "run" in step]


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step.get("with", {}) for step in job["steps"] if step.get("uses", "").startswith(action)]


LEDGER_SECRETS = {
    "UATKIT_LEDGER_URL": "${{ secrets.UATKIT_LEDGER_URL }}",
    "PGPASSWORD": "${{ secrets.UATKIT_LEDGER_PASSWORD }}",
}


def test_github_runs_n_shard_jobs_then_one_merge(tmp_path: Path) -> None:
    _, text, workflow = scaffold(tmp_path, "github")
    jobs = workflow["jobs"]
    assert list(jobs) == ["check", "shard", "report"]
    assert "${{ github.run_id }}" in workflow["env"]["UATKIT_RUN_ID"]  # one run ID for every shard
    shard, report = jobs["shard"], jobs["report"]
    assert shard["needs"] == "check" and shard["strategy"]["fail-fast"] is False
    assert shard["strategy"]["matrix"]["shard"] == list(range(1, SHARDS + 1))
    (command,) = [c for c in github_runs(shard) if "pytest" in c]
    assert command == (
        f"python -m pytest --uatkit-shard ${{{{ matrix.shard }}}}/{SHARDS} "
        "--alluredir ci-artifacts/shard-${{ matrix.shard }}"
    )
    (upload,) = uses(shard, "actions/upload-artifact@v4")
    assert upload["name"] == "shard-${{ matrix.shard }}"
    assert upload["path"] == "ci-artifacts/shard-${{ matrix.shard }}/"
    assert report["needs"] == "shard" and report["if"] == "${{ !cancelled() }}"
    (download,) = uses(report, "actions/download-artifact@v4")
    assert download == {"pattern": "shard-*", "path": "ci-artifacts", "merge-multiple": False}
    commands = github_runs(report)
    merge = ["uatkit report --results 'ci-artifacts/shard-*'", "uatkit trace", "uatkit signoff"]
    assert [c for c in commands if c.startswith("uatkit")] == merge
    assert any(c.startswith("npm ci") for c in commands)
    assert uses(report, "actions/upload-artifact@v4")[0]["path"] == "reports/"
    # Only the merge job reads the ledger; empty secrets leave the SQLite default.
    assert report["env"] == LEDGER_SECRETS
    assert "env" not in shard and "env" not in jobs["check"]
    assert "Left empty, the\n    # ledger is the project's SQLite file" in text


def test_gitlab_runs_a_parallel_job_then_one_merge(tmp_path: Path) -> None:
    _, text, workflow = scaffold(tmp_path, "gitlab")
    assert workflow["stages"] == ["check", "test", "report"]
    assert workflow["variables"]["UATKIT_RUN_ID"] == "gitlab-$CI_PIPELINE_ID"
    shard, report = workflow["shard"], workflow["report"]
    assert shard["parallel"] == SHARDS and shard["needs"] == ["check"] and shard["extends"] == ".python"
    assert shard["script"][-1] == (
        'python -m pytest --uatkit-shard "$CI_NODE_INDEX/$CI_NODE_TOTAL" '
        '--alluredir "ci-artifacts/shard-$CI_NODE_INDEX"'
    )
    assert shard["artifacts"] == {"when": "always", "paths": ["ci-artifacts/"]}
    assert report["needs"] == [{"job": "shard", "artifacts": True}] and report["when"] == "always"
    assert report["script"][1:] == [
        "uatkit report --results 'ci-artifacts/shard-*'",
        "uatkit trace",
        "uatkit signoff",
    ]
    assert report["artifacts"] == {"when": "always", "paths": ["reports/"]}
    # GitLab hands the project's CI/CD variables to every job: the workflow says which to define.
    merge_job = text[text.index("\nreport:") :]
    assert "define the CI/CD variables UATKIT_LEDGER_URL" in merge_job and "PGPASSWORD (masked)" in merge_job


def test_one_shard_writes_the_single_job_workflow_and_shards_need_a_ci(tmp_path: Path) -> None:
    target = tmp_path / "one"
    assert runner.invoke(app, ["init", str(target), "--ci", "github", "--shards", "1"]).exit_code == 0
    workflow = yaml.safe_load((target / ".github/workflows/acceptance.yml").read_text(encoding="utf-8"))
    assert list(workflow["jobs"]) == ["acceptance"]
    assert workflow["jobs"]["acceptance"]["env"] == LEDGER_SECRETS
    for args, message in [
        (
            ["--ci", "none", "--shards", "4"],
            "--shards 4 writes a CI workflow: add --ci github or --ci gitlab",
        ),
        (["--shards", "0"], "--shards 0: give 1 (one CI job) to 256 shard jobs"),
    ]:
        result = runner.invoke(app, ["init", str(tmp_path / "x"), *args])
        assert result.exit_code == 2 and message in result.output, result.output
        assert not (tmp_path / "x").exists()


@pytest.mark.skipif(
    shutil.which("npx") is None or not (REPO / "node_modules" / "allure" / "package.json").is_file(),
    reason="the Allure CLI is not installed (npm ci)",
)
def test_the_gitlab_workflows_own_commands_merge_the_shards_into_one_run(tmp_path: Path) -> None:
    project, _, workflow = scaffold(tmp_path, "gitlab")
    (project / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    bin_dir = str(Path(sys.executable).parent)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "UATKIT_"))}
    base |= {"PATH": bin_dir + os.pathsep + base.get("PATH", ""), "CI_PIPELINE_ID": "5150"}
    run_id = re.sub(r"\$CI_PIPELINE_ID", "5150", workflow["variables"]["UATKIT_RUN_ID"])

    def sh(line: str, ok: tuple[int, ...] = (0,), **extra: str) -> str:
        line = line.replace("python -m", f"{sys.executable} -m")
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=project,
            env=base | {"UATKIT_RUN_ID": run_id} | extra,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in ok, line + "\n" + done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    # The shard job, once per runner (the sample project has 2 tests: two of the 4 shards get none).
    said = [
        sh(workflow["shard"]["script"][-1], CI_NODE_INDEX=str(k), CI_NODE_TOTAL=str(SHARDS))
        for k in range(1, 5)
    ]
    assert sum("uatkit: shard" in s and "has no test: 2 test(s) split into 4 shards" in s for s in said) == 2
    # The merge job: report, trace, then the verdict (the sample's UAT is not done: NO-GO, exit 1).
    report, trace, signoff = workflow["report"]["script"][1:]
    sh(report)
    sh(trace)
    sh(signoff, ok=(0, 1))
    matrix = json.loads((project / "reports" / "traceability.json").read_text(encoding="utf-8"))
    runs = matrix["evidence"]["runs"]
    assert {r["run_id"] for r in runs} == {"gitlab-5150"}
    assert sorted(r["shard"] for r in runs) == [f"{k}/{SHARDS}" for k in range(1, SHARDS + 1)]
    assert sum(r["tests"] for r in runs) == 1  # the automated scenario; the manual one is skipped
    (requirement,) = matrix["requirements"]
    # The automated case passed in its shard; the manual one waits for UAT.
    assert requirement["levels"]["unit"] == "passed" and requirement["reason"] == "UAT pending: AC-2"
    assert (project / "reports" / "signoff.html").is_file()
