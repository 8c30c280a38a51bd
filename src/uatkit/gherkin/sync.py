"""Plan and apply feature generation: new, stale, unchanged, hand-edited and orphaned files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from uatkit.atomic import atomic_write_text
from uatkit.config import Config
from uatkit.gherkin.parse import read_feature_files
from uatkit.gherkin.render import FINGERPRINT_PREFIX, SOURCE_PREFIX, fingerprint, render_feature
from uatkit.model import Catalogue, Story
from uatkit.text import slug


class Action(StrEnum):
    """What generation does, or would do, with one feature file."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    OVERWRITE = "overwrite"
    KEEP_EDITED = "edited by hand"
    KEEP_FOREIGN = "not generated"
    REMOVE_MOVED = "moved"
    ORPHANED = "orphaned"


#: Actions that mean the features are out of step with the stories.
OUT_OF_SYNC = frozenset(
    {
        Action.CREATE,
        Action.UPDATE,
        Action.OVERWRITE,
        Action.KEEP_EDITED,
        Action.KEEP_FOREIGN,
        Action.REMOVE_MOVED,
        Action.ORPHANED,
    }
)
WRITES = frozenset({Action.CREATE, Action.UPDATE, Action.OVERWRITE})


@dataclass(frozen=True)
class Header:
    """What a generated feature says about itself in its header comments."""

    story_id: str
    source: str
    recorded: str
    actual: str

    @property
    def edited(self) -> bool:
        """Return True when the file's text no longer matches its recorded fingerprint."""
        return self.recorded != self.actual


@dataclass(frozen=True)
class Planned:
    """One feature file and what happens to it."""

    path: Path
    action: Action
    story_id: str = ""
    text: str = ""
    note: str = ""


def read_header(text: str) -> Header | None:
    """Return the uatkit header of a feature's text, or None for a file uatkit did not generate."""
    source = recorded = None
    for line in text.split("\n")[:6]:
        if line.startswith(SOURCE_PREFIX):
            source = line[len(SOURCE_PREFIX) :].strip()
        elif line.startswith(FINGERPRINT_PREFIX):
            recorded = line[len(FINGERPRINT_PREFIX) :].strip()
    if source is None or recorded is None:
        return None
    story_id, _, origin = source.partition(" ")
    return Header(story_id=story_id, source=origin, recorded=recorded, actual=fingerprint(text))


def feature_path(config: Config, story: Story) -> Path:
    """Return where the feature of `story` is generated: features/<module>/<ID>-<slug>.feature."""
    name = f"{story.id}-{slug(story.title, 50)}".rstrip("-")
    return config.features_dir / (slug(story.module, 60) or "general") / f"{name}.feature"


def plan(
    catalogue: Catalogue, config: Config, force: bool = False, existing: Mapping[Path, str] | None = None
) -> list[Planned]:
    """Return what generation would do for every story and every generated file on disk.

    `existing` is the text of the feature files (a project's `feature_files`); they are read when not given.
    """
    if existing is None:
        existing = read_feature_files(config.features_dir, config.relative).texts
    headers = {path: read_header(text) for path, text in existing.items()}
    known = catalogue.by_id()
    result: list[Planned] = []
    targets: set[Path] = set()
    for story in catalogue.stories:
        path = feature_path(config, story)
        targets.add(path)
        text = render_feature(story, story.source.path)
        result.append(_plan_one(path, story.id, text, existing.get(path), headers.get(path), force))
    for path, header in headers.items():
        if path in targets or header is None:
            continue
        if header.story_id not in known:
            result.append(Planned(path, Action.ORPHANED, header.story_id, note="its story no longer exists"))
        elif header.edited and not force:
            result.append(
                Planned(path, Action.KEEP_EDITED, header.story_id, note="old location of a moved feature")
            )
        else:
            result.append(Planned(path, Action.REMOVE_MOVED, header.story_id, note="the feature moved"))
    return result


def _plan_one(
    path: Path, story_id: str, text: str, current: str | None, header: Header | None, force: bool
) -> Planned:
    if current is None:
        return Planned(path, Action.CREATE, story_id, text)
    if header is None or header.edited:
        if force:
            return Planned(path, Action.OVERWRITE, story_id, text)
        action = Action.KEEP_FOREIGN if header is None else Action.KEEP_EDITED
        return Planned(path, action, story_id, text, note="use --force to overwrite")
    if current == text:
        return Planned(path, Action.UNCHANGED, story_id, text)
    return Planned(path, Action.UPDATE, story_id, text)


def apply(planned: list[Planned]) -> None:
    """Write new and stale features atomically and remove the old copies of moved ones."""
    for item in planned:
        if item.action in WRITES:
            atomic_write_text(item.path, item.text)
    for item in planned:
        if item.action is Action.REMOVE_MOVED:
            item.path.unlink()
