"""Time an unrelated pytest project (no [tool.uatkit]) with uatkit installed, against `-p no:uatkit`.

Usage: python benchmarks/plugin_inert.py [--tests 500] [--repeat 7]

The script writes a plain pytest project to a temporary folder (`--tests` small tests in modules of 10, a
conftest with a fixture, a pyproject.toml with [tool.pytest.ini_options] and no [tool.uatkit]), then
alternates two pytest sessions in subprocesses, `--repeat` times each after one untimed warm-up round:

- without: `-p no:uatkit` (as if uatkit were not installed);
- with: the entry point loaded, which only registers its options and finds no [tool.uatkit].

Both must pass every test. The target is a median wall-time ratio with/without of at most 1.02; the
median of the per-round ratios is printed too (it cancels slow spells of a shared machine). Exit 1 when
the target is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.02
PER_MODULE = 10
MODES: dict[str, tuple[str, ...]] = {"without": ("-p", "no:uatkit"), "with": ()}
BASE_ARGS = ("-q", "-p", "no:cacheprovider", "-p", "no:randomly")
SCRUBBED_ENV = (
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTHONDONTWRITEBYTECODE",
)

PYPROJECT = """\
[project]
name = "unrelated"
version = "1.0"

[tool.pytest.ini_options]
testpaths = ["tests"]
"""

CONFTEST = """\
import pytest


@pytest.fixture
def numbers():
    return list(range(10))
"""


def module_text(number: int) -> str:
    """Return one test module of PER_MODULE small tests."""
    tests = [
        f"def test_sum_{number}_{case}(numbers):\n    assert sum(numbers) + {case} == {45 + case}\n"
        for case in range(PER_MODULE)
    ]
    return "\n\n".join(tests)


def build_project(root: Path, tests: int) -> None:
    """Write the unrelated project."""
    modules, rest = divmod(tests, PER_MODULE)
    if rest or modules == 0:
        raise SystemExit(f"--tests must be a positive multiple of {PER_MODULE}, not {tests}")
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "tests" / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    for number in range(modules):
        (root / "tests" / f"test_module_{number}.py").write_text(module_text(number), encoding="utf-8")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(root: Path, mode: str, expected: int) -> tuple[float, float]:
    """Run one session and return its wall and CPU time; stop the benchmark unless it passed in full."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONPYCACHEPREFIX"] = str(root.parent / "pycache")
    command = [sys.executable, "-m", "pytest", *BASE_ARGS, *MODES[mode]]
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    passed = re.search(r"(\d+) passed", summary)
    if done.returncode != 0 or passed is None or int(passed.group(1)) != expected:
        sys.exit(
            f"{mode}: expected {expected} passed, got {summary!r}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    if mode == "with" and "uatkit" in done.stdout.replace(summary, ""):
        sys.exit(f"with: the plugin printed something in an unrelated project:\n{done.stdout[-2000:]}")
    return seconds, cpu


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the medians and the ratio; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=500, help="number of tests (default 500)")
    parser.add_argument("--repeat", type=int, default=7, help="alternating rounds (default 7)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    cpus: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="uatkit-inert-") as folder:
        root = Path(folder) / "project"
        build_project(root, args.tests)
        for round_ in range(args.repeat + 1):
            for mode in MODES:
                seconds, cpu = run(root, mode, args.tests)
                if round_:
                    times[mode].append(seconds)
                    cpus[mode].append(cpu)
                name = f"round {round_}" if round_ else "warm-up"
                print(f"{name}: {mode:<7} {seconds:6.3f} s, CPU {cpu:6.3f} s")
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    ratio = medians["with"] / medians["without"]
    paired = statistics.median(w / o for w, o in zip(times["with"], times["without"], strict=True))
    for mode, values in times.items():
        print(f"{mode:<7} median {medians[mode]:.3f} s, min {min(values):.3f} s, max {max(values):.3f} s")
        print(f"{mode:<7} CPU median {statistics.median(cpus[mode]):.3f} s")
    cpu_ratio = statistics.median(cpus["with"]) / statistics.median(cpus["without"])
    print(f"ratio with/without (median CPU) = {cpu_ratio:.3f}")
    print(
        f"{args.tests} tests, {args.repeat} rounds; Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; "
        f"1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print(f"median of the per-round ratios with/without: {paired:.3f}")
    met = ratio <= TARGET
    verdict = "met" if met else "MISSED"
    print(f"ratio with/without (median wall) = {ratio:.3f}; target: <= {TARGET:g} - {verdict}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
