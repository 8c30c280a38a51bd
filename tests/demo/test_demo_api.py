"""The demo's JSON API over HTTP, against the real server started with `uatkit.demo.server.start()`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from demo_helpers import Client

from uatkit.demo import __build__, __version__
from uatkit.demo.server import RunningServer

SECRETS = ("clara-secret", "max-secret", "hunter2", "pbkdf2")


def no_secret_in(response: requests.Response) -> bool:
    """Tell whether a response (body and headers) is free of passwords and password hashes."""
    text = response.text + " ".join(f"{key}: {value}" for key, value in response.headers.items())
    return not any(secret in text for secret in SECRETS)


def setup_widget(client: Client, stock: int = 100) -> None:
    assert client.post("/api/customers", json={"name": "ACME Ltd"}).status_code == 201
    response = client.post("/api/products", json={"name": "Widget", "price": "9.99", "stock": stock})
    assert response.status_code == 201


def place(client: Client, quantity: int, discount: int = 0, **extra: object) -> requests.Response:
    body = {
        "customer": "ACME Ltd",
        "lines": [{"product": "Widget", "quantity": quantity}],
        "discount": discount,
    }
    return client.post("/api/orders", json={**body, **extra})


def test_health(server: RunningServer) -> None:
    response = requests.get(server.url + "/health", timeout=10)
    assert response.json() == {"status": "ok", "version": __version__}


def test_version_and_build_are_published_without_a_session(server: RunningServer) -> None:
    response = requests.get(server.url + "/api/version", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"name": "uatkit demo", "version": __version__, "build": __build__}


@pytest.mark.parametrize(("user", "role"), [("clara", "clerk"), ("max", "manager")])
def test_login_returns_token_and_role_and_sets_a_safe_cookie(anonymous: Client, user: str, role: str) -> None:
    response = anonymous.post("/api/login", json={"username": user, "password": f"{user}-secret"})
    assert response.status_code == 200
    data = response.json()
    assert data["user"] == {"name": user, "role": role} and len(data["token"]) >= 32
    cookie = response.headers["Set-Cookie"]
    assert "session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert no_secret_in(response)
    bearer = {"Authorization": f"Bearer {data['token']}", "X-Workspace": anonymous.workspace}
    me = requests.get(anonymous.url + "/api/me", headers=bearer, timeout=10)
    assert me.json()["user"] == {"name": user, "role": role}


@pytest.mark.parametrize(
    ("user", "password"),
    [("clara", "wrong"), ("max", "clara-secret"), ("nobody", "secret"), ("clara", "hunter2")],
)
def test_wrong_logins_are_refused_without_echoing_the_password(
    anonymous: Client, user: str, password: str
) -> None:
    response = anonymous.post("/api/login", json={"username": user, "password": password})
    assert (response.status_code, response.json()) == (401, {"error": "invalid user name or password"})
    assert no_secret_in(response) and password not in response.text and "Set-Cookie" not in response.headers
    assert anonymous.get("/api/me").status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/orders"),
        ("POST", "/api/orders"),
        ("GET", "/api/products"),
        ("POST", "/api/orders/1/approve"),
        ("GET", "/api/reports/sales"),
        ("GET", "/api/users"),
    ],
)
def test_the_api_refuses_requests_without_a_login(anonymous: Client, method: str, path: str) -> None:
    response = anonymous.http.request(method, anonymous.url + path, json={}, timeout=10)
    assert (response.status_code, response.json()) == (401, {"error": "login required"})


def test_the_sales_report_is_for_managers_only(clerk: Client, manager: Client) -> None:
    period = "/api/reports/sales?from=2024-03-01&to=2024-03-31"
    response = clerk.get(period)
    assert (response.status_code, response.json()) == (
        403,
        {"error": "only a manager may see the sales report"},
    )
    assert manager.get(period).status_code == 200
    assert clerk.get("/api/orders").status_code == 200


def test_logging_out_and_idling_end_the_session(clerk: Client, manager: Client) -> None:
    assert clerk.post("/api/logout").status_code == 200
    assert clerk.get("/api/orders").status_code == 401
    assert manager.post("/api/clock", json={"advance_minutes": 29}).status_code == 200
    assert manager.get("/api/orders").status_code == 200
    manager.post("/api/clock", json={"advance_minutes": 31})
    assert manager.get("/api/orders").json() == {"error": "login required"}


def test_workspaces_isolate_tests_from_each_other(server: RunningServer, clerk: Client) -> None:
    setup_widget(clerk)
    other_workspace = requests.post(server.url + "/api/workspaces", timeout=10).json()["workspace"]
    with requests.Session() as other:
        other.headers["X-Workspace"] = other_workspace
        login = other.post(server.url + "/api/login", json={"username": "clara", "password": "clara-secret"})
        assert login.status_code == 200
        assert other.get(server.url + "/api/products").json() == {"products": []}
        # a token of one workspace opens nothing in another
        token = clerk.post("/api/login", json={"username": "clara", "password": "clara-secret"}).json()[
            "token"
        ]
        headers = {"Authorization": f"Bearer {token}", "X-Workspace": other_workspace}
        assert requests.get(server.url + "/api/orders", headers=headers, timeout=10).status_code == 401
    assert [p["name"] for p in clerk.get("/api/products").json()["products"]] == ["Widget"]


def test_login_needs_a_known_workspace(server: RunningServer) -> None:
    body = {"username": "clara", "password": "clara-secret"}
    missing = requests.post(server.url + "/api/login", json=body, timeout=10)
    assert (missing.status_code, missing.json()) == (
        400,
        {"error": "workspace required: send the X-Workspace header"},
    )
    unknown = requests.post(server.url + "/api/login", json=body, headers={"X-Workspace": "nope"}, timeout=10)
    assert (unknown.status_code, unknown.json()) == (404, {"error": "unknown workspace"})


def test_placing_orders_with_amounts_as_strings(clerk: Client) -> None:
    setup_widget(clerk)
    clerk.post("/api/products", json={"name": "Gadget", "price": 24.50, "stock": 100})
    lines = [{"product": "Widget", "quantity": 2}, {"product": "Gadget", "quantity": 1}]
    response = clerk.post("/api/orders", json={"customer": "ACME Ltd", "lines": lines})
    assert response.status_code == 201
    order = response.json()
    assert order["status"] == "confirmed" and order["placed_by"] == "clara"
    assert [order["subtotal"], order["discount"], order["tax"], order["total"]] == [
        "44.48",
        "0.00",
        "4.45",
        "48.93",
    ]
    assert order["lines"][0] == {"product": "Widget", "quantity": 2, "unit_price": "9.99", "amount": "19.98"}
    assert clerk.get(f"/api/orders/{order['id']}").json() == order
    assert [o["id"] for o in clerk.get("/api/orders").json()["orders"]] == [order["id"]]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"customer": "Nobody Inc", "lines": [{"product": "Widget", "quantity": 1}]},
            400,
            "unknown customer",
        ),
        (
            {"customer": "ACME Ltd", "lines": [{"product": "Doohickey", "quantity": 1}]},
            400,
            "unknown product",
        ),
        (
            {"customer": "ACME Ltd", "lines": [{"product": "Widget", "quantity": 0}]},
            400,
            "quantity must be at least 1",
        ),
        (
            {"customer": "ACME Ltd", "lines": [{"product": "Widget", "quantity": 6}]},
            409,
            "insufficient stock for Widget",
        ),
        (
            {"customer": "ACME Ltd", "lines": [{"product": "Widget", "quantity": 1}], "discount": 31},
            400,
            "discount must be between 0% and 30%",
        ),
        ({"customer": "ACME Ltd", "lines": []}, 400, "an order needs at least one line"),
    ],
)
def test_order_errors(clerk: Client, body: dict[str, object], status: int, error: str) -> None:
    setup_widget(clerk, stock=5)
    response = clerk.post("/api/orders", json=body)
    assert (response.status_code, response.json()) == (status, {"error": error})
    assert clerk.get("/api/products/Widget").json()["stock"] == 5


def test_approval_flow_with_stock(clerk: Client, manager: Client) -> None:
    setup_widget(clerk)
    waiting = place(clerk, 10, discount=15).json()
    assert waiting["status"] == "awaiting approval"
    assert [o["id"] for o in manager.get("/api/approvals").json()["orders"]] == [waiting["id"]]
    refused = clerk.post(f"/api/orders/{waiting['id']}/approve")
    assert (refused.status_code, refused.json()) == (
        403,
        {"error": "only a manager may approve discounts above 10%"},
    )
    approved = manager.post(f"/api/orders/{waiting['id']}/approve").json()
    assert (approved["status"], approved["total"]) == ("confirmed", "93.40")
    assert clerk.get("/api/products/Widget").json()["stock"] == 90
    assert manager.get("/api/orders?status=awaiting approval").json() == {"orders": []}
    cancelled = clerk.post(f"/api/orders/{waiting['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and clerk.get("/api/products/1").json()["stock"] == 100
    again = clerk.post(f"/api/orders/{waiting['id']}/cancel")
    assert (again.status_code, again.json()) == (409, {"error": "order is already cancelled"})
    declined = manager.post(f"/api/orders/{place(clerk, 1, discount=20).json()['id']}/decline").json()
    assert declined["status"] == "declined"
    assert clerk.get("/api/orders/99").status_code == 404


def test_goods_received_and_low_stock(clerk: Client) -> None:
    clerk.post("/api/products", json={"name": "保温杯", "price": "35.00", "stock": 5})
    clerk.post("/api/products", json={"name": "Widget", "price": "9.99", "stock": 12})
    assert [p["name"] for p in clerk.get("/api/low-stock").json()["products"]] == ["保温杯"]
    received = clerk.post("/api/products/保温杯/receive", json={"quantity": 50})
    assert (received.status_code, received.json()["stock"]) == (200, 55)
    refused = clerk.post("/api/products/1/receive", json={"quantity": 0})
    assert (refused.status_code, refused.json()) == (400, {"error": "quantity must be at least 1"})
    unknown = clerk.post("/api/products/Doohickey/receive", json={"quantity": 1})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "unknown product"})
    assert clerk.get("/api/low-stock").json() == {"products": []}


def test_sales_report_by_day_and_product(clerk: Client, manager: Client) -> None:
    setup_widget(clerk)
    clerk.post("/api/products", json={"name": "Gadget", "price": "24.50", "stock": 100})
    for product, quantity, day in [
        ("Widget", 2, "2024-03-01"),
        ("Gadget", 1, "2024-03-01"),
        ("Widget", 3, "2024-03-02"),
    ]:
        body = {
            "customer": "ACME Ltd",
            "lines": [{"product": product, "quantity": quantity}],
            "order_date": day,
        }
        assert clerk.post("/api/orders", json=body).status_code == 201
    report = manager.get("/api/reports/sales?from=2024-03-01&to=2024-03-31").json()
    assert report["days"][:3] == [
        {"date": "2024-03-01", "orders": 2, "total": "48.93"},
        {"date": "2024-03-02", "orders": 1, "total": "32.97"},
        {"date": "2024-03-03", "orders": 0, "total": "0.00"},
    ]
    assert len(report["days"]) == 31 and report["grand_total"] == "81.90" and report["orders"] == 3
    assert report["products"] == [
        {"product": "Widget", "units": 5, "revenue": "49.95"},
        {"product": "Gadget", "units": 1, "revenue": "24.50"},
    ]
    bad = manager.get("/api/reports/sales?from=2024-03-31&to=2024-03-01")
    assert (bad.status_code, bad.json()) == (400, {"error": "the period must not end before it starts"})


def test_invoice(clerk: Client) -> None:
    setup_widget(clerk)
    invoice = clerk.get(f"/api/orders/{place(clerk, 3).json()['id']}/invoice").json()
    assert (invoice["customer"], invoice["tax_label"], invoice["total"]) == ("ACME Ltd", "Tax 10%", "32.97")


def test_users_show_names_and_roles_and_no_response_shows_a_password(manager: Client) -> None:
    response = manager.get("/api/users")
    assert response.json() == {
        "users": [{"name": "clara", "role": "clerk"}, {"name": "max", "role": "manager"}]
    }
    for path in ["/api/users", "/api/me", "/api/orders", "/api/customers", "/api/products"]:
        assert no_secret_in(manager.get(path)), path


def test_customers_are_idempotent_by_name(clerk: Client) -> None:
    first = clerk.post("/api/customers", json={"name": "华东贸易"}).json()
    assert clerk.post("/api/customers", json={"name": "华东贸易"}).json() == first
    assert clerk.get("/api/customers").json() == {"customers": [first]}


def test_bad_requests_get_json_errors(clerk: Client) -> None:
    assert clerk.get("/api/nothing-here").json() == {"error": "not found"}
    wrong_method = clerk.http.delete(clerk.url + "/api/orders", timeout=10)
    assert (wrong_method.status_code, wrong_method.json()) == (405, {"error": "method not allowed"})
    not_json = clerk.post("/api/orders", data=b"{nope", headers={"Content-Type": "application/json"})
    assert (not_json.status_code, not_json.json()) == (400, {"error": "request body must be JSON"})
    float_price = clerk.post("/api/products", json={"name": "Widget", "price": 9.999, "stock": 1})
    assert float_price.status_code == 400
    assert clerk.get("/api/orders?status=shipped").json() == {"error": "unknown status"}


def test_concurrent_orders_never_oversell(clerk: Client) -> None:
    setup_widget(clerk, stock=10)
    token = clerk.post("/api/login", json={"username": "clara", "password": "clara-secret"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}", "X-Workspace": clerk.workspace}
    body = {"customer": "ACME Ltd", "lines": [{"product": "Widget", "quantity": 1}]}

    def order(_: int) -> int:
        return requests.post(clerk.url + "/api/orders", json=body, headers=headers, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(order, range(16)))
    assert statuses == [201] * 10 + [409] * 6
    assert clerk.get("/api/products/Widget").json()["stock"] == 0
