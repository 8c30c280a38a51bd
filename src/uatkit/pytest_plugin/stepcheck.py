"""The session `uatkit check` runs: which scenarios tests bind, which steps no definition matches, and what
pytest could not collect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def cmdline_main(config: pytest.Config) -> int | None:
    """Run the check in its own session when the option is given."""
    if not config.option.uatkit_missing_steps:
        return None
    from _pytest.main import wrap_session

    return wrap_session(config, _main)


class _CollectionErrors:
    """Keep what pytest could not collect: a broken feature or test module hides its scenarios."""

    def __init__(self) -> None:
        self.found: list[dict[str, str]] = []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = [line[1:].strip() for line in report.longreprtext.splitlines() if line.startswith("E ")]
            message = " ".join(lines) or report.longreprtext.strip().splitlines()[-1]
            self.found.append({"node": report.nodeid, "message": message})


def _main(config: pytest.Config, session: pytest.Session) -> None:
    # pytest-bdd has no public API for this; its --generate-missing uses the same helper.
    from pytest_bdd.generation import _find_step_fixturedef
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    errors = _CollectionErrors()
    config.pluginmanager.register(errors, "uatkit-collection-errors")
    session.perform_collect()
    # Which scenarios exist is uatkit's own feature model's answer (`uatkit check`); pytest-bdd only says
    # which of them a test binds, and which steps it cannot match.
    bound: set[tuple[str, int]] = set()
    undefined: dict[tuple[str, int, str], dict[str, Any]] = {}
    checked: set[int] = set()
    for item in session.items:
        function = getattr(item, "obj", None)
        template = scenario_wrapper_template_registry.get(function) if callable(function) else None
        if template is None:
            continue
        bound.add((template.feature.filename, template.line_number))
        if id(template) in checked:
            continue  # the same scenario at another level or example row: its steps are already checked
        checked.add(id(template))
        for step in _steps_as_run(template):
            if not _find_step_fixturedef(session._fixturemanager, item, step=step):
                text = f"{step.keyword.strip()} {step.name}"
                key = (template.feature.filename, step.line_number, text)
                undefined[key] = {
                    **_scenario(template),
                    "scenario_line": template.line_number,
                    "line": step.line_number,
                    "step": text,
                    # The kind pytest-bdd matched it as (And and But resolved) and the text it matched.
                    "type": step.type,
                    "name": step.name,
                    "docstring": step.docstring is not None,
                    "datatable": step.datatable is not None,
                }
    report = {"bound": sorted(bound), "undefined": list(undefined.values()), "errors": errors.found}
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
