"""The system under test: its base URL, the bundled demo started on demand, and a fast reachability check.

The base URL comes from --base-url, else UATKIT_BASE_URL, else `[tool.uatkit] base_url`. When none is set
and `[tool.uatkit] demo = true`, the session starts the bundled demo system on a free 127.0.0.1 port, in a
child process that serves a socket bound at once (`uatkit.demo.process`), and stops it afterwards (with
pytest-xdist, the controller starts it once and hands the URL to the workers).
A project may instead give the URL with its own `base_url` fixture (one that starts the system, say): the
first integration or e2e test's set-up asks for it, and the run records it like an option's.
When the system cannot be reached, the session stops with one message instead of a failure per test: it is
asked once, after the first integration or e2e test is set up (a session fixture may start it), never before;
the application's version is asked then too (appversion).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from uatkit.config import Config
from uatkit.extras import missing
from uatkit.model import Level
from uatkit.pytest_plugin import appversion, levels, masks
from uatkit.secrets import mask, url_password

SERVER_KEY = pytest.StashKey[Any]()
WORKER_KEY = "uatkit_base_url"
#: The key a worker hands back the base URL its tests took from the project's `base_url` fixture.
WORKER_FIXTURE_URL = "uatkit_fixture_base_url"
TIMEOUT = 5.0
#: How long the first probe waits for a demo the session started (still starting, on a busy machine).
DEMO_TIMEOUT = 30.0
#: The key that tells a worker its controller started the demo.
WORKER_DEMO = "uatkit_demo_started"
PROBED_KEY = pytest.StashKey[bool]()
#: Each test's fixture request, kept by an autouse fixture so that the set-up hook can ask for `base_url`.
REQUEST_KEY = pytest.StashKey[pytest.FixtureRequest]()
#: Set when the base URL came from the project's `base_url` fixture rather than an option or setting.
FROM_FIXTURE_KEY = pytest.StashKey[bool]()


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
        from uatkit.demo.process import spawn

        # The demo starts in a child process on a socket bound here: the session goes on collecting while
        # the child starts on another core, and requests sent before it serves wait in the socket's queue.
        server = spawn(host="127.0.0.1", port=0)
        pytest_config.stash[SERVER_KEY] = server
        url = server.url
    if url:
        pytest_config.option.base_url = url


def configure_node(pytest_config: pytest.Config, node: Any) -> None:
    """Hand the controller's base URL to an xdist worker."""
    url = pytest_config.getoption("base_url", default=None)
    if url:
        node.workerinput[WORKER_KEY] = url
        node.workerinput[WORKER_DEMO] = SERVER_KEY in pytest_config.stash


def unconfigure(pytest_config: pytest.Config) -> None:
    """Stop a demo system this session started."""
    server = pytest_config.stash.get(SERVER_KEY, None)
    if server is not None:
        server.stop()


def needs_system(pytest_config: pytest.Config) -> bool:
    """Return True when the selected levels talk to a running system."""
    return bool(levels.selected(pytest_config) & {Level.INTEGRATION.value, Level.E2E.value})


def first_system_test(item: pytest.Item) -> None:
    """Once a process, after the first integration or e2e test is set up: find, check and ask the system.

    Its fixtures (a session fixture may start the system) have run by then; unit-only runs never ask. The
    base URL is the option's (or setting's), else the value of the project's own `base_url` fixture; the
    session stops with one clear message when the system does not answer, else the application's version
    is asked of it.
    """
    pytest_config = item.config
    if PROBED_KEY in pytest_config.stash:
        return
    level = levels.item_level(item) or getattr(item, "funcargs", {}).get(levels.PARAM)
    if level not in (Level.INTEGRATION.value, Level.E2E.value):
        return
    pytest_config.stash[PROBED_KEY] = True
    url = pytest_config.getoption("base_url", default=None) or fixture_url(item)
    if not url:
        return
    check_reachable(item, str(url))
    appversion.ask(pytest_config, str(url))


def fixture_url(item: pytest.Item) -> str | None:
    """Return the project's `base_url` fixture's value for this test, remembered for the run; else None."""
    request = item.stash.get(REQUEST_KEY, None)
    if request is None:
        return None
    try:
        value = request.getfixturevalue("base_url")
    except pytest.FixtureLookupError:
        return None
    if not value:
        return None
    url = str(value)
    pytest_config = item.config
    masks.learn(pytest_config, url_password(url))
    pytest_config.option.base_url = url
    pytest_config.stash[FROM_FIXTURE_KEY] = True
    workeroutput = getattr(pytest_config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_FIXTURE_URL] = url
    return url


def note_node(pytest_config: pytest.Config, node: Any) -> None:
    """Take the base URL a pytest-xdist worker's tests took from the project's fixture, when none is set."""
    url = (getattr(node, "workeroutput", None) or {}).get(WORKER_FIXTURE_URL)
    if isinstance(url, str) and url and not pytest_config.getoption("base_url", default=None):
        masks.learn(pytest_config, url_password(url))
        pytest_config.option.base_url = url
        pytest_config.stash[FROM_FIXTURE_KEY] = True


def talked_to(pytest_config: pytest.Config, levels_run: set[str]) -> str | None:
    """Return the base URL the run's integration or e2e tests checked, or None when none ran."""
    url = pytest_config.getoption("base_url", default=None)
    ran = levels_run & {Level.INTEGRATION.value, Level.E2E.value}
    return str(url) if url and ran else None


def check_reachable(item: pytest.Item, url: str) -> None:
    """Stop the session with one clear message when the system under test at `url` does not answer."""
    pytest_config = item.config
    problem = probe(url, DEMO_TIMEOUT if started_demo(pytest_config) else TIMEOUT)
    if not problem:
        return
    shown = mask(url, masks.rules(pytest_config))
    message = (
        f"uatkit: the system under test at {shown} is unreachable ({problem}). "
        "Start it, or point --base-url / UATKIT_BASE_URL at a running system; --uatkit-level unit runs "
        "without it."
    )
    if getattr(pytest_config, "workerinput", None) is None:
        pytest.exit(message, returncode=pytest.ExitCode.USAGE_ERROR)
    # A pytest-xdist worker cannot exit the session (the controller would call it a crash): its test's
    # set-up fails with the message and the worker stops, which stops the session ("Interrupted").
    item.session.shouldstop = message
    pytest.fail(message, pytrace=False)


def started_demo(pytest_config: pytest.Config) -> bool:
    """Return True when this session (or a worker's controller) started the bundled demo."""
    workerinput = getattr(pytest_config, "workerinput", None)
    if workerinput is not None:
        return bool(workerinput.get(WORKER_DEMO))
    return SERVER_KEY in pytest_config.stash


def probe(url: str, timeout: float = TIMEOUT) -> str:
    """Return why `url` cannot be reached, or an empty string when it answers within `timeout` seconds."""
    if problem := missing("requests", "checking the system under test at the base URL"):
        raise pytest.UsageError(problem)
    import requests

    try:
        requests.get(url, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        return f"no answer within {timeout:g} s"
    except requests.ConnectionError as exc:
        return "connection refused" if "refused" in str(exc).lower() else "cannot connect"
    except requests.RequestException as exc:
        return type(exc).__name__
    return ""
