"""Gherkin tags of uatkit's shapes become pytest markers registered as they appear; others are left alone.

uatkit's shapes: requirement IDs (by `[tool.uatkit] requirement_pattern`), the levels, `manual`, `uat`, and
the valued `case:` and `defect:`. Any other tag is pytest-bdd's to apply, unregistered, so that a mistyped
tag (`@integraton`, `@REQ101`) still fails under --strict-markers unless the project registers it itself.

A plain tag (`@REQ-101`, `@e2e`) becomes the marker of that name. A tag with a value (`@case:REQ-101.AC-1`,
`@defect:BUG-7`) cannot be a marker name, so it becomes the marker before the colon with the value as its
argument: `pytest.mark.case("REQ-101.AC-1")`; `-m case` selects every scenario that has a case ID.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from uatkit.config import Config
from uatkit.model import CASE_TAG, DEFECT_TAG, LEVEL_TAGS, UAT_TAG

_REGISTERED = pytest.StashKey[set[str]]()
_REQUIREMENT = pytest.StashKey[re.Pattern[str]]()
#: Plain tags of uatkit's own (requirement IDs aside) and the tags that carry a value.
PLAIN = frozenset({*LEVEL_TAGS, UAT_TAG})
VALUED = frozenset({CASE_TAG, DEFECT_TAG})


def configure(config: pytest.Config, settings: Config) -> None:
    """Remember the project's requirement ID pattern, which says which plain tags are requirement IDs."""
    config.stash[_REQUIREMENT] = settings.requirement_regex


def is_uatkit_tag(config: pytest.Config, tag: str) -> bool:
    """Return True when a tag has one of uatkit's shapes."""
    name, value = split_tag(tag)
    if value is not None:
        return name in VALUED and bool(value)
    pattern = config.stash.get(_REQUIREMENT, None)
    return name in PLAIN or (pattern is not None and pattern.match(name) is not None)


def split_tag(tag: str) -> tuple[str, str | None]:
    """Return a tag's marker name and its value, if it has one."""
    name, colon, value = tag.partition(":")
    return name, (value if colon else None)


def apply_tag(config: pytest.Config, tag: str, function: Callable[..., Any]) -> bool | None:
    """Register a uatkit tag's marker (once) and apply it; leave any other tag to pytest-bdd (None)."""
    if not is_uatkit_tag(config, tag):
        return None
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
