"""The order-management demo system that uatkit's bundled QA project tests."""

from __future__ import annotations

__version__ = "1.0.0"
#: The build of this version, as a deployed system names the package it runs (GET /api/version says both).
__build__ = "20261202.1"

__all__ = ["__build__", "__version__"]
