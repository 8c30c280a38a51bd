"""Stash keys shared by the plugin's modules."""

from __future__ import annotations

import pytest

from uatkit.model import Case, Story
from uatkit.project import Project

#: The session's project, loaded once per process (the controller and each xdist worker).
PROJECT_KEY = pytest.StashKey[Project]()
STORIES_KEY = pytest.StashKey[dict[str, Story]]()
CASES_KEY = pytest.StashKey[dict[str, tuple[Case, ...]]]()
#: Set on an item whose call phase failed, so that fixtures attach evidence while tearing down.
FAILED_KEY = pytest.StashKey[bool]()
