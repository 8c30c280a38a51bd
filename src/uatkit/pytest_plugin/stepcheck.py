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
    # pytest-bdd has no public API for this; its --generate-missing uses the same helper.
    from pytest_bdd.generation import _find_step_fixturedef
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    from uatkit.gherkin.parse import feature_files, parse_features

    session.perform_collect()
    folder = Path(config.option.uatkit_features or "features").resolve()
    # The scenarios come from uatkit's own feature model; pytest-bdd only says which of them a test binds.
    features = parse_features(feature_files(folder), str)
    bound: set[tuple[Path, int]] = set()
    undefined: dict[tuple[str, int, str], dict[str, Any]] = {}
    checked: set[int] = set()
    for item in session.items:
        function = getattr(item, "obj", None)
        template = scenario_wrapper_template_registry.get(function) if callable(function) else None
        if template is None:
            continue
        bound.add((Path(template.feature.filename).resolve(), template.line_number))
        if id(template) in checked:
            continue  # the same scenario at another level or example row: its steps are already checked
        checked.add(id(template))
        for step in _steps_as_run(template):
            if not _find_step_fixturedef(session._fixturemanager, item, step=step):
                text = f"{step.keyword.strip()} {step.name}"
                key = (template.feature.filename, step.line_number, text)
                undefined[key] = {**_scenario(template), "line": step.line_number, "step": text}
    # Steps of scenarios no test binds are not reported one by one: the unbound scenario says it all.
    unbound = [
        {"file": str(feature.path), "line": scenario.line, "scenario": scenario.name}
        | {"tags": sorted(set(scenario.tags))}
        for feature, scenario in features.scenarios()
        if (feature.path.resolve(), scenario.line) not in bound
    ]
    report = {"unbound": unbound, "undefined": list(undefined.values())}
    Path(config.option.uatkit_missing_steps).write_text(
        json.dumps(report, ensure_ascii=False), encoding="utf-8"
    )
    session.exitstatus = 0


def _steps_as_run(template: Any) -> list[Any]:
    """Return a scenario's steps as pytest-bdd runs them: an outline's once per Examples row, filled in."""
    contexts = [context for examples in template.examples for context in examples.as_contexts()]
    if not template.templated or not contexts:
        return list(template.steps)
    return [step for context in contexts for step in template.render(context).steps]


def _scenario(scenario: Any) -> dict[str, Any]:
    return {
        "file": scenario.feature.filename,
        "line": scenario.line_number,
        "scenario": scenario.name,
        "tags": sorted(set(scenario.tags) | set(scenario.feature.tags)),
    }
