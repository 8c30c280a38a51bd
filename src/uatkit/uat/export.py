"""Plan and write a release's UAT packs: one workbook a module or business owner, earlier marks carried in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from uatkit.atomic import atomic_write_bytes
from uatkit.config import Config
from uatkit.errors import UatkitError
from uatkit.model import Case, Mark, PackGrouping, PackLanguage
from uatkit.uat import layout
from uatkit.uat.celltext import carried_text
from uatkit.uat.pack import NO_TARGET, PackInfo, PackTarget, pack_id
from uatkit.uat.signing import ProjectKey, SignedPack

GROUPINGS = tuple(PackGrouping)
LANGUAGE_CHOICES = tuple(PackLanguage)
#: A release names a folder: letters, digits, dots, dashes, underscores and inner spaces, no "..".
_RELEASE = re.compile(r"\w(?:[\w.\- ]*[\w\-])?")
_RESET_NOTES = {
    PackLanguage.EN: "The scenario changed after your mark of {date} ({status}); please test it again.",
    PackLanguage.ZH_CN: "您于 {date} 记录结果（{status}）之后，该场景已更改，请重新测试。",
}
_UNDATED = {PackLanguage.EN: "earlier", PackLanguage.ZH_CN: "之前"}


@dataclass(frozen=True)
class PlannedPack:
    """A pack about to be written: its identity, file, cases, and what was carried forward or reset.

    `previous` holds each carried mark as its cells hold it (`celltext.carried_text`); `carried_ids` the
    ledger ID of each carried mark, for the ledger to know which rows held which mark. A re-test pack
    (round 2 on) follows the pack `base_id` and holds each row's reason codes and read-only texts in
    `retest`: key -> (codes, reason text, previous mark text).
    """

    info: PackInfo
    path: Path
    cases: tuple[Case, ...]
    carried: int
    reset: int
    previous: Mapping[str, Mark]
    notes: Mapping[str, str]
    carried_ids: Mapping[str, int] = field(default_factory=dict)
    round: int = 1
    base_id: str = ""
    retest: Mapping[str, tuple[tuple[str, ...], str, str]] | None = None


def plan_export(
    config: Config,
    cases: Sequence[Case],
    *,
    release: str,
    by: PackGrouping,
    language: PackLanguage,
    previous: Mapping[str, Mark],
    now: dt.datetime,
    commit: str = "",
    due: dt.date | None = None,
    mark_ids: Mapping[str, int] | None = None,
    target: PackTarget = NO_TARGET,
) -> list[PlannedPack]:
    """Return the packs for `cases`, grouped `by` module or owner; marks of unchanged cases carry forward.

    `mark_ids` gives the ledger ID of each previous mark, named where a text too long for a cell is cut;
    `target` says where and what the business users test.
    """
    ids = mark_ids or {}
    check_release(release)
    if by not in GROUPINGS:
        raise UatkitError(f"cannot group UAT packs by {by!r}; choose {' or '.join(GROUPINGS)}")
    if language not in LANGUAGE_CHOICES:
        raise UatkitError(f"no UAT pack labels in {language!r}; choose {', '.join(LANGUAGE_CHOICES)}")
    folder = config.root / config.uat.packs / release
    project = config.project_name
    planned: list[PlannedPack] = []
    seen: dict[str, str] = {}
    for group, members in group_cases(cases, by).items():
        identity = pack_id(release, group)
        if identity in seen:
            raise UatkitError(
                f"the {by}s {seen[identity]!r} and {group!r} would both be written to {identity}.xlsx; "
                f"rename one of them in the stories"
            )
        seen[identity] = group
        labels = pack_language(members, language)
        carried, notes = carry_forward(members, previous, labels, ids)
        info = PackInfo(
            pack_id=identity,
            release=release,
            group=group,
            owner=_owner(group, members, by),
            language=labels,
            project=project,
            generated_at=now,
            commit=commit,
            due=due,
            schema=layout.SCHEMA_VERSION,
            target=target,
        )
        planned.append(
            PlannedPack(
                info=info,
                path=folder / f"{identity}.xlsx",
                cases=tuple(members),
                carried=len(carried),
                reset=len(notes),
                previous=carried,
                notes=notes,
                carried_ids={key: ids[key] for key in carried if key in ids},
            )
        )
    return planned


def write_packs(
    planned: Sequence[PlannedPack],
    password: str | None = None,
    progress: Callable[[PlannedPack], None] | None = None,
    key: ProjectKey | None = None,
) -> list[SignedPack]:
    """Write every planned pack atomically, signed under `key` when given, calling `progress` after each."""
    from uatkit.uat.workbook import build_signed_pack

    signed: list[SignedPack] = []
    for pack in planned:
        shown = {k: (why, before) for k, (_, why, before) in pack.retest.items()} if pack.retest else None
        data, seal = build_signed_pack(pack.info, pack.cases, pack.previous, pack.notes, password, key, shown)
        atomic_write_bytes(pack.path, data)
        if seal is not None:
            signed.append(seal)
        if progress is not None:
            progress(pack)
    return signed


def carry_forward(
    cases: Sequence[Case],
    previous: Mapping[str, Mark],
    language: str,
    mark_ids: Mapping[str, int] | None = None,
) -> tuple[dict[str, Mark], dict[str, str]]:
    """Return the marks that still hold (scenario unchanged) and a note for each case that changed since.

    A carried mark's texts are what its cells hold: all of each text, or, past Excel's cell limit, its start
    and a note naming the ledger mark (`mark_ids`) that keeps the whole text.
    """
    ids = mark_ids or {}
    carried: dict[str, Mark] = {}
    notes: dict[str, str] = {}
    for case in cases:
        mark = previous.get(case.key)
        if mark is None:
            continue
        if mark.fingerprint == case.fingerprint:
            carried[case.key] = carried_mark(mark, ids.get(case.key), language)
        else:
            notes[case.key] = reset_note(mark, language)
    return carried, notes


def carried_mark(mark: Mark, mark_id: int | None, language: str) -> Mark:
    """Return a mark with its texts as a pack's cells hold them (never cut without a note)."""
    carried = replace(
        mark,
        actual=carried_text(mark.actual, mark_id, language),
        defect=carried_text(mark.defect, mark_id, language),
        tester=carried_text(mark.tester, mark_id, language),
        comments=carried_text(mark.comments, mark_id, language),
    )
    return mark if carried == mark else carried


def reset_note(mark: Mark, language: str) -> str:
    """Return the comment telling a tester their mark no longer counts because the scenario changed."""
    key = PackLanguage.ZH_CN if language == PackLanguage.ZH_CN else PackLanguage.EN
    date = mark.date.isoformat() if mark.date else _UNDATED[key]
    return _RESET_NOTES[key].format(date=date, status=layout.status_label(mark.status, key))


def check_release(release: str) -> None:
    """Refuse a release name that cannot be a folder name of its own (empty, a path, or with "..")."""
    if not release.strip():
        raise UatkitError("the release is empty; name it, e.g. --release R1.0 or [tool.uatkit.uat] release")
    if not _RELEASE.fullmatch(release) or ".." in release:
        raise UatkitError(
            f"the release {release!r} cannot name a folder; use letters, digits, dots, dashes and "
            "underscores (no slashes, no '..'), e.g. R1.0 or 2026-Q4"
        )


def _owner(group: str, cases: Sequence[Case], by: str) -> str:
    owners = dict.fromkeys(case.owner for case in cases if case.owner)
    if by == PackGrouping.OWNER:
        return group if group in owners else ""
    return ", ".join(owners)


def group_cases(cases: Iterable[Case], by: PackGrouping) -> dict[str, list[Case]]:
    """Return cases grouped by module or business owner, groups and cases in first-seen order."""
    groups: dict[str, list[Case]] = {}
    for case in cases:
        name = (case.owner or "Unassigned") if by == PackGrouping.OWNER else case.module
        groups.setdefault(name, []).append(case)
    return groups


def pack_language(cases: Iterable[Case], requested: PackLanguage) -> PackLanguage:
    """Return a pack's label language: the requested one, or with `auto` the one all its cases share."""
    if requested != PackLanguage.AUTO:
        return PackLanguage(requested)
    languages = {c.language for c in cases}
    return PackLanguage.ZH_CN if languages == {PackLanguage.ZH_CN} else PackLanguage.EN
