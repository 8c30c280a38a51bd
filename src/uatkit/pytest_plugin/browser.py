"""The browser for end-to-end checks, through pytest-playwright's fixtures.

Which Chromium: Playwright's own build when installed; else `[tool.uatkit] browser`, UATKIT_BROWSER, or a
system Chromium on the PATH (Debian's `chromium`). `--browser-ws-endpoint` connects to a remote Playwright
server and `--browser-cdp-endpoint` to a remote Chromium instead of launching one. On failure a screenshot
and a Playwright trace are attached to the Allure result.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SYSTEM_CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Without these, Chromium tries to reach Google's services at start, which closed networks refuse.
QUIET_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
FAILED_KEY = pytest.StashKey[bool]()


def add_options(parser: pytest.Parser) -> None:
    """Register the remote-browser options."""
    group = parser.getgroup("uatkit")
    group.addoption(
        "--browser-ws-endpoint",
        default=None,
        metavar="URL",
        help="connect to a remote Playwright browser server instead of launching a browser",
    )
    group.addoption(
        "--browser-cdp-endpoint",
        default=None,
        metavar="URL",
        help="connect to a remote Chromium over CDP instead of launching a browser",
    )


def find_chromium(configured: str = "") -> str | None:
    """Return the Chromium to launch, or None when Playwright's own build is installed (it needs no path)."""
    for candidate in (configured, os.environ.get("UATKIT_BROWSER", "")):
        if candidate:
            return candidate
    if _playwright_build_installed():
        return None
    for name in SYSTEM_CHROMIUM:
        path = shutil.which(name)
        if path:
            return path
    raise pytest.UsageError(
        "uatkit: no Chromium found for the e2e checks. Install one (Debian/Ubuntu: apt-get install chromium; "
        "elsewhere: playwright install chromium) or set UATKIT_BROWSER=/path/to/chrome; "
        "--level unit --level integration run without a browser."
    )


def _playwright_build_installed() -> bool:
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    return any(root.glob("chromium-*/chrome-linux*/chrome"))


class BrowserFixtures:
    """Fixtures registered after pytest-playwright's, so that these take precedence."""

    def __init__(self, configured: str) -> None:
        self.configured = configured

    @pytest.fixture(scope="session")
    def browser_type_launch_args(self, pytestconfig: pytest.Config) -> dict[str, Any]:
        """Launch headless (unless --headed) with the Chromium found, quietly."""
        args: dict[str, Any] = {"args": list(QUIET_ARGS)}
        if pytestconfig.getoption("--headed", default=False):
            args["headless"] = False
        executable = find_chromium(self.configured)
        if executable:
            args["executable_path"] = executable
        return args

    @pytest.fixture(scope="session")
    def connect_options(self, pytestconfig: pytest.Config) -> dict[str, Any] | None:
        """Connect to a remote Playwright server when --browser-ws-endpoint is given."""
        endpoint = pytestconfig.getoption("browser_ws_endpoint") or os.environ.get(
            "UATKIT_BROWSER_WS_ENDPOINT"
        )
        return {"ws_endpoint": endpoint} if endpoint else None

    @pytest.fixture(scope="session")
    def browser(self, pytestconfig: pytest.Config, launch_browser: Any, playwright: Any) -> Iterator[Any]:
        """Launch (or connect to) the session's browser."""
        cdp = pytestconfig.getoption("browser_cdp_endpoint") or os.environ.get("UATKIT_BROWSER_CDP_ENDPOINT")
        browser = playwright.chromium.connect_over_cdp(cdp) if cdp else launch_browser()
        yield browser
        browser.close()

    @pytest.fixture
    def uatkit_page(self, page: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
        """Yield pytest-playwright's page, traced; on failure attach a screenshot and the trace to Allure."""
        page.context.tracing.start(screenshots=True, snapshots=True)
        yield page
        if not request.node.stash.get(FAILED_KEY, False):
            page.context.tracing.stop()
            return
        import allure

        with tempfile.TemporaryDirectory(prefix="uatkit-trace-") as tmp:
            trace = Path(tmp) / "trace.zip"
            page.context.tracing.stop(path=str(trace))
            allure.attach(
                page.screenshot(full_page=True), name="screenshot", attachment_type=allure.attachment_type.PNG
            )
            allure.attach.file(
                str(trace), name="playwright trace (npx playwright show-trace)", extension="zip"
            )
