"""The ledger's side of signed packs: the project key, every pack revision it signed, the files accepted on
trust, and the check a returned pack passes before anything of it is recorded."""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import dataclass

from uatkit.errors import Problem
from uatkit.model import SourceLocation
from uatkit.uat import layout
from uatkit.uat.ledger_db import LedgerDb
from uatkit.uat.ledger_schema import transaction
from uatkit.uat.pack import ReadPack
from uatkit.uat.signing import (
    Payload,
    ProjectKey,
    Seal,
    SignedPack,
    changes,
    check_seal,
    decode,
    payload,
)

_EXPORT_AGAIN = "export the pack again with `uatkit uat export`"
_WHY = {
    Seal.UNSIGNED: "not signed",
    Seal.OTHER_KEY: "signed by another ledger",
    Seal.CHANGED: "changed",
    Seal.VALID: "signed",
}


@dataclass(frozen=True)
class Trust:
    """A file someone accepted without a valid signature: its hash, what its seal was, who, when and why."""

    sha256: str
    path: str
    pack_id: str
    seal: Seal
    by: str
    reason: str
    at: dt.datetime

    def __str__(self) -> str:
        when = self.at.strftime("%Y-%m-%d %H:%M UTC")
        return f"accepted on trust by {self.by} on {when} ({_WHY[self.seal]}): {self.reason}"


class PackSeals:
    """The project key, the signed pack revisions and the trusted files of one open ledger."""

    def __init__(self, conn: LedgerDb) -> None:
        self._conn = conn

    def key(self) -> ProjectKey:
        """Return the project key, making it the first time it is needed (it never leaves the ledger)."""
        row = self._conn.execute("SELECT secret FROM project_key WHERE id = 1").fetchone()
        if row is None:
            with transaction(self._conn) as conn:
                # Another process may have made it since the read above: the first key made stays.
                conn.execute(
                    "INSERT INTO project_key (id, secret, created_at) VALUES (1, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (ProjectKey.new().secret, _now()),
                )
            row = self._conn.execute("SELECT secret FROM project_key WHERE id = 1").fetchone()
        return ProjectKey(bytes(row[0]))

    def register(self, signed: SignedPack) -> None:
        """Keep a signed pack revision's metadata, to compare a changed pack with it later."""
        with transaction(self._conn) as conn:
            conn.execute(
                "INSERT INTO signed_packs (signature, pack_id, generated_at, payload, signed_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    signed.signature,
                    signed.info.pack_id,
                    signed.info.generated_at.isoformat(),
                    signed.payload.decode("utf-8"),
                    _now(),
                ),
            )

    def signed(self, signature: str) -> Payload | None:
        """Return the metadata this ledger signed with `signature`, or None."""
        row = self._conn.execute(
            "SELECT payload FROM signed_packs WHERE signature = ?", (signature,)
        ).fetchone()
        return decode(row[0]) if row else None

    def revisions(self, pack_id: str) -> list[Payload]:
        """Return the metadata of every revision of a pack this ledger signed, oldest first."""
        rows = self._conn.execute(
            "SELECT payload FROM signed_packs WHERE pack_id = ? ORDER BY generated_at, signed_at", (pack_id,)
        )
        return [decode(row[0]) for row in rows]

    def trust(self, read: ReadPack, seal: Seal, by: str, reason: str) -> Trust:
        """Record that `by` accepts this file (by its SHA-256) for `reason`; return the record that holds."""
        pack_id = read.info.pack_id if read.info else ""
        with transaction(self._conn) as conn:
            conn.execute(
                "INSERT INTO trusted_files (sha256, path, pack_id, seal, trusted_by, reason, trusted_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (read.sha256, str(read.path), pack_id, seal.value, by, reason, _now()),
            )
        trusted = self.trusted(read.sha256)
        assert trusted is not None  # written just above, in this connection
        return trusted

    def trusted(self, sha256: str) -> Trust | None:
        """Return the trust recorded for a file with this SHA-256, or None."""
        row = self._conn.execute(
            "SELECT sha256, path, pack_id, seal, trusted_by, reason, trusted_at FROM trusted_files"
            " WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        if row is None:
            return None
        return Trust(row[0], row[1], row[2], Seal(row[3]), row[4], row[5], dt.datetime.fromisoformat(row[6]))

    def seal(self, read: ReadPack) -> Seal:
        """Return what the pack's signature says under this project's key."""
        if read.info is None:
            return Seal.UNSIGNED
        return check_seal(self.key(), read.info, read.rows, read.key_id, read.signature)

    def check(self, read: ReadPack) -> Seal:
        """Check a read pack's signature: a refusal goes first in its errors, a trust in its warnings."""
        seal = self.seal(read)
        if seal is Seal.VALID:
            return seal
        where = SourceLocation(str(read.path), sheet=layout.SHEET_LABELS["meta"]["en"])
        trusted = self.trusted(read.sha256) if seal is not Seal.CHANGED else None
        if trusted is not None:
            read.warnings.append(Problem(where, f"the pack is not signed by this project; {trusted}"))
        else:
            read.errors.insert(0, Problem(where, self.refusal(read, seal)))
        return seal

    def refusal(self, read: ReadPack, seal: Seal) -> str:
        """Return why a pack whose signature does not verify is refused, what changed, and what to do."""
        info = read.info
        if info is None:
            return "the pack has no metadata to check"
        accept = (
            "accept it explicitly (recorded in the ledger): "
            f"`uatkit uat trust {shlex.quote(str(read.path))} --by NAME --reason TEXT`"
        )
        if seal is Seal.UNSIGNED:
            return (
                "the pack is not signed (written by a uatkit before packs were signed, or its signature "
                f"was removed), so its metadata cannot be checked; nothing was imported. Use a pack "
                f"exported by this project ({_EXPORT_AGAIN}), or, if you know the file is genuine, {accept}"
            )
        known = (
            f"this ledger's pack {info.pack_id!r} is its own, exported here"
            if self.revisions(info.pack_id)
            else f"this ledger exported no pack {info.pack_id!r}"
        )
        if seal is Seal.OTHER_KEY:
            return (
                "the pack comes from another project or ledger: it was signed with key "
                f"{read.key_id or '?'}, not this ledger's, and {known}; nothing was imported. Import it "
                "in the project that exported it, or, if this project's ledger was lost or replaced and "
                f"you know the file is genuine, {accept}"
            )
        found = decode(payload(info, read.rows))
        signed = self.signed(read.signature)
        how = ""
        if signed is None:
            revisions = self.revisions(info.pack_id)
            if not revisions:
                return (
                    f"the pack's metadata does not match its signature and {known}: it comes from another "
                    f"project or ledger, or was changed; nothing was imported. Use the file as exported "
                    f"by this project, or {_EXPORT_AGAIN}"
                )
            moment = found["pack"]["generated_at"]
            same = [r for r in revisions if r["pack"]["generated_at"] == moment]
            signed = (same or revisions)[-1]
            how = "; its signature is not one this ledger made either"
        what = "; ".join(changes(signed, found)) or "its signature"
        exported = signed["pack"]
        return (
            f"the pack's signed metadata was changed after export: {what} (compared with pack "
            f"{exported['pack_id']!r} as exported at {exported['generated_at']}{how}); nothing was "
            f"imported. Use the file as exported, or {_EXPORT_AGAIN}"
        )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
