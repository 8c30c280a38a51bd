"""The layer rule covers the whole engine, and ARCHITECTURE.md describes every module that exists."""

from __future__ import annotations

import ast
import re
import tomllib

from tests.conftest import REPO

SOURCE = REPO / "src" / "uatkit"


def modules() -> list[str]:
    """Return every module of src/uatkit by its dotted name (not packages whose __init__ holds no code)."""
    names = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if "scaffold" in parts[1:-1]:
            continue  # the files `uatkit init` copies into a new project, not the engine's modules
        if parts == ("uatkit", "__init__"):
            continue  # the root package holds only __version__, read from the installed metadata
        if parts[-1] == "__init__":
            body = ast.parse(path.read_text(encoding="utf-8")).body
            if all(isinstance(node, ast.Expr) for node in body):
                continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def layered() -> set[str]:
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in settings["contracts"] if c["type"] == "layers"]
    return {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}


def test_every_module_is_in_a_layer_of_the_import_contract() -> None:
    named = layered()
    loose = [m for m in modules() if not any(m == n or m.startswith(n + ".") for n in named)]
    assert loose == [], "add these to [tool.importlinter] layers in pyproject.toml"


def test_architecture_names_every_module() -> None:
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(uatkit(?:\.\w+)*)`", text))
    missing = [m for m in modules() if m not in documented]
    assert missing == [], "describe these modules in ARCHITECTURE.md, a sentence each"
