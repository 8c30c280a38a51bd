"""Scaffold a new QA project with the uatkit layout, a sample story, a working configuration and a CI run."""

from __future__ import annotations

import enum
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from uatkit.atomic import atomic_write_text
from uatkit.errors import UatkitError

FOLDERS = ("stories", "features", "steps", "fixtures", "uat_packs", "reports")
_RENAMED = {"gitignore": ".gitignore"}


class Ci(enum.StrEnum):
    """The CI service `uatkit init` writes a workflow for."""

    GITHUB = "github"
    GITLAB = "gitlab"
    NONE = "none"


#: Where each CI service reads its workflow, and the template in uatkit/scaffold_ci that holds it.
CI_FILES = {
    Ci.GITHUB: (".github/workflows/acceptance.yml", "github.yml"),
    Ci.GITLAB: (".gitlab-ci.yml", "gitlab.yml"),
}


def project_name(target: Path) -> str:
    """Return a distribution name for the project in `target` (letters, digits, `-`, `_`, `.`)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", target.resolve().name).strip("-_.")
    return name or "qa-project"


def scaffold_files(name: str, ci: Ci = Ci.NONE) -> dict[str, str]:
    """Return the scaffold's files (relative POSIX path → text) for a project called `name`."""
    files: dict[str, str] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name.startswith((".", "__pycache__")):
                continue
            relative = f"{prefix}{_RENAMED.get(child.name, child.name)}"
            if child.is_dir():
                walk(child, relative + "/")
            else:
                files[relative] = child.read_text(encoding="utf-8")

    walk(resources.files("uatkit") / "scaffold", "")
    if ci in CI_FILES:
        path, template = CI_FILES[ci]
        files[path] = (resources.files("uatkit") / "scaffold_ci" / template).read_text(encoding="utf-8")
    # npm names are lower case; the Python distribution keeps the folder's spelling.
    return {
        rel: text.replace("__PROJECT_NAME__", name).replace("__NPM_NAME__", name.lower())
        for rel, text in files.items()
    }


def init_project(target: Path, ci: Ci = Ci.NONE) -> list[str]:
    """Create the project in `target` and generate its features; never overwrite a file.

    Return every file written (relative POSIX paths, sorted), the generated features included.
    """
    # Loaded here: the CLI imports this module for `Ci` on every command.
    from uatkit.gherkin import sync
    from uatkit.project import load_project

    files = scaffold_files(project_name(target), ci)
    clashes = sorted(rel for rel in files if (target / rel).exists())
    if clashes:
        raise UatkitError(
            f"{target}: {', '.join(clashes)} already exist(s); uatkit init never overwrites files. "
            "Choose an empty folder."
        )
    for folder in FOLDERS:
        (target / folder).mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        atomic_write_text(target / rel, text)
    created = load_project(target)
    planned = sync.plan(created.catalogue, created.config, existing=created.feature_files.texts)
    sync.apply(planned)
    generated = [item.path for item in planned if item.action in sync.WRITES]
    root = target.resolve()
    return sorted([*files, *(path.resolve().relative_to(root).as_posix() for path in generated)])
