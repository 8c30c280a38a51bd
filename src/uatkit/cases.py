"""Cases: each scenario (or outline row) of the features, in numbered plain language, with its fingerprint.

A case is what every kind of evidence is about: an automated result names its case ID and level, a UAT
mark its case key (`REQ-101.AC-5#2` for an outline's second example row). Cases derive from the parsed
features (`uatkit.gherkin.parse`) and the story catalogue, nothing else.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

from uatkit.config import Config
from uatkit.errors import InputError
from uatkit.gherkin.parse import ExampleRow, Feature, FeatureSet, FeatureStep, Scenario, StepType
from uatkit.model import Case, Catalogue, Level, Priority, SourceLocation, Story

_PLACEHOLDER = re.compile(r"<([^<>]+)>")
_SECTIONS = {StepType.CONTEXT: "preconditions", StepType.ACTION: "steps", StepType.OUTCOME: "expected"}


def collect_cases(config: Config, catalogue: Catalogue, features: FeatureSet) -> list[Case]:
    """Return every case of the features in file order; a feature that does not parse stops it."""
    if features.problems:
        raise InputError(features.problems)
    stories = catalogue.by_id()
    return [case for feature in features.features for case in _feature_cases(feature, stories, config)]


def select_cases(cases: Iterable[Case], selectors: Iterable[str]) -> list[Case]:
    """Return the cases that need UAT: a selector is a tag (manual, uat), a priority (must, …) or `all`."""
    wanted = set(selectors)
    if "all" in wanted:
        return list(cases)
    return [c for c in cases if c.priority.value in wanted or wanted.intersection(c.tags)]


def fingerprints(cases: Iterable[Case]) -> dict[str, str]:
    """Return each case key's current fingerprint."""
    return {c.key: c.fingerprint for c in cases}


def by_case_id(cases: Iterable[Case]) -> dict[str, tuple[Case, ...]]:
    """Return the cases grouped by case ID: an outline's rows together, in file order."""
    grouped: dict[str, list[Case]] = {}
    for case in cases:
        grouped.setdefault(case.case_id, []).append(case)
    return {case_id: tuple(rows) for case_id, rows in grouped.items()}


def case_of(rows: Sequence[Case], example: Mapping[str, str]) -> Case | None:
    """Return which of a case ID's rows a run is, by its example row values ({} for a plain scenario)."""
    if not example:
        return rows[0] if len(rows) == 1 and not rows[0].test_data else None
    wanted = set(_data_lines(example))
    return next((row for row in rows if set(row.test_data.splitlines()) == wanted), None)


def _data_lines(values: Mapping[str, str]) -> list[str]:
    """Return an example row's values as a case shows them, one `name = value` a line."""
    return [f"{name} = {value}" for name, value in values.items()]


def numbered(lines: Iterable[str]) -> str:
    """Return lines as a numbered list, one item a line ("1. …")."""
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1))


def case_fingerprint(
    preconditions: Iterable[str], steps: Iterable[str], expected: Iterable[str], test_data: str
) -> str:
    """Return the fingerprint of what a tester does and checks (titles and tags do not count)."""
    body = json.dumps([list(preconditions), list(steps), list(expected), test_data], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


#: The fields a stored case holds, in order: a change of `Case` makes every stored list unreadable.
STORED_FIELDS = tuple(f.name for f in fields(Case))


def dump_cases(cases: Iterable[Case]) -> bytes:
    """Return cases as JSON, to be read back by `load_cases` (one list of field values a case)."""
    rows = [[_stored(getattr(c, name)) for name in STORED_FIELDS] for c in cases]
    return json.dumps({"fields": STORED_FIELDS, "cases": rows}, ensure_ascii=False).encode("utf-8")


def _stored(value: object) -> object:
    if isinstance(value, Priority):
        return value.value
    if isinstance(value, SourceLocation):
        return [value.path, value.line, value.sheet, value.row, value.column]
    return value


def load_cases(data: bytes) -> tuple[Case, ...]:
    """Return the cases `dump_cases` wrote; raise ValueError when `data` is not such a list."""
    try:
        body = json.loads(data)
        if tuple(body["fields"]) != STORED_FIELDS:
            raise ValueError("stored with other case fields")
        return tuple(
            Case(**{name: _restored(name, value) for name, value in zip(STORED_FIELDS, row, strict=True)})
            for row in body["cases"]
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a stored list of cases ({exc})") from None


def _restored(name: str, value: Any) -> Any:
    if name == "priority":
        return Priority(value)
    if name == "source":
        return SourceLocation(*value)
    # Every other list a case holds is a tuple of text (steps, tags, labels …).
    return tuple(value) if isinstance(value, list) else value


def _feature_cases(feature: Feature, stories: Mapping[str, Story], config: Config) -> list[Case]:
    requirement_regex = config.requirement_regex
    feature_requirement = next((t for t in feature.tags if requirement_regex.match(t)), "")
    out: list[Case] = []
    for scenario in feature.scenarios:
        case_id = next(iter(scenario.case_ids), "")
        if not case_id:
            continue  # `uatkit check` reports scenarios without a case ID
        requirement = case_id.rpartition(".")[0] or feature_requirement
        story = stories.get(requirement)
        base = Case(
            key=case_id,
            case_id=case_id,
            requirement=requirement,
            requirement_title=story.title if story else _without_id(feature.name, requirement),
            module=story.module if story else "General",
            owner=story.owner if story else "",
            priority=story.priority if story else config.default_priority,
            language=feature.language,
            scenario=scenario.name,
            preconditions=(),
            steps=(),
            expected=(),
            test_data="",
            tags=tuple(dict.fromkeys(scenario.tags)),
            source=SourceLocation(feature.display, scenario.line),
            fingerprint="",
            epic=story.epic if story else "",
            labels=story.labels if story else (),
        )
        if not scenario.examples:
            out.append(_case(scenario, base, None))
        for n, row in enumerate(scenario.examples, 1):
            row_case = replace(base, key=f"{case_id}#{n}", source=base.source.at_line(row.line))
            out.append(_case(scenario, row_case, row))
    return out


def _case(scenario: Scenario, base: Case, row: ExampleRow | None) -> Case:
    """Return the case with its sections in plain language, filled in with the example row's values."""
    values = row.as_dict() if row else {}
    data = "\n".join(_data_lines(values))
    sections: dict[str, list[str]] = {"preconditions": [], "steps": [], "expected": []}
    steps = scenario.steps
    if not steps or _free_text(scenario, base.case_id):
        # A free-text criterion: its paragraphs are the steps, its title what the tester checks.
        text = (steps[0].docstring or "") if steps else scenario.description
        sections["steps"] = _paragraphs(text)
        sections["expected"] = [_without_id(scenario.name, base.case_id.rpartition(".")[2])]
    else:
        current = "preconditions"
        for step in steps:
            current = _SECTIONS.get(step.type, current)
            sections[current].append(_step_text(step, values))
    return replace(
        base,
        preconditions=tuple(sections["preconditions"]),
        steps=tuple(sections["steps"]),
        expected=tuple(sections["expected"]),
        test_data=data,
        fingerprint=case_fingerprint(
            sections["preconditions"], sections["steps"], sections["expected"], data
        ),
    )


def _free_text(scenario: Scenario, case_id: str) -> bool:
    """Return True for a free-text criterion's scenario: its text in one doc string under its title.

    `uatkit generate` writes it under a Given step (earlier versions: `*`) when Gherkin would read a line
    of the text as structure; the step repeats the criterion's title, which tells it from a real step.
    """
    if len(scenario.steps) != 1:
        return False
    step = scenario.steps[0]
    if step.type is StepType.UNKNOWN:
        return True
    title = _without_id(scenario.name, case_id.rpartition(".")[2])
    return step.docstring is not None and step.text == title and Level.MANUAL in scenario.tags


def _step_text(step: FeatureStep, values: Mapping[str, str]) -> str:
    text = _fill(step.text, values)
    for cells in step.table:
        text += "\n   | " + " | ".join(_fill(c, values) for c in cells) + " |"
    if step.docstring is not None:
        text += "\n" + "\n".join(f"   {line}" for line in _fill(step.docstring, values).split("\n"))
    return text


def _fill(text: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text) if values else text


def _paragraphs(text: str) -> list[str]:
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return [" ".join(line.strip() for line in p.split("\n")) for p in paragraphs if p.strip()]


def _without_id(name: str, prefix: str) -> str:
    return name[len(prefix) :].strip() if prefix and name.startswith(prefix + " ") else name
