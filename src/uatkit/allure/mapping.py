"""The Allure mapping of a case (docs/pytest-plugin.md's table), shared by automated runs and UAT results."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote

from allure_commons.model2 import Status as AllureStatus
from allure_commons.types import LinkType, Severity

from uatkit.config import Config
from uatkit.model import Case, Priority, Status, Story

SEVERITY = {
    Priority.MUST: Severity.CRITICAL,
    Priority.SHOULD: Severity.NORMAL,
    Priority.COULD: Severity.MINOR,
    Priority.WONT: Severity.TRIVIAL,
}
#: The labels uatkit adds that allure_commons.types.LabelType does not name.
LAYER_LABEL = "layer"
CASE_LABEL = "case"
#: The case row a result is about (REQ-101.AC-5#2) and the fingerprint of that row's scenario as it ran:
#: a result whose fingerprint is not the case's current one is stale evidence.
CASE_KEY_LABEL = "caseKey"
FINGERPRINT_LABEL = "fingerprint"
OWNER_LABEL = "owner"
#: The requirement's module, kept beside the epic label when the story names an epic of its own.
MODULE_LABEL = "module"
BUSINESS_OWNER_LABEL = "businessOwner"
#: A UAT mark's status as an Allure status (Not run gives no result).
UAT_STATUS: dict[Status, str] = {
    Status.PASS: AllureStatus.PASSED,
    Status.FAIL: AllureStatus.FAILED,
    Status.BLOCKED: AllureStatus.BROKEN,
    Status.NA: AllureStatus.SKIPPED,
}
#: An Allure status of a UAT result in the business users' words (the pack's dropdown): UAT_STATUS reversed.
UAT_WORDS: dict[str, str] = {allure: status.value for status, allure in UAT_STATUS.items()}


@dataclass(frozen=True)
class AllureInfo:
    """What uatkit adds to one scenario's Allure result."""

    epic: str
    feature: str
    story: str
    layer: str
    severity: Severity
    case_id: str
    test_case_id: str
    links: tuple[tuple[str, str, str], ...] = ()
    owner: str = ""
    case_key: str = ""
    fingerprint: str = ""
    #: The module when the epic label holds the story's own epic ("" when the epic label is the module).
    module: str = ""
    #: The story's labels, each an Allure `tag` label.
    tags: tuple[str, ...] = ()


def requirement_link(config: Config, requirement: str) -> str:
    """Return the URL of a requirement from the configured template (empty when there is none)."""
    return config.requirement_url.replace("{id}", requirement) if config.requirement_url else ""


def scenario_info(
    config: Config,
    story: Story | None,
    feature_name: str,
    scenario_name: str,
    case_id: str,
    level: str,
    defects: list[str],
) -> AllureInfo:
    """Return the Allure mapping of one scenario run (docs/pytest-plugin.md's table)."""
    requirement = story.id if story else case_id.rpartition(".")[0]
    return AllureInfo(
        epic=_epic(story.epic, story.module) if story else "",
        module=story.module if story and story.epic else "",
        tags=story.labels if story else (),
        feature=f"{story.id} {story.title}" if story else feature_name,
        story=scenario_name,
        layer=level,
        severity=SEVERITY[story.priority] if story else Severity.NORMAL,
        case_id=case_id,
        test_case_id=stable_test_case_id(case_id or f"{feature_name}/{scenario_name}", level),
        links=case_links(config, requirement, defects),
        owner=story.owner if story else "",
    )


def case_info(config: Config, case: Case, level: str, defects: list[str]) -> AllureInfo:
    """Return the Allure mapping of a UAT case, the same as `scenario_info` gives its scenario's runs."""
    return AllureInfo(
        epic=_epic(case.epic, case.module),
        module=case.module if case.epic else "",
        tags=case.labels,
        feature=f"{case.requirement} {case.requirement_title}".strip(),
        story=case.scenario,
        layer=level,
        severity=SEVERITY[case.priority],
        case_id=case.case_id,
        test_case_id=stable_test_case_id(case.case_id, level),
        links=case_links(config, case.requirement, defects),
        owner=case.owner,
    )


def _epic(epic: str, module: str) -> str:
    """Return the epic label: the story's epic when its backlog names one, else its module."""
    return epic or module


def stable_test_case_id(identity: str, level: str) -> str:
    """Return the stable testCaseId of a case (or feature/scenario name) at a level."""
    return hashlib.md5(f"{identity}[{level}]".encode()).hexdigest()


def case_links(config: Config, requirement: str, defects: list[str]) -> tuple[tuple[str, str, str], ...]:
    """Return (url, name, type) links: the requirement's tms link, then one issue link a defect ID."""
    out: list[tuple[str, str, str]] = []
    url = requirement_link(config, requirement) if requirement else ""
    if url:
        out.append((url, requirement, LinkType.TEST_CASE))
    out += [(url, d, LinkType.ISSUE) for d in defects if (url := defect_link(config, d))]
    return tuple(out)


_PLAIN_ID = re.compile(r"[\w.#/-]+\Z")


def defect_ids(text: str) -> list[str]:
    """Return the defect IDs a tester wrote in the Defect ID cell (commas, semicolons or spaces)."""
    return [d for d in _DEFECT_SPLIT.split(text) if d]


_DEFECT_SPLIT = re.compile(r"[\s,;]+")


def defect_link(config: Config, defect: str) -> str:
    """Return a defect's URL: from the `defect_url` template, else the ID itself if a plain ID or web link.

    Defect IDs come from spreadsheets: text such as `javascript:…` must never become a live link.
    """
    if config.defect_url:
        return config.defect_url.replace("{id}", quote(defect, safe=""))
    if defect.startswith(("https://", "http://")) or (_PLAIN_ID.match(defect) and ":" not in defect):
        return defect
    return ""
