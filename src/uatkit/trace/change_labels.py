"""The fixed words of the change-impact report, in English and Chinese, keyed by `PackLanguage` value.

Beside the report rather than in documents.labels: documents imports trace, so trace may not import documents.
"""

from __future__ import annotations

from uatkit.model import PackLanguage

EN, ZH = PackLanguage.EN, PackLanguage.ZH_CN

#: The page's and the workbook's words. Phrases with {names} are filled in with str.format, so each language
#: puts the numbers where its grammar wants them.
IMPACT: dict[str, dict[str, str]] = {
    "title": {EN: "Change impact since {baseline}", ZH: "基线 {baseline} 以来的变更影响"},
    "heading": {
        EN: "{project} — change impact since baseline {baseline}",
        ZH: "{project} — 变更影响报告（基线 {baseline}）",
    },
    "baseline_line": {
        EN: "Baseline {name}, approved by {approved_by} on {approved_on}.",
        ZH: "基线 {name}，由 {approved_by} 于 {approved_on} 批准。",
    },
    "counts": {
        EN: "{added} added, {changed} changed, {removed} removed, {unchanged} unchanged.",
        ZH: "新增 {added} 项，修改 {changed} 项，删除 {removed} 项，未变 {unchanged} 项。",
    },
    "nothing_changed": {EN: "No requirement changed since the baseline.", ZH: "自基线以来没有需求变更。"},
    "all_covered": {
        EN: "Every change is covered by an approved change request.",
        ZH: "所有变更均有已批准的变更请求覆盖。",
    },
    "uncovered": {
        EN: "{count} change(s) are not covered by an approved change request:",
        ZH: "{count} 项变更没有已批准的变更请求覆盖：",
    },
    "changes": {EN: "Changes", ZH: "变更"},
    "requirement": {EN: "Requirement", ZH: "需求"},
    "title_column": {EN: "Title", ZH: "需求名称"},
    "change": {EN: "Change", ZH: "变更"},
    "criteria": {EN: "Criteria", ZH: "验收标准"},
    "change_requests": {EN: "Change requests", ZH: "变更请求"},
    "covered": {EN: "Covered", ZH: "已覆盖"},
    "yes": {EN: "yes", ZH: "是"},
    "no": {EN: "no", ZH: "否"},
    "none": {EN: "none", ZH: "无"},
    "owner": {EN: "owner {owner}", ZH: "负责人 {owner}"},
    "covered_by": {EN: "covered by {requests}", ZH: "由 {requests} 覆盖"},
    "part": {EN: "Part", ZH: "部分"},
    "part_change": {EN: "Part change", ZH: "部分变更"},
    "text": {EN: "Text", ZH: "文本"},
    "removed_words": {EN: "removed", ZH: "删除"},
    "added_words": {EN: "added", ZH: "新增"},
    "before": {EN: "Before", ZH: "变更前"},
    "after": {EN: "After", ZH: "变更后"},
    "reopens": {EN: "Reopens", ZH: "重新打开"},
    "reopens_colon": {EN: "Reopens:", ZH: "重新打开："},
    # Chinese punctuation is full width: a list of what is reopened reads "甲；乙（丙、丁）。".
    "colon": {EN: ": ", ZH: "："},
    "gap": {EN: " ", ZH: ""},
    "semicolon": {EN: "; ", ZH: "；"},
    "comma": {EN: ", ", ZH: "、"},
    "stop": {EN: ".", ZH: "。"},
    "open": {EN: " (", ZH: "（"},
    "close": {EN: ")", ZH: "）"},
    "stale_results": {EN: "{count} stale automated result(s)", ZH: "{count} 项自动化结果失效"},
    "stale_result": {EN: "{key} at {level}", ZH: "{key} · {level}"},
    "stale_marks": {EN: "{count} stale UAT mark(s)", ZH: "{count} 项 UAT 标记失效"},
    "stale_mark": {EN: "{key} in {pack}", ZH: "{key} · {pack}"},
    "stale_results_short": {EN: "{count} stale result(s)", ZH: "{count} 项结果失效"},
    "stale_marks_short": {EN: "{count} stale mark(s)", ZH: "{count} 项标记失效"},
    "packs_list": {EN: "packs {packs}", ZH: "UAT 包 {packs}"},
    "rerun_cases": {EN: "Re-run {cases}", ZH: "重新运行 {cases}"},
    "at_levels": {EN: " at {levels}", ZH: "（{levels} 层级）"},
    "packs_reopened": {EN: "Packs reopened", ZH: "重新打开的 UAT 包"},
    "pack": {EN: "Pack", ZH: "UAT 包"},
    "business_owner": {EN: "Business owner", ZH: "业务负责人"},
    "signoff_before": {EN: "Sign-off before the change", ZH: "变更前的签核"},
    "not_signed_off": {EN: "not signed off", ZH: "未签核"},
    "rows_uncovered": {EN: "Rows it no longer covers", ZH: "不再覆盖的行"},
    "no_packs": {
        EN: "No UAT pack holds a row of a changed requirement.",
        ZH: "没有 UAT 包包含变更需求的行。",
    },
    "effort": {EN: "Effort to re-test", ZH: "重新测试工作量"},
    "what": {EN: "What", ZH: "事项"},
    "who_level": {EN: "Who / level", ZH: "人员 / 层级"},
    "cases_rows": {EN: "Cases or rows", ZH: "用例或行"},
    "run_again": {EN: "Run again", ZH: "重新运行"},
    "issue_again": {EN: "Issue again in UAT", ZH: "在 UAT 中重新下发"},
    "pack_reopened": {EN: "Pack reopened", ZH: "UAT 包重新打开"},
    "no_owner": {EN: "(no owner)", ZH: "（无负责人）"},
    "nothing_to_retest": {EN: "Nothing to re-test.", ZH: "无需重新测试。"},
    "changes_sheet": {EN: "Changes", ZH: "变更"},
    "retest_sheet": {EN: "Re-test", ZH: "重新测试"},
    "footer": {
        EN: "Written by uatkit {version} on {generated_at}.",
        ZH: "由 uatkit {version} 于 {generated_at} 生成。",
    },
}

#: A requirement's or a part's change, a change request's status, and a requirement's own parts, as shown.
CHANGE_WORDS: dict[str, dict[str, str]] = {
    "added": {EN: "added", ZH: "新增"},
    "changed": {EN: "changed", ZH: "修改"},
    "removed": {EN: "removed", ZH: "删除"},
    "proposed": {EN: "proposed", ZH: "待批准"},
    "approved": {EN: "approved", ZH: "已批准"},
    "rejected": {EN: "rejected", ZH: "已拒绝"},
    "title": {EN: "title", ZH: "标题"},
    "narrative": {EN: "narrative", ZH: "描述"},
    "priority": {EN: "priority", ZH: "优先级"},
    # What becomes of a changed requirement's feature file (gherkin.sync.Action values).
    "create": {EN: "create", ZH: "待生成"},
    "update": {EN: "update", ZH: "待更新"},
    "orphaned": {EN: "orphaned", ZH: "已孤立（故事已删除）"},
    "edited by hand": {EN: "edited by hand", ZH: "已手工修改"},
}
