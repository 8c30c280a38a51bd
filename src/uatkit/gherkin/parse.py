"""Read feature files with gherkin-official into the few facts uatkit needs from them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from gherkin.errors import CompositeParserException, ParserException
from gherkin.parser import Parser

from uatkit.errors import Problem
from uatkit.model import SourceLocation

CASE_PREFIX = "case:"


@dataclass(frozen=True)
class ParsedScenario:
    """A scenario's name, tags and location."""

    name: str
    line: int
    tags: tuple[str, ...]
    steps: int

    @property
    def case_ids(self) -> tuple[str, ...]:
        """Return the case IDs this scenario declares with @case: tags."""
        return tuple(t[len(CASE_PREFIX) :] for t in self.tags if t.startswith(CASE_PREFIX))


@dataclass(frozen=True)
class ParsedFeature:
    """A feature file's name, tags and scenarios (rules flattened, feature tags inherited)."""

    path: Path
    display: str
    name: str
    tags: tuple[str, ...]
    scenarios: tuple[ParsedScenario, ...]


def parse_feature(path: Path, display: str, problems: list[Problem]) -> ParsedFeature | None:
    """Parse one feature file; a syntax error becomes a problem with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(SourceLocation(display), f"not UTF-8 text ({exc.reason})", "save it as UTF-8")
        )
        return None
    try:
        document = Parser().parse(text)
    except (CompositeParserException, ParserException) as exc:
        errors = getattr(exc, "errors", [exc])
        for error in errors:
            location = getattr(error, "location", None) or {}
            line = location.get("line") if isinstance(location, dict) else None
            message = str(error).split(": ", 1)[-1] if line else str(error)
            problems.append(
                Problem(SourceLocation(display, line), f"Gherkin syntax error: {message}", "fix the feature")
            )
        return None
    # gherkin-official types its AST as TypedDicts; uatkit reads it as plain data.
    feature = cast(dict[str, Any], document.get("feature"))
    if not feature:
        return ParsedFeature(path, display, "", (), ())
    feature_tags = _tags(feature)
    scenarios: list[ParsedScenario] = []
    _collect(feature.get("children", []), feature_tags, scenarios)
    return ParsedFeature(path, display, feature.get("name", ""), feature_tags, tuple(scenarios))


def _tags(node: dict[str, Any]) -> tuple[str, ...]:
    return tuple(tag["name"].lstrip("@") for tag in node.get("tags", []))


def _collect(children: list[dict[str, Any]], inherited: tuple[str, ...], out: list[ParsedScenario]) -> None:
    for child in children:
        if "rule" in child:
            rule = child["rule"]
            _collect(rule.get("children", []), inherited + _tags(rule), out)
        elif "scenario" in child:
            node = child["scenario"]
            out.append(
                ParsedScenario(
                    name=node.get("name", ""),
                    line=node["location"]["line"],
                    tags=inherited + _tags(node),
                    steps=len(node.get("steps", [])),
                )
            )
