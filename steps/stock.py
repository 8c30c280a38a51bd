"""Steps about products and stock: prices, stock levels, goods received and the low-stock list."""

from __future__ import annotations

from decimal import Decimal

from faker import Faker
from pytest_bdd import given, then, when

from fixtures.drivers.base import Role, ShopDriver, StockLevel
from fixtures.factories import product
from fixtures.world import World
from steps.common import expect_refusal
from steps.grammar import step


@given(step('the product "{name:Text}" costs {price:Money} with {stock:Int} in stock'))
@given(step('产品 "{name:Text}" 单价 {price:Money}，库存 {stock:Int}'))
def product_exists(driver: ShopDriver, name: str, price: Decimal, stock: int) -> None:
    """Create the product with that price and stock."""
    driver.arrange(Role.CLERK).set_product(name, price, stock)


@given(step("{count:Int} different products each cost {price:Money} with {stock:Int} in stock"))
def many_products(
    driver: ShopDriver, world: World, faker: Faker, count: int, price: Decimal, stock: int
) -> None:
    """Create that many products with invented names; they become "the products"."""
    arranger = driver.arrange(Role.CLERK)
    for _ in range(count):
        made = product(faker, price=price, stock=stock)
        arranger.set_product(made.name, made.price, made.stock)
        world.products.append(made.name)


@given(step('no product "{name:Text}" exists'))
def no_product(driver: ShopDriver, name: str) -> None:
    """Check the product is unknown."""
    names = [found.name for found in driver.arrange(Role.CLERK).products()]
    assert name not in names, f"a product {name!r} exists"


@when(step('我为 "{name:Text}" 入库 {quantity:Int} 件'))
def receive_goods(driver: ShopDriver, world: World, name: str, quantity: int) -> None:
    """Book goods received."""
    world.record("receive goods", driver.receive_goods(name, quantity))


@when("我查看低库存清单")
def open_low_stock(driver: ShopDriver, world: World) -> None:
    """Look at the low-stock list."""
    world.record("low stock", driver.low_stock())


@then(step('the stock of "{name:Text}" is {count:Int}'))
@then(step('"{name:Text}" 的库存为 {count:Int}'))
def stock_is(driver: ShopDriver, name: str, count: int) -> None:
    """Check a product's stock as the system shows it now."""
    found = driver.stock_of(name)
    assert found == count, f"the stock of {name} is {found}, not {count}"


@then(step('入库被拒绝，提示 "{message:Text}"'))
def receipt_refused(world: World, message: str) -> None:
    """Check the goods received were refused with that message."""
    expect_refusal(world, "receive goods", message)


@then(step('低库存清单{verdict:Verdict} "{name:Text}"'))
def low_stock_lists(world: World, verdict: bool, name: str) -> None:
    """Check whether the low-stock list names the product (包含: it does; 不包含: it does not)."""
    found = world.result_of("low stock")
    assert isinstance(found, tuple), f"the low-stock list was refused: {found}"
    names = [level.product for level in found if isinstance(level, StockLevel)]
    assert (name in names) is verdict, f"the low-stock list is {names}"
