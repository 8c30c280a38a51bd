"""The browser for end-to-end checks, through pytest-playwright's fixtures.

Which Chromium: Playwright's own build when installed; else `[tool.uatkit] browser`, UATKIT_BROWSER, or a
system Chromium on the PATH (Debian's `chromium`). `--browser-ws-endpoint` connects to a remote Playwright
server and `--browser-cdp-endpoint` to a remote Chromium instead of launching one. On failure a screenshot
and a Playwright trace are attached to the Allure result.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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
