"""Scaffold a new QA project with the uatkit layout, a sample story, a working configuration and a CI run."""

from __future__ import annotations

import enum
import json
import re
import shlex
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

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
#: The templates of a run spread over several runners (`uatkit init --shards N`): N shard jobs, one merge.
SHARDED_CI = {Ci.GITHUB: "github-shards.yml", Ci.GITLAB: "gitlab-shards.yml"}
#: The most shards `uatkit init --shards` writes a workflow for (GitHub's matrix takes 256 jobs at most).
MAX_SHARDS = 256


def project_name(target: Path) -> str:
    """Return a distribution name for the project in `target` (letters, digits, `-`, `_`, `.`)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", target.resolve().name).strip("-_.")
    return name or "qa-project"


def scaffold_files(name: str, ci: Ci = Ci.NONE, shards: int = 1) -> dict[str, str]:
    """Return the scaffold's files (relative POSIX path → text) for a project called `name`.

    With `shards` above 1 the CI workflow runs the checks as that many shards and merges their results.
    """
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
        template = SHARDED_CI[ci] if shards > 1 else template
        text = (resources.files("uatkit") / "scaffold_ci" / template).read_text(encoding="utf-8")
        shard_list = "[" + ", ".join(str(k) for k in range(1, shards + 1)) + "]"
        files[path] = text.replace("__SHARDS__", str(shards)).replace("__SHARD_LIST__", shard_list)
    # npm names are lower case; the Python distribution keeps the folder's spelling.
    return {
        rel: text.replace("__PROJECT_NAME__", name).replace("__NPM_NAME__", name.lower())
        for rel, text in files.items()
    }


def init_project(target: Path, ci: Ci = Ci.NONE, shards: int = 1) -> list[str]:
    """Create the project in `target` and generate its features; never overwrite a file.

    Return every file written (relative POSIX paths, sorted), the generated features included.
    """
    if not 1 <= shards <= MAX_SHARDS:
        raise UatkitError(f"--shards {shards}: give 1 (one CI job) to {MAX_SHARDS} shard jobs")
    if shards > 1 and ci not in CI_FILES:
        raise UatkitError(f"--shards {shards} writes a CI workflow: add --ci github or --ci gitlab")
    # Loaded here: the CLI imports this module for `Ci` on every command.
    from uatkit.gherkin import sync
    from uatkit.project import load_project

    files = scaffold_files(project_name(target), ci, shards)
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


def install_command(direct_url: Mapping[str, Any] | None) -> str:
    """Return the pip command that installs a new project with uatkit from where this one came from.

    `direct_url` is uatkit's PEP 610 record (`installed_direct_url`): a wheel, a folder or a Git URL pip
    was given. With none, uatkit came from an index and the project's own `uatkit[all]` is enough.
    """
    source = _requirement(direct_url) if direct_url else None
    # The project declares uatkit[all]; naming the source beside it lets pip take uatkit from there.
    return f"pip install {shlex.quote(source)} ." if source else "pip install ."


def _requirement(direct_url: Mapping[str, Any]) -> str | None:
    url = str(direct_url.get("url", ""))
    vcs = direct_url.get("vcs_info")
    if isinstance(vcs, Mapping):
        ref = vcs.get("requested_revision") or vcs.get("commit_id")
        return f"uatkit[all] @ {vcs.get('vcs', 'git')}+{url}" + (f"@{ref}" if ref else "")
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return f"{unquote(parsed.path)}[all]"
    return f"uatkit[all] @ {url}" if url else None


def installed_direct_url() -> Mapping[str, Any] | None:
    """Return where pip installed uatkit from (its direct_url.json), or None for an index or no record."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        text = distribution("uatkit").read_text("direct_url.json")
        data = json.loads(text) if text else None
    except (PackageNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None
