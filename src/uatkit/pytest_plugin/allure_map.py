"""Map a scenario onto Allure: epic/feature/story, layer, severity, links, case ID and the run's ID.

The mapping is one update of the result allure-pytest-bdd is building, through its listener's
`nodeid_to_uuid` and `lifecycle` (allure-python-commons' AllureLifecycle). They are not public API, but
allure-pytest-bdd has none for the testCaseId (its `allure.dynamic` hooks set labels, links, parameters and
the title, not the testCaseId), so the listener is checked before use (`supported`) and the tested versions
are pinned below `TESTED_BELOW` (tests/test_plugin_allure_guard.py): a listener without them leaves the
results without uatkit's mapping and says so once, instead of failing every scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest

from uatkit.allure.mapping import (
    BUSINESS_OWNER_LABEL,
    CASE_KEY_LABEL,
    CASE_LABEL,
    FINGERPRINT_LABEL,
    LAYER_LABEL,
    MODULE_LABEL,
    AllureInfo,
    scenario_info,
)
from uatkit.allure.runs import RUN_LABEL
from uatkit.cases import case_of
from uatkit.config import Config
from uatkit.model import CASE_TAG, DEFECT_TAG, Case, Story
from uatkit.pytest_plugin.data import example_of
from uatkit.pytest_plugin.tags import tag_values


def apply(
    info: AllureInfo,
    item: pytest.Item,
    seed: int | None,
    run_id: str | None = None,
    extra: Sequence[tuple[str, str]] = (),
) -> None:
    """Add the mapping, the run's ID and `extra` labels (the shard) to the running Allure result.

    Callers check `reporting` first.
    """
    from allure_commons.model2 import Label, Link, Parameter
    from allure_commons.types import LabelType
    from allure_commons.utils import represent

    listener = reporting(item.config)
    uuid = listener.nodeid_to_uuid.get(item.nodeid)
    if uuid is None:
        return
    labels = [(LabelType.EPIC, info.epic)] if info.epic else []
    labels += [(MODULE_LABEL, info.module)] if info.module else []
    labels += [(LabelType.FEATURE, info.feature), (LabelType.STORY, info.story), (LAYER_LABEL, info.layer)]
    labels += [(LabelType.SEVERITY, info.severity.value)]
    labels += [(CASE_LABEL, info.case_id)] if info.case_id else []
    labels += [(BUSINESS_OWNER_LABEL, info.owner)] if info.owner else []
    labels += (
        [(CASE_KEY_LABEL, info.case_key), (FINGERPRINT_LABEL, info.fingerprint)] if info.fingerprint else []
    )
    labels += [(RUN_LABEL, run_id)] if run_id else []
    labels += list(extra)
    # One update of the result allure-pytest-bdd is building: what allure.dynamic would add one hook call
    # at a time (ten a scenario), in the same shape.
    with listener.lifecycle.update_test_case(uuid=uuid) as result:
        if result is None:
            return
        # The three runs of one scenario sit side by side in the report; the level tells them apart.
        result.name = f"{info.story} [{info.layer}]" if info.layer else info.story
        result.labels.extend(Label(name=name, value=value) for name, value in labels)
        # The story's labels are no Gherkin tags (its features stay as generated): each becomes a tag label
        # here, once, beside the tag labels allure-pytest-bdd made of the scenario's tags.
        tagged = {label.value for label in result.labels if label.name == LabelType.TAG}
        result.labels.extend(
            Label(name=LabelType.TAG, value=t) for t in dict.fromkeys(info.tags) if t not in tagged
        )
        result.links.extend(Link(type=kind, url=url, name=name) for url, name, kind in info.links)
        if seed is not None:
            result.parameters.append(Parameter(name="faker seed", value=represent(seed), excluded=True))
        result.testCaseId = info.test_case_id


_LISTENER = pytest.StashKey[Any]()
#: The first allure-pytest-bdd version not checked to have the listener attributes `apply` uses.
TESTED_BELOW = (2, 17)


def supported(listener: Any) -> bool:
    """Return True when allure-pytest-bdd's listener has what `apply` uses (its private attributes)."""
    nodes = getattr(listener, "nodeid_to_uuid", None)
    lifecycle = getattr(listener, "lifecycle", None)
    return isinstance(nodes, Mapping) and callable(getattr(lifecycle, "update_test_case", None))


def reporting(config: pytest.Config) -> Any:
    """Return allure-pytest-bdd's listener when this run writes Allure results, else None (looked up once)."""
    if _LISTENER not in config.stash:
        config.stash[_LISTENER] = None
        try:
            from allure_pytest_bdd.pytest_bdd_listener import PytestBDDListener
        except ImportError:
            return None
        for plugin in config.pluginmanager.get_plugins():
            if not isinstance(plugin, PytestBDDListener):
                continue
            if supported(plugin):
                config.stash[_LISTENER] = plugin
            else:
                _say(
                    config,
                    "this allure-pytest-bdd's listener has no nodeid_to_uuid / lifecycle; the results "
                    "carry no uatkit mapping (install allure-pytest-bdd<2.17)",
                )
    return config.stash[_LISTENER]


def _say(config: pytest.Config, message: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"uatkit: warning: {message}")


def item_info(
    config: Config,
    stories: dict[str, Story],
    cases: Mapping[str, Sequence[Case]],
    item: pytest.Item,
    feature: Any,
    scenario: Any,
    level: str,
) -> AllureInfo:
    """Return the mapping for a running pytest-bdd scenario item, with the fingerprint of its case row."""
    case_ids = tag_values(item, CASE_TAG)
    case_id = case_ids[0] if case_ids else ""
    story = stories.get(case_id.rpartition(".")[0]) if case_id else None
    if story is None:
        story = next((stories[m.name] for m in item.iter_markers() if m.name in stories), None)
    info = scenario_info(
        config, story, feature.name, scenario.name, case_id, level, tag_values(item, DEFECT_TAG)
    )
    case = case_of(cases.get(case_id, ()), example_of(item)) if case_id else None
    return replace(info, case_key=case.key, fingerprint=case.fingerprint) if case else info


def has_result(item: pytest.Item) -> bool:
    """Return True when allure-pytest-bdd is writing a result for this item (attachments have a home)."""
    listener = reporting(item.config)
    return listener is not None and item.nodeid in listener.nodeid_to_uuid
