"""What `uatkit init` writes: every file listed truly, uatkit[all], the pinned Allure CLI and a CI run."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import REPO
from uatkit.cli import app
from uatkit.scaffold import install_command, installed_direct_url

runner = CliRunner()

#: The commands every CI workflow runs, in this order.
CI_COMMANDS = (
    "uatkit generate --check",
    "uatkit check",
    "pytest --alluredir reports/allure-results",
    "uatkit report",
)


def init(target: Path, *args: str) -> list[str]:
    """Run `uatkit init` and return the files it says it wrote."""
    result = runner.invoke(app, ["init", str(target), *args])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    count = int(lines[0].split(" with ")[1].split()[0])
    listed = [line.strip() for line in lines[1 : count + 1]]
    assert all(line.startswith("  ") for line in lines[1 : count + 1]) and lines[count + 1] == "Next:"
    return listed


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("args", "workflow"),
    [
        ((), ".github/workflows/acceptance.yml"),
        (("--ci", "github"), ".github/workflows/acceptance.yml"),
        (("--ci", "gitlab"), ".gitlab-ci.yml"),
        (("--ci", "none"), None),
    ],
)
def test_init_lists_exactly_the_files_it_writes(
    tmp_path: Path, args: tuple[str, ...], workflow: str | None
) -> None:
    target = tmp_path / "Acme Acceptance"
    listed = init(target, *args)
    assert listed == files_under(target)
    assert "features/onboarding/REQ-1-greet-a-user-by-name.feature" in listed
    workflows = {".github/workflows/acceptance.yml", ".gitlab-ci.yml"} & set(listed)
    assert workflows == ({workflow} if workflow else set())


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_ci_workflow_runs_the_chain_in_order(tmp_path: Path, ci: str) -> None:
    target = tmp_path / "acme"
    init(target, "--ci", ci)
    path = target / (".github/workflows/acceptance.yml" if ci == "github" else ".gitlab-ci.yml")
    text = path.read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    if ci == "github":
        commands = [step["run"] for step in workflow["jobs"]["acceptance"]["steps"] if "run" in step]
    else:
        job = workflow["acceptance"]
        commands = [*job["before_script"], *job["script"]]
    positions = [next(i for i, c in enumerate(commands) if wanted in c) for wanted in CI_COMMANDS]
    assert positions == sorted(positions)
    assert any("pip install ." in c for c in commands) and any("npm ci" in c for c in commands)
    # Until uatkit is on an index, `pip install .` cannot find it: the workflow says what to write instead.
    assert "from the package index. Until" in text
    assert "python -m pip install 'uatkit[all] @ git+https://github.com/uatkit/uatkit@v0.1.0' ." in text
    assert "__PROJECT_NAME__" not in text and "acme" in text


def test_an_unknown_ci_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "x"), "--ci", "jenkins"])
    assert result.exit_code == 2
    assert "jenkins" in result.output and "github" in result.output
    assert not (tmp_path / "x").exists()


def test_the_scaffold_depends_on_uatkit_all_and_pins_the_repositorys_allure(tmp_path: Path) -> None:
    target = tmp_path / "Acme-Acceptance"
    init(target)
    project = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["dependencies"] == ["uatkit[all]"]
    assert project["project"]["name"] == "Acme-Acceptance"
    assert project["tool"]["setuptools"]["packages"] == []  # `pip install .` installs only the dependencies
    ours = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    theirs = json.loads((target / "package.json").read_text(encoding="utf-8"))
    assert theirs["devDependencies"] == ours["devDependencies"]
    assert theirs["name"] == "acme-acceptance"  # npm names are lower case
    our_lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    their_lock = json.loads((target / "package-lock.json").read_text(encoding="utf-8"))
    assert their_lock["name"] == their_lock["packages"][""]["name"] == "acme-acceptance"
    assert their_lock["packages"][""]["devDependencies"] == ours["devDependencies"]
    drop_root = {k: v for k, v in our_lock["packages"].items() if k}
    assert {k: v for k, v in their_lock["packages"].items() if k} == drop_root
    assert "node_modules/" in (target / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_init_into_a_project_writes_nothing_when_one_file_exists(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    target.mkdir()
    (target / "package.json").write_text("{}\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 2
    assert "package.json" in result.output and "never overwrites" in result.output
    assert files_under(target) == ["package.json"]


@pytest.mark.parametrize(
    ("direct_url", "command"),
    [
        (None, "pip install ."),
        (
            {"url": "file:///home/ann/dist/uatkit-0.1.0-py3-none-any.whl", "archive_info": {}},
            "pip install '/home/ann/dist/uatkit-0.1.0-py3-none-any.whl[all]' .",
        ),
        (
            {"url": "file:///home/ann/my%20clones/uatkit", "dir_info": {"editable": True}},
            "pip install '/home/ann/my clones/uatkit[all]' .",
        ),
        (
            {
                "url": "https://github.com/uatkit/uatkit",
                "vcs_info": {"vcs": "git", "requested_revision": "v0.1.0", "commit_id": "ab12"},
            },
            "pip install 'uatkit[all] @ git+https://github.com/uatkit/uatkit@v0.1.0' .",
        ),
    ],
    ids=["index", "wheel", "folder", "git"],
)
def test_the_install_line_names_where_uatkit_came_from(
    direct_url: dict[str, object] | None, command: str
) -> None:
    assert install_command(direct_url) == command


def test_init_says_what_to_run_next_with_this_uatkit_and_once_published(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "acme")])
    assert result.exit_code == 0, result.output
    after = result.stdout.split("Next:\n", 1)[1].splitlines()
    assert after[0] == f"  cd {tmp_path / 'acme'}"
    # This checkout is installed from its folder (make setup), never from an index.
    assert after[1].startswith(f"  pip install '{REPO}[all]' .   # ")
    assert install_command(installed_direct_url()) in after[1]
    assert after[2].startswith("  npm ci") and "pytest --alluredir reports/allure-results" in after[3]
    assert after[4] == "Once uatkit is on PyPI, `pip install .` alone installs it (uatkit[all])."
