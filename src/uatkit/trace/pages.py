"""The one Jinja2 environment of the report pages (uatkit/templates): autoescaped, strict, lazy."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from uatkit.text import shown_text

if TYPE_CHECKING:
    from jinja2 import Environment


def render_page(template: str, **values: Any) -> str:
    """Return a page rendered from one of uatkit's templates."""
    return environment().get_template(template).render(**values)


def stream_page(template: str, **values: Any) -> Iterator[bytes]:
    """Yield a page rendered from one of uatkit's templates as UTF-8, part by part, as `render_page` renders
    it whole: a large page is written without being held in memory."""
    batch: list[str] = []
    for part in environment().get_template(template).generate(**values):
        batch.append(part)
        if len(batch) >= _BATCH:
            yield "".join(batch).encode("utf-8")
            batch.clear()
    yield "".join(batch).encode("utf-8")


#: How many rendered parts go to the file at once.
_BATCH = 4096


@functools.cache
def environment() -> Environment:
    """Return the templates' environment: every value cleaned and escaped, an undefined name an error."""
    # Jinja2 is imported here: it costs start-up time that commands without a page should not pay.
    from jinja2 import Environment, PackageLoader, StrictUndefined
    from markupsafe import Markup

    env = Environment(
        loader=PackageLoader("uatkit", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Tester and story text reaches pages without control characters or escape sequences.
        finalize=lambda value: (
            value if isinstance(value, Markup) or not isinstance(value, str) else shown_text(value)
        ),
    )
    env.filters["text_width"] = text_width
    return env


def text_width(text: str) -> float:
    """Return roughly how many pixels a chart label takes at 13 px (wide CJK characters count double)."""
    return sum(13.0 if unicodedata.east_asian_width(c) in "WF" else 7.4 for c in text[:34])
