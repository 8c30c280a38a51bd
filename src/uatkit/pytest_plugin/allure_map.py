"""Map a scenario onto Allure: epic/feature/story, layer, severity, requirement and defect links, case ID.

Labels are added through allure-pytest-bdd's own API (`allure.dynamic`); the stable testCaseId is set on the
result allure-pytest-bdd is building, so that history follows the case ID and level, not the wording.
"""

from __future__ import annotations

from typing import Any

import pytest

from uatkit.allure.mapping import BUSINESS_OWNER_LABEL, CASE_LABEL, LAYER_LABEL, AllureInfo, scenario_info
from uatkit.config import Config
from uatkit.model import CASE_TAG, DEFECT_TAG, Story
from uatkit.pytest_plugin.tags import tag_values


def apply(info: AllureInfo, item: pytest.Item, seed: int | None) -> None:
    """Add the mapping to the running Allure result (callers check `reporting` first)."""
    listener = reporting(item.config)
    import allure

    if info.epic:
        allure.dynamic.epic(info.epic)
    allure.dynamic.feature(info.feature)
    allure.dynamic.story(info.story)
    # The three runs of one scenario sit side by side in the report; the level tells them apart.
    allure.dynamic.title(f"{info.story} [{info.layer}]" if info.layer else info.story)
    allure.dynamic.label(LAYER_LABEL, info.layer)
    allure.dynamic.severity(info.severity)
    if info.case_id:
        allure.dynamic.label(CASE_LABEL, info.case_id)
    if info.owner:
        allure.dynamic.label(BUSINESS_OWNER_LABEL, info.owner)
    for url, name, link_type in info.links:
        allure.dynamic.link(url, link_type=link_type, name=name)
    if seed is not None:
        allure.dynamic.parameter("faker seed", seed, excluded=True)
    uuid = listener.nodeid_to_uuid.get(item.nodeid)
    if uuid is not None:
        with listener.lifecycle.update_test_case(uuid=uuid) as result:
            if result is not None:
                result.testCaseId = info.test_case_id


_LISTENER = pytest.StashKey[Any]()


def reporting(config: pytest.Config) -> Any:
    """Return allure-pytest-bdd's listener when this run writes Allure results, else None (looked up once)."""
    if _LISTENER not in config.stash:
        config.stash[_LISTENER] = None
        try:
            from allure_pytest_bdd.pytest_bdd_listener import PytestBDDListener
        except ImportError:
            return None
        for plugin in config.pluginmanager.get_plugins():
            if isinstance(plugin, PytestBDDListener):
                config.stash[_LISTENER] = plugin
    return config.stash[_LISTENER]


def item_info(
    config: Config, stories: dict[str, Story], item: pytest.Item, feature: Any, scenario: Any, level: str
) -> AllureInfo:
    """Return the mapping for a running pytest-bdd scenario item."""
    case_ids = tag_values(item, CASE_TAG)
    case_id = case_ids[0] if case_ids else ""
    story = stories.get(case_id.rpartition(".")[0]) if case_id else None
    if story is None:
        story = next((stories[m.name] for m in item.iter_markers() if m.name in stories), None)
    return scenario_info(
        config, story, feature.name, scenario.name, case_id, level, tag_values(item, DEFECT_TAG)
    )


def has_result(item: pytest.Item) -> bool:
    """Return True when allure-pytest-bdd is writing a result for this item (attachments have a home)."""
    listener = reporting(item.config)
    return listener is not None and item.nodeid in listener.nodeid_to_uuid
