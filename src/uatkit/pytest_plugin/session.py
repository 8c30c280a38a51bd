"""The session's project, found from pytest's rootdir and ini file; user mistakes are usage errors.

pytest finds its rootdir and ini file before plugins register their options, so the value of a plugin's
option written after a space (`--alluredir /outside/results`) looks like a test path to it; when that path
exists, pytest roots the session there and never reads the project's pyproject.toml (its testpaths, addopts,
markers and `[tool.uatkit]`). Once every plugin's options are known, `settle_rootdir` finds the rootdir
and ini file again from the real test paths and, when they lie in a uatkit project, puts them in place
before pytest uses them, so every way of writing the options runs the same session.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from uatkit.config import Config
    from uatkit.project import Project

# Set by settle_rootdir when it found the project; typed loosely so that this module imports no config.
_FOUND = pytest.StashKey[Any]()


def load(config: pytest.Config) -> Project | None:
    """Return the project of pytest's ini file (else rootdir), or None when it has no [tool.uatkit]."""
    from uatkit.config import find_config
    from uatkit.errors import UatkitError
    from uatkit.project import Project

    try:
        found: Config | None = config.stash.get(_FOUND, None) or find_config(project_start(config))
    except UatkitError as exc:
        # The user's configuration, not a crash: one located line, no INTERNALERROR traceback.
        raise pytest.UsageError(f"uatkit: [tool.uatkit]: {one_line(str(exc))}") from None
    return Project(found) if found is not None else None


def in_project(config: pytest.Config) -> bool:
    """Return True when the session's project has [tool.uatkit], valid or not (load names the mistake)."""
    from uatkit.config import find_config
    from uatkit.errors import UatkitError

    try:
        found: Config | None = config.stash.get(_FOUND, None) or find_config(project_start(config))
    except UatkitError:
        return True
    if found is not None:
        config.stash[_FOUND] = found  # load, at pytest_configure, need not read the file again
    return found is not None


def one_line(message: str) -> str:
    """Return a (possibly multi-line) located message on one line, its parts joined with '; '."""
    return "; ".join(line.strip() for line in message.splitlines() if line.strip())


def project_start(config: pytest.Config) -> Path:
    """Return where the project's pyproject.toml is looked for: pytest's ini file's folder, else rootdir."""
    return config.inipath.parent if config.inipath is not None else config.rootpath


def settle_rootdir(config: pytest.Config, args: list[str]) -> None:
    """Find the rootdir and ini file again when pytest took an option's value for a test path.

    Called by the entry point only when an argument names an existing path and is no test path now that
    every option is known; the setup found again is put in place only when it differs and belongs to a
    uatkit project.
    """
    namespace = config.known_args_namespace
    invocation = config.invocation_params.dir
    from _pytest.config.findpaths import determine_setup

    wanted: dict[str, Any] = {
        "inifile": namespace.inifilename,
        "override_ini": namespace.override_ini,
        "args": [str(path) for path in namespace.file_or_dir],
        "rootdir_cmd_arg": namespace.rootdir or None,
        "invocation_dir": invocation,
    }
    accepted = inspect.signature(determine_setup).parameters
    rootpath, inipath, inicfg, ignored = determine_setup(**{k: v for k, v in wanted.items() if k in accepted})
    if (rootpath, inipath) == (config.rootpath, config.inipath):
        return
    from uatkit.config import find_config
    from uatkit.errors import UatkitError

    try:
        found = find_config(inipath.parent if inipath is not None else rootpath)
    except UatkitError as exc:
        raise pytest.UsageError(f"uatkit: [tool.uatkit]: {one_line(str(exc))}") from None
    if found is None:
        return
    _adopt(config, args, rootpath, inipath, inicfg, ignored)
    config.stash[_FOUND] = found


def _adopt(
    config: pytest.Config, args: list[str], rootpath: Path, inipath: Path | None, inicfg: Any, ignored: Any
) -> None:
    """Put the project's rootdir and ini file in place of those pytest found from an option's value.

    pytest has no public way to do this; these are the attributes `Config.parse` sets a few lines before
    it calls `pytest_load_initial_conftests`, and the steps it takes after setting them.
    """
    namespace = config.known_args_namespace
    derived = str(config.inipath.parent if config.inipath is not None else config.rootpath)
    stale_addopts = list(config.getini("addopts"))
    if stale_addopts and args[: len(stale_addopts)] == stale_addopts:
        del args[: len(stale_addopts)]
    config._rootpath = rootpath
    config._inipath = inipath
    config._inicfg = inicfg
    config._ignored_config_files = ignored
    config._inicache.clear()
    config._parser.extra_info["rootdir"] = str(rootpath)
    config._parser.extra_info["inifile"] = str(inipath)
    addopts = list(config.getini("addopts"))
    if addopts:
        args[:0] = addopts
        config.pluginmanager.consider_preparse(addopts, exclude_only=False)
    # pytest 9 adds the ini file's pythonpath here; earlier versions in a pytest_load_initial_conftests hook.
    configure_python_path = getattr(config, "_configure_python_path", None)
    if configure_python_path is not None:
        configure_python_path()
    config.known_args_namespace = config._parser.parse_known_args(args, namespace=_copy(config.option))
    if namespace.confcutdir == derived:
        config.known_args_namespace.confcutdir = str(inipath.parent if inipath is not None else rootpath)
    else:
        config.known_args_namespace.confcutdir = namespace.confcutdir


def _copy(option: Any) -> Any:
    import copy

    return copy.copy(option)
