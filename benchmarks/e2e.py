"""Time the demo's browser scenarios under pytest + uatkit against a plain Playwright script doing the same.

    .venv/bin/python benchmarks/e2e.py [--repeat 3] [--modes retain-on-failure,off,on] [--quick]

Two runs, alternated round by round (median of `--repeat` rounds), each in a fresh process, serial and
with two workers:

- uatkit: `pytest --uatkit-level e2e --uatkit-tracing MODE` in the repository: the session starts the demo
  system, launches one browser per worker and gives each scenario a fresh context (pytest-xdist `-n 2`);
- bare: this script with `--bare N`: starts the demo system the same way (`uatkit.demo.process.spawn`),
  launches the Chromium `uatkit.browsers` finds with the same flags through Playwright's sync API, one
  browser per process, and runs the same 21 scenarios (the e2e scenario runs of features/), each in a
  fresh context, no tracing. It drives the demo project's own drivers (fixtures/drivers: the page
  actions and the API arrangement the steps call) and checks what the steps check; with N = 2 two worker
  processes share the scenarios against one demo system, as pytest-xdist's workers do.

Prints wall seconds, uatkit / bare, and the overhead per scenario ((uatkit - bare) / scenarios). The bare
run must pass every scenario and pytest must pass 21, or the script exits 1.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"(\d+) passed")
SCRUBBED_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "UATKIT_BASE_URL", "PYTHONDONTWRITEBYTECODE")
TARGET = 1.10

# --- the bare floor: the same scenarios as plain Playwright calls through the demo project's drivers ----

Scenario = Callable[[Any], None]


def _scenarios() -> list[tuple[str, Scenario]]:
    """Return the demo's e2e scenario runs, each as the driver calls its steps make and the checks they do."""
    from fixtures.drivers.base import Rejection, ReportView, Role, StockLevel, UserView, done

    def customer(d: Any, name: str) -> str:
        return str(d.arrange(Role.CLERK).ensure_customer(name))

    def product(d: Any, name: str, price: str, stock: int) -> None:
        d.arrange(Role.CLERK).set_product(name, Decimal(price), stock)

    def arranged_order(d: Any, role: Role, who: str, lines: Any, discount: int = 0, day: Any = None) -> int:
        return int(done(d.arrange(role).place_order(who, lines, discount, day), "order").id)

    def report(d: Any, start: str, end: str) -> ReportView:
        found = d.sales_report(date.fromisoformat(start), date.fromisoformat(end))
        assert isinstance(found, ReportView), found
        return found

    def day_is(found: ReportView, day: str, orders: int, total: str) -> None:
        row = found.day(date.fromisoformat(day))
        assert row is not None and (row.orders, row.total) == (orders, Decimal(total)), row

    def log_in_works(user: str, password: str, role: str) -> Scenario:
        def run(d: Any) -> None:
            d.forget_login()
            d.log_in(user, password)
            assert d.current_user() == UserView(user, role)

        return run

    def log_in_refused(user: str, password: str) -> Scenario:
        def run(d: Any) -> None:
            d.forget_login()
            refused = d.log_in(user, password)
            assert isinstance(refused, Rejection) and refused.message == "invalid user name or password"
            assert d.current_user() is None

        return run

    def log_out(d: Any) -> None:
        d.log_in_as(Role.CLERK)
        d.log_out()
        refused = d.list_orders()
        assert isinstance(refused, Rejection) and refused.status == 401, refused
        assert d.current_user() is None

    def approval_queue(d: Any) -> None:
        who = customer(d, "ACME Ltd")
        product(d, "Widget", "9.99", 100)
        arranged_order(d, Role.CLERK, who, [("Widget", 10)], 15)
        arranged_order(d, Role.CLERK, who, [("Widget", 2)], 5)
        d.log_in_as(Role.MANAGER)
        queue = d.approval_queue()
        assert isinstance(queue, tuple) and len(queue) == 1, queue
        assert all(d.read_order(order).status == "awaiting approval" for order in queue)

    def report_as(role: Role, status: int | None) -> Scenario:
        def run(d: Any) -> None:
            d.log_in_as(role)
            found = d.sales_report(date(2024, 3, 1), date(2024, 3, 31))
            if status is None:
                assert isinstance(found, ReportView), found
            else:
                assert isinstance(found, Rejection) and found.status == status, found

        return run

    def cancel_returns_stock(d: Any) -> None:
        who = customer(d, "ACME Ltd")
        product(d, "Widget", "9.99", 100)
        d.log_in_as(Role.CLERK)
        order = d.place_order(who, [("Widget", 3)])
        d.cancel(order.id)
        assert d.read_order(order.id).status == "cancelled"
        assert d.stock_of("Widget") == 100

    def low_stock(stock: int, listed: bool) -> Scenario:
        def run(d: Any) -> None:
            product(d, "Widget", "9.99", stock)
            d.log_in_as(Role.CLERK)
            found = d.low_stock()
            names = [level.product for level in found if isinstance(level, StockLevel)]
            assert ("Widget" in names) is listed, names

        return run

    def totals_by_day(d: Any) -> None:
        who = customer(d, "ACME Ltd")
        product(d, "Widget", "9.99", 100)
        product(d, "Gadget", "24.50", 100)
        for lines, day in (([("Widget", 2)], 1), ([("Gadget", 1)], 1), ([("Widget", 3)], 2)):
            arranged_order(d, Role.MANAGER, who, lines, 0, date(2024, 3, day))
        d.log_in_as(Role.MANAGER)
        found = report(d, "2024-03-01", "2024-03-31")
        day_is(found, "2024-03-01", 2, "48.93")
        day_is(found, "2024-03-02", 1, "32.97")
        assert found.grand_total == Decimal("81.90")

    def days_without_sales(d: Any) -> None:
        who = customer(d, "ACME Ltd")
        product(d, "Widget", "9.99", 100)
        arranged_order(d, Role.MANAGER, who, [("Widget", 3)], 0, date(2024, 3, 2))
        d.log_in_as(Role.MANAGER)
        found = report(d, "2024-03-01", "2024-03-03")
        day_is(found, "2024-03-01", 0, "0.00")
        day_is(found, "2024-03-02", 1, "32.97")
        day_is(found, "2024-03-03", 0, "0.00")
        assert found.grand_total == Decimal("32.97")

    def by_product(d: Any) -> None:
        who = customer(d, "华东贸易")
        product(d, "Widget", "9.99", 100)
        product(d, "保温杯", "35.00", 100)
        for lines, day in (([("Widget", 2)], 1), ([("Widget", 3)], 2), ([("保温杯", 1)], 2)):
            arranged_order(d, Role.MANAGER, who, lines, 0, date(2024, 3, day))
        d.log_in_as(Role.MANAGER)
        found = report(d, "2024-03-01", "2024-03-31")
        widget, cup = found.product("Widget"), found.product("保温杯")
        assert widget is not None and (widget.units, widget.revenue) == (5, Decimal("49.95"))
        assert cup is not None and (cup.units, cup.revenue) == (1, Decimal("35.00"))

    def unsold_left_out(d: Any) -> None:
        who = customer(d, "华东贸易")
        product(d, "Widget", "9.99", 100)
        product(d, "保温杯", "35.00", 100)
        arranged_order(d, Role.MANAGER, who, [("Widget", 2)], 0, date(2024, 3, 1))
        d.log_in_as(Role.MANAGER)
        found = report(d, "2024-03-01", "2024-03-31")
        widget = found.product("Widget")
        assert widget is not None and (widget.units, widget.revenue) == (2, Decimal("19.98"))
        assert found.product("保温杯") is None

    def one_product(d: Any) -> None:
        who = customer(d, "ACME Ltd")
        product(d, "Widget", "9.99", 100)
        d.log_in_as(Role.CLERK)
        order = d.place_order(who, [("Widget", 3)])
        assert d.read_order(order.id).status == "confirmed"
        assert d.read_order(order.id).total == Decimal("32.97")

    def several_products(d: Any) -> None:
        who = customer(d, "ACME Ltd")
        product(d, "Widget", "9.99", 100)
        product(d, "Gadget", "24.50", 100)
        d.log_in_as(Role.CLERK)
        order = d.place_order(who, [("Widget", 2), ("Gadget", 1)])
        assert len(d.read_order(order.id).lines) == 2
        assert d.read_order(order.id).total == Decimal("48.93")

    refused = [("clara", "wrong"), ("max", "clara-secret"), ("nobody", "secret"), ("clara", "")]
    return [
        ("REQ-401.AC-1 clara", log_in_works("clara", "clara-secret", "clerk")),
        ("REQ-401.AC-1 max", log_in_works("max", "max-secret", "manager")),
        *((f"REQ-401.AC-2 {user}/{pw or '-'}", log_in_refused(user, pw)) for user, pw in refused),
        ("REQ-401.AC-3", log_out),
        ("REQ-402.AC-4", approval_queue),
        ("REQ-403.AC-2", report_as(Role.CLERK, 403)),
        ("REQ-403.AC-3", report_as(Role.MANAGER, None)),
        ("REQ-202.AC-1", cancel_returns_stock),
        *((f"REQ-203.AC-3 {n}", low_stock(n, n < 10)) for n in (0, 9, 10, 100)),
        ("REQ-301.AC-1", totals_by_day),
        ("REQ-301.AC-3", days_without_sales),
        ("REQ-302.AC-1", by_product),
        ("REQ-302.AC-3", unsold_left_out),
        ("REQ-101.AC-1", one_product),
        ("REQ-101.AC-2", several_products),
    ]


def bare_worker(base_url: str, index: int, workers: int) -> int:
    """Run this worker's share of the scenarios in one browser, a fresh context each; return how many."""
    from playwright.sync_api import sync_playwright

    from fixtures.drivers.api import ApiDriver
    from fixtures.drivers.browser import BrowserDriver
    from uatkit.browsers import QUIET_ARGS, find_chromium
    from uatkit.pytest_plugin.http import ApiSession

    mine = _scenarios()[index::workers]
    with sync_playwright() as playwright:
        found = find_chromium("", reported=playwright.chromium.executable_path)
        if found is None:
            raise SystemExit("no Chromium found")
        launch: dict[str, Any] = {"headless": True, "args": list(QUIET_ARGS)}
        if not found.playwright_build:
            launch["executable_path"] = found.path
        browser = playwright.chromium.launch(**launch)
        for _name, scenario in mine:
            context = browser.new_context(base_url=base_url)
            page = context.new_page()
            with ApiSession(base_url) as http:
                driver = BrowserDriver(page, ApiDriver.open(http), base_url)
                scenario(driver)
                driver.close()
            context.close()
        browser.close()
    return len(mine)


def bare(workers: int) -> None:
    """Start the demo as a uatkit session does, run the scenarios in `workers` processes, print how many."""
    from uatkit.demo.process import spawn

    server = spawn(host="127.0.0.1", port=0)
    try:
        if workers == 1:
            passed = bare_worker(server.url, 0, 1)
        else:
            script = [sys.executable, __file__, "--bare-worker", server.url]
            children = [subprocess.Popen([*script, str(i), str(workers)]) for i in range(workers)]
            codes = [child.wait() for child in children]
            if any(codes):
                raise SystemExit(f"a bare worker failed: exit codes {codes}")
            passed = len(_scenarios())
    finally:
        server.stop()
    print(f"{passed} passed")


# --- the measurement ---------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, float, int]:
    """Return (wall seconds, CPU seconds of the process tree, passed) of one run; exit when it fails.

    The CPU time counts every process the run started and waited for (pytest or the script, its workers,
    Playwright's driver, the browsers, the demo system): on a shared machine it varies less than wall time.
    """
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, env=_env())
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    lines = done.stdout.strip().splitlines()
    match = SUMMARY.search(lines[-1]) if lines else None
    if done.returncode != 0 or not match:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed, cpu, int(match.group(1))


def uatkit_command(mode: str, workers: int) -> list[str]:
    """Return the pytest command of the demo suite's e2e level."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "--uatkit-level", "e2e"]
    command += ["--uatkit-tracing", mode]
    return command + (["-n", str(workers)] if workers > 1 else [])


def bare_command(workers: int) -> list[str]:
    """Return the command of the bare floor."""
    return [sys.executable, __file__, "--bare", str(workers)]


def measure(repeat: int, modes: list[str]) -> None:
    """Alternate the runs round by round and print the table."""
    walls: dict[tuple[str, int], list[float]] = {}
    cpus: dict[tuple[str, int], list[float]] = {}
    counts: dict[tuple[str, int], int] = {}
    kinds = ["bare", *modes]
    load_before = _load()
    for round_number in range(repeat + 1):  # round 0 warms the caches and is not counted
        for workers in (1, 2):
            for kind in kinds:
                command = bare_command(workers) if kind == "bare" else uatkit_command(kind, workers)
                elapsed, cpu, passed = timed(command)
                if round_number:
                    walls.setdefault((kind, workers), []).append(elapsed)
                    cpus.setdefault((kind, workers), []).append(cpu)
                    counts[(kind, workers)] = passed
    load_after = _load()
    print(
        f"{'run':<34} {'workers':>7} {'passed':>6} {'wall s':>7} {'× bare':>7} {'overhead s/scenario':>20} "
        f"{'CPU s':>7} {'CPU × bare':>10}"
    )
    ratios = {}
    for workers in (1, 2):
        floor = statistics.median(walls[("bare", workers)])
        cpu_floor = statistics.median(cpus[("bare", workers)])
        for kind in kinds:
            wall = statistics.median(walls[(kind, workers)])
            cpu = statistics.median(cpus[(kind, workers)])
            passed = counts[(kind, workers)]
            ratios[(kind, workers)] = wall / floor
            name = "bare Playwright" if kind == "bare" else f"uatkit, tracing {kind}"
            print(
                f"{name:<34} {workers:>7} {passed:>6} {wall:>7.2f} {wall / floor:>7.3f} "
                f"{(wall - floor) / passed:>20.3f} {cpu:>7.2f} {cpu / cpu_floor:>10.3f}"
            )
    for kind in kinds:
        serial, parallel = (statistics.median(walls[(kind, w)]) for w in (1, 2))
        print(f"{kind}: -n 2 takes {parallel / serial:.2f}× serial (wall)")
    print(f"load average (1 min) before {load_before}, after {load_after}; median of {repeat} rounds")
    worst = max(ratios[(modes[0], w)] for w in (1, 2))
    print(f"target uatkit (tracing {modes[0]}) ≤ {TARGET}× bare: {'met' if worst <= TARGET else 'NOT met'}")


def _load() -> str:
    path = Path("/proc/loadavg")
    return path.read_text().split()[0] if path.exists() else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="counted rounds (default 3, after a warm-up)")
    parser.add_argument(
        "--modes", default="retain-on-failure,off", help="uatkit tracing modes to time, comma-separated"
    )
    parser.add_argument("--quick", action="store_true", help="one counted round, the default mode only")
    parser.add_argument("--bare", type=int, metavar="WORKERS", help=argparse.SUPPRESS)
    parser.add_argument("--bare-worker", nargs=3, metavar=("URL", "INDEX", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # the demo project's drivers (fixtures/)
    if args.bare_worker:
        url, index, workers = args.bare_worker
        bare_worker(url, int(index), int(workers))
        return
    if args.bare:
        bare(args.bare)
        return
    modes = [m for m in args.modes.split(",") if m]
    if args.quick:
        measure(1, modes[:1])
    else:
        measure(args.repeat, modes)


if __name__ == "__main__":
    main()
