"""The ledger's filed defects: which failure was filed in which tracker as which issue, by whom, when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from uatkit.uat.ledger_db import LedgerDb
from uatkit.uat.ledger_schema import transaction


@dataclass(frozen=True)
class FiledDefect:
    """One defect filed in a tracker: the failure (mark or result), the issue, who filed it and when.

    `how` is "created" when uatkit created the issue, "found" when a search found it filed already (by an
    import of the CSV uatkit wrote, or by an earlier push whose record was lost).
    """

    defect_id: str
    case_key: str
    level: str
    mark_id: int | None
    run_id: str
    result_uuid: str
    tracker: str
    tracker_url: str
    key: str
    url: str
    how: str
    filed_by: str
    tracker_user: str
    filed_at: dt.datetime | None = None


class FiledDefects:
    """The filed defects recorded in one open ledger."""

    def __init__(self, conn: LedgerDb) -> None:
        self._conn = conn

    def record(self, filed: FiledDefect) -> FiledDefect:
        """Record one filed defect in a transaction of its own; return it with the time it was recorded."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with transaction(self._conn) as conn:
            conn.execute(
                "INSERT INTO filed_defects (defect_id, case_key, level, mark_id, run_id, result_uuid,"
                " tracker, tracker_url, issue_key, issue_url, how, filed_by, tracker_user, filed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    filed.defect_id,
                    filed.case_key,
                    filed.level,
                    filed.mark_id,
                    filed.run_id,
                    filed.result_uuid,
                    filed.tracker,
                    filed.tracker_url,
                    filed.key,
                    filed.url,
                    filed.how,
                    filed.filed_by,
                    filed.tracker_user,
                    now,
                ),
            )
        return replace(filed, filed_at=dt.datetime.fromisoformat(now))

    def all(self) -> list[FiledDefect]:
        """Return every filed defect, oldest first."""
        rows = self._conn.execute(
            "SELECT defect_id, case_key, level, mark_id, run_id, result_uuid, tracker, tracker_url,"
            " issue_key, issue_url, how, filed_by, tracker_user, filed_at FROM filed_defects ORDER BY id"
        )
        return [
            FiledDefect(
                defect_id=row[0],
                case_key=row[1],
                level=row[2],
                mark_id=row[3],
                run_id=row[4],
                result_uuid=row[5],
                tracker=row[6],
                tracker_url=row[7],
                key=row[8],
                url=row[9],
                how=row[10],
                filed_by=row[11],
                tracker_user=row[12],
                filed_at=dt.datetime.fromisoformat(row[13]),
            )
            for row in rows
        ]

    def find(self, defect_id: str, tracker: str, tracker_url: str) -> FiledDefect | None:
        """Return the defect filed with this stable ID in this tracker, or None."""
        return next(
            (
                f
                for f in self.all()
                if f.defect_id == defect_id and f.tracker == tracker and f.tracker_url == tracker_url
            ),
            None,
        )
