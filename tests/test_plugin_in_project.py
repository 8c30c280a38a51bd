"""Inside a uatkit project the plugin supplies only the defaults others lack: Faker's and pytest-playwright's
own fixtures and options win, only uatkit-shaped tags are registered, the project's environment.properties
keys are kept (real pytest sessions in subprocesses)."""

from __future__ import annotations

import json

import pytest

from tests.test_plugin import CONFTEST, bdd_project, write_feature
from uatkit.allure.merge import ENVIRONMENT_FILE, read_properties


@pytest.fixture
def bdd(pytester: pytest.Pytester) -> pytest.Pytester:
    """The small QA project of test_plugin.py: REQ-1's AC-1 at unit and integration, AC-2 manual."""
    return bdd_project(pytester)


def test_the_projects_faker_locale_and_seed_win(bdd: pytest.Pytester) -> None:
    bdd.makeconftest(
        CONFTEST
        + """
@pytest.fixture(autouse=True)
def faker_locale():
    return ["it_IT"]

@pytest.fixture(autouse=True)
def faker_seed():
    return 4321

@pytest.fixture(autouse=True)
def show_faker(faker):
    print(f"LOCALES={faker.locales} NAME={faker.name()}")
"""
    )
    from faker import Faker

    expected = Faker(["it_IT"])
    expected.seed_instance(4321)
    result = bdd.runpytest_subprocess("-s", "--uatkit-level", "unit")
    result.assert_outcomes(passed=1, skipped=1)
    assert f"LOCALES=['it_IT'] NAME={expected.name()}" in result.stdout.str()


def test_without_them_uatkit_seeds_per_scenario(bdd: pytest.Pytester) -> None:
    bdd.makeconftest(
        CONFTEST
        + """
@pytest.fixture(autouse=True)
def show_faker(faker):
    print(f"LOCALES={faker.locales}")
"""
    )
    result = bdd.runpytest_subprocess("-s", "--uatkit-level", "unit")
    result.assert_outcomes(passed=1, skipped=1)
    assert "LOCALES=['en_US']" in result.stdout.str()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--browser", "firefox", "--slowmo", "50"], {"slow_mo": 50.0}),
        (["--browser-channel", "chrome"], {"channel": "chrome"}),
    ],
)
def test_pytest_playwrights_options_are_kept(
    bdd: pytest.Pytester, options: list[str], expected: dict[str, object]
) -> None:
    bdd.makepyfile(
        test_launch="""
import json

def test_launch_args(browser_type_launch_args, browser_name):
    print("\\nARGS=" + json.dumps([browser_name, browser_type_launch_args]))
"""
    )
    result = bdd.runpytest_subprocess("-s", "test_launch.py", *options)
    result.assert_outcomes(passed=1)
    line = next(line for line in result.stdout.lines if "ARGS=" in line)
    name, args = json.loads(line.split("ARGS=", 1)[1])
    assert args == expected, (name, args)


def test_chromium_without_a_channel_gets_uatkits_flags_and_slowmo_is_kept(bdd: pytest.Pytester) -> None:
    bdd.makepyfile(
        test_launch="""
def test_launch_args(browser_type_launch_args):
    assert "--no-sandbox" in browser_type_launch_args["args"]
    assert browser_type_launch_args["slow_mo"] == 20
"""
    )
    bdd.runpytest_subprocess("test_launch.py", "--slowmo", "20").assert_outcomes(passed=1)


def test_a_mistyped_tag_fails_under_strict_markers(bdd: pytest.Pytester) -> None:
    write_feature(bdd, "@case:REQ-1.AC-1 @unit @integraton", quantity=2, title="A line total")
    result = bdd.runpytest_subprocess("--co", "-q")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*'integraton' not found in `markers` configuration option*"])


def test_a_tag_the_project_registers_itself_is_accepted(bdd: pytest.Pytester) -> None:
    write_feature(bdd, "@case:REQ-1.AC-1 @unit @smoke", quantity=2, title="A line total")
    pyproject = bdd.path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace("addopts = [", 'markers = ["smoke: quick checks"]\naddopts = ['))
    bdd.runpytest_subprocess("-m", "smoke").assert_outcomes(passed=1)


def test_the_projects_environment_properties_are_merged(bdd: pytest.Pytester) -> None:
    results = bdd.path / "results"
    results.mkdir()
    (results / ENVIRONMENT_FILE).write_text("Project=mine\nRun ID=an old run\n", encoding="utf-8")
    bdd.runpytest_subprocess("--alluredir=results").assert_outcomes(passed=2, skipped=1)
    written = read_properties(results / ENVIRONMENT_FILE)
    assert written["Project"] == "mine"
    assert written["Run ID"] not in ("an old run", "")
    assert written["Levels"] == "integration, unit"
