"""The uatkit pytest plugin, loaded through the pytest11 entry point: it only routes to feature modules."""

from __future__ import annotations

import pytest

from uatkit.pytest_plugin import manual, stepcheck


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register each feature module's options."""
    stepcheck.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Configure each feature module."""
    manual.configure(config)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """Run a uatkit-only session (such as the step-definition check) when one was asked for."""
    return stepcheck.cmdline_main(config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Let each feature module adjust the collected items."""
    manual.modify_items(items)
