"""Write UAT marks as Allure results, mapped like the automated runs of the same scenarios (layer uat)."""

from __future__ import annotations

import datetime as dt
import mimetypes
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from allure_commons.model2 import Status as AllureStatus
from allure_commons.types import LabelType

from uatkit.allure.mapping import (
    BUSINESS_OWNER_LABEL,
    CASE_LABEL,
    LAYER_LABEL,
    MODULE_LABEL,
    OWNER_LABEL,
    UAT_STATUS,
    AllureInfo,
    case_info,
    defect_ids,
    stable_test_case_id,
)
from uatkit.allure.masking import mask_result
from uatkit.atomic import fresh_folder
from uatkit.cases import numbered, select_cases
from uatkit.config import Config
from uatkit.errors import UatkitError
from uatkit.model import UAT_LAYER, Case, Mark
from uatkit.secrets import secret_rules
from uatkit.uat.ledger import CaseState, Ledger, PackSummary

#: A case that needs UAT and has no mark yet: its result's message starts so, and it carries this tag.
AWAITING = "Awaiting UAT"
AWAITING_TAG = "awaiting-uat"
#: What a previous write left in the folder; nothing else there is touched.
_OUR_FILES = ("*-result.json", "*-container.json", "*-attachment.*")


def write_uat_results(
    config: Config, cases: Sequence[Case], states: Sequence[CaseState], ledger: Ledger, out: Path
) -> int:
    """Replace the Allure results in `out` with one result a case needing UAT; return how many were written.

    A marked case's result says its mark; a case that needs UAT (selected by `[tool.uatkit.uat] select`, or
    issued in a pack) and has no mark yet is "awaiting UAT": skipped, never passed or failed, saying which
    pack holds it. Each evidence file is written once per content (named by its SHA-256), however many
    marks name it.
    """
    try:
        return _write(config, cases, states, ledger, out)
    except (UatkitError, OSError) as exc:
        reason = exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)
        raise ResultsNotWritten(
            f"the UAT results could not be written ({reason}); what was recorded stays in the ledger: "
            f"make {out} a folder that can be written (or move what is there away) and run "
            "`uatkit uat import` again to write them"
        ) from None


class ResultsNotWritten(UatkitError):
    """The ledger was updated, but the UAT results for Allure could not be written."""


def _write(
    config: Config, cases: Sequence[Case], states: Sequence[CaseState], ledger: Ledger, out: Path
) -> int:
    from allure_commons.logger import AllureFileLogger

    def earlier(path: Path) -> bool:
        return any(path.match(pattern) for pattern in _OUR_FILES)

    # Built beside the old folder and swapped in: a failure part-way leaves the previous results whole.
    # Files uatkit did not write there (an executor.json, notes) move over unchanged.
    with fresh_folder(out, lambda _: True) as work:
        if out.is_dir():
            for kept in out.iterdir():
                if kept.is_file() and not earlier(kept):
                    shutil.copy2(kept, work / kept.name)
        # allure-python-commons is untyped; its writer is used through its hook methods only.
        logger: Any = AllureFileLogger(str(work))  # type: ignore[no-untyped-call]
        by_key = {state.key: state for state in states}
        attached: set[str] = set()
        # Step text and test data say passwords in words (with password "s3cret"): masked as everywhere.
        rules = secret_rules(config.secrets.fields, config.secrets.env)
        written = 0
        issued = _issued(ledger.packs())
        needed = {c.key for c in select_cases(cases, config.uat.select)} | issued.keys()
        for case in cases:
            state = by_key.get(case.key)
            if state is None or (state.mark is None and not state.conflict):
                if case.key not in needed:
                    continue  # no business user is asked to test it: nothing to report
                result = _awaiting(config, case, issued.get(case.key))
            else:
                result = _result(config, case, state, ledger, logger, attached)
            mask_result(result, rules)
            logger.report_result(result)
            written += 1
    return written


def _issued(packs: Sequence[PackSummary]) -> dict[str, PackSummary]:
    """Return each case row's latest pack (the one a business user holds now)."""
    latest: dict[str, PackSummary] = {}
    for pack in packs:
        for row in pack.rows:
            held = latest.get(row.key)
            if held is None or (_utc(pack.info.generated_at), pack.round) > (
                _utc(held.info.generated_at),
                held.round,
            ):
                latest[row.key] = pack
    return latest


def _utc(when: dt.datetime) -> dt.datetime:
    """Return a time in UTC; a time without a zone (a pack written by hand) is taken as UTC."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _awaiting(config: Config, case: Case, pack: PackSummary | None) -> Any:
    """Return the result of a case that needs UAT and has no mark yet: skipped, saying where it waits."""
    from allure_commons.model2 import Link, Parameter, StatusDetails, TestResult

    info = case_info(config, case, UAT_LAYER, [])
    labels = _labels(info)
    labels.append(_label(LabelType.TAG, AWAITING_TAG))
    if pack is not None:
        issued = _utc(pack.info.generated_at)
        owner = f" to {pack.info.owner}" if pack.info.owner else ""
        note = f"{AWAITING}: issued{owner} in pack {pack.pack_id} on {issued.date().isoformat()}; no mark yet"
        start: int | None = int(issued.timestamp() * 1000)
    else:
        note = f"{AWAITING}: not issued in a pack yet (uatkit uat export); no mark yet"
        start = None
    return TestResult(
        uuid=str(uuid.uuid4()),
        name=f"{case.scenario} [{UAT_LAYER}]",
        fullName=f"{case.source.path}:{case.key} [{UAT_LAYER}]",
        historyId=stable_test_case_id(case.key, UAT_LAYER),
        testCaseId=info.test_case_id,
        status=AllureStatus.SKIPPED,
        statusDetails=StatusDetails(message=note),
        stage="finished",
        description=_description(config, case, ()),
        labels=labels,
        links=[Link(type=kind, url=url, name=name) for url, name, kind in info.links],
        parameters=[Parameter(name=n, value=v) for n, v in _parameters(case.test_data)],
        start=start,
        stop=start,
    )


def _label(name: str, value: str) -> Any:
    from allure_commons.model2 import Label

    return Label(name, value)


def _labels(info: AllureInfo) -> list[Any]:
    """Return the labels every UAT result of a case carries."""
    labels = [
        _label(LabelType.EPIC, info.epic),
        _label(LabelType.FEATURE, info.feature),
        _label(LabelType.STORY, info.story),
        _label(LAYER_LABEL, info.layer),
        _label(LabelType.SEVERITY, info.severity.value),
        _label(CASE_LABEL, info.case_id),
        _label(LabelType.TAG, UAT_LAYER),
        *(_label(LabelType.TAG, tag) for tag in dict.fromkeys(info.tags) if tag != UAT_LAYER),
    ]
    if info.module:
        labels.append(_label(MODULE_LABEL, info.module))
    if info.owner:
        labels.append(_label(BUSINESS_OWNER_LABEL, info.owner))
    return labels


def _result(
    config: Config, case: Case, state: CaseState, ledger: Ledger, logger: Any, attached: set[str]
) -> Any:
    from allure_commons.model2 import Label, Link, Parameter, StatusDetails, TestResult

    marks = state.conflict or ((state.mark,) if state.mark else ())
    defects = list(dict.fromkeys(d for m in marks for d in defect_ids(m.defect)))
    info = case_info(config, case, UAT_LAYER, defects)
    labels = _labels(info)
    status, message = _status(state)
    if state.mark is not None:
        if state.mark.tester:
            labels.append(Label(OWNER_LABEL, state.mark.tester))
        if state.stale:
            labels.append(Label(LabelType.TAG, "stale"))
    else:
        labels.append(Label(LabelType.TAG, "conflict"))
    start = _midnight_ms(marks[0].date)
    result = TestResult(
        uuid=str(uuid.uuid4()),
        name=f"{case.scenario} [{UAT_LAYER}]",
        fullName=f"{case.source.path}:{case.key} [{UAT_LAYER}]",
        # Outline rows share a testCaseId (the case) but each keeps its own history.
        historyId=stable_test_case_id(case.key, UAT_LAYER),
        testCaseId=info.test_case_id,
        status=status,
        statusDetails=StatusDetails(message=message or None, trace=_trace(marks) or None),
        stage="finished",
        description=_description(config, case, marks),
        labels=labels,
        links=[Link(type=kind, url=url, name=name) for url, name, kind in info.links],
        parameters=[Parameter(name=n, value=v) for n, v in _parameters(case.test_data)],
        start=start,
        stop=start,
    )
    if state.mark is not None and state.mark_id is not None:
        result.attachments = _attach(ledger, ledger.evidence_files(state.mark_id), logger, attached)
    return result


def _status(state: CaseState) -> tuple[str, str]:
    if state.conflict:
        listed = "; ".join(
            f"mark #{i} {m.status.value} by {m.tester or 'an unnamed tester'} in {m.pack_id}"
            + (f" (row {m.source.row})" if m.source and m.source.row else "")
            for i, m in zip(state.conflict_ids, state.conflict, strict=True)
        )
        when = state.conflict[0].date.isoformat() if state.conflict[0].date else "the same day"
        note = (
            f"Marks of {when} disagree: {listed}; test again, or keep one with "
            f"uatkit uat resolve {state.key} --keep MARK-ID --by NAME --reason TEXT"
        )
        return AllureStatus.UNKNOWN, note
    assert state.mark is not None
    mark = state.mark
    if state.stale:
        when = f" on {mark.date.isoformat()}" if mark.date else ""
        note = f"Marked {mark.status.value}{when} against an older version of this scenario; test it again"
        return AllureStatus.UNKNOWN, "\n\n".join(filter(None, (note, mark.actual)))
    return UAT_STATUS.get(mark.status, AllureStatus.UNKNOWN), mark.actual


def _trace(marks: Sequence[Mark]) -> str:
    if len(marks) == 1:
        return marks[0].comments
    return "\n".join(f"{m.pack_id}: {m.comments}" for m in marks if m.comments)


def _description(config: Config, case: Case, marks: Sequence[Mark]) -> str:
    parts = []
    for title, lines in (
        ("Preconditions", case.preconditions),
        ("Steps", case.steps),
        ("Expected result", case.expected),
    ):
        if lines:
            parts.append(f"{title}:\n{numbered(lines)}")
    if case.test_data:
        parts.append(f"Test data:\n{case.test_data}")
    for mark in marks:
        where = [f"pack {mark.pack_id}"]
        if mark.source is not None:
            where += [mark.source.sheet or "", f"row {mark.source.row}" if mark.source.row else ""]
            where.append(f"file {config.relative(Path(mark.source.path))}")
        parts.append("Marked in " + ", ".join(w for w in where if w))
    return "\n\n".join(parts)


def _parameters(test_data: str) -> list[tuple[str, str]]:
    out = []
    for line in test_data.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            out.append((name.strip(), value.strip()))
    return out


def _midnight_ms(date: dt.date | None) -> int | None:
    if date is None:
        return None
    return int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp() * 1000)


def _attach(ledger: Ledger, files: Sequence[tuple[str, str]], logger: Any, attached: set[str]) -> list[Any]:
    """Return a mark's attachments; write each content once (`attached` holds the files written)."""
    from allure_commons.model2 import ATTACHMENT_PATTERN, Attachment

    attachments = []
    for name, digest in files:
        extension, mime = _kind(name)
        # Content-addressed: a screenshot named by a thousand rows is one file, not a thousand copies.
        source = ATTACHMENT_PATTERN.format(prefix=digest, ext=extension)
        if source not in attached:
            logger.report_attached_data(body=ledger.evidence_content(digest), file_name=source)
            attached.add(source)
        attachments.append(Attachment(name=name, source=source, type=mime))
    return attachments


def _kind(name: str) -> tuple[str, str]:
    from allure_commons.types import AttachmentType

    suffix = Path(name).suffix.lower().lstrip(".")
    # Only a plain suffix goes into the file name Allure reads; anything else is kept as bytes.
    extension = suffix if suffix.isalnum() and suffix.isascii() else "bin"
    known = {t.extension: t.mime_type for t in AttachmentType}
    mime = mimetypes.guess_type(f"x.{extension}")[0] or known.get(extension) or "application/octet-stream"
    return extension, mime
