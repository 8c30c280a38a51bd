"""Run records: what one pytest run was (ID, time span, levels run, system version, environment, browser).

The pytest plugin writes one `uatkit-run-<run ID>.json` into its Allure results folder when the run ends; the
merged report, the matrix and the sign-off read them back to say which runs their evidence comes from.
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


def run_file_name(run_id: str) -> str:
    """Return the file name a run's record is written under."""
    return f"uatkit-run-{run_id}.json"


def run_record_json(record: RunRecord) -> dict[str, object]:
    """Return the on-disk form of a run record (everything but the path it was read from)."""
    browser = None
    if record.browser_name:
        browser = {"name": record.browser_name, "version": record.browser_version or ""}
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
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"text was expected, not {value!r}")
    return value


def _optional(value: object) -> str | None:
    return None if value in (None, "") else _text(value)
