"""The matrix for people and tools: traceability.html (Jinja2), traceability.xlsx (openpyxl) and .json."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from uatkit.atomic import atomic_write_bytes, atomic_write_text
from uatkit.trace.model import (
    LEVELS,
    STATUS_ORDER,
    CaseTrace,
    LevelResult,
    Matrix,
    RequirementTrace,
)
from uatkit.uat.results import ALLURE_STATUS

#: The version of the JSON structure; it changes only when a key changes meaning or goes away.
SCHEMA = 1
#: How a UAT status reads in the business users' words (the pack's dropdown): the inverse of the UAT
#: results' mapping; a row whose marks disagree shows as a conflict.
UAT_WORDS = {allure: status.value for status, allure in ALLURE_STATUS.items()} | {"unknown": "conflict"}


def result_link(allure_report: str, result: LevelResult) -> str:
    """Return the link that opens a result in the Allure 3 report ("" without a report or a result)."""
    # Allure 3 gives each test result the id md5(uuid) and the awesome report opens it at index.html#<id>.
    if not allure_report or not result.result_uuid:
        return ""
    return f"{allure_report}#{hashlib.md5(result.result_uuid.encode()).hexdigest()}"


def level_word(level: str, status: str) -> str:
    """Return a status as the column shows it: Allure's words, the pack's words for UAT."""
    return UAT_WORDS.get(status, status) if level == "uat" else status


def matrix_data(matrix: Matrix) -> dict[str, Any]:
    """Return the matrix as JSON-ready data, keys in a stable order (docs/trace.md describes them)."""
    counts = matrix.counts()
    return {
        "schema": SCHEMA,
        "project": matrix.project,
        "generated_at": matrix.generated_at.isoformat(),
        "results_folders": list(matrix.results_folders),
        "allure_report": matrix.allure_report,
        "summary": {
            "requirements": len(matrix.requirements),
            "statuses": {status.value: counts[status] for status in STATUS_ORDER},
            "uat_executed": matrix.uat_executed,
            "uat_cases": matrix.uat_cases,
        },
        "levels": list(LEVELS),
        "requirements": [_requirement(matrix, r) for r in matrix.requirements],
        "packs": [_pack(matrix, pack, owner) for pack, owner in sorted(matrix.packs.items())],
        "notes": list(matrix.notes),
    }


def matrix_json(matrix: Matrix) -> str:
    """Return the matrix as indented JSON text."""
    return json.dumps(matrix_data(matrix), ensure_ascii=False, indent=2) + "\n"


def _requirement(matrix: Matrix, r: RequirementTrace) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "module": r.module,
        "priority": r.priority.value,
        "owner": r.owner,
        "status": r.status.value,
        "reason": r.reason,
        "url": r.url,
        "levels": {level: r.levels.get(level, "") for level in LEVELS},
        "defects": list(r.defects),
        "stale": r.stale,
        "cases": [_case(matrix, c) for c in r.cases],
    }


def _case(matrix: Matrix, c: CaseTrace) -> dict[str, Any]:
    results = {}
    for level in LEVELS:
        result = c.results.get(level, LevelResult(level))
        results[level] = {
            "status": result.status,
            "runs": result.runs,
            "passed": result.passed,
            "result_uuid": result.result_uuid,
            "link": result_link(matrix.allure_report, result),
            "message": result.message,
        }
    return {
        "case_id": c.case_id,
        "title": c.title,
        "planned": list(c.planned),
        "uat_required": c.uat_required,
        "rows": c.rows,
        "packs": list(c.packs),
        "defects": list(c.defects),
        "stale": c.stale,
        "conflicts": c.conflicts,
        "source": c.source,
        "results": results,
    }


def _pack(matrix: Matrix, pack: str, owner: str) -> dict[str, Any]:
    signoff = matrix.signoffs.get(pack)
    return {
        "pack": pack,
        "owner": owner,
        "decision": signoff.decision.value if signoff and signoff.decision else "",
        "conditions": signoff.conditions if signoff else "",
        "signed_by": signoff.name if signoff else "",
        "date": signoff.date.isoformat() if signoff and signoff.date else "",
    }


def cell_view(matrix: Matrix, case: CaseTrace, level: str) -> dict[str, str]:
    """Return how one case's level cell shows: its words, style, a count, a link and a tooltip."""
    result = case.results.get(level, LevelResult(level))
    planned = level in case.planned or (level == "uat" and case.uat_required)
    if not result.status:
        gap = (
            "stale"
            if level == "uat" and case.stale
            else "conflict"
            if level == "uat" and case.conflicts
            else ""
        )
        word = gap or ("not run" if planned else "")
        return {"word": word, "css": "notrun" if word else "none", "count": "", "link": "", "title": ""}
    count = f"{result.passed}/{max(case.rows, result.runs)}" if max(case.rows, result.runs) > 1 else ""
    return {
        "word": level_word(level, result.status),
        "css": result.status,
        "count": count,
        "link": result_link(matrix.allure_report, result),
        "title": result.message,
    }


def summary_view(requirement: RequirementTrace, level: str) -> dict[str, str]:
    """Return how a requirement's level cell shows: the worst status and how many cases have one."""
    planned = [c for c in requirement.cases if level in c.planned or (level == "uat" and c.uat_required)]
    ran = [c for c in requirement.cases if c.results.get(level, LevelResult(level)).status]
    good = ("passed", "skipped") if level == "uat" else ("passed",)
    done = [c for c in ran if c.results[level].status in good]
    status = requirement.levels.get(level, "")
    view = {"word": "", "css": "none", "count": "", "link": "", "title": "", "short": ""}
    if not status:
        return view | ({"word": "not run", "css": "notrun", "short": "not run"} if planned else {})
    wanted = max(len(planned), len(ran))
    count = f"{len(done)}/{wanted}" if len(done) < wanted or wanted > 1 else ""
    word = level_word(level, status)
    # The terminal has room for the count only when it tells something: some cases are not there yet.
    short = f"{word} {count}" if len(done) < wanted else word
    return view | {"word": word, "css": status, "count": count, "short": short}


def matrix_html(matrix: Matrix) -> str:
    """Return the self-contained traceability page (no scripts or styles from elsewhere)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("uatkit", "templates"),
        autoescape=select_autoescape(("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    modules = list(dict.fromkeys(r.module for r in matrix.requirements))
    return env.get_template("traceability.html.j2").render(
        matrix=matrix,
        counts=matrix.counts(),
        statuses=STATUS_ORDER,
        rank={status: n for n, status in enumerate(reversed(STATUS_ORDER))},
        levels=LEVELS,
        modules=modules,
        cell=lambda case, level: cell_view(matrix, case, level),
        summary=summary_view,
        search=search_text,
    )


def search_text(requirement: RequirementTrace) -> str:
    """Return the lower-case words the page's filter box matches a requirement on."""
    words = [requirement.id, requirement.title, requirement.module, requirement.owner, requirement.reason]
    words += [requirement.status.value, *requirement.defects]
    for case in requirement.cases:
        words += [case.case_id, case.title, *case.packs]
    return " ".join(w for w in words if w).lower()


def matrix_xlsx(matrix: Matrix) -> bytes:
    """Return the matrix as a workbook: Summary, Requirements and Cases sheets, printable and filterable."""
    from uatkit.trace.workbook import workbook_bytes

    return workbook_bytes(matrix)


def write_matrix(matrix: Matrix, folder: Path) -> list[Path]:
    """Write traceability.html, .xlsx and .json into `folder` atomically; return their paths."""
    paths = [folder / f"traceability.{suffix}" for suffix in ("html", "xlsx", "json")]
    atomic_write_text(paths[0], matrix_html(matrix))
    atomic_write_bytes(paths[1], matrix_xlsx(matrix))
    atomic_write_text(paths[2], matrix_json(matrix))
    return paths
