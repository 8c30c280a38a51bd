"""Steps about the sales report: confirmed orders on given days, and what the report shows for them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pytest_bdd import given, then, when

from fixtures.drivers.base import ReportView, Role, ShopDriver
from fixtures.world import World
from steps.common import arrange_order, move_to_status
from steps.grammar import step


def _confirmed(
    driver: ShopDriver, world: World, lines: list[tuple[str, int]], percent: int, day: date
) -> None:
    # a manager's orders are confirmed at once, whatever the discount
    order = arrange_order(driver, world, Role.MANAGER, lines, percent, day)
    assert order.status == "confirmed", f"the arranged order is {order.status!r}, not confirmed"


@given(step("an order for {lines:Lines} was confirmed on {day:Date}"))
@given(step("{day:Date} 已确认一张 {lines:LineZh} 的订单"))
def confirmed_order(driver: ShopDriver, world: World, lines: list[tuple[str, int]], day: date) -> None:
    """Have an order for the last customer confirmed on that day."""
    _confirmed(driver, world, lines, 0, day)


@given(step("{day:Date} 已确认一张 {lines:LineZh}、折扣 {percent:Int}% 的订单"))
def confirmed_discounted_order(
    driver: ShopDriver, world: World, lines: list[tuple[str, int]], percent: int, day: date
) -> None:
    """Have an order with a discount confirmed on that day."""
    _confirmed(driver, world, lines, percent, day)


_WITH_STATUS = (
    'an order for {lines:Lines} with a {percent:Int}% discount dated {day:Date} has status "{status:Text}"'
)


@given(step(_WITH_STATUS))
def order_with_status(
    driver: ShopDriver, world: World, lines: list[tuple[str, int]], percent: int, day: date, status: str
) -> None:
    """Have a clerk place an order on that day and take it to that status."""
    order = arrange_order(driver, world, Role.CLERK, lines, percent, day)
    move_to_status(driver, order, status)


@when(step("I open the sales report from {start:Date} to {end:Date}"))
@when(step("我打开 {start:Date} 至 {end:Date} 的销售报表"))
def open_report(driver: ShopDriver, world: World, start: date, end: date) -> None:
    """Look at the sales report of a period."""
    world.record("sales report", driver.sales_report(start, end))


def _report(world: World) -> ReportView:
    report = world.result_of("sales report")
    assert isinstance(report, ReportView), f"the sales report was refused: {report}"
    return report


@then(step("the report shows {count:Int} {:orders} totalling {total:Money} on {day:Date}"))
def day_shows(world: World, count: int, total: Decimal, day: date) -> None:
    """Check one day's row of the report."""
    row = _report(world).day(day)
    assert row is not None, f"the report has no row for {day}"
    assert (row.orders, row.total) == (count, total), f"{day}: {row.orders} orders totalling {row.total}"


@then(step("the report grand total is {total:Money}"))
def grand_total(world: World, total: Decimal) -> None:
    """Check the report's grand total."""
    found = _report(world).grand_total
    assert found == total, f"the grand total is {found}, not {total}"


@then(step('报表显示 "{name:Text}" 售出 {units:Int} 件，销售额 {revenue:Money}'))
def product_shows(world: World, name: str, units: int, revenue: Decimal) -> None:
    """Check one product's row of the report."""
    row = _report(world).product(name)
    assert row is not None, f"the report has no row for {name}"
    assert (row.units, row.revenue) == (units, revenue), f"{name}: {row.units} units, revenue {row.revenue}"


@then(step('报表中没有 "{name:Text}"'))
def product_absent(world: World, name: str) -> None:
    """Check the report leaves the product out."""
    assert _report(world).product(name) is None, f"the report lists {name}"
