"""Peak memory (RSS) and time of importing one pack: a normal one and crafted ones.

Usage: python benchmarks/uat_memory.py [--rows 2500] [--repeat 3]

Each import runs in its own child process (this script with --child), which reads, checks, verifies and
records the pack in a copy of the exported ledger as `uatkit uat import` does, with the default
`[tool.uatkit.limits]`; the parent takes the child's peak RSS from `os.wait4` (`ru_maxrss`, the kernel's
high-water mark of the whole process) and its wall time. The packs:

- normal: a signed 2,500-row pack with every row filled, as business users return it;
- stray rows: that pack with its Test cases sheet grown to the largest range the default limits let
  through (16 columns × 124,000 rows, 1.98 M cells) of stray rows, about 3 MB: read, every row checked,
  problems capped;
- bomb: that pack with 3 GB of white space inside its Test cases sheet's XML (about 3 MB zipped): refused
  before it is opened;
- far cell: that pack with one cell at XFD1048576: refused before it is opened.

A baseline child only imports what an import imports, to show the interpreter's own share.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from uat_import import write_packs

_SHEET = "xl/worksheets/sheet2.xml"  # the Test cases sheet of a pack written by uatkit
_GIB = 1024**3


def child(pack: Path, exported: Path, ledger: Path) -> int:
    """Import one pack into a copy of the exported ledger; print what happened; exit 0."""
    from uatkit.config import LimitsConfig
    from uatkit.uat.flow import read_packs
    from uatkit.uat.ledger import Ledger

    shutil.copyfile(exported, ledger)
    with Ledger.open(ledger) as book:
        seals = book.seals
        for read in read_packs([pack], _fingerprints(exported), LimitsConfig()):
            if read.info is not None:
                seals.check(read)
            if read.ok:
                print(f"imported {book.import_pack(read).added} marks")
            else:
                print(f"refused, {len(read.errors)} problem line(s): {read.errors[0].message[:70]}")
    return 0


def _fingerprints(exported: Path) -> dict[str, str]:
    import sqlite3

    with sqlite3.connect(exported) as db:
        return dict(db.execute("SELECT key, fingerprint FROM pack_rows"))


def baseline() -> int:
    """Import the modules an import uses, and nothing else."""
    import python_calamine  # noqa: F401

    import uatkit.uat.flow  # noqa: F401

    print("imported the modules only")
    return 0


def measure(args: list[str]) -> tuple[float, int, str]:
    """Run this script as a child with `args`; return its wall time, peak RSS in bytes and output."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, output
    return elapsed, usage.ru_maxrss * 1024, output.strip().splitlines()[-1]


def stray_rows(normal: Path, target: Path, rows: int) -> Path:
    """Write `normal` with its Test cases sheet grown to `rows` rows of 16 filled stray cells."""
    with zipfile.ZipFile(normal) as old:
        entries = {info.filename: old.read(info) for info in old.infolist()}
    sheet = entries[_SHEET]
    last = max(int(n) for n in re.findall(rb'<row r="([0-9]+)"', sheet))
    extra = []
    for row in range(last + 1, rows + 1):
        cells = "".join(
            f'<c r="{chr(65 + col)}{row}" t="inlineStr"><is><t>{(row + col) % 100}</t></is></c>'
            for col in range(16)
        )
        extra.append(f'<row r="{row}">{cells}</row>')
    sheet = sheet.replace(b"</sheetData>", "".join(extra).encode() + b"</sheetData>")
    entries[_SHEET] = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="A1:P{rows}"'.encode(), sheet)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in entries.items():
            new.writestr(name, data)
    return target


def padded(normal: Path, target: Path, gib: float) -> Path:
    """Write `normal` with `gib` GiB of white space between two elements of its Test cases sheet."""
    with zipfile.ZipFile(normal) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename != _SHEET:
                new.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            block = b" " * (16 * 1024 * 1024)
            with new.open(_SHEET, "w", force_zip64=True) as stream:
                stream.write(head + b"<sheetData>")
                for _ in range(int(gib * _GIB) // len(block)):
                    stream.write(block)
                stream.write(tail)
    return target


def far_cell(normal: Path, target: Path) -> Path:
    """Write `normal` with one more cell at XFD1048576 in its Test cases sheet."""
    with zipfile.ZipFile(normal) as old:
        entries = {info.filename: old.read(info) for info in old.infolist()}
    cell = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = entries[_SHEET].replace(b"</sheetData>", cell + b"</sheetData>")
    entries[_SHEET] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', sheet)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in entries.items():
            new.writestr(name, data)
    return target


def write(root: Path, rows: int, stray: int, gib: float) -> int:
    """Write the normal pack (signed, registered in root/exported.db) and the crafted ones beside it."""
    [normal], _ = write_packs(root, 1, rows, root / "exported.db")
    stray_rows(normal, root / "stray.xlsx", stray)
    padded(normal, root / "bomb.xlsx", gib)
    far_cell(normal, root / "far.xlsx")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2500, help="filled rows of the normal pack")
    parser.add_argument("--stray", type=int, default=124_000, help="rows of the stray-rows pack")
    parser.add_argument("--bomb-gib", type=float, default=3.0, help="GiB of white space in the bomb")
    parser.add_argument("--repeat", type=int, default=3, help="runs a measurement; the median counts")
    parser.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    if args.write:
        folder, rows, stray, gib = args.write
        return write(Path(folder), int(rows), int(stray), float(gib))
    if args.baseline:
        return baseline()
    console = Console(width=170)
    with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
        root = Path(folder)
        # The packs are written by a child: a process's peak RSS counts what its parent held when it
        # forked, so the measuring parent stays small.
        with console.status("writing the packs …"):
            writer = [sys.executable, __file__, "--write", str(root), str(args.rows), str(args.stray)]
            subprocess.run([*writer, str(args.bomb_gib)], check=True)
        packs = {
            f"normal: {args.rows:,} filled rows": root / "R1-pack-00.xlsx",
            f"crafted: {args.stray:,} stray rows × 16 columns (within the limits)": root / "stray.xlsx",
            f"crafted: {args.bomb_gib:g} GiB of white space in the sheet (refused)": root / "bomb.xlsx",
            "crafted: one cell at XFD1048576 (refused)": root / "far.xlsx",
        }
        exported = root / "exported.db"
        table = Table(title=f"uat import of one pack, each in a child process, median of {args.repeat}")
        for column in ("pack", "file MB", "peak RSS MB", "seconds", "outcome"):
            table.add_column(column, justify="left" if column in ("pack", "outcome") else "right")
        runs = [measure(["--baseline"]) for _ in range(args.repeat)]
        table.add_row(
            "baseline: the modules only",
            "",
            f"{statistics.median(r[1] for r in runs) / 2**20:.0f}",
            f"{statistics.median(r[0] for r in runs):.2f}",
            runs[-1][2],
        )
        for name, pack in packs.items():
            runs = [
                measure(["--child", str(pack), str(exported), str(root / "uat.db")])
                for _ in range(args.repeat)
            ]
            table.add_row(
                name,
                f"{pack.stat().st_size / 2**20:.2f}",
                f"{statistics.median(r[1] for r in runs) / 2**20:.0f}",
                f"{statistics.median(r[0] for r in runs):.2f}",
                runs[-1][2],
            )
    console.print(table)
    console.print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
