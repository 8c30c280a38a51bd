"""What version control says about the project: its current commit and whether the checkout has changes."""

from __future__ import annotations

import subprocess
from pathlib import Path


def commit(root: Path) -> str:
    """Return the project's short git commit, or "" outside a git checkout or without git."""
    return _git(root, "rev-parse", "--short", "HEAD") or ""


def dirty(root: Path) -> bool | None:
    """Return whether the checkout has uncommitted or untracked changes; None outside a checkout."""
    status = _git(root, "status", "--porcelain")
    return None if status is None else bool(status)


def _git(root: Path, *args: str) -> str | None:
    """Return git's output for `args` in `root`, or None when git is missing or refuses."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
