"""The order-management demo system that uatkit's bundled QA project tests."""

from __future__ import annotations

__version__ = "1.0.0"

__all__ = ["__version__"]
