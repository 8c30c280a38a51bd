"""Steps about users: logging in and out, sessions, the user list and how passwords are kept."""

from __future__ import annotations

import hashlib
import re

from pytest_bdd import given, then, when

from fixtures.drivers.base import STAFF, Rejection, Role, ShopDriver, UserView
from fixtures.world import World
from steps.grammar import step

_RECORD = re.compile(r"pbkdf2_sha256\$(?P<rounds>\d+)\$(?P<salt>[0-9a-f]{16,})\$(?P<digest>[0-9a-f]{64})")
# a password hash or salt in hex: no page or response has any business showing one
_HEX_SECRET = re.compile(r"[0-9a-f]{32,}")


@given("I am not logged in")
def not_logged_in(driver: ShopDriver) -> None:
    """Hold no session."""
    driver.forget_login()


@given(step("I am logged in as a {role:Role}"))
@given(step("我以{role:RoleZh}身份登录"))
def logged_in_as_role(driver: ShopDriver, role: Role) -> None:
    """Log in as the seeded user with that role."""
    driver.log_in_as(role)


@when(step('I log in as "{username:Text}" with password "{password:Text}"'))
def log_in(driver: ShopDriver, world: World, username: str, password: str) -> None:
    """Log in with a user name and password."""
    if password:
        world.passwords.add(password)
    world.record("log in", driver.log_in(username, password))


@when("I log out")
def log_out(driver: ShopDriver, world: World) -> None:
    """Log out (a refused logout leaves nothing for the scenario to check)."""
    result = world.record("log out", driver.log_out())
    assert not isinstance(result, Rejection), f"logging out was refused: {result}"


@when(step("{minutes:Int} minutes pass without activity"))
def time_passes(driver: ShopDriver, minutes: int) -> None:
    """Let the workspace's clock run on."""
    driver.advance_clock(minutes)


@when("I request the list of users")
def request_users(driver: ShopDriver, world: World) -> None:
    """Ask for the user list."""
    world.record("list users", driver.users())


@then(step('I am logged in as "{username:Text}" with role "{role:Text}"'))
def logged_in(driver: ShopDriver, username: str, role: str) -> None:
    """Check whom the system takes me for."""
    assert driver.current_user() == UserView(username, role)


@then("I am not logged in")
def not_logged_in_now(driver: ShopDriver) -> None:
    """Check the system takes me for nobody."""
    who = driver.current_user()
    assert who is None, f"the system still takes me for {who}"


@then(step('the login is refused with "{message:Text}"'))
def login_refused(world: World, message: str) -> None:
    """Check the login was refused with that message."""
    refused = world.rejection("log in")
    assert refused.message == message, f"the login was refused with {refused.message!r}"


@then(step('the user list shows "{username:Text}" with role "{role:Text}"'))
def user_listed(world: World, username: str, role: str) -> None:
    """Check the user list holds a user with that role."""
    found = world.result_of("list users")
    assert isinstance(found, tuple), f"the user list was refused: {found}"
    assert UserView(username, role) in found, f"{username} ({role}) is not in {found}"


@then("no password appears in the response")
def no_password_shown(driver: ShopDriver, world: World) -> None:
    """Check that what the last action showed holds no password and no hash."""
    shown = driver.last_shown
    assert shown, "the last action showed nothing to look at"
    for password in world.passwords | {who.password for who in STAFF.values()}:
        assert password not in shown, "a password appears in the response"
    assert "pbkdf2" not in shown.lower(), "a password hash appears in the response"
    assert not _HEX_SECRET.search(shown), "something like a hash or salt appears in the response"


@then(step('the password of "{username:Text}" is stored only as a hash'))
def password_hashed(driver: ShopDriver, username: str) -> None:
    """Check the stored record is a salted PBKDF2 hash of the password, and not the password."""
    password = next(who.password for who in STAFF.values() if who.username == username)
    record = driver.password_record(username)
    assert password not in record, "the password is stored in plain text"
    parts = _RECORD.fullmatch(record)
    assert parts is not None, f"the stored record is not a salted PBKDF2-SHA256 hash: {record[:20]}…"
    digest = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), bytes.fromhex(parts["salt"]), int(parts["rounds"])
    )
    assert digest.hex() == parts["digest"], "the stored hash is not a hash of the password"
