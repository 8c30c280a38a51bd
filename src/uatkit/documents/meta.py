"""What a document for signature says about itself: the project, baseline, approver and language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from uatkit.documents.labels import LABELS
from uatkit.model import Catalogue, PackLanguage


@dataclass(frozen=True)
class SpecMeta:
    """What the specification's title page says: the project, the baseline it freezes and who approved it."""

    project: str
    baseline: str
    approved_by: str = ""
    approved_on: dt.date | None = None
    commit: str = ""
    #: `auto`: Chinese when every story is written in Chinese, else English (as the UAT packs choose).
    language: PackLanguage = PackLanguage.AUTO
    vendor: str = ""
    client: str = ""
    #: Added to the documents' file names: a second language of one baseline is printed beside the first.
    file_suffix: str = ""


def document_language(catalogue: Catalogue, requested: PackLanguage) -> PackLanguage:
    """Return the document's language: the requested one, or with `auto` the one all stories share."""
    if requested != PackLanguage.AUTO:
        return PackLanguage(requested)
    languages = {story.language for story in catalogue.stories}
    return PackLanguage.ZH_CN if languages == {PackLanguage.ZH_CN} else PackLanguage.EN


def document_title(meta: SpecMeta, language: PackLanguage) -> str:
    """Return the line printed on top of each page: the project, the document and the baseline."""
    return f"{meta.project} · {LABELS['title'][language]} · {meta.baseline}"
