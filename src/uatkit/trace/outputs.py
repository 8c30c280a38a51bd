"""The matrix for people and tools: traceability.html (Jinja2), traceability.xlsx (openpyxl) and .json."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from uatkit.allure.read import STATUS_ORDER as ALLURE_ORDER
from uatkit.atomic import atomic_write_bytes, atomic_write_chunks
from uatkit.model import Priority
from uatkit.trace.model import (
    LEVELS,
    RULE_ORDER,
    STATUS_ORDER,
    CaseTrace,
    LevelResult,
    Matrix,
    RequirementTrace,
)
from uatkit.trace.pages import stream_page
from uatkit.trace.views import MatrixViews, matrix_views, result_link, tagged

#: The version of the JSON structure; it changes only when a key changes meaning or goes away.
SCHEMA = 1


def matrix_data(matrix: Matrix) -> dict[str, Any]:
    """Return the matrix as JSON-ready data, keys in a stable order (docs/trace.md describes them)."""
    counts = matrix.counts()
    return {
        "schema": SCHEMA,
        "project": matrix.project,
        "generated_at": matrix.generated_at.isoformat(),
        "results_folders": list(matrix.results_folders),
        "evidence": matrix.evidence.as_dict() if matrix.evidence else None,
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
        "baseline": matrix.baseline or None,
        "removed": [
            {"id": r.id, "title": r.title, "change_requests": list(r.change_requests)} for r in matrix.removed
        ],
        "notes": list(matrix.notes),
    }


def matrix_json(matrix: Matrix) -> str:
    """Return the matrix as indented JSON text."""
    return json_bytes(matrix_data(matrix)).decode("utf-8")


def json_bytes(data: Mapping[str, Any]) -> bytes:
    """Return data as indented JSON in UTF-8, byte for byte as `json.dumps(data, ensure_ascii=False,
    indent=2) + "\\n"` would give it."""
    # msgspec encodes in C and indents the same way; the json module indents in Python, ten times slower.
    return msgspec.json.format(msgspec.json.encode(data), indent=2) + b"\n"


def _requirement(matrix: Matrix, r: RequirementTrace) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "module": r.module,
        "epic": r.epic,
        "labels": list(r.labels),
        "priority": r.priority.value,
        "owner": r.owner,
        "status": r.status.value,
        "reason": r.reason,
        "url": r.url,
        "levels": {level: r.levels.get(level, "") for level in LEVELS},
        "defects": list(r.defects),
        "stale": r.stale,
        "changed_since_baseline": r.changed_since_baseline,
        "change_requests": list(r.change_requests),
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
            "stale": result.stale,
            "evidence": [e.as_dict() for e in result.evidence],
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
        "round": matrix.rounds.get(pack, 1),
        "superseded_by": matrix.superseded.get(pack, ""),
        "owner": owner,
        "decision": signoff.decision.value if signoff and signoff.decision else "",
        "conditions": signoff.conditions if signoff else "",
        "signed_by": signoff.name if signoff else "",
        "date": signoff.date.isoformat() if signoff and signoff.date else "",
    }


def matrix_html(matrix: Matrix, views: MatrixViews | None = None) -> str:
    """Return the self-contained traceability page (no scripts or styles from elsewhere)."""
    return b"".join(_page(matrix, views or matrix_views(matrix))).decode("utf-8")


def _page(matrix: Matrix, shown: MatrixViews) -> Iterator[bytes]:
    """Yield the page in UTF-8, part by part."""
    modules = list(dict.fromkeys(r.module for r in matrix.requirements))
    return stream_page(
        "traceability.html.j2",
        matrix=matrix,
        # Each requirement with its level views, and its cases with theirs.
        rows=[
            (r, summaries, list(zip(r.cases, cells, strict=True)))
            for r, summaries, cells in zip(matrix.requirements, shown.summaries, shown.cells, strict=True)
        ],
        counts=matrix.counts(),
        statuses=STATUS_ORDER,
        rules=RULE_ORDER,
        rank={status: n for n, status in enumerate(reversed(STATUS_ORDER))},
        # Worst first, as the Allure statuses rank; a level with no result sorts last.
        level_rank={status: n for n, status in enumerate((*ALLURE_ORDER, ""))},
        priority_rank={priority.value: n for n, priority in enumerate(Priority)},
        levels=LEVELS,
        modules=modules,
        tagged=tagged,
        search=search_text,
    )


def search_text(requirement: RequirementTrace) -> str:
    """Return the lower-case words the page's filter box matches a requirement on."""
    words = [requirement.id, requirement.title, requirement.module, requirement.owner, requirement.reason]
    words += [requirement.epic, *requirement.labels]
    words += [requirement.status.value, *requirement.defects]
    for case in requirement.cases:
        words += [case.case_id, case.title, *case.packs]
    return " ".join(w for w in words if w).lower()


def matrix_xlsx(matrix: Matrix, views: MatrixViews | None = None) -> bytes:
    """Return the matrix as a workbook: Summary, Requirements and Cases sheets, printable and filterable."""
    # Imported here so that openpyxl loads only when a workbook is written.
    from uatkit.trace.workbook import workbook_bytes

    return workbook_bytes(matrix, views or matrix_views(matrix))


def write_matrix(
    matrix: Matrix,
    folder: Path,
    *,
    data: Mapping[str, Any] | None = None,
    views: MatrixViews | None = None,
) -> list[Path]:
    """Write traceability.html, .xlsx and .json into `folder` atomically; return their paths.

    `data` (the matrix's JSON data) and `views` (its cells as shown) are computed here when not given:
    each is computed once for every output.
    """
    paths = [folder / f"traceability.{suffix}" for suffix in ("html", "xlsx", "json")]
    # The JSON first: data made here is let go before the page and the workbook are built.
    atomic_write_bytes(paths[2], json_bytes(data if data is not None else matrix_data(matrix)))
    shown = views or matrix_views(matrix)
    atomic_write_chunks(paths[0], _page(matrix, shown))
    atomic_write_bytes(paths[1], matrix_xlsx(matrix, shown))
    return paths
