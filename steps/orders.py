"""Steps about customers and orders: placing, approving, declining, cancelling, amounts and invoices."""

from __future__ import annotations

from decimal import Decimal

from faker import Faker
from pytest_bdd import given, then, when

from fixtures import factories
from fixtures.drivers.base import Role, ShopDriver
from fixtures.world import World
from steps.common import arrange_order, expect_refusal, place
from steps.grammar import step


@given(step('a customer "{name:Text}" exists'))
@given(step('客户 "{name:Text}" 已存在'))
def customer_exists(driver: ShopDriver, world: World, name: str) -> None:
    """Create the customer; later orders are for it."""
    world.customer = driver.arrange(Role.CLERK).ensure_customer(name)


@given(step('no customer "{name:Text}" exists'))
def no_customer(driver: ShopDriver, name: str) -> None:
    """Check the customer is unknown."""
    assert name not in driver.arrange(Role.CLERK).customers(), f"a customer {name!r} exists"


@given(step("a {role:Role} placed an order for {lines:Lines} with a {percent:Int}% discount"))
def order_placed(
    driver: ShopDriver, world: World, role: Role, lines: list[tuple[str, int]], percent: int
) -> None:
    """Have a user of that role place an order for the last customer."""
    arrange_order(driver, world, role, lines, percent)


@when(step("I place an order for {lines:Lines}"))
@when(step("我下单 {lines:LineZh}"))
def place_order(driver: ShopDriver, world: World, lines: list[tuple[str, int]]) -> None:
    """Place an order for the last customer."""
    place(driver, world, world.last_customer(), lines)


@when(step("I place an order for {lines:Lines} with a {percent:Int}% discount"))
def place_discounted_order(
    driver: ShopDriver, world: World, lines: list[tuple[str, int]], percent: int
) -> None:
    """Place an order with a discount for the last customer."""
    place(driver, world, world.last_customer(), lines, percent)


@when(step('I place an order for {lines:Lines} for customer "{customer:Text}"'))
def place_order_for(driver: ShopDriver, world: World, lines: list[tuple[str, int]], customer: str) -> None:
    """Place an order for a named customer."""
    place(driver, world, customer, lines)


@when(step("I place an order for {quantity:Int} of each of the {count:Int} products"))
def place_order_of_each(driver: ShopDriver, world: World, faker: Faker, quantity: int, count: int) -> None:
    """Place an order with that many of each product the scenario made."""
    assert len(world.products) == count, f"the scenario made {len(world.products)} products, not {count}"
    place(
        driver, world, world.last_customer(), factories.order_lines(faker, world.products, quantity=quantity)
    )


@when("I approve the order")
def approve(driver: ShopDriver, world: World) -> None:
    """Approve the order."""
    world.record("approve", driver.approve(world.last_order()))


@when("I decline the order")
def decline(driver: ShopDriver, world: World) -> None:
    """Decline the order."""
    world.record("decline", driver.decline(world.last_order()))


@when("I cancel the order")
def cancel(driver: ShopDriver, world: World) -> None:
    """Cancel the order."""
    world.record("cancel", driver.cancel(world.last_order()))


@when("I open the approval queue")
def open_approval_queue(driver: ShopDriver, world: World) -> None:
    """Look at the orders awaiting approval."""
    world.record("approval queue", driver.approval_queue())


@when("I print the invoice for the order")
def print_invoice(driver: ShopDriver, world: World) -> None:
    """Print the order's invoice."""
    world.record("invoice", driver.invoice(world.last_order()))


@then(step('the order status is "{status:Text}"'))
def order_status(driver: ShopDriver, world: World, status: str) -> None:
    """Check the order's status as the system shows it now."""
    found = driver.read_order(world.last_order()).status
    assert found == status, f"the order is {found!r}, not {status!r}"


@then(step("the order {part:Part} is {amount:Money}"))
def order_amount(driver: ShopDriver, world: World, part: str, amount: Decimal) -> None:
    """Check one of the order's amounts."""
    found = driver.read_order(world.last_order()).amount(part)
    assert found == amount, f"the order {part} is {found}, not {amount}"


@then(step("the order has {count:Int} {:lines}"))
def line_count(driver: ShopDriver, world: World, count: int) -> None:
    """Check how many lines the order has."""
    lines = driver.read_order(world.last_order()).lines
    assert len(lines) == count, f"the order has {len(lines)} lines: {lines}"


@then(step('the order is rejected with "{message:Text}"'))
def order_rejected(world: World, message: str) -> None:
    """Check placing the order was refused with that message."""
    expect_refusal(world, "place order", message)


@then(step('the approval is refused with "{message:Text}"'))
def approval_refused(world: World, message: str) -> None:
    """Check the approval was refused with that message."""
    expect_refusal(world, "approve", message)


@then(step('the cancellation is rejected with "{message:Text}"'))
def cancellation_rejected(world: World, message: str) -> None:
    """Check the cancellation was refused with that message."""
    expect_refusal(world, "cancel", message)


@then(step("the approval queue lists {count:Int} {:orders}"))
def approval_queue_lists(driver: ShopDriver, world: World, count: int) -> None:
    """Check the queue's length, and that every order in it does await approval."""
    queue = world.result_of("approval queue")
    assert isinstance(queue, tuple), f"the approval queue was refused: {queue}"
    assert len(queue) == count, f"the approval queue lists {len(queue)} orders: {queue}"
    for order_id in queue:
        status = driver.read_order(order_id).status
        assert status == "awaiting approval", f"order {order_id} in the queue is {status!r}"


@then(step('the invoice shows "{text:Text}"'))
def invoice_shows(world: World, text: str) -> None:
    """Check the invoice holds a text."""
    invoice = world.result_of("invoice")
    assert isinstance(invoice, str), f"the invoice was refused: {invoice}"
    assert text in invoice, f"{text!r} is not on the invoice:\n{invoice}"
