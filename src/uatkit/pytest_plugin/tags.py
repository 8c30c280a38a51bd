"""Gherkin tags become pytest markers that are registered as they appear, so --strict-markers works.

A plain tag (`@REQ-101`, `@e2e`) becomes the marker of that name. A tag with a value (`@case:REQ-101.AC-1`,
`@defect:BUG-7`) cannot be a marker name, so it becomes the marker before the colon with the value as its
argument: `pytest.mark.case("REQ-101.AC-1")`; `-m case` selects every scenario that has a case ID.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

_REGISTERED = pytest.StashKey[set[str]]()


def split_tag(tag: str) -> tuple[str, str | None]:
    """Return a tag's marker name and its value, if it has one."""
    name, colon, value = tag.partition(":")
    return name, (value if colon else None)


def apply_tag(config: pytest.Config, tag: str, function: Callable[..., Any]) -> bool:
    """Register the tag's marker (once) and apply it to the scenario's test function."""
    name, value = split_tag(tag)
    registered = config.stash.setdefault(_REGISTERED, set())
    if name not in registered:
        config.addinivalue_line("markers", f"{name}: Gherkin tag @{name} (registered by uatkit)")
        registered.add(name)
    marker = getattr(pytest.mark, name)
    (marker(value) if value is not None else marker)(function)
    return True


def tag_values(item: pytest.Item, name: str) -> list[str]:
    """Return the values of an item's valued tags of one kind, e.g. its case IDs."""
    return [str(mark.args[0]) for mark in item.iter_markers(name) if mark.args]
