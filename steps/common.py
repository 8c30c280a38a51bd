"""What the step modules share: placing and arranging orders, and checking refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fixtures.drivers.base import OrderLines, OrderView, Rejection, Role, ShopDriver, done
from fixtures.world import World


def place(driver: ShopDriver, world: World, customer: str, lines: OrderLines, discount: int = 0) -> None:
    """Place an order as me and remember the outcome (and the order, when it was placed)."""
    result = world.record("place order", driver.place_order(customer, lines, discount))
    if isinstance(result, OrderView):
        world.order_id = result.id


def arrange_order(
    driver: ShopDriver,
    world: World,
    role: Role,
    lines: OrderLines,
    discount: int = 0,
    order_date: date | None = None,
) -> OrderView:
    """Have a user of that role place an order for the last customer; it becomes "the order"."""
    placed = driver.arrange(role).place_order(world.last_customer(), lines, discount, order_date)
    order = done(placed, f"an order for {lines}")
    world.order_id = order.id
    return order


def move_to_status(driver: ShopDriver, order: OrderView, status: str) -> OrderView:
    """Take an order awaiting approval to a status, as the users allowed to would."""
    moves: dict[str, Callable[[], OrderView | Rejection]] = {
        "awaiting approval": lambda: order,
        "confirmed": lambda: driver.arrange(Role.MANAGER).approve(order.id),
        "declined": lambda: driver.arrange(Role.MANAGER).decline(order.id),
        "cancelled": lambda: driver.arrange(Role.CLERK).cancel(order.id),
    }
    if status not in moves:
        raise AssertionError(f"no way to arrange an order with status {status!r}")
    moved = done(moves[status](), f"an order {status}")
    if moved.status != status:
        raise AssertionError(f"arranging an order {status} left it {moved}")
    return moved


def expect_refusal(world: World, action: str, message: str) -> Rejection:
    """Check the last action was that one and was refused with that message."""
    refused = world.rejection(action)
    assert refused.message == message, f"{action} refused with {refused.message!r}, expected {message!r}"
    return refused
