"""`uatkit check` lists an undefined step once with every use; `--skeleton` writes definitions to paste."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import write
from uatkit.cli import app
from uatkit.gherkin.skeleton import StepText, pattern_of, skeleton

runner = CliRunner()

STORY = """
---
id: REQ-1
levels: [unit]
---
# Customers

## AC-1 A customer is saved
Given I am on the customer form
When I fill "Name" with "Ann"
And I fill "City" with "Oslo"
Then the table has 3 rows

## AC-2 A second customer
Given I am on the customer form
When I fill "Name" with "Ann"
Then the table has 4 rows

## AC-3 A third customer
Given I am on the customer form
When I fill "Name" with "Ann"
And I save
"""

STORY_ZH = """
---
id: REQ-2
language: zh-CN
levels: [unit]
---
# 客户

## AC-1 保存客户
假如 我在客户表单
当 我在"姓名"中填写"安"
而且 我在"城市"中填写"奥斯陆"
那么 表格有3行
"""


@pytest.fixture
def customers(project: Path) -> Path:
    write(project / "stories" / "r1.md", STORY)
    write(project / "stories" / "r2.md", STORY_ZH)
    assert runner.invoke(app, ["generate", "--project", str(project)]).exit_code == 0
    write(
        project / "steps" / "test_features.py", 'from pytest_bdd import scenarios\nscenarios("../features")\n'
    )
    write(
        project / "steps" / "conftest.py",
        """
        from pytest_bdd import given

        @given("I am on the customer form")
        def form():
            pass

        @given("我在客户表单")
        def form_zh():
            pass
        """,
    )
    return project


def check_json(project: Path) -> dict[str, object]:
    result = runner.invoke(app, ["check", "--project", str(project), "--format", "json", "--no-evidence"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def undefined(report: dict[str, object]) -> list[dict[str, object]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [f for f in findings if f["kind"] == "undefined step"]


def test_each_undefined_step_text_is_one_finding_with_every_use(customers: Path) -> None:
    report = check_json(customers)
    assert report["schema"] == 2
    steps = {f["step"]: f for f in undefined(report)}
    assert sorted(steps) == [
        "Then the table has 3 rows",
        "Then the table has 4 rows",
        'When I fill "City" with "Oslo"',
        'When I fill "Name" with "Ann"',
        "When I save",
        '当 我在"城市"中填写"奥斯陆"',
        '当 我在"姓名"中填写"安"',
        "那么 表格有3行",
    ]
    name = steps['When I fill "Name" with "Ann"']
    assert name["count"] == 3 and name["type"] == "when" and name["text"] == 'I fill "Name" with "Ann"'
    feature = "features/general/REQ-1-customers.feature"
    uses = name["uses"]
    assert isinstance(uses, list)
    assert [u["scenario"] for u in uses] == [
        "AC-1 A customer is saved",
        "AC-2 A second customer",
        "AC-3 A third customer",
    ]
    assert all(u["location"].startswith(feature + ":") for u in uses)
    assert name["location"] == uses[0]["location"]
    assert name["message"] == 'When I fill "Name" with "Ann" has no step definition, used 3 times'
    # "And I save" is a When step: And is resolved, in the message and in the kind.
    assert steps["When I save"]["type"] == "when" and steps["When I save"]["count"] == 1
    # A Chinese feature's steps keep its keywords: 而且 is resolved to 当.
    assert steps['当 我在"城市"中填写"奥斯陆"']["type"] == "when"


def test_the_terminal_table_lists_a_step_once_with_its_uses(
    customers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uatkit.cli import common

    monkeypatch.setattr(common.out, "_width", 400)  # wide enough that no cell wraps
    result = runner.invoke(app, ["check", "--project", str(customers), "--no-evidence"])
    assert result.exit_code == 1
    assert result.stdout.startswith("8 finding(s)")
    assert result.stdout.count("undefined step") == 8
    assert result.stdout.count('When I fill "Name" with "Ann" has no step definition, used 3 times') == 1
    feature = "features/general/REQ-1-customers.feature"
    for line, scenario in [(10, "AC-1 A customer is saved"), (17, "AC-2 A second customer")]:
        assert f"{feature}:{line} ({scenario})" in result.stdout
    assert f"{feature}:11 " in result.stdout  # a step used once shows its one place


def test_the_skeleton_compiles_and_once_pasted_the_steps_are_defined(customers: Path) -> None:
    result = runner.invoke(app, ["check", "--project", str(customers), "--skeleton"])
    assert result.exit_code == 0, result.output
    code = result.stdout
    compile(code, "skeleton.py", "exec")
    assert code.startswith("# Step definitions") and "from pytest_bdd import parsers, then, when" in code
    # Texts that differ only in their values share one definition.
    assert code.count("""@when(parsers.parse('I fill "{text}" with "{text_2}"'))""") == 1
    assert code.count("@then(parsers.parse('the table has {rows:d} rows'))") == 1
    assert code.count("""@when(parsers.parse('我在"{text}"中填写"{text_2}"'))""") == 1
    assert "def fill_with(text: str, text_2: str) -> None:" in code
    assert "raise NotImplementedError('step not written yet: When I save')" in code
    assert len(undefined(check_json(customers))) == 8
    with (customers / "steps" / "conftest.py").open("a", encoding="utf-8") as module:
        module.write("\n\n" + code)
    report = check_json(customers)
    assert report["findings"] == [], report["findings"]
    # pytest-bdd binds the pasted definitions: the scenarios now fail on the bodies still to write.
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "steps"],
        cwd=customers,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "NotImplementedError: step not written yet: When I fill" in run.stdout, run.stdout[-3000:]
    assert "4 failed" in run.stdout


def test_no_undefined_steps_prints_no_code(customers: Path) -> None:
    write(
        customers / "stories" / "r1.md",
        STORY.split("## AC-1")[0] + "## AC-1 Form\nGiven I am on the customer form\n",
    )
    (customers / "stories" / "r2.md").unlink()
    (customers / "features" / "general" / "REQ-2-客户.feature").unlink()
    assert runner.invoke(app, ["generate", "--project", str(customers)]).exit_code == 0
    result = runner.invoke(app, ["check", "--project", str(customers), "--skeleton"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "no undefined steps" in result.stderr


def test_skeleton_with_json_is_a_usage_error(customers: Path) -> None:
    result = runner.invoke(app, ["check", "--project", str(customers), "--skeleton", "--format", "json"])
    assert result.exit_code == 2
    assert "--skeleton prints Python code" in result.stderr


@pytest.mark.parametrize(
    ("text", "pattern", "params"),
    [
        ('a customer "ACME Ltd" exists', 'a customer "{customer}" exists', [("customer", "str")]),
        (
            'the product "Widget" costs 9.99 with 100 in stock',
            'the product "{product}" costs {amount:f} with {number:d} in stock',
            [("product", "str"), ("amount", "float"), ("number", "int")],
        ),
        ("the table has 3 rows", "the table has {rows:d} rows", [("rows", "int")]),
        ("表格有3行", "表格有{number:d}行", [("number", "int")]),
        (
            "the report from 2024-03-01 to 2024-03-31",
            "the report from {date} to {date_2}",
            [("date", "str"), ("date_2", "str")],
        ),
        ('I fill the field named "q" with "x"', 'I fill the field named "{field}" with "{text}"', None),
        ('I send a request "r"', 'I send a request "{request_value}"', None),
        ("REQ-101 has {braces} and 15% off", "REQ-101 has {{braces}} and {number:d}% off", None),
        ("我在“姓名”中填写“安”", "我在“{text}”中填写“{text_2}”", None),
    ],
)
def test_values_become_named_typed_fields(
    text: str, pattern: str, params: list[tuple[str, str]] | None
) -> None:
    import parse  # type: ignore[import-untyped]

    found, fields = pattern_of(text)
    assert found == pattern
    if params is not None:
        assert fields == params
    assert parse.parse(found, text) is not None  # the pattern matches the step it came from


def test_skeleton_is_valid_python_for_awkward_texts() -> None:
    code = skeleton(
        [
            StepText("given", 'a text ending in a quote "x"', "f.feature:1"),
            StepText("given", 'a text with \\ and """ and {x}', "f.feature:2"),
            StepText("when", 'I post "x" to the API', "f.feature:3", docstring=True),
            StepText("then", "the rows are", "f.feature:4", datatable=True),
            StepText("given", "for", "f.feature:5"),
        ]
    )
    namespace: dict[str, object] = {}
    exec(compile(code, "skeleton.py", "exec"), namespace)
    assert "def post_to_api(text: str, docstring: str) -> None:" in code
    assert "def rows_are(datatable: list[list[str]]) -> None:" in code
    assert "def for_step() -> None:" in code
