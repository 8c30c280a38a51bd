"""The UAT pack's layout: sheets, columns and labels in English and Chinese, the metadata sheet's format.

This is the contract between the pack writer (`uatkit.uat.workbook`) and the reader (`uatkit.uat.reader`):
the reader finds sheets, columns and values by any language's label, so a pack in Chinese reads the same as
one in English.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from uatkit.model import Decision, PackLanguage, Priority, Status

#: Bumped when the layout changes in a way an older reader could misread.
SCHEMA_VERSION = 2
LANGUAGES = ("en", "zh-CN")
#: A priority as the packs and the requirements specification show it.
PRIORITY_LABELS: dict[Priority, dict[str, str]] = {
    Priority.MUST: {PackLanguage.EN: "Must", PackLanguage.ZH_CN: "必须"},
    Priority.SHOULD: {PackLanguage.EN: "Should", PackLanguage.ZH_CN: "应该"},
    Priority.COULD: {PackLanguage.EN: "Could", PackLanguage.ZH_CN: "可以"},
    Priority.WONT: {PackLanguage.EN: "Won't", PackLanguage.ZH_CN: "暂不"},
}

#: Sheet keys in workbook order.
SHEETS = ("instructions", "cases", "signoff", "meta")
SHEET_LABELS: dict[str, dict[str, str]] = {
    "instructions": {"en": "Instructions", "zh-CN": "说明"},
    "cases": {"en": "Test cases", "zh-CN": "测试用例"},
    "signoff": {"en": "Sign-off", "zh-CN": "签字确认"},
    # The metadata sheet has one name in every language: users never see it.
    "meta": {"en": "_uatkit", "zh-CN": "_uatkit"},
}


@dataclass(frozen=True)
class Column:
    """A column of the Test cases sheet."""

    key: str
    en: str
    zh: str
    width: int
    input: bool = False

    def label(self, language: str) -> str:
        """Return the header in `language`."""
        return self.zh if language == "zh-CN" else self.en


#: The Test cases sheet's columns, left to right. Locked columns come first, then the tester's inputs.
COLUMNS = (
    Column("case", "Case ID", "用例编号", 15),
    Column("requirement", "Requirement", "需求编号", 12),
    Column("title", "Requirement title", "需求标题", 16),
    Column("scenario", "Scenario", "场景", 22),
    Column("preconditions", "Preconditions", "前置条件", 22),
    Column("steps", "Steps", "操作步骤", 30),
    Column("expected", "Expected result", "预期结果", 26),
    Column("data", "Test data", "测试数据", 16),
    Column("priority", "Priority", "优先级", 8),
    Column("status", "Status", "状态", 10, input=True),
    Column("actual", "Actual result", "实际结果", 18, input=True),
    Column("defect", "Defect ID", "缺陷编号", 10, input=True),
    Column("tester", "Tester", "测试人", 12, input=True),
    Column("date", "Date", "测试日期", 11, input=True),
    Column("evidence", "Evidence", "证据文件", 12, input=True),
    Column("comments", "Comments", "备注", 18, input=True),
)
#: A re-test pack's read-only columns, between the locked ones and the tester's inputs: why the row is
#: issued again and the mark(s) it had. Neither is read back; the reader skips them.
RETEST_COLUMNS = (
    Column("retest", "Re-test because", "重测原因", 22),
    Column("previous", "Previous mark", "上次结果", 20),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
LOCKED_COLUMNS = tuple(c.key for c in COLUMNS if not c.input)
INPUT_COLUMNS = tuple(c.key for c in COLUMNS if c.input)
#: The header is on row 1; cases start on row 2.
HEADER_ROW = 1

STATUS_LABELS: dict[Status, dict[str, str]] = {
    Status.NOT_RUN: {"en": "Not run", "zh-CN": "未执行"},
    Status.PASS: {"en": "Pass", "zh-CN": "通过"},
    Status.FAIL: {"en": "Fail", "zh-CN": "失败"},
    Status.BLOCKED: {"en": "Blocked", "zh-CN": "阻塞"},
    Status.NA: {"en": "N/A", "zh-CN": "不适用"},
}
DECISION_LABELS: dict[Decision, dict[str, str]] = {
    Decision.ACCEPTED: {"en": "Accepted", "zh-CN": "接受"},
    Decision.WITH_CONDITIONS: {"en": "Accepted with conditions", "zh-CN": "有条件接受"},
    Decision.REJECTED: {"en": "Rejected", "zh-CN": "拒绝"},
}

#: The Sign-off sheet: a label in column A, the value in column B, one field a row from SIGNOFF_FIRST_ROW.
SIGNOFF_FIELDS = (
    Column("owner", "Business owner", "业务负责人", 0, input=True),
    Column("decision", "Decision", "验收结论", 0, input=True),
    Column("conditions", "Conditions", "附加条件", 0, input=True),
    Column("name", "Name", "签字人", 0, input=True),
    Column("date", "Date", "日期", 11, input=True),
)
SIGNOFF_FIRST_ROW = 4

#: The metadata sheet: `key | value` rows, then a row starting with META_CASES_MARK and one row a case:
#: key | sheet row | fingerprint | locked-cell hashes (one 8-hex hash per locked column, space-separated).
#: `key_id` and `signature` sign every other value (`uatkit.uat.signing`); they are last and not signed.
META_KEYS = (
    "schema",
    "pack_id",
    "release",
    "group",
    "owner",
    "language",
    "generated_at",
    "commit",
    "project",
    "due",
    "test_url",
    "app_version",
    "app_build",
    "environment",
    "contact",
    "key_id",
    "signature",
)
META_CASES_MARK = "cases"


def status_from_label(text: str) -> Status | None:
    """Return the status a label names in any language (case and surrounding space ignored), else None."""
    return _STATUS_LOOKUP.get(text.strip().casefold())


def decision_from_label(text: str) -> Decision | None:
    """Return the decision a label names in any language, else None."""
    return _DECISION_LOOKUP.get(text.strip().casefold())


def status_label(status: Status, language: str) -> str:
    """Return a status as the pack's dropdown shows it."""
    return STATUS_LABELS[status]["zh-CN" if language == "zh-CN" else "en"]


def decision_label(decision: Decision, language: str) -> str:
    """Return a decision as the Sign-off sheet's dropdown shows it."""
    return DECISION_LABELS[decision]["zh-CN" if language == "zh-CN" else "en"]


def sheet_keys_by_name() -> dict[str, str]:
    """Return every language's sheet name mapped to its sheet key."""
    return {name: key for key, names in SHEET_LABELS.items() for name in names.values()}


def column_keys_by_label() -> dict[str, str]:
    """Return every language's header (casefolded) mapped to its column key, re-test columns included."""
    return {label.casefold(): c.key for c in (*COLUMNS, *RETEST_COLUMNS) for label in (c.en, c.zh)}


def pack_columns(retest: bool) -> tuple[Column, ...]:
    """Return a pack's Test cases columns, left to right: a re-test pack adds its read-only ones."""
    if not retest:
        return COLUMNS
    locked = tuple(c for c in COLUMNS if not c.input)
    return (*locked, *RETEST_COLUMNS, *(c for c in COLUMNS if c.input))


_STATUS_LOOKUP = {
    label.casefold(): status for status, labels in STATUS_LABELS.items() for label in labels.values()
}
_DECISION_LOOKUP = {
    label.casefold(): decision for decision, labels in DECISION_LABELS.items() for label in labels.values()
}


def cell_hash(text: str) -> str:
    """Return the short hash the metadata sheet keeps of a locked cell's text (line ends normalised)."""
    normal = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:8]
