"""Re-test rounds: which cases need the business users again and why, as a re-test pack's rows say it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

from uatkit.model import Case, Mark, PackLanguage, Status
from uatkit.uat import layout
from uatkit.uat.ledger_schema import CaseState

#: Reason codes as the ledger records them, in the order a row lists them; a change adds ":CR-ID".
STALE, FAILED, BLOCKED, CONFLICT, NOT_RUN, CHANGED = (
    "stale",
    "fail",
    "blocked",
    "conflict",
    "not-run",
    "change",
)
_LABELS: dict[str, dict[str, str]] = {
    STALE: {"en": "Scenario changed since the last mark", "zh-CN": "上次记录后场景已更改"},
    FAILED: {"en": "Failed last time", "zh-CN": "上次失败"},
    BLOCKED: {"en": "Blocked last time", "zh-CN": "上次阻塞"},
    CONFLICT: {"en": "Marks in conflict", "zh-CN": "结果相互矛盾"},
    NOT_RUN: {"en": "Not yet run", "zh-CN": "尚未执行"},
    CHANGED: {"en": "Changed by {cr}", "zh-CN": "变更请求 {cr} 已更改需求"},
}
#: A change request's status once approved (`uatkit.change.model.RequestStatus`).
APPROVED = "approved"


class ChangeRequest(Protocol):
    """What a re-test needs of a change request (`uatkit.change.model.ChangeRequest`, read by the CLI)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def decided_on(self) -> dt.date | None: ...
    @property
    def requirements(self) -> tuple[str, ...]: ...


_NO_MARK = {"en": "(none)", "zh-CN": "（无）"}
_NO_TESTER = {"en": "no tester", "zh-CN": "无测试人"}
_NO_DATE = {"en": "no date", "zh-CN": "无日期"}


def retest_id(base_id: str, number: int) -> str:
    """Return a re-test pack's ID: the pack it follows and its round, `R1-sales-r2`."""
    return f"{base_id}-r{number}"


def approved_changes(requests: Sequence[ChangeRequest]) -> dict[str, list[ChangeRequest]]:
    """Return the approved change requests naming each requirement, in ID order."""
    by_requirement: dict[str, list[ChangeRequest]] = {}
    for request in requests:
        if request.status == APPROVED:
            for requirement in dict.fromkeys(request.requirements):
                by_requirement.setdefault(requirement, []).append(request)
    return by_requirement


def reasons(
    case: Case,
    state: CaseState | None,
    changes: Mapping[str, Sequence[ChangeRequest]],
    since: dt.date | None,
) -> tuple[str, ...]:
    """Return why a case needs testing again (no reason: it passed, or is N/A, and is current).

    A change request counts when it was decided after `since` (the day the case's pack was last issued),
    or, with no pack issued, after the case's current mark was made.
    """
    found: list[str] = []
    mark = state.mark if state is not None else None
    if state is not None and state.conflict:
        found.append(CONFLICT)
    elif mark is None:
        found.append(NOT_RUN)
    else:
        if state is not None and state.stale:
            found.append(STALE)
        if mark.status is Status.FAIL:
            found.append(FAILED)
        elif mark.status is Status.BLOCKED:
            found.append(BLOCKED)
        elif mark.status is Status.NOT_RUN:
            found.append(NOT_RUN)
    after = since if since is not None else (mark.date if mark is not None else None)
    for request in changes.get(case.requirement, ()):
        decided = request.decided_on
        if after is None or (decided is not None and decided > after):
            found.append(f"{CHANGED}:{request.id}")
    return tuple(found)


def reason_text(codes: Sequence[str], language: str) -> str:
    """Return a row's reasons as its "Re-test because" cell says them, one a line."""
    lang = _lang(language)
    lines = []
    for code in codes:
        name, _, request = code.partition(":")
        lines.append(_LABELS[name][lang].format(cr=request))
    return "\n".join(lines)


def previous_text(state: CaseState | None, language: str) -> str:
    """Return the mark(s) a re-test row replaces, as its "Previous mark" cell shows them."""
    lang = _lang(language)
    if state is None:
        return _NO_MARK[lang]
    marks = state.conflict or ((state.mark,) if state.mark is not None else ())
    return "\n".join(_mark_text(mark, lang) for mark in marks) or _NO_MARK[lang]


def _mark_text(mark: Mark, lang: str) -> str:
    date = mark.date.isoformat() if mark.date else _NO_DATE[lang]
    tester = mark.tester or _NO_TESTER[lang]
    return f"{layout.status_label(mark.status, lang)} · {tester} · {date}"


def _lang(language: str) -> str:
    return PackLanguage.ZH_CN.value if language == PackLanguage.ZH_CN else PackLanguage.EN.value
