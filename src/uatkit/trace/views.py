"""How the matrix shows, alike on the page, in the workbook and in the terminal: a view per level cell."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from allure_commons.model2 import Status as AllureStatus

from uatkit.allure.mapping import UAT_WORDS
from uatkit.model import UAT_LAYER, Level
from uatkit.trace.model import (
    LEVELS,
    CaseTrace,
    LevelResult,
    Matrix,
    RequirementTrace,
    RowEvidence,
    short_id,
)

#: The kind of a planned level with no result, and of a level the case is not tagged with.
NOT_RUN = "notrun"
NONE = "none"
#: A UAT row whose marks disagree has the Allure status unknown; the column calls it a conflict.
_CONFLICT = "conflict"
#: How many mark IDs an evidence line names before "…": the detail names them all.
MARKS_SHOWN = 6


@dataclass(frozen=True)
class LevelView:
    """How one level cell shows: its words, kind, a count, a link and a tooltip, and a short form.

    `kind` is an Allure status (passed, failed, broken, skipped, unknown), NOT_RUN or NONE: the page's chip
    class, the workbook's colours and the terminal's mark. `note` tells of stale or conflicting UAT marks.
    `evidence` is what the status rests on in one or two short lines (the run or the mark), `detail` the same
    for every row, one line each (the page's tooltip, the workbook's evidence column).
    """

    word: str = ""
    kind: str = NONE
    count: str = ""
    link: str = ""
    title: str = ""
    short: str = ""
    note: str = ""
    evidence: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class MatrixViews:
    """Every cell of a matrix as it shows, computed once for the page, the workbook and the terminal.

    `summaries[n]` holds the level views of requirement n, one per level in LEVELS order; `cells[n][m]`
    those of its case m.
    """

    summaries: tuple[tuple[LevelView, ...], ...]
    cells: tuple[tuple[tuple[LevelView, ...], ...], ...]


def matrix_views(matrix: Matrix) -> MatrixViews:
    """Return how every requirement's and case's level cells show."""
    return MatrixViews(
        summaries=tuple(tuple(summary_view(r, level) for level in LEVELS) for r in matrix.requirements),
        cells=tuple(
            tuple(tuple(cell_view(matrix, case, level) for level in LEVELS) for case in r.cases)
            for r in matrix.requirements
        ),
    )


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
        evidence=evidence_lines(level, result.evidence, "rows"),
        detail="\n".join(evidence_detail(level, result.evidence)),
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
    # Always a count, also for a requirement of one case: "Pass" alone beside "Pass 3/3" reads as unknown.
    count = f"{len(done)}/{wanted}"
    word = level_word(level, status)
    # The terminal has room for the count only when it tells something: some cases are not there yet.
    short = f"{word} {count}" if len(done) < wanted else word
    found = [e for c in ran for e in c.results[level].evidence]
    noun = "marks" if level == UAT_LAYER else "results"
    return LevelView(
        word,
        status,
        count,
        short=short,
        evidence=evidence_lines(level, found, noun),
        detail="\n".join(evidence_detail(level, found)),
    )


def evidence_lines(level: str, found: Sequence[RowEvidence], noun: str) -> tuple[str, ...]:
    """Return what a cell rests on in two short lines; several results or marks are counted by run or tester.

    "run 3f2a9c1e0a1b · v2.4.1 b77 · staging" / "2026-12-01 14:03 UTC · scenario 1a2b3c4d5e6f";
    "Alice · 2026-12-01 · mark #12" / "pack R1-sales · v2.4.1 b77 UAT · scenario 1a2b3c4d5e6f" (the version,
    build and environment its pack said to test);
    "3 rows: Alice 2026-12-01 ×2, Bob 2026-12-02 ×1" / "pack R1-sales · marks #12, #13, #14".
    """
    if not found:
        return ()
    uat = level == UAT_LAYER
    if len(found) == 1:
        (one,) = found
        scenario = f"scenario {short_id(one.fingerprint)}" if one.fingerprint else "no scenario version"
        if uat:
            mark = f"mark #{one.mark_id}" if one.mark_id is not None else "no mark ID"
            tested = " ".join(p for p in (_version(one), one.environment) if p)
            return (
                f"{_tester(one)} · {one.at or 'no test date'} · {mark}",
                " · ".join(p for p in (f"pack {one.pack_id}", tested, scenario) if p),
            )
        return (run_line(one), f"{_moment(one.at)} · {scenario}")
    groups = Counter(f"{_tester(e)} {e.at}".strip() if uat else run_line(e) for e in found)
    first = f"{len(found)} {noun}: " + ", ".join(f"{group} ×{n}" for group, n in groups.items())
    if uat:
        packs = sorted({e.pack_id for e in found if e.pack_id})
        ids = [f"#{e.mark_id}" for e in found if e.mark_id is not None]
        shown = ", ".join(ids[:MARKS_SHOWN]) + (", …" if len(ids) > MARKS_SHOWN else "")
        where = f"pack {packs[0]}" if len(packs) == 1 else f"{len(packs)} packs"
        return first, f"{where} · marks {shown}" if ids else where
    latest = max((e.at for e in found), default="")
    versions = len({e.fingerprint for e in found if e.fingerprint})
    return first, f"last {_moment(latest)} · {versions} scenario version{'s' if versions != 1 else ''}"


def evidence_detail(level: str, found: Sequence[RowEvidence]) -> list[str]:
    """Return each result's or mark's evidence in one line, named by its case row when there are several."""
    lines = []
    for e in found:
        scenario = f"scenario {short_id(e.fingerprint)}" if e.fingerprint else "no scenario version"
        if level == UAT_LAYER:
            mark = f"mark #{e.mark_id}" if e.mark_id is not None else "no mark ID"
            what = f"{level_word(level, e.status)} by {_tester(e)} on {e.at or 'no test date'}"
            tested = " ".join(p for p in (_version(e), e.environment) if p)
            line = " · ".join(p for p in (what, mark, f"pack {e.pack_id}", tested, scenario) if p)
        else:
            run = f"run {e.run_id}" if e.run_id else "no run ID"
            facts = [_version(e), e.environment, "" if e.recorded or not e.run_id else "no run record"]
            line = " · ".join(p for p in (f"{e.status} in {run}", *facts, _moment(e.at), scenario) if p)
        lines.append(f"{e.key}: {line}" if len(found) > 1 or "#" in e.key else line)
    return lines


def run_line(e: RowEvidence) -> str:
    """Return the run a result came from in a few words: "run 3f2a9c1e0a1b · v2.4.1 b77 · staging"."""
    if not e.run_id:
        return "no run ID"
    parts = [f"run {short_id(e.run_id)}", _version(e), e.environment]
    parts += [] if e.recorded else ["no run record"]
    return " · ".join(p for p in parts if p)


def _version(e: RowEvidence) -> str:
    return " ".join(
        filter(None, (f"v{e.app_version}" if e.app_version else "", f"b{e.app_build}" if e.app_build else ""))
    )


def _tester(e: RowEvidence) -> str:
    return e.tester or "unnamed tester"


def _moment(at: str) -> str:
    """Return an ISO time as the cells show it: "2026-12-01 14:03 UTC" ("no time" for none)."""
    if not at:
        return "no time"
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.utcoffset() == dt.timedelta(0) else "")
