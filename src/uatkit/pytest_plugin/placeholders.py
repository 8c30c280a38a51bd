"""Stand-ins for other plugins' options (--alluredir, --base-url) that a uatkit project runs without.

Without the plugin that brings such an option pytest stops at argparse's "unrecognized arguments", which
names neither the plugin nor the extra. In a uatkit project the entry point asks the parser, once every
plugin and initial conftest has added its options, which of these are still unknown and registers a
placeholder for each; `check` then turns a value given to one (on the command line or in `addopts`) into one
usage error naming the extra. Outside uatkit projects this module is not even imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec

import pytest

from uatkit.extras import EXTRA_OF


@dataclass(frozen=True)
class Borrowed:
    """An option another plugin brings, the plugin's top-level module, and what works without it."""

    option: str
    module: str
    plugin: str
    otherwise: str = ""

    @property
    def dest(self) -> str:
        """Return the placeholder's dest, uatkit's own so that nothing reading the real option sees it."""
        return "uatkit_placeholder_" + self.option.lstrip("-").replace("-", "_")


BORROWED = (
    Borrowed("--alluredir", "allure_pytest_bdd", "Allure's pytest plugin"),
    Borrowed(
        "--base-url",
        "pytest_playwright",
        "pytest-playwright (or pytest-base-url)",
        "; without it, UATKIT_BASE_URL or `[tool.uatkit] base_url` set the base URL",
    ),
)

#: The ways a run leaves out an installed plugin.
NOT_LOADED = "-p no:…, PYTEST_DISABLE_PLUGIN_AUTOLOAD"


def message(borrowed: Borrowed) -> str:
    """Return the one line that says where the option comes from and what to do."""
    extra = EXTRA_OF[borrowed.module]
    if find_spec(borrowed.module) is None:
        fix = f"pip install 'uatkit[{extra}]'"
    else:
        # Installed, yet its option is unknown: the run blocked it (-p no:…, or autoloading turned off).
        fix = f"{borrowed.module} is installed but not loaded in this run ({NOT_LOADED})"
    return f"uatkit: {borrowed.option} comes with {borrowed.plugin}: {fix}{borrowed.otherwise}"


def add(parser: pytest.Parser) -> None:
    """Register a placeholder for each borrowed option that no loaded plugin or conftest registered."""
    for borrowed in BORROWED:
        if not _known(parser, borrowed.option):
            parser.getgroup("uatkit").addoption(
                borrowed.option,
                dest=borrowed.dest,
                default=None,
                metavar="VALUE",
                help=message(borrowed).removeprefix("uatkit: "),
            )


def _known(parser: pytest.Parser, option: str) -> bool:
    # Asking the parser covers every provider (a plugin, pytest-playwright's own --base-url, a conftest)
    # and every way a plugin was left out; a second registration would be argparse's conflict error.
    _, unknown = parser.parse_known_and_unknown_args([f"{option}=x"])
    return not unknown


def check(config: pytest.Config) -> None:
    """Raise a usage error naming the extra when a placeholder was given a value."""
    for borrowed in BORROWED:
        if getattr(config.option, borrowed.dest, None) is not None:
            raise pytest.UsageError(message(borrowed))
