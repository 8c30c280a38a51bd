"""uatkit's Allure mapping reads two attributes of allure-pytest-bdd's listener that are not public API:
this pins them on the installed version, and the version below the ceiling they were checked on."""

from __future__ import annotations

from importlib.metadata import version

from allure_commons.lifecycle import AllureLifecycle
from allure_pytest_bdd.pytest_bdd_listener import PytestBDDListener

from uatkit.pytest_plugin.allure_map import TESTED_BELOW, supported


def test_the_installed_listener_has_what_the_mapping_uses() -> None:
    assert supported(PytestBDDListener(AllureLifecycle()))


def test_a_listener_without_them_is_not_used() -> None:
    class Renamed:
        lifecycle = AllureLifecycle()

    assert not supported(Renamed())


def test_the_installed_version_is_one_the_attributes_were_checked_on() -> None:
    installed = tuple(int(part) for part in version("allure-pytest-bdd").split(".")[:2])
    # A newer allure-pytest-bdd: check the attributes `apply` uses, then raise TESTED_BELOW and the
    # ceiling of the allure-pytest-bdd requirement in pyproject.toml together.
    assert installed < TESTED_BELOW, installed
