"""Browser steps, with Playwright: open a page, fill a field by its label, click a button, see text.

When I open the page "/login"
And I fill "User name" with "clara"
And I click the button "Log in"
Then I see "Welcome"
"""

from __future__ import annotations

from typing import Any

from uatkit.extras import require

require("playwright", "uatkit.steps.browser (the browser steps)")

from playwright.sync_api import expect  # noqa: E402
from pytest_bdd import parsers, then, when  # noqa: E402


@when(parsers.parse('I open the page "{path}"'))
def open_page(uatkit_page: Any, base_url: str, path: str) -> None:
    """Open a page of the system under test."""
    uatkit_page.goto(base_url.rstrip("/") + "/" + path.lstrip("/"))


@when(parsers.parse('I fill "{label}" with "{value}"'))
def fill(uatkit_page: Any, label: str, value: str) -> None:
    """Fill the field with this label."""
    uatkit_page.get_by_label(label, exact=True).fill(value)


@when(parsers.parse('I click the button "{name}"'))
def click(uatkit_page: Any, name: str) -> None:
    """Click the button with this text."""
    uatkit_page.get_by_role("button", name=name, exact=True).click()


@then(parsers.parse('I see "{text}"'))
def see(uatkit_page: Any, text: str) -> None:
    """Check that the page shows a text."""
    expect(uatkit_page.get_by_text(text, exact=False).first).to_be_visible()
