"""Shared helpers for uatkit's own tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from uatkit.config import Config

REPO = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    """Write dedented text, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return an empty QA project folder with a [tool.uatkit] pyproject.toml."""
    write(
        tmp_path / "pyproject.toml",
        """
        [tool.uatkit]
        stories = ["stories"]
        requirement_pattern = "REQ-[0-9]+"
        """,
    )
    (tmp_path / "stories").mkdir()
    return tmp_path


@pytest.fixture
def config(project: Path) -> Config:
    """Return the configuration of the `project` fixture."""
    from uatkit.config import load_config

    return load_config(project)


pytest_plugins = ["pytester"]
