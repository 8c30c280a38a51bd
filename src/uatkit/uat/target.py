"""Where and what a UAT pack's business users test: the address, version, build, environment and contact.

Each fact comes from the first place that has it, and the export says which place that was:

- the address: `uatkit uat export --url`, `[tool.uatkit.uat] url`, `[tool.uatkit] base_url` (never the
  address an automated run checked: that is often a throw-away server on the tester's own machine);
- the version and build: `--app-version` / `--app-build`, the environment variables UATKIT_APP_VERSION /
  UATKIT_APP_BUILD (as pytest reads them), then the latest automated run that recorded one (its run record):
  the build promoted to UAT is the one the automated levels checked;
- the environment's name: `--environment`, then `[tool.uatkit.uat] environment` (never the automated runs'
  environment: the business users test elsewhere);
- whom to ask: `--contact`, then `[tool.uatkit.uat] contact`.

A user name and password in the address never reach a pack: the address is written without them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from uatkit.allure.read import expand_folders
from uatkit.allure.runs import RunRecord, read_run_records
from uatkit.project import Project
from uatkit.uat.pack import PackTarget

_VARIABLES = {
    "version": "UATKIT_APP_VERSION",
    "build": "UATKIT_APP_BUILD",
}


@dataclass(frozen=True)
class Chosen:
    """The pack's target and, for each fact it holds, where the fact came from (in words)."""

    target: PackTarget
    sources: dict[str, str]


def choose_target(
    project: Project,
    *,
    url: str | None = None,
    version: str | None = None,
    build: str | None = None,
    environment: str | None = None,
    contact: str | None = None,
) -> Chosen:
    """Return where and what the packs say to test, each fact from the first place that has it."""
    config = project.config
    sources: dict[str, str] = {}

    def first(name: str, *candidates: tuple[str | None, str]) -> str:
        for value, source in candidates:
            if value and value.strip():
                sources[name] = source
                return value.strip()
        return ""

    run = latest_run(project)
    run_source = f"run {run.run_id} of {run.stopped}" if run else ""
    target = PackTarget(
        url=without_credentials(
            first(
                "url",
                (url, "--url"),
                (config.uat.url, "[tool.uatkit.uat] url"),
                (config.base_url, "[tool.uatkit] base_url"),
            )
        ),
        version=first(
            "version",
            (version, "--app-version"),
            (os.environ.get(_VARIABLES["version"]), _VARIABLES["version"]),
            (run.app_version if run else None, run_source),
        ),
        build=first(
            "build",
            (build, "--app-build"),
            (os.environ.get(_VARIABLES["build"]), _VARIABLES["build"]),
            (run.app_build if run else None, run_source),
        ),
        # Not the automated runs' environment (UATKIT_ENVIRONMENT, their records, [tool.uatkit.run]): the
        # business users test elsewhere, and a pack must not name the QA machine's environment beside the
        # UAT address.
        environment=first(
            "environment",
            (environment, "--environment"),
            (config.uat.environment, "[tool.uatkit.uat] environment"),
        ),
        contact=first("contact", (contact, "--contact"), (config.uat.contact, "[tool.uatkit.uat] contact")),
    )
    return Chosen(target, sources)


def latest_run(project: Project) -> RunRecord | None:
    """Return the run of uatkit's own checks that ended last and recorded the system's version or build.

    Imported runs (other tools' unit tests) test code, not the deployed system: they are left out, as are
    runs that could not learn the version, so the version and the build come from one and the same run.
    """
    uat = (project.root / project.config.uat.results).resolve()
    records: list[RunRecord] = []
    for folder in expand_folders(project.root, project.config.report.results):
        if folder.resolve() != uat:
            records += read_run_records(folder)[0]
    known = [r for r in records if r.imported is None and (r.app_version or r.app_build)]
    return max(known, key=lambda r: (r.stopped, r.run_id), default=None)


def without_credentials(url: str) -> str:
    """Return `url` without the user name and password an address may carry (`https://u:p@host/`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host))
