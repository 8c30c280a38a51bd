"""The demo's typed model: users, sessions, customers, products, orders, reports and the one error class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
TAX_RATE = Decimal("0.10")
TAX_LABEL = "Tax 10%"
MAX_LINES = 20
MAX_DISCOUNT = 30
CLERK_DISCOUNT_LIMIT = 10
LOW_STOCK_BELOW = 10
SESSION_IDLE_MINUTES = 30


class DomainError(Exception):
    """Refuse an operation with a user-facing message and the HTTP status that goes with it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __repr__(self) -> str:
        return f"DomainError({self.message!r}, {self.status})"


class Role(StrEnum):
    """What a user may do: clerks sell, managers also approve and see the sales report."""

    CLERK = "clerk"
    MANAGER = "manager"


class OrderStatus(StrEnum):
    """Where an order stands; the values are the words the stories use."""

    CONFIRMED = "confirmed"
    AWAITING_APPROVAL = "awaiting approval"
    DECLINED = "declined"
    CANCELLED = "cancelled"


def cents(amount: Decimal) -> Decimal:
    """Round an amount half-up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> str:
    """Format an amount as the API and pages show it: "32.97"."""
    return f"{cents(amount):.2f}"


@dataclass(frozen=True)
class User:
    """A user as anyone may see it: name and role, never the password."""

    name: str
    role: Role


@dataclass(frozen=True)
class Session:
    """A logged-in user in one workspace; `token` is the bearer token (stored only hashed)."""

    token: str
    workspace: str
    user: User

    @property
    def is_manager(self) -> bool:
        """Tell whether the acting user is a manager."""
        return self.user.role is Role.MANAGER


@dataclass(frozen=True)
class Customer:
    """A customer, known by name."""

    id: int
    name: str


@dataclass(frozen=True)
class Product:
    """A product with its list price and stock count."""

    id: int
    name: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class OrderLine:
    """One product of an order, at the unit price it had when the order was placed."""

    product: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        """Return unit price × quantity."""
        return cents(self.unit_price * self.quantity)


@dataclass(frozen=True)
class Totals:
    """The amounts of an order: discount first, then 10% tax on the rest."""

    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal

    @classmethod
    def of(cls, lines: tuple[OrderLine, ...], discount_percent: int) -> Totals:
        """Compute the amounts of lines with a whole-percent discount, each rounded half-up to the cent."""
        subtotal = sum((line.amount for line in lines), Decimal("0.00"))
        discount = cents(subtotal * discount_percent / 100)
        tax = cents((subtotal - discount) * TAX_RATE)
        return cls(cents(subtotal), discount, tax, cents(subtotal - discount + tax))


@dataclass(frozen=True)
class Order:
    """An order of one customer; `id` counts from 1 in each workspace."""

    id: int
    customer: str
    order_date: date
    discount_percent: int
    status: OrderStatus
    placed_by: str
    lines: tuple[OrderLine, ...]

    @property
    def totals(self) -> Totals:
        """Return subtotal, discount, tax and total."""
        return Totals.of(self.lines, self.discount_percent)

    @property
    def subtotal(self) -> Decimal:
        """Return the sum of the line amounts."""
        return self.totals.subtotal

    @property
    def discount(self) -> Decimal:
        """Return the discount amount."""
        return self.totals.discount

    @property
    def tax(self) -> Decimal:
        """Return the 10% tax on the discounted subtotal."""
        return self.totals.tax

    @property
    def total(self) -> Decimal:
        """Return subtotal − discount + tax."""
        return self.totals.total


@dataclass(frozen=True)
class Invoice:
    """What the printed invoice shows."""

    number: int
    invoice_date: date
    customer: str
    lines: tuple[OrderLine, ...]
    discount_percent: int
    totals: Totals
    tax_label: str = TAX_LABEL


@dataclass(frozen=True)
class DaySales:
    """One day of the sales report: confirmed orders and the sum of their totals (tax included)."""

    day: date
    orders: int
    total: Decimal


@dataclass(frozen=True)
class ProductSales:
    """One product of the sales report: units sold and list-price revenue (before discount and tax)."""

    product: str
    units: int
    revenue: Decimal


@dataclass(frozen=True)
class SalesReport:
    """The sales report of a period, both ends included."""

    start: date
    end: date
    days: tuple[DaySales, ...]
    products: tuple[ProductSales, ...]

    @property
    def orders(self) -> int:
        """Return the number of confirmed orders in the period."""
        return sum(day.orders for day in self.days)

    @property
    def grand_total(self) -> Decimal:
        """Return the sum of all day totals."""
        return sum((day.total for day in self.days), Decimal("0.00"))
