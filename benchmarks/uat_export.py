"""Time writing one UAT pack of many cases against openpyxl writing the same values with no styling.

Usage: python benchmarks/uat_export.py [--cases 10000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import platform
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
from rich.console import Console
from rich.table import Table

from uatkit.atomic import atomic_write_bytes
from uatkit.cases import case_fingerprint, numbered
from uatkit.model import Case, Priority, SourceLocation
from uatkit.uat import layout
from uatkit.uat.pack import PackInfo
from uatkit.uat.workbook import PRIORITY_LABELS, build_pack

ROLES = ("sales clerk", "warehouse manager", "store manager", "customer", "bookkeeper", "support agent")
PRODUCTS = ("Widget", "Gadget", "Sprocket", "Flange", "Gizmo", "Doohickey", "Bracket", "Valve")
CUSTOMERS = ("ACME Ltd", "Globex", "Initech", "Umbrella plc", "Stark Industries", "华东贸易")
VERBS = ("place", "confirm", "cancel", "ship", "invoice", "return", "approve", "archive")
THINGS = ("an order", "a delivery", "a refund", "a price list", "a stock count", "a credit note")
MODULES = ("Sales", "Inventory", "Reporting", "Access control", "Billing", "Shipping")


def _case(rng: random.Random, number: int, row: int) -> Case:
    """Return one synthetic case: a plain scenario, or (row > 0) one example row of an outline."""
    product, customer = rng.choice(PRODUCTS), rng.choice(CUSTOMERS)
    preconditions = [
        f'a customer "{customer}" exists',
        f'the product "{product}" costs {rng.randint(1, 99)}.{rng.randint(0, 99):02d} with '
        f"{rng.randint(0, 500)} in stock",
        f"I am logged in as a {rng.choice(ROLES)}",
    ]
    steps = [f'I {rng.choice(VERBS)} {rng.choice(THINGS)} for {rng.randint(1, 20)} "{product}"']
    if rng.random() < 0.3:
        lines = "".join(f"\n   | {rng.choice(PRODUCTS)} | {rng.randint(1, 50)} |" for _ in range(3))
        steps.append("I enter the lines\n   | product | quantity |" + lines)
    expected = [f'the status of the order is "{rng.choice(("confirmed", "pending", "shipped"))}"']
    expected += [f"the order total is {rng.randint(1, 999)}.{rng.randint(0, 99):02d}"] * rng.randint(0, 2)
    data = ""
    if row:
        quantity, discount = rng.randint(1, 40), rng.choice((0, 5, 10, 15))
        total = quantity * 9.99 * (100 - discount) / 100
        data = f"quantity = {quantity}\ndiscount = {discount}\ntotal = {total:.2f}"
    case_id = f"REQ-{number // 5 + 1}.AC-{number % 5 + 1}"
    return Case(
        key=f"{case_id}#{row}" if row else case_id,
        case_id=case_id,
        requirement=case_id.partition(".")[0],
        requirement_title=f"{rng.choice(VERBS).capitalize()} {rng.choice(THINGS)} for an existing customer",
        module=rng.choice(MODULES),
        owner="Sales operations",
        priority=rng.choice(tuple(Priority)),
        language="en",
        scenario=f"AC-{number % 5 + 1} {rng.choice(VERBS).capitalize()} {rng.choice(THINGS)} as a "
        f"{rng.choice(ROLES)}",
        preconditions=tuple(preconditions),
        steps=tuple(steps),
        expected=tuple(expected),
        test_data=data,
        tags=("uat",),
        source=SourceLocation("features/synthetic.feature", number),
        fingerprint=case_fingerprint(preconditions, steps, expected, data),
    )


def synthetic_cases(count: int) -> list[Case]:
    """Return `count` cases, about a third of them example rows of outlines (four rows each)."""
    rng = random.Random(1)
    cases: list[Case] = []
    number = 0
    while len(cases) < count:
        number += 1
        rows = range(1, 5) if number % 10 == 0 else [0]
        cases += [_case(rng, number, row) for row in rows]
    return cases[:count]


def baseline(cases: Sequence[Case], path: Path) -> None:
    """Write the same cell values with plain openpyxl: a header and a row a case, nothing else."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([column.en for column in layout.COLUMNS])
    for case in cases:
        sheet.append(
            [
                case.key,
                case.requirement,
                case.requirement_title,
                case.scenario,
                numbered(case.preconditions),
                numbered(case.steps),
                numbered(case.expected),
                case.test_data,
                PRIORITY_LABELS[case.priority]["en"],
                "Not run",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def uatkit_pack(cases: Sequence[Case], info: PackInfo, path: Path) -> None:
    """Build the full pack (styles, validation, protection, metadata) and write it as export does."""
    atomic_write_bytes(path, build_pack(info, cases, {}, {}))


def median_time(action: Callable[[], object], repeat: int) -> float:
    """Return the median wall time of `action` in seconds over `repeat` runs."""
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def profile(action: Callable[[], object], title: str) -> None:
    """Print where `action` spends its time, by cumulative and by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(action)
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order).print_stats(14)
        print(f"{title}, by {order}", buffer.getvalue().split("\n", 4)[-1], sep="\n")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases in the pack (default 10000)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement; the median counts (default 3)"
    )
    parser.add_argument("--profile", action="store_true", help="profile build_pack with cProfile")
    args = parser.parse_args(argv)
    console = Console()
    cases = synthetic_cases(args.cases)
    info = PackInfo(
        "R1-sales", "R1", "Sales", "Sales operations", "en", "bench", dt.datetime(2026, 11, 24, 9, 0)
    )
    with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
        root = Path(folder)
        rows = [
            (
                "openpyxl, values only (baseline)",
                median_time(lambda: baseline(cases, root / "b.xlsx"), args.repeat),
            ),
            (
                "uatkit build_pack + write",
                median_time(lambda: uatkit_pack(cases, info, root / "p.xlsx"), args.repeat),
            ),
        ]
        sizes = {"baseline": (root / "b.xlsx").stat().st_size, "pack": (root / "p.xlsx").stat().st_size}
        if args.profile:
            profile(lambda: build_pack(info, cases, {}, {}), "build_pack")
    base = rows[0][1]
    table = Table(title=f"uatkit uat export: one pack of {args.cases:,} cases, median of {args.repeat}")
    table.add_column("measurement")
    table.add_column("seconds", justify="right")
    table.add_column("ms per 1,000 cases", justify="right")
    table.add_column("× baseline", justify="right")
    for name, seconds in rows:
        table.add_row(name, f"{seconds:.3f}", f"{seconds * 1e6 / args.cases:.0f}", f"{seconds / base:.2f}")
    console.print(table)
    outlines = sum(1 for c in cases if "#" in c.key)
    characters = sum(len(numbered(c.preconditions + c.steps + c.expected)) + len(c.test_data) for c in cases)
    console.print(
        f"cases: {len(cases):,} ({outlines:,} outline rows), {characters / 1e6:.1f} M characters of steps; "
        f"files: baseline {sizes['baseline'] / 1e6:.1f} MB, pack {sizes['pack'] / 1e6:.1f} MB"
    )
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}, openpyxl {openpyxl.__version__}"
    )
    console.print(f"ratio pack/baseline = {rows[1][1] / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
