"""The core install, from a built wheel into a fresh virtualenv: commands that need no extra work there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, write
from tests.test_install_from_wheel import build_wheel
from tests.test_plugin_inert import assert_runs_as_without_the_plugin, run_both_with, unrelated_args
from uatkit.extras import EXTRA_OF, MissingExtra, missing, require

#: What the unrelated project of tests/test_plugin_inert.py runs with, installed beside the core wheel.
UNRELATED = ("faker", "pytest-playwright", "allure-pytest-bdd")

STORY = """
---
id: REQ-1
module: Sales
priority: must
levels: [integration]
---
# Place an order

As a clerk
I want to place an order
So that the warehouse ships it

## AC-1 The total includes every line
Given a customer "ACME" exists
When I place an order for 3 "Widget"
Then the order total is 29.97
"""


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command of the fresh virtualenv; fail with its output when it fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV"))}
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def test_the_core_install_runs_generate_trace_and_check_without_any_extra(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    bin_ = venv / "bin"
    run(
        bin_ / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "-c",
        REPO / "constraints.txt",
        wheel,
        cwd=tmp_path,
    )
    absent = run(
        bin_ / "python",
        "-c",
        f"import importlib.util as u; print([m for m in {sorted(EXTRA_OF)!r} if u.find_spec(m)])",
        cwd=tmp_path,
    )
    assert absent.stdout.strip() == "[]"

    project = tmp_path / "project"
    write(
        project / "pyproject.toml",
        '[tool.uatkit]\nstories = ["stories"]\nrequirement_pattern = "REQ-[0-9]+"\n',
    )
    write(project / "stories" / "REQ-1.md", STORY)
    assert "generate" in run(bin_ / "uatkit", "--help", cwd=project).stdout
    run(bin_ / "uatkit", "generate", cwd=project)
    assert (project / "features" / "sales" / "REQ-1-place-an-order.feature").is_file()
    trace = run(bin_ / "uatkit", "trace", "--no-write", cwd=project)
    assert "REQ-1" in trace.stdout and "NOT RUN" in trace.stdout
    checked = run(bin_ / "uatkit", "check", "--no-steps", "--format", "json", cwd=project)
    shown = json.loads(checked.stdout)
    assert (shown["command"], shown["findings"], shown["warnings"]) == ("check", [], [])

    # The options of the extras' plugins: one line naming the extra, not argparse's "unrecognized arguments".
    for option, says in (
        (
            "--alluredir",
            "uatkit: --alluredir comes with Allure's pytest plugin: pip install 'uatkit[allure]'",
        ),
        (
            "--base-url",
            "uatkit: --base-url comes with pytest-playwright (or pytest-base-url): "
            "pip install 'uatkit[browser]'; "
            "without it, UATKIT_BASE_URL or `[tool.uatkit] base_url` set the base URL",
        ),
    ):
        refused = subprocess.run(
            [bin_ / "python", "-m", "pytest", "-p", "no:cacheprovider", option, "x"],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert refused.returncode == pytest.ExitCode.USAGE_ERROR, refused.stderr
        assert refused.stderr.strip() == f"ERROR: {says}"

    # The HTTP steps need the api extra: pytest says so in one line, no ModuleNotFoundError.
    write(project / "steps" / "conftest.py", 'pytest_plugins = ["uatkit.steps.http"]\n')
    write(project / "steps" / "test_nothing.py", "def test_nothing() -> None:\n    pass\n")
    done = subprocess.run(
        [bin_ / "python", "-m", "pytest", "-p", "no:cacheprovider", "steps"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "needs the api extra (requests is not installed): pip install 'uatkit[api]'" in said
    assert "ModuleNotFoundError" not in said

    # An unrelated project's own tools beside the core install: the plugin leaves that project alone.
    run(
        bin_ / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "-c",
        REPO / "constraints.txt",
        *UNRELATED,
        cwd=tmp_path,
    )
    unrelated = tmp_path / "unrelated"
    unrelated.mkdir()
    assert_runs_as_without_the_plugin(*run_both_with(bin_ / "python", unrelated, *unrelated_args()))


def test_a_missing_extra_is_named_in_one_line() -> None:
    assert missing("requests", "the api fixture") == ""  # installed here
    assert EXTRA_OF["playwright"] == "browser"


def test_require_raises_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EXTRA_OF, "uatkit_no_such_module", "api")
    with pytest.raises(MissingExtra, match=r"^the faker fixture needs the api extra .*'uatkit\[api\]'$"):
        require("uatkit_no_such_module", "the faker fixture")
