"""Import other tools' results: read, link, and write them as uatkit's own Allure results with a run record.

One source (`--source NAME`) is one folder under `[tool.uatkit.evidence] results`; the files of one import
replace that folder as a whole (`atomic.fresh_folder`), and importing the same files the same way again
writes nothing ("already imported"): the result files stay byte for byte the same. Every result carries the
labels, links, layer, severity and stable IDs of uatkit's own results of its case (`allure.mapping`), the
case key and the fingerprint of the case as it is when imported (or, for Cucumber, of the scenario as it
ran, when that differs), and the run's ID; the run record names the files, their SHA-256, who imported
them, when, and the times inside them.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allure_commons.types import LabelType

from uatkit.allure.mapping import (
    BUSINESS_OWNER_LABEL,
    CASE_KEY_LABEL,
    CASE_LABEL,
    FINGERPRINT_LABEL,
    LAYER_LABEL,
    case_info,
    stable_test_case_id,
)
from uatkit.allure.masking import mask_result
from uatkit.allure.runs import RUN_FILE_GLOB, RUN_LABEL, Imported, RunRecord, read_run_records, run_file_name
from uatkit.allure.runs import run_record_text as record_text
from uatkit.atomic import atomic_write_text, fresh_folder
from uatkit.errors import Problem, UatkitError
from uatkit.evidence.linking import Linked, Linker, Target, read_rules, resolve_rules
from uatkit.evidence.model import Attachment, Format, ReadFiles, Step, digest
from uatkit.evidence.read import input_files, read_files
from uatkit.project import Project
from uatkit.secrets import secret_rules
from uatkit.text import slug

#: The label naming the source an imported result came from, and how its test was linked.
SOURCE_LABEL = "evidenceSource"
LINKED_BY_LABEL = "linkedBy"
IMPORTED_TAG = "imported"
_NAMESPACE = uuid.UUID("6f1f4a52-3c0e-4b8e-9d0a-8b7f1d2c9e41")


class State:
    """What an import did to its source's folder."""

    IMPORTED = "imported"
    REPLACED = "replaced"
    ALREADY = "already imported"
    DRY_RUN = "dry run"


@dataclass(frozen=True)
class ImportReport:
    """What one `uatkit evidence import` read, linked and wrote."""

    source: str
    folder: Path
    run_id: str
    level: str
    format: Format
    read: ReadFiles
    linked: tuple[Linked, ...]
    results: int
    state: str
    #: The run the import replaced (its ID), "" when the folder was new or is unchanged.
    replaced: str
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...]
    record: RunRecord


@dataclass(frozen=True)
class Tested:
    """What the imported run tested, as the person importing it says (its files do not)."""

    version: str = ""
    build: str = ""
    environment: str = ""
    commit: str = ""


#: An import that says nothing of what its run tested.
NOT_SAID = Tested()


def import_evidence(
    project: Project,
    paths: Sequence[Path],
    fmt: Format,
    level: str,
    *,
    source: str = "",
    mapping: Path | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    tested: Tested = NOT_SAID,
) -> ImportReport:
    """Read, link and write one import; an unreadable file or mapping raises before anything is written.

    `tested` says which version, build, environment and commit of the system the imported run tested (the
    files do not say); each is recorded in the run record, or "not recorded".
    """
    files = input_files(paths, fmt)
    rules = read_rules(mapping, project.config) if mapping else []
    read = read_files(files, fmt)
    linker = Linker(project.config, project.catalogue, project.cases, level, rules)
    if mapping:
        resolve_rules(linker, mapping)
    linked = tuple(linker.link(test) for test in read.tests)
    name = slug(source or (paths[0].stem if paths[0].is_file() else paths[0].resolve().name), 60)
    if not name:
        raise UatkitError("--source: give a name made of letters or digits for the imported results")
    folder = project.root / project.config.evidence.results / name
    mapped = f"{project.shown(mapping)} {digest(mapping.read_bytes())}" if mapping else ""
    key = _key(fmt, level, name, read, mapped, linked, tested)
    moment = (now or dt.datetime.now().astimezone()).replace(microsecond=0)
    record = _record(project, read, fmt, level, name, mapped, key, moment, len(read.tests), tested)
    warnings = list(read.warnings)
    if level not in project.config.evidence.external_levels:
        warnings.append(
            f"{level} is not in [tool.uatkit.evidence] external_levels: pytest still runs the scenarios "
            f"tagged @{level}, and their results count beside the imported ones"
        )
    previous = _previous(folder)
    results = sum(max(1, len(item.targets)) for item in linked)
    state = State.DRY_RUN if dry_run else State.IMPORTED
    replaced = ""
    if previous is not None and previous.imported is not None and previous.imported.key == key:
        state, record = State.ALREADY, previous
    elif not dry_run:
        if previous is not None:
            state, replaced = State.REPLACED, previous.run_id
        _write(project, folder, record, linked, level, name)
    return ImportReport(
        source=name,
        folder=folder,
        run_id=record.run_id,
        level=level,
        format=fmt,
        read=read,
        linked=linked,
        results=results,
        state=state,
        replaced=replaced,
        problems=tuple(linker.problems),
        warnings=tuple(warnings),
        record=record,
    )


def _key(
    fmt: Format,
    level: str,
    name: str,
    read: ReadFiles,
    mapping: str,
    linked: Sequence[Linked],
    tested: Tested = NOT_SAID,
) -> str:
    """Return the digest of what an import reads and how: the same files imported the same way match it.

    The cases each test links to count, their scenarios' fingerprints do not: the same file imported again
    after a scenario changed is "already imported", and its results stay stale until a new run is imported.
    """
    links = [[t.case.key for t in item.targets] for item in linked]
    body: list[object] = [fmt.value, level, name, mapping, sorted(f.sha256 for f in read.files), links]
    if tested != NOT_SAID:
        # What the run tested belongs to the import: the same files said to test another build are new.
        body.append([tested.version, tested.build, tested.environment, tested.commit])
    return hashlib.sha256(json.dumps(body).encode()).hexdigest()


def _record(
    project: Project,
    read: ReadFiles,
    fmt: Format,
    level: str,
    name: str,
    mapping: str,
    key: str,
    moment: dt.datetime,
    tests: int,
    tested: Tested,
) -> RunRecord:
    starts = [f.started for f in read.files if f.started is not None]
    stops = [f.stopped for f in read.files if f.stopped is not None]
    imported = Imported(
        source=name,
        format=fmt.value,
        tools=tuple(dict.fromkeys(f.flavour for f in read.files)),
        files=tuple((project.shown(f.path), f.sha256) for f in read.files),
        imported_by=_user(),
        imported_at=moment.isoformat(),
        mapping=mapping,
        key=key,
    )
    return RunRecord(
        run_id=f"import-{key[:16]}",
        # The times the files record; an import of files that record none says when it was imported.
        started=_iso(min(starts)) if starts else moment.isoformat(),
        stopped=_iso(max(stops)) if stops else moment.isoformat(),
        levels=(level,),
        tests=tests,
        base_url=None,
        browser_name=None,
        browser_version=None,
        commit=tested.commit or None,
        dirty=None,
        app_version=tested.version or None,
        app_build=tested.build or None,
        environment=tested.environment or None,
        project=project.config.project_name,
        path=Path(run_file_name(f"import-{key[:16]}")),
        imported=imported,
    )


def _previous(folder: Path) -> RunRecord | None:
    if not folder.is_dir():
        return None
    records, _problems = read_run_records(folder)
    return records[-1] if records else None


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def _iso(milliseconds: int) -> str:
    return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC).isoformat(timespec="seconds")


def _write(
    project: Project, folder: Path, record: RunRecord, linked: Sequence[Linked], level: str, name: str
) -> None:
    from allure_commons.logger import AllureFileLogger

    config = project.config
    rules = secret_rules(config.secrets.fields, config.secrets.env)
    with fresh_folder(folder, lambda found: any(found.glob(RUN_FILE_GLOB))) as work:
        # allure-python-commons is untyped; its writer is used through its hook methods only.
        logger: Any = AllureFileLogger(str(work))  # type: ignore[no-untyped-call]
        attached: set[str] = set()
        for number, item in enumerate(linked):
            for target in item.targets or (None,):
                result = _result(project, record, item, target, level, name, number, logger, attached)
                mask_result(result, rules)
                logger.report_result(result)
        atomic_write_text(work / run_file_name(record.run_id), record_text(record))


def _result(
    project: Project,
    record: RunRecord,
    item: Linked,
    target: Target | None,
    level: str,
    source: str,
    number: int,
    logger: Any,
    attached: set[str],
) -> Any:
    from allure_commons.model2 import Label, Link, Parameter, StatusDetails, TestResult

    test = item.test
    key = target.case.key if target else ""
    labels: list[tuple[str, str]] = []
    links: list[tuple[str, str, str]] = []
    parameters: list[tuple[str, str]] = []
    if target is not None:
        case = target.case
        info = case_info(project.config, case, level, [])
        labels += [(LabelType.EPIC, info.epic), (LabelType.FEATURE, info.feature)]
        labels += [(LabelType.STORY, info.story), (LAYER_LABEL, level)]
        labels += [(LabelType.SEVERITY, info.severity.value), (CASE_LABEL, case.case_id)]
        labels += [(CASE_KEY_LABEL, case.key), (FINGERPRINT_LABEL, target.fingerprint)]
        labels += [(BUSINESS_OWNER_LABEL, info.owner)] if info.owner else []
        labels += [(LINKED_BY_LABEL, f"{target.by} ({target.scope})")]
        links += list(info.links)
        parameters += [
            (name, value)
            for line in case.test_data.splitlines()
            for name, sep, value in [line.partition(" = ")]
            if sep
        ]
    else:
        labels += [(LabelType.FEATURE, test.classname or test.suite or source), (LAYER_LABEL, level)]
        labels += [(LabelType.TAG, "unlinked")]
    # Each imported test is a test case of its own: many developer tests of one case would otherwise be
    # one test with retries in Allure (it groups by testCaseId); the case they count for is in the labels.
    test_case_id = stable_test_case_id(f"{source}/{test.identity}", level)
    labels += [(RUN_LABEL, record.run_id), (SOURCE_LABEL, source), (LabelType.TAG, IMPORTED_TAG)]
    labels += [(LabelType.FRAMEWORK, ", ".join(record.imported.tools if record.imported else ()))]
    labels += [(LabelType.SUITE, test.suite)] if test.suite else []
    labels += [("testClass", test.classname)] if test.classname else []
    labels += [(LabelType.TAG, tag.lstrip("@")) for tag in test.tags]
    links += [(url, link_name, kind) for url, link_name, kind in test.links if url]
    parameters += list(test.parameters)
    attachments = [*test.attachments]
    if test.output:
        attachments.append(Attachment("output", test.output.encode("utf-8"), "text/plain", "txt"))
    result = TestResult(
        uuid=str(uuid.uuid5(_NAMESPACE, f"{record.run_id}/{number}/{key}")),
        name=f"{test.name} [{level}]",
        fullName=f"{test.full_name} [{level}]" + (f" {key}" if key else ""),
        historyId=stable_test_case_id(f"{source}/{test.identity}/{key}", level),
        testCaseId=test_case_id,
        status=test.status,
        statusDetails=StatusDetails(message=test.message or None, trace=test.trace or None),
        stage="finished",
        description=_description(project, record, item, target),
        labels=[Label(name=n, value=v) for n, v in labels if v],
        links=[Link(type=kind, url=url, name=link_name) for url, link_name, kind in links],
        parameters=[Parameter(name=n, value=v) for n, v in parameters],
        start=test.start,
        stop=test.stop,
    )
    result.steps = [_step(step, logger, attached) for step in test.steps]
    result.attachments = _attach(attachments, logger, attached)
    return result


def _step(step: Step, logger: Any, attached: set[str]) -> Any:
    from allure_commons.model2 import StatusDetails, TestStepResult

    found = TestStepResult(
        name=step.name,
        status=step.status,
        statusDetails=StatusDetails(message=step.message) if step.message else None,
        start=step.start,
        stop=step.stop,
    )
    found.steps = [_step(child, logger, attached) for child in step.steps]
    found.attachments = _attach(step.attachments, logger, attached)
    return found


def _attach(files: Sequence[Attachment], logger: Any, attached: set[str]) -> list[Any]:
    """Return the attachments; each content is written once, named by its SHA-256."""
    from allure_commons.model2 import ATTACHMENT_PATTERN
    from allure_commons.model2 import Attachment as AllureAttachment

    out = []
    for file in files:
        extension = file.extension if file.extension.isalnum() and file.extension.isascii() else "bin"
        source = ATTACHMENT_PATTERN.format(prefix=hashlib.sha256(file.content).hexdigest(), ext=extension)
        if source not in attached:
            logger.report_attached_data(body=file.content, file_name=source)
            attached.add(source)
        out.append(AllureAttachment(name=file.name, source=source, type=file.mime or None))
    return out


def _description(project: Project, record: RunRecord, item: Linked, target: Target | None) -> str:
    imported = record.imported
    assert imported is not None
    test = item.test
    sha = next((sha for path, sha in imported.files if path == project.shown(Path(test.file))), "")
    parts = [
        f"Imported from {project.shown(Path(test.file))} ({sha}) by {imported.imported_by} "
        f"on {imported.imported_at}; {imported.format} written by {', '.join(imported.tools)}."
    ]
    if target is None:
        parts.append(
            "Linked to no case: it counts for none (tag it with a case or requirement ID, or --map)."
        )
    else:
        parts.append(f"Counts for {target.case.key}, linked by {target.by} ({target.scope}).")
    return "\n\n".join(parts)
