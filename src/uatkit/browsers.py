"""Find the Chromium the e2e checks launch, for the pytest plugin, the report's environment and the doctor.

The order: the configured path (`[tool.uatkit] browser`), UATKIT_BROWSER, Playwright's own build (the
executable Playwright itself reports), then a system Chromium, Chrome or Edge where this operating system
puts them (the PATH, then the usual install folders of Windows and macOS). Everything that needs a browser
asks `find_chromium`, so the plugin launches what the report and `uatkit doctor` name.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

#: Names of a Chromium-family browser on the PATH, in order of preference.
SYSTEM_CHROMIUM = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "microsoft-edge-stable",
    "msedge",
)
#: Without these, Chromium tries to reach Google's services at start, which closed networks refuse.
QUIET_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
_MACOS_APPS = (
    "Chromium.app/Contents/MacOS/Chromium",
    "Google Chrome.app/Contents/MacOS/Google Chrome",
    "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)
_WINDOWS_APPS = (
    r"Chromium\Application\chrome.exe",
    r"Google\Chrome\Application\chrome.exe",
    r"Microsoft\Edge\Application\msedge.exe",
)
_WINDOWS_ROOTS = ("LOCALAPPDATA", "PROGRAMFILES", "PROGRAMFILES(X86)")


@dataclass(frozen=True)
class Chromium:
    """A Chromium found: its executable, and whether it is Playwright's own build (launched by name)."""

    path: str
    playwright_build: bool = False


def find_chromium(configured: str = "", *, reported: str | None = None) -> Chromium | None:
    """Return the Chromium to use, or None when there is none.

    `reported` is the executable a Playwright the caller already runs reports for its Chromium
    (`playwright.chromium.executable_path`): given, no process of its own is started to ask it.
    """
    for origin, candidate in (
        ("configured", configured),
        ("UATKIT_BROWSER", os.environ.get("UATKIT_BROWSER")),
    ):
        if candidate:
            log.debug("browser: %s (%s)", candidate, origin)
            return Chromium(candidate)
    build = playwright_chromium(reported)
    if build is not None:
        log.debug("browser: Playwright's build %s", build)
        return Chromium(str(build), playwright_build=True)
    path = system_chromium()
    log.debug("browser: system %s", path or "none found")
    return Chromium(path) if path else None


def playwright_chromium(reported: str | None = None) -> Path | None:
    """Return the executable of Playwright's own Chromium build when it is installed."""
    path = _playwright_path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", "")) if reported is None else reported
    return Path(path) if path and Path(path).is_file() else None


#: Asks Playwright's public API for its Chromium's executable, in a process of its own: a sync Playwright
#: may already be running in this one (pytest-playwright's fixtures), and a second one refuses to start.
_ASK_PLAYWRIGHT = (
    "from playwright.sync_api import sync_playwright\n"
    "with sync_playwright() as p:\n"
    "    print(p.chromium.executable_path)\n"
)


@cache
def _playwright_path(browsers_path: str) -> str:
    """Ask Playwright where its Chromium is (once a process and browsers folder; "" without Playwright)."""
    del browsers_path  # the cache key: Playwright reads the variable itself
    if importlib.util.find_spec("playwright") is None:
        return ""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _ASK_PLAYWRIGHT], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("browser: Playwright could not say where its Chromium is: %s", exc)
        return ""
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        log.debug("browser: Playwright could not say where its Chromium is: %s", done.stderr.strip())
        return ""
    return lines[-1].strip()


def system_chromium() -> str:
    """Return a Chromium, Chrome or Edge this machine has installed, or ""."""
    for name in SYSTEM_CHROMIUM:
        if found := shutil.which(name):
            return found
    return next((str(p) for p in _installed(_app_folders(), _app_names()) if p.is_file()), "")


def find_libreoffice() -> str:
    """Return LibreOffice's soffice (the PATH, then its usual install folder on macOS and Windows), or ""."""
    for name in ("soffice", "libreoffice"):
        if found := shutil.which(name):
            return found
    if sys.platform == "darwin":
        candidates = [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
    elif sys.platform == "win32":
        roots = [os.environ.get(v, "") for v in _WINDOWS_ROOTS[1:]]
        candidates = [Path(r) / "LibreOffice" / "program" / "soffice.exe" for r in roots if r]
    else:
        candidates = list[Path]()
    return next((str(p) for p in candidates if p.is_file()), "")


def _app_folders() -> list[Path]:
    if sys.platform == "darwin":
        return [Path("/Applications"), Path.home() / "Applications"]
    if sys.platform == "win32":
        return [Path(root) for v in _WINDOWS_ROOTS if (root := os.environ.get(v))]
    return []


def _app_names() -> tuple[str, ...]:
    return _WINDOWS_APPS if sys.platform == "win32" else _MACOS_APPS


def _installed(folders: list[Path], names: tuple[str, ...]) -> list[Path]:
    return [folder.joinpath(*name.replace("\\", "/").split("/")) for name in names for folder in folders]


def main() -> None:
    """Print the browser `find_chromium` chooses (for the Makefile's setup), or exit 1 when there is none."""
    logging.basicConfig(level=logging.DEBUG if "-v" in sys.argv else logging.WARNING)
    found = find_chromium()
    if found is None:
        raise SystemExit(1)
    print(found.path)


if __name__ == "__main__":
    main()
