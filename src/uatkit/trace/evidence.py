"""The evidence set: the manifest `uatkit report` writes beside the merged results, and the set read back.

`uatkit report` declares what it merged in `<merged>/uatkit-evidence.json`: each results folder with its
content hash, result count, time span and runs, the UAT ledger's state, and the merged set's hash. `trace`
and `signoff` read exactly that set (or the folders given with --results, saying it is not the report's),
compare hashes, never file times, and say when newer evidence exists (docs/trace.md, "The evidence set").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path

import msgspec

from uatkit.allure.merge import MANIFEST_FILE, MergeSummary, merge_results
from uatkit.allure.read import expand_folders, load_json
from uatkit.allure.runs import RUN_FILE_GLOB, RUN_LABEL, RunRecord, read_run_records
from uatkit.atomic import atomic_write_text
from uatkit.errors import UatkitError
from uatkit.model import UAT_LAYER
from uatkit.project import Project
from uatkit.secrets import secret_rules
from uatkit.trace.model import EvidenceKind, EvidenceSet, RunFacts
from uatkit.uat.ledger import LedgerState, SignoffRecord
from uatkit.uat.ledger_location import has_ledger, ledger_shown, open_ledger
from uatkit.uat.stale_results import UNKNOWN, StaleMark, mark_stale

MANIFEST_SCHEMA = 1
#: Hex digits of the manifest's content hash that make its ID.
ID_LENGTH = 16
#: The digest of a ledger holding nothing, as `Ledger.state` gives it: no ledger file is the same state.
EMPTY_LEDGER = LedgerState(f"sha256:{hashlib.sha256().hexdigest()}", 0, 0)
_REFRESH = "run `uatkit report` to declare the evidence set again"


class Source(msgspec.Struct, frozen=True, kw_only=True):
    """One results folder as the report merged it."""

    #: Relative to the project (absolute when outside it).
    path: str
    #: Result files (retries included) and a sha256 over them and the run records, names and bytes.
    results: int
    hash: str
    #: The first start and the last stop of its results (ISO 8601, UTC; "" when none says).
    first_start: str
    last_stop: str
    runs: tuple[RunFacts, ...]


class LedgerFacts(msgspec.Struct, frozen=True, kw_only=True):
    """The UAT ledger's state the report read."""

    path: str
    digest: str
    marks: int
    decisions: int


class Merged(msgspec.Struct, frozen=True, kw_only=True):
    """The merged results folder: what trace and signoff read."""

    path: str
    results: int
    hash: str


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    """The evidence manifest: what one `uatkit report` merged, and its ID (a hash of that content)."""

    schema: int
    id: str
    created: str
    project: str
    commit: str
    release: str
    sources: tuple[Source, ...]
    ledger: LedgerFacts | None
    merged: Merged


class _Head(msgspec.Struct):
    schema: int


@dataclass(frozen=True)
class Scan:
    """A results folder read for the evidence: its hash, result count, time span and runs."""

    source: Source
    problems: tuple[str, ...] = ()


def evidence_files(folder: Path) -> list[Path]:
    """Return the files a results folder's hash covers: its results and run records, by name."""
    files = [*folder.glob("*-result.json"), *folder.glob(RUN_FILE_GLOB)]
    return sorted((f for f in files if f.is_file()), key=lambda f: f.name)


def folder_hash(folder: Path) -> tuple[str, int]:
    """Return the sha256 over a folder's result files and run records (names and bytes) and its results."""
    digest = hashlib.sha256()
    results = 0
    for path in evidence_files(folder):
        data = path.read_bytes()
        digest.update(b"%s\0%d\0" % (path.name.encode("utf-8"), len(data)) + data)
        results += path.name.endswith("-result.json")
    return f"sha256:{digest.hexdigest()}", results


def scan(project: Project, folder: Path) -> Scan:
    """Read a results folder once: its hash, result count, time span and the runs its results belong to."""
    digest = hashlib.sha256()
    results, starts, stops = 0, [], []
    labelled: dict[str, None] = {}
    for path in evidence_files(folder):
        data = path.read_bytes()
        digest.update(b"%s\0%d\0" % (path.name.encode("utf-8"), len(data)) + data)
        if not path.name.endswith("-result.json"):
            continue
        results += 1
        try:
            found = load_json(data.decode("utf-8"))
        except ValueError:
            continue  # the merge and the matrix name an unreadable result; its bytes are in the hash
        if not isinstance(found, dict):
            continue
        starts += [found["start"]] if isinstance(found.get("start"), int) else []
        stops += [found["stop"]] if isinstance(found.get("stop"), int) else []
        for label in found.get("labels") or ():
            if isinstance(label, dict) and label.get("name") == RUN_LABEL and label.get("value"):
                labelled[str(label["value"])] = None
    shown = project.shown(folder)
    records, problems = read_run_records(folder)
    runs = [run_facts(record, shown) for record in records]
    known = {record.run_id for record in records}
    runs += [RunFacts(run_id, shown, recorded=False) for run_id in labelled if run_id not in known]
    source = Source(
        path=shown,
        results=results,
        hash=f"sha256:{digest.hexdigest()}",
        first_start=_moment(min(starts)) if starts else "",
        last_stop=_moment(max(stops)) if stops else "",
        runs=tuple(runs),
    )
    return Scan(source, tuple(problems))


def run_facts(record: RunRecord, folder: str) -> RunFacts:
    """Return what a run record says, as the matrix and the sign-off show it."""
    browser = " ".join(filter(None, (record.browser_name, record.browser_version)))
    if browser and record.browser_endpoint:
        browser += f", remote: {record.browser_endpoint}"
    return RunFacts(
        run_id=record.run_id,
        folder=folder,
        started=record.started,
        stopped=record.stopped,
        levels=record.levels,
        tests=record.tests,
        app_version=record.app_version or "",
        app_build=record.app_build or "",
        environment=record.environment or "",
        base_url=record.base_url or "",
        browser=browser,
        commit=(record.commit or "") + ("-dirty" if record.commit and record.dirty else ""),
        shard=record.shard or "",
        host=record.host or "",
    )


def ledger_state(project: Project) -> LedgerState:
    """Return the UAT ledger's state; no ledger holds nothing, like an empty one."""
    if not has_ledger(project):
        return EMPTY_LEDGER
    with open_ledger(project) as ledger:
        return ledger.state()


def build_manifest(
    project: Project,
    folders: Sequence[Path],
    merged: Path,
    *,
    shown: Path,
    now: dt.datetime,
    state: LedgerState | None = None,
) -> tuple[Manifest, list[str]]:
    """Return the manifest of a merge (`merged` is the folder built, `shown` where it goes) and problems;
    `state` is the ledger's state the merged UAT results were written from (read now when not given)."""
    scans = [scan(project, folder) for folder in folders]
    digest, results = folder_hash(merged)
    state = state or ledger_state(project)
    ledger = None
    if has_ledger(project):
        where = ledger_shown(project)
        ledger = LedgerFacts(path=where, digest=state.digest, marks=state.marks, decisions=state.decisions)
    manifest = Manifest(
        schema=MANIFEST_SCHEMA,
        id="",
        created=now.isoformat(timespec="seconds"),
        project=project.config.project_name,
        commit=project.commit,
        release=project.config.uat.release,
        sources=tuple(s.source for s in scans),
        ledger=ledger,
        merged=Merged(path=project.shown(shown), results=results, hash=digest),
    )
    manifest = msgspec.structs.replace(manifest, id=manifest_id(manifest))
    return manifest, [problem for s in scans for problem in s.problems]


def merge_and_declare(
    project: Project,
    folders: Sequence[Path],
    environment: Mapping[str, str],
    executor: Mapping[str, str] | None,
    *,
    state: LedgerState | None = None,
) -> tuple[MergeSummary, Manifest, list[str]]:
    """Merge results folders into the project's merged folder with their evidence manifest, in one swap;
    `state` is the ledger's state the UAT results were written from (`uatkit.uat.results.results_held`)."""
    merged = project.merged_results
    declared: list[tuple[Manifest, list[str]]] = []
    stale: list[StaleMark] = []

    def declare(target: Path) -> None:
        # A mark made against an older scenario shows as the matrix shows it (stale) before the set is hashed.
        stale.extend(mark_stale(target, project.fingerprints))
        now = dt.datetime.now().astimezone().replace(microsecond=0)
        manifest, problems = build_manifest(project, folders, target, shown=merged, now=now, state=state)
        write_manifest(target, manifest)
        declared.append((manifest, problems))

    summary = merge_results(
        folders,
        merged,
        environment,
        executor,
        finish=declare,
        secrets=secret_rules(project.config.secrets.fields, project.config.secrets.env),
    )
    ((manifest, problems),) = declared
    if stale:
        summary = replace(summary, by_layer=_restated(summary.by_layer, stale))
        keys = _listed_keys([mark.key for mark in stale])
        problems = [
            *problems,
            f"{len(stale)} UAT mark{'s' if len(stale) != 1 else ''} made against an older version of "
            f"{'their scenarios' if len(stale) != 1 else 'its scenario'} shown as stale, not as marked: "
            f"{keys} (test again in a re-test round: uatkit uat export --retest)",
        ]
    return summary, manifest, problems


def _restated(
    by_layer: Mapping[str, Mapping[str, int]], stale: Sequence[StaleMark]
) -> dict[str, dict[str, int]]:
    """Return the merge's counts by layer and status with the stale marks moved to unknown."""
    counts = {layer: dict(statuses) for layer, statuses in by_layer.items()}
    uat = counts.setdefault(UAT_LAYER, {})
    for mark in stale:
        uat[mark.was] = uat.get(mark.was, 0) - 1
        uat[UNKNOWN] = uat.get(UNKNOWN, 0) + 1
    counts[UAT_LAYER] = {status: n for status, n in uat.items() if n}
    return counts


def _listed_keys(keys: Sequence[str], shown: int = 5) -> str:
    return ", ".join(keys[:shown]) + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


def manifest_lines(manifest: Manifest) -> list[str]:
    """Return a manifest's summary for the terminal: the set, its folders, runs and facts, the ledger."""
    runs = [run for source in manifest.sources for run in source.runs]
    lines = [
        f"Evidence set {manifest.id}: {manifest.merged.results} results in {manifest.merged.path} "
        f"({manifest.merged.hash[:19]}…), declared {manifest.created}"
        + (f" at commit {manifest.commit}" if manifest.commit else "")
    ]
    for source in manifest.sources:
        span = f", {source.first_start} to {source.last_stop}" if source.first_start else ""
        count = len({run.run_id for run in source.runs})
        runs_here = f"{count} run{'s' if count != 1 else ''}"
        shards = sorted({run.shard for run in source.runs if run.shard})
        runs_here += f" (shard {', '.join(shards)})" if shards else ""
        lines.append(f"  from {source.path}: {source.results} result files, {runs_here}{span}")
    recorded = [run for run in runs if run.recorded]
    view = EvidenceSet(
        EvidenceKind.REPORT, (manifest.merged.path,), release=manifest.release, runs=tuple(recorded)
    )
    lines += [f"  {label}: {value}" for label, value in view.facts() if value != "no run records"]
    if manifest.ledger:
        ledger = manifest.ledger
        lines.append(
            f"  UAT ledger {ledger.path}: {ledger.marks} marks, {ledger.decisions} pack decisions "
            f"({ledger.digest[:19]}…)"
        )
    else:
        lines.append("  UAT ledger: none yet")
    return lines


def manifest_id(manifest: Manifest) -> str:
    """Return a manifest's ID: the hash of what it declares, all but its ID and when it was written.

    The same evidence declared twice has the same ID.
    """
    content = msgspec.structs.replace(manifest, id="", created="")
    return hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()[:ID_LENGTH]


def manifest_text(manifest: Manifest) -> str:
    """Return the manifest as deterministic JSON text (sorted keys, indented, one trailing newline)."""
    data = msgspec.json.encode(manifest, order="sorted")
    return json.dumps(json.loads(data), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write the manifest into a merged results folder atomically; return its path."""
    path = folder / MANIFEST_FILE
    atomic_write_text(path, manifest_text(manifest))
    return path


def read_manifest(path: Path) -> Manifest | None:
    """Return the manifest at `path`, None when there is none; a damaged or edited one is an error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    again = f"; run `uatkit report` to write it again (it replaces {path.parent.name})"
    try:
        schema = msgspec.json.decode(data, type=_Head).schema
        if schema != MANIFEST_SCHEMA:
            raise UatkitError(
                f"{path}: evidence manifest schema {schema}, this uatkit reads {MANIFEST_SCHEMA}{again}"
            )
        manifest = msgspec.json.decode(data, type=Manifest)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UatkitError(f"{path}: not a readable evidence manifest ({exc}){again}") from None
    if manifest.id != manifest_id(manifest):
        raise UatkitError(
            f"{path}: the manifest does not match its ID: it was edited after `uatkit report`{again}"
        )
    return manifest


def choose_evidence(project: Project, given: Sequence[Path] | None = None) -> EvidenceSet:
    """Return the evidence set trace and signoff read: the report's, the folders given, or the raw ones.

    Never by file time: the report's manifest names its set, and content hashes say what changed since.
    The set also names the scenarios it is judged against (`scenarios_digest`).
    """
    return replace(_choose(project, given), scenarios_digest=scenarios_digest(project.fingerprints))


def scenarios_digest(fingerprints: Mapping[str, str]) -> str:
    """Return a digest over each case row and its scenario's fingerprint, in key order."""
    digest = hashlib.sha256()
    for key in sorted(fingerprints):
        digest.update(f"{key}\0{fingerprints[key]}\n".encode())
    return f"sha256:{digest.hexdigest()}"


def _choose(project: Project, given: Sequence[Path] | None = None) -> EvidenceSet:
    state = ledger_state(project)
    manifest = read_manifest(project.merged_results / MANIFEST_FILE)
    if given:
        missing = [folder for folder in given if not folder.is_dir()]
        if missing:
            raise UatkitError(f"--results {missing[0]}: no such results folder")
        report = (
            f"the report's evidence set is {manifest.id} ({manifest.merged.path})"
            if manifest
            else "no `uatkit report` has declared an evidence set"
        )
        note = f"read from the folders given with --results: not the evidence set of the report ({report})"
        return _scanned(project, EvidenceKind.GIVEN, list(given), state, manifest, note)
    if manifest is None:
        folders = expand_folders(project.root, project.config.report.results)
        note = (
            "no `uatkit report` yet: the configured results folders, an unreported set; run `uatkit report`"
        )
        if project.merged_results.is_dir():
            merged = project.shown(project.merged_results)
            note += f" ({merged} has no evidence manifest and is not read)"
        return _scanned(project, EvidenceKind.UNREPORTED, folders, state, None, note)
    return _reported(project, manifest, state)


def _scanned(
    project: Project,
    kind: EvidenceKind,
    folders: list[Path],
    state: LedgerState,
    manifest: Manifest | None,
    note: str,
) -> EvidenceSet:
    scans = [scan(project, folder) for folder in folders]
    digest = hashlib.sha256()
    for s in scans:
        digest.update(f"{s.source.path}\0{s.source.hash}\n".encode())
    return EvidenceSet(
        kind=kind,
        folders=tuple(s.source.path for s in scans),
        paths=tuple(folders),
        results_hash=f"sha256:{digest.hexdigest()}",
        results=sum(s.source.results for s in scans),
        manifest_id=manifest.id if manifest else "",
        created=manifest.created if manifest else "",
        release=project.config.uat.release,
        commit=project.commit,
        runs=tuple(run for s in scans for run in s.source.runs),
        ledger_digest=state.digest,
        ledger_marks=state.marks,
        notes=(note, *(problem for s in scans for problem in s.problems)),
    )


def _reported(project: Project, manifest: Manifest, state: LedgerState) -> EvidenceSet:
    merged = project.merged_results
    drift: list[str] = []
    notes: list[str] = []
    unreported: list[str] = []
    digest, results = folder_hash(merged)
    if digest != manifest.merged.hash:
        unreported.append(manifest.merged.path)
        drift.append(
            f"{manifest.merged.path} changed after `uatkit report` declared it ({results} results now, "
            f"{manifest.merged.results} declared): {_REFRESH}"
        )
    for source in manifest.sources:
        folder = _path(project, source.path)
        if not folder.is_dir():
            notes.append(f"{source.path}: no longer there; the evidence set keeps the results merged from it")
            continue
        now, count = folder_hash(folder)
        if now != source.hash:
            unreported.append(source.path)
            drift.append(
                f"{source.path} holds results the evidence set does not ({count} result files now, "
                f"{source.results} when reported): {_REFRESH}"
            )
    merged_from = {_path(project, s.path).resolve() for s in manifest.sources}
    for folder in expand_folders(project.root, project.config.report.results):
        if folder.resolve() not in merged_from and any(folder.glob("*-result.json")):
            sources = ", ".join(s.path for s in manifest.sources)
            notes.append(f"{project.shown(folder)}: not in this evidence set (the report merged {sources})")
    declared = manifest.ledger.digest if manifest.ledger else EMPTY_LEDGER.digest
    if declared != state.digest:
        then = manifest.ledger.marks if manifest.ledger else 0
        drift.append(
            f"the UAT ledger changed after `uatkit report` ({state.marks} marks now, {then} then): {_REFRESH}"
        )
    return EvidenceSet(
        kind=EvidenceKind.REPORT,
        folders=(manifest.merged.path,),
        paths=(merged,),
        results_hash=manifest.merged.hash,
        results=manifest.merged.results,
        manifest_id=manifest.id,
        created=manifest.created,
        sources=tuple(s.path for s in manifest.sources),
        release=manifest.release,
        commit=manifest.commit,
        runs=tuple(run for s in manifest.sources for run in s.runs),
        ledger_digest=state.digest,
        ledger_marks=state.marks,
        drift=tuple(drift),
        unreported=tuple(unreported),
        notes=tuple(notes),
    )


def _path(project: Project, shown: str) -> Path:
    path = Path(shown)
    return path if path.is_absolute() else project.root / path


def _moment(milliseconds: int) -> str:
    return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC).isoformat(timespec="seconds")


class RecordState(StrEnum):
    """Whether a sign-off record still rests on the current evidence."""

    CURRENT = "current"
    SUPERSEDED = "superseded"
    #: No evidence set is declared now (the merged results are gone): nothing to compare with.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RecordStatus:
    """A sign-off record and whether newer evidence supersedes it, with why."""

    record: SignoffRecord
    state: RecordState
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        """Return the record and its state as JSON-ready data (docs/trace.md describes the keys)."""
        r = self.record
        return {
            "id": r.id,
            "recorded_at": r.recorded_at.isoformat() if r.recorded_at else "",
            "recorded_by": r.recorded_by,
            "db_user": r.db_user,
            "note": r.note,
            "release": r.release,
            "outcome": r.outcome,
            "evidence_id": r.evidence_id,
            "results_hash": r.results_hash,
            "ledger_digest": r.ledger_digest,
            "version": r.version,
            "environment": r.environment,
            "commit": r.commit,
            "gates": [asdict(gate) for gate in r.gates],
            "state": self.state.value,
            "reason": self.reason,
        }


def record_status(record: SignoffRecord, current: EvidenceSet) -> RecordStatus:
    """Return whether a record rests on the current evidence set and ledger state, or why not."""
    if current.kind is not EvidenceKind.REPORT:
        return RecordStatus(
            record, RecordState.UNKNOWN, "no evidence set is declared now: run `uatkit report`"
        )
    reasons = []
    if record.results_hash != current.results_hash:
        reasons.append(f"newer results: evidence set {current.manifest_id} ({current.created})")
    if record.ledger_digest != current.ledger_digest:
        marks = current.ledger_marks
        reasons.append(f"the UAT ledger changed: its marks or pack decisions ({marks} marks now)")
    judged = _recorded_scenarios(record)
    if judged and judged != current.scenarios_digest:
        reasons.append(
            "the scenarios changed (a criterion was edited and its feature regenerated): the evidence was "
            "judged against older ones; run them again, then `uatkit report`"
        )
    if current.unreported:
        reasons.append(f"results changed after the report in {', '.join(current.unreported)}")
    if reasons:
        return RecordStatus(record, RecordState.SUPERSEDED, "; ".join(reasons))
    return RecordStatus(record, RecordState.CURRENT)


def _recorded_scenarios(record: SignoffRecord) -> str:
    """Return the scenarios digest a record's evidence set names ("" for records made before it was kept)."""
    try:
        found = json.loads(record.evidence).get("scenarios_digest", "")
    except (ValueError, AttributeError):
        return ""
    return found if isinstance(found, str) else ""


def signoff_records(project: Project) -> list[SignoffRecord]:
    """Return the project's sign-off records, oldest first (none without a ledger)."""
    if not has_ledger(project):
        return []
    with open_ledger(project) as ledger:
        return ledger.signoff_records()
