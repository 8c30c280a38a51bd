"""Bytes, time and peak memory of `uatkit uat import` when one evidence file is named on many rows.

Usage: python benchmarks/uat_evidence_amplification.py [--rows 1000] [--mb 1] [--repeat 3]

A project of `--rows` manual criteria (100 a story) is generated and exported as one pack with
`uatkit uat export`; two copies of the pack are filled in as a business user does (Pass, a tester, a date
on every row): one names the same `--mb` MB evidence file (random bytes, beside the workbook) on every
row, the baseline names none. Each import is `uatkit uat import` in its own child process on a fresh copy
of the exported project; the parent takes the child's peak RSS from `os.wait4` (`ru_maxrss`) and its wall
time, and counts the bytes written under reports/uat-results. Plain copying the evidence file once is the
floor for the bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook
from rich.console import Console
from rich.table import Table

from uatkit.uat import layout

_UATKIT = Path(sys.executable).with_name("uatkit")
_EVIDENCE = "screen-recording.bin"
_PER_STORY = 100


def write_project(root: Path, rows: int) -> Path:
    """Write a project of `rows` manual criteria, generate its features, export its one pack."""
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.uatkit]\nstories = ["stories"]\nrequirement_pattern = "REQ-[0-9]+"\n\n'
        '[tool.uatkit.uat]\nrelease = "R1"\n',
        encoding="utf-8",
    )
    (root / "stories").mkdir()
    for story in range((rows + _PER_STORY - 1) // _PER_STORY):
        count = min(_PER_STORY, rows - story * _PER_STORY)
        criteria = "".join(
            f"\n## AC-{n} Report line {n} reads well\nThe report shows line {n} so a clerk can read it.\n"
            for n in range(1, count + 1)
        )
        (root / "stories" / f"REQ-{story + 1}.md").write_text(
            f"---\nid: REQ-{story + 1}\nmodule: Reporting\npriority: must\nowner: Finance\n---\n"
            f"# Daily report {story + 1}\n{criteria}",
            encoding="utf-8",
        )
    for command in (["generate"], ["uat", "export"]):
        subprocess.run([_UATKIT, *command, "--project", str(root)], check=True, capture_output=True)
    return root


def fill(pack: Path, evidence: str) -> int:
    """Mark every row of `pack` Pass, naming `evidence` on each (none if empty); return the rows."""
    workbook = load_workbook(pack)
    names = layout.sheet_keys_by_name()
    sheet = next(workbook[n] for n in workbook.sheetnames if names.get(n) == "cases")
    columns = {layout.column_keys_by_label()[str(c.value).casefold()]: c.column for c in sheet[1] if c.value}
    filled = 0
    for row in range(2, sheet.max_row + 1):
        if not sheet.cell(row, columns["case"]).value:
            continue
        sheet.cell(row, columns["status"]).value = "Pass"
        sheet.cell(row, columns["tester"]).value = "Li Wei"
        sheet.cell(row, columns["date"]).value = dt.date.today()
        if evidence:
            sheet.cell(row, columns["evidence"]).value = evidence
        filled += 1
    workbook.save(pack)
    return filled


def tree_bytes(folder: Path) -> tuple[int, int]:
    """Return the bytes and the number of files under `folder`."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def measure(project: Path) -> tuple[float, int, int, int]:
    """Run `uatkit uat import` on the project's packs in a child; return wall s, peak RSS, bytes, files."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [_UATKIT, "uat", "import", "--project", str(project), str(project / "uat_packs" / "R1")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    assert os.waitstatus_to_exitcode(status) == 0, output
    written, files = tree_bytes(project / "reports" / "uat-results")
    return elapsed, usage.ru_maxrss * 1024, written, files


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="rows naming the one evidence file")
    parser.add_argument("--mb", type=float, default=1.0, help="size of the evidence file in MB")
    parser.add_argument("--repeat", type=int, default=3, help="runs a measurement; the median counts")
    args = parser.parse_args(argv)
    console = Console(width=150)
    with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
        root = Path(folder)
        with console.status(f"writing and exporting a project of {args.rows:,} criteria …"):
            exported = write_project(root / "exported", args.rows)
        (pack,) = sorted((exported / "uat_packs" / "R1").glob("*.xlsx"))
        variants = {}
        for name, evidence in (("baseline", ""), ("evidence", _EVIDENCE)):
            variant = root / f"{name}-filled"
            shutil.copytree(exported, variant)
            assert fill(variant / pack.relative_to(exported), evidence) == args.rows
            if evidence:
                blob = os.urandom(int(args.mb * 2**20))
                (variant / pack.relative_to(exported)).with_name(evidence).write_bytes(blob)
            variants[name] = variant
        copied = root / "copy"
        copied.mkdir()
        start = time.perf_counter()
        shutil.copyfile(variants["evidence"] / "uat_packs" / "R1" / _EVIDENCE, copied / _EVIDENCE)
        copy_seconds = time.perf_counter() - start
        floor, _ = tree_bytes(copied)
        table = Table(
            title=f"uatkit uat import of one pack of {args.rows:,} Pass rows, each in a child process, "
            f"median of {args.repeat}"
        )
        for column in ("run", "bytes under reports/uat-results", "files", "peak RSS MB", "seconds"):
            table.add_column(column, justify="left" if column == "run" else "right")
        figures = {}
        for name, title in (
            ("baseline", "baseline: no evidence named"),
            ("evidence", f"one {args.mb:g} MB evidence file named on all {args.rows:,} rows"),
        ):
            runs = []
            for n in range(args.repeat):
                fresh = root / f"{name}-{n}"
                shutil.copytree(variants[name], fresh)
                runs.append(measure(fresh))
                shutil.rmtree(fresh)
            wall = statistics.median(r[0] for r in runs)
            rss = statistics.median(r[1] for r in runs)
            figures[name] = (wall, rss, runs[-1][2])
            table.add_row(title, f"{runs[-1][2]:,}", f"{runs[-1][3]:,}", f"{rss / 2**20:.0f}", f"{wall:.2f}")
        table.add_row("floor: copying the evidence file once", f"{floor:,}", "1", "", f"{copy_seconds:.3f}")
    console.print(table)
    extra = figures["evidence"][2] - figures["baseline"][2]
    console.print(
        f"evidence run − baseline = {extra:,} B = {extra / floor:.2f} × the file; "
        f"time × baseline = {figures['evidence'][0] / figures['baseline'][0]:.2f}; "
        f"RSS × baseline = {figures['evidence'][1] / figures['baseline'][1]:.2f}"
    )
    console.print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
