"""`python -m demo`: serve the demo."""

from __future__ import annotations

from demo.server import main

main()
