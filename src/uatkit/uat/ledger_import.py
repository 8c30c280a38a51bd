"""Record one returned pack's marks: plan each against the ledger's live marks, then write them in bulk.

The caller holds the transaction; anything raised here rolls the whole file back.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from uatkit.model import Mark, Status
from uatkit.uat.ledger_schema import ImportOutcome, date_key, resolve
from uatkit.uat.pack import PackInfo, ReadPack


@dataclass
class _Live:
    id: int
    key: str
    pack_id: str
    date: str
    status: str
    identity: str


@dataclass(frozen=True)
class _New:
    id: int
    mark: Mark
    identity: str


def record_marks(conn: sqlite3.Connection, read: ReadPack, info: PackInfo, import_id: int) -> ImportOutcome:
    """Add a pack's new marks, retire the ones its re-sent rows correct, and count what changed."""
    pack = info.pack_id
    fingerprints = {row.key: row.fingerprint for row in read.rows}
    # Not run records nothing: a blank row in a re-sent pack must not erase an earlier result.
    executed = [mark for mark in read.marks if mark.status is not Status.NOT_RUN]
    keys = sorted({mark.key for mark in executed})
    live = _live(conn, keys)
    # Only a case with marks already recorded can have been, or become, a conflict.
    contested = [key for key in keys if key in live]
    before = {key for key in contested if resolve(_triples(live[key]))[1]}
    next_id = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM marks").fetchone()[0]) + 1
    new: list[_New] = []
    retired: list[tuple[int, int]] = []
    added = unchanged = updated = 0
    for read_mark in executed:
        # The pack's metadata is the authority on which pack and which version of the case this is.
        fingerprint = read_mark.fingerprint or fingerprints.get(read_mark.key, "")
        identity = mark_identity(read_mark, fingerprint)
        mark = read_mark
        if read_mark.pack_id != pack or read_mark.fingerprint != fingerprint:
            mark = replace(read_mark, pack_id=pack, fingerprint=fingerprint)
        candidates = live.setdefault(mark.key, [])
        same = next((c for c in candidates if c.identity == identity), None)
        # A re-sent pack's own earlier mark for the same date is a mistake the tester has corrected.
        corrected = [
            c
            for c in candidates
            if c.pack_id == pack and c.date == date_key(mark.date) and c.identity != identity
        ]
        replacement = same.id if same else next_id
        retired += [(replacement, c.id) for c in corrected]
        for c in corrected:
            candidates.remove(c)
        if same is None:
            new.append(_New(next_id, mark, identity))
            candidates.append(
                _Live(next_id, mark.key, pack, date_key(mark.date), mark.status.value, identity)
            )
            next_id += 1
        if corrected:
            updated += 1
        elif same:
            unchanged += 1
        else:
            added += 1
    conn.executemany(
        "INSERT INTO marks (id, import_id, pack_id, key, status, tester, test_date, actual, defect,"
        " evidence, comments, fingerprint, sheet, row, identity)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_mark_values(import_id, item) for item in new),
    )
    _store_evidence(conn, read.folder, new)
    conn.executemany("UPDATE marks SET superseded_by = ? WHERE id = ?", retired)
    after = {key for key in contested if resolve(_triples(live[key]))[1]}
    return ImportOutcome(
        path=read.path,
        pack_id=pack,
        added=added,
        unchanged=unchanged,
        updated=updated,
        conflicts=sorted(after - before),
    )


def mark_identity(mark: Mark, fingerprint: str | None = None) -> str:
    """Return a hash of what a mark says, so the same mark carried into another pack is stored once."""
    # Unit and record separators cannot occur in cell text the reader accepts, so the join is unambiguous.
    content = "\x1f".join(
        (
            mark.key,
            mark.status.value,
            mark.tester,
            date_key(mark.date),
            mark.actual,
            mark.defect,
            "\x1e".join(mark.evidence),
            mark.comments,
            mark.fingerprint if fingerprint is None else fingerprint,
        )
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _live(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, list[_Live]]:
    out: dict[str, list[_Live]] = {}
    rows = conn.execute(
        "SELECT id, key, pack_id, COALESCE(test_date, ''), status, identity FROM marks"
        " WHERE superseded_by IS NULL AND key IN (SELECT value FROM json_each(?)) ORDER BY id",
        (json.dumps(list(keys)),),
    )
    for row in rows:
        out.setdefault(row[1], []).append(_Live(*row))
    return out


def _triples(candidates: Sequence[_Live]) -> list[tuple[int, str, str]]:
    return [(c.id, c.date, c.status) for c in candidates]


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


def _store_evidence(conn: sqlite3.Connection, folder: Path, new: Sequence[_New]) -> None:
    root = folder.resolve()
    for item in new:
        if not item.mark.evidence:
            continue
        for position, name, digest, content in _evidence_files(root, item.mark.evidence):
            conn.execute(
                "INSERT OR IGNORE INTO evidence (sha256, size, content) VALUES (?, ?, ?)",
                (digest, len(content), content),
            )
            conn.execute(
                "INSERT INTO mark_evidence (mark_id, position, name, sha256) VALUES (?, ?, ?, ?)",
                (item.id, position, name, digest),
            )


def _evidence_files(root: Path, names: Sequence[str]) -> Iterator[tuple[int, str, str, bytes]]:
    for position, name in enumerate(names):
        path = (root / name).resolve()
        # The reader checked this already; a link swapped in since must still not leak another file.
        if not path.is_relative_to(root) or not path.is_file():
            continue
        try:
            content = path.read_bytes()
        except OSError:
            continue  # the reader warned about unreadable evidence; the mark still counts
        yield position, name, hashlib.sha256(content).hexdigest(), content
