"""Time `uatkit generate` on a large synthetic catalogue against gherkin-official parsing the same features.

Usage: python benchmarks/generate.py [--stories 1000] [--criteria 5] [--repeat 5] [--write] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gherkin.parser import Parser
from rich.console import Console
from rich.table import Table

from uatkit.config import Config
from uatkit.gherkin import sync
from uatkit.gherkin.render import render_feature
from uatkit.model import Catalogue
from uatkit.stories import load_catalogue

TARGET = 2.0
MODULES = ("Sales", "Inventory", "Reporting", "Access control", "Billing", "Shipping", "Customers", "Returns")
ROLES = ("sales clerk", "warehouse manager", "store manager", "customer", "bookkeeper", "support agent")
PRODUCTS = ("Widget", "Gadget", "Sprocket", "Flange", "Gizmo", "Doohickey", "Bracket", "Valve")
CUSTOMERS = ("ACME Ltd", "Globex", "Initech", "Umbrella plc", "Stark Industries", "华东贸易")
VERBS = ("place", "confirm", "cancel", "ship", "invoice", "return", "approve", "archive")
THINGS = ("an order", "a delivery", "a refund", "a price list", "a stock count", "a credit note")
OUTCOMES = (
    "the order total is {n}.{m:02d}",
    'the status of the order is "{word}"',
    'the stock of "{product}" is {n}',
    'I see the message "{word} saved"',
    "the report lists {n} lines",
    'an e-mail is sent to "{customer}"',
)
WORDS = ("confirmed", "pending", "shipped", "cancelled", "approved", "draft")
ZH_STORY = """---
id: REQ-{number}
module: {module}
priority: should
levels: [unit, integration]
language: zh-CN
---
# 第 {number} 号需求：订单处理与库存提醒

作为仓库管理员
我想要登记到货，并随时看到库存不足的产品
以便及时补货，不耽误发货
"""


def _given(rng: random.Random) -> list[str]:
    product = rng.choice(PRODUCTS)
    return [
        f'Given a customer "{rng.choice(CUSTOMERS)}" exists',
        f'And the product "{product}" costs {rng.randint(1, 99)}.{rng.randint(0, 99):02d} '
        f"with {rng.randint(0, 500)} in stock",
        f"And I am logged in as a {rng.choice(ROLES)}",
    ]


def _outcome(rng: random.Random) -> str:
    return rng.choice(OUTCOMES).format(
        n=rng.randint(1, 999),
        m=rng.randint(0, 99),
        word=rng.choice(WORDS),
        product=rng.choice(PRODUCTS),
        customer=rng.choice(CUSTOMERS),
    )


def _plain(rng: random.Random, number: int) -> list[str]:
    lines = [f"## AC-{number} {rng.choice(VERBS).capitalize()} {rng.choice(THINGS)} as a {rng.choice(ROLES)}"]
    lines += _given(rng)
    lines.append(
        f'When I {rng.choice(VERBS)} {rng.choice(THINGS)} for {rng.randint(1, 20)} "{rng.choice(PRODUCTS)}"'
    )
    if rng.random() < 0.3:
        # A data table has no |---| row: with one, the validator reads it as an examples table.
        lines += ["And I enter the lines", "| product | quantity |"]
        lines += [f"| {rng.choice(PRODUCTS)} | {rng.randint(1, 50)} |" for _ in range(rng.randint(2, 4))]
    lines.append(f"Then {_outcome(rng)}")
    lines += [f"And {_outcome(rng)}" for _ in range(rng.randint(0, 2))]
    return lines


def _outline(rng: random.Random, number: int) -> list[str]:
    lines = [f"## AC-{number} Discounts depend on the order total  @e2e"]
    lines += _given(rng)
    lines += [
        'When I place an order for <quantity> "Widget" with a discount of <discount>%',
        "Then the order total is <total>",
        'And the status of the order is "<status>"',
        "",
        "| quantity | discount | total  | status    |",
        "| -------- | -------- | ------ | --------- |",
    ]
    for _ in range(4):
        quantity, discount = rng.randint(1, 40), rng.choice((0, 5, 10, 15))
        total = quantity * 9.99 * (100 - discount) / 100
        lines.append(f"| {quantity} | {discount} | {total:.2f} | {rng.choice(WORDS)} |")
    return lines


def _manual(rng: random.Random, number: int) -> list[str]:
    return [
        f"## AC-{number} The {rng.choice(THINGS)[2:]} page is easy to read on a tablet  @manual @uat",
        f"On the shop floor tablet the page for {rng.choice(THINGS)} is legible at arm's length,",
        "the most urgent items come first and every line shows the product name and quantity.",
        f"A {rng.choice(ROLES)} can finish the task without scrolling sideways.",
    ]


def _zh_plain(rng: random.Random, number: int) -> list[str]:
    product, stock, received = rng.choice(PRODUCTS), rng.randint(0, 90), rng.randint(1, 90)
    return [
        f"## AC-{number} 到货入库会增加库存",
        f'假如 产品 "{product}" 单价 {rng.randint(1, 99)}.99，库存 {stock}',
        "而且 我以店员身份登录",
        f'当 我为 "{product}" 入库 {received} 件',
        f'那么 "{product}" 的库存为 {stock + received}',
    ]


def _zh_outline(rng: random.Random, number: int) -> list[str]:
    lines = [
        f"## AC-{number} 库存少于 10 件的产品出现在低库存清单中  @e2e",
        '假如 产品 "Widget" 单价 9.99，库存 <库存>',
        "而且 我以店员身份登录",
        "当 我查看低库存清单",
        '那么 低库存清单<结果> "Widget"',
        "",
        "| 库存 | 结果   |",
        "|------|--------|",
    ]
    for _ in range(4):
        stock = rng.randint(0, 30)
        lines.append(f"| {stock} | {'包含' if stock < 10 else '不包含'} |")
    return lines


def _zh_manual(rng: random.Random, number: int) -> list[str]:
    return [
        f"## AC-{number} 低库存清单在仓库平板上清晰易读  @manual @uat",
        "仓库的平板电脑上，低库存清单的字号足够大，站在一臂之外也能看清。",
        f"库存最少的产品排在最前面，每行显示产品名称和当前库存，最多 {rng.randint(10, 50)} 行。",
    ]


def _head(rng: random.Random, number: int) -> list[str]:
    role, verb, thing = rng.choice(ROLES), rng.choice(VERBS), rng.choice(THINGS)
    return [
        "---",
        f"id: REQ-{number}",
        f"module: {rng.choice(MODULES)}",
        f"priority: {rng.choice(('must', 'should', 'could'))}",
        "levels: [integration]",
        f"owner: {rng.choice(('Sales', 'Finance', 'Warehouse', 'IT'))}",
        "---",
        f"# {verb.capitalize()} {thing} for an existing customer ({number})",
        "",
        f"As a {role}",
        f"I want to {verb} {thing} for a customer who already exists",
        f"So that the {rng.choice(('customer', 'warehouse', 'accountant'))} gets what was agreed on time",
    ]


def story_markdown(rng: random.Random, number: int, criteria: int) -> str:
    """Return one story as Markdown: plain scenarios, one outline with four rows and one manual criterion."""
    chinese = number % 10 == 0
    head = (
        ZH_STORY.format(number=number, module=rng.choice(MODULES)).splitlines()
        if chinese
        else _head(rng, number)
    )
    makers = {
        "plain": _zh_plain if chinese else _plain,
        "outline": _zh_outline if chinese else _outline,
        "manual": _zh_manual if chinese else _manual,
    }
    kinds = ["plain"] * max(criteria - 2, 0) + ["outline", "manual"][: min(criteria, 2)]
    body: list[str] = []
    for index, kind in enumerate(kinds, start=1):
        body += ["", *makers[kind](rng, index)]
    return "\n".join(head + body) + "\n"


def build_project(root: Path, stories: int, criteria: int) -> Config:
    """Write the synthetic catalogue under `root` and return a Config for it."""
    rng = random.Random(1)
    for number in range(1, stories + 1):
        folder = root / "stories" / f"module-{number % 8}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"REQ-{number}.md").write_text(story_markdown(rng, number, criteria), encoding="utf-8")
    return Config(root=root)


def render_all(catalogue: Catalogue) -> list[str]:
    """Render every story's feature, as `uatkit generate` does before writing."""
    return [render_feature(story, story.source.path) for story in catalogue.stories]


def parse_all(texts: list[str]) -> None:
    """Parse every feature with gherkin-official, a new parser per file as uatkit does."""
    for text in texts:
        Parser().parse(text)


def median_time(action: Callable[[], object], repeat: int, before: Callable[[], None] | None = None) -> float:
    """Return the median wall time of `action` in seconds over `repeat` runs."""
    times: list[float] = []
    for _ in range(repeat):
        if before is not None:
            before()
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
        # Plain print: rich would wrap pstats' wide columns.
        print(f"{title}, by {order}", buffer.getvalue().split("\n", 4)[-1], sep="\n")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; exit 1 when generation misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000, help="number of stories (default 1000)")
    parser.add_argument("--criteria", type=int, default=5, help="criteria per story (default 5)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs per measurement; the median counts (default 5)"
    )
    parser.add_argument(
        "--write", action="store_true", help="also time plan + apply writing the feature files"
    )
    parser.add_argument("--profile", action="store_true", help="profile generation and parsing with cProfile")
    args = parser.parse_args(argv)
    console = Console()
    with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
        root = Path(folder)
        config = build_project(root, args.stories, args.criteria)
        catalogue = load_catalogue(config)
        texts = render_all(catalogue)
        rows: list[tuple[str, float]] = [
            (
                "generation (load_catalogue + render)",
                median_time(lambda: render_all(load_catalogue(config)), args.repeat),
            ),
            ("render alone", median_time(lambda: render_all(catalogue), args.repeat)),
            ("parse (gherkin-official, baseline)", median_time(lambda: parse_all(texts), args.repeat)),
        ]
        if args.write:

            def clean() -> None:
                shutil.rmtree(config.features_dir, ignore_errors=True)

            def write() -> None:
                sync.apply(sync.plan(load_catalogue(config), config))

            rows.append(("generate, writing every file", median_time(write, args.repeat, before=clean)))
            rows.append(("generate again, all unchanged", median_time(write, args.repeat)))
        if args.profile:
            profile(lambda: render_all(load_catalogue(config)), "generation")
            profile(lambda: parse_all(texts), "parse")
    generation, render, parse = (seconds for _, seconds in rows[:3])
    table = Table(
        title=f"uatkit generate: {args.stories:,} stories × {args.criteria} criteria, "
        f"median of {args.repeat}",
        title_justify="left",
    )
    table.add_column("measurement")
    table.add_column("seconds", justify="right")
    table.add_column("ms per story", justify="right")
    table.add_column("× parse", justify="right")
    for name, seconds in rows:
        table.add_row(
            name, f"{seconds:.3f}", f"{seconds * 1000 / args.stories:.3f}", f"{seconds / parse:.2f}"
        )
    console.print(table)
    console.print(f"features: {len(texts):,}, {sum(map(len, texts)) / 1e6:.1f} M characters")
    console.print(f"Python {platform.python_version()} on {platform.machine()}")
    met = generation <= TARGET * parse
    console.print(
        f"target: generation ≤ {TARGET:g}× parse — generation/parse = {generation / parse:.2f}, "
        f"render/parse = {render / parse:.2f}: {'met' if met else 'MISSED'}",
        soft_wrap=True,
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
