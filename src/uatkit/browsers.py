"""Find the Chromium the e2e checks launch, for the pytest plugin and for the report's environment.

The order: the configured path (`[tool.uatkit] browser`), UATKIT_BROWSER, Playwright's own build, then a
system Chromium on the PATH (Debian's `chromium`). The plugin launches what this finds and the report's
environment names the same browser.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

SYSTEM_CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True)
class Chromium:
    """A Chromium found: its executable, and whether it is Playwright's own build (launched by name)."""

    path: str
    playwright_build: bool = False


def find_chromium(configured: str = "") -> Chromium | None:
    """Return the Chromium to use, or None when there is none."""
    for candidate in (configured, os.environ.get("UATKIT_BROWSER", "")):
        if candidate:
            return Chromium(candidate)
    build = playwright_chromium()
    if build is not None:
        return Chromium(str(build), playwright_build=True)
    path = next((found for name in SYSTEM_CHROMIUM if (found := shutil.which(name))), None)
    return Chromium(path) if path else None


def playwright_chromium() -> Path | None:
    """Return the executable of Playwright's own Chromium build when one is installed."""
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    return next(iter(sorted(root.glob("chromium-*/chrome-linux*/chrome"))), None)
