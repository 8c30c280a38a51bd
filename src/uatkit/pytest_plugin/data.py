"""Test data: a faker instance seeded per scenario from its case ID, level and example row.

The seed is shown in the Allure result (and the test's user properties); `--uatkit-seed BASE` changes the
base every seed is derived from, so a run made with a given base is replayed by passing it again.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from uatkit.model import CASE_TAG
from uatkit.pytest_plugin.tags import tag_values


def derive_seed(base: str, case_id: str, level: str, row: str) -> int:
    """Return a scenario's seed: stable for the same base, case, level and example row."""
    digest = hashlib.sha256(f"{base}|{case_id}|{level}|{row}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def example_of(item: pytest.Item) -> dict[str, str]:
    """Return the values of the Examples row an outline's item runs ({} for a plain scenario)."""
    callspec = getattr(item, "callspec", None)
    example: dict[str, Any] = callspec.params.get("_pytest_bdd_example", {}) if callspec is not None else {}
    return {str(k): str(v) for k, v in example.items()}


def scenario_seed(item: pytest.Item, level: str | None) -> int:
    """Return the seed of the scenario an item runs."""
    case_ids = tag_values(item, CASE_TAG)
    row = "|".join(f"{k}={v}" for k, v in sorted(example_of(item).items()))
    case_id = case_ids[0] if case_ids else item.nodeid
    return derive_seed(str(item.config.option.uatkit_seed), case_id, level or "", row)


def report_header(config: pytest.Config) -> str:
    """Return the line the run header shows about seeds."""
    return f"uatkit: faker seed base {config.option.uatkit_seed} (replay with --uatkit-seed)"
