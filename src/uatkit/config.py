"""Find, validate and hold the `[tool.uatkit]` configuration of a QA project."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from uatkit.errors import ConfigError
from uatkit.model import Level, Priority

DEFAULT_PRIORITY_MAP: dict[str, Priority] = {
    # Jira's priorities, then common spellings of MoSCoW.
    "highest": Priority.MUST,
    "high": Priority.MUST,
    "medium": Priority.SHOULD,
    "low": Priority.COULD,
    "lowest": Priority.WONT,
    "must": Priority.MUST,
    "must have": Priority.MUST,
    "should": Priority.SHOULD,
    "should have": Priority.SHOULD,
    "could": Priority.COULD,
    "could have": Priority.COULD,
    "wont": Priority.WONT,
    "won't": Priority.WONT,
    "won't have": Priority.WONT,
}

DEFAULT_EXCEL_COLUMNS: dict[str, str] = {
    "id": "ID",
    "title": "Title",
    "as_a": "As a",
    "i_want": "I want",
    "so_that": "So that",
    "criteria": "Acceptance criteria",
    "priority": "Priority",
    "module": "Module",
    "levels": "Levels",
    "owner": "Owner",
    "language": "Language",
}
REQUIRED_EXCEL_FIELDS = ("id", "title")


@dataclass(frozen=True)
class ExcelConfig:
    """How an Excel backlog maps onto stories."""

    sheet: str | None = None
    header_row: int = 1
    columns: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_EXCEL_COLUMNS))


@dataclass(frozen=True)
class JiraConfig:
    """How a Jira CSV export maps onto stories."""

    encoding: str = "utf-8-sig"
    criteria_column: str = "Custom field (Acceptance Criteria)"
    epic_column: str = "Custom field (Epic Link)"
    issue_types: tuple[str, ...] = ("Story",)


UAT_SELECTORS = ("manual", "uat", "must", "should", "could", "wont", "all")


@dataclass(frozen=True)
class UatConfig:
    """Where UAT packs, the ledger and UAT results live, and which scenarios a pack holds."""

    packs: str = "uat_packs"
    ledger: str = "reports/uat.db"
    results: str = "reports/uat-results"
    release: str = ""
    by: str = "module"
    language: str = "auto"
    #: A scenario goes to UAT when it has one of these tags (manual, uat) or its requirement this priority.
    select: tuple[str, ...] = ("manual", "uat", "must")
    #: The name of an environment variable holding the sheet-protection password (never the password).
    password_env: str = ""
    due_days: int = 14
    project_name: str = ""


GATE_RULES = ("accepted", "not_failed", "uat_executed", "no_stale", "packs_signed")
GATE_OUTCOMES = ("no-go", "conditions")


@dataclass(frozen=True)
class Gate:
    """A sign-off gate: a rule, the requirements' priorities it looks at, and what failing it means.

    Rules: `accepted` (every requirement of those priorities ACCEPTED), `not_failed` (none FAILED),
    `uat_executed` (at least `min_percent` of the UAT cases executed), `no_stale` (no stale UAT mark on
    those priorities), `packs_signed` (every pack's sign-off decision Accepted). A failed gate makes the
    verdict NO-GO (`on_fail = "no-go"`) or GO WITH CONDITIONS (`on_fail = "conditions"`).
    """

    rule: str
    on_fail: str = "no-go"
    priorities: tuple[Priority, ...] = ()
    min_percent: float = 0.0


DEFAULT_GATES = (
    Gate("accepted", "no-go", (Priority.MUST,)),
    Gate("not_failed", "no-go", (Priority.MUST, Priority.SHOULD)),
    Gate("uat_executed", "no-go", min_percent=95.0),
    Gate("no_stale", "no-go", (Priority.MUST,)),
    Gate("packs_signed", "conditions"),
)


@dataclass(frozen=True)
class SignoffConfig:
    """The gates `uatkit signoff` checks, in order."""

    gates: tuple[Gate, ...] = DEFAULT_GATES


@dataclass(frozen=True)
class ReportConfig:
    """What `uatkit report` merges and where the report, matrix and sign-off go."""

    #: Results folders merged by default (globs allowed); `--results` replaces them.
    results: tuple[str, ...] = ("reports/allure-results", "reports/uat-results")
    merged: str = "reports/merged-results"
    output: str = "reports/allure-report"
    history: str = "reports/allure-history.jsonl"
    single_file: bool = True
    name: str = ""
    #: Where traceability.html/.xlsx/.json and signoff.html go.
    folder: str = "reports"


@dataclass(frozen=True)
class Config:
    """A QA project's settings, resolved against its root folder."""

    root: Path
    stories: tuple[str, ...] = ("stories",)
    features: str = "features"
    steps: str = "steps"
    requirement_pattern: str = "REQ-[0-9]+"
    default_levels: tuple[Level, ...] = (Level.INTEGRATION,)
    default_language: str = "en"
    default_priority: Priority = Priority.SHOULD
    requirement_url: str = ""
    defect_url: str = ""
    base_url: str = ""
    demo: bool = False
    browser: str = ""
    faker_locale: str = "en_US"
    priority_map: dict[str, Priority] = field(default_factory=lambda: dict(DEFAULT_PRIORITY_MAP))
    excel: ExcelConfig = field(default_factory=ExcelConfig)
    jira: JiraConfig = field(default_factory=JiraConfig)
    uat: UatConfig = field(default_factory=UatConfig)
    signoff: SignoffConfig = field(default_factory=SignoffConfig)
    report: ReportConfig = field(default_factory=ReportConfig)

    @property
    def requirement_regex(self) -> re.Pattern[str]:
        """Return the compiled requirement ID pattern, anchored at both ends."""
        return re.compile(rf"(?:{self.requirement_pattern})\Z")

    @property
    def features_dir(self) -> Path:
        """Return the folder generated features go to."""
        return self.root / self.features

    @property
    def project_name(self) -> str:
        """Return the project's name for packs, the matrix and the sign-off (config, else the folder's)."""
        return self.uat.project_name or self.root.name

    def story_paths(self) -> list[Path]:
        """Return the configured story sources as absolute paths."""
        return [self.root / p for p in self.stories]

    def relative(self, path: Path) -> str:
        """Return a path relative to the project root, in POSIX form."""
        # relpath keeps generated headers free of machine-specific absolute paths, even outside the root.
        return Path(os.path.relpath(path.resolve(), self.root.resolve())).as_posix()


def find_pyproject(start: Path) -> Path | None:
    """Return the nearest pyproject.toml at or above `start` that has a [tool.uatkit] table."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
            if "uatkit" in data.get("tool", {}):
                return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    """Find the project's configuration from `start` (default: the current folder) and validate it."""
    start = (start or Path.cwd()).resolve()
    pyproject = find_pyproject(start if start.is_dir() else start.parent)
    if pyproject is None:
        return Config(root=start if start.is_dir() else start.parent)
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["uatkit"]
    return parse_config(data, root=pyproject.parent, origin=str(pyproject))


_SIMPLE_KEYS = {
    "stories",
    "features",
    "steps",
    "requirement_pattern",
    "default_levels",
    "default_language",
    "default_priority",
    "requirement_url",
    "base_url",
    "defect_url",
    "demo",
    "browser",
    "faker_locale",
    "priority_map",
    "excel",
    "jira",
}


def parse_config(data: dict[str, Any], root: Path, origin: str = "pyproject.toml") -> Config:
    """Turn a `[tool.uatkit]` table into a Config, rejecting unknown keys and bad values."""
    where = f"{origin} [tool.uatkit]"
    known = _SIMPLE_KEYS | {"uat", "signoff", "report"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}"
        )
    config = Config(root=root)
    values: dict[str, Any] = {}
    if "stories" in data:
        stories = data["stories"]
        if isinstance(stories, str):
            stories = [stories]
        values["stories"] = tuple(_str_list(stories, where, "stories"))
    if "demo" in data:
        if not isinstance(data["demo"], bool):
            raise ConfigError(f"{where}: demo must be true or false, got {data['demo']!r}")
        values["demo"] = data["demo"]
    for key in (
        "features",
        "steps",
        "requirement_pattern",
        "default_language",
        "requirement_url",
        "base_url",
        "defect_url",
        "browser",
        "faker_locale",
    ):
        if key in data:
            if not isinstance(data[key], str):
                raise ConfigError(f"{where}: {key} must be a string, got {data[key]!r}")
            values[key] = data[key]
    if "requirement_pattern" in values:
        try:
            re.compile(values["requirement_pattern"])
        except re.error as exc:
            raise ConfigError(
                f"{where}: requirement_pattern is not a valid regular expression: {exc}"
            ) from None
    if "default_levels" in data:
        values["default_levels"] = tuple(
            _enum(Level, v, where, "default_levels")
            for v in _str_list(data["default_levels"], where, "default_levels")
        )
    if "default_priority" in data:
        values["default_priority"] = _enum(Priority, data["default_priority"], where, "default_priority")
    if "default_language" in values:
        from uatkit.gherkin.dialects import known_languages

        if values["default_language"] not in known_languages():
            raise ConfigError(
                f"{where}: default_language {values['default_language']!r} is not a Gherkin dialect"
            )
    if "priority_map" in data:
        mapping = dict(config.priority_map)
        if not isinstance(data["priority_map"], dict):
            raise ConfigError(f"{where}: priority_map must be a table of name = must|should|could|wont")
        for name, value in data["priority_map"].items():
            mapping[str(name).strip().lower()] = _enum(Priority, value, where, f"priority_map.{name}")
        values["priority_map"] = mapping
    if "excel" in data:
        values["excel"] = _excel(data["excel"], where)
    if "jira" in data:
        values["jira"] = _jira(data["jira"], where)
    if "uat" in data:
        values["uat"] = _uat(data["uat"], where)
    if "signoff" in data:
        values["signoff"] = _signoff(data["signoff"], where)
    if "report" in data:
        values["report"] = _report(data["report"], where)
    return replace(config, **values)


def _signoff(data: Any, where: str) -> SignoffConfig:
    if not isinstance(data, dict) or set(data) - {"gates"}:
        raise ConfigError(
            f"{where}: signoff must be a table with a `gates` list ([[tool.uatkit.signoff.gates]])"
        )
    if "gates" not in data:
        return SignoffConfig()
    gates = data["gates"]
    if isinstance(gates, list) and not gates:
        raise ConfigError(f"{where}: signoff.gates is empty: a sign-off needs at least one gate")
    if not isinstance(gates, list) or not all(isinstance(g, dict) for g in gates):
        raise ConfigError(f"{where}: signoff.gates must be a list of tables ([[tool.uatkit.signoff.gates]])")
    parsed = []
    for n, gate in enumerate(gates, 1):
        at = f"{where}: signoff.gates[{n}]"
        unknown = set(gate) - {"rule", "on_fail", "priorities", "min_percent"}
        if unknown:
            raise ConfigError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}")
        rule = gate.get("rule")
        if rule not in GATE_RULES:
            raise ConfigError(f"{at}: rule = {rule!r} is not one of {', '.join(GATE_RULES)}")
        on_fail = gate.get("on_fail", "no-go")
        if on_fail not in GATE_OUTCOMES:
            raise ConfigError(f"{at}: on_fail = {on_fail!r} is not one of {', '.join(GATE_OUTCOMES)}")
        priorities = tuple(
            _enum(Priority, p, at, "priorities")
            for p in _str_list(gate.get("priorities", []), at, "priorities")
        )
        minimum = gate.get("min_percent", 0.0)
        if isinstance(minimum, bool) or not isinstance(minimum, int | float) or not 0 <= minimum <= 100:
            raise ConfigError(f"{at}: min_percent must be a number from 0 to 100, got {minimum!r}")
        parsed.append(Gate(rule, on_fail, priorities, float(minimum)))
    return SignoffConfig(tuple(parsed))


def _report(data: Any, where: str) -> ReportConfig:
    values = _table(data, ReportConfig, where, "report", ("merged", "output", "history", "name", "folder"))
    if "results" in values:
        results = values["results"]
        values["results"] = tuple(
            _str_list([results] if isinstance(results, str) else results, where, "report.results")
        )
    if "single_file" in values and not isinstance(values["single_file"], bool):
        raise ConfigError(f"{where}: report.single_file must be true or false")
    return ReportConfig(**values)


def _uat(data: Any, where: str) -> UatConfig:
    strings = ("packs", "ledger", "results", "release", "password_env", "project_name")
    values = _table(data, UatConfig, where, "uat", strings)
    if values.get("by", "module") not in ("module", "owner"):
        raise ConfigError(f'{where}: uat.by must be "module" or "owner", got {values["by"]!r}')
    if values.get("language", "auto") not in ("auto", "en", "zh-CN"):
        raise ConfigError(
            f'{where}: uat.language must be "auto", "en" or "zh-CN", got {values["language"]!r}'
        )
    if "select" in values:
        select = _str_list(values["select"], where, "uat.select")
        bad = [s for s in select if s not in UAT_SELECTORS]
        if bad:
            raise ConfigError(
                f"{where}: uat.select has {', '.join(map(repr, bad))}; choose from {', '.join(UAT_SELECTORS)}"
            )
        values["select"] = tuple(select)
    due_days = values.get("due_days", 14)
    if not isinstance(due_days, int) or isinstance(due_days, bool) or due_days < 0:
        raise ConfigError(f"{where}: uat.due_days must be a whole number of days, got {due_days!r}")
    return UatConfig(**values)


def _excel(data: Any, where: str) -> ExcelConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: excel must be a table")
    unknown = set(data) - {"sheet", "header_row", "columns"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) in excel: {', '.join(sorted(unknown))}")
    columns = dict(DEFAULT_EXCEL_COLUMNS)
    for name, header in dict(data.get("columns", {})).items():
        if name not in DEFAULT_EXCEL_COLUMNS:
            raise ConfigError(
                f"{where}: excel.columns.{name} is not a story field; "
                f"fields: {', '.join(DEFAULT_EXCEL_COLUMNS)}"
            )
        columns[name] = str(header)
    header_row = data.get("header_row", 1)
    if not isinstance(header_row, int) or header_row < 1:
        raise ConfigError(f"{where}: excel.header_row must be a row number (1 or more)")
    sheet = data.get("sheet")
    return ExcelConfig(sheet=None if sheet is None else str(sheet), header_row=header_row, columns=columns)


def _jira(data: Any, where: str) -> JiraConfig:
    values = _table(data, JiraConfig, where, "jira")
    if "issue_types" in values:
        values["issue_types"] = tuple(_str_list(values["issue_types"], where, "jira.issue_types"))
    return JiraConfig(**values)


def _table(data: Any, kind: type, where: str, name: str, strings: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return a sub-table's values, refusing a non-table, unknown keys and non-strings where text belongs."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: {name} must be a table")
    names = {f.name for f in fields(kind)}
    unknown = set(data) - names
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) in {name}: {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(names))}"
        )
    for key in strings:
        if key in data and not isinstance(data[key], str):
            raise ConfigError(f"{where}: {name}.{key} must be a string, got {data[key]!r}")
    return dict(data)


def _str_list(value: Any, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings, got {value!r}")
    return list(value)


def _enum(kind: type[Level] | type[Priority], value: Any, where: str, key: str) -> Any:
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        allowed = " | ".join(m.value for m in kind)
        raise ConfigError(f"{where}: {key} = {value!r} is not one of {allowed}") from None
