"""Browser steps, with Playwright: pages, forms, links, text, the URL and tables, in English and Chinese.

When I open the page "/orders"
And I fill the field with placeholder "Customer" with "ACME"
And I select "Open" in "Status"
And I click the button "Filter"
Then the URL contains "status=open"
And the table has 3 rows
And the row containing "ACME Ltd" shows "29.97"

Elements are found as Playwright recommends, by what a user sees: role and accessible name, label,
placeholder, text, or a test id. Every check is a Playwright `expect`, which waits for the page (up to
Playwright's expect timeout) instead of sleeping. docs/steps.md lists every phrase.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from uatkit.extras import require

require("playwright", "uatkit.steps.browser (the browser steps)")

from playwright.sync_api import expect  # noqa: E402
from pytest_bdd import given, parsers, then, when  # noqa: E402

from uatkit.steps.phrases import phrase  # noqa: E402

#: Roles of the fields a user types into: text, search and number fields.
_TYPED = ("textbox", "searchbox", "spinbutton")


def _css_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _named(page: Any, roles: tuple[str, ...], name: str, tags: str) -> Any:
    """Return the element with one of these roles and accessible name, or of these tags with that name."""
    found = page.get_by_role(roles[0], name=name, exact=True)
    for role in roles[1:]:
        found = found.or_(page.get_by_role(role, name=name, exact=True))
    # A form without labels still names its fields for the server: <input name="q">.
    by_attribute = ", ".join(f"{tag}[name={_css_string(name)}]" for tag in tags.split())
    return found.or_(page.locator(by_attribute))


def _url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")


# A page to start from is as often a Given (the state a scenario starts in) as a When.
@given(parsers.parse('I open the page "{path}"'))
@when(parsers.parse('I open the page "{path}"'))
@given(phrase('我打开页面"{path}"'))
@when(phrase('我打开页面"{path}"'))
def open_page(uatkit_page: Any, base_url: str, path: str) -> None:
    """Open a page of the system under test."""
    uatkit_page.goto(_url(base_url, path))


# --- forms


@when(parsers.parse('I fill "{label}" with "{value}"'))
@when(phrase('我在"{label}"中填写"{value}"'))
def fill(uatkit_page: Any, label: str, value: str) -> None:
    """Fill the field with this label."""
    uatkit_page.get_by_label(label, exact=True).fill(value)


@when(phrase('I fill the field named "{name}" with "{value}"'))
@when(phrase('我在名为"{name}"的输入框中填写"{value}"'))
def fill_named(uatkit_page: Any, name: str, value: str) -> None:
    """Fill the text field with this accessible name (label, aria-label, title, placeholder) or name."""
    _named(uatkit_page, _TYPED, name, "input textarea").fill(value)


@when(phrase('I fill the field whose placeholder is "{placeholder}" with "{value}"'))
@when(phrase('我在占位提示为"{placeholder}"的输入框中填写"{value}"'))
def fill_placeholder(uatkit_page: Any, placeholder: str, value: str) -> None:
    """Fill the field showing this placeholder."""
    uatkit_page.get_by_placeholder(placeholder, exact=True).fill(value)


@when(phrase('I fill the field whose test id is "{test_id}" with "{value}"'))
@when(phrase('我在测试标识为"{test_id}"的输入框中填写"{value}"'))
def fill_test_id(uatkit_page: Any, test_id: str, value: str) -> None:
    """Fill the field with this test id (data-testid, or the project's test id attribute)."""
    uatkit_page.get_by_test_id(test_id).fill(value)


@when(phrase('I select "{option}" in "{label}"'))
@when(phrase('我在"{label}"中选择"{option}"'))
def select(uatkit_page: Any, label: str, option: str) -> None:
    """Choose an option, by its text or value, in the list with this label."""
    uatkit_page.get_by_label(label, exact=True).select_option(option)


@when(phrase('I select "{option}" in the list named "{name}"'))
@when(phrase('我在名为"{name}"的下拉框中选择"{option}"'))
def select_named(uatkit_page: Any, name: str, option: str) -> None:
    """Choose an option in the list with this accessible name or name attribute."""
    _named(uatkit_page, ("combobox", "listbox"), name, "select").select_option(option)


@when(phrase('I check "{label}"'))
@when(phrase('我勾选"{label}"'))
def check(uatkit_page: Any, label: str) -> None:
    """Tick the checkbox (or choose the radio button) with this label."""
    uatkit_page.get_by_label(label, exact=True).check()


@when(phrase('I uncheck "{label}"'))
@when(phrase('我取消勾选"{label}"'))
def uncheck(uatkit_page: Any, label: str) -> None:
    """Clear the checkbox with this label."""
    uatkit_page.get_by_label(label, exact=True).uncheck()


@then(phrase('the checkbox "{label}" is checked'))
@then(phrase('复选框"{label}"已勾选'))
def is_checked(uatkit_page: Any, label: str) -> None:
    """Check that the checkbox with this label is ticked."""
    expect(uatkit_page.get_by_label(label, exact=True)).to_be_checked()


@then(phrase('the checkbox "{label}" is not checked'))
@then(phrase('复选框"{label}"未勾选'))
def is_not_checked(uatkit_page: Any, label: str) -> None:
    """Check that the checkbox with this label is clear."""
    expect(uatkit_page.get_by_label(label, exact=True)).not_to_be_checked()


# --- buttons and links


@when(parsers.parse('I click the button "{name}"'))
@when(phrase('我点击按钮"{name}"'))
def click(uatkit_page: Any, name: str) -> None:
    """Click the button with this text."""
    uatkit_page.get_by_role("button", name=name, exact=True).click()


@when(phrase('I click the link "{name}"'))
@when(phrase('我点击链接"{name}"'))
def click_link(uatkit_page: Any, name: str) -> None:
    """Click the link with this text."""
    uatkit_page.get_by_role("link", name=name, exact=True).click()


# --- what the page shows


def _shown(page: Any, text: str) -> Any:
    return page.get_by_text(text, exact=False).locator("visible=true")


@then(parsers.parse('I see "{text}"'))
@then(phrase('我看到"{text}"'))
def see(uatkit_page: Any, text: str) -> None:
    """Check that the page shows a text."""
    expect(_shown(uatkit_page, text).first).to_be_visible()


@then(phrase('I do not see "{text}"'))
@then(phrase('我看不到"{text}"'))
def do_not_see(uatkit_page: Any, text: str) -> None:
    """Check that the page shows no element with this text (hidden ones do not count)."""
    expect(_shown(uatkit_page, text)).to_have_count(0)


@then(phrase('the URL is "{url}"'))
@then(phrase('网址是"{url}"'))
def url_is(uatkit_page: Any, base_url: str, url: str) -> None:
    """Check the page's whole URL; a path ("/orders?page=2") is taken on the base URL."""
    expect(uatkit_page).to_have_url(_url(base_url, url) if url.startswith("/") else url)


@then(phrase('the URL contains "{text}"'))
@then(phrase('网址包含"{text}"'))
def url_contains(uatkit_page: Any, text: str) -> None:
    """Check that the page's URL holds a text."""
    expect(uatkit_page).to_have_url(re.compile(re.escape(text)))


@then(phrase('the title is "{title}"'))
@then(phrase('页面标题是"{title}"'))
def title_is(uatkit_page: Any, title: str) -> None:
    """Check the page's title."""
    expect(uatkit_page).to_have_title(title)


# --- tables


def _data_rows(scope: Any, page: Any) -> Any:
    """Return the rows holding data cells: header rows (only column headers) are not counted."""
    cells = page.get_by_role("cell").or_(page.get_by_role("gridcell"))
    return scope.get_by_role("row").filter(has=cells)


def _table(page: Any, name: str | None) -> Any:
    """Return the table with this accessible name (caption, aria-label), or the page's only table."""
    tables = page.get_by_role("table", name=name, exact=True).or_(
        page.get_by_role("grid", name=name, exact=True)
    )
    expect(tables.first).to_be_attached()
    if name is None and (count := tables.count()) > 1:
        pytest.fail(
            f'the page has {count} tables: name the one you mean, e.g. the table "Orders" has 3 rows '
            "(its caption or aria-label)",
            pytrace=False,
        )
    return tables


@then(phrase("the table has {count:d} rows"))
@then(phrase("the table has {count:d} row"))
@then(phrase("表格有{count:d}行"))
def table_rows(uatkit_page: Any, count: int) -> None:
    """Check how many data rows the page's table has."""
    expect(_data_rows(_table(uatkit_page, None), uatkit_page)).to_have_count(count)


@then(phrase('the table "{name}" has {count:d} rows'))
@then(phrase('the table "{name}" has {count:d} row'))
@then(phrase('表格"{name}"有{count:d}行'))
def named_table_rows(uatkit_page: Any, name: str, count: int) -> None:
    """Check how many data rows the table with this caption or aria-label has."""
    expect(_data_rows(_table(uatkit_page, name), uatkit_page)).to_have_count(count)


@then(phrase('the table has a row containing "{text}"'))
@then(phrase('表格中有包含"{text}"的行'))
def has_row(uatkit_page: Any, text: str) -> None:
    """Check that some data row holds a text."""
    expect(_data_rows(uatkit_page, uatkit_page).filter(has_text=text).first).to_be_visible()


@then(phrase('the table has no row containing "{text}"'))
@then(phrase('表格中没有包含"{text}"的行'))
def has_no_row(uatkit_page: Any, text: str) -> None:
    """Check that no data row holds a text."""
    expect(_data_rows(uatkit_page, uatkit_page).filter(has_text=text)).to_have_count(0)


@then(phrase('the row containing "{text}" shows "{value}"'))
@then(phrase('包含"{text}"的行显示"{value}"'))
def row_shows(uatkit_page: Any, text: str, value: str) -> None:
    """Check that the one data row holding a text also shows a value."""
    rows = _data_rows(uatkit_page, uatkit_page).filter(has_text=text)
    expect(rows.first).to_be_visible()
    if (count := rows.count()) > 1:
        pytest.fail(f'{count} rows contain "{text}": use a text only one row holds', pytrace=False)
    expect(rows).to_contain_text(value)
