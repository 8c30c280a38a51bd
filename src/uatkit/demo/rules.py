"""Validation of raw input (from Python, JSON or a form) into domain values, with the stories' messages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from uatkit.demo.model import MAX_DISCOUNT, MAX_LINES, DomainError

MAX_NAME_LENGTH = 100
MAX_QUANTITY = 1_000_000
MAX_REPORT_DAYS = 3660
_INTEGER = re.compile(r"^\s*[+-]?\d{1,9}\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def whole_number(value: object, message: str) -> int:
    """Return `value` as an int (an int, an integral Decimal or a string of digits) or refuse with message."""
    if isinstance(value, bool):
        raise DomainError(message)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value):
        return int(value)
    raise DomainError(message)


def quantity(value: object) -> int:
    """Return a line or goods-received quantity: a whole number of at least 1."""
    number = whole_number(value, "quantity must be a whole number")
    if number < 1:
        raise DomainError("quantity must be at least 1")
    if number > MAX_QUANTITY:
        raise DomainError(f"quantity must be at most {MAX_QUANTITY}")
    return number


def discount(value: object) -> int:
    """Return a discount: a whole percentage from 0 to 30."""
    if value is None or value == "":
        return 0
    message = f"discount must be between 0% and {MAX_DISCOUNT}%"
    number = whole_number(value, "discount must be a whole percentage")
    if not 0 <= number <= MAX_DISCOUNT:
        raise DomainError(message)
    return number


def price(value: object) -> Decimal:
    """Return a unit price: an amount of at least 0 with at most two decimals."""
    message = "price must be an amount of at least 0 with at most 2 decimals"
    if isinstance(value, bool | float):
        # floats are refused because 9.99 is not exactly 9.99 as a float; JSON is parsed into Decimal
        raise DomainError(message)
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(message) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise DomainError(message)
    if amount >= Decimal("1000000000"):
        raise DomainError("price must be less than 1000000000")
    return amount.quantize(Decimal("0.01"))


def stock(value: object) -> int:
    """Return a stock count: a whole number of at least 0."""
    number = whole_number(value, "stock must be a whole number")
    if not 0 <= number <= MAX_QUANTITY * 1000:
        raise DomainError("stock must be a whole number of at least 0")
    return number


def name(value: object, what: str) -> str:
    """Return a customer or product name without surrounding blanks."""
    if not isinstance(value, str) or not value.strip():
        raise DomainError(f"{what} name is required")
    text = value.strip()
    if len(text) > MAX_NAME_LENGTH:
        raise DomainError(f"{what} name must be at most {MAX_NAME_LENGTH} characters")
    if any(ord(char) < 32 for char in text):
        raise DomainError(f"{what} name must not contain control characters")
    return text


def day(value: object, what: str) -> date:
    """Return a date given as a date or as "YYYY-MM-DD"."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DomainError(f"{what} must be a date like 2024-03-01")


def period(start: object, end: object) -> tuple[date, date]:
    """Return the first and last day of a report period, both included."""
    if start in (None, "") or end in (None, ""):
        raise DomainError("a report needs a period: from and to, as YYYY-MM-DD")
    first, last = day(start, "from"), day(end, "to")
    if last < first:
        raise DomainError("the period must not end before it starts")
    if (last - first).days >= MAX_REPORT_DAYS:
        raise DomainError(f"a report period may span at most {MAX_REPORT_DAYS} days")
    return first, last


LineInput = tuple[object, object] | Mapping[str, object]


def order_lines(lines: Iterable[LineInput] | None) -> list[tuple[str, int]]:
    """Return (product name, quantity) pairs, one per product, quantities of repeated products added."""
    if lines is None or isinstance(lines, str | bytes | Mapping):
        raise DomainError("an order needs at least one line")
    merged: dict[str, int] = {}
    for line in lines:
        if isinstance(line, Mapping):
            product, amount = line.get("product"), line.get("quantity")
        elif isinstance(line, tuple | list) and len(line) == 2:
            product, amount = line[0], line[1]
        else:
            raise DomainError('each line needs a "product" and a "quantity"')
        count = quantity(amount)
        if not isinstance(product, str) or not product.strip():
            raise DomainError("unknown product")
        merged[product.strip()] = merged.get(product.strip(), 0) + count
    if not merged:
        raise DomainError("an order needs at least one line")
    if len(merged) > MAX_LINES:
        raise DomainError(f"an order may have at most {MAX_LINES} lines")
    return list(merged.items())
