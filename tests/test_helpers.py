"""The low-level helpers every layer shares: the slug of file names and the Chromium finder."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from uatkit import browsers
from uatkit.browsers import Chromium, find_chromium
from uatkit.text import slug


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sales operations", "sales-operations"),
        ("  Place an order: now!  ", "place-an-order-now"),
        ("订单管理", "订单管理"),
        ("__Internal__ tools", "internal__-tools"),
        ("!!!", ""),
    ],
)
def test_slug_keeps_letters_of_any_script_and_joins_the_rest_with_dashes(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_slug_is_cut_at_the_limit_without_a_trailing_dash() -> None:
    assert slug("An order for every customer", 9) == "an-order"
    assert slug("An order for every customer", 60) == "an-order-for-every-customer"


def chrome(folder: Path) -> Path:
    """Write an executable stand-in for a browser."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "chrome"
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
def no_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return an environment with no Chromium anywhere: no setting, no Playwright build, empty PATH."""
    monkeypatch.delenv("UATKIT_BROWSER", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    return tmp_path


def test_no_chromium_anywhere_finds_none(no_browser: Path) -> None:
    assert find_chromium() is None


def test_the_configured_path_then_uatkit_browser_come_first(
    no_browser: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chrome(no_browser / "ms-playwright" / "chromium-1" / "chrome-linux")
    monkeypatch.setenv("UATKIT_BROWSER", "/opt/env/chrome")
    assert find_chromium("/opt/configured/chrome") == Chromium("/opt/configured/chrome")
    assert find_chromium() == Chromium("/opt/env/chrome")


def playwrights_path() -> Path:
    """Return where Playwright itself says its Chromium is, under this PLAYWRIGHT_BROWSERS_PATH."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        return Path(playwright.chromium.executable_path)


def test_playwrights_own_build_comes_before_a_system_one(no_browser: Path) -> None:
    expected = playwrights_path()
    assert expected.is_relative_to(no_browser / "ms-playwright")
    chrome(expected.parent).rename(expected)
    chrome(no_browser / "bin").rename(no_browser / "bin" / "chromium")
    found = find_chromium()
    assert found is not None and found.playwright_build and found.path == str(expected)


def test_what_a_running_playwright_reports_is_taken_without_asking_another(
    no_browser: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def asked(browsers_path: str) -> str:
        raise AssertionError("a second Playwright was asked")

    monkeypatch.setattr(browsers, "_playwright_path", asked)
    reported = no_browser / "ms-playwright" / "chromium-1" / "chrome-linux" / "chrome"
    system = chrome(no_browser / "bin").rename(no_browser / "bin" / "chromium")
    assert find_chromium(reported=str(reported)) == Chromium(str(system))  # reported, not installed
    chrome(reported.parent).rename(reported)
    assert find_chromium(reported=str(reported)) == Chromium(str(reported), playwright_build=True)


def test_a_chromium_folder_playwright_does_not_name_is_not_its_build(no_browser: Path) -> None:
    chrome(no_browser / "ms-playwright" / "chromium-1" / "chrome-linux")
    assert find_chromium() is None


def test_on_windows_chrome_or_edge_in_their_install_folders(
    no_browser: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(no_browser / "local"))
    monkeypatch.setenv("PROGRAMFILES", str(no_browser / "programs"))
    monkeypatch.delenv("PROGRAMFILES(X86)", raising=False)
    assert find_chromium() is None
    edge = chrome(no_browser / "programs" / "Microsoft" / "Edge" / "Application").rename(
        no_browser / "programs" / "Microsoft" / "Edge" / "Application" / "msedge.exe"
    )
    assert find_chromium() == Chromium(str(edge))
    own = chrome(no_browser / "local" / "Google" / "Chrome" / "Application")
    own = own.rename(own.with_name("chrome.exe"))
    assert find_chromium() == Chromium(str(own))  # Chrome before Edge


def test_on_macos_the_applications_folders(no_browser: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(browsers, "_app_folders", lambda: [no_browser / "Applications"])
    assert find_chromium() is None
    app = no_browser / "Applications" / "Google Chrome.app" / "Contents" / "MacOS"
    found = chrome(app).rename(app / "Google Chrome")
    assert find_chromium() == Chromium(str(found))


def test_atomic_writes_keep_the_usual_permissions_without_os_fchmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uatkit.atomic import atomic_write_text

    mask = os.umask(0)
    os.umask(mask)
    atomic_write_text(tmp_path / "with.txt", "a")
    monkeypatch.delattr(os, "fchmod")
    atomic_write_text(tmp_path / "without.txt", "b")
    modes = {stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ("with.txt", "without.txt")}
    assert modes == {0o666 & ~mask}
    assert (tmp_path / "without.txt").read_text(encoding="utf-8") == "b"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_else_a_system_chromium_on_the_path(no_browser: Path) -> None:
    chrome(no_browser / "bin").rename(no_browser / "bin" / "chromium")
    system = find_chromium()
    assert system is not None and system.path == os.path.join(no_browser, "bin", "chromium")
