"""How the matrix shows, alike on the page, in the workbook and in the terminal: a view per level cell."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from allure_commons.model2 import Status as AllureStatus

from uatkit.allure.mapping import UAT_WORDS
from uatkit.model import UAT_LAYER, Level
from uatkit.trace.model import CaseTrace, LevelResult, Matrix, RequirementTrace

#: The kind of a planned level with no result, and of a level the case is not tagged with.
NOT_RUN = "notrun"
NONE = "none"
#: A UAT row whose marks disagree has the Allure status unknown; the column calls it a conflict.
_CONFLICT = "conflict"


@dataclass(frozen=True)
class LevelView:
    """How one level cell shows: its words, kind, a count, a link and a tooltip, and a short form.

    `kind` is an Allure status (passed, failed, broken, skipped, unknown), NOT_RUN or NONE: the page's chip
    class, the workbook's colours and the terminal's mark. `note` tells of stale or conflicting UAT marks.
    """

    word: str = ""
    kind: str = NONE
    count: str = ""
    link: str = ""
    title: str = ""
    short: str = ""
    note: str = ""


def result_link(allure_report: str, result: LevelResult) -> str:
    """Return the link that opens a result in the Allure 3 report ("" without a report or a result)."""
    # Allure 3 gives each test result the id md5(uuid) and the awesome report opens it at index.html#<id>.
    if not allure_report or not result.result_uuid:
        return ""
    return f"{allure_report}#{hashlib.md5(result.result_uuid.encode()).hexdigest()}"


def level_word(level: str, status: str) -> str:
    """Return a status as the column shows it: Allure's words, the pack's words for UAT."""
    if level != UAT_LAYER:
        return status
    return _CONFLICT if status == AllureStatus.UNKNOWN else UAT_WORDS.get(status, status)


def tagged(case: CaseTrace) -> tuple[str, ...]:
    """Return the levels a case is tagged with, and uat when UAT covers a case that is not manual."""
    uat = case.uat_required and Level.MANUAL not in case.planned
    return (*case.planned, *((UAT_LAYER,) if uat else ()))


def _planned(case: CaseTrace, level: str) -> bool:
    return level in case.planned or (level == UAT_LAYER and case.uat_required)


def cell_view(matrix: Matrix, case: CaseTrace, level: str) -> LevelView:
    """Return how one case's level cell shows: its words, kind, a count, a link and a tooltip."""
    result = case.results.get(level, LevelResult(level))
    uat = level == UAT_LAYER
    stale = case.stale if uat else result.stale
    parts = [f"{stale} stale"] if stale else []
    parts += [f"{case.conflicts} in conflict"] if uat and case.conflicts else []
    note = ", ".join(parts)
    if not result.status:
        gap = "stale" if stale else _CONFLICT if uat and case.conflicts else ""
        word = gap or ("not run" if _planned(case, level) else "")
        return LevelView(word, NOT_RUN if word else NONE, note=note)
    wanted = max(case.rows, result.runs)
    return LevelView(
        word=level_word(level, result.status),
        kind=result.status,
        count=f"{result.passed}/{wanted}" if wanted > 1 else "",
        link=result_link(matrix.allure_report, result),
        title=result.message,
        note=note,
    )


def summary_view(requirement: RequirementTrace, level: str) -> LevelView:
    """Return how a requirement's level cell shows: the worst status and how many cases have one."""
    planned = [c for c in requirement.cases if _planned(c, level)]
    ran = [c for c in requirement.cases if c.results.get(level, LevelResult(level)).status]
    good = (AllureStatus.PASSED, AllureStatus.SKIPPED) if level == UAT_LAYER else (AllureStatus.PASSED,)
    done = [c for c in ran if c.results[level].status in good]
    status = requirement.levels.get(level, "")
    if not status:
        stale = sum(c.results.get(level, LevelResult(level)).stale for c in planned)
        if stale:
            return LevelView("stale", NOT_RUN, short="stale", note=f"{stale} stale")
        return LevelView("not run", NOT_RUN, short="not run") if planned else LevelView()
    wanted = max(len(planned), len(ran))
    count = f"{len(done)}/{wanted}" if len(done) < wanted or wanted > 1 else ""
    word = level_word(level, status)
    # The terminal has room for the count only when it tells something: some cases are not there yet.
    short = f"{word} {count}" if len(done) < wanted else word
    return LevelView(word, status, count, short=short)
