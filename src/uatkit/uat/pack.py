"""What a UAT pack is: its identity (written to the metadata sheet) and what reading a returned one gives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from uatkit.errors import Problem
from uatkit.model import Mark, SignOff
from uatkit.text import slug


@dataclass(frozen=True)
class PackTarget:
    """Where and what the business users test: the system's URL, its version and build, the environment's
    name, and whom to ask. Shown on the Instructions sheet, kept and signed in the metadata (schema 2)."""

    url: str = ""
    version: str = ""
    build: str = ""
    environment: str = ""
    contact: str = ""

    def __bool__(self) -> bool:
        return any((self.url, self.version, self.build, self.environment, self.contact))


NO_TARGET = PackTarget()


@dataclass(frozen=True)
class PackInfo:
    """A pack's identity and context, shown on its Instructions sheet and kept in its metadata sheet."""

    pack_id: str
    release: str
    group: str
    owner: str
    language: str
    project: str
    generated_at: dt.datetime
    commit: str = ""
    due: dt.date | None = None
    schema: int = 1
    #: Where and what to test; written and signed from pack schema 2 on (empty in a schema 1 pack).
    target: PackTarget = field(default_factory=PackTarget)


@dataclass(frozen=True)
class PackRow:
    """A case row as the pack's metadata sheet lists it: key, sheet row, fingerprint when exported, and
    the 8-hex hashes of its locked cells' text (one a locked column)."""

    key: str
    row: int
    fingerprint: str
    locked: tuple[str, ...] = ()


@dataclass
class ReadPack:
    """A returned pack as read and checked, ready for the ledger.

    `errors` stop the file from importing (all its rows or none); `warnings` are reported and the file
    imports. `marks` hold only executed rows (Not run records nothing); `rows` list every case the pack had.
    `key_id` and `signature` are the metadata's signature as found (empty in a pack written unsigned).
    """

    path: Path
    sha256: str
    info: PackInfo | None = None
    rows: list[PackRow] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    signoff: SignOff | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: When the workbook says it was last saved (docProps/core.xml), UTC; tells a re-sent correction from
    #: an older copy imported late. None when the file does not say.
    saved_at: dt.datetime | None = None
    key_id: str = ""
    signature: str = ""

    @property
    def folder(self) -> Path:
        """Return the folder evidence files are looked up in (never outside it)."""
        return self.path.parent

    @property
    def ok(self) -> bool:
        """Return True when the file can be imported."""
        return not self.errors and self.info is not None


def pack_id(release: str, group: str) -> str:
    """Return a stable pack ID for a release and a module or owner: `R1.0-sales-operations`."""
    return f"{release}-{slug(group) or 'pack'}"
