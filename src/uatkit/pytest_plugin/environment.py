"""Record the run beside its Allure results, once a run (the controller, not each xdist worker).

Two files: the run record `uatkit-run-<run ID>.json` (`uatkit.allure.runs`), which the report, matrix and
sign-off read, and `environment.properties` with the same facts for Allure's environment widget, merged
into the one already in the folder: the project's own keys are kept, uatkit's own keys (`UATKIT_KEYS`) are
replaced by this run's; an existing file that cannot be read is left alone and the run says so.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest

from uatkit.allure.runs import RunRecord
from uatkit.project import Project
from uatkit.pytest_plugin import masks, shard, system
from uatkit.pytest_plugin.appversion import APP_KEY, AppInfo
from uatkit.pytest_plugin.keys import PROJECT_KEY
from uatkit.pytest_plugin.run import RUN_KEY, Run, now
from uatkit.secrets import Secrets, mask


def write(pytest_config: pytest.Config) -> None:
    """Write the run record and environment.properties into the Allure results folder."""
    folder = pytest_config.getoption("allure_report_dir", default=None)
    run = pytest_config.stash.get(RUN_KEY, None)
    if (
        not folder
        or run is None
        or getattr(pytest_config, "workerinput", None) is not None
        or pytest_config.option.collectonly
    ):
        return
    from uatkit import vcs
    from uatkit.allure.merge import ENVIRONMENT_FILE, properties_text, read_properties
    from uatkit.allure.runs import run_file_name, run_record_text
    from uatkit.atomic import atomic_write_text
    from uatkit.errors import UatkitError

    project = pytest_config.stash[PROJECT_KEY]
    app = pytest_config.stash.get(APP_KEY, AppInfo())
    url = str(pytest_config.getoption("base_url", default=None) or "")
    target = Path(folder)
    dirty = vcs.dirty(project.root) if project.commit else None
    # The session's rules: the project's, the base URL's password and what the session learnt.
    rules = masks.rules(pytest_config)
    part = shard.shard_of(pytest_config)
    name = run_file_name(run.run_id, str(part) if part else None)
    record = run_record(run, project, app, url, dirty, target / name, rules)
    record = replace(record, shard=str(part) if part else None)
    target.mkdir(parents=True, exist_ok=True)
    atomic_write_text(record.path, run_record_text(record))
    demo = bool(url) and system.SERVER_KEY in pytest_config.stash
    # The version, build and environment come from options, variables and the system: masked like the URL.
    shown = mask(properties(record, app, demo), rules)
    try:
        existing = read_properties(target / ENVIRONMENT_FILE)
    except UatkitError as exc:
        reporter = pytest_config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"uatkit: {ENVIRONMENT_FILE} left as it is: {exc}")
        return
    atomic_write_text(target / ENVIRONMENT_FILE, properties_text(merged(existing, shown)))


#: The keys uatkit writes into environment.properties; any other key in the file is the project's.
UATKIT_KEYS = (
    "Base URL",
    "Application version",
    "Application build",
    "Environment",
    "Browser",
    "Commit",
    "Levels",
    "Run ID",
    "Shard",
    "uatkit",
)


def merged(existing: dict[str, str], ours: dict[str, str]) -> dict[str, str]:
    """Return the project's own entries of an existing file, then this run's (not a previous run's)."""
    return {**{k: v for k, v in existing.items() if k not in UATKIT_KEYS}, **ours}


def run_record(
    run: Run,
    project: Project,
    app: AppInfo,
    base_url: str,
    dirty: bool | None,
    path: Path,
    secrets: Secrets,
) -> RunRecord:
    """Return the run's record as it stands now (stopped now), to be written at `path`."""
    return RunRecord(
        run_id=run.run_id,
        started=run.started,
        stopped=now(),
        levels=tuple(sorted(run.levels)),
        tests=len(run.tests),
        base_url=mask(base_url, secrets) if base_url else None,
        browser_name=run.browser_name,
        browser_version=run.browser_version,
        browser_endpoint=mask(run.browser_endpoint, secrets) if run.browser_endpoint else None,
        commit=project.commit or None,
        dirty=dirty,
        app_version=app.version,
        app_build=app.build,
        environment=app.environment,
        project=project.config.project_name,
        path=path,
        host=socket.gethostname() or None,
    )


def properties(record: RunRecord, app: AppInfo, demo: bool) -> dict[str, str]:
    """Return environment.properties' entries: the record's facts, in words, the empty ones left out."""
    from uatkit.allure.generate import uatkit_version

    url = record.base_url or ""
    commit = record.commit or ""
    browser = " ".join(filter(None, (record.browser_name, record.browser_version)))
    if browser and record.browser_endpoint:
        browser += f", remote: {record.browser_endpoint}"
    version = record.app_version or next((w for w in app.warnings if w.startswith("version unknown")), "")
    build = record.app_build or next((w for w in app.warnings if w.startswith("build unknown")), "")
    values = {  # the keys of UATKIT_KEYS, in that order
        "Base URL": f"{url} (bundled demo, started by the test session)" if url and demo else url,
        "Application version": version,
        "Application build": build,
        "Environment": record.environment or "",
        "Browser": browser,
        "Commit": f"{commit} (with uncommitted changes)" if commit and record.dirty else commit,
        "Levels": ", ".join(record.levels),
        "Run ID": record.run_id,
        "Shard": record.shard or "",
        "uatkit": uatkit_version(),
    }
    return {key: value for key, value in values.items() if value}
