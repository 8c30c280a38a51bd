"""The application's version, build and environment name, as each run records them.

Each comes from its option (`--uatkit-app-version`, `--uatkit-app-build`, `--uatkit-environment`), else its
environment variable (UATKIT_APP_VERSION, UATKIT_APP_BUILD, UATKIT_ENVIRONMENT), else `[tool.uatkit.run]`:
`environment`, and the version and build read from the system itself at `version_url` (a JSON answer;
`version_field` and `build_field` are dotted paths into it). The system is asked with a short timeout, once
a process, right after the first integration or e2e test is set up (its fixtures may have started the system;
a unit-only run never asks); a pytest-xdist worker hands its answer to the controller. An answer that does not
give them is a warning in the run's summary and the environment ("version unknown: ..."), never a failed test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

from uatkit.config import RunConfig
from uatkit.extras import missing
from uatkit.pytest_plugin import masks
from uatkit.pytest_plugin.keys import PROJECT_KEY
from uatkit.pytest_plugin.run import RUN_KEY
from uatkit.secrets import mask

#: Seconds to wait for the version endpoint: a slow answer costs every run this much at most.
TIMEOUT = 2.0
VERSION_ENV = "UATKIT_APP_VERSION"
BUILD_ENV = "UATKIT_APP_BUILD"
ENVIRONMENT_ENV = "UATKIT_ENVIRONMENT"
#: The key a worker hands back what the system answered.
WORKER_APP = "uatkit_app"


@dataclass(frozen=True)
class AppInfo:
    """The application a run checked: version, build, environment name, and why any is unknown."""

    version: str | None = None
    build: str | None = None
    environment: str | None = None
    warnings: tuple[str, ...] = ()


APP_KEY = pytest.StashKey[AppInfo]()
#: Set in a process once the system has been asked (or a worker's answer taken).
ASKED_KEY = pytest.StashKey[bool]()


def learn(pytest_config: pytest.Config) -> None:
    """Take the application facts that the options, variables and configuration give; ask nothing yet."""
    if RUN_KEY not in pytest_config.stash or pytest_config.option.collectonly:
        return
    settings = pytest_config.stash[PROJECT_KEY].config.run
    pytest_config.stash[APP_KEY] = masked(pytest_config, given(pytest_config, settings))


def ask(pytest_config: pytest.Config, base_url: str) -> None:
    """Ask the system at `version_url` for what is not given, once a process; a worker hands the answer on."""
    if APP_KEY not in pytest_config.stash or ASKED_KEY in pytest_config.stash:
        return
    pytest_config.stash[ASKED_KEY] = True
    settings = pytest_config.stash[PROJECT_KEY].config.run
    info = masked(pytest_config, resolve(pytest_config, settings, base_url))
    pytest_config.stash[APP_KEY] = info
    workeroutput = getattr(pytest_config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_APP] = [info.version, info.build, list(info.warnings)]


def note_node(pytest_config: pytest.Config, node: Any) -> None:
    """Take what a pytest-xdist worker's system answered, when the controller has no answer yet."""
    found = (getattr(node, "workeroutput", None) or {}).get(WORKER_APP)
    current = pytest_config.stash.get(APP_KEY, None)
    if current is None or ASKED_KEY in pytest_config.stash or not isinstance(found, list) or len(found) != 3:
        return
    version, build, warnings = found
    pytest_config.stash[ASKED_KEY] = True
    pytest_config.stash[APP_KEY] = AppInfo(
        str(version) if version else None,
        str(build) if build else None,
        current.environment,
        tuple(str(w) for w in warnings or ()),
    )


def masked(pytest_config: pytest.Config, info: AppInfo) -> AppInfo:
    """Return `info` with the session's secrets masked (a build given as a CI job's URL may carry a token)."""
    rules = masks.rules(pytest_config)
    version, build, environment = (
        mask(v, rules) if v else v for v in (info.version, info.build, info.environment)
    )
    return AppInfo(version, build, environment, tuple(mask(w, rules) for w in info.warnings))


def given(pytest_config: pytest.Config, run: RunConfig) -> AppInfo:
    """Return what the options, the environment variables and the configuration say, without asking."""

    def first(option: str, variable: str, configured: str = "") -> str | None:
        value = pytest_config.getoption(option, default=None) or os.environ.get(variable) or configured
        return str(value).strip() or None

    return AppInfo(
        version=first("uatkit_app_version", VERSION_ENV),
        build=first("uatkit_app_build", BUILD_ENV),
        environment=first("uatkit_environment", ENVIRONMENT_ENV, run.environment),
    )


def resolve(pytest_config: pytest.Config, run: RunConfig, base_url: str | None) -> AppInfo:
    """Return the run's application facts, asking the system at `version_url` for what is not given."""
    info = given(pytest_config, run)
    wanted = info.version is None or (info.build is None and bool(run.build_field))
    if not run.version_url or not base_url or not wanted:
        return info
    url = endpoint(base_url, run.version_url)
    data, problem = fetch_json(url)
    version, build, warnings = info.version, info.build, []
    if data is None:
        # Only what was asked for is unknown: a version given by an option stays known.
        warnings.append(f"{'version' if version is None else 'build'} unknown: {problem}")
    else:
        if version is None:
            version, missing = json_field(data, run.version_field)
            warnings += [f"version unknown: {mask(url)} {missing}"] if missing else []
        if build is None and run.build_field:
            build, missing = json_field(data, run.build_field)
            warnings += [f"build unknown: {mask(url)} {missing}"] if missing else []
    return AppInfo(version, build, info.environment, tuple(warnings))


def endpoint(base_url: str, version_url: str) -> str:
    """Return the version endpoint's URL: `version_url` relative to the base URL, or absolute as written."""
    from urllib.parse import urljoin

    return urljoin(base_url if base_url.endswith("/") else base_url + "/", version_url)


def fetch_json(url: str) -> tuple[Any, str]:
    """Return the JSON a GET of `url` answers, or None and why there is none (secrets kept out)."""
    if problem := missing("requests", "reading the system's version"):
        return None, problem
    import requests

    shown = mask(url)
    try:
        response = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
    except requests.Timeout:
        return None, f"{shown} did not answer within {TIMEOUT:g} s"
    except requests.RequestException as exc:
        return None, f"{shown} cannot be reached ({type(exc).__name__})"
    if response.status_code != 200:
        return None, f"{shown} answered HTTP {response.status_code}"
    try:
        return response.json(), ""
    except ValueError:
        return None, f"{shown} did not answer JSON"


def json_field(data: Any, path: str) -> tuple[str | None, str]:
    """Return the text at a dotted path of JSON data, or None and what is missing."""
    value = data
    for name in path.split("."):
        if not isinstance(value, dict) or name not in value:
            return None, f"has no field {path!r}"
        value = value[name]
    if isinstance(value, bool) or not isinstance(value, str | int | float) or str(value).strip() == "":
        return None, f"field {path!r} is not a text or a number"
    return str(value).strip(), ""


def header(info: AppInfo) -> list[str]:
    """Return the report header's lines: the application checked, and any warning."""
    facts = [
        f"{name} {value}"
        for name, value in (
            ("version", info.version),
            ("build", info.build),
            ("environment", info.environment),
        )
        if value
    ]
    lines = [f"uatkit: application {', '.join(facts)}"] if facts else []
    return lines + [f"uatkit: warning: {warning}" for warning in info.warnings]
