"""Time `uatkit trace` and `uatkit signoff` on a synthetic project against a bare read-and-join floor.

The project: stories (benchmarks/generate.py's catalogue, three criteria each: a plain scenario, an outline
of four rows, a manual one), their generated features, an Allure result per automated case row (as the
pytest plugin labels them, with steps and parameters), and a UAT ledger with one imported pack marking the
manual cases of three requirements in four. Each command runs as a subprocess; its peak memory is the
child's maxrss (RUSAGE_CHILDREN, read in a fresh process per run).

The floor, in a subprocess too, does what no traceability tool can skip and nothing else: it reads every
story file and feature file (the requirement IDs and case tags found by a regular expression), every
result file (json.loads, the case, case row and layer labels, status, message), joins results to cases and
cases to requirements by ID, and writes with the bare json module the data of the three outputs: one JSON
of every requirement with its cases and their results (traceability.json), and the same rows once more for
each of the page and the workbook. For `signoff` it writes one JSON of the counts instead. It reads no
ledger, checks no fingerprint, ranks no status and lays nothing out.

Usage: python benchmarks/trace.py [--requirements 1000] [--growth] [--repeat 3] [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import story_markdown

TRACE_TARGET = 2.0
SIGNOFF_TARGET = 1.5
MEMORY_TARGET_MB = 500
CRITERIA = 3
PYPROJECT = """
[tool.uatkit]
stories = ["stories"]
features = "features"
requirement_pattern = "REQ-[0-9]+"
default_levels = ["integration"]
requirement_url = "https://jira.example.com/browse/{id}"

[tool.uatkit.uat]
release = "R1"
project_name = "Benchmark project"
"""

FLOOR = r"""
import json, re, sys
from pathlib import Path

root, mode = Path(sys.argv[1]), sys.argv[2]
requirements = {}
for path in sorted((root / "stories").rglob("*.md")):
    text = path.read_text(encoding="utf-8")
    head = text.split("---", 2)[1]
    values = dict(line.split(":", 1) for line in head.strip().splitlines())
    title = next(line[2:] for line in text.splitlines() if line.startswith("# "))
    requirements[values["id"].strip()] = {
        "id": values["id"].strip(), "title": title, "module": values["module"].strip(),
        "priority": values["priority"].strip(), "cases": {},
    }
case_tag = re.compile(r"@case:(\S+)")
for path in sorted((root / "features").rglob("*.feature")):
    for case_id in case_tag.findall(path.read_text(encoding="utf-8")):
        requirement = requirements.get(case_id.partition(".")[0])
        if requirement is not None:
            requirement["cases"][case_id] = {"case_id": case_id, "results": {}}
for path in sorted((root / "reports" / "allure-results").glob("*-result.json")):
    data = json.loads(path.read_text(encoding="utf-8"))
    labels = {label["name"]: label["value"] for label in data.get("labels", ())}
    case_id = labels.get("case", "")
    case = requirements.get(case_id.partition(".")[0], {"cases": {}})["cases"].get(case_id)
    if case is not None:
        case["results"].setdefault(labels.get("layer", ""), []).append(
            {"key": labels.get("caseKey", ""), "status": data.get("status", ""),
             "message": (data.get("statusDetails") or {}).get("message", ""), "uuid": data.get("uuid", "")}
        )
rows = [{**r, "cases": list(r["cases"].values())} for r in requirements.values()]
out = root / "reports"
if mode == "trace":
    text = json.dumps({"requirements": rows}, ensure_ascii=False, indent=2)
    (out / "floor.json").write_text(text, encoding="utf-8")
    (out / "floor-page.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    cases = [{"requirement": r["id"], **c} for r in rows for c in r["cases"]]
    (out / "floor-book.json").write_text(json.dumps([rows, cases], ensure_ascii=False), encoding="utf-8")
else:
    counts = {}
    for r in rows:
        counts[r["priority"]] = counts.get(r["priority"], 0) + 1
    (out / "floor-signoff.json").write_text(json.dumps(counts), encoding="utf-8")
"""

MEASURE = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def _result(rng: random.Random, case_key: str, fingerprint: str, layer: str, run_id: str) -> dict:
    """Return one Allure result as the pytest plugin writes it: labels, links, parameters, steps."""
    case_id = case_key.partition("#")[0]
    requirement = case_id.partition(".")[0]
    status = "passed" if rng.random() < 0.93 else rng.choice(("failed", "broken"))
    start = 1_795_615_000_000 + rng.randint(0, 10_000_000)
    steps = [
        {"name": f"Given step {n} of {case_id}", "status": "passed", "start": start + n,
         "stop": start + n + 5, "stage": "finished", "steps": [], "attachments": [], "parameters": []}
        for n in range(4)
    ]  # fmt: skip
    return {
        "name": f"{case_id} A scenario of the benchmark [{layer}]",
        "status": status,
        "statusDetails": {"message": "AssertionError: expected 29.97, got 30.00", "trace": "Traceback …"}
        if status != "passed"
        else {},
        "stage": "finished",
        "steps": steps,
        "attachments": [],
        "parameters": [{"name": "row", "value": case_key.partition("#")[2] or "1"}],
        "start": start,
        "stop": start + 900,
        "uuid": hashlib.md5(f"{case_key}{layer}".encode()).hexdigest(),
        "historyId": hashlib.md5(f"{case_key}[{layer}]".encode()).hexdigest(),
        "testCaseId": hashlib.md5(f"{case_id}[{layer}]".encode()).hexdigest(),
        "fullName": f"features/{requirement}.feature:{case_key}",
        "labels": [
            {"name": "case", "value": case_id},
            {"name": "caseKey", "value": case_key},
            {"name": "fingerprint", "value": fingerprint},
            {"name": "layer", "value": layer},
            {"name": "runId", "value": run_id},
            {"name": "epic", "value": "Sales"},
            {"name": "feature", "value": f"{requirement} A requirement"},
            {"name": "story", "value": "AC-1 A criterion"},
            {"name": "severity", "value": "critical"},
            {"name": "tag", "value": f"case:{case_id}"},
            {"name": "framework", "value": "pytest-bdd"},
            {"name": "language", "value": "cpython3"},
        ],
        "links": [
            {"type": "tms", "url": f"https://jira.example.com/browse/{requirement}", "name": requirement}
        ],
    }


def build(root: Path, requirements: int) -> dict[str, int]:
    """Write the synthetic project under `root`; return how many stories, case rows and results it has."""
    from uatkit.config import load_config
    from uatkit.gherkin import sync
    from uatkit.project import load_project
    from uatkit.stories import load_catalogue

    (root / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT), encoding="utf-8")
    rng = random.Random(1)
    for number in range(1, requirements + 1):
        folder = root / "stories" / f"module-{number % 8}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"REQ-{number}.md").write_text(story_markdown(rng, number, CRITERIA), encoding="utf-8")
    config = load_config(root)
    sync.apply(sync.plan(load_catalogue(config), config))
    project = load_project(root)
    folder = root / "reports" / "allure-results"
    folder.mkdir(parents=True)
    run_id = "3f2a9c1e0a1b4c5d9e8f7a6b5c4d3e2f"
    results = 0
    for case in project.cases:
        for layer in ("unit", "integration", "e2e"):
            if layer in case.tags:
                data = _result(rng, case.key, case.fingerprint, layer, run_id)
                path = folder / f"{data['uuid']}-result.json"
                path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
                results += 1
    marks = _ledger(project, rng)
    return {"stories": requirements, "rows": len(project.cases), "results": results, "marks": marks}


def _ledger(project: object, rng: random.Random) -> int:
    """Import one returned pack marking the manual cases of three requirements in four; return the marks."""
    from uatkit.model import Mark, SignOff, SourceLocation, Status
    from uatkit.uat.ledger import Ledger
    from uatkit.uat.pack import PackInfo, PackRow, ReadPack

    cases = [c for c in project.cases if "manual" in c.tags]  # type: ignore[attr-defined]
    info = PackInfo("R1-all", "R1", "All", "Sales operations", "en", "Benchmark", dt.datetime(2026, 11, 24))
    rows = [PackRow(c.key, n, c.fingerprint) for n, c in enumerate(cases, 2)]
    marks = [
        Mark(c.key, rng.choice((Status.PASS,) * 8 + (Status.FAIL, Status.BLOCKED)), tester="Li Wei",
             date=dt.date(2026, 11, 25), fingerprint=c.fingerprint, pack_id=info.pack_id,
             source=SourceLocation("uat_packs/R1-all.xlsx", n))
        for n, c in enumerate(cases, 2)
        if int(c.requirement.partition("-")[2]) % 4
    ]  # fmt: skip
    read = ReadPack(
        Path("uat_packs/R1-all.xlsx"), "0" * 64, info, rows, marks,
        SignOff(info.pack_id, "Sales operations", None),
    )  # fmt: skip
    with Ledger.open(project.ledger_path) as ledger:  # type: ignore[attr-defined]
        ledger.import_pack(read)
    return len(marks)


def run(command: list[str]) -> tuple[float, float]:
    """Run `command` in a fresh measuring process; return its seconds and peak memory in MB."""
    found = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True
    ).stdout.split()
    seconds, peak, code = float(found[0]), int(found[1]), int(found[2])
    if code not in (0, 1):  # signoff exits 1 for NO-GO
        raise SystemExit(f"{' '.join(command)} exited {code}")
    return seconds, peak / 1024


def commands(root: Path) -> dict[str, list[str]]:
    """Return the commands measured, by name."""
    uatkit = str(Path(sys.executable).parent / "uatkit")
    floor = [sys.executable, "-c", FLOOR, str(root)]
    return {
        "floor (trace)": [*floor, "trace"],
        "uatkit trace --format json": [uatkit, "trace", "-C", str(root), "--format", "json"],
        "uatkit trace --no-write --format json": [
            uatkit, "trace", "-C", str(root), "--format", "json", "--no-write"
        ],
        "floor (signoff)": [*floor, "signoff"],
        "uatkit signoff": [uatkit, "signoff", "-C", str(root)],
    }  # fmt: skip


def measure(requirements: int, repeat: int, console: Console) -> dict[str, tuple[float, float]]:
    """Build a project of `requirements` stories and time each command in alternating rounds (median)."""
    with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
        root = Path(folder)
        start = time.perf_counter()
        sizes = build(root, requirements)
        console.print(
            f"{requirements:,} requirements: {sizes['rows']:,} case rows, {sizes['results']:,} results, "
            f"{sizes['marks']:,} UAT marks (built in {time.perf_counter() - start:.0f} s)"
        )
        named = commands(root)
        times: dict[str, list[float]] = {name: [] for name in named}
        peaks: dict[str, list[float]] = {name: [] for name in named}
        for _ in range(repeat):
            for name, command in named.items():
                seconds, peak = run(command)
                times[name].append(seconds)
                peaks[name].append(peak)
        return {name: (statistics.median(times[name]), max(peaks[name])) for name in named}


def profile(requirements: int) -> None:
    """Profile `uatkit trace` in process (cProfile) and print where the time goes."""
    import cProfile
    import io
    import pstats

    from uatkit.cli import app

    with tempfile.TemporaryDirectory(prefix="uatkit-bench-") as folder:
        root = Path(folder)
        build(root, requirements)
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            app(["trace", "-C", str(root), "--format", "json"], standalone_mode=False)
        finally:
            profiler.disable()
        for order in ("cumulative", "tottime"):
            buffer = io.StringIO()
            pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order).print_stats(30)
            print(f"uatkit trace, by {order}", buffer.getvalue().split("\n", 4)[-1], sep="\n")


def _ratio_table(title: str, found: dict[str, tuple[float, float]], requirements: int) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("command", "seconds", "ms per requirement", "× floor", "peak MB", "KiB per requirement"):
        table.add_column(name, justify="left" if name == "command" else "right")
    for name, (seconds, peak) in found.items():
        floor = found["floor (signoff)" if "signoff" in name else "floor (trace)"][0]
        table.add_row(
            name,
            f"{seconds:.2f}",
            f"{seconds * 1000 / requirements:.2f}",
            f"{seconds / floor:.2f}",
            f"{peak:.0f}",
            f"{peak * 1024 / requirements:.1f}",
        )
    return table


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables; exit 1 when a target is missed at the largest size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=int, default=1000, help="stories at ×1 (default 1000)")
    parser.add_argument("--growth", action="store_true", help="also measure ×4 and ×16 (a growth table)")
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds; the median counts")
    parser.add_argument("--quick", action="store_true", help="250 requirements, one round, no growth")
    parser.add_argument("--profile", action="store_true", help="profile uatkit trace with cProfile")
    args = parser.parse_args(argv)
    if args.quick:
        args.requirements, args.repeat, args.growth = 250, 1, False
    console = Console()
    if args.profile:
        profile(args.requirements)
        return 0
    console.print(f"load average before: {Path('/proc/loadavg').read_text().split()[0]}")
    sizes = [args.requirements * factor for factor in ((1, 4, 16) if args.growth else (1,))]
    found = {size: measure(size, args.repeat, console) for size in sizes}
    for size in sizes:
        console.print(_ratio_table(f"{size:,} requirements, median of {args.repeat}", found[size], size))
    if len(sizes) > 1:
        growth = Table(title="Growth: ms per requirement (flat = linear)", title_justify="left")
        growth.add_column("command")
        for size in sizes:
            growth.add_column(f"{size:,}", justify="right")
            growth.add_column("MB", justify="right")
        for name in found[sizes[0]]:
            growth.add_row(
                name,
                *(
                    part
                    for size in sizes
                    for part in (f"{found[size][name][0] * 1000 / size:.2f}", f"{found[size][name][1]:.0f}")
                ),
            )
        console.print(growth)
    largest = found[sizes[-1]]
    trace = largest["uatkit trace --format json"][0] / largest["floor (trace)"][0]
    signoff = largest["uatkit signoff"][0] / largest["floor (signoff)"][0]
    peak = max(largest["uatkit trace --format json"][1], largest["uatkit signoff"][1])
    met = trace <= TRACE_TARGET and signoff <= SIGNOFF_TARGET and peak <= MEMORY_TARGET_MB
    console.print(
        f"at {sizes[-1]:,} requirements: trace/floor = {trace:.2f} (target ≤ {TRACE_TARGET:g}), "
        f"signoff/floor = {signoff:.2f} (target ≤ {SIGNOFF_TARGET:g}), peak {peak:.0f} MB "
        f"(target ≤ {MEMORY_TARGET_MB}): {'met' if met else 'MISSED'}",
        soft_wrap=True,
    )
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"load average after: {Path('/proc/loadavg').read_text().split()[0]}; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
