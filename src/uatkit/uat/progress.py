"""UAT progress: per pack, module and tester, how many cases were executed and how they came out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from uatkit.model import Case, Mark, SignOff, Status
from uatkit.uat.ledger import CaseState, PackSummary, Resolution

NO_TESTER = "(no tester)"


@dataclass(frozen=True)
class ProgressRow:
    """Counts for a group of cases; each case is executed, blocked, stale, in conflict or not run.

    `executed` counts current, fresh marks that say how the case went (pass + fail + n/a); a blocked case
    could not be executed (its tester says why), so "100 % executed" never hides one; a stale mark or a
    conflict must be tested again before it counts.
    """

    name: str
    cases: int = 0
    executed: int = 0
    passed: int = 0
    failed: int = 0
    blocked: int = 0
    na: int = 0
    stale: int = 0
    conflicts: int = 0

    @property
    def executed_pct(self) -> float:
        """Return executed cases as a percentage of all, rounded to one decimal (0 for no cases)."""
        return round(100 * self.executed / self.cases, 1) if self.cases else 0.0

    @property
    def not_run(self) -> int:
        """Return the cases with no mark at all."""
        return self.cases - self.executed - self.blocked - self.stale - self.conflicts

    def as_dict(self, label: str | None = None) -> dict[str, Any]:
        """Return the row for JSON, keys in a stable order, the name under `label` (left out without one)."""
        named: dict[str, Any] = {label: self.name} if label else {}
        return named | {
            "cases": self.cases,
            "executed": self.executed,
            "executed_pct": self.executed_pct,
            "pass": self.passed,
            "fail": self.failed,
            "blocked": self.blocked,
            "na": self.na,
            "stale": self.stale,
            "conflicts": self.conflicts,
            "not_run": self.not_run,
        }


@dataclass(frozen=True)
class Conflict:
    """A case whose marks of the latest date say different things, with the mark IDs to choose from."""

    key: str
    marks: tuple[tuple[int, Mark], ...]

    @property
    def command(self) -> str:
        """Return the command that settles it, to be completed with the mark kept, who and why."""
        return f"uatkit uat resolve {self.key} --keep MARK-ID --by NAME --reason TEXT"

    def as_dict(self) -> dict[str, Any]:
        """Return the conflict for JSON: the case, each mark with where it came from, the command."""
        return {
            "case": self.key,
            "marks": [
                {
                    "id": mark_id,
                    "status": mark.status.value,
                    "tester": mark.tester,
                    "date": mark.date.isoformat() if mark.date else None,
                    "pack": mark.pack_id,
                    "actual": mark.actual,
                    "defect": mark.defect,
                    "file": mark.source.path if mark.source else "",
                    "sheet": mark.source.sheet if mark.source else None,
                    "row": mark.source.row if mark.source else None,
                }
                for mark_id, mark in self.marks
            ],
            "resolve": self.command,
        }


@dataclass(frozen=True)
class Progress:
    """UAT progress over all cases, and per pack, module and tester."""

    total: ProgressRow
    packs: tuple[ProgressRow, ...]
    modules: tuple[ProgressRow, ...]
    testers: tuple[ProgressRow, ...]
    #: Each pack's latest sign-off decision ("" when not signed yet).
    signoffs: Mapping[str, str] | None = None
    #: The cases in conflict, in case order, and the recorded resolutions of the cases in scope.
    conflicts: tuple[Conflict, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    #: Each pack's round: 1 issued in full, 2, 3 … a re-test round (`uat export --retest`).
    rounds: Mapping[str, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the progress for JSON, keys and rows in a stable order."""
        decisions, rounds = self.signoffs or {}, self.rounds or {}
        return {
            "total": self.total.as_dict(),
            "packs": [
                {"pack": row.name, "round": rounds.get(row.name, 1)}
                | row.as_dict()
                | {"signoff": decisions.get(row.name, "")}
                for row in self.packs
            ],
            "modules": [row.as_dict("module") for row in self.modules],
            "testers": [row.as_dict("tester") for row in self.testers],
            "conflicts": [conflict.as_dict() for conflict in self.conflicts],
            "resolutions": [
                {
                    "case": r.key,
                    "kept": r.kept,
                    "replaced": list(r.replaced),
                    "by": r.by,
                    "at": r.at.isoformat(),
                    "why": r.why,
                }
                for r in self.resolutions
            ],
        }


def summarise(
    packs: Sequence[PackSummary],
    cases: Mapping[str, Case],
    states: Mapping[str, CaseState],
    signoffs: Mapping[str, SignOff] | None = None,
    resolutions: Sequence[Resolution] = (),
) -> Progress:
    """Return progress: packs in the given order, modules in case order, testers by name.

    Modules and the total count the cases in UAT scope: those of the packs (every case when there is none).
    """
    in_packs = {r.key for pack in packs for r in pack.rows}
    cases = {key: case for key, case in cases.items() if key in in_packs} if in_packs else cases
    modules: dict[str, list[str]] = {}
    for key, case in cases.items():
        modules.setdefault(case.module, []).append(key)
    testers: dict[str, list[CaseState]] = {}
    for key in cases:
        state = states.get(key)
        if state is None:
            continue
        marks = state.conflict or ((state.mark,) if state.mark else ())
        for tester in dict.fromkeys(m.tester or NO_TESTER for m in marks):
            testers.setdefault(tester, []).append(state)
    return Progress(
        total=_row("all", (states.get(key) for key in cases)),
        packs=tuple(
            _row(pack.pack_id, (states.get(key) for key in dict.fromkeys(r.key for r in pack.rows)))
            for pack in packs
        ),
        modules=tuple(_row(name, (states.get(k) for k in keys)) for name, keys in modules.items()),
        testers=tuple(_row(name, testers[name]) for name in sorted(testers, key=str.casefold)),
        signoffs={
            pack: signoff.decision.value if signoff.decision else ""
            for pack, signoff in (signoffs or {}).items()
        },
        conflicts=tuple(
            Conflict(key, tuple(zip(state.conflict_ids, state.conflict, strict=True)))
            for key in cases
            if (state := states.get(key)) is not None and state.conflict
        ),
        resolutions=tuple(r for r in resolutions if r.key in cases),
        rounds={pack.pack_id: pack.round for pack in packs},
    )


def _row(name: str, states: Iterable[CaseState | None]) -> ProgressRow:
    counts = dict.fromkeys(("cases", "executed", "stale", "conflicts"), 0)
    by_status = dict.fromkeys(Status, 0)
    for state in states:
        counts["cases"] += 1
        if state is None:
            continue
        if state.conflict:
            counts["conflicts"] += 1
        elif state.mark is not None and state.stale:
            counts["stale"] += 1
        elif state.status is not None:
            counts["executed"] += state.status is not Status.BLOCKED
            by_status[state.status] += 1
    return ProgressRow(
        name=name,
        passed=by_status[Status.PASS],
        failed=by_status[Status.FAIL],
        blocked=by_status[Status.BLOCKED],
        na=by_status[Status.NA],
        **counts,
    )
