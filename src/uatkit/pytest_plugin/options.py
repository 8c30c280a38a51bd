"""Every option of the uatkit pytest plugin, prefixed `--uatkit-` so that no other plugin's name is taken.

They are registered in every pytest run (pytest needs them before it knows the project), in one group, and
do nothing outside a uatkit project; importing this module loads nothing but pytest.
"""

from __future__ import annotations

import argparse

import pytest

#: The option `uatkit check` passes to run the step check instead of the tests (pytest_plugin.stepcheck).
MISSING_STEPS = "--uatkit-missing-steps"
#: The values of --uatkit-tracing, as `[tool.uatkit.e2e] tracing` allows them (uatkit.config.Tracing).
TRACING = ("off", "on", "retain-on-failure")


def add_options(parser: pytest.Parser) -> None:
    """Register the uatkit options."""
    group = parser.getgroup("uatkit", "uatkit (active only in a project with [tool.uatkit])")
    group.addoption(
        "--uatkit-level",
        action="append",
        dest="uatkit_levels",
        default=[],
        metavar="LEVEL",
        help="run scenarios at these levels only (unit, integration, e2e); repeat or separate with commas",
    )
    group.addoption(
        "--uatkit-seed",
        dest="uatkit_seed",
        type=whole_number,
        default=0,
        metavar="BASE",
        help="base of every scenario's faker seed (default 0); the header shows it; pass it again to replay",
    )
    group.addoption(
        "--uatkit-browser-ws-endpoint",
        dest="uatkit_browser_ws_endpoint",
        default=None,
        metavar="URL",
        help="connect to a remote Playwright browser server instead of launching a browser",
    )
    group.addoption(
        "--uatkit-browser-cdp-endpoint",
        dest="uatkit_browser_cdp_endpoint",
        default=None,
        metavar="URL",
        help="connect to a remote Chromium over CDP instead of launching a browser",
    )
    group.addoption(
        "--uatkit-tracing",
        dest="uatkit_tracing",
        choices=TRACING,
        default=None,
        help="record a Playwright trace of each browser scenario: off, on (kept for every result) or "
        "retain-on-failure (kept for failed ones); default [tool.uatkit.e2e] tracing, else retain-on-failure",
    )
    for option, what, variable in (
        ("--uatkit-app-version", "the version of the application under test", "UATKIT_APP_VERSION"),
        ("--uatkit-app-build", "the build of the application under test", "UATKIT_APP_BUILD"),
        (
            "--uatkit-environment",
            "the name of the environment checked (staging, UAT, …)",
            "UATKIT_ENVIRONMENT",
        ),
    ):
        group.addoption(
            option,
            default=None,
            metavar="TEXT",
            help=f"{what}, recorded with the run's results (else {variable}, else [tool.uatkit.run])",
        )
    group.addoption(
        "--uatkit-shard",
        dest="uatkit_shard",
        type=shard_value,
        default=None,
        metavar="K/N",
        help="run the K-th of N groups of the tests (one group per CI runner; else UATKIT_SHARD), balanced "
        "by .uatkit-durations.json when the project keeps one; give every shard the same --uatkit-run-id",
    )
    group.addoption(
        "--uatkit-run-id",
        dest="uatkit_run_id",
        type=run_id_value,
        default=None,
        metavar="ID",
        help="the run's ID, shared by every shard of one CI pipeline so that they report as one run "
        "(else UATKIT_RUN_ID, else a new one)",
    )
    group.addoption(
        "--uatkit-store-durations",
        dest="uatkit_store_durations",
        action="store_true",
        default=False,
        help="record each test's seconds in the project's .uatkit-durations.json (kept in git) to balance "
        "--uatkit-shard",
    )
    group.addoption(
        MISSING_STEPS,
        dest="uatkit_missing_steps",
        metavar="JSON",
        default=None,
        help="collect, then write the scenarios tests bind, steps with no definition and collection "
        "errors to JSON; run no test",
    )


def whole_number(text: str) -> int:
    """Return the option's value as an int; argparse names the option in the usage error."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number such as 0 or 42, not {text!r}") from None


def shard_value(text: str) -> object:
    """Return the shard K/N names; argparse names the option in the usage error."""
    from uatkit.pytest_plugin.shard import parse_shard

    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run_id_value(text: str) -> str:
    """Return a run ID given on the command line; argparse names the option in the usage error."""
    from uatkit.pytest_plugin.shard import parse_run_id

    try:
        return parse_run_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
