"""The UAT round trip as the commands run it: export signed packs, import returned ones (checking their
signatures first), accept one on trust, report progress."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from uatkit.cases import select_cases
from uatkit.config import Config, LimitsConfig, UatChecksConfig
from uatkit.errors import InputError, Problem, UatkitError
from uatkit.model import Case, PackGrouping, PackLanguage, SourceLocation
from uatkit.project import Project
from uatkit.uat.export import PlannedPack, group_cases, plan_export, write_packs
from uatkit.uat.ledger import (
    CaseState,
    ImportOutcome,
    Ledger,
    Resolution,
    case_states,
    current_marks,
    read_view,
)
from uatkit.uat.ledger_location import has_ledger, ledger_location, ledger_shown, open_ledger
from uatkit.uat.ledger_rounds import Round
from uatkit.uat.ledger_seals import Trust
from uatkit.uat.pack import NO_TARGET, PackTarget, ReadPack, pack_id
from uatkit.uat.progress import Progress, summarise
from uatkit.uat.reader import read_pack
from uatkit.uat.results import ResultsNotWritten, update_results
from uatkit.uat.retest import ChangeRequest, approved_changes, previous_text, reason_text, reasons, retest_id
from uatkit.uat.signing import Seal


@dataclass
class ExportRun:
    """What an export wrote, where a replaced pack with unimported marks was kept, and the UAT results
    rewritten (the issued cases are awaiting UAT in the report until marked)."""

    packs: list[PlannedPack]
    kept: list[Path] = field(default_factory=list)
    results_written: int = 0
    results_error: str = ""


def export_packs(
    project: Project,
    *,
    release: str,
    by: PackGrouping,
    language: PackLanguage,
    everything: bool,
    due: dt.date | None,
    password: str | None,
    force: bool,
    progress: Callable[[PlannedPack], None] | None = None,
    retest: bool = False,
    requests: Sequence[ChangeRequest] = (),
    target: PackTarget = NO_TARGET,
) -> ExportRun:
    """Write the release's packs, carrying forward recorded marks; never drop marks not yet imported.

    With `retest`, write the next round's packs instead, holding only the rows that need testing again
    (none when nothing does); an approved change request of `requests` decided since a group's last
    round sends its requirement's rows again. `target` (where and what to test) goes on every pack.
    """
    config = project.config
    cases = project.cases
    selected = select_cases(cases, ("all",) if everything else config.uat.select)
    if not selected:
        raise UatkitError(
            f"no scenario needs UAT (selected by {', '.join(config.uat.select)}); "
            "tag scenarios @uat or @manual, use --all, or set [tool.uatkit.uat] select"
        )
    current = project.fingerprints
    with open_ledger(project) as ledger:
        states = case_states(ledger.marks(), current, ledger.rounds.numbers())
        previous = current_marks(states)
        ids = {s.key: s.mark_id for s in states if s.mark_id is not None}
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        if retest:
            planned = _plan_retest(
                project, ledger, selected, states, release, by, language, now, due, requests, target
            )
        else:
            planned = plan_export(
                config,
                selected,
                release=release,
                by=by,
                language=language,
                previous=previous,
                now=now,
                commit=project.commit,
                due=due,
                mark_ids=ids,
                target=target,
            )
        kept = _keep_unimported(
            planned,
            ledger,
            current,
            force,
            project.ledger_path.parent / "replaced-packs",
            project.config,
        )
        seals = ledger.seals
        for signed in write_packs(planned, password, progress, seals.key()):
            ledger.register_pack(signed.info, signed.rows)
            seals.register(signed)
        for pack in planned:
            ledger.record_carried(pack.info.pack_id, pack.carried_ids)
            issued = Round(pack.info.pack_id, pack.base_id or pack.info.pack_id, pack.round, now)
            why = {k: ",".join(codes) for k, (codes, _, _) in (pack.retest or {}).items()}
            ledger.rounds.record(issued, why or dict.fromkeys((c.key for c in pack.cases), ""))
        run = ExportRun(planned, kept)
        try:
            run.results_written = update_results(project, ledger)
        except ResultsNotWritten as exc:
            run.results_error = str(exc)
    return run


def _plan_retest(
    project: Project,
    ledger: Ledger,
    selected: Sequence[Case],
    states: Sequence[CaseState],
    release: str,
    by: PackGrouping,
    language: PackLanguage,
    now: dt.datetime,
    due: dt.date | None,
    requests: Sequence[ChangeRequest],
    target: PackTarget,
) -> list[PlannedPack]:
    """Return the next round's packs: per group, the rows that need testing again, each with why."""
    changes = approved_changes(requests)
    by_key = {s.key: s for s in states}
    needing: list[Case] = []
    why: dict[str, tuple[str, ...]] = {}
    numbers: dict[str, int] = {}
    for group, members in group_cases(selected, by).items():
        base = pack_id(release, group)
        latest = ledger.rounds.latest(base)
        # Marks made through packs grouped another way still count: the first re-test is round 2.
        numbers[base] = (latest.number if latest else 1) + 1
        since = latest.issued_at.astimezone(dt.UTC).date() if latest else None
        for case in members:
            codes = reasons(case, by_key.get(case.key), changes, since)
            if codes:
                needing.append(case)
                why[case.key] = codes
    if not needing:
        return []
    planned = plan_export(
        project.config,
        needing,
        release=release,
        by=by,
        language=language,
        previous={},
        now=now,
        commit=project.commit,
        due=due,
        target=target,
    )
    out = []
    for pack in planned:
        base, lang = pack.info.pack_id, pack.info.language
        number = numbers[base]
        identity = retest_id(base, number)
        rows = {
            c.key: (why[c.key], reason_text(why[c.key], lang), previous_text(by_key.get(c.key), lang))
            for c in pack.cases
        }
        info = replace(pack.info, pack_id=identity)
        path = pack.path.with_name(f"{identity}.xlsx")
        out.append(replace(pack, info=info, path=path, round=number, base_id=base, retest=rows))
    return out


def _keep_unimported(
    planned: Sequence[PlannedPack],
    ledger: Ledger,
    current: Mapping[str, str],
    force: bool,
    keep_in: Path,
    config: Config,
) -> list[Path]:
    """Refuse to overwrite a pack holding marks the ledger lacks; with force, keep a copy first."""
    at_risk: list[tuple[Path, int, str]] = []
    for pack in planned:
        if pack.path.exists() and not pack.path.is_file():
            # A FIFO or device cannot be kept as a copy, nor read; it is never replaced silently.
            raise UatkitError(
                f"{pack.path}: not a regular file, where the pack is to be written; move it away and "
                "export again"
            )
        if pack.path.exists():
            # The rules of an import decide what is new: a carried row read back without its evidence
            # file, or with a text cut to fit its cell, is a mark the ledger holds. The file is
            # inspected against the limits first, so a hostile one at a pack's path is refused, not read.
            read = read_pack(pack.path, current, config.limits, rules=config.uat.checks)
            unsaved = ledger.unrecorded(read) if read.ok else []
            if unsaved or not read.ok:
                why = read.errors[0].message if read.errors else ""
                at_risk.append((pack.path, len(unsaved), why))
    if not at_risk:
        return []
    if not force:
        listing = "; ".join(
            f"{path} has {n} mark(s) not in the ledger" if n else f"{path} cannot be read as a pack ({why})"
            for path, n, why in at_risk
        )
        raise UatkitError(
            f"{listing}. Import it first (`uatkit uat import {at_risk[0][0].parent}`), "
            "or pass --force to replace it (a copy is kept)"
        )
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = []
    for path, _, _ in at_risk:
        keep_in.mkdir(parents=True, exist_ok=True)
        copy = keep_in / f"{path.stem}.{stamp}{path.suffix}"
        shutil.copy2(path, copy)
        kept.append(copy)
    return kept


@dataclass
class ImportRun:
    """What an import did: the files imported, refused, and their problems."""

    outcomes: list[ImportOutcome] = field(default_factory=list)
    refused: list[ReadPack] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    results_written: int = 0
    #: Why the UAT results could not be written after the marks were recorded; "" when they were.
    results_error: str = ""

    @property
    def failed(self) -> bool:
        """Return True when any file could not be imported, or the UAT results not written."""
        return bool(self.refused) or bool(self.results_error)


def import_packs(
    project: Project,
    files: Sequence[Path],
    progress: Callable[[Path], None] | None = None,
) -> ImportRun:
    """Check and import pack files (from `reader.find_packs`), one transaction a file; update UAT results."""
    current = project.fingerprints
    run = ImportRun()
    with open_ledger(project) as ledger:
        seals = ledger.seals
        for read in read_packs(files, current, project.config.limits, project.config.uat.checks):
            run.warnings += read.warnings
            # No file stops the others: one that cannot be checked or recorded is refused, named, and
            # the run goes on (the command exits 2 at the end).
            try:
                # The signature is checked before anything is recorded; a file imported before, byte
                # for byte, adds nothing and is reported as such.
                if read.info is not None and not ledger.is_imported(read.sha256):
                    seals.check(read)
                if read.ok:
                    run.outcomes.append(ledger.import_pack(read))
                else:
                    run.refused.append(read)
            except (UatkitError, OSError) as exc:
                run.refused.append(_failed(read.path, exc, read))
            if progress:
                progress(read.path)
        try:
            run.results_written = update_results(project, ledger)
        except ResultsNotWritten as exc:
            run.results_error = str(exc)
    return run


def resolve_conflict(project: Project, key: str, keep: int, by: str, why: str) -> tuple[Resolution, int]:
    """Record the resolution of a case's conflict and rewrite the UAT results; return it and the count."""
    if not has_ledger(project):  # a folder there is named so by `Ledger.open`
        raise UatkitError(f"no UAT ledger at {ledger_shown(project)}: import returned packs first")
    with open_ledger(project) as ledger:
        resolution = ledger.resolve(key, keep, by, why)
        written = update_results(project, ledger)
    return resolution, written


def trust_pack(project: Project, path: Path, *, by: str, reason: str) -> tuple[Trust, ImportRun]:
    """Accept one pack without a valid signature explicitly (recorded: who, why, its hash), then import it.

    Only what the ledger cannot judge is accepted: a pack with no signature, or one signed with another
    key (a lost or replaced ledger). A pack signed by this ledger whose metadata changed is never accepted.
    """
    by, reason = by.strip(), reason.strip()
    if not by or not reason:
        missing = "--by NAME" if not by else "--reason TEXT"
        raise UatkitError(f"say who accepts the pack and why: {missing} is empty")
    with open_ledger(project) as ledger:
        read = read_pack(path, project.fingerprints, project.config.limits, rules=project.config.uat.checks)
        if not read.ok:
            raise InputError(read.errors)
        seals = ledger.seals
        seal = seals.seal(read)
        if seal is Seal.VALID:
            raise UatkitError(
                f"{path}: the pack is signed by this project and its metadata is as exported; nothing to "
                f"trust, import it with `uatkit uat import {path}`"
            )
        if seal is Seal.CHANGED:
            raise UatkitError(f"{path}: cannot be trusted: {seals.refusal(read, seal)}")
        trust = seals.trust(read, seal, by, reason)
    return trust, import_packs(project, [path])


def read_packs(
    files: Sequence[Path],
    current: Mapping[str, str],
    limits: LimitsConfig | None = None,
    rules: UatChecksConfig | None = None,
) -> Iterator[ReadPack]:
    """Yield each file read and checked, in order; a file that fails to read is yielded refused."""
    # Reading in worker processes was measured slower on 2 cores (start-up and pickling the marks back).
    for path in files:
        try:
            read = read_pack(path, current, limits, rules=rules)
        except (UatkitError, OSError) as exc:
            read = _failed(path, exc)
        yield read


def _failed(path: Path, exc: UatkitError | OSError, read: ReadPack | None = None) -> ReadPack:
    """Return `read` (or an empty read of `path`) refused with the error that stopped it."""
    if isinstance(exc, OSError):
        message = f"cannot be read or recorded ({exc.strerror or exc}); fix that and import it again"
    else:
        message = str(exc).removeprefix(f"{path}: ")
    refused = read if read is not None else ReadPack(path, "")
    refused.errors = [*refused.errors, Problem(SourceLocation(str(path)), message)]
    return refused


def uat_progress(project: Project) -> Progress:
    """Return progress per pack, module and tester from the ledger."""
    view = read_view(
        ledger_location(project),
        project.fingerprints,
        project.config.uat.release,
        wait=project.config.uat.busy_timeout,
    )
    if view is None:
        raise UatkitError(
            f"no UAT ledger at {ledger_shown(project)}: export packs with `uatkit uat export` first"
        )
    return summarise(
        view.packs, {c.key: c for c in project.cases}, view.states, view.signoffs, view.resolutions
    )
