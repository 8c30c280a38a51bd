"""Turn a project's features into UAT cases: each scenario (or outline row) in numbered plain language."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any, cast

from uatkit.config import Config
from uatkit.errors import InputError, Problem
from uatkit.model import Catalogue, SourceLocation, UatCase

_PLACEHOLDER = re.compile(r"<([^<>]+)>")
_SECTIONS = {"Context": "preconditions", "Action": "steps", "Outcome": "expected"}


def collect_cases(config: Config, catalogue: Catalogue) -> list[UatCase]:
    """Return every case of the project's features in file order; a feature that does not parse stops it."""
    from gherkin.errors import CompositeParserException, ParserException
    from gherkin.parser import Parser

    stories = catalogue.by_id()
    cases: list[UatCase] = []
    problems: list[Problem] = []
    folder = config.features_dir
    paths = sorted(folder.rglob("*.feature")) if folder.is_dir() else []
    for path in paths:
        display = config.relative(path)
        try:
            document = Parser().parse(path.read_text(encoding="utf-8"))
        except (CompositeParserException, ParserException, UnicodeDecodeError) as exc:
            problems.append(
                Problem(SourceLocation(display), f"cannot read the feature: {exc}", "run `uatkit check`")
            )
            continue
        feature = cast(dict[str, Any], document.get("feature"))
        if feature:
            cases += _feature_cases(feature, display, stories, config)
    if problems:
        raise InputError(problems)
    return cases


def select_cases(cases: Iterable[UatCase], selectors: Iterable[str]) -> list[UatCase]:
    """Return the cases that need UAT: a selector is a tag (manual, uat), a priority (must, …) or `all`."""
    wanted = set(selectors)
    if "all" in wanted:
        return list(cases)
    return [c for c in cases if c.priority.value in wanted or wanted.intersection(c.tags)]


def numbered(lines: Iterable[str]) -> str:
    """Return lines as a numbered list, one item a line ("1. …")."""
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1))


def case_fingerprint(
    preconditions: Iterable[str], steps: Iterable[str], expected: Iterable[str], test_data: str
) -> str:
    """Return the fingerprint of what a tester does and checks (titles and tags do not count)."""
    body = json.dumps([list(preconditions), list(steps), list(expected), test_data], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def _feature_cases(
    feature: dict[str, Any], display: str, stories: dict[str, Any], config: Config
) -> list[UatCase]:
    language = feature.get("language", "en")
    feature_tags = _tags(feature)
    requirement_regex = config.requirement_regex
    feature_requirement = next((t for t in feature_tags if requirement_regex.match(t)), "")
    out: list[UatCase] = []
    for node, inherited in _scenarios(feature.get("children", []), feature_tags):
        tags = inherited + _tags(node)
        case_id = next((t[len("case:") :] for t in tags if t.startswith("case:")), "")
        if not case_id:
            continue  # `uatkit check` reports scenarios without a case ID
        requirement = case_id.rpartition(".")[0] or feature_requirement
        story = stories.get(requirement)
        source = SourceLocation(display, node["location"]["line"])
        common = {
            "case_id": case_id,
            "requirement": requirement,
            "requirement_title": story.title if story else _without_id(feature.get("name", ""), requirement),
            "module": story.module if story else "General",
            "owner": story.owner if story else "",
            "priority": story.priority if story else config.default_priority,
            "language": language,
            "scenario": node.get("name", ""),
            "tags": tuple(dict.fromkeys(tags)),
            "source": source,
        }
        rows = _example_rows(node)
        if not rows:
            out.append(_case(node, case_id, {}, "", common))
        for n, (values, row_line) in enumerate(rows, 1):
            data = "\n".join(f"{name} = {value}" for name, value in values.items())
            common["source"] = SourceLocation(display, row_line)
            out.append(_case(node, f"{case_id}#{n}", values, data, common))
    return out


def _case(
    node: dict[str, Any], key: str, values: dict[str, str], data: str, common: dict[str, Any]
) -> UatCase:
    sections: dict[str, list[str]] = {"preconditions": [], "steps": [], "expected": []}
    current = "preconditions"
    steps = node.get("steps", [])
    for step in steps:
        current = _SECTIONS.get(step.get("keywordType", ""), current)
        if step.get("keywordType") == "Unknown" and not sections["steps"] and len(steps) == 1:
            current = "expected"  # a lone `* title` step carrying a manual criterion's text
        sections[current].append(_step_text(step, values))
    if not steps or (len(steps) == 1 and steps[0].get("keywordType") == "Unknown"):
        text = steps[0].get("docString", {}).get("content", "") if steps else node.get("description", "")
        sections["steps"] = _paragraphs(text)
        sections["expected"] = [_without_id(common["scenario"], common["case_id"].rpartition(".")[2])]
    return UatCase(
        key=key,
        preconditions=tuple(sections["preconditions"]),
        steps=tuple(sections["steps"]),
        expected=tuple(sections["expected"]),
        test_data=data,
        fingerprint=case_fingerprint(
            sections["preconditions"], sections["steps"], sections["expected"], data
        ),
        **common,
    )


def _step_text(step: dict[str, Any], values: dict[str, str]) -> str:
    text = _fill(step["text"], values)
    table = step.get("dataTable")
    if table:
        for row in table.get("rows", []):
            text += "\n   | " + " | ".join(_fill(c["value"], values) for c in row["cells"]) + " |"
    doc = step.get("docString")
    if doc:
        text += "\n" + "\n".join(f"   {line}" for line in _fill(doc["content"], values).split("\n"))
    return text


def _fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text) if values else text


def _example_rows(node: dict[str, Any]) -> list[tuple[dict[str, str], int]]:
    rows: list[tuple[dict[str, str], int]] = []
    for examples in node.get("examples", []):
        header = [c["value"] for c in (examples.get("tableHeader") or {}).get("cells", [])]
        for row in examples.get("tableBody", []):
            values = dict(zip(header, (c["value"] for c in row["cells"]), strict=False))
            rows.append((values, row["location"]["line"]))
    return rows


def _paragraphs(text: str) -> list[str]:
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return [" ".join(line.strip() for line in p.split("\n")) for p in paragraphs if p.strip()]


def _without_id(name: str, prefix: str) -> str:
    return name[len(prefix) :].strip() if prefix and name.startswith(prefix + " ") else name


def _tags(node: dict[str, Any]) -> tuple[str, ...]:
    return tuple(tag["name"].lstrip("@") for tag in node.get("tags", []))


def _scenarios(
    children: list[dict[str, Any]], inherited: tuple[str, ...]
) -> Iterable[tuple[dict[str, Any], tuple[str, ...]]]:
    for child in children:
        if "rule" in child:
            rule = child["rule"]
            yield from _scenarios(rule.get("children", []), inherited + _tags(rule))
        elif "scenario" in child:
            yield child["scenario"], inherited


def group_cases(cases: Iterable[UatCase], by: str) -> dict[str, list[UatCase]]:
    """Return cases grouped by module or business owner, groups and cases in first-seen order."""
    groups: dict[str, list[UatCase]] = {}
    for case in cases:
        name = (case.owner or "Unassigned") if by == "owner" else case.module
        groups.setdefault(name, []).append(case)
    return groups


def pack_language(cases: Iterable[UatCase], requested: str) -> str:
    """Return a pack's label language: the requested one, or with `auto` the one all its cases share."""
    if requested != "auto":
        return requested
    languages = {c.language for c in cases}
    return "zh-CN" if languages == {"zh-CN"} else "en"
