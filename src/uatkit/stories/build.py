"""Validate raw story fields from any source and build model stories, collecting every problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from uatkit.config import Config, priority_key
from uatkit.errors import Problem
from uatkit.gherkin.dialects import docstring_fence, keywords, known_languages
from uatkit.model import LEVEL_TAGS, Criterion, Level, Priority, SourceLocation, Story
from uatkit.stories.criteria import Body, parse_body

_TAG = re.compile(r"@([^\s@]+)")
# An ID holds a digit ("AC-1", "AC1", "3"), which tells it from the first word of a title.
_CRITERION_ID = re.compile(r"(?=[\w.-]*\d)[A-Za-z0-9][\w.-]*\Z")


@dataclass
class RawCriterion:
    """A criterion as a source gave it: ID, title, trailing tags and its numbered body lines."""

    id: str
    title: str
    source: SourceLocation
    lines: list[tuple[int, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass
class RawStory:
    """A story as a source gave it, before validation; `where` locates each field for error messages."""

    source: SourceLocation
    id: str = ""
    title: str = ""
    narrative: list[str] = field(default_factory=list)
    module: str = ""
    priority: str = ""
    levels: list[str] = field(default_factory=list)
    owner: str = ""
    language: str = ""
    labels: list[str] = field(default_factory=list)
    epic: str = ""
    criteria: list[RawCriterion] = field(default_factory=list)
    where: dict[str, SourceLocation] = field(default_factory=dict)

    def at(self, name: str) -> SourceLocation:
        """Return where a field was read, or the story's own location."""
        return self.where.get(name, self.source)


def split_tags(text: str) -> tuple[str, list[str]]:
    """Split trailing `@tags` off a heading: "Title  @e2e @uat" gives ("Title", ["e2e", "uat"])."""
    words = text.split()
    tags: list[str] = []
    while words and _TAG.fullmatch(words[-1]):
        tags.insert(0, words.pop()[1:])
    return " ".join(words), tags


def build_story(
    raw: RawStory, config: Config, problems: list[Problem], warnings: list[Problem] | None = None
) -> Story | None:
    """Return the validated story, or None when it is unusable; every problem and warning is appended."""
    before = len(problems)
    story_id = raw.id.strip()
    if not story_id:
        problems.append(
            Problem(raw.at("id"), "the story has no ID", "give it a requirement ID such as REQ-101")
        )
    elif not config.requirement_regex.match(story_id):
        problems.append(
            Problem(
                raw.at("id"),
                f"requirement ID {story_id!r} does not match the pattern {config.requirement_pattern!r}",
                "fix the ID or set requirement_pattern in [tool.uatkit]",
            )
        )
    title = " ".join(raw.title.split())
    if not title:
        problems.append(
            Problem(raw.at("title"), "the story has no title", "add a title line such as '# Place an order'")
        )
    language = raw.language.strip() or config.default_language
    if language not in known_languages():
        problems.append(
            Problem(
                raw.at("language"), f"unknown Gherkin language {language!r}", "use a code such as en or zh-CN"
            )
        )
        language = config.default_language
    priority = config.default_priority
    if raw.priority.strip():
        found = config.priority_map.get(priority_key(raw.priority))
        if found is None:
            allowed = ", ".join(sorted(config.priority_map))
            problems.append(
                Problem(raw.at("priority"), f"unknown priority {raw.priority!r}", f"use one of: {allowed}")
            )
        else:
            priority = found
    levels = _levels(raw.levels, raw.at("levels"), problems) or config.default_levels
    kw = keywords(language)
    for line in raw.narrative:
        if not kw.safe_narrative_line(line):
            problems.append(
                Problem(
                    raw.at("title"),
                    f"the narrative line {line.strip()!r} would be read as Gherkin structure",
                    "reword it so that it does not start with '#', '@' or a keyword such as 'Scenario:'",
                )
            )
    criteria = _criteria(raw, story_id, levels, language, problems, [] if warnings is None else warnings)
    if len(problems) > before:
        return None
    return Story(
        id=story_id,
        title=title,
        source=raw.source,
        narrative=tuple(line.strip() for line in raw.narrative if line.strip()),
        module=" ".join(raw.module.split()) or "General",
        priority=Priority(priority),
        levels=levels,
        owner=raw.owner.strip(),
        language=language,
        criteria=criteria,
        labels=tuple(raw.labels),
        epic=raw.epic.strip(),
    )


def _levels(names: list[str], where: SourceLocation, problems: list[Problem]) -> tuple[Level, ...]:
    levels: list[Level] = []
    for name in names:
        value = name.strip().lower()
        if not value:
            continue
        if value not in LEVEL_TAGS:
            problems.append(
                Problem(where, f"unknown level {name!r}", f"use {' | '.join(sorted(LEVEL_TAGS))}")
            )
        elif Level(value) not in levels:
            levels.append(Level(value))
    return tuple(levels)


def _criteria(
    raw: RawStory,
    story_id: str,
    levels: tuple[Level, ...],
    language: str,
    problems: list[Problem],
    warnings: list[Problem],
) -> tuple[Criterion, ...]:
    kw = keywords(language)
    seen: dict[str, SourceLocation] = {}
    criteria: list[Criterion] = []
    for rc in raw.criteria:
        if not _CRITERION_ID.match(rc.id):
            problems.append(
                Problem(
                    rc.source,
                    f"criterion heading needs an ID first, got {rc.id!r}",
                    "start the heading with an ID such as 'AC-1'",
                )
            )
            continue
        if rc.id in seen:
            problems.append(
                Problem(
                    rc.source, f"criterion ID {rc.id} is used twice in {story_id}", f"first at {seen[rc.id]}"
                )
            )
            continue
        seen[rc.id] = rc.source
        if not rc.title.strip():
            problems.append(
                Problem(rc.source, f"criterion {rc.id} has no title", "write a title after the ID")
            )
        body = parse_body(rc.lines, kw, rc.source, problems)
        half = _half_gherkin(body)
        if half:
            # Free text that happens to start like Gherkin stays free text, as written: automating a
            # split and reordered version of it would drop it from UAT without anyone deciding so.
            warnings.append(
                Problem(
                    rc.source,
                    f"criterion {rc.id} {half}: it is a manual check, kept as written",
                    "to automate it, write Given/When/Then steps in order, any description before them",
                )
            )
            body = Body(prose=[line.strip() for _, line in rc.lines if line.strip()])
        if not body.steps and not body.prose:
            problems.append(
                Problem(
                    rc.source,
                    f"criterion {rc.id} has no content",
                    "write Given/When/Then steps, or free text for a manual check",
                )
            )
            continue
        if body.steps:
            for line in body.prose:
                if not kw.safe_description_line(line):
                    problems.append(
                        Problem(
                            rc.source,
                            f"the line {line!r} in criterion {rc.id} would be read as Gherkin structure",
                            "reword it, or move it out of the criterion",
                        )
                    )
        needs_fence = [s.docstring for s in body.steps if s.docstring is not None]
        if not body.steps and not all(kw.safe_description_line(line) for line in body.prose):
            needs_fence.append("\n".join(body.prose))
        if any(docstring_fence(text) is None for text in needs_fence):
            problems.append(
                Problem(
                    rc.source,
                    f"criterion {rc.id} holds text that no Gherkin doc string keeps exactly "
                    "(it contains both escaped delimiters)",
                    "remove the backslashes before the quotes or the backticks",
                )
            )
        tag_levels = _levels([t for t in rc.tags if t.lower() in LEVEL_TAGS], rc.source, problems)
        other_tags = tuple(t for t in rc.tags if t.lower() not in LEVEL_TAGS)
        own_levels = tag_levels or levels
        if not body.steps:
            own_levels = (Level.MANUAL,)
        criteria.append(
            Criterion(
                id=rc.id,
                title=" ".join(rc.title.split()),
                source=rc.source,
                steps=tuple(body.steps),
                text="" if body.steps else "\n".join(body.prose),
                description="\n".join(body.prose) if body.steps else "",
                examples=body.examples,
                levels=own_levels,
                tags=other_tags,
            )
        )
    return tuple(criteria)


def _half_gherkin(body: Body) -> str:
    """Return why a criterion with steps is not Gherkin after all ("" when it is), in a few words."""
    if not body.steps or body.examples is not None:
        return ""
    kinds = [step.kind for step in body.steps]
    if body.prose_after_step:
        return "mixes steps with prose after them"
    if not {"when", "then"} & set(kinds):
        return "has no When or Then step"
    first_action = next(i for i, kind in enumerate(kinds) if kind in ("when", "then"))
    if "given" in kinds[first_action:]:
        return "has a Given step after a When or Then"
    return ""
