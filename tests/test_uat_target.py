"""Packs tell the tester where and what to test: the address, version, build, environment and whom to ask.

Real packs through the CLI, read back with python-calamine; the facts are signed with the pack's identity.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from tests.conftest import write
from tests.test_uat_roundtrip import STORY_EN, STORY_ZH, fill, invoke, passed, status_json, uat
from uatkit.uat import layout
from uatkit.uat.pack import PackInfo, PackRow, PackTarget
from uatkit.uat.signing import ProjectKey, Seal, check_seal, decode, payload, sign_pack

TARGET = [
    "--url",
    "https://tester:s3cret-pw@uat.example.com/shop",
    "--app-version",
    "2.4.1",
    "--app-build",
    "7f3a9c",
    "--environment",
    "UAT",
    "--contact",
    "Ann Lee <ann@example.com>",
]


@pytest.fixture
def uat_project(project: Path) -> Path:
    write(project / "stories" / "REQ-1.md", STORY_EN)
    write(project / "stories" / "REQ-2.md", STORY_ZH)
    invoke(project, "generate")
    return project


def instructions(path: Path) -> dict[str, str]:
    """Return the Instructions sheet's label → value rows as calamine reads them."""
    workbook = CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_index(0).to_python()
    return {str(r[0]): str(r[1]) for r in rows if len(r) > 1 and r[0] and r[1]}


def metadata(path: Path) -> dict[str, str]:
    workbook = CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_name(layout.SHEET_LABELS["meta"]["en"]).to_python()
    return {str(r[0]): str(r[1]) for r in rows if r and r[0] and len(r) > 1}


def test_the_instructions_say_where_and_what_to_test_in_english_and_chinese(uat_project: Path) -> None:
    result = uat(uat_project, "export", "--release", "R1", *TARGET)
    sales = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    shown = instructions(sales)
    assert shown["Where to test"] == "https://uat.example.com/shop"
    assert shown["Version under test"] == "2.4.1 (build 7f3a9c)"
    assert shown["Environment"] == "UAT"
    assert shown["Questions to"] == "Ann Lee <ann@example.com>"
    # The Chinese story's pack speaks Chinese.
    zh = instructions(uat_project / "uat_packs" / "R1" / "R1-reporting.xlsx")
    assert zh["测试地址"] == "https://uat.example.com/shop"
    assert zh["被测版本"] == "2.4.1（构建 7f3a9c）"
    assert zh["测试环境"] == "UAT"
    assert zh["问题请联系"] == "Ann Lee <ann@example.com>"
    # The address is a link the tester can click, without the credentials it was given with.
    cell = next(
        row[1] for row in load_workbook(sales).worksheets[0].iter_rows() if row[0].value == "Where to test"
    )
    assert cell.hyperlink is not None and cell.hyperlink.target == "https://uat.example.com/shop"
    assert "s3cret-pw" not in result.output
    for pack in (uat_project / "uat_packs" / "R1").glob("*.xlsx"):
        assert b"s3cret-pw" not in pack.read_bytes()
    assert "test at https://uat.example.com/shop (from --url)" in result.output
    assert "version 2.4.1 (from --app-version)" in result.output
    meta = metadata(sales)
    assert (meta["test_url"], meta["app_version"], meta["app_build"], meta["environment"]) == (
        "https://uat.example.com/shop",
        "2.4.1",
        "7f3a9c",
        "UAT",
    )
    assert meta["schema"] == str(layout.SCHEMA_VERSION)


def test_the_pack_imports_and_a_changed_target_is_refused_as_a_changed_pack(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1", *TARGET)
    sales = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed()})
    uat(uat_project, "import", str(sales))
    assert status_json(uat_project)["packs"][0]["pass"] + status_json(uat_project)["packs"][1]["pass"] == 1

    uat(uat_project, "export", "--release", "R2", *TARGET)
    other = uat_project / "uat_packs" / "R2" / "R2-sales.xlsx"
    workbook = load_workbook(other)
    meta = workbook[layout.SHEET_LABELS["meta"]["en"]]
    for row in meta.iter_rows():
        if row[0].value == "app_build":
            row[1].value = "8b0000"
    workbook.save(other)
    fill(other, {"REQ-1.AC-1": passed()})
    refused = uat(uat_project, "import", str(other), code=2)
    assert "build under test '7f3a9c' → '8b0000'" in refused.output


def test_version_build_and_environment_come_from_the_latest_automated_run(
    uat_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("UATKIT_APP_VERSION", "UATKIT_APP_BUILD", "UATKIT_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    folder = uat_project / "reports" / "allure-results"
    for run_id, stopped, version in (
        ("a1", "2026-12-01T10:00:00+00:00", "2.3.0"),
        ("b2", "2026-12-02T10:00:00+00:00", "2.4.0"),
    ):
        record: dict[str, Any] = {
            "schema": 1,
            "run_id": run_id,
            "started": stopped,
            "stopped": stopped,
            "levels": ["integration"],
            "tests": 3,
            "base_url": "http://127.0.0.1:41000",
            "browser": None,
            "commit": "abc1234",
            "dirty": False,
            "app_version": version,
            "app_build": f"build-{run_id}",
            "environment": "staging",
            "project": "shop",
        }
        write(folder / f"uatkit-run-{run_id}.json", json.dumps(record))
    write(
        uat_project / "pyproject.toml",
        """
        [tool.uatkit]
        stories = ["stories"]
        requirement_pattern = "REQ-[0-9]+"
        base_url = "http://127.0.0.1:41000"

        [tool.uatkit.uat]
        url = "https://uat.example.com"
        contact = "QA desk, ext. 4711"
        environment = "UAT"
        """,
    )
    # A later run that learnt no version, and an imported run of other tools' unit tests, are passed over.
    later = {**record, "run_id": "c3", "stopped": "2026-12-03T10:00:00+00:00", "app_version": None}
    write(folder / "uatkit-run-c3.json", json.dumps({**later, "app_build": None}))
    imported = {**record, "run_id": "import-d4", "stopped": "2026-12-04T10:00:00+00:00", "app_version": "9.9"}
    imported["imported"] = {
        "source": "dev",
        "format": "junit",
        "tools": ["maven-surefire"],
        "files": [],
        "imported_by": "qa",
        "imported_at": "2026-12-04T10:00:00+00:00",
        "mapping": "",
        "key": "k",
    }
    write(
        uat_project / "reports" / "imported-results" / "dev" / "uatkit-run-import-d4.json",
        json.dumps(imported),
    )
    from uatkit.allure.runs import read_run_records

    read, problems = read_run_records(uat_project / "reports" / "imported-results" / "dev")
    assert problems == [] and read[0].imported is not None  # a real imported run, passed over below
    result = uat(uat_project, "export", "--release", "R1", "--format", "json")
    target = json.loads(result.stdout)["target"]
    assert {k: target[k] for k in ("url", "version", "build", "environment", "contact")} == {
        "url": "https://uat.example.com",
        "version": "2.4.0",
        "build": "build-b2",
        # The runs checked staging; the business users test in UAT: never the runs' environment.
        "environment": "UAT",
        "contact": "QA desk, ext. 4711",
    }
    assert target["sources"]["url"] == "[tool.uatkit.uat] url"
    assert target["sources"]["version"] == "run b2 of 2026-12-02T10:00:00+00:00"
    assert target["sources"]["environment"] == "[tool.uatkit.uat] environment"
    # The environment variables pytest reads come before the run record.
    monkeypatch.setenv("UATKIT_APP_VERSION", "2.5.0-rc1")
    again = json.loads(uat(uat_project, "export", "--release", "R2", "--format", "json").stdout)["target"]
    assert (again["version"], again["sources"]["version"]) == ("2.5.0-rc1", "UATKIT_APP_VERSION")


def test_an_export_without_an_address_says_so(uat_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("UATKIT_APP_VERSION", "UATKIT_APP_BUILD", "UATKIT_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    result = uat(uat_project, "export", "--release", "R1")
    assert "the packs do not say where to test: give --url, or set [tool.uatkit.uat] url" in result.output
    assert "the packs do not say which version to test" in result.output
    shown = instructions(uat_project / "uat_packs" / "R1" / "R1-sales.xlsx")
    assert "Where to test" not in shown and "Version under test" not in shown


def test_a_schema_1_pack_signs_without_a_target_and_still_verifies() -> None:
    key = ProjectKey.new()
    old = PackInfo(
        pack_id="R1-sales",
        release="R1",
        group="Sales",
        owner="Sales operations",
        language="en",
        project="shop",
        generated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        schema=1,
    )
    rows = [PackRow("REQ-1.AC-1", 2, "sha256:ab", ("0011aabb",))]
    signed = sign_pack(key, old, rows)
    assert "target" not in decode(signed.payload)["pack"]
    assert check_seal(key, old, rows, signed.key_id, signed.signature) is Seal.VALID
    new = PackInfo(**{**old.__dict__, "schema": 2, "target": PackTarget(url="https://uat.example.com")})
    assert decode(payload(new, rows))["pack"]["target"]["url"] == "https://uat.example.com"
    assert check_seal(key, new, rows, signed.key_id, signed.signature) is Seal.CHANGED


def test_a_mark_names_the_build_and_environment_its_pack_said_to_test(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1", *TARGET)
    sales = uat_project / "uat_packs" / "R1" / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed()})
    uat(uat_project, "import", str(sales))
    matrix = json.loads(invoke(uat_project, "trace", "--format", "json", "--no-write").stdout)
    (req,) = [r for r in matrix["requirements"] if r["id"] == "REQ-1"]
    case = next(c for c in req["cases"] if c["case_id"] == "REQ-1.AC-1")
    (marked,) = case["results"]["uat"]["evidence"]
    assert (marked["pack_id"], marked["app_version"], marked["app_build"], marked["environment"]) == (
        "R1-sales",
        "2.4.1",
        "7f3a9c",
        "UAT",
    )
    assert marked["mark_id"] is not None and marked["tester"] == "Li Wei"
