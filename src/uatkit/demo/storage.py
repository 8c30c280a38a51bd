"""SQLite storage: one schema, one connection shared by all threads behind a lock, rows kept per workspace."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

from uatkit.demo.model import Customer, DomainError, Order, OrderLine, OrderStatus, Product

SCHEMA = """
CREATE TABLE IF NOT EXISTS workspaces (
    id TEXT PRIMARY KEY,
    clock_offset_minutes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS users (
    workspace TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'manager')),
    password_hash TEXT NOT NULL,
    PRIMARY KEY (workspace, name)
);
CREATE TABLE IF NOT EXISTS sessions (
    token_key TEXT PRIMARY KEY,
    workspace TEXT NOT NULL REFERENCES workspaces(id),
    user_name TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    workspace TEXT NOT NULL REFERENCES workspaces(id),
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (workspace, id),
    UNIQUE (workspace, name)
);
CREATE TABLE IF NOT EXISTS products (
    workspace TEXT NOT NULL REFERENCES workspaces(id),
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    price TEXT NOT NULL,
    stock INTEGER NOT NULL CHECK (stock >= 0),
    PRIMARY KEY (workspace, id),
    UNIQUE (workspace, name)
);
CREATE TABLE IF NOT EXISTS orders (
    workspace TEXT NOT NULL REFERENCES workspaces(id),
    id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    order_date TEXT NOT NULL,
    discount_percent INTEGER NOT NULL,
    status TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
);
CREATE TABLE IF NOT EXISTS order_lines (
    workspace TEXT NOT NULL,
    order_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price TEXT NOT NULL,
    PRIMARY KEY (workspace, order_id, position)
);
CREATE INDEX IF NOT EXISTS orders_by_date ON orders (workspace, status, order_date);
"""

_ORDER_SELECT = """
SELECT o.id, c.name AS customer, o.order_date, o.discount_percent, o.status, o.placed_by
FROM orders o JOIN customers c ON c.workspace = o.workspace AND c.id = o.customer_id
WHERE o.workspace = ?
"""


class Database:
    """A SQLite database; `transaction()` serialises all access, so one connection serves every thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Yield the connection in one transaction: committed when the block ends, rolled back on error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")


def next_id(conn: sqlite3.Connection, table: str, workspace: str) -> int:
    """Return the next id of a table within a workspace (ids count from 1 in each workspace)."""
    assert table in {"customers", "products", "orders"}
    row = conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table} WHERE workspace = ?", (workspace,))
    return int(row.fetchone()[0])


def customer_from(row: sqlite3.Row) -> Customer:
    """Return a Customer from a customers row."""
    return Customer(id=int(row["id"]), name=str(row["name"]))


def product_from(row: sqlite3.Row) -> Product:
    """Return a Product from a products row."""
    return Product(
        id=int(row["id"]), name=str(row["name"]), price=Decimal(row["price"]), stock=int(row["stock"])
    )


def find_customer(conn: sqlite3.Connection, workspace: str, name: str) -> Customer | None:
    """Return the customer of that exact name, if any."""
    row = conn.execute(
        "SELECT * FROM customers WHERE workspace = ? AND name = ?", (workspace, name)
    ).fetchone()
    return None if row is None else customer_from(row)


def find_product(
    conn: sqlite3.Connection, workspace: str, key: str | int, *, by_id: bool = True
) -> Product | None:
    """Return the product of that name, else (for an int or a string of digits) of that id, if any."""
    row = None
    if isinstance(key, str):
        row = conn.execute(
            "SELECT * FROM products WHERE workspace = ? AND name = ?", (workspace, key.strip())
        ).fetchone()
    number = isinstance(key, int) and 0 < key < 2**31
    digits = (
        isinstance(key, str) and key.strip().isascii() and key.strip().isdigit() and len(key.strip()) <= 9
    )
    if row is None and by_id and (number or digits):
        row = conn.execute(
            "SELECT * FROM products WHERE workspace = ? AND id = ?", (workspace, int(key))
        ).fetchone()
    return None if row is None else product_from(row)


def require_product(conn: sqlite3.Connection, workspace: str, key: str | int, status: int) -> Product:
    """Return a product by name or id, or refuse with "unknown product" and the given status."""
    product = find_product(conn, workspace, key)
    if product is None:
        raise DomainError("unknown product", status)
    return product


def load_orders(
    conn: sqlite3.Connection, workspace: str, where: str = "", params: tuple[object, ...] = ()
) -> list[Order]:
    """Return the orders of a workspace matching an extra "AND o.…" clause, with their lines, by id."""
    rows = conn.execute(f"{_ORDER_SELECT} {where} ORDER BY o.id", (workspace, *params)).fetchall()
    if not rows:
        return []
    lines: dict[int, list[OrderLine]] = {int(row["id"]): [] for row in rows}
    line_rows = conn.execute(
        f"""SELECT l.order_id, p.name, l.quantity, l.unit_price FROM order_lines l
        JOIN products p ON p.workspace = l.workspace AND p.id = l.product_id
        WHERE l.workspace = ? AND l.order_id IN (SELECT o.id FROM orders o WHERE o.workspace = ? {where})
        ORDER BY l.order_id, l.position""",
        (workspace, workspace, *params),
    )
    for line in line_rows:
        lines[int(line[0])].append(OrderLine(str(line[1]), int(line[2]), Decimal(line[3])))
    return [
        Order(
            id=int(row["id"]),
            customer=str(row["customer"]),
            order_date=date.fromisoformat(row["order_date"]),
            discount_percent=int(row["discount_percent"]),
            status=OrderStatus(row["status"]),
            placed_by=str(row["placed_by"]),
            lines=tuple(lines[int(row["id"])]),
        )
        for row in rows
    ]
