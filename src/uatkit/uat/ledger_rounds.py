"""The ledger's re-test rounds: each pack ID's round, when it was issued, which rows it holds and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from uatkit.uat.ledger_db import LedgerDb
from uatkit.uat.ledger_schema import transaction


@dataclass(frozen=True)
class Round:
    """One issue of a pack: its ID, the pack it follows (its own ID in a round 1), its number and time."""

    pack_id: str
    base_id: str
    number: int
    issued_at: dt.datetime


class PackRounds:
    """The rounds recorded in one open ledger."""

    def __init__(self, conn: LedgerDb) -> None:
        self._conn = conn

    def record(self, issued: Round, reasons: Mapping[str, str]) -> None:
        """Record a pack's round and its rows' reasons; a pack exported again keeps its round, issued anew."""
        with transaction(self._conn) as conn:
            conn.execute(
                "INSERT INTO pack_rounds (pack_id, base_id, round, issued_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (pack_id) DO UPDATE SET issued_at = excluded.issued_at",
                (issued.pack_id, issued.base_id, issued.number, issued.issued_at.isoformat()),
            )
            conn.execute("DELETE FROM round_rows WHERE pack_id = ?", (issued.pack_id,))
            conn.executemany(
                "INSERT INTO round_rows (pack_id, key, reasons) VALUES (?, ?, ?)",
                [(issued.pack_id, key, why) for key, why in reasons.items()],
            )

    def latest(self, base_id: str) -> Round | None:
        """Return the latest round issued of a release and group's pack, or None when none was."""
        row = self._conn.execute(
            "SELECT pack_id, base_id, round, issued_at FROM pack_rounds WHERE base_id = ?"
            " ORDER BY round DESC, issued_at DESC LIMIT 1",
            (base_id,),
        ).fetchone()
        return _round(row) if row is not None else None

    def numbers(self) -> dict[str, int]:
        """Return each recorded pack ID's round number."""
        return {
            pack_id: number
            for pack_id, number in self._conn.execute("SELECT pack_id, round FROM pack_rounds")
        }

    def reasons(self, pack_id: str) -> dict[str, str]:
        """Return why each row of a pack was issued (reason codes, comma-separated; "" in a round 1)."""
        rows = self._conn.execute("SELECT key, reasons FROM round_rows WHERE pack_id = ?", (pack_id,))
        return {key: why for key, why in rows}


def _round(row: Sequence[object]) -> Round:
    pack_id, base_id, number, issued_at = tuple(row)
    return Round(str(pack_id), str(base_id), int(str(number)), dt.datetime.fromisoformat(str(issued_at)))
