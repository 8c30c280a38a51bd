"""Time `uatkit check` on a synthetic QA project against pytest collecting the same project.

Usage: python benchmarks/check.py [--stories 1000] [--repeat 3] [--growth] [--quick] [--profile]

The script writes a QA project to a temporary folder: the Markdown stories of benchmarks/generate.py (five
criteria each: plain scenarios, an outline with four rows, a manual one; every tenth story in zh-CN), the
features `uatkit generate` writes from them, step definitions for all but two step phrasings (so the check
has undefined steps to find, in English and in Chinese), filler step definitions and fixtures as a real
project has, and a test module calling `scenarios()`. It then alternates, `--repeat` times:

- floor: `pytest --collect-only -q` of the steps folder, in a subprocess: pytest importing the step modules
  and pytest-bdd parsing every feature into tests is what any answer to "which steps have no definition, and
  which scenarios no test binds" has to pay, since the answer depends on pytest's fixture visibility;
- check (cold): `uatkit check --format json` with no step-check cache (its pytest session runs);
- check (warm): the same again, the cache valid (no file changed since the cold run).

Every check must report the same undefined steps (the two phrasings left undefined, once each, with every
use). `--growth` measures 250, 1,000 and 4,000 stories (×1, ×4, ×16; `--quick`: 125, 500, 2,000).
Exit 1 when the cold check misses its target (≤ 2× the floor at the largest size).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from generate import build_project
from uatkit.config import load_config
from uatkit.gherkin import sync
from uatkit.stories import load_catalogue

TARGET = 2.0
FILLER_MODULES = 4
FILLER_STEPS = 12
FILLER_FIXTURES = 10
#: the step phrasings the project leaves undefined: an English Then and a Chinese 那么
UNDEFINED = ("the report lists", "低库存清单")
SCRUBBED_ENV = (
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTHONDONTWRITEBYTECODE",
)

PYPROJECT = """\
[tool.uatkit]
stories = ["stories"]
features = "features"

[tool.pytest.ini_options]
testpaths = ["steps"]
"""

TEST_MODULE = '''\
"""Bind every generated feature to pytest."""

from pytest_bdd import scenarios

scenarios("../features")
'''

SHOP = '''\
"""Steps of the shop: customers, products, orders and what the order shows."""

from pytest_bdd import given, parsers, then, when


@given(parsers.parse('a customer "{name}" exists'))
def customer(name):
    return name


@given(parsers.parse('the product "{product}" costs {price} with {stock:d} in stock'))
def product(product, price, stock):
    return product


@given(parsers.parse("I am logged in as a {role}"))
def logged_in(role):
    return role


@when(parsers.parse('I place an order for {quantity:d} "{product}" with a discount of {discount:d}%'))
def order_with_discount(quantity, product, discount):
    return quantity


@when(parsers.parse('I {verb} {thing} for {quantity:d} "{product}"'))
def act(verb, thing, quantity, product):
    return verb


@when("I enter the lines")
def enter_lines(datatable):
    return datatable


@then(parsers.parse("the order total is {total}"))
def order_total(total):
    return total


@then(parsers.parse('the status of the order is "{status}"'))
def order_status(status):
    return status


@then(parsers.parse('the stock of "{product}" is {count:d}'))
def stock_is(product, count):
    return count


@then(parsers.parse('I see the message "{message}"'))
def message(message):
    return message


@then(parsers.parse('an e-mail is sent to "{customer}"'))
def email_sent(customer):
    return customer
'''

STOCK = '''\
"""库存步骤 (Chinese steps of the stock room)."""

from pytest_bdd import given, parsers, then, when


@given(parsers.parse('产品 "{product}" 单价 {price}，库存 {stock:d}'))
def product_zh(product, price, stock):
    return product


@given("我以店员身份登录")
def clerk_zh():
    return "clerk"


@when(parsers.parse('我为 "{product}" 入库 {count:d} 件'))
def receive_zh(product, count):
    return count


@then(parsers.parse('"{product}" 的库存为 {count:d}'))
def stock_zh(product, count):
    return count


@when("我查看低库存清单")
def low_stock_zh():
    return []
'''


def _filler(module: int) -> str:
    """Return a module of step definitions and fixtures no feature uses, as a real project has many."""
    lines = [
        '"""Steps and fixtures of other areas."""',
        "",
        "import pytest",
        "from pytest_bdd import given, parsers, then, when",
    ]
    kinds = ("given", "when", "then")
    for number in range(FILLER_STEPS):
        kind, noun = kinds[number % 3], f"item{module}x{number}"
        lines += [
            "",
            "",
            f'@{kind}(parsers.re(r"the {noun} number (?P<n>\\d+) is (?P<state>open|closed)"))',
            f"def {kind}_{noun}(n, state):",
            "    return n",
        ]
    for number in range(FILLER_FIXTURES):
        lines += ["", "", "@pytest.fixture", f"def area{module}_fixture{number}():", f"    return {number}"]
    return "\n".join(lines) + "\n"


def build_check_project(root: Path, stories: int) -> None:
    """Write the stories, their generated features, the step definitions and the test module under `root`."""
    build_project(root, stories, 5)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    config = load_config(root)
    sync.apply(sync.plan(load_catalogue(config), config))
    steps = root / "steps"
    steps.mkdir()
    (steps / "__init__.py").write_text("", encoding="utf-8")
    (steps / "shop.py").write_text(SHOP, encoding="utf-8")
    (steps / "stock.py").write_text(STOCK, encoding="utf-8")
    plugins = ["steps.shop", "steps.stock"]
    for module in range(FILLER_MODULES):
        (steps / f"area{module}.py").write_text(_filler(module), encoding="utf-8")
        plugins.append(f"steps.area{module}")
    (steps / "test_features.py").write_text(TEST_MODULE, encoding="utf-8")
    (root / "conftest.py").write_text(f"pytest_plugins = {plugins!r}\n", encoding="utf-8")


def environment(root: Path) -> dict[str, str]:
    """Return the children's environment: no outside pytest settings, bytecode kept out of the repository."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONPYCACHEPREFIX"] = str(root.parent / "pycache")
    return env


def collect_only(root: Path) -> float:
    """Time `pytest --collect-only -q` of the project (the floor); check it collected the scenarios."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
    ]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "steps"], cwd=root, capture_output=True, text=True, env=environment(root)
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0 or "test_features.py::" not in done.stdout:
        raise SystemExit(f"pytest --collect-only failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds


def uatkit_check(root: Path) -> tuple[float, dict[str, int]]:
    """Time `uatkit check --format json`; return it and each undefined phrasing with its number of uses."""
    command = [sys.executable, "-c", "from uatkit.cli import main; main()", "check", "--format", "json"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, env=environment(root))
    seconds = time.perf_counter() - start
    if done.returncode != 1:
        raise SystemExit(
            f"uatkit check exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    findings = json.loads(done.stdout)["findings"]
    kinds = {f["kind"] for f in findings}
    if kinds != {"undefined step"}:
        raise SystemExit(f"unexpected findings: {sorted(kinds)}")
    uses: dict[str, int] = {}
    for finding in findings:
        phrasing = next(p for p in UNDEFINED if finding["text"].startswith(p))
        uses[phrasing] = uses.get(phrasing, 0) + finding["count"]
    return seconds, uses


def clear_cache(root: Path) -> None:
    """Remove the step check's cache, so the next check runs its pytest session."""
    shutil.rmtree(root / ".uatkit", ignore_errors=True)


def measure(root: Path, repeat: int) -> dict[str, float]:
    """Alternate floor, cold and warm check `repeat` times; return each one's median seconds."""
    times: dict[str, list[float]] = {"floor": [], "cold": [], "warm": []}
    expected: dict[str, int] | None = None
    for _ in range(repeat):
        times["floor"].append(collect_only(root))
        clear_cache(root)
        for name in ("cold", "warm"):
            seconds, uses = uatkit_check(root)
            times[name].append(seconds)
            expected = expected or uses
            if uses != expected or set(uses) != set(UNDEFINED):
                raise SystemExit(f"the {name} check found other undefined steps: {uses} (first: {expected})")
    return {name: statistics.median(values) for name, values in times.items()}


def profile_check(root: Path) -> None:
    """Print where the step check's pytest session spends its time (run in this process)."""
    import pytest

    clear_cache(root)
    out = root.parent / "missing.json"
    profiler = cProfile.Profile()
    cwd = Path.cwd()
    os.chdir(root)
    try:
        profiler.runcall(
            pytest.main, ["-q", "-p", "no:cacheprovider", f"--uatkit-missing-steps={out}", "steps"]
        )
    finally:
        os.chdir(cwd)
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order).print_stats(18)
        print(f"step check session, by {order}", buffer.getvalue().split("\n", 4)[-1], sep="\n")


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def main(argv: list[str] | None = None) -> int:
    """Build the project(s), measure, print the tables; exit 1 when the cold check misses its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000, help="number of stories (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median counts (default 3)")
    parser.add_argument("--growth", action="store_true", help="measure ×1, ×4, ×16 sizes (250 … 4,000)")
    parser.add_argument("--quick", action="store_true", help="with --growth: 125, 500, 2,000 stories")
    parser.add_argument("--profile", action="store_true", help="profile the step check's pytest session")
    args = parser.parse_args(argv)
    console = Console()
    base = 125 if args.quick else 250
    sizes = [base, base * 4, base * 16] if args.growth else [args.stories]
    console.print(f"load average (1 min) before: {_load()}")
    results: list[tuple[int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="uatkit-bench-check-") as folder:
        for size in sizes:
            root = Path(folder) / f"project-{size}"
            root.mkdir()
            build_check_project(root, size)
            if args.profile:
                profile_check(root)
            results.append((size, measure(root, args.repeat)))
            shutil.rmtree(root)
    table = Table(title=f"uatkit check, median of {args.repeat} (2 cores shared)", title_justify="left")
    for column in (
        "stories",
        "floor: pytest --collect-only s",
        "check cold s",
        "check warm s",
        "cold × floor",
        "warm × floor",
        "cold ms/story",
    ):
        table.add_column(column, justify="right")
    for size, times in results:
        table.add_row(
            f"{size:,}",
            f"{times['floor']:.2f}",
            f"{times['cold']:.2f}",
            f"{times['warm']:.2f}",
            f"{times['cold'] / times['floor']:.2f}",
            f"{times['warm'] / times['floor']:.2f}",
            f"{times['cold'] * 1000 / size:.2f}",
        )
    console.print(table)
    console.print(f"load average (1 min) after: {_load()}; Python {platform.python_version()}")
    largest = results[-1][1]
    met = largest["cold"] <= TARGET * largest["floor"]
    console.print(
        f"target: cold check ≤ {TARGET:g}× floor at {results[-1][0]:,} stories: {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
