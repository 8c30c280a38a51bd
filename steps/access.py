"""Steps about access: bare requests, the list of orders, and whether a request was refused."""

from __future__ import annotations

from pytest_bdd import then, when

from fixtures.drivers.base import Rejection, Reply, ShopDriver
from fixtures.world import World
from steps.grammar import step


@when(step('I send a {method:Word} request to "{path:Text}"'))
def send_request(driver: ShopDriver, world: World, method: str, path: str) -> None:
    """Send a bare request with whatever credentials I hold."""
    world.record("request", driver.send(method, path))


@when("I request the list of orders")
def request_orders(driver: ShopDriver, world: World) -> None:
    """Ask for the list of orders."""
    world.record("list orders", driver.list_orders())


@then(step("the request is refused with status {status:Int}"))
def refused_with(world: World, status: int) -> None:
    """Check the last request was refused with that status."""
    result = world.result_of()
    if isinstance(result, Reply):
        assert result.status == status, f"expected status {status}, got {result.status}: {result.text[:200]}"
        return
    assert isinstance(result, Rejection), f"the request was not refused: {result!r}"
    assert result.status == status, f"refused with status {result.status} ({result.message}), not {status}"


@then("the request succeeds")
def succeeded(world: World) -> None:
    """Check the last request was answered, not refused."""
    result = world.result_of()
    if isinstance(result, Reply):
        assert 200 <= result.status < 300, f"status {result.status}: {result.text[:200]}"
        return
    assert not isinstance(result, Rejection), f"the request was refused: {result}"
