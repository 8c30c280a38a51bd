"""Record one returned pack's marks: plan each against the marks the ledger holds, then write them in bulk.

A mark is what the tester entered: status, actual result, defect, tester, date, comments, the content of each
evidence file, against the fingerprint of the case row. The rules, in the order they apply to a row:

1. The same mark: the row says what a mark the ledger holds for the case says (live, or replaced since), with
   the same fingerprint. A carried-forward row counts as that mark when its evidence files are not beside the
   workbook (the ledger has their content) and when its text was cut or lost control characters to fit a cell
   (`uatkit.uat.celltext`). Nothing is stored again; the row is recorded as a sighting of that mark.
   A row that changed other cells but left a cut text as carried gets the whole text back.
2. A correction: otherwise, the row replaces every live mark of the same tester (case and spacing aside)
   for the case that a row of the same pack held (the pack it was imported from, or a pack it was carried
   into) and that is dated the same day or later. Its date may be earlier: a corrected date counts. Each
   replaced mark gets a "correction" event; the import reports the case as corrected. A file saved before
   the file that brought the earlier mark (docProps' modified time, when both say) is an older copy
   imported late, not a correction.
3. Otherwise a new mark. A later-dated mark supersedes older ones by its date; two live marks of the latest
   date that say different things are a conflict (`ledger_schema.current_mark`).

An evidence file named by a row but not beside the workbook keeps the content the ledger holds for that name
on the case, so a re-sent or carried row never replaces evidence with less. The caller holds the
transaction; anything raised here rolls the whole file back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from uatkit.model import Mark, SourceLocation, Status
from uatkit.uat.celltext import is_cut, same_text
from uatkit.uat.ledger_db import LedgerDb
from uatkit.uat.ledger_rounds import PackRounds
from uatkit.uat.ledger_schema import ImportOutcome, current_mark, date_key, mark_order, same_tester, says
from uatkit.uat.pack import PackInfo, ReadPack


@dataclass
class Held:
    """A mark the ledger holds for a case, as an import compares rows with it."""

    id: int
    mark: Mark
    hashes: tuple[str, ...]
    live: bool
    #: The packs whose rows held this mark: the pack it was imported from and those it was carried into.
    packs: set[str] = field(default_factory=set)
    #: When the file it was imported from says it was saved (None when it does not say).
    saved_at: dt.datetime | None = None


@dataclass(frozen=True)
class _New:
    id: int
    mark: Mark
    identity: str
    hashes: tuple[str, ...]
    files: Mapping[str, bytes]


@dataclass
class Plan:
    """What recording a pack would do: marks to add, marks read again, corrections, and the counts."""

    new: list[_New] = field(default_factory=list)
    seen: list[tuple[int, SourceLocation | None]] = field(default_factory=list)
    retired: list[tuple[int, int]] = field(default_factory=list)
    unchanged: int = 0
    corrected: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        """Return the number of new marks that replaced nothing."""
        return len(self.new) - len(self.corrected)


def plan_marks(conn: LedgerDb, read: ReadPack, info: PackInfo) -> Plan:
    """Return what recording a pack's executed rows would change, without writing anything."""
    pack = info.pack_id
    fingerprints = {row.key: row.fingerprint for row in read.rows}
    # Not run records nothing: a blank row in a re-sent pack must not erase an earlier result.
    executed = [mark for mark in read.marks if mark.status is not Status.NOT_RUN]
    held = _held(conn, sorted({mark.key for mark in executed}))
    # The conflicts said at import are those `uat status` shows: a later re-test round wins a same-date tie.
    rounds = PackRounds(conn).numbers()
    before = {key for key, marks in held.items() if _conflict(marks, rounds)}
    next_id = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM marks").fetchone()[0]) + 1
    root = read.folder.resolve()
    # One screenshot named by a thousand rows is read and held once, not a thousand times.
    read_once: dict[Path, tuple[str, bytes]] = {}
    plan = Plan()
    for read_mark in executed:
        # The pack's metadata is the authority on which pack and which version of the case this is.
        fingerprint = read_mark.fingerprint or fingerprints.get(read_mark.key, "")
        mark = read_mark
        if read_mark.pack_id != pack or read_mark.fingerprint != fingerprint:
            mark = replace(read_mark, pack_id=pack, fingerprint=fingerprint)
        files = dict(_evidence_files(root, mark.evidence, read_once)) if mark.evidence else {}
        candidates = held.setdefault(mark.key, [])
        # A row equal to a mark a correction replaced is that mark read again only in a pack that held it (an
        # older copy of the file); in another pack (a re-test round) it is the tester's new mark.
        same = next(
            (
                c
                for c in _by_preference(candidates)
                if (c.live or pack in c.packs) and _is_same(mark, files, c)
            ),
            None,
        )
        if same is not None:
            plan.unchanged += 1
            plan.seen.append((same.id, mark.source))
            continue
        mark = _uncut(mark, candidates)
        hashes = _hashes(mark.evidence, files, candidates)
        replaced = [
            c
            for c in candidates
            if c.live
            and pack in c.packs
            and same_tester(c.mark.tester, mark.tester)
            and date_key(c.mark.date) >= date_key(mark.date)
            and not _older(read.saved_at, c.saved_at)
        ]
        contents = {name: content for name, (_, content) in files.items()}
        plan.new.append(_New(next_id, mark, mark_identity(mark, hashes), hashes, contents))
        for c in replaced:
            c.live = False
            plan.retired.append((c.id, next_id))
        if replaced:
            plan.corrected.append(mark.key)
        candidates.append(Held(next_id, mark, hashes, True, {pack}, read.saved_at))
        next_id += 1
    after = {key for key, marks in held.items() if _conflict(marks, rounds)}
    plan.conflicts = sorted(after - before)
    return plan


def record_marks(conn: LedgerDb, read: ReadPack, info: PackInfo, import_id: int, now: str) -> ImportOutcome:
    """Record a pack's new marks, its corrections and the rows that held known marks; count what changed."""
    plan = plan_marks(conn, read, info)
    conn.executemany(
        "INSERT INTO marks (id, import_id, pack_id, key, status, tester, test_date, actual, defect,"
        " evidence, comments, fingerprint, sheet, row, identity)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_mark_values(import_id, item) for item in plan.new),
    )
    _store_evidence(conn, plan.new)
    conn.executemany(
        "INSERT INTO mark_sightings (mark_id, import_id, sheet, row) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        [
            (mark_id, import_id, (source.sheet or "") if source else "", source.row if source else None)
            for mark_id, source in plan.seen
        ],
    )
    testers = {item.id: item.mark.tester for item in plan.new}
    conn.executemany(
        "INSERT INTO mark_events (mark_id, replaced_by, reason, by_name, at, why, import_id)"
        " VALUES (?, ?, 'correction', ?, ?, ?, ?)",
        [
            (old, new, testers[new], now, f"{testers[new]} sent pack {info.pack_id} again", import_id)
            for old, new in plan.retired
        ],
    )
    return ImportOutcome(
        path=read.path,
        pack_id=info.pack_id,
        added=plan.added,
        unchanged=plan.unchanged,
        corrected=tuple(plan.corrected),
        conflicts=plan.conflicts,
        rows=row_actions(plan),
    )


def row_actions(plan: Plan) -> dict[int, str]:
    """Return what recording does with each executed row (by sheet row): new, unchanged, correction or
    conflict."""
    corrections = {new for _, new in plan.retired}
    conflicts = set(plan.conflicts)
    actions: dict[int, str] = {}
    for _, source in plan.seen:
        if source is not None and source.row is not None:
            actions[source.row] = "unchanged"
    for item in plan.new:
        source = item.mark.source
        if source is None or source.row is None:
            continue
        if item.mark.key in conflicts:
            actions[source.row] = "conflict"
        elif item.id in corrections:
            actions[source.row] = "correction"
        else:
            actions[source.row] = "new"
    return actions


def mark_identity(mark: Mark, hashes: Sequence[str], fingerprint: str | None = None) -> str:
    """Return a hash of what a mark is: everything the tester entered, evidence by content, its case row."""
    # Unit, record and group separators cannot occur in cell text the reader accepts: the join is unambiguous.
    content = "\x1f".join(
        (
            mark.key,
            mark.status.value,
            mark.tester,
            date_key(mark.date),
            mark.actual,
            mark.defect,
            "\x1e".join(f"{name}\x1d{digest}" for name, digest in zip(mark.evidence, hashes, strict=False)),
            mark.comments,
            mark.fingerprint if fingerprint is None else fingerprint,
        )
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _held(conn: LedgerDb, keys: Sequence[str]) -> dict[str, list[Held]]:
    """Return every mark the ledger holds for these cases, live or replaced, in the order stored."""
    out: dict[str, list[Held]] = {}
    if not keys:
        return out
    wanted = json.dumps(list(keys))
    hashes: dict[int, dict[int, str]] = {}
    for mark_id, position, digest in conn.execute(
        "SELECT mark_evidence.mark_id, mark_evidence.position, mark_evidence.sha256 FROM mark_evidence"
        " JOIN marks ON marks.id = mark_evidence.mark_id"
        " WHERE marks.key IN (SELECT value FROM json_each(?))",
        (wanted,),
    ):
        hashes.setdefault(mark_id, {})[position] = digest
    carried: dict[int, set[str]] = {}
    for mark_id, pack in conn.execute(
        "SELECT mark_id, pack_id FROM carried_marks WHERE key IN (SELECT value FROM json_each(?))", (wanted,)
    ):
        carried.setdefault(mark_id, set()).add(pack)
    rows = conn.execute(
        "SELECT marks.id, key, status, tester, test_date, actual, defect, evidence, comments, fingerprint,"
        " marks.pack_id, NOT EXISTS (SELECT 1 FROM mark_events WHERE mark_events.mark_id = marks.id),"
        " imports.saved_at FROM marks JOIN imports ON imports.id = marks.import_id"
        " WHERE key IN (SELECT value FROM json_each(?)) ORDER BY marks.id",
        (wanted,),
    )
    for (
        mark_id,
        key,
        status,
        tester,
        day,
        actual,
        defect,
        names,
        comments,
        fingerprint,
        pack,
        live,
        saved,
    ) in rows:
        evidence = tuple(json.loads(names)) if names != "[]" else ()
        mark = Mark(
            key,
            Status(status),
            tester,
            _date(day),
            actual,
            defect,
            evidence,
            comments,
            fingerprint,
            pack,
        )
        found = hashes.get(mark_id, {})
        digests = tuple(found.get(position, "") for position in range(len(evidence)))
        packs = {pack} | carried.get(mark_id, set())
        when = dt.datetime.fromisoformat(saved) if saved else None
        out.setdefault(key, []).append(Held(mark_id, mark, digests, bool(live), packs, when))
    return out


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _older(saved: dt.datetime | None, than: dt.datetime | None) -> bool:
    """Return True when a file was saved before the one it is compared with (unknown times never are)."""
    return saved is not None and than is not None and saved < than


def _by_preference(candidates: Sequence[Held]) -> list[Held]:
    """Return live marks first, then replaced ones, the latest stored first within each."""
    return sorted(candidates, key=lambda c: (not c.live, -c.id))


def _is_same(mark: Mark, files: Mapping[str, tuple[str, bytes]], held: Held) -> bool:
    """Return True when a row read back is the held mark: the same content, evidence and case row."""
    other = held.mark
    if (mark.status, mark.date, mark.fingerprint, mark.evidence) != (
        other.status,
        other.date,
        other.fingerprint,
        other.evidence,
    ):
        return False
    texts = zip(
        (mark.actual, mark.defect, mark.tester, mark.comments),
        (other.actual, other.defect, other.tester, other.comments),
        strict=True,
    )
    if not all(same_text(read, kept, held.id) for read, kept in texts):
        return False
    # A file beside the workbook must be the very content held; one that is not there leaves it as held.
    return all(
        name not in files or files[name][0] == digest
        for name, digest in zip(other.evidence, held.hashes, strict=True)
    )


def _uncut(mark: Mark, candidates: Sequence[Held]) -> Mark:
    """Return the mark with a cut text the tester left as carried in its cell put back whole."""
    actual, comments = (
        _whole(mark.actual, candidates, "actual"),
        _whole(mark.comments, candidates, "comments"),
    )
    if (actual, comments) == (mark.actual, mark.comments):
        return mark
    return replace(mark, actual=actual, comments=comments)


def _whole(text: str, candidates: Sequence[Held], name: str) -> str:
    if not is_cut(text):
        return text
    for held in _by_preference(candidates):
        whole = str(getattr(held.mark, name))
        if same_text(text, whole, held.id):
            return whole
    return text


def _hashes(
    names: Sequence[str], files: Mapping[str, tuple[str, bytes]], candidates: Sequence[Held]
) -> tuple[str, ...]:
    """Return each evidence file's content hash; a file not beside the workbook keeps the one held."""
    out = []
    for name in names:
        if name in files:
            out.append(files[name][0])
            continue
        held = (
            digest
            for c in _by_preference(candidates)
            for held_name, digest in zip(c.mark.evidence, c.hashes, strict=True)
            if held_name == name and digest
        )
        out.append(next(held, ""))
    return tuple(out)


def _conflict(marks: Sequence[Held], rounds: Mapping[str, int]) -> bool:
    live = [(c.id, mark_order(c.mark, rounds), says(c.mark, c.hashes)) for c in marks if c.live]
    return bool(current_mark(live)[1])


def _mark_values(import_id: int, item: _New) -> tuple[object, ...]:
    mark = item.mark
    source = mark.source
    return (
        item.id,
        import_id,
        mark.pack_id,
        mark.key,
        mark.status.value,
        mark.tester,
        mark.date.isoformat() if mark.date else None,
        mark.actual,
        mark.defect,
        json.dumps(list(mark.evidence), ensure_ascii=False) if mark.evidence else "[]",
        mark.comments,
        mark.fingerprint,
        (source.sheet or "") if source else "",
        source.row if source else None,
        item.identity,
    )


def _store_evidence(conn: LedgerDb, new: Sequence[_New]) -> None:
    for item in new:
        for position, (name, digest) in enumerate(zip(item.mark.evidence, item.hashes, strict=True)):
            if not digest:
                continue  # the file never arrived: the name is kept with the mark, there is no content
            content = item.files.get(name)
            if content is not None:
                conn.execute(
                    "INSERT INTO evidence (sha256, size, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (digest, len(content), content),
                )
            conn.execute(
                "INSERT INTO mark_evidence (mark_id, position, name, sha256) VALUES (?, ?, ?, ?)",
                (item.id, position, name, digest),
            )


def _evidence_files(
    root: Path, names: Sequence[str], read_once: dict[Path, tuple[str, bytes]]
) -> Iterator[tuple[str, tuple[str, bytes]]]:
    """Yield (name, (SHA-256, content)) for each evidence file beside the workbook, reading each file once."""
    for name in names:
        path = (root / name).resolve()
        # The reader checked this already; a link swapped in since must still not leak another file.
        if not path.is_relative_to(root) or not path.is_file():
            continue
        if path not in read_once:
            try:
                content = path.read_bytes()
            except OSError:
                continue  # the reader warned about unreadable evidence; the mark still counts
            read_once[path] = (hashlib.sha256(content).hexdigest(), content)
        yield name, read_once[path]
