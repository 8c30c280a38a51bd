"""Change requests: Markdown files with YAML front matter (changes/CR-7.md), read, validated and decided.

A request names the requirements it adds, changes and removes; it is proposed, then approved or rejected
once, by a named person on a date. Deciding rewrites only the front matter's status, decided_by, decided_on
(and decision_note) lines: the Markdown body stays byte for byte as it was written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from uatkit import frontmatter
from uatkit.change.baseline import list_baselines
from uatkit.change.model import Baseline, ChangeRequest, RequestStatus
from uatkit.config import Config
from uatkit.errors import InputError, Problem, UatkitError
from uatkit.frontmatter import FrontMatter, Shape
from uatkit.model import SourceLocation
from uatkit.project import Project
from uatkit.stories import natural_key
from uatkit.uat.ledger_location import has_ledger, open_ledger

#: The keys of a change request's front matter, in the order `uatkit change new` writes them.
KEYS = (
    "id",
    "title",
    "adds",
    "changes",
    "removes",
    "reason",
    "requested_by",
    "requested_on",
    "status",
    "decided_by",
    "decided_on",
    "decision_note",
)
_LISTS = ("adds", "changes", "removes")
SHAPE = Shape(
    opening="start the file with a '---' block holding id, title, adds, changes, removes, reason, status …",
    keep="keep only id, title, adds, changes, removes, reason, status … in it and move the rest to the text",
    example="write id: CR-7 …",
)


def changes_folder(project: Project) -> Path:
    """Return the folder of the project's change requests."""
    return project.root / project.config.change.changes


def request_files(project: Project) -> list[Path]:
    """Return the change request files, by ID order (README.md and hidden files are not requests)."""
    folder = changes_folder(project)
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.glob("*.md") if p.name.lower() != "readme.md" and not p.name.startswith(".")),
        key=lambda p: natural_key(p.stem),
    )


def parse_request(text: str, display: str, config: Config, problems: list[Problem]) -> ChangeRequest | None:
    """Return the change request a file's text holds; its own problems are appended, located."""
    where = SourceLocation(display)
    found = frontmatter.split(text, where, SHAPE, problems)
    if found is None:
        return None
    before = len(problems)
    meta = found.meta
    for key in meta:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(KEYS)}"
            problems.append(Problem(found.at(key), f"unknown front matter key {key!r}", hint))
    ident = _text(meta.get("id"))
    stem = Path(display).stem
    if not ident:
        problems.append(Problem(found.at("id"), "no id", f"add 'id: {stem}' to the front matter"))
    elif not config.change_request_regex.match(ident) or not _SAFE.match(ident):
        problems.append(
            Problem(
                found.at("id"),
                f"change request ID {ident!r} does not match {config.change.id_pattern!r}",
                "write an ID such as CR-7 (or change [tool.uatkit.change] id_pattern)",
            )
        )
    misnamed = bool(ident) and ident != stem and len(problems) == before
    if not _text(meta.get("title")):
        problems.append(Problem(found.at("title"), "no title", "add 'title: …' saying what changes"))
    status = _status(meta, found, problems)
    lists = {key: _requirements(meta, key, found, config, problems) for key in _LISTS}
    _named_twice(lists, found, problems)
    requested_on = _date(meta, "requested_on", found, problems)
    decided_on = _date(meta, "decided_on", found, problems)
    decided_by = _text(meta.get("decided_by"))
    if status in (RequestStatus.APPROVED, RequestStatus.REJECTED):
        for key, value in (("decided_by", decided_by), ("decided_on", decided_on)):
            if not value:
                problems.append(
                    Problem(
                        found.at("status"),
                        f"{status.value} without {key}",
                        f"add '{key}: …' (`uatkit change {_VERB[status]}` writes both)",
                    )
                )
    if requested_on and decided_on and decided_on < requested_on:
        problems.append(
            Problem(
                found.at("decided_on"),
                f"decided on {decided_on} before it was requested on {requested_on}",
                "correct one of the dates",
            )
        )
    failed = len(problems) > before
    if misnamed:
        # Still a request: a copied file whose ID was not changed is also reported as a duplicate ID.
        problems.append(
            Problem(
                found.at("id"), f"the file of {ident} is named {Path(display).name}", f"rename it {ident}.md"
            )
        )
    if failed or status is None:
        return None
    return ChangeRequest(
        id=ident,
        title=_text(meta.get("title")),
        adds=lists["adds"],
        changes=lists["changes"],
        removes=lists["removes"],
        reason=_text(meta.get("reason")),
        requested_by=_text(meta.get("requested_by")),
        requested_on=requested_on,
        status=status,
        decided_by=decided_by,
        decided_on=decided_on,
        body="\n".join(found.lines[found.end + 1 :]),
        source=where.at_line(1),
        decision_note=_text(meta.get("decision_note")),
        key_lines={key: found.key_line(key) for key in meta},
    )


_VERB = {RequestStatus.APPROVED: "approve", RequestStatus.REJECTED: "reject"}
#: An ID also names its file: no folder, nothing a file system refuses.
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _status(meta: dict[str, Any], found: FrontMatter, problems: list[Problem]) -> RequestStatus | None:
    value = _text(meta.get("status")) or RequestStatus.PROPOSED.value
    try:
        return RequestStatus(value.lower())
    except ValueError:
        known = ", ".join(s.value for s in RequestStatus)
        problems.append(Problem(found.at("status"), f"unknown status {value!r}", f"use one of {known}"))
        return None


def _requirements(
    meta: dict[str, Any], key: str, found: FrontMatter, config: Config, problems: list[Problem]
) -> tuple[str, ...]:
    value = meta.get(key)
    if value is not None and not isinstance(value, list | str):
        problems.append(
            Problem(found.at(key), f"{key} is not a list of requirement IDs", f"write {key}: [REQ-7]")
        )
        return ()
    ids = tuple(dict.fromkeys(frontmatter.as_list(value)))
    for ident in ids:
        if not config.requirement_regex.match(ident):
            problems.append(
                Problem(
                    found.at(key),
                    f"{ident!r} in {key} is not a requirement ID (pattern {config.requirement_pattern!r})",
                    "name requirements by their ID, e.g. REQ-7",
                )
            )
    return ids


def _named_twice(lists: dict[str, tuple[str, ...]], found: FrontMatter, problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for key in _LISTS:
        for ident in lists[key]:
            if ident in seen:
                problems.append(
                    Problem(
                        found.at(key),
                        f"{ident} is in both {seen[ident]} and {key}",
                        "a request adds, changes or removes a requirement: keep it in one list",
                    )
                )
            else:
                seen[ident] = key


def _date(meta: dict[str, Any], key: str, found: FrontMatter, problems: list[Problem]) -> dt.date | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(Problem(found.at(key), f"{key} {value!r} is not a date", "write it as YYYY-MM-DD"))
        return None


@dataclass(frozen=True)
class Scope:
    """What a request's requirement IDs are checked against: the catalogue and the baselines."""

    catalogue: frozenset[str]
    baselines: tuple[Baseline, ...]

    @property
    def latest(self) -> Baseline | None:
        """Return the latest baseline, if any."""
        return self.baselines[-1] if self.baselines else None


def scope_of(project: Project) -> Scope:
    """Return the catalogue's requirement IDs and the baselines (InputError when either has errors)."""
    return Scope(frozenset(project.catalogue.by_id()), tuple(list_baselines(project)))


def check_requests(requests: Sequence[ChangeRequest], scope: Scope, problems: list[Problem]) -> None:
    """Append what is wrong across requests: duplicate IDs, unknown requirements, adds already signed."""
    first: dict[str, SourceLocation] = {}
    known = scope.catalogue.union(*(b.by_id() for b in scope.baselines))
    latest = scope.latest
    for request in requests:
        if request.id in first:
            problems.append(
                Problem(
                    request.at("id"),
                    f"duplicate change request ID {request.id}",
                    f"it is already used at {first[request.id]}; give one of them another ID",
                )
            )
            continue
        first[request.id] = request.at("id")
        for key, ids in (("changes", request.changes), ("removes", request.removes)):
            for ident in ids:
                if ident not in known:
                    problems.append(
                        Problem(
                            request.at(key),
                            f"{key} names {ident}, which is in neither the catalogue nor any baseline",
                            "check the requirement ID; a new requirement goes under adds",
                        )
                    )
        if latest is not None:
            for ident in request.adds:
                if ident in latest.by_id():
                    problems.append(
                        Problem(
                            request.at("adds"),
                            f"adds names {ident}, which was already in the latest baseline {latest.name}",
                            "list it under changes, or under removes",
                        )
                    )


def read_requests(project: Project, scope: Scope | None = None) -> list[ChangeRequest]:
    """Return every change request of the project, in ID order; InputError lists every problem at once."""
    problems: list[Problem] = []
    requests: list[ChangeRequest] = []
    for path in request_files(project):
        display = project.relative(path)
        text = frontmatter.read_text(path, SourceLocation(display), problems)
        if text is not None:
            request = parse_request(text, display, project.config, problems)
            if request is not None:
                requests.append(request)
    check_requests(requests, scope or scope_of(project), problems)
    if problems:
        raise InputError(problems)
    return requests


# --- writing requests -------------------------------------------------------------------------------------


def _yaml_line(key: str, value: object) -> str:
    """Return one front matter line `key: value` as YAML writes it (lists in brackets, on one line)."""
    # Dumped inside a one-item flow list: that keeps any value on one line, quoted where YAML needs it.
    if isinstance(value, str):
        value = " ".join(value.split())  # one line: a decision rewrites the line, never a block
    dumped = yaml.safe_dump([value], allow_unicode=True, default_flow_style=True, width=1_000_000)
    return f"{key}: {dumped.strip()[1:-1]}"


def next_id(requests: Iterable[ChangeRequest], config: Config) -> str:
    """Return the next free request ID: CR-<one more than the highest number in use>."""
    numbers = [int(m.group(1)) for r in requests if (m := re.search(r"(\d+)\Z", r.id))]
    ident = f"CR-{max(numbers, default=0) + 1}"
    if not config.change_request_regex.match(ident):
        raise UatkitError(
            f"the next ID {ident} does not match [tool.uatkit.change] id_pattern "
            f"{config.change.id_pattern!r}; give the ID with --id"
        )
    return ident


def new_request(
    project: Project,
    ident: str | None,
    title: str,
    adds: Sequence[str],
    changes: Sequence[str],
    removes: Sequence[str],
    reason: str,
    requested_by: str,
    on: dt.date | None = None,
) -> tuple[ChangeRequest, Path]:
    """Write a proposed change request (changes/CR-n.md) atomically, checked like every request."""
    scope = scope_of(project)
    existing = read_requests(project, scope)
    ident = ident.strip() if ident else next_id(existing, project.config)
    if not _SAFE.match(ident):
        raise UatkitError(f"--id {ident!r} cannot name a file; write an ID such as CR-7")
    path = changes_folder(project) / f"{ident}.md"
    if path.exists() or any(r.id == ident for r in existing):
        raise UatkitError(
            f"{project.relative(path)}: change request {ident} exists already; leave out --id to take the "
            "next free number"
        )
    for what, value in (("--title", title), ("--reason", reason), ("--requested-by", requested_by)):
        if not value.strip():
            raise UatkitError(f"{what} is empty; say it in a few words")
    values: dict[str, object] = {
        "id": ident,
        "title": title.strip(),
        "adds": list(adds),
        "changes": list(changes),
        "removes": list(removes),
        "reason": reason.strip(),
        "requested_by": requested_by.strip(),
        "requested_on": on or dt.date.today(),
        "status": RequestStatus.PROPOSED.value,
    }
    front = "\n".join(_yaml_line(key, value) for key, value in values.items())
    text = f"---\n{front}\n---\n# {ident} {title.strip()}\n\n{reason.strip()}\n"
    display = project.relative(path)
    problems: list[Problem] = []
    request = parse_request(text, display, project.config, problems)
    if request is not None:
        check_requests([*existing, request], scope, problems)
    if problems or request is None:
        raise InputError(problems)
    with open_ledger(project) as ledger:
        data = text.encode("utf-8")
        try:
            ledger.write_audited(
                path, data, "change.new", ident, _detail(display, data, request), replace=False
            )
        except FileExistsError:
            raise UatkitError(f"{display}: change request {ident} was written meanwhile; run again") from None
    return request, path


def decide(
    project: Project, ident: str, approve: bool, by: str, on: dt.date | None = None, note: str = ""
) -> tuple[ChangeRequest, Path]:
    """Approve or reject a proposed request: rewrite its decision lines, keep its body, record the audit.

    A decision is never replaced: a request already approved or rejected is refused.
    """
    requests = {r.id: r for r in read_requests(project)}
    request = requests.get(ident)
    if request is None:
        known = ", ".join(requests) or "none yet"
        raise UatkitError(f"no change request {ident} (requests: {known}); `uatkit change list` shows them")
    if request.status is not RequestStatus.PROPOSED:
        raise UatkitError(
            f"{request.at('status')}: {ident} was already {request.status.value} by {request.decided_by} on "
            f"{request.decided_on}; a decision is never replaced: raise a new change request instead"
        )
    if not by.strip():
        raise UatkitError('say who decides: --by "Ann Lee (client)"')
    on = on or dt.date.today()
    if request.requested_on and on < request.requested_on:
        raise UatkitError(
            f"--date {on} is before {ident} was requested ({request.requested_on}); give the decision's date"
        )
    path = changes_folder(project) / f"{ident}.md"
    status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    values: dict[str, object] = {"status": status.value, "decided_by": by.strip(), "decided_on": on}
    if note.strip():
        values["decision_note"] = note.strip()
    data = rewrite_front_matter(path.read_bytes(), values)
    display = project.relative(path)
    problems: list[Problem] = []
    decided = parse_request(data.decode("utf-8-sig"), display, project.config, problems)
    if decided is None:
        raise InputError(problems)
    with open_ledger(project) as ledger:
        ledger.write_audited(
            path, data, f"change.{'approve' if approve else 'reject'}", ident, _detail(display, data, decided)
        )
    return decided, path


def unrecorded_approvals(project: Project, requests: Sequence[ChangeRequest]) -> list[str]:
    """Return the IDs of requests that say approved while the ledger's audit holds no such approval.

    An approval counts when the audit has a `change.approve` row for the request with the same decision
    (who, when) and the same scope (adds, changes, removes): a file edited by hand proves nothing.
    """
    approved = [r for r in requests if r.status is RequestStatus.APPROVED]
    if not approved:
        return []
    held: set[tuple[object, ...]] = set()
    if has_ledger(project):
        with open_ledger(project) as ledger:
            held = {
                _decision_key(entry.subject, entry.detail)
                for entry in ledger.audit()
                if entry.action == "change.approve"
            }
    return [r.id for r in approved if _decision_key(r.id, _detail("", b"", r)) not in held]


def _decision_key(subject: str, detail: Mapping[str, object]) -> tuple[object, ...]:
    def items(key: str) -> tuple[str, ...]:
        value = detail.get(key)
        return tuple(sorted(str(v) for v in value)) if isinstance(value, list) else ()

    return (
        subject,
        detail.get("status"),
        detail.get("decided_by"),
        detail.get("decided_on"),
        items("adds"),
        items("changes"),
        items("removes"),
    )


def _detail(display: str, data: bytes, request: ChangeRequest) -> dict[str, object]:
    def day(value: dt.date | None) -> str:
        return value.isoformat() if value else ""

    return {
        "file": display,
        "sha256": hashlib.sha256(data).hexdigest(),
        "status": request.status.value,
        "requested_by": request.requested_by,
        "requested_on": day(request.requested_on),
        "decided_by": request.decided_by,
        "decided_on": day(request.decided_on),
        "note": request.decision_note,
        "adds": list(request.adds),
        "changes": list(request.changes),
        "removes": list(request.removes),
    }


def rewrite_front_matter(data: bytes, values: dict[str, object]) -> bytes:
    """Return a file with these top-level front matter keys set; every byte after the front matter kept."""
    lines = data.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith(b"\r\n") else "\n"
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == b"---")
    front = [line.decode("utf-8-sig" if i == 0 else "utf-8") for i, line in enumerate(lines[:end])]
    bom = data[:3] if data.startswith(b"\xef\xbb\xbf") else b""
    for key, value in values.items():
        line = _yaml_line(key, value).replace("\n", newline) + newline
        index = next((i for i in range(1, len(front)) if front[i].startswith(f"{key}:")), None)
        if index is None:
            front.append(line)
            continue
        # A value written over several lines continues on indented lines (or `- ` items); they go with it.
        stop = index + 1
        while stop < len(front) and (front[stop][:1] in (" ", "\t") or front[stop].startswith("-")):
            stop += 1
        front[index:stop] = [line]
    return bom + "".join(front).encode("utf-8") + b"".join(lines[end:])
