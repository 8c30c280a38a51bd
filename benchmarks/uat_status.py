"""Time `uatkit uat status` against a bare sqlite3 query of the same current marks.

Usage: python benchmarks/uat_status.py [--packs 8] [--rows 125] [--repeat 5] [--quick] [--profile]

A synthetic project gets `packs` filled packs of `rows` rows imported (see uat_project.py); then, in
alternating rounds, uatkit loads the project (its cases from the cases cache, as a command after the
export does) and computes the progress per pack, module and tester, and the floor runs one sqlite3 query
of the live marks (those no correction or resolution replaced) with their pack, status, tester and date.
Sizes ×1, ×4 and ×16 the rows a pack (--quick: ×1 and ×4).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

import uat_project
from uatkit.project import load_project
from uatkit.uat.flow import import_packs, uat_progress

LIVE_MARKS = (
    "SELECT marks.id, marks.key, marks.pack_id, marks.status, marks.tester, marks.test_date,"
    " marks.fingerprint FROM marks WHERE marks.id NOT IN (SELECT mark_id FROM mark_events) ORDER BY marks.id"
)


def bare_query(ledger: Path) -> int:
    """Return how many live marks one sqlite3 query of the ledger reads."""
    with sqlite3.connect(ledger) as conn:
        return len(conn.execute(LIVE_MARKS).fetchall())


def status(root: Path) -> int:
    """Compute `uatkit uat status` as the command does; return the cases executed."""
    progress = uat_progress(load_project(root))
    return int(progress.as_dict()["total"]["executed"])


def profile(action: Callable[[], object], title: str) -> None:
    """Print where `action` spends its time, by cumulative and by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(action)
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order).print_stats(18)
        print(f"{title}, by {order}", buffer.getvalue().split("\n", 4)[-1], sep="\n")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its growth table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", type=int, default=8, help="packs (default 8)")
    parser.add_argument("--rows", type=int, default=125, help="filled rows a pack at ×1 (default 125)")
    parser.add_argument("--repeat", type=int, default=5, help="runs a measurement; the median counts")
    parser.add_argument("--quick", action="store_true", help="×1 and ×4 only")
    parser.add_argument("--profile", action="store_true", help="profile the ×1 status")
    args = parser.parse_args(argv)
    console = Console()
    table = Table(title=f"uatkit uat status: {args.packs} packs imported, median of {args.repeat}")
    for column in ("rows a pack", "marks", "sqlite3 query (s)", "uatkit uat status (s)", "×"):
        table.add_column(column, justify="right")
    loads = [uat_project.load()]
    for scale in (1, 4) if args.quick else (1, 4, 16):
        rows = args.rows * scale
        with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
            with console.status(f"writing a project and importing {args.packs} packs of {rows:,} rows …"):
                exported = uat_project.build(Path(folder), args.packs, rows)
                run = import_packs(load_project(exported.root), exported.packs)
                assert not run.failed
            ledger = load_project(exported.root).ledger_path
            marks = bare_query(ledger)
            assert marks == args.packs * rows == status(exported.root), marks
            times = uat_project.alternate(
                {"bare": partial(bare_query, ledger), "status": partial(status, exported.root)}, args.repeat
            )
            if args.profile and scale == 1:
                profile(partial(status, exported.root), "uat status")
        table.add_row(
            f"{rows:,}",
            f"{marks:,}",
            f"{times['bare']:.3f}",
            f"{times['status']:.3f}",
            f"{times['status'] / times['bare']:.2f}",
        )
    loads.append(uat_project.load())
    console.print(table)
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}; 1-minute load {' → '.join(loads)}"
    )
    console.print("target: status ≤ 1.5 × the bare ledger query")
    return 0


if __name__ == "__main__":
    sys.exit(main())
