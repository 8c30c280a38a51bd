"""`uatkit report` at growing sizes against the Allure 3 CLI alone on the same results.

    .venv/bin/python benchmarks/report_size.py [--sizes 5000,20000,80000] [--repeat 3] [--profile]

For each size it writes synthetic Allure results (labels, links, nested steps, a small attachment on one
result in ten, a retry on one in fifty) into a temporary folder, then, in alternating rounds, runs
(a) the project's pinned Allure CLI alone on those results, in the mode `uatkit report` picks for them, and
(b) `uatkit report` on a project whose `[tool.uatkit.report] results` points at them. It also times
uatkit's merge on its own (the step before the CLI) and, as its floor, a bare copy of the same files.
Wall time is the median of the rounds; peak memory is the largest resident set of the measured process
tree (GNU time's "Maximum resident set size"). Needs `npm ci` in the repository (the Allure CLI).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIME = "/usr/bin/time"
MODULES = ("Sales", "Inventory", "Reporting", "Access control", "Billing", "Shipping", "Customers", "Returns")
LAYERS = ("unit", "integration", "e2e", "uat")
STATUSES = ("passed",) * 16 + ("failed", "broken", "skipped")
STEPS = (
    'Given a customer "ACME Ltd" exists',
    'And the product "Widget" costs 9.99',
    'When I place an order for 3 "Widget"',
    "Then the order total is 29.97",
    'And I see the message "Order saved"',
)
#: Measures one command in a child: wall seconds and the process tree's peak resident set.
_MERGE = """
import sys, time
from pathlib import Path
from uatkit.allure.generate import report_environment
from uatkit.project import load_project
from uatkit.trace.evidence import merge_and_declare
project = load_project(Path(sys.argv[1]))
started = time.perf_counter()
merge_and_declare(project, [Path(sys.argv[2])], report_environment(project.config, commit=""), None)
print(f"elapsed {time.perf_counter() - started:.6f}")
"""
_COPY = """
import json, os, sys, time
from pathlib import Path
source, target = Path(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
target.mkdir()
for entry in os.scandir(source):
    data = Path(entry.path).read_bytes()
    if entry.name.endswith("-result.json"):
        json.loads(data)
    (target / entry.name).write_bytes(data)
print(f"elapsed {time.perf_counter() - started:.6f}")
"""


def write_results(folder: Path, count: int, seed: int = 7) -> int:
    """Write `count` tests' results (plus retries and attachments) into `folder`; return the bytes written."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    total = 0
    for number in range(count):
        requirement = 100 + number // 5
        criterion = number % 5 + 1
        layer = LAYERS[number % len(LAYERS)]
        module = MODULES[requirement % len(MODULES)]
        history = uuid.uuid5(uuid.NAMESPACE_URL, f"case-{number}").hex
        for retry in range(2 if number % 50 == 0 else 1):
            total += _write_result(folder, rng, number, retry, requirement, criterion, layer, module, history)
    return total


def _write_result(
    folder: Path,
    rng: random.Random,
    number: int,
    retry: int,
    requirement: int,
    criterion: int,
    layer: str,
    module: str,
    history: str,
) -> int:
    start = 1_700_000_000_000 + number * 1_000 + retry * 500
    status = "failed" if retry == 0 and number % 50 == 0 else rng.choice(STATUSES)
    steps = []
    for n, text in enumerate(STEPS):
        steps.append(
            {
                "name": text,
                "status": "passed",
                "start": start + n * 10,
                "stop": start + n * 10 + 9,
                "steps": [
                    {"name": f"call {module.lower()} API", "status": "passed", "start": start, "stop": start}
                ]
                if n == 2
                else [],
                "parameters": [{"name": "quantity", "value": str(rng.randint(1, 9))}] if n == 2 else [],
            }
        )
    written = 0
    attachments = []
    if number % 10 == 0:
        source = f"{uuid.UUID(int=rng.getrandbits(128))}-attachment.txt"
        body = ("GET /api/orders 200 OK\n" * 40).encode()
        (folder / source).write_bytes(body)
        written += len(body)
        attachments.append({"name": "HTTP log", "source": source, "type": "text/plain"})
    case = f"REQ-{requirement}.AC-{criterion}"
    data = {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
        "historyId": history,
        "testCaseId": history,
        "fullName": f"features/req_{requirement}.feature:AC-{criterion} [{layer}]",
        "name": f"AC-{criterion} Order total includes every line [{layer}]",
        "status": status,
        "statusDetails": {"message": "AssertionError: expected 29.97, got 29.96", "trace": "Traceback ..."}
        if status in ("failed", "broken")
        else {},
        "stage": "finished",
        "steps": steps,
        "attachments": attachments,
        "parameters": [],
        "labels": [
            {"name": "epic", "value": module},
            {"name": "feature", "value": f"REQ-{requirement} Place an order for an existing customer"},
            {"name": "story", "value": f"AC-{criterion} Order total includes every line"},
            {"name": "layer", "value": layer},
            {"name": "severity", "value": "critical"},
            {"name": "case", "value": case},
            {"name": "tag", "value": f"REQ-{requirement}"},
            {"name": "host", "value": "ci-runner-3"},
            {"name": "framework", "value": "pytest-bdd"},
            {"name": "language", "value": "cpython3"},
        ],
        "links": [
            {
                "type": "tms",
                "name": f"REQ-{requirement}",
                "url": f"https://jira.example.com/browse/REQ-{requirement}",
            },
            *(
                [
                    {
                        "type": "issue",
                        "name": f"BUG-{number}",
                        "url": f"https://jira.example.com/browse/BUG-{number}",
                    }
                ]
                if status == "failed"
                else []
            ),
        ],
        "start": start,
        "stop": start + 99,
    }
    text = json.dumps(data, ensure_ascii=False)
    (folder / f"{data['uuid']}-result.json").write_text(text, encoding="utf-8")
    return written + len(text)


def make_project(root: Path, results: Path) -> Path:
    """Write a QA project whose report merges `results`, with the repository's Allure CLI."""
    project = root / "project"
    (project / "stories").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        "[tool.uatkit]\n"
        'stories = ["stories"]\n'
        'requirement_pattern = "REQ-[0-9]+"\n'
        "[tool.uatkit.report]\n"
        f"results = [{json.dumps(str(results))}]\n",
        encoding="utf-8",
    )
    (project / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return project


def measured(command: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Run a command under GNU time; return (wall seconds, CPU seconds, peak resident MB, its stdout).

    CPU is user + system time of the whole process tree: on a shared machine the steadier figure.
    """
    started = time.perf_counter()
    done = subprocess.run([TIME, "-v", *command], cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    inner = re.search(r"^elapsed ([0-9.]+)$", done.stdout, re.M)
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)", done.stderr))
    wall = float(inner.group(1)) if inner else elapsed
    return wall, cpu, (int(peak.group(1)) / 1024 if peak else 0.0), done.stdout


def allure_alone(project: Path, results: Path, out: Path, single_file: bool) -> list[str]:
    """Return the Allure CLI command as uatkit runs it, on the raw results, with uatkit's configuration."""
    from uatkit.allure.generate import allure_config

    settings = out.parent / f"{out.name}.allurerc.json"
    history = out.parent / f"{out.name}-history.jsonl"
    history.unlink(missing_ok=True)
    config = allure_config(name="bench", output=out, history=history, single_file=single_file)
    settings.write_text(json.dumps(config), encoding="utf-8")
    npx = shutil.which("npx") or "npx"
    return [
        npx,
        "--no-install",
        "allure",
        "generate",
        str(results),
        "-o",
        str(out),
        "--config",
        str(settings),
    ]


def picked_mode(project: Path) -> tuple[bool, str]:
    """Return the mode `uatkit report` picks for the project's results (single file?) and why.

    It merges them as the report does (retries collapse) and measures the merged folder.
    """
    from uatkit.allure.generate import plan_report, report_environment
    from uatkit.project import load_project
    from uatkit.trace.evidence import merge_and_declare

    loaded = load_project(project)
    folders = [project / folder for folder in loaded.config.report.results]
    merge_and_declare(loaded, folders, report_environment(loaded.config, commit=""), None)
    mode = plan_report(loaded.config, loaded.merged_results, loaded.report_history, None)
    return mode.single_file, mode.reason


def run_size(size: int, repeat: int, base: Path, no_copy: bool = False) -> dict[str, object]:
    """Measure one size; return its row."""
    folder = base / f"size-{size}"
    results = folder / "results"
    started = time.perf_counter()
    written = write_results(results, size)
    made = time.perf_counter() - started
    files = sum(1 for _ in os.scandir(results))
    print(f"{size} tests: {files} files, {written / 1e6:.1f} MB written in {made:.1f} s", flush=True)
    project = make_project(folder, results)
    single, reason = picked_mode(project)
    print(f"  mode: {'single file' if single else 'folder'} {reason}", flush=True)
    uatkit = [str(ROOT / ".venv" / "bin" / "uatkit"), "report", "-C", str(project), "--format", "json"]
    timings: dict[str, list[tuple[float, float, float]]] = {"cli": [], "report": [], "merge": [], "copy": []}
    for round_ in range(repeat):
        (project / "reports" / "allure-history.jsonl").unlink(missing_ok=True)
        jobs = {
            "cli": lambda: measured(allure_alone(project, results, folder / "cli-out", single), ROOT),
            "report": lambda: measured(uatkit, project),
            "merge": lambda: measured([sys.executable, "-c", _MERGE, str(project), str(results)], project),
            "copy": lambda: measured(
                [sys.executable, "-c", _COPY, str(results), str(folder / "copy")], project
            ),
        }
        if no_copy:
            del jobs["copy"]
        order = list(jobs) if round_ % 2 == 0 else list(reversed(jobs))
        for name in order:
            shutil.rmtree(folder / "copy", ignore_errors=True)
            (project / "reports" / "allure-history.jsonl").unlink(missing_ok=True)
            wall, cpu, peak, stdout = jobs[name]()
            timings[name].append((wall, cpu, peak))
            if name == "report":
                shown = json.loads(stdout)
                assert shown["single_file"] == single, shown
            print(f"  round {round_ + 1} {name}: {wall:.2f} s, CPU {cpu:.2f} s, {peak:.0f} MB", flush=True)
    row: dict[str, object] = {"size": size, "files": files, "mb": written / 1e6, "single": single}
    timings = {name: pairs or [(float("nan"),) * 3] for name, pairs in timings.items()}
    for name, pairs in timings.items():
        row[name] = statistics.median(w for w, _, _ in pairs)
        row[f"{name}_cpu"] = statistics.median(c for _, c, _ in pairs)
        row[f"{name}_mb"] = max(p for _, _, p in pairs)
    shutil.rmtree(folder)
    return row


def profile_merge(size: int, base: Path) -> None:
    """Print where uatkit's merge spends its time on `size` tests (cProfile, top 25 by cumulative time)."""
    from uatkit.allure.generate import report_environment
    from uatkit.project import load_project
    from uatkit.trace.evidence import merge_and_declare

    folder = base / f"profile-{size}"
    results = folder / "results"
    write_results(results, size)
    project = load_project(make_project(folder, results))
    profiler = cProfile.Profile()
    profiler.enable()
    merge_and_declare(project, [results], report_environment(project.config, commit=""), None)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(25)
    print(stream.getvalue())
    shutil.rmtree(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000,80000", help="tests per size, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per size (1 above 40,000 tests)")
    parser.add_argument("--profile", type=int, metavar="SIZE", help="only profile the merge at SIZE tests")
    parser.add_argument("--no-copy", action="store_true", help="skip the bare copy (the merge's floor)")
    args = parser.parse_args(argv)
    if not (ROOT / "node_modules" / "allure" / "package.json").is_file():
        raise SystemExit("the Allure CLI is not installed: run `npm ci` in the repository")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    load = Path("/proc/loadavg").read_text().split()[0]
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{platform.python_version()}, {os.cpu_count()} cores, load {load}, {now}")
    with tempfile.TemporaryDirectory(prefix="uatkit-report-size-") as temp:
        if args.profile:
            profile_merge(args.profile, Path(temp))
            return 0
        rows = [
            run_size(size, args.repeat if size <= 40_000 else 1, Path(temp), args.no_copy) for size in sizes
        ]
    print(f"load after {Path('/proc/loadavg').read_text().split()[0]}")
    print(
        "| tests | files | MB | mode | Allure CLI s (CPU s) | uatkit report s (CPU s) "
        "| report / CLI wall (CPU) | merge s (CPU s) | merge / CLI wall (CPU) | copy floor s "
        "| CLI peak MB | report peak MB | merge peak MB |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        wall = {k: float(row[k]) for k in ("cli", "report", "merge", "copy")}  # type: ignore[arg-type]
        cpu = {k: float(row[f"{k}_cpu"]) for k in ("cli", "report", "merge")}  # type: ignore[arg-type]
        mode = "single file" if row["single"] else "folder"
        print(
            f"| {row['size']:,} | {row['files']:,} | {float(row['mb']):.0f} | {mode} "  # type: ignore[arg-type]
            f"| {wall['cli']:.2f} ({cpu['cli']:.2f}) | {wall['report']:.2f} ({cpu['report']:.2f}) "
            f"| {wall['report'] / wall['cli']:.2f} ({cpu['report'] / cpu['cli']:.2f}) "
            f"| {wall['merge']:.2f} ({cpu['merge']:.2f}) "
            f"| {wall['merge'] / wall['cli']:.2f} ({cpu['merge'] / cpu['cli']:.2f}) | {wall['copy']:.2f} "
            f"| {row['cli_mb']:.0f} | {row['report_mb']:.0f} | {row['merge_mb']:.0f} |"
        )
    if len(rows) > 1:
        first = rows[0]
        print("\nGrowth (seconds per test relative to the smallest size; 1.00 = linear):")
        keys = ("cli", "report", "merge", "cli_cpu", "report_cpu", "merge_cpu")
        for row in rows:
            scale = int(row["size"]) / int(first["size"])  # type: ignore[call-overload]
            parts = [f"{k} {float(row[k]) / float(first[k]) / scale:.2f}" for k in keys]  # type: ignore[arg-type]
            print(f"  ×{scale:g}: " + ", ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
