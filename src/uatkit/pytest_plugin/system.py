"""The system under test: its base URL, the bundled demo started on demand, and a fast reachability check.

The base URL comes from --base-url, else UATKIT_BASE_URL, else `[tool.uatkit] base_url`. When none is set
and `[tool.uatkit] demo = true`, the session starts the bundled demo system on a free 127.0.0.1 port and
stops it afterwards (with pytest-xdist, the controller starts it once and hands the URL to the workers).
When the system cannot be reached, the session stops with one message instead of a failure per test: it is
asked once, after the first integration or e2e test is set up (a session fixture may start it), never before.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from uatkit.config import Config
from uatkit.extras import missing
from uatkit.model import Level
from uatkit.pytest_plugin import levels
from uatkit.secrets import mask

SERVER_KEY = pytest.StashKey[Any]()
WORKER_KEY = "uatkit_base_url"
TIMEOUT = 5.0
PROBED_KEY = pytest.StashKey[bool]()


def resolve_base_url(pytest_config: pytest.Config, config: Config) -> str:
    """Return the configured base URL, or an empty string when none is configured."""
    option = pytest_config.getoption("base_url", default=None)
    return str(option or os.environ.get("UATKIT_BASE_URL") or config.base_url or "")


def configure(pytest_config: pytest.Config, config: Config) -> None:
    """Settle the base URL for this process: from a worker's controller, the options, or a started demo."""
    workerinput = getattr(pytest_config, "workerinput", None)
    if workerinput is not None and workerinput.get(WORKER_KEY):
        pytest_config.option.base_url = workerinput[WORKER_KEY]
        return
    url = resolve_base_url(pytest_config, config)
    if not url and config.demo and not pytest_config.option.collectonly and needs_system(pytest_config):
        from uatkit.demo.server import start

        server = start(host="127.0.0.1", port=0)
        pytest_config.stash[SERVER_KEY] = server
        url = server.url
    if url:
        pytest_config.option.base_url = url


def configure_node(pytest_config: pytest.Config, node: Any) -> None:
    """Hand the controller's base URL to an xdist worker."""
    url = pytest_config.getoption("base_url", default=None)
    if url:
        node.workerinput[WORKER_KEY] = url


def unconfigure(pytest_config: pytest.Config) -> None:
    """Stop a demo system this session started."""
    server = pytest_config.stash.get(SERVER_KEY, None)
    if server is not None:
        server.stop()


def needs_system(pytest_config: pytest.Config) -> bool:
    """Return True when the selected levels talk to a running system."""
    return bool(levels.selected(pytest_config) & {Level.INTEGRATION.value, Level.E2E.value})


def check_reachable(item: pytest.Item) -> None:
    """Stop the session with one clear message when the system under test does not answer.

    Asked once a process, right after the first test that runs at a level talking to the system has been
    set up, so that a session fixture which starts the system has had its chance; unit-only runs never ask.
    """
    pytest_config = item.config
    url = pytest_config.getoption("base_url", default=None)
    if not url or PROBED_KEY in pytest_config.stash:
        return
    level = levels.item_level(item) or getattr(item, "funcargs", {}).get(levels.PARAM)
    if level not in (Level.INTEGRATION.value, Level.E2E.value):
        return
    pytest_config.stash[PROBED_KEY] = True
    problem = probe(str(url))
    if not problem:
        return
    message = (
        f"uatkit: the system under test at {mask(str(url))} is unreachable ({problem}). Start it, or point "
        "--base-url / UATKIT_BASE_URL at a running system; --uatkit-level unit runs without it."
    )
    if getattr(pytest_config, "workerinput", None) is None:
        pytest.exit(message, returncode=pytest.ExitCode.USAGE_ERROR)
    # A pytest-xdist worker cannot exit the session (the controller would call it a crash): its test's
    # set-up fails with the message and the worker stops, which stops the session ("Interrupted").
    item.session.shouldstop = message
    pytest.fail(message, pytrace=False)


def probe(url: str) -> str:
    """Return why `url` cannot be reached, or an empty string when it answers."""
    if problem := missing("requests", "checking the system under test at the base URL"):
        raise pytest.UsageError(problem)
    import requests

    try:
        requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    except requests.Timeout:
        return f"no answer within {TIMEOUT:g} s"
    except requests.ConnectionError as exc:
        return "connection refused" if "refused" in str(exc).lower() else "cannot connect"
    except requests.RequestException as exc:
        return type(exc).__name__
    return ""
