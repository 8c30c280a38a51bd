"""The run: its ID, its time span, the tests and levels that actually ran, and the browser they used.

The controller makes the run ID once (or takes the one given to every shard of a CI pipeline) and hands it
to each pytest-xdist worker, so that every result of the run carries the same `runId`. Each test report
carries the level its test ran at; the controller, which sees every report (its own, or its workers'),
counts a test as run when its call ran or its setup failed, so a level whose tests were all deselected,
skipped or never collected is not among the levels that ran. The browser is the one Playwright launched
(name and version from Playwright, not from spawning Chromium); a worker hands it to the controller in its
`workeroutput`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from uatkit.pytest_plugin import levels, shard

WORKER_RUN_ID = "uatkit_run_id"
WORKER_BROWSER = "uatkit_browser"
#: The attribute a test report carries its level in (pytest-xdist sends a report's attributes along).
REPORT_LEVEL = "uatkit_level"


@dataclass
class Run:
    """What the run has done so far, kept in the config's stash of each process."""

    run_id: str
    started: str
    levels: set[str] = field(default_factory=set)
    tests: set[str] = field(default_factory=set)
    browser_name: str | None = None
    browser_version: str | None = None
    #: The remote browser connected to (its URL, secrets masked); None when the run launched its own.
    browser_endpoint: str | None = None


#: The run, in each process's config; set only in a uatkit project.
RUN_KEY = pytest.StashKey[Run]()


def now() -> str:
    """Return the current time as the run record writes it (UTC, ISO 8601, milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def start(config: pytest.Config) -> None:
    """Begin the run: on the controller the ID given (shared by a pipeline's shards) or a new one; on a
    worker the controller's."""
    workerinput = getattr(config, "workerinput", None)
    run_id = workerinput.get(WORKER_RUN_ID) if workerinput is not None else shard.given_run_id(config)
    if not run_id:
        import uuid

        run_id = uuid.uuid4().hex
    config.stash[RUN_KEY] = Run(run_id=run_id, started=now())


def run_id(config: pytest.Config) -> str | None:
    """Return the run's ID, or None outside a uatkit project."""
    run = config.stash.get(RUN_KEY, None)
    return run.run_id if run is not None else None


def configure_node(config: pytest.Config, node: Any) -> None:
    """Hand the run ID to a pytest-xdist worker."""
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        node.workerinput[WORKER_RUN_ID] = run.run_id


def label_report(item: pytest.Item, report: pytest.TestReport) -> None:
    """Write on a test's report the level it ran at (the level of its Allure result's layer label)."""
    if RUN_KEY not in item.config.stash:
        return
    level = levels.item_level(item) or getattr(item, "funcargs", {}).get(levels.PARAM)
    if level:
        setattr(report, REPORT_LEVEL, level)


class Recorder:
    """The run's own hooks, registered only in a uatkit project (elsewhere no report costs anything)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Count the tests and levels that ran (on the controller, every worker's reports arrive here)."""
        note_report(self.config, report)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Take what a pytest-xdist worker learnt of the run (the browser it launched)."""
        note_node(self.config, node)


def note_report(config: pytest.Config, report: pytest.TestReport) -> None:
    """Count a test as run when its call ran or its setup failed (a skipped test did not run)."""
    run = config.stash.get(RUN_KEY, None)
    ran = (report.when == "call" and not report.skipped) or (report.when == "setup" and report.failed)
    if run is None or not ran:
        return
    run.tests.add(report.nodeid)
    level = getattr(report, REPORT_LEVEL, None)
    if isinstance(level, str):
        run.levels.add(level)


def note_browser(config: pytest.Config, browser: Any, endpoint: str | None = None) -> None:
    """Remember the browser Playwright launched or connected to (at `endpoint`, masked, when remote);
    a worker passes it to the controller."""
    run = config.stash.get(RUN_KEY, None)
    if run is None or run.browser_name:
        return
    # Playwright's own answers, kept from the launch: no second browser process is asked.
    run.browser_name, run.browser_version = str(browser.browser_type.name), str(browser.version)
    run.browser_endpoint = endpoint
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_BROWSER] = [run.browser_name, run.browser_version, endpoint or ""]


def note_node(config: pytest.Config, node: Any) -> None:
    """Take the browser a pytest-xdist worker used, when the controller has none yet."""
    run = config.stash.get(RUN_KEY, None)
    found = getattr(node, "workeroutput", None) or {}
    browser = found.get(WORKER_BROWSER)
    if run is not None and not run.browser_name and isinstance(browser, list) and len(browser) in (2, 3):
        run.browser_name, run.browser_version = str(browser[0]), str(browser[1])
        run.browser_endpoint = str(browser[2]) if len(browser) == 3 and browser[2] else None
