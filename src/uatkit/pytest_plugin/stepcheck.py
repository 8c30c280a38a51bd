"""The session `uatkit check` runs: which scenarios tests bind, which steps no definition matches, and what
pytest could not collect."""

from __future__ import annotations

import json
import sys
import sysconfig
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
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    errors = _CollectionErrors()
    config.pluginmanager.register(errors, "uatkit-collection-errors")
    session.perform_collect()
    # Which scenarios exist is uatkit's own feature model's answer (`uatkit check`); pytest-bdd only says
    # which of them a test binds, and which steps it cannot match.
    bound: set[tuple[str, int]] = set()
    undefined: dict[tuple[str, int, str], dict[str, Any]] = {}
    checked: set[int] = set()
    resolver = _StepResolver(session)
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
            if not resolver.defined(item, step):
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
    report = {
        "bound": sorted(bound),
        "undefined": list(undefined.values()),
        "errors": errors.found,
        # What the answer depends on beyond the steps folder and the features (uatkit check's cache key).
        "sources": _imported_sources(),
        "feature_dirs": sorted({str(Path(file).parent) for file, _ in bound}),
    }
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


def _fixture_names(manager: Any) -> list[str]:
    """Return every fixture name registered in pytest's fixture manager, whatever their visibility."""
    try:
        from pytest_bdd.compat import get_fixture_names
    except ImportError:  # pytest-bdd 9.0 has no helper; its pytest keeps the registry by name
        return list(manager._arg2fixturedefs)
    return list(get_fixture_names(manager))


class _StepResolver:
    """Answer "does a step definition match this step here?" as pytest-bdd does, once per distinct question.

    pytest-bdd looks through every fixture name visible to the test for each step it runs; the check asks
    the same of each step of each scenario. Which definitions a test sees depends only on where it is (its
    parent collectors), so they are listed once per parent, and each distinct (kind, text) is matched once
    against that list with the definitions' own parsers.
    """

    def __init__(self, session: pytest.Session) -> None:
        self._manager = session._fixturemanager
        self._names = set(_fixture_names(self._manager))
        self._visible: dict[str, list[Any]] = {}
        self._answers: dict[tuple[str, str, str], bool] = {}

    def defined(self, item: pytest.Item, step: Any) -> bool:
        """Return True when a step definition visible to `item` matches `step` (its kind and text)."""
        where = item.parent.nodeid if item.parent is not None else ""
        key = (where, step.type, step.name)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._match(item, where, step)
        return answer

    def _match(self, item: pytest.Item, where: str, step: Any) -> bool:
        from pytest_bdd.generation import _find_step_fixturedef
        from pytest_bdd.steps import get_step_fixture_name

        if get_step_fixture_name(step=step) in self._names:
            # A fixture already carries the step's own name: leave the answer to pytest-bdd itself.
            return bool(_find_step_fixturedef(self._manager, item, step=step))
        contexts = self._visible.get(where)
        if contexts is None:
            contexts = self._visible[where] = self._contexts(item)
        return any(
            (context.type is None or context.type == step.type) and context.parser.is_matching(step.name)
            for context in contexts
        )

    def _contexts(self, item: pytest.Item) -> list[Any]:
        """Return the step definitions `item` sees, as pytest-bdd's own search finds them."""
        from pytest_bdd.compat import getfixturedefs
        from pytest_bdd.steps import step_function_context_registry

        contexts = []
        for name in sorted(self._names):
            for fixturedef in getfixturedefs(self._manager, name, item) or ():
                context = step_function_context_registry.get(fixturedef.func)
                if context is not None:
                    contexts.append(context)
        return contexts


def _imported_sources() -> list[str]:
    """Return the Python files this session imported from outside the standard library and site-packages."""
    installed = [
        Path(sysconfig.get_path(name)).resolve() for name in ("stdlib", "platstdlib", "purelib", "platlib")
    ]
    found: set[str] = set()
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not file.endswith(".py"):
            continue
        path = Path(file).resolve()
        if not any(path.is_relative_to(folder) for folder in installed):
            found.add(str(path))
    return sorted(found)
