"""Read Allure result files back: the few facts the merge, the matrix and the sign-off need from them."""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from allure_commons.model2 import Status as AllureStatus
from allure_commons.types import LinkType

from uatkit.allure.mapping import CASE_KEY_LABEL, CASE_LABEL, FINGERPRINT_LABEL, LAYER_LABEL
from uatkit.allure.runs import RUN_LABEL
from uatkit.errors import Problem, UatkitError
from uatkit.model import SourceLocation

#: Allure statuses, worst first: a case that failed at a level once is failed at that level.
STATUS_ORDER: tuple[str, ...] = (
    AllureStatus.FAILED,
    AllureStatus.BROKEN,
    AllureStatus.UNKNOWN,
    AllureStatus.SKIPPED,
    AllureStatus.PASSED,
)


@dataclass(frozen=True)
class ResultRecord:
    """One Allure test result as read from a `*-result.json` file."""

    path: Path
    uuid: str
    history_id: str
    name: str
    status: str
    start: int
    stop: int
    case_id: str
    layer: str
    links: tuple[tuple[str, str, str], ...]
    message: str
    #: The attachment files the result points at, in its steps and fixtures too.
    attachments: frozenset[str] = frozenset()
    #: The case row it ran (REQ-101.AC-5#2) and that row's fingerprint as it ran ("" when not recorded).
    case_key: str = ""
    fingerprint: str = ""
    #: The pytest run that wrote it (its run record's ID; "" when the result names none).
    run_id: str = ""

    @property
    def defects(self) -> tuple[str, ...]:
        """Return the names of the result's issue links (defect IDs)."""
        return tuple(name for name, _url, kind in self.links if kind == LinkType.ISSUE)


def expand_folders(root: Path, patterns: Iterable[str]) -> list[Path]:
    """Return the folders that results patterns (globs relative to `root`) match, in order, each once."""
    # The root is escaped: a project folder named like "acme [v2]" is a path, not a pattern.
    base = Path(glob.escape(str(root)))
    found = [Path(p) for pattern in patterns for p in sorted(glob.glob(str(base / pattern)))]
    return list(dict.fromkeys(p for p in found if p.is_dir()))


def result_files(folders: Iterable[Path]) -> list[Path]:
    """Return every `*-result.json` in the folders, sorted; a folder that does not exist is an error."""
    files: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            raise UatkitError(f"{folder}: no such results folder; run the tests with --alluredir {folder}")
        # By name: the same order as the paths', without comparing Path objects (a third of the listing).
        files += sorted(folder.glob("*-result.json"), key=lambda path: path.name)
    return files


#: The deepest nesting of objects and lists read: real results nest steps a few dozen deep at most.
MAX_DEPTH = 200


def read_result(path: Path, problems: list[Problem]) -> ResultRecord | None:
    """Read one result file; an unreadable one becomes a problem and None."""
    try:
        text = path.read_text(encoding="utf-8")
        data: dict[str, Any] = load_json(text)
        # Only a file naming a "source" (or escaping a key's letters) can point at an attachment.
        return _record(path, data, walk='"source"' in text or "\\u" in text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, TypeError, ValueError) as exc:
        # A file of the right name but the wrong shape (a list, a text start time) is skipped, not a crash.
        problems.append(
            Problem(SourceLocation(str(path)), f"not an Allure result: {exc}", "delete it or rerun")
        )
        return None


def load_json(text: str) -> Any:
    """Parse JSON no deeper than MAX_DEPTH; deeper (the walks over it recurse) is a ValueError."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(f"it nests objects and lists more than {MAX_DEPTH} deep") from None
    # No more opening brackets than the limit (inside strings too) cannot nest deeper: most results.
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return data
    # Else the depth is read from the brackets outside strings, innermost pairs removed a level a pass:
    # far cheaper than walking the parsed objects, and iterative, so it cannot run out of stack.
    shape = _NOT_BRACKETS.sub("", text)
    for _ in range(MAX_DEPTH):
        if not shape:
            return data
        shape = _INNERMOST.sub("", shape)
    if not shape:
        return data
    raise ValueError(f"it nests objects and lists more than {MAX_DEPTH} deep")


#: A JSON string (escapes included) or a run of characters that are no brackets: what the depth ignores.
_NOT_BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[^"\[\]{}]+', re.S)
_INNERMOST = re.compile(r"\{\}|\[\]")


def _record(path: Path, data: dict[str, Any], *, walk: bool = True) -> ResultRecord:
    labels = tuple((str(x.get("name", "")), str(x.get("value", ""))) for x in data.get("labels") or [])
    links = tuple(
        (str(x.get("name", "")), str(x.get("url", "")), str(x.get("type", "")))
        for x in data.get("links") or []
    )
    details = data.get("statusDetails") or {}
    record = ResultRecord(
        path=path,
        uuid=str(data.get("uuid", "")),
        history_id=str(data.get("historyId", "")),
        name=str(data.get("name", "")),
        status=str(data.get("status") or AllureStatus.UNKNOWN),
        start=int(data.get("start") or 0),
        stop=int(data.get("stop") or 0),
        case_id=next((v for k, v in labels if k == CASE_LABEL), ""),
        layer=next((v for k, v in labels if k == LAYER_LABEL), ""),
        links=links,
        message=str(details.get("message") or ""),
        attachments=frozenset(_sources(data)) if walk else frozenset(),
        case_key=next((v for k, v in labels if k == CASE_KEY_LABEL), ""),
        fingerprint=next((v for k, v in labels if k == FINGERPRINT_LABEL), ""),
        run_id=next((v for k, v in labels if k == RUN_LABEL), ""),
    )
    return record


def _sources(node: Any) -> Iterable[str]:
    """Yield the file names of the attachments anywhere in a result (its steps and fixtures too)."""
    if isinstance(node, dict):
        if isinstance(node.get("source"), str) and "name" in node:
            yield node["source"]
        for value in node.values():
            yield from _sources(value)
    elif isinstance(node, list):
        for value in node:
            yield from _sources(value)


@dataclass(frozen=True)
class ResultSet:
    """Every result file of some folders, read once: the latest of each test, the retries it replaced."""

    latest: list[ResultRecord]
    superseded: list[ResultRecord]
    problems: list[Problem]


def read_results(folders: Iterable[Path]) -> tuple[list[ResultRecord], list[Problem]]:
    """Return the latest result of each test (retries collapse to the last by historyId) and problems."""
    found = read_result_set(folders)
    return found.latest, found.problems


def read_result_set(folders: Iterable[Path]) -> ResultSet:
    """Read every result file once; the latest result of each test (by historyId) stands for it."""
    latest, superseded, problems = _pick(read_result, folders)
    ordered = sorted(latest, key=lambda r: (r.case_id, r.layer, r.name, r.history_id))
    return ResultSet(ordered, superseded, problems)


class Brief(NamedTuple):
    """What the merge keeps of a result while the rest streams through: which file, test, retry, tally."""

    path: Path
    key: str
    stop: int
    start: int
    layer: str
    status: str
    attachments: frozenset[str]


@dataclass(frozen=True)
class BriefSet:
    """Every result file of some folders in brief: the latest of each test, the retries it replaced."""

    latest: list[Brief]
    superseded: list[Brief]
    problems: list[Problem]


def read_result_briefs(folders: Iterable[Path]) -> BriefSet:
    """Pick the latest result of each test as `read_result_set` does, holding only a brief of each."""
    latest, superseded, problems = _pick(_brief, folders)
    return BriefSet(latest, superseded, problems)


def _brief(path: Path, problems: list[Problem]) -> Brief | None:
    record = read_result(path, problems)
    if record is None:
        return None
    key = record.history_id or record.uuid
    return Brief(path, key, record.stop, record.start, record.layer, record.status, record.attachments)


def _key(found: ResultRecord | Brief) -> str:
    return found.key if isinstance(found, Brief) else found.history_id or found.uuid


_Found = TypeVar("_Found", ResultRecord, Brief)


def _pick(
    read: Callable[[Path, list[Problem]], _Found | None], folders: Iterable[Path]
) -> tuple[list[_Found], list[_Found], list[Problem]]:
    """Read each result file in turn; keep the latest of each test (stop, start, then path)."""
    problems: list[Problem] = []
    latest: dict[str, _Found] = {}
    superseded: list[_Found] = []
    for path in result_files(folders):
        record = read(path, problems)
        if record is None:
            continue
        key = _key(record)
        kept = latest.get(key)
        if kept is None or (record.stop, record.start, str(record.path)) > (
            kept.stop,
            kept.start,
            str(kept.path),
        ):
            latest[key] = record
            if kept is not None:
                superseded.append(kept)
        else:
            superseded.append(record)
    return list(latest.values()), superseded, problems


def worst(statuses: Iterable[str]) -> str:
    """Return the worst of several Allure statuses ("" for none)."""
    found = set(statuses)
    return next((s for s in STATUS_ORDER if s in found), "")
