"""Sign a pack's metadata with the project key (HMAC-SHA256), check it, and say what changed when it fails.

What is signed is the canonical encoding of the hidden `_uatkit` sheet's values (`payload`): one JSON
object, keys sorted, no white space between tokens, non-ASCII characters as they are, in UTF-8:

    {"format":"uatkit-pack-metadata/1",
     "pack":{"commit":…,"due":…,"generated_at":…,"group":…,"language":…,"owner":…,"pack_id":…,
             "project":…,"release":…,"schema":2,
             "target":{"build":…,"contact":…,"environment":…,"url":…,"version":…}},
     "rows":[[case key, sheet row, fingerprint, locked-cell hashes], …]}

Texts are taken without surrounding white space (as the reader reads them); `generated_at` and `due` are
ISO 8601 (`due` "" when there is none); `target` (where and what to test) is there from pack schema 2 on,
absent from a schema 1 pack's encoding; `schema` and the sheet row are integers; the locked-cell hashes are
the row's 8-hex hashes joined by one space; rows are in the order the sheet lists them. JSON quotes and
escapes every text, so no two different metadata encode alike. The tester's cells (status, actual result,
defect, tester, date, evidence, comments, sign-off) are not signed: they are the pack's input.

The key is 32 random bytes kept only in the ledger. A pack carries the signature and the key's ID (an HMAC
of a fixed text under the key: it names the key and reveals nothing of it), never the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from uatkit.uat.pack import PackInfo, PackRow

FORMAT = "uatkit-pack-metadata/1"
#: From this pack schema on, the pack's target (where and what to test) is signed with its identity.
TARGET_SCHEMA = 2
#: The signature's text starts with the scheme, so another scheme can follow without misreading this one.
SCHEME = "hmac-sha256"
KEY_BYTES = 32
_KEY_ID_TEXT = b"uatkit project key id"
# The characters a cell cannot hold; the writer drops them, so the signature is over the text without them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Payload = dict[str, Any]


class ProjectKey:
    """The project's signing key: 32 random bytes that never appear in a repr, a log or a pack."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise ValueError(f"a project key is {KEY_BYTES} bytes, not {len(secret)}")
        self._secret = bytes(secret)

    @classmethod
    def new(cls) -> ProjectKey:
        """Return a new key from the operating system's random source."""
        return cls(secrets.token_bytes(KEY_BYTES))

    @property
    def secret(self) -> bytes:
        """Return the key's bytes, to store in the ledger."""
        return self._secret

    @property
    def key_id(self) -> str:
        """Return the key's ID as packs carry it: it tells keys apart without revealing one."""
        return hmac.new(self._secret, _KEY_ID_TEXT, hashlib.sha256).hexdigest()[:16]

    def sign(self, payload: bytes) -> str:
        """Return the signature of `payload` as the metadata sheet keeps it: `hmac-sha256:<64 hex>`."""
        return f"{SCHEME}:{hmac.new(self._secret, payload, hashlib.sha256).hexdigest()}"

    def __repr__(self) -> str:
        return f"ProjectKey(key_id={self.key_id!r})"


class Seal(Enum):
    """What checking a pack's signature found."""

    VALID = "valid"
    #: No signature: written before packs were signed, or its signature rows were removed.
    UNSIGNED = "unsigned"
    #: Signed under a key this ledger does not hold: another project, or a ledger that was replaced.
    OTHER_KEY = "other key"
    #: Signed under this ledger's key, but the metadata is not what was signed.
    CHANGED = "changed"


@dataclass(frozen=True)
class SignedPack:
    """A pack's metadata as signed at export: what the ledger registers beside the pack."""

    info: PackInfo
    rows: tuple[PackRow, ...]
    key_id: str
    signature: str
    payload: bytes


def payload(info: PackInfo, rows: Sequence[PackRow]) -> bytes:
    """Return the canonical encoding of a pack's metadata: the bytes that are signed."""
    pack = {
        "schema": info.schema,
        "pack_id": _text(info.pack_id),
        "release": _text(info.release),
        "group": _text(info.group),
        "owner": _text(info.owner),
        "language": _text(info.language) or "en",
        "project": _text(info.project),
        "generated_at": info.generated_at.isoformat(),
        "commit": _text(info.commit),
        "due": info.due.isoformat() if info.due else "",
    }
    if info.schema >= TARGET_SCHEMA:
        target = info.target
        pack["target"] = {
            "url": _text(target.url),
            "version": _text(target.version),
            "build": _text(target.build),
            "environment": _text(target.environment),
            "contact": _text(target.contact),
        }
    # Case keys and fingerprints come from tags and hashes: no control characters, only the white space a
    # spreadsheet may add (thousands of rows a pack: the regular expression is kept for the few pack texts).
    listed = [[r.key.strip(), r.row, r.fingerprint.strip(), " ".join(r.locked)] for r in rows]
    document = {"format": FORMAT, "pack": pack, "rows": listed}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign_pack(key: ProjectKey, info: PackInfo, rows: Sequence[PackRow]) -> SignedPack:
    """Return a pack's metadata signed under `key`."""
    data = payload(info, rows)
    return SignedPack(info, tuple(rows), key.key_id, key.sign(data), data)


def check_seal(key: ProjectKey, info: PackInfo, rows: Sequence[PackRow], key_id: str, signature: str) -> Seal:
    """Return whether a pack's metadata carries a valid signature under `key`."""
    if not signature:
        return Seal.UNSIGNED
    if key_id != key.key_id:
        return Seal.OTHER_KEY
    if hmac.compare_digest(signature, key.sign(payload(info, rows))):
        return Seal.VALID
    return Seal.CHANGED


def decode(data: bytes | str) -> Payload:
    """Return a payload's JSON document."""
    document: Payload = json.loads(data)
    return document


def changes(signed: Payload, found: Payload) -> list[str]:
    """Return, in words, how the metadata `found` in a pack differs from the metadata `signed` at export."""
    said: list[str] = []
    before, after = signed["pack"], found["pack"]
    for name, label in _FIELDS.items():
        if before.get(name) != after.get(name):
            said.append(f"{label} {_shown(before.get(name))} → {_shown(after.get(name))}")
    was, now = before.get("target") or {}, after.get("target") or {}
    for name in ("url", "version", "build", "environment", "contact"):
        if was.get(name) != now.get(name):
            said.append(f"{_TARGET_FIELDS[name]} {_shown(was.get(name))} → {_shown(now.get(name))}")
    old = {row[0]: row for row in signed["rows"]}
    new = {row[0]: row for row in found["rows"]}
    lists = (
        ("rows deleted", [key for key in old if key not in new]),
        ("rows added", [key for key in new if key not in old]),
        ("fingerprint changed", [k for k in old if k in new and old[k][2] != new[k][2]]),
        ("locked-cell hashes changed", [k for k in old if k in new and old[k][3] != new[k][3]]),
        ("sheet row changed", [k for k in old if k in new and old[k][1] != new[k][1]]),
    )
    for label, keys in lists:
        if keys:
            said.append(f"{label}: {_listed(keys)}")
    if not said and [row[0] for row in signed["rows"]] != [row[0] for row in found["rows"]]:
        said.append("rows reordered")
    return said


_FIELDS = {
    "pack_id": "pack ID",
    "release": "release",
    "generated_at": "generated-at",
    "due": "due",
    "schema": "schema",
    "commit": "commit",
    "group": "group",
    "owner": "owner",
    "language": "language",
    "project": "project",
}


_TARGET_FIELDS = {
    "url": "where to test",
    "version": "version under test",
    "build": "build under test",
    "environment": "environment",
    "contact": "contact",
}


def _text(value: str) -> str:
    return _ILLEGAL.sub("", value).strip()


def _shown(value: object) -> str:
    return repr(value) if value not in ("", None) else "(empty)"


def _listed(keys: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(keys[:limit])
    return f"{shown} and {len(keys) - limit} more" if len(keys) > limit else shown
