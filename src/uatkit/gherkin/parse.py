"""Read feature files into typed features: the only place uatkit turns Gherkin text into a model.

gherkin-official parses; this module turns its AST (plain dicts) into frozen dataclasses once, so that
cases, `uatkit check` and the step check all read the same scenarios, steps and example rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from uatkit.errors import Problem
from uatkit.model import CASE_PREFIX, SourceLocation


class StepType(StrEnum):
    """What a step's keyword means, whatever the dialect (gherkin-official's keywordType)."""

    CONTEXT = "Context"
    ACTION = "Action"
    OUTCOME = "Outcome"
    CONJUNCTION = "Conjunction"
    UNKNOWN = "Unknown"


@dataclass(frozen=True)
class FeatureStep:
    """One step as written: keyword, its type, text, data table rows and doc string."""

    keyword: str
    type: StepType
    text: str
    line: int
    table: tuple[tuple[str, ...], ...] = ()
    docstring: str | None = None


@dataclass(frozen=True)
class ExampleRow:
    """One row of an outline's Examples table: its values by column and its line."""

    values: tuple[tuple[str, str], ...]
    line: int

    def as_dict(self) -> dict[str, str]:
        """Return the row's values keyed by column name."""
        return dict(self.values)


@dataclass(frozen=True)
class Scenario:
    """A scenario or outline: tags include the feature's and its rule's, example rows in file order."""

    name: str
    line: int
    tags: tuple[str, ...]
    steps: tuple[FeatureStep, ...]
    description: str = ""
    examples: tuple[ExampleRow, ...] = ()

    @property
    def case_ids(self) -> tuple[str, ...]:
        """Return the case IDs this scenario declares with @case: tags."""
        return tuple(t[len(CASE_PREFIX) :] for t in self.tags if t.startswith(CASE_PREFIX))


@dataclass(frozen=True)
class Feature:
    """A feature file: where it is, its name, language, tags and scenarios (rules flattened)."""

    path: Path
    display: str
    name: str
    language: str
    tags: tuple[str, ...]
    scenarios: tuple[Scenario, ...]


@dataclass(frozen=True)
class FeatureSet:
    """Every feature file of a folder that parsed, and the problems of those that did not."""

    features: tuple[Feature, ...]
    problems: tuple[Problem, ...] = ()

    def scenarios(self) -> Iterator[tuple[Feature, Scenario]]:
        """Yield every scenario with its feature, in file order."""
        for feature in self.features:
            for scenario in feature.scenarios:
                yield feature, scenario


def feature_files(folder: Path) -> list[Path]:
    """Return the .feature files under a folder in a stable order (none when it does not exist)."""
    return sorted(folder.rglob("*.feature")) if folder.is_dir() else []


@dataclass(frozen=True)
class FeatureFiles:
    """The text of every feature file of a folder, read once; files that are not UTF-8 are named apart."""

    texts: dict[Path, str]
    #: Files that are not UTF-8: their text above is decoded with replacement characters.
    undecodable: dict[Path, Problem]


def read_feature_files(folder: Path, display: Callable[[Path], str]) -> FeatureFiles:
    """Read every feature file under a folder; `display(path)` names a file in problems."""
    texts: dict[Path, str] = {}
    undecodable: dict[Path, Problem] = {}
    for path in feature_files(folder):
        raw = path.read_bytes()
        try:
            texts[path] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            texts[path] = raw.decode("utf-8", errors="replace")
            where = SourceLocation(display(path))
            undecodable[path] = Problem(where, f"not UTF-8 text ({exc.reason})", "save it as UTF-8")
    return FeatureFiles(texts, undecodable)


def parse_features(files: FeatureFiles, display: Callable[[Path], str]) -> FeatureSet:
    """Parse feature files read by `read_feature_files`; syntax errors become located problems."""
    features: list[Feature] = []
    problems: list[Problem] = []
    for path, text in files.texts.items():
        if path in files.undecodable:
            problems.append(files.undecodable[path])
            continue
        feature = parse_feature(path, display(path), text, problems)
        if feature is not None:
            features.append(feature)
    return FeatureSet(tuple(features), tuple(problems))


def parse_feature(path: Path, display: str, text: str, problems: list[Problem]) -> Feature | None:
    """Parse one feature's text; a syntax error becomes a problem located at its line."""
    from gherkin.errors import CompositeParserException, ParserException
    from gherkin.parser import Parser

    try:
        document = Parser().parse(text)
    except (CompositeParserException, ParserException) as exc:
        for error in getattr(exc, "errors", [exc]):
            location = getattr(error, "location", None) or {}
            line = location.get("line") if isinstance(location, dict) else None
            message = str(error).split(": ", 1)[-1] if line else str(error)
            problems.append(
                Problem(SourceLocation(display, line), f"Gherkin syntax error: {message}", "fix the feature")
            )
        return None
    # gherkin-official types its AST as TypedDicts; it is read here, once, as plain data.
    node = cast(dict[str, Any], document.get("feature"))
    if not node:
        return Feature(path, display, "", "en", (), ())
    tags = _tags(node)
    return Feature(
        path=path,
        display=display,
        name=node.get("name", ""),
        language=node.get("language", "en"),
        tags=tags,
        scenarios=tuple(_scenarios(node.get("children", []), tags)),
    )


def _tags(node: dict[str, Any]) -> tuple[str, ...]:
    return tuple(tag["name"].lstrip("@") for tag in node.get("tags", []))


def _scenarios(children: list[dict[str, Any]], inherited: tuple[str, ...]) -> Iterator[Scenario]:
    for child in children:
        if "rule" in child:
            rule = child["rule"]
            yield from _scenarios(rule.get("children", []), inherited + _tags(rule))
        elif "scenario" in child:
            yield _scenario(child["scenario"], inherited)


def _scenario(node: dict[str, Any], inherited: tuple[str, ...]) -> Scenario:
    rows: list[ExampleRow] = []
    for examples in node.get("examples", []):
        header = [c["value"] for c in (examples.get("tableHeader") or {}).get("cells", [])]
        for row in examples.get("tableBody", []):
            values = tuple(zip(header, (c["value"] for c in row["cells"]), strict=False))
            rows.append(ExampleRow(values, row["location"]["line"]))
    return Scenario(
        name=node.get("name", ""),
        line=node["location"]["line"],
        tags=inherited + _tags(node),
        steps=tuple(_step(step) for step in node.get("steps", [])),
        description=node.get("description", ""),
        examples=tuple(rows),
    )


def _step(node: dict[str, Any]) -> FeatureStep:
    table = node.get("dataTable")
    doc = node.get("docString")
    return FeatureStep(
        keyword=node["keyword"],
        type=StepType(node.get("keywordType", StepType.UNKNOWN.value)),
        text=node["text"],
        line=node["location"]["line"],
        table=tuple(tuple(c["value"] for c in row["cells"]) for row in table.get("rows", []))
        if table
        else (),
        docstring=doc["content"] if doc else None,
    )
