"""Find, validate and hold the `[tool.uatkit]` configuration of a QA project.

Every `[tool.uatkit.*]` table is declared once, below, as a typed msgspec Struct; the same declaration
checks a project's values key by key (so that one bad key does not hide the next), gives the JSON Schema
shipped as `uatkit.schema.json` (`python -m uatkit.config > src/uatkit/uatkit.schema.json`), and is the
`Config` the rest of uatkit reads.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import inspect
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from uatkit.errors import ConfigError, InputError, Problem
from uatkit.model import Level, PackGrouping, PackLanguage, Priority, SourceLocation
from uatkit.tomltable import STRING_OR_LIST, Key, Refused, Strings, check_table, key_lines, line_of, where

DEFAULT_PRIORITY_MAP: dict[str, Priority] = {
    # Jira's priorities (Cloud and Data Center), then common spellings of MoSCoW.
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
    "won\u2019t": Priority.WONT,
    "won\u2019t have": Priority.WONT,
    # Jira Data Center's older scheme.
    "blocker": Priority.MUST,
    "critical": Priority.MUST,
    "major": Priority.SHOULD,
    "minor": Priority.COULD,
    "trivial": Priority.WONT,
    # Numbered schemes: P0 and P1 are the ones a release cannot go without.
    "p0": Priority.MUST,
    "p1": Priority.MUST,
    "p2": Priority.SHOULD,
    "p3": Priority.COULD,
    "p4": Priority.WONT,
    # Chinese backlogs: 紧急 (urgent), 最高 (highest), 高, 中, 低, 最低.
    "紧急": Priority.MUST,
    "最高": Priority.MUST,
    "高": Priority.MUST,
    "中": Priority.SHOULD,
    "低": Priority.COULD,
    "最低": Priority.WONT,
}


def priority_key(name: str) -> str:
    """Return the form a priority name is looked up by: case-folded, white space collapsed."""
    return " ".join(name.split()).casefold()


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
    "epic": "Epic",
    "labels": "Labels",
}
REQUIRED_EXCEL_FIELDS = ("id", "title")
#: Where Jira exports (and backlogs copied from them) keep the module, in order of preference: Jira Data
#: Center says "Component/s", Jira Cloud "Components"; a hand-made sheet often "Component".
MODULE_COLUMNS = ("Component/s", "Components", "Component")

#: What selects a scenario for UAT: a tag (manual, uat), a priority of its requirement, or every scenario.
UatSelector = Literal["manual", "uat", "must", "should", "could", "wont", "all"]
#: The sign-off gates' rules (trace.signoff checks each) and what a failed gate makes the verdict.
GateRule = Literal["accepted", "not_failed", "uat_executed", "no_stale", "packs_signed", "changes_approved"]
GateOutcome = Literal["no-go", "conditions"]
#: The levels whose evidence a gate can look at: the automated levels and UAT.
EvidenceLevel = Literal["unit", "integration", "e2e", "uat"]
NO_GO: GateOutcome = "no-go"
CONDITIONS: GateOutcome = "conditions"


def _about(description: str, **extra: Any) -> Meta:
    """Return the schema's description of a key, with hints for the checks (`allowed`, `keys`)."""
    return Meta(description=description, extra=extra or None)


class ExcelConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How an Excel backlog maps onto stories."""

    sheet: Annotated[str | None, _about("The sheet holding the backlog (default: the first sheet).")] = None
    header_row: Annotated[int, Meta(ge=1), _about("The row of the column headers, 1-based.")] = 1
    columns: Annotated[
        dict[str, str],
        Meta(extra_json_schema={"propertyNames": {"enum": list(DEFAULT_EXCEL_COLUMNS)}}),
        _about(
            "Column header of each story field; the fields not named keep their default header.",
            allowed="a table of story field = column header",
            keys=tuple(DEFAULT_EXCEL_COLUMNS),
        ),
    ] = msgspec.field(default_factory=lambda: dict(DEFAULT_EXCEL_COLUMNS))


class JiraConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How a Jira CSV export maps onto stories."""

    encoding: Annotated[
        str, _about('The CSV file\'s text encoding, a Python codec name ("utf-8-sig", "gbk", "cp1252").')
    ] = "utf-8-sig"
    criteria_column: Annotated[str, _about("The column holding the acceptance criteria.")] = (
        "Custom field (Acceptance Criteria)"
    )
    epic_column: Annotated[
        str,
        _about(
            "The column holding the story's epic, read before Custom field (Epic Link), Parent key, Parent."
        ),
    ] = "Custom field (Epic Link)"
    module_column: Annotated[
        str,
        _about("The column holding the story's module (default: Component/s, Components or Component)."),
    ] = ""
    issue_types: Annotated[
        tuple[str, ...], _about("The issue types read as stories; others are skipped.")
    ] = ("Story",)


class UatChecksConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What a returned pack's evidence and dates may be beyond their form (`[tool.uatkit.uat.checks]`)."""

    #: At most SQLite's largest value (1,000,000,000 bytes): the ledger keeps each file's content.
    evidence_max_mb: Annotated[
        int,
        Meta(ge=1, le=1000),
        _about("The largest evidence file a mark may name, in MB (1,000,000 bytes).", allowed="1 to 1000"),
    ] = 50
    earliest_date: Annotated[
        dt.date,
        _about(
            "The earliest test or sign-off date accepted (an earlier one is a typing mistake).",
            allowed="a date, e.g. 2000-01-01",
        ),
    ] = dt.date(2000, 1, 1)

    @property
    def evidence_max_bytes(self) -> int:
        """Return the evidence size limit in bytes."""
        return self.evidence_max_mb * 1_000_000


class UatConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Where UAT packs, the ledger and UAT results live, and which scenarios a pack holds."""

    packs: Annotated[str, _about("The folder UAT packs are written to.")] = "uat_packs"
    ledger: Annotated[
        str,
        _about(
            "The ledger of every imported UAT mark: a SQLite file, or a postgresql://USER@HOST:PORT/DB URL "
            "(no password in it: PGPASSWORD or ~/.pgpass); the UATKIT_LEDGER_URL environment variable "
            "overrides it."
        ),
    ] = "reports/uat.db"
    results: Annotated[str, _about("The folder of UAT results for Allure.")] = "reports/uat-results"
    release: Annotated[str, _about("The default of `uatkit uat export --release`.")] = ""
    by: Annotated[PackGrouping, _about("One pack per module or per business owner.")] = PackGrouping.MODULE
    language: Annotated[
        PackLanguage, _about("The packs' labels: en, zh-CN, or auto (Chinese when all stories are).")
    ] = PackLanguage.AUTO
    #: A scenario goes to UAT when it has one of these tags (manual, uat) or its requirement this priority.
    select: Annotated[
        tuple[UatSelector, ...],
        _about("Tags (manual, uat) and priorities (must, …) whose scenarios need UAT; all for every one."),
    ] = ("manual", "uat", "must")
    #: The name of an environment variable holding the sheet-protection password (never the password).
    password_env: Annotated[
        str, _about("The environment variable holding the packs' sheet password (never the password).")
    ] = ""
    due_days: Annotated[int, Meta(ge=0), _about("A pack's due date is its export day plus this.")] = 14
    busy_timeout: Annotated[
        float,
        Meta(ge=0),
        _about("Seconds a command waits for another one using the ledger before it says busy."),
    ] = 5.0
    project_name: Annotated[
        str, _about("The project's name on packs, the matrix and the sign-off (default: the folder's).")
    ] = ""
    url: Annotated[
        str,
        _about(
            "Where business users test (the UAT environment's address), shown on each pack (default: "
            "[tool.uatkit] base_url)."
        ),
    ] = ""
    contact: Annotated[
        str, _about("Whom business users ask about a pack (name, e-mail or phone), shown on each pack.")
    ] = ""
    environment: Annotated[
        str, _about("The name of the environment business users test in (UAT, pre-production), on each pack.")
    ] = ""
    checks: Annotated[UatChecksConfig, _about("What returned packs' evidence and dates may be.")] = (
        msgspec.field(default_factory=UatChecksConfig)
    )


# A dataclass rather than a Struct: gates are built positionally and turned into JSON with
# dataclasses.asdict by the sign-off; msgspec validates and describes dataclasses all the same.
@dataclass(frozen=True)
class Gate:
    """A sign-off gate: a rule, the requirements' priorities it looks at, and what failing it means.

    Rules: `accepted` (every requirement of those priorities ACCEPTED), `not_failed` (none FAILED),
    `uat_executed` (at least `min_percent` of the UAT cases executed), `no_stale` (no stale UAT mark or
    automated result on those priorities, at the gate's `levels`: all when empty), `packs_signed` (every
    pack's sign-off decision Accepted), `changes_approved` (every requirement added, changed or removed
    since the latest baseline covered by an approved change request; passed when there is no baseline).
    A failed gate makes the verdict NO-GO (`on_fail = "no-go"`) or GO WITH CONDITIONS
    (`on_fail = "conditions"`).
    """

    rule: Annotated[GateRule, _about("What the gate checks.")]
    on_fail: Annotated[GateOutcome, _about("What a failed gate makes the verdict.")] = "no-go"
    priorities: Annotated[
        tuple[Priority, ...], _about("The requirements' priorities the rule looks at (all when empty).")
    ] = ()
    min_percent: Annotated[
        float, Meta(ge=0, le=100), _about("For uat_executed: the share of UAT cases executed, in %.")
    ] = 0.0
    levels: Annotated[
        tuple[EvidenceLevel, ...],
        _about("For no_stale: the levels whose stale evidence counts (all when empty)."),
    ] = ()


DEFAULT_GATES = (
    Gate("accepted", "no-go", (Priority.MUST,)),
    Gate("not_failed", "no-go", (Priority.MUST, Priority.SHOULD)),
    Gate("uat_executed", "no-go", min_percent=95.0),
    Gate("no_stale", "no-go", (Priority.MUST,)),
    Gate("packs_signed", "conditions"),
    Gate("changes_approved", "no-go"),
)


class SignoffConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The gates `uatkit signoff` checks, in order."""

    gates: Annotated[
        tuple[Gate, ...],
        Meta(extra_json_schema={"minItems": 1}),
        _about(
            "The gates, in order ([[tool.uatkit.signoff.gates]]); giving any replaces the defaults.",
            allowed="a list of tables ([[tool.uatkit.signoff.gates]])",
        ),
    ] = DEFAULT_GATES


class ReportConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What `uatkit report` merges and where the report, matrix and sign-off go."""

    #: Results folders merged by default (globs allowed); `--results` replaces them.
    results: Annotated[Strings, _about("Results folders merged by default (globs allowed).")] = (
        "reports/allure-results",
        "reports/uat-results",
        "reports/imported-results/*",
    )
    merged: Annotated[str, _about("The folder the merged results are written to.")] = "reports/merged-results"
    output: Annotated[str, _about("The folder of the generated Allure report.")] = "reports/allure-report"
    history: Annotated[str, _about("Allure's history file, kept between reports.")] = (
        "reports/allure-history.jsonl"
    )
    single_file: Annotated[bool, _about("Write the Allure report as one HTML file.")] = True
    single_file_max_results: Annotated[
        int, Meta(ge=1), _about("Above this many results the report is a folder, not one HTML file.")
    ] = 20_000
    single_file_max_mb: Annotated[
        int,
        Meta(ge=1),
        _about(
            "Above this many MB of results, attachments and history the report is a folder, not one file."
        ),
    ] = 80
    name: Annotated[str, _about("The report's title (default: the project's name).")] = ""
    #: Where traceability.html/.xlsx/.json and signoff.html go.
    folder: Annotated[str, _about("Where traceability.html/.xlsx/.json and signoff.html go.")] = "reports"


class RunConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What each pytest run records about the system it checked: its environment, version and build.

    `--uatkit-app-version`, `--uatkit-app-build` and `--uatkit-environment` come first, then the environment
    variables UATKIT_APP_VERSION, UATKIT_APP_BUILD and UATKIT_ENVIRONMENT, then these keys; the version and
    build are read from `version_url` once a process, after the first test that talks to the system is set up.
    """

    environment: Annotated[
        str, _about("The name of the environment the runs check (staging, UAT, …), shown with their results.")
    ] = ""
    version_url: Annotated[
        str,
        _about(
            "Where the system publishes its version as JSON, relative to the base URL (api/version) or "
            "absolute; empty to read none."
        ),
    ] = ""
    version_field: Annotated[
        str, _about("The field of that JSON with the version; a dotted path to a nested one (app.version).")
    ] = "version"
    build_field: Annotated[
        str,
        _about("The field of that JSON holding the build; a dotted path for a nested one; empty for none."),
    ] = "build"


class SecretsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Which values every output masks (HTTP exchanges, environment, executor), beyond uatkit's own list."""

    fields: Annotated[
        Strings,
        _about(
            "More names of fields, headers, query parameters and variables whose values are masked in every "
            "output, added to the built-in ones (pwd, passwd, pass, password, secret, token, authorization, "
            "cookie, set-cookie, session, api-key, x-api-key, key, sig, …)."
        ),
    ] = ()
    env: Annotated[
        Strings,
        _about(
            "Names of environment variables whose values are secrets (a password the steps read from the "
            "environment): their values are masked wherever they appear. Variables whose name looks secret "
            "(DEMO_ADMIN_PASSWORD, CI_JOB_TOKEN) are masked without being named when their value has 8 "
            "characters or more."
        ),
    ] = ()


class LimitsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What a workbook (.xlsx) may hold before it is opened, and how many problems a file reports.

    The defaults are generous: a 2,500-row UAT pack is about A1:P2600 (41,600 cells) in a 0.3 MB file.
    """

    file_mb: Annotated[int, Meta(ge=1), _about("The largest workbook file read, in MB.")] = 100
    entries: Annotated[int, Meta(ge=1), _about("The most files (zip entries) a workbook may hold.")] = 1000
    entry_mb: Annotated[
        int, Meta(ge=1), _about("The largest uncompressed size of one file inside a workbook, in MB.")
    ] = 200
    total_mb: Annotated[
        int, Meta(ge=1), _about("The largest uncompressed size of all files inside a workbook, in MB.")
    ] = 500
    ratio: Annotated[
        int,
        Meta(ge=1),
        _about("The highest compression ratio of a file inside a workbook (checked past 1 MB unpacked)."),
    ] = 200
    rows: Annotated[int, Meta(ge=1), _about("The most rows a sheet's used range may span.")] = 200_000
    columns: Annotated[int, Meta(ge=1), _about("The most columns a sheet's used range may span.")] = 1000
    cells: Annotated[
        int, Meta(ge=1), _about("The most cells (rows × columns) a sheet's used range may span.")
    ] = 2_000_000
    problems: Annotated[
        int, Meta(ge=1), _about("The problems listed per file; the rest are counted in one line.")
    ] = 50


class ChangeConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Where the signed requirements baselines and the change requests live (`[tool.uatkit.change]`)."""

    baselines: Annotated[str, _about("The folder of the signed requirements baselines (NAME.json).")] = (
        "baselines"
    )
    changes: Annotated[str, _about("The folder of the change requests (CR-7.md).")] = "changes"
    id_pattern: Annotated[str, _about("A regular expression every change request ID must match in full.")] = (
        "CR-[0-9]+"
    )


class DefectsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Where failed UAT marks and automated results go as defects (`[tool.uatkit.defects]`)."""

    jira_url: Annotated[
        str, _about("The Jira site `uatkit defects push` files in (https://acme.atlassian.net), or --url.")
    ] = ""
    jira_project: Annotated[
        str, _about("The Jira project key defects are filed in (SHOP), or --jira-project.")
    ] = ""
    issue_type: Annotated[str, _about("The Jira issue type of a defect.")] = "Bug"
    user_env: Annotated[
        str,
        _about(
            "The environment variable holding the Jira account (the e-mail of a Jira Cloud API token); "
            "unset or empty: the token is a personal access token sent as a bearer token."
        ),
    ] = "JIRA_USER"
    token_env: Annotated[
        str, _about("The environment variable holding the Jira API token (never the token itself).")
    ] = "JIRA_TOKEN"
    timeout: Annotated[float, Meta(gt=0), _about("Seconds to wait for each answer from the tracker.")] = 30.0
    report_url: Annotated[
        str,
        _about(
            "Where the Allure report is published (the URL of its index.html), for links in defects "
            "(default: the report's path in the project)."
        ),
    ] = ""
    zentao_product: Annotated[
        str, _about("The ZenTao 所属产品 cell, as ZenTao's template writes it: 订单管理(#1).")
    ] = ""
    zentao_build: Annotated[
        str, _about("The ZenTao 影响版本 cell (required by ZenTao): 主干(#trunk), the trunk build.")
    ] = "主干(#trunk)"
    assignee: Annotated[
        str, _about("Who new defects are assigned to (the tracker's user name); empty for none.")
    ] = ""


#: The levels whose results another tool may supply (`uatkit evidence import --level`).
ExternalLevel = Literal["unit", "integration", "e2e"]


class EvidenceConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Results imported from other tools' reports (`uatkit evidence import`)."""

    results: Annotated[
        str, _about("The folder imported results go to, one subfolder a source (NAME of --source).")
    ] = "reports/imported-results"
    external_levels: Annotated[
        tuple[ExternalLevel, ...],
        _about(
            "Levels whose evidence comes only from imported results (other tools' JUnit, Cucumber, Allure): "
            "pytest runs no scenario at them, and `uatkit check` asks no test or step definition for them."
        ),
    ] = ()


#: When a browser scenario keeps its Playwright trace.
Tracing = Literal["off", "on", "retain-on-failure"]


class E2eConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The browser scenarios (e2e level): what evidence each keeps. `--uatkit-tracing` overrides it."""

    tracing: Annotated[
        Tracing,
        _about(
            "Record a Playwright trace (DOM snapshots, network, console) of each browser scenario: off; on "
            "(attached to every result); retain-on-failure (recorded, attached to failed results only). A "
            "failed scenario's screenshot is attached in every mode."
        ),
    ] = "retain-on-failure"


class UatkitTable(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[tool.uatkit]` table of a QA project's pyproject.toml."""

    stories: Annotated[Strings, _about("Files or folders of .md / .xlsx / .csv stories.")] = ("stories",)
    features: Annotated[str, _about("The folder features are generated in.")] = "features"
    steps: Annotated[str, _about("Where `uatkit check` looks for step definitions.")] = "steps"
    requirement_pattern: Annotated[
        str, _about("A regular expression every requirement ID must match in full.")
    ] = "REQ-[0-9]+"
    default_levels: Annotated[
        tuple[Level, ...], _about("The levels of criteria whose story names none (case-insensitive).")
    ] = (Level.INTEGRATION,)
    default_language: Annotated[
        str, _about("The Gherkin dialect of stories that name none (en, zh-CN, fr, …).")
    ] = "en"
    default_priority: Annotated[
        Priority, _about("The priority of stories that name none (case-insensitive).")
    ] = Priority.SHOULD
    requirement_url: Annotated[str, _about("Link from results to a requirement; {id} is replaced.")] = ""
    defect_url: Annotated[str, _about("Link from results to a defect; {id} is replaced.")] = ""
    base_url: Annotated[str, _about("The system under test (default: --base-url, or the demo).")] = ""
    demo: Annotated[bool, _about("Start the bundled demo system when no base URL is given.")] = False
    browser: Annotated[str, _about("The browser executable for end-to-end checks (default: found).")] = ""
    faker_locale: Annotated[str, _about("The locale of generated test data.")] = "en_US"
    priority_map: Annotated[
        dict[str, Priority],
        _about(
            "More names for priorities (case-insensitive), added to the built-in ones.",
            allowed="a table of name = must | should | could | wont",
        ),
    ] = msgspec.field(default_factory=lambda: dict(DEFAULT_PRIORITY_MAP))
    excel: Annotated[ExcelConfig, _about("Excel backlogs.")] = msgspec.field(default_factory=ExcelConfig)
    jira: Annotated[JiraConfig, _about("Jira CSV exports.")] = msgspec.field(default_factory=JiraConfig)
    uat: Annotated[UatConfig, _about("UAT packs.")] = msgspec.field(default_factory=UatConfig)
    signoff: Annotated[SignoffConfig, _about("The gates of `uatkit signoff`.")] = msgspec.field(
        default_factory=SignoffConfig
    )
    report: Annotated[ReportConfig, _about("What `uatkit report` merges and writes.")] = msgspec.field(
        default_factory=ReportConfig
    )
    run: Annotated[RunConfig, _about("What each pytest run records of the system it checks.")] = (
        msgspec.field(default_factory=RunConfig)
    )
    secrets: Annotated[SecretsConfig, _about("What every output masks.")] = msgspec.field(
        default_factory=SecretsConfig
    )
    limits: Annotated[
        LimitsConfig, _about("What a workbook may hold before it is opened; problems listed per file.")
    ] = msgspec.field(default_factory=LimitsConfig)
    change: Annotated[ChangeConfig, _about("Requirements baselines and change requests.")] = msgspec.field(
        default_factory=ChangeConfig
    )
    defects: Annotated[DefectsConfig, _about("Defects out to Jira and ZenTao.")] = msgspec.field(
        default_factory=DefectsConfig
    )
    evidence: Annotated[EvidenceConfig, _about("Results imported from other tools.")] = msgspec.field(
        default_factory=EvidenceConfig
    )
    e2e: Annotated[E2eConfig, _about("Browser scenarios: their Playwright trace.")] = msgspec.field(
        default_factory=E2eConfig
    )


class Config(UatkitTable, frozen=True, kw_only=True):
    """A QA project's settings, resolved against its root folder."""

    # Not a TOML key: the folder of the pyproject.toml the settings came from.
    root: Path

    @property
    def requirement_regex(self) -> re.Pattern[str]:
        """Return the compiled requirement ID pattern, anchored at both ends."""
        return re.compile(rf"(?:{self.requirement_pattern})\Z")

    @property
    def change_request_regex(self) -> re.Pattern[str]:
        """Return the compiled change request ID pattern, anchored at both ends."""
        return re.compile(rf"(?:{self.change.id_pattern})\Z")

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


# --- finding and reading the project's pyproject.toml ---------------------------------------------------


def find_config(start: Path) -> Config | None:
    """Return the validated Config of the nearest pyproject.toml at or above `start` with [tool.uatkit]."""
    import tomllib

    start = start.resolve()
    unreadable: InputError | None = None
    for folder in [start, *start.parents] if start.is_dir() else start.parents:
        candidate = folder / "pyproject.toml"
        try:
            # A FIFO or a folder of that name is no file to read (reading a FIFO would wait forever).
            if not candidate.is_file():
                if candidate.exists():
                    unreadable = unreadable or _unread(candidate, "it is not a regular file")
                continue
            raw = candidate.read_bytes()
        except OSError as exc:
            unreadable = unreadable or _unread(candidate, exc.strerror or str(exc))
            continue
        # Most pyproject.toml files on the way up belong to other tools: skip them unparsed.
        if b"uatkit" not in raw:
            continue
        ours = b"tool.uatkit" in raw or _OURS.search(raw) is not None
        try:
            text = raw.decode("utf-8")
            data = _parse_toml(text)
        except UnicodeDecodeError:
            if ours:
                raise _refused(candidate, None, "the file is not UTF-8 text", "save it as UTF-8") from None
            continue
        except tomllib.TOMLDecodeError as exc:
            if ours:
                raise _malformed(candidate, exc, text) from None
            continue
        tool = data.get("tool")
        if isinstance(tool, dict) and "uatkit" in tool:
            return parse_config(tool["uatkit"], root=folder, origin=str(candidate), text=text)
    # Said only when no project is found: it may have been the project's file.
    if unreadable is not None:
        raise unreadable
    return None


def _unread(path: Path, reason: str) -> InputError:
    return _refused(
        path,
        None,
        f"cannot be read ({reason}), so no [tool.uatkit] table was found",
        "make it a readable file, or pass --project DIR",
    )


#: A `[tool.uatkit]` table however it is spaced or quoted, or a `uatkit` key of a `[tool]` table.
_OURS = re.compile(rb"""(?m)^[ \t]*(?:\[[ \t]*tool[ \t]*\.[ \t]*["']?uatkit\b|uatkit[ \t]*[.=])""")


def load_config(start: Path | None = None) -> Config:
    """Find the project's configuration from `start` (default: the current folder) and validate it."""
    start = (start or Path.cwd()).resolve()
    found = find_config(start)
    return found if found is not None else Config(root=start if start.is_dir() else start.parent)


def _parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML text: the one place uatkit does, so that each command parses its pyproject.toml once."""
    import tomllib

    return tomllib.loads(text)


def read_toml_file(path: Path, what: str) -> tuple[dict[str, Any], str]:
    """Return a TOML file's table and text (for its keys' lines); refuse it, located, when unreadable.

    `what` names the file in the refusal ("the template mapping"). Every TOML file uatkit reads goes
    through `_parse_toml`, here.
    """
    import tomllib

    try:
        if not path.is_file():
            reason = "no such file" if not path.exists() else "it is not a regular file"
            raise _refused(path, None, f"{what} cannot be read ({reason})", "give the path of a .toml file")
        raw = path.read_bytes()
    except OSError as exc:
        raise _refused(
            path, None, f"{what} cannot be read ({exc.strerror or exc})", "check it can be read"
        ) from None
    try:
        text = raw.decode("utf-8")
        return _parse_toml(text), text
    except UnicodeDecodeError:
        raise _refused(path, None, f"{what} is not UTF-8 text", "save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise _malformed(path, exc, text) from None


def parse_toml(text: str) -> dict[str, Any]:
    """Parse another TOML file uatkit reads (an evidence mapping file); ValueError when malformed."""
    return _parse_toml(text)


def _malformed(path: Path, exc: ValueError, text: str) -> InputError:
    """Return the refusal of a file tomllib cannot parse: its line, its column and tomllib's reason."""
    reason = str(exc)
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if match := re.search(r" \(at line (\d+), column (\d+)\)", reason):
        line, column = int(match.group(1)), int(match.group(2))
        reason = reason[: match.start()] + reason[match.end() :]
    elif " (at end of document)" in reason:
        line = text.count("\n") + 1
        column = len(text) - text.rfind("\n")
        reason = reason.replace(" (at end of document)", " at the end of the file")
    where = f" at column {column}" if isinstance(column, int) else ""
    return _refused(
        path,
        line if isinstance(line, int) else None,
        f"the file is not valid TOML{where}: {reason}",
        "fix the TOML syntax there or just before it",
    )


def _refused(path: Path, line: int | None, message: str, hint: str) -> InputError:
    return _ConfigProblems([Problem(SourceLocation(str(path), line), message, hint)])


class _ConfigProblems(InputError, ConfigError):
    """The `[tool.uatkit]` configuration has problems; each is located and all are listed."""


def parse_config(
    data: dict[str, Any], root: Path, origin: str = "pyproject.toml", text: str | None = None
) -> Config:
    """Turn a `[tool.uatkit]` table into a Config, listing every unknown key and bad value at once."""
    values, found = check_table(UatkitTable, data, _AFTER)
    if found or values is None:
        lines = key_lines(text) if text is not None else {}
        problems = [Problem(SourceLocation(origin, line_of(f.key, lines)), f.message, f.hint) for f in found]
        problems.sort(key=lambda p: p.location.line or 0)
        raise _ConfigProblems(problems)
    return Config(root=root, **values)


# --- what the types cannot say -----------------------------------------------------------------------------


def _regex(key: Key, example: str) -> Callable[[str], str]:
    def check(pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise Refused(
                f"{where(key)} = {pattern!r} is not a valid regular expression: {exc}",
                f"write a Python regular expression, e.g. {example}",
            ) from None
        return pattern

    return check


def _dialect(language: str) -> str:
    # gherkin-official's language data is only loaded when a project chooses a language other than English.
    if language != "en":
        from gherkin.dialect import DIALECTS

        if language not in DIALECTS:
            same = [name for name in DIALECTS if name.lower() == language.lower()]
            close = same or difflib.get_close_matches(language, list(DIALECTS), n=3)
            raise Refused(
                f"{where(('default_language',))} = {language!r} is not a Gherkin dialect",
                f"did you mean {' or '.join(close)}?"
                if close
                else "use one of gherkin-official's languages: en, fr, de, zh-CN, …",
            )
    return language


def _codec(encoding: str) -> str:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        info = None
    # Codecs such as base64 turn bytes into bytes and cannot read a CSV; the flag is the standard library's.
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise Refused(
            f"{where(('jira', 'encoding'))} = {encoding!r} is not a text encoding Python knows",
            'use a codec name such as "utf-8-sig", "gbk" or "cp1252"',
        )
    return encoding


def _gates(gates: tuple[Gate, ...]) -> tuple[Gate, ...]:
    if not gates:
        raise Refused(f"{where(('signoff', 'gates'))} is empty: a sign-off needs at least one gate")
    return gates


def _json_path(key: str, optional: bool = False) -> Callable[[str], str]:
    def check(path: str) -> str:
        if (path or not optional) and "" in path.split("."):
            raise Refused(
                f"{where(('run', key))} = {path!r} is not a field name or a dotted path to one",
                'write the field\'s name, or the names on the way to it separated by dots ("app.version")',
            )
        return path

    return check


def _priority_names(names: dict[str, Priority]) -> dict[str, Priority]:
    return {**DEFAULT_PRIORITY_MAP, **{priority_key(name): p for name, p in names.items()}}


def _excel_columns(columns: dict[str, str]) -> dict[str, str]:
    return {**DEFAULT_EXCEL_COLUMNS, **columns}


_AFTER: dict[Key, Callable[[Any], Any]] = {
    ("requirement_pattern",): _regex(("requirement_pattern",), "REQ-[0-9]+"),
    ("change", "id_pattern"): _regex(("change", "id_pattern"), "CR-[0-9]+"),
    ("default_language",): _dialect,
    ("jira", "encoding"): _codec,
    ("signoff", "gates"): _gates,
    ("priority_map",): _priority_names,
    ("excel", "columns"): _excel_columns,
    ("run", "version_field"): _json_path("version_field"),
    ("run", "build_field"): _json_path("build_field", optional=True),
}


# --- the JSON Schema ---------------------------------------------------------------------------------------


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the `[tool.uatkit]` table, generated from its declaration."""
    schema = msgspec.json.schema(UatkitTable)

    def one_string_or_list(node: Any) -> None:
        # msgspec writes the declared tuple's type next to the anyOf that widens it; the anyOf is the truth.
        if isinstance(node, dict):
            if node.get("anyOf") == STRING_OR_LIST:
                node.pop("type", None)
                node.pop("items", None)
            for child in node.values():
                one_string_or_list(child)
        elif isinstance(node, list):
            for child in node:
                one_string_or_list(child)

    one_string_or_list(schema)
    # Gate is a dataclass, which msgspec leaves open; uatkit refuses its unknown keys like any table's.
    schema["$defs"]["Gate"]["additionalProperties"] = False
    for table in schema["$defs"].values():
        if "description" in table:
            table["description"] = inspect.cleandoc(table["description"])
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "[tool.uatkit]", **schema}


def schema_text() -> str:
    """Return the JSON Schema as the text shipped in src/uatkit/uatkit.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
