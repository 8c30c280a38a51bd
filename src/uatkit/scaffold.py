"""Scaffold a new QA project with the uatkit layout, a sample story and a working configuration."""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from uatkit.atomic import atomic_write_text
from uatkit.errors import UatkitError

FOLDERS = ("stories", "features", "steps", "fixtures", "uat_packs", "reports")
_RENAMED = {"gitignore": ".gitignore"}


def scaffold_files(name: str) -> dict[str, str]:
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
                files[relative] = child.read_text(encoding="utf-8").replace("__PROJECT_NAME__", name)

    walk(resources.files("uatkit") / "scaffold", "")
    return files


def init_project(target: Path) -> list[str]:
    """Create the project in `target`; refuse to overwrite any existing file. Return the files written."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", target.resolve().name).strip("-") or "qa-project"
    files = scaffold_files(name)
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
    return sorted(files)
