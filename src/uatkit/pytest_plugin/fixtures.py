"""Fixtures of a uatkit project, registered after Faker's and pytest-playwright's so that they take
precedence; each keeps what the project or those plugins say and only adds the defaults they lack.

- `faker`: the project's `faker_locale` / `faker_session_locale` and `faker_seed` fixtures when it defines
  them (as Faker's plugin reads them), else `[tool.uatkit] faker_locale` and a seed per scenario;
- `browser_type_launch_args`, `connect_options`, `browser`, `uatkit_page`: the browser (browser.py);
  pytest-playwright's `--browser`, `--browser-channel`, `--slowmo` and `--headed` are kept, uatkit's Chromium
  path and flags are added only for Chromium without a channel;
- `api`: a requests session bound to the base URL (http.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from uatkit.browsers import QUIET_ARGS
from uatkit.extras import missing
from uatkit.pytest_plugin import masks
from uatkit.pytest_plugin.allure_map import has_result
from uatkit.pytest_plugin.browser import (
    RemoteBrowserUnavailable,
    keep_evidence,
    launch_path,
    remote_endpoint,
    shown_endpoint,
    start_tracing,
    tracing_mode,
    unreachable,
)
from uatkit.pytest_plugin.data import scenario_seed
from uatkit.pytest_plugin.keys import FAILED_KEY, PROJECT_KEY
from uatkit.pytest_plugin.run import note_browser

if TYPE_CHECKING:
    from uatkit.pytest_plugin.http import ApiSession


def _setting(config: pytest.Config, name: str, default: str) -> str:
    loaded = config.stash.get(PROJECT_KEY, None)
    return str(getattr(loaded.config, name)) if loaded is not None else default


@pytest.fixture
def faker(request: pytest.FixtureRequest, uatkit_level: str | None) -> Any:
    """Return a Faker for this scenario: the project's locale and seed if it sets them, else uatkit's."""
    if problem := missing("faker", "the faker fixture"):
        pytest.fail(problem, pytrace=False)
    from faker import Faker

    def project_fixture(name: str) -> Any:
        # Faker's own plugin reads them the same way: fixtures active for the test (autouse or requested).
        return request.getfixturevalue(name) if name in request.fixturenames else None

    locale = project_fixture("faker_locale") or project_fixture("faker_session_locale")
    seed = project_fixture("faker_seed")
    if seed is None:
        seed = scenario_seed(request.node, uatkit_level)
    request.node.user_properties.append(("faker_seed", seed))
    fake = Faker(locale or _setting(request.config, "faker_locale", "en_US"))
    fake.seed_instance(seed)
    return fake


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_name: str, pytestconfig: pytest.Config, playwright: Any
) -> dict[str, Any]:
    """Return pytest-playwright's launch arguments; for Chromium without a channel, the one found, quietly."""
    args = dict(browser_type_launch_args)
    # A remote server launches its own browser: no Chromium is needed here; a local path means nothing there.
    if browser_name != "chromium" or args.get("channel") or remote_endpoint(pytestconfig):
        return args
    args["args"] = [*QUIET_ARGS, *args.get("args", [])]
    # The session's Playwright says where its own Chromium is: no second Playwright is started to ask.
    executable = launch_path(_setting(pytestconfig, "browser", ""), playwright.chromium.executable_path)
    if executable and "executable_path" not in args:
        args["executable_path"] = executable
    return args


@pytest.fixture(scope="session")
def connect_options(pytestconfig: pytest.Config) -> dict[str, Any] | None:
    """Connect to a remote Playwright server when --uatkit-browser-ws-endpoint is given."""
    remote = remote_endpoint(pytestconfig)
    if remote is None or remote[0] != "ws":
        return None
    import inspect

    from playwright.sync_api import BrowserType

    # Passed as keywords by pytest-playwright: newer Playwright calls it `endpoint`, older `ws_endpoint`.
    name = "endpoint" if "endpoint" in inspect.signature(BrowserType.connect).parameters else "ws_endpoint"
    return {name: remote[1]}


@pytest.fixture(scope="session")
def browser(pytestconfig: pytest.Config, launch_browser: Any, playwright: Any) -> Iterator[Any]:
    """Launch the session's browser, or connect to a remote one; the run records its version and URL."""
    remote = remote_endpoint(pytestconfig)
    if remote is None:
        instance = launch_browser()
    else:
        from playwright.sync_api import Error

        kind, url = remote
        try:
            instance = playwright.chromium.connect_over_cdp(url) if kind == "cdp" else launch_browser()
            problem = ""
        except Error as exc:
            problem = unreachable(pytestconfig, kind, url, exc)
        if problem:  # raised outside the handler: one line, not Playwright's error and call log as well
            # A session fixture's error is kept: every later scenario gets this line without a new attempt.
            raise RemoteBrowserUnavailable(problem)
    note_browser(pytestconfig, instance, shown_endpoint(pytestconfig, remote[1]) if remote else None)
    yield instance
    instance.close()


@pytest.fixture
def uatkit_page(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Yield pytest-playwright's page in a fresh context, traced as configured; evidence goes to Allure."""
    if problem := missing("pytest_playwright", "the uatkit_page fixture"):
        pytest.fail(problem, pytrace=False)
    page = request.getfixturevalue("page")
    mode = tracing_mode(request.config)
    start_tracing(page, mode)
    yield page
    failed = request.node.stash.get(FAILED_KEY, False)
    keep_evidence(request, page, mode, failed, has_result(request.node))


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[ApiSession]:
    """Return a requests session bound to the system's base URL; exchanges attached on failure, masked."""
    if problem := missing("requests", "the api fixture"):
        pytest.fail(problem, pytrace=False)
    try:
        # A `base_url` fixture when there is one (pytest-base-url's, or the project's own that starts the
        # system); else the base URL uatkit resolved (--base-url, UATKIT_BASE_URL, [tool.uatkit] base_url),
        # so that the api extra works without the browser extra's pytest-base-url.
        base_url = request.getfixturevalue("base_url")
    except pytest.FixtureLookupError:
        base_url = request.config.getoption("base_url", default=None)
    from uatkit.pytest_plugin.http import ApiSession  # requests loads only for runs that talk HTTP

    if not base_url:
        pytest.fail("uatkit: no base URL; pass --base-url or set [tool.uatkit] base_url", pytrace=False)
    session = ApiSession(
        base_url,
        secrets=masks.rules(request.config),
        on_secret=lambda found: masks.learn(request.config, found),
    )
    yield session
    if request.node.stash.get(FAILED_KEY, False) and session.exchanges and has_result(request.node):
        import allure

        allure.attach(
            "\n\n".join(session.exchanges),
            name="HTTP exchanges (secrets masked)",
            attachment_type=allure.attachment_type.TEXT,
        )
    session.close()
