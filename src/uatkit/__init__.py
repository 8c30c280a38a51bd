"""uatkit: user stories to Gherkin, pytest-bdd checks, Excel UAT packs, Allure reports and sign-off."""

from __future__ import annotations

from importlib import metadata

try:
    # The number lives once, in pyproject.toml's [project] version; an install records it in the metadata.
    __version__ = metadata.version("uatkit")
except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
