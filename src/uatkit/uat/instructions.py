"""The UAT pack's Instructions sheet: what the pack is, how to fill it in, the status legend, progress."""

from __future__ import annotations

from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from uatkit.model import PackLanguage, Status
from uatkit.uat import layout
from uatkit.uat.pack import PackInfo
from uatkit.xlsx import STATUS_COLOURS, Sheet, print_setup, put_text, row_height

TEXT_WIDTH = 100
TEXTS: dict[str, dict[str, str]] = {
    PackLanguage.EN: {
        "title": "User acceptance test pack",
        "project": "Project",
        "release": "Release",
        "pack_id": "Pack ID",
        "owner": "Business owner",
        "due": "Due date",
        "generated_at": "Generated at",
        "commit": "Source version",
        "count": "Number of cases",
        "url": "Where to test",
        "version": "Version under test",
        "build": "build {build}",
        "version_build": "{version} (build {build})",
        "environment": "Environment",
        "contact": "Questions to",
        "how": "How to fill it in",
        "legend": "Status legend",
        "meaning": "Meaning",
        "progress": "Progress (updates as you fill in the Status column)",
        "tested": "Tested",
        "done": "Done",
    },
    PackLanguage.ZH_CN: {
        "title": "用户验收测试包",
        "project": "项目",
        "release": "版本",
        "pack_id": "测试包编号",
        "owner": "业务负责人",
        "due": "截止日期",
        "generated_at": "生成时间",
        "commit": "源代码版本",
        "count": "用例数量",
        "url": "测试地址",
        "version": "被测版本",
        "build": "构建 {build}",
        "version_build": "{version}（构建 {build}）",
        "environment": "测试环境",
        "contact": "问题请联系",
        "how": "填写方法",
        "legend": "状态说明",
        "meaning": "含义",
        "progress": "进度（随“状态”列自动更新）",
        "tested": "已测试",
        "done": "完成比例",
    },
}
STEPS: dict[str, tuple[str, ...]] = {
    PackLanguage.EN: (
        'Go to the "{cases}" sheet. Each row is one case: do the steps, then compare what you see with the '
        "expected result.",
        "Pick a Status from the dropdown: {pass}, {fail}, {blocked} or {na}. Leave {not_run} on the cases "
        "you have not tested.",
        "For {fail}: write the actual result and/or a comment, and the defect ID if a defect was raised.",
        "For {blocked}: write in Comments what stopped you.",
        "Every row you tested needs the Tester's name and the Date, written as YYYY-MM-DD (e.g. 2026-12-01).",
        "Evidence: save your screenshots in the same folder as this workbook and write their file names in "
        "Evidence, one per line.",
        "Do not edit the grey cells: they describe the case and are locked. Write only in the white cells.",
        'When you are done, fill in the "{signoff}" sheet and send this file back with the evidence files.',
    ),
    PackLanguage.ZH_CN: (
        "打开“{cases}”工作表。每一行是一个用例：按操作步骤执行，再将看到的结果与预期结果对比。",
        "在“状态”下拉列表中选择：{pass}、{fail}、{blocked}或{na}。未测试的用例保留“{not_run}”。",
        "选择“{fail}”时：填写实际结果和/或备注；如已登记缺陷，填写缺陷编号。",
        "选择“{blocked}”时：在备注中写明受阻原因。",
        "每个已测试的行都要填写测试人和测试日期，日期格式为 YYYY-MM-DD（例如 2026-12-01）。",
        "证据：将截图保存在与本工作簿相同的文件夹中，并在“证据文件”列填写文件名，每行一个。",
        "请勿修改灰色单元格：它们描述用例，已被锁定。只在白色单元格中填写。",
        "完成后，填写“{signoff}”工作表，并将本文件连同证据文件一起发回。",
    ),
}
MEANINGS: dict[str, dict[Status, str]] = {
    PackLanguage.EN: {
        Status.NOT_RUN: "Not tested yet.",
        Status.PASS: "Works as the expected result describes.",
        Status.FAIL: "Does not work as expected: write the actual result and the defect ID.",
        Status.BLOCKED: "Could not be tested (missing data, system down…): say why in Comments.",
        Status.NA: "Does not apply to this release.",
    },
    PackLanguage.ZH_CN: {
        Status.NOT_RUN: "尚未测试。",
        Status.PASS: "结果与预期一致。",
        Status.FAIL: "结果与预期不符：填写实际结果和缺陷编号。",
        Status.BLOCKED: "无法测试（缺少数据、系统不可用等）：在备注中说明原因。",
        Status.NA: "本次版本不涉及。",
    },
}


_STATUS_KEYS = {
    "not_run": Status.NOT_RUN,
    "pass": Status.PASS,
    "fail": Status.FAIL,
    "blocked": Status.BLOCKED,
    "na": Status.NA,
}


def fill_instructions(sheet: Sheet, info: PackInfo, count: int, retest: bool = False) -> None:
    """Write the Instructions sheet in the pack's language (a re-test pack says what it holds)."""
    language = PackLanguage.ZH_CN if info.language == PackLanguage.ZH_CN else PackLanguage.EN
    text = TEXTS[language]
    put_text(sheet.cell(1, 1), text["title"], "uat-title")
    sheet.row_dimensions[1].height = 30
    put_text(sheet.cell(2, 1), f"{info.project} · {info.release} · {info.group}", "uat-note")
    if retest:
        put_text(sheet.cell(3, 1), _RETEST_NOTE[language], "uat-note")
    details = [
        ("project", info.project),
        ("release", info.release),
        ("pack_id", info.pack_id),
        ("owner", info.owner),
        ("due", info.due.isoformat() if info.due else ""),
        ("generated_at", _when(info)),
        *([("commit", info.commit)] if info.commit else []),
        ("count", str(count)),
        *_target(info, text),
    ]
    row = 4
    for key, value in details:
        put_text(sheet.cell(row, 1), text[key], "uat-label")
        written = put_text(sheet.cell(row, 2), value, "uat-text")
        if key == "url" and written == value and value.startswith(("https://", "http://")):
            sheet.cell(row, 2).hyperlink = value
        row += 1
    row = _heading(sheet, row + 1, text["how"])
    names = {
        "cases": layout.SHEET_LABELS["cases"][language],
        "signoff": layout.SHEET_LABELS["signoff"][language],
        **{key: layout.status_label(status, language) for key, status in _STATUS_KEYS.items()},
    }
    for number, step in enumerate(STEPS[language], start=1):
        put_text(sheet.cell(row, 1), f"{number}.", "uat-step")
        written = put_text(sheet.cell(row, 2), step.format(**names), "uat-text")
        sheet.row_dimensions[row].height = row_height([(written, TEXT_WIDTH)])
        row += 1
    row = _heading(sheet, row + 1, text["legend"])
    for status in Status:
        fill, font = STATUS_COLOURS[status]
        cell = sheet.cell(row, 1)
        put_text(cell, layout.status_label(status, language), "uat-legend")
        cell.fill = PatternFill(fill_type="solid", start_color=fill, end_color=fill)
        cell.font = Font(name=cell.font.name, size=cell.font.size, bold=True, color=font)
        written = put_text(sheet.cell(row, 2), MEANINGS[language][status], "uat-text")
        sheet.row_dimensions[row].height = row_height([(written, TEXT_WIDTH)])
        row += 1
    _progress(sheet, _heading(sheet, row + 1, text["progress"]), language, count, retest)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = TEXT_WIDTH
    print_setup(sheet, info.pack_id, info.language, landscape=False)


_RETEST_NOTE = {
    PackLanguage.EN: "Re-test round: only the cases that need you again. The column “Re-test because” says "
    "why; “Previous mark” shows the earlier result for reference.",
    PackLanguage.ZH_CN: "重测轮次：仅包含需要再次测试的用例。“重测原因”列说明原因，“上次结果”列供参考。",
}


def _target(info: PackInfo, text: dict[str, str]) -> list[tuple[str, str]]:
    """Return the Instructions rows saying where and what to test: only those the pack knows."""
    target = info.target
    version = target.version
    if target.build:
        shape = text["version_build"] if version else text["build"]
        version = shape.format(version=version, build=target.build)
    rows = [
        ("url", target.url),
        ("version", version),
        ("environment", target.environment),
        ("contact", target.contact),
    ]
    return [(key, value) for key, value in rows if value]


def _heading(sheet: Sheet, row: int, title: str) -> int:
    put_text(sheet.cell(row, 1), title, "uat-heading")
    sheet.row_dimensions[row].height = 20
    return row + 1


def _progress(sheet: Sheet, row: int, language: str, count: int, retest: bool) -> None:
    # Our own formulas over the Status column: they count labels, so they follow the tester's dropdown.
    column = get_column_letter(1 + [c.key for c in layout.pack_columns(retest)].index("status"))
    first, last = layout.HEADER_ROW + 1, max(layout.HEADER_ROW + 1, layout.HEADER_ROW + count)
    cells = f"'{layout.SHEET_LABELS['cases'][language]}'!${column}${first}:${column}${last}"
    for status in Status:
        put_text(sheet.cell(row, 1), layout.status_label(status, language), "uat-label")
        counter = sheet.cell(row, 2)
        counter.style = "uat-number"
        counter.value = f'=COUNTIF({cells},"{layout.status_label(status, language)}")'
        row += 1
    not_run = layout.status_label(Status.NOT_RUN, language)
    put_text(sheet.cell(row, 1), TEXTS[language]["tested"], "uat-label")
    sheet.cell(row, 2).style = "uat-number"
    sheet.cell(row, 2).value = f'={count}-COUNTIF({cells},"{not_run}")-COUNTBLANK({cells})'
    put_text(sheet.cell(row + 1, 1), TEXTS[language]["done"], "uat-label")
    done = sheet.cell(row + 1, 2)
    done.style = "uat-number"
    done.value = f"=IF({count}=0,0,B{row}/{count})"
    done.number_format = "0%"


def _when(info: PackInfo) -> str:
    moment = info.generated_at
    zone = moment.tzname() or ""
    return moment.strftime("%Y-%m-%d %H:%M") + (f" {zone}" if zone else "")
