"""Time `uatkit stories` on a large synthetic catalogue against loading the catalogue alone.

Usage: python benchmarks/stories.py [--stories 4000] [--repeat 3] [--growth] [--quick] [--profile]

The script writes the Markdown stories of benchmarks/generate.py (five criteria each, every tenth story in
zh-CN) to a temporary folder, then alternates in this process, `--repeat` times:

- floor: `load_catalogue` of the project (reading and validating every story file): what listing the
  catalogue has to do before it can print a line;
- stories: `uatkit stories` (the command, through Typer's test runner, output captured), which loads the
  catalogue the same way and prints its table;
- json: `uatkit stories --format json`, for comparison.

Each listing must name every story. `--growth` measures 250, 1,000 and 4,000 stories (×1, ×4, ×16;
`--quick`: 125, 500, 2,000). Exit 1 when `uatkit stories` misses its target (≤ 1.5× the floor at the
largest size).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from generate import build_project
from uatkit.cli import app
from uatkit.config import load_config
from uatkit.stories import load_catalogue

TARGET = 1.5
PYPROJECT = '[tool.uatkit]\nstories = ["stories"]\n'


def _listing(root: Path, stories: int, *options: str) -> Callable[[], None]:
    def run() -> None:
        result = CliRunner().invoke(app, ["stories", "--project", str(root), *options])
        if result.exit_code != 0 or f"REQ-{stories}" not in result.stdout or "REQ-1" not in result.stdout:
            raise SystemExit(f"uatkit stories failed ({result.exit_code}):\n{result.output[-2000:]}")

    return run


def _rich_listing(root: Path, stories: int) -> Callable[[], None]:
    """Return the listing as a Rich table whatever its size (as every catalogue was printed before)."""
    from uatkit.cli import stories as command

    listing = _listing(root, stories)

    def run() -> None:
        kept = command.LARGE_TABLE
        command.LARGE_TABLE = sys.maxsize
        try:
            listing()
        finally:
            command.LARGE_TABLE = kept

    return run


def measure(root: Path, stories: int, repeat: int, rich: bool = False) -> dict[str, float]:
    """Alternate floor, table and JSON listing `repeat` times; return each one's median seconds.

    The seconds are this process's CPU time (`time.process_time`): on a machine shared with others' test
    runs it is far steadier than wall time, and every action runs in this one process without waiting.
    Wall seconds are returned too, as "<name> wall".
    """
    actions = {
        "floor": lambda: load_catalogue(load_config(root)),
        "table": _listing(root, stories),
        "json": _listing(root, stories, "--format", "json"),
    }
    if rich:
        actions["rich"] = _rich_listing(root, stories)
    times: dict[str, list[float]] = {key: [] for name in actions for key in (name, f"{name} wall")}
    for action in actions.values():
        action()  # untimed: the first of each imports its modules
    for _ in range(repeat):
        for name, action in actions.items():
            start, wall = time.process_time(), time.perf_counter()
            action()
            times[name].append(time.process_time() - start)
            times[f"{name} wall"].append(time.perf_counter() - wall)
    return {name: statistics.median(values) for name, values in times.items()}


def profile(action: Callable[[], object]) -> None:
    """Print where `uatkit stories` spends its time."""
    profiler = cProfile.Profile()
    profiler.runcall(action)
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order).print_stats(14)
        print(f"uatkit stories, by {order}", buffer.getvalue().split("\n", 4)[-1], sep="\n")


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def main(argv: list[str] | None = None) -> int:
    """Build the catalogue(s), measure, print the table; exit 1 when the listing misses its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=4000, help="number of stories (default 4000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median counts (default 3)")
    parser.add_argument("--growth", action="store_true", help="measure ×1, ×4, ×16 sizes (250 … 4,000)")
    parser.add_argument("--quick", action="store_true", help="with --growth: 125, 500, 2,000 stories")
    parser.add_argument(
        "--rich", action="store_true", help="also time a Rich table of every size (the old way)"
    )
    parser.add_argument("--profile", action="store_true", help="profile one `uatkit stories` with cProfile")
    args = parser.parse_args(argv)
    console = Console()
    base = 125 if args.quick else 250
    sizes = [base, base * 4, base * 16] if args.growth else [args.stories]
    console.print(f"load average (1 min) before: {_load()}")
    results: list[tuple[int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="uatkit-bench-stories-") as folder:
        for size in sizes:
            root = Path(folder) / f"project-{size}"
            root.mkdir()
            build_project(root, size, 5)
            (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
            if args.profile:
                profile(_listing(root, size))
            results.append((size, measure(root, size, args.repeat, args.rich)))
            shutil.rmtree(root)
    table = Table(
        title=f"uatkit stories, CPU seconds, median of {args.repeat} (2 cores shared)", title_justify="left"
    )
    columns = (
        "stories",
        "floor: load_catalogue",
        "stories",
        "json",
        "stories × floor",
        "wall × floor",
        "ms/story",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for size, times in results:
        table.add_row(
            f"{size:,}",
            f"{times['floor']:.2f}",
            f"{times['table']:.2f}",
            f"{times['json']:.2f}",
            f"{times['table'] / times['floor']:.2f}",
            f"{times['table wall'] / times['floor wall']:.2f}",
            f"{times['table'] * 1000 / size:.3f}",
        )
    console.print(table)
    if args.rich:
        for size, times in results:
            console.print(
                f"{size:,} stories as a Rich table: {times['rich']:.2f} s CPU, "
                f"{times['rich'] / times['floor']:.2f}× the floor"
            )
    console.print(f"load average (1 min) after: {_load()}; Python {platform.python_version()}")
    largest = results[-1][1]
    met = largest["table"] <= TARGET * largest["floor"]
    console.print(
        f"target: uatkit stories ≤ {TARGET:g}× load_catalogue at {results[-1][0]:,} stories: "
        f"{'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
