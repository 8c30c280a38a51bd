"""Record the run's environment for the Allure report: base URL, browser, commit, levels (controller only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from uatkit.model import Level
from uatkit.pytest_plugin import levels, system
from uatkit.pytest_plugin.keys import PROJECT_KEY


def write(pytest_config: pytest.Config) -> None:
    """Write environment.properties into the Allure results folder, once per run (not per xdist worker)."""
    folder = pytest_config.getoption("allure_report_dir", default=None)
    if not folder or getattr(pytest_config, "workerinput", None) is not None:
        return
    loaded = pytest_config.stash.get(PROJECT_KEY, None)
    if loaded is None:
        return
    from uatkit.allure.generate import browser_version, uatkit_version
    from uatkit.allure.merge import ENVIRONMENT_FILE, properties_text
    from uatkit.atomic import atomic_write_text

    selected = levels.selected(pytest_config)
    url = str(pytest_config.getoption("base_url", default=None) or "")
    if url and system.SERVER_KEY in pytest_config.stash:
        url += " (bundled demo, started by the test session)"
    environment = {
        "Base URL": url,
        "Browser": browser_version(loaded.config) if Level.E2E in selected else "",
        "Commit": loaded.commit,
        "Levels": ", ".join(sorted(selected)),
        "uatkit": uatkit_version(),
    }
    text = properties_text({key: value for key, value in environment.items() if value})
    atomic_write_text(Path(folder) / ENVIRONMENT_FILE, text)
