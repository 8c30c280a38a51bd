"""The version lives once (pyproject.toml) and the package reports it; the repository carries its licence."""

from __future__ import annotations

import tomllib
from importlib import metadata

import uatkit
from tests.conftest import REPO


def test_the_version_is_read_from_the_one_place_that_holds_it() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert uatkit.__version__ == metadata.version("uatkit") == declared


def test_the_licence_and_the_changelog_match_the_metadata() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"
    assert "Apache License" in (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Framework :: Pytest" in project["classifiers"]
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{project['version']}]" in changelog
