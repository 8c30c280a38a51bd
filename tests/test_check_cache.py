"""`uatkit check` keeps its step check until a step, helper, conftest or feature changes, then asks again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import write
from uatkit import check
from uatkit.cli import app

runner = CliRunner()

STORY = """
---
id: REQ-1
levels: [unit]
---
# Customers

## AC-1 A customer is saved
Given I am on the customer form
When I fill the name with "Ann"
And I save
Then the table has 3 rows

## AC-2 A second customer
Given I am on the customer form
When I fill the name with "Bob"
Then the table has 4 rows
"""

STEPS = """
from pytest_bdd import given, parsers, when

from helpers.words import FORM


@given(FORM)
def form():
    pass


@when(parsers.parse('I fill the name with "{name}"'))
def fill(name):
    pass
"""


@pytest.fixture
def customers(project: Path) -> Path:
    write(project / "stories" / "r1.md", STORY)
    assert runner.invoke(app, ["generate", "--project", str(project)]).exit_code == 0
    write(
        project / "steps" / "test_features.py", 'from pytest_bdd import scenarios\nscenarios("../features")\n'
    )
    write(project / "steps" / "conftest.py", STEPS)
    # A helper outside the steps folder: the step text comes from it.
    write(project / "helpers" / "__init__.py", "")
    write(project / "helpers" / "words.py", 'FORM = "I am on the customer form"\n')
    write(
        project / "conftest.py",
        "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent))\n",
    )
    return project


def undefined_steps(project: Path) -> list[str]:
    result = runner.invoke(app, ["check", "--project", str(project), "--format", "json", "--no-evidence"])
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.stdout)["findings"]
    return sorted(f"{f['step']} ×{f['count']}" for f in findings if f["kind"] == "undefined step")


FIRST = ["Then the table has 3 rows ×1", "Then the table has 4 rows ×1", "When I save ×1"]


def test_a_second_check_answers_from_the_cache_without_pytest(
    customers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert undefined_steps(customers) == FIRST
    assert (customers / check.STEP_CACHE).is_file()

    def no_session(config: object) -> None:
        raise AssertionError("the step check ran pytest although nothing changed")

    monkeypatch.setattr(check, "start_step_session", no_session)
    assert undefined_steps(customers) == FIRST


def test_a_changed_step_module_is_checked_again(customers: Path) -> None:
    assert undefined_steps(customers) == FIRST
    write(
        customers / "steps" / "conftest.py",
        STEPS + "\n\n@when('I save')\ndef save():\n    pass\n",
    )
    assert undefined_steps(customers) == FIRST[:2]


def test_a_new_step_module_is_checked_again(customers: Path) -> None:
    assert undefined_steps(customers) == FIRST
    write(
        customers / "steps" / "test_more.py",
        """
        from pytest_bdd import parsers, scenarios, then, when

        @when("I save")
        def save():
            pass

        @then(parsers.parse("the table has {n:d} rows"))
        def rows(n):
            pass

        scenarios("../features")
        """,
    )
    # The old module still binds the scenarios without those definitions: its uses remain, the new one's not.
    assert undefined_steps(customers) == FIRST


def test_a_changed_helper_outside_the_steps_folder_is_checked_again(customers: Path) -> None:
    assert undefined_steps(customers) == FIRST
    write(customers / "helpers" / "words.py", 'FORM = "I am on the order form"\n')
    assert undefined_steps(customers) == ["Given I am on the customer form ×2", *FIRST]


def test_a_changed_feature_is_checked_again(customers: Path) -> None:
    assert undefined_steps(customers) == FIRST
    write(customers / "stories" / "r1.md", STORY.replace("And I save", "And I save twice"))
    assert runner.invoke(app, ["generate", "--project", str(customers)]).exit_code == 0
    assert undefined_steps(customers) == [*FIRST[:2], "When I save twice ×1"]


def test_a_changed_conftest_at_the_root_is_checked_again(customers: Path) -> None:
    assert undefined_steps(customers) == FIRST
    root = (customers / "conftest.py").read_text(encoding="utf-8")
    write(
        customers / "conftest.py",
        root + "\nfrom pytest_bdd import when\n\n@when('I save')\ndef save():\n    pass\n",
    )
    assert undefined_steps(customers) == FIRST[:2]


def test_a_damaged_cache_is_ignored(customers: Path) -> None:
    assert undefined_steps(customers) == FIRST
    (customers / check.STEP_CACHE).write_text('{"version": 1, "key": ', encoding="utf-8")
    assert undefined_steps(customers) == FIRST
    assert json.loads((customers / check.STEP_CACHE).read_text(encoding="utf-8"))["version"] == 1


def test_a_step_defined_in_another_folder_stays_undefined(customers: Path) -> None:
    # A definition in one folder's conftest is invisible to the tests of another, as pytest-bdd runs them.
    write(customers / "steps" / "other" / "__init__.py", "")
    write(
        customers / "steps" / "other" / "conftest.py",
        "from pytest_bdd import when\n\n@when('I save')\ndef save():\n    pass\n",
    )
    write(customers / "steps" / "other" / "test_other.py", "def test_nothing():\n    pass\n")
    assert undefined_steps(customers) == FIRST


def test_collection_errors_are_not_kept(customers: Path) -> None:
    write(customers / "steps" / "test_broken.py", "import no_such_module_here\n")
    result = runner.invoke(app, ["check", "--project", str(customers), "--format", "json", "--no-evidence"])
    assert "collection error" in {f["kind"] for f in json.loads(result.stdout)["findings"]}
    assert not (customers / check.STEP_CACHE).exists()
