"""A team's ledger at programme size: concurrent pack imports into PostgreSQL and into SQLite, then trace.

The project: `uat_project.build`'s synthetic stories (eight cases a story), their generated features, and
PACKS exported, signed and filled packs of ROWS rows each (one in twelve Fail, the rest Pass), as a client's
business users send them back. For each backend, in alternating rounds:

1. the ledger starts as the export left it (SQLite: the exported file copied back; PostgreSQL: a fresh
   database, `uatkit uat init-db`, then `uatkit uat migrate --to` from the exported SQLite ledger, so it
   holds the same project key, packs and signatures);
2. WORKERS processes start at once, each running `uatkit uat import` on its share of the packs (pack i goes
   to worker i mod WORKERS) — several QA engineers importing what their client sites sent, at the same time;
3. the ledger is counted: every mark exactly once (PACKS × ROWS marks, as many distinct case rows, one import
   a file), or the benchmark stops;
4. `uatkit trace --format json` runs on the project (every requirement, with the ledger's marks).

PostgreSQL is a throw-away cluster from the system's binaries (initdb + pg_ctl in a temporary folder on a
free port), started and stopped by the benchmark; it is the same cluster the tests use (tests/pg_cluster.py).
Printed: a table of medians with the ratio PostgreSQL / SQLite, the marks a second, and the load average.

Usage: python benchmarks/scale.py [--packs 100] [--rows 500] [--workers 4] [--repeat 2] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import uat_project
from pg_cluster import Cluster, running_cluster, server_programs
from uatkit.project import Project, load_project
from uatkit.uat.ledger import Ledger
from uatkit.uat.ledger_location import open_ledger

UATKIT = [str(Path(sys.executable).with_name("uatkit"))]


def _run(args: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def concurrent_import(root: Path, packs: Sequence[Path], workers: int, env: dict[str, str]) -> float:
    """Start `workers` `uatkit uat import` processes at once on their shares of `packs`; return the wall
    time until the last one ends."""
    shares = [[str(p) for p in packs[n::workers]] for n in range(workers)]
    start = time.perf_counter()
    running = [
        subprocess.Popen(
            [*UATKIT, "uat", "import", "-C", str(root), "--format", "json", *share],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for share in shares
        if share
    ]
    outputs = [process.communicate() for process in running]
    seconds = time.perf_counter() - start
    for process, (out, err) in zip(running, outputs, strict=True):
        if process.returncode != 0:
            raise SystemExit(f"an import worker failed ({process.returncode}):\n{out[-2000:]}\n{err[-2000:]}")
    return seconds


def count(root: Path, env: dict[str, str], expected: int, files: int) -> None:
    """Stop unless the ledger holds every mark exactly once and one import a file."""
    saved = os.environ.get("UATKIT_LEDGER_URL")
    if "UATKIT_LEDGER_URL" in env:
        os.environ["UATKIT_LEDGER_URL"] = env["UATKIT_LEDGER_URL"]
    try:
        project = load_project(root)
        with _open(project) as ledger:
            marks = ledger.marks()
            imports = {m.import_id for m in marks}
    finally:
        if saved is None:
            os.environ.pop("UATKIT_LEDGER_URL", None)
        else:
            os.environ["UATKIT_LEDGER_URL"] = saved
    keys = {m.mark.key for m in marks}
    if not (len(marks) == len(keys) == expected and len(imports) == files):
        raise SystemExit(
            f"the ledger holds {len(marks)} marks of {len(keys)} case rows from {len(imports)} imports; "
            f"expected {expected} marks, each once, from {files} imports"
        )


def _open(project: Project) -> Ledger:
    return open_ledger(project)


def trace(root: Path, env: dict[str, str]) -> float:
    """Return the wall time of `uatkit trace --format json` on the project."""
    start = time.perf_counter()
    _run([*UATKIT, "trace", "-C", str(root), "--format", "json"], env)
    return time.perf_counter() - start


def fresh_sqlite(exported: uat_project.Exported) -> dict[str, str]:
    uat_project.restore(exported)
    env = dict(os.environ)
    env.pop("UATKIT_LEDGER_URL", None)
    return env


def fresh_postgresql(exported: uat_project.Exported, cluster: Cluster) -> dict[str, str]:
    uat_project.restore(exported)
    url = cluster.new_database()
    env = {**os.environ, "UATKIT_LEDGER_URL": url}
    _run([*UATKIT, "uat", "init-db", "--url", url], env)
    _run(
        [*UATKIT, "uat", "migrate", "-C", str(exported.root), "--from", str(exported.ledger), "--to", url],
        env,
    )
    return env


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", type=int, default=100, help="packs (default 100)")
    parser.add_argument("--rows", type=int, default=500, help="rows a pack (default 500)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent import processes (default 4)")
    parser.add_argument("--repeat", type=int, default=2, help="alternating rounds; the median counts")
    parser.add_argument("--quick", action="store_true", help="8 packs of 125 rows, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.packs, args.rows, args.repeat = 8, 125, 1
    console = Console()
    before = Path("/proc/loadavg").read_text().split()[0]
    marks = args.packs * args.rows
    times: dict[str, dict[str, list[float]]] = {
        name: {"import": [], "trace": []} for name in ("SQLite", "PostgreSQL")
    }
    with tempfile.TemporaryDirectory(prefix="uatkit-scale-") as folder:
        root = Path(folder) / "project"
        root.mkdir()
        with console.status(f"building a project and {args.packs} filled packs of {args.rows} rows …"):
            started = time.perf_counter()
            exported = uat_project.build(root, args.packs, args.rows)
            requirements = len(load_project(root).catalogue.stories)
            # Four engineers' imports queue for the ledger; none may give up while the others write.
            with (root / "pyproject.toml").open("a", encoding="utf-8") as config:
                config.write("busy_timeout = 600\n")
            built = time.perf_counter() - started
        console.print(f"built {requirements:,} requirements, {marks:,} case rows in {built:.0f} s")
        programs = server_programs()
        if programs is None:
            raise SystemExit(
                "PostgreSQL's server programs (initdb, pg_ctl) are not installed: apt-get install postgresql"
            )
        with running_cluster(programs) as cluster:
            for round_no in range(args.repeat):
                # Rounds alternate which backend goes first, so a change of load falls on both alike.
                for name in list(times)[:: 1 if round_no % 2 == 0 else -1]:
                    env = fresh_sqlite(exported) if name == "SQLite" else fresh_postgresql(exported, cluster)
                    with console.status(f"round {round_no + 1}: {name}, {args.workers} imports at once …"):
                        times[name]["import"].append(
                            concurrent_import(root, exported.packs, args.workers, env)
                        )
                        count(root, env, marks, args.packs)
                        times[name]["trace"].append(trace(root, env))
                    load = Path("/proc/loadavg").read_text().split()[0]
                    console.print(
                        f"round {round_no + 1} {name}: import {times[name]['import'][-1]:.1f} s, trace "
                        f"{times[name]['trace'][-1]:.1f} s (load {load})"
                    )
    median = {
        name: {step: statistics.median(v) for step, v in steps.items()} for name, steps in times.items()
    }
    table = Table(
        title=f"{args.packs} packs × {args.rows} rows from {args.workers} processes at once, then trace on "
        f"{requirements:,} requirements (median of {args.repeat})",
        title_justify="left",
    )
    for column in (
        "step",
        "SQLite s",
        "PostgreSQL s",
        "PostgreSQL / SQLite",
        "SQLite marks/s",
        "PostgreSQL marks/s",
    ):
        table.add_column(column, justify="left" if column == "step" else "right")
    for step in ("import", "trace"):
        lite, pg = median["SQLite"][step], median["PostgreSQL"][step]
        rates = (f"{marks / lite:,.0f}", f"{marks / pg:,.0f}") if step == "import" else ("", "")
        table.add_row(step, f"{lite:.1f}", f"{pg:.1f}", f"{pg / lite:.2f}", *rates)
    console.print(table)
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; load average "
        f"before {before}, after {Path('/proc/loadavg').read_text().split()[0]}; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        soft_wrap=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
