"""Write UAT packs the way `uatkit.uat.layout` lays them out, and fill them in as a tester would."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl

from uatkit.model import Status
from uatkit.uat import layout
from uatkit.uat.pack import PackInfo, PackRow
from uatkit.uat.signing import ProjectKey, sign_pack

#: Column letters of the Test cases sheet, by column key (A = Case ID … P = Comments).
LETTER = {column.key: chr(ord("A") + index) for index, column in enumerate(layout.COLUMNS)}


def sample_cases(count: int = 3, language: str = "en") -> list[dict[str, str]]:
    """Return `count` cases' locked-cell texts, keyed by column key."""
    zh = language == "zh-CN"
    return [
        {
            "case": f"REQ-{100 + n}.AC-1",
            "requirement": f"REQ-{100 + n}",
            "title": f"订单合计 {n}" if zh else f"Order total {n}",
            "scenario": f"下单 {n} 件" if zh else f"Order {n} widgets",
            "preconditions": "1. 客户已存在" if zh else "1. A customer exists",
            "steps": f"1. 打开订单\n2. 下单 {n} 件" if zh else f"1. Open the order\n2. Order {n} widgets",
            "expected": "1. 合计正确" if zh else "1. The total is right",
            "data": f"qty={n}",
            "priority": "必须" if zh else "Must",
        }
        for n in range(1, count + 1)
    ]


def fingerprint(key: str) -> str:
    """Return the fingerprint the helper's packs record for a case."""
    return f"sha256:{key.encode().hex()[:16]}"


def locked(case: Mapping[str, str]) -> tuple[str, ...]:
    """Return the locked-cell hashes the metadata sheet keeps for a case of `sample_cases`."""
    return tuple(layout.cell_hash(case[k]) for k in layout.LOCKED_COLUMNS)


def write_pack(
    folder: Path,
    name: str = "R1-sales.xlsx",
    *,
    cases: Sequence[Mapping[str, str]] | None = None,
    language: str = "en",
    meta: Mapping[str, object] | None = None,
    state: str = "veryHidden",
    sheets: Sequence[str] = layout.SHEETS,
    key: ProjectKey | None = None,
) -> Path:
    """Write a pack of `cases` (sample ones by default); `meta` overrides metadata values.

    With `key` the metadata is signed by uatkit's own signing code, over the values as written (before
    `meta` overrides them, so an override is a change made after signing); without it the pack is unsigned,
    as packs written before signing were.
    """
    cases = sample_cases(language=language) if cases is None else cases
    lang = "zh-CN" if language == "zh-CN" else "en"
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.worksheets[0])
    values: dict[str, object] = {
        "schema": "1",
        "pack_id": "R1-sales",
        "release": "R1",
        "group": "Sales",
        "owner": "Sales operations",
        "language": language,
        "generated_at": "2026-11-01T09:00:00+00:00",
        "commit": "abc1234",
        "project": "demo",
    }
    rows = [
        PackRow(case["case"], row, fingerprint(case["case"]), locked(case))
        for row, case in enumerate(cases, start=layout.HEADER_ROW + 1)
    ]
    if key is not None:
        signed = sign_pack(key, _info(values), rows)
        values |= {"key_id": signed.key_id, "signature": signed.signature}
    values.update(meta or {})
    for sheet_key in sheets:
        sheet = workbook.create_sheet(layout.SHEET_LABELS[sheet_key][lang])
        if sheet_key == "instructions":
            sheet.append(["Fill in the Test cases sheet."])
        elif sheet_key == "cases":
            sheet.append([column.label(language) for column in layout.COLUMNS])
            for case in cases:
                status = layout.status_label(Status.NOT_RUN, language)
                sheet.append([case[k] for k in layout.LOCKED_COLUMNS] + [status])
        elif sheet_key == "signoff":
            sheet.append([layout.SHEET_LABELS["signoff"][lang]])
            sheet.append(["Pack ID", values["pack_id"]])
            for offset, field in enumerate(layout.SIGNOFF_FIELDS):
                row = layout.SIGNOFF_FIRST_ROW + offset
                sheet.cell(row, 1, field.label(language))
                sheet.cell(row, 2, values["owner"] if field.key == "owner" else None)
        else:
            for item, value in values.items():
                sheet.append([item, value])
            sheet.append([layout.META_CASES_MARK, "row", "fingerprint", "locked"])
            for packed in rows:
                sheet.append([packed.key, packed.row, packed.fingerprint, " ".join(packed.locked)])
            sheet.sheet_state = state
    path = folder / name
    workbook.save(path)
    return path


def _info(values: Mapping[str, object]) -> PackInfo:
    """Return the pack identity the helper's metadata values give, as the reader reads them."""
    return PackInfo(
        pack_id=str(values["pack_id"]),
        release=str(values["release"]),
        group=str(values["group"]),
        owner=str(values["owner"]),
        language=str(values["language"]),
        project=str(values["project"]),
        generated_at=dt.datetime.fromisoformat(str(values["generated_at"])),
        commit=str(values["commit"]),
        schema=int(str(values["schema"])),
    )


def fill(path: Path, cells: Mapping[str, object], sheet: str = "cases") -> Path:
    """Set cells ("J2": "Pass") of one sheet of a saved pack, as a tester does in Excel, and save it."""
    workbook = openpyxl.load_workbook(path)
    names = layout.sheet_keys_by_name()
    target = next(ws for ws in workbook.worksheets if names.get(ws.title) == sheet)
    for address, value in cells.items():
        target[address] = value
    workbook.save(path)
    return path


def convert_with_libreoffice(path: Path, out: Path) -> Path:
    """Return `path` opened and saved again as .xlsx by LibreOffice Calc (in its own profile)."""
    out.mkdir(parents=True, exist_ok=True)
    profile = (out / ".profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / path.name
