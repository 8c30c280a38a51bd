"""The demo's HTML pages over HTTP: forms, labels, alerts, data-testid values and escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import requests
from demo_helpers import Client

from uatkit.demo.server import RunningServer

PAGES = ["/", "/customers", "/products", "/orders/new", "/orders", "/approvals", "/low-stock", "/users"]


class Page(HTMLParser):
    """The parts of a page the tests look at: inputs, labels, buttons, alerts and data-testid texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []
        self.labels: set[str] = set()
        self.buttons: list[str] = []
        self.alerts: list[str] = []
        self.testids: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None, bool, bool]] = []
        self._text: list[list[str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "input":
            self.inputs.append(values)
            return
        if tag == "label" and "for" in values:
            self.labels.add(values["for"])
        self._open.append((tag, values.get("data-testid"), tag == "button", values.get("role") == "alert"))
        self._text.append([])

    def handle_data(self, data: str) -> None:
        for parts in self._text:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self._open or tag == "input":
            return
        _, testid, button, alert = self._open.pop()
        text = " ".join("".join(self._text.pop()).split())
        if testid:
            self.testids.setdefault(testid, []).append(text)
        if button:
            self.buttons.append(text)
        if alert:
            self.alerts.append(text)

    def one(self, testid: str) -> str:
        """Return the text of the one element with this data-testid."""
        [text] = self.testids[testid]
        return text


@pytest.fixture
def site(server: RunningServer, workspace: str) -> Iterator[requests.Session]:
    """Return a cookie-keeping HTTP client logged in as clara through the login form."""
    with requests.Session() as http:
        form = {"username": "clara", "password": "clara-secret", "workspace": workspace}
        response = http.post(server.url + "/login", data=form, timeout=10)
        assert response.url == server.url + "/" and response.status_code == 200
        yield http


def test_the_login_form_has_labels_prefills_the_workspace_and_masks_the_password(
    server: RunningServer, workspace: str
) -> None:
    page = Page(requests.get(f"{server.url}/login?workspace={workspace}", timeout=10).text)
    fields = {field["name"]: field for field in page.inputs if field.get("type") != "hidden"}
    assert set(fields) == {"username", "password", "workspace"}
    assert {field["id"] for field in fields.values()} <= page.labels
    assert fields["password"]["type"] == "password" and fields["workspace"]["value"] == workspace
    assert page.buttons == ["Log in"]


def test_a_failed_login_shows_an_alert_and_does_not_repeat_the_password(
    server: RunningServer, workspace: str
) -> None:
    form = {"username": "clara", "password": "hunter2", "workspace": workspace}
    response = requests.post(server.url + "/login", data=form, timeout=10)
    page = Page(response.text)
    assert response.status_code == 401 and page.alerts == ["invalid user name or password"]
    assert "hunter2" not in response.text
    assert [field.get("value") for field in page.inputs if field["name"] == "password"] == [""]


def test_pages_need_a_login(server: RunningServer) -> None:
    response = requests.get(server.url + "/orders", timeout=10, allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"] == "/login?next=/orders"


def test_every_page_renders_with_labelled_inputs(site: requests.Session, server: RunningServer) -> None:
    for path in PAGES:
        response = site.get(server.url + path, timeout=10)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        page = Page(response.text)
        assert page.one("current-user") == "clara" and page.alerts == []
        for field in page.inputs:
            if field.get("type") != "hidden":
                assert field.get("id") in page.labels, (path, field)
        assert all(page.buttons), path


def test_placing_an_order_through_the_form(site: requests.Session, server: RunningServer) -> None:
    site.post(server.url + "/customers", data={"name": "ACME Ltd"}, timeout=10)
    site.post(server.url + "/products", data={"name": "Widget", "price": "9.99", "stock": "100"}, timeout=10)
    form = {"customer": "ACME Ltd", "product1": "Widget", "quantity1": "3", "discount": "0"}
    response = site.post(server.url + "/orders/new", data=form, timeout=10)
    assert response.url == server.url + "/orders/1"
    page = Page(response.text)
    values = [page.one(key) for key in ("order-subtotal", "order-discount", "order-tax", "order-total")]
    assert values == ["29.97", "0.00", "3.00", "32.97"] and page.one("order-status") == "confirmed"
    assert "Cancel order" in page.buttons and "Approve" not in page.buttons
    invoice = site.get(server.url + "/orders/1/invoice", timeout=10).text
    assert "ACME Ltd" in invoice and "Tax 10%" in invoice and "32.97" in invoice
    products = Page(site.get(server.url + "/products", timeout=10).text)
    assert products.one("product-stock") == "97"


def test_form_errors_are_alerts(site: requests.Session, server: RunningServer) -> None:
    site.post(server.url + "/customers", data={"name": "ACME Ltd"}, timeout=10)
    site.post(server.url + "/products", data={"name": "Widget", "price": "9.99", "stock": "5"}, timeout=10)
    form = {"customer": "ACME Ltd", "product1": "Widget", "quantity1": "6", "discount": "0"}
    response = site.post(server.url + "/orders/new", data=form, timeout=10)
    page = Page(response.text)
    assert response.status_code == 409 and page.alerts == ["insufficient stock for Widget"]
    assert [f["value"] for f in page.inputs if f["name"] == "quantity1"] == ["6"]
    received = site.post(
        server.url + "/products/receive", data={"product": "Widget", "quantity": "-3"}, timeout=10
    )
    assert Page(received.text).alerts == ["quantity must be at least 1"]


def test_manager_approves_in_the_browser_and_clerk_sees_no_report(
    site: requests.Session, server: RunningServer, workspace: str
) -> None:
    site.post(server.url + "/customers", data={"name": "ACME Ltd"}, timeout=10)
    site.post(server.url + "/products", data={"name": "Widget", "price": "9.99", "stock": "100"}, timeout=10)
    form = {"customer": "ACME Ltd", "product1": "Widget", "quantity1": "10", "discount": "15"}
    clerk_view = Page(site.post(server.url + "/orders/new", data=form, timeout=10).text)
    assert clerk_view.one("order-status") == "awaiting approval" and "approval-note" in clerk_view.testids
    report = site.get(server.url + "/reports/sales", timeout=10)
    assert report.status_code == 403 and Page(report.text).alerts == [
        "only a manager may see the sales report"
    ]
    refused = site.post(server.url + "/orders/1/approve", timeout=10)
    assert Page(refused.text).alerts == ["only a manager may approve discounts above 10%"]
    with requests.Session() as manager:
        login = {"username": "max", "password": "max-secret", "workspace": workspace}
        manager.post(server.url + "/login", data=login, timeout=10)
        queue = Page(manager.get(server.url + "/approvals", timeout=10).text)
        assert queue.one("approval-count") == "1"
        page = Page(manager.get(server.url + "/orders/1", timeout=10).text)
        assert {"Approve", "Decline", "Cancel order"} <= set(page.buttons)
        approved = Page(manager.post(server.url + "/orders/1/approve", timeout=10).text)
        assert (approved.one("order-status"), approved.one("order-total")) == ("confirmed", "93.40")
        today = approved.one("order-date")
        report = Page(manager.get(f"{server.url}/reports/sales?from={today}&to={today}", timeout=10).text)
        assert report.one("sales-grand-total") == "93.40" and report.one("sales-product-revenue") == "99.90"


def test_text_is_always_escaped(site: requests.Session, server: RunningServer) -> None:
    evil = "<script>alert('x')</script> & 华东"
    site.post(server.url + "/customers", data={"name": evil}, timeout=10)
    site.post(
        server.url + "/products", data={"name": "<b>Widget</b>", "price": "1.00", "stock": "5"}, timeout=10
    )
    form = {"customer": evil, "product1": "<b>Widget</b>", "quantity1": "1"}
    site.post(server.url + "/orders/new", data=form, timeout=10)
    for path in ["/customers", "/products", "/orders", "/orders/1", "/orders/1/invoice", "/low-stock"]:
        text = site.get(server.url + path, timeout=10).text
        assert "<script>" not in text and "<b>Widget" not in text, path
        assert re.search(r"&lt;(script|b)&gt;", text), path
    assert Page(site.get(server.url + "/orders/1", timeout=10).text).one("order-customer") == evil


def test_logout_ends_the_browser_session(site: requests.Session, server: RunningServer) -> None:
    response = site.post(server.url + "/logout", timeout=10)
    assert response.url.startswith(server.url + "/login")
    assert site.get(server.url + "/orders", timeout=10, allow_redirects=False).status_code == 303


def test_security_headers(server: RunningServer) -> None:
    headers = requests.get(server.url + "/login", timeout=10).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert requests.get(server.url + "/nowhere", timeout=10).status_code == 404


def test_client_helper_matches_the_pages(clerk: Client) -> None:
    # a login through the API also opens the pages: the same session cookie
    response = clerk.http.get(clerk.url + "/", timeout=10)
    assert Page(response.text).one("current-role") == "clerk"
