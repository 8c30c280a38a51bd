"""The mapping of a client's own UAT spreadsheet onto uatkit's fields: a TOML file, checked key by key.

A client often insists on its own template (Chinese headers, its own status words). The mapping says which
sheet, which header row (or the headers to find it by), which column holds each field (by header name,
column letter or a regular expression on the header), what the status words mean, the release, and where
the client's sign-off block is (`[signoff]`: the cells of the decision, name, date and conditions). Every
unknown key and bad value is reported at once, at its line of the mapping file (`uatkit.tomltable`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from uatkit.config import read_toml_file
from uatkit.errors import InputError, Problem
from uatkit.model import Decision, PackLanguage, SourceLocation, Status
from uatkit.tomltable import Key, Refused, Strings, check_table, key_lines, line_of, where
from uatkit.uat import layout

#: The fields a mapping can place, and the headers each is found by when the mapping names none (compared
#: after whitespace normalisation, case aside). Import reads the first block; export also writes the second.
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "case": ("用例编号", "测试用例编号", "用例ID", "Case ID", "Test case ID", "Test ID"),
    "title": ("测试场景", "场景", "用例名称", "测试用例名称", "用例标题", "Scenario", "Test scenario"),
    "status": ("测试结果", "执行结果", "状态", "Status", "Result", "Test result"),
    "actual": ("实际结果", "Actual result", "Actual"),
    "tester": ("测试人员", "测试人", "执行人", "Tester", "Tested by"),
    "date": ("测试日期", "执行日期", "Test date", "Date"),
    "evidence": ("证据文件", "证据", "附件", "截图", "Evidence", "Attachment", "Screenshot"),
    "defect": ("缺陷编号", "缺陷", "问题编号", "Defect ID", "Defect", "Bug ID"),
    "comments": ("备注", "说明", "Comments", "Comment", "Remarks", "Notes"),
    # Written by `uat export --template` only.
    "requirement": ("需求编号", "Requirement", "Requirement ID"),
    "requirement_title": ("需求标题", "需求名称", "Requirement title"),
    "module": ("模块", "功能模块", "Module"),
    "preconditions": ("前置条件", "Preconditions"),
    "steps": ("操作步骤", "测试步骤", "步骤", "Steps", "Test steps"),
    "expected": ("预期结果", "期望结果", "Expected result", "Expected"),
    "data": ("测试数据", "Test data"),
    "priority": ("优先级", "Priority"),
}
FIELDS = tuple(DEFAULT_HEADERS)
#: The fields an import reads (the tester's inputs and what finds the case).
READ_FIELDS = ("case", "title", "status", "actual", "tester", "date", "evidence", "defect", "comments")

#: Status words understood without a mapping (case and spacing aside); a mapping's words are added.
DEFAULT_STATUSES: dict[str, Status] = {
    "pass": Status.PASS,
    "passed": Status.PASS,
    "ok": Status.PASS,
    "通过": Status.PASS,
    "已通过": Status.PASS,
    "fail": Status.FAIL,
    "failed": Status.FAIL,
    "失败": Status.FAIL,
    "不通过": Status.FAIL,
    "未通过": Status.FAIL,
    "blocked": Status.BLOCKED,
    "阻塞": Status.BLOCKED,
    "受阻": Status.BLOCKED,
    "n/a": Status.NA,
    "na": Status.NA,
    "not applicable": Status.NA,
    "不适用": Status.NA,
    "not run": Status.NOT_RUN,
    "未执行": Status.NOT_RUN,
    "未测试": Status.NOT_RUN,
}

#: Decision words of a sign-off block understood without a mapping (case and spacing aside): a pack's
#: Sign-off labels in every language and the usual Chinese ones; a mapping's words are added.
DEFAULT_DECISIONS: dict[str, Decision] = {
    **{label.casefold(): d for d, labels in layout.DECISION_LABELS.items() for label in labels.values()},
    "通过": Decision.ACCEPTED,
    "验收通过": Decision.ACCEPTED,
    "有条件通过": Decision.WITH_CONDITIONS,
    "不通过": Decision.REJECTED,
    "验收不通过": Decision.REJECTED,
}

_LETTERS = re.compile(r"[A-Za-z]{1,3}")
_CELL = re.compile(r"[A-Za-z]{1,3}[1-9][0-9]{0,6}")
_COLUMN_ALLOWED = 'a header name, or a table: { header = "…" }, { column = "B" } or { regex = "…" }'


class ColumnSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Where a field's column is: its header (exact after whitespace), its letter, or a regex on headers."""

    header: Annotated[str, Meta(description="The column's header, as written (spacing and case aside).")] = ""
    column: Annotated[str, Meta(description="The column's letter: B, AA.")] = ""
    regex: Annotated[str, Meta(description="A regular expression searched in each header.")] = ""


Column = Annotated[str | ColumnSpec, Meta(extra={"allowed": _COLUMN_ALLOWED})]
CellRef = Annotated[str, Meta(description="A cell of the sheet: C20.", extra={"allowed": "a cell: C20"})]


class SignoffSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Where the client's sign-off block is in the workbook: the cells of its decision, name and date."""

    sheet: Annotated[
        str | int,
        Meta(
            description="The sheet of the block: its name or position (default: the marks' sheet).",
            extra={"allowed": "a sheet name, or a sheet's position from 1"},
        ),
    ] = ""
    decision: Annotated[CellRef, Meta(description="The cell of the decision (验收结论); required.")] = ""
    name: Annotated[
        CellRef, Meta(description="The cell of the name of who signs off (签字人); required.")
    ] = ""
    date: Annotated[CellRef, Meta(description="The cell of the day of the sign-off (日期); required.")] = ""
    conditions: Annotated[
        CellRef, Meta(description="The cell of the conditions (needed with Accepted with conditions).")
    ] = ""
    decisions: Annotated[
        dict[str, Decision],
        Meta(
            description='The template\'s decision words (有条件通过 = "Accepted with conditions"), added to '
            "the usual ones.",
            extra={"allowed": "a table of word = Accepted | Accepted with conditions | Rejected"},
        ),
    ] = msgspec.field(default_factory=dict)


class MappingTable(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A template mapping file: how one client's UAT spreadsheet maps onto uatkit's fields."""

    name: Annotated[
        str, Meta(description="Names the client's template in pack IDs (default: the mapping file's name).")
    ] = ""
    release: Annotated[str, Meta(description="The release the marks are for (`--release` overrides).")] = ""
    sheet: Annotated[
        str | int,
        Meta(
            description="The sheet: its name, or its position (1 is the first).",
            extra={"allowed": "a sheet name, or a sheet's position from 1"},
        ),
    ] = 1
    header_row: Annotated[
        int, Meta(ge=0, description="The row of the headers, from 1; 0 finds it (see `find`).")
    ] = 0
    find: Annotated[
        Strings,
        Meta(description="Headers the header row holds, to find it (default: the mapped headers found)."),
    ] = ()
    match: Annotated[
        Literal["auto", "id", "title"],
        Meta(
            description="How a row names its case: its case ID, its scenario title, or auto (ID, else title)."
        ),
    ] = "auto"
    language: Annotated[
        PackLanguage, Meta(description="The template's language: en, zh-CN or auto (from its headers).")
    ] = PackLanguage.AUTO
    owner: Annotated[str, Meta(description="The business owner the template is for (shown in status).")] = ""
    columns: Annotated[
        dict[str, Column],
        Meta(
            description="Where each field is; a field not named is found by its usual headers.",
            extra={"allowed": "a table of field = column", "keys": FIELDS},
        ),
    ] = msgspec.field(default_factory=dict)
    statuses: Annotated[
        dict[str, Status],
        Meta(
            description='The template\'s status words (通过 = "Pass"), added to the usual ones.',
            extra={"allowed": "a table of word = Pass | Fail | Blocked | N/A | Not run"},
        ),
    ] = msgspec.field(default_factory=dict)
    signoff: Annotated[
        SignoffSpec,
        Meta(description="Where the client's sign-off block is; without it the template is not signed off."),
    ] = msgspec.field(default_factory=SignoffSpec)


@dataclass(frozen=True)
class TemplateMapping:
    """A validated mapping: the table, the file it came from and that file's SHA-256."""

    table: MappingTable
    path: Path
    sha256: str
    columns: dict[str, ColumnSpec]
    statuses: dict[str, Status]

    @property
    def name(self) -> str:
        """Return the template's name: the mapping's `name`, else the mapping file's name."""
        return self.table.name or self.path.stem

    def status(self, word: str) -> Status | None:
        """Return the status a word of the template means (spacing and case aside), else None."""
        return self.statuses.get(normal(word).casefold())

    def words(self, language: str = PackLanguage.EN) -> dict[Status, str]:
        """Return the first word the mapping gives each status (a pack's label in `language` otherwise)."""
        chosen: dict[Status, str] = {}
        for word, status in self.table.statuses.items():
            chosen.setdefault(status, word)
        for status in Status:
            chosen.setdefault(status, layout.status_label(status, language))
        return chosen

    def decision(self, word: str) -> Decision | None:
        """Return the decision a word of the sign-off block means (spacing and case aside), else None."""
        folded = normal(word).casefold()
        given = {normal(w).casefold(): d for w, d in self.signoff_words.items()}
        return given.get(folded) or DEFAULT_DECISIONS.get(folded)

    @property
    def signoff(self) -> SignoffSpec | None:
        """Return where the client's sign-off block is, None when the mapping has no [signoff]."""
        return self.table.signoff if self.table.signoff.decision else None

    @property
    def signoff_words(self) -> dict[str, Decision]:
        """Return the mapping's own decision words."""
        return dict(self.table.signoff.decisions)

    def decision_words(self, language: str = PackLanguage.EN) -> dict[Decision, list[str]]:
        """Return the words each decision is written with: the mapping's first, then a pack's label."""
        chosen: dict[Decision, list[str]] = {d: [] for d in Decision}
        for word, decision in self.signoff_words.items():
            chosen[decision].append(word)
        if language == PackLanguage.ZH_CN:
            for decision, word in zip(Decision, ("通过", "有条件通过", "不通过"), strict=True):
                chosen[decision].append(word)
        for decision in Decision:
            chosen[decision].append(layout.decision_label(decision, language))
        return {d: list(dict.fromkeys(words)) for d, words in chosen.items()}


def normal(text: str) -> str:
    """Return text with its whitespace runs as one space and none at either end (full-width spaces too)."""
    return " ".join(text.split())


def default_mapping() -> TemplateMapping:
    """Return the mapping used without a mapping file: the first sheet, the usual headers and words."""
    table = MappingTable()
    return TemplateMapping(table, Path("(no mapping)"), "", _columns({}), dict(DEFAULT_STATUSES))


def load_mapping(path: Path) -> TemplateMapping:
    """Return the mapping file at `path`, validated; every problem is located at its line."""
    data, text = read_toml_file(path, "the template mapping")
    values, found = check_table(MappingTable, data, _AFTER, root="")
    if found or values is None:
        lines = key_lines(text, ())
        problems = [
            Problem(SourceLocation(str(path), line_of(f.key, lines)), f.message, f.hint) for f in found
        ]
        problems.sort(key=lambda p: p.location.line or 0)
        raise InputError(problems)
    table = MappingTable(**values)
    statuses = {**DEFAULT_STATUSES, **{normal(w).casefold(): s for w, s in table.statuses.items()}}
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return TemplateMapping(table, path, digest, _columns(table.columns), statuses)


def _columns(given: Mapping[str, str | ColumnSpec]) -> dict[str, ColumnSpec]:
    """Return the columns the mapping places, as specs (the other fields are found by their usual headers)."""
    out: dict[str, ColumnSpec] = {}
    for name in FIELDS:
        spec = given.get(name)
        if isinstance(spec, str):
            out[name] = ColumnSpec(header=spec)
        elif spec is not None:
            out[name] = spec
    return out


def _column(key: Key) -> Callable[[Any], Any]:
    def check(spec: str | ColumnSpec) -> str | ColumnSpec:
        if isinstance(spec, str):
            if not normal(spec):
                raise Refused(f"{where(key)} is empty", "write the column's header as the template has it")
            return spec
        given = [name for name in ("header", "column", "regex") if getattr(spec, name)]
        if len(given) != 1:
            raise Refused(
                f"{where(key)} must name exactly one of header, column or regex, got "
                f"{', '.join(given) or 'none'}",
                _COLUMN_ALLOWED,
            )
        if spec.column and not _LETTERS.fullmatch(spec.column.strip()):
            raise Refused(f"{where(key)}: column = {spec.column!r} is not a column letter", "write B or AA")
        if spec.regex:
            try:
                re.compile(spec.regex)
            except re.error as exc:
                raise Refused(
                    f"{where(key)}: regex = {spec.regex!r} is not a valid regular expression: {exc}",
                    'write a Python regular expression, e.g. "^测试结果"',
                ) from None
        return spec

    return check


def _words(statuses: dict[str, Status]) -> dict[str, Status]:
    blank = [word for word in statuses if not normal(word)]
    if blank:
        raise Refused(f"{where(('statuses',))} has an empty word", "an empty Status cell is Not run already")
    return statuses


def _cell(key: Key) -> Callable[[str], str]:
    def check(ref: str) -> str:
        if ref and not _CELL.fullmatch(ref.strip()):
            raise Refused(f"{where(key)} = {ref!r} is not a cell reference", 'write the cell, e.g. "C20"')
        return ref.strip().upper()

    return check


def _decision_words(decisions: dict[str, Decision]) -> dict[str, Decision]:
    if any(not normal(word) for word in decisions):
        raise Refused(
            f"{where(('signoff', 'decisions'))} has an empty word", "an empty decision is no sign-off"
        )
    return decisions


def _signoff(spec: SignoffSpec) -> SignoffSpec:
    missing = [name for name in ("decision", "name", "date") if not getattr(spec, name)]
    if missing and spec != SignoffSpec():
        raise Refused(
            f"{where(('signoff',))} has no {', '.join(missing)}; name the cell of each",
            'decision = "C18", name = "C19", date = "G19" (conditions = "C20" optional)',
        )
    return spec


_AFTER: dict[Key, Callable[[Any], Any]] = {
    **{("columns", name): _column(("columns", name)) for name in FIELDS},
    ("statuses",): _words,
    **{("signoff", name): _cell(("signoff", name)) for name in ("decision", "name", "date", "conditions")},
    ("signoff", "decisions"): _decision_words,
    ("signoff",): _signoff,
}


def cell_position(ref: str) -> tuple[int, int]:
    """Return a cell reference's 0-based row and column ("C20" → (19, 2))."""
    letters = ref.rstrip("0123456789")
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return int(ref[len(letters) :]) - 1, column - 1


def choose_sheet(names: Sequence[str], mapping: TemplateMapping, wanted: str | int | None = None) -> str:
    """Return the sheet the mapping names (by name, spacing and case aside, or position); raise ValueError.

    `wanted` is another sheet the mapping names (its sign-off block's); the marks' sheet by default.
    """
    wanted = mapping.table.sheet if wanted is None else wanted
    listed = ", ".join(repr(n) for n in names)
    if isinstance(wanted, int):
        if 1 <= wanted <= len(names):
            return names[wanted - 1]
        raise ValueError(
            f"the mapping's sheet = {wanted} but the workbook has {len(names)} sheet(s) ({listed}); "
            f"give the sheet's name or position in {mapping.path}"
        )
    for name in names:
        if normal(name).casefold() == normal(wanted).casefold():
            return name
    raise ValueError(
        f"no sheet {wanted!r} (the workbook's sheets are {listed}); fix sheet = … in {mapping.path}"
    )


def find_column(headers: Sequence[str], spec: ColumnSpec | None, key: str) -> int | None:
    """Return the 0-based column a spec (or the field's usual headers) names in a header row, else None."""
    if spec is not None and spec.column:
        number = 0
        for letter in spec.column.strip().upper():
            number = number * 26 + ord(letter) - 64
        return number - 1
    if spec is not None and spec.regex:
        pattern = re.compile(spec.regex)
        return next((i for i, h in enumerate(headers) if h and pattern.search(h)), None)
    wanted = [normal(spec.header)] if spec is not None else list(DEFAULT_HEADERS[key])
    folded = [normal(h).casefold() for h in headers]
    for name in wanted:
        if name.casefold() in folded:
            return folded.index(name.casefold())
    return None


def find_header_row(rows: Sequence[Sequence[str]], mapping: TemplateMapping, needed: Sequence[str]) -> int:
    """Return the header row (from 1): the mapping's, else the first of `rows` holding `find`, else the
    first where a case ID or title column and every `needed` field are found; 0 when none is."""
    if mapping.table.header_row:
        return mapping.table.header_row
    wanted = {normal(h).casefold() for h in mapping.table.find}
    for index, row in enumerate(rows):
        headers = [normal(h) for h in row]
        if wanted:
            if wanted <= {h.casefold() for h in headers}:
                return index + 1
            continue
        found = {key for key in FIELDS if find_column(headers, mapping.columns.get(key), key) is not None}
        if ("case" in found or "title" in found) and set(needed) <= found:
            return index + 1
    return 0
