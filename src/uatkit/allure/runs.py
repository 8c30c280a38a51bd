"""Run records: what one pytest run was (ID, time span, levels run, system version, environment, browser).

An import of another tool's results (`uatkit evidence import`) writes a record of the same schema with an
`imported` object: the source, format, files and their SHA-256, who imported them and when.

The pytest plugin writes one `uatkit-run-<run ID>.json` into its Allure results folder when the run ends; the
merged report, the matrix and the sign-off read them back to say which runs their evidence comes from. Each
shard of a sharded run (`--uatkit-shard 2/4`) shares the run's ID and writes
`uatkit-run-<run ID>-shard-2-of-4.json`, naming its shard and host, so the shards' folders merge side by side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Schema of the run record file; a reader refuses (as a problem) a newer one rather than misreading it.
RUN_SCHEMA = 1
RUN_FILE_GLOB = "uatkit-run-*.json"
#: Each Allure result of a run carries the run's ID under this label.
RUN_LABEL = "runId"


@dataclass(frozen=True)
class Imported:
    """Where an imported run's results came from (`uatkit evidence import`): absent for pytest runs."""

    #: The source's name (its folder under the imported results), the format read and the tools that wrote it.
    source: str
    format: str
    tools: tuple[str, ...]
    #: Each file read, as the project names it, with its SHA-256.
    files: tuple[tuple[str, str], ...]
    imported_by: str
    imported_at: str
    #: The mapping file used (with its SHA-256), "" for none; the digest of what the import read and chose.
    mapping: str
    key: str


@dataclass(frozen=True)
class RunRecord:
    """One pytest run as recorded beside its results; `path` is the file it was read from."""

    run_id: str
    started: str
    stopped: str
    levels: tuple[str, ...]
    tests: int
    base_url: str | None
    browser_name: str | None
    browser_version: str | None
    commit: str | None
    dirty: bool | None
    app_version: str | None
    app_build: str | None
    environment: str | None
    project: str
    path: Path
    imported: Imported | None = None
    #: The remote browser the run connected to (a Playwright server's ws:// or a Chromium's CDP URL, secrets
    #: masked), None when it launched its own.
    browser_endpoint: str | None = None
    #: The shard of a sharded run ("2/4"; every shard shares the run's ID), None for a whole run.
    shard: str | None = None
    #: The machine the run (or this shard of it) ran on.
    host: str | None = None


def run_file_name(run_id: str, shard: str | None = None) -> str:
    """Return the file name a run's record is written under: one per shard of a sharded run."""
    if shard:
        index, _, total = shard.partition("/")
        return f"uatkit-run-{run_id}-shard-{index}-of-{total}.json"
    return f"uatkit-run-{run_id}.json"


def run_record_json(record: RunRecord) -> dict[str, object]:
    """Return the on-disk form of a run record (everything but the path it was read from)."""
    browser = None
    if record.browser_name:
        browser = {"name": record.browser_name, "version": record.browser_version or ""}
        if record.browser_endpoint:
            browser["endpoint"] = record.browser_endpoint
    return {
        "schema": RUN_SCHEMA,
        "run_id": record.run_id,
        "started": record.started,
        "stopped": record.stopped,
        "levels": sorted(record.levels),
        "tests": record.tests,
        "base_url": record.base_url,
        "browser": browser,
        "commit": record.commit,
        "dirty": record.dirty,
        "app_version": record.app_version,
        "app_build": record.app_build,
        "environment": record.environment,
        "project": record.project,
    } | (
        ({"imported": _imported_json(record.imported)} if record.imported else {})
        | ({"shard": record.shard} if record.shard else {})
        | ({"host": record.host} if record.host else {})
    )


def _imported_json(imported: Imported) -> dict[str, object]:
    return {
        "source": imported.source,
        "format": imported.format,
        "tools": list(imported.tools),
        "files": [{"path": path, "sha256": sha} for path, sha in imported.files],
        "imported_by": imported.imported_by,
        "imported_at": imported.imported_at,
        "mapping": imported.mapping,
        "key": imported.key,
    }


def run_record_text(record: RunRecord) -> str:
    """Return a run record as the JSON text written to disk (sorted keys, UTF-8, one trailing newline)."""
    return json.dumps(run_record_json(record), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def read_run_records(folder: Path) -> tuple[list[RunRecord], list[str]]:
    """Return the run records in a results folder, oldest first, and a problem line for each bad one."""
    records: list[RunRecord] = []
    problems: list[str] = []
    for path in sorted(folder.glob(RUN_FILE_GLOB)):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            records.append(_record(data, path))
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as error:
            problems.append(f"{path}: not a readable uatkit run record ({error}); it is left out")
        except RecursionError:
            problems.append(f"{path}: not a readable uatkit run record (nested too deep); it is left out")
    records.sort(key=lambda r: (r.started, r.run_id))
    return records, problems


def _record(data: Any, path: Path) -> RunRecord:
    if not isinstance(data, dict):
        raise TypeError("a JSON object was expected")
    if data.get("schema") != RUN_SCHEMA:
        raise ValueError(f"schema {data.get('schema')!r}, this uatkit reads {RUN_SCHEMA}")
    browser = data.get("browser") or {}
    return RunRecord(
        run_id=_text(data["run_id"]),
        started=_text(data["started"]),
        stopped=_text(data["stopped"]),
        levels=tuple(sorted(_text(level) for level in data.get("levels", []))),
        tests=int(data.get("tests", 0)),
        base_url=_optional(data.get("base_url")),
        browser_name=_optional(browser.get("name")),
        browser_version=_optional(browser.get("version")),
        commit=_optional(data.get("commit")),
        dirty=data.get("dirty") if isinstance(data.get("dirty"), bool) else None,
        app_version=_optional(data.get("app_version")),
        app_build=_optional(data.get("app_build")),
        environment=_optional(data.get("environment")),
        project=_text(data.get("project", "")),
        path=path,
        imported=_imported(data["imported"]) if data.get("imported") else None,
        browser_endpoint=_optional(browser.get("endpoint")),
        shard=_optional(data.get("shard")),
        host=_optional(data.get("host")),
    )


def _imported(data: Any) -> Imported:
    return Imported(
        source=_text(data["source"]),
        format=_text(data["format"]),
        tools=tuple(_text(t) for t in data.get("tools", [])),
        files=tuple((_text(f["path"]), _text(f["sha256"])) for f in data.get("files", [])),
        imported_by=_text(data.get("imported_by", "")),
        imported_at=_text(data.get("imported_at", "")),
        mapping=_text(data.get("mapping", "")),
        key=_text(data["key"]),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"text was expected, not {value!r}")
    return value


def _optional(value: object) -> str | None:
    return None if value in (None, "") else _text(value)
