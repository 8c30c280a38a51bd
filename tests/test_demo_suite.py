"""The demo project's acceptance suite: the same outcomes serial and with -n 2, and Allure results mapped."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import REPO

SELECTION = ["-m", "REQ-101 or REQ-203 or REQ-403"]


def outcomes(tmp_path: Path, name: str, *args: str) -> dict[str, str]:
    report = tmp_path / f"{name}.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SELECTION, *args]
    done = subprocess.run(
        [*command, f"--junitxml={report}"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    found: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        found[f"{case.get('classname')}::{case.get('name')}"] = kinds[0] if kinds else "passed"
    return found


def test_parallel_run_gives_the_serial_results(tmp_path: Path) -> None:
    # Results outside the project, the folder existing and written after a space: pytest would root the
    # session there without uatkit finding the project again.
    (tmp_path / "allure-n2").mkdir()
    serial = outcomes(tmp_path, "serial", f"--alluredir={tmp_path / 'allure'}")
    parallel = outcomes(tmp_path, "parallel", "-n", "2", "--alluredir", str(tmp_path / "allure-n2"))
    assert serial == parallel
    levels = {name.rsplit("[", 1)[-1].split("-")[0].rstrip("]") for name in serial if "[" in name}
    assert {"unit", "integration", "e2e"} <= levels
    assert "skipped" in serial.values(), "the selection holds manual scenarios, skipped as verified in UAT"
    results = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "allure").glob("*-result.json")]
    assert len(results) == sum(1 for v in serial.values() if v == "passed")
    for result in results:
        labels = {label["name"]: label["value"] for label in result["labels"]}
        assert labels["layer"] in {"unit", "integration", "e2e"}
        assert labels["epic"] in {"Sales", "Inventory", "Access control"}
        assert labels["feature"].startswith(("REQ-101 ", "REQ-203 ", "REQ-403 "))
        assert labels["story"].startswith("AC-")
        assert any(
            link["type"] == "tms" and "jira.example.com/browse/REQ-" in link["url"]
            for link in result["links"]
        )

    # Each run records itself: the levels that ran, the browser Playwright launched, the demo's version
    # and build read from its /api/version, and the run's ID on every result.
    from uatkit.allure.runs import RUN_LABEL, read_run_records
    from uatkit.demo import __build__, __version__

    for folder in ("allure", "allure-n2"):
        (record,), problems = read_run_records(tmp_path / folder)
        assert problems == []
        assert record.levels == ("e2e", "integration", "unit")
        assert record.tests == sum(1 for v in serial.values() if v == "passed")
        assert record.browser_name == "chromium" and record.browser_version
        app = (record.app_version, record.app_build, record.environment)
        assert app == (__version__, __build__, "local demo")
        assert record.base_url and record.base_url.startswith("http://127.0.0.1:")
        assert record.project == "Order management (uatkit demo)"
        runs = {
            label["value"]
            for path in (tmp_path / folder).glob("*-result.json")
            for label in json.loads(path.read_text(encoding="utf-8"))["labels"]
            if label["name"] == RUN_LABEL
        }
        assert runs == {record.run_id}
