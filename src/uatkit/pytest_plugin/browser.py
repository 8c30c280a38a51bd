"""The browser for end-to-end checks, through pytest-playwright's fixtures.

Which Chromium, when pytest-playwright's `--browser` is chromium and no `--browser-channel` is given:
`[tool.uatkit] browser`, UATKIT_BROWSER, Playwright's own build when installed, or a system Chromium on the
PATH (Debian's `chromium`), as `uatkit.browsers` finds it. `--uatkit-browser-ws-endpoint` connects to a
remote Playwright server and `--uatkit-browser-cdp-endpoint` to a remote Chromium instead of launching one.
On failure a screenshot and a Playwright trace are attached to the Allure result.
"""

from __future__ import annotations

import pytest

from uatkit.browsers import find_chromium


def launch_path(configured: str = "") -> str | None:
    """Return the Chromium to launch, or None when Playwright's own build is installed (it needs no path)."""
    found = find_chromium(configured)
    if found is None:
        raise pytest.UsageError(
            "uatkit: no Chromium found for the e2e checks. Install one (Debian/Ubuntu: apt-get install "
            "chromium; elsewhere: playwright install chromium) or set UATKIT_BROWSER=/path/to/chrome; "
            "--uatkit-level unit --uatkit-level integration run without a browser."
        )
    return None if found.playwright_build else found.path
