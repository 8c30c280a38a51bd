"""One scenario, several levels: a scenario tagged @unit @integration @e2e runs once per level.

Items are named `test_x[unit]`, `test_x[integration]`, `test_x[e2e]`; each keeps only its own level's
marker, so `-m e2e` selects the e2e runs alone; `--uatkit-level` selects levels without marker expressions.
A level of `[tool.uatkit.evidence] external_levels` is verified by results imported from another tool
(`uatkit evidence import`): its runs are deselected, since no step definition here can run them.
"""

from __future__ import annotations

from collections.abc import Collection

import pytest

from uatkit.model import AUTOMATED_LEVELS

PARAM = "uatkit_level"


def selected(config: pytest.Config) -> set[str]:
    """Return the levels chosen with --uatkit-level (all automated levels when none is given)."""
    chosen = {
        part.strip() for value in config.option.uatkit_levels for part in value.split(",") if part.strip()
    }
    unknown = chosen - set(AUTOMATED_LEVELS)
    if unknown:
        wrong, right = ", ".join(sorted(unknown)), ", ".join(AUTOMATED_LEVELS)
        raise pytest.UsageError(f"--uatkit-level {wrong}: use {right}")
    return chosen or set(AUTOMATED_LEVELS)


def scenario_levels(definition: pytest.Item) -> list[str]:
    """Return the automated levels a test function is tagged with, in a fixed order."""
    names = {mark.name for mark in definition.iter_markers()}
    # Plain strings: they become the items' parameter values and test IDs.
    return [level.value for level in AUTOMATED_LEVELS if level in names]


def generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize every scenario with its levels."""
    if PARAM not in metafunc.fixturenames:
        return
    levels = scenario_levels(metafunc.definition)
    if levels:
        metafunc.parametrize(PARAM, levels, ids=levels)


def item_level(item: pytest.Item) -> str | None:
    """Return the level an item runs at, or None for tests that are not multi-level scenarios."""
    callspec = getattr(item, "callspec", None)
    return None if callspec is None else callspec.params.get(PARAM)


def modify_items(config: pytest.Config, items: list[pytest.Item], external: Collection[str] = ()) -> None:
    """Keep each run's own level marker only, then drop runs at levels not selected or verified elsewhere."""
    chosen = selected(config) - set(external)
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        level = item_level(item)
        if level is None:
            keep.append(item)
            continue
        item.own_markers[:] = [
            m for m in item.own_markers if m.name not in AUTOMATED_LEVELS or m.name == level
        ]
        (keep if level in chosen else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
