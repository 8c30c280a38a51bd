"""Keywords of every Gherkin dialect, taken from gherkin-official's language data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from gherkin.dialect import DIALECTS, Dialect

STEP_KINDS = ("given", "when", "then", "and", "but")


@dataclass(frozen=True)
class Keywords:
    """The keywords of one dialect that generation and story parsing need."""

    language: str
    feature: str
    scenario: str
    outline: str
    examples: str
    #: (keyword as written, step kind), longest first so that prefixes never shadow longer keywords.
    steps: tuple[tuple[str, str], ...]
    #: keywords that open a block, with their trailing colon (Feature:, Scenario:, Rule: …)
    blocks: tuple[str, ...]

    def match_step(self, line: str) -> tuple[str, str, str] | None:
        """Return (kind, keyword, text) when `line` starts with a step keyword of this dialect."""
        for keyword, kind in self.steps:
            # Gherkin matches keywords as plain prefixes; doing the same keeps story and feature in step.
            if line.startswith(keyword) and (text := line[len(keyword) :].strip()):
                return kind, keyword.strip(), text
        return None

    def safe_narrative_line(self, line: str) -> bool:
        """Return True when Gherkin reads `line` under a feature as plain description text."""
        stripped = line.strip()
        return not stripped.startswith(("#", "@")) and not any(stripped.startswith(b) for b in self.blocks)

    def safe_description_line(self, line: str) -> bool:
        """Return True when Gherkin reads `line` under a scenario as plain description text."""
        return self.safe_narrative_line(line) and not any(line.strip().startswith(k) for k, _ in self.steps)

    def step_keyword(self, kind: str, written: str) -> str:
        """Return the keyword to print for a step: as written when it belongs to this dialect."""
        for keyword, keyword_kind in self.steps:
            if keyword.strip() == written and (keyword_kind == kind or kind == "*"):
                return written
        for keyword, keyword_kind in self.steps:
            if keyword_kind == kind:
                return keyword.strip()
        return "*"


def _escaped(fence: str) -> str:
    return "".join("\\" + ch for ch in fence)


def docstring_fence(text: str) -> str | None:
    """Return the doc string delimiter that keeps `text` exactly through Gherkin, or None if neither does."""
    for fence in ('"""', "```"):
        # Gherkin unescapes only the escaped delimiter; text already holding that escape cannot survive.
        if _escaped(fence) not in text:
            return fence
    return None


def escape_docstring(text: str, fence: str) -> str:
    """Return `text` with its delimiter escaped so that Gherkin reads it back unchanged."""
    return text.replace(fence, _escaped(fence))


@cache
def known_languages() -> frozenset[str]:
    """Return the codes of every dialect gherkin-official knows."""
    return frozenset(DIALECTS)


@cache
def keywords(language: str) -> Keywords:
    """Return the keywords of a dialect such as "en" or "zh-CN"."""
    dialect = Dialect.for_name(language)
    if dialect is None:
        raise KeyError(language)
    steps: list[tuple[str, str]] = []
    for kind in STEP_KINDS:
        for keyword in getattr(dialect, f"{kind}_keywords"):
            if keyword.strip() != "*":
                steps.append((keyword, kind))
    steps.append(("* ", "*"))
    steps.sort(key=lambda pair: -len(pair[0]))
    blocks = tuple(
        f"{k}:"
        for k in [
            *dialect.feature_keywords,
            *dialect.rule_keywords,
            *dialect.background_keywords,
            *dialect.scenario_keywords,
            *dialect.scenario_outline_keywords,
            *dialect.examples_keywords,
        ]
    )
    return Keywords(
        language=language,
        feature=dialect.feature_keywords[0],
        scenario=dialect.scenario_keywords[-1] if language == "en" else dialect.scenario_keywords[0],
        outline=dialect.scenario_outline_keywords[0],
        examples=dialect.examples_keywords[0],
        steps=tuple(steps),
        blocks=blocks,
    )
