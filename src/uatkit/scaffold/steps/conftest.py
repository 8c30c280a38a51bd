"""Step definitions of this QA project (pytest-bdd finds them here for every feature)."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when


def greet(name: str) -> str:
    """Return the greeting the system under test shows (replace with a call to your system)."""
    return f"Hello, {name}!"


@given(parsers.parse('a user named "{name}"'), target_fixture="user")
def a_user(name: str) -> dict[str, str]:
    return {"name": name}


@when("the user is greeted", target_fixture="greeting")
def the_user_is_greeted(user: dict[str, str]) -> str:
    return greet(user["name"])


@then(parsers.parse('the greeting reads "{expected}"'))
def the_greeting_reads(greeting: str, expected: str) -> None:
    assert greeting == expected
