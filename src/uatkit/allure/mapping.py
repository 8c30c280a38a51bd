"""The Allure mapping of a case (DESIGN.md's table), shared by automated runs and UAT results."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from uatkit.config import Config
from uatkit.model import Priority, Story

SEVERITY = {
    Priority.MUST: "critical",
    Priority.SHOULD: "normal",
    Priority.COULD: "minor",
    Priority.WONT: "trivial",
}


@dataclass(frozen=True)
class AllureInfo:
    """What uatkit adds to one scenario's Allure result."""

    epic: str
    feature: str
    story: str
    layer: str
    severity: str
    case_id: str
    test_case_id: str
    links: tuple[tuple[str, str, str], ...] = ()
    owner: str = ""


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
    """Return the Allure mapping of one scenario run (DESIGN.md's table)."""
    requirement = story.id if story else case_id.rpartition(".")[0]
    links: list[tuple[str, str, str]] = []
    url = requirement_link(config, requirement) if requirement else ""
    if url:
        links.append((url, requirement, "tms"))
    links += [(config.defect_url.replace("{id}", d) if config.defect_url else d, d, "issue") for d in defects]
    identity = f"{case_id or feature_name + '/' + scenario_name}[{level}]"
    return AllureInfo(
        epic=story.module if story else "",
        feature=f"{story.id} {story.title}" if story else feature_name,
        story=scenario_name,
        layer=level,
        severity=SEVERITY[story.priority] if story else "normal",
        case_id=case_id,
        test_case_id=hashlib.md5(identity.encode("utf-8")).hexdigest(),
        links=tuple(links),
        owner=story.owner if story else "",
    )
