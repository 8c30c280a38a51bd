"""`python -m uatkit.demo`: serve the demo."""

from __future__ import annotations

from uatkit.demo.server import main

main()
