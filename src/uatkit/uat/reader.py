"""Read a returned UAT pack: its metadata, its marks and its sign-off, with every problem located.

A file that is not a pack (not a workbook, encrypted, legacy .xls, no Test cases or metadata sheet, headers
missing) gets one error and nothing else is read. Otherwise every row is checked (`uatkit.uat.checks`) and
every problem is reported at its cell; errors keep the whole file out of the ledger, warnings do not.
Sheets, headers, statuses and decisions are found by any language's label (`uatkit.uat.layout`).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from uatkit.config import LimitsConfig, UatChecksConfig
from uatkit.errors import Problem, UatkitError
from uatkit.model import Decision, SignOff, SourceLocation
from uatkit.stories.excel import Cell, text_of
from uatkit.uat import layout
from uatkit.uat.checks import Expected, Sheet, check_cases, check_signoff
from uatkit.uat.dates import parse_date
from uatkit.uat.pack import PackInfo, PackRow, PackTarget, ReadPack
from uatkit.xlsxguard import WorkbookRefused, read_checked

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# Stream names in an OLE file's directory are UTF-16: an encrypted .xlsx holds its package in
# "EncryptedPackage", a legacy .xls its sheets in "Workbook" (Excel 97+) or "Book" (Excel 5).
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_XLS_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_RESAVE = "open it in Excel and save it as an Excel Workbook (.xlsx)"
_EXPORT_AGAIN = "export it again with `uatkit uat export`"
_NOT_A_PACK = f"not a uatkit UAT pack, or its hidden _uatkit sheet was deleted; {_EXPORT_AGAIN}"
_ENCRYPTED = "is password-protected (encrypted); save it without a password to open it"
_REQUIRED_COLUMNS = ("case", *layout.INPUT_COLUMNS)
_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>")


class _FileProblem(Exception):
    """A file-level problem: the one error reported for a file that cannot be read as a pack."""

    def __init__(self, location: SourceLocation, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(location, message)


def find_packs(paths: Sequence[Path]) -> list[Path]:
    """Return the workbooks in `paths` (files, or folders searched recursively), sorted, each once."""
    found: set[Path] = set()
    for path in paths:
        # Anything named .xlsx that is no folder is listed, so a FIFO or a device is reported by name
        # ("not a regular file") instead of being skipped or called missing.
        if path.is_dir():
            found.update(p for p in path.rglob("*.xlsx") if _is_candidate(p))
        elif path.exists():
            found.add(path)
        else:
            raise UatkitError(f"{path}: no such file or folder")
    return sorted(found)


def _is_candidate(path: Path) -> bool:
    """Return True for a path in a searched folder that may be a returned pack."""
    return path.exists() and not path.is_dir() and not _is_lock_file(path)


def _is_lock_file(path: Path) -> bool:
    """Return True for the lock files Excel (~$name) and LibreOffice (.~lock.name#) keep beside open files."""
    return path.name.startswith(("~$", ".~lock"))


def read_pack(
    path: Path,
    current: Mapping[str, str] | None = None,
    limits: LimitsConfig | None = None,
    *,
    rules: UatChecksConfig | None = None,
) -> ReadPack:
    """Return a returned pack read and checked; `current` maps case keys to the project's fingerprints.

    The file is inspected against `limits` before it is opened (`uatkit.xlsxguard`), and at most
    `limits.problems` errors and as many warnings are listed, the rest counted in one more line. `rules`
    are the project's checks of evidence sizes and dates.
    """
    display = str(path)
    limits = limits or LimitsConfig()
    try:
        data = read_checked(path, limits)
    except WorkbookRefused as exc:
        return ReadPack(path, "", errors=[Problem(SourceLocation(display), str(exc))])
    result = ReadPack(path, hashlib.sha256(data).hexdigest())
    # Reading makes tens of thousands of objects and no reference cycles: the cycle collector would only
    # walk the sheet's cells again and again (a tenth of the reading time), so it waits until the end.
    paused = gc.isenabled()
    gc.disable()
    try:
        _read(data, display, current, result, rules or UatChecksConfig())
    except _FileProblem as exc:
        result.info, result.rows, result.marks, result.signoff = None, [], [], None
        result.errors, result.warnings = [exc.problem], []
    finally:
        if paused:
            gc.enable()
    result.errors = capped(result.errors, limits.problems, display)
    result.warnings = capped(result.warnings, limits.problems, display)
    return result


def capped(problems: list[Problem], most: int, display: str) -> list[Problem]:
    """Return the first `most` problems and one line counting the rest (200,000 stray rows print 51)."""
    if len(problems) <= most:
        return problems
    rest = len(problems) - most
    more = Problem(
        SourceLocation(display),
        f"and {rest:,} more problem(s) in this file; fix the ones above and import it again "
        "(raise [tool.uatkit.limits] problems to list more)",
    )
    return [*problems[:most], more]


def _read(
    data: bytes,
    display: str,
    current: Mapping[str, str] | None,
    result: ReadPack,
    rules: UatChecksConfig,
) -> None:
    """Fill `result` from the workbook's bytes; raise _FileProblem when it is not a readable pack."""
    from python_calamine import CalamineError, CalamineWorkbook

    where = SourceLocation(display)
    _sniff(data, where)
    result.saved_at = saved_at(data)
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            sheets = _sheets_by_key(workbook.sheet_names)
            if "meta" not in sheets:
                raise _FileProblem(where, _NOT_A_PACK)
            if "cases" not in sheets:
                raise _FileProblem(where, _no_cases_sheet(workbook.sheet_names))
            meta = workbook.get_sheet_by_name(sheets["meta"]).to_python(skip_empty_area=False)
            cases = workbook.get_sheet_by_name(sheets["cases"]).to_python(skip_empty_area=False)
            signoff = None
            if "signoff" in sheets:
                signoff = workbook.get_sheet_by_name(sheets["signoff"]).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as exc:
        raise _FileProblem(where, f"not an Excel workbook (.xlsx) ({exc}); {_RESAVE}") from None
    expected = _expected(meta, Sheet(display, sheets["meta"]))
    info = expected.info
    case_sheet = Sheet(display, sheets["cases"])
    columns = _columns(cases, case_sheet, info.language, result)
    result.info = info
    result.rows = list(expected.rows.values())
    result.key_id, result.signature = _seal(meta)
    today = dt.date.today()
    check_cases(cases, columns, case_sheet, expected, current, result.folder, today, result, rules)
    if signoff is None:
        result.warnings.append(Problem(where, "the pack has no Sign-off sheet; it is read as not signed off"))
    else:
        _read_signoff(signoff, Sheet(display, sheets["signoff"]), info, today, rules.earliest_date, result)


def _no_cases_sheet(names: Sequence[str]) -> str:
    """Return the error for a pack whose Test cases sheet is missing or renamed, listing its sheets."""
    labels = layout.SHEET_LABELS["cases"]
    wanted = " or ".join(repr(label) for label in labels.values())
    listed = ", ".join(repr(name) for name in names)
    return (
        f"the {wanted} sheet is missing or was renamed (the workbook's sheets are {listed}); "
        f"rename it back, or {_EXPORT_AGAIN}"
    )


def _sniff(data: bytes, where: SourceLocation) -> None:
    """Refuse files that are not an .xlsx by their first bytes, saying what they are when we can tell."""
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise _FileProblem(where, _ENCRYPTED)
        if any(stream in data for stream in _XLS_STREAMS):
            raise _FileProblem(where, f"is a legacy Excel 97-2003 workbook (.xls), not .xlsx; {_RESAVE}")
        raise _FileProblem(where, f"is a legacy or password-protected Office file, not .xlsx; {_RESAVE}")
    if not data.startswith(_ZIP_MAGIC):
        raise _FileProblem(where, f"not an Excel workbook (.xlsx); {_RESAVE}")


def saved_at(data: bytes) -> dt.datetime | None:
    """Return when a workbook says it was last saved (docProps/core.xml, written by Excel and LibreOffice)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            found = _MODIFIED.search(package.read("docProps/core.xml"))
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    if found is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(found.group(1).decode("ascii", "replace").strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _sheets_by_key(names: Sequence[str]) -> dict[str, str]:
    """Return the workbook's sheet name for every sheet key found in any language (the first wins)."""
    by_name = {name.casefold(): key for name, key in layout.sheet_keys_by_name().items()}
    found: dict[str, str] = {}
    for name in names:
        key = by_name.get(name.strip().casefold())
        if key is not None:
            found.setdefault(key, name)
    return found


def _expected(cells: list[list[Cell]], sheet: Sheet) -> Expected:
    """Return what the metadata sheet records: the pack's identity and its case rows."""
    marks = (i for i, row in enumerate(cells) if _text(row, 0).strip() == layout.META_CASES_MARK)
    mark = next(marks, len(cells))
    values = {_text(row, 0).strip(): row[1] if len(row) > 1 else "" for row in cells[:mark]}
    rows: dict[str, PackRow] = {}
    hashes: dict[str, tuple[str, ...]] = {}
    for row in cells[mark + 1 :]:
        key, number, fingerprint, locked = row[:4] if len(row) >= 4 else [*row, "", "", "", ""][:4]
        key = key.strip() if key.__class__ is str else text_of(key).strip()
        if key:
            fingerprint = fingerprint if fingerprint.__class__ is str else text_of(fingerprint)
            hashes[key] = tuple((locked if locked.__class__ is str else text_of(locked)).split())
            rows[key] = PackRow(key, _int(number), fingerprint.strip(), hashes[key])
    return Expected(_info(values, sheet), rows, hashes)


def _seal(cells: list[list[Cell]]) -> tuple[str, str]:
    """Return the metadata's key ID and signature, empty when the pack has none."""
    found = {"key_id": "", "signature": ""}
    for row in cells:
        name = _text(row, 0).strip()
        if name == layout.META_CASES_MARK:
            break
        if name in found and not found[name]:
            found[name] = _text(row, 1).strip()
    return found["key_id"], found["signature"]


def _info(values: Mapping[str, Cell], sheet: Sheet) -> PackInfo:
    """Return the pack's identity from the metadata's key/value rows."""
    where = SourceLocation(sheet.display, sheet=sheet.name)

    def damaged(what: str) -> _FileProblem:
        return _FileProblem(where, f"the hidden {sheet.name} sheet is damaged ({what}); {_EXPORT_AGAIN}")

    schema = _int(values.get("schema", ""))
    if schema <= 0:
        raise damaged("no schema version")
    if schema > layout.SCHEMA_VERSION:
        raise _FileProblem(
            SourceLocation(sheet.display),
            f"the pack was written by a newer uatkit (pack schema {schema}; this uatkit reads up to "
            f"{layout.SCHEMA_VERSION}); upgrade uatkit (pip install --upgrade uatkit) to read it",
        )
    text = {name: text_of(value).strip() for name, value in values.items()}
    if not text.get("pack_id"):
        raise damaged("no pack_id")
    generated = values.get("generated_at", "")
    if not isinstance(generated, dt.datetime):
        try:
            generated = dt.datetime.fromisoformat(text.get("generated_at", ""))
        except ValueError:
            raise damaged("no generated_at time") from None
    try:
        due = parse_date(values.get("due", ""))
    except ValueError:
        raise damaged("a bad due date") from None
    return PackInfo(
        pack_id=text["pack_id"],
        release=text.get("release", ""),
        group=text.get("group", ""),
        owner=text.get("owner", ""),
        language=text.get("language") or "en",
        project=text.get("project", ""),
        generated_at=generated,
        commit=text.get("commit", ""),
        due=due,
        schema=schema,
        target=PackTarget(
            url=text.get("test_url", ""),
            version=text.get("app_version", ""),
            build=text.get("app_build", ""),
            environment=text.get("environment", ""),
            contact=text.get("contact", ""),
        ),
    )


def _columns(cells: list[list[Cell]], sheet: Sheet, language: str, result: ReadPack) -> dict[str, int]:
    """Return the 0-based column of every header found; refuse a sheet missing the tester's columns."""
    labels = layout.column_keys_by_label()
    header = cells[layout.HEADER_ROW - 1] if len(cells) >= layout.HEADER_ROW else []
    columns: dict[str, int] = {}
    for index, value in enumerate(header):
        key = labels.get(" ".join(text_of(value).split()).casefold())
        if key is not None:
            columns.setdefault(key, index)
    row = layout.HEADER_ROW
    missing = [layout.COLUMN_BY_KEY[key].label(language) for key in _REQUIRED_COLUMNS if key not in columns]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise _FileProblem(
            sheet.at(None, row),
            f"the header row has no {names} column(s); put the headers back as exported, or {_EXPORT_AGAIN}",
        )
    for key in layout.LOCKED_COLUMNS:
        if key not in columns:
            label = layout.COLUMN_BY_KEY[key].label(language)
            result.warnings.append(
                Problem(
                    sheet.at(None, row),
                    f"the {label} column was deleted; the pack's original scenario is what counts",
                )
            )
    return columns


def _text(row: Sequence[Cell], index: int) -> str:
    """Return the text of a row's cell, empty past its end."""
    return text_of(row[index]) if index < len(row) else ""


def _int(value: Cell) -> int:
    """Return a whole number written as a number or text; 0 when it is none."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0
    try:
        return int(float(value))
    except (ValueError, OverflowError):
        return 0


def _read_signoff(
    cells: list[list[Cell]],
    sheet: Sheet,
    info: PackInfo,
    today: dt.date,
    earliest: dt.date,
    out: ReadPack,
) -> None:
    """Set `out.signoff` from the Sign-off sheet; append its problems."""
    language = info.language
    by_label = {label.casefold(): f.key for f in layout.SIGNOFF_FIELDS for label in (f.en, f.zh)}
    found: dict[str, int] = {}
    for index in range(layout.SIGNOFF_FIRST_ROW - 1, len(cells)):
        row = cells[index]
        field = by_label.get(" ".join(text_of(row[0]).split()).casefold()) if row else None
        if field is not None:
            found.setdefault(field, index + 1)
    for position, f in enumerate(layout.SIGNOFF_FIELDS):
        found.setdefault(f.key, layout.SIGNOFF_FIRST_ROW + position)
    value = {
        key: cells[row - 1][1] if row <= len(cells) and len(cells[row - 1]) > 1 else ""
        for key, row in found.items()
    }
    label = {f.key: f.label(language) for f in layout.SIGNOFF_FIELDS}

    def error(key: str, message: str) -> None:
        out.errors.append(Problem(sheet.at("B", found[key]), message))

    text = {key: text_of(cell).strip() for key, cell in value.items()}
    decision = layout.decision_from_label(text["decision"]) if text["decision"] else None
    if text["decision"] and decision is None:
        choices = ", ".join(layout.decision_label(d, language) for d in Decision)
        error("decision", f"unknown decision {text['decision']!r}; pick one from the list: {choices}")
    date = check_signoff(value["date"], text, label, today, earliest, error)
    if decision is Decision.WITH_CONDITIONS and not text["conditions"]:
        chosen = layout.decision_label(decision, language)
        error("conditions", f"{chosen} needs the {label['conditions']}; write them")
    out.signoff = SignOff(
        pack_id=info.pack_id,
        owner=text["owner"],
        decision=decision,
        conditions=text["conditions"],
        name=text["name"],
        date=date,
    )
