"""Says which optional extra a feature needs when the package it imports is not installed."""

from __future__ import annotations

from importlib.util import find_spec

#: What each optional extra brings, by the top-level module a feature imports (pyproject.toml's extras).
EXTRA_OF = {
    "requests": "api",
    "faker": "api",
    "playwright": "browser",
    "pytest_playwright": "browser",
    "allure_pytest_bdd": "allure",
    "xdist": "all",
    "psycopg": "postgresql",
}


def missing(module: str, what: str) -> str:
    """Return one line naming the extra `what` needs when `module` is not installed, else an empty string."""
    if find_spec(module) is not None:
        return ""
    extra = EXTRA_OF[module]
    return f"{what} needs the {extra} extra ({module} is not installed): pip install 'uatkit[{extra}]'"


class MissingExtra(ImportError):
    """A feature was used without the optional extra that brings its packages."""


def require(module: str, what: str) -> None:
    """Raise MissingExtra, naming the extra to install, when `module` is not installed."""
    problem = missing(module, what)
    if problem:
        raise MissingExtra(problem, name=module)
