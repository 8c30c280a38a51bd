"""The demo's domain, in process, with the numbers of the stories (stories/*/REQ-*.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from demo_helpers import World

from uatkit.demo.domain import DomainError, Shop
from uatkit.demo.model import Role

PRICE_REFUSED = "price must be an amount of at least 0 with at most 2 decimals"


@dataclass
class Refusal:
    """The status of the DomainError a `refused` block raised."""

    status: int = 0


@contextmanager
def refused(message: str) -> Iterator[Refusal]:
    """Expect the block to raise a DomainError with exactly this message."""
    refusal = Refusal()
    with pytest.raises(DomainError) as caught:
        yield refusal
    assert caught.value.message == message
    refusal.status = caught.value.status


def widget(world: World, stock: int = 100) -> None:
    world.customer()
    world.product("Widget", "9.99", stock)


# --- REQ-401 / REQ-404: login, sessions, passwords ---------------------------------------------------


@pytest.mark.parametrize(
    ("user", "password", "role"), [("clara", "clara-secret", "clerk"), ("max", "max-secret", "manager")]
)
def test_users_log_in_with_their_role(shop: Shop, user: str, password: str, role: str) -> None:
    workspace = shop.create_workspace()
    session = shop.login(workspace, user, password)
    assert (session.user.name, session.user.role) == (user, Role(role))
    assert session.workspace == workspace and len(session.token) >= 32


@pytest.mark.parametrize(
    ("user", "password"), [("clara", "wrong"), ("max", "clara-secret"), ("nobody", "secret"), ("clara", "")]
)
def test_wrong_logins_are_refused(world: World, user: str, password: str) -> None:
    with refused("invalid user name or password") as caught:
        world.shop.login(world.workspace, user, password)
    assert caught.status == 401


def test_logging_out_ends_the_session(world: World) -> None:
    world.shop.logout(world.clerk)
    with refused("login required") as caught:
        world.shop.orders(world.clerk)
    assert caught.status == 401
    assert world.shop.orders(world.manager) == []


def test_an_idle_session_expires_after_30_minutes(world: World) -> None:
    world.shop.advance_clock(world.workspace, 29)
    world.shop.orders(world.clerk)  # activity: the 30 minutes start again
    world.shop.advance_clock(world.workspace, 29)
    world.shop.orders(world.clerk)
    world.shop.advance_clock(world.workspace, 31)
    with refused("login required"):
        world.shop.orders(world.clerk)
    with refused("login required"):  # and it stays ended
        world.shop.orders(world.clerk)


def test_passwords_are_stored_only_as_salted_hashes(world: World) -> None:
    clara, max_ = (world.shop.password_record(world.workspace, name) for name in ("clara", "max"))
    assert clara.startswith("pbkdf2_sha256$") and max_.startswith("pbkdf2_sha256$")
    assert "clara-secret" not in clara and clara.split("$")[2] != max_.split("$")[2]
    rows = world.shop.db.transaction
    with rows() as conn:
        dump = "\n".join(conn.iterdump())
    assert "clara-secret" not in dump and "max-secret" not in dump


def test_the_user_list_shows_names_and_roles(world: World) -> None:
    users = world.shop.users(world.manager)
    assert [(user.name, user.role.value) for user in users] == [("clara", "clerk"), ("max", "manager")]
    assert not any("secret" in repr(user) or "pbkdf2" in repr(user) for user in users)


# --- REQ-101 / REQ-102: orders and their amounts ------------------------------------------------------


def test_an_order_for_one_product_is_confirmed(world: World) -> None:
    widget(world)
    order = world.order(("Widget", 3))
    assert order.status.value == "confirmed" and order.id == 1
    assert order.total == Decimal("32.97")


def test_an_order_can_hold_several_products(world: World) -> None:
    widget(world)
    world.product("Gadget", "24.50", 100)
    order = world.order(("Widget", 2), ("Gadget", 1))
    assert len(order.lines) == 2 and order.total == Decimal("48.93")


def test_unknown_customers_and_products_are_rejected(world: World) -> None:
    widget(world)
    with refused("unknown customer"):
        world.order(("Widget", 1), customer="Nobody Inc")
    with refused("unknown product"):
        world.order(("Doohickey", 1))


@pytest.mark.parametrize("quantity", [0, -1])
def test_every_line_needs_a_quantity_of_at_least_1(world: World, quantity: int) -> None:
    widget(world)
    with refused("quantity must be at least 1"):
        world.order(("Widget", quantity))
    assert world.stock("Widget") == 100


@pytest.mark.parametrize(
    ("price", "quantity", "percent", "subtotal", "discount", "tax", "total"),
    [
        ("9.99", 3, 0, "29.97", "0.00", "3.00", "32.97"),
        ("10.00", 10, 5, "100.00", "5.00", "9.50", "104.50"),
        ("9.99", 7, 10, "69.93", "6.99", "6.29", "69.23"),
        ("19.99", 5, 3, "99.95", "3.00", "9.70", "106.65"),
        ("3.35", 3, 0, "10.05", "0.00", "1.01", "11.06"),
    ],
)
def test_totals_for_discounts_a_clerk_may_give(
    world: World, price: str, quantity: int, percent: int, subtotal: str, discount: str, tax: str, total: str
) -> None:
    world.customer()
    world.product("Widget", price, 100)
    order = world.order(("Widget", quantity), discount=percent)
    assert [str(order.subtotal), str(order.discount), str(order.tax), str(order.total)] == [
        subtotal,
        discount,
        tax,
        total,
    ]


def test_half_a_cent_of_tax_is_rounded_up(world: World) -> None:
    world.customer()
    world.product("Pin", "0.25", 1000)
    order = world.order(("Pin", 1))
    assert (str(order.tax), str(order.total)) == ("0.03", "0.28")


def test_tax_is_charged_on_the_discounted_subtotal(world: World) -> None:
    world.customer()
    world.product("Gadget", "24.50", 100)
    order = world.order(("Gadget", 4), discount=20, by=world.manager)
    assert [str(order.subtotal), str(order.discount), str(order.tax), str(order.total)] == [
        "98.00",
        "19.60",
        "7.84",
        "86.24",
    ]


# --- REQ-103 / REQ-402: discounts and approval --------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "status"),
    [(0, "confirmed"), (10, "confirmed"), (11, "awaiting approval"), (30, "awaiting approval")],
)
def test_a_clerks_discount_up_to_10_percent_is_confirmed_at_once(
    world: World, percent: int, status: str
) -> None:
    widget(world)
    assert world.order(("Widget", 2), discount=percent).status.value == status


def test_a_managers_own_discount_needs_no_approval(world: World) -> None:
    widget(world)
    order = world.order(("Widget", 2), discount=25, by=world.manager)
    assert (order.status.value, str(order.discount), str(order.total)) == ("confirmed", "5.00", "16.48")


def test_an_order_awaiting_approval_takes_no_stock(world: World) -> None:
    widget(world)
    assert world.order(("Widget", 5), discount=15).status.value == "awaiting approval"
    assert world.stock("Widget") == 100


@pytest.mark.parametrize("percent", [31, 50, -5])
def test_nobody_gives_more_than_30_percent(world: World, percent: int) -> None:
    widget(world)
    with refused("discount must be between 0% and 30%") as caught:
        world.order(("Widget", 1), discount=percent, by=world.manager)
    assert caught.status == 400


def test_a_clerk_cannot_approve_a_discount_above_10_percent(world: World) -> None:
    widget(world)
    order = world.order(("Widget", 10), discount=15)
    with refused("only a manager may approve discounts above 10%") as caught:
        world.shop.approve(world.clerk, order.id)
    assert caught.status == 403
    with refused("only a manager may approve discounts above 10%"):
        world.shop.decline(world.clerk, order.id)
    assert world.shop.order(world.clerk, order.id).status.value == "awaiting approval"
    assert world.stock("Widget") == 100


def test_a_manager_approves_a_discount_above_10_percent(world: World) -> None:
    widget(world)
    order = world.shop.approve(world.manager, world.order(("Widget", 10), discount=15).id)
    assert (order.status.value, str(order.total)) == ("confirmed", "93.40")
    assert world.stock("Widget") == 90
    with refused("order is confirmed, not awaiting approval") as caught:
        world.shop.approve(world.manager, order.id)
    assert caught.status == 409


def test_a_manager_declines_a_discount_above_10_percent(world: World) -> None:
    widget(world)
    order = world.shop.decline(world.manager, world.order(("Widget", 10), discount=15).id)
    assert order.status.value == "declined" and world.stock("Widget") == 100


def test_approval_checks_the_stock_again(world: World) -> None:
    widget(world, stock=10)
    waiting = world.order(("Widget", 8), discount=15)
    world.order(("Widget", 5))
    with refused("insufficient stock for Widget") as caught:
        world.shop.approve(world.manager, waiting.id)
    assert caught.status == 409
    assert world.shop.order(world.manager, waiting.id).status.value == "awaiting approval"
    assert world.stock("Widget") == 5


def test_the_approval_queue_lists_only_orders_waiting_for_a_manager(world: World) -> None:
    widget(world)
    world.order(("Widget", 10), discount=15)
    world.order(("Widget", 2), discount=5)
    assert [order.id for order in world.shop.approval_queue(world.manager)] == [1]


# --- REQ-104 / REQ-105: lines and invoice -------------------------------------------------------------


def test_an_order_with_20_lines_is_accepted_and_21_are_rejected(world: World) -> None:
    world.customer()
    for number in range(1, 22):
        world.product(f"Part {number}", "1.00", 100)
    order = world.order(*[(f"Part {number}", 1) for number in range(1, 21)])
    assert len(order.lines) == 20 and order.total == Decimal("22.00")
    with refused("an order may have at most 20 lines"):
        world.order(*[(f"Part {number}", 1) for number in range(1, 22)])


def test_the_same_product_twice_makes_one_line(world: World) -> None:
    widget(world)
    order = world.order(("Widget", 2), ("Widget", 3))
    assert len(order.lines) == 1 and order.lines[0].quantity == 5
    assert order.total == Decimal("54.95") and world.stock("Widget") == 95


def test_the_invoice_repeats_the_order_amounts(world: World) -> None:
    widget(world)
    invoice = world.shop.invoice(world.clerk, world.order(("Widget", 3)).id)
    assert (invoice.customer, invoice.tax_label, str(invoice.totals.total)) == (
        "ACME Ltd",
        "Tax 10%",
        "32.97",
    )
    waiting = world.order(("Widget", 3), discount=20)
    with refused("only a confirmed order has an invoice"):
        world.shop.invoice(world.clerk, waiting.id)


# --- REQ-201 / REQ-202 / REQ-203: stock ---------------------------------------------------------------


@pytest.mark.parametrize(("stock", "quantity", "remaining"), [(100, 3, 97), (10, 10, 0), (5, 1, 4)])
def test_confirming_an_order_reduces_the_stock(
    world: World, stock: int, quantity: int, remaining: int
) -> None:
    widget(world, stock)
    assert world.order(("Widget", quantity)).status.value == "confirmed"
    assert world.stock("Widget") == remaining


def test_an_order_exceeding_the_stock_is_rejected_whole(world: World) -> None:
    widget(world, stock=5)
    with refused("insufficient stock for Widget") as caught:
        world.order(("Widget", 6))
    assert caught.status == 409 and world.stock("Widget") == 5
    world.shop.set_product(world.clerk, "Widget", "9.99", 100)
    world.product("Gadget", "24.50", 2)
    with refused("insufficient stock for Gadget"):
        world.order(("Widget", 3), ("Gadget", 5))
    assert (world.stock("Widget"), world.stock("Gadget")) == (100, 2)
    assert world.shop.orders(world.clerk) == []


def test_cancelling_returns_stock_once(world: World) -> None:
    widget(world)
    order = world.order(("Widget", 3))
    assert world.shop.cancel(world.clerk, order.id).status.value == "cancelled"
    assert world.stock("Widget") == 100
    with refused("order is already cancelled") as caught:
        world.shop.cancel(world.clerk, order.id)
    assert caught.status == 409 and world.stock("Widget") == 100


def test_cancelling_an_order_awaiting_approval_leaves_the_stock_alone(world: World) -> None:
    widget(world)
    order = world.order(("Widget", 10), discount=15)
    assert world.shop.cancel(world.clerk, order.id).status.value == "cancelled"
    assert world.stock("Widget") == 100
    declined = world.shop.decline(world.manager, world.order(("Widget", 1), discount=15).id)
    with refused("a declined order cannot be cancelled"):
        world.shop.cancel(world.clerk, declined.id)


def test_goods_received_raise_the_stock(world: World) -> None:
    world.product("Widget", "9.99", 5)
    assert world.shop.receive_goods(world.clerk, "Widget", 50).stock == 55
    for quantity in (0, -3):
        with refused("quantity must be at least 1"):
            world.shop.receive_goods(world.clerk, "Widget", quantity)
    with refused("unknown product") as caught:
        world.shop.receive_goods(world.clerk, "Doohickey", 1)
    assert caught.status == 404 and world.stock("Widget") == 55


@pytest.mark.parametrize(("stock", "listed"), [(0, True), (9, True), (10, False), (100, False)])
def test_products_with_less_than_10_are_on_the_low_stock_list(world: World, stock: int, listed: bool) -> None:
    world.product("Widget", "9.99", stock)
    assert ("Widget" in [product.name for product in world.shop.low_stock(world.clerk)]) is listed


def test_a_confirmed_order_puts_a_product_on_the_low_stock_list(world: World) -> None:
    world.customer("华东贸易")
    world.product("Widget", "9.99", 12)
    world.product("Gadget", "24.50", 3)
    world.order(("Widget", 3), customer="华东贸易")
    assert [(product.name, product.stock) for product in world.shop.low_stock(world.clerk)] == [
        ("Gadget", 3),
        ("Widget", 9),
    ]


# --- REQ-301 / REQ-302: the sales report ---------------------------------------------------------------


def test_the_report_totals_each_days_orders(world: World) -> None:
    widget(world)
    world.product("Gadget", "24.50", 100)
    world.order(("Widget", 2), order_date="2024-03-01")
    world.order(("Gadget", 1), order_date="2024-03-01")
    world.order(("Widget", 3), order_date="2024-03-02")
    report = world.shop.sales_report(world.manager, "2024-03-01", "2024-03-31")
    days = {day.day: (day.orders, str(day.total)) for day in report.days}
    assert len(days) == 31
    assert days[date(2024, 3, 1)] == (2, "48.93") and days[date(2024, 3, 2)] == (1, "32.97")
    assert days[date(2024, 3, 3)] == (0, "0.00")
    assert str(report.grand_total) == "81.90" and report.orders == 3


@pytest.mark.parametrize("status", ["cancelled", "awaiting approval", "declined"])
def test_only_confirmed_orders_count(world: World, status: str) -> None:
    widget(world)
    world.order(("Widget", 2), order_date="2024-03-01")
    other = world.order(("Widget", 5), discount=15, order_date="2024-03-01")
    if status == "cancelled":
        world.shop.cancel(world.clerk, other.id)
    elif status == "declined":
        world.shop.decline(world.manager, other.id)
    assert world.shop.order(world.clerk, other.id).status.value == status
    report = world.shop.sales_report(world.manager, "2024-03-01", "2024-03-31")
    assert (report.days[0].orders, str(report.days[0].total)) == (1, "21.98")


def test_days_without_sales_show_zero_and_orders_outside_are_left_out(world: World) -> None:
    widget(world)
    world.product("Gadget", "24.50", 100)
    world.order(("Widget", 3), order_date="2024-03-02")
    report = world.shop.sales_report(world.manager, date(2024, 3, 1), date(2024, 3, 3))
    assert [(day.orders, str(day.total)) for day in report.days] == [(0, "0.00"), (1, "32.97"), (0, "0.00")]
    assert str(report.grand_total) == "32.97"
    world.order(("Widget", 2), order_date="2024-02-29")
    world.order(("Gadget", 1), order_date="2024-03-01")
    world.order(("Widget", 3), order_date="2024-04-01")
    world.shop.cancel(world.clerk, 1)
    assert str(world.shop.sales_report(world.manager, "2024-03-01", "2024-03-31").grand_total) == "26.95"


def test_sales_by_product_at_list_price(world: World) -> None:
    world.customer("华东贸易")
    world.product("Widget", "9.99", 100)
    world.product("保温杯", "35.00", 100)
    world.product("Gadget", "24.50", 100)
    world.order(("Widget", 2), customer="华东贸易", order_date="2024-03-01")
    world.order(("Widget", 3), customer="华东贸易", order_date="2024-03-02")
    world.order(("保温杯", 1), customer="华东贸易", order_date="2024-03-02")
    world.order(("Widget", 10), discount=5, customer="华东贸易", order_date="2024-03-03")
    report = world.shop.sales_report(world.manager, "2024-03-01", "2024-03-31")
    assert [(p.product, p.units, str(p.revenue)) for p in report.products] == [
        ("Widget", 15, "149.85"),
        ("保温杯", 1, "35.00"),
    ]


@pytest.mark.parametrize(
    ("start", "end", "units", "revenue"),
    [
        ("2024-03-01", "2024-03-31", 5, "49.95"),
        ("2024-03-02", "2024-04-30", 7, "69.93"),
        ("2024-03-01", "2024-03-01", 2, "19.98"),
        ("2024-03-01", "2024-04-01", 9, "89.91"),
    ],
)
def test_the_report_counts_only_the_period_both_ends_included(
    world: World, start: str, end: str, units: int, revenue: str
) -> None:
    world.customer("华东贸易")
    world.product("Widget", "9.99", 100)
    for quantity, day in [(2, "2024-03-01"), (3, "2024-03-15"), (4, "2024-04-01")]:
        world.order(("Widget", quantity), customer="华东贸易", order_date=day)
    [product] = world.shop.sales_report(world.manager, start, end).products
    assert (product.units, str(product.revenue)) == (units, revenue)


def test_only_managers_see_the_report_and_periods_are_checked(world: World) -> None:
    with refused("only a manager may see the sales report") as caught:
        world.shop.sales_report(world.clerk, "2024-03-01", "2024-03-31")
    assert caught.status == 403
    with refused("the period must not end before it starts"):
        world.shop.sales_report(world.manager, "2024-03-31", "2024-03-01")
    with refused("from must be a date like 2024-03-01"):
        world.shop.sales_report(world.manager, "2024-02-30", "2024-03-01")
    with refused("a report needs a period: from and to, as YYYY-MM-DD"):
        world.shop.sales_report(world.manager, None, "2024-03-01")


# --- workspaces, clock, customers, products, validation -------------------------------------------------


def test_workspaces_are_independent(shop: Shop) -> None:
    first, second = shop.create_workspace(), shop.create_workspace()
    clara_1, clara_2 = shop.login(first, "clara", "clara-secret"), shop.login(second, "clara", "clara-secret")
    shop.add_customer(clara_1, "ACME Ltd")
    shop.set_product(clara_1, "Widget", "9.99", 100)
    shop.place_order(clara_1, "ACME Ltd", [("Widget", 3)])
    assert shop.customers(clara_2) == [] and shop.products(clara_2) == [] and shop.orders(clara_2) == []
    with refused("login required"):
        shop.authenticate(clara_1.token, second)
    shop.advance_clock(second, 31)
    assert len(shop.orders(clara_1)) == 1
    with refused("login required"):
        shop.orders(clara_2)
    with refused("unknown workspace") as caught:
        shop.login("nope", "clara", "clara-secret")
    assert caught.status == 404


def test_the_order_date_defaults_to_today_by_the_workspace_clock() -> None:
    shop = Shop.open(":memory:", clock=lambda: datetime(2024, 3, 1, 11, 0, tzinfo=UTC), iterations=1000)
    try:
        workspace = shop.create_workspace()
        clerk = shop.login(workspace, "clara", "clara-secret")
        shop.add_customer(clerk, "ACME Ltd")
        shop.set_product(clerk, "Widget", "9.99", 100)
        today = datetime(2024, 3, 1, 11, 0, tzinfo=UTC).astimezone().date()
        assert shop.place_order(clerk, "ACME Ltd", [("Widget", 1)]).order_date == today
        shop.advance_clock(workspace, 24 * 60)
        clerk = shop.login(workspace, "clara", "clara-secret")
        order = shop.place_order(clerk, "ACME Ltd", [{"product": "Widget", "quantity": 1}])
        assert (order.order_date - today).days == 1
    finally:
        shop.close()


def test_customers_are_known_by_name_and_products_are_upserted(world: World) -> None:
    first = world.shop.add_customer(world.clerk, "ACME Ltd")
    assert world.shop.add_customer(world.manager, " ACME Ltd ") == first
    assert [customer.name for customer in world.shop.customers(world.clerk)] == ["ACME Ltd"]
    created = world.shop.set_product(world.clerk, "Widget", "9.99", 100)
    updated = world.shop.set_product(world.clerk, "Widget", Decimal("10.50"), 7)
    assert (updated.id, updated.price, updated.stock) == (created.id, Decimal("10.50"), 7)
    assert world.shop.product(world.clerk, "1") == updated == world.shop.product(world.clerk, 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w: w.shop.set_product(w.clerk, "Widget", 9.99, 1), PRICE_REFUSED),
        (lambda w: w.shop.set_product(w.clerk, "Widget", "9.999", 1), PRICE_REFUSED),
        (lambda w: w.shop.set_product(w.clerk, "Widget", "-1", 1), PRICE_REFUSED),
        (
            lambda w: w.shop.set_product(w.clerk, "Widget", "1", -1),
            "stock must be a whole number of at least 0",
        ),
        (lambda w: w.shop.set_product(w.clerk, " ", "1", 1), "product name is required"),
        (lambda w: w.shop.add_customer(w.clerk, ""), "customer name is required"),
        (lambda w: w.order(("Widget", "two")), "quantity must be a whole number"),
        (lambda w: w.order(("Widget", True)), "quantity must be a whole number"),
        (lambda w: w.order(), "an order needs at least one line"),
        (lambda w: w.order(("Widget", 1), discount="12.5"), "discount must be a whole percentage"),
        (
            lambda w: w.order(("Widget", 1), order_date="01.03.2024"),
            "order date must be a date like 2024-03-01",
        ),
        (lambda w: w.shop.order(w.clerk, 99), "unknown order"),
        (lambda w: w.shop.order(w.clerk, "x"), "unknown order"),
        (lambda w: w.shop.orders(w.clerk, "shipped"), "unknown status"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(
    world: World, call: Callable[[World], object], message: str
) -> None:
    widget(world)
    with refused(message):
        call(world)
    assert world.stock("Widget") == 100


def test_domain_error_carries_message_and_status() -> None:
    error = DomainError("insufficient stock for Widget", 409)
    assert (str(error), error.message, error.status) == ("insufficient stock for Widget",) * 2 + (409,)
    assert DomainError("unknown customer").status == 400
