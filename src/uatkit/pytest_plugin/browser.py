"""The browser for end-to-end checks, through pytest-playwright's fixtures, and what a scenario keeps of it.

Which Chromium, when pytest-playwright's `--browser` is chromium and no `--browser-channel` is given:
`[tool.uatkit] browser`, UATKIT_BROWSER, Playwright's own build when installed, or a system Chromium on the
PATH (Debian's `chromium`), as `uatkit.browsers` finds it. `--uatkit-browser-ws-endpoint` connects to a
remote Playwright server and `--uatkit-browser-cdp-endpoint` to a remote Chromium instead of launching one.
One browser serves a process (each pytest-xdist worker launches its own); each scenario gets a fresh context.
A remote browser is looked for nowhere locally (the server has its own) and the run records its URL, masked;
a server that cannot be reached makes each browser scenario an error (Allure: broken, not failed: the product
was never tried) with one line naming the URL and what to check; the connection is tried once a session.

Evidence: a failed scenario's Allure result always gets a full-page screenshot. Its Playwright trace (DOM
snapshots, network, console, each action) is recorded as `--uatkit-tracing`, else `[tool.uatkit.e2e]
tracing`, says: off (none), on (attached to every result) or retain-on-failure (recorded, attached to a
failed result, discarded when the scenario passes). A kept trace has the session's known secrets masked.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from uatkit.browsers import find_chromium
from uatkit.pytest_plugin import masks
from uatkit.pytest_plugin.keys import PROJECT_KEY
from uatkit.secrets import mask, url_password

OFF, ON, RETAIN_ON_FAILURE = "off", "on", "retain-on-failure"
TRACE_NAME = "playwright trace (npx playwright show-trace)"


def launch_path(configured: str = "", reported: str | None = None) -> str | None:
    """Return the Chromium to launch, or None when Playwright's own build is installed (it needs no path).

    `reported`: where the session's running Playwright says its own Chromium is, so none is asked anew.
    """
    found = find_chromium(configured, reported=reported)
    if found is None:
        raise pytest.UsageError(
            "uatkit: no Chromium found for the e2e checks. Install one (Debian/Ubuntu: apt-get install "
            "chromium; elsewhere: playwright install chromium) or set UATKIT_BROWSER=/path/to/chrome; "
            "--uatkit-level unit --uatkit-level integration run without a browser."
        )
    return None if found.playwright_build else found.path


def remote_endpoint(config: pytest.Config) -> tuple[str, str] | None:
    """Return ("ws", URL) for a Playwright server, ("cdp", URL) for a Chromium, ("selenium", URL) for a
    Selenium Grid that Playwright launches Chromium on (SELENIUM_REMOTE_URL), or None to launch one here."""
    for kind, option, variable in (
        ("cdp", "uatkit_browser_cdp_endpoint", "UATKIT_BROWSER_CDP_ENDPOINT"),
        ("ws", "uatkit_browser_ws_endpoint", "UATKIT_BROWSER_WS_ENDPOINT"),
    ):
        if url := config.getoption(option, default=None) or os.environ.get(variable):
            return kind, str(url)
    # Playwright itself reads the variable: its launch asks the grid for a Chrome instead of starting one.
    grid = os.environ.get("SELENIUM_REMOTE_URL")
    return ("selenium", grid) if grid else None


def shown_endpoint(config: pytest.Config, url: str) -> str:
    """Return a remote browser's URL as records and messages show it: a token or password in it masked."""
    return mask(url, masks.rules(config).extended(known=url_password(url)))


#: A report's user property saying its scenario's remote browser could not be used.
UNAVAILABLE = "uatkit_remote_browser_unavailable"


class RemoteBrowserUnavailable(Exception):
    """The remote browser could not be used: the scenarios using it could not reach a verdict (broken,
    not failed: the product was never tried). Raised by the session's browser fixture, which pytest runs
    once: every scenario needing the browser then gets this one line, counted as an error, at once."""


def unreachable(config: pytest.Config, kind: str, url: str, error: Exception) -> str:
    """Return the one line a browser scenario fails with when the remote browser cannot be used."""
    from importlib.metadata import version

    said = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
    release = version("playwright")
    server, setting = {
        "ws": (
            f"a Playwright {release} browser server (npx playwright@{release} run-server: the server's "
            "Playwright must be this client's)",
            "--uatkit-browser-ws-endpoint",
        ),
        "cdp": ("a Chromium started with --remote-debugging-port", "--uatkit-browser-cdp-endpoint"),
        "selenium": ("a Selenium Grid 4 hub with a Chrome or Edge node", "SELENIUM_REMOTE_URL"),
    }[kind]
    rules = masks.rules(config).extended(known=url_password(url))
    return (
        f"uatkit: cannot use the remote browser at {shown_endpoint(config, url)}: "
        f"{mask(said, rules)}. Check that {server} is running "
        f"and reachable from this machine, the URL's host, port and path, and its token; or drop {setting} "
        "to launch a local Chromium"
    )


def tracing_mode(config: pytest.Config) -> str:
    """Return when a browser scenario keeps its trace: the option's word, else the project's setting."""
    chosen = config.getoption("uatkit_tracing", default=None)
    if chosen:
        return str(chosen)
    loaded = config.stash.get(PROJECT_KEY, None)
    return str(loaded.config.e2e.tracing) if loaded is not None else RETAIN_ON_FAILURE


def start_tracing(page: Any, mode: str) -> None:
    """Start recording the scenario's trace unless tracing is off."""
    if mode != OFF:
        # Snapshots (DOM, network, console per action) make the trace; the screencast filmstrip is left out:
        # it costs the most to record and the failure's own full-page screenshot is attached anyway.
        page.context.tracing.start(snapshots=True, screenshots=False, sources=False)


def keep_evidence(request: pytest.FixtureRequest, page: Any, mode: str, failed: bool, reported: bool) -> None:
    """Attach what the scenario keeps: on failure a screenshot, and the trace when the mode keeps it."""
    keep_trace = reported and (mode == ON or (mode == RETAIN_ON_FAILURE and failed))
    if mode != OFF and not keep_trace:
        page.context.tracing.stop()
    if not reported or not (failed or keep_trace):
        return
    import allure

    if failed:
        allure.attach(
            page.screenshot(full_page=True), name="screenshot", attachment_type=allure.attachment_type.PNG
        )
    if not keep_trace:
        return
    with tempfile.TemporaryDirectory(prefix="uatkit-trace-") as tmp:
        trace = Path(tmp) / "trace.zip"
        page.context.tracing.stop(path=str(trace))
        # The trace records what was typed (a password a step said): the session's known secrets are masked.
        masks.mask_zip(trace, masks.rules(request.config))
        allure.attach.file(str(trace), name=TRACE_NAME, extension="zip")
