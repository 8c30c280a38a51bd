"""The uatkit pytest plugin's entry point (pytest11): inert outside uatkit projects.

Every pytest run in an environment where uatkit is installed loads this module. It registers the
`--uatkit-*` options and nothing else, until `pytest_configure` finds `[tool.uatkit]` in the pyproject.toml
of pytest's ini file's folder (else its rootdir) or a folder above: only then does it register the real
plugin (`uatkit.pytest_plugin.plugin`: markers, tag hook, levels, manual skips, fixtures, the system probe,
header lines, the run record and environment.properties). Elsewhere no fixture, marker, hook, header
line, file or subprocess of uatkit's is added, and uatkit's engine is not even imported. In a uatkit project
it also stands in for --alluredir and --base-url when their plugin is missing (`placeholders`).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

from uatkit.pytest_plugin import options

#: The name the real plugin is registered under, in a uatkit project only.
PLUGIN_NAME = "uatkit-plugin"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the `--uatkit-*` options."""
    options.add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    """Find the rootdir and ini file again when pytest took an option's value for a test path."""
    if option_value_taken(early_config, args):
        from uatkit.pytest_plugin.session import settle_rootdir

        settle_rootdir(early_config, args)


@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_load_initial_conftests")
def pytest_add_placeholders(
    early_config: pytest.Config, parser: pytest.Parser
) -> Generator[None, object, object]:
    """Stand in for --alluredir or --base-url when no plugin or conftest of a uatkit project brought it."""
    # After the yield every plugin (pytest-playwright adds --base-url here too) and initial conftest has
    # added its options, and pytest has not yet parsed the command line for good.
    result = yield
    if mentions_uatkit(project_start(early_config)):
        from uatkit.pytest_plugin import placeholders, session

        if session.in_project(early_config):
            placeholders.add(parser)
    return result


def option_value_taken(config: pytest.Config, args: list[str]) -> bool:
    """Return True when an argument names an existing path but is no test path now every option is known."""
    paths = {str(path) for path in config.known_args_namespace.file_or_dir}
    invocation = config.invocation_params.dir
    return any(a not in paths and not a.startswith("-") and _exists(invocation / a) for a in args)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a -k expression longer than a file name can be, a NUL character
        return False


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """Run a uatkit-only session (the step-definition check) when one was asked for."""
    if not config.option.uatkit_missing_steps:
        return None
    from uatkit.pytest_plugin import stepcheck

    return stepcheck.cmdline_main(config)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register the real plugin when the session's project has [tool.uatkit]; else stay inert."""
    if not mentions_uatkit(project_start(config)):
        return
    from uatkit.pytest_plugin import placeholders, plugin, session

    project = session.load(config)
    if project is not None:
        placeholders.check(config)
    if project is not None and not config.pluginmanager.is_registered(plugin):
        plugin.activate(config, project)


def project_start(config: pytest.Config) -> Path:
    """Return where the project's pyproject.toml is looked for: pytest's ini file's folder, else rootdir."""
    return config.inipath.parent if config.inipath is not None else config.rootpath


def mentions_uatkit(start: Path) -> bool:
    """Return True when a pyproject.toml at or above `start` names uatkit (read as bytes, nothing parsed).

    The cheap first look: `uatkit.config.find_config` then decides whether one of them holds
    [tool.uatkit]; a project that only depends on uatkit stays inert after that.
    """
    try:
        start = start.resolve()
        for folder in (start, *start.parents):
            candidate = folder / "pyproject.toml"
            if candidate.is_file() and b"uatkit" in candidate.read_bytes():
                return True
    except (OSError, ValueError):
        return True  # find_config names the file it cannot read
    return False
