"""The server-rendered HTML pages: real forms, errors in a role="alert" element, values with data-testid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from uatkit.demo import __version__
from uatkit.demo.api import SESSION_COOKIE, WORKSPACE_COOKIE, workspace_of
from uatkit.demo.domain import Shop
from uatkit.demo.model import TAX_LABEL, DomainError, OrderStatus, Session, money
from uatkit.demo.wsgi import Request, Response, Router, html_response, redirect

ORDER_FORM_ROWS = 3


def templates() -> Environment:
    """Return the Jinja2 environment of the pages; autoescaping is on for every template."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = money
    env.globals.update(version=__version__, tax_label=TAX_LABEL, statuses=OrderStatus)
    return env


def _safe_next(target: str | None) -> str:
    # only paths of this site, so the login form cannot redirect anyone elsewhere
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return quote(target, safe="/?&=%-._~")
    return "/"


class Pages:
    """The page handlers; a page needing a login sends the browser to /login and back."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.env = templates()

    def register(self, router: Router) -> None:
        """Add the pages' routes to a router."""
        for method, pattern, handler in [
            ("GET", "/login", self.login_form),
            ("POST", "/login", self.login),
            ("GET", "/logout", self.logout),
            ("POST", "/logout", self.logout),
            ("GET", "/", self.home),
            ("GET", "/customers", self.customers),
            ("POST", "/customers", self.add_customer),
            ("GET", "/products", self.products),
            ("POST", "/products", self.set_product),
            ("POST", "/products/receive", self.receive),
            ("GET", "/low-stock", self.low_stock),
            ("GET", "/orders", self.orders),
            ("GET", "/orders/new", self.order_form),
            ("POST", "/orders/new", self.place_order),
            ("GET", "/approvals", self.approvals),
            ("GET", "/orders/<id>", self.order),
            ("POST", "/orders/<id>/<action>", self.order_action),
            ("GET", "/orders/<id>/invoice", self.invoice),
            ("GET", "/reports/sales", self.sales_report),
            ("GET", "/users", self.users),
        ]:
            router.add(method, pattern, self._guarded(handler))

    def render(self, name: str, status: int = 200, **context: Any) -> Response:
        """Render a template into an HTML response."""
        return html_response(self.env.get_template(name).render(**context), status)

    def _guarded(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def page(request: Request) -> Response:
            try:
                response: Response = handler(request)
            except DomainError as error:
                if error.status == 401:
                    return redirect("/login?next=" + quote(request.path))
                session = self._session(request)
                return self.render("error.html", error.status, session=session, error=error.message)
            return response

        return page

    def _session(self, request: Request) -> Session | None:
        try:
            return self.shop.authenticate(
                request.cookies.get(SESSION_COOKIE), request.cookies.get(WORKSPACE_COOKIE)
            )
        except DomainError:
            return None

    def session(self, request: Request) -> Session:
        """Return the browser's live session; without one the page redirects to the login form."""
        session = self._session(request)
        if session is None:
            raise DomainError("login required", 401)
        return session

    # --- login ------------------------------------------------------------------------------------

    def login_form(self, request: Request) -> Response:
        """GET /login: user name, password and workspace (prefilled from ?workspace= or the cookie)."""
        workspace = request.query.get("workspace") or workspace_of(request) or ""
        return self.render(
            "login.html", workspace=workspace, username="", next=request.query.get("next", "/")
        )

    def login(self, request: Request) -> Response:
        """POST /login: log in, set the session and workspace cookies, go on to the page asked for."""
        form = request.form()
        workspace, username = form.get("workspace", "").strip(), form.get("username", "")
        try:
            if not workspace:
                raise DomainError("workspace required", 400)
            session = self.shop.login(workspace, username, form.get("password", ""))
        except DomainError as error:
            # the password field is rendered empty again: a refused password is never echoed
            context = {"workspace": workspace, "username": username, "next": form.get("next", "/")}
            return self.render("login.html", error.status, error=error.message, **context)
        response = redirect(_safe_next(form.get("next")))
        response.set_cookie(SESSION_COOKIE, session.token)
        response.set_cookie(WORKSPACE_COOKIE, workspace)
        return response

    def logout(self, request: Request) -> Response:
        """GET or POST /logout: end the session and show the login form."""
        session = self._session(request)
        if session is not None:
            self.shop.logout(session)
        response = redirect("/login")
        response.delete_cookie(SESSION_COOKIE)
        return response

    # --- pages --------------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        """GET /: who is logged in and where to go."""
        return self.render("home.html", session=self.session(request))

    def customers(self, request: Request, error: str | None = None, status: int = 200) -> Response:
        """GET /customers: the customers and a form to add one."""
        session = self.session(request)
        found = self.shop.customers(session)
        return self.render("customers.html", status, session=session, customers=found, error=error)

    def add_customer(self, request: Request) -> Response:
        """POST /customers."""
        try:
            self.shop.add_customer(self.session(request), request.form().get("name", ""))
        except DomainError as error:
            if error.status == 401:
                raise
            return self.customers(request, error.message, error.status)
        return redirect("/customers")

    def products(
        self,
        request: Request,
        error: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        """GET /products: the products, a form to add or update one and a form for goods received."""
        session = self.session(request)
        found = self.shop.products(session)
        return self.render(
            "products.html", status, session=session, products=found, error=error, form=form or {}
        )

    def set_product(self, request: Request) -> Response:
        """POST /products: add or update a product."""
        form = request.form()
        try:
            self.shop.set_product(
                self.session(request), form.get("name"), form.get("price"), form.get("stock")
            )
        except DomainError as error:
            if error.status == 401:
                raise
            return self.products(request, error.message, error.status, form)
        return redirect("/products")

    def receive(self, request: Request) -> Response:
        """POST /products/receive: goods received."""
        form = request.form()
        try:
            self.shop.receive_goods(self.session(request), form.get("product", ""), form.get("quantity"))
        except DomainError as error:
            if error.status == 401:
                raise
            return self.products(request, error.message, error.status, form)
        return redirect("/products")

    def low_stock(self, request: Request) -> Response:
        """GET /low-stock."""
        session = self.session(request)
        return self.render("low_stock.html", session=session, products=self.shop.low_stock(session))

    def orders(self, request: Request) -> Response:
        """GET /orders."""
        session = self.session(request)
        found = self.shop.orders(session)
        return self.render("orders.html", session=session, orders=found, title="Orders", queue=False)

    def approvals(self, request: Request) -> Response:
        """GET /approvals: the orders awaiting a manager's approval."""
        session = self.session(request)
        found = self.shop.approval_queue(session)
        return self.render("orders.html", session=session, orders=found, title="Approval queue", queue=True)

    def order_form(
        self,
        request: Request,
        error: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        """GET /orders/new: customer, up to three product rows, discount and an optional order date."""
        session = self.session(request)
        context: dict[str, Any] = {
            "customers": self.shop.customers(session),
            "products": self.shop.products(session),
            "rows": range(1, ORDER_FORM_ROWS + 1),
            "form": form or {"discount": "0"},
        }
        return self.render("order_new.html", status, session=session, error=error, **context)

    def place_order(self, request: Request) -> Response:
        """POST /orders/new: place the order and show it."""
        form = request.form()
        lines = [
            (form.get(f"product{row}", ""), form.get(f"quantity{row}", ""))
            for row in range(1, ORDER_FORM_ROWS + 1)
            if form.get(f"product{row}", "").strip() or form.get(f"quantity{row}", "").strip()
        ]
        try:
            session = self.session(request)
            order = self.shop.place_order(
                session, form.get("customer", ""), lines, form.get("discount"), form.get("order_date")
            )
        except DomainError as error:
            if error.status == 401:
                raise
            return self.order_form(request, error.message, error.status, form)
        return redirect(f"/orders/{order.id}")

    def order(self, request: Request, error: str | None = None, status: int = 200) -> Response:
        """GET /orders/<id>: lines, amounts, status and the actions allowed."""
        session = self.session(request)
        found = self.shop.order(session, request.params["id"])
        return self.render("order.html", status, session=session, order=found, error=error)

    def order_action(self, request: Request) -> Response:
        """POST /orders/<id>/approve, /decline or /cancel."""
        session = self.session(request)
        actions = {"approve": self.shop.approve, "decline": self.shop.decline, "cancel": self.shop.cancel}
        action = actions.get(request.params["action"])
        if action is None:
            raise DomainError("page not found", 404)
        try:
            order = action(session, request.params["id"])
        except DomainError as error:
            if error.status in (401, 404):
                raise
            return self.order(request, error.message, error.status)
        return redirect(f"/orders/{order.id}")

    def invoice(self, request: Request) -> Response:
        """GET /orders/<id>/invoice: the printable invoice of a confirmed order."""
        session = self.session(request)
        found = self.shop.invoice(session, request.params["id"])
        return self.render("invoice.html", session=session, invoice=found)

    def sales_report(self, request: Request) -> Response:
        """GET /reports/sales?from=&to=: by day and by product (managers only); this month by default."""
        session = self.session(request)
        start, end = request.query.get("from"), request.query.get("to")
        if not start and not end:
            first = self.shop.today(session.workspace).replace(day=1)
            start, end = first.isoformat(), _month_end(first).isoformat()
        context: dict[str, Any] = {"session": session, "start": start or "", "end": end or ""}
        try:
            report = self.shop.sales_report(session, start, end)
        except DomainError as error:
            if error.status in (401, 403):
                raise
            return self.render("report.html", error.status, error=error.message, report=None, **context)
        return self.render("report.html", report=report, **context)

    def users(self, request: Request) -> Response:
        """GET /users: names and roles."""
        session = self.session(request)
        return self.render("users.html", session=session, users=self.shop.users(session))


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
