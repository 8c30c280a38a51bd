"""Workbooks are inspected before they are read, and no file stops the others.

Every hostile file here is made by the test (openpyxl, zipfile): a cell at XFD1048576, a sheet that
declares a small range but holds a far cell, a zip bomb, too many entries, a FIFO named .xlsx, a pack
with hundreds of stray rows, a renamed sheet. Each gives one located message, never a native abort.
"""

from __future__ import annotations

import errno
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import write
from tests.test_uat_roundtrip import STORY_EN, STORY_ZH, fill, invoke, passed, status_json, uat
from tests.uat_helpers import write_pack
from uatkit.config import Config, LimitsConfig
from uatkit.errors import Problem
from uatkit.stories.excel import read_excel
from uatkit.uat.ledger import ImportOutcome
from uatkit.uat.pack import ReadPack
from uatkit.uat.reader import find_packs, read_pack
from uatkit.xlsxguard import WorkbookRefused, check_package, read_checked

UATKIT = Path(sys.executable).parent / "uatkit"
HUGE = "XFD1048576"


def far_cell(path: Path, sheet: str = "Test cases", cell: str = HUGE) -> Path:
    """Put one value at `cell` of `sheet`: openpyxl then declares the whole grid as the sheet's range."""
    workbook = openpyxl.load_workbook(path)
    workbook[sheet][cell] = "x"
    workbook.save(path)
    return path


def rewrite(path: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """Rewrite every entry of a zip through `change(name, data)`."""
    with zipfile.ZipFile(path) as old:
        entries = [(info.filename, change(info.filename, old.read(info))) for info in old.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in entries:
            new.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def sheet_entry(path: Path, title: str = "Test cases") -> str:
    """Return the zip entry name of a sheet, found through openpyxl's order of sheets."""
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(title) + 1}.xml"


@pytest.fixture
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("packs").mkdir()
    return write_pack(Path("packs"))


# --- the inspection itself --------------------------------------------------------------------------


def test_a_cell_at_the_last_cell_of_a_sheet_is_refused_before_reading(pack: Path) -> None:
    far_cell(pack)
    assert pack.stat().st_size < 64 * 1024  # a small file: the size alone says nothing
    [problem] = read_pack(pack).errors
    assert str(problem) == (
        "packs/R1-sales.xlsx: refused before opening it: xl/worksheets/sheet2.xml declares a range of "
        "1,048,576 rows × 16,384 columns, over the limit of 200,000 rows; if the file is genuine, raise "
        "[tool.uatkit.limits] rows"
    )


def test_a_sheet_that_declares_a_small_range_but_holds_a_far_cell_is_refused(pack: Path) -> None:
    far_cell(pack, cell="P900000")
    entry = sheet_entry(pack)

    def lie(name: str, data: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:P4"', data) if name == entry else data

    rewrite(pack, lie)
    with zipfile.ZipFile(pack) as package:
        assert b'<dimension ref="A1:P4"' in package.read(entry)
    [problem] = read_pack(pack).errors
    assert f"{entry} holds a range of 900,000 rows × 16 columns" in problem.message
    assert problem.message.endswith("raise [tool.uatkit.limits] rows")


def test_a_sheet_with_no_dimension_is_scanned_for_its_cells(pack: Path) -> None:
    far_cell(pack, cell="ZZZ10")
    rewrite(pack, lambda _, data: re.sub(rb"<dimension [^>]*/>", b"", data))
    [problem] = read_pack(pack).errors
    assert "holds a range of 10 rows × 18,278 columns, over the limit of 1,000 columns" in problem.message


def test_a_normal_pack_passes_and_a_tighter_limit_refuses_it_naming_the_key(pack: Path) -> None:
    assert read_pack(pack).errors == []
    [problem] = read_pack(pack, limits=LimitsConfig(cells=20)).errors
    assert re.search(r"over the limit of 20 cells; if the file is genuine, raise \S+ cells$", problem.message)


def bomb(entry_mb: int, entries: int = 1) -> bytes:
    """Return a zip whose entries unpack to `entry_mb` MB of spaces each (about 1,000 to 1)."""
    buffer = io.BytesIO()
    block = b" " * (1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for n in range(entries):
            with package.open(f"xl/media/pad{n}.bin", "w") as stream:
                for _ in range(entry_mb):
                    stream.write(block)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("limits", "data", "expected"),
    [
        (
            LimitsConfig(),
            bomb(20),
            r"xl/media/pad0.bin is compressed [\d,]+ to 1, over the limit of 200 to 1",
        ),
        (LimitsConfig(entry_mb=5, ratio=5000), bomb(20), r"pad0.bin unpacks to 20.0 MB, over .* of 5 MB"),
        (LimitsConfig(total_mb=3, ratio=5000), bomb(2, 2), r"unpack to more than 4.0 MB, over .* of 3 MB"),
        (LimitsConfig(entries=10), bomb(0, 11), r"the workbook holds 11 files, over the limit of 10;"),
    ],
)
def test_a_zip_over_a_limit_is_refused_naming_it(limits: LimitsConfig, data: bytes, expected: str) -> None:
    with pytest.raises(WorkbookRefused, match=expected):
        check_package(data, limits)


def test_files_that_are_not_zips_are_left_to_the_readers_own_checks() -> None:
    check_package(b"\xd0\xcf\x11\xe0 legacy", LimitsConfig())
    check_package(b"PK\x03\x04 damaged", LimitsConfig())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_xlsx_is_not_a_regular_file_and_is_found_in_a_folder(pack: Path) -> None:
    fifo = pack.parent / "pipe.xlsx"
    os.mkfifo(fifo)
    assert find_packs([pack.parent]) == [pack, fifo]
    assert find_packs([fifo]) == [fifo]
    assert [str(p) for p in read_pack(fifo).errors] == [
        "packs/pipe.xlsx: not a regular file (a FIFO); give the path of an .xlsx workbook"
    ]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.xlsx"
    with big.open("wb") as stream:
        stream.truncate(2 * 1024 * 1024)
    with pytest.raises(WorkbookRefused, match=r"the file is 2.0 MB, over the limit of 1 MB; .* file_mb$"):
        read_checked(big, LimitsConfig(file_mb=1))


# --- problems per file, sheets renamed ---------------------------------------------------------------


def test_problems_are_capped_per_file_with_a_count_of_the_rest(pack: Path) -> None:
    workbook = openpyxl.load_workbook(pack)
    sheet = workbook["Test cases"]
    for row in range(10, 310):
        sheet[f"A{row}"], sheet[f"J{row}"] = f"REQ-9{row}.AC-1", "Maybe"
    workbook.save(pack)
    everything = read_pack(pack, limits=LimitsConfig(problems=10_000)).errors
    assert len(everything) >= 300
    capped = read_pack(pack).errors
    assert capped[:50] == everything[:50]
    assert capped[50:] == [
        Problem(
            capped[50].location,
            f"and {len(everything) - 50:,} more problem(s) in this file; fix the ones above and import it "
            "again (raise [tool.uatkit.limits] problems to list more)",
        )
    ]
    assert str(capped[50].location) == "packs/R1-sales.xlsx"


# --- an Excel backlog --------------------------------------------------------------------------------


def test_an_excel_backlog_over_a_limit_is_one_problem(config: Config, tmp_path: Path) -> None:
    backlog = tmp_path / "backlog.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["ID", "Title"])
    workbook.active.append(["REQ-1", "A story"])
    workbook.active[HUGE] = "x"
    workbook.save(backlog)
    problems: list[Problem] = []
    assert read_excel(backlog, "backlog.xlsx", config, problems) == []
    assert [str(p) for p in problems] == [
        "backlog.xlsx: refused before opening it: xl/worksheets/sheet1.xml declares a range of 1,048,576 "
        "rows × 16,384 columns, over the limit of 200,000 rows; if the file is genuine, raise "
        "[tool.uatkit.limits] rows"
    ]


# --- the commands: no file stops the others ----------------------------------------------------------


@pytest.fixture
def exported(project: Path) -> Path:
    """Return a project with two exported packs for R1, the Sales one filled in."""
    write(project / "stories" / "REQ-1.md", STORY_EN)
    write(project / "stories" / "REQ-2.md", STORY_ZH)
    invoke(project, "generate")
    uat(project, "export", "--release", "R1")
    marks = {key: passed() for key in ("REQ-1.AC-1", "REQ-1.AC-2#1", "REQ-1.AC-2#2")}
    fill(project / "uat_packs" / "R1" / "R1-sales.xlsx", marks)
    return project


def ledger_rows(project: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(project / "reports" / "uat.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return db.execute("SELECT * FROM marks ORDER BY 1").fetchall()


@pytest.mark.skipif(not UATKIT.exists(), reason="the uatkit console script is not installed")
def test_a_hostile_pack_is_refused_and_the_next_one_still_imports(exported: Path) -> None:
    folder = exported / "uat_packs" / "R1"
    hostile = shutil.copy(folder / "R1-reporting.xlsx", folder / "R1-a-hostile.xlsx")
    far_cell(Path(hostile), "测试用例")
    before = ledger_rows(exported)

    def run(target: Path) -> subprocess.CompletedProcess[str]:
        # A real process: a native abort (exit 134) would end it, not the test session.
        return subprocess.run(
            [str(UATKIT), "uat", "import", str(target), "--project", str(exported)],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "COLUMNS": "200"},
        )

    alone = run(Path(hostile))
    assert (alone.returncode, "Traceback" in alone.stderr) == (2, False), alone.stderr
    assert ledger_rows(exported) == before
    done = run(folder)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"error: {hostile} was not imported (1 problem(s)):" in done.stderr
    assert "raise [tool.uatkit.limits] rows" in done.stderr
    assert "imported" in done.stdout
    assert ledger_rows(exported) != before
    sales = {row["pack"]: row for row in status_json(exported)["packs"]}["R1-sales"]
    assert (sales["executed"], sales["pass"]) == (3, 3)
    assert list((exported / "reports" / "uat-results").glob("*-result.json"))


def test_export_over_a_hostile_file_at_a_packs_path_says_why_and_keeps_it(exported: Path) -> None:
    sales = exported / "uat_packs" / "R1" / "R1-sales.xlsx"
    far_cell(sales)
    before = sales.read_bytes()
    result = uat(exported, "export", "--release", "R1", code=2)
    assert "R1-sales.xlsx cannot be read as a pack (refused before opening it:" in result.output
    assert "Traceback" not in result.output and sales.read_bytes() == before
    forced = uat(exported, "export", "--release", "R1", "--force")
    [kept] = (exported / "reports" / "replaced-packs").glob("R1-sales.*.xlsx")
    assert kept.read_bytes() == before and "kept the replaced pack" in forced.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_export_refuses_a_fifo_at_a_packs_path_even_with_force(exported: Path) -> None:
    sales = exported / "uat_packs" / "R1" / "R1-sales.xlsx"
    sales.unlink()
    os.mkfifo(sales)
    for extra in ((), ("--force",)):
        result = uat(exported, "export", "--release", "R1", *extra, code=2)
        assert "R1-sales.xlsx: not a regular file, where the pack is to be written" in result.output
    assert not (exported / "reports" / "replaced-packs").exists()


def test_a_pack_whose_recording_fails_is_reported_and_the_next_still_imports(
    exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uatkit.uat.ledger import Ledger

    folder = exported / "uat_packs" / "R1"
    fill(folder / "R1-reporting.xlsx", {"REQ-2.AC-1": passed()})
    record = Ledger.import_pack

    def disk_full_for_sales(self: Ledger, read: ReadPack) -> ImportOutcome:
        # A fault of the machine, not of the file: the disk fills while the sales pack is recorded.
        if read.path.name == "R1-sales.xlsx":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return record(self, read)

    monkeypatch.setattr(Ledger, "import_pack", disk_full_for_sales)
    result = uat(exported, "import", str(folder), code=2)
    assert f"error: {folder / 'R1-sales.xlsx'} was not imported (1 problem(s)):" in result.output
    assert "cannot be read or recorded (No space left on device); fix that and import it again" in (
        result.output
    )
    packs = {row["pack"]: row for row in status_json(exported)["packs"]}
    assert (packs["R1-reporting"]["executed"], packs["R1-sales"]["executed"]) == (1, 0)
