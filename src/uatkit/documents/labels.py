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
    # The acceptance certificate (documents/certificate.py).
    "certificate": {EN: "Acceptance certificate", ZH: "验收证书"},
    "release": {EN: "Release", ZH: "发布版本"},
    "version": {EN: "Version (build)", ZH: "软件版本（构建）"},
    "environment": {EN: "Environment", ZH: "测试环境"},
    "scope": {EN: "Scope: the baseline and approved changes", ZH: "范围：需求基线与已批准的变更"},
    "digest": {EN: "Digest", ZH: "摘要值"},
    "no_baseline": {
        EN: "No requirements baseline was created: the scope is the catalogue as it stands.",
        ZH: "未建立需求基线：范围以当前需求目录为准。",
    },
    "change_requests": {EN: "Approved change requests since the baseline", ZH: "基线之后已批准的变更请求"},
    "no_change_requests": {EN: "None.", ZH: "无。"},
    "cr_title": {EN: "Title", ZH: "标题"},
    "decided_by": {EN: "Approved by", ZH: "批准人"},
    "decided_on": {EN: "Approved on", ZH: "批准日期"},
    "evidence": {EN: "Evidence and sign-off record", ZH: "测试证据与签核记录"},
    "evidence_set": {EN: "Evidence set", ZH: "证据集"},
    "results_hash": {EN: "Results hash", ZH: "结果哈希"},
    "record": {EN: "Sign-off record", ZH: "签核记录"},
    "verdict": {EN: "Verdict", ZH: "结论"},
    "recorded_by": {EN: "Recorded by", ZH: "记录人"},
    "recorded_at": {EN: "Recorded at", ZH: "记录时间"},
    "record_state": {EN: "State", ZH: "状态"},
    "note": {EN: "Note", ZH: "备注"},
    "statuses": {EN: "Requirement status by module", ZH: "各模块需求状态"},
    "status": {EN: "Status", ZH: "状态"},
    "gates": {EN: "Sign-off gates", ZH: "签核门槛"},
    "gate": {EN: "Gate", ZH: "门槛"},
    "result": {EN: "Result", ZH: "结果"},
    "reason": {EN: "Reason", ZH: "原因"},
    "passed": {EN: "passed", ZH: "通过"},
    "failed": {EN: "failed", ZH: "未通过"},
    "conditions": {EN: "Conditions", ZH: "附加条件"},
    "open_defects": {EN: "Open defects", ZH: "未关闭缺陷"},
    "no_open_defects": {EN: "No open failures.", ZH: "无未关闭的失败项。"},
    "case": {EN: "Case", ZH: "用例"},
    "level": {EN: "Level", ZH: "测试层级"},
    "defects": {EN: "Defects", ZH: "缺陷编号"},
    "message": {EN: "Failure", ZH: "失败信息"},
    "acceptance": {
        EN: "By signing, the client accepts the delivery of this release against the requirements above, on "
        "the evidence and under the conditions stated, and the vendor confirms that the evidence is complete "
        "and true.",
        ZH: "甲方签字即确认按上述需求、证据及所列条件验收本版本交付；乙方签字即确认所列证据真实完整。",
    },
    "generated": {EN: "Generated", ZH: "生成时间"},
}

#: The verdict and the requirement statuses in each language (the English words are uatkit's own).
OUTCOMES: dict[str, dict[str, str]] = {
    "GO": {EN: "GO", ZH: "通过（GO）"},
    "GO WITH CONDITIONS": {EN: "GO WITH CONDITIONS", ZH: "有条件通过"},
    "NO-GO": {EN: "NO-GO", ZH: "不通过（NO-GO）"},
}
STATUSES: dict[str, dict[str, str]] = {
    "ACCEPTED": {EN: "ACCEPTED", ZH: "已验收"},
    "PASSED": {EN: "PASSED", ZH: "已通过"},
    "NOT RUN": {EN: "NOT RUN", ZH: "未执行"},
    "UNCOVERED": {EN: "UNCOVERED", ZH: "未覆盖"},
    "FAILED": {EN: "FAILED", ZH: "失败"},
}
RECORD_STATES: dict[str, dict[str, str]] = {
    "current": {EN: "current (rests on the evidence set above)", ZH: "有效（基于上述证据集）"},
    "superseded": {EN: "superseded by newer evidence", ZH: "已被更新的证据取代"},
    "unknown": {EN: "unknown", ZH: "未知"},
}

#: The two parties that sign, in the order their blocks are printed.
SIGNATORIES = (LABELS["client"], LABELS["vendor"])
