"""Every command is documented: help text in the CLI and a section with an example in docs/cli.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO
from uatkit.cli import app

CLI_DOC = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")


def command_names() -> list[str]:
    return [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]


def test_there_are_commands() -> None:
    assert {"generate", "check", "init"} <= set(command_names())


@pytest.mark.parametrize("name", command_names())
def test_command_has_help_and_a_documented_example(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) > 3
    section = re.search(rf"^## uatkit {name}\n(.*?)(?=^## |\Z)", CLI_DOC, re.S | re.M)
    assert section, f"docs/cli.md has no '## uatkit {name}' section"
    assert "Example" in section.group(1) and f"\nuatkit {name}" in section.group(1)
    callback = dict(zip(command_names(), (c.callback for c in app.registered_commands), strict=True))[name]
    assert callback is not None and "Example:" in (callback.__doc__ or ""), f"{name} --help shows no example"


def test_command_groups_have_help_and_documented_examples() -> None:
    for group in app.registered_groups:
        assert group.typer_instance is not None
        for command in group.typer_instance.registered_commands:
            assert command.callback is not None
            full = (
                f"{group.name or group.typer_instance.info.name} {command.name or command.callback.__name__}"
            )
            result = CliRunner().invoke(app, [*full.split(), "--help"])
            assert result.exit_code == 0 and "Example:" in result.output
            assert f"## uatkit {full}" in CLI_DOC and f"\nuatkit {full}" in CLI_DOC


def test_readme_gives_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(readme.splitlines()[:25])
    assert "make demo" in first_screen and "make test" in first_screen
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_layer_rule_stages_never_import_the_cli_or_the_plugin() -> None:
    edges = ("uatkit.cli", "uatkit.pytest_plugin")
    source = REPO / "src" / "uatkit"
    offenders = []
    for path in sorted(source.rglob("*.py")):
        rel = path.relative_to(source).as_posix()
        if rel.startswith(("cli/", "pytest_plugin/", "steps/", "scaffold/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{rel}: {n}" for n in names if n.startswith(edges)]
    assert offenders == []


def test_docs_name_only_existing_files() -> None:
    for doc in [REPO / "README.md", REPO / "ARCHITECTURE.md", *sorted((REPO / "docs").glob("*.md"))]:
        prose = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)#:]+)\)", prose):
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


def test_model_is_the_lowest_layer() -> None:
    tree = ast.parse(Path(REPO / "src" / "uatkit" / "model.py").read_text(encoding="utf-8"))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    assert not [m for m in imported if m.startswith("uatkit")]
