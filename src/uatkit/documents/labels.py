"""The words of the documents for signature, in English and Chinese, keyed by `PackLanguage` value."""

from __future__ import annotations

from uatkit.model import PackLanguage

EN, ZH = PackLanguage.EN, PackLanguage.ZH_CN

LABELS: dict[str, dict[str, str]] = {
    "title": {EN: "Requirements specification", ZH: "需求规格说明书"},
    "project": {EN: "Project", ZH: "项目"},
    "baseline": {EN: "Baseline", ZH: "基线"},
    "approved_by": {EN: "Approved by", ZH: "批准人"},
    "approved_on": {EN: "Approved on", ZH: "批准日期"},
    "commit": {EN: "Commit", ZH: "版本提交"},
    "client": {EN: "Client", ZH: "客户（甲方）"},
    "vendor": {EN: "Vendor", ZH: "供应商（乙方）"},
    "summary": {EN: "Summary", ZH: "概要"},
    "module": {EN: "Module", ZH: "模块"},
    "requirements": {EN: "Requirements", ZH: "需求"},
    "requirement_title": {EN: "Requirement", ZH: "需求名称"},
    "criteria": {EN: "Acceptance criteria", ZH: "验收标准"},
    "criterion_id": {EN: "Criterion ID", ZH: "标准编号"},
    "criterion": {EN: "Acceptance criterion", ZH: "验收标准内容"},
    "total": {EN: "Total", ZH: "合计"},
    "id": {EN: "ID", ZH: "编号"},
    "priority": {EN: "Priority", ZH: "优先级"},
    "owner": {EN: "Business owner", ZH: "业务负责人"},
    "examples": {EN: "Examples", ZH: "示例"},
    "no_criteria": {EN: "No acceptance criteria.", ZH: "无验收标准。"},
    "signatures": {EN: "Signatures", ZH: "签字"},
    "approval": {
        EN: "By signing, the client and the vendor approve the requirements in this document as the baseline "
        "against which the delivery is accepted.",
        ZH: "甲乙双方签字即确认本文件所列需求为交付验收的基线。",
    },
    "organisation": {EN: "Organisation", ZH: "单位"},
    "name": {EN: "Name", ZH: "姓名"},
    "role": {EN: "Role", ZH: "职务"},
    "signature": {EN: "Signature", ZH: "签字"},
    "date": {EN: "Date", ZH: "日期"},
}

#: The two parties that sign, in the order their blocks are printed.
SIGNATORIES = (LABELS["client"], LABELS["vendor"])
