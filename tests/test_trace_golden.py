"""The matrix's three files stay what they were: traceability.json, .html and the workbook's cells.

A deterministic matrix exercises every kind of cell (outlines, stale and unversioned results, UAT marks of
each status, conflicts, re-test rounds, sign-offs, defects, run facts, a baseline, hostile and Chinese text);
its outputs are compared with golden files. `UATKIT_UPDATE_GOLDEN=1` rewrites them after an intended change.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from uatkit.allure.read import ResultRecord
from uatkit.config import Config, UatConfig
from uatkit.model import Case, Catalogue, Decision, Mark, Priority, SignOff, SourceLocation, Status, Story
from uatkit.trace.matrix import build_matrix
from uatkit.trace.model import EvidenceKind, EvidenceSet, Matrix, RemovedRequirement, RunFacts
from uatkit.trace.outputs import matrix_html, matrix_json, matrix_xlsx, write_matrix
from uatkit.uat.ledger import CaseState, PackSummary
from uatkit.uat.pack import PackInfo, PackRow, PackTarget

GOLDEN = Path(__file__).parent / "golden" / "trace"
NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
LEVELS = ("unit", "integration", "e2e")
STATUSES = ("passed", "passed", "passed", "failed", "broken", "skipped")
TITLES = ("Place an order", '=HYPERLINK("http://x","y")', "<script>alert(1)</script> & co", "登记到货")
RUNS = (
    RunFacts("3f2a9c1e0a1b4c5d9e8f7a6b5c4d3e2f", "reports/allure-results", app_version="2.4.1",
             app_build="77", environment="staging", base_url="https://staging.example.com", commit="abc123"),
    RunFacts("7c7c7c7c7c7c4c5d9e8f7a6b5c4d3e2f", "reports/allure-results", app_version="2.4.2",
             environment="uat", browser="chromium 131"),
    RunFacts("0000ffff0000ffff0000ffff0000ffff", "reports/other", recorded=False),
)  # fmt: skip


def _case(rng: random.Random, requirement: str, n: int, row: int, tags: tuple[str, ...]) -> Case:
    case_id = f"{requirement}.AC-{n}"
    key = f"{case_id}#{row}" if row else case_id
    return Case(
        key=key,
        case_id=case_id,
        requirement=requirement,
        requirement_title="",
        module="Sales",
        owner="Sales operations",
        priority=Priority.MUST,
        language="en",
        scenario=f"AC-{n} {rng.choice(TITLES)}",
        preconditions=(),
        steps=("I place an order",),
        expected=("it is confirmed",),
        test_data="",
        tags=(f"case:{case_id}", *tags),
        source=SourceLocation(f"features/{requirement}.feature", 3 + 7 * n),
        fingerprint=f"sha256:{key}",
    )


def _result(rng: random.Random, case: Case, layer: str, n: int) -> ResultRecord:
    status = rng.choice(STATUSES)
    fingerprint = rng.choice((case.fingerprint,) * 6 + ("sha256:old", ""))
    return ResultRecord(
        path=Path(f"r{n}-result.json"),
        uuid=f"uuid-{n}",
        history_id=f"history-{n}",
        name=f"{case.case_id} [{layer}]",
        status=status,
        start=1_795_615_000_000 + n,
        stop=1_795_615_400_000 + n * 61_000,
        case_id=case.case_id,
        layer=layer,
        links=(("DEF-7", "https://jira.example.com/browse/DEF-7", "issue"),) if status == "failed" else (),
        message="" if status == "passed" else rng.choice(("expected 29.97, got 30", "=1+1 <b>bold</b>")),
        case_key=case.key,
        fingerprint=fingerprint,
        run_id=rng.choice(RUNS).run_id if rng.random() < 0.9 else "",
    )


def golden_matrix() -> Matrix:
    """Return a matrix of 24 requirements with every kind of level cell, built the same way every time."""
    rng = random.Random(7)
    stories, cases, results = [], [], []
    for number in range(1, 25):
        requirement = f"REQ-{number}"
        stories.append(
            Story(
                id=requirement,
                title=rng.choice(TITLES),
                source=SourceLocation(f"stories/{requirement}.md"),
                module=rng.choice(("Sales", "Inventory", "库存")),
                priority=rng.choice(tuple(Priority)),
                owner=rng.choice(("Sales operations", "")),
                labels=("billing", "q4") if number % 5 == 0 else (),
                epic="Orders" if number % 3 == 0 else "",
            )
        )
        if number % 11 == 0:
            continue  # uncovered
        for n in range(1, rng.randint(2, 4)):
            tags = tuple(rng.sample((*LEVELS, "manual", "uat"), rng.randint(1, 3)))
            rows = range(1, rng.randint(2, 4)) if rng.random() < 0.3 else (0,)
            cases += [_case(rng, requirement, n, row, tags) for row in rows]
    for case in cases:
        for layer in LEVELS:
            if layer in case.tags and rng.random() < 0.85:
                results.append(_result(rng, case, layer, len(results)))
    results.append(replace(results[0], case_id="REQ-99.AC-1", uuid="stray", history_id="stray"))
    uat_keys = [c.key for c in cases if "manual" in c.tags or "uat" in c.tags]
    packs_rows = {"R1-sales": uat_keys[::2], "R1-inventory": uat_keys[1::2], "R1-sales-r2": uat_keys[:6:2]}
    info = {
        "R1-sales": PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "Demo", NOW),
        "R1-inventory": PackInfo("R1-inventory", "R1", "Inventory", "", "zh-CN", "Demo", NOW),
    }
    info["R1-sales-r2"] = replace(info["R1-sales"], pack_id="R1-sales-r2")
    packs = [
        PackSummary(info[p], tuple(PackRow(k, i, f"sha256:{k}") for i, k in enumerate(keys, 2)))
        for p, keys in packs_rows.items()
    ]
    packs[2] = replace(packs[2], round=2)
    states: dict[str, CaseState] = {}
    for i, key in enumerate(uat_keys):
        pack = "R1-sales" if i % 2 == 0 else "R1-inventory"
        kind = rng.choice(("pass", "pass", "fail", "blocked", "na", "conflict", "stale", "none"))
        mark = Mark(
            key,
            {"fail": Status.FAIL, "blocked": Status.BLOCKED, "na": Status.NA}.get(kind, Status.PASS),
            tester=rng.choice(("Li Wei", "Ann Lee", "")),
            date=dt.date(2026, 11, 20 + i % 5) if i % 7 else None,
            actual="total was 30 <b>" if kind == "fail" else "",
            defect="DEF-9" if kind == "fail" else "",
            comments="=SUM(A1)" if kind == "blocked" else "",
            fingerprint=f"sha256:{key}" if kind != "stale" else "sha256:old",
            pack_id=pack,
        )
        if kind == "none":
            continue
        if kind == "conflict":
            other = replace(mark, status=Status.FAIL, tester="Bo", pack_id="R1-sales-r2")
            states[key] = CaseState(key, key.partition("#")[0], conflict=(mark, other), history=2,
                                    conflict_ids=(i + 1, i + 100))  # fmt: skip
        else:
            states[key] = CaseState(key, key.partition("#")[0], mark=mark, mark_id=i + 1,
                                    stale=kind == "stale", history=1)  # fmt: skip
    signoffs = {
        "R1-sales": SignOff("R1-sales", "Sales operations", Decision.REJECTED, "", "Ann Lee", NOW.date()),
        "R1-sales-r2": SignOff(
            "R1-sales-r2", "", Decision.WITH_CONDITIONS, "fix DEF-9 =1", "Ann", NOW.date()
        ),
    }
    targets = {i + 1: PackTarget(version="2.4.1", build="77", environment="UAT") for i in range(0, 40, 3)}
    filed = {uat_keys[0]: ("BUG-1", "BUG-2")}
    config = Config(
        root=Path("/project"),
        requirement_url="https://jira.example.com/browse/{id}",
        uat=UatConfig(release="R1", project_name="Golden <project> & 订单"),
    )
    matrix = build_matrix(
        config, Catalogue(tuple(stories)), cases, results, states, packs, signoffs, now=NOW,
        allure_report="allure-report/index.html", runs=RUNS, filed=filed, targets=targets,
    )  # fmt: skip
    evidence = EvidenceSet(
        kind=EvidenceKind.REPORT,
        folders=("reports/allure-results", "reports/other"),
        results_hash="sha256:" + "1" * 64,
        results=len(results),
        manifest_id="abcdef123456",
        created="2026-11-24T09:00:00+00:00",
        sources=("reports/allure-results",),
        release="R1",
        commit="abc123",
        runs=RUNS,
        ledger_digest="sha256:" + "2" * 64,
        ledger_marks=len(states),
        scenarios_digest="sha256:" + "3" * 64,
        drift=("reports/allure-results has 3 results the set does not hold",),
        notes=("a note about <the> set",),
    )
    requirements = list(matrix.requirements)
    requirements[1] = replace(requirements[1], changed_since_baseline="changed", change_requests=("CR-1",))
    requirements[4] = replace(requirements[4], changed_since_baseline="added")
    return replace(
        matrix,
        requirements=tuple(requirements),
        results_folders=evidence.folders,
        evidence=evidence,
        baseline="B1",
        removed=(RemovedRequirement("REQ-0", "Gone", ("CR-2",)),),
        notes=(*matrix.notes, "REQ-0 (Gone) is in baseline B1 but no longer in the catalogue"),
    )


def _fill(cell: Any) -> str:
    fill = cell.fill
    return fill.start_color.rgb if fill is not None and fill.fill_type == "solid" else ""


def workbook_cells(data: bytes) -> dict[str, Any]:
    """Return what a reader of the workbook sees: cell values, types, looks and links; sheet set-up."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheets: dict[str, Any] = {}
    for sheet in book.worksheets:
        cells = []
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                font = cell.font
                cells.append(
                    [
                        cell.coordinate,
                        cell.value,
                        cell.data_type,
                        font.name,
                        font.sz,
                        bool(font.b),
                        bool(font.i),
                        font.color.rgb if font.color is not None else "",
                        font.u or "",
                        _fill(cell),
                        bool(cell.alignment.wrap_text),
                        cell.alignment.vertical or "",
                        cell.alignment.horizontal or "",
                        cell.number_format,
                        bool(cell.quotePrefix),
                        cell.hyperlink.target if cell.hyperlink else "",
                    ]
                )
        sheets[sheet.title] = {
            "cells": cells,
            "freeze": sheet.freeze_panes,
            "filter": sheet.auto_filter.ref,
            "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
            "widths": {k: v.width for k, v in sorted(sheet.column_dimensions.items()) if v.width},
            "heights": {str(k): v.height for k, v in sorted(sheet.row_dimensions.items()) if v.height},
            "print_titles": sheet.print_title_rows,
            "header": sheet.oddHeader.left.text,
            "footer": sheet.oddFooter.center.text,
            "landscape": sheet.page_setup.orientation,
        }
    return sheets


def _check(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UATKIT_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{name} differs from {golden}"


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    return golden_matrix()


def test_the_matrix_covers_every_kind_of_cell(matrix: Matrix) -> None:
    kinds = {r.status.value for r in matrix.requirements}
    assert {"UNCOVERED", "FAILED", "NOT RUN", "PASSED"} <= kinds
    words = {c.results[level].status for r in matrix.requirements for c in r.cases for level in c.results}
    assert {"passed", "failed", "broken", "skipped", "unknown", ""} <= words


def test_the_json_is_what_it_was(matrix: Matrix) -> None:
    _check("traceability.json", matrix_json(matrix))


def test_the_page_is_what_it_was(matrix: Matrix) -> None:
    _check("traceability.html", matrix_html(matrix))


def test_the_workbook_cells_are_what_they_were(matrix: Matrix) -> None:
    cells = workbook_cells(matrix_xlsx(matrix))
    _check("traceability.xlsx.json", json.dumps(cells, ensure_ascii=False, indent=1) + "\n")


def test_the_written_files_are_the_same_outputs(matrix: Matrix, tmp_path: Path) -> None:
    html, xlsx, data = write_matrix(matrix, tmp_path)
    assert data.read_text(encoding="utf-8") == (GOLDEN / "traceability.json").read_text(encoding="utf-8")
    assert html.read_text(encoding="utf-8") == (GOLDEN / "traceability.html").read_text(encoding="utf-8")
    cells = json.dumps(workbook_cells(xlsx.read_bytes()), ensure_ascii=False, indent=1) + "\n"
    assert cells == (GOLDEN / "traceability.xlsx.json").read_text(encoding="utf-8")


def test_the_cli_report_is_the_written_json_with_its_command_and_files(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tests.conftest import write
    from uatkit.cli import app

    write(
        tmp_path / "pyproject.toml",
        '[tool.uatkit]\nstories = ["stories"]\nrequirement_pattern = "REQ-[0-9]+"\n',
    )
    write(
        tmp_path / "stories" / "REQ-1.md",
        """
        ---
        id: REQ-1
        module: Sales
        priority: must
        levels: [unit]
        ---
        # Place an order <b> & co

        ## AC-1 Totals add up
        Given a customer "ACME Ltd" exists
        When I place an order for 3 "Widget"
        Then the order total is 29.97
        """,
    )
    runner = CliRunner()
    assert runner.invoke(app, ["generate", "-C", str(tmp_path)]).exit_code == 0
    shown = runner.invoke(app, ["trace", "-C", str(tmp_path), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.stdout)
    written = json.loads((tmp_path / "reports" / "traceability.json").read_text(encoding="utf-8"))
    assert list(report) == ["schema", "command", *list(written)[1:], "written"]
    assert report["command"] == "trace" and report["written"] == [
        "reports/traceability.html", "reports/traceability.xlsx", "reports/traceability.json",
    ]  # fmt: skip
    del report["command"], report["written"]
    assert report == written
    assert written["requirements"][0]["title"] == "Place an order <b> & co"


def test_json_bytes_print_as_json_text_prints_them(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    from uatkit.cli.common import echo_json_bytes, echo_json_text
    from uatkit.trace.outputs import json_bytes

    data = {"title": '訂單 \x7f \x85 \x9b[31m \u2028 "=1" \x00', "empty": [], "none": {}, "n": 3}
    assert json_bytes(data) == (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    for value in (data, {"plain": "订单"}):
        echo_json_bytes(json_bytes(value))
        as_bytes = capsysbinary.readouterr().out
        echo_json_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
        assert as_bytes == capsysbinary.readouterr().out
    echo_json_bytes(json_bytes(data))
    assert b"\\u0085" in capsysbinary.readouterr().out
