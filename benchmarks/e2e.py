"""Seconds per browser scenario: the demo suite's e2e level, serial and with pytest-xdist -n 2.

    .venv/bin/python benchmarks/e2e.py [--repeat 2]

Runs `pytest --uatkit-level e2e` in the repository (the session starts the demo system itself), parses
pytest's summary line, and prints wall time per passed e2e scenario for each mode and the speed-up of -n 2.
The same run also times the integration level, as a baseline without a browser.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"(\d+) passed")


def run(level: str, workers: int) -> tuple[float, int]:
    """Return (wall seconds, passed) of one pytest run at one level."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--uatkit-level", level]
    if workers > 1:
        command += ["-n", str(workers)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    match = SUMMARY.search(last)
    if done.returncode != 0 or not match:
        raise SystemExit(
            f"pytest --uatkit-level {level} -n {workers} failed:\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return elapsed, int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for level in ("e2e", "integration"):
        for workers in (1, 2):
            times, passed = [], 0
            for _ in range(args.repeat):
                elapsed, passed = run(level, workers)
                times.append(elapsed)
            median = statistics.median(times)
            rows.append((level, workers, passed, median, median / passed))
    print(f"{'level':<12} {'workers':>7} {'passed':>7} {'wall s':>8} {'s/scenario':>11}")
    for level, workers, passed, median, per in rows:
        print(f"{level:<12} {workers:>7} {passed:>7} {median:>8.2f} {per:>11.3f}")
    e2e = {w: m for lvl, w, _, m, _ in rows if lvl == "e2e"}
    print(f"e2e speed-up with -n 2: {e2e[1] / e2e[2]:.2f}x (wall time includes pytest start-up and the demo)")


if __name__ == "__main__":
    main()
