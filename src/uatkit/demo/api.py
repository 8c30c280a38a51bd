"""The JSON API under /api: every call but workspace creation, login and the test clock needs a session."""

from __future__ import annotations

from typing import Any

from uatkit.demo.domain import Shop
from uatkit.demo.model import (
    Customer,
    DomainError,
    Invoice,
    Order,
    OrderLine,
    Product,
    SalesReport,
    Session,
    User,
    money,
)
from uatkit.demo.wsgi import Request, Response, Router, json_response

SESSION_COOKIE = "session"
WORKSPACE_COOKIE = "workspace"


def user_json(user: User) -> dict[str, Any]:
    """Return a user as JSON: name and role, never the password or its hash."""
    return {"name": user.name, "role": user.role.value}


def customer_json(customer: Customer) -> dict[str, Any]:
    """Return a customer as JSON."""
    return {"id": customer.id, "name": customer.name}


def product_json(product: Product) -> dict[str, Any]:
    """Return a product as JSON, its price as a string with 2 decimals."""
    return {"id": product.id, "name": product.name, "price": money(product.price), "stock": product.stock}


def line_json(line: OrderLine) -> dict[str, Any]:
    """Return an order line as JSON."""
    return {
        "product": line.product,
        "quantity": line.quantity,
        "unit_price": money(line.unit_price),
        "amount": money(line.amount),
    }


def order_json(order: Order) -> dict[str, Any]:
    """Return an order as JSON with its amounts."""
    totals = order.totals
    return {
        "id": order.id,
        "customer": order.customer,
        "order_date": order.order_date.isoformat(),
        "status": order.status.value,
        "placed_by": order.placed_by,
        "discount_percent": order.discount_percent,
        "lines": [line_json(line) for line in order.lines],
        "subtotal": money(totals.subtotal),
        "discount": money(totals.discount),
        "tax": money(totals.tax),
        "total": money(totals.total),
    }


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    """Return an invoice as JSON."""
    return {
        "number": invoice.number,
        "date": invoice.invoice_date.isoformat(),
        "customer": invoice.customer,
        "lines": [line_json(line) for line in invoice.lines],
        "subtotal": money(invoice.totals.subtotal),
        "discount_percent": invoice.discount_percent,
        "discount": money(invoice.totals.discount),
        "tax_label": invoice.tax_label,
        "tax": money(invoice.totals.tax),
        "total": money(invoice.totals.total),
    }


def report_json(report: SalesReport) -> dict[str, Any]:
    """Return a sales report as JSON: every day of the period, the products sold and the grand total."""
    return {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "days": [
            {"date": d.day.isoformat(), "orders": d.orders, "total": money(d.total)} for d in report.days
        ],
        "products": [
            {"product": p.product, "units": p.units, "revenue": money(p.revenue)} for p in report.products
        ],
        "orders": report.orders,
        "grand_total": money(report.grand_total),
    }


def workspace_of(request: Request) -> str | None:
    """Return the workspace a request names: the X-Workspace header, else the workspace cookie."""
    return request.headers.get("x-workspace") or request.cookies.get(WORKSPACE_COOKIE) or None


def token_of(request: Request) -> str | None:
    """Return the session token of a request: the bearer token, else the session cookie."""
    return request.bearer or request.cookies.get(SESSION_COOKIE) or None


class Api:
    """The handlers of the JSON API; each turns a request into one call of the shop."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    def register(self, router: Router) -> None:
        """Add the API's routes to a router."""
        for method, pattern, handler in [
            ("POST", "/api/workspaces", self.create_workspace),
            ("POST", "/api/login", self.login),
            ("POST", "/api/logout", self.logout),
            ("GET", "/api/me", self.me),
            ("POST", "/api/clock", self.clock),
            ("GET", "/api/users", self.users),
            ("GET", "/api/customers", self.customers),
            ("POST", "/api/customers", self.add_customer),
            ("GET", "/api/products", self.products),
            ("POST", "/api/products", self.set_product),
            ("GET", "/api/products/<key>", self.product),
            ("POST", "/api/products/<key>/receive", self.receive),
            ("GET", "/api/low-stock", self.low_stock),
            ("GET", "/api/orders", self.orders),
            ("POST", "/api/orders", self.place_order),
            ("GET", "/api/approvals", self.approvals),
            ("GET", "/api/orders/<id>", self.order),
            ("GET", "/api/orders/<id>/invoice", self.invoice),
            ("POST", "/api/orders/<id>/approve", self.approve),
            ("POST", "/api/orders/<id>/decline", self.decline),
            ("POST", "/api/orders/<id>/cancel", self.cancel),
            ("GET", "/api/reports/sales", self.sales_report),
        ]:
            router.add(method, pattern, handler)

    def session(self, request: Request) -> Session:
        """Return the request's live session, or refuse with 401 "login required"."""
        return self.shop.authenticate(token_of(request), workspace_of(request))

    def required_workspace(self, request: Request) -> str:
        """Return the request's workspace, or refuse with 400 when it names none."""
        workspace = workspace_of(request)
        if workspace is None:
            raise DomainError("workspace required: send the X-Workspace header")
        return workspace

    def create_workspace(self, request: Request) -> Response:
        """POST /api/workspaces: create an empty workspace (test support; admin-only in a real deployment)."""
        return json_response({"workspace": self.shop.create_workspace()}, 201)

    def login(self, request: Request) -> Response:
        """POST /api/login {"username", "password"}: open a session, also as an HttpOnly cookie."""
        workspace = self.required_workspace(request)
        data = request.json()
        session = self.shop.login(workspace, data.get("username"), data.get("password"))
        response = json_response(
            {"token": session.token, "user": user_json(session.user), "workspace": workspace}
        )
        response.set_cookie(SESSION_COOKIE, session.token)
        response.set_cookie(WORKSPACE_COOKIE, workspace)
        return response

    def logout(self, request: Request) -> Response:
        """POST /api/logout: end the session."""
        self.shop.logout(self.session(request))
        response = json_response({"status": "logged out"})
        response.delete_cookie(SESSION_COOKIE)
        return response

    def me(self, request: Request) -> Response:
        """GET /api/me: the logged-in user."""
        session = self.session(request)
        return json_response({"user": user_json(session.user), "workspace": session.workspace})

    def clock(self, request: Request) -> Response:
        """POST /api/clock {"advance_minutes": n}: move the workspace's clock on (test support)."""
        workspace = self.required_workspace(request)
        now = self.shop.advance_clock(workspace, request.json().get("advance_minutes", 0))
        return json_response({"now": now.isoformat(timespec="seconds")})

    def users(self, request: Request) -> Response:
        """GET /api/users: names and roles."""
        return json_response({"users": [user_json(user) for user in self.shop.users(self.session(request))]})

    def customers(self, request: Request) -> Response:
        """GET /api/customers."""
        found = self.shop.customers(self.session(request))
        return json_response({"customers": [customer_json(customer) for customer in found]})

    def add_customer(self, request: Request) -> Response:
        """POST /api/customers {"name"}: the customer of that name, created if new."""
        session = self.session(request)
        return json_response(customer_json(self.shop.add_customer(session, request.json().get("name"))), 201)

    def products(self, request: Request) -> Response:
        """GET /api/products."""
        found = self.shop.products(self.session(request))
        return json_response({"products": [product_json(product) for product in found]})

    def product(self, request: Request) -> Response:
        """GET /api/products/<name or id>."""
        return json_response(product_json(self.shop.product(self.session(request), request.params["key"])))

    def set_product(self, request: Request) -> Response:
        """POST /api/products {"name", "price", "stock"}: create or update a product."""
        session = self.session(request)
        data = request.json()
        product = self.shop.set_product(session, data.get("name"), data.get("price"), data.get("stock"))
        return json_response(product_json(product), 201)

    def receive(self, request: Request) -> Response:
        """POST /api/products/<name or id>/receive {"quantity"}: goods received."""
        session = self.session(request)
        quantity = request.json().get("quantity")
        return json_response(product_json(self.shop.receive_goods(session, request.params["key"], quantity)))

    def low_stock(self, request: Request) -> Response:
        """GET /api/low-stock: products with less than 10 in stock, the fewest first."""
        found = self.shop.low_stock(self.session(request))
        return json_response({"products": [product_json(product) for product in found]})

    def orders(self, request: Request) -> Response:
        """GET /api/orders[?status=…]."""
        found = self.shop.orders(self.session(request), request.query.get("status"))
        return json_response({"orders": [order_json(order) for order in found]})

    def approvals(self, request: Request) -> Response:
        """GET /api/approvals: the orders awaiting approval."""
        found = self.shop.approval_queue(self.session(request))
        return json_response({"orders": [order_json(order) for order in found]})

    def place_order(self, request: Request) -> Response:
        """POST /api/orders {"customer", "lines": [{"product", "quantity"}], "discount", "order_date"}."""
        session = self.session(request)
        data = request.json()
        order = self.shop.place_order(
            session, data.get("customer"), data.get("lines"), data.get("discount", 0), data.get("order_date")
        )
        return json_response(order_json(order), 201)

    def order(self, request: Request) -> Response:
        """GET /api/orders/<id>."""
        return json_response(order_json(self.shop.order(self.session(request), request.params["id"])))

    def invoice(self, request: Request) -> Response:
        """GET /api/orders/<id>/invoice."""
        return json_response(invoice_json(self.shop.invoice(self.session(request), request.params["id"])))

    def approve(self, request: Request) -> Response:
        """POST /api/orders/<id>/approve (managers only)."""
        return json_response(order_json(self.shop.approve(self.session(request), request.params["id"])))

    def decline(self, request: Request) -> Response:
        """POST /api/orders/<id>/decline (managers only)."""
        return json_response(order_json(self.shop.decline(self.session(request), request.params["id"])))

    def cancel(self, request: Request) -> Response:
        """POST /api/orders/<id>/cancel."""
        return json_response(order_json(self.shop.cancel(self.session(request), request.params["id"])))

    def sales_report(self, request: Request) -> Response:
        """GET /api/reports/sales?from=YYYY-MM-DD&to=YYYY-MM-DD (managers only)."""
        session = self.session(request)
        report = self.shop.sales_report(session, request.query.get("from"), request.query.get("to"))
        return json_response(report_json(report))
