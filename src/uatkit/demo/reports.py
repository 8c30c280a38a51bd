"""The sales report, built from confirmed orders by a pure function."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from uatkit.demo.model import DaySales, Order, OrderStatus, ProductSales, SalesReport


def sales_report(start: date, end: date, orders: Iterable[Order]) -> SalesReport:
    """Return the report of a period (both ends included) from orders; only confirmed ones in it count.

    Days: every day of the period, with the number of orders and the sum of their totals (tax included).
    Products: units and list-price revenue (unit price × quantity), best revenue first, unsold ones left out.
    """
    count: dict[date, int] = {}
    totals: dict[date, Decimal] = {}
    units: dict[str, int] = {}
    revenue: dict[str, Decimal] = {}
    for order in orders:
        if order.status is not OrderStatus.CONFIRMED or not start <= order.order_date <= end:
            continue
        count[order.order_date] = count.get(order.order_date, 0) + 1
        totals[order.order_date] = totals.get(order.order_date, Decimal("0.00")) + order.total
        for line in order.lines:
            units[line.product] = units.get(line.product, 0) + line.quantity
            revenue[line.product] = revenue.get(line.product, Decimal("0.00")) + line.amount
    days = tuple(
        DaySales(day, count.get(day, 0), totals.get(day, Decimal("0.00")))
        for day in (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    )
    products = tuple(
        ProductSales(name, units[name], revenue[name])
        for name in sorted(units, key=lambda name: (-revenue[name], name))
    )
    return SalesReport(start=start, end=end, days=days, products=products)
