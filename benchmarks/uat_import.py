"""Time importing filled UAT packs against bare python-calamine reading the same cells.

Usage: python benchmarks/uat_import.py [--packs 20] [--rows 2500] [--repeat 3]
       python benchmarks/uat_import.py --project [--packs 8] [--rows 125] [--repeat 3] [--quick] [--profile]
       python benchmarks/uat_import.py --project --before SRC [--packs 8] [--rows 500] [--repeat 3]

With --project the import is the command's (`uat import` in a synthetic project: load the project, read,
check, verify, record, bring the UAT results up to date), one command a pack and all packs in one, at ×1,
×4 and ×16 the rows a pack (--quick: ×1 and ×4). With --before SRC (the `src` folder of another checkout,
e.g. `git archive` of an earlier commit) each command runs in its own process, alternately with that code
and with this one, on the same project and packs: all packs in one command, then the same packs again.

The packs are written by uatkit's own writer with every row filled (carried forward from synthetic marks:
mostly Pass, some Fail with an actual result and a defect ID), so they are what business users send back.
They are signed with a ledger's project key as `uatkit uat export` signs them, and the import checks each
signature against that ledger as `uatkit uat import` does.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import python_calamine
from rich.console import Console
from rich.table import Table

import uat_project
from uat_export import synthetic_cases
from uatkit.atomic import atomic_write_bytes
from uatkit.project import load_project
from uatkit.uat import layout
from uatkit.uat.flow import import_packs, read_packs
from uatkit.uat.ledger import Ledger
from uatkit.uat.pack import PackInfo
from uatkit.uat.reader import read_pack
from uatkit.uat.workbook import build_signed_pack


def write_packs(folder: Path, packs: int, rows: int, ledger: Path) -> tuple[list[Path], dict[str, str]]:
    """Write `packs` filled packs of `rows` cases each, signed and registered in `ledger` as an export
    does; return them and the cases' current fingerprints."""
    cases = synthetic_cases(packs * rows)
    day = dt.date(2026, 11, 20)
    marks = uat_project.filled_marks(cases, day)
    paths = []
    with Ledger.open(ledger) as book:
        seals = book.seals
        for n in range(packs):
            chunk = cases[n * rows : (n + 1) * rows]
            info = PackInfo(
                f"R1-pack-{n:02d}", "R1", f"pack {n}", "Owner", "en", "bench", dt.datetime(2026, 11, 1)
            )
            path = folder / f"R1-pack-{n:02d}.xlsx"
            data, signed = build_signed_pack(info, chunk, marks, {}, key=seals.key())
            assert signed is not None
            atomic_write_bytes(path, data)
            book.register_pack(signed.info, signed.rows)
            seals.register(signed)
            paths.append(path)
    return paths, {c.key: c.fingerprint for c in cases}


def bare_read(paths: Sequence[Path]) -> int:
    """Read the file and the sheets an import reads (metadata, test cases, sign-off) with python-calamine
    and nothing else; return the cell count."""
    cells = 0
    wanted = {name.casefold() for name in layout.sheet_keys_by_name()}
    for path in paths:
        data = path.read_bytes()
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            for name in workbook.sheet_names:
                if name.strip().casefold() in wanted:
                    rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
                    cells += sum(len(row) for row in rows)
    return cells


def check_only(paths: Sequence[Path], current: dict[str, str]) -> int:
    """Read and check every pack as `uatkit uat import` does, without the ledger; return the marks."""
    marks = 0
    for path in paths:
        read = read_pack(path, current)
        assert read.ok, read.errors[:3]
        marks += len(read.marks)
    return marks


def full_import(paths: Sequence[Path], current: dict[str, str], exported: Path, ledger: Path) -> int:
    """Read, check, verify and record every pack in a copy of the `exported` ledger as `uatkit uat import`
    does; return marks added."""
    shutil.copyfile(exported, ledger)
    added = 0
    with Ledger.open(ledger) as book:
        seals = book.seals
        for read in read_packs(paths, current):
            seals.check(read)
            assert read.ok, read.errors[:3]
            added += book.import_pack(read).added
    return added


def median_time(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Return the median wall time of `action` over `repeat` runs and its last result."""
    times: list[float] = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def library(args: argparse.Namespace) -> int:
    """Time the library's import of packs (no project, no UAT results) and print its table."""
    console = Console()
    with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
        root = Path(folder)
        with console.status(f"writing {args.packs} packs of {args.rows:,} filled rows …"):
            paths, current = write_packs(root, args.packs, args.rows, root / "exported.db")
        bare, cells = median_time(lambda: bare_read(paths), args.repeat)
        checked, marks = median_time(lambda: check_only(paths, current), args.repeat)
        imported, added = median_time(
            lambda: full_import(paths, current, root / "exported.db", root / "uat.db"), args.repeat
        )
    assert marks == added == args.packs * args.rows, (marks, added)
    table = Table(
        title=f"uatkit uat import: {args.packs} packs × {args.rows:,} filled rows, median of {args.repeat}"
    )
    table.add_column("measurement")
    table.add_column("seconds", justify="right")
    table.add_column("× bare read", justify="right")
    for name, seconds in (
        (f"python-calamine bare read of every cell ({cells:,} cells)", bare),
        ("read_pack: read + check every row", checked),
        ("import: read + check + verify signature + record in the ledger (SQLite)", imported),
    ):
        table.add_row(name, f"{seconds:.3f}", f"{seconds / bare:.2f}")
    console.print(table)
    console.print(f"Python {platform.python_version()} on {platform.machine()}; marks imported: {added:,}")
    console.print(f"ratio import/bare = {imported / bare:.2f} (target ≤ 1.5)")
    return 0


def command_imports(exported: uat_project.Exported, together: bool) -> int:
    """Import the packs as `uatkit uat import` does, one command a pack or all in one; return marks added."""
    added = 0
    batches = [exported.packs] if together else [[path] for path in exported.packs]
    for batch in batches:
        run = import_packs(load_project(exported.root), batch)
        assert not run.failed, (run.refused[:1], run.results_error)
        added += sum(outcome.added for outcome in run.outcomes)
    return added


def project_growth(args: argparse.Namespace, console: Console) -> int:
    """Print the growth table of the command's import against the bare read, at ×1, ×4 and ×16 rows."""
    table = Table(title=f"uatkit uat import in a project: {args.packs} packs, median of {args.repeat}")
    for column in (
        "rows a pack",
        "marks",
        "bare read (s)",
        "one command a pack (s)",
        "×",
        "one command (s)",
        "×",
        "again, nothing new ×",
    ):
        table.add_column(column, justify="right")
    loads = [uat_project.load()]
    for scale in (1, 4) if args.quick else (1, 4, 16):
        rows = args.rows * scale
        with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
            with console.status(f"writing a project and {args.packs} packs of {rows:,} filled rows …"):
                exported = uat_project.build(Path(folder), args.packs, rows)
            times = uat_project.alternate(
                {
                    "bare": partial(bare_read, exported.packs),
                    "each": partial(command_imports, exported, together=False),
                    "all": partial(command_imports, exported, together=True),
                },
                args.repeat,
                before=partial(uat_project.restore, exported),
            )
            # The same files imported again: nothing is new, so no result needs writing.
            uat_project.restore(exported)
            command_imports(exported, together=True)
            again = uat_project.alternate(
                {
                    "bare": partial(bare_read, exported.packs),
                    "again": partial(command_imports, exported, together=True),
                },
                args.repeat,
            )
            times["again"] = again["again"] * times["bare"] / again["bare"]
            times["again_ratio"] = again["again"] / again["bare"]
            if args.profile and scale == 1:
                uat_project.restore(exported)
                profile(partial(command_imports, exported, together=False), "one command a pack")
        bare = times["bare"]
        table.add_row(
            f"{rows:,}",
            f"{args.packs * rows:,}",
            f"{bare:.3f}",
            f"{times['each']:.3f}",
            f"{times['each'] / bare:.2f}",
            f"{times['all']:.3f}",
            f"{times['all'] / bare:.2f}",
            f"{times['again_ratio']:.2f}",
        )
    loads.append(uat_project.load())
    console.print(table)
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}; 1-minute load {' → '.join(loads)}"
    )
    console.print("target: import ≤ 1.5 × the bare read")
    return 0


#: One `uatkit uat import` of the packs in a fresh process, timed inside it (interpreter start excluded).
_CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from uatkit.project import load_project
from uatkit.uat.flow import import_packs
paths = [Path(p) for p in sys.argv[3:]]
start = time.perf_counter()
run = import_packs(load_project(Path(sys.argv[2])), paths)
assert not run.failed, (run.refused[:1], run.results_error)
print(time.perf_counter() - start)
"""


def child_import(source: Path, exported: uat_project.Exported) -> float:
    """Return the seconds one import command takes with the uatkit package in `source`."""
    argv = [sys.executable, "-c", _CHILD, str(source), str(exported.root), *map(str, exported.packs)]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def before_after(args: argparse.Namespace, console: Console) -> int:
    """Print the import's time with the code in --before and with this code, in alternating rounds."""
    here = Path(__file__).resolve().parent.parent / "src"
    times: dict[str, list[float]] = {
        f"{code} {kind}": [] for code in ("before", "after") for kind in ("first", "again")
    }
    loads = [uat_project.load()]
    with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
        with console.status(f"writing a project and {args.packs} packs of {args.rows:,} filled rows …"):
            exported = uat_project.build(Path(folder), args.packs, args.rows)
        bare = []
        for _ in range(args.repeat):
            for code, source in (("before", args.before), ("after", here)):
                uat_project.restore(exported)
                # The cases cache stays as the export left it (this code reads it; older code parses).
                times[f"{code} first"].append(child_import(source, exported))
                times[f"{code} again"].append(child_import(source, exported))
            start = time.perf_counter()
            bare_read(exported.packs)
            bare.append(time.perf_counter() - start)
    loads.append(uat_project.load())
    floor = statistics.median(bare)
    table = Table(
        title=f"uatkit uat import, before and after: {args.packs} packs × {args.rows:,} rows, "
        f"median of {args.repeat}"
    )
    for column in ("import", "seconds", "× bare read"):
        table.add_column(column, justify="right")
    table.add_row("python-calamine bare read", f"{floor:.3f}", "1.00")
    for name, values in times.items():
        seconds = statistics.median(values)
        table.add_row(name, f"{seconds:.3f}", f"{seconds / floor:.2f}")
    console.print(table)
    console.print(f"1-minute load {' → '.join(loads)}")
    return 0


def profile(action: Callable[[], object], title: str) -> None:
    """Print where `action` spends its time, by cumulative and by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(action)
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order).print_stats(22)
        print(f"{title}, by {order}", buffer.getvalue().split("\n", 4)[-1], sep="\n")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", type=int, default=None, help="packs (default 20; 8 with --project)")
    parser.add_argument(
        "--rows", type=int, default=None, help="filled rows a pack (default 2500; 125 with --project)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs a measurement; the median counts")
    parser.add_argument(
        "--project", action="store_true", help="time the command in a project, at ×1, ×4, ×16"
    )
    parser.add_argument("--quick", action="store_true", help="with --project: ×1 and ×4 only")
    parser.add_argument("--profile", action="store_true", help="with --project: profile the ×1 import")
    parser.add_argument(
        "--before", type=Path, help="with --project: compare with the uatkit package in this src"
    )
    args = parser.parse_args(argv)
    if args.project:
        args.packs, args.rows = args.packs or 8, args.rows or (500 if args.before else 125)
        if args.before:
            return before_after(args, Console())
        return project_growth(args, Console())
    args.packs, args.rows = args.packs or 20, args.rows or 2500
    return library(args)


if __name__ == "__main__":
    sys.exit(main())
