"""Baselines: the catalogue as the client signed it, frozen in a reviewable, deterministic JSON file.

A baseline file (`baselines/NAME.json`) holds no wall-clock time: freezing the same catalogue with the same
name, approver, date and note gives the same bytes. Its `digest` is the SHA-256 of its canonical content
(every key but `digest`, keys sorted, no spaces), so a file changed after it was approved is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec

from uatkit.change.model import (
    Baseline,
    BaselineCriterion,
    BaselineRequirement,
    criterion_fingerprint,
    criterion_text,
    requirement_fingerprint,
)
from uatkit.errors import InputError, Problem, UatkitError
from uatkit.model import Level, Priority, SourceLocation
from uatkit.project import Project
from uatkit.stories import natural_key
from uatkit.uat.ledger_location import has_ledger, open_ledger

#: The version of the baseline file's layout: raised only when a key changes meaning or goes away.
BASELINE_SCHEMA = 1
#: A baseline's name: a safe file name on every system.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")


def check_name(name: str) -> str:
    """Return a baseline's name when it makes a safe file name; say what to write instead."""
    if not _NAME.match(name) or name.endswith(".json"):
        raise UatkitError(
            f"baseline name {name!r} is not a safe file name; use letters, digits, '.', '_' and '-' only, "
            "starting with a letter or digit, without a folder or .json (e.g. R1-signed)"
        )
    return name


def freeze(project: Project, name: str, approved_by: str, approved_on: dt.date, note: str = "") -> Baseline:
    """Return the project's catalogue frozen as a baseline (InputError when the catalogue has errors)."""
    check_name(name)
    if not approved_by.strip():
        raise UatkitError('say who approved the baseline: --approved-by "Ann Lee (client)"')
    cases: dict[str, list[tuple[str, str]]] = {}
    for case in project.cases:
        cases.setdefault(case.case_id, []).append((case.key, case.fingerprint))
    requirements = []
    for story in sorted(project.catalogue.stories, key=lambda s: natural_key(s.id)):
        criteria = tuple(
            BaselineCriterion(
                id=c.id,
                title=c.title,
                text=criterion_text(c),
                levels=c.levels,
                manual=c.manual,
                fingerprint=criterion_fingerprint(c),
                cases=tuple(cases.get(story.case_id(c), ())),
            )
            for c in story.criteria
        )
        requirements.append(
            BaselineRequirement(
                id=story.id,
                title=story.title,
                module=story.module,
                priority=story.priority,
                owner=story.owner,
                language=story.language,
                levels=story.levels,
                narrative=story.narrative,
                epic=story.epic,
                labels=story.labels,
                source=story.source.path,
                fingerprint=requirement_fingerprint(story, ((c.id, c.fingerprint) for c in criteria)),
                criteria=criteria,
            )
        )
    unsigned = Baseline(
        name=name,
        approved_by=approved_by.strip(),
        approved_on=approved_on,
        note=note.strip(),
        project=project.config.project_name,
        commit=project.commit,
        requirements=tuple(requirements),
        digest="",
    )
    return replace(unsigned, digest=digest_of(_content(unsigned)))


def _content(baseline: Baseline) -> dict[str, Any]:
    """Return what a baseline file holds, without its digest, in the file's key order."""
    return {
        "schema": BASELINE_SCHEMA,
        "name": baseline.name,
        "approved_by": baseline.approved_by,
        "approved_on": baseline.approved_on.isoformat(),
        "note": baseline.note,
        "project": baseline.project,
        "commit": baseline.commit,
        "requirements": [
            {
                "id": r.id,
                "title": r.title,
                "module": r.module,
                "priority": r.priority.value,
                "owner": r.owner,
                "language": r.language,
                "levels": [level.value for level in r.levels],
                "narrative": list(r.narrative),
                "epic": r.epic,
                "labels": list(r.labels),
                "source": r.source,
                "fingerprint": r.fingerprint,
                "criteria": [
                    {
                        "id": c.id,
                        "title": c.title,
                        "text": c.text,
                        "levels": [level.value for level in c.levels],
                        "manual": c.manual,
                        "fingerprint": c.fingerprint,
                        "cases": [{"key": key, "fingerprint": fp} for key, fp in c.cases],
                    }
                    for c in r.criteria
                ],
            }
            for r in sorted(baseline.requirements, key=lambda r: natural_key(r.id))
        ],
    }


def digest_of(content: dict[str, Any]) -> str:
    """Return the digest of a baseline's content: SHA-256 of its canonical JSON (keys sorted, no spaces)."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def baseline_text(baseline: Baseline) -> str:
    """Return a baseline's file text: deterministic JSON, indented, its digest last, a final newline."""
    data = {**_content(baseline), "digest": baseline.digest}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- reading a baseline file back ------------------------------------------------------------------------


class _CaseFile(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    fingerprint: str


class _CriterionFile(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    title: str
    text: str
    levels: list[Level]
    manual: bool
    fingerprint: str
    cases: list[_CaseFile]


class _RequirementFile(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    title: str
    module: str
    priority: Priority
    owner: str
    language: str
    levels: list[Level]
    narrative: list[str]
    epic: str
    labels: list[str]
    source: str
    fingerprint: str
    criteria: list[_CriterionFile]


class _BaselineFile(msgspec.Struct, forbid_unknown_fields=True):
    schema: int
    name: str
    approved_by: str
    approved_on: dt.date
    note: str
    project: str
    commit: str
    requirements: list[_RequirementFile]
    digest: str


_RESTORE = "restore it from version control (git checkout -- FILE), or create a new baseline"


def read_baseline(path: Path, display: str | None = None) -> Baseline:
    """Return the baseline in a file; a damaged, hand-edited or changed file is refused, located."""
    shown = display or str(path)
    where = SourceLocation(shown)
    restore = _RESTORE.replace("FILE", shown)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            [Problem(where, f"cannot read the baseline ({exc.strerror or exc})", restore)]
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(where, f"not UTF-8 text (byte {exc.start})", restore)]) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [Problem(where.at_line(exc.lineno), f"not valid JSON at column {exc.colno}: {exc.msg}", restore)]
        ) from None
    try:
        found = msgspec.convert(raw, type=_BaselineFile)
    except msgspec.ValidationError as exc:
        message, _, path_in_file = str(exc).partition(" - at `")
        at = f" at {path_in_file.rstrip('`')}" if path_in_file else ""
        raise InputError([Problem(where, f"not a uatkit baseline{at}: {message}", restore)]) from None
    if found.schema != BASELINE_SCHEMA:
        raise InputError(
            [
                Problem(
                    where,
                    f"baseline schema {found.schema} at $.schema; this uatkit reads schema {BASELINE_SCHEMA}",
                    "upgrade uatkit" if found.schema > BASELINE_SCHEMA else restore,
                )
            ]
        )
    baseline = _baseline(found)
    expected = digest_of(_content(baseline))
    if expected != found.digest:
        raise InputError(
            [
                Problem(
                    where,
                    "the baseline was changed after it was approved: its content no longer matches its "
                    f"digest at $.digest ({found.digest or 'empty'}; the content gives {expected})",
                    restore,
                )
            ]
        )
    if found.name != path.stem:
        raise InputError(
            [
                Problem(
                    where,
                    f"the file holds baseline {found.name!r} at $.name but is named {path.name}",
                    f"rename it back to {found.name}.json",
                )
            ]
        )
    return baseline


def _baseline(found: _BaselineFile) -> Baseline:
    requirements = tuple(
        BaselineRequirement(
            id=r.id,
            title=r.title,
            module=r.module,
            priority=r.priority,
            owner=r.owner,
            language=r.language,
            levels=tuple(r.levels),
            narrative=tuple(r.narrative),
            epic=r.epic,
            labels=tuple(r.labels),
            source=r.source,
            fingerprint=r.fingerprint,
            criteria=tuple(
                BaselineCriterion(
                    id=c.id,
                    title=c.title,
                    text=c.text,
                    levels=tuple(c.levels),
                    manual=c.manual,
                    fingerprint=c.fingerprint,
                    cases=tuple((case.key, case.fingerprint) for case in c.cases),
                )
                for c in r.criteria
            ),
        )
        for r in found.requirements
    )
    return Baseline(
        name=found.name,
        approved_by=found.approved_by,
        approved_on=found.approved_on,
        note=found.note,
        project=found.project,
        commit=found.commit,
        requirements=requirements,
        digest=found.digest,
    )


# --- the project's baselines -------------------------------------------------------------------------------


def baselines_folder(project: Project) -> Path:
    """Return the folder of the project's baselines."""
    return project.root / project.config.change.baselines


def baseline_path(project: Project, name: str) -> Path:
    """Return where the baseline of this name lives."""
    return baselines_folder(project) / f"{check_name(name)}.json"


def list_baselines(project: Project) -> list[Baseline]:
    """Return every baseline of the project, by approval date then name (InputError lists bad files)."""
    folder = baselines_folder(project)
    if not folder.is_dir():
        return []
    found: list[Baseline] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.json")):
        try:
            found.append(read_baseline(path, project.relative(path)))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return sorted(found, key=lambda b: (b.approved_on, b.name))


def find_baseline(project: Project, name: str | None = None) -> Baseline:
    """Return the named baseline, or the latest (the last by approval date, then name)."""
    if name is not None:
        path = baseline_path(project, name)
        if not path.is_file():
            known = ", ".join(b.name for b in list_baselines(project)) or "none yet"
            raise UatkitError(
                f"{project.relative(path)}: no baseline named {name!r} (baselines: {known}); "
                "`uatkit baseline list` shows them"
            )
        return read_baseline(path, project.relative(path))
    every = list_baselines(project)
    if not every:
        raise UatkitError(
            f"{project.relative(baselines_folder(project))}: no baseline yet; freeze the signed scope with "
            '`uatkit baseline create NAME --approved-by "WHO"`'
        )
    return every[-1]


def is_recorded(project: Project, baseline: Baseline) -> bool | None:
    """Return whether the ledger's audit holds the creation of this baseline file: True for its name and
    SHA-256, False when it records creating a baseline of that name with other content (the file was changed
    since), None when it holds no creation of that name (a ledger begun after the baseline: a fresh checkout's
    SQLite ledger, or none)."""
    if not has_ledger(project):
        return None
    sha256 = hashlib.sha256(baseline_path(project, baseline.name).read_bytes()).hexdigest()
    with open_ledger(project) as ledger:
        made = [e.detail.get("sha256") for e in ledger.audit(baseline.name) if e.action == "baseline.create"]
    if not made:
        return None
    return sha256 in made


def _exists(project: Project, path: Path, name: str) -> UatkitError:
    return UatkitError(
        f"{project.relative(path)}: a baseline named {name!r} exists already and a signed baseline is "
        "never replaced; give the new one another name (e.g. R1-v2)"
    )


def uncovered(baseline: Baseline) -> list[str]:
    """Return the case IDs of criteria the features derive no case for (features not generated yet)."""
    return [f"{r.id}.{c.id}" for r in baseline.requirements for c in r.criteria if not c.cases]


def create_baseline(
    project: Project, name: str, approved_by: str, approved_on: dt.date, note: str = ""
) -> tuple[Baseline, Path]:
    """Freeze the catalogue, write `baselines/NAME.json` atomically and record it in the ledger's audit.

    A baseline the client signed is never replaced: an existing file of that name is refused.
    """
    path = baseline_path(project, name)
    if path.exists() or path.is_symlink():
        raise _exists(project, path, name)
    # The latest baseline is what diff, the gate and the certificate compare with: never decided by a name.
    if same_day := [b.name for b in list_baselines(project) if b.approved_on == approved_on]:
        raise UatkitError(
            f"baseline {same_day[0]} was approved on {approved_on.isoformat()} too, so which one is the "
            "latest would be ambiguous; give this one's own approval --date, or, for the same scope in "
            f"another language, `uatkit baseline documents {same_day[0]} --lang LANG`"
        )
    baseline = freeze(project, name, approved_by, approved_on, note)
    text = baseline_text(baseline)
    data = text.encode("utf-8")
    detail = {
        "file": project.relative(path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "digest": baseline.digest,
        "approved_by": baseline.approved_by,
        "approved_on": baseline.approved_on.isoformat(),
        "note": baseline.note,
        "requirements": len(baseline.requirements),
        "commit": baseline.commit,
    }
    # The audit row is recorded first: a busy ledger or a user who may not approve writes no file.
    with open_ledger(project) as ledger:
        try:
            ledger.write_audited(path, data, "baseline.create", name, detail, replace=False)
        except FileExistsError:
            raise _exists(project, path, name) from None
    return baseline, path
