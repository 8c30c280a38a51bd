"""Time the shard split (`--uatkit-shard K/N`) against a bare round-robin floor, at ×1, ×4 and ×16 tests.

    .venv/bin/python benchmarks/shard_split.py [--tests 10000] [--shards 4] [--repeat 5] [--quick]

Each pytest session of a shard splits every collected node ID once (each xdist worker too). Two splits,
alternated round by round in one process (median of `--repeat` rounds), on synthetic node IDs shaped like
the demo's (`steps/test_features.py::test_acN_…[level-row]`):

- uatkit: `uatkit.pytest_plugin.shard.split` with a durations file's worth of recorded seconds (two tests in
  three known, the rest weighing the mean): longest first to the lightest group, then each group in
  collection order;
- floor: the node IDs sorted and dealt round-robin (what any stable split must at least do), no durations.

Prints µs per test for each size (flat = linear) and uatkit / floor; checks that both give N disjoint groups
that together are every test, or exits 1.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from uatkit.pytest_plugin.shard import split

Splitter = Callable[[list[str], int, dict[str, float]], list[list[str]]]


def node_ids(count: int, seed: int = 7) -> list[str]:
    """Return `count` node IDs of scenarios at levels and outline rows, in a collection-like order."""
    rnd = random.Random(seed)
    levels = ("unit", "integration", "e2e")
    ids = [
        f"steps/test_{n // 400:03d}.py::test_ac{n % 7}_case_{n}[{levels[n % 3]}-{rnd.randrange(100)}]"
        for n in range(count)
    ]
    return ids


def floor(ids: list[str], total: int, durations: dict[str, float]) -> list[list[str]]:
    """Deal the sorted node IDs round-robin: the least a split stable across machines does."""
    groups: list[list[str]] = [[] for _ in range(total)]
    for n, node in enumerate(sorted(ids)):
        groups[n % total].append(node)
    return groups


def check(ids: list[str], groups: list[list[str]], total: int) -> None:
    together = [node for group in groups for node in group]
    if len(groups) != total or len(together) != len(ids) or set(together) != set(ids):
        sys.exit("a split lost or repeated tests")


def measure(splitter: Splitter, ids: list[str], total: int, durations: dict[str, float]) -> float:
    start = time.perf_counter()
    groups = splitter(ids, total, durations)
    seconds = time.perf_counter() - start
    check(ids, groups, total)
    return seconds


def load() -> str:
    """Return the 1-minute load average."""
    path = Path("/proc/loadavg")
    return path.read_text().split()[0] if path.exists() else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=10_000, help="tests at ×1 (×4 and ×16 follow)")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1,000 tests at ×1, 3 rounds")
    args = parser.parse_args()
    base, repeat = (1_000, 3) if args.quick else (args.tests, args.repeat)
    before = load()
    rows = []
    for factor in (1, 4, 16):
        ids = node_ids(base * factor)
        rnd = random.Random(factor)
        durations = {node: rnd.uniform(0.01, 3.0) for n, node in enumerate(ids) if n % 3}
        times: dict[str, list[float]] = {"durations": [], "none": [], "floor": []}
        for _ in range(repeat):  # alternated rounds: the same load on all three
            times["durations"].append(measure(split, ids, args.shards, durations))
            times["none"].append(measure(split, ids, args.shards, {}))
            times["floor"].append(measure(floor, ids, args.shards, durations))
        rows.append((len(ids), *(statistics.median(times[k]) for k in ("durations", "none", "floor"))))
    print(f"split into {args.shards} shards, median of {repeat} alternated rounds; load {before} → {load()}")
    print("µs per test (flat = linear); ratio = uatkit / floor")
    print(f"{'tests':>8} {'with durations':>15} {'ratio':>6} {'no durations':>13} {'ratio':>6} {'floor':>7}")
    for count, timed, untimed, bare in rows:
        per = [t / count * 1e6 for t in (timed, untimed, bare)]
        print(
            f"{count:>8,} {per[0]:>15.2f} {timed / bare:>6.2f} {per[1]:>13.2f} {untimed / bare:>6.2f} "
            f"{per[2]:>7.2f}"
        )


if __name__ == "__main__":
    main()
