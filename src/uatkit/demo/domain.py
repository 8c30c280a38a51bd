"""The shop: workspaces, clock, users, sessions, customers, products; orders live in `uatkit.demo.orders`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from uatkit.demo import rules
from uatkit.demo.model import (
    LOW_STOCK_BELOW,
    SESSION_IDLE_MINUTES,
    Customer,
    DomainError,
    Product,
    Role,
    Session,
    User,
)
from uatkit.demo.orders import OrderBook
from uatkit.demo.passwords import (
    DEFAULT_ITERATIONS,
    hash_password,
    new_token,
    new_workspace_id,
    token_key,
    verify_password,
)
from uatkit.demo.storage import (
    Database,
    customer_from,
    find_customer,
    find_product,
    next_id,
    product_from,
    require_product,
)

__all__ = ["DomainError", "Session", "Shop"]

SEED_USERS = (("clara", Role.CLERK, "clara-secret"), ("max", Role.MANAGER, "max-secret"))
LOGIN_REFUSED = "invalid user name or password"
LOGIN_REQUIRED = "login required"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Shop(OrderBook):
    """The order-management system; every operation acts in the workspace of the session it is given."""

    def __init__(self, db: Database, clock: Callable[[], datetime], iterations: int) -> None:
        self.db = db
        self._clock = clock
        # Hashed once per shop, then copied into each new workspace: a workspace costs no hashing.
        self._seed = [
            (name, role, hash_password(password, iterations)) for name, role, password in SEED_USERS
        ]

    @classmethod
    def open(
        cls,
        path: str | Path = ":memory:",
        *,
        clock: Callable[[], datetime] = _utc_now,
        iterations: int = DEFAULT_ITERATIONS,
    ) -> Shop:
        """Open (creating if needed) the shop stored in a SQLite file, or in memory for ":memory:"."""
        return cls(Database(path), clock, iterations)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # --- workspaces and their clocks -------------------------------------------------------------

    def create_workspace(self) -> str:
        """Create an empty workspace holding only the users clara (clerk) and max (manager); return its id."""
        workspace = new_workspace_id()
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO workspaces (id) VALUES (?)", (workspace,))
            conn.executemany(
                "INSERT INTO users (workspace, name, role, password_hash) VALUES (?, ?, ?, ?)",
                [(workspace, name, role.value, hashed) for name, role, hashed in self._seed],
            )
        return workspace

    def workspace_exists(self, workspace: str) -> bool:
        """Tell whether a workspace exists."""
        with self.db.transaction() as conn:
            return conn.execute("SELECT 1 FROM workspaces WHERE id = ?", (workspace,)).fetchone() is not None

    def now(self, workspace: str) -> datetime:
        """Return the current time of a workspace's clock."""
        with self.db.transaction() as conn:
            return self._now(conn, workspace)

    def today(self, workspace: str) -> date:
        """Return today's date by a workspace's clock (local time)."""
        return self.now(workspace).astimezone().date()

    def advance_clock(self, workspace: str, minutes: object) -> datetime:
        """Move a workspace's clock forward, e.g. to let a session expire; return the new time."""
        step = rules.whole_number(minutes, "minutes must be a whole number")
        if not 0 <= step <= 10_000_000:
            raise DomainError("minutes must be between 0 and 10000000")
        with self.db.transaction() as conn:
            self._now(conn, workspace)
            conn.execute(
                "UPDATE workspaces SET clock_offset_minutes = clock_offset_minutes + ? WHERE id = ?",
                (step, workspace),
            )
            return self._now(conn, workspace)

    def _now(self, conn: sqlite3.Connection, workspace: str) -> datetime:
        row = conn.execute(
            "SELECT clock_offset_minutes FROM workspaces WHERE id = ?", (workspace,)
        ).fetchone()
        if row is None:
            raise DomainError("unknown workspace", 404)
        return self._clock() + timedelta(minutes=int(row[0]))

    # --- users and sessions ----------------------------------------------------------------------

    def login(self, workspace: str, name: object, password: object) -> Session:
        """Log a user in and return the session; refuse with 401 "invalid user name or password"."""
        with self.db.transaction() as conn:
            now = self._now(conn, workspace)
            row = conn.execute(
                "SELECT name, role, password_hash FROM users WHERE workspace = ? AND name = ?",
                (workspace, name if isinstance(name, str) else ""),
            ).fetchone()
            # an unknown user costs the same hashing time as a known one, so timing does not reveal names
            stored = str(row["password_hash"]) if row is not None else self._seed[0][2]
            matches = verify_password(password if isinstance(password, str) else "", stored)
            if row is None or not matches or not isinstance(password, str):
                raise DomainError(LOGIN_REFUSED, 401)
            token = new_token()
            conn.execute(
                "INSERT INTO sessions (token_key, workspace, user_name, last_seen) VALUES (?, ?, ?, ?)",
                (token_key(token), workspace, row["name"], now.isoformat()),
            )
            return Session(token, workspace, User(str(row["name"]), Role(row["role"])))

    def authenticate(self, token: str | None, workspace: str | None = None) -> Session:
        """Return the live session of a token (in `workspace` if given) and mark it active; else 401."""
        if not token:
            raise DomainError(LOGIN_REQUIRED, 401)
        with self.db.transaction() as conn:
            row = conn.execute(
                """SELECT s.workspace, s.last_seen, u.name, u.role FROM sessions s
                JOIN users u ON u.workspace = s.workspace AND u.name = s.user_name WHERE s.token_key = ?""",
                (token_key(token),),
            ).fetchone()
            if row is None or (workspace is not None and row["workspace"] != workspace):
                raise DomainError(LOGIN_REQUIRED, 401)
            now = self._now(conn, str(row["workspace"]))
            idle = now - datetime.fromisoformat(row["last_seen"])
            expired = idle >= timedelta(minutes=SESSION_IDLE_MINUTES)
            if expired:
                conn.execute("DELETE FROM sessions WHERE token_key = ?", (token_key(token),))
            else:
                conn.execute(
                    "UPDATE sessions SET last_seen = ? WHERE token_key = ?",
                    (now.isoformat(), token_key(token)),
                )
        if expired:
            raise DomainError(LOGIN_REQUIRED, 401)
        return Session(token, str(row["workspace"]), User(str(row["name"]), Role(row["role"])))

    def logout(self, session: Session) -> None:
        """End a session; later calls with it are refused with 401."""
        self.authenticate(session.token, session.workspace)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE token_key = ?", (token_key(session.token),))

    def users(self, session: Session) -> list[User]:
        """Return the users of the workspace: names and roles only."""
        with self._acting(session) as conn:
            rows = conn.execute(
                "SELECT name, role FROM users WHERE workspace = ? ORDER BY name", (session.workspace,)
            )
            return [User(str(row["name"]), Role(row["role"])) for row in rows]

    def password_record(self, workspace: str, name: str) -> str:
        """Return what is stored for a user's password: a salted PBKDF2 hash, never the password itself."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT password_hash FROM users WHERE workspace = ? AND name = ?", (workspace, name)
            ).fetchone()
        if row is None:
            raise DomainError("unknown user", 404)
        return str(row[0])

    @contextmanager
    def _acting(self, session: Session) -> Iterator[sqlite3.Connection]:
        """Check the session is still live, then yield a transaction in its workspace."""
        self.authenticate(session.token, session.workspace)
        with self.db.transaction() as conn:
            yield conn

    def _today(self, conn: sqlite3.Connection, workspace: str) -> date:
        return self._now(conn, workspace).astimezone().date()

    # --- customers and products ------------------------------------------------------------------

    def add_customer(self, session: Session, name: object) -> Customer:
        """Return the customer of that name, creating it if it does not exist yet."""
        text = rules.name(name, "customer")
        with self._acting(session) as conn:
            found = find_customer(conn, session.workspace, text)
            if found is not None:
                return found
            customer = Customer(next_id(conn, "customers", session.workspace), text)
            conn.execute(
                "INSERT INTO customers (workspace, id, name) VALUES (?, ?, ?)",
                (session.workspace, customer.id, customer.name),
            )
            return customer

    def customers(self, session: Session) -> list[Customer]:
        """Return all customers by name."""
        with self._acting(session) as conn:
            rows = conn.execute(
                "SELECT id, name FROM customers WHERE workspace = ? ORDER BY name", (session.workspace,)
            )
            return [customer_from(row) for row in rows]

    def set_product(self, session: Session, name: object, price: object, stock: object) -> Product:
        """Create a product or update its price and stock; return it."""
        text, amount, count = rules.name(name, "product"), rules.price(price), rules.stock(stock)
        with self._acting(session) as conn:
            found = find_product(conn, session.workspace, text, by_id=False)
            product = Product(
                found.id if found else next_id(conn, "products", session.workspace), text, amount, count
            )
            conn.execute(
                """INSERT INTO products (workspace, id, name, price, stock) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (workspace, id) DO UPDATE SET price = excluded.price, stock = excluded.stock""",
                (session.workspace, product.id, product.name, str(product.price), product.stock),
            )
            return product

    def products(self, session: Session) -> list[Product]:
        """Return all products by name."""
        with self._acting(session) as conn:
            rows = conn.execute(
                "SELECT * FROM products WHERE workspace = ? ORDER BY name", (session.workspace,)
            )
            return [product_from(row) for row in rows]

    def product(self, session: Session, key: str | int) -> Product:
        """Return a product by name or id; 404 "unknown product"."""
        with self._acting(session) as conn:
            return require_product(conn, session.workspace, key, 404)

    def receive_goods(self, session: Session, product: str | int, quantity: object) -> Product:
        """Raise a product's stock by goods received (a quantity of at least 1); return the product."""
        with self._acting(session) as conn:
            found = require_product(conn, session.workspace, product, 404)
            count = rules.quantity(quantity)
            conn.execute(
                "UPDATE products SET stock = stock + ? WHERE workspace = ? AND id = ?",
                (count, session.workspace, found.id),
            )
            return Product(found.id, found.name, found.price, found.stock + count)

    def low_stock(self, session: Session) -> list[Product]:
        """Return the products with less than 10 in stock, the fewest first."""
        with self._acting(session) as conn:
            rows = conn.execute(
                "SELECT * FROM products WHERE workspace = ? AND stock < ? ORDER BY stock, name",
                (session.workspace, LOW_STOCK_BELOW),
            )
            return [product_from(row) for row in rows]
