"""What a defect says in a tracker: Jira's description (wiki text) and ZenTao's 重现步骤 (HTML): pure."""

from __future__ import annotations

import html
from collections.abc import Sequence

from uatkit.defects.model import Defect

#: Jira wiki markup shows what is between these literally; a tester's text cannot close the block early.
_NOFORMAT = "{noformat}"


def jira_description(defect: Defect) -> str:
    """Return the issue's description: where it failed, steps, expected, actual, evidence, the links."""
    found = (
        f"UAT pack {defect.pack_id}, marked {defect.status}"
        if defect.level == "uat"
        else f"automated check at the {defect.level} level, {defect.status}"
    )
    requirement = f"{defect.requirement} {defect.requirement_title}".strip()
    if defect.requirement_url:
        requirement += f" ({defect.requirement_url})"
    lines = [
        f"*Requirement:* {requirement}",
        f"*Case:* {defect.case_key} {defect.title}",
        f"*Found in:* {found}",
    ]
    if defect.level == "uat":
        who = defect.tester or "(no tester)"
        lines.append(f"*Tester:* {who}, {defect.date}" if defect.date else f"*Tester:* {who}")
    elif defect.date:
        lines.append(f"*Ran:* {defect.date}")
    if defect.environment or defect.version:
        lines.append(f"*Environment:* {_joined(defect.environment, defect.version)}")
    lines += _section("Preconditions", _numbered(defect.preconditions, "# "))
    lines += _section("Steps", _numbered(defect.steps, "# "))
    if defect.test_data:
        lines += _section("Test data", [_literal(defect.test_data)])
    lines += _section("Expected result", _numbered(defect.expected, "# "))
    lines += _section("Actual result", [_literal(defect.actual or "(not described)")])
    if defect.comments:
        lines += _section("Comments", [_literal(defect.comments)])
    if defect.evidence:
        lines += _section("Evidence", [f"* {_plain(name)}" for name in defect.evidence])
        lines.append(
            "(the files are kept in the UAT ledger and attached to the Allure result)"
            if defect.level == "uat"
            else "(attached to the Allure result)"
        )
    lines += _section("Where it comes from", _provenance(defect))
    lines += [
        "",
        f"uatkit ID: {defect.id} (the label {defect.id} keeps uatkit from filing this defect twice)",
    ]
    return "\n".join(lines)


def zentao_steps(defect: Defect) -> str:
    """Return ZenTao's 重现步骤 as its own template writes it ([步骤] [结果] [期望]), every text escaped."""
    requirement = f"{defect.requirement} {defect.requirement_title}".strip()
    found = (
        f"UAT 测试包 {defect.pack_id}，结果 {defect.status}"
        if defect.level == "uat"
        else f"自动化测试（{defect.level}），结果 {defect.status}"
    )
    parts = ["<p>[步骤]</p>"]
    if defect.preconditions:
        parts.append(_paragraph(["前置条件：", *_numbered(defect.preconditions, "", number=True)]))
    parts.append(_paragraph(list(_numbered(defect.steps, "", number=True)) or ["（无）"]))
    if defect.test_data:
        parts.append(_paragraph([f"测试数据：{defect.test_data}"]))
    parts += ["<p>[结果]</p>", _paragraph((defect.actual or "（未描述）").splitlines())]
    if defect.comments:
        parts.append(_paragraph([f"备注：{defect.comments}"]))
    parts += ["<p>[期望]</p>", _paragraph(list(_numbered(defect.expected, "", number=True)) or ["（无）"])]
    facts = [
        f"需求：{requirement}" + (f"（{defect.requirement_url}）" if defect.requirement_url else ""),
        f"用例：{defect.case_key} {defect.title}",
        f"发现于：{found}",
    ]
    if defect.level == "uat":
        facts.append(f"测试人：{defect.tester or '（未填写）'}，日期：{defect.date or '（未填写）'}")
    elif defect.date:
        facts.append(f"运行时间：{defect.date}")
    if defect.environment or defect.version:
        facts.append(f"环境：{_joined(defect.environment, defect.version)}")
    if defect.evidence:
        facts.append("证据文件：" + "、".join(defect.evidence))
    if defect.allure_link:
        facts.append(f"Allure 结果：{defect.allure_link}")
    facts.append(f"来源：{defect.source}")
    facts.append(f"uatkit 编号：{defect.id}")
    parts.append(_paragraph(facts))
    return "".join(parts)


def _provenance(defect: Defect) -> list[str]:
    lines = []
    if defect.allure_link:
        lines.append(f"Allure result: {defect.allure_link}")
    lines.append(f"Source: {_plain(defect.source)}")
    if defect.mark_id is not None:
        lines.append(f"UAT ledger mark #{defect.mark_id}")
    if defect.run_id:
        lines.append(f"Run ID: {defect.run_id}")
    if defect.result_uuid:
        lines.append(f"Allure result uuid: {defect.result_uuid}")
    return lines


def _section(title: str, body: Sequence[str]) -> list[str]:
    return ["", f"*{title}*", *body] if body else []


def _numbered(items: Sequence[str], prefix: str, *, number: bool = False) -> list[str]:
    return [f"{n}. {item}" if number else f"{prefix}{_plain(item)}" for n, item in enumerate(items, 1)]


def _literal(text: str) -> str:
    """Return a tester's or a check's text as a block Jira shows as written (no markup, no links)."""
    return f"{_NOFORMAT}\n{text.replace(_NOFORMAT, '')}\n{_NOFORMAT}"


def _plain(text: str) -> str:
    """Return one line of story text with Jira's block markers taken out (shown as written otherwise)."""
    return text.replace(_NOFORMAT, "").replace("{code", "(code").replace("{html", "(html")


def _paragraph(lines: Sequence[str]) -> str:
    return "<p>" + "<br/>".join(html.escape(line) for line in lines) + "</p>"


def _joined(*parts: str) -> str:
    return ", ".join(p for p in parts if p)
