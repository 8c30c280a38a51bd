"""Write UAT marks as Allure results, mapped like the automated runs of the same scenarios (layer uat)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import mimetypes
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allure_commons.model2 import Status as AllureStatus
from allure_commons.types import LabelType

import uatkit
from uatkit.allure.mapping import (
    BUSINESS_OWNER_LABEL,
    CASE_KEY_LABEL,
    CASE_LABEL,
    FINGERPRINT_LABEL,
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
from uatkit.atomic import PARTIAL_MARKER, atomic_write_bytes, fresh_folder, staging_folder
from uatkit.cases import numbered, select_cases
from uatkit.config import Config
from uatkit.errors import UatkitError
from uatkit.model import UAT_LAYER, Case, Mark
from uatkit.project import Project
from uatkit.secrets import secret_rules
from uatkit.uat.ledger import CaseState, Ledger, LedgerState, PackSummary
from uatkit.uat.ledger_db import LedgerBusy

#: A case that needs UAT and has no mark yet: its result's message starts so, and it carries this tag.
AWAITING = "Awaiting UAT"
AWAITING_TAG = "awaiting-uat"


def write_uat_results(
    config: Config,
    cases: Sequence[Case],
    states: Sequence[CaseState],
    ledger: Ledger,
    out: Path,
    *,
    rebuild: bool = False,
) -> int:
    """Bring the Allure results in `out` up to date, one result a case needing UAT; return how many there are.

    A marked case's result says its mark; a case that needs UAT (selected by `[tool.uatkit.uat] select`, or
    issued in a pack) and has no mark yet is "awaiting UAT": skipped, never passed or failed, saying which
    pack holds it. Each evidence file is written once per content (named by its SHA-256), however many
    marks name it.

    Only the results whose case, mark, conflict or pack changed since the last write are written again
    (the folder's index says what each file was written from); the folder ends exactly as a full rebuild
    would leave it. A full rebuild happens with `rebuild`, or when the folder or its index is missing,
    unreadable or does not list exactly the files there.
    """
    try:
        return _write(config, cases, states, ledger, out, rebuild)
    except (UatkitError, OSError) as exc:
        reason = exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)
        raise ResultsNotWritten(
            f"the UAT results could not be written ({reason}); what was recorded stays in the ledger: "
            f"make {out} a folder that can be written (or move what is there away) and run "
            "`uatkit uat import` again to write them"
        ) from None


def update_results(project: Project, ledger: Ledger, *, rebuild: bool = False) -> int:
    """Bring the project's UAT results up to date with the ledger (all of them with `rebuild`).

    The ledger's write lock is held meanwhile: the results match one state of the ledger, and two
    commands never change the folder at once.
    """
    with results_held(project, ledger, rebuild=rebuild) as (written, _):
        return written


@contextmanager
def results_held(
    project: Project, ledger: Ledger, *, rebuild: bool = False
) -> Iterator[tuple[int, LedgerState]]:
    """Bring the project's UAT results up to date with the ledger and keep its write lock for the block:
    yield how many results there are and the ledger's state they were written from.

    Only reads the ledger: on PostgreSQL the lock is an advisory lock, which a read-only user may take.
    """
    with ExitStack() as held:
        try:
            held.enter_context(ledger.exclusive())
            states = ledger.states(project.fingerprints)
            written = write_uat_results(
                project.config, project.cases, states, ledger, project.uat_results, rebuild=rebuild
            )
            state = ledger.state()
        except (sqlite3.OperationalError, LedgerBusy) as exc:
            # Another command held the ledger longer than [tool.uatkit.uat] busy_timeout.
            why = "the ledger's write lock was not free in time" if isinstance(exc, LedgerBusy) else exc
            raise ResultsNotWritten(
                f"the UAT results could not be written ({why}: another uatkit command is using the ledger); "
                "what was recorded stays in the ledger: run the command again when it is done to "
                "write them"
            ) from None
        yield written, state


class ResultsNotWritten(UatkitError):
    """The ledger was updated, but the UAT results for Allure could not be written."""


#: The folder's index: what each result was written from. Hidden, so Allure and `report` never read it.
INDEX_FILE = ".uatkit-index.json"
#: Changes when what a result holds changes for the same inputs: every folder is then rebuilt.
_INDEX_FORMAT = 1


@dataclass(frozen=True)
class _Planned:
    """One result the folder must hold: its case, what it is written from, and that input's digest."""

    case: Case
    state: CaseState | None
    pack: PackSummary | None
    evidence: tuple[tuple[str, str], ...]
    digest: str


@dataclass
class _Index:
    """What a folder holds: by case key, the digest its result was written from, its file, attachments."""

    environment: str
    results: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)

    def files(self) -> set[str]:
        """Return every file name the index accounts for: results and their attachments."""
        names = {name for _, name, _ in self.results.values()}
        return names | self.attachments()

    def attachments(self) -> set[str]:
        """Return the attachment files the results point at."""
        return {a for _, _, attached in self.results.values() for a in attached}

    def dumps(self) -> bytes:
        """Return the index as JSON."""
        body = {
            "format": _INDEX_FORMAT,
            "environment": self.environment,
            "results": {
                key: [digest, name, list(files)] for key, (digest, name, files) in self.results.items()
            },
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _plan(
    config: Config, cases: Sequence[Case], states: Sequence[CaseState], ledger: Ledger
) -> list[_Planned]:
    """Return the results the folder must hold, in case order, each with the digest of what it says."""
    by_key = {state.key: state for state in states}
    issued = _issued(ledger.packs())
    needed = {c.key for c in select_cases(cases, config.uat.select)} | issued.keys()
    evidence = ledger.evidence_index()
    planned = []
    for case in cases:
        state = by_key.get(case.key)
        if state is None or (state.mark is None and not state.conflict):
            if case.key not in needed:
                continue  # no business user is asked to test it: nothing to report
            pack = issued.get(case.key)
            # Only what an awaiting result says of its pack counts.
            said = (pack.pack_id, pack.info.owner, pack.info.generated_at) if pack else None
            source = repr(("awaiting", case, said))
            planned.append(_Planned(case, None, pack, (), _digest(source)))
            continue
        files = tuple(evidence.get(state.mark_id, ())) if state.mark is not None and state.mark_id else ()
        source = repr(("marked", case, state, files))
        planned.append(_Planned(case, state, None, files, _digest(source)))
    return planned


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _environment(config: Config) -> str:
    """Return the digest of what every result depends on beyond its case: configuration and writers."""
    import allure_commons

    writers = (uatkit.__version__, getattr(allure_commons, "__version__", ""), _INDEX_FORMAT)
    return _digest(repr((config, writers)))


def _write(
    config: Config,
    cases: Sequence[Case],
    states: Sequence[CaseState],
    ledger: Ledger,
    out: Path,
    rebuild: bool,
) -> int:
    planned = _plan(config, cases, states, ledger)
    environment = _environment(config)
    index = None if rebuild else _read_index(out, environment)
    if index is None:
        _rebuild(config, planned, ledger, out, environment)
    else:
        _update(config, planned, ledger, out, index)
    return len(planned)


def _ours(name: str) -> bool:
    """Return True for a file an earlier write left in the folder; nothing else there is touched."""
    return name.endswith(("-result.json", "-container.json")) or "-attachment." in name


def _rebuild(
    config: Config, planned: Sequence[_Planned], ledger: Ledger, out: Path, environment: str
) -> None:
    """Write every result into a new folder and swap it in for `out`."""
    # Built beside the old folder and swapped in: a failure part-way leaves the previous results whole.
    # Files uatkit did not write there (an executor.json, notes) move over unchanged.
    with fresh_folder(out, lambda _: True) as work:
        if out.is_dir():
            for kept in out.iterdir():
                if kept.is_file() and not _ours(kept.name) and kept.name != INDEX_FILE:
                    shutil.copy2(kept, work / kept.name)
        index = _Index(environment)
        _report(config, planned, ledger, work, set(), index)
        atomic_write_bytes(work / INDEX_FILE, index.dumps())


def _update(config: Config, planned: Sequence[_Planned], ledger: Ledger, out: Path, index: _Index) -> None:
    """Write only the results whose inputs changed; remove the ones superseded and attachments left over."""
    wanted = {item.case.key for item in planned}
    changed = [item for item in planned if index.results.get(item.case.key, ("",))[0] != item.digest]
    gone = [key for key in index.results if key not in wanted]
    if not changed and not gone:
        return
    old = {key: index.results[key] for key in [*(i.case.key for i in changed), *gone] if key in index.results}
    for key in gone:
        del index.results[key]
    with staging_folder(out) as work:
        _report(config, changed, ledger, work, index.attachments(), index)
        # Without its index the folder counts as unknown: a run cut short below is rebuilt next time.
        (out / INDEX_FILE).unlink(missing_ok=True)
        for written in sorted(work.iterdir()):
            if written.name != PARTIAL_MARKER:
                os.replace(written, out / written.name)
        for _, name, _ in old.values():
            (out / name).unlink(missing_ok=True)
        for name in {a for _, _, attached in old.values() for a in attached} - index.attachments():
            (out / name).unlink(missing_ok=True)
        atomic_write_bytes(out / INDEX_FILE, index.dumps())


def _report(
    config: Config,
    planned: Sequence[_Planned],
    ledger: Ledger,
    folder: Path,
    attached: set[str],
    index: _Index,
) -> None:
    """Write the planned results (and attachments not in `attached`) into `folder`; record them in `index`."""
    from allure_commons.logger import AllureFileLogger

    # allure-python-commons is untyped; its writer is used through its hook methods only.
    logger: Any = AllureFileLogger(str(folder))  # type: ignore[no-untyped-call]
    # Step text and test data say passwords in words (with password "s3cret"): masked as everywhere.
    rules = secret_rules(config.secrets.fields, config.secrets.env)
    for item in planned:
        if item.state is None:
            result = _awaiting(config, item.case, item.pack)
        else:
            result = _result(config, item.case, item.state, item.evidence, ledger, logger, attached)
        mask_result(result, rules)
        # The file is named by the result's UUID (Allure's convention), so the index knows which it is.
        name = result.file_pattern.format(prefix=result.uuid)
        result.file_pattern = name
        logger.report_result(result)
        sources = tuple(dict.fromkeys(a.source for a in result.attachments))
        index.results[item.case.key] = (item.digest, name, sources)


def _read_index(out: Path, environment: str) -> _Index | None:
    """Return the folder's index when it lists exactly the results and attachments there, else None."""
    try:
        body = json.loads((out / INDEX_FILE).read_bytes())
        if body.get("format") != _INDEX_FORMAT or body.get("environment") != environment:
            return None
        results = {
            key: (digest, name, tuple(attached)) for key, (digest, name, attached) in body["results"].items()
        }
        if not all(
            isinstance(name, str) and "/" not in name and "\\" not in name for _, name, _ in results.values()
        ):
            return None  # a name that is not a file of the folder itself is never removed
        present = {entry.name for entry in os.scandir(out) if _ours(entry.name) and entry.is_file()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    index = _Index(environment, results)
    return index if present == index.files() else None


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
    config: Config,
    case: Case,
    state: CaseState,
    evidence: Sequence[tuple[str, str]],
    ledger: Ledger,
    logger: Any,
    attached: set[str],
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
        if state.mark.fingerprint:
            # The scenario version the mark was made against: `uatkit report` judges it against the current.
            labels += [Label(CASE_KEY_LABEL, case.key), Label(FINGERPRINT_LABEL, state.mark.fingerprint)]
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
        result.attachments = _attach(ledger, evidence, logger, attached)
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
            where.append(f"file {_relative(config, mark.source.path)}")
        parts.append("Marked in " + ", ".join(w for w in where if w))
    return "\n\n".join(parts)


def _relative(config: Config, path: str) -> str:
    """Return a pack file's path as the project names it (a pack's thousand rows name one file)."""
    return _relative_to(config.root, path)


@functools.lru_cache(maxsize=256)
def _relative_to(root: Path, path: str) -> str:
    return Config(root=root).relative(Path(path))


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
