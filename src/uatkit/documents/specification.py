"""The requirements specification for signature: every requirement by module, as HTML, xlsx and PDF."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uatkit.atomic import atomic_write_bytes, atomic_write_text
from uatkit.documents.labels import LABELS, SIGNATORIES
from uatkit.documents.meta import SpecMeta, document_language, document_title
from uatkit.model import Catalogue, PackLanguage, Priority, Story
from uatkit.text import slug
from uatkit.trace.pages import render_page
from uatkit.uat.layout import PRIORITY_LABELS

__all__ = ["SpecMeta", "specification_html", "specification_paths", "write_specification"]


@dataclass(frozen=True)
class ModuleSummary:
    """One module's line of the summary table: its requirements and criteria, by priority."""

    name: str
    stories: tuple[Story, ...]

    @property
    def criteria(self) -> int:
        """Return how many acceptance criteria the module's requirements have."""
        return sum(len(story.criteria) for story in self.stories)

    def by_priority(self, priority: Priority) -> int:
        """Return how many of the module's criteria belong to requirements of `priority`."""
        return sum(len(s.criteria) for s in self.stories if s.priority == priority)


def modules(stories: Iterable[Story]) -> list[ModuleSummary]:
    """Return the stories grouped by module, modules and stories in the catalogue's order."""
    groups: dict[str, list[Story]] = {}
    for story in stories:
        groups.setdefault(story.module, []).append(story)
    return [ModuleSummary(name, tuple(group)) for name, group in groups.items()]


def specification_html(catalogue: Catalogue, meta: SpecMeta) -> str:
    """Return the specification as a self-contained HTML page that prints on A4."""
    language = document_language(catalogue, meta.language)
    return render_page("specification.html.j2", **_values(catalogue, meta, language))


def write_specification(
    catalogue: Catalogue, meta: SpecMeta, folder: Path, *, browser_path: str | None = None
) -> list[Path]:
    """Write specification-<baseline>.html, .xlsx and .pdf into `folder`; return their paths.

    The HTML and the workbook are written first, so that when no browser can print the PDF (an error saying
    what to install), the HTML is there to print from any browser.
    """
    # openpyxl and Playwright load only when the files are written.
    from uatkit.documents.pdf import html_to_pdf
    from uatkit.documents.workbook import workbook_bytes

    language = document_language(catalogue, meta.language)
    html, xlsx, pdf = specification_paths(meta, folder)
    page = specification_html(catalogue, meta)
    atomic_write_text(html, page)
    atomic_write_bytes(xlsx, workbook_bytes(catalogue, meta))
    html_to_pdf(page, pdf, browser_path=browser_path, title=document_title(meta, language), written=html)
    return [html, xlsx, pdf]


def specification_paths(meta: SpecMeta, folder: Path) -> tuple[Path, Path, Path]:
    """Return where the specification's HTML, xlsx and PDF go in `folder`."""
    stem = folder / f"specification-{slug(meta.baseline) or 'baseline'}{meta.file_suffix}"
    return stem.with_suffix(".html"), stem.with_suffix(".xlsx"), stem.with_suffix(".pdf")


def _values(catalogue: Catalogue, meta: SpecMeta, language: PackLanguage) -> dict[str, Any]:
    groups = modules(catalogue.stories)
    return {
        "meta": meta,
        "language": str(language),
        "labels": {key: text[language] for key, text in LABELS.items()},
        "priorities": {p: PRIORITY_LABELS[p][language] for p in Priority},
        "modules": groups,
        "signatories": list(zip((p[language] for p in SIGNATORIES), (meta.client, meta.vendor), strict=True)),
        "total": ModuleSummary(LABELS["total"][language], catalogue.stories),
        # base.html.j2's status chips: this document has none.
        "statuses": (),
    }
