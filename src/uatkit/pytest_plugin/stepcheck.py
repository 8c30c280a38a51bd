"""Find scenarios bound to no test and steps with no definition, as pytest-bdd itself resolves them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

OPTION = "--uatkit-missing-steps"


def add_options(parser: pytest.Parser) -> None:
    """Register the option that runs the check instead of the tests."""
    group = parser.getgroup("uatkit")
    group.addoption(
        OPTION,
        dest="uatkit_missing_steps",
        metavar="JSON",
        default=None,
        help="collect, then write scenarios with no test and steps with no definition to JSON; run no test",
    )
    group.addoption(
        "--uatkit-features",
        dest="uatkit_features",
        metavar="DIR",
        default=None,
        help="feature folder the step check looks at (with " + OPTION + ")",
    )


def cmdline_main(config: pytest.Config) -> int | None:
    """Run the check in its own session when the option is given."""
    if not config.option.uatkit_missing_steps:
        return None
    from _pytest.main import wrap_session

    return wrap_session(config, _main)


def _main(config: pytest.Config, session: pytest.Session) -> None:
    # pytest-bdd has no public API for this; its --generate-missing uses the same two helpers.
    from pytest_bdd.generation import _find_step_fixturedef, parse_feature_files
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    session.perform_collect()
    features_dir = config.option.uatkit_features or "features"
    _, scenarios, steps = parse_feature_files([features_dir])
    unbound = list(scenarios)
    undefined = [step for step in steps if step.background is None]
    for item in session.items:
        function = getattr(item, "obj", None)
        scenario = scenario_wrapper_template_registry.get(function) if callable(function) else None
        if scenario is None:
            continue
        if scenario in unbound:
            unbound.remove(scenario)
        for step in scenario.steps:
            if step in undefined and _find_step_fixturedef(session._fixturemanager, item, step=step):
                undefined.remove(step)
    # Steps of scenarios no test binds are not reported one by one: the unbound scenario says it all.
    bound = [s for s in scenarios if s not in unbound]
    report: dict[str, list[dict[str, Any]]] = {
        "unbound": [_scenario(s) for s in unbound],
        "undefined": [
            {
                **_scenario(step.scenario),
                "line": step.line_number,
                "step": f"{step.keyword.strip()} {step.name}",
            }
            for step in undefined
            if step.scenario is not None and step.scenario in bound
        ],
    }
    Path(config.option.uatkit_missing_steps).write_text(
        json.dumps(report, ensure_ascii=False), encoding="utf-8"
    )
    session.exitstatus = 0


def _scenario(scenario: Any) -> dict[str, Any]:
    return {
        "file": scenario.feature.filename,
        "line": scenario.line_number,
        "scenario": scenario.name,
        "tags": sorted(set(scenario.tags) | set(scenario.feature.tags)),
    }
