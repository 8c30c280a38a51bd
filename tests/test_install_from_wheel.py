"""A stranger's install: the built wheel in a fresh virtualenv runs a project `uatkit init` made, end to end.

Nothing of this repository is on the path: the wheel is built from a copy of the sources, installed with
the dependencies the scaffold declares (uatkit[all]) into a new virtualenv, and the new project's chain runs
with that virtualenv's commands: generate, generate --check, check, pytest with Allure results, report.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, write
from tests.test_plugin_inert import assert_runs_as_without_the_plugin, run_both_with, unrelated_args

#: pip and npm fetch packages: generous, so a slow mirror fails with its own message rather than hangs.
TIMEOUT = 1200

STORY = """
---
id: REQ-2
module: Platform
priority: must
levels: [integration]
owner: Operations
---
# The system says which version it runs

## AC-1 The version endpoint names the system
When I send a GET request to "/api/version"
Then the response status is 200
And the response field "name" is "uatkit demo"
"""


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a command; fail with everything it said when it does not exit 0."""
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def build_wheel(work: Path) -> Path:
    """Build uatkit's wheel from a copy of what the wheel is made of (the checkout stays untouched)."""
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    )
    dist = work / "dist"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(source)],
        work,
        env,
    )
    (wheel,) = dist.glob("uatkit-*.whl")
    return wheel


def fresh_env(venv: Path) -> dict[str, str]:
    """The environment of a shell with only the fresh virtualenv active (no pytest or virtualenv of ours)."""
    drop = ("PYTEST_", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(venv)
    return env


def node_20() -> str | None:
    """Return why the report step cannot run here (no npm, or Node.js older than 20), or None."""
    if not shutil.which("npm") or not shutil.which("node"):
        return "npm and Node.js >= 20 are needed to install the scaffold's pinned Allure CLI"
    version = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout
    major = version.strip().lstrip("v").split(".")[0]
    if not major.isdigit() or int(major) < 20:
        return f"Node.js >= 20 is needed for the Allure CLI (found {version.strip() or 'none'})"
    return None


def test_a_scaffolded_project_runs_end_to_end_from_the_built_wheel(tmp_path: Path) -> None:
    why_not = node_20()
    if why_not:
        pytest.skip(why_not)
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    assert tops == {"uatkit", wheel.name.removesuffix("-py3-none-any.whl") + ".dist-info"}

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, fresh_env(venv))
    env = fresh_env(venv)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "-c", str(REPO / "constraints.txt")]

    # The core install is enough to scaffold; the project then declares what it runs with.
    run([*pip, str(wheel)], tmp_path, env)
    said = run(["uatkit", "init", "acme-acceptance", "--ci", "github"], tmp_path, env)
    project = tmp_path / "acme-acceptance"
    declared = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert declared["project"]["dependencies"] == ["uatkit[all]"]
    # The project's own install, as init's "Next:" line says it: uatkit from the wheel, not an index.
    (line,) = [line for line in said.splitlines() if line.strip().startswith("pip install")]
    words = shlex.split(line, comments=True)
    assert words == ["pip", "install", f"{wheel}[all]", "."]
    run([*pip, *words[2:]], project, env)
    version = run([python, "-c", "import uatkit; print(uatkit.__version__)"], project, env).strip()
    assert (
        version == tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    )
    probe = (
        "import importlib.util as u; print(u.find_spec('demo') is None, u.find_spec('uatkit.demo') is None)"
    )
    assert run([python, "-c", probe], project, env).split() == ["True", "False"]
    run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], project, env)

    # One story checked over HTTP against the bundled demo, which the session starts from the wheel.
    write(project / "stories" / "REQ-2-version.md", STORY)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace('default_language = "en"\n', 'default_language = "en"\ndemo = true\n'))
    with (project / "conftest.py").open("a", encoding="utf-8") as conftest:
        conftest.write('\npytest_plugins = ["uatkit.steps.http"]\n')

    run(["uatkit", "generate"], project, env)
    run(["uatkit", "generate", "--check"], project, env)
    run(["uatkit", "check"], project, env)
    tested = run(["pytest", "-rs", "--alluredir=reports/allure-results"], project, env)
    assert "2 passed, 1 skipped" in tested, tested
    run(["uatkit", "report"], project, env)

    assert (project / "reports" / "allure-report" / "index.html").is_file()
    results = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in (project / "reports" / "allure-results").glob("*-result.json")
    ]
    passed = {
        (label["value"], result["status"])
        for result in results
        for label in result["labels"]
        if label["name"] == "layer"
    }
    assert {("unit", "passed"), ("integration", "passed")} <= passed

    # Installed with every extra, the plugin leaves an unrelated project in the same environment alone.
    (tmp_path / "unrelated").mkdir()
    assert_runs_as_without_the_plugin(*run_both_with(python, tmp_path / "unrelated", *unrelated_args()))
