"""Print an HTML document to PDF (A4, page numbers) or PNG through Playwright's Chromium.

The Chromium is the one `uatkit.browsers.find_chromium` chooses for the e2e checks, so a machine where
Playwright cannot download its own build prints with the system's (Debian's /usr/bin/chromium).
"""

from __future__ import annotations

import asyncio
import html as html_text
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from uatkit.atomic import atomic_write_bytes
from uatkit.browsers import QUIET_ARGS, find_chromium
from uatkit.errors import UatkitError
from uatkit.extras import missing

if TYPE_CHECKING:
    from playwright._impl._api_structures import PdfMargins
    from playwright.sync_api import Page

#: Room for the header and footer Chromium prints in the margins.
MARGINS: PdfMargins = {"top": "18mm", "bottom": "16mm", "left": "15mm", "right": "15mm"}
#: Chromium prints the margin templates without the page's styles and at a tiny default size.
_MARGIN_STYLE = (
    "font: 8px 'Noto Sans', 'Noto Sans CJK SC', sans-serif; color: #59636e; width: 100%; margin: 0 15mm;"
)
_TIMEOUT_MS = 60_000

T = TypeVar("T")


def html_to_pdf(
    html: str,
    target: Path,
    *,
    browser_path: str | None = None,
    title: str = "",
    written: Path | None = None,
) -> Path:
    """Print `html` to an A4 PDF at `target`, `title` on top of each page and "n / N" below; return `target`.

    `written` names the HTML file already saved, so that an error can say it can be printed from a browser.
    """
    header = f'<div style="{_MARGIN_STYLE} text-align: right;">{html_text.escape(title)}</div>'
    footer = (
        f'<div style="{_MARGIN_STYLE} text-align: center;">'
        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
    )

    def print_pdf() -> bytes:
        with _page(html, target, browser_path, written) as page:
            return page.pdf(
                format="A4",
                print_background=True,
                margin=MARGINS,
                display_header_footer=True,
                header_template=header,
                footer_template=footer,
                prefer_css_page_size=False,
            )

    atomic_write_bytes(target, _off_the_loop(print_pdf))
    return target


def html_to_png(html: str, target: Path, *, browser_path: str | None = None, width: int = 900) -> Path:
    """Render `html` as a full-page PNG screenshot `width` pixels wide at `target`; return `target`."""

    def shoot() -> bytes:
        with _page(html, target, browser_path, None, width=width) as page:
            return page.screenshot(full_page=True, type="png")

    atomic_write_bytes(target, _off_the_loop(shoot))
    return target


def _off_the_loop(work: Callable[[], T]) -> T:
    """Run `work` here, or in a thread of its own when this thread runs an asyncio loop."""
    # Playwright's sync API refuses to start inside a running loop (a notebook, an async caller, or
    # pytest-playwright's session in the same process); a new thread has no loop.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@contextmanager
def _page(
    html: str, target: Path, browser_path: str | None, written: Path | None, width: int = 900
) -> Iterator[Page]:
    """Yield a Chromium page showing `html`; turn every way of not getting one into a UatkitError."""
    fallback = f"; {written} was written: open it in a browser and print it to PDF" if written else ""
    if problem := missing("playwright", f"printing {target.name}"):
        raise UatkitError(problem + fallback)
    found = find_chromium(browser_path or "")
    if found is None:
        raise UatkitError(
            f"printing {target.name} needs a Chromium and none was found: install one (Debian/Ubuntu: "
            "apt-get install chromium; elsewhere: playwright install chromium) or set "
            f"UATKIT_BROWSER=/path/to/chrome{fallback}"
        )
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=None if found.playwright_build else found.path, args=list(QUIET_ARGS)
            )
            try:
                page = browser.new_page(viewport={"width": width, "height": 800})
                page.set_default_timeout(_TIMEOUT_MS)
                # set_content waits for the document and its fonts: the CJK fonts load before printing.
                page.set_content(html, wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                yield page
            finally:
                browser.close()
    except Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UatkitError(
            f"printing {target.name} with the browser {found.path} failed: {first}; check that this browser "
            f"starts (uatkit doctor) or choose another with UATKIT_BROWSER{fallback}"
        ) from exc
