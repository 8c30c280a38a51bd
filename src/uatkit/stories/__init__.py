"""The story catalogue: every story of a project, read from Markdown, Excel backlogs and Jira exports."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from uatkit.config import Config
from uatkit.errors import InputError, Problem
from uatkit.model import Catalogue, SourceLocation, Story
from uatkit.stories.build import RawStory, build_story

SUFFIXES = (".md", ".xlsx", ".csv")


def story_files(config: Config, paths: Iterable[Path] | None = None) -> list[Path]:
    """Return every story source under the configured (or given) paths, in a stable order."""
    found: list[Path] = []
    problems: list[Problem] = []
    for path in paths if paths is not None else config.story_paths():
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.suffix.lower() not in SUFFIXES or _ignored(p):
                    continue
                if p.is_file():
                    found.append(p)
                else:
                    problems.append(_not_a_file(p, config))
        elif path.is_file():
            found.append(path)
        elif path.is_symlink():
            problems.append(_not_a_file(path, config))
        else:
            problems.append(
                Problem(
                    SourceLocation(config.relative(path)),
                    "no such file or folder",
                    "fix 'stories' in [tool.uatkit]",
                )
            )
    if problems:
        raise InputError(problems)
    return found


def _not_a_file(path: Path, config: Config) -> Problem:
    """Return the problem of a story name that holds no readable file: a broken link, a folder, a pipe."""
    # Skipping it would drop its requirements from the catalogue, and so from the matrix, without a word.
    # The link's own name, not its target's (config.relative resolves links).
    where = SourceLocation((Path(config.relative(path.parent)) / path.name).as_posix())
    if path.is_symlink() and not path.exists():
        return Problem(
            where,
            f"a symbolic link to {os.readlink(path)}, which does not exist",
            "point the link at the story file, or remove the link",
        )
    if path.is_dir():
        return Problem(
            where,
            f"a folder named like a story file ({path.suffix})",
            f"rename the folder: names ending in {', '.join(SUFFIXES)} are read as story files",
        )
    return Problem(where, "not a regular file", "replace it with the story file, or remove it")


def _ignored(path: Path) -> bool:
    # README files document a stories folder; "~$" files are Excel's lock files of open workbooks.
    return path.name.lower() == "readme.md" or path.name.startswith(("~$", "."))


def read_raw(
    path: Path, config: Config, problems: list[Problem], warnings: list[Problem] | None = None
) -> list[RawStory]:
    """Return the raw stories of one source file, whatever its format; what it notices goes to `warnings`."""
    display = config.relative(path)
    suffix = path.suffix.lower()
    if suffix == ".md":
        from uatkit.stories.markdown import read_markdown

        raw = read_markdown(path, display, problems)
        return [raw] if raw else []
    if suffix == ".xlsx":
        from uatkit.stories.excel import read_excel

        return read_excel(path, display, config, problems, warnings)
    if suffix == ".csv":
        from uatkit.stories.jira import read_jira

        return read_jira(path, display, config, problems, warnings)
    problems.append(
        Problem(
            SourceLocation(display),
            f"unknown story format {suffix!r}",
            "use .md, .xlsx or a Jira .csv export",
        )
    )
    return []


def load_catalogue(config: Config, paths: Iterable[Path] | None = None) -> Catalogue:
    """Read and validate every story; raise InputError listing all problems at once."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    stories: list[Story] = []
    first_seen: dict[str, SourceLocation] = {}
    for path in story_files(config, paths):
        for raw in read_raw(path, config, problems, warnings):
            story_id = raw.id.strip()
            if story_id in first_seen:
                problems.append(
                    Problem(
                        raw.at("id"),
                        f"duplicate requirement ID {story_id}",
                        f"it is already used at {first_seen[story_id]}; give one of them another ID",
                    )
                )
                continue
            if story_id:
                first_seen[story_id] = raw.at("id")
            story = build_story(raw, config, problems, warnings)
            if story is not None:
                stories.append(story)
    if problems:
        raise InputError(problems)
    ordered = tuple(sorted(stories, key=lambda s: natural_key(s.id)))
    return Catalogue(ordered, warnings=tuple(str(w) for w in warnings))


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts REQ-9 before REQ-10."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)
