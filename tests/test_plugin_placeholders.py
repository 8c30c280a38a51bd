"""--alluredir and --base-url without the plugin that brings them: one usage error naming the extra.

The plugins are installed here, so each run leaves one out with `-p no:…`: the option is then really
unregistered (outside a uatkit project pytest says "unrecognized arguments", tests/test_plugin_inert.py).
The wheel's core install (tests/test_install.py) checks the message for plugins not installed at all.
"""

from __future__ import annotations

import textwrap

import pytest

UATKIT = """
[tool.uatkit]
stories = ["stories"]
"""

TEST = "def test_nothing():\n    pass\n"

WITHOUT_ALLURE = ("-p", "no:allure_pytest_bdd")
# pytest-playwright brings --base-url when pytest-base-url is not installed (as here).
WITHOUT_PLAYWRIGHT = ("-p", "no:playwright")


def project(pytester: pytest.Pytester, pyproject: str = UATKIT) -> pytest.Pytester:
    pytester.makepyprojecttoml(textwrap.dedent(pyproject))
    pytester.makepyfile(test_nothing=TEST)
    return pytester


def errors(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stderr.lines if line.strip()]


def test_alluredir_without_allures_plugin_names_it_in_one_line(pytester: pytest.Pytester) -> None:
    project(pytester)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", *WITHOUT_ALLURE, "--alluredir", "results"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert errors(result) == [
        "ERROR: uatkit: --alluredir comes with Allure's pytest plugin: "
        "allure_pytest_bdd is installed but not loaded in this run (-p no:…, PYTEST_DISABLE_PLUGIN_AUTOLOAD)"
    ]
    assert not (pytester.path / "results").exists()


def test_base_url_in_addopts_without_its_plugin_names_it_and_what_works_instead(
    pytester: pytest.Pytester,
) -> None:
    project(
        pytester,
        UATKIT + '[tool.pytest.ini_options]\naddopts = ["-p", "no:cacheprovider", "-p", "no:playwright", '
        '"--base-url", "http://127.0.0.1:9"]\n',
    )
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = errors(result)
    assert line.startswith("ERROR: uatkit: --base-url comes with pytest-playwright (or pytest-base-url): ")
    assert line.endswith("without it, UATKIT_BASE_URL or `[tool.uatkit] base_url` set the base URL")


def test_the_placeholders_take_no_value_when_not_given(pytester: pytest.Pytester) -> None:
    project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *WITHOUT_ALLURE, *WITHOUT_PLAYWRIGHT)
    result.assert_outcomes(passed=1)
    helped = pytester.runpytest_subprocess("-p", "no:cacheprovider", *WITHOUT_PLAYWRIGHT, "--help")
    assert "--base-url=VALUE" in helped.stdout.str()
    assert "--alluredir=VALUE" not in helped.stdout.str()  # Allure's plugin is loaded: its own option


def test_a_conftests_own_base_url_is_left_alone(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makeconftest(
        """
        def pytest_addoption(parser):
            parser.addoption("--base-url", help="the project's own base URL")

        def pytest_configure(config):
            print("BASE_URL=" + str(config.getoption("base_url")))
        """
    )
    result = pytester.runpytest_subprocess(
        "-s", "-p", "no:cacheprovider", *WITHOUT_PLAYWRIGHT, "--base-url", "http://own"
    )
    # No placeholder, no argparse conflict: the project's option took the value, and uatkit reads it.
    assert "BASE_URL=http://own" in result.stdout.lines
    assert "uatkit: system under test http://own" in result.stdout.lines
    assert "comes with" not in result.stderr.str() + result.stdout.str()
