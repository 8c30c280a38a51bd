"""Scenarios verified by people: registered as markers, skipped by pytest, never reported as passed."""

from __future__ import annotations

import pytest

from uatkit.model import LEVEL_TAGS, UAT_TAG, Level

REASON = "manual scenario: verified in UAT"


def configure(config: pytest.Config) -> None:
    """Register the level markers so that --strict-markers accepts them."""
    for level in sorted(LEVEL_TAGS):
        config.addinivalue_line("markers", f"{level}: scenario verified at the {level} level (uatkit)")
    config.addinivalue_line(
        "markers", f"{UAT_TAG}: scenario that goes to the business users' UAT packs (uatkit)"
    )


def modify_items(items: list[pytest.Item]) -> None:
    """Skip every scenario tagged @manual before any of its steps runs."""
    for item in items:
        if item.get_closest_marker(Level.MANUAL) is not None:
            item.add_marker(pytest.mark.skip(reason=REASON))
