"""The uatkit pytest plugin proper, registered by the entry point only in a uatkit project; it only routes.

- tags: Gherkin tags of uatkit's shapes become registered markers (`-m REQ-101`, `-m e2e`);
- levels: a scenario runs once per level tag; `--uatkit-level` selects levels;
- manual: `@manual` scenarios are skipped ("verified in UAT") and never pass;
- allure_map: epic/feature/story, layer, severity, requirement link and a stable testCaseId;
- masks: secrets masked in every result and container before allure writes it;
- system: the base URL (or the project's `base_url` fixture), the bundled demo started on demand, one
  message when the system is down;
- session: the project found from pytest's rootdir and ini file, whichever way options are written;
- run, appversion, environment: the run's ID on every result, the levels that ran, the browser, the
  application's version/build/environment, recorded beside the Allure results once a run;
- browser, http, data: the `uatkit_page`, `api` and `faker` fixtures;
- stepcheck: the session `uatkit check` runs to find steps with no definition.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import pytest

from uatkit.cases import by_case_id
from uatkit.errors import UatkitError
from uatkit.model import AUTOMATED_LEVELS, Case, Story
from uatkit.project import Project
from uatkit.pytest_plugin import (
    allure_map,
    appversion,
    data,
    environment,
    fixtures,
    levels,
    manual,
    masks,
    run,
    shard,
    system,
    tags,
)
from uatkit.pytest_plugin.browser import UNAVAILABLE, RemoteBrowserUnavailable
from uatkit.pytest_plugin.keys import CASES_KEY, FAILED_KEY, PROJECT_KEY, STORIES_KEY
from uatkit.secrets import mask

_T = TypeVar("_T")

# pytest-bdd's tag hook is not given the config; the session being configured is the one applying tags.
_current_config: pytest.Config | None = None


def activate(config: pytest.Config, project: Project) -> None:
    """Configure the session of a uatkit project, then register this plugin and its fixtures."""
    global _current_config
    _current_config = config
    config.stash[PROJECT_KEY] = project
    manual.configure(config)
    tags.configure(config, project.config)
    if not config.option.uatkit_missing_steps:
        shard.configure(config)
        run.start(config)
        config.pluginmanager.register(run.Recorder(config), "uatkit-run")
        system.configure(config, project.config)
        masks.start(config, project.config, str(config.getoption("base_url", default=None) or ""))
    config.pluginmanager.register(sys.modules[__name__], "uatkit-plugin")
    # Registered after Faker's and pytest-playwright's plugins, so these take precedence over theirs.
    config.pluginmanager.register(fixtures, "uatkit-fixtures")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop what the session started."""
    system.unconfigure(config)
    masks.stop(config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Hand the session's settings and the run's ID to a pytest-xdist worker."""
    system.configure_node(node.config, node)
    run.configure_node(node.config, node)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """Take what a pytest-xdist worker learnt of the system: its base URL from a fixture, its version."""
    system.note_node(node.config, node)
    appversion.note_node(node.config, node)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Record the run and its environment beside its Allure results; store the tests' durations if asked."""
    environment.write(session.config)
    stored = shard.store_durations(session.config, session.config.stash[PROJECT_KEY].root)
    said = [f"uatkit: stored the tests' durations in {stored}"] if stored is not None else []
    said += filter(None, [shard.finish(session)])
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        for line in said:
            reporter.write_line(line)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add each phase's seconds to its test's, when --uatkit-store-durations asks for them."""
    if _current_config is not None:
        shard.note_report(_current_config, report)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Take the application's version, build and environment that the options and settings give."""
    appversion.learn(session.config)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Once the first test that talks to the system is set up (its fixtures may start it), check it."""
    yield
    system.first_system_test(item)


@pytest.fixture(autouse=True)
def _uatkit_request(request: pytest.FixtureRequest) -> None:
    """Keep the test's fixture request, with which the set-up hook asks for the project's `base_url`."""
    request.node.stash[system.REQUEST_KEY] = request


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say where the system under test is and how to replay the data."""
    url = config.getoption("base_url", default=None)
    shown = mask(str(url), masks.rules(config)) if url else "not given (a base_url fixture may give it)"
    lines = [f"uatkit: system under test {shown}", data.report_header(config)]
    loaded = config.stash.get(PROJECT_KEY, None)
    lines += shard.header(config, loaded.root) if loaded is not None else []
    info = config.stash.get(appversion.APP_KEY, None)
    return lines + (appversion.header(info) if info is not None else [])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say which system and application version the run's integration and e2e tests checked."""
    done = config.stash.get(run.RUN_KEY, None)
    if done is None or getattr(config, "workerinput", None) is not None:
        return
    url = system.talked_to(config, done.levels)
    if url is None:
        return
    source = " (from the project's base_url fixture)" if system.FROM_FIXTURE_KEY in config.stash else ""
    terminalreporter.write_line(
        f"uatkit: checked the system under test at {mask(url, masks.rules(config))}{source}"
    )
    info = config.stash.get(appversion.APP_KEY, None)
    for line in appversion.header(info) if info is not None else []:
        terminalreporter.write_line(line)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Callable[..., Any]) -> bool | None:
    """Apply a Gherkin tag as a registered marker."""
    config = _current_config
    return tags.apply_tag(config, tag, function) if config is not None else None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Fan scenarios out over their levels."""
    levels.generate_tests(metafunc)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Adjust level markers, select levels and skip manual scenarios before pytest filters by marker."""
    loaded = config.stash.get(PROJECT_KEY, None)
    external = loaded.config.evidence.external_levels if loaded is not None else ()
    levels.modify_items(config, items, external)
    manual.modify_items(items)


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_uatkit_shard(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep this shard's group of the tests, after every other selection (-m, -k, levels)."""
    loaded = config.stash.get(PROJECT_KEY, None)
    if loaded is not None:
        shard.modify_items(config, items, loaded.root)


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Add uatkit's Allure mapping to the scenario's result."""
    item = request.node
    config = item.config
    if PROJECT_KEY not in config.stash or allure_map.reporting(config) is None:
        return
    level = levels.item_level(item) or request.getfixturevalue(levels.PARAM) or ""
    settings = config.stash[PROJECT_KEY].config
    info = allure_map.item_info(settings, _stories(config), _cases(config), item, feature, scenario, level)
    seed = data.scenario_seed(item, level)
    allure_map.apply(info, item, seed, run.run_id(config), shard.labels(config))


def pytest_bdd_before_step(request: pytest.FixtureRequest, step: Any) -> None:
    """Learn the secrets a step says before it runs, so that no output shows them."""
    if PROJECT_KEY in request.config.stash:
        masks.learn_said(request.config, step.name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Remember a failure so that fixtures can attach evidence while tearing down; say the test's level."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED_KEY] = True
    if call.excinfo is not None and isinstance(call.excinfo.value, RemoteBrowserUnavailable):
        report.longrepr = str(call.excinfo.value)  # the one line, without a traceback
        report.user_properties.append((UNAVAILABLE, True))
    run.label_report(item, report)
    return report


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, str] | None:
    """Count a scenario whose remote browser could not be used as an error, not a failure: the product
    was never tried (its Allure result is broken)."""
    if report.failed and (UNAVAILABLE, True) in getattr(report, "user_properties", ()):
        return "error", "E", "ERROR"
    return None


@pytest.fixture(autouse=True)
def uatkit_level(pytestconfig: pytest.Config) -> str | None:
    """Return the level this scenario runs at (parametrized per level tag; else the project's default)."""
    loaded = pytestconfig.stash.get(PROJECT_KEY, None)
    defaults = [lvl.value for lvl in loaded.config.default_levels] if loaded else []
    return next((lvl for lvl in defaults if lvl in AUTOMATED_LEVELS), None)


def _cases(config: pytest.Config) -> dict[str, tuple[Case, ...]]:
    """Return the project's cases, whose fingerprints each result records (none when a feature is bad)."""
    unread = "cases not read, results record no scenario version"
    return _once(config, CASES_KEY, lambda project: by_case_id(project.cases), {}, unread)


def _stories(config: pytest.Config) -> dict[str, Story]:
    """Return the project's stories by ID for the Allure mapping (none when a story is bad)."""
    unread = "stories not read, Allure labels come from tags only"
    return _once(config, STORIES_KEY, lambda project: project.catalogue.by_id(), {}, unread)


def _once(
    config: pytest.Config, key: pytest.StashKey[_T], read: Callable[[Project], _T], empty: _T, unread: str
) -> _T:
    """Return what `read` gives of the session's project, read once; a user's mistake is said once.

    The project caches what it reads, but not a failure: without this, every scenario would read the broken
    file again, where the run should go on with less in its Allure results.
    """
    if key not in config.stash:
        try:
            config.stash[key] = read(config.stash[PROJECT_KEY])
        except UatkitError as exc:
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"uatkit: {unread}: {exc}")
            config.stash[key] = empty
    return config.stash[key]
