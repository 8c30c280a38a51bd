"""The session's project: loaded once per process from pytest's rootdir; user mistakes are usage errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from uatkit.config import Config, find_config
from uatkit.errors import UatkitError
from uatkit.project import Project


def load(config: pytest.Config) -> tuple[Project, bool]:
    """Return the project of pytest's rootdir and whether it is a uatkit project; refuse a rootdir pytest
    took from an option's value."""
    try:
        found = find_config(config.rootpath)
        if found is None:
            _check_rootdir(config)
        return Project(found or Config(root=config.rootpath.resolve())), found is not None
    except UatkitError as exc:
        # The user's configuration, not a crash: the located lines, no INTERNALERROR traceback.
        raise pytest.UsageError(f"uatkit: the [tool.uatkit] configuration has problems:\n{exc}") from None


def _check_rootdir(config: pytest.Config) -> None:
    """Stop when pytest read an option's value (`--alluredir DIR`) as a test path and lost the project.

    pytest finds its rootdir and ini file before plugins register their options, so the value of a plugin's
    option written after a space looks like a test path; when that path exists, it becomes the rootdir, and
    the project's pyproject.toml (its testpaths, addopts and [tool.uatkit]) is not read at all.
    """
    project = find_config(config.invocation_params.dir)
    rootdir = config.rootpath.resolve()
    if project is None or rootdir.is_relative_to(project.root.resolve()):
        return
    args = list(config.invocation_params.args)
    taken = [
        (option, value)
        for option, value in itertools.pairwise(args)
        if option.startswith("--") and "=" not in option and _under(value, config, rootdir)
    ]
    if not taken:
        return
    option, value = taken[0]
    raise pytest.UsageError(
        f"uatkit: pytest took the value of {option} ({value}) for a test path and found its rootdir from "
        f"it, so it did not read the project's pyproject.toml in {project.root} (its testpaths, addopts "
        f"and [tool.uatkit]). Write the option with '=': {option}={value}"
    )


def _under(value: str, config: pytest.Config, rootdir: Path) -> bool:
    """Return True when an argument names an existing path that pytest's rootdir was found from."""
    path = Path(value)
    if not path.is_absolute():
        path = config.invocation_params.dir / path
    return path.exists() and path.resolve().is_relative_to(rootdir)
