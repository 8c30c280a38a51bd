"""Data steps: "Given a customer exists" makes one with the project's factory for that kind of entity.

A project provides its factories as the `uatkit_factories` fixture: a mapping from an entity name
("customer") to a callable taking the seeded faker and returning the created entity. Each created entity
is kept in the `uatkit_created` fixture under its name, for later steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_bdd import given, parsers


@pytest.fixture
def uatkit_created() -> dict[str, Any]:
    """Return the entities this scenario's data steps created, by entity name."""
    return {}


@given(parsers.re(r"an? (?P<entity>[\w ]+?) exists$"))
def entity_exists(
    entity: str, uatkit_factories: dict[str, Callable[[Any], Any]], faker: Any, uatkit_created: dict[str, Any]
) -> None:
    """Create one entity with the project's factory."""
    try:
        factory = uatkit_factories[entity]
    except KeyError:
        known = ", ".join(sorted(uatkit_factories)) or "none"
        pytest.fail(f"no factory for {entity!r} in uatkit_factories (known: {known})", pytrace=False)
    uatkit_created[entity] = factory(faker)
