"""Orders: placement, approval, declining, cancelling, invoices and the sales report (mixed into `Shop`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import date

from uatkit.demo import rules
from uatkit.demo.model import (
    CLERK_DISCOUNT_LIMIT,
    DomainError,
    Invoice,
    Order,
    OrderStatus,
    Product,
    SalesReport,
    Session,
)
from uatkit.demo.reports import sales_report
from uatkit.demo.storage import Database, find_customer, find_product, load_orders, next_id

APPROVAL_REFUSED = "only a manager may approve discounts above 10%"
REPORT_REFUSED = "only a manager may see the sales report"


class OrderBook:
    """The order operations of the shop; `Shop` provides the database, sessions and the clock."""

    db: Database

    def _acting(self, session: Session) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _today(self, conn: sqlite3.Connection, workspace: str) -> date:
        raise NotImplementedError

    def place_order(
        self,
        session: Session,
        customer: object,
        lines: Iterable[rules.LineInput] | None,
        discount: object = 0,
        order_date: date | str | None = None,
    ) -> Order:
        """Place an order; a clerk's discount above 10% waits for a manager, anything else is confirmed.

        `lines` are (product name, quantity) pairs or {"product": …, "quantity": …} mappings; the same
        product twice makes one line. Stock is checked for every line before anything changes.
        """
        with self._acting(session) as conn:
            workspace = session.workspace
            found = find_customer(conn, workspace, rules.name(customer, "customer"))
            if found is None:
                raise DomainError("unknown customer")
            percent = rules.discount(discount)
            wanted: list[tuple[Product, int]] = []
            for name, quantity in rules.order_lines(lines):
                product = find_product(conn, workspace, name, by_id=False)
                if product is None:
                    raise DomainError("unknown product")
                wanted.append((product, quantity))
            day = (
                self._today(conn, workspace)
                if order_date in (None, "")
                else rules.day(order_date, "order date")
            )
            _check_stock(wanted)
            needs_approval = not session.is_manager and percent > CLERK_DISCOUNT_LIMIT
            status = OrderStatus.AWAITING_APPROVAL if needs_approval else OrderStatus.CONFIRMED
            order_id = next_id(conn, "orders", workspace)
            conn.execute(
                """INSERT INTO orders
                (workspace, id, customer_id, order_date, discount_percent, status, placed_by)
                VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (workspace, order_id, found.id, day.isoformat(), percent, status.value, session.user.name),
            )
            conn.executemany(
                """INSERT INTO order_lines (workspace, order_id, position, product_id, quantity, unit_price)
                VALUES (?, ?, ?, ?, ?, ?)""",
                [
                    (workspace, order_id, position, product.id, quantity, str(product.price))
                    for position, (product, quantity) in enumerate(wanted, start=1)
                ],
            )
            if status is OrderStatus.CONFIRMED:
                _take_stock(conn, workspace, [(product.id, quantity) for product, quantity in wanted])
            return _order(conn, workspace, order_id)

    def order(self, session: Session, order_id: object) -> Order:
        """Return an order by id; 404 "unknown order"."""
        with self._acting(session) as conn:
            return _order(conn, session.workspace, order_id)

    def orders(self, session: Session, status: object = None) -> list[Order]:
        """Return all orders by id, or those with one status ("confirmed", "awaiting approval", …)."""
        if status in (None, ""):
            with self._acting(session) as conn:
                return load_orders(conn, session.workspace)
        if status not in {item.value for item in OrderStatus}:
            raise DomainError("unknown status")
        with self._acting(session) as conn:
            return load_orders(conn, session.workspace, "AND o.status = ?", (status,))

    def approval_queue(self, session: Session) -> list[Order]:
        """Return the orders awaiting a manager's approval."""
        return self.orders(session, OrderStatus.AWAITING_APPROVAL.value)

    def approve(self, session: Session, order_id: object) -> Order:
        """Confirm an order awaiting approval (managers only), checking and taking the stock again."""
        with self._acting(session) as conn:
            order = self._awaiting(conn, session, order_id)
            wanted = []
            for line in order.lines:
                product = find_product(conn, session.workspace, line.product, by_id=False)
                assert product is not None  # products are never deleted
                wanted.append((product, line.quantity))
            _check_stock(wanted)
            _take_stock(conn, session.workspace, [(product.id, quantity) for product, quantity in wanted])
            return _set_status(conn, session.workspace, order.id, OrderStatus.CONFIRMED)

    def decline(self, session: Session, order_id: object) -> Order:
        """Decline an order awaiting approval (managers only); no stock moves."""
        with self._acting(session) as conn:
            order = self._awaiting(conn, session, order_id)
            return _set_status(conn, session.workspace, order.id, OrderStatus.DECLINED)

    def cancel(self, session: Session, order_id: object) -> Order:
        """Cancel an order; a confirmed order's stock comes back."""
        with self._acting(session) as conn:
            order = _order(conn, session.workspace, order_id)
            if order.status is OrderStatus.CANCELLED:
                raise DomainError("order is already cancelled", 409)
            if order.status is OrderStatus.DECLINED:
                raise DomainError("a declined order cannot be cancelled", 409)
            if order.status is OrderStatus.CONFIRMED:
                for line in order.lines:
                    conn.execute(
                        "UPDATE products SET stock = stock + ? WHERE workspace = ? AND name = ?",
                        (line.quantity, session.workspace, line.product),
                    )
            return _set_status(conn, session.workspace, order.id, OrderStatus.CANCELLED)

    def invoice(self, session: Session, order_id: object) -> Invoice:
        """Return the invoice of a confirmed order."""
        order = self.order(session, order_id)
        if order.status is not OrderStatus.CONFIRMED:
            raise DomainError("only a confirmed order has an invoice", 409)
        return Invoice(
            order.id, order.order_date, order.customer, order.lines, order.discount_percent, order.totals
        )

    def sales_report(self, session: Session, start: object, end: object) -> SalesReport:
        """Return the sales report of a period, both ends included (managers only)."""
        with self._acting(session) as conn:
            if not session.is_manager:
                raise DomainError(REPORT_REFUSED, 403)
            first, last = rules.period(start, end)
            orders = load_orders(
                conn,
                session.workspace,
                "AND o.status = ? AND o.order_date BETWEEN ? AND ?",
                (OrderStatus.CONFIRMED.value, first.isoformat(), last.isoformat()),
            )
        return sales_report(first, last, orders)

    def _awaiting(self, conn: sqlite3.Connection, session: Session, order_id: object) -> Order:
        if not session.is_manager:
            raise DomainError(APPROVAL_REFUSED, 403)
        order = _order(conn, session.workspace, order_id)
        if order.status is not OrderStatus.AWAITING_APPROVAL:
            raise DomainError(f"order is {order.status.value}, not awaiting approval", 409)
        return order


def _order(conn: sqlite3.Connection, workspace: str, order_id: object) -> Order:
    try:
        number = rules.whole_number(order_id, "unknown order")
    except DomainError:
        raise DomainError("unknown order", 404) from None
    found = load_orders(conn, workspace, "AND o.id = ?", (number,)) if 0 < number < 2**31 else []
    if not found:
        raise DomainError("unknown order", 404)
    return found[0]


def _check_stock(wanted: Iterable[tuple[Product, int]]) -> None:
    for product, quantity in wanted:
        if quantity > product.stock:
            raise DomainError(f"insufficient stock for {product.name}", 409)


def _take_stock(conn: sqlite3.Connection, workspace: str, wanted: Iterable[tuple[int, int]]) -> None:
    conn.executemany(
        "UPDATE products SET stock = stock - ? WHERE workspace = ? AND id = ?",
        [(quantity, workspace, product_id) for product_id, quantity in wanted],
    )


def _set_status(conn: sqlite3.Connection, workspace: str, order_id: int, status: OrderStatus) -> Order:
    conn.execute(
        "UPDATE orders SET status = ? WHERE workspace = ? AND id = ?", (status.value, workspace, order_id)
    )
    return _order(conn, workspace, order_id)


__all__ = ["APPROVAL_REFUSED", "REPORT_REFUSED", "OrderBook"]
