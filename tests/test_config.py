"""The `[tool.uatkit]` configuration: one declaration, every problem located, one parse, one schema."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, write
from uatkit import config as config_module
from uatkit.cli import app
from uatkit.config import Config, find_config, json_schema, load_config, schema_text
from uatkit.errors import ConfigError, InputError
from uatkit.model import Level, PackGrouping, Priority

runner = CliRunner()
SCHEMA_FILE = REPO / "src" / "uatkit" / "uatkit.schema.json"


def configured(folder: Path, text: str) -> Path:
    """Write a pyproject.toml holding `text` and return its path."""
    return write(folder / "pyproject.toml", text)


def problems(folder: Path) -> list[str]:
    """Return the problems load_config reports for the project in `folder`, as printed."""
    with pytest.raises(InputError) as caught:
        load_config(folder)
    assert isinstance(caught.value, ConfigError)
    return [str(p) for p in caught.value.problems]


# --- the holes the hand validation had, each reported with its file, line and key ----------------------

HOLES = [
    ("[tool.uatkit.jira]\nencoding = 5\n", 2, "[tool.uatkit] jira.encoding must be a string, got 5"),
    (
        '[tool.uatkit.jira]\nencoding = "klingon"\n',
        2,
        "[tool.uatkit] jira.encoding = 'klingon' is not a text encoding Python knows",
    ),
    (
        "[tool.uatkit.excel]\nheader_row = true\n",
        2,
        "[tool.uatkit] excel.header_row must be a whole number of 1 or more, got True",
    ),
    (
        "[tool.uatkit.excel]\nheader_row = 0\n",
        2,
        "excel.header_row must be a whole number of 1 or more, got 0",
    ),
    (
        '[tool.uatkit.excel]\ncolumns = ["ID"]\n',
        2,
        "[tool.uatkit] excel.columns must be a table of story field = column header, got ['ID']",
    ),
    (
        '[tool.uatkit.excel]\nsheet = "Backlog"\ncolumns = { ide = "Key" }\n',
        3,
        "[tool.uatkit] excel.columns: unknown key(s) ide; did you mean id?",
    ),
    (
        '[tool.uatkit]\nrequirement_pattern = "REQ-("\n',
        2,
        "[tool.uatkit] requirement_pattern = 'REQ-(' is not a valid regular expression",
    ),
    (
        '[tool.uatkit]\nfeatures = "features"\ndefault_language = "zh-cn"\n',
        3,
        "[tool.uatkit] default_language = 'zh-cn' is not a Gherkin dialect (did you mean zh-CN",
    ),
    (
        '[tool.uatkit.run]\nversion_url = "api/version"\nversion_field = "app..version"\n',
        3,
        "[tool.uatkit] run.version_field = 'app..version' is not a field name or a dotted path to one",
    ),
]


@pytest.mark.parametrize(("toml", "line", "message"), HOLES)
def test_a_bad_value_is_refused_with_its_file_line_and_key(
    tmp_path: Path, toml: str, line: int, message: str
) -> None:
    pyproject = configured(tmp_path, toml)
    (problem,) = problems(tmp_path)
    assert problem.startswith(f"{pyproject}:{line}: ")
    assert message in problem


@pytest.mark.parametrize(("toml", "line", "message"), HOLES)
def test_the_cli_prints_a_bad_value_and_exits_2_without_a_traceback(
    tmp_path: Path, toml: str, line: int, message: str
) -> None:
    pyproject = configured(tmp_path, toml)
    (tmp_path / "stories").mkdir()
    result = runner.invoke(app, ["stories", "--project", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert f"{pyproject}:{line}: " in result.output and message in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, TypeError)


def test_an_unknown_key_names_the_nearest_known_key_and_all_of_them(tmp_path: Path) -> None:
    pyproject = configured(
        tmp_path, '[tool.uatkit]\nstories = "stories"\n\n[tool.uatkit.jira]\nencodng = "gbk"\n'
    )
    (problem,) = problems(tmp_path)
    assert problem == (
        f"{pyproject}:5: [tool.uatkit] jira: unknown key(s) encodng; did you mean encoding? "
        "(known keys: encoding, criteria_column, epic_column, module_column, issue_types)"
    )


def test_every_problem_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    pyproject = configured(
        tmp_path,
        """
        [tool.uatkit]
        storys = ["stories"]
        default_priority = "urgent"

        [tool.uatkit.uat]
        by = "team"
        due_days = 14

        [[tool.uatkit.signoff.gates]]
        rule = "accepted"

        [[tool.uatkit.signoff.gates]]
        rule = "uat_executed"
        min_percent = 150
        """,
    )
    found = problems(tmp_path)
    assert found == [
        f"{pyproject}:2: [tool.uatkit]: unknown key(s) storys; did you mean stories? (known keys: "
        + ", ".join(config_module.UatkitTable.__struct_fields__)
        + ")",
        f"{pyproject}:3: [tool.uatkit] default_priority = 'urgent' is not one of "
        "must | should | could | wont",
        f"{pyproject}:6: [tool.uatkit] uat.by = 'team' is not one of module | owner",
        f"{pyproject}:14: [tool.uatkit] signoff.gates[2]: "
        "min_percent must be a number from 0 to 100, got 150",
    ]
    result = runner.invoke(app, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 2 and "4 problems found" in result.output
    assert all(f"  {p}" in result.output for p in found)


def test_a_key_in_an_inline_table_is_located_at_the_table(tmp_path: Path) -> None:
    pyproject = configured(tmp_path, "[tool.uatkit]\nfeatures = 'f'\nexcel = { header_row = 0 }\n")
    assert problems(tmp_path)[0].startswith(f"{pyproject}:3: [tool.uatkit] excel.header_row")


def test_a_table_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    configured(tmp_path, '[tool.uatkit]\njira = "CSV"\nstories = 5\n')
    assert [p.split(": ", 1)[1] for p in problems(tmp_path)] == [
        "[tool.uatkit] jira must be a table, got 'CSV'",
        "[tool.uatkit] stories must be a string or a list of strings, got 5",
    ]


# --- what keeps working as before ------------------------------------------------------------------------


def test_accepted_spellings_are_kept(tmp_path: Path) -> None:
    configured(
        tmp_path,
        """
        [tool.uatkit]
        stories = "backlog.xlsx"
        default_levels = ["E2E", " Unit "]
        default_priority = "Must"

        [tool.uatkit.priority_map]
        "P1 " = "MUST"

        [tool.uatkit.excel]
        columns = { id = "Key" }

        [tool.uatkit.uat]
        by = "owner"

        [tool.uatkit.report]
        results = "reports/junit"
        """,
    )
    config = load_config(tmp_path)
    assert config.stories == ("backlog.xlsx",) and config.report.results == ("reports/junit",)
    assert config.default_levels == (Level.E2E, Level.UNIT) and config.default_priority is Priority.MUST
    assert config.priority_map["p1"] is Priority.MUST and config.priority_map["highest"] is Priority.MUST
    assert config.excel.columns["id"] == "Key" and config.excel.columns["title"] == "Title"
    assert config.uat.by is PackGrouping.OWNER and config.uat.by == "owner"
    assert config.root == tmp_path.resolve() and config.story_paths() == [tmp_path.resolve() / "backlog.xlsx"]


def test_no_project_gives_the_defaults_rooted_where_asked(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None
    assert load_config(tmp_path) == Config(root=tmp_path.resolve())


# --- reading pyproject.toml: once, through one function ------------------------------------------------


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count every TOML parse uatkit makes."""
    calls: list[str] = []
    real = config_module._parse_toml

    def counted(text: str) -> dict[str, Any]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(config_module, "_parse_toml", counted)
    return calls


def test_load_config_parses_the_pyproject_once(tmp_path: Path, parses: list[str]) -> None:
    configured(tmp_path, '[tool.uatkit]\nstories = "stories"\n')
    # A pyproject.toml of another tool on the way up is skipped without being parsed.
    write(tmp_path / "sub" / "pyproject.toml", "[tool.black]\nline-length = 100\n")
    assert load_config(tmp_path / "sub").root == tmp_path.resolve()
    assert len(parses) == 1


def test_a_cli_command_parses_the_pyproject_once(project: Path, parses: list[str]) -> None:
    result = runner.invoke(app, ["stories", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert len(parses) == 1


def test_a_pyproject_of_another_tool_that_mentions_uatkit_is_passed_by(tmp_path: Path) -> None:
    configured(tmp_path, '[tool.uatkit]\nfeatures = "gen"\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "uatkit-fork"\n')
    assert load_config(tmp_path / "sub").features == "gen"


def test_malformed_toml_that_mentions_tool_uatkit_is_an_error_with_its_line(tmp_path: Path) -> None:
    pyproject = configured(tmp_path, '[tool.uatkit]\nstories = ["stories"\nfeatures = "f"\n')
    result = runner.invoke(app, ["stories", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{pyproject}:3: the file is not valid TOML at column 1: Unclosed array" in result.output
    assert "(at line" not in result.output
    assert "(fix the TOML syntax there or just before it)" in result.output
    assert "no uatkit project" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ('[tool . uatkit]\nstories = "s"\nfeatures = \n', 3, 12, "Invalid value"),
        ('[tool]\nuatkit = { stories = "s"\n', 2, 25, "Unclosed inline table"),
        ("[tool.'uatkit']\nstories = [\n", 3, 1, "Invalid value at the end of the file"),
        ('[tool.uatkit]\nstories = "s\n', 2, 13, "Illegal character '\\n'"),
    ],
    ids=["spaced-header", "tool-table-key", "quoted-header-end-of-file", "unclosed-string"],
)
def test_malformed_toml_of_a_uatkit_table_however_written_says_line_and_column(
    tmp_path: Path, text: str, line: int, column: int, reason: str
) -> None:
    write(tmp_path / "pyproject.toml", text)
    result = runner.invoke(app, ["stories", "--project", str(tmp_path)])
    assert result.exit_code == 2
    expected = f"{tmp_path / 'pyproject.toml'}:{line}: the file is not valid TOML at column {column}: "
    expected += reason
    assert expected in result.output
    assert "no uatkit project" not in result.output and "Traceback" not in result.output
    assert result.output.count("not valid TOML") == 1


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_pyproject_toml_that_is_no_file_is_named_instead_of_no_project(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "pyproject.toml"
    if kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)  # reading it would wait forever: it is never opened
    result = runner.invoke(app, ["stories", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{target}: cannot be read (it is not a regular file), so no [tool.uatkit] table was found" in (
        result.output
    )
    assert "no uatkit project" not in result.output and "Traceback" not in result.output


def test_malformed_toml_of_another_tool_is_passed_by(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "pyproject.toml", "[tool.black\n# not uatkit's\n")
    assert find_config(tmp_path / "sub") is None


def test_only_config_reads_toml() -> None:
    users = [
        path.relative_to(REPO).as_posix()
        for path in sorted((REPO / "src" / "uatkit").rglob("*.py"))
        if "tomllib" in path.read_text(encoding="utf-8")
    ]
    assert users == ["src/uatkit/config.py"]


# --- the layer rule and start-up cost -------------------------------------------------------------------


def test_config_imports_only_the_model_and_errors_from_uatkit() -> None:
    imported: set[str] = set()
    for name in ("config.py", "tomltable.py"):
        tree = ast.parse((REPO / "src" / "uatkit" / name).read_text(encoding="utf-8"))
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert {m for m in imported if m.startswith("uatkit")} == {
        "uatkit.model",
        "uatkit.errors",
        "uatkit.tomltable",
    }


def test_an_english_project_loads_without_gherkin() -> None:
    code = "import json, sys, uatkit.config as c; c.load_config(); print(json.dumps(list(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert [m for m in json.loads(loaded.stdout) if m.startswith(("gherkin", "uatkit.gherkin"))] == []


# --- the JSON Schema, shipped and documented ------------------------------------------------------------


def test_the_shipped_schema_is_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "src/uatkit/uatkit.schema.json is out of date; regenerate it: "
        "python -m uatkit.config > src/uatkit/uatkit.schema.json"
    )


def test_root_is_not_a_key() -> None:
    schema = json_schema()
    assert "root" not in schema["$defs"]["UatkitTable"]["properties"]
    assert schema["$defs"]["UatkitTable"]["additionalProperties"] is False


def tables(schema: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Return each table's TOML header and its keys, walking the schema from [tool.uatkit]."""
    defs = schema["$defs"]
    found: list[tuple[str, list[str]]] = []

    def walk(name: str, header: str) -> None:
        properties = defs[name]["properties"]
        found.append((header, list(properties)))
        for key, spec in properties.items():
            ref = spec.get("$ref") or spec.get("items", {}).get("$ref")
            if ref and "properties" in defs[ref.rsplit("/", 1)[1]]:
                inner = f"{header[1:-1]}.{key}"
                walk(ref.rsplit("/", 1)[1], f"[[{inner}]]" if "items" in spec else f"[{inner}]")

    walk(schema["$ref"].rsplit("/", 1)[1], "[tool.uatkit]")
    return found


TABLES = tables(json_schema())


@pytest.mark.parametrize(("header", "keys"), TABLES, ids=[header for header, _ in TABLES])
def test_every_key_is_documented(header: str, keys: list[str]) -> None:
    doc = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = re.search(rf"^## `{re.escape(header)}`.*?\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
    assert section, f"docs/configuration.md has no '## `{header}`' section"
    missing = [key for key in keys if f"`{key}`" not in section.group(1)]
    assert missing == [], f"docs/configuration.md does not document {header} {', '.join(missing)}"
