"""Helpers of the demo's tests: the in-process `World` and the HTTP `Client` (used by conftest and tests)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests

from uatkit.demo.domain import Shop
from uatkit.demo.model import Order, Session
from uatkit.demo.server import RunningServer


@dataclass
class World:
    """One test's workspace in an in-process shop, with a clerk's and a manager's session."""

    shop: Shop
    workspace: str
    clerk: Session
    manager: Session

    def product(self, name: str, price: str, stock: int) -> None:
        """Create a product (as the clerk)."""
        self.shop.set_product(self.clerk, name, Decimal(price), stock)

    def customer(self, name: str = "ACME Ltd") -> None:
        """Create a customer (as the clerk)."""
        self.shop.add_customer(self.clerk, name)

    def order(
        self,
        *lines: tuple[str, int],
        discount: int = 0,
        by: Session | None = None,
        customer: str = "ACME Ltd",
        order_date: str | None = None,
    ) -> Order:
        """Place an order (for ACME Ltd, by the clerk, today unless told)."""
        return self.shop.place_order(by or self.clerk, customer, list(lines), discount, order_date)

    def stock(self, name: str) -> int:
        """Return the stock of a product."""
        return self.shop.product(self.clerk, name).stock


class Client:
    """A requests session bound to the demo server and one workspace."""

    def __init__(self, server: RunningServer, workspace: str) -> None:
        self.url = server.url
        self.workspace = workspace
        self.http = requests.Session()
        self.http.headers["X-Workspace"] = workspace

    def get(self, path: str, **kw: Any) -> requests.Response:
        """Send a GET request."""
        return self.http.get(self.url + path, timeout=10, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        """Send a POST request."""
        return self.http.post(self.url + path, timeout=10, **kw)

    def login(self, user: str) -> Client:
        """Log in as clara or max; the session cookie goes into this client."""
        response = self.post("/api/login", json={"username": user, "password": f"{user}-secret"})
        assert response.status_code == 200, response.text
        return self
