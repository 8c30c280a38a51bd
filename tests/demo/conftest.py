"""Fixtures for the demo's tests: one shop and one server per module, a fresh workspace per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from demo_helpers import Client, World

from uatkit.demo.domain import Shop
from uatkit.demo.server import RunningServer, start


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    """Return an in-memory shop shared by a module's tests (each test works in its own workspace)."""
    # few PBKDF2 rounds keep the many logins fast; the server tests run with the real default
    opened = Shop.open(":memory:", iterations=1_000)
    yield opened
    opened.close()


@pytest.fixture
def world(shop: Shop) -> World:
    """Return a fresh workspace with clara and max logged in."""
    workspace = shop.create_workspace()
    clerk = shop.login(workspace, "clara", "clara-secret")
    manager = shop.login(workspace, "max", "max-secret")
    return World(shop, workspace, clerk, manager)


@pytest.fixture(scope="session")
def server() -> Iterator[RunningServer]:
    """Return the real demo server, running in a background thread with a temporary database."""
    with start() as running:
        yield running


@pytest.fixture
def workspace(server: RunningServer) -> str:
    """Return a fresh workspace on the server."""
    response = requests.post(server.url + "/api/workspaces", timeout=10)
    assert response.status_code == 201
    return str(response.json()["workspace"])


@pytest.fixture
def anonymous(server: RunningServer, workspace: str) -> Iterator[Client]:
    """Return a client of the workspace that is not logged in."""
    client = Client(server, workspace)
    yield client
    client.http.close()


@pytest.fixture
def clerk(server: RunningServer, workspace: str) -> Iterator[Client]:
    """Return a client logged in as clara (clerk)."""
    client = Client(server, workspace).login("clara")
    yield client
    client.http.close()


@pytest.fixture
def manager(server: RunningServer, workspace: str) -> Iterator[Client]:
    """Return a client logged in as max (manager)."""
    client = Client(server, workspace).login("max")
    yield client
    client.http.close()
